//! Parser speed on a realistic mix: every Modbus/TCP ADU of the bundled
//! captures (polling reads and writes, diagnostics, file records, device
//! identification, exceptions), each direction parsed as it was sent.
//! Reported per message (criterion's "elements").

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use otwatch::capture::FileSource;
use otwatch::decode::{decode, Transport};
use otwatch_parsers::modbus::{frame, parse_adu, Frame, Parsed};
use std::path::PathBuf;

/// (ADU bytes, sent by the client) for every whole ADU in the samples.
fn modbus_messages() -> Vec<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    for name in [
        "modbus_example.pcap",
        "modbusBig.pcap",
        "modbus-eit.pcap",
        "modbusSmall.pcap",
    ] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("pcaps")
            .join(name);
        let mut src = FileSource::open(&path).expect("sample capture");
        while let Some(p) = src.next_packet().expect("read") {
            let Ok(d) = decode(p.link, p.data) else {
                continue;
            };
            let Transport::Tcp { sport, dport, .. } = d.transport else {
                continue;
            };
            if sport != 502 && dport != 502 {
                continue;
            }
            let mut payload = d.payload(p.data);
            while let Frame::Complete(raw) = frame(payload) {
                out.push((payload[..raw.consumed].to_vec(), dport == 502));
                payload = &payload[raw.consumed..];
            }
        }
    }
    out
}

fn benches(c: &mut Criterion) {
    let msgs = modbus_messages();
    assert!(msgs.len() > 5_000, "{} messages", msgs.len());
    let mut g = c.benchmark_group("modbus");
    g.throughput(Throughput::Elements(msgs.len() as u64));
    g.bench_function("parse_adu", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for (bytes, is_request) in &msgs {
                if let Parsed::Complete(adu) = parse_adu(bytes, *is_request) {
                    ok += usize::from(adu.pdu.is_ok());
                }
            }
            ok
        })
    });
    g.finish();
}

criterion_group!(parsers, benches);
criterion_main!(parsers);
