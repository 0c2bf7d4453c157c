//! The analyzer's state machine on hand-made chunks: pairing, chunks of
//! one message, caps, resynchronisation, and what its events carry.

use super::*;
use crate::analyzers::testkit::Harness;

/// A CloseSessionRequest-shaped MSG chunk in clear with `request_id`
/// (the body is only a service NodeId, so the header does not decode).
fn msg(request_id: u32, service: u16) -> Vec<u8> {
    let mut b = b"MSGF".to_vec();
    b.extend_from_slice(&28u32.to_le_bytes());
    b.extend_from_slice(&4u32.to_le_bytes()); // channel
    b.extend_from_slice(&1u32.to_le_bytes()); // token
    b.extend_from_slice(&request_id.to_le_bytes()); // sequence number
    b.extend_from_slice(&request_id.to_le_bytes());
    b.extend_from_slice(&[0x01, 0x00]);
    b.extend_from_slice(&service.to_le_bytes());
    b
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A MSG chunk of kind `kind` (`b'F'`, `b'C'`, `b'A'`) carrying `body`.
fn chunk(kind: u8, request_id: u32, body: &[u8]) -> Vec<u8> {
    let mut b = b"MSG".to_vec();
    b.push(kind);
    b.extend_from_slice(&(24 + body.len() as u32).to_le_bytes());
    b.extend_from_slice(&4u32.to_le_bytes());
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&request_id.to_le_bytes());
    b.extend_from_slice(&request_id.to_le_bytes());
    b.extend_from_slice(body);
    b
}

/// A ReadRequest body (service id, header, fields) reading the Value
/// of ns=1;s=the.answer.
fn read_request() -> Vec<u8> {
    hex(
        "01007702 0000 0000000000000000 05000000 00000000 ffffffff 10270000 000000
         0000000000000000 00000000 01000000
         03 0100 0a000000 7468652e616e73776572 0d000000 ffffffff 0000 ffffffff",
    )
}

/// A PublishResponse body with one DataChangeNotification: client
/// handle 1, Double 21.5, status Good.
fn publish_response() -> Vec<u8> {
    hex(
        "01003d03 0000000000000000 05000000 00000000 00 ffffffff 000000
         07000000 0100000003000000 00 03000000 0100000000000000
         01000000 01002b03 01 1a000000 01000000 01000000 03 0b 0000000000803540
         00000000 ffffffff ffffffff ffffffff",
    )
}

#[test]
fn bodies_split_over_chunks_are_reassembled() {
    let mut h = Harness::new();
    let mut a = OpcUa::new();
    let body = read_request();
    let (one, two) = body.split_at(20);
    h.feed(
        &mut a,
        Dir::Orig,
        &[chunk(b'C', 9, one), chunk(b'F', 9, two)].concat(),
    );
    h.eof(&mut a);
    let nodes = h.rows("opcua_binary_read_nodes_to_read");
    assert_eq!(nodes.len(), 1, "{nodes:?}");
    assert!(nodes[0].contains(&"the.answer".to_string()));
    assert!(h.rows("opcua_binary")[0].contains(&"ReadRequest".to_string()));
    // An aborted message gives its summary row, named from its first
    // chunk, and no service rows.
    let mut h = Harness::new();
    let mut a = OpcUa::new();
    h.feed(
        &mut a,
        Dir::Orig,
        &[chunk(b'C', 9, one), chunk(b'A', 9, &[0; 8])].concat(),
    );
    h.eof(&mut a);
    assert!(h.rows("opcua_binary_read_nodes_to_read").is_empty());
    let rows = h.rows("opcua_binary");
    assert!(rows[0].contains(&"A".to_string()) && rows[0].contains(&"ReadRequest".to_string()));
}

#[test]
fn message_bodies_are_capped() {
    let mut h = Harness::new();
    let mut a = OpcUa::new();
    // The server's ACK limits the client's messages to 100 bytes.
    let mut ack = b"ACKF".to_vec();
    ack.extend_from_slice(&28u32.to_le_bytes());
    for v in [0u32, 65535, 65535, 100, 0] {
        ack.extend_from_slice(&v.to_le_bytes());
    }
    h.feed(&mut a, Dir::Resp, &ack);
    let body = read_request();
    let mut chunks = vec![chunk(b'C', 9, &body)];
    chunks.extend((0..3).map(|_| chunk(b'C', 9, &[0; 40])));
    chunks.push(chunk(b'F', 9, &[]));
    h.feed(&mut a, Dir::Orig, &chunks.concat());
    h.eof(&mut a);
    assert_eq!(h.weird_names(), ["opcua_binary_message_too_large"]);
    assert!(h.rows("opcua_binary_read_nodes_to_read").is_empty());
    assert_eq!(h.rows("opcua_binary").len(), 2, "ACK, and the request");
}

#[test]
fn publish_responses_log_the_values_they_carry() {
    let mut h = Harness::new();
    let mut a = OpcUa::new();
    h.feed(&mut a, Dir::Resp, &chunk(b'F', 3, &publish_response()));
    h.eof(&mut a);
    let publish = h.rows("opcua_binary_publish");
    assert_eq!(publish.len(), 1);
    assert!(publish[0].contains(&"DataChangeNotification".to_string()));
    let values = h.rows("opcua_binary_publish_data_change");
    assert_eq!(values.len(), 1);
    let v = &values[0];
    assert!(
        v.contains(&"Double".to_string()) && v.contains(&"21.5".to_string()),
        "{v:?}"
    );
    assert!(v.contains(&"Good".to_string()));
    let status = h.rows("opcua_binary_status_code_detail");
    assert_eq!(status.len(), 1, "the ResponseHeader's result");
}

#[test]
fn the_service_not_the_direction_says_request_or_response() {
    // A capture that starts mid-connection can make the server the
    // originator: its Read response still pairs as a response.
    let mut h = Harness::new();
    let mut a = OpcUa::new();
    h.feed(&mut a, Dir::Resp, &msg(4, 631));
    h.feed(&mut a, Dir::Orig, &msg(4, 634));
    let rows = h.rows("opcua_binary");
    assert_eq!(rows.len(), 1, "paired: {rows:?}");
    let r = &rows[0];
    let at = |name: &str| r.iter().position(|c| c == name).unwrap();
    assert!(at("ReadRequest") < at("ReadResponse"), "{r:?}");
}

#[test]
fn requests_pair_with_their_responses_by_request_id() {
    let mut h = Harness::new();
    let mut a = OpcUa::new();
    h.feed(&mut a, Dir::Orig, &[msg(7, 473), msg(8, 631)].concat());
    assert!(h.rows("opcua_binary").is_empty(), "held for pairing");
    h.feed(&mut a, Dir::Resp, &msg(8, 634));
    let rows = h.rows("opcua_binary");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains(&"ReadRequest".to_string()));
    assert!(rows[0].contains(&"ReadResponse".to_string()));
    assert!(rows[0].contains(&"56".to_string()), "total size 28 + 28");
    h.eof(&mut a);
    let rows = h.rows("opcua_binary");
    assert_eq!(rows.len(), 2);
    assert!(rows[1].contains(&"CloseSessionRequest".to_string()));
    assert_eq!(h.services, vec![SERVICE]);
}

#[test]
fn chunks_of_one_message_make_one_row() {
    let mut h = Harness::new();
    let mut a = OpcUa::new();
    // A Read request in an intermediate and a final chunk, then its
    // response: one row whose sizes add up, named by the first chunk.
    let mut first = msg(5, 631);
    first[3] = b'C';
    let mut last = msg(5, 0);
    last[3] = b'F';
    h.feed(&mut a, Dir::Orig, &[first, last].concat());
    assert!(h.rows("opcua_binary").is_empty());
    h.feed(&mut a, Dir::Resp, &msg(5, 634));
    h.eof(&mut a);
    let rows = h.rows("opcua_binary");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let r = &rows[0];
    assert!(r.contains(&"ReadRequest".to_string()));
    assert!(r.contains(&"ReadResponse".to_string()));
    assert!(r.contains(&"84".to_string()), "total size 3 x 28: {r:?}");
    assert!(r.contains(&"56".to_string()), "request size 2 x 28: {r:?}");
}

#[test]
fn an_unfinished_message_is_written_when_another_begins() {
    let mut h = Harness::new();
    let mut a = OpcUa::new();
    let mut first = msg(5, 631);
    first[3] = b'C';
    // Request 6 begins before request 5 got its final chunk.
    h.feed(&mut a, Dir::Orig, &[first, msg(6, 673)].concat());
    h.eof(&mut a);
    let rows = h.rows("opcua_binary");
    assert_eq!(rows.len(), 2);
    assert!(rows[0].contains(&"C".to_string()), "still intermediate");
    assert!(rows[1].contains(&"WriteRequest".to_string()));
}

#[test]
fn chunks_above_the_negotiated_buffer_stop_the_direction() {
    let mut h = Harness::new();
    let mut a = OpcUa::new();
    // ACK: the server receives chunks of at most 8192 bytes.
    let mut ack = b"ACKF".to_vec();
    ack.extend_from_slice(&28u32.to_le_bytes());
    for v in [0u32, 8192, 8192, 0, 0] {
        ack.extend_from_slice(&v.to_le_bytes());
    }
    h.feed(&mut a, Dir::Resp, &ack);
    // The client announces a 1 MiB chunk: refused before buffering.
    let mut big = msg(1, 631);
    big[4..8].copy_from_slice(&(1u32 << 20).to_le_bytes());
    h.feed(&mut a, Dir::Orig, &big[..12]);
    assert_eq!(
        h.weird_names(),
        vec!["opcua_binary_chunk_too_large", "opcua_binary_lost_sync"]
    );
    assert!(a.bufs[Dir::Orig].is_empty());
    // The server's direction is unaffected.
    h.feed(&mut a, Dir::Resp, &msg(1, 634));
    h.eof(&mut a);
    assert_eq!(h.rows("opcua_binary").len(), 2, "ACK and the response");
}

#[test]
fn pending_requests_are_capped_and_counted() {
    let mut h = Harness::new();
    let mut a = OpcUa::new();
    let n = MAX_PENDING as u32 + 3;
    let stream: Vec<u8> = (0..n).flat_map(|i| msg(i, 631)).collect();
    h.feed(&mut a, Dir::Orig, &stream);
    // The three oldest were written unpaired to make room.
    assert_eq!(h.rows("opcua_binary").len(), 3);
    assert_eq!(h.weird_names(), vec!["opcua_binary_pending_overflow"]);
    assert_eq!(h.weirds.count, 3);
    h.eof(&mut a);
    assert_eq!(h.rows("opcua_binary").len(), n as usize, "nothing lost");
}

#[test]
fn lost_sync_searches_for_the_next_chunk() {
    let mut h = Harness::new();
    let mut a = OpcUa::new();
    // Garbage in the server's direction, then a response: found again
    // and paired; the client's direction never stopped.
    h.feed(&mut a, Dir::Orig, &msg(1, 631));
    h.feed(&mut a, Dir::Resp, b"HTTP/1.1 200 OK\r\n\r\n");
    assert_eq!(h.weird_names(), vec!["opcua_binary_lost_sync"]);
    h.feed(&mut a, Dir::Resp, &msg(1, 634));
    assert_eq!(
        h.weird_names(),
        vec!["opcua_binary_lost_sync", "opcua_binary_resync"]
    );
    // A gap in the middle of the client's next request: the rest of
    // it is skipped, the request after it is framed.
    let second = msg(2, 631);
    h.feed(&mut a, Dir::Orig, &second[..10]);
    h.gap(&mut a, Dir::Orig);
    h.feed(
        &mut a,
        Dir::Orig,
        &[&second[20..], &msg(3, 631)[..]].concat(),
    );
    h.eof(&mut a);
    let rows = h.rows("opcua_binary");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0].contains(&"ReadRequest".to_string()));
    assert!(rows[0].contains(&"ReadResponse".to_string()));
    assert!(rows[1].contains(&"3".to_string()), "request 3: {rows:?}");
}

/// The typed fields detectors read: the channel's policy and mode, the
/// identity a session is activated with (never its password), what a
/// Write writes and what a Call calls; and each body event carries the
/// link of its summary's half.
#[test]
fn events_carry_what_detectors_read() {
    use crate::event::opcua::{Identifier, IdentityKind, RequestBody};
    use crate::event::Event;
    let mut h = Harness::new();
    let mut a = OpcUa::new();
    let mut ch = otwatch_synth::opcua::UaChannel::new(1, "opc.tcp://10.0.0.2:4840");
    h.feed(&mut a, Dir::Orig, &ch.open_request(0));
    // RequestHeader: null token, handle 5, timeout 10 s, no additional
    // header.
    let header = "0000 0000000000000000 05000000 00000000 ffffffff 10270000 000000";
    // ActivateSession: no signatures, certificates or locales; user "u",
    // password "pw", in clear.
    let activate = hex(&format!(
        "0100d301 {header} ffffffff ffffffff ffffffff ffffffff
         01004401 01 14000000 01000000 70 01000000 75 02000000 7077 ffffffff
         ffffffff ffffffff"
    ));
    // Write: the Value (13) of ns=2;s=valve, Double 43.
    let write = hex(&format!(
        "0100a102 {header} 01000000 03 0200 05000000 76616c7665 0d000000 ffffffff
         01 0b 0000000000804540"
    ));
    // Call: method ns=1;i=1000 of object i=85, one Int32 argument.
    let call = hex(&format!(
        "0100c802 {header} 01000000 00 55 01 01 e803 01000000 06 2a000000"
    ));
    for (id, body) in [(2, activate), (3, write), (4, call)] {
        h.feed(&mut a, Dir::Orig, &chunk(b'F', id, &body));
    }
    h.eof(&mut a);
    let events: Vec<&Event> = h.em.records.iter().map(|(_, e)| e).collect();
    let messages: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::OpcUaMessage(m) => Some(m),
            _ => None,
        })
        .collect();
    let requests: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::OpcUaRequest(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(messages.len(), 4, "OPN, ActivateSession, Write, Call");
    assert_eq!(requests.len(), 4);
    let open = messages[0].open.as_ref().unwrap();
    assert_eq!(
        open.security_policy_uri.as_deref(),
        Some("http://opcfoundation.org/UA/SecurityPolicy#None")
    );
    let RequestBody::OpenSecureChannel(o) = &requests[0].body else {
        panic!("{:?}", requests[0].body)
    };
    assert_eq!(o.security_mode, 1);
    let RequestBody::ActivateSession(s) = &requests[1].body else {
        panic!("{:?}", requests[1].body)
    };
    assert_eq!(s.token_kind(), IdentityKind::UserName);
    assert_eq!(s.user_name(), Some("u"));
    assert!(s.secret_sent() && !s.encrypted());
    assert!(!format!("{s:?}").contains("pw"), "no password in the event");
    let RequestBody::Write(w) = &requests[2].body else {
        panic!("{:?}", requests[2].body)
    };
    let written: Vec<_> = w
        .written()
        .map(|(n, attribute)| (n.node_id.to_string(), attribute))
        .collect();
    assert_eq!(written, [("ns=2;s=valve".to_string(), 13)]);
    let RequestBody::Call(c) = &requests[3].body else {
        panic!("{:?}", requests[3].body)
    };
    let calls: Vec<_> = c
        .calls()
        .map(|(o, m)| (o.node_id.to_string(), m.node_id.to_string()))
        .collect();
    assert_eq!(calls, [("i=85".to_string(), "ns=1;i=1000".to_string())]);
    assert!(matches!(
        c.methods_to_call[0].method_id.node_id.identifier,
        Identifier::Numeric(1000)
    ));
    for (m, r) in messages.iter().zip(&requests) {
        let half = m.request.as_ref().unwrap();
        assert_eq!(half.link, r.head.link);
        assert!(half.service.unwrap().numeric().is_some());
    }
    // And the logs show the same.
    let writes = h.rows("opcua_binary_write");
    assert!(writes[0].contains(&"valve".to_string()) && writes[0].contains(&"43".to_string()));
    let activations = h.rows("opcua_binary_activate_session");
    assert!(activations[0].contains(&"(redacted)".to_string()));
    assert!(!activations[0].contains(&"pw".to_string()));
}
