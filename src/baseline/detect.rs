//! Deviations from a baseline: each observation of a run is compared with
//! what the baseline learned, and what differs becomes a finding that says
//! what was seen (`msg`) and the baseline fact it contradicts (`sub`),
//! with a severity and an ATT&CK for ICS technique. Each deviation is
//! reported once per device, edge, function (or function class, for the
//! reads of a client new to a server) or object, the first time it is
//! seen, so a new poller gives one finding, not one per poll.

use super::checks::{
    ms, on_request, some, DetectConfig, EdgeChecks, Keyed, Known, Reported, RequestFacts,
};
use super::learn::{channel_fact, conn_key, opcua_key, request_key};
use super::model::{Baseline, EdgeKey};
use crate::event::enip::Identity;
use crate::event::modbus::DeviceId;
use crate::event::opcua::Application;
use crate::event::{Conn, ConnId, ConnStart, Dir, Finding, NoticeKind, Scope, Severity};
use crate::inventory::{modbus_object, CipIdentity, OpcUaIdentity, S7Identity};
use crate::observe::{is_device, Offload, OpcUaActivate, OpcUaChannel, Request};
use crate::time::Ts;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

/// The deviation detector of a run: the per-edge checks of requests and
/// connections ([`super::checks`], made here or by the workers), reported
/// once per key across all of them; the device-wide checks (new devices,
/// changed identities, OPC UA nodes and methods per server, channel and
/// session security); and edges gone silent on the merged clock.
pub struct Detector {
    known: Arc<Known>,
    /// The checks of connections, and of requests no worker checked.
    checks: EdgeChecks,
    /// Set while workers run the checks of requests with `known`.
    shared: Offload,
    reported: Reported,
    /// The last activity of each baseline edge in this run (requests and
    /// connections; `i64::MIN`: none yet).
    last_seen: Vec<i64>,
    /// Per baseline edge, how long it may be quiet ([`Quiet::of`]; the
    /// same all run, so worked out once).
    quiet: Vec<Option<Quiet>>,
    /// Edges reported silent, and when (reported again only after they
    /// talk).
    silent: BTreeMap<EdgeKey, i64>,
    start: Option<i64>,
    next_silence_check: i64,
    /// Per OPC UA server, the nodes any client wrote and the methods any
    /// client called in the baseline.
    written: HashMap<IpAddr, HashSet<String>>,
    methods: HashMap<IpAddr, HashSet<String>>,
    /// Scratch for the checks of a request, and of a connection.
    facts: RequestFacts,
    keyed: Vec<Keyed>,
}

/// A finding on a client/server pair's connection, shown from the client.
fn on_pair(id: &ConnId, key: &EdgeKey, sub: String, f: Finding) -> Finding {
    Finding {
        conn: Some(id.clone()),
        endpoints: Some(Dir::Orig),
        proto: Some("tcp"),
        src: Some(key.client),
        dst: Some(key.server),
        p: Some(key.port),
        sub,
        ..f
    }
}

/// How long a learned edge may be quiet before it is reported silent.
#[derive(Clone, Copy, Debug)]
struct Quiet {
    /// The median interval of its most frequent function with enough
    /// samples.
    period_ms: u64,
    /// The silence reported: the period times the configured factor, at
    /// least the configured minimum, and never shorter than a silence the
    /// edge already had while learning.
    limit_us: i64,
    /// Whether it talked from the start of learning (expected before this
    /// run first sees it).
    from_start: bool,
}

impl Quiet {
    /// None for an edge without a period, or one no longer talking when
    /// learning ended (only edges still talking are expected to go on).
    fn of(edge: &super::model::Edge, known: &Known) -> Option<Quiet> {
        let cfg = known.cfg;
        let period_ms = edge.period_ms(cfg.min_interval_samples)?;
        let longest_ms = edge
            .functions
            .values()
            .map(|f| f.intervals_ms.max())
            .max()
            .unwrap_or(0);
        let limit_us = ((period_ms as f64 * 1000.0 * cfg.silence_factor) as i64)
            .max(cfg.min_silence_secs as i64 * 1_000_000)
            .max(longest_ms as i64 * 1000);
        let b = &known.baseline;
        (b.last_seen_us - edge.last_seen_us <= limit_us).then_some(Quiet {
            period_ms,
            limit_us,
            from_start: edge.first_seen_us - b.first_seen_us <= limit_us,
        })
    }
}

impl Detector {
    pub fn new(baseline: Baseline, cfg: DetectConfig) -> Detector {
        let known = Arc::new(Known::new(baseline, cfg));
        let mut written: HashMap<IpAddr, HashSet<String>> = HashMap::new();
        let mut methods: HashMap<IpAddr, HashSet<String>> = HashMap::new();
        for e in &known.edges {
            if !e.opcua.written.is_empty() {
                let w = written.entry(e.key.server).or_default();
                w.extend(e.opcua.written.iter().cloned());
            }
            if !e.opcua.methods.is_empty() {
                let m = methods.entry(e.key.server).or_default();
                m.extend(e.opcua.methods.iter().cloned());
            }
        }
        let shared = Offload::default();
        Detector {
            checks: EdgeChecks::new(Arc::clone(&known), shared.clone()),
            last_seen: vec![i64::MIN; known.edges.len()],
            quiet: known.edges.iter().map(|e| Quiet::of(e, &known)).collect(),
            known,
            shared,
            reported: Reported::default(),
            silent: BTreeMap::new(),
            start: None,
            next_silence_check: i64::MIN,
            written,
            methods,
            facts: RequestFacts::default(),
            keyed: Vec::new(),
        }
    }

    /// Checks of requests for a worker, whose findings this detector
    /// takes ([`Detector::request_checked`]) while it is not replaced.
    pub fn worker_checks(&self) -> EdgeChecks {
        EdgeChecks::new(Arc::clone(&self.known), self.shared.hand_out())
    }

    /// Whether workers run the checks of requests for this detector.
    pub fn shared(&self) -> bool {
        self.shared.on()
    }

    /// This detector is replaced: workers stop checking for it.
    pub fn retire(&self) {
        self.shared.retire();
    }

    /// Whether the rule matched between these hosts while learning.
    pub fn knows_rule(&self, sid: u32, src: IpAddr, dst: Option<IpAddr>) -> bool {
        self.known
            .baseline
            .rule_matches
            .contains_key(&(sid, src, dst))
    }

    /// Whether `key` is reported for the first time. Once the memory of
    /// reported keys is full, a key not in it is reported (perhaps again)
    /// and counted.
    fn first(&mut self, key: String) -> bool {
        self.reported.first(key)
    }

    /// Deviations reported without being remembered because the keys
    /// reported filled their memory (they may be reported again).
    pub fn repeated(&self) -> u64 {
        self.reported.repeated
    }

    /// Passes on what the per-edge checks found that was not reported
    /// before (by any of them).
    fn pass(&mut self, found: &[Keyed], out: &mut Vec<Finding>) {
        for k in found {
            if self.first(k.key.clone()) {
                out.push(k.finding.clone());
            }
        }
    }

    /// Activity on a baseline edge.
    fn seen(&mut self, edge: usize, ts: i64) {
        if let Some(t) = self.last_seen.get_mut(edge) {
            *t = (*t).max(ts);
        }
    }

    /// Time passes: the first event starts the run's clock, and now and
    /// then the learned edges are checked for silence.
    pub fn tick(&mut self, ts: Ts, out: &mut Vec<Finding>) {
        self.start.get_or_insert(ts.0);
        if ts.0 >= self.next_silence_check {
            self.silence(ts, out);
            self.next_silence_check = ts.0.saturating_add(1_000_000);
        }
    }

    /// A connection's first packet: devices the baseline does not know.
    pub fn conn_start(&mut self, c: &ConnStart, out: &mut Vec<Finding>) {
        self.start.get_or_insert(c.ts.0);
        for ip in [c.id.orig_h, c.id.resp_h] {
            self.new_device(c.ts, ip, Some(&c.id), out);
        }
        self.tick(c.ts, out);
    }

    /// A connection's end: a new edge, or a protocol new to its devices.
    pub fn conn_end(&mut self, c: &Conn, out: &mut Vec<Finding>) {
        self.start.get_or_insert(c.ts.0);
        if let Some(key) = conn_key(c) {
            let mut found = std::mem::take(&mut self.keyed);
            let number = self.known.index.get(&key).copied();
            if number.is_none() {
                self.checks.new_edge(c.ts, &key, Some(&c.id), &mut found);
            }
            if c.established() {
                self.checks
                    .protocol(c.ts, &key, number, Some(&c.id), &mut found);
            }
            self.pass(&found, out);
            found.clear();
            self.keyed = found;
            if let Some(i) = number {
                self.seen(i, c.ts.0.max(c.end_us()));
            }
        }
        self.tick(c.ts, out);
    }

    /// A request: a new edge, protocol, function, write, range or timing.
    pub fn request(&mut self, r: &Request<'_>, out: &mut Vec<Finding>) {
        self.request_checked(r, None, out);
    }

    /// A request whose per-edge checks a worker ran (`checked`), or which
    /// are run here (None).
    pub fn request_checked(
        &mut self,
        r: &Request<'_>,
        checked: Option<&RequestFacts>,
        out: &mut Vec<Finding>,
    ) {
        self.start.get_or_insert(r.ts.0);
        let mut own = std::mem::take(&mut self.facts);
        let facts = match checked {
            Some(f) => f,
            None => {
                self.checks.request(r, &mut own);
                &own
            }
        };
        let at = (facts.objects_at as usize).min(facts.found.len());
        let (before, after) = facts.found.split_at(at);
        self.pass(before, out);
        if r.opcua.is_some() {
            if let Some(key) = request_key(r) {
                self.opcua_objects(r, &key, out);
            }
        }
        self.pass(after, out);
        if let Some(e) = facts.edge {
            self.seen(e as usize, r.ts.0);
        }
        self.facts = own;
        self.tick(r.ts, out);
    }

    /// A List Identity reply: a device whose CIP identity changed.
    pub fn cip_identity(&mut self, i: &Identity, out: &mut Vec<Finding>) {
        let ts = i.head.ts;
        self.start.get_or_insert(ts.0);
        let host = i.head.id.endpoints(i.head.dir).0;
        let Some(b) = self
            .known
            .baseline
            .devices
            .get(&host)
            .and_then(|d| d.cip_identity.clone())
        else {
            return;
        };
        let identity = CipIdentity::of(i);
        let mut changes = Vec::new();
        for (what, old, new) in [
            ("vendor", &b.vendor, &identity.vendor),
            ("product", &b.product_name, &identity.product_name),
            ("revision", &b.revision, &identity.revision),
            ("serial", &b.serial_number, &identity.serial_number),
            ("device type", &b.device_type, &identity.device_type),
        ] {
            if old != new {
                changes.push(format!("{what} {old} -> {new}"));
            }
        }
        if !changes.is_empty() {
            self.identity_change(ts, host, "CIP identity", &changes.join(", "), out);
        }
        self.tick(ts, out);
    }

    /// What an S7 CPU's SZL answers said of it: a module, firmware or
    /// serial number other than the baseline's.
    pub fn s7_identity(&mut self, i: &crate::event::s7::Identity, out: &mut Vec<Finding>) {
        let ts = i.sent.ts;
        self.start.get_or_insert(ts.0);
        let host = i.sent.id.endpoints(i.sent.dir).0;
        let known = self
            .known
            .baseline
            .devices
            .get(&host)
            .and_then(|d| d.s7_identity.clone());
        if let Some(known) = known {
            let changes = known.changes(&S7Identity::of(i));
            if !changes.is_empty() {
                self.identity_change(ts, host, "S7 identity", &changes.join(", "), out);
            }
        }
        self.tick(ts, out);
    }

    /// A PROFINET DCP frame: a Set request (renaming, re-addressing or
    /// resetting a device) from a station the baseline never saw set one.
    /// `src` and `dst` are the addresses the inventory knows the MACs by.
    pub fn dcp(
        &mut self,
        f: &crate::event::profinet::Dcp,
        src: Option<IpAddr>,
        dst: Option<IpAddr>,
        out: &mut Vec<Finding>,
    ) {
        self.start.get_or_insert(f.ts.0);
        let sender = crate::id::format_mac(f.src);
        let setters = &self.known.baseline.dcp_setters;
        if f.changes_device() && !setters.contains(&sender) {
            let mut known: Vec<String> = setters.iter().take(8).cloned().collect();
            if setters.len() > 8 {
                known.push(format!("and {} more", setters.len() - 8));
            }
            let known = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            let summary = crate::logs::profinet::summary(f);
            if self.first(format!("dcp set {summary}")) {
                out.push(Finding {
                    sub: format!("DCP Set senders in the baseline: {known}"),
                    src,
                    dst,
                    proto: Some("profinet_dcp"),
                    scope: Scope::Alone,
                    // Unauthorized Command Message.
                    technique: Some("T0855"),
                    ..Finding::deviation(
                        f.ts,
                        NoticeKind::NewClientEngineering,
                        Severity::High,
                        format!(
                            "PROFINET DCP {summary}, from a station the baseline never saw set a device"
                        ),
                    )
                });
            }
        }
        self.tick(f.ts, out);
    }

    /// One object of a Modbus device identification: a changed value.
    pub fn modbus_object(&mut self, d: &DeviceId, out: &mut Vec<Finding>) {
        let Some((ts, host, name, value)) = modbus_object(d) else {
            return;
        };
        self.start.get_or_insert(ts.0);
        let old = self
            .known
            .baseline
            .devices
            .get(&host)
            .and_then(|d| d.modbus_identity.get(name).cloned());
        if let Some(old) = old.filter(|o| *o != value) {
            let what = format!("{name} {old} -> {value}");
            self.identity_change(ts, host, "Modbus device identification", &what, out);
        }
        self.tick(ts, out);
    }

    /// An OPC UA application description: one the baseline does not know
    /// for the host.
    pub fn opcua_application(&mut self, a: &Application, out: &mut Vec<Finding>) {
        self.start.get_or_insert(a.ts.0);
        let identity = OpcUaIdentity::of(a);
        let known = self
            .known
            .baseline
            .devices
            .get(&a.host)
            .map(|d| d.opcua_identity.clone());
        if let Some(known) = known.filter(|k| !k.is_empty() && !k.contains(&identity)) {
            let was: Vec<String> = known
                .iter()
                .map(|k| k.application_uri.clone().unwrap_or_default())
                .collect();
            let what = format!(
                "applicationUri {} (baseline: {})",
                identity.application_uri.clone().unwrap_or_default(),
                was.join(", ")
            );
            self.identity_change(a.ts, a.host, "OPC UA application", &what, out);
        }
        self.tick(a.ts, out);
    }

    /// End of the input: edges silent until its last moment.
    pub fn finish(&mut self, last: Ts, out: &mut Vec<Finding>) {
        self.silence(last, out);
    }

    fn new_device(&mut self, ts: Ts, ip: IpAddr, conn: Option<&ConnId>, out: &mut Vec<Finding>) {
        if !is_device(&ip) || self.known.baseline.devices.contains_key(&ip) {
            return;
        }
        if !self.first(format!("device {ip}")) {
            return;
        }
        let peer = match conn {
            Some(c) if ip == c.orig_h => c.resp_h,
            Some(c) => c.orig_h,
            None => ip,
        };
        out.push(Finding {
            conn: conn.cloned(),
            sub: format!(
                "the baseline knows {} devices; {ip} is not one of them",
                self.known.baseline.devices.len()
            ),
            src: Some(ip),
            dst: Some(peer),
            ..Finding::deviation(
                ts,
                NoticeKind::NewDevice,
                Severity::Medium,
                format!("new device {ip}, first seen talking with {peer}"),
            )
        });
    }

    /// OPC UA nodes written, and methods called, that no client wrote or
    /// called on the server in the baseline.
    fn opcua_objects(&mut self, r: &Request<'_>, key: &EdgeKey, out: &mut Vec<Finding>) {
        let (written, methods) = r.opcua_objects();
        for (items, known, kind, what, technique) in [
            (
                written,
                &self.written,
                NoticeKind::OpcUaNewWriteNode,
                "node",
                "T0836",
            ),
            (
                methods,
                &self.methods,
                NoticeKind::OpcUaNewMethod,
                "method",
                "T0871",
            ),
        ] {
            let server = known.get(&key.server);
            let new: Vec<String> = items
                .into_iter()
                .filter(|i| !server.is_some_and(|s| s.contains(i)))
                .collect();
            let new: Vec<String> = new
                .into_iter()
                .filter(|i| {
                    let k = format!("opcua {what} {} {i}", key.server);
                    self.reported.new_or_full(k)
                })
                .collect();
            if new.is_empty() {
                continue;
            }
            let learned = some(
                server
                    .map(|s| s.iter().cloned().collect::<BTreeSet<_>>())
                    .unwrap_or_default(),
            );
            let (verb, past) = match kind {
                NoticeKind::OpcUaNewWriteNode => ("Write of", "written"),
                _ => ("Call of", "called"),
            };
            out.push(Finding {
                technique: Some(technique),
                ..on_request(
                    r,
                    kind,
                    Severity::High,
                    format!("opcua {verb} {} on {key}", new.join(", ")),
                    format!(
                        "{what}s {past} on {} in the baseline: {learned}",
                        key.server
                    ),
                )
            });
        }
    }

    /// An OPC UA secure channel opened with a security the pair never
    /// used in the baseline (a downgrade to None is high).
    pub fn opcua_channel(&mut self, c: &OpcUaChannel<'_>, out: &mut Vec<Finding>) {
        self.start.get_or_insert(c.ts.0);
        let Some(key) = opcua_key(c.id) else { return };
        let known = Arc::clone(&self.known);
        let Some((_, edge)) = known.edge(&key) else {
            return;
        };
        let learned = &edge.opcua.channels;
        let fact = channel_fact(c);
        if learned.is_empty() || learned.contains(&fact) {
            return;
        }
        let none = |f: &str| f == "None" || f.starts_with("None/");
        let downgrade = none(&fact) && !learned.iter().any(|f| none(f));
        let sub = format!(
            "channel security of this pair in the baseline: {}",
            some(learned.iter().cloned())
        );
        if !self.first(format!("channel {key} {fact}")) {
            return;
        }
        out.push(Finding {
            // Adversary-in-the-Middle: a channel in clear can be read and
            // changed on the way.
            technique: downgrade.then_some("T0830"),
            ..on_pair(
                c.id,
                &key,
                sub,
                Finding::deviation(
                    c.ts,
                    NoticeKind::OpcUaSecurityChange,
                    if downgrade {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    format!(
                        "opcua session on {key} over a secure channel with security {fact}{}",
                        if downgrade { " (downgrade)" } else { "" }
                    ),
                ),
            )
        });
    }

    /// An OPC UA session activated with an identity kind the pair never
    /// used in the baseline (anonymous is high).
    pub fn opcua_activate(&mut self, a: &OpcUaActivate<'_>, out: &mut Vec<Finding>) {
        self.start.get_or_insert(a.ts.0);
        let Some(key) = opcua_key(a.id) else { return };
        let known = Arc::clone(&self.known);
        let Some((_, edge)) = known.edge(&key) else {
            return;
        };
        let learned = &edge.opcua.identities;
        if learned.is_empty() || learned.contains(a.token) {
            return;
        }
        let anonymous = a.token == "anonymous";
        let sub = format!(
            "session identities of this pair in the baseline: {}",
            some(learned.iter().cloned())
        );
        if !self.first(format!("identity {key} {}", a.token)) {
            return;
        }
        out.push(Finding {
            // Valid Accounts.
            technique: Some("T0859"),
            ..on_pair(
                a.id,
                &key,
                sub,
                Finding::deviation(
                    a.ts,
                    NoticeKind::OpcUaIdentityChange,
                    if anonymous {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    format!("opcua session on {key} activated as {}", a.token),
                ),
            )
        });
    }

    fn identity_change(
        &mut self,
        ts: Ts,
        host: IpAddr,
        what: &str,
        change: &str,
        out: &mut Vec<Finding>,
    ) {
        if !self.first(format!("identity {host} {what} {change}")) {
            return;
        }
        out.push(Finding {
            sub: "the baseline recorded the previous value".into(),
            src: Some(host),
            scope: Scope::Alone,
            // System Firmware.
            technique: Some("T0857"),
            ..Finding::deviation(
                ts,
                NoticeKind::IdentityChange,
                Severity::High,
                format!("{what} of {host} changed: {change}"),
            )
        });
    }

    /// Learned edges that have not talked for much longer than their
    /// period.
    fn silence(&mut self, now: Ts, out: &mut Vec<Finding>) {
        let start = self.start.unwrap_or(now.0);
        let mut found = Vec::new();
        let edges = self.known.edges.iter().zip(&self.last_seen);
        for ((edge, &seen), quiet) in edges.zip(&self.quiet) {
            let Some(Quiet {
                period_ms,
                limit_us,
                from_start,
            }) = *quiet
            else {
                continue;
            };
            let key = &edge.key;
            // Not seen yet in this run: expected only when it talked from
            // the start of learning.
            let last = match seen {
                i64::MIN if from_start => start,
                i64::MIN => continue,
                seen => seen.max(start),
            };
            if self.silent.get(key).is_some_and(|at| last > *at) {
                self.silent.remove(key);
            }
            if now.0 - last > limit_us && !self.silent.contains_key(key) {
                found.push((key.clone(), now.0 - last, period_ms, limit_us));
            }
        }
        for (key, quiet, period_ms, limit) in found {
            self.silent.insert(key.clone(), now.0);
            out.push(Finding {
                sub: format!(
                    "learned period {}; silent beyond {}",
                    ms(period_ms * 1000),
                    ms(limit as u64)
                ),
                src: Some(key.client),
                dst: Some(key.server),
                p: Some(key.port),
                scope: Scope::Alone,
                ..Finding::deviation(
                    now,
                    NoticeKind::EdgeSilent,
                    Severity::Medium,
                    format!("no traffic on {key} for {}", ms(quiet as u64)),
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::ConnId;
    use crate::inventory::Inventory;
    use crate::observe::{Function, FunctionClass, ModbusRange, ModbusTable};
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    /// A Modbus request: client, server, function (0 read holding
    /// registers, 1 write multiple registers, 2 read input registers),
    /// start, count, time (ms).
    type Spec = (u8, u8, u8, u16, u16, i64);

    fn ids(specs: &[Spec]) -> Vec<ConnId> {
        specs
            .iter()
            .map(|&(c, s, ..)| {
                ConnId::tcp(
                    "C1",
                    (IpAddr::V4(Ipv4Addr::new(10, 0, 0, c)), 40000 + u16::from(c)),
                    (IpAddr::V4(Ipv4Addr::new(10, 0, 1, s)), 502),
                )
            })
            .collect()
    }

    fn request<'a>(id: &'a ConnId, &(_, _, f, start, count, ms): &Spec) -> Request<'a> {
        let (function, table) = [
            (3, ModbusTable::HoldingRegisters),
            (16, ModbusTable::HoldingRegisters),
            (4, ModbusTable::InputRegisters),
        ][usize::from(f % 3)];
        Request {
            class: if function == 16 {
                FunctionClass::Write
            } else {
                FunctionClass::Read
            },
            write: function == 16,
            modbus: Some(ModbusRange {
                unit: 1,
                table,
                start: u64::from(start),
                count: u64::from(count),
            }),
            ..Request::read(Ts(ms * 1000), id, Function::Modbus(function, None))
        }
    }

    fn learn(specs: &[Spec]) -> Baseline {
        let ids = ids(specs);
        let mut inv = Inventory::default();
        let mut l = Learner::default();
        for (id, s) in ids.iter().zip(specs) {
            let r = request(id, s);
            inv.request(&r);
            l.request(&r);
        }
        l.finish(&inv)
    }

    fn specs(n: usize) -> impl Strategy<Value = Vec<Spec>> {
        proptest::collection::vec((1u8..5, 1u8..4, 0u8..3, 0u16..60, 1u16..20, 0i64..20), 0..n)
            .prop_map(|mut v| {
                // Regular polls with some jitter: intervals to learn and to
                // break.
                let mut t = 0;
                for s in v.iter_mut() {
                    t += 100 + s.5 * s.5 * 10;
                    s.5 = t;
                }
                v
            })
    }

    use super::super::learn::Learner;

    /// Polls of client `c` to server 1 every `every_ms` from `from_ms`
    /// until before `to_ms`.
    fn polls(c: u8, every_ms: i64, from_ms: i64, to_ms: i64) -> Vec<Spec> {
        (from_ms..to_ms)
            .step_by(every_ms as usize)
            .map(|ms| (c, 1, 0, 0, 1, ms))
            .collect()
    }

    #[test]
    fn an_edge_may_be_quiet_for_its_period_times_the_factor_if_it_was_talking_at_the_end() {
        // All the time, every 10 s.
        let mut specs = polls(1, 10_000, 0, 600_000);
        // Stopped 550 s before the end.
        specs.extend(polls(2, 1_000, 0, 50_000));
        // Began late.
        specs.extend(polls(3, 1_000, 540_000, 600_000));
        // Too few intervals.
        specs.extend(polls(4, 1_000, 595_000, 600_000));
        // Every second, but once quiet for 90 s while learning.
        specs.extend(polls(5, 1_000, 0, 100_000));
        specs.extend(polls(5, 1_000, 190_000, 600_000));
        specs.sort_by_key(|s| s.5);
        let known = Known::new(learn(&specs), DetectConfig::default());
        let quiet = |client: u8| {
            let e = known
                .edges
                .iter()
                .find(|e| e.key.client == IpAddr::V4(Ipv4Addr::new(10, 0, 0, client)))
                .expect("edge learned");
            Quiet::of(e, &known).map(|q| (q.period_ms, q.limit_us, q.from_start))
        };
        // Ten times the period (the histogram's median, within its
        // precision), which is above the minimum of 60 s.
        let (period_ms, limit_us, from_start) = quiet(1).expect("expected to go on");
        assert!((9_900..=10_100).contains(&period_ms), "{period_ms}");
        assert_eq!((limit_us, from_start), (period_ms as i64 * 10_000, true));
        // Quiet longer than its limit (60 s) when learning ended.
        assert_eq!(quiet(2), None);
        // The minimum of 60 s; not expected before this run sees it.
        let (period_ms, limit_us, from_start) = quiet(3).expect("expected to go on");
        assert!((990..=1_010).contains(&period_ms), "{period_ms}");
        assert_eq!((limit_us, from_start), (60_000_000, false));
        assert_eq!(quiet(4), None);
        // Never shorter than the silence it had while learning (the
        // histogram's largest value, within its precision).
        let (_, limit_us, from_start) = quiet(5).expect("expected to go on");
        assert!((90_000_000..=92_000_000).contains(&limit_us), "{limit_us}");
        assert!(from_start);
    }

    proptest! {
        /// Checks run by workers, each seeing the host pairs dispatched to
        /// it, find what the detector finds running them itself.
        #[test]
        fn checks_in_workers_find_what_the_detector_finds(
            learned in specs(120),
            run in specs(120),
            workers in 1usize..4,
        ) {
            let base = learn(&learned);
            let cfg = DetectConfig { min_interval_samples: 2, ..DetectConfig::default() };
            let mut alone = Detector::new(base.clone(), cfg);
            let mut merged = Detector::new(base, cfg);
            let mut checks: Vec<EdgeChecks> = (0..workers).map(|_| merged.worker_checks()).collect();
            let ids = ids(&run);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for (id, s) in ids.iter().zip(&run) {
                let r = request(id, s);
                alone.request(&r, &mut a);
                let mut facts = RequestFacts::default();
                let w = usize::from(s.0 + s.1) % workers;
                checks[w].request(&r, &mut facts);
                merged.request_checked(&r, Some(&facts), &mut b);
            }
            let last = Ts(run.last().map_or(0, |s| s.5 * 1000 + 600_000_000));
            alone.finish(last, &mut a);
            merged.finish(last, &mut b);
            prop_assert_eq!(a, b);
        }
    }
}
