//! Every trace of cisagov/icsnpp-opcua-binary (the 8 in `pcaps/` and the
//! 19 in `pcaps/opcua-traces/`) is analyzed: exit 0, OPC UA rows, only
//! the weirds a trace explains, no decoded name on an encrypted channel,
//! and the diagnostic-info traces give their nested status rows.

mod common;

use common::*;
use std::path::PathBuf;

fn traces() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("pcaps/opcua-traces"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for name in [
        "open62541_client-server_mainloop.pcap",
        "open62541_client-server_mainloop-no-handshake.pcap",
        "open62541_client-server_mainloop-not-localhost-non-standard-port.pcap",
        "open62541_client-server_encrypted.pcap",
        "open62541_read_service_test_data.pcap",
        "open62541_create_monitored_items.pcap",
        "opcua_with-gap.pcap",
        "opcua_with-gap_with-handshake.pcap",
    ] {
        v.push(pcap(name));
    }
    v.sort();
    v
}

#[test]
fn every_trace_is_analyzed() {
    let all = traces();
    assert_eq!(all.len(), 27);
    let dir = tempfile::tempdir().unwrap();
    for t in &all {
        let name = t.file_name().unwrap().to_string_lossy().into_owned();
        let out_dir = dir.path().join(&name);
        let out = analyze(&out_dir, &["--log-format", "tsv"], std::slice::from_ref(t));
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows = ours(&out_dir, "opcua_binary");
        assert!(!rows.is_empty(), "{name}: no opcua_binary rows");
        // Weirds only where the trace has a reason for them.
        let weirds: Vec<String> = ours(&out_dir, "weird")
            .into_iter()
            .map(|r| r["name"].clone())
            .filter(|n| n.starts_with("opcua"))
            .collect();
        let expected: &[&str] = if name.starts_with("opcua_with-gap") {
            &["opcua_binary_lost_sync", "opcua_binary_resync"]
        } else {
            &[]
        };
        assert_eq!(weirds, expected, "{name}");
        // Encrypted channels: rows without a request id never carry a
        // service name or header.
        for r in rows.iter().filter(|r| r["request_id"] == "-") {
            for c in [
                "req_identifier_str",
                "res_identifier_str",
                "req_hdr_request_handle",
            ] {
                assert_eq!(r[c], "-", "{name}: {c} on a secured row: {r:?}");
            }
        }
        if name.contains("encrypted") {
            let secured = rows
                .iter()
                .filter(|r| r["msg_type"] == "MSG" && r["request_id"] == "-")
                .count();
            assert!(secured > 0, "{name}: secured MSG rows");
        }
    }
}

#[test]
fn nested_diagnostics_give_status_rows_by_depth() {
    let d = run_tsv("opcua-traces/open62541_browse_with_diagnostic_info.pcap");
    let rows = ours(d.path(), "opcua_binary_status_code_detail");
    let mut nested: Vec<(String, String, String)> = rows
        .iter()
        .filter(|r| r["source_str"] == "Browse_DiagInfo")
        .map(|r| {
            (
                r["source_level"].clone(),
                r["status_code"].clone(),
                r["sub_code_str"].clone(),
            )
        })
        .collect();
    nested.sort();
    let expected = [
        ("1", "0x00000000", "Good"),
        ("2", "0x80020000", "BadInternalError"),
        ("3", "0x80030000", "BadOutOfMemory"),
        ("4", "0x80040000", "BadResourceUnavailable"),
        ("5", "0x80050000", "BadCommunicationError"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(nested, expected);
}
