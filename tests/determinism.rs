//! The same input gives the same logs, byte for byte, whatever the number of
//! worker threads. stats.log is left out: it reports the run's own elapsed
//! time and speed.

mod common;

use common::*;

fn run(threads: &str, format: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // Several files in one run, the largest first so that many ticks pass
    // and timeouts fire between them.
    let inputs = [
        pcap("modbusBig.pcap"),
        pcap("enip_cip_example.pcap"),
        pcap("modbus-and-non-modbus-p502.pcap"),
        pcap("open62541_client-server_mainloop.pcap"),
        pcap("modbus_example.pcap"),
    ];
    let out = analyze(
        dir.path(),
        &["--threads", threads, "--log-format", format],
        &inputs,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn same_logs(a: &std::path::Path, b: &std::path::Path) {
    let mut names: Vec<_> = std::fs::read_dir(a)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "stats.log")
        .collect();
    names.sort();
    assert!(names.contains(&"conn.log".to_string()));
    for n in &names {
        let x = std::fs::read(a.join(n)).unwrap();
        let y = std::fs::read(b.join(n)).unwrap_or_else(|_| panic!("{n} missing"));
        assert!(x == y, "{n} differs between thread counts");
    }
}

#[test]
fn one_and_four_threads_write_identical_logs() {
    for format in ["json", "tsv"] {
        let one = run("1", format);
        let four = run("4", format);
        same_logs(one.path(), four.path());
    }
}

#[test]
fn two_and_three_threads_write_identical_logs() {
    let two = run("2", "json");
    let three = run("3", "json");
    same_logs(two.path(), three.path());
}
