//! The checks of one request, or one connection, against the baseline
//! edge it is on: a new edge, a protocol new to its devices, a new
//! client's functions, a new function, a write on a read-only edge, a
//! Modbus range or a polling period out of the learned ones. They need
//! nothing but the baseline and the edge's own history, so a worker that
//! sees every connection of a host pair runs them on its shard, in
//! parallel with the others; the merge thread's [`super::Detector`] then
//! only de-duplicates what they found across workers (each finding
//! carries its key) and keeps the device-wide state.

use super::learn::{modbus_table_key, request_key};
use super::model::{covers, format_ranges, Baseline, Edge, EdgeKey};
use crate::event::{ConnId, Dir, Finding, NoticeKind, Severity};
use crate::inventory::Device;
use crate::observe::{FunctionClass, Offload, Request};
use crate::time::Ts;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

type Seeded = foldhash::fast::RandomState;

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

/// A baseline as the checks read it: its edges in key order, indexed by
/// key (every request looks its edge up, hashed rather than through ~8
/// key comparisons of an ordered map). Shared, read-only, by the merge
/// thread's detector and every worker.
pub struct Known {
    /// The baseline's devices and times (its edges are moved below).
    pub(super) baseline: Baseline,
    pub(super) edges: Vec<Edge>,
    pub(super) index: HashMap<EdgeKey, usize, Seeded>,
    pub(super) cfg: DetectConfig,
}

impl Known {
    pub fn new(mut baseline: Baseline, cfg: DetectConfig) -> Known {
        let edges: Vec<Edge> = std::mem::take(&mut baseline.edges).into_values().collect();
        let index = edges
            .iter()
            .enumerate()
            .map(|(i, e)| (e.key.clone(), i))
            .collect();
        Known {
            baseline,
            edges,
            index,
            cfg,
        }
    }

    /// The baseline edge of `key`: its number and the edge.
    pub(super) fn edge(&self, key: &EdgeKey) -> Option<(usize, &Edge)> {
        let &i = self.index.get(key)?;
        Some((i, self.edges.get(i)?))
    }
}

/// Keys of deviations already reported. Once full, a key not in it is
/// reported (perhaps again) and counted.
#[derive(Default)]
pub(super) struct Reported {
    keys: HashSet<String>,
    /// Deviations reported without being remembered because the set was
    /// full (they may be reported again).
    pub(super) repeated: u64,
}

impl Reported {
    /// Whether `key` is reported for the first time.
    pub(super) fn first(&mut self, key: String) -> bool {
        if self.keys.len() >= MAX_REPORTED {
            let new = !self.keys.contains(&key);
            if new {
                self.repeated += 1;
            }
            return new;
        }
        self.keys.insert(key)
    }

    /// The same, for a key the caller keeps.
    fn first_of(&mut self, key: &str) -> bool {
        if self.keys.contains(key) {
            return false;
        }
        if self.keys.len() < MAX_REPORTED {
            self.keys.insert(key.to_owned());
        }
        true
    }

    /// Whether `key` is new, remembering it; once the set is full every
    /// key is taken as new and counted.
    pub(super) fn new_or_full(&mut self, key: String) -> bool {
        if self.keys.len() >= MAX_REPORTED {
            self.repeated += 1;
            return true;
        }
        self.keys.insert(key)
    }
}

/// A finding and the key it is reported once under.
#[derive(Clone, Debug, PartialEq)]
pub struct Keyed {
    pub key: String,
    pub finding: Finding,
}

/// What the checks of one request found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestFacts {
    /// The number of the baseline edge the request is on (its last
    /// activity, for silence).
    pub edge: Option<u32>,
    /// The findings, in the order they are reported...
    pub found: Vec<Keyed>,
    /// ... of which this many come before those on OPC UA nodes and
    /// methods (device-wide: the merge thread's).
    pub objects_at: u32,
}

/// The per-edge checks of one baseline, with what they remember (a
/// worker's share, or the merge thread's own).
pub struct EdgeChecks {
    known: Arc<Known>,
    state: State,
    /// Cleared when the merge thread no longer uses what these checks find
    /// (its baseline was replaced): a worker stops running them.
    wanted: Offload,
}

/// What the checks remember: the keys they reported and the time of each
/// learned function's previous request per baseline edge. Apart from the
/// shared baseline, so that a check reads one while it updates the other.
struct State {
    reported: Reported,
    previous: HashMap<usize, HashMap<String, i64, Seeded>, Seeded>,
    /// Edges whose devices' protocols the baseline already knows, so that
    /// requests on them skip that check: by number for the baseline's
    /// edges, by key for others (as many as a run's graph keeps edges;
    /// beyond, edges are checked every time, nothing lost).
    quiet_known: Vec<bool>,
    quiet: HashSet<EdgeKey, Seeded>,
    /// Scratch for the `unit/table` key of Modbus ranges.
    table: String,
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
pub(super) fn on_request(
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
pub(super) fn some<I: IntoIterator<Item = String>>(items: I) -> String {
    let all: Vec<String> = items.into_iter().collect();
    match all.len() {
        0 => "none".into(),
        n if n <= 5 => all.join(", "),
        n => format!("{} ... ({n} in all)", all[..5].join(", ")),
    }
}

pub(super) fn ms(us: u64) -> String {
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

impl EdgeChecks {
    pub fn new(known: Arc<Known>, wanted: Offload) -> EdgeChecks {
        EdgeChecks {
            state: State {
                reported: Reported::default(),
                previous: HashMap::default(),
                quiet_known: vec![false; known.edges.len()],
                quiet: HashSet::default(),
                table: String::new(),
            },
            known,
            wanted,
        }
    }

    /// Whether the merge thread still uses what these checks find.
    pub fn wanted(&self) -> bool {
        self.wanted.on()
    }

    /// Checks a request; what it found goes to `out` (emptied first).
    pub fn request(&mut self, r: &Request<'_>, out: &mut RequestFacts) {
        self.state.request(&self.known, r, out);
    }

    /// The finding of an edge the baseline does not have; a notice shows
    /// the connection's endpoints, from its originator.
    pub(super) fn new_edge(
        &mut self,
        ts: Ts,
        key: &EdgeKey,
        conn: Option<&ConnId>,
        out: &mut Vec<Keyed>,
    ) {
        self.state.edge_finding(&self.known, ts, key, conn, out);
    }

    /// A device serving or using a protocol it never did in the baseline;
    /// or a device that only served a protocol now acting as its client.
    /// `number`: the key's baseline edge, when it has one.
    pub(super) fn protocol(
        &mut self,
        ts: Ts,
        key: &EdgeKey,
        number: Option<usize>,
        conn: Option<&ConnId>,
        out: &mut Vec<Keyed>,
    ) {
        self.state.protocol(&self.known, ts, key, number, conn, out);
    }
}

impl State {
    /// Pushes a finding not reported before (by these checks).
    fn found(&mut self, key: String, finding: impl FnOnce() -> Finding, out: &mut Vec<Keyed>) {
        if self.reported.first_of(&key) {
            out.push(Keyed {
                key,
                finding: finding(),
            });
        }
    }

    fn request(&mut self, known: &Known, r: &Request<'_>, out: &mut RequestFacts) {
        out.found.clear();
        out.objects_at = 0;
        out.edge = None;
        let Some(key) = request_key(r) else { return };
        let function = r.function.name();
        let protocol = r.protocol();
        let found = known.edge(&key);
        if found.is_none() {
            self.edge_finding(known, r.ts, &key, Some(r.id), &mut out.found);
        }
        let number = found.map(|(n, _)| n);
        self.protocol(known, r.ts, &key, number, Some(r.id), &mut out.found);
        out.objects_at = u32::try_from(out.found.len()).unwrap_or(u32::MAX);
        let Some((number, edge)) = found else {
            self.new_client(known, r, &key, &function, &mut out.found);
            return;
        };
        out.edge = u32::try_from(number).ok();
        let Some(learned) = edge.functions.get(function.as_ref()) else {
            self.new_function(r, &key, &function, protocol, edge, &mut out.found);
            return;
        };
        let cfg = known.cfg;
        let samples = learned.intervals_ms.len();
        let interval = (samples >= cfg.min_interval_samples)
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
        // The polling period. Requests reach the checks in the order their
        // transactions complete; an earlier request arriving later says
        // nothing about the period (learning skips them too).
        let times = self.previous.entry(number).or_default();
        let previous = match times.get_mut(function.as_ref()) {
            Some(t) => Some(std::mem::replace(t, r.ts.0)),
            None => times.insert(function.to_string(), r.ts.0),
        };
        let polling = interval.and_then(|(lo, hi)| {
            let prev = previous.filter(|p| *p <= r.ts.0)?;
            // As learned: whole milliseconds, at least one.
            let gap_ms = (((r.ts.0 - prev).max(0) / 1000) as u64).max(1);
            let (lo, hi) = (lo as f64, hi as f64);
            let f = cfg.interval_factor;
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
                let finding = || Finding {
                    technique: Some(technique).filter(|t| !t.is_empty()),
                    ..on_request(r, kind, severity, msg, sub)
                };
                self.found(first, finding, &mut out.found);
            }
        }
    }

    /// A function the baseline edge never used, and a write on an edge
    /// that only read.
    fn new_function(
        &mut self,
        r: &Request<'_>,
        key: &EdgeKey,
        function: &str,
        protocol: &str,
        edge: &Edge,
        out: &mut Vec<Keyed>,
    ) {
        let finding = || {
            let known: Vec<String> = edge.functions.keys().cloned().collect();
            Finding {
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
            }
        };
        self.found(format!("function {key} {function}"), finding, out);
        if r.write && !edge.wrote() {
            let finding = || Finding {
                // Unauthorized Command Message.
                technique: Some("T0855"),
                ..on_request(
                    r,
                    NoticeKind::WriteOnReadOnlyEdge,
                    Severity::High,
                    format!("write {} on {key}", function),
                    "the baseline saw only reads on this edge".into(),
                )
            };
            self.found(format!("write {key}"), finding, out);
        }
    }

    /// The finding of an edge the baseline does not have.
    fn edge_finding(
        &mut self,
        known: &Known,
        ts: Ts,
        key: &EdgeKey,
        conn: Option<&ConnId>,
        out: &mut Vec<Keyed>,
    ) {
        let finding = || {
            let edges: Vec<String> = known
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
            Finding {
                conn: conn.cloned(),
                endpoints: conn.map(|_| Dir::Orig),
                sub: if edges.is_empty() {
                    "the baseline has no edge of these devices".into()
                } else {
                    format!("baseline edges of these devices: {}", edges.join("; "))
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
            }
        };
        self.found(format!("edge {key}"), finding, out);
    }

    fn protocol(
        &mut self,
        known: &Known,
        ts: Ts,
        key: &EdgeKey,
        number: Option<usize>,
        conn: Option<&ConnId>,
        out: &mut Vec<Keyed>,
    ) {
        let quiet = match number {
            Some(n) => self.quiet_known.get(n).copied().unwrap_or(false),
            None => self.quiet.contains(key),
        };
        if quiet {
            return;
        }
        let mut found = false;
        for (ip, side) in [(key.client, "uses"), (key.server, "serves")] {
            let Some(d) = known.baseline.devices.get(&ip) else {
                continue;
            };
            let served = has(&d.activity.served, &key.protocol);
            let used = has(&d.activity.used, &key.protocol);
            if !served && !used {
                found = true;
                // Called for every request: the strings are built only
                // for a notice.
                let finding = || {
                    let protocols = protocols(d).into_iter().collect::<Vec<_>>().join(", ");
                    Finding {
                        conn: conn.cloned(),
                        sub: format!("baseline protocols of {ip}: {protocols}"),
                        src: Some(key.client),
                        dst: Some(key.server),
                        p: Some(key.port),
                        ..Finding::deviation(
                            ts,
                            NoticeKind::NewProtocol,
                            Severity::Medium,
                            format!("{ip} {side} {} ({key})", key.protocol),
                        )
                    }
                };
                self.found(format!("protocol {ip} {}", key.protocol), finding, out);
                continue;
            }
            if side != "uses" || !served || used {
                continue;
            }
            found = true;
            let finding = || Finding {
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
            };
            self.found(format!("role {ip} {}", key.protocol), finding, out);
        }
        // Nothing to report now is nothing to report ever (the baseline
        // does not change): the edge is not looked at again.
        if found {
            return;
        }
        match number.and_then(|n| self.quiet_known.get_mut(n)) {
            Some(q) => *q = true,
            None if self.quiet.len() < super::learn::MAX_EDGES => {
                self.quiet.insert(key.clone());
            }
            None => {}
        }
    }

    /// A request on an edge the baseline does not have: what the client
    /// did, by function class. Writes, restarts and engineering are
    /// reported for each function; reads, diagnostics and identification
    /// once per class (a new poller's reads are one finding).
    fn new_client(
        &mut self,
        known: &Known,
        r: &Request<'_>,
        key: &EdgeKey,
        function: &str,
        out: &mut Vec<Keyed>,
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
        let finding = || {
            let clients = some(
                known
                    .edges
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
            Finding {
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
            }
        };
        self.found(first, finding, out);
    }
}
