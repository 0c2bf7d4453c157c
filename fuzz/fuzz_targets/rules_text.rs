//! Fuzzes the rule language: a variables file and a rules file (split at
//! the first NUL byte) are parsed, every error is rendered, and every rule
//! that parses is evaluated against a handful of events of each protocol,
//! so the matcher runs on whatever conditions the parser accepts (by the
//! engine, and as the workers match for it: the same alerts); the
//! payload rules among them inspect the input's own bytes and a Modbus
//! request, from either side.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch::event::Dir;
use otwatch::observe::ObserveConfig;
use otwatch::rules::payload::{Chunk, PayloadSet, Scratch};
use otwatch::rules::{RuleSet, Vars};
use std::path::Path;

const VARS: &str = include_str!("../../rules/vars.conf");

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (vars_text, rules_text) = text.split_once('\0').unwrap_or((VARS, &text));
    let vars = match Vars::parse(vars_text) {
        Ok(v) => v,
        Err((line, message)) => {
            let _ = format!("vars.conf:{line}: {message}");
            Vars::parse(VARS).unwrap_or_default()
        }
    };
    let (rules, errors) = RuleSet::parse(rules_text, Path::new("fuzz.rules"), &vars);
    for e in &errors {
        let _ = e.to_string();
    }
    if rules.is_empty() {
        return;
    }
    if let Some(set) = PayloadSet::compile(&RuleSet::of(rules.clone())) {
        let id = otwatch_fuzz::conn(502);
        let mut bits = vec![0; set.words()];
        let mut scratch = Scratch::default();
        let modbus = [0u8, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10];
        for bytes in [data, &modbus[..]] {
            for dir in [Dir::Orig, Dir::Resp] {
                let chunk = Chunk {
                    id: &id,
                    dir,
                    data: bytes,
                    established: true,
                    services: &["modbus"],
                };
                set.inspect(&chunk, &mut bits, &mut scratch, &mut |_| {});
            }
        }
    }
    for window in [0, 60] {
        let cfg = ObserveConfig {
            rules: Some((RuleSet::of(rules.clone()), window)),
            ..ObserveConfig::default()
        };
        // Twice, so thresholds and suppression windows see repeats; with
        // the rules matched as the workers match them, and by the engine.
        let alone = otwatch_fuzz::observe(&cfg, false, 2);
        let split = otwatch_fuzz::observe(&cfg, true, 2);
        assert_eq!(alone, split, "matches found in a worker differ");
    }
});
