//! `otwatch live`: the SPAN-port sensor. Opens the interfaces, runs the
//! same pipeline, analyzers, rules and outputs as `analyze` until SIGINT or
//! SIGTERM (then flushes every log, the inventory and the baseline, and
//! returns), and reloads rules, variables and baseline on SIGHUP — all or
//! nothing: a set that does not load is refused with a log line and the
//! old one stays.

use crate::capture::LiveSource;
use crate::pipeline::{self, LiveControl, PipelineConfig, Reload, RunOutcome};
use crate::settings::{Live, Sources};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// Why a live run did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// An interface cannot be captured from (missing, no permission, the
    /// filter does not fit its link type).
    #[error("{0}")]
    Open(#[from] crate::capture::LiveError),
    /// The signal handlers cannot be installed.
    #[error("{0}")]
    Signals(String),
}

/// Captures until SIGINT or SIGTERM; the outcome of the run.
pub fn run(
    pipeline: &PipelineConfig,
    live: &Live,
    sources: Sources,
    quiet: bool,
) -> Result<RunOutcome, StartError> {
    let mut opened = Vec::new();
    for i in &live.interfaces {
        opened.push(LiveSource::open(i, &live.capture)?);
    }
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone())
            .map_err(|e| StartError::Signals(format!("cannot handle signal {sig}: {e}")))?;
    }
    let (tx, rx) = crossbeam_channel::bounded::<Reload>(8);
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGHUP])
        .map_err(|e| StartError::Signals(format!("cannot handle SIGHUP: {e}")))?;
    let handle = signals.handle();
    let reloader = std::thread::spawn(move || {
        for _ in signals.forever() {
            match sources.load() {
                Ok(all) => {
                    let n = all.len();
                    for r in all {
                        if let Reload::Rules(set, _) = &r {
                            for e in &set.skipped {
                                tracing::warn!("SIGHUP: rule skipped: {e}");
                            }
                        }
                        let _ = tx.send(r);
                    }
                    tracing::info!("SIGHUP: reloaded ({n} sets)");
                }
                Err(e) => {
                    tracing::error!("SIGHUP: reload refused, the old rules and baseline stay: {e}")
                }
            }
        }
    });
    if !quiet {
        tracing::info!(
            "capturing on {} (logs in {})",
            live.interfaces.join(", "),
            pipeline.out_dir.display()
        );
    }
    let ctl = LiveControl {
        stop,
        reload: rx,
        tick_every: Duration::from_millis(500),
        stats_every: live.stats_every,
        loss_threshold: live.loss_threshold,
        rotate_every: live.rotate_every,
        rotate_bytes: live.rotate_bytes,
        flush_every: live.flush_every,
        retention: live.retention.clone(),
    };
    let outcome = pipeline::run_live(opened, pipeline, ctl);
    handle.close();
    let _ = reloader.join();
    Ok(outcome)
}
