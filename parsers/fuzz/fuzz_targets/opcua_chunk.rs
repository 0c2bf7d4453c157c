//! Fuzzes the OPC UA entry points: chunk framing, chunk typing, the
//! sequence header, the service headers and bodies (with user identity
//! tokens), and the built-in type decoder on the body (Variants,
//! DataValues, DiagnosticInfos). Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch_parsers::opcua::services::{
    ActivateSessionRequest, ActivateSessionResponse, BrowseNextRequest, BrowseRequest,
    BrowseResponse, CallRequest, CallResponse, CloseSessionRequest, CreateMonitoredItemsRequest,
    CreateMonitoredItemsResponse, CreateSessionRequest, CreateSessionResponse,
    CreateSubscriptionRequest, CreateSubscriptionResponse, DataChangeNotification,
    FindServersRequest, FindServersResponse, GetEndpointsRequest, GetEndpointsResponse,
    OpenSecureChannelRequest, OpenSecureChannelResponse, PublishRequest, PublishResponse,
    ReadRequest, ReadResponse, TranslateBrowsePathsRequest, TranslateBrowsePathsResponse,
    UserIdentityToken, WriteRequest, WriteResponse,
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
    let _ = GetEndpointsRequest::decode(&mut d.clone());
    let _ = GetEndpointsResponse::decode(&mut d.clone());
    let _ = FindServersRequest::decode(&mut d.clone());
    let _ = FindServersResponse::decode(&mut d.clone());
    let _ = CreateSessionRequest::decode(&mut d.clone());
    let _ = CreateSessionResponse::decode(&mut d.clone());
    let _ = BrowseRequest::decode(&mut d.clone());
    let _ = BrowseNextRequest::decode(&mut d.clone());
    let _ = BrowseResponse::decode(&mut d.clone());
    let _ = TranslateBrowsePathsRequest::decode(&mut d.clone());
    let _ = TranslateBrowsePathsResponse::decode(&mut d.clone());
    let _ = ReadRequest::decode(&mut d.clone());
    let _ = ReadResponse::decode(&mut d.clone());
    let _ = WriteRequest::decode(&mut d.clone());
    let _ = WriteResponse::decode(&mut d.clone());
    let _ = CallRequest::decode(&mut d.clone());
    let _ = CallResponse::decode(&mut d.clone());
    let _ = CreateMonitoredItemsRequest::decode(&mut d.clone());
    let _ = CreateMonitoredItemsResponse::decode(&mut d.clone());
    let _ = PublishRequest::decode(&mut d.clone());
    if let Ok(p) = PublishResponse::decode(&mut d.clone()) {
        for x in &p.notification_message.notification_data {
            let _ = DataChangeNotification::decode(x);
        }
    }
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
