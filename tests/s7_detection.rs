//! Siemens S7 on a crafted capture: a new host that downloads a block to
//! a PLC and stops it raises the default pack's S7 rules and the
//! baseline's new-client deviations; the HMI's learned reads do not.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

const HMI: [u8; 4] = [10, 0, 0, 5];
const ATTACKER: [u8; 4] = [10, 0, 0, 66];
const PLC: [u8; 4] = [10, 0, 0, 20];

/// A TPKT packet with one class 0 COTP DT TPDU carrying `pdu`.
fn dt(pdu: &[u8]) -> Vec<u8> {
    let mut p = vec![0x03, 0x00];
    p.extend_from_slice(&u16::try_from(pdu.len() + 7).unwrap().to_be_bytes());
    p.extend_from_slice(&[0x02, 0xF0, 0x80]);
    p.extend_from_slice(pdu);
    p
}

/// An S7comm PDU: `rosctr`, reference, parameter and data blocks (an
/// Ack_Data gets a zero error class and code).
fn s7(rosctr: u8, reference: u16, param: &[u8], data: &[u8]) -> Vec<u8> {
    let mut p = vec![0x32, rosctr, 0, 0];
    p.extend_from_slice(&reference.to_be_bytes());
    p.extend_from_slice(&u16::try_from(param.len()).unwrap().to_be_bytes());
    p.extend_from_slice(&u16::try_from(data.len()).unwrap().to_be_bytes());
    if rosctr == 3 {
        p.extend_from_slice(&[0, 0]);
    }
    p.extend_from_slice(param);
    p.extend_from_slice(data);
    dt(&p)
}

const SETUP: [u8; 8] = [0xF0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xE0];

/// Read Var of one byte of DB1 at byte 0, and its answer.
fn read_var(reference: u16) -> (Vec<u8>, Vec<u8>) {
    let item = [
        0x12, 0x0A, 0x10, 0x02, 0x00, 0x01, 0x00, 0x01, 0x84, 0x00, 0x00, 0x00,
    ];
    let mut param = vec![0x04, 0x01];
    param.extend_from_slice(&item);
    let req = s7(1, reference, &param, &[]);
    let resp = s7(3, reference, &[0x04, 0x01], &[0xFF, 0x04, 0x00, 0x08, 0x2A]);
    (req, resp)
}

/// One client session: setup, then `pdus` (request, answer) a second apart.
fn session(
    w: &mut PcapWriter,
    t: &mut i64,
    client: [u8; 4],
    port: u16,
    pdus: &[(Vec<u8>, Vec<u8>)],
) {
    let mut c = Tcp::open(w, *t, client, port, PLC, 102);
    *t += SEC;
    c.exchange(w, *t, &s7(1, 0, &SETUP, &[]), &s7(3, 0, &SETUP, &[]));
    for (req, resp) in pdus {
        *t += SEC;
        c.exchange(w, *t, req, resp);
    }
    c.close(w, *t + SEC);
}

fn hmi_reads(n: u16) -> Vec<(Vec<u8>, Vec<u8>)> {
    (1..=n).map(read_var).collect()
}

fn write(path: &Path, start: i64, attack: bool) {
    let mut w = PcapWriter::new(1, 65535);
    let mut t = start;
    session(
        &mut w,
        &mut t,
        HMI,
        41000,
        &hmi_reads(if attack { 3 } else { 20 }),
    );
    if attack {
        // Request Download of OB1 ("_0800001P": complete module, type 08,
        // number 00001, passive file system), then PLC Stop.
        let mut download = vec![0x1A, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09];
        download.extend_from_slice(b"_0800001P");
        download.extend_from_slice(&[0x0D, b'1']);
        download.extend_from_slice(b"000256000128");
        let mut stop = vec![0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09];
        stop.extend_from_slice(b"P_PROGRAM");
        let pdus = [
            (s7(1, 0x0100, &download, &[]), s7(3, 0x0100, &[0x1A], &[])),
            (s7(1, 0x0200, &stop, &[]), s7(3, 0x0200, &[0x29], &[])),
        ];
        session(&mut w, &mut t, ATTACKER, 50000, &pdus);
    }
    w.write(path);
}

fn rows(dir: &Path, log: &str) -> Vec<Value> {
    let p = dir.join(format!("{log}.log"));
    if p.exists() {
        read_json_log(&p)
    } else {
        Vec::new()
    }
}

#[test]
fn a_plc_stop_and_a_download_from_a_new_host_raise_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.pcap");
    let now = dir.path().join("now.pcap");
    write(&good, 1_700_300_000 * SEC, false);
    write(&now, 1_700_400_000 * SEC, true);
    let baseline = dir.path().join("baseline.json");
    learn_baseline(&good, &baseline);
    let learned = std::fs::read_to_string(&baseline).unwrap();
    assert!(learned.contains("\"Read Variable\""), "{learned}");

    let out = dir.path().join("logs");
    let o = analyze(
        &out,
        &[
            "--baseline",
            baseline.to_str().unwrap(),
            "--alert-window",
            "0",
        ],
        std::slice::from_ref(&now),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let alerts = rows(&out, "alert");
    // The HMI's reads are the learned function: no alert from it.
    assert!(alerts.iter().all(|a| a["src"] != "10.0.0.5"), "{alerts:#?}");
    let by_function = |f: &str| {
        alerts
            .iter()
            .find(|a| {
                a["function"]
                    .as_array()
                    .is_some_and(|v| v.iter().any(|x| x == f))
            })
            .unwrap_or_else(|| panic!("no alert on {f}: {alerts:#?}"))
    };
    let download = by_function("Request Download");
    assert_eq!(download["src"], "10.0.0.66", "{download}");
    assert_eq!(download["dst"], "10.0.0.20", "{download}");
    assert!(rule_sids(download).contains(&9000603), "{download}");
    assert_eq!(download["function_class"], "engineering", "{download}");
    let stop = by_function("PLC Stop");
    let sids = rule_sids(stop);
    assert!(sids.contains(&9000601) && sids.contains(&9000606), "{stop}");
    // PLC Stop names the P_PROGRAM service too; the rule on PLC Control's
    // P_PROGRAM is not for it.
    assert!(!sids.contains(&9000602), "{stop}");
    assert_eq!(stop["severity"], "critical", "{stop}");
    for a in [download, stop] {
        let deviations = a["deviations"].to_string();
        assert!(deviations.contains("New_Client"), "{a}");
    }
    // The logs show the same.
    let s7comm = rows(&out, "s7comm");
    assert!(s7comm
        .iter()
        .any(|r| r["function_name"] == "PLC Stop" && r["is_orig"] == true));
    let transfers = rows(&out, "s7comm_upload_download");
    assert_eq!(transfers[0]["filename"], "_0800001P");
    assert_eq!(transfers[0]["block_type"], "Organization Block");
    assert_eq!(transfers[0]["destination_filesystem"], "Passive");
}

/// A Read SZL of module identification (0x0011) and the CPU's answer
/// naming its order number and firmware `version`.
fn read_szl(version: [u8; 3]) -> (Vec<u8>, Vec<u8>) {
    let head = |kind: u8| [0x00, 0x01, 0x12, 0x04, 0x11, kind, 0x01, 0x00];
    let req = s7(
        7,
        0x0100,
        &head(0x44),
        &[0xFF, 0x09, 0x00, 0x04, 0x00, 0x11, 0x00, 0x00],
    );
    let mut entries = Vec::new();
    let mut order = vec![0x00, 0x01];
    order.extend_from_slice(b"6ES7 315-2EH14-0AB0 ");
    order.extend_from_slice(&[0x00, 0xC0, 0x00, 0x04, 0x00, 0x01]);
    let mut firmware = vec![0x00, 0x07];
    firmware.extend_from_slice(&[b' '; 20]);
    firmware.extend_from_slice(&[0x00, 0xC0, b'V', version[0], version[1], version[2]]);
    entries.extend(order);
    entries.extend(firmware);
    let mut list = vec![0x00, 0x11, 0x00, 0x00, 0x00, 28, 0x00, 0x02];
    list.extend(entries);
    let mut data = vec![0xFF, 0x09];
    data.extend_from_slice(&u16::try_from(list.len()).unwrap().to_be_bytes());
    data.extend(list);
    let param = [
        0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
    ];
    (req, s7(7, 0x0100, &param, &data))
}

/// A CPU whose firmware is not the baseline's: an identity change, with
/// the default pack's rule on it.
#[test]
fn a_cpu_with_other_firmware_is_an_identity_change() {
    let dir = tempfile::tempdir().unwrap();
    let capture = |name: &str, start: i64, version: [u8; 3]| {
        let path = dir.path().join(name);
        let mut w = PcapWriter::new(1, 65535);
        let mut t = start;
        let mut pdus = hmi_reads(5);
        pdus.push(read_szl(version));
        session(&mut w, &mut t, HMI, 41000, &pdus);
        w.write(&path);
        path
    };
    let good = capture("good.pcap", 1_700_300_000 * SEC, [3, 2, 6]);
    let now = capture("now.pcap", 1_700_400_000 * SEC, [3, 3, 0]);
    let baseline = dir.path().join("baseline.json");
    learn_baseline(&good, &baseline);
    let learned = std::fs::read_to_string(&baseline).unwrap();
    assert!(learned.contains("\"V3.2.6\""), "{learned}");
    let out = dir.path().join("logs");
    let o = analyze(
        &out,
        &["--baseline", baseline.to_str().unwrap()],
        std::slice::from_ref(&now),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let alerts = rows(&out, "alert");
    let change = alerts
        .iter()
        .find(|a| a["note"] == "OTWatch::Identity_Change")
        .unwrap_or_else(|| panic!("{alerts:#?}"));
    assert!(
        change["msg"]
            .as_str()
            .unwrap()
            .contains("firmware V3.2.6 -> V3.3.0"),
        "{change}"
    );
    assert!(rule_sids(change).contains(&9000504), "{change}");
}
