//! Every analysis option `analyze` accepts, `live` accepts too (and
//! `baseline learn` the flow and analyzer ones), and each reaches the
//! pipeline's configuration: the real argument parser, then the resolver.

use super::*;
use crate::settings::{Mode, Settings};
use crate::time::Micros;
use std::path::PathBuf;

fn parse(argv: &[&str]) -> Cli {
    Cli::try_parse_with_defaults(std::iter::once("otwatch").chain(argv.iter().copied()))
        .unwrap_or_else(|e| panic!("{argv:?}: {e}"))
}

fn resolved(argv: &[&str]) -> Settings {
    let s = match parse(argv).command {
        Command::Analyze(a) => Settings::resolve(
            Mode::Analyze,
            &a.analysis.layer(),
            a.analysis.engine.config.as_deref(),
        ),
        Command::Live(l) => l.settings(),
        Command::Baseline {
            command: BaselineCommand::Learn(l),
        } => Settings::resolve(Mode::Learn, &l.layer(), l.engine.config.as_deref()),
        c => panic!("not a mode that reads traffic: {c:?}"),
    };
    s.unwrap_or_else(|e| panic!("{argv:?}: {e}"))
}

/// The same flags given to `analyze` and `live` (and to `baseline learn`
/// when `learn` is set), each resolved.
fn every_mode(flags: &[&str], learn: bool) -> Vec<Settings> {
    let mut a = vec!["analyze", "--no-rules"];
    a.extend_from_slice(flags);
    a.push("x.pcap");
    let mut l = vec!["live", "-i", "eth0", "--no-rules"];
    l.extend_from_slice(flags);
    let mut out = vec![resolved(&a), resolved(&l)];
    if learn {
        let mut b = vec!["baseline", "learn", "x.pcap", "-o", "b.json"];
        b.extend_from_slice(flags);
        out.push(resolved(&b));
    }
    out
}

fn secs(s: i64) -> Micros {
    Micros::from_secs(s)
}

#[test]
fn flow_timeouts_and_caps() {
    let flags = [
        "--threads",
        "3",
        "--max-flows",
        "5000",
        "--tcp-timeout",
        "11",
        "--udp-timeout",
        "12",
        "--icmp-timeout",
        "13",
    ];
    for s in every_mode(&flags, true) {
        let p = &s.pipeline;
        assert_eq!(p.threads, 3);
        assert_eq!(p.flow.max_flows, 5000);
        assert_eq!(p.flow.tcp_inactivity, secs(11));
        assert_eq!(p.flow.udp_inactivity, secs(12));
        assert_eq!(p.flow.icmp_inactivity, secs(13));
        assert_eq!(p.flow.other_inactivity, secs(13));
    }
}

#[test]
fn reassembly_cap() {
    for s in every_mode(&["--reassembly-cap", "4096"], true) {
        assert_eq!(s.pipeline.flow.reassembly_cap, 4096);
    }
}

#[test]
fn checksum_verification() {
    for s in every_mode(&["--verify-checksums"], true) {
        assert!(s.pipeline.verify_checksums);
    }
}

#[test]
fn cip_io_interval() {
    for s in every_mode(&["--cip-io-interval", "0"], true) {
        assert_eq!(s.pipeline.flow.analyzers.cip_io_interval, secs(0));
    }
}

#[test]
fn detection_thresholds() {
    let flags = [
        "--interval-factor",
        "2.5",
        "--min-interval-samples",
        "3",
        "--silence-factor",
        "7",
        "--min-silence",
        "9",
    ];
    for s in every_mode(&flags, false) {
        let d = s.pipeline.observe.detect;
        assert_eq!(d.interval_factor, 2.5);
        assert_eq!(d.min_interval_samples, 3);
        assert_eq!(d.silence_factor, 7.0);
        assert_eq!(d.min_silence_secs, 9);
    }
}

#[test]
fn rules_vars_and_alert_window() {
    let d = tempfile::tempdir().unwrap();
    let rules = d.path().join("site.rules");
    let vars = d.path().join("site.vars");
    std::fs::write(
        &rules,
        "alert modbus any any -> $PLC 502 (msg:\"r\"; modbus: function 3; sid:1;)\n",
    )
    .unwrap();
    std::fs::write(&vars, "PLC = 10.0.0.0/8\n").unwrap();
    let (r, v) = (rules.to_str().unwrap(), vars.to_str().unwrap());
    for argv in [
        vec![
            "analyze",
            "--rules",
            r,
            "--vars",
            v,
            "--alert-window",
            "5",
            "x.pcap",
        ],
        vec![
            "live",
            "-i",
            "eth0",
            "--rules",
            r,
            "--vars",
            v,
            "--alert-window",
            "5",
        ],
    ] {
        let s = resolved(&argv);
        let (set, window) = s.pipeline.observe.rules.as_ref().unwrap();
        assert_eq!((set.rules.len(), *window), (1, 5));
        assert_eq!(
            s.sources.rules,
            Some(crate::rules::Source::Path(rules.clone()))
        );
        assert_eq!(s.sources.vars.as_deref(), Some(vars.as_path()));
        assert_eq!(s.sources.alert_window, 5);
    }
    for s in every_mode(&[], false) {
        assert!(s.pipeline.observe.rules.is_none() && s.sources.rules.is_none());
    }
}

#[test]
fn baseline_or_learn_for() {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b.json");
    crate::baseline::Baseline::default().save(&b).unwrap();
    for s in every_mode(&["--baseline", b.to_str().unwrap()], false) {
        assert!(s.pipeline.observe.baseline.is_some());
        assert_eq!(s.sources.baseline.as_deref(), Some(b.as_path()));
    }
    let s = resolved(&[
        "live",
        "-i",
        "eth0",
        "--no-rules",
        "--learn-for",
        "2h",
        "--learn-output",
        "/var/lib/b.json",
    ]);
    assert_eq!(
        s.pipeline.observe.learn_for,
        Some((7200, PathBuf::from("/var/lib/b.json")))
    );
    let both = Cli::try_parse_with_defaults([
        "otwatch",
        "live",
        "-i",
        "eth0",
        "--learn-for",
        "2h",
        "--baseline",
        "b.json",
    ]);
    assert!(both.is_err());
}

#[test]
fn inventory_interval() {
    for s in every_mode(&["--out", "/logs", "--inventory-interval", "90"], false) {
        assert_eq!(
            s.pipeline.observe.inventory_every,
            Some((PathBuf::from("/logs"), 90))
        );
    }
    for s in every_mode(&["--inventory-interval", "2m"], false) {
        assert_eq!(s.pipeline.observe.inventory_every.map(|i| i.1), Some(120));
    }
}

#[test]
fn log_format_and_out() {
    for s in every_mode(&["--log-format", "tsv", "-o", "/logs"], false) {
        assert_eq!(s.pipeline.format, crate::output::LogFormat::Tsv);
        assert_eq!(s.pipeline.out_dir, PathBuf::from("/logs"));
    }
}

#[test]
fn cloudwatch() {
    let flags = [
        "--out",
        "/logs",
        "--cloudwatch-group",
        "plant-a",
        "--cloudwatch-stream-prefix",
        "s1",
        "--cloudwatch-endpoint",
        "http://127.0.0.1:5000",
        "--cloudwatch-logs",
        "conn,modbus",
        "--cloudwatch-retention",
        "90",
        "--spool-mib",
        "16",
        "--cloudwatch-drain",
        "4",
    ];
    for s in every_mode(&flags, false) {
        let c = s.pipeline.ship.unwrap();
        let dest = c.send.unwrap();
        assert_eq!(dest.group, "plant-a");
        assert_eq!(c.stream_prefix, "s1");
        assert_eq!(dest.endpoint.as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!(c.logs, ["conn".to_string(), "modbus".to_string()].into());
        assert_eq!(dest.retention_days, Some(90));
        assert_eq!(c.spool_bytes, 16 << 20);
        assert_eq!(c.spool_dir, PathBuf::from("/logs/spool"));
        assert_eq!(dest.drain_timeout, std::time::Duration::from_secs(4));
    }
}

/// The keys a settings layer leaves unset (from its `Debug` text).
fn unset(c: &crate::config::Config) -> Vec<String> {
    format!("{c:?}")
        .split([',', '{'])
        .filter_map(|f| f.trim().strip_suffix(": None"))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_flag_of_live_and_analyze_fills_its_key() {
    let common = [
        "--config",
        "o.toml",
        "--threads",
        "2",
        "--max-flows",
        "9",
        "--tcp-timeout",
        "1",
        "--udp-timeout",
        "1",
        "--icmp-timeout",
        "1",
        "--reassembly-cap",
        "1",
        "--cip-io-interval",
        "1",
        "--verify-checksums",
        "-o",
        "d",
        "--log-format",
        "tsv",
        "--vars",
        "v",
        "--strict-rules",
        "--alert-window",
        "1",
        "--interval-factor",
        "1",
        "--min-interval-samples",
        "1",
        "--silence-factor",
        "1",
        "--min-silence",
        "1",
        "--inventory-interval",
        "1h",
        "--eve",
        "e.json",
        "--cloudwatch-group",
        "g",
        "--cloudwatch-stream-prefix",
        "p",
        "--cloudwatch-endpoint",
        "e",
        "--cloudwatch-logs",
        "conn",
        "--cloudwatch-retention",
        "1",
        "--spool-dir",
        "s",
        "--spool-mib",
        "1",
        "--spool-max-age",
        "1d",
        "--cloudwatch-drain",
        "1",
    ];
    let capture = [
        "-i",
        "eth0",
        "--bpf",
        "tcp",
        "--snaplen",
        "1",
        "--buffer-mib",
        "1",
        "--immediate",
        "--learn-output",
        "l",
        "--stats-interval",
        "1s",
        "--loss-threshold",
        "1",
        "--rotate-interval",
        "1h",
        "--rotate-size-mib",
        "1",
        "--flush-interval",
        "1s",
        "--retain-count",
        "3",
        "--retain-age",
        "30d",
        "--retain-size-mib",
        "100",
        "--compress-rotated",
    ];
    // --rules excludes --no-rules, and --learn-for --baseline;
    // --spool-only is the one-way form of --cloudwatch-group.
    for (choice, left_out) in [
        (
            &["--rules", "r", "--rules-add", "a", "--learn-for", "1h"][..],
            &["baseline", "no_rules", "spool_only"][..],
        ),
        (
            &["--no-rules", "--baseline", "b"],
            &["learn_for", "rules", "rules_add", "spool_only"],
        ),
    ] {
        let mut argv = vec!["live"];
        argv.extend_from_slice(&common);
        argv.extend_from_slice(&capture);
        argv.extend_from_slice(choice);
        let Command::Live(l) = parse(&argv).command else {
            unreachable!()
        };
        let mut u = unset(&l.layer());
        u.sort();
        assert_eq!(u, left_out, "live");
    }
    let mut argv = vec![
        "analyze",
        "--rules",
        "r",
        "--rules-add",
        "a",
        "--baseline",
        "b",
    ];
    argv.extend_from_slice(&common);
    argv.push("x.pcap");
    let Command::Analyze(a) = parse(&argv).command else {
        unreachable!()
    };
    let mut u = unset(&a.analysis.layer());
    u.sort();
    assert_eq!(
        u,
        [
            "bpf",
            "buffer_mib",
            "compress_rotated",
            "flush_interval",
            "immediate",
            "interface",
            "learn_for",
            "learn_output",
            "loss_threshold",
            "no_rules",
            "retain_age",
            "retain_count",
            "retain_size_mib",
            "rotate_interval",
            "rotate_size_mib",
            "snaplen",
            "spool_only",
            "stats_interval"
        ],
        "analyze: the capture keys only and the one-way spool"
    );
}

#[test]
fn help_shows_the_defaults_the_resolver_applies() {
    let mut cmd = Cli::command_with_defaults();
    let help = |cmd: &mut clap::Command, path: &[&str]| {
        let mut c = cmd.clone();
        for p in path {
            c = c.find_subcommand(p).unwrap().clone();
        }
        c.render_long_help().to_string()
    };
    let analyze = help(&mut cmd, &["analyze"]);
    let live = help(&mut cmd, &["live"]);
    let learn = help(&mut cmd, &["baseline", "learn"]);
    for text in [&analyze, &live, &learn] {
        for d in ["[default: 1000000]", "[default: 300]", "[default: 1048576]"] {
            assert!(text.contains(d), "{d}\n{text}");
        }
    }
    for text in [&analyze, &live] {
        for d in [
            "[default: otwatch-logs]",
            "[default: json]",
            "[default: 4]",
            "[default: 10]",
        ] {
            assert!(text.contains(d), "{d}\n{text}");
        }
    }
    for d in ["[default: 60s]", "[default: 65535]", "[default: 32]"] {
        assert!(live.contains(d), "{d}\n{live}");
        assert!(!analyze.contains(d), "{d}");
    }
    // No flag carries a clap default that would hide a file's value.
    for sub in ["analyze", "live"] {
        let c = cmd.find_subcommand(sub).unwrap();
        for a in c.get_arguments() {
            let id = a.get_id().as_str();
            if ![
                "help",
                "progress",
                "no_progress",
                "quiet",
                "immediate",
                "verify_checksums",
                "no_rules",
                "strict_rules",
            ]
            .contains(&id)
            {
                assert!(a.get_default_values().is_empty(), "{sub} --{id}");
            }
        }
    }
}

#[test]
fn misuse_is_refused_by_the_parser() {
    for argv in [
        &["analyze", "--threads", "0", "x.pcap"][..],
        &["live", "--threads", "300"],
        &["live", "--tcp-timeout", "0"],
        &["analyze", "--log-format", "xml", "x.pcap"],
        &["live", "--rules", "r", "--no-rules"],
        &["live", "--spool-only", "--cloudwatch-group", "g", "-i", "x"],
        // What a spool holds was chosen by the run that wrote it.
        &["ship", "--cloudwatch-logs", "all"],
        &["ship", "--spool-mib", "5"],
        &["ship", "--spool-only"],
    ] {
        let mut a = vec!["otwatch"];
        a.extend_from_slice(argv);
        assert!(Cli::try_parse_with_defaults(a).is_err(), "{argv:?}");
    }
}

#[test]
fn ship_takes_the_destination_and_spool_only_is_a_run_option() {
    let Command::Ship(a) = parse(&[
        "ship",
        "--spool-dir",
        "s",
        "--cloudwatch-group",
        "g",
        "--cloudwatch-stream-prefix",
        "plant-b",
        "--delivered-dir",
        "d",
        "--parked",
    ])
    .command
    else {
        unreachable!()
    };
    assert_eq!(a.cloudwatch_stream_prefix.as_deref(), Some("plant-b"));
    assert_eq!(a.delivered_dir, Some(PathBuf::from("d")));
    assert!(a.parked);
    let ship = Cli::command();
    let ship = ship.find_subcommand("ship").unwrap();
    let mut ids: Vec<&str> = ship.get_arguments().map(|a| a.get_id().as_str()).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "cloudwatch_drain",
            "cloudwatch_endpoint",
            "cloudwatch_group",
            "cloudwatch_retention",
            "cloudwatch_stream_prefix",
            "delivered_dir",
            "parked",
            "spool_dir"
        ]
    );
    for mode in ["live", "analyze"] {
        let mut argv = vec![mode, "--spool-only", "--spool-max-age", "3d"];
        argv.extend_from_slice(if mode == "live" {
            &["-i", "x"][..]
        } else {
            &["x.pcap"]
        });
        let cfg = match parse(&argv).command {
            Command::Live(l) => l.layer(),
            Command::Analyze(a) => a.analysis.layer(),
            _ => unreachable!(),
        };
        assert_eq!(cfg.spool_only, Some(true));
        assert_eq!(cfg.spool_max_age.as_deref(), Some("3d"));
    }
}
