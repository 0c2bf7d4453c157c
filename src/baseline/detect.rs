//! Deviations from a baseline: each observation of a run is compared with
//! what the baseline learned, and what differs becomes a finding that says
//! what was seen (`msg`) and the baseline fact it contradicts (`sub`),
//! with a severity and an ATT&CK for ICS technique. Each deviation is
//! reported once per device, edge, function (or function class, for the
//! reads of a client new to a server) or object, the first time it is
//! seen, so a new poller gives one finding, not one per poll.

use super::learn::{channel_fact, conn_key, modbus_table_key, opcua_key, request_key, Learner};
use super::model::{covers, format_ranges, Baseline, Edge, EdgeKey};
use crate::event::enip::Identity;
use crate::event::modbus::DeviceId;
use crate::event::opcua::Application;
use crate::event::{Conn, ConnId, ConnStart, Dir, Finding, NoticeKind, Scope, Severity};
use crate::inventory::{modbus_object, CipIdentity, Device, OpcUaIdentity};
use crate::observe::{is_device, FunctionClass, OpcUaActivate, OpcUaChannel, Request};
use crate::time::Ts;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

/// Thresholds of the detector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DetectConfig {
    /// An interval more than this many times longer than the longest
    /// learned one, or shorter than the shortest divided by it, is a
    /// polling anomaly.
    pub interval_factor: f64,
    /// Learned intervals a function needs before its timing is judged.
    pub min_interval_samples: u64,
    /// A learned edge is silent after this many learned periods...
    pub silence_factor: f64,
    /// ... and never before this long (seconds).
    pub min_silence_secs: u64,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            interval_factor: 4.0,
            min_interval_samples: 10,
            silence_factor: 10.0,
            min_silence_secs: 60,
        }
    }
}

/// Deviation keys remembered; past this, deviations are reported every
/// time (counted), never dropped.
pub const MAX_REPORTED: usize = 1 << 20;

pub struct Detector {
    /// The baseline's devices and times (its edges are moved below).
    baseline: Baseline,
    /// The baseline's edges in key order, and where each key is: every
    /// request looks its edge up, hashed rather than through ~8 key
    /// comparisons of an ordered map.
    edges: Vec<Edge>,
    index: HashMap<EdgeKey, usize, foldhash::fast::RandomState>,
    cfg: DetectConfig,
    /// This run's graph (for intervals and last activity per edge).
    run: Learner,
    reported: HashSet<String>,
    /// Deviations reported without being remembered because `reported`
    /// was full (they may be reported again).
    pub repeated: u64,
    /// Edges reported silent, and when (reported again only after they
    /// talk).
    silent: BTreeMap<EdgeKey, i64>,
    start: Option<i64>,
    next_silence_check: i64,
    /// Scratch for the `unit/table` key of Modbus ranges.
    table: String,
    /// Edges whose devices' protocols the baseline already knows, so that
    /// requests on them skip that check (as many as the run's graph keeps
    /// edges; beyond, edges are checked every time, nothing lost).
    quiet: HashSet<EdgeKey, foldhash::fast::RandomState>,
    /// Per OPC UA server, the nodes any client wrote and the methods any
    /// client called in the baseline.
    written: HashMap<IpAddr, HashSet<String>>,
    methods: HashMap<IpAddr, HashSet<String>>,
}

/// The ATT&CK for ICS technique of what a function class does.
fn technique(class: FunctionClass) -> Option<&'static str> {
    match class {
        // Monitor Process State.
        FunctionClass::Read => Some("T0801"),
        // Unauthorized Command Message.
        FunctionClass::Write => Some("T0855"),
        // Remote System Information Discovery.
        FunctionClass::Diagnostics | FunctionClass::Identification => Some("T0888"),
        // Device Restart/Shutdown.
        FunctionClass::Restart => Some("T0816"),
        // Program Download.
        FunctionClass::Engineering => Some("T0843"),
        FunctionClass::Session | FunctionClass::Other => None,
    }
}

/// A finding on a request's connection, its endpoints shown from the
/// client.
fn on_request(
    r: &Request<'_>,
    kind: NoticeKind,
    severity: Severity,
    msg: String,
    sub: String,
) -> Finding {
    Finding {
        conn: Some(r.id.clone()),
        endpoints: Some(Dir::Orig),
        proto: Some("tcp"),
        src: Some(r.client()),
        dst: Some(r.server()),
        p: Some(r.port()),
        sub,
        ..Finding::deviation(r.ts, kind, severity, msg)
    }
}

/// Up to five items and how many in all.
fn some<I: IntoIterator<Item = String>>(items: I) -> String {
    let all: Vec<String> = items.into_iter().collect();
    match all.len() {
        0 => "none".into(),
        n if n <= 5 => all.join(", "),
        n => format!("{} ... ({n} in all)", all[..5].join(", ")),
    }
}

fn ms(us: u64) -> String {
    if us >= 10_000_000 {
        format!("{:.0} s", us as f64 / 1e6)
    } else {
        format!("{:.3} s", us as f64 / 1e6)
    }
}

/// Whether a device's protocols include `protocol` (the inventory names
/// EtherNet/IP sessions that carried CIP `cip`, the baseline's edges
/// `enip`).
fn has<V>(m: &BTreeMap<String, V>, protocol: &str) -> bool {
    m.contains_key(protocol) || (protocol == crate::observe::ENIP && m.contains_key("cip"))
}

fn protocols(d: &Device) -> BTreeSet<&str> {
    d.activity
        .served
        .keys()
        .chain(d.activity.used.keys())
        .map(String::as_str)
        .collect()
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

impl Detector {
    pub fn new(mut baseline: Baseline, cfg: DetectConfig) -> Detector {
        let edges: Vec<Edge> = std::mem::take(&mut baseline.edges).into_values().collect();
        let index = edges
            .iter()
            .enumerate()
            .map(|(i, e)| (e.key.clone(), i))
            .collect();
        let mut written: HashMap<IpAddr, HashSet<String>> = HashMap::new();
        let mut methods: HashMap<IpAddr, HashSet<String>> = HashMap::new();
        for e in &edges {
            if !e.opcua.written.is_empty() {
                let w = written.entry(e.key.server).or_default();
                w.extend(e.opcua.written.iter().cloned());
            }
            if !e.opcua.methods.is_empty() {
                let m = methods.entry(e.key.server).or_default();
                m.extend(e.opcua.methods.iter().cloned());
            }
        }
        Detector {
            baseline,
            edges,
            index,
            cfg,
            run: Learner::default(),
            reported: HashSet::new(),
            repeated: 0,
            silent: BTreeMap::new(),
            start: None,
            next_silence_check: i64::MIN,
            table: String::new(),
            quiet: HashSet::default(),
            written,
            methods,
        }
    }

    /// Whether the rule matched between these hosts while learning.
    pub fn knows_rule(&self, sid: u32, src: IpAddr, dst: Option<IpAddr>) -> bool {
        self.baseline.rule_matches.contains_key(&(sid, src, dst))
    }

    /// Whether `key` is reported for the first time. Once `reported` is
    /// full, a key not in it is reported (perhaps again) and counted.
    fn first(&mut self, key: String) -> bool {
        if self.reported.len() >= MAX_REPORTED {
            let new = !self.reported.contains(&key);
            if new {
                self.repeated += 1;
            }
            return new;
        }
        self.reported.insert(key)
    }

    /// Edges and functions of this run's graph not recorded because of the
    /// baseline caps (their timing and silence go unchecked).
    pub fn dropped(&self) -> u64 {
        self.run.dropped
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
            self.new_edge(c.ts, &key, Some(&c.id), out);
            if c.established() {
                self.protocol(c.ts, &key, Some(&c.id), out);
            }
        }
        self.run.conn_end(c);
        self.tick(c.ts, out);
    }

    /// A request: a new edge, protocol, function, write, range or timing.
    pub fn request(&mut self, r: &Request<'_>, out: &mut Vec<Finding>) {
        self.start.get_or_insert(r.ts.0);
        self.check_request(r, out);
        self.run.request(r);
        self.tick(r.ts, out);
    }

    /// A List Identity reply: a device whose CIP identity changed.
    pub fn cip_identity(&mut self, i: &Identity, out: &mut Vec<Finding>) {
        let ts = i.head.ts;
        self.start.get_or_insert(ts.0);
        let host = i.head.id.endpoints(i.head.dir).0;
        let Some(b) = self
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

    /// One object of a Modbus device identification: a changed value.
    pub fn modbus_object(&mut self, d: &DeviceId, out: &mut Vec<Finding>) {
        let Some((ts, host, name, value)) = modbus_object(d) else {
            return;
        };
        self.start.get_or_insert(ts.0);
        let old = self
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
        if !is_device(&ip) || self.baseline.devices.contains_key(&ip) {
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
                self.baseline.devices.len()
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

    /// A notice shows the connection's endpoints, from its originator.
    fn new_edge(
        &mut self,
        ts: Ts,
        key: &EdgeKey,
        conn: Option<&ConnId>,
        out: &mut Vec<Finding>,
    ) -> bool {
        if self.index.contains_key(key) {
            return false;
        }
        if self.first(format!("edge {key}")) {
            let known: Vec<String> = self
                .edges
                .iter()
                .map(|e| &e.key)
                .filter(|k| {
                    [k.client, k.server]
                        .iter()
                        .any(|ip| *ip == key.client || *ip == key.server)
                })
                .take(5)
                .map(|k| k.to_string())
                .collect();
            out.push(Finding {
                conn: conn.cloned(),
                endpoints: conn.map(|_| Dir::Orig),
                sub: if known.is_empty() {
                    "the baseline has no edge of these devices".into()
                } else {
                    format!("baseline edges of these devices: {}", known.join("; "))
                },
                src: Some(key.client),
                dst: Some(key.server),
                p: Some(key.port),
                ..Finding::deviation(
                    ts,
                    NoticeKind::NewEdge,
                    Severity::Medium,
                    format!("new communication {key}"),
                )
            });
        }
        true
    }

    /// A device serving or using a protocol it never did in the baseline;
    /// or a device that only served a protocol now acting as its client.
    fn protocol(&mut self, ts: Ts, key: &EdgeKey, conn: Option<&ConnId>, out: &mut Vec<Finding>) {
        if self.quiet.contains(key) {
            return;
        }
        let mut found = false;
        for (ip, side) in [(key.client, "uses"), (key.server, "serves")] {
            let Some(d) = self.baseline.devices.get(&ip) else {
                continue;
            };
            let served = has(&d.activity.served, &key.protocol);
            let used = has(&d.activity.used, &key.protocol);
            if !served && !used {
                found = true;
                // Called for every request: the strings are built only
                // for a notice.
                if self.first(format!("protocol {ip} {}", key.protocol)) {
                    let known = self
                        .baseline
                        .devices
                        .get(&ip)
                        .map(|d| protocols(d).into_iter().collect::<Vec<_>>().join(", "))
                        .unwrap_or_default();
                    out.push(Finding {
                        conn: conn.cloned(),
                        sub: format!("baseline protocols of {ip}: {known}"),
                        src: Some(key.client),
                        dst: Some(key.server),
                        p: Some(key.port),
                        ..Finding::deviation(
                            ts,
                            NoticeKind::NewProtocol,
                            Severity::Medium,
                            format!("{ip} {side} {} ({key})", key.protocol),
                        )
                    });
                }
                continue;
            }
            if side != "uses" || !served || used {
                continue;
            }
            found = true;
            if self.first(format!("role {ip} {}", key.protocol)) {
                out.push(Finding {
                    conn: conn.cloned(),
                    sub: format!("in the baseline {ip} only served {}", key.protocol),
                    src: Some(key.client),
                    dst: Some(key.server),
                    p: Some(key.port),
                    // Rogue Master.
                    technique: Some("T0848"),
                    ..Finding::deviation(
                        ts,
                        NoticeKind::RoleChange,
                        Severity::High,
                        format!("{ip} acts as a {} client ({key})", key.protocol),
                    )
                });
            }
        }
        // Nothing to report now is nothing to report ever (the baseline
        // does not change): the edge is not looked at again.
        if !found && self.quiet.len() < super::learn::MAX_EDGES {
            self.quiet.insert(key.clone());
        }
    }

    fn check_request(&mut self, r: &Request<'_>, out: &mut Vec<Finding>) {
        let Some(key) = request_key(r) else { return };
        let function = r.function.name();
        let protocol = r.protocol();
        let new = self.new_edge(r.ts, &key, Some(r.id), out);
        self.protocol(r.ts, &key, Some(r.id), out);
        if r.opcua.is_some() {
            self.opcua_objects(r, &key, out);
        }
        if new {
            self.new_client(r, &key, &function, out);
            return;
        }
        let Some(edge) = self.index.get(&key).and_then(|&i| self.edges.get(i)) else {
            return;
        };
        let Some(learned) = edge.functions.get(function.as_ref()) else {
            let known: Vec<String> = edge.functions.keys().cloned().collect();
            let wrote = edge.wrote();
            if self.first(format!("function {key} {}", function)) {
                out.push(Finding {
                    technique: technique(r.class),
                    ..on_request(
                        r,
                        NoticeKind::NewFunction,
                        if r.class.acts() {
                            Severity::High
                        } else {
                            Severity::Medium
                        },
                        format!("{} {} ({}) on {key}", protocol, function, r.class.name()),
                        format!("learned functions: {}", known.join(", ")),
                    )
                });
            }
            if r.write && !wrote && self.first(format!("write {key}")) {
                out.push(Finding {
                    // Unauthorized Command Message.
                    technique: Some("T0855"),
                    ..on_request(
                        r,
                        NoticeKind::WriteOnReadOnlyEdge,
                        Severity::High,
                        format!("write {} on {key}", function),
                        "the baseline saw only reads on this edge".into(),
                    )
                });
            }
            return;
        };
        // What the checks below need from the baseline, taken while it is
        // borrowed (the checks update what was reported): the learned
        // interval figures, and a range finding with its texts.
        let samples = learned.intervals_ms.len();
        let interval = (samples >= self.cfg.min_interval_samples)
            .then(|| (learned.intervals_ms.min(), learned.intervals_ms.max()));
        let range = r.modbus.as_ref().and_then(|m| {
            let table = &mut self.table;
            modbus_table_key(table, m.unit, m.table.as_str());
            let end = m.start.saturating_add(m.count.saturating_sub(1));
            let ranges = edge.modbus.get(table.as_str());
            let (kind, learned_ranges) = match (ranges, r.write) {
                (Some(g), true) => ("write", g.write.as_slice()),
                (Some(g), false) => ("read", g.read.as_slice()),
                (None, w) => (if w { "write" } else { "read" }, &[][..]),
            };
            if covers(learned_ranges, m.start, end) {
                return None;
            }
            let fmt = |w: bool| {
                ranges.map_or_else(
                    || format_ranges(&[]),
                    |g| format_ranges(if w { &g.write } else { &g.read }),
                )
            };
            Some((
                format!("range {key} {table} {kind} {}-{end}", m.start),
                format!(
                    "{} {kind}s {} {}-{end} (unit {}) on {key}",
                    function,
                    m.table.as_str(),
                    m.start,
                    m.unit
                ),
                format!(
                    "learned {} ranges of unit {}: reads {}, writes {}",
                    m.table.as_str(),
                    m.unit,
                    fmt(false),
                    fmt(true)
                ),
            ))
        });
        // The polling period. Requests reach the detector in the order
        // their transactions complete; an earlier request arriving later
        // says nothing about the period (learning skips them too).
        let polling = interval.and_then(|(lo, hi)| {
            let prev = self
                .run
                .previous(&key, &function)
                .filter(|p| *p <= r.ts.0)?;
            // As learned: whole milliseconds, at least one.
            let gap_ms = (((r.ts.0 - prev).max(0) / 1000) as u64).max(1);
            let (lo, hi) = (lo as f64, hi as f64);
            let f = self.cfg.interval_factor;
            // Too slow and too fast are reported apart.
            let kind = if (gap_ms as f64) > hi * f {
                "slow"
            } else if (gap_ms as f64) * f < lo {
                "fast"
            } else {
                return None;
            };
            Some((
                format!("interval {key} {} {kind}", function),
                format!(
                    "{} {} after {} on {key} (too {kind})",
                    protocol,
                    function,
                    ms(gap_ms * 1000)
                ),
                format!(
                    "learned interval: median {}, range {} - {} ({} samples); alert beyond x{f}",
                    ms(learned.intervals_ms.quantile(0.5) * 1000),
                    ms(lo as u64 * 1000),
                    ms(hi as u64 * 1000),
                    samples
                ),
            ))
        });
        // Writes out of range: Modify Parameter; reads: Point & Tag
        // Identification.
        let range_is = if r.write {
            (Severity::High, "T0836")
        } else {
            (Severity::Medium, "T0861")
        };
        for (found, kind, (severity, technique)) in [
            (range, NoticeKind::ModbusAddressOutOfRange, range_is),
            (polling, NoticeKind::PollingAnomaly, (Severity::Low, "")),
        ] {
            if let Some((first, msg, sub)) = found {
                if self.first(first) {
                    out.push(Finding {
                        technique: Some(technique).filter(|t| !t.is_empty()),
                        ..on_request(r, kind, severity, msg, sub)
                    });
                }
            }
        }
    }

    /// A request on an edge the baseline does not have: what the client
    /// did, by function class. Writes, restarts and engineering are
    /// reported for each function; reads, diagnostics and identification
    /// once per class (a new poller's reads are one finding).
    fn new_client(
        &mut self,
        r: &Request<'_>,
        key: &EdgeKey,
        function: &str,
        out: &mut Vec<Finding>,
    ) {
        let (kind, severity) = match r.class {
            FunctionClass::Engineering => (NoticeKind::NewClientEngineering, Severity::High),
            FunctionClass::Restart => (NoticeKind::NewClientRestart, Severity::High),
            FunctionClass::Write => (NoticeKind::NewClientWrite, Severity::High),
            FunctionClass::Diagnostics => (NoticeKind::NewClientDiagnostics, Severity::Medium),
            FunctionClass::Identification => {
                (NoticeKind::NewClientIdentification, Severity::Medium)
            }
            FunctionClass::Read => (NoticeKind::NewClientRead, Severity::Medium),
            FunctionClass::Session | FunctionClass::Other => return,
        };
        let first = if r.class.acts() {
            format!("client {key} {function}")
        } else {
            format!("client {key} {}", r.class.name())
        };
        if !self.first(first) {
            return;
        }
        let clients = some(
            self.edges
                .iter()
                .filter(|e| {
                    e.key.server == key.server
                        && e.key.protocol == key.protocol
                        && e.key.port == key.port
                })
                .map(|e| {
                    let does = if e.wrote() {
                        "reads and writes"
                    } else {
                        "reads"
                    };
                    format!("{} ({does})", e.key.client)
                }),
        );
        out.push(Finding {
            technique: technique(r.class),
            ..on_request(
                r,
                kind,
                severity,
                format!(
                    "{} {} ({}) from {} to {}, a client the baseline never saw on {}/{} of this server",
                    r.protocol(),
                    function,
                    r.class.name(),
                    key.client,
                    key.server,
                    key.protocol,
                    key.port
                ),
                format!(
                    "baseline clients of {} {}/{}: {clients}",
                    key.server, key.protocol, key.port
                ),
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
                    if self.reported.len() >= MAX_REPORTED {
                        self.repeated += 1;
                        return true;
                    }
                    self.reported.insert(k)
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
        let Some(edge) = self.index.get(&key).and_then(|&i| self.edges.get(i)) else {
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
        let Some(edge) = self.index.get(&key).and_then(|&i| self.edges.get(i)) else {
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
        for edge in &self.edges {
            let key = &edge.key;
            let Some(period_ms) = edge.period_ms(self.cfg.min_interval_samples) else {
                continue;
            };
            // Never shorter than a silence the edge already had while
            // learning.
            let longest_ms = edge
                .functions
                .values()
                .map(|f| f.intervals_ms.max())
                .max()
                .unwrap_or(0);
            let limit_us = ((period_ms as f64 * 1000.0 * self.cfg.silence_factor) as i64)
                .max(self.cfg.min_silence_secs as i64 * 1_000_000)
                .max(longest_ms as i64 * 1000);
            // Only edges still talking when learning ended are expected to
            // go on.
            if self.baseline.last_seen_us - edge.last_seen_us > limit_us {
                continue;
            }
            // Not seen yet in this run: expected only when it talked from
            // the start of learning.
            let last = match self.run.edges.get(key) {
                Some(e) => e.last_seen_us.max(start),
                None if edge.first_seen_us - self.baseline.first_seen_us <= limit_us => start,
                None => continue,
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
