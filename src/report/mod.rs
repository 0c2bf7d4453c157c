//! `otwatch report`: one self-contained HTML file from a run's logs — a
//! summary, the network map (Cytoscape.js, embedded), the device
//! inventory, the alerts with their timeline, per-protocol activity and
//! capture quality. Nothing in the file fetches anything.

mod alerts;
mod html;
mod read;

use crate::baseline::Baseline;
use read::{read_log, Row};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// One device of the report.
#[derive(Debug, Serialize)]
struct Device {
    ip: String,
    macs: Vec<String>,
    roles: Vec<String>,
    /// Role → why otwatch believes it.
    role_evidence: BTreeMap<String, String>,
    vendor: String,
    identity: String,
    firmware: String,
    purdue: Option<u64>,
    purdue_reason: String,
    served: String,
    used: String,
    first_seen: f64,
    last_seen: f64,
    packets: u64,
    /// The controller that owns an I/O adapter's connections (the map
    /// folds the adapter under it).
    owner: Option<String>,
}

/// One edge of the map: who talks to whom, how, with which functions.
#[derive(Debug, Default, Serialize)]
struct Edge {
    client: String,
    server: String,
    protocol: String,
    port: u64,
    connections: u64,
    /// Function → (count, writes).
    functions: BTreeMap<String, (u64, bool)>,
    reads: u64,
    writes: u64,
    /// In the baseline given (None: no baseline).
    known: Option<bool>,
}

#[derive(Debug, Serialize)]
struct Report {
    first_ts: f64,
    last_ts: f64,
    packets: u64,
    bytes: u64,
    connections: usize,
    devices: Vec<Device>,
    edges: Vec<Edge>,
    alerts: Vec<alerts::Group>,
    /// Each alert's time and severity rank (0 critical … 3 low, 4 other).
    alert_times: Vec<(f64, usize)>,
    alerts_total: usize,
    alerts_by_severity: BTreeMap<String, u64>,
    quality: BTreeMap<String, Value>,
    weirds: BTreeMap<String, u64>,
    /// Hosts (devices and peers) the baseline given does not know (None:
    /// no baseline).
    not_in_baseline: Option<Vec<String>>,
    /// Role → words, for the page's labels.
    role_words: BTreeMap<&'static str, &'static str>,
}

pub(crate) fn s(r: &Row, k: &str) -> String {
    match r.get(k) {
        Some(Value::String(v)) if v != "-" => v.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    }
}

pub(crate) fn n(r: &Row, k: &str) -> f64 {
    match r.get(k) {
        Some(Value::Number(v)) => v.as_f64().unwrap_or(0.0),
        Some(Value::String(v)) => v.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Whether a function name changes state.
fn is_write(f: &str) -> bool {
    [
        "WRITE",
        "Write",
        "Set_Attribute",
        "Set Attribute",
        "Call",
        "Reset",
        "Stop",
        "Start",
    ]
    .iter()
    .any(|w| f.contains(w))
}

fn protocols(v: Option<&Value>) -> String {
    let Some(Value::Object(m)) = v else {
        return String::new();
    };
    m.iter()
        .map(|(p, ports)| {
            let ports: Vec<String> = ports
                .as_array()
                .map(|a| a.iter().map(|x| x.to_string()).collect())
                .unwrap_or_default();
            format!("{p}/{}", ports.join(","))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The EtherNet/IP ports of cyclic (class 1) I/O and of explicit
/// messaging (which carries the Forward Open that sets the I/O up).
const CIP_IO_PORT: u64 = 2222;
const ENIP_PORT: u64 = 44818;

/// The controller owning each I/O adapter: the originator of its cyclic
/// I/O, known by the Forward Open's direction — a pair of hosts with
/// cyclic I/O between them and an EtherNet/IP connection from one to the
/// other. Which side of the UDP flow spoke first says nothing (both
/// produce, and a capture can start mid-stream). Of several originators,
/// the one with the most I/O connections wins (the lowest address on a
/// tie). A host that originates I/O itself is nobody's adapter, so
/// folding is one level deep.
fn owners<'a>(edges: impl Iterator<Item = &'a Edge> + Clone) -> HashMap<String, String> {
    let pair = |a: &'a str, b: &'a str| if a < b { (a, b) } else { (b, a) };
    let mut io: HashMap<(&str, &str), u64> = HashMap::new();
    for e in edges
        .clone()
        .filter(|e| e.port == CIP_IO_PORT && e.protocol == "enip")
    {
        *io.entry(pair(&e.client, &e.server)).or_insert(0) += e.connections;
    }
    let opened: Vec<(&str, &str, u64)> = edges
        .filter(|e| e.port == ENIP_PORT && e.protocol == "enip" && e.client != e.server)
        .filter_map(|e| {
            io.get(&pair(&e.client, &e.server))
                .map(|n| (e.client.as_str(), e.server.as_str(), *n))
        })
        .collect();
    let originators: HashSet<&str> = opened.iter().map(|(c, _, _)| *c).collect();
    let addr = |ip: &str| ip.parse::<std::net::IpAddr>().ok();
    let mut best: HashMap<String, (u64, String)> = HashMap::new();
    for (client, adapter, n) in opened {
        if originators.contains(adapter) {
            continue;
        }
        let e = best
            .entry(adapter.to_string())
            .or_insert((0, String::new()));
        if n > e.0 || (n == e.0 && addr(client) < addr(&e.1)) {
            *e = (n, client.to_string());
        }
    }
    best.into_iter().map(|(a, (_, c))| (a, c)).collect()
}

/// Builds the report of the logs in `dir` (and of `baseline`, when given).
pub fn build(dir: &Path, baseline: Option<&Baseline>) -> Result<String, String> {
    if !dir.is_dir() {
        return Err(format!("{}: not a log directory", dir.display()));
    }
    let conns = read_log(dir, "conn")?;
    if conns.is_empty() && !crate::output::manifest::has_log(dir, "known_devices")? {
        return Err(format!(
            "{}: no conn.log or known_devices.log: not the logs of an otwatch run",
            dir.display()
        ));
    }
    let stats = read_log(dir, "otwatch_stats")?;
    let alerts = read_log(dir, "alert")?;
    let weird = read_log(dir, "weird")?;
    // The inventory in either log format (TSV keeps each record whole in
    // its `record` column).
    let known: Vec<Row> = if crate::output::manifest::has_log(dir, "known_devices")? {
        crate::inventory::read_records(&dir.join("known_devices.log"))?
            .into_iter()
            .filter_map(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .collect()
    } else {
        Vec::new()
    };

    // Edges from the connections, functions from the protocol logs.
    let mut edges: BTreeMap<(String, String, String, u64), Edge> = BTreeMap::new();
    let mut by_uid: BTreeMap<String, (String, String, String, u64)> = BTreeMap::new();
    for c in &conns {
        let services = s(c, "service");
        // EtherNet/IP and the CIP it carries are one application protocol,
        // as the baseline's edges name it.
        let protocol = if services.split(',').any(|x| x == "cip" || x == "enip") {
            "enip".to_string()
        } else if let Some(first) = services.split(',').find(|x| !x.is_empty()) {
            first.to_string()
        } else {
            s(c, "proto")
        };
        let key = (
            s(c, "id.orig_h"),
            s(c, "id.resp_h"),
            protocol,
            n(c, "id.resp_p") as u64,
        );
        by_uid.insert(s(c, "uid"), key.clone());
        let e = edges.entry(key.clone()).or_insert_with(|| Edge {
            client: key.0.clone(),
            server: key.1.clone(),
            protocol: key.2.clone(),
            port: key.3,
            ..Edge::default()
        });
        e.connections += 1;
    }
    let mut add = |uid: String, f: String| {
        if f.is_empty() {
            return;
        }
        let Some(e) = by_uid.get(&uid).and_then(|k| edges.get_mut(k)) else {
            return;
        };
        let w = is_write(&f);
        let entry = e.functions.entry(f).or_insert((0, w));
        entry.0 += 1;
        if w {
            e.writes += 1;
        } else {
            e.reads += 1;
        }
    };
    for r in read_log(dir, "modbus_detailed")? {
        add(
            s(&r, "uid"),
            s(&r, "func").trim_end_matches("_EXCEPTION").to_string(),
        );
    }
    for r in read_log(dir, "cip")? {
        if s(&r, "direction") == "request" {
            add(s(&r, "uid"), s(&r, "cip_service"));
        }
    }
    for r in read_log(dir, "opcua_binary")? {
        add(
            s(&r, "uid"),
            s(&r, "req_identifier_str")
                .trim_end_matches("Request")
                .to_string(),
        );
    }
    let learned: Option<HashSet<(String, String, &str, u64)>> = baseline.map(|b| {
        b.edges
            .keys()
            .map(|k| {
                (
                    k.client.to_string(),
                    k.server.to_string(),
                    k.protocol.as_ref(),
                    u64::from(k.port),
                )
            })
            .collect()
    });
    for e in edges.values_mut() {
        if let Some(learned) = &learned {
            e.known = Some(learned.contains(&(
                e.client.clone(),
                e.server.clone(),
                e.protocol.as_str(),
                e.port,
            )));
        }
    }
    let owners = owners(edges.values());

    // The map is one of addresses: devices seen only at layer 2 (no IP
    // yet) are in the inventory, not on it.
    let devices = known
        .iter()
        .filter(|d| d.get("ip").is_some())
        .map(|d| {
            // What the device says it is, as the inventory words it.
            let identity =
                serde_json::from_value::<crate::inventory::DeviceLine>(Value::Object(d.clone()))
                    .ok()
                    .and_then(|l| l.device.identity())
                    .unwrap_or_default();
            let ip = s(d, "ip");
            Device {
                owner: owners.get(&ip).cloned(),
                macs: strings(d.get("macs")),
                roles: strings(d.get("roles")),
                role_evidence: d
                    .get("role_evidence")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| {
                                (
                                    k.clone(),
                                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                vendor: s(d, "vendors"),
                identity: identity.trim().to_string(),
                firmware: d
                    .get("firmware")
                    .and_then(|f| f.get("revision"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                purdue: d.get("purdue_level").and_then(Value::as_u64),
                purdue_reason: s(d, "purdue_reason"),
                served: protocols(d.get("activity").and_then(|a| a.get("served"))),
                used: protocols(d.get("activity").and_then(|a| a.get("used"))),
                first_seen: n(d, "first_seen_us") / 1e6,
                last_seen: n(d, "last_seen_us") / 1e6,
                packets: (n(d, "packets_sent") + n(d, "packets_received")) as u64,
                ip,
            }
        })
        .collect::<Vec<_>>();

    let (groups, alert_times) = alerts::group(&alerts);
    let mut by_severity = BTreeMap::new();
    for r in &alerts {
        *by_severity.entry(s(r, "severity")).or_insert(0) += 1;
    }
    let mut weirds = BTreeMap::new();
    for w in &weird {
        *weirds.entry(s(w, "name")).or_insert(0) += 1;
    }
    let st = stats.last().cloned().unwrap_or_default();
    let mut quality = BTreeMap::new();
    for k in [
        "pkts_proc",
        "malformed_pkts",
        "snaplen_truncated",
        "ts_backwards",
        "missed_bytes",
        "flows_evicted",
        "reassembly_cap_hits",
        "weirds",
        "rows_rate_limited",
        "analyzers_stopped",
    ] {
        quality.insert(k.to_string(), st.get(k).cloned().unwrap_or(Value::Null));
    }
    let (first, last) = conns.iter().fold((f64::MAX, 0f64), |(lo, hi), c| {
        let t = n(c, "ts");
        (lo.min(t), hi.max(t + n(c, "duration")))
    });
    let not_in_baseline = baseline.map(|b| {
        let mut hosts: Vec<String> = edges
            .values()
            .flat_map(|e| [&e.client, &e.server])
            .chain(devices.iter().map(|d| &d.ip))
            .filter(|ip| {
                !ip.parse::<std::net::IpAddr>()
                    .is_ok_and(|a| b.devices.contains_key(&a))
            })
            .cloned()
            .collect();
        hosts.sort();
        hosts.dedup();
        hosts
    });
    let report = Report {
        first_ts: if first == f64::MAX { 0.0 } else { first },
        last_ts: last,
        packets: n(&st, "pkts_proc") as u64,
        bytes: n(&st, "bytes_recv") as u64,
        connections: conns.len(),
        devices,
        edges: edges.into_values().collect(),
        alerts: groups,
        alert_times,
        alerts_total: alerts.len(),
        alerts_by_severity: by_severity,
        quality,
        weirds,
        not_in_baseline,
        role_words: alerts::ROLE_WORDS.into_iter().collect(),
    };
    let json = serde_json::to_string(&report).map_err(|e| e.to_string())?;
    Ok(html::page(&json))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(client: &str, server: &str, port: u64, connections: u64) -> Edge {
        Edge {
            client: client.into(),
            server: server.into(),
            protocol: "enip".into(),
            port,
            connections,
            ..Edge::default()
        }
    }

    #[test]
    fn an_adapter_belongs_to_the_host_that_opened_its_io() {
        let edges = [
            // 10.0.4.1: I/O with two controllers, more with .10 than .9.
            edge("10.0.0.9", "10.0.4.1", ENIP_PORT, 1),
            edge("10.0.4.1", "10.0.0.9", CIP_IO_PORT, 1),
            edge("10.0.0.10", "10.0.4.1", ENIP_PORT, 1),
            edge("10.0.0.10", "10.0.4.1", CIP_IO_PORT, 3),
            // 10.0.4.2: a tie between .10 and .9: the lower address.
            edge("10.0.0.10", "10.0.4.2", ENIP_PORT, 1),
            edge("10.0.0.10", "10.0.4.2", CIP_IO_PORT, 1),
            edge("10.0.0.9", "10.0.4.2", ENIP_PORT, 1),
            edge("10.0.0.9", "10.0.4.2", CIP_IO_PORT, 1),
            // Explicit messaging alone makes nobody an owner.
            edge("10.0.0.9", "10.0.4.3", ENIP_PORT, 5),
            // Cyclic I/O with nobody opening it neither.
            edge("10.0.0.9", "10.0.4.4", CIP_IO_PORT, 5),
            // A host that opens I/O itself is nobody's adapter.
            edge("10.0.0.3", "10.0.0.10", ENIP_PORT, 1),
            edge("10.0.0.3", "10.0.0.10", CIP_IO_PORT, 1),
        ];
        let owners = owners(edges.iter());
        let mut list: Vec<(&str, &str)> = owners
            .iter()
            .map(|(a, c)| (a.as_str(), c.as_str()))
            .collect();
        list.sort();
        assert_eq!(list, [("10.0.4.1", "10.0.0.10"), ("10.0.4.2", "10.0.0.9")]);
    }
}
