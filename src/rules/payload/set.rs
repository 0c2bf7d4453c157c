//! The payload rules of a rule set, compiled for the flow workers: a
//! multi-pattern prefilter over each rule's fast pattern, by rule group
//! (like Suricata's MPM, [`super::prefilter`]), picks the rules worth
//! inspecting for a chunk; rules without a pattern are inspected on every
//! chunk.
//!
//! Invariants: rule order is the set's, with the rules that set, unset or
//! toggle flowbits moved before the others (Suricata orders them so, so
//! that a bit set by one packet's match is seen by another rule on the
//! same packet); a connection's flowbits are a bitset of
//! [`PayloadSet::words`] words, indexed by the set's bit names, and stay
//! with the set the connection started under.

use super::prefilter::{Prefilter, Reach, Transport};
use super::{BitCmd, FlowOpts, Inspection};
use crate::event::{ConnId, Dir};
use crate::rules::ast::{Addrs, Ports, Proto};
use crate::rules::RuleSet;
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
        let mut patterns: Vec<(Vec<u8>, Reach)> = Vec::new();
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
                        patterns.push((key, Reach::default()));
                        by_pattern.push(Vec::new());
                        patterns.len() - 1
                    });
                    by_pattern[id].push(i as u32);
                    reach(r, &mut patterns[id].1);
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

    /// How many (transport, port) rule groups the prefilter scans with
    /// tables of their own.
    pub fn groups(&self) -> usize {
        self.prefilter.as_ref().map_or(0, Prefilter::groups)
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
        let (src, sport, dst, dport) = chunk.id.endpoints(chunk.dir);
        if let Some(p) = &self.prefilter {
            let seen = &mut scratch.seen;
            let transport = Transport::of(chunk.id.ip_proto);
            p.scan(chunk.data, transport, dport, &mut |pattern| {
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

/// Adds where `r` can match to `reach`: its transports (both for a rule
/// of `ip` or an application protocol), and the destination ports its
/// header names one by one (every port for `any`, a range wider than 64
/// ports, a negation, or a rule of both directions, whose source port is a
/// destination too).
fn reach(r: &crate::rules::Rule, reach: &mut Reach) {
    let transports: &[Transport] = match r.proto {
        Proto::Tcp => &[Transport::Tcp],
        Proto::Udp => &[Transport::Udp],
        _ => &[Transport::Tcp, Transport::Udp],
    };
    let mut ports = Vec::new();
    let named = !r.bidirectional && single_ports(&r.dport, &mut ports) && !ports.is_empty();
    for &t in transports {
        if named {
            reach.ports.extend(ports.iter().map(|&p| (t, p)));
        } else {
            reach.all[t as usize] = true;
        }
    }
}

/// The ports of `p` one by one, when it names them so (no negation, no
/// range wider than 64, no empty list).
fn single_ports(p: &Ports, out: &mut Vec<u16>) -> bool {
    match p {
        Ports::Any => false,
        Ports::Range(a, b) if b >= a && b - a < 64 => {
            out.extend(*a..=*b);
            true
        }
        Ports::Range(..) => false,
        // An empty list matches every port.
        Ports::List(items) if items.is_empty() => false,
        Ports::List(items) => items.iter().all(|(neg, x)| !*neg && single_ports(x, out)),
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
            Proto::S7comm => c
                .services
                .iter()
                .any(|s| *s == "s7comm" || *s == "s7comm-plus"),
            // Layer 2: no stream carries it.
            Proto::ProfinetDcp => false,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ports_named_one_by_one_make_groups() {
        let one = |p: u16| (false, Ports::Range(p, p));
        let got = |p: &Ports| {
            let mut out = Vec::new();
            single_ports(p, &mut out).then_some(out)
        };
        assert_eq!(got(&Ports::Range(502, 502)), Some(vec![502]));
        assert_eq!(
            got(&Ports::List(vec![one(80), one(443)])),
            Some(vec![80, 443])
        );
        assert_eq!(got(&Ports::Range(1, 3)), Some(vec![1, 2, 3]));
        assert_eq!(got(&Ports::Any), None);
        assert_eq!(got(&Ports::Range(1024, 65535)), None);
        assert_eq!(
            got(&Ports::List(vec![one(80), (true, Ports::Range(81, 81))])),
            None
        );
        // An empty list, even nested, matches every port.
        assert!(Ports::List(vec![]).matches(9));
        assert_eq!(
            got(&Ports::List(vec![one(80), (false, Ports::List(vec![]))])),
            None
        );
    }
}
