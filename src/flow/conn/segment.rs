//! Zeek's per-segment TCP processing (TCPSessionAdapter::Process), step by
//! step: sequence initialisation, history, counters, acknowledgements,
//! the endpoint state machine, content gaps, reassembly and closing.

use super::{at, at_mut, pair, Conn};
use crate::analyzers::{ConnFacts, Shared};
use crate::event::Emitter;
use crate::flow::history::{Flag, Scaled};
use crate::flow::key::{Dir, Side};
use crate::flow::reassembly::{Reassembler, FIRST_OFFSET};
use crate::flow::tcp::{self, Seg, TcpEndpoint, TcpState};
use crate::flow::{FlowConfig, FlowCounters};
use crate::time::{Micros, Ts};

/// TCP state of a connection.
pub(super) struct TcpConn {
    pub ep: [TcpEndpoint; 2],
    /// Made when the first payload byte (or an acknowledgement past the
    /// handshake) needs it: a connection that never carries data (a scan,
    /// a SYN flood) costs no reassembly state.
    pub reasm: Option<Box<[Reassembler; 2]>>,
    reasm_cap: usize,
    /// Zeek's partial-connection flag: a side's first packet was not a
    /// plain SYN (suppresses gaps at the very start of the stream).
    pub is_partial: bool,
    pub first_seen: [bool; 2],
    /// Time of the originator's first SYN (Zeek's connection-attempt timer).
    pub attempt_at: Option<Ts>,
    /// A close completed: the connection is removed at this time.
    pub close_at: Option<Ts>,
    /// An incomplete close armed Zeek's expire timer from this time on.
    pub close_chain: Option<Ts>,
    /// A side's close waits for the data still missing below its FIN.
    pub close_deferred: [bool; 2],
    /// Left the handshake: the long inactivity timeout applies.
    pub established: bool,
    pub missed: u64,
    /// Bytes of either direction were lost (Zeek's reassembler `had_gap`).
    pub had_gap: bool,
}

impl TcpConn {
    pub fn new(cap: usize) -> TcpConn {
        TcpConn {
            ep: [TcpEndpoint::default(), TcpEndpoint::default()],
            reasm: None,
            reasm_cap: cap,
            is_partial: false,
            first_seen: [false; 2],
            attempt_at: None,
            close_at: None,
            close_chain: None,
            close_deferred: [false; 2],
            established: false,
            missed: 0,
            had_gap: false,
        }
    }

    /// `dir`'s reassembler, when it was made.
    fn reasm(&self, dir: Dir) -> Option<&Reassembler> {
        self.reasm.as_deref().map(|r| at(r, dir))
    }

    /// `dir`'s reassembler, made now if it was not.
    fn reasm_mut(&mut self, dir: Dir) -> &mut Reassembler {
        let cap = self.reasm_cap;
        let both = self
            .reasm
            .get_or_insert_with(|| Box::new([Reassembler::new(cap), Reassembler::new(cap)]));
        at_mut(both, dir)
    }

    fn both_clean(&self) -> bool {
        self.ep[0].is_clean() && self.ep[1].is_clean()
    }

    /// Zeek's DataPending: bytes still missing below `dir`'s FIN, or waiting
    /// out of order (on the peer's side too, unless `dir` reset).
    fn data_pending(&self, dir: Dir) -> bool {
        let e = at(&self.ep, dir);
        let position = self.reasm(dir).map_or(FIRST_OFFSET, Reassembler::position);
        let pending = |d: Dir| self.reasm(d).is_some_and(Reassembler::has_pending);
        let hole_below_fin =
            e.fin_cnt > 0 && e.state != TcpState::Reset && position.saturating_add(1) < e.fin_seq;
        hole_below_fin || pending(dir) || (e.state != TcpState::Reset && pending(dir.flip()))
    }

    /// Zeek's ConnectionClosed for the side `dir`.
    fn closed(&mut self, dir: Dir, last: Ts, cfg: &FlowConfig) {
        if self.data_pending(dir) {
            *at_mut(&mut self.close_deferred, dir) = true;
            return;
        }
        *at_mut(&mut self.close_deferred, dir) = false;
        let (e, p) = pair(&mut self.ep, dir);
        if e.did_close {
            return;
        }
        e.did_close = true;
        let complete = e.state == TcpState::Reset || p.did_close || p.state == TcpState::Inactive;
        if complete {
            let at = last.plus(cfg.tcp_close_delay);
            self.close_at = Some(self.close_at.map_or(at, |c| c.min(at)));
        } else if e.prev_state != TcpState::Inactive {
            self.close_chain
                .get_or_insert(last.plus(Micros::from_secs(6)));
        }
    }

    /// When Zeek's timers would remove the connection, given its first and
    /// last packet times.
    pub fn deadline(&self, start: Ts, last: Ts, cfg: &FlowConfig) -> Ts {
        use TcpState::*;
        // Until the handshake is over Zeek uses the UDP timeout for TCP too.
        let idle = if self.established {
            cfg.tcp_inactivity
        } else {
            cfg.udp_inactivity
        };
        let mut d = last.plus(idle);
        if let Some(c) = self.close_at {
            d = d.min(c);
        }
        let (o, r) = (&self.ep[0], &self.ep[1]);
        if let Some(a) = self.attempt_at {
            if matches!(o.state, SynSent | SynAckSent) && r.state == Inactive {
                d = d.min(a.plus(cfg.tcp_attempt_delay));
            }
        }
        // Zeek's expire timer: runs from creation+5 s (and from 6 s after an
        // incomplete close) every 6 s, and removes a connection that has been
        // idle for 5 s once a side closed and the other closed, reset or
        // never spoke.
        let any = |s: TcpState| o.state == s || r.state == s;
        let closing = (o.state == Closed && r.state == Closed) || any(Reset) || any(Inactive);
        if (o.did_close || r.did_close) && closing {
            let idle_from = last.plus(Micros::from_secs(5));
            let mut chains = vec![start.plus(Micros::from_secs(5))];
            chains.extend(self.close_chain);
            for base in chains {
                d = d.min(next_tick(base, idle_from));
            }
        }
        d
    }
}

/// The first time `base + 6k` (k ≥ 0) strictly after `after`.
fn next_tick(base: Ts, after: Ts) -> Ts {
    const PERIOD: i64 = Micros::from_secs(6).0;
    if base > after {
        return base;
    }
    let k = (after.since(base).0 / PERIOD).saturating_add(1);
    base.plus(Micros(k.saturating_mul(PERIOD)))
}

impl Conn {
    /// Handles one TCP segment.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn tcp_packet(
        &mut self,
        ts: Ts,
        side: Side,
        seq: u32,
        ack: u32,
        flags: u8,
        window: u16,
        len: u32,
        ip_len: u32,
        payload: &[u8],
        cfg: &FlowConfig,
        em: &mut Emitter,
        counters: &mut FlowCounters,
        shared: &mut Shared,
    ) {
        use crate::decode::tcp_flags as F;
        let s = Seg {
            syn: flags & F::SYN != 0,
            ack: flags & F::ACK != 0,
            fin: flags & F::FIN != 0,
            rst: flags & F::RST != 0,
            len,
        };
        let mut dir = self.dir(side);
        let is_orig = dir == Dir::Orig;
        let mut weirds: Vec<&'static str> = Vec::new();
        let Some(t) = self.tcp.as_mut() else {
            return;
        };

        // Zeek's SetPartialStatus, on each side's first packet.
        let first_seen = at_mut(&mut t.first_seen, dir);
        if !*first_seen {
            *first_seen = true;
            let partial = if is_orig { !s.syn || s.ack } else { !s.syn };
            t.is_partial |= partial;
        }

        // Sequence space: modulo 2^32.
        let mut seg_len = s
            .len
            .wrapping_add(u32::from(s.syn))
            .wrapping_add(u32::from(s.fin));
        if s.rst {
            seg_len = seg_len.wrapping_sub(s.len);
        }
        let end_seq = seq.wrapping_add(seg_len);
        {
            let (e, p) = pair(&mut t.ep, dir);
            let size_before = e.size(p.state);
            let was_inactive = e.state == TcpState::Inactive;
            weirds.extend(e.init(s.syn, seq, end_seq, size_before));
            if was_inactive && s.syn && is_orig && t.attempt_at.is_none() {
                t.attempt_at = Some(ts);
            }
        }
        let (rel_seq, underflow) = at(&t.ep, dir).rel_seq(seq);
        if underflow && !s.rst {
            weirds.push("TCP_seq_underflow_or_misorder");
        }

        // History. A lone SYN-ACK followed by an ACK or data flips the roles.
        let k = [s.syn, s.fin, s.rst].into_iter().filter(|&f| f).count();
        if k >= 2 {
            let code = if s.fin && s.rst { b'I' } else { b'Q' };
            self.history.once(dir, code);
        } else if k == 1 {
            if s.syn {
                let code = if s.ack { b'H' } else { b'S' };
                self.history.flag(dir, Flag::Syn, code, rel_seq);
            } else if s.fin {
                let at = rel_seq.wrapping_add(u64::from(s.len));
                self.history.flag(dir, Flag::Fin, b'F', at);
            } else {
                self.history.flag(dir, Flag::Rst, b'R', rel_seq);
            }
        } else if s.len > 0 || s.ack {
            if self.history.is_lone_syn_ack() {
                self.history.flip_lone_syn_ack();
                flip_roles(&mut self.orig_side, &mut self.counts, t);
                self.app.id.flip();
                dir = dir.flip();
            }
            self.history.once(dir, if s.len > 0 { b'D' } else { b'A' });
        }
        {
            let (e, p) = (at(&t.ep, dir), at(&t.ep, dir.flip()));
            if window == 0 && !s.rst && p.state != TcpState::Closed && e.state != TcpState::Reset {
                self.history.scaled(dir, Scaled::ZeroWindow);
            }
        }

        // Packet counts (Zeek's ConnSize) and the clock, which stops once
        // both sides have closed.
        let c = at_mut(&mut self.counts, dir);
        c.pkts = c.pkts.saturating_add(1);
        c.ip_bytes = c.ip_bytes.saturating_add(u64::from(ip_len));
        if !(t.ep[0].did_close && t.ep[1].did_close) {
            self.last = self.last.max(ts);
        }

        let (e, p) = pair(&mut t.ep, dir);
        if s.fin {
            e.fin_cnt = e.fin_cnt.saturating_add(1);
            e.fin_seq = rel_seq.wrapping_add(u64::from(seg_len));
        }
        if s.rst {
            e.rst_cnt = e.rst_cnt.saturating_add(1);
        }
        let mut rel_ack = 0u64;
        if s.ack {
            if p.state == TcpState::Inactive {
                rel_ack = 1;
                p.init_from_ack(ack);
            } else {
                let (ra, u) = p.rel_ack(ack);
                if u {
                    weirds.push("TCP_ack_underflow_or_misorder");
                } else {
                    rel_ack = ra;
                    if !s.rst {
                        p.update_ack(ack);
                    }
                }
            }
        }
        if e.update_last(end_seq, s.syn, s.fin, s.rst, s.len) {
            self.history.scaled(dir, Scaled::Retransmit);
        }
        let orig_state = if dir == Dir::Orig { e.state } else { p.state };
        let tr = tcp::update_state(e, p, is_orig, orig_state, s);
        weirds.extend(tr.weird);
        if !e.state.in_handshake() || !p.state.in_handshake() {
            t.established = true;
        }
        if tr.flip {
            // SYN/SYN-ACK captured in reverse order: the SYN's sender is the
            // originator after all.
            t.is_partial = false;
            self.history.flipped();
            flip_roles(&mut self.orig_side, &mut self.counts, t);
            self.app.id.flip();
            dir = dir.flip();
        }

        self.app.facts = ConnFacts {
            partial: t.is_partial,
            had_gap: t.had_gap,
            payload_bytes: {
                let [o, r] = &t.ep;
                o.size(r.state).saturating_add(r.size(o.state))
            },
        };
        self.app.established = t.established || t.is_partial;
        let mut sink = self.app.sink(dir, ts, em, shared);

        // Acknowledgement of the peer's stream: bytes acked but never seen
        // are a content gap.
        let peer_dir = dir.flip();
        if s.ack {
            let p = at(&t.ep, peer_dir);
            let mut a = rel_ack;
            if p.fin_cnt > 0 && a >= p.fin_seq {
                a = p.fin_seq.saturating_sub(1);
            }
            // A new reassembler ignores acknowledgements up to its first
            // offset: only one past it needs to be made.
            if !(a <= 2 && t.is_partial) && (a > FIRST_OFFSET || t.reasm.is_some()) {
                let clean = t.both_clean();
                sink.dir = peer_dir;
                let gaps = t.reasm_mut(peer_dir).acked(a, &mut sink);
                t.had_gap |= gaps > 0;
                if gaps > 0 && clean {
                    t.missed = t.missed.saturating_add(gaps);
                    self.history.scaled(peer_dir, Scaled::Gap);
                }
            }
        }

        // This segment's payload into the reassembler.
        if s.len > 0 && !s.rst && !underflow {
            if payload.len() < s.len as usize {
                // Cut by the snaplen: nothing is inserted, so the missing
                // bytes become a gap when they are acknowledged.
                weirds.push("truncated_tcp_payload");
            } else {
                let rel_data = rel_seq.wrapping_add(u64::from(s.syn));
                sink.dir = dir;
                let o = t.reasm_mut(dir).segment(rel_data, payload, &mut sink);
                if o.inconsistent {
                    weirds.push("rexmit_inconsistency");
                }
                t.had_gap |= o.cap_gap > 0;
                if o.cap_gap > 0 {
                    counters.reassembly_cap_hits = counters.reassembly_cap_hits.saturating_add(1);
                    weirds.push("reassembly_buffer_cap");
                    if t.both_clean() {
                        t.missed = t.missed.saturating_add(o.cap_gap);
                        self.history.scaled(dir, Scaled::Gap);
                    }
                }
            }
        }

        if tr.do_close {
            t.closed(dir, self.last, cfg);
        }
        // Closes that waited for missing data go through once it is in.
        for d in [Dir::Orig, Dir::Resp] {
            if *at(&t.close_deferred, d) && !t.data_pending(d) {
                t.closed(d, self.last, cfg);
            }
        }
        for w in weirds {
            self.weird(ts, w, "TCP", em, counters);
        }
    }

    /// Skips every hole of both directions (the table's reassembly budget
    /// ran out), delivering what is buffered; the skipped bytes are missed.
    pub(super) fn tcp_flush(
        &mut self,
        ts: Ts,
        em: &mut Emitter,
        counters: &mut FlowCounters,
        shared: &mut Shared,
    ) {
        let Some(t) = self.tcp.as_mut() else {
            return;
        };
        let mut skipped: u64 = 0;
        for dir in [Dir::Orig, Dir::Resp] {
            let mut sink = self.app.sink(dir, ts, em, shared);
            // A reassembler never made holds nothing to skip.
            let g = t
                .reasm
                .as_deref_mut()
                .map_or(0, |r| at_mut(r, dir).finish(&mut sink));
            if g > 0 {
                self.history.scaled(dir, Scaled::Gap);
            }
            skipped = skipped.saturating_add(g);
        }
        if skipped > 0 {
            if t.both_clean() {
                t.missed = t.missed.saturating_add(skipped);
            }
            counters.reassembly_cap_hits = counters.reassembly_cap_hits.saturating_add(1);
            self.weird(ts, "reassembly_budget_exhausted", "TCP", em, counters);
        }
    }
}

/// Zeek's Connection::FlipRoles: the originator becomes the responder.
fn flip_roles(orig_side: &mut Side, counts: &mut [super::Counts; 2], t: &mut TcpConn) {
    *orig_side = match *orig_side {
        Side::A => Side::B,
        Side::B => Side::A,
    };
    counts.swap(0, 1);
    t.ep.swap(0, 1);
    if let Some(r) = t.reasm.as_deref_mut() {
        r.swap(0, 1);
    }
    t.first_seen.swap(0, 1);
    t.close_deferred.swap(0, 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expire_ticks() {
        assert_eq!(next_tick(Ts(10), Ts(1)), Ts(10));
        assert_eq!(next_tick(Ts(0), Ts(1)), Ts(6_000_000));
        // After creation+5 s the next ticks are 6 s apart.
        assert_eq!(next_tick(Ts(5_000_000), Ts(6_500_000)), Ts(11_000_000));
        assert_eq!(next_tick(Ts(5_000_000), Ts(11_000_000)), Ts(17_000_000));
    }
}
