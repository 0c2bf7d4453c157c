//! The baseline file: devices and edges, versioned JSON.

use super::intervals::Intervals;
use crate::inventory::Device;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// The `format` field of every baseline file.
pub const FORMAT: &str = "otwatch-baseline";
/// The version this build writes and reads. Version 2 keys CIP with
/// EtherNet/IP (one `enip` edge), names DIAGNOSTICS and Encapsulated
/// Interface Transport functions with their sub-function, and learns OPC
/// UA security, identities, methods and written nodes, and rule matches.
pub const VERSION: u64 = 2;

/// Who talks to whom, with which protocol, to which server port.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EdgeKey {
    pub client: IpAddr,
    pub server: IpAddr,
    /// `modbus`, `cip`, `enip`, `opcua-binary`, another service name, or
    /// the transport (`tcp`, `udp`, `icmp`) when no analyzer knew it.
    /// Borrowed when made from traffic (every request makes a key: no
    /// allocation), owned when read from a baseline file.
    pub protocol: Cow<'static, str>,
    pub port: u16,
}

impl std::fmt::Display for EdgeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} -> {} {}/{}",
            self.client, self.server, self.protocol, self.port
        )
    }
}

/// One function used on an edge.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub count: u64,
    pub first_seen_us: i64,
    pub last_seen_us: i64,
    /// The function changes state on the server.
    pub write: bool,
    /// Inter-arrival times of this function on this edge, in ms.
    pub intervals_ms: Intervals,
}

/// Address ranges (inclusive) read and written in one Modbus table of one
/// unit, as sorted disjoint intervals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranges {
    pub read: Vec<(u64, u64)>,
    pub write: Vec<(u64, u64)>,
}

/// Adds [start, end] to sorted disjoint intervals, joining what touches.
pub fn add_range(v: &mut Vec<(u64, u64)>, start: u64, end: u64) {
    // Polls read the same ranges again and again: nothing to join.
    if covers(v, start, end) {
        return;
    }
    let (mut s, mut e) = (start, end);
    let mut out = Vec::with_capacity(v.len() + 1);
    for &(a, b) in v.iter() {
        if b.saturating_add(1) < s || e.saturating_add(1) < a {
            out.push((a, b));
        } else {
            s = s.min(a);
            e = e.max(b);
        }
    }
    out.push((s, e));
    out.sort_unstable();
    *v = out;
}

/// Whether [start, end] lies inside the intervals.
pub fn covers(v: &[(u64, u64)], start: u64, end: u64) -> bool {
    v.iter().any(|&(a, b)| a <= start && end <= b)
}

pub fn format_ranges(v: &[(u64, u64)]) -> String {
    if v.is_empty() {
        return "none".into();
    }
    v.iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Entries kept in each set of [`OpcUaFacts`]; past this, new ones are
/// counted as dropped (and reported when seen).
pub const MAX_OPCUA_FACTS: usize = 1024;

/// What an OPC UA client did with its server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpcUaFacts {
    /// The security of the secure channels that carried sessions (not the
    /// discovery-only ones): the policy (`Basic256Sha256`, `None`), and
    /// `/None` when the mode was in clear.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub channels: BTreeSet<String>,
    /// The identity token kinds sessions were activated with
    /// (`anonymous`, `username`, `certificate`, `issued`).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub identities: BTreeSet<String>,
    /// The methods called, as `object method` NodeIds.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub methods: BTreeSet<String>,
    /// The nodes written.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub written: BTreeSet<String>,
}

impl OpcUaFacts {
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
            && self.identities.is_empty()
            && self.methods.is_empty()
            && self.written.is_empty()
    }

    /// Adds `item` to one set unless it is full; false when it did not fit.
    pub fn add(set: &mut BTreeSet<String>, item: &str) -> bool {
        if set.contains(item) {
            return true;
        }
        if set.len() >= MAX_OPCUA_FACTS {
            return false;
        }
        set.insert(item.to_string());
        true
    }

    fn merge(&mut self, o: &OpcUaFacts) {
        for (mine, theirs) in [
            (&mut self.channels, &o.channels),
            (&mut self.identities, &o.identities),
            (&mut self.methods, &o.methods),
            (&mut self.written, &o.written),
        ] {
            for x in theirs {
                if mine.len() >= MAX_OPCUA_FACTS {
                    break;
                }
                mine.insert(x.clone());
            }
        }
    }
}

/// A rule that matched while learning, between two hosts: the same rule
/// between the same hosts is normal for this plant, and not alerted when
/// detecting with the baseline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMatch {
    pub sid: u32,
    pub src: IpAddr,
    pub dst: Option<IpAddr>,
    pub msg: String,
    pub count: u64,
    pub first_seen_us: i64,
    pub last_seen_us: i64,
}

impl RuleMatch {
    pub fn key(&self) -> (u32, IpAddr, Option<IpAddr>) {
        (self.sid, self.src, self.dst)
    }

    /// Takes in the matches of the same rule between the same hosts seen
    /// elsewhere.
    pub fn merge(&mut self, o: &RuleMatch) {
        self.count = self.count.saturating_add(o.count);
        self.first_seen_us = self.first_seen_us.min(o.first_seen_us);
        self.last_seen_us = self.last_seen_us.max(o.last_seen_us);
    }
}

/// One edge of the graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    #[serde(flatten)]
    pub key: EdgeKey,
    /// Requests (control protocols) seen on the edge.
    pub requests: u64,
    /// Connections that ended.
    pub connections: u64,
    pub first_seen_us: i64,
    pub last_seen_us: i64,
    pub functions: BTreeMap<String, Function>,
    /// Modbus: `unit/table` → ranges read and written.
    pub modbus: BTreeMap<String, Ranges>,
    /// OPC UA: channels, identities, methods, written nodes.
    #[serde(default, skip_serializing_if = "OpcUaFacts::is_empty")]
    pub opcua: OpcUaFacts,
}

impl Edge {
    pub fn new(key: EdgeKey, ts_us: i64) -> Edge {
        Edge {
            key,
            requests: 0,
            connections: 0,
            first_seen_us: ts_us,
            last_seen_us: ts_us,
            functions: BTreeMap::new(),
            modbus: BTreeMap::new(),
            opcua: OpcUaFacts::default(),
        }
    }

    /// Any function on the edge writes.
    pub fn wrote(&self) -> bool {
        self.functions.values().any(|f| f.write)
    }

    /// The polling period: the median interval of the edge's most used
    /// function with at least `min_samples` intervals, in ms.
    pub fn period_ms(&self, min_samples: u64) -> Option<u64> {
        self.functions
            .values()
            .filter(|f| f.intervals_ms.len() >= min_samples)
            .max_by_key(|f| f.count)
            .map(|f| f.intervals_ms.quantile(0.5))
    }

    /// Merges another record of the same edge.
    pub fn merge(&mut self, o: &Edge) {
        self.requests = self.requests.saturating_add(o.requests);
        self.connections = self.connections.saturating_add(o.connections);
        self.first_seen_us = self.first_seen_us.min(o.first_seen_us);
        self.last_seen_us = self.last_seen_us.max(o.last_seen_us);
        for (k, f) in &o.functions {
            match self.functions.get_mut(k) {
                Some(m) => {
                    m.count = m.count.saturating_add(f.count);
                    m.first_seen_us = m.first_seen_us.min(f.first_seen_us);
                    m.last_seen_us = m.last_seen_us.max(f.last_seen_us);
                    m.write |= f.write;
                    m.intervals_ms.add(&f.intervals_ms);
                }
                None => {
                    self.functions.insert(k.clone(), f.clone());
                }
            }
        }
        for (k, r) in &o.modbus {
            let m = self.modbus.entry(k.clone()).or_default();
            for &(a, b) in &r.read {
                add_range(&mut m.read, a, b);
            }
            for &(a, b) in &r.write {
                add_range(&mut m.write, a, b);
            }
        }
        self.opcua.merge(&o.opcua);
    }
}

/// A learned baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub format: String,
    pub version: u64,
    pub first_seen_us: i64,
    pub last_seen_us: i64,
    #[serde(with = "device_list")]
    pub devices: BTreeMap<IpAddr, Device>,
    #[serde(with = "edge_list")]
    pub edges: BTreeMap<EdgeKey, Edge>,
    /// Rules that matched while learning, by rule and hosts.
    #[serde(default, with = "rule_list")]
    pub rule_matches: BTreeMap<(u32, IpAddr, Option<IpAddr>), RuleMatch>,
    /// The MAC addresses that sent PROFINET DCP Set requests while
    /// learning: the stations that name and address PROFINET devices.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub dcp_setters: BTreeSet<String>,
}

impl Default for Baseline {
    fn default() -> Self {
        Baseline {
            format: FORMAT.into(),
            version: VERSION,
            first_seen_us: i64::MAX,
            last_seen_us: i64::MIN,
            devices: BTreeMap::new(),
            edges: BTreeMap::new(),
            rule_matches: BTreeMap::new(),
            dcp_setters: BTreeSet::new(),
        }
    }
}

/// DCP Set senders a baseline keeps; past this, new ones are counted as
/// dropped.
pub const MAX_DCP_SETTERS: usize = 1024;

/// Why a baseline file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("not an otwatch baseline (no \"format\": \"{FORMAT}\"): {0}")]
    NotABaseline(String),
    #[error("baseline version {found} is not supported (this otwatch reads version {VERSION}; learn it again with `otwatch baseline learn`)")]
    Version { found: u64 },
    #[error("corrupt baseline: {0}")]
    Corrupt(String),
}

/// A baseline file that could not be read, used or written.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}", path.display())]
pub struct FileError {
    pub path: std::path::PathBuf,
    pub kind: FileErrorKind,
}

/// What was wrong with a baseline file.
#[derive(Debug, thiserror::Error)]
pub enum FileErrorKind {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Load(#[from] LoadError),
}

impl Baseline {
    pub fn from_json(text: &str) -> Result<Baseline, LoadError> {
        // Typed directly, not through a `serde_json::Value` (a fifth
        // fewer instructions, and no tree of the whole file in memory).
        // A good file is read once; only a file that fails is read again
        // for what it says it is. Only an object: serde would also take
        // the fields as an array, which the checks below refuse.
        if text.trim_start().starts_with('{') {
            if let Ok(b) = serde_json::from_str::<Baseline>(text) {
                if b.format == FORMAT && b.version == VERSION {
                    return Ok(b);
                }
            }
        }
        /// The two fields that say what the file is (the rest skipped
        /// without being built) so that a file of another kind or version
        /// is named as such rather than as corrupt.
        #[derive(Deserialize)]
        struct Header {
            format: Option<serde_json::Value>,
            version: Option<serde_json::Value>,
        }
        let corrupt = |e: serde_json::Error| {
            LoadError::Corrupt(format!("line {}, column {}: {e}", e.line(), e.column()))
        };
        let header = match serde_json::from_str::<Header>(text) {
            Ok(h) => h,
            // Valid JSON but not an object of that shape.
            Err(e) if e.is_data() => Header {
                format: None,
                version: None,
            },
            Err(e) => return Err(corrupt(e)),
        };
        if header.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT) {
            let what = match &header.format {
                Some(f) => format!("format is {f}"),
                None => "no format field".into(),
            };
            return Err(LoadError::NotABaseline(what));
        }
        let found = header
            .version
            .as_ref()
            .and_then(|n| n.as_u64())
            .unwrap_or(0);
        if found != VERSION {
            return Err(LoadError::Version { found });
        }
        serde_json::from_str(text).map_err(corrupt)
    }

    pub fn load(path: &std::path::Path) -> Result<Baseline, FileError> {
        let at = |kind| FileError {
            path: path.to_path_buf(),
            kind,
        };
        let text = std::fs::read_to_string(path).map_err(|e| at(FileErrorKind::Io(e)))?;
        Baseline::from_json(&text).map_err(|e| at(FileErrorKind::Load(e)))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    pub fn save(&self, path: &std::path::Path) -> Result<(), FileError> {
        std::fs::write(path, self.to_json()).map_err(|e| FileError {
            path: path.to_path_buf(),
            kind: FileErrorKind::Io(e),
        })
    }

    /// Merges another baseline into this one (several sensors, several
    /// periods): associative and commutative.
    pub fn merge(&mut self, o: &Baseline) {
        self.first_seen_us = self.first_seen_us.min(o.first_seen_us);
        self.last_seen_us = self.last_seen_us.max(o.last_seen_us);
        for (ip, d) in &o.devices {
            match self.devices.get_mut(ip) {
                Some(m) => m.merge(d),
                None => {
                    self.devices.insert(*ip, d.clone());
                }
            }
        }
        for (k, e) in &o.edges {
            match self.edges.get_mut(k) {
                Some(m) => m.merge(e),
                None => {
                    self.edges.insert(k.clone(), e.clone());
                }
            }
        }
        for (k, r) in &o.rule_matches {
            match self.rule_matches.get_mut(k) {
                Some(m) => m.merge(r),
                None => {
                    self.rule_matches.insert(*k, r.clone());
                }
            }
        }
        self.dcp_setters =
            crate::inventory::union_first(&self.dcp_setters, &o.dcp_setters, MAX_DCP_SETTERS);
    }
}

mod rule_list {
    use super::*;
    use serde::{Deserializer, Serializer};

    type Map = BTreeMap<(u32, IpAddr, Option<IpAddr>), RuleMatch>;

    pub fn serialize<S: Serializer>(m: &Map, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Map, D::Error> {
        let v = Vec::<RuleMatch>::deserialize(d)?;
        Ok(v.into_iter().map(|x| (x.key(), x)).collect())
    }
}

mod device_list {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(m: &BTreeMap<IpAddr, Device>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<IpAddr, Device>, D::Error> {
        let v = Vec::<Device>::deserialize(d)?;
        Ok(v.into_iter().filter_map(|x| Some((x.ip?, x))).collect())
    }
}

mod edge_list {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(m: &BTreeMap<EdgeKey, Edge>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<EdgeKey, Edge>, D::Error> {
        let v = Vec::<Edge>::deserialize(d)?;
        Ok(v.into_iter().map(|x| (x.key.clone(), x)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::Learner;
    use crate::inventory::Inventory;
    use crate::observe::{Function, ModbusRange, ModbusTable, Request};
    use crate::time::Ts;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    /// A whole, well-formed baseline of another version or kind is refused
    /// as such, not taken because it parses.
    #[test]
    fn a_complete_file_of_another_version_or_kind_is_refused() {
        let good = Baseline::default().to_json();
        assert!(Baseline::from_json(&good).is_ok());
        let v3 = good.replace("\"version\": 2", "\"version\": 3");
        assert!(matches!(
            Baseline::from_json(&v3),
            Err(LoadError::Version { found: 3 })
        ));
        let other = good.replace(FORMAT, "something-else");
        assert!(matches!(
            Baseline::from_json(&other),
            Err(LoadError::NotABaseline(what)) if what.contains("something-else")
        ));
        // The fields as an array parse as the struct, but are no baseline
        // file (refused as corrupt, as the header check always did).
        let array = format!(r#"["{FORMAT}", {VERSION}, 0, 0, [], []]"#);
        assert!(matches!(
            Baseline::from_json(&array),
            Err(LoadError::Corrupt(_))
        ));
    }

    /// A baseline learned from requests drawn from a small plant: a few
    /// clients and servers, three functions, Modbus ranges, times.
    fn baseline(reqs: &[(u8, u8, u8, u16, u16, i64)]) -> Baseline {
        let mut inv = Inventory::default();
        let mut l = Learner::default();
        // READ_COILS, READ_HOLDING_REGISTERS, WRITE_SINGLE_REGISTER.
        let functions = [0x01, 0x03, 0x06];
        for &(c, s, f, start, count, ts) in reqs {
            let id = crate::event::ConnId::tcp(
                "C",
                (IpAddr::V4(Ipv4Addr::new(10, 0, 0, c)), 40000),
                (IpAddr::V4(Ipv4Addr::new(10, 0, 1, s)), 502),
            );
            let r = Request {
                class: if f == 2 {
                    crate::observe::FunctionClass::Write
                } else {
                    crate::observe::FunctionClass::Read
                },
                write: f == 2,
                modbus: Some(ModbusRange {
                    unit: 1,
                    table: ModbusTable::HoldingRegisters,
                    start: u64::from(start),
                    count: u64::from(count).max(1),
                }),
                ..Request::read(
                    Ts(ts),
                    &id,
                    Function::Modbus(functions[usize::from(f)], None),
                )
            };
            inv.request(&r);
            l.request(&r);
        }
        l.finish(&inv)
    }

    fn reqs() -> impl Strategy<Value = Vec<(u8, u8, u8, u16, u16, i64)>> {
        proptest::collection::vec(
            (
                1u8..4,
                1u8..3,
                0u8..3,
                0u16..200,
                1u16..20,
                0i64..10_000_000_000,
            ),
            0..30,
        )
    }

    proptest! {
        #[test]
        fn merge_is_associative_and_commutative(a in reqs(), b in reqs(), c in reqs()) {
            let (a, b, c) = (baseline(&a), baseline(&b), baseline(&c));
            let mut ab = a.clone();
            ab.merge(&b);
            let mut ba = b.clone();
            ba.merge(&a);
            prop_assert_eq!(ab.to_json(), ba.to_json());
            let mut ab_c = ab.clone();
            ab_c.merge(&c);
            let mut bc = b.clone();
            bc.merge(&c);
            let mut a_bc = a.clone();
            a_bc.merge(&bc);
            prop_assert_eq!(ab_c.to_json(), a_bc.to_json());
        }
    }

    #[test]
    fn ranges_join_what_touches() {
        let mut v = Vec::new();
        add_range(&mut v, 10, 19);
        add_range(&mut v, 0, 4);
        add_range(&mut v, 5, 9);
        add_range(&mut v, 30, 30);
        assert_eq!(v, [(0, 19), (30, 30)]);
        assert!(covers(&v, 3, 12) && !covers(&v, 18, 21));
        assert_eq!(format_ranges(&v), "0-19,30");
    }

    #[test]
    fn a_baseline_survives_a_round_trip() {
        let b = baseline(&[(1, 1, 1, 0, 10, 1_000_000), (1, 1, 1, 0, 10, 2_000_000)]);
        let back = Baseline::from_json(&b.to_json()).unwrap();
        assert_eq!(back, b);
    }

    #[test]
    fn merging_keeps_the_dcp_setters_of_both() {
        let one = |m: &str| Baseline {
            dcp_setters: [m.to_string()].into(),
            ..Baseline::default()
        };
        let (mut a, b) = (one("00:1b:1b:00:00:05"), one("00:1b:1b:00:00:06"));
        let mut b2 = b.clone();
        a.merge(&b);
        b2.merge(&one("00:1b:1b:00:00:05"));
        assert_eq!(a.dcp_setters.len(), 2);
        assert_eq!(a.dcp_setters, b2.dcp_setters);
        let back = Baseline::from_json(&a.to_json()).unwrap();
        assert_eq!(back.dcp_setters, a.dcp_setters);
    }
}
