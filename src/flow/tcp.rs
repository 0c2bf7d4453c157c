//! Zeek's TCP endpoint model: states, relative sequence numbers, byte
//! sizes and the state machine, so that `conn_state`, `history` and the
//! byte columns of conn.log come out as Zeek's do.
//!
//! Invariants:
//! - sequence arithmetic is modulo 2^32 with explicit wrap counters
//!   (`seq_wraps`, `ack_wraps`), never a panic on any input;
//! - `prev_state` changes only when `state` really changes;
//! - nothing is trusted after a RST: `last_seq` stops moving.

/// Zeek's TCP endpoint states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpState {
    Inactive,
    SynSent,
    SynAckSent,
    Partial,
    Established,
    Closed,
    Reset,
}

impl TcpState {
    /// Still in the handshake (Zeek keeps the short inactivity timeout).
    pub fn in_handshake(self) -> bool {
        matches!(
            self,
            TcpState::Inactive | TcpState::SynSent | TcpState::SynAckSent
        )
    }
}

/// Sequence distance `a - b` as a signed 32-bit number.
pub fn seq_delta(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// Jumps of more than this are ignored for SYN/RST sequence numbers and for
/// zero acknowledgements (stacks that send garbage there).
const BIG_JUMP: i32 = 1_048_576;

/// One side of a TCP connection.
#[derive(Clone, Debug)]
pub struct TcpEndpoint {
    pub state: TcpState,
    pub prev_state: TcpState,
    pub start_seq: u32,
    pub last_seq: u32,
    pub seq_wraps: u32,
    /// Highest acknowledgement received from the peer for this side's data.
    pub ack_seq: u32,
    pub ack_wraps: u32,
    pub fin_cnt: u32,
    pub rst_cnt: u32,
    /// Relative sequence number just after the FIN.
    pub fin_seq: u64,
    pub did_close: bool,
}

impl Default for TcpEndpoint {
    fn default() -> Self {
        TcpEndpoint {
            state: TcpState::Inactive,
            prev_state: TcpState::Inactive,
            start_seq: 0,
            last_seq: 0,
            seq_wraps: 0,
            ack_seq: 0,
            ack_wraps: 0,
            fin_cnt: 0,
            rst_cnt: 0,
            fin_seq: 0,
            did_close: false,
        }
    }
}

impl TcpEndpoint {
    pub fn set_state(&mut self, s: TcpState) {
        if s != self.state {
            self.prev_state = self.state;
            self.state = s;
        }
    }

    /// Established, or closed after being established: gaps count only then.
    pub fn is_clean(&self) -> bool {
        self.state == TcpState::Established
            || (self.state == TcpState::Closed && self.prev_state == TcpState::Established)
    }

    fn reinit(&mut self, seq: u32, end: u32) {
        self.start_seq = seq;
        self.ack_seq = seq;
        self.last_seq = end;
        self.seq_wraps = 0;
        self.ack_wraps = 0;
    }

    /// Initialises the sequence space on this side's packet. Returns a weird
    /// name when a SYN jumps to a new sequence number.
    pub fn init(
        &mut self,
        syn: bool,
        seq: u32,
        end: u32,
        size_before: u64,
    ) -> Option<&'static str> {
        match self.state {
            TcpState::Inactive => {
                if syn {
                    self.reinit(seq, end);
                } else {
                    // Partial connection: pretend a SYN came just before.
                    self.reinit(seq.wrapping_sub(1), seq);
                }
                None
            }
            TcpState::SynSent | TcpState::SynAckSent if syn => {
                let w = (seq != self.start_seq).then_some("SYN_seq_jump");
                self.reinit(seq, end);
                w
            }
            TcpState::Established | TcpState::Partial if syn => {
                let w = if size_before > 0 {
                    Some("SYN_inside_connection")
                } else {
                    (seq != self.start_seq).then_some("SYN_seq_jump")
                };
                self.reinit(seq, end);
                w
            }
            TcpState::Reset if syn && self.prev_state == TcpState::Inactive => {
                self.reinit(seq, end);
                None
            }
            _ => None,
        }
    }

    /// Initialises a silent peer from the acknowledgement it received.
    pub fn init_from_ack(&mut self, ack: u32) {
        let s = ack.wrapping_sub(1);
        self.start_seq = s;
        self.ack_seq = s;
        self.last_seq = s;
        self.seq_wraps = 0;
        self.ack_wraps = 0;
    }

    /// `cur` relative to the start of this side's sequence space, given a
    /// reference point `last` with `wraps` wrap-arounds; and whether it lies
    /// before the start (underflow).
    pub fn relative(&self, cur: u32, last: u32, wraps: u32) -> (u64, bool) {
        let d = seq_delta(cur, last);
        let mut w = wraps;
        if d < 0 && cur > last {
            w = w.saturating_sub(1);
        }
        if d > 0 && cur < last {
            w = w.saturating_add(1);
        }
        if w == 0 {
            let d2 = seq_delta(cur, self.start_seq);
            return (i64::from(d2) as u64, d2 < 0);
        }
        (
            ((u64::from(w) << 32) | u64::from(cur)).wrapping_sub(u64::from(self.start_seq)),
            false,
        )
    }

    pub fn rel_seq(&self, seq: u32) -> (u64, bool) {
        self.relative(seq, self.last_seq, self.seq_wraps)
    }

    pub fn rel_ack(&self, ack: u32) -> (u64, bool) {
        self.relative(ack, self.ack_seq, self.ack_wraps)
    }

    /// Records an acknowledgement of this side's data.
    pub fn update_ack(&mut self, a: u32) {
        let d = seq_delta(a, self.ack_seq);
        if a == 0 && d > BIG_JUMP {
            return;
        }
        if d > 0 {
            if a < self.ack_seq {
                self.ack_wraps = self.ack_wraps.saturating_add(1);
            }
            self.ack_seq = a;
        }
    }

    fn set_last(&mut self, end: u32) {
        if end < self.last_seq {
            self.seq_wraps = self.seq_wraps.saturating_add(1);
        }
        self.last_seq = end;
    }

    /// Moves `last_seq` for a segment ending at `end`; returns true when the
    /// segment carried data that was already sent (a retransmission).
    pub fn update_last(&mut self, end: u32, syn: bool, fin: bool, rst: bool, len: u32) -> bool {
        let delta = seq_delta(end, self.last_seq);
        if (syn || rst) && !(-BIG_JUMP..=BIG_JUMP).contains(&delta) {
            return false;
        }
        if fin && self.last_seq == self.start_seq.wrapping_add(1) {
            self.set_last(end);
            return false;
        }
        if self.state == TcpState::Reset {
            return false;
        }
        if delta > 0 {
            self.set_last(end);
            false
        } else {
            len > 0
        }
    }

    fn no_data_acked(&self) -> bool {
        let ack64 = (u64::from(self.ack_wraps) << 32) | u64::from(self.ack_seq);
        let start = u64::from(self.start_seq);
        ack64 == start || ack64 == start + 1
    }

    /// Payload bytes sent, as Zeek computes them from sequence numbers: the
    /// higher of the last sequence number sent and the peer's acknowledgement
    /// (bytes acknowledged but never seen still count), less SYN and FIN.
    pub fn size(&self, peer_state: TcpState) -> u64 {
        if self.prev_state == TcpState::SynSent
            && self.state == TcpState::Reset
            && peer_state == TcpState::Inactive
            && !self.no_data_acked()
        {
            return 0;
        }
        let last64 = (u64::from(self.seq_wraps) << 32) | u64::from(self.last_seq);
        let ack64 = (u64::from(self.ack_wraps) << 32) | u64::from(self.ack_seq);
        let mut size = last64.max(ack64).wrapping_sub(u64::from(self.start_seq));
        size = size.saturating_sub(1);
        if self.fin_cnt > 0 {
            size = size.saturating_sub(1);
        }
        size
    }
}

/// Flags of one segment.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seg {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    pub len: u32,
}

/// What the state machine decided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transition {
    pub do_close: bool,
    pub weird: Option<&'static str>,
    /// A SYN answered a SYN-ACK seen first: the roles must be flipped.
    pub flip: bool,
}

/// Zeek's state machine for a segment sent by `e` (the sender) to `p`.
/// `is_orig` is the sender's role when the packet arrived and `orig_state`
/// the originator endpoint's state.
pub fn update_state(
    e: &mut TcpEndpoint,
    p: &mut TcpEndpoint,
    is_orig: bool,
    orig_state: TcpState,
    s: Seg,
) -> Transition {
    use TcpState::*;
    let mut t = Transition::default();
    match e.state {
        Inactive => {
            if s.syn {
                if is_orig {
                    if s.ack {
                        e.set_state(SynAckSent);
                        t.weird = Some("connection_originator_SYN_ack");
                    } else {
                        e.set_state(SynSent);
                    }
                } else {
                    if !s.ack {
                        if p.state == SynAckSent {
                            p.set_state(Established);
                            t.flip = true;
                        } else {
                            t.weird = Some("simultaneous_open");
                        }
                    }
                    if p.state == SynSent {
                        p.set_state(Established);
                    }
                    e.set_state(Established);
                }
            }
            if s.fin {
                e.set_state(Closed);
                t.do_close = true;
            }
            if s.rst {
                e.set_state(Reset);
                t.do_close = true;
            }
            if !s.syn && !s.fin && !s.rst {
                if !is_orig && s.len == 0 && orig_state == SynSent {
                    // An early acknowledgement of the SYN.
                } else if s.ack && p.state == Established {
                    e.set_state(Established);
                } else {
                    e.set_state(Partial);
                }
            }
        }
        SynSent | SynAckSent => {
            if s.fin {
                e.set_state(Closed);
                t.do_close = true;
                if matches!(p.state, Inactive | SynSent) {
                    t.weird = Some("inappropriate_FIN");
                }
            }
            if s.rst {
                e.set_state(Reset);
                t.do_close = true;
            }
            if !s.fin && !s.rst && s.len > 0 {
                t.weird = Some("data_before_established");
            }
        }
        Established | Partial => {
            if s.syn && !s.ack && e.state == Partial && p.state == Inactive {
                e.set_state(SynSent);
                t.weird = Some("SYN_after_partial");
            }
            if s.fin && !s.rst {
                e.set_state(Closed);
                if p.state == Reset && p.prev_state == Closed {
                    p.set_state(Closed);
                }
                t.do_close = true;
            }
            if s.rst {
                e.set_state(Reset);
                t.do_close = true;
            }
        }
        Closed => {
            if s.syn {
                t.weird = Some("SYN_after_close");
            }
            if s.rst && p.state != Closed {
                e.set_state(Reset);
                t.do_close = !e.did_close;
            }
        }
        Reset => {
            if s.syn {
                t.weird = Some("SYN_after_reset");
            } else if s.len > 0 && !s.rst {
                t.weird = Some("data_after_reset");
            }
        }
    }
    t
}

/// Zeek's `conn_state` for a TCP connection (base/protocols/conn/main.zeek).
pub fn conn_state(o: &TcpEndpoint, r: &TcpEndpoint, history: &str) -> &'static str {
    use TcpState::*;
    let os = o.state;
    let rs = r.state;
    let o_inactive = matches!(os, Inactive | Partial);
    let r_inactive = matches!(rs, Inactive | Partial);
    if rs == Reset {
        if matches!(os, SynSent | SynAckSent) || (os == Reset && o.size(rs) == 0 && r.size(os) == 0)
        {
            "REJ"
        } else if o_inactive {
            "RSTRH"
        } else {
            "RSTR"
        }
    } else if os == Reset {
        if r_inactive {
            if looks_like_reset_attempt(history) {
                "RSTOS0"
            } else {
                "OTH"
            }
        } else {
            "RSTO"
        }
    } else if rs == Closed && os == Closed {
        "SF"
    } else if os == Closed {
        if r_inactive {
            "SH"
        } else {
            "S2"
        }
    } else if rs == Closed {
        if o_inactive {
            "SHR"
        } else {
            "S3"
        }
    } else if os == SynSent && rs == Inactive {
        "S0"
    } else if os == Established && rs == Established {
        "S1"
    } else {
        "OTH"
    }
}

/// Zeek's `/^\^?S[^HAFGIQ]*R.*$/`: a SYN followed by a RST with no
/// handshake, ACK, FIN, gap, inconsistency or multi-flag packet of the
/// originator in between (lower-case letters do not stop it).
fn looks_like_reset_attempt(h: &str) -> bool {
    let h = h.strip_prefix('^').unwrap_or(h);
    let Some(rest) = h.strip_prefix('S') else {
        return false;
    };
    for c in rest.chars() {
        match c {
            'R' => return true,
            'H' | 'A' | 'F' | 'G' | 'I' | 'Q' => return false,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syn_ep(isn: u32) -> TcpEndpoint {
        let mut e = TcpEndpoint::default();
        e.init(true, isn, isn.wrapping_add(1), 0);
        e
    }

    #[test]
    fn size_counts_payload_without_syn_and_fin() {
        let mut e = syn_ep(1000);
        e.update_last(1001 + 72, false, false, false, 72);
        e.fin_cnt = 1;
        e.update_last(1001 + 72 + 1, false, true, false, 0);
        assert_eq!(e.size(TcpState::Established), 72);
    }

    #[test]
    fn size_survives_wraparound() {
        let mut e = syn_ep(u32::MAX - 10);
        let end = (u32::MAX - 9).wrapping_add(100);
        e.update_last(end, false, false, false, 100);
        assert_eq!(e.seq_wraps, 1);
        assert_eq!(e.size(TcpState::Established), 100);
        assert_eq!(e.rel_seq(end), (101, false));
    }

    #[test]
    fn partial_start_counts_like_a_syn() {
        let mut e = TcpEndpoint::default();
        e.init(false, 2_185_908_038, 2_185_908_050, 0);
        e.update_last(2_185_908_050, false, false, false, 12);
        assert_eq!(e.size(TcpState::Partial), 12);
    }

    #[test]
    fn acked_data_never_seen_counts() {
        let mut e = syn_ep(0);
        e.update_last(11, false, false, false, 10);
        e.update_ack(51);
        assert_eq!(e.size(TcpState::Established), 50);
    }

    #[test]
    fn retransmission_is_detected_and_rst_is_not_trusted() {
        let mut e = syn_ep(0);
        assert!(!e.update_last(11, false, false, false, 10));
        assert!(e.update_last(11, false, false, false, 10));
        e.set_state(TcpState::Reset);
        assert!(!e.update_last(500, false, false, false, 10));
        assert_eq!(e.last_seq, 11);
    }

    #[test]
    fn underflow_before_start() {
        let e = syn_ep(100);
        assert!(e.rel_seq(50).1);
        assert_eq!(e.rel_seq(101), (1, false));
    }

    #[test]
    fn handshake_establishes_both_sides() {
        let mut o = TcpEndpoint::default();
        let mut r = TcpEndpoint::default();
        let syn = Seg {
            syn: true,
            ..Seg::default()
        };
        update_state(&mut o, &mut r, true, TcpState::Inactive, syn);
        assert_eq!(o.state, TcpState::SynSent);
        let synack = Seg {
            syn: true,
            ack: true,
            ..Seg::default()
        };
        {
            let os = o.state;
            update_state(&mut r, &mut o, false, os, synack);
        }
        assert_eq!(
            (o.state, r.state),
            (TcpState::Established, TcpState::Established)
        );
        assert_eq!(conn_state(&o, &r, "Sh"), "S1");
        let fin = Seg {
            fin: true,
            ack: true,
            ..Seg::default()
        };
        let os = o.state;
        assert!(update_state(&mut o, &mut r, true, os, fin).do_close);
        {
            let os = o.state;
            update_state(&mut r, &mut o, false, os, fin);
        }
        assert_eq!(conn_state(&o, &r, "ShAFf"), "SF");
    }

    #[test]
    fn conn_states_for_resets_and_attempts() {
        let mut o = TcpEndpoint::default();
        let mut r = TcpEndpoint::default();
        update_state(
            &mut o,
            &mut r,
            true,
            TcpState::Inactive,
            Seg {
                syn: true,
                ..Seg::default()
            },
        );
        assert_eq!(conn_state(&o, &r, "S"), "S0");
        {
            let os = o.state;
            update_state(
                &mut r,
                &mut o,
                false,
                os,
                Seg {
                    rst: true,
                    ack: true,
                    ..Seg::default()
                },
            );
        }
        assert_eq!(conn_state(&o, &r, "Sr"), "REJ");
        // Mid-stream data answered by a reset.
        let mut o = TcpEndpoint::default();
        let mut r = TcpEndpoint::default();
        update_state(
            &mut o,
            &mut r,
            true,
            TcpState::Inactive,
            Seg {
                ack: true,
                len: 109,
                ..Seg::default()
            },
        );
        {
            let os = o.state;
            update_state(
                &mut r,
                &mut o,
                false,
                os,
                Seg {
                    rst: true,
                    ..Seg::default()
                },
            );
        }
        assert_eq!(conn_state(&o, &r, "Dr"), "RSTRH");
    }

    #[test]
    fn reset_attempt_pattern() {
        assert!(looks_like_reset_attempt("SR"));
        assert!(looks_like_reset_attempt("^SdR"));
        // Lower-case letters (the responder's) do not stop the pattern.
        assert!(looks_like_reset_attempt("ShR"));
        assert!(!looks_like_reset_attempt("SAR"));
        assert!(!looks_like_reset_attempt("DR"));
    }
}
