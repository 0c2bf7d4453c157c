//! A connection attempt kept small: a TCP connection whose only packet so
//! far is a bare SYN is held as that packet, not as a [`Conn`].
//!
//! A scan or a SYN flood fills the table with such connections, and most
//! of them never see a second packet. A full connection (its history,
//! counters, TCP state and analyzer) is ~0.7 KB; the attempt is its first
//! packet's decoded headers. When the connection needs its state (a second
//! packet, its timeout, eviction or the end of the input), it is made
//! again from that packet exactly as it was made the first time: the same
//! constructor and the same packet handler, whose output the first time
//! was the connection's start event and nothing else (that is the
//! condition for keeping the attempt), so the state is the same.

use super::conn::Conn;
use super::key::{FlowKey, Side};
use super::{FlowConfig, FlowCounters};
use crate::analyzers::Shared;
use crate::decode::{tcp_flags as F, Decoded, Transport};
use crate::event::Emitter;
use crate::rules::payload::PayloadSet;
use crate::time::Ts;
use std::sync::Arc;

pub struct Attempt {
    first: Decoded,
    side: Side,
    seq: u64,
    ts: Ts,
    /// The payload rules the connection started under.
    rules: Option<Arc<PayloadSet>>,
}

impl Attempt {
    /// The attempt that `conn` is, when its one packet (`d`, from `side`,
    /// number `seq`) was a bare SYN without payload whose handling emitted
    /// nothing (`quiet`): no weird, no analyzer output, no counter of its
    /// own beyond what the table counts.
    pub fn of(
        conn: &Conn,
        d: &Decoded,
        (side, seq, ts): (Side, u64, Ts),
        quiet: bool,
    ) -> Option<Attempt> {
        let Transport::Tcp { flags, .. } = d.transport else {
            return None;
        };
        let bare_syn = flags & F::SYN != 0 && flags & (F::ACK | F::FIN | F::RST) == 0;
        let plain = d.payload_claimed == 0
            && d.payload_len == 0
            && !d.bad_checksum
            && !d.tcp_header_cut
            && d.frag.is_none();
        if !(quiet && bare_syn && plain && conn.buffered() == 0) {
            return None;
        }
        Some(Attempt {
            first: *d,
            side,
            seq,
            ts,
            rules: conn.rules(),
        })
    }

    /// The number of the connection's first packet.
    pub fn first_seq(&self) -> u64 {
        self.seq
    }

    /// The key of the connection, made from its first packet (the table's
    /// index holds slots, not keys).
    pub fn key(&self) -> FlowKey {
        FlowKey::of(&self.first).0
    }

    /// The connection, made again from its first packet. The table's
    /// counters and the events of that packet were counted and emitted the
    /// first time; here they go to scratch.
    pub fn expand(&self, key: FlowKey, cfg: &FlowConfig, shared: &mut Shared) -> Conn {
        let (d, side) = (&self.first, self.side);
        let mut conn = Conn::with_rules(key, side, self.seq, self.ts, d, cfg, self.rules.clone());
        let mut scratch = Emitter::default();
        let mut counters = FlowCounters::default();
        conn.packet(
            self.ts,
            d,
            side,
            &[],
            cfg,
            &mut scratch,
            &mut counters,
            shared,
        );
        debug_assert!(scratch.records.is_empty());
        conn
    }
}
