//! The flow table of one worker: live connections in a slab, found by key,
//! with a lazy deadline heap for timeouts and cap eviction.
//!
//! Invariants:
//! - every live connection has exactly one entry in `heap`, whose deadline is
//!   never later than the connection's real deadline (entries are refreshed
//!   lazily when popped), so the first popped entry whose stored deadline
//!   equals the real one is the connection that times out first;
//! - `by_key` maps each live key to its slot; `free` lists empty slots;
//! - `len() <= max_flows` after every call: reaching the cap evicts the
//!   connection closest to its timeout (counted in `evicted`).

use super::conn::Conn;
use super::key::{FlowKey, Side};
use super::{FlowConfig, FlowCounters};
use crate::decode::Decoded;
use crate::record::{Emitter, Record};
use crate::time::Ts;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

pub struct FlowTable {
    cfg: FlowConfig,
    slots: Vec<Option<Conn>>,
    gens: Vec<u32>,
    free: Vec<u32>,
    by_key: HashMap<FlowKey, u32>,
    heap: BinaryHeap<Reverse<(Ts, u32, u32)>>,
    counters: FlowCounters,
}

impl FlowTable {
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
            by_key: HashMap::new(),
            heap: BinaryHeap::new(),
            counters,
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

    /// Handles one packet of this worker's shard.
    pub fn packet(&mut self, seq: u64, ts: Ts, d: &Decoded, payload: &[u8], em: &mut Emitter) {
        if d.fragment {
            // IP fragments are not reassembled: counted and reported.
            self.counters.fragments += 1;
            self.counters.weirds += 1;
            em.emit(Record::Weird(Box::new(crate::weird::WeirdRecord {
                ts,
                conn: None,
                name: "fragment_not_reassembled",
                addl: None,
                source: "IP",
            })));
            return;
        }
        let (key, side) = FlowKey::of(d);
        let slot = match self.by_key.get(&key).copied() {
            Some(slot) => {
                let expired_or_reused = match self.slots[slot as usize].as_ref() {
                    Some(c) => c.deadline(&self.cfg) <= ts || c.is_reused_by(d, side),
                    None => false,
                };
                if expired_or_reused {
                    self.remove(slot, em, false);
                    self.insert(key, side, seq, ts, d, em)
                } else {
                    slot
                }
            }
            None => self.insert(key, side, seq, ts, d, em),
        };
        if let Some(conn) = self.slots[slot as usize].as_mut() {
            conn.packet(ts, d, side, payload, em, &mut self.counters);
        }
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
        self.counters.connections += 1;
        match key.proto {
            6 => self.counters.tcp += 1,
            17 => self.counters.udp += 1,
            1 | 58 => self.counters.icmp += 1,
            _ => self.counters.other += 1,
        }
        let deadline = conn.deadline(&self.cfg);
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(conn);
                s
            }
            None => {
                self.slots.push(Some(conn));
                self.gens.push(0);
                (self.slots.len() - 1) as u32
            }
        };
        self.by_key.insert(key, slot);
        self.heap
            .push(Reverse((deadline, slot, self.gens[slot as usize])));
        slot
    }

    /// Removes a connection and logs it.
    fn remove(&mut self, slot: u32, em: &mut Emitter, ordered: bool) {
        let Some(mut conn) = self.slots[slot as usize].take() else {
            return;
        };
        self.by_key.remove(&conn.key);
        self.gens[slot as usize] = self.gens[slot as usize].wrapping_add(1);
        self.free.push(slot);
        let tiebreak = conn.first_seq;
        let rec = conn.finish(em, &mut self.counters);
        if ordered {
            em.emit_ordered(tiebreak, Record::Conn(Box::new(rec)));
        } else {
            em.emit(Record::Conn(Box::new(rec)));
        }
    }

    /// Pops heap entries until one is current; returns its slot if its real
    /// deadline is at or before `limit` (or unconditionally when `limit` is None).
    fn pop_due(&mut self, limit: Option<Ts>) -> Option<u32> {
        while let Some(&Reverse((stored, slot, gen))) = self.heap.peek() {
            if let Some(l) = limit {
                if stored >= l {
                    return None;
                }
            }
            self.heap.pop();
            if self.gens[slot as usize] != gen {
                continue; // stale entry of a removed connection
            }
            let Some(conn) = self.slots[slot as usize].as_ref() else {
                continue;
            };
            let real = conn.deadline(&self.cfg);
            if real > stored {
                self.heap.push(Reverse((real, slot, gen)));
                continue;
            }
            return Some(slot);
        }
        None
    }

    fn evict_one(&mut self, em: &mut Emitter) -> bool {
        match self.pop_due(None) {
            Some(slot) => {
                self.counters.evicted += 1;
                self.remove(slot, em, false);
                true
            }
            None => false,
        }
    }

    /// Logs every connection whose timeout passed before `now`.
    pub fn sweep(&mut self, now: Ts, em: &mut Emitter) {
        while let Some(slot) = self.pop_due(Some(now)) {
            self.remove(slot, em, true);
        }
    }

    /// End of input: logs every remaining connection.
    pub fn finish(&mut self, em: &mut Emitter) {
        let slots: Vec<u32> = self.by_key.values().copied().collect();
        for slot in slots {
            self.remove(slot, em, true);
        }
        self.heap.clear();
    }
}
