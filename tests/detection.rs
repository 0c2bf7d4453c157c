//! What the baseline, the inventory and the rules learn requests from, on
//! captures written here: the requests that travel inside other messages
//! (a Logix tag write inside an Unconnected Send) and the responses that
//! are nobody's request (a Modbus function ICSNPP does not pair).

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

const HMI: [u8; 4] = [10, 0, 0, 5];
const PLC: [u8; 4] = [10, 0, 0, 20];

/// An Unconnected Send to the Connection Manager (class 6, instance 1)
/// carrying `message` to the controller in slot 0 of the backplane.
fn unconnected_send(message: &[u8]) -> Vec<u8> {
    let mut c = vec![0x52, 2, 0x20, 0x06, 0x24, 0x01, 0x0A, 0x0E];
    c.extend_from_slice(&(message.len() as u16).to_le_bytes());
    c.extend_from_slice(message);
    if message.len() % 2 == 1 {
        c.push(0);
    }
    // Route path: one word, port 1 (backplane), slot 0.
    c.extend_from_slice(&[1, 0, 0x01, 0x00]);
    c
}

/// A Logix tag service (0x4C Read Tag, 0x4D Write Tag) on the symbolic
/// path of `tag` (ANSI extended symbol segment), with `data`.
fn tag_service(service: u8, tag: &str, data: &[u8]) -> Vec<u8> {
    let mut path = vec![0x91, tag.len() as u8];
    path.extend_from_slice(tag.as_bytes());
    if tag.len() % 2 == 1 {
        path.push(0);
    }
    let mut m = vec![service, (path.len() / 2) as u8];
    m.extend_from_slice(&path);
    m.extend_from_slice(data);
    m
}

/// An HMI on a Logix controller: `reads` Read Tags through Unconnected
/// Send, a second apart, then `writes` Write Tags the same way.
fn logix(path: &Path, start: i64, reads: u32, writes: u32) {
    let mut w = PcapWriter::new(1, 65535);
    let mut t = start;
    let mut e = Tcp::open(&mut w, t, HMI, 41000, PLC, 44818);
    t += SEC;
    e.exchange(
        &mut w,
        t,
        &encap(0x65, &[1, 0, 0, 0]),
        &encap(0x65, &[1, 0, 0, 0]),
    );
    for _ in 0..reads {
        t += SEC;
        let read = tag_service(0x4C, "Oven_Temp", &[1, 0]);
        e.exchange(&mut w, t, &send_rr(&unconnected_send(&read)), &[]);
    }
    for _ in 0..writes {
        t += SEC;
        let write = tag_service(0x4D, "Oven_Setpoint", &[0xC4, 0, 1, 0, 0x2C, 1, 0, 0]);
        e.exchange(&mut w, t, &send_rr(&unconnected_send(&write)), &[]);
    }
    e.close(&mut w, t + SEC);
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

fn device<'a>(devices: &'a [Value], ip: &str) -> &'a Value {
    devices
        .iter()
        .find(|d| d["ip"] == ip)
        .unwrap_or_else(|| panic!("no device {ip} in {devices:?}"))
}

/// A Write Tag an HMI sends inside an Unconnected Send (how Logix tag
/// reads and writes travel) is a CIP write: a new function on the learned
/// edge and a write on an edge that only read, a write in the inventory,
/// and the default pack's CIP write rule. Regression: only the Unconnected
/// Send itself was seen ("Unconnected_Send/Connection Manager"), the same
/// function as the reads the baseline learned, and no write.
#[test]
fn a_write_tag_inside_an_unconnected_send_is_a_cip_write() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.pcap");
    let now = dir.path().join("now.pcap");
    logix(&good, 1_700_300_000 * SEC, 20, 0);
    logix(&now, 1_700_400_000 * SEC, 3, 1);
    let baseline = dir.path().join("baseline.json");
    learn_baseline(&good, &baseline);
    let learned = std::fs::read_to_string(&baseline).unwrap();
    assert!(learned.contains("\"Read Tag\""), "{learned}");
    assert!(!learned.contains("Unconnected_Send"), "{learned}");

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
    // One write, one alert: the write on a read-only edge leads; the new
    // function, the pack's CIP write rule and the baseline rule on the
    // deviation are folded in. The reads are the learned function.
    let alerts = rows(&out, "alert");
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    let edge = "10.0.0.5 -> 10.0.0.20 enip/44818";
    assert_eq!(a["note"], "OTWatch::Write_On_Read_Only_Edge", "{a}");
    assert_eq!(a["msg"], format!("write Write Tag on {edge}"), "{a}");
    assert_eq!(
        a["deviations"],
        serde_json::json!(["OTWatch::Write_On_Read_Only_Edge", "OTWatch::New_Function"]),
        "{a}"
    );
    assert_eq!(a["function"], serde_json::json!(["Write Tag"]), "{a}");
    assert_eq!(a["function_class"], "write", "{a}");
    let sids = rule_sids(a);
    assert!(
        sids.contains(&9000208) && sids.contains(&9000502),
        "{sids:?}"
    );
    assert_eq!(rows(&out, "notice").len(), 1);

    let devices = rows(&out, "known_devices");
    let hmi = device(&devices, "10.0.0.5");
    assert_eq!(hmi["activity"]["writes_sent"], 1, "{hmi}");
    assert_eq!(hmi["activity"]["requests_sent"]["cip"], 4, "{hmi}");
}

/// Suricata's `cip_service` keeps Suricata's semantics: it matches the
/// message's own service, the Unconnected Send (82), never the Write Tag
/// (77) inside it; otwatch's `cip.service` and `cip.write` see the request
/// that reaches the controller.
#[test]
fn cip_service_sees_the_unconnected_send_and_cip_service_ours_what_it_carries() {
    let dir = tempfile::tempdir().unwrap();
    let now = dir.path().join("now.pcap");
    logix(&now, 1_700_400_000 * SEC, 2, 1);
    let rules = dir.path().join("t.rules");
    std::fs::write(
        &rules,
        r#"alert enip any any -> any any (msg:"suricata 82"; cip_service: 82; sid:1;)
alert enip any any -> any any (msg:"suricata 77"; cip_service: 77; sid:2;)
alert enip any any -> any any (msg:"suricata 82,6"; cip_service: 82,6; sid:3;)
alert enip any any -> any any (msg:"ours 77"; cip.service: 0x4d; sid:4;)
alert enip any any -> any any (msg:"ours 77 on tags"; cip.service: 0x4d,0x6b; sid:5;)
alert enip any any -> any any (msg:"ours 82"; cip.service: 82; sid:6;)
alert enip any any -> any any (msg:"ours write"; cip.write; sid:7;)
"#,
    )
    .unwrap();
    let out = dir.path().join("logs");
    let o = analyze(
        &out,
        &["--rules", rules.to_str().unwrap(), "--alert-window", "0"],
        &[now],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut count = std::collections::BTreeMap::new();
    let alerts = rows(&out, "alert");
    for a in &alerts {
        for sid in rule_sids(a) {
            *count.entry(sid).or_insert(0) += 1;
        }
    }
    // Three Unconnected Sends: two Read Tags and one Write Tag, one alert
    // each with the rules that matched it.
    assert_eq!(alerts.len(), 3, "{alerts:#?}");
    let want = [(1, 3), (3, 3), (4, 1), (5, 1), (7, 1)];
    assert_eq!(count, want.into_iter().collect(), "{count:?}");
}

/// A Modbus function ICSNPP does not pair (here REPORT_SLAVE_ID, 17) logs
/// each message on its own; its response is nobody's request. Regression:
/// every row counted as a request, so the baseline learned twice the
/// requests with 1 ms intervals, the inventory counted the server as a
/// client too, and `modbus: unit N` rules fired on the responses.
#[test]
fn a_report_slave_id_response_is_never_a_request() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("slave-id.pcap");
    let mut w = PcapWriter::new(1, 65535);
    let mut t = 1_700_500_000 * SEC;
    let mut m = Tcp::open(&mut w, t, HMI, 41002, PLC, 502);
    for _ in 0..12 {
        t += SEC;
        m.modbus(&mut w, t, 1, &[0x11], &[0x11, 3, 0x2A, 0xFF, 0x00]);
    }
    m.close(&mut w, t + SEC);
    w.write(&capture);

    let detailed_rows = {
        let out = dir.path().join("plain");
        let o = analyze(&out, &["--no-rules"], std::slice::from_ref(&capture));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // ICSNPP's log is as before: a row per message.
        let devices = rows(&out, "known_devices");
        let hmi = device(&devices, "10.0.0.5");
        let plc = device(&devices, "10.0.0.20");
        assert_eq!(hmi["activity"]["requests_sent"]["modbus"], 12, "{hmi}");
        assert_eq!(plc["activity"]["requests_served"]["modbus"], 12, "{plc}");
        assert!(
            plc["activity"]["requests_sent"].get("modbus").is_none(),
            "{plc}"
        );
        rows(&out, "modbus_detailed").len()
    };
    assert_eq!(detailed_rows, 24);

    let baseline = dir.path().join("baseline.json");
    learn_baseline(&capture, &baseline);
    let b: Value = serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    let edge = b["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["protocol"] == "modbus")
        .expect("the Modbus edge");
    let f = &edge["functions"]["REPORT_SLAVE_ID"];
    assert_eq!(f["count"], 12, "{f}");
    assert_eq!(edge["requests"], 12, "{edge}");

    let rules = dir.path().join("t.rules");
    std::fs::write(
        &rules,
        "alert modbus any any -> any any (msg:\"unit 1\"; modbus: unit 1; sid:1;)\n",
    )
    .unwrap();
    let out = dir.path().join("rules");
    let o = analyze(
        &out,
        &["--rules", rules.to_str().unwrap(), "--alert-window", "0"],
        &[capture],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let alerts = rows(&out, "alert");
    assert_eq!(alerts.len(), 12, "one per request: {alerts:?}");
    assert!(
        alerts.iter().all(|a| a["id.orig_h"] == "10.0.0.5"),
        "{alerts:?}"
    );
}
