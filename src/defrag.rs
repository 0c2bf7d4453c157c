//! IP fragment reassembly (IPv4 and IPv6), in the capture thread before
//! dispatch, so a reassembled datagram is one packet to the flow layer, as
//! in Zeek (counted once, with the reassembled length).
//!
//! Invariants:
//! - at most `max_datagrams` datagrams are pending, holding at most
//!   `max_bytes` between them; the oldest is dropped to make room (counted
//!   in `evicted`) — without the byte budget, tiny fragments at high
//!   offsets would hold ~64 KiB each;
//! - a pending datagram is dropped after `timeout` without a new fragment
//!   (counted in `timed_out`), and at the end of input (`incomplete`);
//! - a datagram never exceeds what its IP length field can say (65,515
//!   payload bytes for IPv4, 65,535 for IPv6: `excessively_large_fragment`)
//!   nor [`MAX_PIECES`] separate pieces (`excessive_fragments`); overlapping
//!   fragments keep the first copy (`fragment_overlap`, or
//!   `fragment_inconsistency` when they differ); a fragment cut by the
//!   snaplen is not used (`incompletely_captured_fragment`).
//!
//! The rebuilt datagram carries a minimal IP header (no IPv4 options, no
//! IPv6 extension headers) with the original addresses and protocol.
// No panics by construction: fragments come from the wire, so outside
// tests this module may not unwrap, index or slice unchecked, or overflow
// (enforced by clippy in `make lint`).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

use crate::decode::{Addr, Decoded};
use crate::time::{Micros, Ts};
use std::collections::{HashMap, VecDeque};

/// Largest payload an IPv4 / IPv6 datagram may have.
const MAX_V4: u32 = 65_535 - 20;
const MAX_V6: u32 = 65_535;

/// Most separate byte ranges a pending datagram may have.
pub const MAX_PIECES: usize = 1024;

#[derive(Clone, Debug, PartialEq)]
pub struct DefragConfig {
    pub max_datagrams: usize,
    /// Bytes all pending datagrams may hold together.
    pub max_bytes: usize,
    pub timeout: Micros,
}

impl Default for DefragConfig {
    fn default() -> Self {
        DefragConfig {
            max_datagrams: 10_000,
            max_bytes: 64 << 20,
            timeout: Micros::from_secs(60),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DefragCounters {
    pub fragments: u64,
    pub reassembled: u64,
    pub evicted: u64,
    pub timed_out: u64,
    pub incomplete: u64,
    pub invalid: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    src: Addr,
    dst: Addr,
    id: u32,
    proto: u8,
    vlan: u16,
    inner_vlan: u16,
}

struct Pending {
    gen: u64,
    last: Ts,
    data: Vec<u8>,
    /// Received byte ranges, sorted and disjoint.
    have: Vec<(u32, u32)>,
    total: Option<u32>,
    overlap_reported: bool,
}

/// What a fragment did.
#[derive(Debug, Default)]
pub struct FragResult {
    /// The complete datagram (IP header + payload), when this fragment completed it.
    pub datagram: Option<Vec<u8>>,
    pub weirds: Vec<&'static str>,
}

pub struct Defrag {
    cfg: DefragConfig,
    pending: HashMap<Key, Pending>,
    /// Keys (with the datagram's generation) by arrival of their first
    /// fragment, for eviction; entries of finished datagrams are skipped.
    order: VecDeque<(Key, u64)>,
    next_gen: u64,
    /// Bytes held by the pending datagrams.
    bytes: usize,
    pub counters: DefragCounters,
}

impl Defrag {
    pub fn new(cfg: DefragConfig) -> Defrag {
        Defrag {
            cfg,
            pending: HashMap::new(),
            order: VecDeque::new(),
            next_gen: 0,
            bytes: 0,
            counters: DefragCounters::default(),
        }
    }

    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Bytes held by the pending datagrams.
    pub fn pending_bytes(&self) -> usize {
        self.bytes
    }

    fn forget(&mut self, key: &Key) -> Option<Pending> {
        let p = self.pending.remove(key)?;
        self.bytes = self.bytes.saturating_sub(p.data.len());
        Some(p)
    }

    /// Adds a fragment (`d.frag` set) whose data is `data`.
    pub fn add(&mut self, ts: Ts, d: &Decoded, data: &[u8]) -> FragResult {
        let mut out = FragResult::default();
        let Some(f) = d.frag else {
            return out;
        };
        self.counters.fragments = self.counters.fragments.saturating_add(1);
        let key = Key {
            src: d.src,
            dst: d.dst,
            id: f.id,
            proto: d.ip_proto,
            vlan: d.vlan,
            inner_vlan: d.inner_vlan,
        };
        if d.is_truncated() {
            self.counters.invalid = self.counters.invalid.saturating_add(1);
            out.weirds.push("incompletely_captured_fragment");
            return out;
        }
        let len = data.len() as u32;
        let end = f.offset.saturating_add(len);
        if end > if d.src.v6 { MAX_V6 } else { MAX_V4 } {
            self.counters.invalid = self.counters.invalid.saturating_add(1);
            self.forget(&key);
            out.weirds.push("excessively_large_fragment");
            return out;
        }
        // The byte budget first: dropping the oldest may drop this very
        // datagram, which then starts again below.
        loop {
            let held = self.pending.get(&key).map_or(0, |p| p.data.len());
            let growth = (end as usize).saturating_sub(held);
            if self.bytes.saturating_add(growth) <= self.cfg.max_bytes || !self.drop_oldest() {
                break;
            }
            self.counters.evicted = self.counters.evicted.saturating_add(1);
        }
        if !self.pending.contains_key(&key) {
            while self.pending.len() >= self.cfg.max_datagrams {
                if !self.drop_oldest() {
                    break;
                }
                self.counters.evicted = self.counters.evicted.saturating_add(1);
            }
            let gen = self.next_gen;
            // Generations only tell a datagram from a later one of the same key.
            self.next_gen = self.next_gen.wrapping_add(1);
            self.pending.insert(
                key,
                Pending {
                    gen,
                    last: ts,
                    data: Vec::new(),
                    have: Vec::new(),
                    total: None,
                    overlap_reported: false,
                },
            );
            self.order.push_back((key, gen));
        }
        let Some(p) = self.pending.get_mut(&key) else {
            return out;
        };
        p.last = ts;
        if !f.more {
            match p.total {
                Some(t) if t != end => {
                    out.weirds.push("fragment_size_inconsistency");
                    self.counters.invalid = self.counters.invalid.saturating_add(1);
                    self.forget(&key);
                    return out;
                }
                _ => p.total = Some(end),
            }
        }
        let growth = (end as usize).saturating_sub(p.data.len());
        if growth > 0 {
            self.bytes = self.bytes.saturating_add(growth);
            p.data.resize(end as usize, 0);
        }
        // Copy the parts not yet received; compare the overlapping parts.
        // `data` holds datagram bytes [f.offset, end), and `p.data` reaches
        // `end`: the ranges below lie within both.
        let at = |x: u32| x.saturating_sub(f.offset) as usize;
        let mut cursor = f.offset;
        let mut differs = false;
        let mut overlaps = false;
        for &(s, e) in &p.have {
            if e <= cursor || s >= end {
                continue;
            }
            overlaps = true;
            if s > cursor {
                put(&mut p.data, cursor, data.get(at(cursor)..at(s)));
            }
            let (os, oe) = (s.max(f.offset), e.min(end));
            if p.data.get(os as usize..oe as usize) != data.get(at(os)..at(oe)) {
                differs = true;
            }
            cursor = cursor.max(e);
        }
        if cursor < end {
            put(&mut p.data, cursor, data.get(at(cursor)..));
        }
        insert_range(&mut p.have, f.offset, end);
        if p.have.len() > MAX_PIECES {
            self.counters.invalid = self.counters.invalid.saturating_add(1);
            self.forget(&key);
            out.weirds.push("excessive_fragments");
            return out;
        }
        if overlaps && !p.overlap_reported {
            p.overlap_reported = true;
            out.weirds.push(if differs {
                "fragment_inconsistency"
            } else {
                "fragment_overlap"
            });
        }
        if let Some(total) = p.total {
            if p.have == [(0, total)] {
                let p = self.forget(&key);
                if let Some(mut p) = p {
                    p.data.truncate(total as usize);
                    self.counters.reassembled = self.counters.reassembled.saturating_add(1);
                    out.datagram = Some(rebuild(&key, &p.data));
                }
            }
        }
        out
    }

    fn drop_oldest(&mut self) -> bool {
        while let Some((k, gen)) = self.order.pop_front() {
            if self.pending.get(&k).is_some_and(|p| p.gen == gen) {
                self.forget(&k);
                return true;
            }
        }
        false
    }

    /// Drops datagrams that received nothing for the timeout.
    pub fn expire(&mut self, now: Ts) {
        let timeout = self.cfg.timeout;
        let before = self.pending.len();
        let mut freed: usize = 0;
        self.pending.retain(|_, p| {
            let keep = now.since(p.last) <= timeout;
            if !keep {
                freed = freed.saturating_add(p.data.len());
            }
            keep
        });
        self.bytes = self.bytes.saturating_sub(freed);
        let timed_out = before.saturating_sub(self.pending.len()) as u64;
        self.counters.timed_out = self.counters.timed_out.saturating_add(timed_out);
        let pending = &self.pending;
        self.order
            .retain(|(k, gen)| pending.get(k).is_some_and(|p| p.gen == *gen));
    }

    /// End of input: whatever is pending stays incomplete.
    pub fn finish(&mut self) {
        let incomplete = self.pending.len() as u64;
        self.counters.incomplete = self.counters.incomplete.saturating_add(incomplete);
        self.pending.clear();
        self.order.clear();
        self.bytes = 0;
    }
}

/// Adds [s, e) to the sorted, disjoint ranges, merging what touches it.
fn insert_range(have: &mut Vec<(u32, u32)>, s: u32, e: u32) {
    // First range that ends at or after `s`, and first that starts after `e`.
    let lo = have.partition_point(|r| r.1 < s);
    let hi = have.partition_point(|r| r.0 <= e);
    let touching = have.get(lo..hi).unwrap_or_default();
    match (touching.first(), touching.last()) {
        (Some(first), Some(last)) => {
            let merged = (s.min(first.0), e.max(last.1));
            have.splice(lo..hi, [merged]);
        }
        _ => have.insert(lo, (s, e)),
    }
}

/// Copies `src` into `dst` from offset `at`, where it fits (the callers'
/// ranges always do).
fn put(dst: &mut [u8], at: u32, src: Option<&[u8]>) {
    let src = src.unwrap_or_default();
    if let Some(to) = dst
        .get_mut(at as usize..)
        .and_then(|d| d.get_mut(..src.len()))
    {
        to.copy_from_slice(src);
    }
}

/// A minimal IP header in front of the reassembled payload.
fn rebuild(k: &Key, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(payload.len().saturating_add(40));
    if k.src.v6 {
        v.extend_from_slice(&[0x60, 0, 0, 0]);
        v.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        v.push(k.proto);
        v.push(64);
        v.extend_from_slice(&k.src.bytes);
        v.extend_from_slice(&k.dst.bytes);
    } else {
        v.extend_from_slice(&[0x45, 0]);
        // At most 65,535: the payload is at most `MAX_V4`.
        v.extend_from_slice(&(payload.len().saturating_add(20) as u16).to_be_bytes());
        v.extend_from_slice(&(k.id as u16).to_be_bytes());
        v.extend_from_slice(&[0, 0, 64, k.proto, 0, 0]);
        v.extend_from_slice(&k.src.bytes[12..]);
        v.extend_from_slice(&k.dst.bytes[12..]);
    }
    v.extend_from_slice(payload);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::LinkType;
    use crate::decode::{decode, Transport};

    /// An IPv4 UDP datagram cut into Ethernet frames of `chunk` payload bytes.
    fn fragments(payload_len: usize, chunk: usize) -> Vec<Vec<u8>> {
        let b = etherparse::PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .udp(2222, 2222);
        let mut whole = Vec::new();
        let payload: Vec<u8> = (0..payload_len).map(|i| i as u8).collect();
        b.write(&mut whole, &payload).unwrap();
        let ip_payload = &whole[34..];
        let mut out = Vec::new();
        let mut off = 0;
        while off < ip_payload.len() {
            let end = (off + chunk).min(ip_payload.len());
            let mut f = whole[..34].to_vec();
            let total = (20 + end - off) as u16;
            f[16..18].copy_from_slice(&total.to_be_bytes());
            f[18..20].copy_from_slice(&0x1234u16.to_be_bytes());
            let more = if end < ip_payload.len() { 0x2000 } else { 0 };
            let fo = (more | (off / 8)) as u16;
            f[20..22].copy_from_slice(&fo.to_be_bytes());
            f.extend_from_slice(&ip_payload[off..end]);
            out.push(f);
            off = end;
        }
        out
    }

    fn feed(df: &mut Defrag, frames: &[Vec<u8>]) -> (Option<Vec<u8>>, Vec<&'static str>) {
        let mut weirds = Vec::new();
        let mut done = None;
        for (i, f) in frames.iter().enumerate() {
            let d = decode(LinkType::Ethernet, f).unwrap();
            let r = df.add(Ts(i as i64), &d, d.payload(f));
            weirds.extend(r.weirds);
            if r.datagram.is_some() {
                done = r.datagram;
            }
        }
        (done, weirds)
    }

    #[test]
    fn ranges_merge() {
        let mut h = Vec::new();
        insert_range(&mut h, 10, 20);
        insert_range(&mut h, 30, 40);
        insert_range(&mut h, 0, 5);
        assert_eq!(h, vec![(0, 5), (10, 20), (30, 40)]);
        insert_range(&mut h, 5, 10);
        assert_eq!(h, vec![(0, 20), (30, 40)]);
        insert_range(&mut h, 15, 35);
        assert_eq!(h, vec![(0, 40)]);
        insert_range(&mut h, 50, 60);
        insert_range(&mut h, 45, 46);
        assert_eq!(h, vec![(0, 40), (45, 46), (50, 60)]);
    }

    #[test]
    fn in_order_and_reversed_fragments_reassemble() {
        let frames = fragments(3000, 1480);
        assert_eq!(frames.len(), 3);
        for order in [vec![0, 1, 2], vec![2, 1, 0], vec![1, 2, 0]] {
            let mut df = Defrag::new(DefragConfig::default());
            let fs: Vec<Vec<u8>> = order.iter().map(|&i| frames[i].clone()).collect();
            let (dgram, weirds) = feed(&mut df, &fs);
            assert!(weirds.is_empty());
            let dgram = dgram.expect("complete");
            let d = decode(LinkType::RawIp, &dgram).unwrap();
            assert_eq!(d.ip_len, 20 + 8 + 3000);
            assert!(matches!(
                d.transport,
                Transport::Udp {
                    sport: 2222,
                    ulen: 3008,
                    ..
                }
            ));
            let p = d.payload(&dgram);
            assert_eq!(p.len(), 3000);
            assert!(p.iter().enumerate().all(|(i, &b)| b == i as u8));
            assert_eq!(df.pending(), 0);
        }
    }

    #[test]
    fn overlaps_are_reported_and_first_copy_wins() {
        let frames = fragments(100, 64);
        let mut df = Defrag::new(DefragConfig::default());
        let mut dup = frames[0].clone();
        let last = dup.len() - 1;
        dup[last] ^= 0xff;
        let (dgram, weirds) = feed(&mut df, &[frames[0].clone(), dup, frames[1].clone()]);
        assert_eq!(weirds, vec!["fragment_inconsistency"]);
        let dgram = dgram.unwrap();
        let d = decode(LinkType::RawIp, &dgram).unwrap();
        assert_eq!(d.payload(&dgram)[55], 55);
    }

    #[test]
    fn tiny_fragments_at_high_offsets_stay_within_the_byte_budget() {
        let frames = fragments(100, 64);
        let d = decode(LinkType::Ethernet, &frames[0]).unwrap();
        let mut df = Defrag::new(DefragConfig {
            max_bytes: 1 << 20,
            ..DefragConfig::default()
        });
        // 1,000 datagrams of one 64-byte fragment near the end of the
        // largest datagram: each would hold ~64 KiB, ~62 MiB in all.
        for id in 0..1000 {
            let mut f = d;
            f.frag = Some(crate::decode::Frag {
                id,
                offset: 65_000,
                more: true,
            });
            df.add(Ts(0), &f, d.payload(&frames[0]));
            assert!(
                df.pending_bytes() <= 1 << 20,
                "{} bytes",
                df.pending_bytes()
            );
        }
        // 1 MiB holds 16 of them; the other 984 were dropped and counted.
        assert_eq!(df.pending(), 16);
        assert_eq!(df.counters.evicted, 984);
        df.expire(Ts(120_000_000));
        assert_eq!((df.pending(), df.pending_bytes()), (0, 0));
        // A datagram still completes after the evictions.
        let (done, _) = feed(&mut df, &fragments(300, 64));
        assert!(done.is_some());
        assert_eq!(df.pending_bytes(), 0);
    }

    #[test]
    fn caps_timeouts_and_oversize() {
        let frames = fragments(100, 64);
        let mut df = Defrag::new(DefragConfig {
            max_datagrams: 1,
            timeout: Micros::from_secs(1),
            ..DefragConfig::default()
        });
        let d = decode(LinkType::Ethernet, &frames[0]).unwrap();
        df.add(Ts(0), &d, d.payload(&frames[0]));
        let mut other = d;
        other.frag = Some(crate::decode::Frag {
            id: 9,
            offset: 0,
            more: true,
        });
        df.add(Ts(0), &other, d.payload(&frames[0]));
        assert_eq!(df.counters.evicted, 1);
        df.expire(Ts(2_000_000));
        assert_eq!(df.counters.timed_out, 1);
        let mut huge = d;
        huge.frag = Some(crate::decode::Frag {
            id: 1,
            offset: 65_528,
            more: false,
        });
        let r = df.add(Ts(0), &huge, d.payload(&frames[0]));
        assert_eq!(r.weirds, vec!["excessively_large_fragment"]);
        df.add(Ts(0), &d, d.payload(&frames[0]));
        df.finish();
        assert_eq!(df.counters.incomplete, 1);
    }
}
