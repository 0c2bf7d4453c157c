//! Fuzzes the OPC UA entry points: chunk framing, chunk typing, the
//! sequence header, the service headers, every service body the parser
//! knows (by the service NodeId the body names, as the analyzer does, with
//! user identity tokens and data-change notifications inside), and the
//! built-in type decoder on the body (Variants, DataValues,
//! DiagnosticInfos). Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch_parsers::opcua::services::{Body, DataChangeNotification, UserIdentityToken};
use otwatch_parsers::opcua::{
    frame, parse_chunk, probe, Chunk, Decoder, Frame, RequestHeader, ResponseHeader, SequenceHeader,
};

/// The body of service `id`, and what it carries inside.
fn body(id: u32, d: &Decoder<'_>) {
    match Body::decode(id, &mut d.clone()) {
        Some(Ok(Body::ActivateSessionRequest(a))) => {
            let _ = UserIdentityToken::decode(&a.user_identity_token);
        }
        Some(Ok(Body::PublishResponse(p))) => {
            for x in &p.notification_message.notification_data {
                let _ = DataChangeNotification::decode(x);
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = probe(data);
    let mut rest = data;
    while let Frame::Complete(raw) = frame(rest) {
        if let Ok(Chunk::Secure(s)) = parse_chunk(&raw) {
            if let Ok((_, b)) = SequenceHeader::split(s.payload) {
                let mut d = Decoder::new(b);
                if let Ok(service) = d.node_id() {
                    let id = service.ns0_numeric().unwrap_or(0);
                    let mut req = d.clone();
                    if RequestHeader::decode(&mut req).is_ok() {
                        body(id, &req);
                        let _ = req.variant();
                    }
                    let mut res = d.clone();
                    if ResponseHeader::decode(&mut res).is_ok() {
                        body(id, &res);
                        let _ = res.data_value();
                    }
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
