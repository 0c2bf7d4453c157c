//! Golden tests: otwatch's `profinet_io_cm.log` against CISA
//! ICSNPP-profinet-io-cm's expected logs for its ten test traces
//! (cisagov/icsnpp-profinet-io-cm 6e4c6db, `testing/baseline/`): every
//! column the reference tests keep (all but `ts` and `uid`), row by row in
//! file order. The reference's baselines are `zeek-cut` output, without a
//! header: their columns are the log's, in order, from `id.orig_h` on.

mod common;

use common::*;

const TRACES: [(&str, &str, usize); 10] = [
    ("profinet_io_cm", "profinet_io_cm.pcap", 950),
    (
        "profinet_io_cm_connect",
        "profinet_io_cm_connect.pcapng",
        328,
    ),
    (
        "profinet_io_cm_connect_minimal",
        "profinet_io_cm_connect_minimal.pcapng",
        2,
    ),
    (
        "profinet_io_cm_control",
        "profinet_io_cm_control.pcapng",
        289,
    ),
    ("profinet_io_cm_device", "profinet_io_cm_device.pcapng", 10),
    ("profinet_io_cm_mixed_1", "profinet_io_cm_mixed_1.pcap", 38),
    (
        "profinet_io_cm_mixed_2",
        "profinet_io_cm_mixed_2.pcapng",
        12,
    ),
    ("profinet_io_cm_read", "profinet_io_cm_read.pcapng", 18),
    ("profinet_io_cm_release", "profinet_io_cm_release.pcapng", 6),
    ("profinet_io_cm_write", "profinet_io_cm_write.pcapng", 308),
];

/// The log's columns after `ts` and `uid`, as the reference's `zeek-cut`
/// keeps them.
fn columns() -> Vec<String> {
    let d = tempfile::tempdir().unwrap();
    let out = analyze(
        d.path(),
        &["--log-format", "tsv"],
        &[pcap("profinet_io_cm_connect_minimal.pcapng")],
    );
    assert!(out.status.success());
    let text = std::fs::read_to_string(d.path().join("profinet_io_cm.log")).unwrap();
    let fields = text
        .lines()
        .find_map(|l| l.strip_prefix("#fields\t"))
        .unwrap()
        .split('\t')
        .skip(2)
        .map(str::to_string)
        .collect::<Vec<String>>();
    assert_eq!(fields.len(), 45);
    assert_eq!(fields[0], "id.orig_h");
    assert_eq!(fields[44], "array_of_sel_ack");
    fields
}

#[test]
fn icsnpp_profinet_io_cm_traces() {
    let columns = columns();
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut total = 0;
    for (golden, trace, rows) in TRACES {
        let d = run_tsv(trace);
        let theirs = reference(golden, "profinet_io_cm", Some(&columns));
        assert_eq!(theirs.len(), rows, "{golden}");
        total += compare(
            &format!("{golden}/profinet_io_cm.log"),
            &ours(d.path(), "profinet_io_cm"),
            &theirs,
        );
    }
    assert_eq!(total, 1961);
}

/// The UDP flows PNIO-CM runs on are named in conn.log, whatever their
/// ports; other UDP traffic of the mixed captures is not.
#[test]
fn pnio_cm_flows_have_their_service() {
    let d = run_tsv("profinet_io_cm_mixed_1.pcap");
    let conns = ours(d.path(), "conn");
    let pn: Vec<_> = conns
        .iter()
        .filter(|c| c["service"] == "profinet_io_cm")
        .collect();
    assert_eq!(pn.len(), 8, "{pn:#?}");
    assert!(conns
        .iter()
        .any(|c| c["service"] != "profinet_io_cm" && c["proto"] == "udp"));
}
