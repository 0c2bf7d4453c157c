//! Building a baseline from observations: the edges of the graph with
//! their functions, Modbus ranges and polling intervals.

use super::model::{
    add_range, Baseline, Edge, EdgeKey, Function, OpcUaFacts, RuleMatch, MAX_DCP_SETTERS,
};
use crate::event::{Conn, ConnId, RuleHit};
use crate::inventory::Inventory;
use crate::observe::{is_device, OpcUaActivate, OpcUaChannel, Request, ENIP, OPCUA};
use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

/// Edges kept; past this, new edges are counted, not recorded.
pub const MAX_EDGES: usize = 262_144;
/// Functions kept per edge.
pub const MAX_FUNCTIONS: usize = 256;
/// Rule matches (rule, source, destination) kept.
pub const MAX_RULE_MATCHES: usize = 65_536;

/// The edge a request makes, when both ends are devices.
pub fn request_key(r: &Request<'_>) -> Option<EdgeKey> {
    (is_device(&r.client()) && is_device(&r.server())).then_some(EdgeKey {
        client: r.client(),
        server: r.server(),
        protocol: Cow::Borrowed(r.function.edge_protocol()),
        port: r.port(),
    })
}

/// The application protocol of an edge named by a connection's protocol:
/// CIP travels in EtherNet/IP, and both make one `enip` edge.
pub fn edge_protocol(protocol: &'static str) -> &'static str {
    if protocol == crate::observe::CIP {
        ENIP
    } else {
        protocol
    }
}

/// The edge a connection makes: its main service (EtherNet/IP for a
/// session that carried CIP), or its transport.
pub fn conn_key(c: &Conn) -> Option<EdgeKey> {
    let id = &c.id;
    (is_device(&id.orig_h) && is_device(&id.resp_h)).then_some(EdgeKey {
        client: id.orig_h,
        server: id.resp_h,
        protocol: Cow::Borrowed(edge_protocol(c.protocol())),
        port: id.resp_p,
    })
}

/// The OPC UA edge of a connection (the client is its originator).
pub fn opcua_key(id: &ConnId) -> Option<EdgeKey> {
    (is_device(&id.orig_h) && is_device(&id.resp_h)).then_some(EdgeKey {
        client: id.orig_h,
        server: id.resp_h,
        protocol: Cow::Borrowed(OPCUA),
        port: id.resp_p,
    })
}

/// How the baseline names a secure channel's security: the policy (the
/// URI's fragment), and `/None` when the mode was seen in clear.
pub fn channel_fact(c: &OpcUaChannel<'_>) -> String {
    let policy = c
        .policy
        .map(|p| p.rsplit('#').next().unwrap_or(p))
        .unwrap_or("unknown");
    match c.mode {
        Some(1) => format!("{policy}/None"),
        Some(2) => format!("{policy}/Sign"),
        Some(3) => format!("{policy}/SignAndEncrypt"),
        _ => policy.to_string(),
    }
}

/// When each function of each edge was last requested. Keyed edge first
/// so a lookup borrows the request's key and function (no allocation per
/// request); foldhash, seeded at random, as the flow table.
type LastSeen = HashMap<EdgeKey, HashMap<String, i64, Seeded>, Seeded>;
type Seeded = foldhash::fast::RandomState;

/// The graph being learned.
#[derive(Debug, Default)]
pub struct Learner {
    /// Hashed while learning (every request looks its edge up), ordered
    /// when the baseline is made.
    pub edges: HashMap<EdgeKey, Edge, Seeded>,
    last: LastSeen,
    /// Edges (and functions, OPC UA facts, rule matches) not recorded
    /// because a cap was reached.
    pub dropped: u64,
    /// Scratch for the `unit/table` key of Modbus ranges.
    table: String,
    /// Rules that matched, by rule and hosts.
    rules: HashMap<(u32, IpAddr, Option<IpAddr>), RuleMatch, Seeded>,
    /// Senders of PROFINET DCP Set requests.
    dcp_setters: std::collections::BTreeSet<[u8; 6]>,
}

/// Adds `theirs` to `mine`: an entry both hold is merged, a new one is
/// kept while `mine` holds fewer than `cap` (else counted in `dropped`).
fn absorb_capped<K: Eq + std::hash::Hash, V>(
    mine: &mut HashMap<K, V, Seeded>,
    theirs: HashMap<K, V, Seeded>,
    cap: usize,
    dropped: &mut u64,
    merge: impl Fn(&mut V, &V),
) {
    for (key, v) in theirs {
        let full = mine.len() >= cap;
        match mine.get_mut(&key) {
            Some(m) => merge(m, &v),
            None if full => *dropped += 1,
            None => {
                mine.insert(key, v);
            }
        }
    }
}

/// The edge of `key`, created unless the graph is full (counted in
/// `dropped`).
fn edge<'a>(
    edges: &'a mut HashMap<EdgeKey, Edge, Seeded>,
    dropped: &mut u64,
    key: &EdgeKey,
    ts: i64,
) -> Option<&'a mut Edge> {
    use std::collections::hash_map::Entry;
    // One hash per request (keys made from traffic borrow their protocol
    // name, so the clone copies and allocates nothing).
    let full = edges.len() >= MAX_EDGES;
    let e = match edges.entry(key.clone()) {
        Entry::Occupied(o) => o.into_mut(),
        Entry::Vacant(_) if full => {
            *dropped += 1;
            return None;
        }
        Entry::Vacant(v) => v.insert(Edge::new(key.clone(), ts)),
    };
    e.first_seen_us = e.first_seen_us.min(ts);
    e.last_seen_us = e.last_seen_us.max(ts);
    Some(e)
}

/// Writes Modbus's `unit/table` range key into `out`.
pub fn modbus_table_key(out: &mut String, unit: u8, table: &str) {
    out.clear();
    out.push_str(itoa::Buffer::new().format(unit));
    out.push('/');
    out.push_str(table);
}

impl Learner {
    /// The time of the previous request of `function` on `key`.
    pub fn previous(&self, key: &EdgeKey, function: &str) -> Option<i64> {
        self.last.get(key)?.get(function).copied()
    }

    /// Functions whose last request time is kept (bounded by the caps).
    #[cfg(test)]
    fn timed(&self) -> usize {
        self.last.values().map(HashMap::len).sum()
    }

    /// Learns a request: its edge, function, Modbus range and timing.
    pub fn request(&mut self, r: &Request<'_>) {
        let Some(key) = request_key(r) else { return };
        let ts = r.ts.0;
        let Some(e) = edge(&mut self.edges, &mut self.dropped, &key, ts) else {
            return;
        };
        e.requests += 1;
        let function = r.function.name();
        if !e.functions.contains_key(function.as_ref()) {
            if e.functions.len() >= MAX_FUNCTIONS {
                self.dropped += 1;
                return;
            }
            let first = Function {
                first_seen_us: ts,
                last_seen_us: ts,
                ..Function::default()
            };
            e.functions.insert(function.to_string(), first);
        }
        let Some(f) = e.functions.get_mut(function.as_ref()) else {
            return;
        };
        // Only for a function the graph keeps, so that `last` is
        // bounded by the caps too.
        let times = self.last.entry(key).or_default();
        let prev = match times.get_mut(function.as_ref()) {
            Some(t) => Some(std::mem::replace(t, ts)),
            None => times.insert(function.to_string(), ts),
        };
        f.count += 1;
        f.first_seen_us = f.first_seen_us.min(ts);
        f.last_seen_us = f.last_seen_us.max(ts);
        f.write |= r.write;
        if let Some(p) = prev.filter(|p| *p <= ts) {
            f.intervals_ms.record(((ts - p) / 1000) as u64);
        }
        if r.opcua.is_some() {
            let (written, methods) = r.opcua_objects();
            for (set, items) in [
                (&mut e.opcua.written, written),
                (&mut e.opcua.methods, methods),
            ] {
                for item in items {
                    if !OpcUaFacts::add(set, &item) {
                        self.dropped += 1;
                    }
                }
            }
        }
        if let Some(m) = &r.modbus {
            modbus_table_key(&mut self.table, m.unit, m.table.as_str());
            let ranges = match e.modbus.get_mut(self.table.as_str()) {
                Some(g) => g,
                None => e.modbus.entry(self.table.clone()).or_default(),
            };
            let end = m.start.saturating_add(m.count.saturating_sub(1));
            if r.write {
                add_range(&mut ranges.write, m.start, end);
            } else {
                add_range(&mut ranges.read, m.start, end);
            }
        }
    }

    /// Learns a connection that ended: its edge.
    pub fn conn_end(&mut self, c: &Conn) {
        let Some(key) = conn_key(c) else { return };
        let end = c.end_us();
        if let Some(e) = edge(&mut self.edges, &mut self.dropped, &key, c.ts.0) {
            e.connections += 1;
            e.last_seen_us = e.last_seen_us.max(end);
        }
    }

    /// Learns the security of an OPC UA secure channel.
    pub fn opcua_channel(&mut self, c: &OpcUaChannel<'_>) {
        let Some(key) = opcua_key(c.id) else { return };
        let fact = channel_fact(c);
        if let Some(e) = edge(&mut self.edges, &mut self.dropped, &key, c.ts.0) {
            if !OpcUaFacts::add(&mut e.opcua.channels, &fact) {
                self.dropped += 1;
            }
        }
    }

    /// Learns the identity kind an OPC UA session was activated with.
    pub fn opcua_activate(&mut self, a: &OpcUaActivate<'_>) {
        let Some(key) = opcua_key(a.id) else { return };
        if let Some(e) = edge(&mut self.edges, &mut self.dropped, &key, a.ts.0) {
            if !OpcUaFacts::add(&mut e.opcua.identities, a.token) {
                self.dropped += 1;
            }
        }
    }

    /// Learns that a rule matched between two hosts.
    pub fn rule_match(
        &mut self,
        ts: crate::time::Ts,
        rule: &RuleHit,
        src: IpAddr,
        dst: Option<IpAddr>,
    ) {
        let key = (rule.sid, src, dst);
        let full = self.rules.len() >= MAX_RULE_MATCHES;
        match self.rules.get_mut(&key) {
            Some(m) => {
                m.count += 1;
                m.first_seen_us = m.first_seen_us.min(ts.0);
                m.last_seen_us = m.last_seen_us.max(ts.0);
            }
            None if full => self.dropped += 1,
            None => {
                self.rules.insert(
                    key,
                    RuleMatch {
                        sid: rule.sid,
                        src,
                        dst,
                        msg: rule.msg.clone(),
                        count: 1,
                        first_seen_us: ts.0,
                        last_seen_us: ts.0,
                    },
                );
            }
        }
    }

    /// Learns who sets PROFINET devices' names and addresses (DCP Set).
    pub fn dcp(&mut self, f: &crate::event::profinet::Dcp) {
        if !f.is_set_request() || self.dcp_setters.contains(&f.src) {
            return;
        }
        if self.dcp_setters.len() >= MAX_DCP_SETTERS {
            self.dropped += 1;
        } else {
            self.dcp_setters.insert(f.src);
        }
    }

    /// Takes in what another learner learned from other traffic (a
    /// worker's share of the edges: every request of an edge reaches one
    /// worker, so shares meet only where the merge thread learned OPC UA
    /// channels of an edge).
    pub fn absorb(&mut self, other: Learner) {
        self.dropped += other.dropped;
        absorb_capped(
            &mut self.edges,
            other.edges,
            MAX_EDGES,
            &mut self.dropped,
            Edge::merge,
        );
        absorb_capped(
            &mut self.rules,
            other.rules,
            MAX_RULE_MATCHES,
            &mut self.dropped,
            RuleMatch::merge,
        );
        for m in other.dcp_setters {
            if self.dcp_setters.len() < MAX_DCP_SETTERS {
                self.dcp_setters.insert(m);
            } else if !self.dcp_setters.contains(&m) {
                self.dropped += 1;
            }
        }
    }

    /// The baseline learned so far (a checkpoint), learning going on.
    pub fn checkpoint(&self, inventory: &Inventory) -> Baseline {
        Learner {
            edges: self.edges.clone(),
            last: LastSeen::default(),
            dropped: self.dropped,
            table: String::new(),
            rules: self.rules.clone(),
            dcp_setters: self.dcp_setters.clone(),
        }
        .finish(inventory)
    }

    /// The baseline of what was learned, with the inventory's devices.
    pub fn finish(self, inventory: &Inventory) -> Baseline {
        let mut b = Baseline::default();
        for d in inventory.devices.unordered() {
            b.first_seen_us = b.first_seen_us.min(d.first_seen_us);
            b.last_seen_us = b.last_seen_us.max(d.last_seen_us);
        }
        b.devices = inventory.devices.to_map();
        b.edges = self.edges.into_iter().collect();
        b.rule_matches = self.rules.into_iter().collect();
        b.dcp_setters = self
            .dcp_setters
            .into_iter()
            .map(crate::id::format_mac)
            .collect();
        if b.devices.is_empty() {
            b.first_seen_us = 0;
            b.last_seen_us = 0;
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::ConnId;
    use crate::observe::{Detail, Function as F};
    use crate::time::Ts;

    /// An OPC UA read-class request `name` on `id` at `ts`.
    fn opcua<'a>(id: &'a ConnId, name: &'static str, ts: i64) -> Request<'a> {
        Request::read(Ts(ts), id, F::OpcUa(name))
    }

    #[test]
    fn request_times_are_kept_only_for_what_the_graph_keeps() {
        // Regression: the time of each (edge, function)'s last request was
        // stored before the caps were checked, so requests beyond them grew
        // that table without bound.
        let mut l = Learner::default();
        let id = ConnId::tcp(
            "C1",
            ([10, 0, 0, 1].into(), 40000),
            ([10, 0, 0, 2].into(), 4840),
        );
        for i in 0..MAX_FUNCTIONS + 50 {
            l.request(&opcua(
                &id,
                Box::leak(format!("f{i}").into_boxed_str()),
                1_000_000,
            ));
        }
        assert_eq!(l.dropped, 50);
        assert_eq!(l.timed(), MAX_FUNCTIONS);
        l.edges.clear();
        l.last.clear();
        for port in 0..10 {
            let id = ConnId::tcp(
                "C1",
                ([10, 0, 0, 1].into(), 40000),
                ([10, 0, 0, 2].into(), port),
            );
            l.request(&opcua(&id, "Read", 1_000_000));
        }
        assert_eq!(l.timed(), 10);
    }

    /// A worker's learner absorbed by the merge thread's, which learned the
    /// OPC UA channel of the same edge, makes the baseline one learner of
    /// everything makes.
    #[test]
    fn absorbed_shares_make_the_baseline_one_learner_makes() {
        let id = ConnId::tcp(
            "C1",
            ([10, 0, 0, 1].into(), 40000),
            ([10, 0, 0, 2].into(), 4840),
        );
        let read = |ts: i64| opcua(&id, "Read", ts);
        let channel = OpcUaChannel {
            ts: Ts(500_000),
            id: &id,
            policy: Some("http://opcfoundation.org/UA/SecurityPolicy#None"),
            mode: Some(1),
        };
        let inventory = crate::inventory::Inventory::default();
        let mut one = Learner::default();
        let (mut merge, mut worker) = (Learner::default(), Learner::default());
        one.opcua_channel(&channel);
        merge.opcua_channel(&channel);
        for ts in [1_000_000, 2_000_000, 3_000_000] {
            one.request(&read(ts));
            worker.request(&read(ts));
        }
        merge.absorb(worker);
        let (a, b) = (one.finish(&inventory), merge.finish(&inventory));
        assert_eq!(a.to_json(), b.to_json());
        let edge = b.edges.values().next().unwrap();
        assert_eq!((edge.requests, edge.first_seen_us), (3, 500_000));
        assert_eq!(edge.opcua.channels.len(), 1);
    }

    /// Modbus FC 8 sub-functions and FC 43 MEI types are functions of
    /// their own: a baseline that saw Return Query Data (8/0) reports a
    /// Restart Communications Option (8/1) as a new function, a restart.
    #[test]
    fn sub_functions_are_functions_of_their_own() {
        use crate::baseline::{DetectConfig, Detector};
        use crate::observe::FunctionClass;
        let id = ConnId::tcp(
            "C1",
            ([10, 0, 0, 1].into(), 40000),
            ([10, 0, 0, 2].into(), 502),
        );
        let diag = |ts: i64, sub: u16| Request {
            ts: Ts(ts),
            id: &id,
            function: F::Modbus(0x08, Some(sub)),
            class: FunctionClass::modbus(0x08, Some(sub)),
            opcua: None,
            write: false,
            engineering: false,
            identification: false,
            modbus: None,
            detail: Detail::Modbus {
                unit: 1,
                subfunction: Some(sub),
            },
        };
        let mut l = Learner::default();
        l.request(&diag(1_000_000, 0));
        let b = l.finish(&crate::inventory::Inventory::default());
        let functions: Vec<&String> = b.edges.values().flat_map(|e| e.functions.keys()).collect();
        assert_eq!(functions, ["DIAGNOSTICS/Return Query Data"]);
        let mut d = Detector::new(b, DetectConfig::default());
        let mut out = Vec::new();
        d.request(&diag(2_000_000, 0), &mut out);
        assert!(out.is_empty(), "{out:?}");
        d.request(&diag(3_000_000, 1), &mut out);
        let kinds: Vec<_> = out.iter().map(|f| (f.kind, f.severity)).collect();
        assert_eq!(
            kinds,
            [(
                crate::event::NoticeKind::NewFunction,
                crate::event::Severity::High
            )]
        );
        assert!(out[0]
            .msg
            .contains("DIAGNOSTICS/Restart Communications Option (restart)"));
    }
}
