//! otwatch's own messages: levels chosen by `-v` and `-q`, and lines that
//! journald reads as entries of the right priority when standard error is
//! the journal's stream.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};

/// A rule file with one rule otwatch cannot use: a warning at start.
fn rules_with_a_bad_one(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("site.rules");
    std::fs::write(
        &path,
        "alert modbus any any -> any any (msg:\"writes\"; modbus: access write; sid:1;)\n\
         alert tcp any any -> any any (msg:\"web\"; http.uri; content:\"/admin\"; sid:2;)\n",
    )
    .unwrap();
    path
}

fn stderr_of(c: &mut Command) -> String {
    let o = c.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    err
}

fn analyze_cmd(dir: &Path, extra: &[&str]) -> Command {
    let mut c = otwatch();
    c.args(extra)
        .args(["analyze", "--no-progress", "--out"])
        .arg(dir.join("logs"))
        .arg("--rules")
        .arg(rules_with_a_bad_one(dir))
        .arg(pcap("modbus_example.pcap"));
    c
}

#[test]
fn verbose_adds_debug_lines_and_quiet_keeps_only_warnings() {
    let d = tempfile::tempdir().unwrap();
    let plain = stderr_of(&mut analyze_cmd(d.path(), &[]));
    assert!(
        plain.contains("otwatch: warning: rule skipped: "),
        "{plain}"
    );
    assert!(!plain.contains("debug:"), "{plain}");
    let verbose = stderr_of(&mut analyze_cmd(d.path(), &["-v"]));
    let debug: Vec<&str> = verbose
        .lines()
        .filter(|l| l.starts_with("otwatch: debug: "))
        .collect();
    assert!(
        debug.iter().any(|l| l.contains("worker threads")),
        "{verbose}"
    );
    assert!(verbose.contains("otwatch: warning: rule skipped: "));
    // -q: the warning stays, the summary and the information go.
    let mut quiet = analyze_cmd(d.path(), &[]);
    quiet.arg("-q");
    let quiet = stderr_of(&mut quiet);
    assert!(
        quiet.contains("otwatch: warning: rule skipped: "),
        "{quiet}"
    );
    assert!(!quiet.contains("packets"), "{quiet}");
    assert!(!quiet.contains("debug:"), "{quiet}");
}

#[test]
fn under_journald_lines_carry_their_priority() {
    use std::os::unix::fs::MetadataExt;
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("journal-stream");
    let file = std::fs::File::create(&log).unwrap();
    let meta = file.metadata().unwrap();
    let mut c = analyze_cmd(d.path(), &["-v"]);
    c.env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .stderr(Stdio::from(file));
    assert!(c.status().unwrap().success());
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.iter().any(|l| l.starts_with("<4>rule skipped: ")),
        "{text}"
    );
    assert!(lines.iter().any(|l| l.starts_with("<7>")), "{text}");
    assert!(!text.contains("otwatch: warning:"), "{text}");
    // Another stream (redirected elsewhere): the plain lines.
    let mut c = analyze_cmd(d.path(), &[]);
    c.env("JOURNAL_STREAM", "1:2");
    let err = stderr_of(&mut c);
    assert!(err.contains("otwatch: warning: rule skipped: "), "{err}");
}
