//! The offline pipeline: one capture thread reads and decodes packets and
//! dispatches them by a symmetric flow hash to N workers over bounded
//! channels; a merge thread restores a single deterministic order and feeds
//! the log writers.
//!
//! Determinism: the capture thread cuts the packet stream into ticks of a
//! fixed number of packets, and every worker receives every tick (possibly
//! empty) with the tick's clock. Workers expire connections only at packet
//! times or tick ends, and every record carries an [`OrderKey`] derived from
//! packet numbers; so the merged output does not depend on the worker count.

mod batch;
mod worker;

pub use batch::{Batch, BatchPacket};

use crate::capture::{FileSource, KernelStats, LinkType, LiveSource, OpenError, ReadError};
use crate::checksum;
use crate::decode::{self, DecodeError, Decoded};
use crate::defrag::{Defrag, DefragConfig};
use crate::event::{Emitter, Event, OrderKey, Weird, WeirdScope};
use crate::flow::{shard_of, FlowConfig, FlowCounters, FlowKey};
use crate::observe::{Checked, ObserveConfig, Observed, Observer};
use crate::output::cloudwatch::Shipper;
use crate::output::{EveWriter, LogFormat, LogWriter, WriteError};
use crate::rules::payload::{Handle, PayloadSet};
use crate::stats::{DecodeCounters, Summary};
use crate::time::Ts;
use crossbeam_channel::{bounded, Receiver, Sender};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::Instant;
use worker::{Output, Work};

/// Payload bytes after which a tick ends early (see `Capturer::tick_full`).
pub const TICK_BYTES: usize = 4 << 20;

/// Used batches kept for reuse: one pool for all workers, of this many
/// per worker. A worker frees a batch it finds no room for (a pool of
/// buffers, not of data: nothing is lost).
const SPARE_BATCHES_PER_WORKER: usize = 2;

/// Settings of one offline run.
#[derive(Clone, Debug)]
pub struct PipelineConfig {
    pub threads: usize,
    /// Packets per tick (the unit of dispatch and of timeout sweeps).
    pub tick_packets: usize,
    /// Ticks that may wait in each channel before the sender blocks.
    pub queue_depth: usize,
    pub flow: FlowConfig,
    pub defrag: DefragConfig,
    pub out_dir: PathBuf,
    pub format: LogFormat,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Verify IP and transport checksums, as Zeek does by default.
    pub verify_checksums: bool,
    /// Write no log files (a run that only learns a baseline).
    pub discard_logs: bool,
    /// A BPF filter (tcpdump syntax) for capture files: packets it does
    /// not take are left out.
    pub filter: Option<String>,
    /// Inventory, baseline learning and deviation detection.
    pub observe: ObserveConfig,
    /// Ship alerts and logs to CloudWatch Logs.
    pub ship: Option<crate::output::cloudwatch::ShipConfig>,
    /// Write each rule match as a Suricata eve.json alert record to this
    /// file.
    pub eve: Option<PathBuf>,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            threads: thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            tick_packets: 1024,
            queue_depth: 8,
            flow: FlowConfig::default(),
            defrag: DefragConfig::default(),
            out_dir: PathBuf::from("otwatch-logs"),
            format: LogFormat::Json,
            progress: false,
            verify_checksums: false,
            discard_logs: false,
            filter: None,
            observe: ObserveConfig::default(),
            ship: None,
            eve: None,
        }
    }
}

/// Why a run did not complete.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Open(#[from] OpenError),
    #[error("{0}")]
    Read(#[from] ReadError),
    #[error("{0}")]
    Write(#[from] WriteError),
    #[error("internal error: {0}")]
    Internal(String),
    /// Capture files that could not be read to the end (the others were).
    #[error("{} capture file(s) damaged: {}", .0.len(), .0.join("; "))]
    Damaged(Vec<String>),
}

/// The result of a run: the summary is there even when the run stopped on an
/// error, because everything decoded before the error is still written out.
pub struct RunOutcome {
    pub summary: Summary,
    pub error: Option<RunError>,
    /// The devices seen, and the baseline learned when asked for.
    pub observed: Option<Observed>,
    /// CloudWatch shipping counters, when shipping was on.
    pub shipped: Option<crate::output::cloudwatch::ShipStats>,
}

impl RunOutcome {
    /// A run that stopped before it began: what was counted, and why.
    fn failed(summary: Summary, error: RunError) -> RunOutcome {
        RunOutcome {
            summary,
            error: Some(error),
            observed: None,
            shipped: None,
        }
    }
}

/// Runs the offline pipeline over the capture files, in the order given.
pub fn run_files(files: &[PathBuf], cfg: &PipelineConfig) -> RunOutcome {
    run(Input::Files(files), cfg)
}

/// Runs the pipeline on live interfaces until `live.stop` is set.
pub fn run_live(sources: Vec<LiveSource>, cfg: &PipelineConfig, live: LiveControl) -> RunOutcome {
    run(Input::Live(sources, live), cfg)
}

/// What the capture thread reads.
enum Input<'a> {
    Files(&'a [PathBuf]),
    Live(Vec<LiveSource>, LiveControl),
}

/// What a live run is told while it runs.
pub struct LiveControl {
    /// Set (by a signal handler) to stop: every log is flushed, then the
    /// run returns.
    pub stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// New rules or baseline (SIGHUP), applied by the merge thread between
    /// records.
    pub reload: Receiver<Reload>,
    /// A tick is cut at least this often, so that a quiet network still
    /// sees its timeouts and logs.
    pub tick_every: std::time::Duration,
    /// otwatch_stats.log and otwatch_capture_loss.log rows this often.
    pub stats_every: std::time::Duration,
    /// Percent of packets lost (kernel drops) that raises a notice.
    pub loss_threshold: f64,
    /// Rotate the logs this often (traffic time) or past this many bytes.
    pub rotate_every: Option<std::time::Duration>,
    pub rotate_bytes: Option<u64>,
    /// Buffered log lines reach the disk at least this often (wall clock).
    pub flush_every: std::time::Duration,
    /// What happens to rotated logs.
    pub retention: crate::output::retention::Retention,
}

/// A reload the merge thread applies.
pub enum Reload {
    Rules(crate::rules::RuleSet, u64),
    Baseline(Box<crate::baseline::Baseline>),
}

fn run(input: Input<'_>, cfg: &PipelineConfig) -> RunOutcome {
    let started = Instant::now();
    let threads = cfg.threads.max(1);
    let mut summary = Summary::default();

    let writer = if cfg.discard_logs {
        Ok(LogWriter::discard())
    } else {
        LogWriter::new(&cfg.out_dir, cfg.format)
    };
    let mut writer = match writer {
        Ok(w) => w,
        Err(e) => return RunOutcome::failed(summary, e.into()),
    };
    let files_run = matches!(input, Input::Files(_));
    if !files_run {
        writer.keep_previous();
    }
    // One run, one directory: a second run into the directory of one
    // still going is refused before anything of it changes.
    let _dir_lock = if cfg.discard_logs {
        None
    } else {
        match crate::output::manifest::claim(&cfg.out_dir) {
            Ok(l) => Some(l),
            Err(e) => return RunOutcome::failed(summary, RunError::Internal(e)),
        }
    };
    let started_at = crate::time::Ts::now();
    let inputs: Vec<String> = match &input {
        Input::Files(f) => f.iter().map(|p| p.display().to_string()).collect(),
        Input::Live(srcs, _) => srcs.iter().map(|s| s.name().to_string()).collect(),
    };
    let eve = match cfg.eve.as_deref().map(EveWriter::create).transpose() {
        Ok(w) => w,
        Err(e) => return RunOutcome::failed(summary, e.into()),
    };
    let mut observer = Observer::new(&cfg.observe);
    let shipper = match cfg.ship.clone().map(Shipper::start) {
        Some(Ok(s)) => Some(Arc::new(s)),
        Some(Err(e)) => return RunOutcome::failed(summary, RunError::Internal(e)),
        None => None,
    };
    // Nothing an earlier run left mixes in; only once the run is sure to
    // start.
    if !cfg.discard_logs {
        match crate::output::manifest::clear_previous(&cfg.out_dir, files_run) {
            Ok(n) if n > 1 => tracing::info!(
                "{}: replaced the logs of an earlier run ({n} files)",
                cfg.out_dir.display()
            ),
            Ok(_) => {}
            Err(e) => return RunOutcome::failed(summary, e.into()),
        }
    }

    let mut work_tx: Vec<Sender<Work>> = Vec::with_capacity(threads);
    let mut out_rx: Vec<Source> = Vec::with_capacity(threads + 1);
    let mut workers = Vec::with_capacity(threads);
    let flow_cfg = cfg.flow.clone();
    let payload = flow_cfg.payload.clone();
    payload.store(
        cfg.observe
            .rules
            .as_ref()
            .and_then(|(set, _)| PayloadSet::compile(set)),
    );
    // Workers hand their used batches back to be filled again: the capture
    // thread then reuses warm buffers instead of faulting in fresh ones
    // and freeing them from another thread every tick.
    let (spare_tx, spare_rx) = bounded::<Batch>(SPARE_BATCHES_PER_WORKER * threads);
    for i in 0..threads {
        let (wtx, wrx) = bounded::<Work>(cfg.queue_depth);
        let (otx, orx) = bounded::<Output>(cfg.queue_depth);
        let (back_tx, back_rx) = bounded::<Output>(cfg.queue_depth);
        let fc = flow_cfg.clone();
        let json = cfg.format == LogFormat::Json && !cfg.discard_logs;
        let spare = spare_tx.clone();
        let checks = observer.worker_checks();
        let h = thread::Builder::new()
            .name(format!("otwatch-worker-{i}"))
            .spawn(move || worker::run(fc, json, checks, wrx, otx, spare, back_rx));
        match h {
            Ok(h) => workers.push(h),
            Err(e) => {
                return RunOutcome::failed(
                    summary,
                    RunError::Internal(format!("cannot start worker: {e}")),
                )
            }
        }
        work_tx.push(wtx);
        out_rx.push(Source {
            rx: orx,
            back: Some(back_tx),
        });
    }
    // The capture thread's own records (decode weirds) are one more source.
    let (cap_tx, cap_rx) = bounded::<Output>(cfg.queue_depth);
    out_rx.push(Source {
        rx: cap_rx,
        back: None,
    });

    let (files, live) = match input {
        Input::Files(f) => (f, None),
        Input::Live(srcs, ctl) => (&[][..], Some((srcs, ctl))),
    };
    let (reload_rx, rotation) = match &live {
        Some((_, ctl)) => (
            Some(ctl.reload.clone()),
            Rotation {
                every_us: ctl.rotate_every.map(|d| d.as_micros() as i64),
                bytes: ctl.rotate_bytes,
                flush_every: ctl.flush_every,
                retention: ctl.retention.clone(),
            },
        ),
        None => (None, Rotation::default()),
    };
    let merger = thread::Builder::new().name("otwatch-merge".into()).spawn({
        let shipper = shipper.clone();
        let reload = reload_rx.map(|rx| (rx, payload));
        move || {
            let outputs = Outputs {
                writer,
                eve,
                shipper,
            };
            merge(out_rx, outputs, observer, reload, rotation)
        }
    });
    let merger = match merger {
        Ok(m) => m,
        Err(e) => {
            return RunOutcome::failed(
                summary,
                RunError::Internal(format!("cannot start merger: {e}")),
            )
        }
    };

    drop(spare_tx);
    let mut cap = Capturer::new(threads, cfg, work_tx, cap_tx, spare_rx);
    let read_error = match live {
        None => cap.read_all(files, &mut summary),
        Some((srcs, ctl)) => cap.read_live(srcs, &ctl, &mut summary),
    };
    let (decode, first_ts, last_ts) = cap.finish();
    summary.decode = decode;

    // Join every thread before judging, so that whatever the merge thread
    // holds is flushed even if a worker failed.
    let mut flows = FlowCounters::default();
    let mut worker_failed = false;
    let mut learned = Vec::new();
    for w in workers {
        match w.join() {
            Ok((c, l)) => {
                flows.add(&c);
                learned.extend(l);
            }
            Err(_) => worker_failed = true,
        }
    }
    // Reported as configured (the workers' tables hold their shards' share).
    flows.max_flows = cfg.flow.max_flows as u64;
    summary.flows = flows;
    let merged = merger.join();
    summary.first_ts = first_ts;
    summary.last_ts = last_ts;
    summary.elapsed = started.elapsed();

    let mut observed = None;
    let mut written: Vec<String> = Vec::new();
    let mut error = match merged {
        Err(_) => Some(RunError::Internal("the merge thread panicked".into())),
        Ok(Err(e)) => Some(e.into()),
        Ok(Ok((mut writer, eve, mut observer))) => {
            observer.absorb(learned);
            let last = last_ts.unwrap_or_default();
            let mut alerts = Vec::new();
            let done = observer.finish(last, &mut alerts);
            let mut res = match eve {
                Some(mut w) => alerts
                    .iter()
                    .try_for_each(|a| write_eve(&mut w, a))
                    .and_then(|_| w.finish().map(drop)),
                None => Ok(()),
            };
            if res.is_ok() {
                res = alerts.iter().try_for_each(|a| write_event(&mut writer, a));
            }
            if let Some(sh) = &shipper {
                for a in &alerts {
                    crate::logs::rows(a, &mut |row| offer(sh, row));
                }
            }
            let mut inventory_written = false;
            if res.is_ok() && !cfg.discard_logs {
                res = write_inventory(&cfg.out_dir, cfg.format, &done);
                inventory_written = res.is_ok();
            }
            if let Some(sh) = shipper.as_ref().filter(|s| s.wants("known_devices")) {
                let devices = done.inventory.devices.values();
                if let Ok(text) = crate::inventory::log_text(devices, &done.roles) {
                    text.lines().for_each(|l| sh.offer("known_devices", l));
                }
            }
            summary.log_rows = writer.row_counts();
            summary.observe = done.caps.clone();
            writer.set_open_time(first_ts.unwrap_or_default());
            let stats = summary.stats_record();
            if let Some(sh) = &shipper {
                offer(sh, &stats);
                sh.metrics(&metrics(
                    &summary,
                    done.inventory.devices.len(),
                    &done.alerts,
                ));
            }
            let res = res.and_then(|_| writer.write(&stats));
            // The logs this run wrote (a live sensor leaves an earlier
            // run's log in place until it writes that log itself).
            written = writer.row_counts().into_iter().map(|(l, _)| l).collect();
            if inventory_written {
                written.push("known_devices".into());
            }
            observed = Some(done);
            let res = res.and_then(|_| writer.finish(last));
            match res {
                Err(e) => Some(e.into()),
                Ok(()) if worker_failed => Some(RunError::Internal(
                    "a worker thread panicked; its connections are missing from the logs".into(),
                )),
                Ok(()) => read_error.or_else(|| {
                    (!summary.damaged.is_empty())
                        .then(|| RunError::Damaged(summary.damaged.clone()))
                }),
            }
        }
    };
    if !cfg.discard_logs {
        let m = crate::output::manifest::Manifest {
            otwatch: crate::VERSION.to_string(),
            argv: std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            inputs,
            started: crate::time::iso8601(started_at),
            ended: crate::time::iso8601(crate::time::Ts::now()),
            logs: {
                written.sort();
                written.dedup();
                std::mem::take(&mut written)
            },
            damaged: summary.damaged.clone(),
        };
        if let Err(e) = crate::output::manifest::write(&cfg.out_dir, &m) {
            error = error.or(Some(e.into()));
        }
    }
    // Every record is spooled; wait (up to the drain timeout) for
    // CloudWatch to take them.
    let shipped = shipper
        .and_then(|s| Arc::try_unwrap(s).ok())
        .map(|s| s.finish());
    RunOutcome {
        summary,
        error,
        observed,
        shipped,
    }
}

/// Spools a record for CloudWatch when its log is shipped.
fn offer(sh: &Shipper, rec: &dyn crate::output::DynLog) {
    if sh.wants(rec.path()) {
        sh.offer(rec.path(), &crate::output::json_line(rec));
    }
}

/// The run's figures as a metrics record: the alerts as the observer
/// counted them (the rows of `notice.log` and of `alert.log`).
fn metrics(
    summary: &Summary,
    devices: usize,
    alerts: &crate::observe::AlertStats,
) -> crate::output::cloudwatch::Metrics {
    crate::output::cloudwatch::Metrics {
        ts_ms: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
        packets: summary.decode.packets,
        bytes: summary.decode.wire_bytes,
        devices: devices as u64,
        alerts: alerts.alerts,
        by_severity: alerts.by_severity,
        by_rule: alerts.by_rule.clone(),
        capture_dropped: summary.decode.capture_dropped,
        flows_evicted: summary.flows.evicted,
        backlog: 0,
    }
}

/// Writes `known_devices.log` (JSON lines, one device per line).
fn write_inventory(
    dir: &std::path::Path,
    format: LogFormat,
    done: &Observed,
) -> Result<(), WriteError> {
    let path = dir.join("known_devices.log");
    crate::inventory::write_log(&path, done.inventory.devices.values(), &done.roles, format)
        .map_err(|source| WriteError { path, source })
}

/// The capture side: reads files, decodes, fills per-worker batches.
struct Capturer<'a> {
    cfg: &'a PipelineConfig,
    work_tx: Vec<Sender<Work>>,
    cap_tx: Sender<Output>,
    batches: Vec<Batch>,
    /// Batches the workers are done with, to be filled again.
    spare: Receiver<Batch>,
    em: Emitter,
    seq: u64,
    tick: u64,
    in_tick: usize,
    /// Payload bytes batched in this tick.
    tick_bytes: usize,
    now: Ts,
    first_ts: Option<Ts>,
    max_ts: Ts,
    counters: DecodeCounters,
    progress: Option<indicatif::ProgressBar>,
    closed: bool,
    defrag: Defrag,
    /// PROFINET at layer 2 (DCP, cyclic I/O summaries).
    profinet: crate::analyzers::profinet::Layer2Reader,
}

impl<'a> Capturer<'a> {
    fn new(
        threads: usize,
        cfg: &'a PipelineConfig,
        work_tx: Vec<Sender<Work>>,
        cap_tx: Sender<Output>,
        spare: Receiver<Batch>,
    ) -> Self {
        Capturer {
            cfg,
            work_tx,
            cap_tx,
            batches: (0..threads).map(|_| Batch::default()).collect(),
            spare,
            em: Emitter::default(),
            seq: 0,
            tick: 0,
            in_tick: 0,
            tick_bytes: 0,
            now: Ts::default(),
            first_ts: None,
            max_ts: Ts::default(),
            counters: DecodeCounters::default(),
            progress: None,
            closed: false,
            defrag: Defrag::new(cfg.defrag.clone()),
            profinet: Default::default(),
        }
    }

    fn read_all(&mut self, files: &[PathBuf], summary: &mut Summary) -> Option<RunError> {
        if self.cfg.progress {
            let total: u64 = files
                .iter()
                .filter_map(|f| std::fs::metadata(f).ok())
                .map(|m| m.len())
                .sum();
            let pb = indicatif::ProgressBar::new(total);
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {binary_bytes}/{binary_total_bytes} {msg} ({binary_bytes_per_sec}, ETA {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            self.progress = Some(pb);
        }
        let mut done_bytes = 0u64;
        for path in files {
            // A file that cannot be opened or read to the end is named and
            // the next one is read: files are independent.
            let mut src = match FileSource::open(path) {
                Ok(s) => s,
                Err(e) => {
                    summary.damaged.push(e.to_string());
                    continue;
                }
            };
            summary.files += 1;
            let filter = match self.cfg.filter.as_deref().map(|f| src.compile_filter(f)) {
                Some(Ok(p)) => Some(p),
                Some(Err(e)) => {
                    summary.damaged.push(e);
                    continue;
                }
                None => None,
            };
            let mut first_of_file = true;
            loop {
                let pkt = match src.next_packet() {
                    Ok(Some(p)) => p,
                    Ok(None) => break,
                    Err(e) => {
                        summary.damaged.push(e.to_string());
                        break;
                    }
                };
                // Packets the filter does not take never reach otwatch, as
                // with a capture filter.
                if filter.as_ref().is_some_and(|f| !f.filter(pkt.data)) {
                    summary.filtered += 1;
                    continue;
                }
                let (ts, link, wire_len) = (pkt.ts, pkt.link, pkt.wire_len);
                let frame = pkt.data;
                self.account(ts, wire_len, frame.len());
                if first_of_file {
                    // Files are read in the order given, which need not be
                    // time order: each file runs on its own clock, so a file
                    // older than the previous one does not expire its
                    // connections on arrival.
                    first_of_file = false;
                    self.now = ts;
                } else if ts < self.now {
                    self.counters.time_went_backwards += 1;
                } else {
                    self.now = ts;
                }
                self.handle(ts, link, wire_len, frame);
                self.in_tick += 1;
                if self.tick_full() {
                    if let Some(pb) = &self.progress {
                        pb.set_position(done_bytes + src.bytes_read() + 16 * src.packets_read());
                        pb.set_message(format!("{} packets", self.seq));
                    }
                    if !self.send_tick() {
                        return None;
                    }
                }
            }
            done_bytes += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        }
        None
    }

    /// Counts one packet read (numbering, byte counters, time span).
    fn account(&mut self, ts: Ts, wire_len: u32, captured: usize) {
        self.seq += 1;
        self.counters.packets += 1;
        self.counters.captured_bytes += captured as u64;
        self.counters.wire_bytes += u64::from(wire_len);
        self.first_ts.get_or_insert(ts);
        self.max_ts = self.max_ts.max(ts);
    }

    /// Captures from live interfaces until told to stop: polls each
    /// interface without blocking, cuts a tick every `tick_every` (or
    /// `tick_packets`), and writes capture-loss and stats rows every
    /// `stats_every`.
    fn read_live(
        &mut self,
        mut srcs: Vec<LiveSource>,
        ctl: &LiveControl,
        summary: &mut Summary,
    ) -> Option<RunError> {
        use std::sync::atomic::Ordering;
        let mut last_tick = Instant::now();
        let mut last_stats = Instant::now();
        let mut kernel_before = KernelStats::default();
        let mut stats_ts: Option<Ts> = None;
        summary.files = 0;
        summary.interfaces = srcs.len() as u64;
        while !ctl.stop.load(Ordering::Relaxed) {
            let mut got = false;
            for src in srcs.iter_mut() {
                // A bounded burst per interface keeps them fair.
                for _ in 0..256 {
                    let pkt = match src.poll() {
                        Ok(Some(p)) => p,
                        Ok(None) => break,
                        Err(e) => return Some(RunError::Internal(e.to_string())),
                    };
                    got = true;
                    let (ts, link, wire_len) = (pkt.ts, pkt.link, pkt.wire_len);
                    let frame = pkt.data;
                    self.account(ts, wire_len, frame.len());
                    if ts < self.now {
                        self.counters.time_went_backwards += 1;
                    } else {
                        self.now = ts;
                    }
                    self.handle(ts, link, wire_len, frame);
                    self.in_tick += 1;
                    if self.tick_full() {
                        if !self.send_tick() {
                            return None;
                        }
                        last_tick = Instant::now();
                    }
                }
            }
            if last_tick.elapsed() >= ctl.tick_every {
                // A quiet network: time still passes for timeouts.
                self.now = self.now.max(Ts::now());
                if !self.send_tick() {
                    return None;
                }
                last_tick = Instant::now();
            }
            if last_stats.elapsed() >= ctl.stats_every {
                self.live_stats(
                    &mut srcs,
                    ctl,
                    &mut kernel_before,
                    &mut stats_ts,
                    last_stats.elapsed(),
                );
                last_stats = Instant::now();
            }
            if !got {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
        // The last interval, before the final flush.
        self.live_stats(
            &mut srcs,
            ctl,
            &mut kernel_before,
            &mut stats_ts,
            last_stats.elapsed(),
        );
        None
    }

    /// Writes an otwatch_capture_loss.log row (and a notice past the
    /// threshold) and an otwatch_stats.log row for the interval that just
    /// ended.
    fn live_stats(
        &mut self,
        srcs: &mut [LiveSource],
        ctl: &LiveControl,
        kernel_before: &mut KernelStats,
        stats_ts: &mut Option<Ts>,
        elapsed: std::time::Duration,
    ) {
        let mut k = KernelStats::default();
        for s in srcs.iter_mut() {
            let x = s.stats();
            k.received += x.received;
            k.dropped += x.dropped;
            k.if_dropped += x.if_dropped;
        }
        let now = Ts::now();
        let delta = crate::stats::CaptureLoss::new(
            now,
            stats_ts.map(|t| now.since(t)),
            kernel_before,
            &k,
            self.counters.packets,
            ctl.loss_threshold,
        );
        self.em.at_packet(self.seq);
        self.em.emit(Event::CaptureLoss(Box::new(delta)));
        let mut s = Summary {
            decode: self.counters.clone(),
            ..Summary::default()
        };
        s.decode.capture_dropped = k.dropped + k.if_dropped;
        s.first_ts = self.first_ts;
        s.last_ts = Some(now);
        s.elapsed = elapsed;
        self.em.emit(Event::Stats(Box::new(s.stats_record())));
        *kernel_before = k;
        *stats_ts = Some(now);
    }

    /// Decodes one frame and sends it on (or reports why not).
    fn handle(&mut self, ts: Ts, link: LinkType, wire_len: u32, frame: &[u8]) {
        // Files and interfaces alike: a time the capture clamped.
        if ts.out_of_range() {
            self.weird(ts, WeirdScope::None, "timestamp_out_of_range", "capture");
        }
        // Counted whatever the cut left (a payload, part of a header, or a
        // frame too short to decode at all).
        if (frame.len() as u64) < u64::from(wire_len) {
            self.counters.snaplen_truncated += 1;
        }
        match decode::decode(link, frame) {
            Ok(mut d) => {
                // The IP header claims more than the wire carried:
                // not a snaplen cut but a broken packet (Zeek drops it).
                if u64::from(d.ip_off) + u64::from(d.ip_len) > u64::from(wire_len) {
                    self.counters.malformed += 1;
                    self.weird(ts, WeirdScope::None, "truncated_IP_len", "IP");
                    return;
                }
                if self.cfg.verify_checksums {
                    if !d.src.v6 && !checksum::ipv4_header_ok(d.ip_header(frame)) {
                        self.counters.malformed += 1;
                        self.weird(ts, WeirdScope::None, "bad_IP_checksum", "IP");
                        return;
                    }
                    d.bad_checksum = checksum::transport_ok(&d, d.segment(frame)) == Some(false);
                }
                self.counters.ip_packets += 1;
                if d.frag.is_some() {
                    self.fragment(ts, &d, frame);
                } else {
                    self.dispatch(ts, d, frame);
                }
            }
            Err(DecodeError::NotIp) => {
                self.counters.non_ip += 1;
                self.layer2(ts, link, wire_len, frame);
            }
            Err(DecodeError::Weird(name, source)) => {
                self.counters.malformed += 1;
                self.weird(ts, WeirdScope::None, name, source);
            }
        }
    }

    /// The industrial protocols of a frame that is not IP (PROFINET),
    /// read here: they have no flow to shard by, and are few.
    fn layer2(&mut self, ts: Ts, link: LinkType, wire_len: u32, frame: &[u8]) {
        let Some(mut f) = decode::layer2(link, frame) else {
            return;
        };
        f.cut = (frame.len() as u64) < u64::from(wire_len);
        if f.ether_type == otwatch_parsers::profinet::ETHERTYPE {
            self.em.at_packet(self.seq);
            let em = &mut self.em;
            self.profinet.frame(ts, &f, &mut |e| em.emit(e));
        }
    }

    fn dispatch(&mut self, ts: Ts, d: Decoded, frame: &[u8]) {
        let (key, side) = FlowKey::of(&d);
        let shard = shard_of(&key);
        let w = shard % self.batches.len();
        let p = BatchPacket {
            seq: self.seq,
            ts,
            now: self.now,
            shard: shard as u16,
            key,
            side,
            decoded: d,
        };
        self.tick_bytes += d.payload(frame).len();
        self.batches[w].push(p, d.payload(frame));
    }

    /// Feeds a fragment to reassembly; a completed datagram goes on as one packet.
    fn fragment(&mut self, ts: Ts, d: &Decoded, frame: &[u8]) {
        let r = self.defrag.add(ts, d, d.payload(frame));
        for w in r.weirds {
            self.counters.fragment_weirds += 1;
            let flow = WeirdScope::Flow {
                src: d.src.to_ip(),
                dst: d.dst.to_ip(),
            };
            self.weird(ts, flow, w, "IP");
        }
        let Some(dgram) = r.datagram else {
            return;
        };
        match decode::decode(LinkType::RawIp, &dgram) {
            Ok(mut whole) => {
                whole.vlan = d.vlan;
                whole.inner_vlan = d.inner_vlan;
                whole.src_mac = d.src_mac;
                whole.dst_mac = d.dst_mac;
                self.dispatch(ts, whole, &dgram);
            }
            Err(DecodeError::Weird(name, source)) => {
                self.counters.malformed += 1;
                self.weird(ts, WeirdScope::None, name, source);
            }
            Err(DecodeError::NotIp) => self.counters.non_ip += 1,
        }
    }

    fn weird(&mut self, ts: Ts, scope: WeirdScope, name: &'static str, source: &'static str) {
        self.em.at_packet(self.seq);
        self.em.emit(Event::Weird(Box::new(Weird {
            ts,
            scope,
            name,
            addl: None,
            source,
        })));
    }

    /// Sends the current tick to every worker; false if the pipeline shut down
    /// (the merge thread stopped on a write error, reported by the caller).
    fn send_tick(&mut self) -> bool {
        if self.closed {
            return false;
        }
        for (i, tx) in self.work_tx.iter().enumerate() {
            // The next tick, sized like this one, reuses a batch a worker
            // is done with when there is one.
            let next = self
                .spare
                .try_recv()
                .unwrap_or_default()
                .emptied_like(&self.batches[i]);
            let mut b = std::mem::replace(&mut self.batches[i], next);
            b.tick = self.tick;
            b.last_seq = self.seq;
            b.now = self.now;
            if tx.send(Work::Batch(b)).is_err() {
                self.closed = true;
            }
        }
        self.defrag.expire(self.now);
        self.em.at_packet(self.seq);
        let em = &mut self.em;
        self.profinet.expire(self.now, &mut |e| em.emit(e));
        let records = self.em.take();
        if self
            .cap_tx
            .send(Output::unrendered(self.tick, records))
            .is_err()
        {
            self.closed = true;
        }
        self.tick += 1;
        self.in_tick = 0;
        self.tick_bytes = 0;
        !self.closed
    }

    /// A tick ends at `tick_packets` packets or [`TICK_BYTES`] of payload,
    /// so the queues (`queue_depth` ticks per worker) hold a bounded number
    /// of bytes even when every frame is 64 KiB (or more, at a large
    /// snaplen). Both depend only on the input: the cut is the same at any
    /// thread count.
    fn tick_full(&self) -> bool {
        self.in_tick >= self.cfg.tick_packets || self.tick_bytes >= TICK_BYTES
    }

    fn finish(mut self) -> (DecodeCounters, Option<Ts>, Option<Ts>) {
        if self.in_tick > 0 || self.tick == 0 {
            self.send_tick();
        }
        self.defrag.finish();
        self.counters.defrag = self.defrag.counters.clone();
        self.em.at_packet(self.seq);
        let em = &mut self.em;
        self.profinet.finish(&mut |e| em.emit(e));
        for tx in &self.work_tx {
            let _ = tx.send(Work::Finish { last_seq: self.seq });
        }
        // Whatever the capture side emitted after its last tick (a live
        // run's final capture-loss and stats rows).
        let records = self.em.take();
        let _ = self.cap_tx.send(Output::unrendered(self.tick, records));
        if let Some(pb) = &self.progress {
            pb.finish_and_clear();
        }
        let last = self.first_ts.map(|_| self.max_ts);
        (self.counters, self.first_ts, last)
    }
}

/// When the merge thread rotates the logs, what happens to the rotated
/// files, and how often it hands the logs' buffered lines to the disk.
#[derive(Clone, Debug)]
struct Rotation {
    every_us: Option<i64>,
    bytes: Option<u64>,
    retention: crate::output::retention::Retention,
    /// Wall clock: a run that reads a long capture is tail-able too.
    flush_every: std::time::Duration,
}

impl Default for Rotation {
    fn default() -> Rotation {
        Rotation {
            every_us: None,
            bytes: None,
            retention: Default::default(),
            flush_every: std::time::Duration::from_secs(1),
        }
    }
}

/// A source of the merge: its outputs, and where the outputs the merge is
/// done with go back (a worker frees their records, which it made, and
/// reuses their buffers).
struct Source {
    rx: Receiver<Output>,
    back: Option<Sender<Output>>,
}

impl Source {
    /// Hands a part the merge is done with back (freed here when the
    /// source takes none back or its queue is full).
    fn give_back(&self, part: Option<Part>) {
        if let (Some(p), Some(back)) = (part, &self.back) {
            let _ = back.try_send(p.out);
        }
    }
}

/// What a source sent of the current tick, being merged.
struct Part {
    out: Output,
    /// The next record...
    next: usize,
    /// ... its first rendered row...
    line: usize,
    /// ... what the checks found for its first request...
    fact: usize,
    /// ... and the rules that matched its first check.
    rule_at: usize,
}

impl Part {
    /// A source's output; its connection counters go to `flows`, the
    /// latest time of its rendered rows to the rotation clock `now`.
    fn new(mut out: Output, flows: &mut FlowCounters, now: &mut Ts) -> Part {
        if let Some(f) = out.flows.take() {
            *flows = f;
        }
        *now = (*now).max(out.latest.unwrap_or_default());
        // Rendered records come sorted (their lines follow their order);
        // the capture thread's are in emission order.
        if out.rows.is_empty() {
            out.records.sort_by_key(|r| r.0);
        }
        debug_assert!(out.records.is_sorted_by_key(|r| r.0));
        Part {
            out,
            next: 0,
            line: 0,
            fact: 0,
            rule_at: 0,
        }
    }

    fn head(&self) -> Option<OrderKey> {
        self.out.records.get(self.next).map(|r| r.0)
    }

    /// Steps past the next record.
    fn step(&mut self) -> Option<Step> {
        let i = self.next;
        if i >= self.out.records.len() {
            return None;
        }
        self.next = i.saturating_add(1);
        let rows = self.out.rows.get(i).map(|&n| {
            let first = self.line;
            self.line = first.saturating_add(n as usize);
            first..self.line
        });
        let facts = self.out.checked.get(i).map(|&n| {
            let first = self.fact;
            self.fact = first.saturating_add(n as usize);
            first..self.fact
        });
        let rules = self.out.ruled.get(i).map(|&n| {
            let first = self.rule_at;
            self.rule_at = first.saturating_add(n as usize);
            first..self.rule_at
        });
        Some(Step {
            record: i,
            rows,
            facts,
            rules,
        })
    }
}

/// A record of a part: its index, the range of its rows in the part's
/// lines when the source rendered them, and those of what the checks
/// found for its requests and of the rules that matched it when the
/// source ran them.
struct Step {
    record: usize,
    rows: Option<std::ops::Range<usize>>,
    facts: Option<std::ops::Range<usize>>,
    rules: Option<std::ops::Range<usize>>,
}

/// The source whose next record of the tick comes first (the lower source
/// on equal keys, as a stable sort of all of them would have it),
/// receiving the next part of a source whose part ran out when it said more
/// follow; None when the tick is done.
fn next_source(
    sources: &[Source],
    parts: &mut [Option<Part>],
    flows: &mut [FlowCounters],
    now: &mut Ts,
) -> Option<usize> {
    let mut best: Option<(OrderKey, usize)> = None;
    for (i, ((src, part), counters)) in sources.iter().zip(parts.iter_mut()).zip(flows).enumerate()
    {
        while part
            .as_ref()
            .is_some_and(|p| p.head().is_none() && p.out.more)
        {
            match src.rx.recv() {
                Ok(out) => src.give_back(part.replace(Part::new(out, counters, now))),
                Err(_) => {
                    if let Some(p) = part.as_mut() {
                        p.out.more = false;
                    }
                }
            }
        }
        let head = part.as_ref().and_then(Part::head);
        if let Some(k) = head.filter(|k| best.is_none_or(|(b, _)| k < &b)) {
            best = Some((k, i));
        }
    }
    best.map(|(_, i)| i)
}

/// Row `i` of rendered `text` whose lines end at `lines`: its log and line
/// (with its newline).
fn line_of<'a>(
    text: &'a str,
    lines: &[(&'static str, u32)],
    i: usize,
) -> Option<(&'static str, &'a str)> {
    let (path, end) = *lines.get(i)?;
    let start = match i.checked_sub(1) {
        Some(p) => lines.get(p).map_or(0, |l| l.1 as usize),
        None => 0,
    };
    Some((path, text.get(start..end as usize)?))
}

/// What retention did in the run, and what it could not do.
fn report_retention(keeper: &crate::output::retention::Keeper) {
    use std::sync::atomic::Ordering;
    let c = &keeper.counters;
    let (compressed, removed) = (
        c.compressed.load(Ordering::Relaxed),
        c.removed.load(Ordering::Relaxed),
    );
    if compressed + removed > 0 {
        tracing::info!("rotated logs: {compressed} compressed, {removed} removed by retention");
    }
    if let Ok(errors) = c.errors.lock() {
        for e in errors.iter() {
            tracing::warn!("rotated logs: {e}");
        }
    }
}

/// Writes the rows of an event (rendered here) and offers them to the
/// shipper.
fn write_event(writer: &mut LogWriter, e: &Event) -> Result<(), WriteError> {
    let mut res = Ok(());
    crate::logs::rows(e, &mut |row| {
        if res.is_ok() {
            res = writer.write(row);
        }
    });
    res
}

/// Writes what the observer raised (alerts, rule matches) and spools it.
fn raise(
    raised: &mut Vec<Event>,
    writer: &mut LogWriter,
    eve: &mut Option<EveWriter>,
    shipper: Option<&Shipper>,
) -> Result<(), WriteError> {
    if raised.is_empty() {
        return Ok(());
    }
    for a in raised.drain(..) {
        if let Some(w) = eve.as_mut() {
            write_eve(w, &a)?;
        }
        write_event(writer, &a)?;
        if let Some(sh) = shipper {
            crate::logs::rows(&a, &mut |row| offer(sh, row));
        }
    }
    Ok(())
}

/// Writes a rule match's eve.json record (other events have none).
fn write_eve(w: &mut EveWriter, e: &Event) -> Result<(), WriteError> {
    match e {
        Event::RuleMatch(m) => w.write(m),
        _ => Ok(()),
    }
}

/// Where the merge thread writes: the logs, eve.json when asked for,
/// CloudWatch when shipping.
struct Outputs {
    writer: LogWriter,
    eve: Option<EveWriter>,
    shipper: Option<Arc<Shipper>>,
}

/// Receives one output per source per tick, merges them by key, writes
/// them, and hands each record to the observer (whose alerts are written
/// right after the record that raised them, and its rule matches to
/// eve.json, flushed at the end of each tick).
fn merge(
    sources: Vec<Source>,
    outputs: Outputs,
    mut observer: Observer,
    // Reloads, and the payload rules' handle they replace.
    reload: Option<(Receiver<Reload>, Handle)>,
    rotation: Rotation,
) -> Result<(LogWriter, Option<EveWriter>, Observer), WriteError> {
    let Outputs {
        mut writer,
        mut eve,
        shipper,
    } = outputs;
    let mut parts: Vec<Option<Part>> = sources.iter().map(|_| None).collect();
    let mut alerts: Vec<Event> = Vec::new();
    let mut opened = false;
    let mut last_rotation: Option<i64> = None;
    let mut now = Ts::default();
    // Each worker's latest connection counters, for periodic stats rows.
    let mut flows = vec![FlowCounters::default(); sources.len()];
    let mut flushed = std::time::Instant::now();
    let mut keeper =
        crate::output::retention::Keeper::new(writer.dir(), rotation.retention.clone());
    loop {
        let mut got = 0;
        let mut tick = None;
        for ((src, part), counters) in sources.iter().zip(&mut parts).zip(&mut flows) {
            src.give_back(part.take());
            *part = src.rx.recv().ok().map(|out| {
                got += 1;
                debug_assert!(tick.is_none_or(|t| t == out.tick));
                tick = Some(out.tick);
                Part::new(out, counters, &mut now)
            });
        }
        if got == 0 {
            keeper.wait();
            report_retention(&keeper);
            return Ok((writer, eve, observer));
        }
        if let Some((rx, payload)) = &reload {
            while let Ok(r) = rx.try_recv() {
                match r {
                    Reload::Rules(set, window) => {
                        payload.store(PayloadSet::compile(&set));
                        observer.set_rules(set, window)
                    }
                    Reload::Baseline(b) => observer.set_baseline(*b),
                }
            }
        }
        // The sources' records in key order (each source's are sorted; a
        // source may send a tick in several parts).
        while let Some(i) = next_source(&sources, &mut parts, &mut flows, &mut now) {
            let Some(part) = parts.get_mut(i).and_then(Option::as_mut) else {
                break;
            };
            let Some(Step {
                record: r,
                rows: at,
                facts: checked_facts,
                rules: checked_rules,
            }) = part.step()
            else {
                break;
            };
            let Output {
                records,
                text,
                lines,
                facts,
                rule_hits,
                ..
            } = &mut part.out;
            let checked = Checked {
                requests: checked_facts.and_then(|range| facts.get(range)),
                rules: checked_rules.and_then(|range| rule_hits.get(range)),
            };
            let Some((_, rec)) = records.get_mut(r) else {
                break;
            };
            // A live run's periodic stats row comes from the capture thread,
            // which does not see the connections: the workers' counters
            // are filled in here (the final row gets them after the join).
            if let Event::Stats(st) = &mut *rec {
                st.summary.flows = FlowCounters::default();
                for f in &flows {
                    st.summary.flows.add(f);
                }
            }
            let mut wrote = false;
            let rendered = at.is_some();
            match at {
                Some(range) => {
                    for i in range {
                        let Some((path, line)) = line_of(text, lines, i) else {
                            continue;
                        };
                        wrote = true;
                        writer.write_json_line(path, line)?;
                        if let Some(sh) = shipper.as_ref().filter(|s| s.wants(path)) {
                            sh.offer(path, line.strip_suffix('\n').unwrap_or(line));
                        }
                    }
                }
                None => {
                    let mut res = Ok(());
                    crate::logs::rows(rec, &mut |row| {
                        wrote = true;
                        if res.is_ok() {
                            res = writer.write(row);
                        }
                        if let Some(sh) = &shipper {
                            offer(sh, row);
                        }
                    });
                    res?;
                }
            }
            if wrote {
                // A rendered output brings the latest time of its rows
                // (its records need not be read again for it).
                if !opened || !rendered {
                    let ts = rec.ts();
                    if !opened {
                        writer.set_open_time(ts);
                        // The first period starts with the first row, not
                        // at the traffic clock's zero.
                        last_rotation = Some(ts.0);
                        opened = true;
                    }
                    now = now.max(ts);
                }
            }
            // A live run's periodic stats row: metrics with it.
            if let (Some(sh), Event::Stats(st)) = (&shipper, &*rec) {
                sh.metrics(&metrics(
                    &st.summary,
                    observer.inventory.devices.len(),
                    observer.alert_stats(),
                ));
            }
            observer.read(rec, checked, &mut alerts);
            raise(&mut alerts, &mut writer, &mut eve, shipper.as_deref())?;
        }
        if let Some(sh) = &shipper {
            sh.sync();
            // A spool that starts losing events is a notice of its own.
            for loss in sh.losses(now) {
                observer.read(
                    &Event::SpoolLoss(Box::new(loss)),
                    Checked::default(),
                    &mut alerts,
                );
            }
            raise(&mut alerts, &mut writer, &mut eve, Some(sh))?;
        }
        if let Some(w) = eve.as_mut() {
            w.flush()?;
        }
        if flushed.elapsed() >= rotation.flush_every {
            writer.flush()?;
            flushed = std::time::Instant::now();
        }
        for m in observer.messages.drain(..) {
            match m {
                crate::observe::Message::Info(m) => tracing::info!("{m}"),
                crate::observe::Message::Problem(m) => tracing::warn!("{m}"),
            }
        }
        // Rotation, between ticks, on the traffic clock.
        let due_time = last_rotation
            .zip(rotation.every_us)
            .is_some_and(|(start, e)| now.0 - start >= e);
        let due_size = rotation.bytes.is_some_and(|b| writer.written() >= b);
        if opened && (due_time || due_size) {
            let files = writer.rotate(now)?;
            tracing::debug!(
                "rotated {} logs ({})",
                files.len(),
                if due_size { "size" } else { "interval" }
            );
            last_rotation = Some(now.0);
            let oldest = rotation.retention.age.map(|a| {
                crate::output::stamp(Ts(now.0 - i64::try_from(a.as_micros()).unwrap_or(i64::MAX)))
            });
            keeper.rotated(files, oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rotation clock takes the latest row of every part of a tick:
    /// the end of the input comes in several parts, and the parts after
    /// the first are received while merging.
    #[test]
    fn every_part_of_a_tick_moves_the_rotation_clock() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let sources = vec![Source { rx, back: None }];
        let part = |latest, more| Output {
            latest: Some(Ts(latest)),
            more,
            ..Output::unrendered(0, Vec::new())
        };
        tx.send(part(9, false)).expect("the channel is open");
        let mut flows = vec![FlowCounters::default()];
        let mut now = Ts(0);
        let first = flows
            .first_mut()
            .map(|f| Part::new(part(5, true), f, &mut now));
        assert_eq!(now, Ts(5));
        let mut parts = vec![first];
        assert_eq!(
            next_source(&sources, &mut parts, &mut flows, &mut now),
            None
        );
        assert_eq!(now, Ts(9));
    }
}
