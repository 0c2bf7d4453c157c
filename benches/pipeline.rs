//! Throughput of the offline path on a real capture (pcaps/modbusBig.pcap:
//! 13,622 packets of Modbus/TCP polling and ISO-on-TCP).
//!
//! - `decode`: L2–L4 decoding of every frame, in memory;
//! - `decode+flows`: decoding plus connection tracking and reassembly, in
//!   memory, on one thread (the per-worker hot path);
//! - `pipeline/N`: the whole `analyze` run (libpcap read, dispatch, N
//!   workers, merge, conn.log writing) with N worker threads.
//!
//! And `synth/pipeline/N`: the whole run on a synthesized plant capture
//! (`otwatch synth`, 200,000 packets, seed 1: cyclic CIP I/O, Modbus
//! polling, explicit CIP, OPC UA, IT background) with every default log,
//! the default rule pack and a baseline learned from seed 2 — the setting
//! of the throughput targets, at a size criterion can repeat; and
//! `siemens/pipeline/N`: the same plant with a Siemens cell of four S7
//! CPUs (S7comm polling and downloads, PROFINET DCP and cyclic I/O).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use otwatch::capture::{FileSource, LinkType};
use otwatch::decode::decode;
use otwatch::event::Emitter;
use otwatch::flow::{FlowConfig, FlowTable};
use otwatch::pipeline::{run_files, PipelineConfig};
use otwatch::time::Ts;
use std::path::PathBuf;

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("pcaps/modbusBig.pcap")
}

fn load() -> Vec<(Ts, LinkType, Vec<u8>)> {
    let mut src = FileSource::open(&sample()).expect("sample capture");
    let mut out = Vec::new();
    while let Some(p) = src.next_packet().expect("read") {
        out.push((p.ts, p.link, p.data.to_vec()));
    }
    out
}

fn benches(c: &mut Criterion) {
    let packets = load();
    let mut g = c.benchmark_group("modbusBig");
    g.throughput(Throughput::Elements(packets.len() as u64));

    g.bench_function("decode", |b| {
        b.iter(|| {
            let mut n = 0u64;
            for (_, link, frame) in &packets {
                if decode(*link, frame).is_ok() {
                    n += 1;
                }
            }
            n
        })
    });

    g.bench_function("decode+flows", |b| {
        b.iter(|| {
            let mut table = FlowTable::new(FlowConfig::default());
            let mut em = Emitter::default();
            for (i, (ts, link, frame)) in packets.iter().enumerate() {
                if let Ok(d) = decode(*link, frame) {
                    em.at_packet(i as u64);
                    table.packet(i as u64, *ts, *ts, &d, d.payload(frame), &mut em);
                }
            }
            table.finish(&mut em);
            em.take().len()
        })
    });

    whole_runs(&mut g, &sample(), &PipelineConfig::default());
    g.finish();
}

/// `pipeline/1` and `pipeline/2`: whole `analyze` runs of `capture` with
/// `base`'s settings at one and two worker threads.
fn whole_runs(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    capture: &std::path::Path,
    base: &PipelineConfig,
) {
    for threads in [1usize, 2] {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = PipelineConfig {
            threads,
            out_dir: dir.path().to_path_buf(),
            ..base.clone()
        };
        let files = vec![capture.to_path_buf()];
        g.bench_function(format!("pipeline/{threads}"), |b| {
            b.iter(|| {
                let o = run_files(&files, &cfg);
                assert!(o.error.is_none());
                o.summary.decode.packets
            })
        });
    }
}

/// A synthesized capture in `dir`, with `s7_plcs` S7 CPUs.
fn synthesize(
    dir: &std::path::Path,
    name: &str,
    seed: u64,
    packets: u64,
    s7_plcs: usize,
) -> PathBuf {
    let path = dir.join(name);
    let cfg = otwatch_synth::Config {
        seed,
        packets: Some(packets),
        sizes: otwatch_synth::Sizes {
            s7_plcs,
            ..otwatch_synth::Sizes::default()
        },
        ..otwatch_synth::Config::default()
    };
    let f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    otwatch_synth::synthesize(&cfg, f).expect("synthesize");
    path
}

fn synth_benches(c: &mut Criterion) {
    plant_benches(c, "synth", 0);
    plant_benches(c, "siemens", 4);
}

fn plant_benches(c: &mut Criterion, group: &str, s7_plcs: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let capture = synthesize(dir.path(), "plant.pcap", 1, 200_000, s7_plcs);
    let learn = synthesize(dir.path(), "learn.pcap", 2, 200_000, s7_plcs);
    let mut learn_cfg = PipelineConfig {
        discard_logs: true,
        ..PipelineConfig::default()
    };
    learn_cfg.observe.learn = true;
    let baseline = run_files(&[learn], &learn_cfg)
        .observed
        .and_then(|o| o.baseline)
        .expect("a learned baseline");
    let rules_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules");
    let rules = otwatch::rules::load(
        &otwatch::rules::Source::Path(rules_dir.clone()),
        None,
        Some(&rules_dir.join("vars.conf")),
        true,
    )
    .expect("the default rule pack");
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(200_000));
    g.sample_size(10);
    let mut cfg = PipelineConfig::default();
    cfg.observe.rules = Some((rules, 60));
    cfg.observe.baseline = Some(baseline);
    whole_runs(&mut g, &capture, &cfg);
    g.finish();
}

criterion_group!(pipeline, benches, synth_benches);
criterion_main!(pipeline);
