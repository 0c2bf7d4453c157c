//! Shipping alerts and logs to CloudWatch Logs, store and forward: every
//! event goes to a durable spool first (one for alerts, one for the other
//! logs, so bulk logs never crowd alerts out), and a shipper thread
//! (`aws-sdk-cloudwatchlogs` on a `tokio` runtime) sends the spool in
//! batches within the API's limits, retrying transient failures with
//! backoff, and removes events only once CloudWatch accepted them.
//!
//! Timestamps: CloudWatch refuses events older than 14 days or more than
//! 2 hours ahead, and offline analysis reads captures of any age, so an
//! event's CloudWatch timestamp is the time it was spooled (kept
//! non-decreasing); the packet time stays in the JSON message (`ts`).
//! Events CloudWatch rejects anyway (`rejectedLogEventsInfo`) are counted.
//!
//! Streams: `<prefix>/<log>` in the group (`<prefix>` defaults to the host
//! name); alerts and notices in `<prefix>/alert` and `<prefix>/notice`,
//! Embedded Metric Format records in `<prefix>/metrics`.
//!
//! A one-way (data-diode) site spools without a destination: nothing is
//! ever sent, the spool keeps the latest events within its size and age
//! bounds, and a copy carried across is sent by `otwatch ship` on the
//! other side, which remembers per spool what it delivered.

mod batch;
mod parked;
mod retry;
#[cfg(feature = "cloudwatch")]
mod ship;
mod spool;

pub use batch::{next_batch, split, LogEvent, MAX_BATCH_BYTES, MAX_EVENTS, MAX_EVENT_BYTES};
pub use retry::{backoff, classify, Action, Failure};
pub use spool::{Full, Position, Spool};

pub use parked::requeue_parked;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What to spool, and where it goes.
#[derive(Clone, Debug, PartialEq)]
pub struct ShipConfig {
    pub stream_prefix: String,
    /// Logs shipped besides alerts and notices (`all` for every log).
    pub logs: BTreeSet<String>,
    pub spool_dir: PathBuf,
    /// Bytes of the bulk-log spool; alerts have their own quarter of it.
    pub spool_bytes: u64,
    /// Segments last written longer ago are removed (and counted).
    pub spool_max_age: Duration,
    /// Where the spool is sent; none on a one-way site (spool only: no
    /// connection is ever opened).
    pub send: Option<Destination>,
}

/// The CloudWatch Logs group a spool is sent to.
#[derive(Clone, Debug, PartialEq)]
pub struct Destination {
    pub group: String,
    /// A custom endpoint (a VPC interface endpoint, a test server).
    pub endpoint: Option<String>,
    /// Days to keep the group's events (set when the group is created).
    pub retention_days: Option<i32>,
    /// How long the end of an offline run waits for the spool to drain.
    pub drain_timeout: Duration,
    /// Streams renamed `<prefix>/<log>` when they are sent (`otwatch ship`
    /// given a prefix); none: as they were spooled.
    pub rename_streams: Option<String>,
    /// Where the positions delivered so far are kept per spool id (`otwatch
    /// ship`: a spool carried across again sends only what is new).
    pub delivered_dir: Option<PathBuf>,
}

/// Counters of the shipping.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShipStats {
    pub spooled: u64,
    pub sent: u64,
    pub batches: u64,
    pub retries: u64,
    /// Events CloudWatch rejected (too old, too new, expired).
    pub rejected: u64,
    /// Events set aside after a permanent error (in `parked.jsonl`).
    pub parked: u64,
    pub dropped_full: u64,
    pub dropped_error: u64,
    pub corrupt_segments: u64,
    /// Undelivered events removed for their age.
    pub dropped_aged: u64,
    /// Messages over 8 MiB cut short (with a marker).
    pub truncated: u64,
    /// Events still in the spool when the run ended (sent by the next one).
    pub backlog: u64,
    /// Nothing was sent: a one-way site's spool, sent where it is carried.
    pub spool_only: bool,
    pub errors: Vec<String>,
}

/// Errors a run keeps to report: past these the rest are alike.
const MAX_ERRORS: usize = 16;

impl ShipStats {
    /// Keeps an error to report, up to [`MAX_ERRORS`].
    #[cfg_attr(not(feature = "cloudwatch"), allow(dead_code))]
    pub(crate) fn error(&mut self, e: String) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(e);
        }
    }
}

/// The two spools, shared by the run and the shipper thread.
pub(crate) struct Spools {
    pub alerts: Spool,
    pub logs: Spool,
    pub last_ts: i64,
    pub spooled: u64,
    /// Records spooled and not yet delivered (the backlog metric).
    pub pending: u64,
    pub closing: bool,
    /// The losses already announced: (alert spool, cause).
    announced: BTreeSet<(bool, LossCause)>,
}

impl Spools {
    /// The spools' own counters into `stats`, and what is left in them.
    pub(crate) fn tally(&mut self, stats: &mut ShipStats) {
        stats.spooled = self.spooled;
        stats.dropped_full = self.alerts.dropped_full + self.logs.dropped_full;
        stats.dropped_aged = self.alerts.dropped_aged + self.logs.dropped_aged;
        stats.dropped_error = self.alerts.dropped_error + self.logs.dropped_error;
        stats.corrupt_segments = self.alerts.corrupt + self.logs.corrupt;
        stats.truncated = self.alerts.truncated + self.logs.truncated;
        for e in [self.alerts.last_error.clone(), self.logs.last_error.clone()]
            .into_iter()
            .flatten()
        {
            stats.errors.push(format!("spool: {e}"));
        }
        // What the next run sends: every undelivered record (a window
        // cut short by the drain timeout is sent again whole).
        stats.backlog = self.alerts.count() + self.logs.count();
    }

    /// The losses not announced yet: the first of each spool and cause.
    fn new_losses(&mut self, ts: crate::time::Ts) -> Vec<SpoolLoss> {
        let mut out = Vec::new();
        for alerts in [true, false] {
            let spool = if alerts { &self.alerts } else { &self.logs };
            for (cause, dropped) in [
                (LossCause::Full, spool.dropped_full),
                (LossCause::Aged, spool.dropped_aged),
                (LossCause::WriteError, spool.dropped_error),
            ] {
                if dropped > 0 && self.announced.insert((alerts, cause)) {
                    out.push(SpoolLoss {
                        ts,
                        alerts,
                        cause,
                        dropped,
                    });
                }
            }
        }
        out
    }
}

pub use crate::stats::{LossCause, SpoolLoss};

/// The run's handle on shipping.
pub struct Shipper {
    cfg: ShipConfig,
    spools: Arc<Mutex<Spools>>,
    thread: Option<std::thread::JoinHandle<ShipStats>>,
    /// The totals of the previous metrics record (metrics are deltas).
    last_metrics: Mutex<Metrics>,
    /// When the spools' age bound was last applied.
    expired: Mutex<std::time::Instant>,
    /// Held while the shipper lives (see `open_spools`).
    _lock: std::fs::File,
}

/// How often a running sensor removes segments past the age bound.
const EXPIRE_EVERY: Duration = Duration::from_secs(60);

#[cfg(feature = "cloudwatch")]
fn ship_thread(cfg: ShipConfig, dest: Destination, spools: Arc<Mutex<Spools>>) -> ShipStats {
    ship::run(cfg, dest, spools)
}

/// Never started: `Shipper::start` refuses first in such a build.
#[cfg(not(feature = "cloudwatch"))]
fn ship_thread(_cfg: ShipConfig, _dest: Destination, _spools: Arc<Mutex<Spools>>) -> ShipStats {
    ShipStats::default()
}

/// Whether a log is an alert stream (kept before bulk logs).
fn is_alert(log: &str) -> bool {
    matches!(log, "alert" | "notice")
}

/// The alert spool (a quarter of the cap, at least 1 MiB) and the bulk-log
/// spool of `cfg`'s directory, resuming what they hold, and the lock that
/// keeps a second otwatch (a `ship` beside a running sensor) out of them
/// while it is held. A spool without a destination is a ring of the latest
/// events; one sent with a delivered record starts past what it holds.
fn open_spools(cfg: &ShipConfig) -> Result<(Spool, Spool, std::fs::File), String> {
    let dir = &cfg.spool_dir;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let lock = crate::output::hold_lock(
        &dir.join("lock"),
        &format!(
            "the spool {} is in use by another otwatch (a running sensor: stop it first)",
            dir.display()
        ),
    )?;
    let full = match cfg.send {
        Some(_) => Full::RefuseNew,
        None => Full::DropOldest,
    };
    let id = spool_id(dir)?;
    let mut alerts = Spool::open_with(
        &dir.join("alerts"),
        (cfg.spool_bytes / 4).max(1 << 20),
        full,
    )?;
    let mut logs = Spool::open_with(&dir.join("logs"), cfg.spool_bytes, full)?;
    if let Some(record) = cfg.send.as_ref().and_then(|d| d.delivered_dir.as_ref()) {
        std::fs::create_dir_all(record).map_err(|e| format!("{}: {e}", record.display()))?;
        alerts.remember(record.join(format!("{id}.alerts")))?;
        logs.remember(record.join(format!("{id}.logs")))?;
    }
    Ok((alerts, logs, lock))
}

/// The spool's id (its `id` file, made with the spool): what names it on
/// the shipping side of a one-way site, wherever the copy is put.
fn spool_id(dir: &std::path::Path) -> Result<String, String> {
    use std::hash::{BuildHasher, Hasher};
    let path = dir.join("id");
    match std::fs::read_to_string(&path) {
        Ok(t) => {
            let id = t.trim();
            if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(id.to_string())
            } else {
                Err(format!("{}: not a spool id", path.display()))
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Randomly keyed hashers: 128 bits no other spool shares.
            let mut id = String::new();
            for _ in 0..2 {
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_u128(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos()),
                );
                id.push_str(&format!("{:016x}", h.finish()));
            }
            let tmp = dir.join("id.tmp");
            std::fs::write(&tmp, format!("{id}\n"))
                .and_then(|()| std::fs::rename(&tmp, &path))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(id)
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

impl Shipper {
    /// Opens the spools (resuming what a previous run left) and starts
    /// the shipper thread (none without a destination: spool only).
    pub fn start(cfg: ShipConfig) -> Result<Shipper, String> {
        if cfg.send.is_some() && !cfg!(feature = "cloudwatch") {
            return Err("this otwatch was built without the `cloudwatch` feature \
                        (the AWS SDK), so it cannot ship to CloudWatch Logs"
                .into());
        }
        let (mut alerts, mut logs, lock) = open_spools(&cfg)?;
        let pending = alerts.count() + logs.count();
        let spools = Arc::new(Mutex::new(Spools {
            alerts,
            logs,
            last_ts: 0,
            spooled: 0,
            pending,
            closing: false,
            announced: BTreeSet::new(),
        }));
        let thread = match cfg.send.clone() {
            Some(dest) => {
                let (c, s) = (cfg.clone(), spools.clone());
                let t = std::thread::Builder::new()
                    .name("otwatch-cloudwatch".into())
                    .spawn(move || ship_thread(c, dest, s))
                    .map_err(|e| format!("cannot start the CloudWatch shipper: {e}"))?;
                Some(t)
            }
            None => None,
        };
        let sh = Shipper {
            cfg,
            spools,
            thread,
            last_metrics: Mutex::new(Metrics::default()),
            expired: Mutex::new(std::time::Instant::now()),
            _lock: lock,
        };
        sh.expire();
        Ok(sh)
    }

    /// Removes the segments past the age bound: the sensor's side only (a
    /// carried copy's file times say when it was copied, and `otwatch
    /// ship` sends what it is given).
    fn expire(&self) {
        if self
            .cfg
            .send
            .as_ref()
            .is_some_and(|d| d.delivered_dir.is_some())
        {
            return;
        }
        if let Ok(mut s) = self.spools.lock() {
            let max_age = self.cfg.spool_max_age;
            let n = s.alerts.expire(max_age) + s.logs.expire(max_age);
            s.pending = s.pending.saturating_sub(n);
            if n > 0 {
                tracing::debug!("spool: {n} events older than {max_age:?} removed");
            }
        }
    }

    /// The spools that started losing events since the last call, once
    /// per spool and cause in a run (each becomes a notice).
    pub fn losses(&self, ts: crate::time::Ts) -> Vec<SpoolLoss> {
        self.spools
            .lock()
            .map(|mut s| s.new_losses(ts))
            .unwrap_or_default()
    }

    /// Whether `log` is shipped.
    pub fn wants(&self, log: &str) -> bool {
        is_alert(log) || self.cfg.logs.contains(log) || self.cfg.logs.contains("all")
    }

    /// Spools one record of `log` (its JSON line).
    pub fn offer(&self, log: &str, line: &str) {
        let Ok(mut s) = self.spools.lock() else {
            return;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let ts = now.max(s.last_ts);
        s.last_ts = ts;
        let stream = format!("{}/{log}", self.cfg.stream_prefix);
        let spool = if is_alert(log) {
            &mut s.alerts
        } else {
            &mut s.logs
        };
        // A ring makes room by dropping its oldest events: they leave the
        // backlog too.
        let before = spool.evicted;
        let ok = spool.push(&stream, ts, line);
        let evicted = spool.evicted - before;
        s.pending = s.pending.saturating_sub(evicted);
        if ok {
            s.spooled += 1;
            s.pending += 1;
        }
    }

    /// Spools Embedded Metric Format records of what happened since the
    /// previous call (with the current backlog).
    pub fn metrics(&self, m: &Metrics) {
        let mut m = m.clone();
        m.backlog = self.spools.lock().map_or(0, |s| s.pending);
        let delta = match self.last_metrics.lock() {
            Ok(mut last) => {
                let d = m.since(&last);
                *last = m;
                d
            }
            Err(_) => m,
        };
        for rec in delta.emf(&self.cfg.stream_prefix) {
            self.offer("metrics", &rec);
        }
    }

    /// Makes the spool durable now (fsync), and applies the age bound
    /// when it is due.
    pub fn sync(&self) {
        if let Ok(mut s) = self.spools.lock() {
            s.alerts.sync();
            s.logs.sync();
        }
        let due = self.expired.lock().is_ok_and(|mut at| {
            let due = at.elapsed() >= EXPIRE_EVERY;
            if due {
                *at = std::time::Instant::now();
            }
            due
        });
        if due {
            self.expire();
        }
    }

    /// No more events: waits for the spool to drain (up to the drain
    /// timeout) and returns the counters.
    pub fn finish(mut self) -> ShipStats {
        self.sync();
        if let Ok(mut s) = self.spools.lock() {
            s.closing = true;
        }
        match self.thread.take() {
            Some(t) => t.join().unwrap_or_else(|_| ShipStats {
                errors: vec!["the CloudWatch shipper thread panicked".into()],
                ..ShipStats::default()
            }),
            None => {
                let mut stats = ShipStats {
                    spool_only: true,
                    ..ShipStats::default()
                };
                if let Ok(mut s) = self.spools.lock() {
                    // Whole segments for the carrier.
                    s.alerts.close();
                    s.logs.close();
                    s.tally(&mut stats);
                }
                stats
            }
        }
    }
}

/// The figures of a metrics record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    pub ts_ms: i64,
    pub packets: u64,
    pub bytes: u64,
    pub devices: u64,
    pub alerts: u64,
    /// Alerts per severity (critical, high, medium, low).
    pub by_severity: [u64; 4],
    /// Alerts per rule (sid).
    pub by_rule: Vec<(u32, u64)>,
    /// Packets the capture lost (kernel and interface drops).
    pub capture_dropped: u64,
    /// Connections evicted at the flow table's cap.
    pub flows_evicted: u64,
    pub backlog: u64,
}

impl Metrics {
    /// What happened since `before` (an earlier record of the same run):
    /// counters become deltas, gauges (devices, backlog) stay.
    pub fn since(&self, before: &Metrics) -> Metrics {
        let by_rule = self
            .by_rule
            .iter()
            .map(|(sid, n)| {
                let was = before
                    .by_rule
                    .iter()
                    .find(|r| r.0 == *sid)
                    .map_or(0, |r| r.1);
                (*sid, n.saturating_sub(was))
            })
            .filter(|r| r.1 > 0)
            .collect();
        let mut by_severity = self.by_severity;
        for (x, b) in by_severity.iter_mut().zip(before.by_severity) {
            *x = x.saturating_sub(b);
        }
        Metrics {
            ts_ms: self.ts_ms,
            packets: self.packets.saturating_sub(before.packets),
            bytes: self.bytes.saturating_sub(before.bytes),
            devices: self.devices,
            alerts: self.alerts.saturating_sub(before.alerts),
            by_severity,
            by_rule,
            capture_dropped: self.capture_dropped.saturating_sub(before.capture_dropped),
            flows_evicted: self.flows_evicted.saturating_sub(before.flows_evicted),
            backlog: self.backlog,
        }
    }

    /// CloudWatch Embedded Metric Format records, namespace `otwatch`: one
    /// with dimension `Sensor` (the counters are per interval, Devices and
    /// ShipperBacklog are levels), and one `AlertsByRule` per rule that
    /// fired, with dimensions `Sensor, Sid`.
    pub fn emf(&self, sensor: &str) -> Vec<String> {
        let main = serde_json::json!({
            "_aws": {
                "Timestamp": self.ts_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [["Sensor"]],
                    "Metrics": [
                        {"Name": "Packets", "Unit": "Count"},
                        {"Name": "Bytes", "Unit": "Bytes"},
                        {"Name": "Devices", "Unit": "Count"},
                        {"Name": "Alerts", "Unit": "Count"},
                        {"Name": "AlertsCritical", "Unit": "Count"},
                        {"Name": "AlertsHigh", "Unit": "Count"},
                        {"Name": "AlertsMedium", "Unit": "Count"},
                        {"Name": "AlertsLow", "Unit": "Count"},
                        {"Name": "CaptureDropped", "Unit": "Count"},
                        {"Name": "FlowsEvicted", "Unit": "Count"},
                        {"Name": "ShipperBacklog", "Unit": "Count"}
                    ]
                }]
            },
            "Sensor": sensor,
            "Packets": self.packets,
            "Bytes": self.bytes,
            "Devices": self.devices,
            "Alerts": self.alerts,
            "AlertsCritical": self.by_severity[0],
            "AlertsHigh": self.by_severity[1],
            "AlertsMedium": self.by_severity[2],
            "AlertsLow": self.by_severity[3],
            "CaptureDropped": self.capture_dropped,
            "FlowsEvicted": self.flows_evicted,
            "ShipperBacklog": self.backlog
        });
        let mut out = vec![main.to_string()];
        for (sid, n) in &self.by_rule {
            out.push(
                serde_json::json!({
                    "_aws": {
                        "Timestamp": self.ts_ms,
                        "CloudWatchMetrics": [{
                            "Namespace": NAMESPACE,
                            "Dimensions": [["Sensor", "Sid"]],
                            "Metrics": [{"Name": "AlertsByRule", "Unit": "Count"}]
                        }]
                    },
                    "Sensor": sensor,
                    "Sid": sid.to_string(),
                    "AlertsByRule": n
                })
                .to_string(),
            );
        }
        out
    }
}

/// The API actions the shipper calls (`ship.rs`), all on its own group:
/// what the policy of `deploy/cloudformation/otwatch.json` allows, and
/// nothing more.
pub const IAM_ACTIONS: [&str; 4] = [
    "logs:CreateLogGroup",
    "logs:PutRetentionPolicy",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

/// The calls shipping cannot go without (into a group a cloud team made):
/// `deploy/iam/otwatch-ship-existing-group.json`.
pub const IAM_ACTIONS_REQUIRED: [&str; 2] = ["logs:CreateLogStream", "logs:PutLogEvents"];

/// The CloudWatch metrics namespace of every otwatch metric.
pub const NAMESPACE: &str = "otwatch";

/// The sensor's name for stream prefixes: the host name.
pub fn default_prefix() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "otwatch".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_records_declare_their_metrics() {
        let m = Metrics {
            ts_ms: 1_700_000_000_000,
            packets: 10,
            alerts: 3,
            by_severity: [1, 2, 0, 0],
            by_rule: vec![(9000101, 2), (9000102, 1)],
            ..Metrics::default()
        };
        let recs: Vec<serde_json::Value> = m
            .emf("plant-a")
            .iter()
            .map(|r| serde_json::from_str(r).unwrap())
            .collect();
        assert_eq!(recs.len(), 3);
        let v = &recs[0];
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Namespace"], "otwatch");
        assert_eq!(v["Sensor"], "plant-a");
        assert_eq!(v["AlertsCritical"], 1);
        assert_eq!(recs[1]["Sid"], "9000101");
        assert_eq!(recs[1]["AlertsByRule"], 2);
        // Every declared metric and dimension has a value in its record.
        for r in &recs {
            let decl = &r["_aws"]["CloudWatchMetrics"][0];
            for m in decl["Metrics"].as_array().unwrap() {
                let name = m["Name"].as_str().unwrap();
                assert!(r[name].is_u64(), "{name} has a number");
            }
            for d in decl["Dimensions"][0].as_array().unwrap() {
                assert!(r[d.as_str().unwrap()].is_string());
            }
        }
    }

    #[test]
    fn metrics_are_deltas_of_counters_and_levels_of_gauges() {
        let a = Metrics {
            packets: 100,
            devices: 4,
            alerts: 2,
            by_rule: vec![(1, 2)],
            backlog: 50,
            ..Metrics::default()
        };
        let b = Metrics {
            packets: 150,
            devices: 5,
            alerts: 3,
            by_rule: vec![(1, 2), (2, 1)],
            backlog: 10,
            ..Metrics::default()
        };
        let d = b.since(&a);
        assert_eq!((d.packets, d.devices, d.alerts, d.backlog), (50, 5, 1, 10));
        assert_eq!(d.by_rule, vec![(2, 1)]);
    }
}
