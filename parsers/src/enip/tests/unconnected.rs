//! Unconnected_Send (CIP Vol 1, 3-5.5.4): a Read Tag request routed
//! through a backplane, its reply, the routing failure, and the pad byte.

use super::*;
use crate::enip::cip::{RequestBody, ResponseBody, Target};

// Unconnected_Send carrying a Logix Read Tag to the controller in slot 0.
const READ_TAG: [u8; 22] = [
    0x52, // service: Unconnected_Send
    0x02, // path size 2 words
    0x20, 0x06, // class 6: Connection Manager
    0x24, 0x01, // instance 1
    0x07, // priority/time tick: tick = 2^7 ms
    0xE9, // timeout ticks 233 (29,824 ms)
    0x0A, 0x00, // embedded message size 10
    0x4C, // -> service: Read Tag
    0x03, // -> path size 3 words
    0x91, 0x04, b'T', b'a', b'g', b'1', // -> ANSI symbol "Tag1", even: no pad
    0x01, 0x00, // -> element count 1
    0x01, // route path size 1 word
    0x00, // reserved
];

fn read_tag() -> Vec<u8> {
    let mut m = READ_TAG.to_vec();
    m.extend_from_slice(&[0x01, 0x00]); // route path: port 1 (backplane), slot 0
    m
}

#[test]
fn unconnected_send_wrapping_read_tag_3_5_5_4() {
    let msg = read_tag();
    let r = req(&msg);
    assert_eq!(
        (r.service, r.naming_class()),
        (
            cip::service::UNCONNECTED_SEND,
            Some(cip::class::CONNECTION_MANAGER)
        )
    );
    let RequestBody::UnconnectedSend(u) = r.body else {
        panic!("expected an Unconnected_Send: {:?}", r.body);
    };
    assert_eq!(u.priority_time_tick, 0x07);
    assert_eq!(u.timeout_ticks, 0xE9);
    assert_eq!(u.timeout_ms(), 29_824);
    assert_eq!(u.message_size, 10);
    assert_eq!(u.message, &msg[10..20]);
    assert_eq!(u.route_path_size, 1);
    assert_eq!(
        u.route_path.segments().collect::<Vec<_>>(),
        vec![Ok(cip::Segment::Port {
            port: 1,
            link_address: &[0]
        })]
    );
    let Ok(inner) = u.request() else {
        panic!("the embedded request did not parse");
    };
    assert_eq!(
        (inner.service, inner.naming_class()),
        (0x4C, Some(cip::class::SYMBOL))
    );
    assert_eq!(inner.path.symbols().next(), Some(&b"Tag1"[..]));
    assert_eq!(inner.data, &[0x01, 0x00]);
    let ctx = r.context();
    assert_eq!(
        ctx.request,
        Target {
            service: 0x52,
            class: Some(6),
            instance: Some(1)
        }
    );
    assert_eq!(
        ctx.routed,
        Some(Target {
            service: 0x4C,
            class: Some(0x6B),
            instance: None
        })
    );
    assert_cip_prefixes(&msg, None, false);
}

#[test]
fn the_reply_is_the_embedded_reply() {
    let ctx = req(&read_tag()).context();
    let msg = [
        0xCC, 0x00, 0x00, 0x00, // Read Tag reply, success
        0xC4, 0x00, // data type DINT
        0x2A, 0x00, 0x00, 0x00, // 42
    ];
    let r = resp(&msg, Some(&ctx));
    assert_eq!(r.code(), 0x4C);
    assert_eq!(ctx.routed.and_then(|t| t.class), Some(cip::class::SYMBOL));
    assert_eq!(r.body, ResponseBody::Data(&msg[4..]));
}

#[test]
fn routing_failure_reply_3_5_5_4() {
    let ctx = req(&read_tag()).context();
    let msg = [
        0xD2, // Unconnected_Send reply
        0x00, // reserved
        0x01, // general status: Connection Failure
        0x01, // 1 word of additional status
        0x04, 0x02, // extended status 0x0204: unconnected request timed out
        0x01, // remaining path size: 1 word
        0x00, // reserved
    ];
    let r = resp(&msg, Some(&ctx));
    assert_eq!(r.extended_status(), Some(0x0204));
    assert_eq!(
        r.body,
        ResponseBody::UnconnectedSendFailure {
            remaining_path_size: Some(1)
        }
    );
    // Without context it is data.
    assert_eq!(resp(&msg, None).body, ResponseBody::Data(&msg[6..]));
}

#[test]
fn odd_embedded_message_with_and_without_pad() {
    let with_pad = [
        0x52, 0x02, 0x20, 0x06, 0x24, 0x01, // Unconnected_Send to the Connection Manager
        0x0A, 0x05, // priority/time tick, timeout ticks
        0x09, 0x00, // embedded message size 9 (odd)
        0x10, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x05, // -> Set_Attribute_Single 1/1/5
        0x07, // -> value 7
        0x00, // pad byte
        0x01, 0x00, // route path size 1, reserved
        0x01, 0x02, // port 1, slot 2
    ];
    let r = req(&with_pad);
    let RequestBody::UnconnectedSend(u) = r.body else {
        panic!()
    };
    assert_eq!(u.request().map(|r| r.data), Ok(&[0x07][..]));
    assert_cip_prefixes(&with_pad, None, false);

    let mut without: Vec<u8> = with_pad.to_vec();
    without.remove(19);
    let Ok((_, r)) = parse_cip_request(&without) else {
        panic!()
    };
    assert_eq!(r.violations, Violations::PAD_MISSING);
    let RequestBody::UnconnectedSend(u) = r.body else {
        panic!()
    };
    assert_eq!(u.route_path.as_bytes(), &[0x01, 0x02]);
}

#[test]
fn unconnected_send_flags_and_errors() {
    // Reserved byte set and a byte after the route path.
    let mut msg = read_tag();
    msg[21] = 0x01;
    msg.push(0xFF);
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    assert_eq!(
        r.violations,
        Violations::RESERVED_NONZERO | Violations::TRAILING_BYTES
    );
    // The embedded request's errors count from the start of the message.
    let mut msg = read_tag();
    msg[11] = 0x09; // embedded path size 9 words: past the embedded message
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    let RequestBody::UnconnectedSend(u) = r.body else {
        panic!()
    };
    let Ok(inner) = u.request() else { panic!() };
    assert_eq!(inner.violations, Violations::LENGTH_EXCEEDS_DATA);
    let msg = [
        0x52, 0x02, 0x20, 0x06, 0x24, 0x01, 0x07, 0xE9, 0x01, 0x00, 0x4C, 0x00, 0x00,
    ];
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    let RequestBody::UnconnectedSend(u) = r.body else {
        panic!()
    };
    let Err(e) = u.request() else { panic!() };
    assert_eq!(
        e.to_string(),
        "CIP: truncated at offset 10: needed 2 bytes, got 1"
    );
    // No room for the route path size: an error at its offset.
    let Err(nom::Err::Error(e)) = parse_cip_request(&READ_TAG[..20]) else {
        panic!()
    };
    assert_eq!(
        e.to_string(),
        "CIP: truncated at offset 20: needed 1 bytes, got 0"
    );
}
