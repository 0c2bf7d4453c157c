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

/// `profinet_dcp.log` (ours; ICSNPP has no DCP log) against tshark's DCP
/// dissector on every DCP frame of the bundled traces: addresses, service,
/// transaction id and the device facts of the blocks.
#[test]
fn profinet_dcp_rows_agree_with_tshark() {
    let fields = [
        "eth.src",
        "eth.dst",
        "pn_dcp.service_id",
        "pn_dcp.service_type",
        "pn_dcp.xid",
        "pn_dcp.suboption_device_nameofstation",
        "pn_dcp.suboption_ip_ip",
        "pn_dcp.suboption_vendor_id",
        "pn_dcp.suboption_device_id",
        "pn_dcp.suboption_device_role",
    ];
    let mut compared = 0;
    for trace in [
        "profinet_io_cm_mixed_1.pcap",
        "profinet_io_cm_mixed_2.pcapng",
    ] {
        let mut args = vec!["-n", "-Y", "pn_dcp", "-T", "fields", "-E", "occurrence=f"];
        for f in fields {
            args.extend(["-e", f]);
        }
        let o = std::process::Command::new("tshark")
            .arg("-r")
            .arg(pcap(trace))
            .args(&args)
            .output()
            .expect("tshark (make test-deps installs it)");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let theirs: Vec<Vec<String>> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect();
        let dir = run_tsv(trace);
        let rows = ours(dir.path(), "profinet_dcp");
        assert_eq!(rows.len(), theirs.len(), "{trace}: DCP frames");
        for (i, (r, t)) in rows.iter().zip(&theirs).enumerate() {
            let unset = |v: &str| {
                if v == "-" {
                    String::new()
                } else {
                    v.to_string()
                }
            };
            let service = match t[2].as_str() {
                "3" => "Get",
                "4" => "Set",
                "5" => "Identify",
                "6" => "Hello",
                other => panic!("{trace} frame {i}: service {other}"),
            };
            let role = match t[9].as_str() {
                "" => String::new(),
                "0x01" => "IO device".into(),
                "0x02" => "IO controller".into(),
                other => panic!("{trace} frame {i}: role {other}"),
            };
            let want = [
                t[0].clone(),
                t[1].clone(),
                service.into(),
                if t[3] == "0" {
                    "Request"
                } else {
                    "Response Success"
                }
                .into(),
                t[4].clone(),
                t[5].clone(),
                t[6].clone(),
                t[7].clone(),
                t[8].clone(),
                role,
            ];
            let got = [
                "src_mac",
                "dst_mac",
                "service",
                "service_type",
                "xid",
                "name_of_station",
                "ip",
                "vendor_id",
                "device_id",
                "device_role",
            ]
            .map(|c| unset(&r[c]));
            assert_eq!(got, want, "{trace}: DCP frame {i}");
            compared += 1;
        }
    }
    assert_eq!(compared, 38);
}

/// `profinet_rt.log` (ours) against tshark's PROFINET RT dissector on the
/// cyclic frames of the bundled traces: per stream, the frames, the first
/// and last cycle counter and the last data status.
#[test]
fn profinet_rt_summaries_agree_with_tshark() {
    for trace in [
        "profinet_io_cm_mixed_1.pcap",
        "profinet_io_cm_mixed_2.pcapng",
    ] {
        let o = std::process::Command::new("tshark")
            .arg("-r")
            .arg(pcap(trace))
            .args(["-n", "-Y", "pn_rt.cycle_counter", "-T", "fields"])
            .args(["-e", "eth.src", "-e", "eth.dst", "-e", "pn_rt.frame_id"])
            .args(["-e", "pn_rt.cycle_counter", "-e", "pn_rt.ds"])
            .output()
            .expect("tshark (make test-deps installs it)");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // (src, dst, frame id) -> [frames, first counter, last, status]
        let mut theirs: std::collections::BTreeMap<(String, String, String), [String; 4]> =
            Default::default();
        for l in String::from_utf8_lossy(&o.stdout).lines() {
            let c: Vec<&str> = l.split('\t').collect();
            let id = format!("0x{:04x}", c[2].parse::<u16>().unwrap());
            let e = theirs
                .entry((c[0].into(), c[1].into(), id))
                .or_insert_with(|| ["0".into(), c[3].into(), c[3].into(), c[4].into()]);
            e[0] = (e[0].parse::<u64>().unwrap() + 1).to_string();
            e[2] = c[3].into();
            e[3] = c[4].into();
        }
        assert!(!theirs.is_empty(), "{trace}: cyclic frames");
        let dir = run_tsv(trace);
        let ours: std::collections::BTreeMap<_, _> = ours(dir.path(), "profinet_rt")
            .into_iter()
            .map(|r| {
                (
                    (
                        r["src_mac"].clone(),
                        r["dst_mac"].clone(),
                        r["frame_id"].clone(),
                    ),
                    [
                        r["frames"].clone(),
                        r["cycle_first"].clone(),
                        r["cycle_last"].clone(),
                        r["data_status"].clone(),
                    ],
                )
            })
            .collect();
        assert_eq!(ours, theirs, "{trace}");
    }
}
