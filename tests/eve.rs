//! `--eve FILE`: Suricata eve.json `alert` records, one per rule match,
//! end to end on the bundled captures: the records' fields and types are
//! Suricata's, each rule match the engine hands on is exactly one record
//! (otwatch_stats.log's `rule_matches`, the sids alert.log lists), `flow_id` is one
//! per connection, the output does not depend on the thread count, and a
//! file that cannot be written fails the run naming it.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The captures with rule matches under the built-in pack.
fn captures() -> Vec<PathBuf> {
    [
        "attacks/attack-new-client.pcap",
        "attacks/attack-known-hmi.pcap",
        "plant-anomalies.pcap",
        "4SICS-GeekLounge-151022-min.pcap",
        "enip_cip_example.pcap",
    ]
    .iter()
    .map(|p| pcap(p))
    .collect()
}

/// Runs analyze with `--eve`; the eve records, alert.log and otwatch_stats.log.
fn run(capture: &Path, extra: &[&str]) -> (Vec<Value>, Vec<Value>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("logs");
    let eve = dir.path().join("eve.json");
    let mut args = vec!["--eve", eve.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = analyze(&out, &args, &[capture.to_path_buf()]);
    assert!(
        o.status.success(),
        "{}: {}",
        capture.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let alerts = if out.join("alert.log").exists() {
        read_json_log(&out.join("alert.log"))
    } else {
        Vec::new()
    };
    let stats = read_json_log(&out.join("otwatch_stats.log")).pop().unwrap();
    (read_json_log(&eve), alerts, stats)
}

/// `2026-01-01T00:00:00.000000+0000`.
fn suricata_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() == 31
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..26)
        && &s[26..] == "+0000"
}

fn sid_counts<'a>(sids: impl Iterator<Item = u64> + 'a) -> BTreeMap<u64, u64> {
    let mut m = BTreeMap::new();
    for s in sids {
        *m.entry(s).or_default() += 1;
    }
    m
}

fn eve_sids(eve: &[Value]) -> BTreeMap<u64, u64> {
    sid_counts(
        eve.iter()
            .map(|r| r["alert"]["signature_id"].as_u64().unwrap()),
    )
}

/// A record's connection, either way round.
fn five_tuple(r: &Value) -> (String, String, String) {
    let a = format!("{}:{}", r["src_ip"], r["src_port"]);
    let b = format!("{}:{}", r["dest_ip"], r["dest_port"]);
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    (lo, hi, r["proto"].to_string())
}

#[test]
fn each_rule_match_is_one_suricata_alert_record() {
    let mut flows_with_several = 0;
    for capture in captures() {
        let name = capture.display().to_string();
        let (eve, alerts, stats) = run(&capture, &[]);
        assert!(!eve.is_empty(), "{name}: no eve record");

        // Every match the engine handed on is one record (no baseline
        // here: none is learned away)...
        assert_eq!(
            eve.len() as u64,
            stats["rule_matches"].as_u64().unwrap(),
            "{name}: eve records and otwatch_stats.log rule_matches"
        );
        // ... and each rule an alert lists is one record with its sid
        // (an alert lists a rule once; the alert window keeps one action
        // from matching a rule twice).
        let listed = sid_counts(alerts.iter().flat_map(rule_sids));
        assert_eq!(eve_sids(&eve), listed, "{name}: sids of eve and alert.log");

        for r in &eve {
            assert_eq!(r["event_type"], "alert", "{name}: {r}");
            let ts = r["timestamp"].as_str().unwrap();
            assert!(suricata_time(ts), "{name}: timestamp {ts}");
            assert!(r["src_ip"].is_string() && r["dest_ip"].is_string(), "{r}");
            assert!(r["flow_id"].as_u64().is_some_and(|f| f > 0 && f < 1 << 51));
            assert!(matches!(r["proto"].as_str(), Some("TCP" | "UDP")), "{r}");
            assert!(r["ip_v"].is_u64(), "{r}");
            if r.get("src_port").is_some() {
                assert!(r["src_port"].is_u64() && r["dest_port"].is_u64(), "{r}");
            }
            let a = &r["alert"];
            assert_eq!(a["action"], "allowed");
            assert_eq!(a["gid"], 1);
            for k in ["signature_id", "rev", "severity"] {
                assert!(a[k].is_u64(), "{name}: alert.{k} in {r}");
            }
            assert!((1..=4).contains(&a["severity"].as_u64().unwrap()));
            assert!(a["signature"].as_str().is_some_and(|s| !s.is_empty()));
            assert!(a["category"].is_string(), "{r}");
            // The protocol object app_proto names, when there is one.
            if let Some(app) = r["app_proto"].as_str() {
                assert!(matches!(app, "modbus" | "enip" | "opcua"), "{r}");
            }
            for p in ["modbus", "enip", "opcua"] {
                if r.get(p).is_some() {
                    assert_eq!(r["app_proto"], p, "{r}");
                }
            }
        }

        // One flow_id per connection, and one connection per flow_id.
        let mut ids: BTreeMap<_, BTreeSet<u64>> = BTreeMap::new();
        let mut tuples: BTreeMap<u64, BTreeSet<_>> = BTreeMap::new();
        for r in eve.iter().filter(|r| r.get("src_port").is_some()) {
            let f = r["flow_id"].as_u64().unwrap();
            ids.entry(five_tuple(r)).or_default().insert(f);
            tuples.entry(f).or_default().insert(five_tuple(r));
        }
        for (t, f) in &ids {
            assert_eq!(f.len(), 1, "{name}: {t:?} has flow ids {f:?}");
        }
        for (f, t) in &tuples {
            assert_eq!(t.len(), 1, "{name}: flow id {f} on {t:?}");
        }
        flows_with_several += eve
            .iter()
            .filter_map(|r| r["flow_id"].as_u64())
            .fold(BTreeMap::<u64, u32>::new(), |mut m, f| {
                *m.entry(f).or_default() += 1;
                m
            })
            .values()
            .filter(|n| **n > 1)
            .count();
    }
    assert!(flows_with_several > 0, "no connection with two records");
}

/// The attacker's Modbus write carries Suricata's `modbus` object, its
/// CIP tag write the `enip` one.
#[test]
fn a_modbus_write_carries_the_request() {
    let (eve, _, _) = run(&pcap("attacks/attack-new-client.pcap"), &[]);
    let r = eve
        .iter()
        .find(|r| r["modbus"]["request"]["function_raw"] == 5)
        .unwrap_or_else(|| panic!("no FC 5 record: {eve:#?}"));
    assert_eq!(r["app_proto"], "modbus");
    assert_eq!(r["src_ip"], "127.0.1.200");
    assert_eq!(r["dest_port"], 502);
    assert_eq!(r["direction"], "to_server");
    let q = &r["modbus"]["request"];
    assert_eq!(q["unit_id"], 1);
    assert_eq!(q["function_code"], "WRITE_SINGLE_COIL");
    assert_eq!(q["write"]["address"], 3);
    assert_eq!(q["write"]["quantity"], 1);
    let cip = eve
        .iter()
        .find(|r| r["enip"]["request"]["cip"].is_object())
        .expect("a CIP record");
    assert_eq!(cip["app_proto"], "enip");
    let c = &cip["enip"]["request"]["cip"];
    assert_eq!(c["service_raw"], 0x4D);
    assert_eq!(c["tag"], "Oven_Setpoint");
    assert_ne!(c["service"], "unknown", "{c}");
}

/// With a baseline, the matches it learned are not alerted: the records
/// are the matches the engine handed on less those.
#[test]
fn matches_the_baseline_learned_are_not_records() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    learn_baseline(&pcap("attacks/learn.pcap"), &baseline);
    for capture in ["attacks/attack-known-hmi.pcap", "attacks/learn.pcap"] {
        let out = dir.path().join("logs");
        let eve = dir.path().join("eve.json");
        let o = otwatch()
            .arg("analyze")
            .arg("--no-progress")
            .arg("--out")
            .arg(&out)
            .arg("--baseline")
            .arg(&baseline)
            .arg("--eve")
            .arg(&eve)
            .arg(pcap(capture))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{err}");
        // "rules: N loaded, ... M matches (..., K learned by the baseline)"
        let line = err.lines().find(|l| l.contains(" matches (")).unwrap();
        let number_before = |word: &str| -> u64 {
            let at = line.find(word).unwrap();
            line[..at]
                .split(|c: char| !c.is_ascii_digit())
                .rfind(|s| !s.is_empty())
                .unwrap()
                .parse()
                .unwrap()
        };
        let (matches, learned) = (
            number_before(" matches ("),
            number_before(" learned by the baseline"),
        );
        let stats = read_json_log(&out.join("otwatch_stats.log")).pop().unwrap();
        assert_eq!(stats["rule_matches"].as_u64(), Some(matches), "{line}");
        let records = read_json_log(&eve);
        assert_eq!(records.len() as u64, matches - learned, "{capture}: {line}");
        let listed: u64 = if out.join("alert.log").exists() {
            read_json_log(&out.join("alert.log"))
                .iter()
                .map(|a| rule_sids(a).len() as u64)
                .sum()
        } else {
            0
        };
        assert_eq!(records.len() as u64, listed, "{capture}");
        std::fs::remove_dir_all(&out).unwrap();
    }
}

/// The same input gives the same eve.json, whatever the thread count.
#[test]
fn eve_is_deterministic() {
    let capture = pcap("attacks/attack-new-client.pcap");
    let one = run(&capture, &["--threads", "1"]).0;
    let four = run(&capture, &["--threads", "4"]).0;
    assert_eq!(one, four);
}

/// A file in a directory that is not there is refused before the run,
/// naming the file; from the configuration file too (`eve` key), where
/// the flag wins.
#[test]
fn a_file_in_a_missing_directory_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("no-such-dir").join("eve.json");
    let o = analyze(
        &dir.path().join("logs"),
        &["--eve", bad.to_str().unwrap()],
        &[pcap("modbusSmall.pcap")],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("--eve") && err.contains(bad.to_str().unwrap()),
        "{err}"
    );

    let config = dir.path().join("otwatch.toml");
    std::fs::write(&config, format!("eve = {:?}\n", bad.to_str().unwrap())).unwrap();
    let o = analyze(
        &dir.path().join("logs"),
        &["--config", config.to_str().unwrap()],
        &[pcap("modbusSmall.pcap")],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("otwatch.toml:1: eve") && err.contains(bad.to_str().unwrap()),
        "{err}"
    );
    let good = dir.path().join("eve.json");
    let o = analyze(
        &dir.path().join("logs"),
        &[
            "--config",
            config.to_str().unwrap(),
            "--eve",
            good.to_str().unwrap(),
        ],
        &[pcap("attacks/attack-new-client.pcap")],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!read_json_log(&good).is_empty());
}

/// A full disk fails the run, naming the file: no record is dropped
/// silently.
#[test]
fn a_full_disk_fails_the_run_naming_the_file() {
    if !Path::new("/dev/full").exists() {
        eprintln!("SKIPPED: no /dev/full here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let o = analyze(
        &dir.path().join("logs"),
        &["--eve", "/dev/full"],
        &[pcap("attacks/attack-new-client.pcap")],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("cannot write /dev/full"), "{err}");
}

/// S7 rule matches carry an `s7comm` object (otwatch's own: Suricata has
/// no S7 parser): the Job's function, or the Userdata request's group and
/// subfunction, and a PLC Control's PI service.
#[test]
fn s7_matches_name_their_request() {
    let (eve, _, _) = run(&pcap("snap7.pcap"), &[]);
    let by_sid = |sid: u64| {
        eve.iter()
            .find(|r| r["alert"]["signature_id"] == sid)
            .unwrap_or_else(|| panic!("no record of {sid}: {eve:#?}"))
    };
    let stop = by_sid(9000601);
    assert_eq!(stop["app_proto"], "s7comm");
    assert_eq!(
        stop["s7comm"],
        serde_json::json!({"request": {"function": "PLC Stop", "function_raw": 41}})
    );
    assert_eq!(
        by_sid(9000602)["s7comm"]["request"]["pi_service"],
        "P_PROGRAM"
    );
    assert_eq!(
        by_sid(9000607)["s7comm"]["request"]["userdata_subfunction"],
        "Read SZL"
    );
    assert!(eve
        .iter()
        .all(|r| r.get("modbus").is_none() && r.get("enip").is_none()));
}
