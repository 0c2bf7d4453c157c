//! The flow table of one virtual shard: live connections in a slab, found
//! by key, with a lazy deadline heap for timeouts and cap eviction.
//!
//! The key space is cut into [`VIRTUAL_SHARDS`] virtual shards by the
//! symmetric flow hash; workers own whole shards, and every cap applies per
//! shard, so what is evicted never depends on the number of workers.
//!
//! Invariants:
//! - every live connection has at least one heap entry, and the one whose
//!   deadline equals the connection's `scheduled` time is never later than
//!   its real deadline; entries of removed or rescheduled connections are
//!   skipped when popped, and the heap is rebuilt when stale entries
//!   outnumber live connections, so it stays O(live connections);
//! - `by_key` holds each live connection's slot, hashed by its key (the
//!   key itself is in the slot); `free` lists empty slots;
//! - `len() <= max_flows` after every call: reaching the cap evicts the
//!   connection closest to its timeout (counted in `evicted`);
//! - `buffered` (out-of-order TCP bytes of all connections, with a fixed
//!   per-segment overhead) stays within `reassembly_budget`: past it, the
//!   connection that just grew is forced to skip its holes.

use super::attempt::Attempt;
use super::conn::Conn;
use super::key::{FlowKey, Side};
use super::{FlowConfig, FlowCounters};
use crate::analyzers::Shared;
use crate::decode::Decoded;
use crate::event::{Emitter, Event};
use crate::time::Ts;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hash::BuildHasher;

/// Number of virtual shards the key space is cut into.
pub const VIRTUAL_SHARDS: usize = 256;

/// The virtual shard of a key: flows are placed by their two hosts alone,
/// so that every connection of a host pair meets in one shard: an
/// EtherNet/IP session and the I/O connections it opens (other ports, UDP)
/// share its analyzers' state, and the baseline's per-edge checks see all
/// of an edge's requests (a client's next connection has another port).
pub fn shard_of(key: &FlowKey) -> usize {
    const SHARDS: u64 = VIRTUAL_SHARDS as u64;
    (key.host_pair_hash() % SHARDS) as usize
}

struct Slot {
    conn: Tracked,
    /// The analyzer bytes of this connection counted in the table's total.
    analyzer_bytes: usize,
    /// Deadline of the heap entry that is authoritative for this connection.
    scheduled: Ts,
}

/// A connection in full, or one whose only packet so far is a bare SYN,
/// kept as that packet (a scan or a flood leaves many such connections,
/// and most never need more).
enum Tracked {
    Full(Box<Conn>),
    Attempt(Box<Attempt>),
}

impl Slot {
    fn deadline(&self, cfg: &FlowConfig) -> Ts {
        match &self.conn {
            Tracked::Full(c) => c.deadline(cfg),
            // Nothing moves an attempt's deadline, which it was scheduled at.
            Tracked::Attempt(_) => self.scheduled,
        }
    }
}

impl Tracked {
    fn key(&self) -> FlowKey {
        match self {
            Tracked::Full(c) => c.key,
            Tracked::Attempt(a) => a.key(),
        }
    }

    /// Whether this is the connection keyed `key` (a full one's key is
    /// compared where it lies, not copied).
    fn is(&self, key: &FlowKey) -> bool {
        match self {
            Tracked::Full(c) => c.key == *key,
            Tracked::Attempt(a) => a.key() == *key,
        }
    }

    /// The number of the connection's first packet.
    fn first_seq(&self) -> u64 {
        match self {
            Tracked::Full(c) => c.first_seq,
            Tracked::Attempt(a) => a.first_seq(),
        }
    }
}

/// Whether slot `i` holds the connection keyed `key`.
fn holds(slots: &[Option<Slot>], i: u32, key: &FlowKey) -> bool {
    slots
        .get(i as usize)
        .and_then(Option::as_ref)
        .is_some_and(|s| s.conn.is(key))
}

/// The key of the connection in slot `i`.
fn key_at(slots: &[Option<Slot>], i: u32) -> Option<FlowKey> {
    Some(slots.get(i as usize)?.as_ref()?.conn.key())
}

pub struct FlowTable {
    cfg: FlowConfig,
    slots: Vec<Option<Slot>>,
    gens: Vec<u32>,
    free: Vec<u32>,
    /// Slots, not keys: an entry is 4 bytes, not 48 (a table of idle
    /// flows is mostly this index).
    by_key: hashbrown::HashTable<u32>,
    /// Foldhash, seeded at random per table: SipHash was ~5 % of the
    /// whole run (one lookup per packet), and a random seed keeps an
    /// attacker who cannot see the hashes from aiming at one bucket.
    hasher: foldhash::fast::RandomState,
    heap: BinaryHeap<Reverse<(Ts, u32, u32)>>,
    buffered: usize,
    /// Bytes the connections' analyzers hold, as of their last packet.
    analyzer_bytes: usize,
    counters: FlowCounters,
    shared: Shared,
    /// Bare SYNs are kept as attempts (off only to test that they change
    /// nothing).
    attempts: bool,
}

impl FlowTable {
    /// A table whose caps are `cfg`'s (callers divide the run's caps per shard).
    pub fn new(cfg: FlowConfig) -> FlowTable {
        let counters = FlowCounters {
            max_flows: cfg.max_flows as u64,
            ..FlowCounters::default()
        };
        FlowTable {
            cfg,
            slots: Vec::new(),
            gens: Vec::new(),
            free: Vec::new(),
            by_key: hashbrown::HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
            heap: BinaryHeap::new(),
            buffered: 0,
            analyzer_bytes: 0,
            counters,
            shared: Shared::default(),
            attempts: true,
        }
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    pub fn counters(&self) -> FlowCounters {
        self.counters.clone()
    }

    /// Handles one packet. `now` is the run's clock (the latest packet time
    /// seen by the capture), which drives timeouts like Zeek's network time.
    pub fn packet(
        &mut self,
        seq: u64,
        ts: Ts,
        now: Ts,
        d: &Decoded,
        payload: &[u8],
        em: &mut Emitter,
    ) {
        self.packet_keyed((seq, ts, now), FlowKey::of(d), d, payload, em);
    }

    /// [`FlowTable::packet`] with the packet's key and side already made
    /// (`FlowKey::of`), as the capture thread made them to pick the shard.
    pub fn packet_keyed(
        &mut self,
        (seq, ts, now): (u64, Ts, Ts),
        (key, side): (FlowKey, Side),
        d: &Decoded,
        payload: &[u8],
        em: &mut Emitter,
    ) {
        debug_assert_eq!((key, side), FlowKey::of(d));
        let now = now.max(ts);
        let (slot, fresh) = match self.find(&key) {
            Some(slot) => {
                let expired = match self.slots.get(slot as usize) {
                    // `scheduled` is never later than the real deadline:
                    // before it, the connection is live without working
                    // its deadline out.
                    Some(Some(s)) => now >= s.scheduled && s.deadline(&self.cfg) <= now,
                    _ => false,
                };
                let reused = !expired
                    && self
                        .full(slot, key)
                        .is_some_and(|c| c.is_reused_by(d, side));
                if expired || reused {
                    self.remove(slot, em);
                    (self.insert(key, side, seq, ts, d, em), true)
                } else {
                    (slot, false)
                }
            }
            None => (self.insert(key, side, seq, ts, d, em), true),
        };
        let emitted = em.records.len();
        let (Some(&gen), Some(Some(s))) = (
            self.gens.get(slot as usize),
            self.slots.get_mut(slot as usize),
        ) else {
            return;
        };
        let Tracked::Full(conn) = &mut s.conn else {
            return; // made full above
        };
        if fresh {
            conn.detect_datagram(payload);
        }
        let before = conn.buffered();
        conn.packet(
            ts,
            d,
            side,
            payload,
            &self.cfg,
            em,
            &mut self.counters,
            &mut self.shared,
        );
        let after = conn.buffered();
        self.buffered = self.buffered.saturating_sub(before).saturating_add(after);
        if self.buffered > self.cfg.reassembly_budget {
            conn.flush_reassembly(ts, em, &mut self.counters, &mut self.shared);
            self.buffered = self
                .buffered
                .saturating_sub(after)
                .saturating_add(conn.buffered());
        }
        let held = conn.analyzer_buffered();
        self.analyzer_bytes = self
            .analyzer_bytes
            .saturating_sub(s.analyzer_bytes)
            .saturating_add(held);
        s.analyzer_bytes = held;
        if self.analyzer_bytes > self.cfg.analyzer_budget {
            conn.stop_analyzer(ts, em, &mut self.shared);
            self.analyzer_bytes = self.analyzer_bytes.saturating_sub(held);
            s.analyzer_bytes = 0;
            self.counters.analyzers_stopped = self.counters.analyzers_stopped.saturating_add(1);
        }
        // A deadline that moved earlier (a close, a reset, an attempt) needs
        // a fresh heap entry; a later one is found lazily when popped.
        let deadline = conn.deadline(&self.cfg);
        if fresh && self.attempts {
            let quiet = em.records.len() == emitted;
            if let Some(a) = Attempt::of(conn, d, (side, seq, ts), quiet) {
                s.conn = Tracked::Attempt(Box::new(a));
            }
        }
        // A new connection's first entry is made here, with the deadline
        // its first packet set (which is an attempt's for good).
        if fresh || deadline < s.scheduled {
            s.scheduled = deadline;
            self.heap.push(Reverse((deadline, slot, gen)));
        }
        self.maybe_rebuild_heap();
    }

    fn insert(
        &mut self,
        key: FlowKey,
        side: Side,
        seq: u64,
        ts: Ts,
        d: &Decoded,
        em: &mut Emitter,
    ) -> u32 {
        while self.by_key.len() >= self.cfg.max_flows {
            if !self.evict_one(em) {
                break;
            }
        }
        let conn = Conn::new(key, side, seq, ts, d, &self.cfg);
        em.emit(conn.start_event(side, d));
        self.counters.connections = self.counters.connections.saturating_add(1);
        let by_proto = match key.proto {
            6 => &mut self.counters.tcp,
            17 => &mut self.counters.udp,
            1 | 58 => &mut self.counters.icmp,
            _ => &mut self.counters.other,
        };
        *by_proto = by_proto.saturating_add(1);
        let deadline = conn.deadline(&self.cfg);
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                let s = self.slots.len() as u32;
                self.slots.push(None);
                self.gens.push(0);
                s
            }
        };
        // `free` holds only slots below `slots.len()`.
        if let Some(empty) = self.slots.get_mut(slot as usize) {
            *empty = Some(Slot {
                conn: Tracked::Full(Box::new(conn)),
                analyzer_bytes: 0,
                scheduled: deadline,
            });
        }
        let slots = &self.slots;
        let hasher = &self.hasher;
        self.by_key.insert_unique(hasher.hash_one(key), slot, |&i| {
            key_at(slots, i).map_or(0, |k| hasher.hash_one(k))
        });
        slot
    }

    /// The slot of the live connection keyed `key`.
    fn find(&self, key: &FlowKey) -> Option<u32> {
        let slots = &self.slots;
        self.by_key
            .find(self.hasher.hash_one(key), |&i| holds(slots, i, key))
            .copied()
    }

    /// The connection in `slot` (keyed `key`) in full, made so if it was
    /// an attempt.
    fn full(&mut self, slot: u32, key: FlowKey) -> Option<&mut Conn> {
        let s = self.slots.get_mut(slot as usize)?.as_mut()?;
        if let Tracked::Attempt(a) = &s.conn {
            s.conn = Tracked::Full(Box::new(a.expand(key, &self.cfg, &mut self.shared)));
        }
        match &mut s.conn {
            Tracked::Full(c) => Some(c),
            Tracked::Attempt(_) => None,
        }
    }

    /// Removes a connection and logs it.
    fn remove(&mut self, slot: u32, em: &mut Emitter) {
        let Some(s) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        let mut conn = match s.conn {
            Tracked::Full(c) => *c,
            Tracked::Attempt(a) => a.expand(a.key(), &self.cfg, &mut self.shared),
        };
        if let Ok(entry) = self
            .by_key
            .find_entry(self.hasher.hash_one(conn.key), |&i| i == slot)
        {
            entry.remove();
        }
        if let Some(gen) = self.gens.get_mut(slot as usize) {
            *gen = gen.wrapping_add(1);
        }
        self.free.push(slot);
        self.buffered = self.buffered.saturating_sub(conn.buffered());
        self.analyzer_bytes = self.analyzer_bytes.saturating_sub(s.analyzer_bytes);
        em.for_conn(conn.first_seq);
        let rec = conn.finish(em, &mut self.counters, &mut self.shared);
        em.emit(Event::Conn(Box::new(rec)));
    }

    /// Pops heap entries until one is current; returns its slot if its real
    /// deadline is before `limit` (or unconditionally when `limit` is None).
    fn pop_due(&mut self, limit: Option<Ts>) -> Option<u32> {
        while let Some(&Reverse((stored, slot, gen))) = self.heap.peek() {
            if let Some(l) = limit {
                if stored >= l {
                    return None;
                }
            }
            self.heap.pop();
            if self.gens.get(slot as usize) != Some(&gen) {
                continue; // a removed connection
            }
            let Some(Some(s)) = self.slots.get_mut(slot as usize) else {
                continue;
            };
            if s.scheduled != stored {
                continue; // superseded by an earlier entry
            }
            let real = s.deadline(&self.cfg);
            if real > stored {
                s.scheduled = real;
                self.heap.push(Reverse((real, slot, gen)));
                continue;
            }
            return Some(slot);
        }
        None
    }

    fn maybe_rebuild_heap(&mut self) {
        if self.heap.len() <= self.by_key.len().saturating_mul(2).saturating_add(64) {
            return;
        }
        let entries: Vec<Reverse<(Ts, u32, u32)>> = self
            .slots
            .iter()
            .zip(&self.gens)
            .enumerate()
            .filter_map(|(i, (s, &gen))| s.as_ref().map(|s| Reverse((s.scheduled, i as u32, gen))))
            .collect();
        self.heap = BinaryHeap::from(entries);
    }

    fn evict_one(&mut self, em: &mut Emitter) -> bool {
        match self.pop_due(None) {
            Some(slot) => {
                self.counters.evicted = self.counters.evicted.saturating_add(1);
                self.remove(slot, em);
                true
            }
            None => false,
        }
    }

    /// Logs every connection whose timeout passed before `now`.
    pub fn sweep(&mut self, now: Ts, em: &mut Emitter) {
        while let Some(slot) = self.pop_due(Some(now)) {
            self.remove(slot, em);
        }
    }

    /// Every live connection: the number of its first packet, and its slot
    /// (for [`FlowTable::close`]).
    pub fn open(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((s.as_ref()?.conn.first_seq(), u32::try_from(i).ok()?)))
    }

    /// Logs the connection in `slot` now (the end of the input).
    pub fn close(&mut self, slot: u32, em: &mut Emitter) {
        self.remove(slot, em);
    }

    /// End of input: logs every remaining connection, in the order of
    /// their first packets.
    pub fn finish(&mut self, em: &mut Emitter) {
        let mut open: Vec<(u64, u32)> = self.open().collect();
        open.sort_unstable();
        for (_, slot) in open {
            self.remove(slot, em);
        }
        self.heap.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::{Analyzer, Context};
    use crate::capture::LinkType;
    use crate::decode::decode;
    use crate::flow::Dir;
    use crate::time::Micros;
    use std::sync::{Arc, Mutex};

    fn udp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16) -> Vec<u8> {
        let b = etherparse::PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4(src, dst, 64)
            .udp(sport, dport);
        let mut v = Vec::new();
        b.write(&mut v, b"data").unwrap();
        v
    }

    #[allow(clippy::too_many_arguments)]
    fn tcp(
        src: [u8; 4],
        sport: u16,
        dst: [u8; 4],
        dport: u16,
        seq: u32,
        ack: Option<u32>,
        syn: bool,
        payload: &[u8],
    ) -> Vec<u8> {
        let mut b = etherparse::PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4(src, dst, 64)
            .tcp(sport, dport, seq, 1000);
        if let Some(a) = ack {
            b = b.ack(a);
        }
        if syn {
            b = b.syn();
        }
        let mut v = Vec::new();
        b.write(&mut v, payload).unwrap();
        v
    }

    #[test]
    fn a_bare_syn_kept_as_an_attempt_changes_nothing() {
        let (a, b) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        let syn = || tcp(a, 4000, b, 502, 100, None, true, &[]);
        let cases: Vec<Vec<(f64, Vec<u8>)>> = vec![
            vec![(0.0, syn())],
            vec![(0.0, syn()), (0.5, syn())],
            vec![
                (0.0, syn()),
                (0.5, tcp(a, 4000, b, 502, 7000, None, true, &[])),
            ],
            vec![
                (0.0, syn()),
                (0.1, tcp(b, 502, a, 4000, 900, Some(101), true, &[])),
                (0.2, tcp(a, 4000, b, 502, 101, Some(901), false, &[])),
                (
                    0.3,
                    tcp(
                        a,
                        4000,
                        b,
                        502,
                        101,
                        Some(901),
                        false,
                        &[0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1],
                    ),
                ),
                (
                    0.4,
                    tcp(
                        b,
                        502,
                        a,
                        4000,
                        901,
                        Some(113),
                        false,
                        &[0, 1, 0, 0, 0, 5, 1, 3, 2, 0, 7],
                    ),
                ),
            ],
            vec![
                (0.0, syn()),
                (0.1, tcp(b, 502, a, 4000, 0, Some(101), false, &[])),
            ],
            // Timed out, then the same ports again.
            vec![(0.0, syn()), (400.0, syn())],
            // Not an attempt: a SYN with data.
            vec![(0.0, tcp(a, 4000, b, 502, 100, None, true, b"early"))],
        ];
        for (n, packets) in cases.iter().enumerate() {
            let run = |attempts: bool| {
                let mut f = Feed::new(FlowConfig::default());
                f.table.attempts = attempts;
                for (t, frame) in packets {
                    f.pkt(*t, frame);
                    let now = Ts((*t * 1e6) as i64);
                    f.em.at_sweep(f.seq);
                    f.table.sweep(now, &mut f.em);
                    if n == 0 && attempts {
                        let &slot = f.table.by_key.iter().next().unwrap();
                        assert!(matches!(
                            f.table.slots[slot as usize].as_ref().unwrap().conn,
                            Tracked::Attempt(_)
                        ));
                    }
                }
                f.em.at_sweep(f.seq + 1);
                f.table.finish(&mut f.em);
                let records: Vec<String> = f.em.take().iter().map(|r| format!("{r:?}")).collect();
                (records, format!("{:?}", f.table.counters()))
            };
            assert_eq!(run(true), run(false), "case {n}");
        }
    }

    #[test]
    fn an_idle_flow_is_small() {
        // What a SYN flood costs per flow, besides the index: the slot and
        // the boxed attempt.
        assert!(std::mem::size_of::<Option<Slot>>() <= 32);
        assert!(std::mem::size_of::<Attempt>() <= 136);
    }

    struct Feed {
        table: FlowTable,
        em: Emitter,
        seq: u64,
    }

    impl Feed {
        fn new(cfg: FlowConfig) -> Feed {
            Feed {
                table: FlowTable::new(cfg),
                em: Emitter::default(),
                seq: 0,
            }
        }
        fn pkt(&mut self, secs: f64, frame: &[u8]) {
            self.seq += 1;
            let d = decode(LinkType::Ethernet, frame).unwrap();
            self.em.at_packet(self.seq);
            let ts = Ts((secs * 1e6) as i64);
            self.table
                .packet(self.seq, ts, ts, &d, d.payload(frame), &mut self.em);
        }
        fn conns(&mut self) -> Vec<crate::event::Conn> {
            self.em
                .take()
                .into_iter()
                .filter_map(|(_, r)| match r {
                    Event::Conn(c) => Some(*c),
                    _ => None,
                })
                .collect()
        }
    }

    #[test]
    fn the_cap_evicts_the_connection_closest_to_its_timeout() {
        let mut f = Feed::new(FlowConfig {
            max_flows: 2,
            ..FlowConfig::default()
        });
        f.pkt(1.0, &udp([10, 0, 0, 1], 1, [10, 0, 0, 9], 53));
        f.pkt(2.0, &udp([10, 0, 0, 2], 1, [10, 0, 0, 9], 53));
        f.pkt(3.0, &udp([10, 0, 0, 3], 1, [10, 0, 0, 9], 53));
        assert_eq!(f.table.len(), 2);
        assert_eq!(f.table.counters().evicted, 1);
        let logged = f.conns();
        assert_eq!(logged.len(), 1);
        assert_eq!(logged[0].id.orig_h.to_string(), "10.0.0.1");
    }

    #[test]
    fn the_analyzer_budget_stops_the_connection_that_grows_past_it() {
        let mut f = Feed::new(FlowConfig {
            analyzer_budget: 3000,
            ..FlowConfig::default()
        });
        // Twenty Modbus clients each send the first 200 bytes of an ADU
        // whose header claims 253 more: each analyzer holds 200 bytes.
        let (c, s) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        let mut adu = vec![0, 1, 0, 0, 0, 253, 1, 16];
        adu.resize(200, 0);
        for i in 0..20u16 {
            let port = 40000 + i;
            f.pkt(1.0, &tcp(c, port, s, 502, 100, None, true, &[]));
            f.pkt(1.0, &tcp(s, 502, c, port, 900, Some(101), true, &[]));
            f.pkt(1.0, &tcp(c, port, s, 502, 101, Some(901), false, &adu));
            assert!(f.table.analyzer_bytes <= 3000, "{}", f.table.analyzer_bytes);
        }
        // 3000 bytes hold 15 of them; the 16th and later were stopped,
        // each with a weird, and the bytes they held were released.
        assert_eq!(f.table.counters().analyzers_stopped, 5);
        assert_eq!(f.table.analyzer_bytes, 3000);
        let weirds = f
            .em
            .take()
            .into_iter()
            .filter(|(_, r)| matches!(r, Event::Weird(w) if w.name == "analyzer_budget_exhausted"))
            .count();
        assert_eq!(weirds, 5);
        f.table.finish(&mut f.em);
        assert_eq!(f.table.analyzer_bytes, 0);
    }

    #[test]
    fn idle_connections_are_logged_by_the_sweep() {
        let mut f = Feed::new(FlowConfig::default());
        f.pkt(1.0, &udp([10, 0, 0, 1], 1, [10, 0, 0, 9], 53));
        f.em.at_sweep(1);
        f.table
            .sweep(Ts(1_000_000).plus(Micros::from_secs(59)), &mut f.em);
        assert!(f.conns().is_empty());
        f.table
            .sweep(Ts(1_000_000).plus(Micros::from_secs(61)), &mut f.em);
        assert_eq!(f.conns().len(), 1);
        assert!(f.table.is_empty());
    }

    #[test]
    fn an_unanswered_syn_lives_five_seconds() {
        let mut f = Feed::new(FlowConfig::default());
        let syn = tcp([10, 0, 0, 1], 4000, [10, 0, 0, 2], 502, 7, None, true, &[]);
        f.pkt(0.0, &syn);
        f.pkt(3.0, &syn); // a retransmission joins the attempt
        f.pkt(10.0, &syn); // after the attempt timer: a new connection
        f.table.finish(&mut f.em);
        let rows = f.conns();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].orig_pkts, 2);
        assert_eq!(rows[0].conn_state, "S0");
        assert_eq!(rows[1].orig_pkts, 1);
    }

    #[test]
    fn a_new_syn_after_close_starts_a_new_connection() {
        let mut f = Feed::new(FlowConfig::default());
        let (a, b) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        f.pkt(0.0, &tcp(a, 4000, b, 502, 100, None, true, &[]));
        f.pkt(0.1, &tcp(b, 502, a, 4000, 500, Some(101), true, &[]));
        let mut rst = etherparse::PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4(a, b, 64)
            .tcp(4000, 502, 101, 0)
            .rst();
        rst = rst.ack(501);
        let mut v = Vec::new();
        rst.write(&mut v, &[]).unwrap();
        f.pkt(0.2, &v);
        // Within the 5 s reset delay, but a SYN reuses the port.
        f.pkt(1.0, &tcp(a, 4000, b, 502, 9000, None, true, &[]));
        f.table.finish(&mut f.em);
        let rows = f.conns();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].conn_state, "RSTO");
        assert_eq!(rows[1].conn_state, "S0");
    }

    #[test]
    fn a_closed_connection_leaves_at_its_close_delay() {
        // Regression: a deadline that moved earlier (here a completed close)
        // kept its old, later heap entry, so the connection stayed for the
        // whole inactivity timeout and live flows were evicted instead.
        let mut f = Feed::new(FlowConfig::default());
        let (a, b) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        f.pkt(0.0, &tcp(a, 4000, b, 502, 100, None, true, &[]));
        f.pkt(0.01, &tcp(b, 502, a, 4000, 900, Some(101), true, &[]));
        f.pkt(0.02, &tcp(a, 4000, b, 502, 101, Some(901), false, &[]));
        let fin = |src, sp, dst, dp, seq, ack| {
            let mut v = Vec::new();
            etherparse::PacketBuilder::ethernet2([0; 6], [0; 6])
                .ipv4(src, dst, 64)
                .tcp(sp, dp, seq, 1000)
                .ack(ack)
                .fin()
                .write(&mut v, &[])
                .unwrap();
            v
        };
        f.pkt(100.0, &fin(a, 4000, b, 502, 101, 901));
        f.pkt(100.01, &fin(b, 502, a, 4000, 901, 102));
        assert!(f.conns().is_empty());
        f.em.at_sweep(5);
        f.table.sweep(Ts(104_000_000), &mut f.em);
        assert!(f.conns().is_empty());
        f.table.sweep(Ts(106_000_000), &mut f.em);
        let rows = f.conns();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].conn_state, "SF");
        assert!(f.table.is_empty());
    }

    #[test]
    fn stale_heap_entries_stay_bounded() {
        // A flood of SYNs with new sequence numbers on one port pair makes a
        // new connection per packet; the heap must not keep one entry each.
        let mut f = Feed::new(FlowConfig::default());
        for i in 0..5000u32 {
            let syn = tcp(
                [10, 0, 0, 1],
                4000,
                [10, 0, 0, 2],
                502,
                i * 7919,
                None,
                true,
                &[],
            );
            f.pkt(f64::from(i) * 0.001, &syn);
        }
        assert_eq!(f.table.len(), 1);
        assert!(
            f.table.heap.len() <= 2 * f.table.len() + 64,
            "{}",
            f.table.heap.len()
        );
    }

    #[derive(Default)]
    struct Seen {
        events: Vec<String>,
    }

    struct Recorder(Arc<Mutex<Seen>>);

    impl Analyzer for Recorder {
        fn on_data(&mut self, dir: Dir, data: &[u8], cx: &mut Context<'_>) {
            cx.confirm("test");
            self.0
                .lock()
                .unwrap()
                .events
                .push(format!("{dir:?}:{}", String::from_utf8_lossy(data)));
        }
        fn on_gap(&mut self, dir: Dir, len: u64, _: &mut Context<'_>) {
            self.0
                .lock()
                .unwrap()
                .events
                .push(format!("{dir:?}:gap{len}"));
        }
        fn on_eof(&mut self, _: &mut Context<'_>) {
            self.0.lock().unwrap().events.push("eof".into());
        }
    }

    #[test]
    fn analyzers_receive_ordered_streams_gaps_and_eof() {
        let mut f = Feed::new(FlowConfig::default());
        let (a, b) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        f.pkt(0.0, &tcp(a, 4000, b, 502, 0, None, true, &[]));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let &slot = f.table.by_key.iter().next().unwrap();
        let key = key_at(&f.table.slots, slot).unwrap();
        // The SYN alone is an attempt; made full, it takes the analyzer.
        assert!(matches!(
            f.table.slots[slot as usize].as_ref().unwrap().conn,
            Tracked::Attempt(_)
        ));
        f.table
            .full(slot, key)
            .unwrap()
            .set_analyzer(Box::new(Recorder(seen.clone())));
        f.pkt(0.1, &tcp(b, 502, a, 4000, 0, Some(1), true, &[]));
        f.pkt(0.2, &tcp(a, 4000, b, 502, 4, Some(1), false, b"def"));
        f.pkt(0.3, &tcp(a, 4000, b, 502, 1, Some(1), false, b"abc"));
        f.pkt(0.4, &tcp(b, 502, a, 4000, 1, Some(7), false, b"reply"));
        f.pkt(0.5, &tcp(a, 4000, b, 502, 17, Some(6), false, b"late"));
        f.pkt(0.6, &tcp(b, 502, a, 4000, 6, Some(21), false, &[]));
        f.table.finish(&mut f.em);
        let rows = f.conns();
        assert_eq!(rows[0].service, vec!["test"]);
        assert_eq!(rows[0].missed_bytes, 10);
        assert_eq!(
            seen.lock().unwrap().events,
            vec![
                "Orig:abc",
                "Orig:def",
                "Resp:reply",
                "Orig:gap10",
                "Orig:late",
                "eof"
            ]
        );
    }
}
