//! Building a baseline from observations: the edges of the graph with
//! their functions, Modbus ranges and polling intervals.

use super::model::{add_range, Baseline, Edge, EdgeKey, Function};
use crate::event::Conn;
use crate::inventory::Inventory;
use crate::observe::{is_device, Request};
use std::borrow::Cow;
use std::collections::HashMap;

/// Edges kept; past this, new edges are counted, not recorded.
pub const MAX_EDGES: usize = 262_144;
/// Functions kept per edge.
pub const MAX_FUNCTIONS: usize = 256;

/// The edge a request makes, when both ends are devices.
pub fn request_key(r: &Request<'_>) -> Option<EdgeKey> {
    (is_device(&r.client()) && is_device(&r.server())).then_some(EdgeKey {
        client: r.client(),
        server: r.server(),
        protocol: Cow::Borrowed(r.protocol()),
        port: r.port(),
    })
}

/// The edge a connection makes: its main service (CIP for an EtherNet/IP
/// session that carried CIP, as its requests are keyed), or its transport.
pub fn conn_key(c: &Conn) -> Option<EdgeKey> {
    let id = &c.id;
    (is_device(&id.orig_h) && is_device(&id.resp_h)).then_some(EdgeKey {
        client: id.orig_h,
        server: id.resp_h,
        protocol: Cow::Borrowed(c.protocol()),
        port: id.resp_p,
    })
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
    /// Edges (and functions) not recorded because a cap was reached.
    pub dropped: u64,
    /// Scratch for the `unit/table` key of Modbus ranges.
    table: String,
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

    /// The baseline learned so far (a checkpoint), learning going on.
    pub fn checkpoint(&self, inventory: &Inventory) -> Baseline {
        Learner {
            edges: self.edges.clone(),
            last: LastSeen::default(),
            dropped: self.dropped,
            table: String::new(),
        }
        .finish(inventory)
    }

    /// The baseline of what was learned, with the inventory's devices.
    pub fn finish(self, inventory: &Inventory) -> Baseline {
        let mut b = Baseline::default();
        for d in inventory.devices.values() {
            b.first_seen_us = b.first_seen_us.min(d.first_seen_us);
            b.last_seen_us = b.last_seen_us.max(d.last_seen_us);
        }
        b.devices = inventory.devices.clone();
        b.edges = self.edges.into_iter().collect();
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

    #[test]
    fn request_times_are_kept_only_for_what_the_graph_keeps() {
        // Regression: the time of each (edge, function)'s last request was
        // stored before the caps were checked, so requests beyond them grew
        // that table without bound.
        fn request<'a>(id: &'a ConnId, name: &'static str) -> Request<'a> {
            Request {
                ts: Ts(1_000_000),
                id,
                function: F::OpcUa(name),
                write: false,
                engineering: false,
                identification: false,
                modbus: None,
                detail: Detail::None,
            }
        }
        let mut l = Learner::default();
        let id = ConnId::tcp(
            "C1",
            ([10, 0, 0, 1].into(), 40000),
            ([10, 0, 0, 2].into(), 4840),
        );
        for i in 0..MAX_FUNCTIONS + 50 {
            l.request(&request(&id, Box::leak(format!("f{i}").into_boxed_str())));
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
            l.request(&request(&id, "Read"));
        }
        assert_eq!(l.timed(), 10);
    }
}
