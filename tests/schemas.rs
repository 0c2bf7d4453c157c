//! Every log has a machine-readable schema, generated from the code into
//! `docs/schemas/` (`otwatch schemas DIR`), and every row otwatch writes for
//! the bundled captures is valid against it, checked by an independent
//! validator (Python's `jsonschema`, in `.venv-moto`, with the IP address
//! formats asserted).

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn json_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    v.sort();
    v
}

/// `docs/schemas/` is what the code generates (run with OTWATCH_BLESS=1
/// to write it again after a column change).
#[test]
fn the_schemas_in_docs_are_the_codes() {
    let docs = repo().join("docs/schemas");
    let d = tempfile::tempdir().unwrap();
    let target: PathBuf = if std::env::var_os("OTWATCH_BLESS").is_some() {
        docs.clone()
    } else {
        d.path().to_path_buf()
    };
    let o = otwatch().arg("schemas").arg(&target).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let made = json_files(&target);
    assert_eq!(made, json_files(&docs), "docs/schemas/ lists other logs");
    for f in &made {
        assert!(
            std::fs::read(target.join(f)).unwrap() == std::fs::read(docs.join(f)).unwrap(),
            "docs/schemas/{f} is not what the code generates (OTWATCH_BLESS=1 cargo test --test schemas)"
        );
    }
}

const VALIDATE: &str = r#"
import json, os, sys
from jsonschema import Draft202012Validator, FormatChecker
schemas, runs = sys.argv[1], sys.argv[2:]
validators = {}
for f in os.listdir(schemas):
    s = json.load(open(os.path.join(schemas, f)))
    Draft202012Validator.check_schema(s)
    validators[f[:-5]] = Draft202012Validator(s, format_checker=FormatChecker())
rows, bad = 0, []
seen = set()
for run in runs:
    for f in sorted(os.listdir(run)):
        if not f.endswith(".log"):
            continue
        log = f[:-4]
        seen.add(log)
        v = validators.get(log)
        if v is None:
            bad.append(f"{run}/{f}: no schema")
            continue
        for i, line in enumerate(open(os.path.join(run, f)), 1):
            rows += 1
            for e in v.iter_errors(json.loads(line)):
                bad.append(f"{run}/{f}:{i}: {e.json_path}: {e.message}")
print(json.dumps({"rows": rows, "logs": sorted(seen), "bad": bad[:50], "nbad": len(bad)}))
"#;

/// Runs the validator over log directories: rows, logs seen, problems.
fn validate(runs: &[PathBuf]) -> serde_json::Value {
    let o = std::process::Command::new(repo().join(".venv-moto/bin/python"))
        .arg("-c")
        .arg(VALIDATE)
        .arg(repo().join("docs/schemas"))
        .args(runs)
        .output()
        .expect("the .venv-moto Python (make test-deps makes it)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn every_row_of_every_bundled_capture_is_valid() {
    let d = tempfile::tempdir().unwrap();
    let mut captures: Vec<PathBuf> = Vec::new();
    for dir in ["pcaps", "pcaps/opcua-traces", "pcaps/attacks"] {
        for e in std::fs::read_dir(repo().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
                captures.push(p);
            }
        }
    }
    captures.sort();
    let mut runs = Vec::new();
    let baseline = d.path().join("baseline.json");
    learn_baseline(&pcap("plant-good.pcap"), &baseline);
    for (i, c) in captures.iter().enumerate() {
        let out = d.path().join(format!("run-{i}"));
        let o = analyze(
            &out,
            &[
                "--cip-io-interval",
                "0",
                "--baseline",
                baseline.to_str().unwrap(),
            ],
            std::slice::from_ref(c),
        );
        // Damaged captures (the fuzz finds) still write what they read.
        assert!(
            out.exists(),
            "{}: {}",
            c.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        runs.push(out);
    }
    // The validator finds a row that is not what its log says.
    let wrong = d.path().join("wrong");
    std::fs::create_dir(&wrong).unwrap();
    std::fs::write(
        wrong.join("conn.log"),
        "{\"ts\":1.5,\"id.orig_h\":\"10.0.0.300\",\"id.orig_p\":\"x\",\"colour\":1}\n",
    )
    .unwrap();
    let w = validate(&[wrong]);
    assert_eq!(w["nbad"], 3, "{w}");
    let r = validate(&runs);
    assert_eq!(
        r["nbad"],
        0,
        "{}",
        serde_json::to_string_pretty(&r["bad"]).unwrap()
    );
    let rows = r["rows"].as_u64().unwrap();
    let logs = r["logs"].as_array().unwrap().len();
    // Every log but the live capture's loss.
    assert!(rows > 20_000 && logs >= 40, "{rows} rows of {logs} logs");
    eprintln!(
        "{rows} rows of {logs} logs from {} captures valid against their schemas",
        captures.len()
    );
}
