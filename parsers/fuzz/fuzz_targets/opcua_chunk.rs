//! Fuzzes the OPC UA entry points: chunk framing, chunk typing, the
//! sequence header, and the built-in type decoder on the body (service
//! headers, Variants, DataValues, DiagnosticInfos). Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch_parsers::opcua::{
    frame, parse_chunk, probe, Chunk, Decoder, Frame, RequestHeader, ResponseHeader, SequenceHeader,
};

fuzz_target!(|data: &[u8]| {
    let _ = probe(data);
    let mut rest = data;
    while let Frame::Complete(raw) = frame(rest) {
        if let Ok(Chunk::Secure(s)) = parse_chunk(&raw) {
            if let Ok((_, body)) = SequenceHeader::split(s.payload) {
                let mut d = Decoder::new(body);
                if d.node_id().is_ok() {
                    let mut req = d.clone();
                    let _ = RequestHeader::decode(&mut req).map(|_| req.variant());
                    let _ = ResponseHeader::decode(&mut d).map(|_| d.data_value());
                }
            }
        }
        if raw.consumed == 0 || raw.consumed > rest.len() {
            break;
        }
        rest = &rest[raw.consumed..];
    }
    let _ = Decoder::new(data).variant();
    let _ = Decoder::new(data).diagnostic_info();
});
