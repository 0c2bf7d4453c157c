//! Service bodies decoded from real messages (the open62541 mainloop trace
//! of cisagov/icsnpp-opcua-binary, `tests/traces/`, TCP payloads as
//! printed by tshark), hand-built bodies for what the traces lack, and a
//! property test that no byte string panics any decoder.

use super::*;
use crate::opcua::{
    frame, parse_chunk, Chunk, Decoder, Frame, Identifier, RequestHeader, ResponseHeader, Scalar,
    SequenceHeader, Variant,
};
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("test vector is hex"))
        .collect()
}

/// A decoder on the body of the one MSG chunk in `bytes`, after its
/// service id (checked to be `service`) and header.
fn body(bytes: &[u8], service: u32) -> Decoder<'_> {
    let Frame::Complete(raw) = frame(bytes) else {
        panic!("a whole chunk")
    };
    let Ok(Chunk::Secure(s)) = parse_chunk(&raw) else {
        panic!("a secure-conversation chunk")
    };
    let (_, body) = SequenceHeader::split(s.payload).unwrap();
    let mut d = Decoder::new(body);
    assert_eq!(d.node_id().unwrap().ns0_numeric(), Some(service));
    let kind = crate::opcua::service_kind(service).unwrap();
    if kind == crate::opcua::ServiceKind::Request {
        RequestHeader::decode(&mut d).unwrap();
    } else {
        ResponseHeader::decode(&mut d).unwrap();
    }
    d
}

/// Decodes the whole body of frame `hex` as `T`.
macro_rules! decoded {
    ($bytes:ident = $frame:ident, $id:expr, $t:ty) => {{
        $bytes = hex($frame);
        let mut d = body(&$bytes, $id);
        let r = <$t>::decode(&mut d).unwrap();
        assert!(d.is_empty(), "the whole body is read");
        r
    }};
}

include!("test_frames.rs");

#[test]
fn get_endpoints_response_lists_endpoints_and_token_policies() {
    let b1;
    let r = decoded!(b1 = F21, ids::GET_ENDPOINTS_RESPONSE, GetEndpointsResponse);
    assert_eq!(r.endpoints.len(), 1);
    let e = &r.endpoints[0];
    assert_eq!(e.endpoint_url.text(), "opc.tcp://localhost:4840");
    assert_eq!(
        e.server.application_uri.text(),
        "urn:open62541.server.application"
    );
    assert_eq!(e.server.application_name_mask, 3);
    assert_eq!(e.security_mode, 1);
    assert!(e.security_policy_uri.text().ends_with("#None"));
    let policies: Vec<_> = e
        .user_identity_tokens
        .iter()
        .map(|p| (p.policy_id.text().into_owned(), p.token_type))
        .collect();
    assert_eq!(
        policies,
        [
            ("open62541-anonymous-policy".into(), 0),
            ("open62541-username-policy".into(), 1)
        ]
    );
}

#[test]
fn create_session_response_carries_session_and_token_ids() {
    let b2;
    let r = decoded!(
        b2 = F47,
        ids::CREATE_SESSION_RESPONSE,
        CreateSessionResponse
    );
    assert_eq!(r.session_id.encoding, 0x04);
    assert_eq!(r.authentication_token.encoding, 0x04);
    assert!(matches!(
        r.authentication_token.node_id.identifier,
        Identifier::Guid(_)
    ));
    assert_eq!(r.revised_session_timeout, 1_200_000.0);
    assert_eq!(r.server_nonce.len(), 32);
    assert_eq!(r.server_endpoints.len(), 1);
    assert_eq!(r.max_request_message_size, 0);
}

#[test]
fn browse_request_and_response() {
    let b3;
    let q = decoded!(b3 = F53, ids::BROWSE_REQUEST, BrowseRequest);
    assert_eq!(q.view_id.encoding, 0x00);
    assert_eq!(q.nodes_to_browse.len(), 1);
    assert_eq!(q.nodes_to_browse[0].node_id.node_id.ns0_numeric(), Some(85));
    assert_eq!(q.nodes_to_browse[0].result_mask, 0x3f);
    let b4;
    let r = decoded!(b4 = F55, ids::BROWSE_RESPONSE, BrowseResponse);
    assert_eq!(r.results.len(), 1);
    let refs = &r.results[0].references;
    assert_eq!(refs.len(), 4);
    assert_eq!(refs[0].browse_name.name.text(), "FolderType");
    assert_eq!(refs[0].display_name_mask, 0x03);
    assert_eq!(refs[1].node_id.encoding, 0x01);
    assert_eq!(refs[1].node_id.node_id.ns0_numeric(), Some(2253));
}

#[test]
fn create_monitored_items_request_and_response() {
    let b5;
    let q = decoded!(
        b5 = F65,
        ids::CREATE_MONITORED_ITEMS_REQUEST,
        CreateMonitoredItemsRequest
    );
    assert_eq!((q.subscription_id, q.timestamps_to_return), (1, 2));
    let item = &q.items_to_create[0];
    assert_eq!(item.item_to_monitor.attribute_id, 13);
    assert_eq!(item.monitoring_mode, 2);
    assert_eq!(item.requested_parameters.sampling_interval, 250.0);
    let b6;
    let r = decoded!(
        b6 = F67,
        ids::CREATE_MONITORED_ITEMS_RESPONSE,
        CreateMonitoredItemsResponse
    );
    assert_eq!(r.results[0].status_code, 0x8034_0000);
}

#[test]
fn read_and_write() {
    let b7;
    let q = decoded!(b7 = F89, ids::READ_REQUEST, ReadRequest);
    let n = &q.nodes_to_read[0];
    assert_eq!(n.node_id.encoding, 0x03);
    assert!(
        matches!(n.node_id.node_id.identifier, Identifier::String(s) if s.text() == "the.answer")
    );
    assert_eq!(n.attribute_id, 13);
    let b8;
    let r = decoded!(b8 = F91, ids::READ_RESPONSE, ReadResponse);
    assert_eq!(r.results[0].0, 0x02);
    assert_eq!(r.results[0].1.status, Some(0x8034_0000));
    let b9;
    let w = decoded!(b9 = F93, ids::WRITE_REQUEST, WriteRequest);
    let v = &w.nodes_to_write[0];
    assert_eq!(v.value_mask, 0x01);
    assert_eq!(v.value.value, Some(Variant::Scalar(Scalar::Int32(1))));
}

#[test]
fn call_request_and_response() {
    let b10;
    let q = decoded!(b10 = F125, ids::CALL_REQUEST, CallRequest);
    let m = &q.methods_to_call[0];
    assert_eq!(m.object_id.node_id.ns0_numeric(), Some(85));
    assert_eq!(m.method_id.node_id.to_string(), "ns=1;i=62541");
    assert_eq!(m.input_arguments.len(), 1);
    let b11;
    let r = decoded!(b11 = F127, ids::CALL_RESPONSE, CallResponse);
    assert_eq!(r.results[0].status_code, 0x8034_0000);
}

#[test]
fn publish_response_with_a_data_change() {
    // SubscriptionId 7, available [3], more F, message 3 at time 1, one
    // DataChangeNotification (i=811): client handle 1, Double 21.5 with
    // status Good; no results, no diagnostics.
    let body = hex(concat!(
        "07000000",
        "0100000003000000",
        "00",
        "03000000",
        "0100000000000000",
        "01000000",
        "01002b03",
        "01",
        "1a000000",
        "01000000",
        "01000000",
        "03",
        "0b",
        "0000000000803540",
        "00000000",
        "ffffffff",
        "ffffffff",
        "ffffffff",
    ));
    let mut d = Decoder::new(&body);
    let r = PublishResponse::decode(&mut d).unwrap();
    assert!(d.is_empty());
    assert_eq!(r.subscription_id, 7);
    assert_eq!(r.available_sequence_numbers, [3]);
    let x = &r.notification_message.notification_data[0];
    let c = DataChangeNotification::decode(x).unwrap().unwrap();
    assert_eq!(c.monitored_items[0].client_handle, 1);
    assert_eq!(
        c.monitored_items[0].value.value,
        Some(Variant::Scalar(Scalar::Double(21.5)))
    );
    assert_eq!(c.monitored_items[0].value.status, Some(0));
}

#[test]
fn truncated_bodies_are_errors() {
    let bytes = hex(F53);
    for cut in 0..bytes.len() {
        let mut d = Decoder::new(&bytes[..cut]);
        let _ = BrowseRequest::decode(&mut d);
    }
    let mut d = Decoder::new(&[0x01, 0x00]);
    assert!(ReadRequest::decode(&mut d).is_err());
}

proptest! {
    #[test]
    fn arbitrary_bodies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        macro_rules! all {
            ($($t:ty),*) => { $( let _ = <$t>::decode(&mut Decoder::new(&bytes)); )* };
        }
        all!(
            GetEndpointsRequest, GetEndpointsResponse, FindServersRequest, FindServersResponse,
            CreateSessionRequest, CreateSessionResponse, BrowseRequest, BrowseResponse,
            BrowseNextRequest, TranslateBrowsePathsRequest, TranslateBrowsePathsResponse,
            ReadRequest, ReadResponse, WriteRequest, WriteResponse, CallRequest, CallResponse,
            CreateMonitoredItemsRequest, CreateMonitoredItemsResponse, PublishRequest,
            PublishResponse
        );
        if let Ok(x) = Decoder::new(&bytes).extension_object() {
            let _ = DataChangeNotification::decode(&x);
        }
    }
}
