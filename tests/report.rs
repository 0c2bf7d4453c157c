//! The HTML report in a real browser: headless Chromium (Debian's
//! `chromium`, installed by `make test`) opens the report of the demo
//! captures; the map, the device table and the alerts must render with
//! as many elements as the run has devices, edges and alerts, and the page
//! must log nothing to the console. A screenshot is kept in
//! `target/report.png`.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::process::Command;

fn chromium(args: &[&str], url: &str) -> std::process::Output {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--virtual-time-budget=10000",
        ])
        .args(args)
        .arg(url)
        .output()
        .expect("chromium (Debian package chromium) runs; make test installs it")
}

fn attr(dom: &str, name: &str) -> Option<String> {
    let key = format!("data-{name}=\"");
    let at = dom.find(&key)? + key.len();
    Some(dom[at..].split('"').next()?.to_string())
}

#[test]
fn the_report_renders_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let report = dir.path().join("report.html");
    let out = analyze(
        &logs,
        &["--rules", "rules", "--report", report.to_str().unwrap()],
        &[
            pcap("modbus-and-non-modbus-p502.pcap"),
            pcap("modbus_example.pcap"),
            pcap("enip_cip_example.pcap"),
            pcap("open62541_client-server_mainloop.pcap"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.contains("<script src"), "no fetched scripts");
    assert!(!html.contains("<link "), "no external stylesheets");

    // What the run has.
    let devices = read_json_log(&logs.join("known_devices.log"));
    let alerts = read_json_log(&logs.join("alert.log")).len();
    let conns = read_json_log(&logs.join("conn.log"));
    let mut edges = BTreeSet::new();
    let mut hosts: BTreeSet<String> = devices
        .iter()
        .map(|d| d["ip"].as_str().unwrap().to_string())
        .collect();
    for c in &conns {
        let services: Vec<&str> = c["service"]
            .as_str()
            .map(|s| s.split(',').collect())
            .unwrap_or_default();
        let protocol = if services.contains(&"cip") || services.contains(&"enip") {
            "enip"
        } else {
            services
                .first()
                .copied()
                .unwrap_or(c["proto"].as_str().unwrap())
        };
        let (o, r) = (
            c["id.orig_h"].as_str().unwrap(),
            c["id.resp_h"].as_str().unwrap(),
        );
        edges.insert((
            o.to_string(),
            r.to_string(),
            protocol.to_string(),
            c["id.resp_p"].to_string(),
        ));
        hosts.insert(o.to_string());
        hosts.insert(r.to_string());
    }
    assert!(alerts > 0 && !devices.is_empty());

    let url = format!("file://{}", report.display());
    let run = chromium(&["--enable-logging=stderr", "--v=0", "--dump-dom"], &url);
    let dom = String::from_utf8_lossy(&run.stdout);
    let log = String::from_utf8_lossy(&run.stderr);
    assert_eq!(attr(&dom, "rendered").as_deref(), Some("ok"), "{log}");
    assert_eq!(attr(&dom, "devices"), Some(devices.len().to_string()));
    assert_eq!(attr(&dom, "alerts"), Some(alerts.to_string()));
    assert_eq!(attr(&dom, "nodes"), Some(hosts.len().to_string()));
    assert_eq!(attr(&dom, "edges"), Some(edges.len().to_string()));
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console output: {console:#?}");

    let shot = repo().join("target/report.png");
    let run = chromium(
        &[
            "--window-size=1400,1000",
            &format!("--screenshot={}", shot.display()),
        ],
        &url,
    );
    assert!(run.status.success());
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 50_000,
        "a real screenshot"
    );
}

#[test]
fn the_report_of_a_directory_that_is_not_a_run_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = otwatch()
        .arg("report")
        .arg(dir.path())
        .arg("-o")
        .arg(dir.path().join("r.html"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not the logs of an otwatch run"));
}
