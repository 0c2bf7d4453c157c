//! Command line: parses arguments, has the settings resolved, starts the
//! work, and maps outcomes to exit statuses (0 success, 1 the run failed,
//! 2 misuse or unusable input). One file per subcommand; the flags that are
//! settings are shared (`args`). No analysis logic lives here.

mod analyze;
pub mod args;
mod baseline;
mod config;
pub mod diagnostics;
mod generate;
mod inventory;
mod live;
mod report;
mod rules;
mod ship;
mod synth;
#[cfg(test)]
mod tests;

pub use analyze::AnalyzeArgs;
pub use args::{AnalysisArgs, CloudWatchArgs, EngineArgs, FormatArg, ShipArgs};
pub use baseline::{BaselineCommand, LearnArgs};
pub use config::ConfigCommand;
pub use inventory::InventoryArgs;
pub use live::LiveArgs;
pub use report::ReportArgs;
pub use rules::RulesCommand;
pub use synth::SynthArgs;

use crate::capture::FileSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::Path;
use std::process::ExitCode;

pub use crate::VERSION;

#[derive(Parser, Debug)]
#[command(
    name = "otwatch",
    version = VERSION,
    about = "Passive sensor for industrial (OT) networks",
    long_about = "otwatch reads packets from pcap/pcapng files, tracks connections and \
                  dissects OT protocols, and writes Zeek-compatible logs."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Say more of what otwatch does (-v debug, -vv trace); -q (where a
    /// command has it) keeps only warnings and errors.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyze capture files offline and write logs.
    ///
    /// Example: otwatch analyze --out logs/ capture1.pcap capture2.pcapng
    Analyze(Box<AnalyzeArgs>),
    /// Capture live from network interfaces (a SPAN or mirror port) until
    /// SIGINT/SIGTERM; SIGHUP reloads rules, variables and baseline.
    ///
    /// Example: otwatch live -i eth1 --out /var/log/otwatch --learn-for 7d
    Live(Box<LiveArgs>),
    /// Check a configuration file.
    ///
    /// Example: otwatch config check /etc/otwatch/otwatch.toml
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Learn, merge and show baselines of who talks to whom and how.
    ///
    /// Example: otwatch baseline learn good-week.pcap -o baseline.json
    Baseline {
        #[command(subcommand)]
        command: BaselineCommand,
    },
    /// Write the HTML report of a run: network map, devices, alerts,
    /// protocol activity, capture quality. One self-contained file.
    ///
    /// Example: otwatch report otwatch-logs/ -o report.html
    Report(ReportArgs),
    /// Write a synthetic, seeded OT capture: PLCs, HMIs, engineering
    /// stations, I/O adapters, OPC UA, IT background (for sizing and
    /// benchmarks).
    ///
    /// Example: otwatch synth -o plant.pcap --bytes 1G --seed 7 --anomalies
    Synth(SynthArgs),
    /// Send what a spool holds to CloudWatch: what a run could not deliver,
    /// or a spool carried across from a one-way site (--spool-only).
    ///
    /// Example: otwatch ship --spool-dir otwatch-logs/spool --cloudwatch-group plant-a
    Ship(ShipArgs),
    /// Check rule files.
    ///
    /// Example: otwatch rules check rules/ --vars site.vars
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Print the device inventory of a run (its log directory) or of a
    /// baseline file.
    ///
    /// Example: otwatch inventory otwatch-logs/ --format csv
    Inventory(InventoryArgs),
    /// Print the shell completion script for bash, zsh, fish, elvish or
    /// PowerShell.
    ///
    /// Example: otwatch completions bash > /etc/bash_completion.d/otwatch
    Completions { shell: clap_complete::Shell },
    /// Write the man pages (otwatch.1 and one per subcommand) into a
    /// folder: what the packages install.
    #[command(hide = true)]
    Manpages { dir: std::path::PathBuf },
    /// Write the JSON Schema of every log into a folder (docs/schemas/).
    #[command(hide = true)]
    Schemas { dir: std::path::PathBuf },
}

impl Cli {
    /// The command line, with the defaults the settings resolver applies
    /// shown in its help.
    pub fn command_with_defaults() -> clap::Command {
        args::show_defaults(Cli::command())
    }

    pub fn try_parse_with_defaults<I, T>(argv: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let mut cmd = Cli::command_with_defaults();
        let m = cmd.try_get_matches_from_mut(argv)?;
        Cli::from_arg_matches(&m).map_err(|e| e.format(&mut cmd))
    }
}

pub fn main() -> ExitCode {
    generate::panic_hook();
    let cli = match Cli::try_parse_with_defaults(std::env::args_os()) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let quiet = match &cli.command {
        Command::Analyze(a) => a.quiet,
        Command::Live(l) => l.quiet,
        Command::Baseline {
            command: BaselineCommand::Learn(l),
        } => l.quiet,
        _ => false,
    };
    diagnostics::init(if quiet {
        -1
    } else {
        i8::try_from(cli.verbose).unwrap_or(i8::MAX)
    });
    match cli.command {
        Command::Analyze(args) => analyze::run(&args),
        Command::Live(args) => live::run(&args),
        Command::Baseline { command } => baseline::run(command),
        Command::Config { command } => config::run(command),
        Command::Report(args) => report::run(&args),
        Command::Synth(args) => synth::run(&args),
        Command::Ship(args) => ship::run(&args),
        Command::Rules { command } => rules::run(command),
        Command::Inventory(args) => inventory::run(&args),
        Command::Completions { shell } => generate::completions(shell),
        Command::Manpages { dir } => generate::manpages(&dir),
        Command::Schemas { dir } => generate::schemas(&dir),
    }
}

/// A usage error: the message, exit status 2.
/// The run summary's line of alerts: how many (the rows of `notice.log`
/// and of `alert.log`), by severity.
fn alert_line(a: &crate::observe::AlertStats) -> String {
    let by: Vec<String> = crate::event::Severity::ALL
        .iter()
        .zip(a.by_severity)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.name()))
        .collect();
    if by.is_empty() {
        format!("alerts: {}", a.alerts)
    } else {
        format!("alerts: {} ({})", a.alerts, by.join(", "))
    }
}

/// Each rule skipped because it cannot be used, with its place and why,
/// and how many rules run: the run goes on without them.
fn report_skipped(cfg: &crate::pipeline::PipelineConfig) {
    tracing::debug!(
        "{} worker threads, up to {} flows; logs in {}; {} rules; {}; CloudWatch: {}",
        cfg.threads,
        cfg.flow.max_flows,
        cfg.out_dir.display(),
        cfg.observe
            .rules
            .as_ref()
            .map_or(0, |(set, _)| set.rules.len()),
        if cfg.observe.baseline.is_some() {
            "detecting against a baseline"
        } else {
            "no baseline"
        },
        match &cfg.ship {
            None => "off".to_string(),
            Some(s) => match &s.send {
                Some(d) => format!("group {}, spool {}", d.group, s.spool_dir.display()),
                None => format!("spool only in {}", s.spool_dir.display()),
            },
        }
    );
    let Some((set, _)) = &cfg.observe.rules else {
        return;
    };
    if set.skipped.is_empty() {
        return;
    }
    for e in &set.skipped {
        tracing::warn!("rule skipped: {e}");
    }
    tracing::warn!(
        "{} rules loaded, {} skipped (--strict-rules refuses them instead)",
        set.rules.len(),
        set.skipped.len()
    );
}

/// Writes a command's output to standard output. A reader that went away
/// (`otwatch inventory DIR | head -1`) ends the command quietly, with
/// success, as Unix tools do; another failure is an error.
fn print_out(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => failed(&format!("standard output: {e}")),
    }
}

fn misuse(msg: &dyn std::fmt::Display) -> ExitCode {
    tracing::error!("{msg}");
    ExitCode::from(2)
}

/// Settings that cannot be used: each problem on its own line.
fn print_errors(errors: &crate::settings::SettingsErrors) {
    for e in errors {
        tracing::error!("{e}");
    }
}

/// A run that failed: the message, exit status 1.
fn failed(msg: &dyn std::fmt::Display) -> ExitCode {
    tracing::error!("{msg}");
    ExitCode::from(1)
}

/// Whether a file or directory argument can be read at all (what it
/// holds is for the command to judge).
fn check_readable(path: &Path) -> Result<std::fs::Metadata, String> {
    std::fs::metadata(path).map_err(|e| io_problem(path, &e))
}

/// A file argument's I/O error in a user's words, naming the file.
fn io_problem(path: &Path, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => format!("{}: no such file", path.display()),
        std::io::ErrorKind::PermissionDenied => format!("{}: permission denied", path.display()),
        _ => format!("{}: {e}", path.display()),
    }
}

/// Checks the capture arguments before a run: each a readable capture
/// file, or `-` (standard input, given once, read by the run itself).
pub fn check_inputs(paths: &[std::path::PathBuf]) -> Result<(), String> {
    let stdin = Path::new(crate::capture::STDIN);
    if paths.iter().filter(|p| *p == stdin).count() > 1 {
        return Err("-: standard input can be read once".into());
    }
    paths
        .iter()
        .filter(|p| *p != stdin)
        .try_for_each(|p| check_input(p))
}

/// Checks that a capture argument is a readable capture file; the message
/// names the file and what is wrong with it.
pub fn check_input(path: &Path) -> Result<(), String> {
    let meta = check_readable(path)?;
    if meta.is_dir() {
        return Err(format!(
            "{}: is a directory; give the capture files inside it",
            path.display()
        ));
    }
    if let Err(e) = std::fs::File::open(path) {
        return Err(io_problem(path, &e));
    }
    FileSource::open(path)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
