//! `otwatch ship`, and the shipping counters every run that ships prints.

use super::args::ShipArgs;
use crate::output::cloudwatch::{ShipStats, Shipper};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(args: &ShipArgs) -> ExitCode {
    let cfg = match crate::settings::shipping(&args.layer(), Path::new(".")) {
        Ok(c) => c,
        Err(errors) => {
            super::print_errors(&errors);
            return ExitCode::from(2);
        }
    };
    let Some(dir) = &args.spool_dir else {
        return super::misuse(&"ship: give --spool-dir");
    };
    // A spool is what a run left: a directory that is not there is a
    // mistyped path, not an empty spool to make.
    if !dir.is_dir() {
        return super::misuse(&format!("ship: {}: no such spool directory", dir.display()));
    }
    let Some(mut cfg) = cfg else {
        return super::misuse(&"ship: give --cloudwatch-group");
    };
    let Some(delivered) = args.delivered_dir.clone().or_else(state_dir) else {
        return super::misuse(
            &"ship: give --delivered-dir (no HOME or XDG_STATE_HOME to keep it in)",
        );
    };
    if let Some(dest) = cfg.send.as_mut() {
        dest.rename_streams = args.cloudwatch_stream_prefix.clone();
        dest.delivered_dir = Some(delivered);
    }
    if args.parked {
        match crate::output::cloudwatch::requeue_parked(&cfg) {
            Ok(n) => tracing::info!("{n} parked events spooled again"),
            Err(e) => return super::failed(&e),
        }
    }
    match Shipper::start(cfg) {
        Ok(s) => report(&s.finish()),
        Err(e) => super::misuse(&e),
    }
}

/// Where `ship` keeps what it delivered by default: the XDG state
/// directory.
fn state_dir() -> Option<PathBuf> {
    let var = |k| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("XDG_STATE_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".local/state")))
        .map(|d| d.join("otwatch/delivered"))
}

/// Prints the shipping counters; failure (1) when events are left.
pub(super) fn report(s: &ShipStats) -> ExitCode {
    if s.spool_only {
        eprintln!(
            "  cloudwatch: spool only (a one-way site), nothing sent: {} events spooled, {} held for otwatch ship where the spool is carried; {} dropped (spool full), {} dropped (older than --spool-max-age), {} dropped (spool write errors)",
            s.spooled, s.backlog, s.dropped_full, s.dropped_aged, s.dropped_error
        );
    } else {
        eprintln!(
        "  cloudwatch: {} events sent in {} batches ({} retries, {} rejected, {} parked); {} left in the spool; {} dropped (spool full), {} dropped (older than --spool-max-age), {} dropped (spool write errors), {} corrupt segments",
            s.sent, s.batches, s.retries, s.rejected, s.parked, s.backlog, s.dropped_full, s.dropped_aged, s.dropped_error, s.corrupt_segments
        );
    }
    for e in &s.errors {
        tracing::warn!("{e}");
    }
    if s.truncated > 0 {
        tracing::warn!(
            "{} messages over 8 MiB were cut short for CloudWatch (marked \"[otwatch truncated N bytes]\"); the local logs hold them whole",
            s.truncated
        );
    }
    if s.parked > 0 {
        tracing::warn!(
            "CloudWatch refused {} events for good; they are kept in the spool directory's parked.jsonl",
            s.parked
        );
    }
    let lost = s.dropped_full + s.dropped_aged + s.dropped_error;
    if lost > 0 {
        tracing::error!(
            "{lost} events will not reach CloudWatch ({} at the spool cap, {} past the spool's age bound, {} on write errors); they are in the local logs",
            s.dropped_full, s.dropped_aged, s.dropped_error
        );
        return ExitCode::from(1);
    }
    if s.backlog > 0 && !s.spool_only {
        tracing::warn!(
            "CloudWatch did not take every event; {} stay in the spool and are sent by the next run (or otwatch ship)",
            s.backlog
        );
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
