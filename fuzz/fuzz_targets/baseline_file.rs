//! Fuzzes the baseline file: any text either loads or gives an error; a
//! baseline that loads survives a save/load round trip, merges with
//! itself, renders as DOT, GraphML and JSON, and drives the detector over
//! events of every protocol without a panic, finding the same deviations
//! (and learning the same baseline) when its per-edge checks and the
//! learning of edges are made as a worker makes them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch::baseline::{show, Baseline, ShowFormat};
use otwatch::observe::ObserveConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let b = match Baseline::from_json(text) {
        Ok(b) => b,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let saved = b.to_json();
    let again = Baseline::from_json(&saved).expect("a saved baseline loads");
    assert_eq!(
        again.to_json(),
        saved,
        "the round trip changed the baseline"
    );
    let mut merged = b.clone();
    merged.merge(&b);
    for f in [ShowFormat::Dot, ShowFormat::Graphml, ShowFormat::Json] {
        let _ = show(&merged, f);
    }
    let cfg = ObserveConfig {
        baseline: Some(b),
        learn: true,
        ..ObserveConfig::default()
    };
    let alone = otwatch_fuzz::observe(&cfg, false, 1);
    let split = otwatch_fuzz::observe(&cfg, true, 1);
    assert_eq!(alone, split, "checks made in a worker differ");
});
