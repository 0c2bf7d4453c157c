//! Fuzzes the rule language: a variables file and a rules file (split at
//! the first NUL byte) are parsed, every error is rendered, and every rule
//! that parses is evaluated against a handful of events of each protocol,
//! so the matcher runs on whatever conditions the parser accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch::observe::{ObserveConfig, Observer};
use otwatch::rules::{RuleSet, Vars};
use otwatch::time::Ts;
use otwatch_fuzz::events;
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
    for window in [0, 60] {
        let mut observer = Observer::new(&ObserveConfig {
            rules: Some((
                RuleSet::of(rules.clone()),
                window,
            )),
            ..ObserveConfig::default()
        });
        let mut out = Vec::new();
        // Twice, so thresholds and suppression windows see repeats.
        for _ in 0..2 {
            for e in events() {
                observer.read(&e, &mut out);
            }
        }
        observer.finish(Ts(3_600_000_000), &mut out);
        for e in &out {
            otwatch::logs::rows(e, &mut |row| {
                let _ = otwatch::output::json_line(row);
            });
        }
    }
});
