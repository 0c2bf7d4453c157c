//! Attacks made with real client libraries (`pcaps/attacks/`, made by
//! `make.py` with pymodbus, pycomm3 and asyncua against pymodbus, cpppo
//! and asyncua servers): with a baseline learned from the plant's normal
//! operation and the default rule pack, every attacker action of the
//! truth files is exactly one alert of the expected kind, who did what to
//! whom is in it, and nothing else alerts. The learning capture and every
//! bundled known-good capture, against a baseline learned from itself,
//! alert nothing.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn attacks(name: &str) -> PathBuf {
    repo().join("pcaps/attacks").join(name)
}

/// The alerts of `capture` against `baseline`, with the default rules
/// (built in, as `learn_baseline` learns their matches), and the run's
/// otwatch_stats.log record.
fn detect(baseline: &Path, capture: &Path) -> (Vec<Value>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("logs");
    let o = analyze(
        &out,
        &["--baseline", baseline.to_str().unwrap()],
        &[capture.to_path_buf()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let alerts = out.join("alert.log");
    let alerts = if alerts.exists() {
        read_json_log(&alerts)
    } else {
        Vec::new()
    };
    let stats = read_json_log(&out.join("otwatch_stats.log")).remove(0);
    (alerts, stats)
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// What each attacker action must raise: (note, severity, function class,
/// deviations that must be folded into it).
fn expected(
    new_client: bool,
    action: &str,
) -> (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
) {
    match (new_client, action) {
        (true, "write_single_coil") => (
            "OTWatch::New_Client_Write",
            "high",
            "write",
            &["OTWatch::New_Device", "OTWatch::New_Edge"],
        ),
        (true, "write_single_register" | "write_multiple_coils" | "write_multiple_registers") => {
            ("OTWatch::New_Client_Write", "high", "write", &[])
        }
        (true, "restart_communications") => ("OTWatch::New_Client_Restart", "high", "restart", &[]),
        (true, "read_device_identification") => (
            "OTWatch::New_Client_Identification",
            "medium",
            "identification",
            &[],
        ),
        (true, "cip_write_tag") => (
            "OTWatch::New_Client_Write",
            "high",
            "write",
            &["OTWatch::New_Edge"],
        ),
        (true, "opcua_write") => (
            "OTWatch::New_Client_Write",
            "high",
            "write",
            &["OTWatch::New_Edge", "OTWatch::OpcUa_New_Write_Node"],
        ),
        (true, "opcua_call") => (
            "OTWatch::New_Client_Write",
            "high",
            "write",
            &["OTWatch::OpcUa_New_Method"],
        ),
        (true, "pipelined_duplicate_transaction_id") => {
            ("OTWatch::New_Client_Read", "medium", "read", &[])
        }
        (false, "write_single_coil" | "cip_write_tag") => (
            "OTWatch::Write_On_Read_Only_Edge",
            "critical",
            "write",
            &["OTWatch::New_Function"],
        ),
        (false, "opcua_write") => (
            "OTWatch::Write_On_Read_Only_Edge",
            "critical",
            "write",
            &["OTWatch::New_Function", "OTWatch::OpcUa_New_Write_Node"],
        ),
        (false, "write_single_register" | "write_multiple_coils" | "write_multiple_registers") => {
            ("OTWatch::New_Function", "high", "write", &[])
        }
        (false, "restart_communications") => ("OTWatch::New_Function", "high", "restart", &[]),
        (false, "read_device_identification") => {
            ("OTWatch::New_Function", "medium", "identification", &[])
        }
        (false, "opcua_call") => (
            "OTWatch::OpcUa_New_Method",
            "high",
            "write",
            &["OTWatch::New_Function"],
        ),
        (false, "opcua_security_change") => ("OTWatch::OpcUa_Security_Change", "medium", "", &[]),
        (n, a) => panic!("an action this test does not know: {a} (new client: {n})"),
    }
}

/// Whether the alert covers the action: the same client and server, and
/// the action's first packet between the alert's first and last time.
fn covers(alert: &Value, truth: &Value) -> bool {
    let t = truth["ts"].as_f64().unwrap();
    let (first, last) = (
        alert["ts"].as_f64().unwrap(),
        alert["last_ts"].as_f64().unwrap(),
    );
    alert["src"] == truth["src"]
        && alert["dst"] == truth["dst"]
        && first - 1e-6 <= t
        && t <= last + 1e-6
}

fn one_alert_per_action(capture: &str, new_client: bool) {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b.json");
    learn_baseline(&attacks("learn.pcap"), &b);
    let (alerts, stats) = detect(&b, &attacks(&format!("{capture}.pcap")));
    let truth = read_json_log(&attacks(&format!("{capture}.truth.jsonl")));
    assert_eq!(truth.len(), 10);
    let mut used = vec![false; alerts.len()];
    for t in &truth {
        let action = t["action"].as_str().unwrap();
        let hits: Vec<usize> = (0..alerts.len())
            .filter(|&i| covers(&alerts[i], t))
            .collect();
        assert_eq!(hits.len(), 1, "{action}: {hits:?} of {alerts:#?}");
        let a = &alerts[hits[0]];
        used[hits[0]] = true;
        let (note, severity, class, folded) = expected(new_client, action);
        assert_eq!(a["note"], note, "{action}: {a:#}");
        assert_eq!(a["severity"], severity, "{action}: {a:#}");
        let deviations = strings(&a["deviations"]);
        assert_eq!(deviations.first(), Some(&note), "{action}: {a:#}");
        for d in folded {
            assert!(deviations.contains(d), "{action}: {d} not in {a:#}");
        }
        // Who did it, to whom, with which technique, against which fact.
        assert_eq!(a["p"], a["id.resp_p"], "{action}: {a:#}");
        assert!(
            a["src_role"].is_string() && a["dst_role"].is_string(),
            "{action}: {a:#}"
        );
        assert!(
            !strings(&a["mitre_attack_ics"]).is_empty() || action == "opcua_security_change",
            "{action}: {a:#}"
        );
        assert!(
            a["baseline"].as_str().is_some_and(|s| !s.is_empty()),
            "{action}: {a:#}"
        );
        if !class.is_empty() {
            assert_eq!(a["function_class"], class, "{action}: {a:#}");
            assert!(!strings(&a["function"]).is_empty(), "{action}: {a:#}");
        }
    }
    assert!(
        used.iter().all(|u| *u),
        "alerts no action explains: {alerts:#?}"
    );
    // One New_Edge per client, server and application protocol: the
    // EtherNet/IP session and the CIP it carries are one edge.
    let mut edges: Vec<String> = Vec::new();
    for a in &alerts {
        for (note, msg) in folded(a) {
            if note == "OTWatch::New_Edge" {
                assert!(!edges.contains(&msg), "{msg} twice");
                edges.push(msg);
            }
        }
    }
    let want: &[&str] = if new_client {
        &[
            "new communication 127.0.1.200 -> 127.0.1.10 modbus/502",
            "new communication 127.0.1.200 -> 127.0.1.20 enip/44818",
            "new communication 127.0.1.200 -> 127.0.1.30 opcua-binary/4840",
        ]
    } else {
        &[]
    };
    assert_eq!(edges, want);
    assert_eq!(stats["alerts"].as_u64(), Some(truth.len() as u64));
}

/// The objects an analyst acts on: register ranges, the Logix tag, the
/// OPC UA node and method; the server's identity where it gave one.
fn objects(alerts: &[Value]) -> Vec<String> {
    alerts
        .iter()
        .flat_map(|a| strings(&a["object"]).into_iter().map(str::to_string))
        .collect()
}

#[test]
fn a_new_client_s_actions_are_one_alert_each() {
    one_alert_per_action("attack-new-client", true);
}

#[test]
fn a_known_hmi_s_actions_are_one_alert_each() {
    one_alert_per_action("attack-known-hmi", false);
}

#[test]
fn alerts_name_the_objects_touched() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b.json");
    learn_baseline(&attacks("learn.pcap"), &b);
    let (alerts, _) = detect(&b, &attacks("attack-new-client.pcap"));
    let o = objects(&alerts);
    for want in [
        "unit 1 coils 3",
        "unit 1 holding_registers 10",
        "unit 1 coils 0-7",
        "unit 1 holding_registers 0-3",
        "tag Oven_Setpoint",
        "ns=2;s=Oven.Setpoint",
        "call ns=2;s=Oven ns=2;s=Oven.Reset",
        "unit 1 holding_registers 0-19",
    ] {
        assert!(o.iter().any(|x| x == want), "{want}: {o:?}");
    }
    let opcua = alerts.iter().find(|a| a["p"] == 4840).unwrap();
    assert_eq!(opcua["dst_identity"], "urn:otwatch:test-plant:server");
}

#[test]
fn the_learning_capture_and_known_good_captures_alert_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b.json");
    learn_baseline(&attacks("learn.pcap"), &b);
    let (alerts, _) = detect(&b, &attacks("learn.pcap"));
    assert_eq!(alerts, Vec::<Value>::new());
    // Every bundled capture of normal traffic, against its own baseline.
    let mut known_good: Vec<PathBuf> = Vec::new();
    for dir in [pcap(""), pcap("opcua-traces")] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let capture = name.ends_with(".pcap") || name.ends_with(".pcapng");
            // The anomalies example and the fuzzer's findings are not
            // normal traffic.
            if capture && name != "plant-anomalies.pcap" && !name.starts_with("fuzz-") {
                known_good.push(p);
            }
        }
    }
    known_good.sort();
    assert!(known_good.len() > 30, "{known_good:?}");
    for cap in &known_good {
        let b = dir.path().join("self.json");
        learn_baseline(cap, &b);
        let (alerts, stats) = detect(&b, cap);
        assert_eq!(alerts, Vec::<Value>::new(), "{}", cap.display());
        assert_eq!(stats["alerts"], 0, "{}", cap.display());
    }
}
