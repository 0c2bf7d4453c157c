//! The multi-pattern scan over a chunk (Suricata's MPM): every fast pattern
//! that occurs, matched without case (it only chooses rules; their
//! inspection decides), among the patterns of the rules whose header can
//! match the chunk's transport and destination port (Suricata's rule
//! groups).
//!
//! Patterns of five bytes or more are found by two overlapping 4-byte
//! windows of theirs, one starting a byte after the other (the pair the
//! fewest other patterns share, so that a common word does not make a long
//! list): whichever way an occurrence lies, one of the two ends at an odd
//! offset of the chunk, so only every other offset is looked at. There, the
//! window's last two bytes, as sent, are looked up in the group's table,
//! which holds every case of its patterns' pairs (no lowercasing in the
//! loop); only a hit lowercases the window, tests its hash in the group's
//! 32 KiB bitmap (small enough to stay in the first-level cache, where an
//! automaton of thousands of patterns does not) and compares the patterns
//! placed there. Shorter patterns, few in rule sets, go through one
//! Aho-Corasick automaton for every group.

use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;

/// Where a pattern's rules can match: per transport (TCP, UDP), every
/// destination port, or some.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    /// Every port, per transport.
    pub all: [bool; 2],
    /// Single ports, per transport.
    pub ports: Vec<(Transport, u16)>,
}

/// A chunk's transport, as the groups split them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transport {
    Tcp = 0,
    Udp = 1,
}

impl Transport {
    /// TCP for anything but UDP: chunks come from TCP streams and UDP
    /// datagrams only.
    pub fn of(ip_proto: u8) -> Transport {
        match ip_proto {
            17 => Transport::Udp,
            _ => Transport::Tcp,
        }
    }
}

/// At most this many (transport, port) groups get their own tables (96 KiB
/// each); the patterns of the ports left out are scanned for on every port.
pub const MAX_GROUPS: usize = 64;
const _: () = assert!(MAX_GROUPS + 2 <= u8::MAX as usize);

/// The scan of one rule group: the first-level tests of its patterns.
struct Filter {
    /// Every case of the last two bytes of the group's windows, by their
    /// value in the machine's order (no byte swap in the loop): a first
    /// test (no hashing, no lowercasing)...
    pairs: Box<[u8; 1 << 16]>,
    /// ... then the hash of the lowercased window.
    bitmap: Box<[u64; BITMAP_WORDS]>,
    /// The group has long patterns at all.
    any: bool,
}

impl Filter {
    fn new() -> Filter {
        Filter {
            pairs: Box::new([0; 1 << 16]),
            bitmap: Box::new([0; BITMAP_WORDS]),
            any: false,
        }
    }

    fn add(&mut self, key: u32) {
        let (w, bit) = slot(hash(key));
        self.bitmap[w] |= bit;
        let [.., x, y] = key.to_be_bytes();
        for x in cases(x) {
            for y in cases(y) {
                self.pairs[usize::from(u16::from_ne_bytes([x, y]))] = 1;
            }
        }
        self.any = true;
    }
}

pub struct Prefilter {
    /// The groups' filters: TCP's and UDP's for the ports without a group
    /// of their own, then one per (transport, port) group.
    filters: Vec<Filter>,
    /// The filter of each (transport, port): `group[transport << 16 |
    /// port]` (a table, not a map: one load per chunk).
    group: Box<[u8]>,
    groups: usize,
    /// The long patterns with a window of a hash: `slots[hash]` is 1 +
    /// their list's index in `long` (0: none); shared by the groups.
    slots: Box<[u32]>,
    long: Vec<Vec<Placed>>,
    /// The short patterns' automaton, and their indexes in the set.
    short: Option<(AhoCorasick, Vec<usize>)>,
}

/// A long pattern, by one of its two windows: (the window's four bytes,
/// pattern index, where in the pattern the window is, the pattern).
type Placed = (u32, usize, usize, Box<[u8]>);

/// Patterns shorter than this go to the automaton: the long ones need two
/// windows.
const LONG: usize = 5;

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

/// A byte and, for a lowercase letter, its uppercase.
fn cases(b: u8) -> impl Iterator<Item = u8> {
    std::iter::once(b).chain(b.is_ascii_lowercase().then(|| b.to_ascii_uppercase()))
}

/// ASCII lowercase of four bytes at once: `A`-`Z` get bit 0x20.
#[inline]
fn lowercase(x: u32) -> u32 {
    let low = x & 0x7F7F_7F7F;
    // Per byte, the top bit: at least `A`, and above `Z`.
    let from_a = low + 0x3F3F_3F3F;
    let past_z = low + 0x2525_2525;
    let upper = from_a & !past_z & !x & 0x8080_8080;
    x | (upper >> 2)
}

impl Prefilter {
    /// `patterns` are lowercased, each with where its rules can match.
    pub fn build(patterns: &[(Vec<u8>, Reach)]) -> Option<Prefilter> {
        // The groups: the ports most patterns name, up to the cap; the
        // patterns of the others are scanned for everywhere.
        let mut named: HashMap<(Transport, u16), usize> = HashMap::new();
        for (_, r) in patterns {
            for g in &r.ports {
                *named.entry(*g).or_default() += 1;
            }
        }
        let mut order: Vec<((Transport, u16), usize)> = named.into_iter().collect();
        order.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        order.truncate(MAX_GROUPS);
        let groups: HashMap<(Transport, u16), usize> = order
            .iter()
            .enumerate()
            .map(|(i, (g, _))| (*g, 2 + i))
            .collect();
        let mut filters: Vec<Filter> = (0..2 + groups.len()).map(|_| Filter::new()).collect();
        let mut group: Box<[u8]> = (0..2 << 16).map(|i| (i >> 16) as u8).collect();
        for (&(t, port), &f) in &groups {
            group[(t as usize) << 16 | usize::from(port)] = u8::try_from(f).ok()?;
        }
        let mut slots = vec![0u32; 1 << HASH_BITS].into_boxed_slice();
        let mut long: Vec<Vec<Placed>> = Vec::new();
        let mut uses: HashMap<u32, usize> = HashMap::new();
        let (mut short, mut short_ids) = (Vec::new(), Vec::new());
        for (id, (p, reach)) in patterns.iter().enumerate() {
            if p.len() < LONG {
                short.push(p.clone());
                short_ids.push(id);
                continue;
            }
            // The filters the pattern goes in.
            let mut all = reach.all;
            let mut mine = Vec::new();
            for g in &reach.ports {
                match groups.get(g) {
                    Some(&f) => mine.push(f),
                    None => all[g.0 as usize] = true,
                }
            }
            for (&(t, _), &f) in &groups {
                if all[t as usize] {
                    mine.push(f);
                }
            }
            mine.extend((0..2).filter(|&t| all[t]));
            mine.sort_unstable();
            mine.dedup();
            let key_at = |o: usize| u32::from_be_bytes([p[o], p[o + 1], p[o + 2], p[o + 3]]);
            let used = |o: usize| uses.get(&key_at(o)).copied().unwrap_or(0);
            let first = (0..=p.len() - LONG)
                .min_by_key(|&o| used(o) + used(o + 1))
                .unwrap_or(0);
            for off in [first, first + 1] {
                let key = key_at(off);
                *uses.entry(key).or_default() += 1;
                for &f in &mine {
                    filters[f].add(key);
                }
                let h = hash(key);
                if slots[h] == 0 {
                    long.push(Vec::new());
                    slots[h] = u32::try_from(long.len()).ok()?;
                }
                long[slots[h] as usize - 1].push((key, id, off, p.clone().into_boxed_slice()));
            }
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
            filters,
            group,
            groups: groups.len(),
            slots,
            long,
            short,
        })
    }

    /// How many (transport, port) groups have their own tables.
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// Calls `found` with the index of every pattern of the group of
    /// (`transport`, destination `port`) that occurs in `data` (once per
    /// occurrence; a pattern of another group may be reported too).
    pub fn scan(&self, data: &[u8], transport: Transport, port: u16, found: &mut dyn FnMut(usize)) {
        if let Some((ac, ids)) = &self.short {
            for m in ac.find_overlapping_iter(data) {
                found(ids[m.pattern().as_usize()]);
            }
        }
        let f = self.group[(transport as usize) << 16 | usize::from(port)];
        let Some(filter) = self.filters.get(usize::from(f)).filter(|f| f.any) else {
            return;
        };
        if data.len() < LONG {
            return;
        }
        // The windows ending at odd offsets 3, 5, ...: their last two bytes
        // are data[2..]'s pairs. Blocks of 64 pairs: a branch-free pass
        // marks those some pattern has (a bit each); only they go on.
        for (n, block) in data[2..].chunks(128).enumerate() {
            let (two, _) = block.as_chunks::<2>();
            let mut marks: u64 = 0;
            for (j, pair) in two.iter().enumerate() {
                marks |= u64::from(filter.pairs[usize::from(u16::from_ne_bytes(*pair))]) << j;
            }
            while marks != 0 {
                let j = marks.trailing_zeros() as usize;
                marks &= marks - 1;
                let at = (n * 64 + j) * 2;
                if let Some(w) = data.get(at..at + 4) {
                    let key = lowercase(u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
                    self.candidates(filter, data, at, key, found);
                }
            }
        }
    }

    /// The patterns whose window is `key`, starting at `data[at]`.
    #[inline]
    fn candidates(
        &self,
        filter: &Filter,
        data: &[u8],
        at: usize,
        key: u32,
        found: &mut dyn FnMut(usize),
    ) {
        let h = hash(key);
        let (w, bit) = slot(h);
        if filter.bitmap[w] & bit == 0 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_bytes_are_lowercased_as_ascii() {
        for b in 0..=255u8 {
            for at in 0..4 {
                let x = u32::from(b) << (8 * at) | 0x4D00_005A_u32 & !(0xFF << (8 * at));
                let want = u32::from_le_bytes(x.to_le_bytes().map(|c| c.to_ascii_lowercase()));
                assert_eq!(lowercase(x), want, "{x:08x}");
            }
        }
    }

    fn everywhere(p: &[u8]) -> (Vec<u8>, Reach) {
        let reach = Reach {
            all: [true, true],
            ports: vec![],
        };
        (p.to_vec(), reach)
    }

    #[test]
    fn an_occurrence_is_found_once_wherever_it_lies() {
        let patterns = [
            everywhere(b"hello"),
            everywhere(b"aaaaaa"),
            everywhere(b"\x00\x01\x02\x03\x04"),
        ];
        let p = Prefilter::build(&patterns).unwrap();
        for lead in 0..6 {
            let mut data = vec![b'.'; lead];
            data.extend_from_slice(b"HeLLo aaaaaaa \x00\x01\x02\x03\x04");
            let mut found = Vec::new();
            p.scan(&data, Transport::Tcp, 80, &mut |i| found.push(i));
            found.sort_unstable();
            // "aaaaaaa" holds "aaaaaa" twice.
            assert_eq!(found, vec![0, 1, 1, 2], "lead {lead}");
        }
    }

    #[test]
    fn a_group_scans_for_its_ports_patterns_and_those_of_every_port() {
        let on = |ports: &[(Transport, u16)]| Reach {
            all: [false, false],
            ports: ports.to_vec(),
        };
        let patterns = [
            (b"modbus".to_vec(), on(&[(Transport::Tcp, 502)])),
            (
                b"enipx".to_vec(),
                on(&[(Transport::Tcp, 44818), (Transport::Udp, 2222)]),
            ),
            (
                b"every".to_vec(),
                Reach {
                    all: [true, false],
                    ports: vec![],
                },
            ),
            (
                b"udpall".to_vec(),
                Reach {
                    all: [false, true],
                    ports: vec![],
                },
            ),
        ];
        let p = Prefilter::build(&patterns).unwrap();
        assert_eq!(p.groups(), 3);
        let data = b"..modbus..enipx..every..udpall..";
        let found = |t, port| {
            let mut v = Vec::new();
            p.scan(data, t, port, &mut |i| v.push(i));
            v.sort_unstable();
            v
        };
        assert_eq!(found(Transport::Tcp, 502), vec![0, 2]);
        assert_eq!(found(Transport::Tcp, 44818), vec![1, 2]);
        assert_eq!(found(Transport::Tcp, 80), vec![2]);
        assert_eq!(found(Transport::Udp, 2222), vec![1, 3]);
        assert_eq!(found(Transport::Udp, 53), vec![3]);
    }

    #[test]
    fn ports_past_the_cap_are_scanned_for_everywhere() {
        let patterns: Vec<(Vec<u8>, Reach)> = (0..MAX_GROUPS as u16 + 5)
            .map(|i| {
                let reach = Reach {
                    all: [false, false],
                    ports: vec![(Transport::Tcp, 1000 + i)],
                };
                (format!("pattern{i:03}").into_bytes(), reach)
            })
            .collect();
        let p = Prefilter::build(&patterns).unwrap();
        assert_eq!(p.groups(), MAX_GROUPS);
        // Every pattern is found on its own port; those without a group on
        // any port too.
        for (i, (pat, _)) in patterns.iter().enumerate() {
            let mut v = Vec::new();
            p.scan(pat, Transport::Tcp, 1000 + i as u16, &mut |x| v.push(x));
            assert_eq!(v, vec![i], "{i}");
        }
        let all: Vec<u8> = patterns.iter().flat_map(|(p, _)| p.clone()).collect();
        let mut v = Vec::new();
        p.scan(&all, Transport::Tcp, 9, &mut |x| v.push(x));
        for i in MAX_GROUPS..MAX_GROUPS + 5 {
            assert!(v.contains(&i), "{i}: {v:?}");
        }
    }
}
