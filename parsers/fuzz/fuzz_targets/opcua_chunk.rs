//! Fuzzes the OPC UA entry points: chunk framing, chunk typing, the
//! sequence header, the service headers and bodies (with user identity
//! tokens), and the built-in type decoder on the body (Variants,
//! DataValues, DiagnosticInfos). Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch_parsers::opcua::services::{
    ActivateSessionRequest, ActivateSessionResponse, CloseSessionRequest,
    CreateSubscriptionRequest, CreateSubscriptionResponse, OpenSecureChannelRequest,
    OpenSecureChannelResponse, UserIdentityToken,
};
use otwatch_parsers::opcua::{
    frame, parse_chunk, probe, Chunk, Decoder, Frame, RequestHeader, ResponseHeader, SequenceHeader,
};

/// Every service body decoder on the same bytes.
fn bodies(d: &Decoder<'_>) {
    let _ = OpenSecureChannelRequest::decode(&mut d.clone());
    let _ = OpenSecureChannelResponse::decode(&mut d.clone());
    if let Ok(a) = ActivateSessionRequest::decode(&mut d.clone()) {
        let _ = UserIdentityToken::decode(&a.user_identity_token);
    }
    let _ = ActivateSessionResponse::decode(&mut d.clone());
    let _ = CloseSessionRequest::decode(&mut d.clone());
    let _ = CreateSubscriptionRequest::decode(&mut d.clone());
    let _ = CreateSubscriptionResponse::decode(&mut d.clone());
}

fuzz_target!(|data: &[u8]| {
    let _ = probe(data);
    let mut rest = data;
    while let Frame::Complete(raw) = frame(rest) {
        if let Ok(Chunk::Secure(s)) = parse_chunk(&raw) {
            if let Ok((_, body)) = SequenceHeader::split(s.payload) {
                let mut d = Decoder::new(body);
                if d.node_id().is_ok() {
                    let mut req = d.clone();
                    if RequestHeader::decode(&mut req).is_ok() {
                        bodies(&req);
                        let _ = req.variant();
                    }
                    let mut res = d.clone();
                    if ResponseHeader::decode(&mut res).is_ok() {
                        bodies(&res);
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
