//! `otwatch live`: the SPAN-port sensor. Opens the interfaces, runs the
//! same pipeline, analyzers, rules and outputs as `analyze` until SIGINT or
//! SIGTERM (then flushes every log, the inventory and the baseline, and
//! exits 0), and reloads rules, variables and baseline on SIGHUP — all or
//! nothing: a set that does not load is refused with a log line and the
//! old one stays.

use crate::capture::{LiveOptions, LiveSource};
use crate::pipeline::{self, LiveControl, PipelineConfig, Reload};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// Everything a live run needs, flags and config file merged.
pub struct LiveSettings {
    pub interfaces: Vec<String>,
    pub capture: LiveOptions,
    pub pipeline: PipelineConfig,
    /// Where rules, variables and the baseline are (re)loaded from.
    pub rules: Option<PathBuf>,
    pub vars: Option<PathBuf>,
    pub alert_window: u64,
    pub baseline: Option<PathBuf>,
    pub stats_every: Duration,
    pub loss_threshold: f64,
    pub rotate_every: Option<Duration>,
    pub rotate_bytes: Option<u64>,
    pub quiet: bool,
}

/// Loads what SIGHUP reloads; any error refuses the whole set.
fn load(s: &LiveSettings) -> Result<Vec<Reload>, String> {
    let mut out = Vec::new();
    if let Some(p) = &s.rules {
        let set = crate::rules::load(p, s.vars.as_deref()).map_err(|e| e.to_string())?;
        out.push(Reload::Rules(set, s.alert_window));
    }
    if let Some(p) = &s.baseline {
        out.push(Reload::Baseline(Box::new(crate::baseline::Baseline::load(
            p,
        )?)));
    }
    Ok(out)
}

pub fn run(s: LiveSettings) -> ExitCode {
    let mut sources = Vec::new();
    for i in &s.interfaces {
        match LiveSource::open(i, &s.capture) {
            Ok(src) => sources.push(src),
            Err(e) => {
                eprintln!("otwatch: error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(sig, stop.clone()) {
            eprintln!("otwatch: error: cannot handle signal {sig}: {e}");
            return ExitCode::from(1);
        }
    }
    let (tx, rx) = crossbeam_channel::bounded::<Reload>(8);
    let mut signals = match signal_hook::iterator::Signals::new([signal_hook::consts::SIGHUP]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("otwatch: error: cannot handle SIGHUP: {e}");
            return ExitCode::from(1);
        }
    };
    let handle = signals.handle();
    let reload_from = LiveSettings {
        interfaces: Vec::new(),
        capture: s.capture.clone(),
        pipeline: PipelineConfig::default(),
        rules: s.rules.clone(),
        vars: s.vars.clone(),
        alert_window: s.alert_window,
        baseline: s.baseline.clone(),
        stats_every: s.stats_every,
        loss_threshold: s.loss_threshold,
        rotate_every: None,
        rotate_bytes: None,
        quiet: s.quiet,
    };
    let reloader = std::thread::spawn(move || {
        for _ in signals.forever() {
            match load(&reload_from) {
                Ok(all) => {
                    let n = all.len();
                    for r in all {
                        let _ = tx.send(r);
                    }
                    eprintln!("otwatch: SIGHUP: reloaded ({n} sets)");
                }
                Err(e) => eprintln!(
                    "otwatch: SIGHUP: reload refused, the old rules and baseline stay: {e}"
                ),
            }
        }
    });
    if !s.quiet {
        eprintln!(
            "otwatch: capturing on {} (logs in {})",
            s.interfaces.join(", "),
            s.pipeline.out_dir.display()
        );
    }
    let ctl = LiveControl {
        stop,
        reload: rx,
        tick_every: Duration::from_millis(500),
        stats_every: s.stats_every,
        loss_threshold: s.loss_threshold,
        rotate_every: s.rotate_every,
        rotate_bytes: s.rotate_bytes,
    };
    let outcome = pipeline::run_live(sources, &s.pipeline, ctl);
    handle.close();
    let _ = reloader.join();
    if !s.quiet {
        eprint!("{}", outcome.summary);
    }
    let shipping = outcome.shipped.as_ref().map(crate::cli::report_shipping);
    match outcome.error {
        None => shipping.unwrap_or(ExitCode::SUCCESS),
        Some(e) => {
            eprintln!("otwatch: error: {e}");
            ExitCode::from(1)
        }
    }
}
