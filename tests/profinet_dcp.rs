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
