//! Throughput of the offline path on a real capture (pcaps/modbusBig.pcap:
//! 13,622 packets of Modbus/TCP polling and ISO-on-TCP).
//!
//! - `decode`: L2–L4 decoding of every frame, in memory;
//! - `decode+flows`: decoding plus connection tracking and reassembly, in
//!   memory, on one thread (the per-worker hot path);
//! - `pipeline/N`: the whole `analyze` run (libpcap read, dispatch, N
//!   workers, merge, conn.log writing) with N worker threads.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use otwatch::capture::{FileSource, LinkType};
use otwatch::decode::decode;
use otwatch::flow::{FlowConfig, FlowTable};
use otwatch::pipeline::{run_files, PipelineConfig};
use otwatch::record::Emitter;
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

    for threads in [1usize, 2] {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = PipelineConfig {
            threads,
            out_dir: dir.path().to_path_buf(),
            ..PipelineConfig::default()
        };
        let files = vec![sample()];
        g.bench_function(format!("pipeline/{threads}"), |b| {
            b.iter(|| {
                let o = run_files(&files, &cfg);
                assert!(o.error.is_none());
                o.summary.decode.packets
            })
        });
    }
    g.finish();
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
