//! Golden tests: otwatch's Modbus logs against the reference analyzers'
//! (Zeek's base/protocols/modbus and CISA ICSNPP-modbus) for the same
//! captures, compared as ../shared/corpus/README.md says: every column but
//! `ts`, `uid` and the random `*_link_id`s, row by row in file order; the
//! uid grouping must be the same (rows sharing a uid in the reference share
//! one in ours, and only those); link ids must tie the same rows together.

mod common;

use common::*;

#[test]
fn zeek_modbus_and_non_modbus_on_port_502() {
    let d = run_tsv("modbus-and-non-modbus-p502.pcap");
    let n = compare(
        "p502 modbus.log",
        &ours(d.path(), "modbus"),
        &reference("modbus-and-non-modbus-p502", "modbus", None),
    );
    assert_eq!(n, 12);
    // Only the Modbus connection is named so in conn.log.
    let conns = ours(d.path(), "conn");
    let modbus: Vec<_> = conns.iter().filter(|r| r["service"] == "modbus").collect();
    assert_eq!(modbus.len(), 1);
    assert_eq!(modbus[0]["id.orig_h"], "10.0.0.9");
}

#[test]
fn zeek_exception_handling_fuzz_72() {
    // Deliberate difference (README, "How close to Zeek"): after a gap in
    // a direction's stream, otwatch drops the broken ADU and resumes at the
    // next plausible MBAP header, where Zeek keeps filling the broken ADU
    // with the bytes after the gap. On this fuzzed capture (sequence
    // numbers mangled, so the reassembler reports gaps) that recovers five
    // PDUs Zeek swallows. Every reference row is there, in order; the rows
    // otwatch adds are exactly these.
    let d = run_tsv("fuzz-72.pcap");
    let all = ours(d.path(), "modbus");
    let added: [(usize, &str); 5] = [
        (8, "ENCAP_INTERFACE_TRANSPORT"),
        (9, "unknown-46"),
        (10, "unknown-47"),
        (13, "unknown-52"),
        (19, "unknown-70"),
    ];
    for (i, func) in added {
        assert_eq!(all[i]["func"], func, "row {i}");
        assert_eq!(all[i]["pdu_type"], "REQ", "row {i}");
    }
    let kept: Vec<_> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| !added.iter().any(|(a, _)| a == i))
        .map(|(_, r)| r.clone())
        .collect();
    let n = compare(
        "fuzz-72 modbus.log",
        &kept,
        &reference("fuzz-72", "modbus", None),
    );
    assert_eq!(n, 15);
}

#[test]
fn zeek_register_parsing_fuzz_1011() {
    let d = run_tsv("fuzz-1011.pcap");
    let n = compare(
        "fuzz-1011 modbus.log",
        &ours(d.path(), "modbus"),
        &reference("fuzz-1011", "modbus", None),
    );
    assert_eq!(n, 5);
}

const ICSNPP_MODBUS_COLUMNS: [&str; 8] = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "func",
    "exception",
];

#[test]
fn icsnpp_modbus_basic() {
    let d = run_tsv("modbus_example.pcap");
    // modbus.log: the test kept response rows only.
    let responses: Vec<_> = ours(d.path(), "modbus")
        .into_iter()
        .filter(|r| r["pdu_type"] == "RESP")
        .collect();
    let mut total = compare(
        "icsnpp modbus.log",
        &responses,
        &reference("modbus_example", "modbus", Some(&ICSNPP_MODBUS_COLUMNS)),
    );
    let detailed = ours(d.path(), "modbus_detailed");
    total += compare(
        "modbus_detailed.log",
        &detailed,
        &reference("modbus_example", "modbus_detailed", None),
    );
    for log in [
        "modbus_mask_write_register",
        "modbus_read_write_multiple_registers",
    ] {
        let rows = ours(d.path(), log);
        total += compare(log, &rows, &reference("modbus_example", log, None));
        // Each row links to exactly one modbus_detailed row with its tid.
        for r in &rows {
            let link = &r["modbus_detailed_link_id"];
            let hits: Vec<_> = detailed
                .iter()
                .filter(|x| &x["modbus_detailed_link_id"] == link)
                .collect();
            assert_eq!(hits.len(), 1, "{log}: link {link}");
            assert_eq!(hits[0]["tid"], r["tid"]);
        }
    }
    assert_eq!(total, 24 + 26 + 4 + 4);
    // Both connections are named modbus in conn.log, as in the reference.
    let conns = ours(d.path(), "conn");
    assert_eq!(conns.len(), 2);
    assert!(conns.iter().all(|c| c["service"] == "modbus"));
    // The device identification the reference logs but does not keep.
    let dev = ours(d.path(), "modbus_read_device_identification");
    let values: Vec<(&str, &str)> = dev
        .iter()
        .map(|r| (r["object_id"].as_str(), r["object_value"].as_str()))
        .collect();
    assert_eq!(
        values,
        vec![
            ("Basic Device Identification", "-"),
            ("VendorName", "Zeek Modbus Test"),
            ("ProductCode", "Protocol Parsing is fun!"),
            ("MajorMinorVersion", "1.2.3.6"),
        ]
    );
    assert!(dev
        .iter()
        .skip(1)
        .all(|r| r["conformity_level"] == "Extended Identification (Stream, Individual)"));
    let link = &dev[0]["modbus_detailed_link_id"];
    assert!(dev.iter().all(|r| &r["modbus_detailed_link_id"] == link));
    assert_eq!(
        detailed
            .iter()
            .filter(|r| &r["modbus_detailed_link_id"] == link)
            .count(),
        1
    );
}
