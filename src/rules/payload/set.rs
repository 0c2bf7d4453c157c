//! The payload rules of a rule set, compiled for the flow workers: a
//! multi-pattern prefilter (Aho-Corasick over each rule's fast pattern,
//! like Suricata's MPM) picks the rules worth inspecting for a chunk;
//! rules without a pattern are inspected on every chunk.
//!
//! Invariants: rule order is the set's, with the rules that set, unset or
//! toggle flowbits moved before the others (Suricata orders them so, so
//! that a bit set by one packet's match is seen by another rule on the
//! same packet); a connection's flowbits are a bitset of
//! [`PayloadSet::words`] words, indexed by the set's bit names, and stay
//! with the set the connection started under.

use super::{BitCmd, FlowOpts, Inspection};
use crate::event::{ConnId, Dir};
use crate::rules::ast::{Addrs, Ports, Proto};
use crate::rules::RuleSet;
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One payload rule, as the workers match it.
struct PayloadRule {
    sid: u32,
    proto: Proto,
    src: Addrs,
    sport: Ports,
    dst: Addrs,
    dport: Ports,
    bidirectional: bool,
    inspection: Inspection,
    flow: FlowOpts,
    /// `isset` / `isnotset`: (is set wanted, any of the bits, the bits).
    checks: Vec<(bool, bool, Vec<usize>)>,
    /// `set` / `unset` / `toggle` on a match.
    actions: Vec<(BitCmd, Vec<usize>)>,
    noalert: bool,
}

/// The payload rules of a set, ready to match.
pub struct PayloadSet {
    rules: Vec<PayloadRule>,
    /// The prefilter: one pattern per distinct fast pattern...
    prefilter: Option<Prefilter>,
    /// ... and the rules that have it.
    by_pattern: Vec<Vec<u32>>,
    /// Rules without a fast pattern.
    always: Vec<u32>,
    bit_names: usize,
}

impl std::fmt::Debug for PayloadSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PayloadSet({} rules, {} patterns)",
            self.rules.len(),
            self.by_pattern.len()
        )
    }
}

/// What a worker inspects: one in-order chunk of a connection's stream
/// (or one datagram).
pub struct Chunk<'a> {
    pub id: &'a ConnId,
    pub dir: Dir,
    pub data: &'a [u8],
    /// TCP: the connection left the handshake (or was picked up midway);
    /// UDP: both sides have sent.
    pub established: bool,
    /// Protocols confirmed on the connection.
    pub services: &'a [&'static str],
}

/// A worker's reusable buffers for inspection.
#[derive(Debug, Default)]
pub struct Scratch {
    seen: Vec<u64>,
    candidates: Vec<u32>,
}

impl PayloadSet {
    /// The payload rules of `set`, or None when it has none.
    pub fn compile(set: &RuleSet) -> Option<PayloadSet> {
        let mut chosen: Vec<&crate::rules::Rule> = set
            .rules
            .iter()
            .filter(|r| r.payload.as_ref().is_some_and(|p| p.on_payload()))
            .collect();
        if chosen.is_empty() {
            return None;
        }
        let sets_bits = |r: &crate::rules::Rule| {
            r.payload.as_ref().is_some_and(|p| {
                p.bits
                    .iter()
                    .any(|b| matches!(b.cmd, BitCmd::Set | BitCmd::Unset | BitCmd::Toggle))
            })
        };
        // Stable: otherwise the set's order.
        chosen.sort_by_key(|r| !sets_bits(r));
        let mut names: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut pattern_ids: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut by_pattern: Vec<Vec<u32>> = Vec::new();
        let mut always = Vec::new();
        let mut rules = Vec::with_capacity(chosen.len());
        for (i, r) in chosen.iter().enumerate() {
            let Some(p) = r.payload.as_deref() else {
                continue;
            };
            let mut bit = |n: &String| {
                let next = names.len();
                *names.entry(n.clone()).or_insert(next)
            };
            let mut checks = Vec::new();
            let mut actions = Vec::new();
            for b in &p.bits {
                let ids: Vec<usize> = b.names.iter().map(&mut bit).collect();
                match b.cmd {
                    BitCmd::IsSet => checks.push((true, b.any, ids)),
                    BitCmd::IsNotSet => checks.push((false, b.any, ids)),
                    cmd => actions.push((cmd, ids)),
                }
            }
            match p.payload.fast_pattern() {
                Some(c) => {
                    // Matched without case in the prefilter: it only
                    // chooses rules, the inspection decides.
                    let key = c.pattern.to_ascii_lowercase();
                    let id = *pattern_ids.entry(key.clone()).or_insert_with(|| {
                        patterns.push(key);
                        by_pattern.push(Vec::new());
                        patterns.len() - 1
                    });
                    by_pattern[id].push(i as u32);
                }
                None => always.push(i as u32),
            }
            rules.push(PayloadRule {
                sid: r.sid,
                proto: r.proto,
                src: r.src.clone(),
                sport: r.sport.clone(),
                dst: r.dst.clone(),
                dport: r.dport.clone(),
                bidirectional: r.bidirectional,
                inspection: p.payload.clone(),
                flow: p.flow,
                checks,
                actions,
                noalert: p.noalert,
            });
        }
        let prefilter = if patterns.is_empty() {
            None
        } else {
            Prefilter::build(&patterns)
        };
        if prefilter.is_none() {
            // Unbuildable (it does not happen with these sizes): every
            // rule is inspected, nothing is missed.
            always = (0..rules.len() as u32).collect();
            by_pattern.clear();
        }
        Some(PayloadSet {
            rules,
            prefilter,
            by_pattern,
            always,
            bit_names: names.len(),
        })
    }

    /// Words of a connection's flowbits.
    pub fn words(&self) -> usize {
        self.bit_names.div_ceil(64)
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Inspects `chunk`; `hit` gets the sid of every rule that matched and
    /// alerts. `bits` are the connection's flowbits.
    pub fn inspect(
        &self,
        chunk: &Chunk<'_>,
        bits: &mut [u64],
        scratch: &mut Scratch,
        hit: &mut dyn FnMut(u32),
    ) {
        let words = self.rules.len().div_ceil(64);
        if scratch.seen.len() < words {
            scratch.seen.resize(words, 0);
        }
        let cands = &mut scratch.candidates;
        cands.clear();
        cands.extend_from_slice(&self.always);
        if let Some(p) = &self.prefilter {
            let seen = &mut scratch.seen;
            p.scan(chunk.data, &mut |pattern| {
                for &r in &self.by_pattern[pattern] {
                    let (w, b) = (r as usize / 64, r % 64);
                    if seen[w] & (1 << b) == 0 {
                        seen[w] |= 1 << b;
                        cands.push(r);
                    }
                }
            });
            for &r in cands.iter() {
                scratch.seen[r as usize / 64] = 0;
            }
        }
        if cands.is_empty() {
            return;
        }
        cands.sort_unstable();
        let (src, sport, dst, dport) = chunk.id.endpoints(chunk.dir);
        for &i in cands.iter() {
            let r = &self.rules[i as usize];
            if !r.admits(chunk) {
                continue;
            }
            let forward = r.src.matches(&src)
                && r.sport.matches(sport)
                && r.dst.matches(&dst)
                && r.dport.matches(dport);
            let backward = r.bidirectional
                && r.src.matches(&dst)
                && r.sport.matches(dport)
                && r.dst.matches(&src)
                && r.dport.matches(sport);
            if !(forward || backward) {
                continue;
            }
            if !r.checks.iter().all(|(want, any, ids)| {
                let set = |id: &usize| bits.get(id / 64).is_some_and(|w| w & (1 << (id % 64)) != 0);
                let state = if *any {
                    ids.iter().any(set)
                } else {
                    ids.iter().all(set)
                };
                if *want {
                    state
                } else if *any {
                    !ids.iter().all(set)
                } else {
                    !ids.iter().any(set)
                }
            }) {
                continue;
            }
            if !r.inspection.matches(chunk.data) {
                continue;
            }
            for (cmd, ids) in &r.actions {
                for id in ids {
                    if let Some(w) = bits.get_mut(id / 64) {
                        let b = 1u64 << (id % 64);
                        match cmd {
                            BitCmd::Set => *w |= b,
                            BitCmd::Unset => *w &= !b,
                            _ => *w ^= b,
                        }
                    }
                }
            }
            if !r.noalert {
                hit(r.sid);
            }
        }
    }
}

/// The multi-pattern scan: every pattern that occurs in a chunk, matched
/// without case (it only chooses rules; their inspection decides).
///
/// Patterns of four bytes or more are found by four of their bytes (the
/// four that the fewest other patterns share, so that a common word does
/// not make a long list): a 32 KiB bitmap of their hashes (small enough
/// to stay in the first-level cache, where an automaton of thousands of
/// patterns does not) is tested at every position, and only a hit looks
/// the four bytes up and compares the patterns placed there. Shorter
/// patterns, few in rule sets, go through an Aho-Corasick automaton.
struct Prefilter {
    /// The last two (lowercased) bytes of every pattern's four: a first,
    /// cheaper test (no hashing)...
    pairs: Box<[u8; 1 << 16]>,
    /// ... then the hash of the four...
    bitmap: Box<[u64; BITMAP_WORDS]>,
    /// ... and the patterns whose four bytes have that hash: `slots[hash]`
    /// is 1 + their list's index in `long` (0: none).
    slots: Box<[u32]>,
    long: Vec<Vec<Placed>>,
    /// The short patterns' automaton, and their indexes in the set.
    short: Option<(AhoCorasick, Vec<usize>)>,
}

/// A long pattern, by the four bytes it is found by: (those bytes,
/// pattern index, where in the pattern they are, the pattern).
type Placed = (u32, usize, usize, Box<[u8]>);

/// Bits of the hash of a 4-byte key: 2^18 bits, 32 KiB.
const HASH_BITS: u32 = 18;
const BITMAP_WORDS: usize = (1 << HASH_BITS) / 64;

/// The hash of a 4-byte key, below 2^HASH_BITS.
#[inline]
fn hash(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// The bitmap word and bit of a hash.
#[inline]
fn slot(h: usize) -> (usize, u64) {
    ((h >> 6) % BITMAP_WORDS, 1 << (h & 63))
}

/// ASCII lowercase, by table.
const LOWER: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).to_ascii_lowercase();
        i += 1;
    }
    t
};

#[inline]
fn lower(b: u8) -> u32 {
    u32::from(LOWER[usize::from(b)])
}

impl Prefilter {
    /// `patterns` are lowercased.
    fn build(patterns: &[Vec<u8>]) -> Option<Prefilter> {
        let mut bitmap = Box::new([0u64; BITMAP_WORDS]);
        let mut pairs = Box::new([0u8; 1 << 16]);
        let mut slots = vec![0u32; 1 << HASH_BITS].into_boxed_slice();
        let mut long: Vec<Vec<Placed>> = Vec::new();
        let mut uses: HashMap<u32, usize> = HashMap::new();
        let (mut short, mut short_ids) = (Vec::new(), Vec::new());
        for (id, p) in patterns.iter().enumerate() {
            if p.len() < 4 {
                short.push(p.clone());
                short_ids.push(id);
                continue;
            }
            let key_at = |o: usize| u32::from_be_bytes([p[o], p[o + 1], p[o + 2], p[o + 3]]);
            let off = (0..=p.len() - 4)
                .min_by_key(|&o| uses.get(&key_at(o)).copied().unwrap_or(0))
                .unwrap_or(0);
            let key = key_at(off);
            *uses.entry(key).or_default() += 1;
            let h = hash(key);
            let (w, bit) = slot(h);
            bitmap[w] |= bit;
            pairs[(key & 0xFFFF) as usize] = 1;
            if slots[h] == 0 {
                long.push(Vec::new());
                slots[h] = u32::try_from(long.len()).ok()?;
            }
            long[slots[h] as usize - 1].push((key, id, off, p.clone().into_boxed_slice()));
        }
        let short = match short.is_empty() {
            true => None,
            false => Some((
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&short)
                    .ok()?,
                short_ids,
            )),
        };
        Some(Prefilter {
            pairs,
            bitmap,
            slots,
            long,
            short,
        })
    }

    /// Calls `found` with the index of every pattern that occurs in
    /// `data` (once per occurrence).
    fn scan(&self, data: &[u8], found: &mut dyn FnMut(usize)) {
        if let Some((ac, ids)) = &self.short {
            for m in ac.find_overlapping_iter(data) {
                found(ids[m.pattern().as_usize()]);
            }
        }
        if data.len() < 4 || self.long.is_empty() {
            return;
        }
        // Blocks of 64 positions: a branch-free pass marks the positions
        // whose last two bytes some pattern has (a bit each); only those
        // go on to the four-byte test.
        let mut key = data[..3].iter().fold(0u32, |k, &b| k << 8 | lower(b));
        let mut keys = [0u32; 64];
        for (n, block) in data[3..].chunks(64).enumerate() {
            let mut marks: u64 = 0;
            for (j, &b) in block.iter().enumerate() {
                key = key << 8 | lower(b);
                keys[j] = key;
                marks |= u64::from(self.pairs[(key & 0xFFFF) as usize]) << j;
            }
            while marks != 0 {
                let j = marks.trailing_zeros() as usize;
                marks &= marks - 1;
                self.candidates(data, n * 64 + j, keys[j], found);
            }
        }
    }

    /// The patterns whose four bytes are `key`, ending at `data[at + 3]`.
    #[inline]
    fn candidates(&self, data: &[u8], at: usize, key: u32, found: &mut dyn FnMut(usize)) {
        let h = hash(key);
        let (w, bit) = slot(h);
        if self.bitmap[w] & bit == 0 {
            return;
        }
        let Some(list) = self
            .slots
            .get(h)
            .and_then(|&s| self.long.get((s as usize).checked_sub(1)?))
        else {
            return;
        };
        for (four, id, off, p) in list {
            if *four != key {
                continue;
            }
            let Some(start) = at.checked_sub(*off) else {
                continue;
            };
            if data
                .get(start..start + p.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(p))
            {
                found(*id);
            }
        }
    }
}

impl PayloadRule {
    /// The rule's protocol and flow options against the chunk.
    fn admits(&self, c: &Chunk<'_>) -> bool {
        let proto = match self.proto {
            Proto::Any => true,
            Proto::Tcp => c.id.ip_proto == 6,
            Proto::Udp => c.id.ip_proto == 17,
            Proto::Modbus => c.services.contains(&"modbus"),
            Proto::Enip | Proto::Cip => c.services.iter().any(|s| *s == "enip" || *s == "cip"),
            Proto::OpcUa => c.services.contains(&"opcua-binary"),
        };
        proto
            && self.flow.established.is_none_or(|e| e == c.established)
            && self
                .flow
                .to_server
                .is_none_or(|t| t == (c.dir == Dir::Orig))
    }
}

/// The payload rules the workers use, replaced as a whole on a reload; a
/// connection keeps the set it started under.
#[derive(Clone, Default)]
pub struct Handle(Arc<Mutex<Option<Arc<PayloadSet>>>>);

impl Handle {
    pub fn store(&self, set: Option<PayloadSet>) {
        if let Ok(mut g) = self.0.lock() {
            *g = set.map(Arc::new);
        }
    }

    pub fn load(&self) -> Option<Arc<PayloadSet>> {
        self.0.lock().ok().and_then(|g| g.clone())
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Handle({:?})", self.load())
    }
}

impl PartialEq for Handle {
    fn eq(&self, o: &Handle) -> bool {
        Arc::ptr_eq(&self.0, &o.0)
    }
}
