//! `otwatch synth`: the synthesized capture is well formed for Wireshark
//! (tshark finds no malformed packet and recognises every protocol), the
//! same seed writes the same bytes, and otwatch detects every anomaly the
//! truth file lists.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn synth(out: &Path, args: &[&str]) -> String {
    let o = otwatch()
        .args(["synth", "-o"])
        .arg(out)
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    err
}

fn tshark(file: &Path, args: &[&str]) -> String {
    let o = std::process::Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args(args)
        .output()
        .expect("tshark (make test-deps installs it)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn tshark_finds_every_protocol_and_nothing_malformed() {
    let d = tempfile::tempdir().unwrap();
    let cap = d.path().join("plant.pcap");
    let err = synth(&cap, &["--packets", "40000", "--seed", "3", "--anomalies"]);
    assert!(err.contains("wrote 400"), "{err}");
    let bad = tshark(
        &cap,
        &[
            "-Y",
            "_ws.malformed || _ws.expert.severity >= error",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "_ws.expert.message",
        ],
    );
    assert!(bad.is_empty(), "tshark flags:\n{bad}");
    let protocols: BTreeSet<String> = tshark(&cap, &["-T", "fields", "-e", "frame.protocols"])
        .lines()
        .flat_map(|l| l.split(':').map(str::to_string).collect::<Vec<_>>())
        .collect();
    for p in [
        "mbtcp", "modbus", "enip", "cip", "cipcm", "cipio", "opcua", "dns", "http", "tls",
    ] {
        assert!(
            protocols.contains(p),
            "tshark did not see {p}: {protocols:?}"
        );
    }
    // Correct handshakes: every TCP connection tshark sees opens with a
    // SYN, and no segment is flagged as lost or retransmitted.
    let analysis = tshark(
        &cap,
        &[
            "-Y",
            "tcp.analysis.lost_segment || tcp.analysis.retransmission || tcp.analysis.ack_lost_segment || tcp.checksum.status == 2 || ip.checksum.status == 2",
            "-o",
            "tcp.check_checksum:TRUE",
            "-o",
            "ip.check_checksum:TRUE",
            "-T",
            "fields",
            "-e",
            "frame.number",
        ],
    );
    assert!(analysis.is_empty(), "TCP analysis flags frames: {analysis}");
}

#[test]
fn the_same_seed_writes_the_same_capture() {
    let d = tempfile::tempdir().unwrap();
    let (a, b, c) = (d.path().join("a"), d.path().join("b"), d.path().join("c"));
    synth(&a, &["--packets", "20000", "--seed", "9"]);
    synth(&b, &["--packets", "20000", "--seed", "9"]);
    synth(&c, &["--packets", "20000", "--seed", "10"]);
    let (a, b, c) = (
        std::fs::read(a).unwrap(),
        std::fs::read(b).unwrap(),
        std::fs::read(c).unwrap(),
    );
    assert!(a == b, "same seed, different bytes");
    assert!(a != c, "another seed, same bytes");
    // --bytes stops at the first packet past the size.
    let s = d.path().join("s");
    synth(&s, &["--bytes", "2M"]);
    let len = std::fs::metadata(&s).unwrap().len();
    assert!((2 << 20..(2 << 20) + 70_000).contains(&len), "{len}");
}

/// `--s7-plcs` adds a Siemens cell: S7comm that tshark reads without a
/// complaint, and that otwatch logs, inventories and alerts on (the
/// engineering stations' block downloads).
#[test]
fn a_siemens_cell_is_s7comm_and_profinet_end_to_end() {
    let d = tempfile::tempdir().unwrap();
    let cap = d.path().join("cell.pcap");
    let err = synth(&cap, &["--packets", "60000", "--s7-plcs", "3"]);
    assert!(
        err.contains("s7comm") && err.contains("profinet_rt"),
        "{err}"
    );
    let bad = tshark(
        &cap,
        &[
            "-Y",
            "(s7comm || pn_dcp || pn_rt) && (_ws.malformed || _ws.expert.severity >= error)",
            "-T",
            "fields",
            "-e",
            "frame.number",
        ],
    );
    assert!(bad.is_empty(), "tshark flags: {bad}");
    let s7 = tshark(
        &cap,
        &["-Y", "s7comm", "-T", "fields", "-e", "frame.number"],
    );
    assert!(s7.lines().count() > 500, "{s7}");
    let out = d.path().join("logs");
    let o = analyze(&out, &[], std::slice::from_ref(&cap));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let transfers = rows(&out.join("s7comm_upload_download.log"));
    assert!(transfers
        .iter()
        .any(|r| r["function_name"] == "Request Download" && r["block_type"] == "Function"));
    let devices = rows(&out.join("known_devices.log"));
    let plc = devices.iter().find(|d| d["ip"] == "10.10.6.11").unwrap();
    assert_eq!(plc["s7_identity"]["firmware"], "V3.2.6", "{plc}");
    assert_eq!(plc["roles"], serde_json::json!(["controller"]), "{plc}");
    let alerts = rows(&out.join("alert.log"));
    assert!(
        alerts.iter().any(|a| rule_sids(a).contains(&9000603)),
        "no download alert: {alerts:#?}"
    );
    // PROFINET: each CPU's two IO devices exchange cyclic I/O with it (a
    // stream each way), the engineering station identifies the stations.
    let rt = rows(&out.join("profinet_rt.log"));
    assert_eq!(rt.len(), 12, "{rt:#?}");
    assert!(rt
        .iter()
        .all(|s| s["missed"] == 0 && s["data_status"] == "0x35" && s["cycle_step"] == 1024));
    let dcp = rows(&out.join("profinet_dcp.log"));
    let responses = dcp
        .iter()
        .filter(|r| r["service_type"] == "Response Success")
        .count();
    assert_eq!(
        responses, 9,
        "three CPUs and six IO devices answer: {dcp:#?}"
    );
    let io = devices.iter().find(|d| d["ip"] == "10.10.7.11").unwrap();
    assert_eq!(
        io["profinet_identity"]["name_of_station"], "et200sp-11",
        "{io}"
    );
    assert_eq!(io["roles"], serde_json::json!(["io_adapter"]), "{io}");
    assert_eq!(plc["profinet_identity"]["role"], "IO controller", "{plc}");
    // Without the flag, no S7 at all (the default plant's bytes are the
    // same as before the option existed).
    let plain = d.path().join("plain.pcap");
    synth(&plain, &["--packets", "5000"]);
    assert!(tshark(
        &plain,
        &["-Y", "s7comm", "-T", "fields", "-e", "frame.number"]
    )
    .is_empty());
}

/// With a Siemens cell, `--anomalies` also has the unknown host rename a
/// PROFINET IO device (DCP Set): the rule and the baseline both see it.
#[test]
fn the_siemens_cells_dcp_set_anomaly_is_detected() {
    let d = tempfile::tempdir().unwrap();
    let cell = ["--s7-plcs", "2"];
    let (alerts, truth) = learn_then_attack(d.path(), ("40000", "80000"), &cell);
    let t = truth
        .iter()
        .find(|t| t["kind"] == "profinet_dcp_set_from_new_host")
        .unwrap_or_else(|| panic!("{truth:#?}"));
    let a = alerts
        .iter()
        .find(|a| a["protocol"] == "profinet_dcp")
        .unwrap_or_else(|| panic!("{alerts:#?}"));
    assert_eq!((&a["src"], &a["dst"]), (&t["src"], &t["dst"]), "{a}");
    assert_eq!(a["note"], "OTWatch::New_Client_Engineering", "{a}");
    assert!(rule_sids(a).contains(&9000701), "{a}");
}

#[test]
fn misuse_is_an_error_naming_the_flag() {
    let d = tempfile::tempdir().unwrap();
    for (args, says) in [
        (&["--bytes", "12Q"][..], "--bytes"),
        (
            &["--bytes", "1G", "--packets", "5"][..],
            "cannot be used with",
        ),
        (&["--hmis", "0"][..], "--hmis: the plant needs at least 1"),
        (&["--plcs", "4"][..], "--plcs"),
    ] {
        let o = otwatch()
            .args(["synth", "-o"])
            .arg(d.path().join("x"))
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{err}");
    }
}

fn rows(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Learns a baseline from seed 2's plant (`extra` its options), and
/// analyzes seed 1's with anomalies injected (`packets`: of each): the
/// alerts, and the truth file.
fn learn_then_attack(
    dir: &Path,
    packets: (&str, &str),
    extra: &[&str],
) -> (Vec<Value>, Vec<Value>) {
    let (learn, cap, base) = (
        dir.join("learn.pcap"),
        dir.join("an.pcap"),
        dir.join("b.json"),
    );
    synth(
        &learn,
        &[&["--packets", packets.0, "--seed", "2"], extra].concat(),
    );
    learn_baseline(&learn, &base);
    let attack = ["--packets", packets.1, "--seed", "1", "--anomalies"];
    synth(&cap, &[&attack[..], extra].concat());
    let out = dir.join("logs");
    let o = analyze(
        &out,
        &["--baseline", base.to_str().unwrap()],
        std::slice::from_ref(&cap),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let truth = rows(Path::new(&format!("{}.truth.jsonl", cap.display())));
    (rows(&out.join("alert.log")), truth)
}

/// Learn a baseline from one seed's traffic, analyze another seed's with
/// anomalies injected: every line of the truth file is found in
/// alert.log (the rules and baseline deviations each alert folds in).
#[test]
fn every_injected_anomaly_is_detected() {
    let d = tempfile::tempdir().unwrap();
    let (alerts, truth) = learn_then_attack(d.path(), ("150000", "80000"), &[]);
    // (alert, note, what it saw): each deviation an alert folds in, and
    // each rule ("OTWatch::Rule", its sid, rev and msg).
    let mut notices: Vec<(&serde_json::Value, String, String)> = Vec::new();
    for a in &alerts {
        for (note, msg) in folded(a) {
            notices.push((a, note, msg));
        }
        for r in a["rules"].as_array().into_iter().flatten() {
            notices.push((a, "OTWatch::Rule".into(), r.as_str().unwrap().to_string()));
        }
    }
    let kinds: Vec<&str> = truth.iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 7, "{kinds:?}");
    for t in &truth {
        let (src, dst) = (t["src"].as_str().unwrap(), t["dst"].as_str().unwrap());
        let after = t["ts"].as_f64().unwrap();
        let found = |note: &str, msg: &str, to: Option<&str>| {
            notices.iter().any(|(a, n, m)| {
                a["last_ts"].as_f64().unwrap() >= after
                    && a["src"] == src
                    && n == note
                    && m.contains(msg)
                    && to.is_none_or(|d| a["dst"] == d)
            })
        };
        let detected = match t["kind"].as_str().unwrap() {
            "new_device_modbus_identification_sweep" => {
                found("OTWatch::New_Device", "", None)
                    && found("OTWatch::Rule", "Modbus device identification sweep", None)
            }
            "modbus_write_from_hmi" => found(
                "OTWatch::New_Function",
                "WRITE_MULTIPLE_REGISTERS",
                Some(dst),
            ),
            "modbus_umas_stop_plc" => found("OTWatch::Rule", "UMAS STOP_PLC", Some(dst)),
            "modbus_function_scan" => found("OTWatch::Rule", "exception burst", Some(dst)),
            "opcua_new_client" => found("OTWatch::New_Edge", "opcua-binary/4840", Some(dst)),
            "enip_write_tag_from_new_host" => found("OTWatch::New_Edge", "/44818", Some(dst)),
            "port_scan" => {
                notices
                    .iter()
                    .filter(|(a, n, m)| {
                        a["src"] == src && n == "OTWatch::New_Edge" && m.contains("tcp/")
                    })
                    .count()
                    >= 90
            }
            k => panic!("a kind this test does not know: {k}"),
        };
        assert!(detected, "not detected: {t}");
    }
}

/// `--devices N` writes a plant of about N devices: the sensor's inventory
/// of its traffic holds them (the IT hosts that did not speak yet aside).
#[test]
fn the_plant_scales_to_a_thousand_devices() {
    let d = tempfile::tempdir().unwrap();
    let cap = d.path().join("big.pcap");
    synth(&cap, &["--devices", "1000", "--packets", "300000"]);
    let out = d.path().join("logs");
    let o = analyze(&out, &["--no-rules"], std::slice::from_ref(&cap));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let devices = std::fs::read_to_string(out.join("known_devices.log"))
        .unwrap()
        .lines()
        .count();
    assert!((850..=1020).contains(&devices), "{devices} devices");
    // A kind set exactly: 40 HMIs, whatever --devices says.
    let small = d.path().join("small.pcap");
    synth(
        &small,
        &["--devices", "10", "--hmis", "40", "--packets", "20000"],
    );
    let out = d.path().join("small");
    assert!(analyze(&out, &["--no-rules"], &[small]).status.success());
    let hmis = std::fs::read_to_string(out.join("known_devices.log"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"ip\":\"10.10.2."))
        .count();
    assert_eq!(hmis, 40);
}
