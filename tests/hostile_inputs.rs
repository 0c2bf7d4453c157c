//! Hostile input files: the rule language, variables, the configuration
//! file, baselines and spool segments, mutated at random from real ones
//! (proptest), never panic, and every error names where it is. Complements
//! the parsers' fuzz targets for the files the sensor reads.

mod common;

use common::*;
use otwatch::baseline::Baseline;
use otwatch::config::Config;
use otwatch::output::cloudwatch::Spool;
use otwatch::rules::{RuleSet, Vars};
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

/// `text` with the edits applied: (position, byte, 0 = replace, 1 =
/// insert, 2 = delete). Bytes that break UTF-8 are kept as replacement
/// characters, as a reader of a damaged file would get.
fn mutate(text: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut b = text.to_vec();
    for &(at, byte, op) in edits {
        if b.is_empty() {
            b.push(byte);
            continue;
        }
        let at = at % b.len();
        match op {
            0 => b[at] = byte,
            1 => b.insert(at, byte),
            _ => {
                b.remove(at);
            }
        }
    }
    b
}

fn edits() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..12)
}

fn rules_text() -> &'static [u8] {
    static T: OnceLock<Vec<u8>> = OnceLock::new();
    T.get_or_init(|| {
        let mut all = Vec::new();
        for e in std::fs::read_dir(repo().join("rules")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "rules") {
                all.extend(std::fs::read(p).unwrap());
            }
        }
        all
    })
}

fn baseline_text() -> &'static [u8] {
    static T: OnceLock<Vec<u8>> = OnceLock::new();
    T.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("b.json");
        learn_baseline(&pcap("plant-good.pcap"), &out);
        std::fs::read(out).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn damaged_rules_are_errors_with_file_and_line(e in edits()) {
        let text = String::from_utf8_lossy(&mutate(rules_text(), &e)).into_owned();
        let vars = Vars::parse(&std::fs::read_to_string(repo().join("rules/vars.conf")).unwrap()).unwrap();
        let (_, errors) = RuleSet::parse(&text, Path::new("site.rules"), &vars);
        let lines = text.lines().count().max(1);
        for err in errors {
            prop_assert!(err.line >= 1 && err.line <= lines + 1, "{err}");
            prop_assert!(err.to_string().starts_with("site.rules:"), "{err}");
        }
    }

    #[test]
    fn damaged_variables_are_errors_with_a_line(e in edits()) {
        let real = std::fs::read(repo().join("rules/vars.conf")).unwrap();
        let text = String::from_utf8_lossy(&mutate(&real, &e)).into_owned();
        if let Err((line, msg)) = Vars::parse(&text) {
            prop_assert!(line >= 1 && line <= text.lines().count().max(1) + 1, "{line}: {msg}");
        }
    }

    #[test]
    fn damaged_configuration_is_an_error_naming_the_file(e in edits()) {
        let real = std::fs::read(repo().join("deploy/otwatch.toml")).unwrap();
        let text = String::from_utf8_lossy(&mutate(&real, &e)).into_owned();
        if let Err(errors) = Config::parse(&text, Path::new("/etc/otwatch/otwatch.toml")) {
            for msg in errors.0 {
                prop_assert!(msg.to_string().contains("/etc/otwatch/otwatch.toml"), "{msg}");
            }
        }
    }

    #[test]
    fn damaged_baselines_are_errors_not_panics(e in edits()) {
        let text = String::from_utf8_lossy(&mutate(baseline_text(), &e)).into_owned();
        if let Err(err) = Baseline::from_json(&text) {
            prop_assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn damaged_spool_segments_are_skipped_and_counted(
        e in edits(),
        junk in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), 1 << 30).unwrap();
        for i in 0..50 {
            let pushed = s.push("sensor/conn", i, &format!("{{\"n\":{i}}}"));
            prop_assert!(pushed);
        }
        s.sync();
        drop(s);
        let seg = d.path().join("0000000000000000.seg");
        let bytes = std::fs::read(&seg).unwrap();
        let mut damaged = mutate(&bytes, &e);
        damaged.extend_from_slice(&junk);
        std::fs::write(&seg, &damaged).unwrap();
        let mut s = Spool::open(d.path(), 1 << 30).unwrap();
        let recs = s.records(1000);
        // What is read back is a prefix of what was written, each record
        // whole (the checksum rejects damaged ones).
        for (i, (stream, ev, _)) in recs.iter().enumerate() {
            prop_assert_eq!(stream, "sensor/conn");
            prop_assert_eq!(&ev.message, &format!("{{\"n\":{i}}}"));
        }
        prop_assert!(recs.len() == 50 || s.corrupt > 0 || damaged.len() < bytes.len());
    }
}

/// Baselines shaped to exhaust a reader: deep nesting and huge numbers.
#[test]
fn hostile_baseline_shapes_are_refused() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(Baseline::from_json(&deep).is_err());
    let huge = r#"{"version": 99999999999999999999999999999}"#;
    assert!(Baseline::from_json(huge).is_err());
    // Through the CLI: a clear message naming the file, exit 2.
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("deep.json");
    std::fs::write(&f, &deep).unwrap();
    let o = analyze(
        d.path(),
        &["--baseline", f.to_str().unwrap()],
        &[pcap("modbus_example.pcap")],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("deep.json"), "{err}");
}
