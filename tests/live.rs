//! `otwatch live` on a real interface: two network namespaces joined by a
//! veth pair, `tcpreplay` sending a capture from one side, the sensor
//! capturing on the other (as root, as CI runs; see ../shared/TESTING.md).
//! The live logs equal `analyze`'s on the same capture (times aside);
//! SIGTERM flushes and exits 0; SIGHUP reloads (and refuses a broken rule
//! set); the monitored interface never transmits; `--learn-for` switches
//! to detection by itself; the sensor runs as an unprivileged user with
//! only CAP_NET_RAW (what the unit grants; promiscuous mode included).

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
            out.join("otwatch_capture_loss.log").exists(),
            "capture loss every interval"
        );
        let loss = read_json_log(&out.join("otwatch_capture_loss.log"));
        assert!(loss.iter().all(|r| r["kernel_dropped"] == 0), "{loss:?}");
    }
}

/// PROFINET at layer 2 (DCP, cyclic I/O: no IP) reaches the sensor
/// through the interface as it reaches `analyze` from the file.
#[test]
fn profinet_layer2_frames_are_read_live() {
    let w = Wire::new("pn");
    let cap = pcap("profinet_io_cm_mixed_1.pcap");
    let dir = tempfile::tempdir().unwrap();
    let err = dir.path().join("stderr");
    let out = dir.path().join("logs");
    let s = w.sensor(&[], &["--no-rules", "--out", out.to_str().unwrap()], &err);
    w.replay(&cap, 2000);
    assert_eq!(
        stop(s),
        Some(0),
        "{}",
        std::fs::read_to_string(&err).unwrap()
    );
    let reference = analyze_dir(&cap);
    for log in ["profinet_dcp", "profinet_rt", "profinet_io_cm"] {
        let live = rows(&out, log);
        assert!(!live.is_empty(), "{log}");
        assert_eq!(live, rows(reference.path(), log), "{log}");
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
    // Each alert with the deviations folded into it: the new device's
    // first read, the write on a read-only edge that is a new function.
    let notes: Vec<String> = read_json_log(&out.join("alert.log"))
        .iter()
        .map(|n| format!("{} {} {}", n["note"], n["msg"], n["deviations"]))
        .collect();
    assert!(
        notes.iter().any(|n| n.starts_with(
            "\"OTWatch::New_Client_Read\" \"modbus READ_HOLDING_REGISTERS (read) from 10.0.0.99"
        ) && n.contains("OTWatch::New_Device")),
        "{notes:#?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("\"OTWatch::Write_On_Read_Only_Edge\"")
                && n.contains("OTWatch::New_Function")),
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
            "--inh-caps=-all,+net_raw",
            "--ambient-caps=-all,+net_raw",
            "--bounding-set=-all,+net_raw",
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
    // Every rotated file of every log holds rows and a period of its own:
    // it closes after it opens, and the next one opens where it closed.
    let mut periods: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for e in std::fs::read_dir(&out).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let Some((log, rest)) = name.split_once('.') else {
            continue;
        };
        let Some((open, close)) = rest.trim_end_matches(".log").split_once('_') else {
            continue;
        };
        assert!(open < close, "{name}: closes when it opens");
        assert!(
            !std::fs::read_to_string(out.join(&name)).unwrap().is_empty(),
            "{name} is empty"
        );
        periods
            .entry(log.to_string())
            .or_default()
            .push((open.to_string(), close.to_string()));
    }
    for (log, mut p) in periods {
        p.sort();
        for w in p.windows(2) {
            assert!(w[0].1 <= w[1].0, "{log}: {w:?} overlap");
        }
    }
    // The summary counts the whole run, across the rotations.
    let said = std::fs::read_to_string(&err).unwrap();
    assert!(said.contains("modbus.log: 48 records"), "{said}");
    assert!(said.contains("from 1 interface(s)"), "{said}");
}

/// `live` takes the analysis settings `analyze` takes, from flags and
/// from its configuration file (a flag over the file): with the same
/// settings its logs equal `analyze`'s, and the file's CIP I/O interval of
/// 0 logs every I/O datagram (398 rows instead of one per connection and
/// direction).
#[test]
fn live_takes_the_analysis_settings_from_flags_and_file() {
    let w = Wire::new("set");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("logs");
    let err = dir.path().join("stderr");
    let config = dir.path().join("otwatch.toml");
    std::fs::write(
        &config,
        "cip_io_interval = 0\nlog_format = \"tsv\"\ntcp_timeout = 600\nverify_checksums = true\n\
         no_rules = true\n",
    )
    .unwrap();
    let cap = pcap("enip_cip_example.pcap");
    let s = w.sensor(
        &[],
        &[
            "--config",
            config.to_str().unwrap(),
            "--log-format",
            "json",
            "--max-flows",
            "1000",
            "--reassembly-cap",
            "65536",
            "--udp-timeout",
            "120",
            "--out",
            out.to_str().unwrap(),
        ],
        &err,
    );
    w.replay(&cap, 2000);
    assert_eq!(
        stop(s),
        Some(0),
        "{}",
        std::fs::read_to_string(&err).unwrap()
    );
    let reference = tempfile::tempdir().unwrap();
    let o = analyze(
        reference.path(),
        &[
            "--no-rules",
            "--cip-io-interval",
            "0",
            "--tcp-timeout",
            "600",
            "--verify-checksums",
            "--max-flows",
            "1000",
            "--reassembly-cap",
            "65536",
            "--udp-timeout",
            "120",
        ],
        &[cap],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(rows(&out, "cip_io").len(), 398, "every I/O datagram");
    for log in ["conn", "enip", "cip", "cip_io", "cip_identity"] {
        assert_eq!(rows(&out, log), rows(reference.path(), log), "{log}");
    }
    assert!(rows(&out, "alert").is_empty(), "no_rules from the file");
}

/// Copies a folder's files (one level, as the rule pack is).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn config_files_are_checked() {
    // The shipped example, installed as the README says (the rule pack and
    // its variables beside it, here under a temporary /etc/otwatch: the
    // check now loads the rules and variables the file names).
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc-otwatch");
    copy_dir(&repo().join("rules"), &etc.join("rules"));
    std::fs::copy(repo().join("rules/vars.conf"), etc.join("vars.conf")).unwrap();
    let installed = etc.join("otwatch.toml");
    std::fs::write(
        &installed,
        std::fs::read_to_string(repo().join("deploy/otwatch.toml"))
            .unwrap()
            .replace("/etc/otwatch/", &format!("{}/", etc.display())),
    )
    .unwrap();
    let ok = otwatch()
        .args(["config", "check"])
        .arg(&installed)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout),
        format!("{}: OK\n", installed.display())
    );
    // Where nothing is installed, the check names what is missing.
    if !Path::new("/etc/otwatch").exists() {
        let out = otwatch()
            .args(["config", "check"])
            .arg(repo().join("deploy/otwatch.toml"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        for missing in [
            ": rules: /etc/otwatch/rules: no such file or directory",
            ": vars: /etc/otwatch/vars.conf: no such file or directory",
        ] {
            assert!(err.contains(missing), "{err}");
        }
    }
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

/// Reads every stream of a log group from a CloudWatch Logs API server in
/// the sensor's namespace (boto3 from the moto venv), as
/// `{stream: [message, ...]}`.
const READ_GROUP: &str = r#"
import boto3, json, sys
c = boto3.client("logs", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="testing", aws_secret_access_key="testing")
out = {}
for s in c.describe_log_streams(logGroupName=sys.argv[2])["logStreams"]:
    name, msgs, token = s["logStreamName"], [], None
    while True:
        kw = {"nextToken": token} if token else {}
        page = c.get_log_events(logGroupName=sys.argv[2], logStreamName=name, startFromHead=True, **kw)
        msgs += [e["message"] for e in page["events"]]
        if not page["events"] or page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    out[name] = msgs
print(json.dumps(out))
"#;

fn read_group(w: &Wire, group: &str) -> serde_json::Map<String, Value> {
    let out = Command::new("ip")
        .args(["netns", "exec", &w.b])
        .arg(repo().join(".venv-moto/bin/python"))
        .args(["-c", READ_GROUP, "http://127.0.0.1:5000", group])
        .output()
        .unwrap();
    if !out.status.success() {
        return serde_json::Map::new();
    }
    serde_json::from_slice(&out.stdout).unwrap_or_default()
}

fn lines(dir: &Path, log: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(format!("{log}.log")))
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// `live` ships as it goes (alerts reach CloudWatch while the sensor
/// runs), writes a metrics record with every stats interval, and drains
/// on SIGTERM: the group then holds exactly the local logs.
#[test]
fn live_ships_to_cloudwatch_as_it_runs() {
    let moto = repo().join(".venv-moto/bin/moto_server");
    assert!(
        moto.exists(),
        "run `make test-deps` (it installs moto[server])"
    );
    let w = Wire::new("cw");
    sh(&["ip", "-n", &w.b, "link", "set", "lo", "up"]);
    let mut server = Command::new("ip")
        .args(["netns", "exec", &w.b])
        .arg(&moto)
        .args(["-H", "127.0.0.1", "-p", "5000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Kill<'a>(&'a mut Child);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _server = Kill(&mut server);
    let ready = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(200));
        Command::new("ip")
            .args(["netns", "exec", &w.b])
            .arg(repo().join(".venv-moto/bin/python"))
            .args([
                "-c",
                "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/moto-api/')",
            ])
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    });
    assert!(ready, "moto_server did not start in the namespace");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("logs");
    let err = dir.path().join("stderr");
    let rules = repo().join("rules");
    let vars = repo().join("rules/vars.conf");
    let s = w.sensor(
        &[
            "env",
            "AWS_REGION=us-east-1",
            "AWS_ACCESS_KEY_ID=testing",
            "AWS_SECRET_ACCESS_KEY=testing",
            "AWS_EC2_METADATA_DISABLED=true",
        ],
        &[
            "--rules",
            rules.to_str().unwrap(),
            "--vars",
            vars.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--cloudwatch-group",
            "plant-live",
            "--cloudwatch-endpoint",
            "http://127.0.0.1:5000",
            "--cloudwatch-stream-prefix",
            "s1",
            "--cloudwatch-logs",
            "conn,modbus",
        ],
        &err,
    );
    w.replay(&pcap("plant-anomalies.pcap"), 5000);
    // Alerts arrive while the sensor runs.
    let during = (0..50).find_map(|_| {
        std::thread::sleep(Duration::from_millis(200));
        let g = read_group(&w, "plant-live");
        g.get("s1/alert")
            .and_then(|a| a.as_array())
            .filter(|a| !a.is_empty())
            .map(|a| a.len())
    });
    assert!(
        during.is_some(),
        "no alert reached CloudWatch while running"
    );
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        stop(s),
        Some(0),
        "{}",
        std::fs::read_to_string(&err).unwrap()
    );
    let g = read_group(&w, "plant-live");
    for log in ["alert", "notice", "conn", "modbus"] {
        let remote: Vec<String> = g
            .get(&format!("s1/{log}"))
            .and_then(|a| a.as_array())
            .map(|a| a.iter().map(|m| m.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        assert!(!remote.is_empty(), "{log}");
        assert_eq!(remote, lines(&out, log), "{log}");
    }
    // A metrics record per stats interval; their packet counts (deltas)
    // add up to the last stats row's total.
    let metrics: Vec<Value> = g["s1/metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| serde_json::from_str(m.as_str().unwrap()).unwrap())
        .filter(|m: &Value| m.get("Packets").is_some())
        .collect();
    assert!(metrics.len() >= 3, "{} metrics records", metrics.len());
    let packets: u64 = metrics.iter().map(|m| m["Packets"].as_u64().unwrap()).sum();
    let stats = lines(&out, "otwatch_stats");
    let last: Value = serde_json::from_str(stats.last().unwrap()).unwrap();
    assert_eq!(Some(packets), last["pkts_proc"].as_u64());
    // The periodic rows carry the workers' connection counters as they
    // grow (the capture thread writes the rows; the merge fills them in).
    let periodic: Vec<u64> = stats[..stats.len() - 1]
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["connections"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert!(periodic.iter().any(|&c| c > 0), "{periodic:?}");
    assert!(periodic.windows(2).all(|w| w[0] <= w[1]), "{periodic:?}");
    assert!(metrics.iter().all(|m| m["Sensor"] == "s1"));
}

/// `--eve FILE`: a live sensor's rule matches reach eve.json while it
/// runs (flushed every tick), and it holds what `analyze` writes.
#[test]
fn live_writes_eve_records_as_it_runs() {
    let w = Wire::new("eve");
    let cap = pcap("enip_cip_example.pcap");
    let dir = tempfile::tempdir().unwrap();
    let err = dir.path().join("stderr");
    let out = dir.path().join("logs");
    let eve = dir.path().join("eve.json");
    let s = w.sensor(
        &[],
        &[
            "--out",
            out.to_str().unwrap(),
            "--eve",
            eve.to_str().unwrap(),
        ],
        &err,
    );
    w.replay(&cap, 2000);
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while std::fs::read_to_string(&eve).unwrap_or_default().is_empty()
        && std::time::Instant::now() < until
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let running = std::fs::read_to_string(&eve).unwrap_or_default();
    assert_eq!(
        stop(s),
        Some(0),
        "{}",
        std::fs::read_to_string(&err).unwrap()
    );
    assert!(!running.is_empty(), "no eve record while the sensor ran");
    let reference = dir.path().join("reference.json");
    let o = analyze(
        &dir.path().join("analyze"),
        &["--eve", reference.to_str().unwrap()],
        &[cap],
    );
    assert!(o.status.success());
    let sids = |p: &Path| -> Vec<Value> {
        read_json_log(p)
            .iter()
            .map(|r| r["alert"]["signature_id"].clone())
            .collect()
    };
    assert_eq!(sids(&eve), sids(&reference));
}

/// Alerts reach the disk while the sensor runs, whole lines, as they are
/// raised: read during a steady replay, they are there; after SIGKILL
/// (no chance to flush) every alert read before is still there, and they
/// are those `analyze` raises on the same capture.
#[test]
fn alerts_reach_the_disk_as_raised_and_survive_sigkill() {
    let w = Wire::new("dur");
    let cap = repo().join("pcaps/attacks/attack-new-client.pcap");
    let dir = tempfile::tempdir().unwrap();
    let err = dir.path().join("stderr");
    let out = dir.path().join("logs");
    let mut s = w.sensor(
        &[],
        &["--out", out.to_str().unwrap(), "--flush-interval", "1s"],
        &err,
    );
    // 843 packets at 150 packets/s: about 5.6 s, the first alert within
    // its first packets.
    let mut replay = Command::new("ip")
        .args(["netns", "exec", &w.a, "tcpreplay", "-q", "-i", "veth_a"])
        .args(["--pps", "150"])
        .arg(&cap)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpreplay (make test installs it)");
    let started = std::time::Instant::now();
    let alerts = || std::fs::read_to_string(out.join("alert.log")).unwrap_or_default();
    // The first alert seen on disk: after how long, and how many there were.
    let mut first: Option<(Duration, usize)> = None;
    while replay.try_wait().unwrap().is_none() {
        let n = alerts().lines().count();
        if first.is_none() && n > 0 {
            first = Some((started.elapsed(), n));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let Some((after, how_many)) = first else {
        panic!(
            "no alert on disk while the replay ran: {}",
            std::fs::read_to_string(&err).unwrap_or_default()
        );
    };
    assert!(
        after < Duration::from_secs(2),
        "the first alert took {after:?}"
    );
    // Within 2 s of the last packet, every alert is on disk.
    std::thread::sleep(Duration::from_secs(2));
    let running = alerts();
    signal(&s, "KILL");
    let _ = s.wait();
    let killed = alerts();
    assert_eq!(killed, running, "alert.log changed after SIGKILL");
    for line in killed.lines() {
        serde_json::from_str::<Value>(line)
            .unwrap_or_else(|e| panic!("a cut or broken line: {e}: {line}"));
    }
    let reference = tempfile::tempdir().unwrap();
    let o = analyze(reference.path(), &[], &[cap]);
    assert!(o.status.success());
    let msgs = |text: &str| -> Vec<Value> {
        text.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["msg"].clone())
            .collect()
    };
    let want = std::fs::read_to_string(reference.path().join("alert.log")).unwrap();
    assert_eq!(msgs(&killed), msgs(&want));
    assert!(
        how_many < msgs(&want).len(),
        "the alerts appeared all at once ({how_many})"
    );
}

/// A sensor that falls behind (here: stopped for a second mid-replay, with
/// a 1 MiB kernel buffer) loses packets, and says so: every packet sent is
/// processed or counted as dropped in otwatch_capture_loss.log, whose rows
/// also go past the loss threshold as a notice.
#[test]
fn packets_a_stalled_sensor_loses_are_counted() {
    let w = Wire::new("loss");
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("plant.pcap");
    synth(&cap, &["--packets", "100000", "--seed", "5"]);
    let err = dir.path().join("stderr");
    let out = dir.path().join("logs");
    let s = w.sensor(
        &[],
        &[
            "--no-rules",
            "--buffer-mib",
            "1",
            "--out",
            out.to_str().unwrap(),
        ],
        &err,
    );
    // 100,000 packets at 50,000 packets/s; the sensor stopped for 1 s of it.
    let replay = Command::new("ip")
        .args(["netns", "exec", &w.a, "tcpreplay", "-i", "veth_a"])
        .args(["--pps", "50000"])
        .arg(&cap)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpreplay (make test installs it)");
    std::thread::sleep(Duration::from_millis(300));
    signal(&s, "STOP");
    std::thread::sleep(Duration::from_secs(1));
    signal(&s, "CONT");
    let replayed = replay.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&replayed.stdout);
    let sent: u64 = text
        .split("Actual: ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("tcpreplay said: {text}"));
    assert_eq!(
        stop(s),
        Some(0),
        "{}",
        std::fs::read_to_string(&err).unwrap()
    );
    let loss = read_json_log(&out.join("otwatch_capture_loss.log"));
    let sum = |k: &str| loss.iter().map(|r| r[k].as_u64().unwrap_or(0)).sum::<u64>();
    let dropped = sum("kernel_dropped") + sum("interface_dropped");
    let stats = read_json_log(&out.join("otwatch_stats.log"));
    let processed = stats.last().unwrap()["pkts_proc"].as_u64().unwrap();
    assert!(dropped > 0, "nothing dropped: {loss:?}");
    assert_eq!(processed + dropped, sent, "{loss:?}");
    let notices = std::fs::read_to_string(out.join("notice.log")).unwrap_or_default();
    assert!(
        notices.contains("lost by the capture"),
        "no capture-loss notice: {notices}"
    );
}

/// Without CAP_NET_RAW the capture is refused, and the message says which
/// capability is missing and how to grant it.
#[test]
fn a_capture_without_the_capability_names_it() {
    let w = Wire::new("nocap");
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new("ip")
        .args([
            "netns",
            "exec",
            &w.b,
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
        ])
        .args(["--clear-groups", "--inh-caps=-all", "--bounding-set=-all"])
        .arg(env!("CARGO_BIN_EXE_otwatch"))
        .args(["live", "-i", "veth_b", "--no-rules", "--out"])
        .arg(dir.path().join("logs"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("veth_b") && err.contains("capturing needs the CAP_NET_RAW capability"),
        "{err}"
    );
}

/// Rotated logs gzipped and kept by number of periods: with a rotation a
/// second and one period kept, what is left is one period's `.log.gz`
/// files (each a gzip of JSON lines), the summary counts what was
/// compressed and removed.
#[test]
fn rotated_logs_are_compressed_and_retained() {
    let w = Wire::new("ret");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("logs");
    let err = dir.path().join("stderr");
    let s = w.sensor(
        &[],
        &[
            "--no-rules",
            "--rotate-interval",
            "1s",
            "--compress-rotated",
            "--retain-count",
            "1",
            "--out",
            out.to_str().unwrap(),
        ],
        &err,
    );
    // 100 packets over 4 s: several rotations.
    w.replay(&pcap("modbus_example.pcap"), 25);
    assert_eq!(stop(s), Some(0));
    let said = std::fs::read_to_string(&err).unwrap();
    let mut periods = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(&out).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let own = ["otwatch_run.json", ".otwatch.lock"];
        if name.ends_with(".log") && name.matches('.').count() == 1 || own.contains(&name.as_str())
        {
            continue; // the files open at the stop, the run's manifest and lock
        }
        assert!(name.ends_with(".log.gz"), "{name} is not compressed");
        let (_, period) = name.trim_end_matches(".log.gz").split_once('.').unwrap();
        periods.insert(period.to_string());
        let mut text = String::new();
        use std::io::Read;
        flate2::read::GzDecoder::new(std::fs::File::open(out.join(&name)).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        for line in text.lines() {
            serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    assert_eq!(periods.len(), 1, "{periods:?}\n{said}");
    let line = said
        .lines()
        .find(|l| l.contains("rotated logs:"))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(!line.contains(" 0 removed"), "{line}");
}

/// A one-way site: `live --spool-only` spools as it runs and never
/// connects (a listener where the AWS endpoint would be counts nothing);
/// the spool, carried to a machine that can reach CloudWatch, is sent by
/// `otwatch ship` and the group holds exactly the local logs.
#[test]
fn live_spool_only_never_connects_and_its_spool_ships_elsewhere() {
    let w = Wire::new("diode");
    sh(&["ip", "-n", &w.b, "link", "set", "lo", "up"]);
    let dir = tempfile::tempdir().unwrap();
    let dialled = dir.path().join("dialled");
    let mut listener = Command::new("ip")
        .args(["netns", "exec", &w.b, "python3", "-c"])
        .arg(
            "import socket, sys\n\
             s = socket.socket(); s.bind(('127.0.0.1', 5000)); s.listen()\n\
             open(sys.argv[1] + '.ready', 'w').close()\n\
             n = 0\n\
             while True:\n    c, _ = s.accept(); n += 1; open(sys.argv[1], 'w').write(str(n)); c.close()\n",
        )
        .arg(&dialled)
        .spawn()
        .unwrap();
    let ready = dialled.with_extension("ready");
    assert!(
        (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            ready.exists()
        }),
        "the listener did not start"
    );
    let out = dir.path().join("logs");
    let err = dir.path().join("stderr");
    let s = w.sensor(
        &[
            "env",
            "AWS_REGION=us-east-1",
            "AWS_ACCESS_KEY_ID=testing",
            "AWS_SECRET_ACCESS_KEY=testing",
            "AWS_ENDPOINT_URL=http://127.0.0.1:5000",
        ],
        &[
            "--out",
            out.to_str().unwrap(),
            "--spool-only",
            "--cloudwatch-stream-prefix",
            "s1",
            "--cloudwatch-logs",
            "conn,modbus",
        ],
        &err,
    );
    w.replay(&pcap("plant-anomalies.pcap"), 5000);
    std::thread::sleep(Duration::from_millis(1500));
    let code = stop(s);
    let _ = listener.kill();
    let _ = listener.wait();
    let text = std::fs::read_to_string(&err).unwrap();
    assert_eq!(code, Some(0), "{text}");
    assert!(!dialled.exists(), "the spool-only sensor connected");
    let logs = ["alert", "notice", "conn", "modbus"];
    let local: u64 = logs.iter().map(|l| lines(&out, l).len() as u64).sum();
    assert!(!lines(&out, "alert").is_empty());
    let held = common::moto::counter(&text, "held for otwatch ship");
    // The logs' rows, and a metrics record per stats interval.
    assert!(held > local, "{text}");
    // The other side.
    let moto = common::moto::Moto::start();
    let carried = dir.path().join("carried");
    copy_dir(&out.join("spool"), &carried);
    let o = Command::new(env!("CARGO_BIN_EXE_otwatch"))
        .args(["ship", "--cloudwatch-group", "plant-diode", "--spool-dir"])
        .arg(&carried)
        .args(["--cloudwatch-endpoint", &moto.url()])
        .arg("--delivered-dir")
        .arg(dir.path().join("delivered"))
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .unwrap();
    let ship_err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{ship_err}");
    assert_eq!(common::moto::counter(&ship_err, "events sent"), held);
    let read = Command::new(repo().join(".venv-moto/bin/python"))
        .args(["-c", READ_GROUP, &moto.url(), "plant-diode"])
        .output()
        .unwrap();
    let g: serde_json::Map<String, Value> = serde_json::from_slice(&read.stdout).unwrap();
    for log in logs {
        let remote: Vec<String> = g
            .get(&format!("s1/{log}"))
            .and_then(|a| a.as_array())
            .map(|a| a.iter().map(|m| m.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        assert_eq!(remote, lines(&out, log), "{log}");
    }
}
