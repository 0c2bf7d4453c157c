//! Fuzzes the whole offline pipeline on a pcap-shaped byte string: capture
//! reading, link and IP decoding, defragmentation, the flow table and TCP
//! reassembly, every analyzer, the logs, the inventory, the rule pack and
//! the baseline detector. The bytes are written to a file on tmpfs and run
//! through `run_files` exactly as `otwatch analyze` runs a capture; any
//! outcome but a panic (or a sanitizer report) is fine — a broken file must
//! end the run with an error, never a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch::baseline::Baseline;
use otwatch::observe::ObserveConfig;
use otwatch::output::LogFormat;
use otwatch::pipeline::{run_files, PipelineConfig};
use otwatch::rules::RuleSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

struct Setup {
    pcap: PathBuf,
    out: PathBuf,
    rules: RuleSet,
    baseline: Baseline,
}

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let tmp = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = tmp.join(format!("otwatch-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        let pack = Path::new(REPO).join("rules");
        let rules = otwatch::rules::load(
            &otwatch::rules::Source::Path(pack.clone()),
            None,
            Some(&pack.join("vars.conf")),
            true,
        )
        .expect("the rule pack");
        // The plant's known-good capture, learned once: the detector then
        // compares every fuzzed capture with a real baseline.
        let learn = PipelineConfig {
            threads: 1,
            discard_logs: true,
            out_dir: dir.join("learn"),
            observe: ObserveConfig {
                learn: true,
                ..ObserveConfig::default()
            },
            ..PipelineConfig::default()
        };
        let baseline = run_files(&[Path::new(REPO).join("pcaps/plant-good.pcap")], &learn)
            .observed
            .and_then(|o| o.baseline)
            .expect("a baseline learned from pcaps/plant-good.pcap");
        Setup {
            pcap: dir.join("input.pcap"),
            out: dir.join("logs"),
            rules,
            baseline,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let s = setup();
    std::fs::write(&s.pcap, data).expect("the capture written to tmpfs");
    let cfg = PipelineConfig {
        threads: 1,
        // Small ticks: timeouts, sweeps and merges run many times per input.
        tick_packets: 16,
        out_dir: s.out.clone(),
        format: LogFormat::Json,
        observe: ObserveConfig {
            learn: true,
            baseline: Some(s.baseline.clone()),
            rules: Some((s.rules.clone(), 60)),
            ..ObserveConfig::default()
        },
        ..PipelineConfig::default()
    };
    let outcome = run_files(std::slice::from_ref(&s.pcap), &cfg);
    if let Some(e) = outcome.error {
        let _ = e.to_string();
    }
});
