//! One exit-status table for every subcommand: 0 success, 1 the run (or
//! the check) failed, 2 misuse or unusable input (an unknown option, a
//! missing or unreadable file, a file that is not what the command reads).

mod common;

use common::*;
use std::path::Path;

fn code(args: &[&str]) -> i32 {
    let o = otwatch().args(args).output().unwrap();
    o.status.code().unwrap_or(-1)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn every_subcommand_follows_the_table() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let good = pcap("modbus_example.pcap");
    let logs = dir.join("logs");
    let missing = dir.join("missing");
    let baseline = dir.join("b.json");
    learn_baseline(&good, &baseline);
    // A capture cut inside a packet: damaged.
    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.join("cut.pcap");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    let bad_rules = dir.join("bad.rules");
    std::fs::write(
        &bad_rules,
        "alert tcp any any -> any any (msg:\"x\"; bogus; sid:1;)\n",
    )
    .unwrap();
    let bad_config = dir.join("bad.toml");
    std::fs::write(&bad_config, "interface = [\"eth1\"]\ntcp_timeout = 0\n").unwrap();
    let good_config = dir.join("good.toml");
    std::fs::write(&good_config, "interface = [\"eth1\"]\n").unwrap();
    let not_logs = dir.join("empty");
    std::fs::create_dir(&not_logs).unwrap();
    let html = dir.join("r.html");
    let unwritable = dir.join("no/such/dir/r.html");

    let table: Vec<(Vec<&str>, i32)> = vec![
        // analyze
        (vec!["analyze", "-q", "-o", s(&logs), s(&good)], 0),
        (vec!["analyze", "-q", "-o", s(&logs), s(&cut)], 1),
        (vec!["analyze", "-q", "-o", s(&logs), s(&missing)], 2),
        (vec!["analyze", "-q", "-o", s(&logs), s(dir)], 2),
        (vec!["analyze", "--no-such-option", s(&good)], 2),
        (vec!["analyze", "-q", "-f", "tcp port", s(&good)], 2),
        // baseline
        (
            vec!["baseline", "learn", "-q", s(&good), "-o", s(&baseline)],
            0,
        ),
        (
            vec!["baseline", "learn", "-q", s(&cut), "-o", s(&baseline)],
            1,
        ),
        (
            vec!["baseline", "learn", "-q", s(&missing), "-o", s(&baseline)],
            2,
        ),
        (vec!["baseline", "show", s(&baseline)], 0),
        (vec!["baseline", "show", s(&missing)], 2),
        // config, rules
        (vec!["config", "check", s(&good_config)], 0),
        (vec!["config", "check", s(&bad_config)], 1),
        (vec!["config", "check", s(&missing)], 2),
        (vec!["rules", "check"], 0),
        (vec!["rules", "check", s(&bad_rules)], 1),
        (vec!["rules", "check", s(&missing)], 2),
        // report, inventory
        (vec!["report", s(&logs), "-o", s(&html)], 0),
        (vec!["report", s(&not_logs), "-o", s(&html)], 2),
        (vec!["report", s(&logs), "-o", s(&unwritable)], 1),
        (vec!["inventory", s(&logs)], 0),
        (vec!["inventory", s(&missing)], 2),
        // ship, live
        (
            vec![
                "ship",
                "--cloudwatch-group",
                "g",
                "--spool-dir",
                s(&missing),
            ],
            2,
        ),
        (vec!["live", "-o", s(&logs)], 2),
        (vec!["live", "-i", "no-such-interface-0", "-o", s(&logs)], 2),
        // the binary itself
        (vec!["no-such-command"], 2),
        (vec!["--version"], 0),
    ];
    for (args, want) in &table {
        assert_eq!(code(args), *want, "otwatch {}", args.join(" "));
    }
}
