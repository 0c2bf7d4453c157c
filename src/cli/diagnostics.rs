//! otwatch's own messages (not its logs): `tracing` events on standard
//! error, one line each. On a terminal or in a file a line reads
//! `otwatch: warning: ...`; under systemd (standard error is the journal's
//! stream, `JOURNAL_STREAM`) it starts with the kernel-style priority
//! `<4>` that journald turns into the entry's level, and leaves out the
//! name journald already records.
//!
//! Levels: errors, warnings and information by default; `-q` keeps errors
//! and warnings; `-v` adds otwatch's debug messages, `-vv` its trace
//! messages and the libraries' information, `-vvv` everything. The
//! libraries' warnings are always shown.

use std::fmt;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// How much to say: `-q` is -1, each `-v` one more.
pub fn init(verbosity: i8) {
    let (ours, theirs) = levels(verbosity);
    let format = Format {
        journald: under_journald(),
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .event_format(format);
    let filter = Targets::new()
        .with_target("otwatch", ours)
        .with_default(theirs);
    // A second init (tests that run `main` twice) keeps the first.
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(filter)
        .try_init();
}

/// The most detailed level shown for otwatch's messages and for the
/// libraries'.
fn levels(verbosity: i8) -> (LevelFilter, LevelFilter) {
    match verbosity {
        i8::MIN..=-1 => (LevelFilter::WARN, LevelFilter::WARN),
        0 => (LevelFilter::INFO, LevelFilter::WARN),
        1 => (LevelFilter::DEBUG, LevelFilter::WARN),
        2 => (LevelFilter::TRACE, LevelFilter::INFO),
        _ => (LevelFilter::TRACE, LevelFilter::TRACE),
    }
}

/// Whether standard error is the journal's stream: systemd sets
/// `JOURNAL_STREAM` to its `device:inode`, which a redirected standard
/// error no longer matches.
fn under_journald() -> bool {
    use std::os::unix::fs::MetadataExt;
    let Some(stream) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let Ok(meta) = std::fs::metadata("/proc/self/fd/2") else {
        return false;
    };
    stream.to_string_lossy() == format!("{}:{}", meta.dev(), meta.ino())
}

/// The start of a message's line.
fn prefix(level: Level, target: &str, journald: bool) -> String {
    let mut p = if journald {
        // sd-daemon(3) priorities: err, warning, info, debug.
        match level {
            Level::ERROR => "<3>",
            Level::WARN => "<4>",
            Level::INFO => "<6>",
            Level::DEBUG | Level::TRACE => "<7>",
        }
        .to_string()
    } else {
        let word = match level {
            Level::ERROR => "error: ",
            Level::WARN => "warning: ",
            Level::INFO => "",
            Level::DEBUG => "debug: ",
            Level::TRACE => "trace: ",
        };
        format!("otwatch: {word}")
    };
    if target != "otwatch" && !target.starts_with("otwatch::") {
        p.push_str(&format!("[{target}] "));
    }
    p
}

struct Format {
    journald: bool,
}

impl<S, N> FormatEvent<S, N> for Format
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        write!(
            writer,
            "{}",
            prefix(*meta.level(), meta.target(), self.journald)
        )?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_as_before_on_a_terminal_and_carry_a_priority_in_the_journal() {
        assert_eq!(
            prefix(Level::WARN, "otwatch::output", false),
            "otwatch: warning: "
        );
        assert_eq!(
            prefix(Level::ERROR, "otwatch::cli", false),
            "otwatch: error: "
        );
        assert_eq!(prefix(Level::INFO, "otwatch::live", false), "otwatch: ");
        assert_eq!(prefix(Level::DEBUG, "otwatch", false), "otwatch: debug: ");
        assert_eq!(prefix(Level::WARN, "otwatch::output", true), "<4>");
        assert_eq!(prefix(Level::ERROR, "otwatch", true), "<3>");
        assert_eq!(prefix(Level::TRACE, "otwatch", true), "<7>");
        assert_eq!(
            prefix(Level::INFO, "aws_config::profile", false),
            "otwatch: [aws_config::profile] "
        );
    }

    #[test]
    fn quiet_keeps_warnings_and_each_v_says_more() {
        assert_eq!(levels(-1), (LevelFilter::WARN, LevelFilter::WARN));
        assert_eq!(levels(0), (LevelFilter::INFO, LevelFilter::WARN));
        assert_eq!(levels(1).0, LevelFilter::DEBUG);
        assert_eq!(levels(2), (LevelFilter::TRACE, LevelFilter::INFO));
        assert_eq!(levels(5).1, LevelFilter::TRACE);
    }
}
