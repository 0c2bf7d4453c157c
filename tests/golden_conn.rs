//! Golden tests: otwatch's conn.log against the reference analyzers' conn.log
//! for the same captures (Zeek for modbus-and-non-modbus-p502; the older
//! Zeek of the CISA ICSNPP suites for the others). Compared on every column
//! both logs have except `ts` and `uid` (run-specific) and `service` (filled
//! by the protocol analyzers). Zeek writes rows in removal order and flushes
//! the rest in hash order, so rows are compared as sorted multisets.

mod common;

use common::*;
use std::collections::BTreeMap;

const SKIP: [&str; 3] = ["ts", "uid", "service"];

fn compare(trace: &str, golden: &str) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let out = analyze(dir.path(), &["--log-format", "tsv"], &[pcap(trace)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = ZeekLog::read(&dir.path().join("conn.log"));
    let reference = ZeekLog::read(&repo().join("tests/golden").join(golden).join("conn.log"));
    let cols: Vec<&String> = reference
        .fields
        .iter()
        .filter(|f| !SKIP.contains(&f.as_str()))
        .collect();
    for c in &cols {
        assert!(
            ours.fields.contains(c),
            "{trace}: our conn.log lacks column {c}"
        );
    }
    let project = |recs: Vec<BTreeMap<String, String>>| {
        let mut rows: Vec<Vec<String>> = recs
            .into_iter()
            .map(|r| {
                cols.iter()
                    .map(|c| format!("{c}={}", r[c.as_str()]))
                    .collect()
            })
            .collect();
        rows.sort();
        rows
    };
    let ours = project(ours.records());
    let theirs = project(reference.records());
    assert_eq!(ours, theirs, "{trace}: conn.log differs from the reference");
    theirs.len()
}

#[test]
fn zeek_modbus_and_non_modbus_on_port_502() {
    // Includes the 4-tuple Zeek splits in two after a reset (RSTO ShR, then RSTRH Dr).
    assert_eq!(
        compare(
            "modbus-and-non-modbus-p502.pcap",
            "modbus-and-non-modbus-p502"
        ),
        8
    );
}

#[test]
fn icsnpp_modbus_example() {
    assert_eq!(compare("modbus_example.pcap", "modbus_example"), 2);
}

#[test]
fn icsnpp_enip_example() {
    // A mid-stream TCP connection (OTH ADad), RSTR, S1 with a repeated
    // SYN-ACK, and cyclic UDP I/O.
    assert_eq!(compare("enip_cip_example.pcap", "enip_cip_example"), 4);
}

#[test]
fn icsnpp_opcua_mainloop_over_ipv6() {
    assert_eq!(
        compare(
            "open62541_client-server_mainloop.pcap",
            "open62541_client-server_mainloop"
        ),
        4
    );
}

#[test]
fn json_and_tsv_carry_the_same_values() {
    let tsv = tempfile::tempdir().unwrap();
    let json = tempfile::tempdir().unwrap();
    let trace = pcap("enip_cip_example.pcap");
    assert!(analyze(
        tsv.path(),
        &["--log-format", "tsv"],
        std::slice::from_ref(&trace)
    )
    .status
    .success());
    assert!(analyze(json.path(), &[], &[trace]).status.success());
    let t = ZeekLog::read(&tsv.path().join("conn.log")).records();
    let j = read_json_log(&json.path().join("conn.log"));
    assert_eq!(t.len(), j.len());
    for (tr, jr) in t.iter().zip(&j) {
        let obj = jr.as_object().unwrap();
        for (k, v) in tr {
            match obj.get(k) {
                // Unset fields are left out of JSON.
                None => assert_eq!(v, "-", "{k} missing from JSON but set in TSV"),
                Some(serde_json::Value::String(s)) => assert_eq!(s, v, "{k}"),
                Some(serde_json::Value::Bool(b)) => {
                    assert_eq!(if *b { "T" } else { "F" }, v, "{k}")
                }
                Some(serde_json::Value::Number(n)) => {
                    let a: f64 = v.parse().unwrap();
                    assert!((n.as_f64().unwrap() - a).abs() < 1e-6, "{k}: {n} vs {v}");
                }
                Some(other) => panic!("{k}: unexpected JSON value {other}"),
            }
        }
        assert!(obj.contains_key("id.orig_h"));
    }
}
