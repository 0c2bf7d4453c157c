//! `otwatch live` on a real interface: two network namespaces joined by a
//! veth pair, `tcpreplay` sending a capture from one side, the sensor
//! capturing on the other (as root, as CI runs; see ../shared/TESTING.md).
//! The live logs equal `analyze`'s on the same capture (times aside);
//! SIGTERM flushes and exits 0; SIGHUP reloads (and refuses a broken rule
//! set); the monitored interface never transmits; `--learn-for` switches
//! to detection by itself; the sensor runs as an unprivileged user with
//! only CAP_NET_RAW and CAP_NET_ADMIN.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Two namespaces and a veth pair, removed on drop.
struct Wire {
    a: String,
    b: String,
}

fn sh(args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Wire {
    fn new(tag: &str) -> Wire {
        let (a, b) = (format!("otw_{tag}_a"), format!("otw_{tag}_b"));
        let _ = Command::new("ip").args(["netns", "del", &a]).output();
        let _ = Command::new("ip").args(["netns", "del", &b]).output();
        sh(&["ip", "netns", "add", &a]);
        sh(&["ip", "netns", "add", &b]);
        sh(&[
            "ip", "link", "add", "veth_a", "netns", &a, "type", "veth", "peer", "name", "veth_b",
            "netns", &b,
        ]);
        for (ns, dev) in [(&a, "veth_a"), (&b, "veth_b")] {
            // No IPv6: the kernel would send its own solicitations.
            sh(&[
                "ip",
                "netns",
                "exec",
                ns,
                "sysctl",
                "-qw",
                "net.ipv6.conf.all.disable_ipv6=1",
            ]);
            sh(&[
                "ip",
                "netns",
                "exec",
                ns,
                "sysctl",
                "-qw",
                "net.ipv6.conf.default.disable_ipv6=1",
            ]);
            sh(&["ip", "-n", ns, "link", "set", dev, "up"]);
        }
        Wire { a, b }
    }

    /// The sensor's interface counters.
    fn tx_packets(&self) -> u64 {
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.b,
                "cat",
                "/sys/class/net/veth_b/statistics/tx_packets",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }

    /// Starts `otwatch live -i veth_b` in the sensor's namespace.
    fn sensor(&self, prefix: &[&str], args: &[&str], err: &Path) -> Child {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.b]);
        c.args(prefix);
        c.arg(env!("CARGO_BIN_EXE_otwatch"))
            .args(["live", "-i", "veth_b", "--stats-interval", "1s"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(err).unwrap());
        let mut child = c.spawn().unwrap();
        // Until it captures.
        for _ in 0..100 {
            if std::fs::read_to_string(err)
                .unwrap_or_default()
                .contains("capturing on")
            {
                return child;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "the sensor did not start: {}",
            std::fs::read_to_string(err).unwrap_or_default()
        );
    }

    fn replay(&self, pcap: &Path, pps: u32) {
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.a,
                "tcpreplay",
                "-q",
                "-i",
                "veth_a",
                "--pps",
            ])
            .arg(pps.to_string())
            .arg(pcap)
            .output()
            .expect("tcpreplay (make test installs it)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Wire {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.a]).output();
        let _ = Command::new("ip").args(["netns", "del", &self.b]).output();
    }
}

fn signal(child: &Child, sig: &str) {
    sh(&["kill", &format!("-{sig}"), &child.id().to_string()]);
}

/// Stops the sensor with SIGTERM; returns its exit code.
fn stop(mut child: Child) -> Option<i32> {
    std::thread::sleep(Duration::from_millis(700));
    signal(&child, "TERM");
    child.wait().unwrap().code()
}

/// A log's rows without the fields that depend on time.
fn rows(dir: &Path, log: &str) -> Vec<Value> {
    let path = dir.join(format!("{log}.log"));
    if !path.exists() {
        return Vec::new();
    }
    read_json_log(&path)
        .into_iter()
        .map(|mut v| {
            if let Value::Object(m) = &mut v {
                for k in [
                    "ts",
                    "duration",
                    "first_seen_us",
                    "last_seen_us",
                    "ts_delta",
                ] {
                    m.remove(k);
                }
                m.retain(|k, _| !k.ends_with("_timestamp") && !k.contains("seen"));
            }
            v
        })
        .collect()
}

fn analyze_dir(pcap: &Path) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let out = analyze(d.path(), &["--no-rules"], &[pcap.to_path_buf()]);
    assert!(out.status.success());
    d
}

#[test]
fn live_capture_logs_what_analyze_logs_and_never_transmits() {
    let w = Wire::new("eq");
    for name in ["modbus_example.pcap", "enip_cip_example.pcap"] {
        let cap = pcap(name);
        let dir = tempfile::tempdir().unwrap();
        let err = dir.path().join("stderr");
        let out = dir.path().join("logs");
        let tx = w.tx_packets();
        let s = w.sensor(&[], &["--no-rules", "--out", out.to_str().unwrap()], &err);
        w.replay(&cap, 2000);
        assert_eq!(
            stop(s),
            Some(0),
            "{}",
            std::fs::read_to_string(&err).unwrap()
        );
        assert_eq!(w.tx_packets(), tx, "the monitored interface sent nothing");
        let reference = analyze_dir(&cap);
        for log in [
            "conn",
            "modbus",
            "modbus_detailed",
            "enip",
            "cip",
            "cip_io",
            "cip_identity",
        ] {
            assert_eq!(rows(&out, log), rows(reference.path(), log), "{name} {log}");
        }
        let ips = |d: &Path| -> Vec<Value> {
            rows(d, "known_devices")
                .iter()
                .map(|r| r["ip"].clone())
                .collect()
        };
        assert_eq!(ips(&out), ips(reference.path()), "{name} inventory");
        assert!(
            out.join("capture_loss.log").exists(),
            "capture loss every interval"
        );
        let loss = read_json_log(&out.join("capture_loss.log"));
        assert!(loss.iter().all(|r| r["kernel_dropped"] == 0), "{loss:?}");
    }
}

#[test]
fn sighup_reloads_rules_and_refuses_a_broken_set() {
    let w = Wire::new("hup");
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("site.rules");
    let out = dir.path().join("logs");
    let err = dir.path().join("stderr");
    std::fs::write(
        &rules,
        "alert modbus any any -> any 502 (msg:\"reads\"; modbus: function 3; sid:1;)\n",
    )
    .unwrap();
    let s = w.sensor(
        &[],
        &[
            "--rules",
            rules.to_str().unwrap(),
            "--alert-window",
            "0",
            "--out",
            out.to_str().unwrap(),
        ],
        &err,
    );
    // A broken set: refused, the old one stays.
    std::fs::write(
        &rules,
        "alert modbus any any -> any 502 (msg:\"x\"; modbus: function 999; sid:2;)\n",
    )
    .unwrap();
    signal(&s, "HUP");
    std::thread::sleep(Duration::from_millis(500));
    // A good one: taken.
    std::fs::write(
        &rules,
        "alert modbus any any -> any 502 (msg:\"writes\"; modbus: access write; sid:3;)\n",
    )
    .unwrap();
    signal(&s, "HUP");
    std::thread::sleep(Duration::from_millis(500));
    w.replay(&pcap("modbus_example.pcap"), 2000);
    assert_eq!(stop(s), Some(0));
    let log = std::fs::read_to_string(&err).unwrap();
    assert!(
        log.contains("SIGHUP: reload refused, the old rules and baseline stay"),
        "{log}"
    );
    assert!(
        log.contains("sid 2: modbus: expected a function code"),
        "{log}"
    );
    assert!(log.contains("SIGHUP: reloaded"), "{log}");
    let sids: Vec<u64> = read_json_log(&out.join("alert.log"))
        .iter()
        .map(|a| a["sid"].as_u64().unwrap())
        .collect();
    assert_eq!(
        sids,
        vec![3; 8],
        "the new rule only, every write of the capture"
    );
}

#[test]
fn learn_for_then_detect() {
    let w = Wire::new("learn");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("logs");
    let err = dir.path().join("stderr");
    let s = w.sensor(
        &[],
        &[
            "--no-rules",
            "--learn-for",
            "2s",
            "--out",
            out.to_str().unwrap(),
        ],
        &err,
    );
    w.replay(&pcap("plant-good.pcap"), 5000);
    std::thread::sleep(Duration::from_millis(2500));
    w.replay(&pcap("plant-anomalies.pcap"), 5000);
    assert_eq!(stop(s), Some(0));
    let log = std::fs::read_to_string(&err).unwrap();
    assert!(
        log.contains("baseline saved to") && log.contains("detecting"),
        "{log}"
    );
    let b: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("baseline.json")).unwrap()).unwrap();
    assert_eq!(b["devices"].as_array().unwrap().len(), 3);
    let notes: Vec<String> = read_json_log(&out.join("notice.log"))
        .iter()
        .map(|n| {
            format!(
                "{} {}",
                n["note"].as_str().unwrap(),
                n["msg"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("OTWatch::New_Device new device 10.0.0.99")),
        "{notes:#?}"
    );
    assert!(
        notes.iter().any(|n| n.starts_with("OTWatch::New_Function")),
        "{notes:#?}"
    );
}

#[test]
fn runs_unprivileged_with_only_the_capture_capabilities() {
    let w = Wire::new("priv");
    let dir = tempfile::tempdir().unwrap();
    let out: PathBuf = dir.path().join("logs");
    std::fs::create_dir(&out).unwrap();
    sh(&[
        "chmod",
        "0777",
        dir.path().to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    let err = dir.path().join("stderr");
    let s = w.sensor(
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all,+net_raw,+net_admin",
            "--ambient-caps=-all,+net_raw,+net_admin",
            "--bounding-set=-all,+net_raw,+net_admin",
        ],
        &["--no-rules", "--out", out.to_str().unwrap()],
        &err,
    );
    let status = std::fs::read_to_string(format!("/proc/{}/status", s.id())).unwrap_or_default();
    w.replay(&pcap("modbus_example.pcap"), 2000);
    assert_eq!(
        stop(s),
        Some(0),
        "{}",
        std::fs::read_to_string(&err).unwrap()
    );
    assert_eq!(read_json_log(&out.join("conn.log")).len(), 2);
    // The process that captured ran as nobody (setpriv execs otwatch).
    let _ = status;
    let meta = std::fs::metadata(out.join("conn.log")).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(meta.uid(), 65534, "written by the unprivileged sensor");
}

#[test]
fn logs_rotate_by_time_like_zeek() {
    let w = Wire::new("rot");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("logs");
    let err = dir.path().join("stderr");
    let s = w.sensor(
        &[],
        &[
            "--no-rules",
            "--rotate-interval",
            "1s",
            "--out",
            out.to_str().unwrap(),
        ],
        &err,
    );
    // 100 packets over 2.5 s: modbus.log rows on both sides of a rotation.
    w.replay(&pcap("modbus_example.pcap"), 40);
    assert_eq!(stop(s), Some(0));
    let rotated: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("modbus.") && n != "modbus.log")
        .collect();
    assert!(!rotated.is_empty(), "{rotated:?}");
    // modbus.2026-11-25-21-40-01_2026-11-25-21-40-02.log
    let stamp = |s: &str| s.len() == 19 && s.chars().filter(|c| *c == '-').count() == 5;
    for r in &rotated {
        let (open, close) = r
            .trim_start_matches("modbus.")
            .trim_end_matches(".log")
            .split_once('_')
            .unwrap();
        assert!(stamp(open) && stamp(close), "{r}");
    }
    // Nothing lost across the files.
    let mut n = 0;
    for e in std::fs::read_dir(&out).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("modbus.") {
            n += read_json_log(&out.join(&name)).len();
        }
    }
    assert_eq!(n, 48);
}

#[test]
fn config_files_are_checked() {
    let ok = otwatch()
        .args(["config", "check"])
        .arg(repo().join("deploy/otwatch.toml"))
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "interface = [\"eth1\"]\nsnaplen = 65535\nrotate_interval = \"hourly\"\n",
    )
    .unwrap();
    let out = otwatch()
        .args(["config", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:3: rotate_interval: bad duration \"hourly\""),
        "{err}"
    );
    std::fs::write(&bad, "interface = [\"eth1\"]\nsnap_len = 1\n").unwrap();
    let out = otwatch()
        .args(["config", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:2:1: unknown field `snap_len`"),
        "{err}"
    );
    // live refuses to start on it, naming it.
    let out = otwatch()
        .args(["live", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
