//! Fuzzes the baseline file: any text either loads or gives an error; a
//! baseline that loads survives a save/load round trip, merges with
//! itself, renders as DOT, GraphML and JSON, and drives the detector over
//! events of every protocol without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch::baseline::{show, Baseline, ShowFormat};
use otwatch::observe::{ObserveConfig, Observer};
use otwatch::time::Ts;
use otwatch_fuzz::events;

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
    let mut observer = Observer::new(&ObserveConfig {
        baseline: Some(b),
        learn: true,
        ..ObserveConfig::default()
    });
    let mut notices = Vec::new();
    for e in events() {
        observer.read(&e, &mut notices);
    }
    let _ = observer.finish(Ts(3_600_000_000), &mut notices);
});
