//! Every input a fuzz target ever crashed on, kept in
//! `tests/fuzz-regressions/<target>/` and replayed with the target's own
//! oracle, so a fixed crash stays fixed. `make fuzz` leaves new crashes in
//! `fuzz/artifacts/<target>/` (or `parsers/fuzz/artifacts/`); copy them
//! here with the fix.

mod common;

use common::{learn_baseline, otwatch, pcap, repo};
use otwatch::baseline::Baseline;
use otwatch::config::Config;
use otwatch::rules::{RuleSet, Vars};
use std::path::{Path, PathBuf};

/// The crash inputs of one target, in name order.
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = repo().join("tests/fuzz-regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    v.sort();
    v
}

#[test]
fn config_file_crashes_are_errors_naming_the_file() {
    let files = inputs("config_file");
    assert!(!files.is_empty(), "the overflowing-duration crash is kept");
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        match Config::parse(&text, &f) {
            Ok(_) => {}
            Err(errors) => {
                for e in errors.0 {
                    assert!(
                        e.to_string().starts_with(&f.display().to_string()),
                        "{}: error without the file: {e}",
                        f.display()
                    )
                }
            }
        }
    }
    // The crash itself: an interval of ~1.4e16 hours.
    let f = &inputs("config_file")[0];
    let e = Config::load(f).unwrap_err().to_string();
    assert!(
        e.contains("inventory_interval") && e.contains("too long"),
        "{e}"
    );
}

#[test]
fn rules_and_baseline_crashes_load_or_fail_cleanly() {
    let vars = Vars::load(&repo().join("rules/vars.conf")).unwrap();
    for f in inputs("rules_text") {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        let (_, errors) = RuleSet::parse(&text, &f, &vars);
        for e in errors {
            let _ = e.to_string();
        }
    }
    for f in inputs("baseline_file") {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        if let Ok(b) = Baseline::from_json(&text) {
            assert_eq!(
                Baseline::from_json(&b.to_json()).unwrap().to_json(),
                b.to_json()
            );
        }
    }
}

/// `otwatch analyze` with the rule pack and a baseline, as the fuzz target
/// runs the pipeline: whatever the capture, no panic (a broken file is an
/// error naming it).
fn analyze_with_everything(capture: &Path, baseline: &Path, out: &Path) -> std::process::Output {
    otwatch()
        .args(["analyze", "--quiet", "--threads", "1", "--rules"])
        .arg(repo().join("rules"))
        .arg("--baseline")
        .arg(baseline)
        .arg("--out")
        .arg(out)
        .arg(capture)
        .output()
        .unwrap()
}

#[test]
fn pipeline_crashes_run_to_an_end() {
    let files = inputs("pipeline_pcap");
    assert!(!files.is_empty(), "the far-future timestamp crash is kept");
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    learn_baseline(&pcap("plant-good.pcap"), &baseline);
    for (i, f) in files.iter().enumerate() {
        let out = dir.path().join(format!("run{i}"));
        let o = analyze_with_everything(f, &baseline, &out);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            !stderr.contains("panicked") && o.status.code() != Some(101),
            "{}: {stderr}",
            f.display()
        );
        if !o.status.success() {
            assert!(stderr.contains(&f.display().to_string()), "{stderr}");
        }
    }
}

#[test]
fn far_future_timestamps_are_clamped_and_counted() {
    // The pipeline crash: a pcapng timestamp past i64 microseconds made the
    // detector's next silence check overflow.
    let f = &inputs("pipeline_pcap")[0];
    let dir = tempfile::tempdir().unwrap();
    let o = otwatch()
        .args(["analyze", "--quiet", "--out"])
        .arg(dir.path())
        .arg(f)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let weirds = common::read_json_log(&dir.path().join("weird.log"));
    assert!(
        weirds.iter().any(|w| w["name"] == "timestamp_out_of_range"),
        "{weirds:?}"
    );
}
