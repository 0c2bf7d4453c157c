//! The device inventory of real captures: `known_devices.log` holds the
//! identities the protocols reveal (CIP List Identity, Modbus Read Device
//! Identification, OPC UA application descriptions), the roles inferred
//! from behaviour with their evidence, and `otwatch inventory` prints it.

mod common;

use common::*;
use serde_json::Value;

fn devices(dir: &std::path::Path) -> Vec<Value> {
    read_json_log(&dir.join("known_devices.log"))
}

fn device<'a>(all: &'a [Value], ip: &str) -> &'a Value {
    all.iter()
        .find(|d| d["ip"] == ip)
        .unwrap_or_else(|| panic!("no device {ip}"))
}

fn run(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let caps: Vec<_> = names.iter().map(|n| pcap(n)).collect();
    let out = analyze(dir.path(), &[], &caps);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn cip_identity_of_the_enip_trace() {
    let d = run(&["enip_cip_example.pcap"]);
    let all = devices(d.path());
    let adapter = device(&all, "10.1.1.164");
    let id = &adapter["cip_identity"];
    assert_eq!(id["vendor"], "Rockwell Automation/Allen-Bradley");
    assert_eq!(id["device_type"], "Communications Adapter");
    assert_eq!(id["product_code"], 58);
    assert_eq!(id["revision"], "4.3");
    assert_eq!(id["serial_number"], "0x00524d8e");
    assert_eq!(id["product_name"], "1756-ENBT/A");
    assert_eq!(id["state"], "Operational");
    assert_eq!(adapter["firmware"]["revision"], "4.3");
    assert_eq!(adapter["mode"], "Operational");
    assert_eq!(adapter["roles"], serde_json::json!(["io_adapter"]));
    assert_eq!(adapter["purdue_level"], 1);
    // The controller answering CIP, and its MAC vendor from the OUI table.
    let plc = device(&all, "192.168.10.120");
    assert_eq!(plc["roles"][0], "controller");
    assert!(plc["role_evidence"]["controller"]
        .as_str()
        .unwrap()
        .starts_with("answers cip requests"));
    assert_eq!(plc["vendors"], serde_json::json!(["Rockwell Automation"]));
    let hmi = device(&all, "192.168.10.105");
    assert_eq!(hmi["roles"][0], "hmi_scada");
    assert_eq!(hmi["purdue_level"], 2);
}

#[test]
fn modbus_device_identification_and_opcua_applications() {
    let d = run(&[
        "modbus_example.pcap",
        "open62541_client-server_mainloop.pcap",
    ]);
    let all = devices(d.path());
    let m = &device(&all, "127.0.0.1")["modbus_identity"];
    assert_eq!(m["VendorName"], "Zeek Modbus Test");
    assert_eq!(m["ProductCode"], "Protocol Parsing is fun!");
    assert_eq!(m["MajorMinorVersion"], "1.2.3.6");
    let ua = &device(&all, "::1")["opcua_identity"];
    let uris: Vec<&str> = ua
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["application_uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        [
            "urn:open62541.server.application",
            "urn:unconfigured:application"
        ]
    );
    assert_eq!(ua[0]["product_uri"], "http://open62541.org");
    assert_eq!(ua[0]["application_type"], "Server");
    let roles: Vec<&str> = device(&all, "::1")["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(roles.contains(&"opcua_server") && roles.contains(&"opcua_client"));
}

#[test]
fn the_inventory_command_prints_table_json_and_csv() {
    let d = run(&["enip_cip_example.pcap"]);
    let dir = d.path().to_str().unwrap();
    let out = |args: &[&str]| {
        let o = otwatch()
            .arg("inventory")
            .arg(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success());
        String::from_utf8(o.stdout).unwrap()
    };
    let table = out(&[]);
    assert!(table.starts_with("ip "));
    assert!(table.contains("1756-ENBT/A"));
    let csv = out(&["--csv"]);
    assert!(csv.starts_with("ip,mac_vendor,roles,purdue,identity,firmware,served,used,last_seen\n"));
    assert!(csv.contains("\"Cisco Systems, Inc\""), "quoted: {csv}");
    // last_seen is for people: ISO 8601 in UTC, as JSON keeps the number.
    let json = out(&["--json"]);
    let first: Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    let last_us = first["last_seen_us"].as_i64().unwrap();
    let row = csv.lines().nth(1).unwrap();
    let seen = row.rsplit(',').next().unwrap();
    assert_eq!(
        seen,
        otwatch::time::iso8601(otwatch::time::Ts(last_us)),
        "{row}"
    );
    assert!(seen.len() == 20 && seen.ends_with('Z') && &seen[10..11] == "T");
    let parsed: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed.len(), devices(d.path()).len());
    // A missing directory is a clear error.
    let o = otwatch()
        .args(["inventory", "/nonexistent/logs"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/logs"));
}

#[test]
fn the_inventory_is_rewritten_periodically() {
    // 121 s of traffic, a rewrite every 10 s of it (what a live sensor
    // does every hour), and the final write.
    let dir = tempfile::tempdir().unwrap();
    let out = otwatch()
        .args([
            "analyze",
            "--no-progress",
            "--inventory-interval",
            "10",
            "--out",
        ])
        .arg(dir.path())
        .arg(pcap("plant-good.pcap"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("devices: 3 (known_devices.log rewritten 12 times)"),
        "{err}"
    );
    assert_eq!(devices(dir.path()).len(), 3);
    assert!(!dir.path().join(".known_devices.log.tmp").exists());
}

fn roles_of(d: &Value) -> Vec<&str> {
    d["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect()
}

/// The plant of pcaps/attacks (README there): two PLCs, an OPC UA server,
/// an HMI polling all three, an engineering workstation writing a
/// setpoint to each PLC every 40 s. Each side's counts and hosts are kept.
#[test]
fn roles_of_the_attack_captures_plant() {
    let d = run(&["attacks/learn.pcap"]);
    let all = devices(d.path());
    let want = [
        ("127.0.1.10", vec!["controller"], 1),
        ("127.0.1.20", vec!["controller"], 1),
        ("127.0.1.30", vec!["opcua_server"], 2),
        ("127.0.1.100", vec!["hmi_scada", "opcua_client"], 2),
        ("127.0.1.101", vec!["engineering_workstation"], 2),
    ];
    for (ip, roles, level) in want {
        let dev = device(&all, ip);
        assert_eq!(roles_of(dev), roles, "{ip}: {dev}");
        assert_eq!(dev["purdue_level"], level, "{ip}: {dev}");
    }
    let plc = device(&all, "127.0.1.10");
    assert_eq!(
        plc["activity"]["clients"]["modbus"],
        serde_json::json!(["127.0.1.100", "127.0.1.101"])
    );
    assert_eq!(plc["activity"]["peers_dropped"], 0);
    assert_eq!(
        plc["role_evidence"]["controller"],
        "answers modbus requests (454 from 2 clients on port 502)"
    );
    let ews = device(&all, "127.0.1.101");
    assert_eq!(
        ews["activity"]["servers"],
        serde_json::json!({"cip": ["127.0.1.20"], "modbus": ["127.0.1.10"]})
    );
    assert!(
        ews["role_evidence"]["engineering_workstation"]
            .as_str()
            .unwrap()
            .starts_with("writes, not polls: 8 of 8 control requests sent are writes"),
        "{ews}"
    );
}

/// Regression for "an HMI that answered one Modbus request is classified
/// 'controller' and drawn in Level 1": in plant-anomalies.pcap the PLC
/// 10.0.0.20 once polls the HMI 10.0.0.10, which answers. The HMI stays an
/// HMI on Level 2, the PLC a controller on Level 1; the evidence shows the
/// one request each way.
#[test]
fn one_answered_request_does_not_make_a_controller() {
    let d = run(&["plant-anomalies.pcap"]);
    let all = devices(d.path());
    let hmi = device(&all, "10.0.0.10");
    assert_eq!(roles_of(hmi), ["hmi_scada"], "{hmi}");
    assert_eq!(hmi["purdue_level"], 2);
    assert_eq!(
        hmi["role_evidence"]["hmi_scada"],
        "sends modbus requests (103 to 1 server; answered 1 from 1 client)"
    );
    let plc = device(&all, "10.0.0.20");
    assert_eq!(roles_of(plc), ["controller"], "{plc}");
    assert_eq!(plc["purdue_level"], 1);
    assert_eq!(
        plc["role_evidence"]["controller"],
        "answers modbus requests (104 from 2 clients on port 502; sent 1 to 1 server)"
    );
}
