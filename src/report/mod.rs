//! `otwatch report`: one self-contained HTML file from a run's logs — a
//! summary, the network map (Cytoscape.js, embedded), the device
//! inventory, the alerts with their timeline, per-protocol activity and
//! capture quality. Nothing in the file fetches anything.

mod html;
mod read;

use crate::baseline::Baseline;
use read::{read_log, Row};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One device of the report.
#[derive(Debug, Serialize)]
struct Device {
    ip: String,
    roles: Vec<String>,
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
    anomalous: bool,
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
    anomalous: bool,
    /// In the baseline given (None: no baseline).
    known: Option<bool>,
}

#[derive(Debug, Serialize)]
struct Alert {
    ts: f64,
    kind: String,
    severity: String,
    title: String,
    detail: String,
    src: String,
    dst: String,
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
    alerts: Vec<Alert>,
    alerts_by_severity: BTreeMap<String, u64>,
    quality: BTreeMap<String, Value>,
    weirds: BTreeMap<String, u64>,
}

fn s(r: &Row, k: &str) -> String {
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

fn n(r: &Row, k: &str) -> f64 {
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

    // Who is involved in an alert or a deviation.
    let mut hot: BTreeSet<String> = BTreeSet::new();
    let mut hot_pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for r in &alerts {
        let (a, b) = (s(r, "src"), s(r, "dst"));
        let (a, b) = if a.is_empty() {
            (s(r, "id.orig_h"), s(r, "id.resp_h"))
        } else {
            (a, b)
        };
        if !a.is_empty() {
            hot.insert(a.clone());
        }
        if !b.is_empty() {
            hot.insert(b.clone());
            hot_pairs.insert((a, b));
        }
    }

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
    for e in edges.values_mut() {
        e.anomalous = hot_pairs.contains(&(e.client.clone(), e.server.clone()));
        if let Some(b) = baseline {
            e.known = Some(b.edges.keys().any(|k| {
                k.client.to_string() == e.client
                    && k.server.to_string() == e.server
                    && k.protocol == e.protocol
                    && u64::from(k.port) == e.port
            }));
        }
    }

    let devices = known
        .iter()
        .map(|d| {
            let identity = if let Some(Value::Object(c)) = d.get("cip_identity") {
                format!(
                    "{} {} ({})",
                    c.get("vendor").and_then(Value::as_str).unwrap_or(""),
                    c.get("product_name").and_then(Value::as_str).unwrap_or(""),
                    c.get("device_type").and_then(Value::as_str).unwrap_or("")
                )
            } else if let Some(Value::Object(m)) = d
                .get("modbus_identity")
                .filter(|m| m.as_object().is_some_and(|o| !o.is_empty()))
            {
                format!(
                    "{} {}",
                    m.get("VendorName").and_then(Value::as_str).unwrap_or(""),
                    m.get("ProductCode").and_then(Value::as_str).unwrap_or("")
                )
            } else if let Some(Value::Array(a)) = d.get("opcua_identity") {
                a.iter()
                    .filter_map(|x| x.get("application_uri").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                String::new()
            };
            let ip = s(d, "ip");
            Device {
                anomalous: hot.contains(&ip),
                roles: d
                    .get("roles")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
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

    // One item per alert (alert.log and notice.log have one row each):
    // a deviation with the rules that matched the same action, or rules
    // alone.
    let mut items: Vec<Alert> = Vec::new();
    for a in &alerts {
        let note = s(a, "note");
        let rules = s(a, "rules");
        let (kind, title) = if note == "OTWatch::Rule" {
            ("rule", format!("[{}] {}", s(a, "sid"), s(a, "msg")))
        } else {
            let title = note.trim_start_matches("OTWatch::").replace('_', " ");
            ("baseline", title)
        };
        let mut detail = if kind == "rule" {
            s(a, "matched")
        } else {
            s(a, "msg")
        };
        let facts = s(a, "baseline");
        if !facts.is_empty() {
            detail.push_str(&format!(" (expected: {facts})"));
        }
        if kind == "baseline" && !rules.is_empty() {
            detail.push_str(&format!("; rules: {rules}"));
        }
        let (src, dst) = match (s(a, "src"), s(a, "dst")) {
            (src, dst) if !src.is_empty() => (src, dst),
            _ => (s(a, "id.orig_h"), s(a, "id.resp_h")),
        };
        items.push(Alert {
            ts: n(a, "ts"),
            kind: kind.into(),
            severity: s(a, "severity"),
            title,
            detail,
            src,
            dst,
        });
    }
    items.sort_by(|a, b| a.ts.total_cmp(&b.ts));
    let mut by_severity = BTreeMap::new();
    for a in &items {
        *by_severity.entry(a.severity.clone()).or_insert(0) += 1;
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
    let report = Report {
        first_ts: if first == f64::MAX { 0.0 } else { first },
        last_ts: last,
        packets: n(&st, "pkts_proc") as u64,
        bytes: n(&st, "bytes_recv") as u64,
        connections: conns.len(),
        devices,
        edges: edges.into_values().collect(),
        alerts: items,
        alerts_by_severity: by_severity,
        quality,
        weirds,
    };
    let json = serde_json::to_string(&report).map_err(|e| e.to_string())?;
    Ok(html::page(&json))
}
