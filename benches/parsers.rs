//! Parser speed on realistic mixes, reported per message (criterion's
//! "elements"):
//! - `modbus/parse_adu`: every Modbus/TCP ADU of the bundled captures
//!   (polling reads and writes, diagnostics, file records, device
//!   identification, exceptions), each direction parsed as it was sent;
//! - `enip/read`: every EtherNet/IP message of the bundled captures —
//!   explicit messaging (encapsulation, CPF, CIP with Multiple Service
//!   Packets) and cyclic implicit I/O datagrams — read through the
//!   grammar's view as the analyzer reads it: header, items, each CIP
//!   message's path, status, embedded services and carried request;
//! - `opcua/parse_chunk`: every OPC UA chunk of the OPC UA samples
//!   (unsecured channels: HEL/ACK, OPN, GetEndpoints, CreateSession, Read,
//!   Browse, CreateMonitoredItems, Publish, CLO) framed, typed, and decoded
//!   through the sequence header, the type NodeId, the
//!   Request/ResponseHeader and the service body.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use otwatch::capture::FileSource;
use otwatch::decode::{decode, Transport};
use otwatch_parsers::enip;
use otwatch_parsers::modbus::{frame, parse_adu, Frame, Parsed};
use otwatch_parsers::opcua;
use std::path::PathBuf;

/// Calls `f` with the transport and non-empty payload of every packet of
/// the named samples in `pcaps/`.
fn for_each_payload(names: &[&str], mut f: impl FnMut(Transport, &[u8])) {
    for name in names {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("pcaps")
            .join(name);
        let mut src = FileSource::open(&path).expect("sample capture");
        while let Some(p) = src.next_packet().expect("read") {
            let Ok(d) = decode(p.link, p.data) else {
                continue;
            };
            let payload = d.payload(p.data);
            if !payload.is_empty() {
                f(d.transport, payload);
            }
        }
    }
}

/// (message bytes, sent by the client) for every message that arrived
/// whole in one TCP segment to or from `port`, as `frame` cuts them.
fn tcp_messages(
    names: &[&str],
    port: u16,
    frame: impl Fn(&[u8]) -> Option<usize>,
) -> Vec<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    for_each_payload(names, |t, mut payload| {
        let Transport::Tcp { sport, dport, .. } = t else {
            return;
        };
        if sport != port && dport != port {
            return;
        }
        while let Some(n) = frame(payload).filter(|&n| n > 0) {
            let (msg, rest) = payload.split_at(n.min(payload.len()));
            out.push((msg.to_vec(), dport == port));
            payload = rest;
        }
    });
    out
}

/// (ADU bytes, sent by the client) for every whole ADU in the samples.
fn modbus_messages() -> Vec<(Vec<u8>, bool)> {
    let names = [
        "modbus_example.pcap",
        "modbusBig.pcap",
        "modbus-eit.pcap",
        "modbusSmall.pcap",
    ];
    tcp_messages(&names, 502, |b| match frame(b) {
        Frame::Complete(raw) => Some(raw.consumed),
        _ => None,
    })
}

/// (payload, sent by the target) of every EtherNet/IP packet in the
/// samples: encapsulation on TCP and UDP 44818, implicit I/O on UDP 2222.
fn enip_messages() -> Vec<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    let names = [
        "enip_cip_example.pcap",
        "multiple_service_packet_cip.pcapng",
    ];
    for_each_payload(&names, |t, payload| match t {
        Transport::Tcp { sport, dport, .. } | Transport::Udp { sport, dport, .. }
            if sport == 44818 || dport == 44818 || sport == 2222 || dport == 2222 =>
        {
            out.push((payload.to_vec(), sport == 44818));
        }
        _ => {}
    });
    out
}

/// Reads one delivery through the EtherNet/IP view as the analyzer does;
/// true when the reading fits.
fn read_enip(bytes: &[u8], from_target: bool) -> bool {
    if enip::is_io(bytes) {
        return enip::Datagram::new(bytes).map(std::hint::black_box).is_ok();
    }
    let Ok(m) = enip::Message::new(bytes) else {
        return false;
    };
    let items = match m.body(from_target) {
        enip::Body::List(items) => items,
        enip::Body::SendData(Ok(s)) => s.items,
        enip::Body::SendData(Err(_)) | enip::Body::RegisterSession(Err(_)) => return false,
        _ => return true,
    };
    for item in items {
        let message = match item {
            Ok(enip::Item::ConnectedData { message, .. })
            | Ok(enip::Item::UnconnectedData(message))
            | Ok(enip::Item::UnconnectedDtls { message, .. }) => message,
            Ok(enip::Item::ListIdentity(li)) => {
                std::hint::black_box(li.identity.product_name);
                continue;
            }
            Ok(_) => continue,
            Err(_) => return false,
        };
        std::hint::black_box((message.path(), message.status(), message.routed()));
        if let Some(multi) = message.multiple() {
            multi.embedded().for_each(|e| {
                std::hint::black_box(e);
            });
        }
    }
    true
}

/// (chunk bytes, sent by the client) for every chunk that arrived whole
/// in one packet of the OPC UA samples.
fn opcua_chunks() -> Vec<(Vec<u8>, bool)> {
    let names = [
        "open62541_client-server_mainloop.pcap",
        "open62541_read_service_test_data.pcap",
        "open62541_create_monitored_items.pcap",
    ];
    tcp_messages(&names, 4840, |b| match opcua::frame(b) {
        opcua::Frame::Complete(raw) => Some(raw.consumed),
        _ => None,
    })
}

/// Frames, types and decodes one chunk: headers, and the service body
/// when it is one the parser knows.
fn parse_opcua(bytes: &[u8], from_client: bool) -> bool {
    let opcua::Frame::Complete(raw) = opcua::frame(bytes) else {
        return false;
    };
    let Ok(chunk) = opcua::parse_chunk(&raw) else {
        return false;
    };
    let opcua::Chunk::Secure(s) = chunk else {
        return true;
    };
    let Ok((_, body)) = opcua::SequenceHeader::split(s.payload) else {
        return false;
    };
    let mut d = opcua::Decoder::new(body);
    let Ok(service) = d.node_id() else {
        return false;
    };
    let header = if from_client {
        opcua::RequestHeader::decode(&mut d).is_ok()
    } else {
        opcua::ResponseHeader::decode(&mut d).is_ok()
    };
    let id = service.ns0_numeric().unwrap_or(0);
    header && !matches!(opcua::services::Body::decode(id, &mut d), Some(Err(_)))
}

fn benches(c: &mut Criterion) {
    let oc = opcua_chunks();
    assert!(oc.len() > 250, "{} chunks", oc.len());
    let whole = oc.iter().filter(|(b, c)| parse_opcua(b, *c)).count();
    assert_eq!(whole, oc.len(), "every sample chunk decodes");
    let mut g = c.benchmark_group("opcua");
    g.throughput(Throughput::Elements(oc.len() as u64));
    g.bench_function("parse_chunk", |b| {
        b.iter(|| {
            oc.iter()
                .filter(|(bytes, from_client)| parse_opcua(bytes, *from_client))
                .count()
        })
    });
    g.finish();

    let em = enip_messages();
    assert!(em.len() > 600, "{} messages", em.len());
    let mut g = c.benchmark_group("enip");
    g.throughput(Throughput::Elements(em.len() as u64));
    let whole = em.iter().filter(|(b, t)| read_enip(b, *t)).count();
    assert_eq!(whole, em.len(), "every sample message reads whole");
    g.bench_function("read", |b| {
        b.iter(|| {
            em.iter()
                .filter(|(bytes, from_target)| read_enip(bytes, *from_target))
                .count()
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
