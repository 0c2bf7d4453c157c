//! `otwatch analyze`: capture files in, logs out.

use super::args::AnalysisArgs;
use crate::pipeline;
use crate::settings::{Mode, Settings};
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Capture files (pcap or pcapng), read in the order given.
    ///
    /// Example: otwatch analyze day1.pcap day2.pcapng
    #[arg(required = true, value_name = "PCAP")]
    pub pcaps: Vec<PathBuf>,

    #[command(flatten)]
    pub analysis: AnalysisArgs,

    /// Also write the HTML report of the run to this file.
    ///
    /// Example: --report report.html
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Show progress on stderr (default: only when stderr is a terminal).
    #[arg(long, overrides_with = "no_progress")]
    pub progress: bool,

    /// Never show progress.
    #[arg(long)]
    pub no_progress: bool,

    /// Print nothing on stderr unless something goes wrong.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Read only the packets this BPF filter takes (tcpdump syntax), as
    /// `zeek -f` does.
    ///
    /// Example: -f "tcp port 502 or udp port 2222"
    #[arg(
        long = "bpf",
        short = 'f',
        visible_alias = "filter",
        value_name = "FILTER"
    )]
    pub bpf: Option<String>,

    /// Zeek's -C, "ignore checksums": otwatch's default, taken for habit
    /// (--verify-checksums turns checking on).
    #[arg(short = 'C', conflicts_with = "verify_checksums")]
    pub ignore_checksums: bool,
}

impl AnalyzeArgs {
    /// The flags as a settings layer.
    pub fn layer(&self) -> crate::config::Config {
        let mut c = self.analysis.layer();
        c.bpf = self.bpf.clone();
        c
    }
}

pub fn run(args: &AnalyzeArgs) -> ExitCode {
    if let Err(msg) = super::check_inputs(&args.pcaps) {
        return super::misuse(&msg);
    }
    let settings = match Settings::resolve(
        Mode::Analyze,
        &args.layer(),
        args.analysis.engine.config.as_deref(),
    ) {
        Ok(s) => s,
        Err(errors) => {
            super::print_errors(&errors);
            return ExitCode::from(2);
        }
    };
    let mut cfg = settings.pipeline;
    super::report_skipped(&cfg);
    cfg.progress =
        !args.quiet && !args.no_progress && (args.progress || std::io::stderr().is_terminal());
    let outcome = pipeline::run_files(&args.pcaps, &cfg);
    if !args.quiet {
        eprint!("{}", outcome.summary);
        if let Some(o) = &outcome.observed {
            eprint!("  devices: {}", o.inventory.devices.len());
            if o.snapshots > 0 {
                eprint!(" (known_devices.log rewritten {} times)", o.snapshots);
            }
            eprintln!();
            if let Some(r) = &o.rules {
                eprintln!(
                    "  rules: {} loaded, {} skipped, {} matches ({} repeats suppressed, {} held by thresholds, {} learned by the baseline)",
                    r.rules, r.skipped, r.matches, r.suppressed, r.thresholded, o.alerts.rules_baselined
                );
            }
            eprintln!("  {}", super::alert_line(&o.alerts));
        }
        eprintln!("  logs written to {}", cfg.out_dir.display());
    }
    if let Some(n) = outcome
        .observed
        .as_ref()
        .map(|o| o.inventory.dropped)
        .filter(|n| *n > 0)
    {
        tracing::warn!(
            "inventory full ({} devices): {n} observations of other addresses not recorded",
            crate::inventory::MAX_DEVICES
        );
    }
    let shipping = outcome.shipped.as_ref().map(super::ship::report);
    if outcome.error.is_none() {
        if let Some(path) = &args.report {
            if let Err(e) = super::report::write(&cfg.out_dir, cfg.observe.baseline.as_ref(), path)
            {
                return super::failed(&e);
            }
            if !args.quiet {
                eprintln!("  report written to {}", path.display());
            }
        }
    }
    match outcome.error {
        None => shipping.unwrap_or(ExitCode::SUCCESS),
        Some(e) => super::failed(&e),
    }
}
