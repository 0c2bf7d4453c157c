//! Shipping to a real CloudWatch Logs API server: `moto_server` on
//! 127.0.0.1 (installed in `.venv-moto` by `make test-deps`), one per test.
//! Outages are made by a proxy between otwatch and the server that can
//! refuse and cut connections, so the server keeps what it received while
//! the link is down. Every test reads the group back through the API and
//! compares it with the local logs: the same events, in order, none twice.

mod common;

use aws_sdk_cloudwatchlogs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudwatchlogs::Client;
use common::moto::{counter, Moto};
use common::*;
use std::collections::BTreeMap;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A TCP proxy to the server whose link can be cut: while down it resets
/// new connections and has cut the open ones.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    /// Connections made to it, refused or not.
    dialled: Arc<AtomicUsize>,
}

impl Proxy {
    fn new(target: u16, up: bool) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let p = Proxy {
            port,
            up: Arc::new(AtomicBool::new(up)),
            open: Arc::new(Mutex::new(Vec::new())),
            dialled: Arc::new(AtomicUsize::new(0)),
        };
        let (flag, open, dialled) = (p.up.clone(), p.open.clone(), p.dialled.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                dialled.fetch_add(1, Ordering::SeqCst);
                if !flag.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let mut o = open.lock().unwrap();
                o.push(client.try_clone().unwrap());
                o.push(server.try_clone().unwrap());
                drop(o);
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Write);
                    });
                }
            }
        });
        p
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            for s in self.open.lock().unwrap().drain(..) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

/// otwatch with the standard AWS settings of a test account.
fn otwatch_aws() -> Command {
    let mut c = otwatch();
    c.env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        // `ship` keeps its delivered records here, not in the home.
        .env(
            "XDG_STATE_HOME",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("state"),
        );
    c
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn client(endpoint: &str) -> Client {
    let conf = aws_sdk_cloudwatchlogs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .endpoint_url(endpoint)
        .build();
    Client::from_conf(conf)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Every stream of `group` with its messages, oldest first.
fn read_group(endpoint: &str, group: &str) -> BTreeMap<String, Vec<String>> {
    let c = client(endpoint);
    rt().block_on(async {
        let mut out = BTreeMap::new();
        let streams = c
            .describe_log_streams()
            .log_group_name(group)
            .send()
            .await
            .unwrap();
        for s in streams.log_streams() {
            let name = s.log_stream_name().unwrap().to_string();
            let mut msgs = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let page = c
                    .get_log_events()
                    .log_group_name(group)
                    .log_stream_name(&name)
                    .start_from_head(true)
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .unwrap();
                msgs.extend(
                    page.events()
                        .iter()
                        .map(|e| e.message().unwrap().to_string()),
                );
                let next = page.next_forward_token().map(str::to_string);
                if next.is_none() || next == token || page.events().is_empty() {
                    break;
                }
                token = next;
            }
            out.insert(name, msgs);
        }
        out
    })
}

fn retention(endpoint: &str, group: &str) -> Option<i32> {
    let c = client(endpoint);
    rt().block_on(async {
        let g = c
            .describe_log_groups()
            .log_group_name_prefix(group)
            .send()
            .await
            .unwrap();
        g.log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(group))
            .and_then(|g| g.retention_in_days())
    })
}

/// The lines of a local log (empty when the log was not written).
fn lines(dir: &Path, log: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(format!("{log}.log")))
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Asserts the group holds exactly the local logs of the runs (in run
/// order) in `<prefix>/<log>` streams, and returns how many events that is.
fn assert_same(
    group: &BTreeMap<String, Vec<String>>,
    prefix: &str,
    runs: &[&Path],
    logs: &[&str],
) -> usize {
    let mut n = 0;
    for log in logs {
        let local: Vec<String> = runs.iter().flat_map(|d| lines(d, log)).collect();
        let stream = format!("{prefix}/{log}");
        let remote = group.get(&stream).cloned().unwrap_or_default();
        assert_eq!(
            remote.len(),
            local.len(),
            "{stream}: {} events in CloudWatch, {} lines in the local logs",
            remote.len(),
            local.len()
        );
        assert!(
            remote == local,
            "{stream}: the events differ from the local log"
        );
        n += local.len();
    }
    n
}

/// How many metrics records a run writes: the totals and one per rule
/// that fired.
fn metrics_records(out: &Path) -> u64 {
    let rules: std::collections::BTreeSet<String> = lines(out, "alert")
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|a| !a["sid"].is_null())
        .map(|a| a["sid"].to_string())
        .collect();
    1 + rules.len() as u64
}

/// The setting of a shipping test: a CloudWatch Logs server behind a link
/// that can be cut, a log group, and the sensor's directories.
struct Site {
    moto: Moto,
    link: Proxy,
    dir: tempfile::TempDir,
    group: &'static str,
}

impl Site {
    fn new(group: &'static str, link_up: bool) -> Site {
        let moto = Moto::start();
        let link = Proxy::new(moto.port, link_up);
        Site {
            moto,
            link,
            dir: tempfile::tempdir().unwrap(),
            group,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn spool(&self) -> PathBuf {
        self.path("spool")
    }

    /// The shipping flags: this group, through the link, this spool.
    fn flags(&self) -> Vec<String> {
        let spool = self.spool().display().to_string();
        [
            "--cloudwatch-group",
            self.group,
            "--cloudwatch-endpoint",
            &self.link.url(),
            "--cloudwatch-stream-prefix",
            "sensor-1",
            "--spool-dir",
            &spool,
        ]
        .map(str::to_string)
        .to_vec()
    }

    /// `otwatch analyze` of bundled captures into `out`, shipping.
    fn analyze(&self, out: &Path, flags: &[&str], pcaps: &[&str]) -> Command {
        let mut c = otwatch_aws();
        c.arg("analyze").arg("--quiet").arg("--out").arg(out);
        c.args(self.flags()).args(flags);
        c.args(pcaps.iter().map(|p| pcap(p)));
        c
    }

    /// `otwatch ship`: sends what the spool holds.
    fn ship(&self) -> Output {
        run(otwatch_aws().arg("ship").args(self.flags()))
    }

    fn read(&self) -> BTreeMap<String, Vec<String>> {
        read_group(&self.moto.url(), self.group)
    }
}

/// The logs a run wrote, by name.
fn logs_in(out: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.strip_suffix(".log").map(str::to_string)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn analyze_ships_the_same_events_as_the_local_logs() {
    let site = Site::new("site-a", true);
    let out = site.path("logs");
    let o = run(&mut site.analyze(
        &out,
        &[
            "--cloudwatch-logs",
            "conn,modbus,cip",
            "--cloudwatch-retention",
            "30",
        ],
        &[
            "modbus_example.pcap",
            "plant-anomalies.pcap",
            "enip_cip_example.pcap",
        ],
    ));
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let group = site.read();
    let n = assert_same(
        &group,
        "sensor-1",
        &[&out],
        &["alert", "notice", "conn", "modbus", "cip"],
    );
    assert!(!lines(&out, "alert").is_empty() && !lines(&out, "cip").is_empty());
    // Logs not asked for stay local.
    assert!(!group.contains_key("sensor-1/modbus_detailed"));
    // Metrics (Embedded Metric Format) at the end of the run: the totals,
    // then one record per rule that fired.
    let metrics: Vec<serde_json::Value> = group["sensor-1/metrics"]
        .iter()
        .map(|m| serde_json::from_str(m).unwrap())
        .collect();
    let emf = &metrics[0];
    assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Namespace"], "otwatch");
    assert_eq!(emf["Sensor"], "sensor-1");
    let stats: serde_json::Value = serde_json::from_str(&lines(&out, "otwatch_stats")[0]).unwrap();
    assert_eq!(emf["Packets"], stats["pkts_proc"]);
    // Bytes on the wire: at least what the capture kept.
    assert!(emf["Bytes"].as_u64() >= stats["bytes_recv"].as_u64());
    let alerts = lines(&out, "alert").len() as u64;
    assert_eq!(emf["Alerts"].as_u64(), Some(alerts));
    let by_rule: u64 = metrics[1..]
        .iter()
        .map(|m| m["AlertsByRule"].as_u64().unwrap())
        .sum();
    assert_eq!(by_rule, alerts);
    assert_eq!(counter(&err, "events sent"), (n + metrics.len()) as u64);
    assert_eq!(retention(&site.moto.url(), "site-a"), Some(30));
    // Delivered events leave the spool.
    assert_eq!(counter(&err, "left in the spool"), 0);
}

#[test]
fn every_log_of_a_large_capture_arrives() {
    let site = Site::new("site-big", true);
    let out = site.path("logs");
    let t = Instant::now();
    let o = run(&mut site.analyze(&out, &["--cloudwatch-logs", "all"], &["modbusBig.pcap"]));
    let secs = t.elapsed().as_secs_f64();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let logs = logs_in(&out);
    let refs: Vec<&str> = logs.iter().map(String::as_str).collect();
    let n = assert_same(&site.read(), "sensor-1", &[&out], &refs);
    assert!(n > 8_000, "{n} events");
    eprintln!(
        "shipped {n} events of {} logs in {secs:.2} s ({:.0} events/s, run included)",
        logs.len(),
        n as f64 / secs
    );
}

#[test]
fn an_outage_spools_and_otwatch_ship_delivers_later() {
    let site = Site::new("site-b", false);
    let out = site.path("logs");
    let o = run(&mut site.analyze(
        &out,
        &[
            "--cloudwatch-logs",
            "conn,modbus",
            "--cloudwatch-drain",
            "2",
        ],
        &["modbus_example.pcap", "plant-anomalies.pcap"],
    ));
    let err = stderr(&o);
    // The run completes, says what is left, and exits 1.
    assert_eq!(o.status.code(), Some(1), "{err}");
    let shipped = ["alert", "notice", "conn", "modbus"];
    let expected = shipped
        .iter()
        .map(|l| lines(&out, l).len() as u64)
        .sum::<u64>()
        + metrics_records(&out);
    assert_eq!(counter(&err, "events sent"), 0, "{err}");
    assert_eq!(counter(&err, "left in the spool"), expected, "{err}");
    assert!(counter(&err, "retries") > 0, "{err}");
    assert!(err.contains("sent by the next run"), "{err}");
    // The link is back: `otwatch ship` drains the spool.
    site.link.set_up(true);
    let o = site.ship();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(counter(&err, "events sent"), expected, "{err}");
    assert_eq!(counter(&err, "left in the spool"), 0, "{err}");
    assert_same(&site.read(), "sensor-1", &[&out], &shipped);
    eprintln!("outage for a whole run: {expected} events spooled, {expected} delivered by otwatch ship, 0 lost, 0 duplicated");
    // Nothing is left to send: a second drain sends nothing.
    let o = site.ship();
    assert!(o.status.success());
    assert_eq!(counter(&stderr(&o), "events sent"), 0);
}

#[test]
fn the_link_returning_during_the_run_delivers_everything_once() {
    let site = Site::new("site-c", false);
    let out = site.path("logs");
    let child = site
        .analyze(
            &out,
            &["--cloudwatch-logs", "all", "--cloudwatch-drain", "120"],
            &["modbusBig.pcap"],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    site.link.set_up(true);
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(counter(&err, "retries") > 0, "{err}");
    let logs = logs_in(&out);
    let refs: Vec<&str> = logs.iter().map(String::as_str).collect();
    let n = assert_same(&site.read(), "sensor-1", &[&out], &refs);
    eprintln!(
        "outage during the run: {} events sent, {} retries, {n} compared with the local logs, 0 lost, 0 duplicated",
        counter(&err, "events sent"),
        counter(&err, "retries")
    );
}

#[test]
fn a_killed_sensor_delivers_its_spool_after_restart() {
    let site = Site::new("site-d", false);
    let (out1, out2) = (site.path("run1"), site.path("run2"));
    let flags = [
        "--cloudwatch-logs",
        "conn,modbus",
        "--cloudwatch-drain",
        "600",
    ];
    let mut first = site
        .analyze(&out1, &flags, &["modbus_example.pcap"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the run to write its logs, then kill it while it waits for
    // the link.
    let until = Instant::now() + Duration::from_secs(60);
    while lines(&out1, "otwatch_stats").is_empty() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    first.kill().unwrap();
    let status = first.wait().unwrap();
    assert!(!status.success(), "the first run was not killed");
    assert!(!lines(&out1, "modbus").is_empty());
    // The sensor starts again, on another capture, with the link up.
    site.link.set_up(true);
    let o = run(&mut site.analyze(&out2, &flags, &["plant-anomalies.pcap"]));
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert_same(
        &site.read(),
        "sensor-1",
        &[&out1, &out2],
        &["alert", "notice", "conn", "modbus"],
    );
}

/// The spool on a full file system: the run goes on, the local logs are
/// whole, the loss is counted and named, the exit status says so.
#[test]
fn a_full_spool_disk_is_reported_not_fatal() {
    let site = Site::new("site-e", false);
    let spool = site.spool();
    std::fs::create_dir(&spool).unwrap();
    let _disk = SmallDisk::mount(&spool);
    let out = site.path("logs");
    let o = run(&mut site.analyze(
        &out,
        &["--cloudwatch-logs", "all", "--cloudwatch-drain", "1"],
        &["modbusBig.pcap"],
    ));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains(&spool.display().to_string()), "{err}");
    assert!(counter(&err, "dropped (spool write errors)") > 0, "{err}");
    assert!(err.contains("will not reach CloudWatch"), "{err}");
    // A notice says when the spool started losing events...
    let loss = |log: &str| {
        lines(&out, log)
            .into_iter()
            .filter(|l| l.contains("OTWatch::Spool_Loss"))
            .collect::<Vec<_>>()
    };
    let notices = loss("notice");
    assert!(!notices.is_empty(), "no Spool_Loss notice");
    assert!(
        notices
            .iter()
            .all(|n| n.contains("the disk refused a write")),
        "{notices:?}"
    );
    assert_eq!(loss("alert").len(), notices.len());
    // ... and the local logs are otherwise whole.
    let plain = tempfile::tempdir().unwrap();
    let o = analyze(plain.path(), &[], &[pcap("modbusBig.pcap")]);
    assert!(o.status.success(), "{}", stderr(&o));
    for log in logs_in(plain.path()) {
        if log != "otwatch_stats" {
            let shipped: Vec<String> = lines(&out, &log)
                .into_iter()
                .filter(|l| !l.contains("OTWatch::Spool_Loss"))
                .collect();
            assert_eq!(shipped, lines(plain.path(), &log), "{log}");
        }
    }
}

/// At the spool's cap bulk logs are refused first: alerts have their own
/// share and all arrive once the link is back.
#[test]
fn at_the_spool_cap_alerts_are_kept_before_bulk_logs() {
    let site = Site::new("site-f", false);
    let out = site.path("logs");
    let o = run(&mut site.analyze(
        &out,
        &[
            "--cloudwatch-logs",
            "all",
            "--spool-mib",
            "1",
            "--cloudwatch-drain",
            "1",
        ],
        &["modbusBig.pcap", "plant-anomalies.pcap"],
    ));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let dropped = counter(&err, "dropped (spool full)");
    assert!(dropped > 0, "{err}");
    assert!(err.contains("at the spool cap"), "{err}");
    site.link.set_up(true);
    let o = site.ship();
    assert!(o.status.success(), "{}", stderr(&o));
    let group = site.read();
    assert!(!lines(&out, "alert").is_empty());
    assert_same(&group, "sensor-1", &[&out], &["alert", "notice"]);
    let bulk: usize = group
        .iter()
        .filter(|(k, _)| !k.ends_with("/alert") && !k.ends_with("/notice"))
        .map(|(_, v)| v.len())
        .sum();
    let local_bulk: usize = logs_in(&out)
        .iter()
        .filter(|l| *l != "alert" && *l != "notice")
        .map(|l| lines(&out, l).len())
        .sum();
    // Every bulk record either arrived or was counted as dropped.
    assert_eq!(
        bulk as u64 + dropped,
        local_bulk as u64 + metrics_records(&out)
    );
}

/// `--cloudwatch-logs` knows every log a run writes (the list is kept by
/// hand in `output::LOG_NAMES`).
#[test]
fn every_log_written_has_a_known_name() {
    let d = tempfile::tempdir().unwrap();
    let mut pcaps: Vec<PathBuf> = std::fs::read_dir(repo().join("pcaps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    pcaps.sort();
    let o = analyze(d.path(), &["--cip-io-interval", "0"], &pcaps);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut seen = 0;
    for e in std::fs::read_dir(d.path()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(log) = name.strip_suffix(".log") {
            assert!(
                otwatch::output::LOG_NAMES.contains(&log),
                "{log} is missing from output::LOG_NAMES"
            );
            seen += 1;
        }
    }
    assert!(seen > 20, "{seen} logs");
}

#[test]
fn cloudwatch_misuse_is_named_and_exits_2() {
    let d = tempfile::tempdir().unwrap();
    for (args, says) in [
        (
            &["--cloudwatch-logs", "conn,modbsu"][..],
            "no log is called \"modbsu\"",
        ),
        (
            &["--cloudwatch-retention", "10"][..],
            "--cloudwatch-retention",
        ),
        (
            &["--cloudwatch-group", "bad group!"][..],
            "--cloudwatch-group",
        ),
    ] {
        let mut a = vec!["--cloudwatch-group", "g"];
        a.extend_from_slice(args);
        let o = analyze(d.path(), &a, &[pcap("modbus_example.pcap")]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let o = run(otwatch_aws().args(["ship", "--cloudwatch-group", "g"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--spool-dir"));
}

/// The standard proxy variables are honoured: the endpoint's host name
/// does not resolve, so events can only arrive through the proxy (the
/// link stands in for it; it relays the absolute-form requests).
#[test]
fn the_standard_proxy_variables_are_honoured() {
    let site = Site::new("site-proxy", true);
    let out = site.path("logs");
    let endpoint = format!("http://cloudwatch.invalid:{}", site.moto.port);
    let mut flags = site.flags();
    flags[3] = endpoint;
    let o = run(otwatch_aws()
        .env("HTTP_PROXY", site.link.url())
        .env("HTTPS_PROXY", site.link.url())
        .args(["analyze", "--quiet", "--out"])
        .arg(&out)
        .args(flags)
        .arg(pcap("plant-anomalies.pcap")));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same(&site.read(), "sensor-1", &[&out], &["alert", "notice"]);
}

/// One figure for the alerts of a run, wherever it is read: notice.log
/// and alert.log rows, the run summary, otwatch_stats.log, the EMF `Alerts`
/// metric in CloudWatch (and its by-severity split), the report's header.
/// The run is the new-client attack against the plant's learned baseline
/// with the default rules: deviations and rules on the same actions.
#[test]
fn the_alert_counts_agree_everywhere() {
    let site = Site::new("site-count", true);
    let baseline = site.path("b.json");
    let o = run(otwatch()
        .args(["baseline", "learn", "-q", "--rules"])
        .arg(repo().join("rules"))
        .arg(repo().join("pcaps/attacks/learn.pcap"))
        .arg("-o")
        .arg(&baseline));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = site.path("logs");
    let report = site.path("report.html");
    let mut c = otwatch_aws();
    c.arg("analyze").arg("--no-progress").arg("--out").arg(&out);
    c.args(site.flags());
    c.arg("--rules").arg(repo().join("rules"));
    c.arg("--baseline").arg(&baseline);
    c.arg("--report").arg(&report);
    c.arg(repo().join("pcaps/attacks/attack-new-client.pcap"));
    let o = run(&mut c);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");

    let alerts = lines(&out, "alert").len() as u64;
    assert_eq!(alerts, 10, "one per attacker action");
    assert_eq!(lines(&out, "notice").len() as u64, alerts);
    let summary = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("alerts: "))
        .unwrap_or_else(|| panic!("no alerts line in:\n{err}"));
    assert!(summary.starts_with(&format!("{alerts} (")), "{summary}");
    let stats: serde_json::Value = serde_json::from_str(&lines(&out, "otwatch_stats")[0]).unwrap();
    assert_eq!(stats["alerts"].as_u64(), Some(alerts));

    let group = site.read();
    let emf: serde_json::Value = serde_json::from_str(&group["sensor-1/metrics"][0]).unwrap();
    assert_eq!(emf["Alerts"].as_u64(), Some(alerts), "{emf}");
    let by_severity: u64 = ["Critical", "High", "Medium", "Low"]
        .iter()
        .map(|s| emf[format!("Alerts{s}")].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(by_severity, alerts, "{emf}");
    assert_eq!(
        group["sensor-1/alert"].len() as u64,
        alerts,
        "the alerts shipped"
    );

    // The report's data: its header counts the alert items.
    let html = std::fs::read_to_string(&report).unwrap();
    let data = html
        .split("id=\"data\"")
        .nth(1)
        .and_then(|s| s.split_once('>'))
        .and_then(|(_, s)| s.split_once("</script>"))
        .map(|(json, _)| json)
        .expect("the report's data");
    let data: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(data["alerts_total"].as_u64(), Some(alerts));
    let grouped: u64 = data["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["count"].as_u64().unwrap())
        .sum();
    assert_eq!(grouped, alerts, "every alert in one group");
    let header: u64 = data["alerts_by_severity"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(header, alerts);
}

/// `ship` refuses a spool directory that is not there (a mistyped path),
/// and makes none.
#[test]
fn ship_refuses_a_missing_spool() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-spool");
    let o = otwatch()
        .args(["ship", "--cloudwatch-group", "g", "--spool-dir"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no such spool directory"), "{err}");
    assert!(!missing.exists());
}

/// What stops shipping is said in one line at start, and the events wait
/// in the spool: no region, no credentials, an endpoint that cannot be
/// reached.
#[test]
fn the_shipper_says_what_stops_it() {
    // (environment, flags, what the first line says)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], &'a str);
    let cases: [Case; 3] = [
        (&[], &[], "no AWS region"),
        (&[("AWS_REGION", "us-east-1")], &[], "no AWS credentials"),
        (
            &[
                ("AWS_REGION", "us-east-1"),
                ("AWS_ACCESS_KEY_ID", "a"),
                ("AWS_SECRET_ACCESS_KEY", "b"),
            ],
            &["--cloudwatch-endpoint", "http://127.0.0.1:9"],
            "cannot reach http://127.0.0.1:9",
        ),
    ];
    for (env, flags, said) in cases {
        let dir = tempfile::tempdir().unwrap();
        let mut c = otwatch();
        for k in [
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
        ] {
            c.env_remove(k);
        }
        c.env("AWS_CONFIG_FILE", dir.path().join("none"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(env.iter().copied())
            .args(["analyze", "--quiet", "--cloudwatch-group", "g"])
            .args(["--cloudwatch-drain", "2", "--out"])
            .arg(dir.path().join("logs"))
            .args(flags)
            .arg(pcap("plant-anomalies.pcap"));
        let o = c.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        let first = err
            .lines()
            .find(|l| l.contains("CloudWatch:"))
            .unwrap_or_else(|| panic!("{said}: nothing said:\n{err}"));
        assert!(
            first.contains(said) && first.ends_with("events wait in the spool"),
            "{said}: {first}"
        );
        assert_eq!(counter(&err, "events sent"), 0, "{err}");
        assert!(counter(&err, "left in the spool") > 0, "{err}");
        assert_eq!(o.status.code(), Some(1), "{err}");
    }
}

/// A spool in use (a running sensor holds its lock) is refused by `ship`,
/// which would otherwise write into it at the same time.
#[test]
fn ship_refuses_a_spool_in_use() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let held = std::fs::File::create(spool.join("lock")).unwrap();
    held.lock().unwrap();
    let o = otwatch()
        .env("AWS_REGION", "us-east-1")
        .args(["ship", "--cloudwatch-group", "g", "--spool-dir"])
        .arg(&spool)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is in use by another otwatch"), "{err}");
    drop(held);
}

/// Copies a spool directory as a carrier across a data diode would.
fn carry(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in walk(from) {
        let rel = e.strip_prefix(from).unwrap();
        if rel.as_os_str() == "lock" {
            continue;
        }
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&e, &dest).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A one-way site: the sensor spools without ever connecting, the spool is
/// carried across (again and again, as a carrier copies it), and `otwatch
/// ship` on the other side delivers each event once.
#[test]
fn a_diode_spool_is_carried_across_and_each_event_delivered_once() {
    let site = Site::new("site-diode", true);
    let spool = site.spool();
    let state = site.path("delivered");
    let sensor = |out: &Path, pcaps: &[&str]| {
        let mut c = otwatch_aws();
        // Were anything to dial out, this is where it would go.
        c.env("AWS_ENDPOINT_URL", site.link.url())
            .args(["analyze", "--quiet", "--spool-only"])
            .args(["--cloudwatch-logs", "conn,modbus"])
            .args(["--cloudwatch-stream-prefix", "diode-1"])
            .arg("--out")
            .arg(out)
            .arg("--spool-dir")
            .arg(&spool);
        c.args(pcaps.iter().map(|p| pcap(p)));
        run(&mut c)
    };
    let ship = |carried: &Path| {
        run(otwatch_aws()
            .arg("ship")
            .arg("--spool-dir")
            .arg(carried)
            .args(["--cloudwatch-group", site.group])
            .args(["--cloudwatch-endpoint", &site.link.url()])
            .args(["--cloudwatch-stream-prefix", "plant-b"])
            .arg("--delivered-dir")
            .arg(&state))
    };
    let logs = ["alert", "notice", "conn", "modbus"];
    let first = site.path("run-1");
    let o = sensor(&first, &["modbus_example.pcap", "plant-anomalies.pcap"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let held = counter(&err, "held for otwatch ship");
    let expected: u64 = logs
        .iter()
        .map(|l| lines(&first, l).len() as u64)
        .sum::<u64>()
        + metrics_records(&first);
    assert_eq!(held, expected, "{err}");
    assert!(!err.contains("events sent"), "{err}");
    assert_eq!(
        site.link.dialled.load(Ordering::SeqCst),
        0,
        "the spool-only run connected"
    );
    // The first carry: everything arrives, in the streams ship names.
    let carried = site.path("carried-1");
    carry(&spool, &carried);
    let o = ship(&carried);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(counter(&err, "events sent"), expected, "{err}");
    assert_same(&site.read(), "plant-b", &[&first], &logs);
    // The sensor goes on; the carrier copies the whole spool again (the
    // old events with the new), and once more the first copy.
    let second = site.path("run-2");
    let o = sensor(&second, &["modbus_example.pcap"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let carried = site.path("carried-2");
    carry(&spool, &carried);
    let o = ship(&carried);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let new: u64 = logs
        .iter()
        .map(|l| lines(&second, l).len() as u64)
        .sum::<u64>()
        + metrics_records(&second);
    assert_eq!(counter(&err, "events sent"), new, "{err}");
    let again = site.path("carried-1-again");
    carry(&spool, &again);
    let o = ship(&again);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(counter(&err, "events sent"), 0, "{err}");
    assert_same(&site.read(), "plant-b", &[&first, &second], &logs);
    eprintln!(
        "diode: {expected} + {new} events spooled without a connection, carried three times, each delivered once"
    );
}

/// A one-way spool at its cap keeps the latest events, counts what it
/// drops, and says so in a notice when it starts.
#[test]
fn a_full_diode_spool_drops_its_oldest_and_raises_a_notice() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("logs");
    let o = run(otwatch_aws()
        .args(["analyze", "--quiet", "--spool-only", "--spool-mib", "1"])
        .args(["--cloudwatch-logs", "all"])
        .arg("--out")
        .arg(&out)
        .arg(pcap("modbusBig.pcap")));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let dropped = counter(&err, "dropped (spool full)");
    assert!(dropped > 0, "{err}");
    assert!(err.contains("will not reach CloudWatch"), "{err}");
    let notices: Vec<String> = lines(&out, "notice")
        .into_iter()
        .filter(|l| l.contains("OTWatch::Spool_Loss"))
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].contains("log spool started dropping"),
        "{}",
        notices[0]
    );
    // The ring holds the latest records of the run: the last conn row is
    // in it.
    let last_conn = lines(&out, "conn").pop().unwrap();
    let held: String = walk(&out.join("spool/logs"))
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
        .collect();
    assert!(held.contains(&last_conn));
}
