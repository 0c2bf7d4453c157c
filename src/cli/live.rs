//! `otwatch live`: capture on interfaces until stopped.

use super::args::AnalysisArgs;
use crate::config::Config;
use crate::settings::{Mode, Settings};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// `otwatch live` (every setting can also come from `--config`; flags win).
#[derive(Args, Debug, Default)]
pub struct LiveArgs {
    /// Interface to capture from (repeat for several).
    #[arg(long = "interface", short = 'i', value_name = "IFACE")]
    pub interfaces: Vec<String>,
    /// BPF filter, e.g. "not port 22".
    #[arg(long, value_name = "FILTER")]
    pub bpf: Option<String>,
    /// Bytes captured per packet.
    #[arg(long, value_name = "BYTES")]
    pub snaplen: Option<u32>,
    /// Kernel capture buffer in MiB.
    #[arg(long, value_name = "MIB")]
    pub buffer_mib: Option<u32>,
    /// Deliver packets one by one (drops under load; off by default).
    #[arg(long)]
    pub immediate: bool,
    /// Learn a baseline for this long (e.g. 7d), save it, then detect.
    #[arg(long, value_name = "DURATION", conflicts_with = "baseline")]
    pub learn_for: Option<String>,
    /// Where --learn-for saves the baseline (default OUT/baseline.json).
    #[arg(long, value_name = "FILE")]
    pub learn_output: Option<PathBuf>,
    /// otwatch_stats.log and otwatch_capture_loss.log this often.
    #[arg(long, value_name = "DURATION")]
    pub stats_interval: Option<String>,
    /// Capture loss (percent) that raises a notice.
    #[arg(long, value_name = "PERCENT")]
    pub loss_threshold: Option<f64>,
    /// Rotate the logs this often (e.g. 1h; default: never).
    #[arg(long, value_name = "DURATION")]
    pub rotate_interval: Option<String>,
    /// Rotate the logs past this many MiB.
    #[arg(long, value_name = "MIB")]
    pub rotate_size_mib: Option<u64>,
    /// Write buffered log lines to disk at least this often (alerts and
    /// notices are written at once).
    #[arg(long, value_name = "DURATION")]
    pub flush_interval: Option<String>,
    /// Keep at most this many rotation periods of logs.
    #[arg(long, value_name = "N")]
    pub retain_count: Option<usize>,
    /// Remove rotated logs older than this (e.g. 30d).
    #[arg(long, value_name = "DURATION")]
    pub retain_age: Option<String>,
    /// Keep the rotated logs under this many MiB in all.
    #[arg(long, value_name = "MIB")]
    pub retain_size_mib: Option<u64>,
    /// gzip rotated logs.
    #[arg(long)]
    pub compress_rotated: bool,

    #[command(flatten)]
    pub analysis: AnalysisArgs,

    /// Print nothing on stderr unless something goes wrong.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl LiveArgs {
    /// The flags as a settings layer.
    pub fn layer(&self) -> Config {
        let mut c = self.analysis.layer();
        c.interface = (!self.interfaces.is_empty()).then(|| self.interfaces.clone());
        c.bpf = self.bpf.clone();
        c.snaplen = self.snaplen;
        c.buffer_mib = self.buffer_mib;
        c.immediate = self.immediate.then_some(true);
        c.learn_for = self.learn_for.clone();
        c.learn_output = self.learn_output.clone();
        c.stats_interval = self.stats_interval.clone();
        c.loss_threshold = self.loss_threshold;
        c.rotate_interval = self.rotate_interval.clone();
        c.rotate_size_mib = self.rotate_size_mib;
        c.flush_interval = self.flush_interval.clone();
        c.retain_count = self.retain_count;
        c.retain_age = self.retain_age.clone();
        c.retain_size_mib = self.retain_size_mib;
        c.compress_rotated = self.compress_rotated.then_some(true);
        c
    }

    pub fn settings(&self) -> Result<Settings, crate::settings::SettingsErrors> {
        Settings::resolve(
            Mode::Live,
            &self.layer(),
            self.analysis.engine.config.as_deref(),
        )
    }
}

pub fn run(args: &LiveArgs) -> ExitCode {
    let settings = match args.settings() {
        Ok(s) => s,
        Err(errors) => {
            super::print_errors(&errors);
            return ExitCode::from(2);
        }
    };
    super::report_skipped(&settings.pipeline);
    let Some(live) = settings.live.as_ref() else {
        return super::failed(&"internal error: live settings without capture settings");
    };
    let outcome = match crate::live::run(
        &settings.pipeline,
        live,
        settings.sources.clone(),
        args.quiet,
    ) {
        Ok(o) => o,
        Err(e @ crate::live::StartError::Open(_)) => return super::misuse(&e),
        Err(e) => return super::failed(&e),
    };
    if !args.quiet {
        eprint!("{}", outcome.summary);
        if let Some(o) = &outcome.observed {
            eprintln!("  {}", super::alert_line(&o.alerts));
        }
    }
    let shipping = outcome.shipped.as_ref().map(super::ship::report);
    match outcome.error {
        None => shipping.unwrap_or(ExitCode::SUCCESS),
        Some(e) => super::failed(&e),
    }
}
