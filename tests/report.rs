//! The HTML report in a real browser: headless Chromium (Debian's
//! `chromium`, installed by `make test`) opens the report of the demo
//! captures and of synthesized plants of 10, 100 and 1,000 devices; the
//! page measures itself (hosts and edges drawn, label boxes that meet, the
//! alert list's place, the time to interactive) into `data-` attributes of
//! its body, and must log nothing to the console. Screenshots are kept in
//! `target/` (`report.png`, `report-<N>.png`, `report-<N>-map.png`).

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

/// One browser at a time: the tests of this file run in parallel threads,
/// and the page's own clock must not count another browser's work.
static BROWSER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Headless Chromium on `url`, alone.
fn browser(args: &[&str], url: &str) -> std::process::Output {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(args)
        .arg(url)
        .output()
        .expect("chromium (Debian package chromium) runs; make test installs it")
}

/// Headless Chromium on virtual time: every timer of the page has run.
fn chromium(args: &[&str], url: &str) -> std::process::Output {
    browser(&[&["--virtual-time-budget=10000"], args].concat(), url)
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
    let shape = Shape::of(&logs);
    assert!(shape.alerts > 0 && shape.devices > 0);

    let url = format!("file://{}", report.display());
    let run = chromium(&["--enable-logging=stderr", "--v=0", "--dump-dom"], &url);
    let dom = String::from_utf8_lossy(&run.stdout);
    let log = String::from_utf8_lossy(&run.stderr);
    assert_eq!(attr(&dom, "rendered").as_deref(), Some("ok"), "{log}");
    assert_eq!(attr(&dom, "devices"), Some(shape.devices.to_string()));
    assert_eq!(attr(&dom, "alerts"), Some(shape.alerts.to_string()));
    assert_eq!(attr(&dom, "hosts"), Some(shape.hosts.to_string()));
    assert_eq!(attr(&dom, "edges"), Some(shape.edges.len().to_string()));
    assert_eq!(attr(&dom, "overlaps").as_deref(), Some("0"));
    silent(&log);
    // Opened whole, every host is a node.
    let (dom, _) = open(&format!("{url}#expand=all"));
    assert_eq!(attr(&dom, "visible-nodes"), Some(shape.hosts.to_string()));
    assert_eq!(attr(&dom, "overlaps").as_deref(), Some("0"));

    screenshot(&url, "report", "1400,1000", 50_000);
}

/// What a run's logs hold: devices, hosts (devices and peers), edges
/// (client, server, protocol, port) and alerts.
struct Shape {
    devices: usize,
    hosts: usize,
    edges: BTreeSet<(String, String, String, String)>,
    alerts: usize,
    /// Devices an alert names (source or destination).
    named: BTreeSet<String>,
}

impl Shape {
    fn of(logs: &std::path::Path) -> Shape {
        let devices = read_json_log(&logs.join("known_devices.log"));
        let alert_rows = read_json_log(&logs.join("alert.log"));
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
        // The devices of the inventory an alert names (its addresses, or its
        // connection's when it has none).
        let mut named = BTreeSet::new();
        for a in &alert_rows {
            let keys = if a["src"].is_string() {
                ["src", "dst"]
            } else {
                ["id.orig_h", "id.resp_h"]
            };
            for k in keys {
                if let Some(ip) = a[k].as_str() {
                    if devices.iter().any(|d| d["ip"] == ip) {
                        named.insert(ip.to_string());
                    }
                }
            }
        }
        Shape {
            devices: devices.len(),
            hosts: hosts.len(),
            edges,
            alerts: alert_rows.len(),
            named,
        }
    }
}

/// Chromium logged nothing from the page.
fn silent(log: &str) {
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console output: {console:#?}");
}

fn num(dom: &str, name: &str) -> f64 {
    attr(dom, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("data-{name} in the page"))
}

/// A synthesized plant of about `n` devices, analysed with the rule pack
/// (and a baseline learned from the same plant without the attacks), and
/// its report.
fn plant(dir: &std::path::Path, n: usize, extra: &[&str]) -> (std::path::PathBuf, Shape) {
    let n_s = n.to_string();
    let synth = |path: &std::path::Path, seed: &str, anomalies: bool| {
        let mut c = otwatch();
        c.args(["synth", "--devices", &n_s, "--seed", seed, "-o"])
            .arg(path)
            .args(extra);
        if anomalies {
            c.arg("--anomalies");
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let normal = dir.join(format!("normal-{n}.pcap"));
    let attacked = dir.join(format!("attacked-{n}.pcap"));
    synth(&normal, "2", false);
    synth(&attacked, "1", true);
    let baseline = dir.join(format!("baseline-{n}.json"));
    learn_baseline(&normal, &baseline);
    let logs = dir.join(format!("logs-{n}"));
    let report = dir.join(format!("report-{n}.html"));
    let o = analyze(
        &logs,
        &[
            "--rules",
            "rules",
            "--baseline",
            baseline.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
        &[attacked],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (report, Shape::of(&logs))
}

/// Headless Chromium with a real clock (no virtual time), so that the
/// page's own measure of its load is the browser's. The browser is driven
/// over the DevTools protocol on a pipe and the DOM is read once the page
/// has drawn its first frame (`data-drawn-ms`): `--dump-dom` reads it at
/// the load event, which on a busy machine can come before that frame.
/// Returns the DOM and the browser's log.
fn open(url: &str) -> (String, String) {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let profile = tempfile::tempdir().unwrap();
    // The protocol pipe is the browser's fds 3 (commands in) and 4
    // (answers out): the shell puts our stdin and stdout there.
    let mut child = Command::new("sh")
        .args([
            "-c",
            r#"exec chromium "$@" 3<&0 4>&1 0</dev/null 1>/dev/null"#,
            "sh",
        ])
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1400,900",
            "--enable-logging=stderr",
            "--v=0",
            "--remote-debugging-pipe",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium (Debian package chromium) runs; make test installs it");
    let mut stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut cdp = Cdp {
        to: child.stdin.take().unwrap(),
        from: BufReader::new(child.stdout.take().unwrap()),
        next: 0,
    };
    let target = cdp.call(None, "Target.createTarget", json!({"url": "about:blank"}));
    let session = cdp.call(
        None,
        "Target.attachToTarget",
        json!({"targetId": target["targetId"], "flatten": true}),
    );
    let session = session["sessionId"].as_str().unwrap().to_string();
    cdp.call(Some(&session), "Page.enable", json!({}));
    cdp.call(Some(&session), "Page.navigate", json!({"url": url}));
    cdp.event(&session, "Page.loadEventFired");
    // The DOM once the page says it is rendered and drawn, or as it is
    // after 60 s (the assertions then say what is missing).
    let wait = r#"new Promise(done => {
        const end = performance.now() + 60000;
        const look = () => {
            const b = document.body && document.body.dataset;
            if ((b && b.rendered && b.drawnMs) || performance.now() > end)
                done(document.documentElement.outerHTML);
            else setTimeout(look, 20);
        };
        look();
    })"#;
    let dom = cdp.call(
        Some(&session),
        "Runtime.evaluate",
        json!({"expression": wait, "awaitPromise": true, "returnByValue": true}),
    );
    let dom = dom["result"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    cdp.call(None, "Browser.close", json!({}));
    drop(cdp);
    child.wait().unwrap();
    (dom, log.join().unwrap())
}

/// Chromium's DevTools protocol on `--remote-debugging-pipe`: JSON
/// messages, each ended by a NUL byte.
struct Cdp {
    to: std::process::ChildStdin,
    from: BufReader<std::process::ChildStdout>,
    next: u64,
}

impl Cdp {
    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> u64 {
        self.next += 1;
        let mut m = json!({"id": self.next, "method": method, "params": params});
        if let Some(s) = session {
            m["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&m).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        self.to.flush().unwrap();
        self.next
    }

    fn message(&mut self) -> Value {
        let mut bytes = Vec::new();
        let n = self.from.read_until(0, &mut bytes).unwrap();
        assert!(n > 0 && bytes.ends_with(&[0]), "chromium closed the pipe");
        bytes.pop();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// Sends a command and returns its result; events on the way are
    /// passed over.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.send(session, method, params);
        loop {
            let m = self.message();
            if m["id"] == id {
                assert!(m.get("error").is_none(), "{method}: {}", m["error"]);
                return m["result"].clone();
            }
        }
    }

    fn event(&mut self, session: &str, method: &str) {
        loop {
            let m = self.message();
            if m["method"] == method && m["sessionId"] == session {
                return;
            }
        }
    }
}

/// Saves `target/NAME.png` of the page in a window of `size` ("W,H") and
/// checks it is a picture of more than `min_bytes`.
fn screenshot(url: &str, name: &str, size: &str, min_bytes: usize) {
    let shot = repo().join(format!("target/{name}.png"));
    let run = chromium(
        &[
            &format!("--window-size={size}"),
            &format!("--screenshot={}", shot.display()),
        ],
        url,
    );
    assert!(run.status.success());
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > min_bytes,
        "{name}: a real screenshot"
    );
}

#[test]
fn reports_of_plants_of_10_100_and_1000_devices_read_at_scale() {
    let dir = tempfile::tempdir().unwrap();
    for (n, extra) in [
        (10, &["--packets", "60000"][..]),
        // With a Siemens cell: S7comm, PROFINET DCP and cyclic I/O.
        (100, &["--packets", "100000", "--s7-plcs", "2"][..]),
        // About 10,000 edges: every IT host opens file shares to 40 others.
        (1000, &["--packets", "400000", "--it-peers", "40"][..]),
    ] {
        let (report, shape) = plant(dir.path(), n, extra);
        let bytes = std::fs::metadata(&report).unwrap().len();
        assert!(
            bytes <= 5 << 20,
            "{n}: the report is {bytes} bytes, over 5 MB"
        );
        if n == 1000 {
            assert!(shape.devices >= 1000, "{} devices", shape.devices);
            assert!(shape.edges.len() >= 10_000, "{} edges", shape.edges.len());
        }
        let url = format!("file://{}", report.display());
        let (dom, log) = open(&url);
        assert_eq!(attr(&dom, "rendered").as_deref(), Some("ok"), "{n}: {log}");
        assert!(num(&dom, "visible-edges") > 0.0, "{n}: edges drawn");
        silent(&log);
        assert_eq!(num(&dom, "hosts") as usize, shape.hosts, "{n}");
        assert_eq!(num(&dom, "edges") as usize, shape.edges.len(), "{n}");
        assert_eq!(num(&dom, "alerts") as usize, shape.alerts, "{n}");
        assert!(shape.alerts > 0, "{n}: the attacks raise alerts");
        // Alerts first: the list starts well inside the first screen.
        let (top, height) = (num(&dom, "alerts-top"), num(&dom, "viewport-height"));
        assert!(
            top + 150.0 < height,
            "{n}: alert list at {top} px of {height}"
        );
        // No two labels meet at the default zoom, and they are readable.
        assert!(num(&dom, "labels") > 5.0, "{n}");
        assert_eq!(num(&dom, "overlaps"), 0.0, "{n}: labels overlap");
        assert!(
            num(&dom, "label-px") >= 6.0,
            "{n}: labels of {} px",
            num(&dom, "label-px")
        );
        // Interactive (laid out, handlers attached) and drawn (Cytoscape's
        // first painted frame) within 3 s of navigation, by the page's own
        // clock.
        let (ms, drawn) = (num(&dom, "interactive-ms"), num(&dom, "drawn-ms"));
        eprintln!(
            "{n} devices: {bytes} bytes, interactive in {ms} ms, drawn in {drawn} ms, {} nodes and {} edges drawn",
            num(&dom, "visible-nodes"),
            num(&dom, "visible-edges")
        );
        assert!(ms <= drawn && drawn < 3000.0, "{n}: drawn after {drawn} ms");
        // The page's controls, driven through its own event handlers:
        // hover shows an edge's label, a click opens and folds a group and
        // opens a device's panel, the alert filter narrows, search finds.
        let (dom, log) = open(&format!("{url}#selftest"));
        assert_eq!(
            attr(&dom, "selftest").as_deref(),
            Some("hover,open,fold,panel,filter,search"),
            "{n}: {log}"
        );
        // Opened whole, with the alert filter: exactly the hosts an alert
        // names are drawn, and still no label meets another.
        let (dom, log) = open(&format!("{url}#expand=all&alert=named"));
        assert_eq!(attr(&dom, "rendered").as_deref(), Some("ok"), "{n}: {log}");
        assert_eq!(
            num(&dom, "visible-nodes") as usize,
            shape.named.len(),
            "{n}"
        );
        assert_eq!(num(&dom, "overlaps"), 0.0, "{n}: labels overlap, all open");
        screenshot(&url, &format!("report-{n}"), "1400,900", 30_000);
        screenshot(
            &format!("{url}#view=map"),
            &format!("report-{n}-map"),
            "1400,900",
            30_000,
        );
    }
}

#[test]
fn the_device_panel_search_and_print_view_work() {
    let dir = tempfile::tempdir().unwrap();
    let (report, shape) = plant(dir.path(), 100, &["--packets", "100000"]);
    let url = format!("file://{}", report.display());
    // The most connected alerted device: its panel lists each of its edges.
    let ip = shape
        .named
        .iter()
        .max_by_key(|ip| {
            shape
                .edges
                .iter()
                .filter(|e| &e.0 == *ip || &e.1 == *ip)
                .count()
        })
        .unwrap()
        .clone();
    let edges = shape
        .edges
        .iter()
        .filter(|e| e.0 == ip || e.1 == ip)
        .count();
    let (dom, log) = open(&format!("{url}#search={ip}"));
    assert_eq!(attr(&dom, "rendered").as_deref(), Some("ok"), "{log}");
    let at = dom.find("<aside id=\"panel\"").expect("the panel");
    let panel = &dom[at..at + dom[at..].find("</aside>").expect("the panel's end")];
    assert!(
        panel.contains(&format!("data-ip=\"{ip}\"")),
        "the panel opens on {ip}"
    );
    assert!(
        panel.contains(&format!("data-peers=\"{edges}\"")),
        "{ip} has {edges} edges"
    );
    for part in ["Identity", "Roles", "Protocols", "Alerts (", "Peers ("] {
        assert!(panel.contains(part), "the panel has {part}");
    }
    screenshot(
        &format!("{url}#search={ip}&view=map"),
        "report-panel",
        "1400,900",
        30_000,
    );
    // The timeline has a time axis and a severity legend.
    let (dom, _) = open(&url);
    assert!(
        dom.matches("class=\"tick\"").count() >= 2,
        "time axis ticks"
    );
    assert!(
        dom.contains("text-anchor=\"end\" class=\"legend\""),
        "severity legend in the timeline"
    );
    // Opened whole, every host is drawn; a role filter draws fewer.
    let all = num(&open(&format!("{url}#expand=all")).0, "visible-nodes");
    assert_eq!(all as usize, shape.hosts);
    let plcs = num(
        &open(&format!("{url}#expand=all&role=controller")).0,
        "visible-nodes",
    );
    assert!(plcs > 0.0 && plcs < all, "{plcs} controllers of {all}");
    // Print: a PDF of several pages with the map as a picture.
    let pdf = dir.path().join("report.pdf");
    let o = browser(
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
        ],
        &url,
    );
    assert!(o.status.success());
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let pages = bytes
        .windows(12)
        .filter(|w| w.starts_with(b"/Type /Page") && w[11] != b's')
        .count();
    assert!(pages >= 2, "{pages} pages");
    assert!(
        bytes.windows(15).any(|w| w == b"/Subtype /Image"),
        "the map is in the PDF as a picture"
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
