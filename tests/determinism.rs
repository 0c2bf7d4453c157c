//! The same input gives the same logs, byte for byte, whatever the number of
//! worker threads. otwatch_stats.log is left out: it reports the run's own elapsed
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
        .filter(|n| n.ends_with(".log") && n != "otwatch_stats.log")
        .collect();
    names.sort();
    assert!(names.contains(&"conn.log".to_string()));
    for n in &names {
        let x = std::fs::read(a.join(n)).unwrap();
        let y = std::fs::read(b.join(n)).unwrap_or_else(|_| panic!("{n} missing"));
        assert!(x == y, "{n} differs between thread counts");
    }
}

/// Runs `analyze` with `args` on `inputs` at 1 and at 3 worker threads,
/// into `logs1` and `logs3` under `dir`.
fn at_one_and_three(
    dir: &std::path::Path,
    args: &[&str],
    inputs: &[std::path::PathBuf],
) -> [std::path::PathBuf; 2] {
    ["1", "3"].map(|t| {
        let out = dir.join(format!("logs{t}"));
        let mut all = vec!["--threads", t];
        all.extend_from_slice(args);
        let o = analyze(&out, &all, inputs);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    })
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

#[test]
fn evictions_at_a_small_cap_do_not_depend_on_the_thread_count() {
    // Regression: the cap used to be split per worker, so a worker with more
    // than its share evicted while the total was under the cap.
    let dir = tempfile::tempdir().unwrap();
    let many = dir.path().join("many.pcap");
    let mut w = PcapWriter::new(1, 65535);
    for i in 0..3000u32 {
        let src = [10, 9, (i >> 8) as u8, i as u8];
        w.packet(
            1_000_000 + i64::from(i) * 1000,
            &udp4(src, 40000, [10, 9, 255, 1], 2222, b"io"),
        );
    }
    w.write(&many);
    let runs = at_one_and_three(
        dir.path(),
        &["--max-flows", "512"],
        &[many.clone(), pcap("modbusBig.pcap")],
    );
    same_logs(&runs[0], &runs[1]);
    let evicted = |d: &std::path::Path| {
        read_json_log(&d.join("otwatch_stats.log"))[0]["flows_evicted"]
            .as_u64()
            .unwrap()
    };
    assert!(evicted(&runs[0]) > 2000, "{}", evicted(&runs[0]));
    assert_eq!(evicted(&runs[0]), evicted(&runs[1]));
}

#[test]
fn the_end_of_the_input_in_parts_keeps_the_order() {
    // 20,000 connections open at the end: each worker logs them in parts
    // of 512, which the merge interleaves by key across workers.
    let dir = tempfile::tempdir().unwrap();
    let syn = dir.path().join("syn.pcap");
    synth(&syn, &["--syn-flows", "20000"]);
    let runs: Vec<_> = ["1", "2", "3"]
        .iter()
        .map(|t| {
            let d = tempfile::tempdir().unwrap();
            let out = analyze(
                d.path(),
                &["--threads", t],
                &[pcap("enip_cip_example.pcap"), syn.clone()],
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            d
        })
        .collect();
    same_logs(runs[0].path(), runs[1].path());
    same_logs(runs[0].path(), runs[2].path());
    // Logged in the order of their first packets (the SYNs' order).
    let conns = read_json_log(&runs[0].path().join("conn.log"));
    let syns: Vec<f64> = conns
        .iter()
        .filter(|r| r["history"] == "S")
        .map(|r| r["ts"].as_f64().unwrap())
        .collect();
    assert_eq!(syns.len(), 20_000);
    assert!(syns.windows(2).all(|w| w[0] <= w[1]));
}

/// With a baseline and the rule pack, the per-edge checks run in the
/// workers, each on the host pairs dispatched to it: the notices are the
/// same at any thread count, polling anomalies (which need an edge's
/// requests across its connections) included.
#[test]
fn deviations_found_in_the_workers_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (learn, run) = (dir.path().join("learn.pcap"), dir.path().join("run.pcap"));
    synth(&learn, &["--packets", "300000", "--seed", "2"]);
    synth(&run, &["--packets", "100000", "--seed", "3"]);
    let baseline = dir.path().join("baseline.json");
    learn_baseline(&learn, &baseline);
    let baseline = baseline.to_str().unwrap();
    let rules = repo().join("rules");
    let rules = rules.to_str().unwrap();
    let args = [
        "--baseline",
        baseline,
        "--rules",
        rules,
        // A stricter timing, for more polling anomalies.
        "--interval-factor",
        "1.5",
    ];
    let runs = at_one_and_three(dir.path(), &args, std::slice::from_ref(&run));
    same_logs(&runs[0], &runs[1]);
    let notes: Vec<String> = read_json_log(&runs[0].join("notice.log"))
        .iter()
        .map(|n| n["note"].as_str().unwrap().to_string())
        .collect();
    for kind in [
        "Polling_Anomaly",
        "New_Function",
        "Modbus_Address_Out_Of_Range",
    ] {
        assert!(
            notes.iter().any(|n| n.ends_with(kind)),
            "no {kind} in {notes:?}"
        );
    }
}

/// A whole run's baseline is learned by the workers, each its host pairs'
/// edges, and gathered at the end (with the OPC UA channels the merge
/// thread learns): the same file at any thread count.
#[test]
fn baselines_learned_in_the_workers_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let learn = |threads: &str| {
        let out = dir.path().join(format!("baseline{threads}.json"));
        let o = otwatch()
            .args(["baseline", "learn", "-q", "--threads", threads])
            .args([
                pcap("plant-good.pcap"),
                pcap("modbusBig.pcap"),
                pcap("enip_cip_example.pcap"),
                pcap("open62541_client-server_encrypted.pcap"),
                pcap("open62541_client-server_mainloop.pcap"),
            ])
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_to_string(out).unwrap()
    };
    let one = learn("1");
    assert!(one.contains("\"channels\""), "no OPC UA channel learned");
    assert!(
        one.contains("\"intervals_ms\""),
        "no polling interval learned"
    );
    assert!(
        one == learn("3"),
        "the baselines differ between thread counts"
    );
}
