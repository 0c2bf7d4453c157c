//! Forward_Open, Large_Forward_Open and Forward_Close (CIP Vol 1, 3-5.5.2
//! and 3-5.5.3): requests and replies, success and failure, annotated.

use super::*;
use crate::enip::cip::{ConnectionTriad, ConnectionType, RequestBody, ResponseBody};

const TRIAD: ConnectionTriad = ConnectionTriad {
    connection_serial: 42,
    vendor_id: 1,
    originator_serial: 0x1234_5678,
};

// A class 3 Forward_Open to the Message Router in slot 0.
const FORWARD_OPEN: [u8; 48] = [
    0x54, // service: Forward_Open
    0x02, // path size 2 words
    0x20, 0x06, // class 6: Connection Manager
    0x24, 0x01, // instance 1
    0x0A, // priority/time tick: tick = 2^10 ms
    0x0E, // timeout ticks 14
    0x00, 0x00, 0x00, 0x00, // O->T connection id 0: the target chooses
    0x01, 0x00, 0x34, 0x12, // T->O connection id 0x12340001
    0x2A, 0x00, // connection serial number 42
    0x01, 0x00, // originator vendor id 1
    0x78, 0x56, 0x34, 0x12, // originator serial number 0x12345678
    0x01, // connection timeout multiplier 1 (x8)
    0x00, 0x00, 0x00, // reserved
    0x40, 0x4B, 0x4C, 0x00, // O->T RPI 5,000,000 us
    0xF4, 0x43, // O->T parameters: point to point, low, variable, 500 bytes
    0x40, 0x4B, 0x4C, 0x00, // T->O RPI 5,000,000 us
    0xF4, 0x43, // T->O parameters: the same
    0xA3, // transport: server, application object trigger, class 3
    0x03, // connection path size 3 words
    0x01, 0x00, // port 1, slot 0
    0x20, 0x02, 0x24, 0x01, // Message Router, instance 1
];

// Its Large_Forward_Open twin: 32-bit network connection parameters.
fn large_forward_open() -> Vec<u8> {
    let mut m = FORWARD_OPEN.to_vec();
    m[0] = 0x5B; // service: Large_Forward_Open
                 // O->T parameters: point to point (bits 30-29), variable (bit 25), 4000 bytes.
    m.splice(32..34, [0xA0, 0x0F, 0x00, 0x42]);
    // T->O parameters (moved 2 bytes up by the first): the same.
    m.splice(40..42, [0xA0, 0x0F, 0x00, 0x42]);
    m
}

#[test]
fn forward_open_request_3_5_5_2() {
    let r = req(&FORWARD_OPEN);
    assert_eq!(
        (r.service, r.naming_class()),
        (
            cip::service::FORWARD_OPEN,
            Some(cip::class::CONNECTION_MANAGER)
        )
    );
    let RequestBody::ForwardOpen(f) = r.body else {
        panic!("expected a Forward_Open: {:?}", r.body);
    };
    assert!(!f.large);
    assert_eq!((f.priority_time_tick, f.timeout_ticks), (0x0A, 0x0E));
    assert_eq!(f.o_t_connection_id, 0);
    assert_eq!(f.t_o_connection_id, 0x1234_0001);
    assert_eq!(f.triad, TRIAD);
    assert_eq!(f.timeout_multiplier, 1);
    assert_eq!(f.o_t_rpi, 5_000_000);
    assert_eq!(f.t_o_rpi, 5_000_000);
    let p = f.o_t_parameters;
    assert_eq!(p.raw, 0x43F4);
    assert_eq!(p.connection_type(), ConnectionType::PointToPoint);
    assert_eq!(p.priority(), 0);
    assert!(p.variable_size());
    assert!(!p.redundant_owner());
    assert_eq!(p.size(), 500);
    assert!(f.transport.is_server());
    assert_eq!(f.transport.trigger(), 2);
    assert_eq!(f.transport.class(), 3);
    assert_eq!(f.connection_path_size, 3);
    assert_eq!(f.connection_path.class(), Some(2));
    assert_eq!(f.connection_path.instance(), Some(1));
    assert_cip_prefixes(&FORWARD_OPEN, None, false);
}

#[test]
fn large_forward_open_request_3_5_5_2() {
    let msg = large_forward_open();
    let r = req(&msg);
    assert_eq!(
        (r.service, r.naming_class()),
        (
            cip::service::LARGE_FORWARD_OPEN,
            Some(cip::class::CONNECTION_MANAGER)
        )
    );
    let RequestBody::ForwardOpen(f) = r.body else {
        panic!()
    };
    assert!(f.large);
    assert_eq!(f.o_t_parameters.raw, 0x4200_0FA0);
    assert_eq!(
        f.o_t_parameters.connection_type(),
        ConnectionType::PointToPoint
    );
    assert!(f.o_t_parameters.variable_size());
    assert_eq!(f.o_t_parameters.size(), 4000);
    assert_eq!(f.t_o_parameters.size(), 4000);
    assert_eq!(f.t_o_rpi, 5_000_000);
    assert_eq!(f.transport.class(), 3);
    assert_eq!(f.connection_path.class(), Some(2));
    assert_cip_prefixes(&msg, None, false);
}

#[test]
fn forward_open_flags() {
    let mut msg = FORWARD_OPEN;
    msg[24] = 9; // timeout multiplier 9
    msg[33] = 0x63; // O->T parameters 0x63F4: connection type 3
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    assert_eq!(
        r.violations,
        Violations::INVALID_TIMEOUT_MULTIPLIER | Violations::INVALID_CONNECTION_PARAMETERS
    );
    let mut msg = large_forward_open();
    msg[34] = 0x01; // a reserved bit (16) of the large O->T parameters
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    assert_eq!(r.violations, Violations::INVALID_CONNECTION_PARAMETERS);
    // Connection path size past the data, and a byte too many.
    let mut msg = FORWARD_OPEN.to_vec();
    msg[41] = 4;
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    assert_eq!(r.violations, Violations::LENGTH_EXCEEDS_DATA);
    msg[41] = 2;
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    assert_eq!(r.violations, Violations::TRAILING_BYTES);
    // Too short for the fixed fields: an error at the data's offset.
    let Err(nom::Err::Error(e)) = parse_cip_request(&FORWARD_OPEN[..30]) else {
        panic!()
    };
    assert_eq!(
        e.to_string(),
        "CIP: truncated at offset 6: needed 36 bytes, got 24"
    );
}

#[test]
fn forward_open_success_reply_3_5_5_2() {
    let ctx = req(&FORWARD_OPEN).context();
    let msg = [
        0xD4, 0x00, 0x00, 0x00, // Forward_Open reply, success
        0x01, 0x00, 0xFE, 0x80, // O->T connection id 0x80FE0001
        0x01, 0x00, 0x34, 0x12, // T->O connection id 0x12340001
        0x2A, 0x00, 0x01, 0x00, 0x78, 0x56, 0x34, 0x12, // connection triad
        0x40, 0x4B, 0x4C, 0x00, // O->T API 5,000,000 us
        0x40, 0x4B, 0x4C, 0x00, // T->O API 5,000,000 us
        0x01, // application reply size 1 word
        0x00, // reserved
        0xAA, 0xBB, // application reply
    ];
    let r = resp(&msg, Some(&ctx));
    let ResponseBody::ForwardOpen(f) = r.body else {
        panic!("expected a Forward_Open reply: {:?}", r.body);
    };
    assert_eq!(f.o_t_connection_id, 0x80FE_0001);
    assert_eq!(f.t_o_connection_id, 0x1234_0001);
    assert_eq!(f.triad, TRIAD);
    assert_eq!((f.o_t_api, f.t_o_api), (5_000_000, 5_000_000));
    assert_eq!(f.application_reply_size, 1);
    assert_eq!(f.application_reply, &[0xAA, 0xBB]);
    assert_cip_prefixes(&msg, Some(&ctx), false);
    // The Large_Forward_Open reply has the same layout.
    let large = req(&large_forward_open()).context();
    let mut big = msg;
    big[0] = 0xDB;
    assert!(matches!(
        resp(&big, Some(&large)).body,
        ResponseBody::ForwardOpen(_)
    ));
}

#[test]
fn forward_open_failure_reply_3_5_5_2() {
    let ctx = req(&FORWARD_OPEN).context();
    let msg = [
        0xD4, 0x00, // Forward_Open reply
        0x01, // general status: Connection Failure
        0x01, // 1 word of additional status
        0x00, 0x01, // extended status 0x0100: connection in use
        0x2A, 0x00, 0x01, 0x00, 0x78, 0x56, 0x34, 0x12, // connection triad
        0x00, // remaining path size 0
        0x00, // reserved
    ];
    let r = resp(&msg, Some(&ctx));
    assert_eq!(
        r.body,
        ResponseBody::ConnectionFailure(cip::ConnectionFailure {
            triad: TRIAD,
            remaining_path_size: Some(0),
            reserved: Some(0)
        })
    );
    assert_eq!(r.extended_status(), Some(0x0100));
    assert_cip_prefixes(&msg, Some(&ctx), true);
}

// Forward_Close of the same connection.
const FORWARD_CLOSE: [u8; 24] = [
    0x4E, // service: Forward_Close
    0x02, // path size 2 words
    0x20, 0x06, 0x24, 0x01, // Connection Manager, instance 1
    0x0A, // priority/time tick
    0x0E, // timeout ticks
    0x2A, 0x00, 0x01, 0x00, 0x78, 0x56, 0x34, 0x12, // connection triad
    0x03, // connection path size 3 words
    0x00, // reserved
    0x01, 0x00, 0x20, 0x02, 0x24, 0x01, // port 1 slot 0, Message Router instance 1
];

#[test]
fn forward_close_request_3_5_5_3() {
    let r = req(&FORWARD_CLOSE);
    assert_eq!(
        (r.service, r.naming_class()),
        (
            cip::service::FORWARD_CLOSE,
            Some(cip::class::CONNECTION_MANAGER)
        )
    );
    let RequestBody::ForwardClose(f) = r.body else {
        panic!("expected a Forward_Close: {:?}", r.body);
    };
    assert_eq!(f.triad, TRIAD);
    assert_eq!(f.connection_path_size, 3);
    assert_eq!(f.reserved, 0);
    assert_eq!(f.connection_path.as_bytes(), &FORWARD_CLOSE[18..]);
    assert_cip_prefixes(&FORWARD_CLOSE, None, false);
    let mut msg = FORWARD_CLOSE;
    msg[17] = 1;
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    assert_eq!(r.violations, Violations::RESERVED_NONZERO);
}

#[test]
fn forward_close_replies_3_5_5_3() {
    let ctx = req(&FORWARD_CLOSE).context();
    let ok = [
        0xCE, 0x00, 0x00, 0x00, // Forward_Close reply, success
        0x2A, 0x00, 0x01, 0x00, 0x78, 0x56, 0x34, 0x12, // connection triad
        0x00, // application reply size 0
        0x00, // reserved
    ];
    let r = resp(&ok, Some(&ctx));
    let ResponseBody::ForwardClose(f) = r.body else {
        panic!("expected a Forward_Close reply: {:?}", r.body);
    };
    assert_eq!(f.triad, TRIAD);
    assert_eq!(f.application_reply, &[] as &[u8]);
    assert_cip_prefixes(&ok, Some(&ctx), false);

    let failed = [
        0xCE, 0x00, 0x01, 0x01, // Forward_Close reply, Connection Failure, 1 word
        0x07, 0x01, // extended status 0x0107: target connection not found
        0x2A, 0x00, 0x01, 0x00, 0x78, 0x56, 0x34, 0x12, // connection triad
        0x00, 0x00, // remaining path size, reserved
    ];
    let r = resp(&failed, Some(&ctx));
    assert!(matches!(r.body, ResponseBody::ConnectionFailure(f) if f.triad == TRIAD));
    assert_eq!(r.extended_status(), Some(0x0107));
    // A reply to some other class is not a Forward_Close.
    let other = req(&[0x4E, 0x02, 0x20, 0x6B, 0x24, 0x01]).context();
    assert_eq!(resp(&ok, Some(&other)).body, ResponseBody::Data(&ok[4..]));
}
