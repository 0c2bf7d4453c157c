//! PROFINET DCP end to end: the devices DCP names in the inventory (by
//! address, or by MAC while they have none), and DCP Set — renaming or
//! re-addressing a device — as a baseline deviation and a rule match.

mod common;

use common::*;
use otwatch_synth::profinet::{self as pn, Station};
use serde_json::Value;

const ENG: [u8; 6] = [0x00, 0x1b, 0x1b, 0x10, 0x00, 0x05];
const STATION: [u8; 6] = [0x00, 0x1b, 0x1b, 0x20, 0x00, 0x07];

fn station(name: &str, ip: [u8; 4]) -> Station {
    Station {
        name: name.into(),
        type_of_station: "ET200SP".into(),
        ip: [ip, [255, 255, 255, 0], [0, 0, 0, 0]],
        vendor_id: 0x002a,
        device_id: 0x0313,
        role: 0x01,
    }
}

fn devices(dir: &std::path::Path) -> Vec<Value> {
    read_json_log(&dir.join("known_devices.log"))
}

fn device<'a>(all: &'a [Value], key: &str, value: &str) -> Option<&'a Value> {
    all.iter().find(|d| match &d[key] {
        Value::Array(a) => a.iter().any(|x| x == value),
        v => v == value,
    })
}

#[test]
fn dcp_names_the_devices_of_a_real_trace() {
    let d = tempfile::tempdir().unwrap();
    let o = analyze(d.path(), &[], &[pcap("profinet_io_cm_mixed_1.pcap")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = devices(d.path());
    let pns = device(&all, "ip", "192.168.1.2").expect("the VersaMax module");
    assert_eq!(
        pns["profinet_identity"],
        serde_json::json!({
            "name_of_station": "versamax-pns11",
            "type_of_station": "IC200PNS001",
            "vendor_id": "0x015a",
            "device_id": "0x0003",
            "role": "IO device"
        })
    );
    assert!(pns["macs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m == "00:09:91:43:e0:67"));
    assert!(
        pns["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "io_adapter"),
        "{pns}"
    );
    assert_eq!(
        pns["role_evidence"]["io_adapter"],
        "PROFINET DCP role IO device"
    );
}

#[test]
fn a_station_without_an_address_is_kept_by_its_mac_until_it_has_one() {
    let d = tempfile::tempdir().unwrap();
    let cap = d.path().join("commissioning.pcap");
    let mut w = PcapWriter::new(1, 65535);
    // A new station announces itself with no address; the engineering
    // station names and addresses it, and asks again.
    w.packet(
        1_000_000,
        &pn::hello(STATION, 1, &station("", [0, 0, 0, 0])),
    );
    w.packet(2_000_000, &pn::identify_request(ENG, 7, None));
    w.packet(
        2_000_100,
        &pn::identify_response(STATION, ENG, 7, &station("", [0; 4])),
    );
    w.write(&cap);
    let early = d.path().join("early");
    let o = analyze(&early, &[], std::slice::from_ref(&cap));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = devices(&early);
    let s = device(&all, "macs", "00:1b:1b:20:00:07").expect("kept by its MAC");
    assert!(s.get("ip").is_none(), "{s}");
    assert_eq!(s["profinet_identity"]["type_of_station"], "ET200SP");
    // The inventory command lists it by its MAC.
    let o = otwatch().args(["inventory"]).arg(&early).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("00:1b:1b:20:00:07"), "{table}");

    w.packet(
        3_000_000,
        &pn::set_request(
            ENG,
            STATION,
            8,
            Some("conveyor-io-7"),
            Some(station("", [10, 0, 2, 7]).ip),
        ),
    );
    w.packet(
        3_000_100,
        &pn::set_response(STATION, ENG, 8, &[(2, 2), (1, 2)]),
    );
    w.packet(4_000_000, &pn::identify_request(ENG, 9, None));
    w.packet(
        4_000_100,
        &pn::identify_response(STATION, ENG, 9, &station("conveyor-io-7", [10, 0, 2, 7])),
    );
    w.write(&cap);
    let late = d.path().join("late");
    let o = analyze(&late, &[], &[cap]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = devices(&late);
    assert!(
        all.iter().all(|d| d.get("ip").is_some()),
        "the station moved to its address: {all:?}"
    );
    let s = device(&all, "ip", "10.0.2.7").unwrap();
    assert_eq!(s["profinet_identity"]["name_of_station"], "conveyor-io-7");
    assert_eq!(s["first_seen_us"], 1_000_000, "seen since its Hello: {s}");
    assert_eq!(s["vendors"], serde_json::json!(["Siemens AG"]));
    let rows = read_json_log(&late.join("profinet_dcp.log"));
    let services: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["service"].as_str().unwrap(),
                r["service_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        services,
        [
            ("Hello", "Request"),
            ("Identify", "Request"),
            ("Identify", "Response Success"),
            ("Set", "Request"),
            ("Set", "Response Success"),
            ("Identify", "Request"),
            ("Identify", "Response Success"),
        ]
    );
    assert_eq!(
        rows[3]["options"],
        serde_json::json!(["Device/Name of station", "IP/IP parameter"])
    );
    assert_eq!(rows[4]["options"], serde_json::json!(["Control/Response"]));
    assert_eq!(rows[3]["vlan"], Value::Null, "priority-tagged: VLAN 0");
}

const ROGUE: [u8; 6] = [0x02, 0x42, 0xac, 0x11, 0x00, 0x66];
const PLC: [u8; 6] = [0x00, 0x1b, 0x1b, 0x30, 0x00, 0x20];

/// A UDP datagram from the engineering station (10.0.0.5) to the PLC, so
/// that the inventory knows the station's MAC by its address.
fn eng_datagram() -> Vec<u8> {
    let b = etherparse::PacketBuilder::ethernet2(ENG, PLC)
        .ipv4([10, 0, 0, 5], [10, 0, 0, 20], 64)
        .udp(50000, 161);
    let mut out = Vec::new();
    b.write(&mut out, b"\x30\x00").unwrap();
    out
}

/// The engineering station at work: it talks IP, identifies the
/// stations and renames one (`name`); with `rogue`, a host known by its
/// MAC only renames it too.
fn plant(path: &std::path::Path, start: i64, name: &str, rogue: bool) {
    let mut w = PcapWriter::new(1, 65535);
    let s = station("conveyor-io-7", [10, 0, 2, 7]);
    w.packet(start, &eng_datagram());
    w.packet(start + 1_000_000, &pn::identify_request(ENG, 1, None));
    w.packet(
        start + 1_000_100,
        &pn::identify_response(STATION, ENG, 1, &s),
    );
    w.packet(
        start + 2_000_000,
        &pn::set_request(ENG, STATION, 2, Some(name), None),
    );
    w.packet(
        start + 2_000_100,
        &pn::set_response(STATION, ENG, 2, &[(2, 2)]),
    );
    if rogue {
        // The stranger first makes the station flash its LED: no change.
        w.packet(start + 2_500_000, &pn::signal_request(ROGUE, STATION, 4));
        w.packet(
            start + 3_000_000,
            &pn::set_request(ROGUE, STATION, 3, Some("plc-1"), Some(s.ip)),
        );
    }
    w.write(path);
}

#[test]
fn a_dcp_set_from_a_stranger_is_an_alert_and_the_engineering_stations_is_not() {
    let d = tempfile::tempdir().unwrap();
    let good = d.path().join("good.pcap");
    let now = d.path().join("now.pcap");
    plant(&good, 1_700_000_000_000_000, "conveyor-io-7", false);
    plant(&now, 1_700_100_000_000_000, "conveyor-io-8", true);
    let baseline = d.path().join("baseline.json");
    learn_baseline(&good, &baseline);
    let learned: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(
        learned["dcp_setters"],
        serde_json::json!(["00:1b:1b:10:00:05"])
    );
    let vars = d.path().join("vars.conf");
    let stock = std::fs::read_to_string(repo().join("rules/vars.conf")).unwrap();
    std::fs::write(
        &vars,
        stock.replace("ENG_WORKSTATIONS = []", "ENG_WORKSTATIONS = [10.0.0.5]"),
    )
    .unwrap();
    let out = d.path().join("logs");
    let o = analyze(
        &out,
        &[
            "--baseline",
            baseline.to_str().unwrap(),
            "--vars",
            vars.to_str().unwrap(),
        ],
        std::slice::from_ref(&now),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let alerts = read_json_log(&out.join("alert.log"));
    let [a] = &alerts[..] else {
        panic!("one alert, the stranger's Set (not its Signal): {alerts:#?}")
    };
    assert!(a.get("src").is_none(), "known by its MAC only: {a}");
    assert_eq!(a["src_mac"], "02:42:ac:11:00:66", "{a}");
    assert_eq!(a["dst"], "10.0.2.7", "{a}");
    let msg = a["msg"].as_str().unwrap();
    assert!(
        msg.contains("Set request from 02:42:ac:11:00:66 to 00:1b:1b:20:00:07")
            && msg.contains("name of station \"plc-1\""),
        "{a}"
    );
    assert_eq!(rule_sids(a), [9000701], "{a}");
    assert!(
        a["deviations"]
            .to_string()
            .contains("New_Client_Engineering"),
        "{a}"
    );
    assert_eq!(a["mitre_attack_ics"], serde_json::json!(["T0855"]), "{a}");
    assert_eq!(a["dst_identity"], "PROFINET conveyor-io-7 (ET200SP)", "{a}");
    assert_eq!(a["protocol"], "profinet_dcp", "{a}");
    assert_eq!(a["function"], serde_json::json!(["Set"]), "{a}");
    assert_eq!(a["function_class"], "engineering", "{a}");

    // Without the baseline, the rule alone judges: the engineering
    // station's Set is allowed by the variables, the stranger's is not;
    // eve.json has its record, by MAC.
    let out = d.path().join("rules-only");
    let eve = d.path().join("eve.json");
    let o = analyze(
        &out,
        &[
            "--vars",
            vars.to_str().unwrap(),
            "--eve",
            eve.to_str().unwrap(),
        ],
        std::slice::from_ref(&now),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let alerts = read_json_log(&out.join("alert.log"));
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(rule_sids(&alerts[0]), [9000701]);
    // The Set that renames, not the Signal before it.
    assert_eq!(
        alerts[0]["object"][0], "name of station plc-1",
        "{alerts:#?}"
    );
    let eve = read_json_log(&eve);
    let [e] = &eve[..] else { panic!("{eve:#?}") };
    assert!(e.get("src_ip").is_none() && e.get("ip_v").is_none(), "{e}");
    assert_eq!(e["dest_ip"], "10.0.2.7", "{e}");
    assert_eq!(
        e["ether"],
        serde_json::json!({"src_mac": "02:42:ac:11:00:66", "dest_mac": "00:1b:1b:20:00:07"})
    );
    assert_eq!(
        e["profinet_dcp"],
        serde_json::json!({"service": "Set", "service_raw": 4})
    );
    assert_eq!(e["app_proto"], "profinet_dcp");
    assert_eq!(e["alert"]["signature_id"], 9000701);
}

/// A station kept by its MAC moves to its address when it shows up in IP
/// traffic, and a later Hello without an address (after a factory reset)
/// stays on that device rather than making another.
#[test]
fn a_station_seen_in_ip_traffic_is_one_device() {
    let d = tempfile::tempdir().unwrap();
    let cap = d.path().join("station.pcap");
    let mut w = PcapWriter::new(1, 65535);
    w.packet(1_000_000, &pn::hello(STATION, 1, &station("io-7", [0; 4])));
    let b = etherparse::PacketBuilder::ethernet2(STATION, PLC)
        .ipv4([10, 0, 2, 7], [10, 0, 0, 20], 64)
        .udp(49152, 34964);
    let mut udp = Vec::new();
    b.write(&mut udp, &[0u8; 8]).unwrap();
    w.packet(2_000_000, &udp);
    w.packet(3_000_000, &pn::hello(STATION, 2, &station("", [0; 4])));
    w.write(&cap);
    let out = d.path().join("logs");
    let o = analyze(&out, &[], &[cap]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = devices(&out);
    let with_mac: Vec<&Value> = all
        .iter()
        .filter(|d| {
            d["macs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m == "00:1b:1b:20:00:07")
        })
        .collect();
    assert_eq!(with_mac.len(), 1, "{all:#?}");
    assert_eq!(with_mac[0]["ip"], "10.0.2.7");
    assert_eq!(with_mac[0]["profinet_identity"]["name_of_station"], "io-7");
    assert_eq!(with_mac[0]["first_seen_us"], 1_000_000);
}
