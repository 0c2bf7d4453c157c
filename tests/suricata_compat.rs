//! otwatch's per-sid match counts against Suricata's own on every bundled
//! capture: `tests/suricata/rules/` run by Suricata (`tests/suricata/run.sh`,
//! version and commands in `tests/suricata/README.md`) gave the golden
//! counts in `tests/suricata/golden/<capture>.counts` ("sid count", or "sid
//! refused" for a rule Suricata would not load); otwatch runs the same rule
//! folder with no suppression window and no baseline, and every sid must
//! count the same. A failure lists every sid that differs on every capture,
//! with otwatch's reason when it skipped the rule.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where otwatch deliberately differs from the Suricata that made the golden
/// files: (sid, why, otwatch's count on a capture). README.md lists them.
type Expect = fn(&str) -> u64;
const DELIBERATE: &[(u32, &str, Expect)] = &[
    (
        9103075,
        "flowbits toggle: Suricata 9 refuses it (removed in 9.0), otwatch keeps \
         Suricata 7/8's toggle; the rule is noalert",
        |_| 0,
    ),
    (
        9103076,
        "flowbits toggle: Suricata 9 refuses the rule that toggles the bit, so \
         this isset never holds there; with Suricata 7/8's toggle, Write File \
         Record (21) follows the toggled Read File Record (20) once",
        |capture| u64::from(capture == "modbus_example.pcap"),
    ),
];

/// Suricata's count of a sid: a number, or refused to load.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Golden {
    Count(u64),
    Refused,
}

fn golden_dir() -> PathBuf {
    repo().join("tests/suricata/golden")
}

fn read_golden(path: &Path) -> BTreeMap<u32, Golden> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (sid, n) = l.split_once(' ').expect("sid count");
            let n = match n {
                "refused" => Golden::Refused,
                n => Golden::Count(n.parse().expect("a count")),
            };
            (sid.parse().expect("a sid"), n)
        })
        .collect()
}

/// The capture a golden file is for (pcaps/ or pcaps/attacks/).
fn capture(name: &str) -> PathBuf {
    let top = pcap(name);
    if top.exists() {
        top
    } else {
        pcap(&format!("attacks/{name}"))
    }
}

/// Whether this otwatch writes an EVE alert log (`--eve FILE`).
fn has_eve() -> bool {
    let o = otwatch().args(["analyze", "--help"]).output().unwrap();
    String::from_utf8_lossy(&o.stdout).contains("--eve")
}

/// otwatch's matches per sid on one capture, and the rules it skipped (sid
/// → its message). With `--eve`, one EVE alert per rule match (Suricata's
/// counting); without it, the alerts of alert.log each rule took part in
/// (one alert per action, listing every rule that matched it).
fn otwatch_counts(cap: &Path, eve: bool) -> (BTreeMap<u32, u64>, BTreeMap<u32, String>) {
    let dir = tempfile::tempdir().unwrap();
    let rules = repo().join("tests/suricata/rules");
    let eve_path = dir.path().join("eve.json");
    let mut args = vec![
        "--rules",
        rules.to_str().unwrap(),
        "--alert-window",
        "0",
        "--threads",
        "1",
    ];
    if eve {
        args.extend(["--eve", eve_path.to_str().unwrap()]);
    }
    let out = analyze(dir.path(), &args, &[cap.to_path_buf()]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{}: {stderr}", cap.display());
    let mut skipped = BTreeMap::new();
    for line in stderr.lines() {
        if let Some(rest) = line.split_once(" sid ").map(|(_, r)| r) {
            if let Some((sid, why)) = rest.split_once(": ") {
                if let Ok(sid) = sid.parse() {
                    skipped.insert(sid, why.to_string());
                }
            }
        }
    }
    let mut counts = BTreeMap::new();
    if eve {
        if eve_path.exists() {
            for e in read_json_log(&eve_path) {
                if e["event_type"] == "alert" {
                    let sid = e["alert"]["signature_id"].as_u64().unwrap() as u32;
                    *counts.entry(sid).or_default() += 1;
                }
            }
        }
    } else {
        let alerts = dir.path().join("alert.log");
        let alerts: Vec<Value> = if alerts.exists() {
            read_json_log(&alerts)
        } else {
            Vec::new()
        };
        for a in &alerts {
            for sid in rule_sids(a) {
                *counts.entry(sid as u32).or_default() += 1;
            }
        }
    }
    (counts, skipped)
}

#[test]
// Payload keywords (content, pcre, byte_test, ...), flowbits and most
// enip.* keywords are being implemented on other branches: until they land,
// this lists what still differs. The lead removes the ignore then.
#[ignore = "payload and enip.* keywords not in otwatch yet (issue 21)"]
fn otwatch_counts_what_suricata_counts() {
    let eve = has_eve();
    let mut files: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "counts"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no golden counts");
    let mut diffs = Vec::new();
    let mut refused_by_otwatch: BTreeMap<u32, String> = BTreeMap::new();
    let mut compared = 0;
    for file in &files {
        let name = file.file_stem().unwrap().to_str().unwrap().to_string();
        let golden = read_golden(file);
        let (counts, skipped) = otwatch_counts(&capture(&name), eve);
        refused_by_otwatch.extend(skipped.clone());
        for (sid, want) in &golden {
            let got = counts.get(sid).copied().unwrap_or(0);
            let (want, note) = match DELIBERATE.iter().find(|d| d.0 == *sid) {
                Some((_, why, f)) => (f(&name), format!(" (deliberate: {why})")),
                None => match want {
                    Golden::Count(n) => (*n, String::new()),
                    Golden::Refused => (0, " (Suricata refuses the rule)".to_string()),
                },
            };
            compared += 1;
            if got != want {
                let why = skipped
                    .get(sid)
                    .map(|w| format!("; otwatch skipped it: {w}"))
                    .unwrap_or_default();
                diffs.push(format!(
                    "{name} sid {sid}: suricata {want}, otwatch {got}{note}{why}"
                ));
            }
        }
        for (sid, n) in &counts {
            if !golden.contains_key(sid) {
                diffs.push(format!(
                    "{name} sid {sid}: not in the golden file, otwatch {n}"
                ));
            }
        }
    }
    assert!(
        diffs.is_empty(),
        "{} of {compared} counts differ ({} capture(s); otwatch counted from {}):\n{}",
        diffs.len(),
        files.len(),
        if eve { "eve.json" } else { "alert.log" },
        diffs.join("\n")
    );
}

#[test]
fn golden_files_cover_every_rule() {
    // Every rule of the folder has a line in every golden file, so a rule
    // added without running run.sh again fails here.
    let mut sids = Vec::new();
    for e in std::fs::read_dir(repo().join("tests/suricata/rules")).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for line in text.lines().filter(|l| l.starts_with("alert ")) {
            let sid = line
                .split(';')
                .map(str::trim)
                .find_map(|o| o.strip_prefix("sid:"))
                .expect("a sid");
            sids.push(sid.trim().parse::<u32>().unwrap());
        }
    }
    sids.sort();
    for e in std::fs::read_dir(golden_dir()).unwrap() {
        let path = e.unwrap().path();
        let golden: Vec<u32> = read_golden(&path).into_keys().collect();
        assert_eq!(golden, sids, "{}", path.display());
        let name = path.file_stem().unwrap().to_str().unwrap();
        assert!(capture(name).exists(), "{name}: no such capture");
    }
}
