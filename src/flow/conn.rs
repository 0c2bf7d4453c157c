//! One tracked connection: its originator, counters, Zeek's TCP state
//! machine and history, TCP reassembly and the protocol analyzer.
//!
//! Invariants:
//! - `orig_side` says which side of the canonical key is the originator;
//!   the roles flip only where Zeek flips them (at creation by likely server
//!   port, or a connection that began with a lone SYN-ACK), recorded as '^';
//! - byte counts come from sequence numbers for TCP (as Zeek does) and from
//!   length fields for UDP and ICMP;
//! - the record is produced exactly once, by [`Conn::finish`], and weirds
//!   are logged at most once per name per connection (all are counted).

use super::conn_log::{is_local, ConnRecord};
use super::history::{Flag, History, Scaled};
use super::key::{make_uid, Dir, FlowKey, Side};
use super::ports::likely_server_port;
use super::reassembly::{Reassembler, StreamSink};
use super::tcp::{self, Seg, TcpEndpoint, TcpState};
use super::{FlowConfig, FlowCounters};
use crate::analyzers::{self, Analyzer, Context};
use crate::decode::{tcp_flags as F, Addr, Decoded, Transport};
use crate::record::{Emitter, Record};
use crate::time::{Micros, Ts};
use crate::weird::{WeirdConn, WeirdRecord};

#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    pkts: u64,
    ip_bytes: u64,
    /// Payload bytes for UDP and ICMP; TCP sizes come from sequence numbers.
    size: u64,
    /// UDP: a datagram was seen from this side.
    active: bool,
}

struct TcpConn {
    ep: [TcpEndpoint; 2],
    reasm: [Reassembler; 2],
    /// The connection was first seen without its SYN.
    is_partial: bool,
    /// Time of the originator's first SYN (Zeek's connection-attempt timer).
    attempt_at: Option<Ts>,
    /// A close completed: the connection is removed at this time.
    close_at: Option<Ts>,
    /// A side closed without completing the close: Zeek's expire timer applies.
    expire_check: bool,
    /// Left the handshake: the long inactivity timeout applies.
    established: bool,
    missed: u64,
}

pub struct Conn {
    pub key: FlowKey,
    pub first_seq: u64,
    orig_side: Side,
    start: Ts,
    last: Ts,
    counts: [Counts; 2],
    history: History,
    tcp: Option<Box<TcpConn>>,
    analyzer: Option<Box<dyn Analyzer>>,
    services: Vec<&'static str>,
    weirds_logged: Vec<&'static str>,
    uid: String,
}

/// Feeds one direction's reassembled stream to the analyzer, if any.
struct AnalyzerSink<'a, 'b> {
    dir: Dir,
    analyzer: Option<&'a mut Box<dyn Analyzer>>,
    cx: Context<'b>,
}

impl StreamSink for AnalyzerSink<'_, '_> {
    fn data(&mut self, bytes: &[u8]) {
        if let Some(a) = self.analyzer.as_mut() {
            a.on_data(self.dir, bytes, &mut self.cx);
        }
    }
    fn gap(&mut self, len: u64) {
        if let Some(a) = self.analyzer.as_mut() {
            a.on_gap(self.dir, len, &mut self.cx);
        }
    }
}

fn other(s: Side) -> Side {
    match s {
        Side::A => Side::B,
        Side::B => Side::A,
    }
}

fn dir_of(idx: usize) -> Dir {
    if idx == 0 {
        Dir::Orig
    } else {
        Dir::Resp
    }
}

/// Mutable references to (this direction's item, the other direction's item).
fn pair<T>(a: &mut [T; 2], dir: Dir) -> (&mut T, &mut T) {
    let [o, r] = a;
    match dir {
        Dir::Orig => (o, r),
        Dir::Resp => (r, o),
    }
}

/// Zeek's choice of originator for a connection's first packet: flip when
/// the sender's port looks like a server's (never for a plain SYN).
fn flip_at_creation(d: &Decoded) -> bool {
    let broadcast = !d.dst.v6 && d.dst.bytes[12..] == [255, 255, 255, 255];
    match d.transport {
        Transport::Tcp {
            sport,
            dport,
            flags,
            ..
        } => {
            let syn = flags & F::SYN != 0;
            if syn && flags & F::ACK == 0 {
                return false;
            }
            if !likely_server_port(6, sport) || broadcast {
                return false;
            }
            if likely_server_port(6, dport) {
                !syn && sport < dport
            } else {
                true
            }
        }
        Transport::Udp { sport, dport, .. } => {
            !broadcast && likely_server_port(17, sport) && !likely_server_port(17, dport)
        }
        _ => false,
    }
}

impl Conn {
    pub fn new(key: FlowKey, side: Side, seq: u64, ts: Ts, d: &Decoded, cfg: &FlowConfig) -> Conn {
        let mut history = History::default();
        let mut orig_side = side;
        if flip_at_creation(d) {
            orig_side = other(side);
            history.flipped();
        }
        let tcp = (key.proto == 6).then(|| {
            let syn = matches!(d.transport, Transport::Tcp { flags, .. } if flags & F::SYN != 0);
            Box::new(TcpConn {
                ep: [TcpEndpoint::default(), TcpEndpoint::default()],
                reasm: [
                    Reassembler::new(cfg.reassembly_cap),
                    Reassembler::new(cfg.reassembly_cap),
                ],
                is_partial: !syn,
                attempt_at: None,
                close_at: None,
                expire_check: false,
                established: false,
                missed: 0,
            })
        });
        let resp_p = match orig_side {
            Side::A => key.b_port,
            Side::B => key.a_port,
        };
        Conn {
            key,
            first_seq: seq,
            orig_side,
            start: ts,
            last: ts,
            counts: [Counts::default(); 2],
            history,
            tcp,
            analyzer: analyzers::for_connection(key.proto, resp_p),
            services: Vec::new(),
            weirds_logged: Vec::new(),
            uid: make_uid(&key, seq),
        }
    }

    /// Attaches a protocol analyzer (used by tests of the analyzer plumbing).
    #[cfg(test)]
    pub fn set_analyzer(&mut self, a: Box<dyn Analyzer>) {
        self.analyzer = Some(a);
    }

    fn dir(&self, side: Side) -> Dir {
        if side == self.orig_side {
            Dir::Orig
        } else {
            Dir::Resp
        }
    }

    fn addrs(&self) -> (Addr, Addr, u16, u16) {
        let k = &self.key;
        match self.orig_side {
            Side::A => (k.a, k.b, k.a_port, k.b_port),
            Side::B => (k.b, k.a, k.b_port, k.a_port),
        }
    }

    /// When this connection should be logged if nothing else arrives,
    /// following Zeek's timers (inactivity, attempt, close, expire).
    pub fn deadline(&self, cfg: &FlowConfig) -> Ts {
        let Some(t) = &self.tcp else {
            let idle = match self.key.proto {
                17 => cfg.udp_inactivity,
                1 | 58 => cfg.icmp_inactivity,
                _ => cfg.other_inactivity,
            };
            return self.last.plus(idle);
        };
        // Until the handshake is over Zeek uses the UDP timeout for TCP too.
        let idle = if t.established {
            cfg.tcp_inactivity
        } else {
            cfg.udp_inactivity
        };
        let mut d = self.last.plus(idle);
        if let Some(c) = t.close_at {
            d = d.min(c);
        }
        let (o, r) = (&t.ep[0], &t.ep[1]);
        if let Some(a) = t.attempt_at {
            if matches!(o.state, TcpState::SynSent | TcpState::SynAckSent)
                && r.state == TcpState::Inactive
            {
                d = d.min(a.plus(cfg.tcp_attempt_delay));
            }
        }
        if t.expire_check {
            use TcpState::*;
            let any = |s: TcpState| o.state == s || r.state == s;
            let closing = (o.state == Closed && r.state == Closed) || any(Reset) || any(Inactive);
            if (o.did_close || r.did_close) && closing {
                // Zeek's expire timer runs at start+5 s and then every 6 s,
                // and removes the connection once it has been idle for 5 s.
                let period = Micros::from_secs(6).0;
                let k = self.last.since(self.start).0.max(0) / period + 1;
                d = d.min(self.start.plus(Micros(cfg.tcp_close_delay.0 + k * period)));
            }
        }
        d
    }

    /// Whether a SYN on this still-tracked connection starts a new one
    /// (Zeek's port-reuse check, made before the packet is applied).
    pub fn is_reused_by(&self, d: &Decoded, _side: Side) -> bool {
        let (Some(t), Transport::Tcp { flags, seq, .. }) = (&self.tcp, d.transport) else {
            return false;
        };
        if flags & F::SYN == 0 {
            return false;
        }
        let (o, r) = (&t.ep[0], &t.ep[1]);
        let closed = o.did_close || r.did_close;
        if flags & F::ACK == 0 {
            if closed {
                return true;
            }
            let reversal = o.state == TcpState::SynAckSent
                && r.state == TcpState::Inactive
                && seq == r.start_seq;
            !(seq == o.start_seq || reversal)
        } else {
            if o.state != TcpState::Inactive {
                return false;
            }
            closed || seq != r.start_seq
        }
    }

    fn weird(
        &mut self,
        ts: Ts,
        name: &'static str,
        source: &'static str,
        em: &mut Emitter,
        counters: &mut FlowCounters,
    ) {
        counters.weirds += 1;
        if self.weirds_logged.contains(&name) {
            return;
        }
        self.weirds_logged.push(name);
        let (oh, rh, op, rp) = self.addrs();
        em.emit(Record::Weird(Box::new(WeirdRecord {
            ts,
            conn: Some(WeirdConn {
                uid: Some(self.uid.clone()),
                orig_h: oh.to_ip(),
                orig_p: op,
                resp_h: rh.to_ip(),
                resp_p: rp,
            }),
            name,
            addl: None,
            source,
        })));
    }

    /// Handles one packet of this connection.
    #[allow(clippy::too_many_arguments)]
    pub fn packet(
        &mut self,
        ts: Ts,
        d: &Decoded,
        side: Side,
        payload: &[u8],
        em: &mut Emitter,
        counters: &mut FlowCounters,
    ) {
        match d.transport {
            Transport::Tcp {
                seq,
                ack,
                flags,
                window,
                ..
            } => self.tcp_packet(ts, side, seq, ack, flags, window, d, payload, em, counters),
            Transport::Udp { ulen, .. } => {
                let dir = self.dir(side);
                self.last = self.last.max(ts);
                if u32::from(ulen) != d.payload_claimed + 8 {
                    self.weird(ts, "UDP_datagram_length_mismatch", "UDP", em, counters);
                }
                let c = &mut self.counts[dir.idx()];
                c.pkts += 1;
                c.ip_bytes += u64::from(d.ip_len);
                c.size += u64::from(ulen.saturating_sub(8));
                c.active = true;
                self.history.once(dir, b'D');
                if let Some(a) = self.analyzer.as_mut() {
                    let mut cx = Context {
                        ts,
                        uid: &self.uid,
                        emitter: em,
                        services: &mut self.services,
                    };
                    a.on_data(dir, payload, &mut cx);
                }
            }
            Transport::Icmp { .. } | Transport::Other => {
                let dir = self.dir(side);
                self.last = self.last.max(ts);
                let c = &mut self.counts[dir.idx()];
                c.pkts += 1;
                c.ip_bytes += u64::from(d.ip_len);
                if matches!(d.transport, Transport::Icmp { .. }) {
                    c.size += u64::from(d.payload_claimed.saturating_sub(8));
                }
                c.active = true;
            }
        }
    }

    /// Zeek's per-segment processing, step by step (TCPSessionAdapter::Process).
    #[allow(clippy::too_many_arguments)]
    fn tcp_packet(
        &mut self,
        ts: Ts,
        side: Side,
        seq: u32,
        ack: u32,
        flags: u8,
        window: u16,
        d: &Decoded,
        payload: &[u8],
        em: &mut Emitter,
        counters: &mut FlowCounters,
    ) {
        let s = Seg {
            syn: flags & F::SYN != 0,
            ack: flags & F::ACK != 0,
            fin: flags & F::FIN != 0,
            rst: flags & F::RST != 0,
            len: d.payload_claimed,
        };
        let mut dir = self.dir(side);
        let is_orig = dir == Dir::Orig;
        let mut weirds: Vec<&'static str> = Vec::new();
        let Some(t) = self.tcp.as_mut() else {
            return;
        };

        let mut seg_len = s.len.wrapping_add(u32::from(s.syn) + u32::from(s.fin));
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
        let (rel_seq, underflow) = t.ep[dir.idx()].rel_seq(seq);
        if underflow && !s.rst {
            weirds.push("TCP_seq_underflow_or_misorder");
        }

        // History. A lone SYN-ACK followed by an ACK or data flips the roles.
        let k = u8::from(s.syn) + u8::from(s.fin) + u8::from(s.rst);
        if k >= 2 {
            let code = if s.fin && s.rst { b'I' } else { b'Q' };
            self.history.once(dir, code);
        } else if k == 1 {
            if s.syn {
                self.history
                    .flag(dir, Flag::Syn, if s.ack { b'H' } else { b'S' }, rel_seq);
            } else if s.fin {
                self.history
                    .flag(dir, Flag::Fin, b'F', rel_seq.wrapping_add(u64::from(s.len)));
            } else {
                self.history.flag(dir, Flag::Rst, b'R', rel_seq);
            }
        } else if s.len > 0 || s.ack {
            if self.history.is_lone_syn_ack() {
                self.history.flip_lone_syn_ack();
                self.orig_side = other(self.orig_side);
                self.counts.swap(0, 1);
                t.ep.swap(0, 1);
                t.reasm.swap(0, 1);
                dir = dir.flip();
            }
            self.history.once(dir, if s.len > 0 { b'D' } else { b'A' });
        }
        {
            let (e, p) = (&t.ep[dir.idx()], &t.ep[dir.flip().idx()]);
            if window == 0 && !s.rst && p.state != TcpState::Closed && e.state != TcpState::Reset {
                self.history.scaled(dir, Scaled::ZeroWindow);
            }
        }

        // Packet counts (Zeek's ConnSize) and the clock.
        let c = &mut self.counts[dir.idx()];
        c.pkts += 1;
        c.ip_bytes += u64::from(d.ip_len);
        if !(t.ep[0].did_close && t.ep[1].did_close) {
            self.last = self.last.max(ts);
        }

        let (e, p) = pair(&mut t.ep, dir);
        if s.fin {
            e.fin_cnt += 1;
            e.fin_seq = rel_seq.wrapping_add(u64::from(seg_len));
        }
        if s.rst {
            e.rst_cnt += 1;
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
        if tr.weird.is_none()
            && p.state == TcpState::Established
            && e.state == TcpState::Established
        {
            t.is_partial &= !s.ack || s.syn;
        }

        // Acknowledgement of the peer's stream: bytes acked but never seen
        // are a content gap.
        let peer_dir = dir.flip();
        if s.ack {
            let p = &t.ep[peer_dir.idx()];
            let mut a = rel_ack;
            if p.fin_cnt > 0 && a >= p.fin_seq {
                a = p.fin_seq.saturating_sub(1);
            }
            if !(a <= 2 && t.is_partial) {
                let clean = t.ep[0].is_clean() && t.ep[1].is_clean();
                let mut sink = AnalyzerSink {
                    dir: peer_dir,
                    analyzer: self.analyzer.as_mut(),
                    cx: Context {
                        ts,
                        uid: &self.uid,
                        emitter: em,
                        services: &mut self.services,
                    },
                };
                let gaps = t.reasm[peer_dir.idx()].acked(a, &mut sink);
                if gaps > 0 && clean {
                    t.missed += gaps;
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
                let mut sink = AnalyzerSink {
                    dir,
                    analyzer: self.analyzer.as_mut(),
                    cx: Context {
                        ts,
                        uid: &self.uid,
                        emitter: em,
                        services: &mut self.services,
                    },
                };
                let o = t.reasm[dir.idx()].segment(rel_data, payload, &mut sink);
                if o.inconsistent {
                    weirds.push("rexmit_inconsistency");
                }
                if o.cap_gap > 0 {
                    counters.reassembly_cap_hits += 1;
                    weirds.push("reassembly_buffer_cap");
                }
            }
        }

        if tr.do_close {
            let has_pending = t.reasm[dir.idx()].has_pending();
            let (e, p) = pair(&mut t.ep, dir);
            // A close with bytes still missing below it waits for the end.
            if !has_pending && !e.did_close {
                e.did_close = true;
                let complete =
                    e.state == TcpState::Reset || p.did_close || p.state == TcpState::Inactive;
                if complete {
                    let at = self.last.plus(Micros::from_secs(5));
                    t.close_at = Some(t.close_at.map_or(at, |c| c.min(at)));
                } else if e.prev_state != TcpState::Inactive {
                    t.expire_check = true;
                }
            }
        }
        for w in weirds {
            self.weird(ts, w, "TCP", em, counters);
        }
    }

    /// Logs the connection: flushes reassembly and the analyzer, then builds
    /// the conn.log record.
    pub fn finish(&mut self, em: &mut Emitter, counters: &mut FlowCounters) -> ConnRecord {
        let ts = self.last;
        let mut missed = 0;
        if let Some(t) = self.tcp.as_mut() {
            for (i, r) in t.reasm.iter_mut().enumerate() {
                let mut sink = AnalyzerSink {
                    dir: dir_of(i),
                    analyzer: self.analyzer.as_mut(),
                    cx: Context {
                        ts,
                        uid: &self.uid,
                        emitter: em,
                        services: &mut self.services,
                    },
                };
                r.finish(&mut sink);
            }
            missed = t.missed;
        }
        if let Some(a) = self.analyzer.as_mut() {
            let mut cx = Context {
                ts,
                uid: &self.uid,
                emitter: em,
                services: &mut self.services,
            };
            a.on_eof(&mut cx);
        }
        counters.missed_bytes += missed;

        let (oh, rh, op, rp) = self.addrs();
        let duration = self.last.since(self.start);
        let (o, r) = (&self.counts[0], &self.counts[1]);
        let (proto, conn_state, sizes) = match &self.tcp {
            Some(t) => (
                "tcp",
                tcp::conn_state(&t.ep[0], &t.ep[1], self.history.as_str()),
                (t.ep[0].size(t.ep[1].state), t.ep[1].size(t.ep[0].state)),
            ),
            None => {
                let proto = match self.key.proto {
                    17 => "udp",
                    1 | 58 => "icmp",
                    _ => "unknown_transport",
                };
                let state = if proto == "udp" {
                    match (o.active, r.active) {
                        (true, true) => "SF",
                        (true, false) => "S0",
                        (false, true) => "SHR",
                        (false, false) => "OTH",
                    }
                } else {
                    "OTH"
                };
                (proto, state, (o.size, r.size))
            }
        };
        let lasted = duration.0 > 0;
        ConnRecord {
            ts: self.start,
            uid: self.uid.clone(),
            orig_h: oh.to_ip(),
            orig_p: op,
            resp_h: rh.to_ip(),
            resp_p: rp,
            proto,
            service: self.services.clone(),
            duration: lasted.then_some(duration),
            orig_bytes: lasted.then_some(sizes.0),
            resp_bytes: lasted.then_some(sizes.1),
            conn_state,
            local_orig: is_local(oh.to_ip()),
            local_resp: is_local(rh.to_ip()),
            missed_bytes: missed,
            history: self.history.as_str().to_string(),
            orig_pkts: o.pkts,
            orig_ip_bytes: o.ip_bytes,
            resp_pkts: r.pkts,
            resp_ip_bytes: r.ip_bytes,
            ip_proto: self.key.proto,
            vlan: (self.key.vlan != 0).then_some(self.key.vlan),
            inner_vlan: (self.key.inner_vlan != 0).then_some(self.key.inner_vlan),
        }
    }
}
