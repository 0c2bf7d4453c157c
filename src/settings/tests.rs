use super::*;
use crate::config::{Config, ConfigFile};
use crate::flow::FlowConfig;

fn file(text: &str) -> ConfigFile {
    ConfigFile::parse(text, Path::new("s.toml"))
}

/// Flags that keep the repository's rules/ folder out of the way.
fn flags() -> Config {
    Config {
        no_rules: Some(true),
        ..Config::default()
    }
}

fn live_flags() -> Config {
    Config {
        interface: Some(vec!["eth0".into()]),
        ..flags()
    }
}

fn resolve(mode: Mode, flags: &Config, text: Option<&str>) -> Result<Settings, SettingsErrors> {
    Settings::from_layers(mode, flags, text.map(file))
}

fn lines(e: &SettingsErrors) -> Vec<String> {
    e.iter().map(ToString::to_string).collect()
}

fn has(lines: &[String], start: &str) -> bool {
    lines.iter().any(|l| l.starts_with(start))
}

#[test]
fn the_defaults_are_the_pipelines_own() {
    let d = DetectConfig::default();
    assert_eq!(d.interval_factor, defaults::INTERVAL_FACTOR);
    assert_eq!(d.min_interval_samples, defaults::MIN_INTERVAL_SAMPLES);
    assert_eq!(d.silence_factor, defaults::SILENCE_FACTOR);
    assert_eq!(d.min_silence_secs, defaults::MIN_SILENCE_SECS);
    let f = FlowConfig::default();
    assert_eq!(f.max_flows as u64, defaults::MAX_FLOWS);
    assert_eq!(f.reassembly_cap as u64, defaults::REASSEMBLY_CAP);
    assert_eq!(f.tcp_inactivity, secs(defaults::TCP_TIMEOUT_SECS));
    assert_eq!(f.udp_inactivity, secs(defaults::UDP_TIMEOUT_SECS));
    assert_eq!(f.icmp_inactivity, secs(defaults::ICMP_TIMEOUT_SECS));
    assert_eq!(
        f.analyzers.cip_io_interval,
        secs(defaults::CIP_IO_INTERVAL_SECS)
    );
    let o = LiveOptions::default();
    assert_eq!(o.snaplen as u32, defaults::SNAPLEN);
    assert_eq!(o.buffer_size, (defaults::BUFFER_MIB as i32) << 20);
    let p = PipelineConfig::default();
    assert_eq!(p.out_dir, Path::new(defaults::OUT));
    assert_eq!(
        Some(p.format),
        log_format(defaults::LOG_FORMAT).ok(),
        "the log format"
    );
}

#[test]
fn nothing_given_gives_the_defaults() {
    let plain = PipelineConfig::default();
    for mode in [Mode::Analyze, Mode::Live, Mode::Learn] {
        let s = resolve(mode, &live_flags(), None).unwrap();
        let p = &s.pipeline;
        assert_eq!(p.threads, plain.threads, "{mode:?}");
        assert_eq!(p.flow.max_flows, plain.flow.max_flows);
        assert_eq!(p.flow.tcp_inactivity, plain.flow.tcp_inactivity);
        assert_eq!(p.flow.other_inactivity, plain.flow.other_inactivity);
        assert_eq!(p.flow.reassembly_cap, plain.flow.reassembly_cap);
        assert_eq!(
            p.flow.analyzers.cip_io_interval,
            plain.flow.analyzers.cip_io_interval
        );
        assert!(!p.verify_checksums);
        assert_eq!(p.observe.detect, DetectConfig::default());
        assert_eq!(p.out_dir, plain.out_dir);
        assert!(p.ship.is_none() && p.observe.rules.is_none());
        assert_eq!(p.discard_logs, mode == Mode::Learn);
        assert_eq!(p.observe.learn, mode == Mode::Learn);
        assert_eq!(s.live.is_some(), mode == Mode::Live);
    }
    let analyze = resolve(Mode::Analyze, &flags(), None).unwrap();
    assert_eq!(analyze.pipeline.observe.inventory_every, None);
    let live = resolve(Mode::Live, &live_flags(), None).unwrap();
    assert_eq!(
        live.pipeline.observe.inventory_every,
        Some((PathBuf::from("otwatch-logs"), 3600))
    );
    let l = live.live.unwrap();
    assert_eq!(l.stats_every, Duration::from_secs(60));
    assert_eq!(l.loss_threshold, 1.0);
    assert_eq!((l.rotate_every, l.rotate_bytes), (None, None));
    assert_eq!(l.capture, LiveOptions::default());
    assert_eq!(live.pipeline.observe.learn_for, None);
    assert_eq!(live.sources.alert_window, 60);
}

#[test]
fn a_flag_wins_over_the_file_and_the_file_over_the_default() {
    let text = "\
tcp_timeout = 30
udp_timeout = 31
cip_io_interval = 0
log_format = \"tsv\"
out = \"/from/file\"
interval_factor = 2.0
min_silence = 5
stats_interval = \"5s\"
snaplen = 1500
verify_checksums = true
cloudwatch_group = \"file-group\"
cloudwatch_logs = [\"conn\"]
spool_mib = 8
max_flows = 10
";
    let f = Config {
        tcp_timeout: Some(7),
        out: Some("/from/flag".into()),
        interval_factor: Some(3.0),
        stats_interval: Some("2s".into()),
        cloudwatch_group: Some("flag-group".into()),
        max_flows: Some(20),
        ..live_flags()
    };
    let s = resolve(Mode::Live, &f, Some(text)).unwrap();
    let p = &s.pipeline;
    // Flag.
    assert_eq!(p.flow.tcp_inactivity, secs(7));
    assert_eq!(p.flow.max_flows, 20);
    assert_eq!(p.out_dir, Path::new("/from/flag"));
    assert_eq!(p.observe.detect.interval_factor, 3.0);
    let live = s.live.as_ref().unwrap();
    assert_eq!(live.stats_every, Duration::from_secs(2));
    // File.
    assert_eq!(p.flow.udp_inactivity, secs(31));
    assert_eq!(p.flow.analyzers.cip_io_interval, secs(0));
    assert_eq!(p.format, LogFormat::Tsv);
    assert_eq!(p.observe.detect.min_silence_secs, 5);
    assert!(p.verify_checksums);
    assert_eq!(live.capture.snaplen, 1500);
    // Default.
    assert_eq!(p.flow.icmp_inactivity, secs(60));
    assert_eq!(p.observe.detect.silence_factor, 10.0);
    assert_eq!(live.capture.buffer_size, 32 << 20);
    // Shipping mixes both; what is derived from the logs directory follows
    // the directory that won.
    let ship = p.ship.as_ref().unwrap();
    assert_eq!(ship.send.as_ref().unwrap().group, "flag-group");
    assert_eq!(ship.spool_bytes, 8 << 20);
    assert_eq!(ship.logs, ["conn".to_string()].into());
    assert_eq!(ship.spool_dir, Path::new("/from/flag/spool"));
    assert_eq!(
        p.observe.inventory_every,
        Some((PathBuf::from("/from/flag"), 3600))
    );
}

#[test]
fn every_problem_is_reported_at_once_with_its_origin() {
    let text = "\
interface = [\"eth1\"]
bpf = \"tcp port 502 and bogus\"
rules = \"/nonexistent/rules\"
baseline = \"/nonexistent/baseline.json\"
learn_for = \"1d\"
rotate_interval = \"hourly\"
";
    let f = Config {
        threads: Some(0),
        ..Config::default()
    };
    let e = resolve(Mode::Live, &f, Some(text)).unwrap_err();
    let l = lines(&e);
    assert_eq!(l.len(), 6, "{l:#?}");
    // The file's problems in file order, then the flags'.
    assert!(l[0].starts_with("s.toml:2: bpf: BPF filter \"tcp port 502 and bogus\": "));
    assert!(l[1].starts_with("s.toml:3: rules: /nonexistent/rules: no such file"));
    assert!(has(
        &l,
        "s.toml:4: baseline: /nonexistent/baseline.json: no such file"
    ));
    assert!(has(
        &l,
        "s.toml:4: baseline: cannot be given with learn_for (s.toml:5)"
    ));
    assert!(l[4].starts_with("s.toml:6: rotate_interval: bad duration \"hourly\""));
    assert_eq!(l[5], "--threads: expected at least 1");
    assert!(matches!(e.0[0], SettingsError::Bpf { .. }));
    assert!(e
        .iter()
        .any(|e| matches!(e, SettingsError::Conflict { .. })));
}

#[test]
fn learn_for_with_a_baseline_is_refused_in_any_combination() {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b.json");
    crate::baseline::Baseline::default().save(&b).unwrap();
    let base_text = format!("baseline = {:?}\n", b.display().to_string());
    let learn_text = "learn_for = \"1d\"\n";
    let with_base = Config {
        baseline: Some(b.clone()),
        ..live_flags()
    };
    let with_learn = Config {
        learn_for: Some("1d".into()),
        ..live_flags()
    };
    let both = Config {
        baseline: Some(b.clone()),
        ..with_learn.clone()
    };
    let both_text = format!("{base_text}{learn_text}");
    for (flags, text, says) in [
        (&both, None, "--baseline: cannot be given with --learn-for"),
        (
            &with_base,
            Some(learn_text),
            "--baseline: cannot be given with learn_for (s.toml:1)",
        ),
        (
            &with_learn,
            Some(base_text.as_str()),
            "s.toml:1: baseline: cannot be given with --learn-for",
        ),
        (
            &live_flags(),
            Some(both_text.as_str()),
            "s.toml:1: baseline: cannot be given with learn_for (s.toml:2)",
        ),
    ] {
        let e = resolve(Mode::Live, flags, text).unwrap_err();
        assert_eq!(lines(&e).len(), 1, "{e}");
        assert!(e.to_string().starts_with(says), "{e}");
    }
    // Either alone is taken.
    let s = resolve(Mode::Live, &with_learn, None).unwrap();
    assert_eq!(
        s.pipeline.observe.learn_for,
        Some((86_400, PathBuf::from("otwatch-logs/baseline.json")))
    );
    let s = resolve(Mode::Live, &with_base, None).unwrap();
    assert!(s.pipeline.observe.baseline.is_some());
    assert_eq!(s.sources.baseline, Some(b));
    // analyze has no learning: the file's learn_for is not its business.
    assert!(resolve(Mode::Analyze, &with_base, Some(learn_text)).is_ok());
}

#[test]
fn rules_come_from_a_flag_then_the_file_then_the_rules_folder() {
    let d = tempfile::tempdir().unwrap();
    let rule = |sid: u32| {
        let p = d.path().join(format!("r{sid}.rules"));
        std::fs::write(
            &p,
            format!(
                "alert modbus any any -> any 502 (msg:\"r\"; modbus: function 3; sid:{sid};)\n"
            ),
        )
        .unwrap();
        p
    };
    let (one, two) = (rule(1), rule(2));
    let text = format!(
        "rules = {:?}\nalert_window = 5\n",
        two.display().to_string()
    );
    let sid = |s: &Settings| {
        s.pipeline
            .observe
            .rules
            .as_ref()
            .map(|(r, w)| (r.rules[0].sid, *w))
    };
    let none = Config::default();
    let flag_rules = Config {
        rules: Some(one.clone()),
        alert_window: Some(9),
        ..none.clone()
    };
    // The pack built into the binary when nothing is said, wherever the
    // run starts.
    let s = resolve(Mode::Analyze, &none, None).unwrap();
    assert_eq!(s.sources.rules, Some(crate::rules::Source::Builtin));
    assert!(s
        .pipeline
        .observe
        .rules
        .as_ref()
        .is_some_and(|(r, w)| r.rules.len() > 10 && *w == 60));
    assert_eq!(
        sid(&resolve(Mode::Analyze, &none, Some(&text)).unwrap()),
        Some((2, 5))
    );
    let s = resolve(Mode::Analyze, &flag_rules, Some(&text)).unwrap();
    assert_eq!(sid(&s), Some((1, 9)));
    // rules_add adds to the pack (or to rules); with no_rules it is a
    // conflict.
    let add = format!("rules_add = {:?}\n", two.display().to_string());
    let added = resolve(Mode::Analyze, &none, Some(&add)).unwrap();
    let (set, _) = added.pipeline.observe.rules.as_ref().unwrap();
    assert!(set.rules.len() > 10 && set.rules.iter().any(|r| r.sid == 2));
    assert!(set.rules[0]
        .file
        .display()
        .to_string()
        .starts_with("builtin:"));
    assert_eq!(added.sources.rules_add, Some(two.clone()));
    let e = resolve(
        Mode::Analyze,
        &none,
        Some(&format!("{add}no_rules = true\n")),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("rules_add: cannot be given with no_rules"),
        "{e}"
    );
    assert_eq!(
        s.sources.rules,
        Some(crate::rules::Source::Path(one.clone()))
    );
    // --no-rules wins over the file's rules.
    assert_eq!(
        sid(&resolve(Mode::Analyze, &flags(), Some(&text)).unwrap()),
        None
    );
    let no = resolve(Mode::Analyze, &none, Some("no_rules = true\n")).unwrap();
    assert_eq!((sid(&no), no.sources.rules), (None, None));
    // The file cannot say both.
    let e = resolve(
        Mode::Analyze,
        &none,
        Some(&format!("{text}no_rules = true\n")),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("s.toml:1: rules: cannot be given with no_rules (s.toml:3)"),
        "{e}"
    );
    // Missing variables, and every broken rule, one line each.
    let broken = d.path().join("broken.rules");
    std::fs::write(
        &broken,
        "alert modbus any any -> any 502 (msg:\"a\"; modbus: function 999; sid:7;)\n\
         alert modbus any any -> any 502 (msg:\"b\"; modbus: function 998; sid:8;)\n",
    )
    .unwrap();
    // Skipped with their places, as Suricata skips them...
    let s = resolve(
        Mode::Analyze,
        &Config {
            rules: Some(broken.clone()),
            ..none.clone()
        },
        None,
    )
    .unwrap();
    let (set, _) = s.pipeline.observe.rules.as_ref().unwrap();
    assert!(set.rules.is_empty());
    let places: Vec<(usize, Option<u32>)> = set.skipped.iter().map(|e| (e.line, e.sid)).collect();
    assert_eq!(places, [(1, Some(7)), (2, Some(8))]);
    // ... or, strict, refused with every error.
    let e = resolve(
        Mode::Analyze,
        &Config {
            rules: Some(broken),
            strict_rules: Some(true),
            ..none.clone()
        },
        None,
    )
    .unwrap_err();
    let l = lines(&e);
    assert_eq!(l.len(), 2, "{l:#?}");
    assert!(
        l[0].starts_with("--rules: ") && l[0].contains("broken.rules:1:") && l[0].contains("sid 7")
    );
    assert!(l[1].contains("broken.rules:2:") && l[1].contains("sid 8"));
    let e = resolve(
        Mode::Analyze,
        &Config {
            vars: Some("/nonexistent/site.vars".into()),
            ..flag_rules.clone()
        },
        None,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "--vars: /nonexistent/site.vars: no such file or directory"
    );
}

#[test]
fn each_mode_reads_the_keys_it_uses() {
    let text = "\
bpf = \"bogus !!\"
baseline = \"/nonexistent/b.json\"
learn_for = \"1d\"
tcp_timeout = 9
";
    // baseline learn reads the sensor's filter (and no baseline).
    let e = resolve(Mode::Learn, &flags(), Some(text)).unwrap_err();
    assert_eq!(lines(&e).len(), 1, "{e}");
    assert!(lines(&e)[0].starts_with("s.toml:1: bpf: "));
    let good = text.replace("bogus !!", "tcp");
    let s = resolve(Mode::Learn, &flags(), Some(&good)).unwrap();
    assert_eq!(s.pipeline.flow.tcp_inactivity, secs(9));
    assert!(s.pipeline.observe.baseline.is_none());
    assert_eq!(s.pipeline.filter.as_deref(), Some("tcp"));
    // analyze filters its files with the sensor's BPF filter too.
    let e = resolve(Mode::Analyze, &flags(), Some(text)).unwrap_err();
    let l = lines(&e);
    assert_eq!(l.len(), 2, "{e}");
    assert!(l[0].starts_with("s.toml:1: bpf: BPF filter \"bogus !!\""));
    assert_eq!(
        l[1],
        "s.toml:2: baseline: /nonexistent/b.json: no such file or directory"
    );
    let e = resolve(Mode::Live, &live_flags(), Some(text)).unwrap_err();
    assert_eq!(lines(&e).len(), 3, "{e}");
}

#[test]
fn live_needs_an_interface_unless_the_file_lost_it() {
    let e = resolve(Mode::Live, &flags(), Some("bpf = \"tcp\"\n")).unwrap_err();
    assert!(matches!(e.0[..], [SettingsError::NoInterface]), "{e}");
    let e = resolve(
        Mode::Live,
        &flags(),
        Some("interface = [\"eth0\"\nbpf = 1\n"),
    )
    .unwrap_err();
    assert!(
        !e.iter().any(|e| matches!(e, SettingsError::NoInterface)),
        "{e}"
    );
    let s = resolve(
        Mode::Live,
        &flags(),
        Some("interface = [\"eth0\", \"eth1\"]\n"),
    )
    .unwrap();
    assert_eq!(s.live.unwrap().interfaces, ["eth0", "eth1"]);
}

#[test]
fn flag_values_are_judged_like_the_files() {
    let f = Config {
        rotate_interval: Some("hourly".into()),
        cloudwatch_group: Some("bad group!".into()),
        cloudwatch_logs: Some(vec!["conn".into(), "modbsu".into()]),
        cloudwatch_retention: Some(10),
        spool_mib: Some(0),
        interval_factor: Some(-1.0),
        ..live_flags()
    };
    let l = lines(&resolve(Mode::Live, &f, None).unwrap_err());
    for start in [
        "--rotate-interval: bad duration \"hourly\"",
        "--cloudwatch-group: 1-512 characters",
        "--cloudwatch-logs: no log is called \"modbsu\"",
        "--cloudwatch-retention: CloudWatch keeps events for one of",
        "--spool-mib: expected at least 1",
        "--interval-factor: expected a number above 0",
    ] {
        assert!(has(&l, start), "{start}: {l:#?}");
    }
    assert_eq!(l.len(), 6, "{l:#?}");
}

#[test]
fn an_unreadable_file_is_the_only_problem() {
    let e = Settings::resolve(Mode::Live, &flags(), Some(Path::new("/nonexistent/o.toml")))
        .unwrap_err();
    assert_eq!(lines(&e).len(), 1);
    assert!(matches!(
        e.0[0],
        SettingsError::Config(crate::config::ConfigError::Read { .. })
    ));
    assert!(e.to_string().starts_with("/nonexistent/o.toml: "), "{e}");
}

#[test]
fn sighup_loads_the_same_sources_again() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path().join("site.rules");
    std::fs::write(
        &r,
        "alert modbus any any -> any 502 (msg:\"r\"; modbus: function 3; sid:1;)\n",
    )
    .unwrap();
    let s = resolve(
        Mode::Live,
        &Config {
            rules: Some(r.clone()),
            alert_window: Some(0),
            interface: Some(vec!["eth0".into()]),
            ..Config::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(s.sources.alert_window, 0);
    let again = s.sources.load().unwrap();
    assert!(matches!(again[..], [Reload::Rules(ref set, 0)] if set.rules.len() == 1));
    std::fs::write(
        &r,
        "alert modbus any any -> any 502 (msg:\"x\"; modbus: function 999; sid:2;)\n",
    )
    .unwrap();
    let Err(e) = s.sources.load() else {
        panic!("a broken rule set was taken")
    };
    assert!(matches!(e, ReloadError::Rules(_)));
    assert!(
        e.to_string()
            .contains("sid 2: modbus: expected a function code"),
        "{e}"
    );
}

#[test]
fn shipping_alone_for_the_ship_command() {
    let f = Config {
        cloudwatch_group: Some("g".into()),
        spool_dir: Some("/spool".into()),
        cloudwatch_drain: Some(3),
        ..Config::default()
    };
    let c = shipping(&f, Path::new(".")).unwrap().unwrap();
    let dest = c.send.as_ref().unwrap();
    assert_eq!(
        (dest.group.as_str(), c.spool_dir.as_path()),
        ("g", Path::new("/spool"))
    );
    assert_eq!(dest.drain_timeout, Duration::from_secs(3));
    assert_eq!(c.spool_max_age, Duration::from_secs(14 * 86_400));
    assert_eq!(c.spool_bytes, 256 << 20);
    assert!(shipping(&Config::default(), Path::new("."))
        .unwrap()
        .is_none());
    let e = shipping(
        &Config {
            cloudwatch_retention: Some(2),
            ..f
        },
        Path::new("."),
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("--cloudwatch-retention: "), "{e}");
}

#[test]
fn spool_only_spools_without_a_destination_and_refuses_a_group() {
    let f = Config {
        spool_only: Some(true),
        spool_max_age: Some("2d".into()),
        ..Config::default()
    };
    let c = shipping(&f, Path::new("/out")).unwrap().unwrap();
    assert!(c.send.is_none());
    assert_eq!(c.spool_dir, Path::new("/out/spool"));
    assert_eq!(c.spool_max_age, Duration::from_secs(2 * 86_400));
    let both = Config {
        cloudwatch_group: Some("g".into()),
        ..f
    };
    let e = shipping(&both, Path::new("/out")).unwrap_err();
    assert!(e.to_string().contains("never sends"), "{e}");
}
