//! Golden tests: otwatch's S7 logs (`cotp.log`, `s7comm.log`,
//! `s7comm_read_szl.log`, `s7comm_upload_download.log`,
//! `s7comm_plus.log`, `s7comm_known_devices.log`) against CISA
//! ICSNPP-s7comm's own expected logs for its test traces
//! (cisagov/icsnpp-s7comm 858c0b7, `tests/baseline/analyzer.*`), every
//! column but `ts` (masked in those logs) and `uid`, row by row in file
//! order, with the same uid grouping.
//!
//! Where otwatch reads the protocol as Wireshark does and the reference
//! does not, the difference is applied here, by name (docs/s7.md lists
//! them):
//!
//! * `pdu_reference` is a big-endian field: the reference reads it
//!   byte-swapped (bytes `01 00` are its 1, our 256);
//! * ACK PDUs (ROSCTR 2) have their own `s7comm.log` rows (the reference's
//!   parser asks for a byte past their header and drops them);
//! * an S7 PDU that does not fit its TCP segment, and Userdata requests
//!   with the response parameter layout, are read (the reference parses
//!   each segment alone and drops both: snap7 frames 6 and 7).

mod common;

use common::*;
use std::collections::BTreeMap;

type Row = BTreeMap<String, String>;

/// The reference's byte-swapped PDU reference, as the field reads.
fn swap_reference(rows: &mut [Row]) {
    for r in rows {
        if let Some(v) = r.get_mut("pdu_reference") {
            let n: u16 = v.parse().unwrap();
            *v = n.swap_bytes().to_string();
        }
    }
}

/// Our rows without those the reference cannot make: ACKs, and the
/// PDUs (`is_orig`, big-endian reference) its per-segment parse drops.
fn comparable(mut rows: Vec<Row>, dropped: &[(&str, u16)]) -> Vec<Row> {
    rows.retain(|r| {
        let ack = r.get("rosctr_code").map(String::as_str) == Some("2");
        let lost = dropped.iter().any(|(is_orig, reference)| {
            r.get("is_orig").map(String::as_str) == Some(*is_orig)
                && r.get("pdu_reference") == Some(&reference.to_string())
        });
        !ack && !lost
    });
    rows
}

fn check(trace: &str, logs: &[&str], dropped: &[(&str, u16)]) -> usize {
    let d = run_tsv(&format!("{trace}.pcap"));
    let mut n = 0;
    for log in logs {
        let mut theirs = reference(trace, log, None);
        swap_reference(&mut theirs);
        let ours = comparable(ours(d.path(), log), dropped);
        assert!(!theirs.is_empty(), "{trace}/{log}: empty reference");
        n += compare(&format!("{trace}/{log}.log"), &ours, &theirs);
    }
    n
}

#[test]
fn icsnpp_snap7() {
    // Frame 6: the first part of a Read SZL answer of component
    // identification (0x001C, reference 0x0200), whose list does not fit
    // one PDU; frame 7: the client's request for the next part (0x0300).
    let n = check(
        "snap7",
        &[
            "cotp",
            "s7comm",
            "s7comm_read_szl",
            "s7comm_upload_download",
        ],
        &[("F", 0x0200), ("T", 0x0300)],
    );
    assert_eq!(n, 64 + 61 + 9 + 25);
}

#[test]
fn icsnpp_s7ident() {
    let n = check("s7ident", &["cotp", "s7comm", "s7comm_known_devices"], &[]);
    assert_eq!(n, 24 + 18 + 1);
}

#[test]
fn icsnpp_s7comm_plus() {
    let n = check("s7comm_plus", &["cotp", "s7comm", "s7comm_plus"], &[]);
    assert_eq!(n, 157 + 34 + 121);
}

/// What the reference leaves out, otwatch writes: the ACKs (here the
/// CPU's refusal of an upload), and the first part of a long SZL answer
/// with its Read SZL row.
#[test]
fn acks_and_split_answers_have_rows() {
    let d = run_tsv("snap7.pcap");
    let s7 = ours(d.path(), "s7comm");
    let ack: Vec<&Row> = s7.iter().filter(|r| r["rosctr_code"] == "2").collect();
    assert_eq!(ack.len(), 1);
    assert_eq!(ack[0]["rosctr_name"], "ACK");
    assert_eq!(ack[0]["error_class"], "Unknown error class-0xd2");
    assert_eq!(ack[0]["error_code"], "0x0c");
    let szl = ours(d.path(), "s7comm_read_szl");
    assert!(szl.iter().any(|r| r["is_orig"] == "F"
        && r["pdu_reference"] == "512"
        && r["szl_id"] == "0x001c"
        && r["szl_id_name"] == "Component Identification"));
    // The identity in that part reaches known_devices too.
    let known = ours(d.path(), "s7comm_known_devices");
    assert_eq!(known.len(), 1);
    assert_eq!(known[0]["is_orig"], "-");
}

/// What the CPUs said of themselves reaches the inventory: module and
/// firmware (SZL 0x0011), station, module name and serial (0x001C); the
/// firmware is the device's revision, and the CPU is a controller.
#[test]
fn szl_answers_fill_the_inventory() {
    let d = tempfile::tempdir().unwrap();
    let out = analyze(d.path(), &[], &[pcap("snap7.pcap")]);
    assert!(out.status.success());
    let devices = read_json_log(&d.path().join("known_devices.log"));
    let plc = devices
        .iter()
        .find(|d| d["ip"] == "134.217.61.211")
        .expect("the PLC");
    assert_eq!(
        plc["s7_identity"],
        serde_json::json!({
            "order_number": "6ES7 315-2EH14-0AB0",
            "firmware": "V3.2.7",
            "station_name": "S7300/ET200M station_1",
            "module_name": "PLC_1",
            "serial_number": "S C-B1U393142011"
        })
    );
    assert_eq!(plc["firmware"]["revision"], "V3.2.7");
    assert_eq!(plc["roles"], serde_json::json!(["controller"]), "{plc}");
    let client = devices
        .iter()
        .find(|d| d["ip"] == "134.217.61.131")
        .expect("the client");
    assert!(client.get("s7_identity").is_none());
    let engineering = client["activity"]["engineering"].to_string();
    assert!(engineering.contains("s7comm PLC Stop"), "{engineering}");
}
