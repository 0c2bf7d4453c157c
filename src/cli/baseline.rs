//! `otwatch baseline`: learn, merge and show baselines.

use super::args::{EngineArgs, RuleArgs};
use crate::baseline::Baseline;
use crate::config::Config;
use crate::pipeline;
use crate::settings::{Mode, Settings};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum BaselineCommand {
    /// Learn a baseline from known-good captures.
    ///
    /// Example: otwatch baseline learn monday.pcap tuesday.pcap -o baseline.json
    Learn(LearnArgs),
    /// Merge baselines (several sensors or periods) into one.
    ///
    /// Example: otwatch baseline merge line1.json line2.json -o plant.json
    Merge {
        /// Baseline files to merge.
        #[arg(required = true, num_args = 2.., value_name = "BASELINE")]
        inputs: Vec<PathBuf>,
        /// The merged baseline.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: PathBuf,
    },
    /// Print a baseline as a network map (DOT for Graphviz, GraphML) or JSON.
    ///
    /// Example: otwatch baseline show baseline.json --format dot | dot -Tsvg > map.svg
    Show {
        #[arg(value_name = "BASELINE")]
        file: PathBuf,
        #[arg(long, value_enum, default_value = "dot")]
        format: crate::baseline::ShowFormat,
    },
}

/// `baseline learn` takes the flow and analyzer settings (flags or
/// `--config`; the baseline is the same for any thread count).
#[derive(Args, Debug)]
pub struct LearnArgs {
    /// Known-good capture files, read in the order given.
    #[arg(required = true, value_name = "PCAP")]
    pub pcaps: Vec<PathBuf>,
    /// The baseline file to write.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The rule matches of known-good traffic are learned: the same rule
    /// between the same hosts is not alerted when detecting.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Print nothing on stderr unless something goes wrong.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl LearnArgs {
    /// The flags as a settings layer.
    pub fn layer(&self) -> Config {
        let mut c = Config::default();
        self.engine.fill(&mut c);
        self.rules.fill(&mut c);
        c
    }
}

pub fn run(command: BaselineCommand) -> ExitCode {
    match command {
        BaselineCommand::Learn(args) => learn(&args),
        BaselineCommand::Merge { inputs, output } => {
            let mut merged: Option<Baseline> = None;
            for p in &inputs {
                match Baseline::load(p) {
                    Ok(b) => match merged.as_mut() {
                        Some(m) => m.merge(&b),
                        None => merged = Some(b),
                    },
                    Err(e) => return super::misuse(&e),
                }
            }
            let merged = merged.unwrap_or_default();
            match merged.save(&output) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => super::failed(&e),
            }
        }
        BaselineCommand::Show { file, format } => match Baseline::load(&file) {
            Ok(b) => super::print_out(&crate::baseline::show(&b, format)),
            Err(e) => super::misuse(&e),
        },
    }
}

fn learn(args: &LearnArgs) -> ExitCode {
    if let Err(msg) = super::check_inputs(&args.pcaps) {
        return super::misuse(&msg);
    }
    let settings =
        match Settings::resolve(Mode::Learn, &args.layer(), args.engine.config.as_deref()) {
            Ok(s) => s,
            Err(errors) => {
                super::print_errors(&errors);
                return ExitCode::from(2);
            }
        };
    super::report_skipped(&settings.pipeline);
    let outcome = pipeline::run_files(&args.pcaps, &settings.pipeline);
    // A damaged file ends its own reading only: what was decoded of it
    // and of the other files is learned and saved, and the run says so.
    let damaged = match outcome.error {
        None => None,
        Some(e @ pipeline::RunError::Damaged(_)) => Some(e),
        Some(e) => return super::failed(&e),
    };
    let dropped = outcome
        .observed
        .as_ref()
        .map_or((0, 0), |o| (o.inventory.dropped, o.edges_dropped));
    let Some(b) = outcome.observed.and_then(|o| o.baseline) else {
        return super::failed(&"internal error: no baseline was learned");
    };
    if let Err(e) = b.save(&args.output) {
        return super::failed(&e);
    }
    if !args.quiet {
        eprintln!(
            "otwatch: learned {} devices and {} edges from {} packets; wrote {}",
            b.devices.len(),
            b.edges.len(),
            outcome.summary.decode.packets,
            args.output.display()
        );
        if !b.rule_matches.is_empty() {
            eprintln!(
                "otwatch: {} rule matches of this traffic learned as normal (not alerted between the same hosts when detecting; `otwatch baseline show --format json` lists them):",
                b.rule_matches.len()
            );
            for m in b.rule_matches.values().take(20) {
                let dst = m.dst.map_or("-".to_string(), |d| d.to_string());
                eprintln!(
                    "  [{}] {} {} -> {} ({}x)",
                    m.sid, m.msg, m.src, dst, m.count
                );
            }
            if b.rule_matches.len() > 20 {
                eprintln!("  ... and {} more", b.rule_matches.len() - 20);
            }
        }
    }
    if dropped.0 + dropped.1 > 0 {
        tracing::warn!(
            "tables full: {} observations of devices and {} of edges or functions not learned",
            dropped.0,
            dropped.1
        );
    }
    match damaged {
        Some(e) => super::failed(&format!(
            "{e}; the baseline holds what was read before the damage"
        )),
        None => ExitCode::SUCCESS,
    }
}
