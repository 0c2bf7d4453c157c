//! Fuzzes the configuration file: any text either loads (every key
//! checked: durations, sizes, names) or gives errors that each name the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch::config::Config;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(errors) = Config::parse(text, Path::new("fuzz.toml")) {
        assert!(!errors.0.is_empty(), "an error without a message");
        for e in errors.0 {
            let e = e.to_string();
            assert!(e.starts_with("fuzz.toml:"), "error without the file: {e}");
        }
    }
});
