//! Siemens S7 on a crafted capture: a new host that downloads a block to
//! a PLC and stops it raises the default pack's S7 rules and the
//! baseline's new-client deviations; the HMI's learned reads do not.

mod common;

use common::*;
use otwatch_synth::s7;
use serde_json::Value;
use std::path::Path;

const HMI: [u8; 4] = [10, 0, 0, 5];
const ATTACKER: [u8; 4] = [10, 0, 0, 66];
const PLC: [u8; 4] = [10, 0, 0, 20];

/// Read Var of four bytes of DB1 and its answer.
fn read_var(reference: u16) -> (Vec<u8>, Vec<u8>) {
    s7::read_var(reference, 1, 0, &[0, 0, 0, 42])
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
    c.exchange(w, *t, &s7::setup(0, false), &s7::setup(0, true));
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
        // A block download (Request Download of FC 1, Download Block,
        // Download Ended, PLC Control _INSE), then PLC Stop.
        let mut pdus = s7::download(0x0100, 0x0C, 1, &[0x70; 64]);
        let mut stop = vec![0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09];
        stop.extend_from_slice(b"P_PROGRAM");
        pdus.push((
            s7::pdu(s7::JOB, 0x0200, &stop, &[]),
            s7::pdu(s7::ACK_DATA, 0x0200, &[0x29], &[]),
        ));
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
    assert_eq!(transfers[0]["filename"], "_0C00001P");
    assert_eq!(transfers[0]["block_type"], "Function");
    assert_eq!(transfers[0]["destination_filesystem"], "Passive");
}

/// A Read SZL of module identification and the CPU's answer naming its
/// firmware `version`.
fn read_szl(version: [u8; 3]) -> (Vec<u8>, Vec<u8>) {
    s7::read_szl_module(0x0100, "6ES7 315-2EH14-0AB0", version)
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
