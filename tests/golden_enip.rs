//! Golden tests: otwatch's EtherNet/IP and CIP logs against CISA
//! ICSNPP-enip's for the same captures (../shared/corpus/icsnpp-enip),
//! compared as the corpus README says: every column but `ts`, `uid` and the
//! random `packet_correlation_id` (which the reference tests cut), row by
//! row in file order, with the same uid grouping.

mod common;

use common::*;

fn columns(tail: &[&'static str]) -> Vec<&'static str> {
    MESSAGE_HEAD
        .iter()
        .copied()
        .chain(tail.iter().copied())
        .collect()
}

fn enip_columns() -> Vec<&'static str> {
    columns(&[
        "enip_command_code",
        "enip_command",
        "length",
        "session_handle",
        "enip_status",
        "sender_context",
        "options",
    ])
}

fn cip_columns() -> Vec<&'static str> {
    columns(&[
        "cip_sequence_count",
        "direction",
        "cip_service_code",
        "cip_service",
        "cip_status_code",
        "cip_status",
        "cip_extended_status_code",
        "cip_extended_status",
        "class_id",
        "class_name",
        "instance_id",
        "attribute_id",
    ])
}

#[test]
fn icsnpp_enip_basic() {
    // Every I/O datagram, as the reference logs them (otwatch's default
    // rate-limits cip_io.log; see below).
    let d = tempfile::tempdir().unwrap();
    let out = analyze(
        d.path(),
        &["--log-format", "tsv", "--cip-io-interval", "0"],
        &[pcap("enip_cip_example.pcap")],
    );
    assert!(out.status.success());
    let g = "enip_cip_example";
    let mut n = compare(
        "enip.log",
        &ours(d.path(), "enip"),
        &reference(g, "enip", Some(&enip_columns())),
    );
    n += compare(
        "cip.log",
        &ours(d.path(), "cip"),
        &reference(g, "cip", Some(&cip_columns())),
    );
    let io = columns(&["connection_id", "sequence_number", "data_length", "io_data"]);
    n += compare(
        "cip_io.log",
        &ours(d.path(), "cip_io"),
        &reference(g, "cip_io", Some(&io)),
    );
    let identity = columns(&[
        "encapsulation_version",
        "socket_address",
        "socket_port",
        "vendor_id",
        "vendor_name",
        "device_type_id",
        "device_type_name",
        "product_code",
        "revision",
        "device_status",
        "serial_number",
        "product_name",
        "device_state",
    ]);
    n += compare(
        "cip_identity.log",
        &ours(d.path(), "cip_identity"),
        &reference(g, "cip_identity", Some(&identity)),
    );
    assert_eq!(n, 269 + 1158 + 398 + 1);
    // The identity the List Identity reply reveals.
    let id = &ours(d.path(), "cip_identity")[0];
    assert_eq!(id["vendor_name"], "Rockwell Automation/Allen-Bradley");
    assert_eq!(id["product_name"], "1756-ENBT/A");
    // conn.log service: enip on TCP, cip on the UDP I/O connection.
    let conns = ours(d.path(), "conn");
    let svc = |p: &str| {
        conns
            .iter()
            .filter(|c| c["proto"] == p)
            .map(|c| c["service"].clone())
            .collect::<Vec<_>>()
    };
    assert!(svc("tcp").iter().any(|s| s == "enip"));
    assert!(svc("udp").iter().any(|s| s == "cip"));
}

#[test]
fn icsnpp_enip_multiple_service_request() {
    let d = run_tsv("multiple_service_packet_cip.pcapng");
    let g = "multiple_service_packet_cip";
    let n = compare(
        "enip.log",
        &ours(d.path(), "enip"),
        &reference(g, "enip", Some(&enip_columns())),
    ) + compare(
        "cip.log",
        &ours(d.path(), "cip"),
        &reference(g, "cip", Some(&cip_columns())),
    );
    assert_eq!(n, 1 + 12);
}

#[test]
fn icsnpp_enip_set_attribute_single() {
    let d = run_tsv("set_attribute_single_service_cip.pcapng");
    let g = "set_attribute_single_service_cip";
    let n = compare(
        "enip.log",
        &ours(d.path(), "enip"),
        &reference(g, "enip", Some(&enip_columns())),
    ) + compare(
        "cip.log",
        &ours(d.path(), "cip"),
        &reference(g, "cip", Some(&cip_columns())),
    );
    assert_eq!(n, 2);
}

#[test]
fn cip_io_is_rate_limited_by_default() {
    // Deliberate difference: one row per I/O connection id and direction
    // per minute unless --cip-io-interval says otherwise.
    let d = run_tsv("enip_cip_example.pcap");
    let rows = ours(d.path(), "cip_io");
    // The capture lasts less than a minute: one row per I/O connection id
    // and direction (12 each way) instead of 398.
    let mut keys: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r["connection_id"].clone(), r["is_orig"].clone()))
        .collect();
    assert_eq!(keys.len(), 24);
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 24);
    let j = tempfile::tempdir().unwrap();
    assert!(analyze(j.path(), &[], &[pcap("enip_cip_example.pcap")])
        .status
        .success());
    let stats = read_json_log(&j.path().join("otwatch_stats.log"));
    assert_eq!(stats[0]["rows_rate_limited"], 398 - 24);
}
