//! `otwatch ship`, and the shipping counters every run that ships prints.

use super::args::CloudWatchArgs;
use crate::output::cloudwatch::{ShipStats, Shipper};
use std::path::Path;
use std::process::ExitCode;

pub fn run(cloudwatch: &CloudWatchArgs, parked: bool) -> ExitCode {
    let cfg = match crate::settings::shipping(&cloudwatch.layer(), Path::new(".")) {
        Ok(c) => c,
        Err(errors) => {
            super::print_errors(&errors);
            return ExitCode::from(2);
        }
    };
    let Some(dir) = &cloudwatch.spool_dir else {
        return super::misuse(&"ship: give --spool-dir");
    };
    // A spool is what a run left: a directory that is not there is a
    // mistyped path, not an empty spool to make.
    if !dir.is_dir() {
        return super::misuse(&format!("ship: {}: no such spool directory", dir.display()));
    }
    let Some(cfg) = cfg else {
        return super::misuse(&"ship: give --cloudwatch-group");
    };
    if parked {
        match crate::output::cloudwatch::requeue_parked(&cfg) {
            Ok(n) => eprintln!("otwatch: {n} parked events spooled again"),
            Err(e) => return super::failed(&e),
        }
    }
    match Shipper::start(cfg) {
        Ok(s) => report(&s.finish()),
        Err(e) => super::misuse(&e),
    }
}

/// Prints the shipping counters; failure (1) when events are left.
pub(super) fn report(s: &ShipStats) -> ExitCode {
    eprintln!(
        "  cloudwatch: {} events sent in {} batches ({} retries, {} rejected, {} parked); {} left in the spool; {} dropped (spool full), {} dropped (spool write errors), {} corrupt segments",
        s.sent, s.batches, s.retries, s.rejected, s.parked, s.backlog, s.dropped_full, s.dropped_error, s.corrupt_segments
    );
    for e in &s.errors {
        eprintln!("otwatch: warning: {e}");
    }
    if s.truncated > 0 {
        eprintln!(
            "otwatch: warning: {} messages over 8 MiB were cut short for CloudWatch (marked \"[otwatch truncated N bytes]\"); the local logs hold them whole",
            s.truncated
        );
    }
    if s.parked > 0 {
        eprintln!(
            "otwatch: warning: CloudWatch refused {} events for good; they are kept in the spool directory's parked.jsonl",
            s.parked
        );
    }
    let lost = s.dropped_full + s.dropped_error;
    if lost > 0 {
        eprintln!(
            "otwatch: error: {lost} events were not spooled and will not reach CloudWatch ({} at the spool cap, {} on write errors); they are in the local logs",
            s.dropped_full, s.dropped_error
        );
        return ExitCode::from(1);
    }
    if s.backlog > 0 {
        eprintln!(
            "otwatch: warning: CloudWatch did not take every event; {} stay in the spool and are sent by the next run (or otwatch ship)",
            s.backlog
        );
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
