//! Whole runs: several files, pcapng, the summary and progress output.

mod common;

use common::*;

#[test]
fn several_files_in_the_order_given_each_on_its_own_clock() {
    // The second file is older than the first: its connections must not be
    // expired on arrival, so the rows equal those of separate runs.
    let both = tempfile::tempdir().unwrap();
    let o = analyze(
        both.path(),
        &["--log-format", "tsv"],
        &[
            pcap("modbus-and-non-modbus-p502.pcap"),
            pcap("modbus_example.pcap"),
        ],
    );
    assert!(o.status.success());
    let mut rows_both = ZeekLog::read(&both.path().join("conn.log")).rows;
    let mut rows_apart = Vec::new();
    for f in ["modbus-and-non-modbus-p502.pcap", "modbus_example.pcap"] {
        let d = tempfile::tempdir().unwrap();
        assert!(analyze(d.path(), &["--log-format", "tsv"], &[pcap(f)])
            .status
            .success());
        rows_apart.extend(ZeekLog::read(&d.path().join("conn.log")).rows);
    }
    // uids are numbered by packet position in the run, so they differ.
    for r in rows_both.iter_mut().chain(rows_apart.iter_mut()) {
        r.remove(1);
    }
    rows_both.sort();
    rows_apart.sort();
    assert_eq!(rows_both.len(), 10);
    assert_eq!(rows_both, rows_apart);
}

#[test]
fn pcapng_files_are_read() {
    let d = tempfile::tempdir().unwrap();
    let o = analyze(d.path(), &[], &[pcap("multiple_service_packet_cip.pcapng")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = read_json_log(&d.path().join("conn.log"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id.resp_p"], 44818);
    assert_eq!(rows[0]["history"], "D");
    assert_eq!(rows[0]["orig_ip_bytes"], 250);
}

#[test]
fn summary_on_stderr_and_in_stats_log_without_progress_when_not_a_terminal() {
    let d = tempfile::tempdir().unwrap();
    let o = otwatch()
        .args(["analyze", "--out"])
        .arg(d.path())
        .arg(pcap("modbusBig.pcap"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("otwatch: 13622 packets (970680 bytes) from 1 file(s)"),
        "{err}"
    );
    assert!(err.contains("packets/s"), "{err}");
    assert!(err.contains("connections: 3 (3 tcp"), "{err}");
    assert!(
        !err.contains('\r') && !err.contains('\u{1b}'),
        "progress shown on a pipe: {err:?}"
    );
    let stats = &read_json_log(&d.path().join("otwatch_stats.log"))[0];
    assert_eq!(stats["pkts_proc"], 13622);
    assert_eq!(stats["connections"], 3);
    assert!(stats["pkts_per_sec"].as_f64().unwrap() > 0.0);
    assert!(stats["elapsed"].as_f64().is_some());
}

#[test]
fn quiet_prints_nothing() {
    let d = tempfile::tempdir().unwrap();
    let o = analyze(d.path(), &[], &[pcap("modbus_example.pcap")]);
    assert!(o.status.success());
    assert!(o.stderr.is_empty() && o.stdout.is_empty());
}

#[test]
fn progress_is_shown_on_a_terminal() {
    // `script` (util-linux) runs the sensor with a pseudo-terminal as stderr.
    let d = tempfile::tempdir().unwrap();
    let big = pcap("modbusBig.pcap");
    let files: Vec<String> = (0..20).map(|_| big.display().to_string()).collect();
    let cmd = format!(
        "{} analyze --out {} {}",
        env!("CARGO_BIN_EXE_otwatch"),
        d.path().join("logs").display(),
        files.join(" ")
    );
    let o = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .expect("script (util-linux) runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tty = String::from_utf8_lossy(&o.stdout);
    assert!(tty.contains("ETA"), "no progress bar on a terminal: {tty}");
    assert!(tty.contains("packets/s"), "no summary: {tty}");
}

/// One run, one directory: a run into a directory an earlier run used
/// replaces that run's logs (none of its rows appear), and the report and
/// the inventory read only the logs the run's manifest lists.
#[test]
fn a_reused_directory_never_mixes_runs() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("logs");
    let o = analyze(&out, &[], &[pcap("plant-anomalies.pcap")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("alert.log").exists() && out.join("notice.log").exists());
    let o = analyze(&out, &["--no-rules"], &[pcap("modbus_example.pcap")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for log in ["alert", "notice", "enip"] {
        assert!(!out.join(format!("{log}.log")).exists(), "{log}.log left");
    }
    let fresh = d.path().join("fresh");
    let o = analyze(&fresh, &["--no-rules"], &[pcap("modbus_example.pcap")]);
    assert!(o.status.success());
    for e in std::fs::read_dir(&fresh).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".log") && name != "otwatch_stats.log" {
            assert_eq!(
                std::fs::read(out.join(&name)).unwrap(),
                std::fs::read(fresh.join(&name)).unwrap(),
                "{name}"
            );
        }
    }
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("otwatch_run.json")).unwrap())
            .unwrap();
    assert_eq!(
        m["inputs"][0],
        pcap("modbus_example.pcap").display().to_string()
    );
    assert!(m["argv"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "--no-rules"));
    assert!(m["started"].as_str().unwrap().ends_with('Z'));
    let logs: Vec<&str> = m["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        logs.contains(&"conn") && !logs.contains(&"alert"),
        "{logs:?}"
    );
    // A file another run left beside them is not read.
    std::fs::write(
        out.join("alert.log"),
        "{\"ts\":1.0,\"note\":\"OTWatch::Rule\",\"msg\":\"LEFT BY ANOTHER RUN\",\"severity\":\"critical\",\"src\":\"10.9.9.9\",\"dst\":\"10.9.9.8\"}\n",
    )
    .unwrap();
    let html = otwatch::report::build(&out, None).unwrap();
    assert!(!html.contains("LEFT BY ANOTHER RUN"));
    assert!(!html.contains("10.9.9.9"));
}

/// The logs of two runs are the same, times of the run aside.
fn same_logs(a: &std::path::Path, b: &std::path::Path) {
    let mut n = 0;
    for e in std::fs::read_dir(a).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".log") && name != "otwatch_stats.log" {
            let x = std::fs::read(a.join(&name)).unwrap();
            let y = std::fs::read(b.join(&name)).unwrap_or_default();
            assert!(x == y, "{name} differs");
            n += 1;
        }
    }
    let count = |d: &std::path::Path| {
        std::fs::read_dir(d)
            .unwrap()
            .filter(|e| {
                let n = e.as_ref().unwrap().file_name();
                let n = n.to_string_lossy();
                n.ends_with(".log") && n != "otwatch_stats.log"
            })
            .count()
    };
    assert_eq!(count(b), n);
    assert!(n > 0);
}

/// `-` reads the capture from standard input, as `zeek -r -` does.
#[test]
fn standard_input_is_read_like_the_file() {
    let d = tempfile::tempdir().unwrap();
    let (file, piped) = (d.path().join("file"), d.path().join("stdin"));
    let capture = pcap("plant-anomalies.pcap");
    assert!(analyze(&file, &[], std::slice::from_ref(&capture))
        .status
        .success());
    let o = otwatch()
        .args(["analyze", "--quiet", "--out"])
        .arg(&piped)
        .arg("-")
        .stdin(std::fs::File::open(&capture).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    same_logs(&file, &piped);
}

/// `-f FILTER` equals reading the capture tcpdump filtered with it.
#[test]
fn a_bpf_filter_equals_prefiltered_input() {
    let d = tempfile::tempdir().unwrap();
    let capture = pcap("plant-anomalies.pcap");
    let filter = "tcp port 502";
    let pre = d.path().join("pre.pcap");
    let t = std::process::Command::new("tcpdump")
        .args(["-q", "-r"])
        .arg(&capture)
        .arg("-w")
        .arg(&pre)
        .arg(filter)
        .output()
        .expect("tcpdump (make test-deps installs it)");
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    let (filtered, prefiltered) = (d.path().join("f"), d.path().join("p"));
    let o = analyze(&filtered, &["-f", filter], std::slice::from_ref(&capture));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(analyze(&prefiltered, &[], &[pre]).status.success());
    same_logs(&filtered, &prefiltered);
    // The filter did leave packets out: the capture has EtherNet/IP too.
    let all = d.path().join("all");
    assert!(analyze(&all, &[], &[capture]).status.success());
    assert!(all.join("enip.log").exists() && !filtered.join("enip.log").exists());
}

/// `--log-format tsv` applies to every log, the inventory included, and
/// otwatch's readers take either form alike.
#[test]
fn tsv_is_every_logs_format_and_reads_back_like_json() {
    let d = tempfile::tempdir().unwrap();
    let (json, tsv) = (d.path().join("json"), d.path().join("tsv"));
    let capture = pcap("plant-anomalies.pcap");
    assert!(analyze(&json, &[], std::slice::from_ref(&capture))
        .status
        .success());
    let o = analyze(&tsv, &["--log-format", "tsv"], &[capture]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut n = 0;
    for e in std::fs::read_dir(&tsv).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "log") {
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(text.starts_with("#separator \\x09\n"), "{}", p.display());
            assert!(
                text.ends_with('\n') && text.contains("\n#close\t"),
                "{}",
                p.display()
            );
            n += 1;
        }
    }
    assert!(n >= 8 && tsv.join("known_devices.log").exists());
    let out = |args: &[&str]| {
        let o = otwatch().args(args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    for format in ["table", "json", "csv"] {
        assert_eq!(
            out(&["inventory", "--format", format, json.to_str().unwrap()]),
            out(&["inventory", "--format", format, tsv.to_str().unwrap()]),
            "inventory --format {format}"
        );
    }
    let (a, b) = (d.path().join("a.html"), d.path().join("b.html"));
    out(&["report", json.to_str().unwrap(), "-o", a.to_str().unwrap()]);
    out(&["report", tsv.to_str().unwrap(), "-o", b.to_str().unwrap()]);
    assert!(
        std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
        "the reports differ"
    );
}
