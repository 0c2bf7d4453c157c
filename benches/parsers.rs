//! Parser speed on realistic mixes, reported per message (criterion's
//! "elements"):
//! - `modbus/parse_adu`: every Modbus/TCP ADU of the bundled captures
//!   (polling reads and writes, diagnostics, file records, device
//!   identification, exceptions), each direction parsed as it was sent;
//! - `enip/parse`: every EtherNet/IP message of the bundled captures —
//!   explicit messaging (encapsulation, CPF, CIP with Multiple Service
//!   Packets) and cyclic implicit I/O datagrams.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use otwatch::capture::FileSource;
use otwatch::decode::{decode, Transport};
use otwatch_parsers::enip;
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

/// (payload, is implicit I/O) of every EtherNet/IP packet in the samples.
fn enip_messages() -> Vec<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    for name in [
        "enip_cip_example.pcap",
        "multiple_service_packet_cip.pcapng",
    ] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("pcaps")
            .join(name);
        let mut src = FileSource::open(&path).expect("sample capture");
        while let Some(p) = src.next_packet().expect("read") {
            let Ok(d) = decode(p.link, p.data) else {
                continue;
            };
            let payload = d.payload(p.data);
            if payload.is_empty() {
                continue;
            }
            match d.transport {
                Transport::Tcp { sport, dport, .. } if sport == 44818 || dport == 44818 => {
                    out.push((payload.to_vec(), false));
                }
                Transport::Udp { sport, dport, .. } if sport == 2222 || dport == 2222 => {
                    out.push((payload.to_vec(), true));
                }
                Transport::Udp { sport, dport, .. } if sport == 44818 || dport == 44818 => {
                    out.push((payload.to_vec(), false));
                }
                _ => {}
            }
        }
    }
    out
}

fn benches(c: &mut Criterion) {
    let em = enip_messages();
    assert!(em.len() > 600, "{} messages", em.len());
    let mut g = c.benchmark_group("enip");
    g.throughput(Throughput::Elements(em.len() as u64));
    g.bench_function("parse", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for (bytes, io) in &em {
                if *io {
                    ok += usize::from(enip::parse_io(bytes).is_ok());
                } else if let enip::Parsed::Complete(p) = enip::parse_encapsulation(bytes) {
                    ok += usize::from(matches!(p.cip(), Some(Ok(_))));
                }
            }
            ok
        })
    });
    g.finish();

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
