//! Baseline learning and deviation detection, end to end: `baseline learn`
//! on a known-good capture, `analyze --baseline` on a capture that adds
//! one anomaly of every kind, and the alerts that explain each. The two
//! captures are built here packet by packet (a Modbus/TCP plant: an HMI
//! polling a PLC every second, a second poller every two seconds).

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const HMI: [u8; 4] = [10, 0, 0, 10];
const HMI2: [u8; 4] = [10, 0, 0, 11];
const PLC: [u8; 4] = [10, 0, 0, 20];
const ROGUE: [u8; 4] = [10, 0, 0, 99];

/// Read Device Identification (basic objects) and its answer.
fn device_id(revision: &str) -> (Vec<u8>, Vec<u8>) {
    let req = vec![0x2B, 0x0E, 0x01, 0x00];
    let mut resp = vec![0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x03];
    for (id, v) in [(0u8, "Acme"), (1, "PLC-9"), (2, revision)] {
        resp.push(id);
        resp.push(v.len() as u8);
        resp.extend_from_slice(v.as_bytes());
    }
    (req, resp)
}

/// The known-good plant: the HMI reads holding registers 0-9 of the PLC
/// every second and asks its identity once; HMI2 reads input registers
/// every two seconds. Two minutes.
fn learning(path: &Path) {
    let mut w = PcapWriter::new(1, 65535);
    let t0 = 1_700_000_000 * SEC;
    let mut hmi = Tcp::open(&mut w, t0, HMI, 40000, PLC, 502);
    let mut hmi2 = Tcp::open(&mut w, t0 + 300, HMI2, 40001, PLC, 502);
    for i in 0..120 {
        let t = t0 + SEC + i * SEC;
        let (q, r) = read(3, 0, 10);
        hmi.modbus(&mut w, t, 1, &q, &r);
        if i % 2 == 0 {
            let (q, r) = read(4, 0, 4);
            hmi2.modbus(&mut w, t + 500_000, 1, &q, &r);
        }
        if i == 5 {
            let (q, r) = device_id("1.0");
            hmi.modbus(&mut w, t + 100_000, 1, &q, &r);
        }
    }
    w.write(path);
}

/// The same plant later, with one anomaly of each kind (see the test).
fn anomalous(path: &Path) {
    let mut w = PcapWriter::new(1, 65535);
    let t0 = 1_700_100_000 * SEC;
    let mut hmi = Tcp::open(&mut w, t0, HMI, 40010, PLC, 502);
    let mut t = t0 + SEC;
    for i in 0..100 {
        // A 30 s pause in the 1 s polling.
        t += if i == 50 { 30 * SEC } else { SEC };
        let (q, r) = read(3, 0, 10);
        hmi.modbus(&mut w, t, 1, &q, &r);
        match i {
            20 => hmi.modbus(&mut w, t + 100_000, 1, &[6, 0, 5, 0, 42], &[6, 0, 5, 0, 42]),
            30 => {
                let (q, r) = read(3, 100, 2);
                hmi.modbus(&mut w, t + 100_000, 1, &q, &r);
            }
            40 => {
                let (q, r) = device_id("2.0");
                hmi.modbus(&mut w, t + 100_000, 1, &q, &r);
            }
            60 => {
                let mut rogue = Tcp::open(&mut w, t + 200_000, ROGUE, 50000, PLC, 502);
                let (q, r) = read(3, 0, 10);
                rogue.modbus(&mut w, t + 300_000, 1, &q, &r);
            }
            70 => {
                // The PLC starts polling the HMI.
                let mut back = Tcp::open(&mut w, t + 200_000, PLC, 50001, HMI, 502);
                let (q, r) = read(1, 0, 8);
                back.modbus(&mut w, t + 300_000, 1, &q, &r);
            }
            80 => {
                // EtherNet/IP List Identity to the PLC.
                let mut enip = Tcp::open(&mut w, t + 200_000, HMI, 50002, PLC, 44818);
                let mut req = 0x0063u16.to_le_bytes().to_vec();
                req.extend_from_slice(&[0; 22]);
                enip.exchange(&mut w, t + 300_000, &req, &[]);
            }
            _ => {}
        }
    }
    w.write(path);
}

fn otwatch_ok(args: &[&str]) -> std::process::Output {
    let out = otwatch().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "otwatch {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

struct Plant {
    _dir: tempfile::TempDir,
    good: PathBuf,
    bad: PathBuf,
    baseline: PathBuf,
}

fn plant() -> Plant {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.pcap");
    let bad = dir.path().join("bad.pcap");
    let baseline = dir.path().join("baseline.json");
    learning(&good);
    anomalous(&bad);
    otwatch_ok(&[
        "baseline",
        "learn",
        "-q",
        good.to_str().unwrap(),
        "-o",
        baseline.to_str().unwrap(),
    ]);
    Plant {
        _dir: dir,
        good,
        bad,
        baseline,
    }
}

/// The notices of `analyze --baseline` on a capture.
fn detect(baseline: &Path, pcap: &Path) -> Vec<serde_json::Value> {
    let out = tempfile::tempdir().unwrap();
    otwatch_ok(&[
        "analyze",
        "-q",
        "--no-rules",
        "--baseline",
        baseline.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        pcap.to_str().unwrap(),
    ]);
    let path = out.path().join("alert.log");
    if path.exists() {
        read_json_log(&path)
    } else {
        Vec::new()
    }
}

/// Each deviation an alert folds in: (note, what it saw, the baseline
/// facts of the alert).
fn deviations(alerts: &[serde_json::Value]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for a in alerts {
        let facts = a["baseline"].as_str().unwrap_or("").to_string();
        for (note, msg) in folded(a) {
            out.push((note, msg, facts.clone()));
        }
    }
    out
}

#[test]
fn the_learning_capture_gives_no_deviation() {
    let p = plant();
    assert_eq!(
        detect(&p.baseline, &p.good),
        Vec::<serde_json::Value>::new()
    );
    // Nor do the bundled captures, each against its own baseline.
    for name in [
        "modbus_example.pcap",
        "modbusBig.pcap",
        "enip_cip_example.pcap",
        "open62541_client-server_mainloop.pcap",
        "opcua_with-gap_with-handshake.pcap",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let b = dir.path().join("b.json");
        let cap = pcap(name);
        otwatch_ok(&[
            "baseline",
            "learn",
            "-q",
            cap.to_str().unwrap(),
            "-o",
            b.to_str().unwrap(),
        ]);
        assert_eq!(detect(&b, &cap), Vec::<serde_json::Value>::new(), "{name}");
    }
}

#[test]
fn every_deviation_is_detected_and_explained() {
    let p = plant();
    let alerts = detect(&p.baseline, &p.bad);
    let mut by_note: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (note, msg, facts) in deviations(&alerts) {
        by_note.entry(note).or_default().push((msg, facts));
    }
    let has = |note: &str, msg: &str, sub: &str| {
        let found = by_note
            .get(note)
            .is_some_and(|v| v.iter().any(|(m, s)| m.contains(msg) && s.contains(sub)));
        assert!(
            found,
            "{note}: no alert with {msg:?} / {sub:?} in {by_note:#?}"
        );
    };
    has(
        "OTWatch::New_Device",
        "new device 10.0.0.99",
        "the baseline knows 3 devices",
    );
    has(
        "OTWatch::New_Edge",
        "10.0.0.99 -> 10.0.0.20 modbus/502",
        "baseline edges of these devices",
    );
    has(
        "OTWatch::New_Protocol",
        "10.0.0.20 serves enip",
        "baseline protocols of 10.0.0.20: modbus",
    );
    has(
        "OTWatch::New_Function",
        "modbus WRITE_SINGLE_REGISTER (write) on 10.0.0.10 -> 10.0.0.20 modbus/502",
        "learned functions: ENCAP_INTERFACE_TRANSPORT/Read Device Identification, READ_HOLDING_REGISTERS",
    );
    has(
        "OTWatch::Write_On_Read_Only_Edge",
        "write WRITE_SINGLE_REGISTER on 10.0.0.10 -> 10.0.0.20",
        "only reads",
    );
    has(
        "OTWatch::Modbus_Address_Out_Of_Range",
        "READ_HOLDING_REGISTERS reads holding_registers 100-101 (unit 1)",
        "reads 0-9, writes none",
    );
    has(
        "OTWatch::Role_Change",
        "10.0.0.20 acts as a modbus client",
        "only served modbus",
    );
    has(
        "OTWatch::Identity_Change",
        "MajorMinorVersion 1.0 -> 2.0",
        "previous value",
    );
    has(
        "OTWatch::Polling_Anomaly",
        "READ_HOLDING_REGISTERS after 30 s on 10.0.0.10 -> 10.0.0.20 modbus/502 (too slow)",
        "range 1.000 s - 1.0",
    );
    has(
        "OTWatch::Edge_Silent",
        "no traffic on 10.0.0.11 -> 10.0.0.20 modbus/502",
        "learned period 2.0",
    );
    // What the new client and the controller turned client did, by
    // function class.
    has(
        "OTWatch::New_Client_Read",
        "modbus READ_HOLDING_REGISTERS (read) from 10.0.0.99 to 10.0.0.20, a client the baseline never saw",
        "baseline clients of 10.0.0.20 modbus/502: 10.0.0.10 (reads), 10.0.0.11 (reads)",
    );
    has(
        "OTWatch::New_Client_Identification",
        "enip List Identity (identification) from 10.0.0.10 to 10.0.0.20",
        "baseline clients of 10.0.0.20 enip/44818: none",
    );
    assert_eq!(by_note.len(), 12, "{by_note:#?}");
    // Each deviation once: a new poller is one alert, not one per poll.
    assert_eq!(by_note["OTWatch::New_Device"].len(), 1);
    assert_eq!(by_note["OTWatch::New_Function"].len(), 1);
}

#[test]
fn baselines_are_shown_as_network_maps() {
    let p = plant();
    let dot = otwatch_ok(&["baseline", "show", p.baseline.to_str().unwrap()]);
    let dot = String::from_utf8(dot.stdout).unwrap();
    assert!(dot.starts_with("digraph otwatch {"), "{dot}");
    assert!(dot.contains("10.0.0.20\\ncontroller\\nAcme PLC-9"), "{dot}");
    assert!(dot.contains("modbus/502\\nENCAP_INTERFACE_TRANSPORT/Read Device Identification\\nREAD_HOLDING_REGISTERS"));
    let graphml = otwatch_ok(&[
        "baseline",
        "show",
        p.baseline.to_str().unwrap(),
        "--format",
        "graphml",
    ]);
    let graphml = String::from_utf8(graphml.stdout).unwrap();
    assert_eq!(graphml.matches("<node ").count(), 3);
    assert_eq!(graphml.matches("<edge ").count(), 2);
    assert!(graphml.trim_end().ends_with("</graphml>"));
}

#[test]
fn merged_baselines_know_both_plants() {
    let p = plant();
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.json");
    otwatch_ok(&[
        "baseline",
        "learn",
        "-q",
        p.bad.to_str().unwrap(),
        "-o",
        other.to_str().unwrap(),
    ]);
    let merged = dir.path().join("merged.json");
    otwatch_ok(&[
        "baseline",
        "merge",
        p.baseline.to_str().unwrap(),
        other.to_str().unwrap(),
        "-o",
        merged.to_str().unwrap(),
    ]);
    // What either period saw is no deviation against the merge.
    let found = deviations(&detect(&merged, &p.bad));
    let notes: Vec<&str> = found.iter().map(|(n, _, _)| n.as_str()).collect();
    assert!(!notes.contains(&"OTWatch::New_Device"), "{notes:?}");
    assert!(!notes.contains(&"OTWatch::New_Function"), "{notes:?}");
}

#[test]
fn bad_baselines_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cap = pcap("modbus_example.pcap");
    let cases = [
        (
            "v3.json",
            r#"{"format": "otwatch-baseline", "version": 3}"#,
            "baseline version 3 is not supported",
        ),
        // Version 1 (before OPC UA facts and learned rule matches) is
        // learned again, not guessed at.
        (
            "v1.json",
            r#"{"format": "otwatch-baseline", "version": 1}"#,
            "baseline version 1 is not supported (this otwatch reads version 2; learn it again",
        ),
        (
            "corrupt.json",
            "{\"format\": \"otwatch-baseline\",\n \"version\": 2,",
            "corrupt baseline: line 2",
        ),
        ("other.json", r#"{"hello": 1}"#, "not an otwatch baseline"),
        (
            "fields.json",
            r#"{"format": "otwatch-baseline", "version": 2, "devices": 3}"#,
            "corrupt baseline",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = otwatch()
            .args(["analyze", "-q", "--out"])
            .arg(dir.path().join("logs"))
            .arg("--baseline")
            .arg(&path)
            .arg(&cap)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(name) && err.contains(expected),
            "{name}: {err}"
        );
    }
}

/// `pcaps/plant-good.pcap` and `pcaps/plant-anomalies.pcap` (the README's
/// worked example, `make demo`) are the two captures built above; this
/// keeps them in step with the builders.
#[test]
fn the_bundled_example_captures_are_these() {
    let dir = tempfile::tempdir().unwrap();
    for (name, build) in [
        ("plant-good.pcap", learning as fn(&Path)),
        ("plant-anomalies.pcap", anomalous as fn(&Path)),
    ] {
        let path = dir.path().join(name);
        build(&path);
        let bundled = std::fs::read(pcap(name)).unwrap_or_default();
        if std::env::var_os("OTWATCH_WRITE_EXAMPLES").is_some() {
            std::fs::copy(&path, pcap(name)).unwrap();
            continue;
        }
        assert!(
            std::fs::read(&path).unwrap() == bundled,
            "{name} differs from its builder; run with OTWATCH_WRITE_EXAMPLES=1 to refresh it"
        );
    }
}

#[test]
fn a_pair_of_real_captures() {
    // Learn on an open62541 client that reads attributes; detect on the
    // same host running a python-opcua client that subscribes: a new OPC
    // UA application on 127.0.0.1, and the services it calls.
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b.json");
    let learn = pcap("open62541_read_service_test_data.pcap");
    otwatch_ok(&[
        "baseline",
        "learn",
        "-q",
        learn.to_str().unwrap(),
        "-o",
        b.to_str().unwrap(),
    ]);
    let notices = deviations(&detect(&b, &pcap("open62541_create_monitored_items.pcap")));
    let found =
        |note: &str, msg: &str| notices.iter().any(|(n, m, _)| n == note && m.contains(msg));
    assert!(found(
        "OTWatch::Identity_Change",
        "OPC UA application of 127.0.0.1 changed: applicationUri urn:freeopcua:client"
    ));
    // The pair's sessions were authenticated by user name.
    assert!(found(
        "OTWatch::OpcUa_Identity_Change",
        "opcua session on 127.0.0.1 -> 127.0.0.1 opcua-binary/4840 activated as anonymous"
    ));
    for service in ["CreateSubscription", "CreateMonitoredItems", "Browse"] {
        assert!(
            found(
                "OTWatch::New_Function",
                &format!(
                    "opcua-binary {service} (read) on 127.0.0.1 -> 127.0.0.1 opcua-binary/4840"
                )
            ),
            "{service}: {notices:#?}"
        );
    }
}

/// A pair whose sessions ran on a secured channel, now running one on a
/// channel in clear: a downgrade (the discovery channel in clear that
/// comes first in both captures is no session's, and is not one).
#[test]
fn an_opcua_session_in_clear_after_secured_ones_is_a_downgrade() {
    for (learn, now, policy) in [
        (
            "opcua-traces/python_opcua-client-server_encrypted.pcap",
            "opcua-traces/python_opcua-client-server_minimal.pcap",
            "Basic256Sha256",
        ),
        (
            "open62541_client-server_encrypted.pcap",
            "open62541_client-server_mainloop.pcap",
            "Basic128Rsa15",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let b = dir.path().join("b.json");
        learn_baseline(&pcap(learn), &b);
        let alerts = detect(&b, &pcap(now));
        let change: Vec<&serde_json::Value> = alerts
            .iter()
            .filter(|a| a["note"] == "OTWatch::OpcUa_Security_Change")
            .collect();
        assert_eq!(change.len(), 1, "{now}: {alerts:#?}");
        let a = change[0];
        assert!(
            a["msg"]
                .as_str()
                .unwrap()
                .ends_with("with security None/None (downgrade)"),
            "{a}"
        );
        assert_eq!(a["severity"], "high", "{a}");
        // Adversary-in-the-Middle first (the lead's), then the rest.
        assert_eq!(a["mitre_attack_ics"][0], "T0830", "{a}");
        assert_eq!(
            a["baseline"].as_str().unwrap().split("; ").next().unwrap(),
            format!("channel security of this pair in the baseline: {policy}")
        );
        // Against itself, the secured capture is no change.
        assert!(detect(&b, &pcap(learn)).is_empty(), "{learn}");
    }
}
