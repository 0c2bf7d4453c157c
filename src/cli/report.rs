//! `otwatch report`: the HTML report of a run.

use crate::baseline::Baseline;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The run's log directory.
    #[arg(value_name = "LOGS")]
    pub logs: PathBuf,
    /// Mark the edges that are not in this baseline.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// The HTML file to write.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
}

pub fn run(args: &ReportArgs) -> ExitCode {
    let b = match args.baseline.as_deref().map(Baseline::load) {
        Some(Err(e)) => return super::misuse(&e),
        Some(Ok(b)) => Some(b),
        None => None,
    };
    // Logs that cannot be used are unusable input (2); a report that
    // cannot be written is a failed run (1).
    let html = match crate::report::build(&args.logs, b.as_ref()) {
        Ok(h) => h,
        Err(e) => return super::misuse(&e),
    };
    match std::fs::write(&args.output, html) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::failed(&format!("{}: {e}", args.output.display())),
    }
}

/// Writes the report of the logs in `logs` to `output`.
pub(super) fn write(logs: &Path, baseline: Option<&Baseline>, output: &Path) -> Result<(), String> {
    let html = crate::report::build(logs, baseline)?;
    std::fs::write(output, html).map_err(|e| format!("{}: {e}", output.display()))
}
