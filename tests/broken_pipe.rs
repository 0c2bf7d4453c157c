//! A reader that goes away (`otwatch inventory DIR | head -1`) ends every
//! command that writes to standard output quietly and with success, as
//! Unix tools do; no panic, no message. The pipe's read end is closed
//! before the command starts, so its first write fails for certain.

mod common;

use common::*;
use std::process::{Command, Stdio};

/// Runs otwatch with `args` and a standard output nobody reads.
fn into_closed_pipe(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut c = Command::new(env!("CARGO_BIN_EXE_otwatch"));
    c.args(args).stdout(writer).stderr(Stdio::piped());
    c.output().unwrap()
}

#[test]
fn a_closed_pipe_ends_output_commands_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let o = analyze(&logs, &[], &[pcap("modbus_example.pcap")]);
    assert!(o.status.success());
    let baseline = dir.path().join("baseline.json");
    learn_baseline(&pcap("modbus_example.pcap"), &baseline);
    let config = dir.path().join("otwatch.toml");
    std::fs::write(&config, "interface = [\"eth1\"]\nlog_format = \"json\"\n").unwrap();
    let logs = logs.to_str().unwrap();
    let baseline = baseline.to_str().unwrap();
    let commands: [&[&str]; 7] = [
        &["inventory", logs],
        &["inventory", "--json", logs],
        &["inventory", "--csv", baseline],
        &["baseline", "show", baseline],
        &["rules", "check"],
        &["config", "check", config.to_str().unwrap()],
        &["completions", "bash"],
    ];
    for args in commands {
        let o = into_closed_pipe(args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            o.stderr.is_empty(),
            "{args:?} said: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
