//! The OPC UA chunk parser and built-in type decoder on every chunk of the
//! OPC UA samples in `pcaps/`: each TCP direction is framed into chunks,
//! every chunk is typed, and every chunk of an unsecured channel decodes
//! through its sequence header, type NodeId and Request/ResponseHeader.
//! The encrypted sample must show its security policy and nothing else.

use otwatch::capture::FileSource;
use otwatch::decode::{decode, Addr, Transport};
use otwatch_parsers::opcua::{
    frame, parse_chunk, Chunk, Decoder, Frame, MessageType, RequestHeader, ResponseHeader,
    SecurityHeader, SequenceHeader,
};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Default, Debug)]
struct Counts {
    chunks: HashMap<&'static str, usize>,
    /// Clear OPN/MSG/CLO bodies decoded through their service header.
    headers_decoded: usize,
    /// Secure chunks left alone because their channel is secured.
    secured: usize,
    policies: Vec<String>,
}

/// Frames and checks every chunk of the OPC UA connections (port 4840) of
/// one sample capture.
fn walk(name: &str) -> Counts {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("pcaps")
        .join(name);
    let mut src = FileSource::open(&path).expect("sample capture");
    // Per direction: bytes not framed yet; per connection: whether the
    // channel's OPN announced policy None.
    let mut pending: HashMap<(Addr, u16, Addr, u16), Vec<u8>> = HashMap::new();
    let mut clear: HashMap<(Addr, u16, Addr, u16), bool> = HashMap::new();
    let mut counts = Counts::default();
    while let Some(p) = src.next_packet().expect("read") {
        let Ok(d) = decode(p.link, p.data) else {
            continue;
        };
        let Transport::Tcp { sport, dport, .. } = d.transport else {
            continue;
        };
        if sport != 4840 && dport != 4840 {
            continue;
        }
        let to_server = dport == 4840;
        let dir = (d.src, sport, d.dst, dport);
        let conn = if to_server {
            dir
        } else {
            (d.dst, dport, d.src, sport)
        };
        let buf = pending.entry(dir).or_default();
        buf.extend_from_slice(d.payload(p.data));
        let mut used = 0;
        while let Frame::Complete(raw) = frame(&buf[used..]) {
            used += raw.consumed;
            let chunk = parse_chunk(&raw).unwrap_or_else(|e| panic!("{name} packet: {e}"));
            *counts
                .chunks
                .entry(raw.header.message_type.as_str())
                .or_default() += 1;
            let Chunk::Secure(s) = chunk else { continue };
            if let SecurityHeader::Asymmetric(a) = s.security {
                counts
                    .policies
                    .push(a.security_policy_uri.text().into_owned());
                clear.insert(conn, a.is_policy_none());
            }
            if !clear.get(&conn).copied().unwrap_or(false) {
                counts.secured += 1;
                continue;
            }
            let (_, body) = SequenceHeader::split(s.payload).expect("sequence header");
            let mut dec = Decoder::new(body);
            let type_id = dec.node_id().expect("type NodeId");
            assert!(type_id.ns0_numeric().is_some(), "{name}: {type_id}");
            if raw.header.message_type == MessageType::Message && raw.header.chunk.as_char() != 'F'
            {
                continue; // an intermediate chunk's body continues elsewhere
            }
            if to_server {
                RequestHeader::decode(&mut dec)
                    .unwrap_or_else(|e| panic!("{name}: {type_id} request header: {e}"));
            } else {
                ResponseHeader::decode(&mut dec)
                    .unwrap_or_else(|e| panic!("{name}: {type_id} response header: {e}"));
            }
            counts.headers_decoded += 1;
        }
        buf.drain(..used);
    }
    for (dir, rest) in &pending {
        assert!(rest.is_empty(), "{name}: {dir:?} ends mid-chunk");
    }
    counts
}

#[test]
fn every_chunk_of_the_clear_samples_decodes() {
    for name in [
        "open62541_client-server_mainloop.pcap",
        "open62541_read_service_test_data.pcap",
        "open62541_create_monitored_items.pcap",
    ] {
        let c = walk(name);
        assert!(
            c.chunks["HEL"] >= 1 && c.chunks["ACK"] >= 1,
            "{name}: {c:?}"
        );
        assert!(
            c.chunks["OPN"] >= 2 && c.chunks["MSG"] >= 4,
            "{name}: {c:?}"
        );
        let secure: usize = ["OPN", "MSG", "CLO"]
            .iter()
            .map(|t| c.chunks.get(t).copied().unwrap_or(0))
            .sum();
        assert_eq!(c.headers_decoded, secure, "{name}: {c:?}");
        assert_eq!(c.secured, 0, "{name}");
        assert!(c
            .policies
            .iter()
            .all(|p| p == otwatch_parsers::opcua::POLICY_NONE));
    }
}

#[test]
fn the_encrypted_sample_decodes_only_its_clear_discovery_channel() {
    // The client first asks for the endpoints on an unsecured channel
    // (OPN, GetEndpoints, CLO: 5 chunks in clear), then opens a
    // Basic128Rsa15 channel: its 2 OPN, 8 MSG and 1 CLO chunks stay opaque.
    let c = walk("open62541_client-server_encrypted.pcap");
    let policy = |p: &str| format!("http://opcfoundation.org/UA/SecurityPolicy#{p}");
    assert_eq!(
        c.policies,
        [
            policy("None"),
            policy("None"),
            policy("Basic128Rsa15"),
            policy("Basic128Rsa15")
        ]
    );
    assert_eq!(c.headers_decoded, 5, "{c:?}");
    assert_eq!(c.secured, 11, "{c:?}");
    assert_eq!(c.chunks["MSG"], 10, "{c:?}");
}
