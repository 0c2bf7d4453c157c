//! Messages over stream deliveries (CIP Vol 2, 2-3.1): one message split
//! over two deliveries, two messages in one, a stream cut by the length
//! field, as the view reads them (each delivery one message, from its
//! first byte, as the reference does) and as the checked form judges them.

use super::*;

// RegisterSession reply: the target hands out session 0x11020100.
const REGISTER_REPLY: [u8; 28] = [
    0x65, 0x00, // command: RegisterSession
    0x04, 0x00, // length 4
    0x00, 0x01, 0x02, 0x11, // session handle 0x11020100
    0x00, 0x00, 0x00, 0x00, // status: success
    b'o', b't', b'w', b'a', b't', b'c', b'h', b'!', // sender context
    0x00, 0x00, 0x00, 0x00, // options
    0x01, 0x00, // protocol version 1
    0x00, 0x00, // options flags
];

fn send_rr() -> Vec<u8> {
    let cip = [0x01, 0x02, 0x20, 0x01, 0x24, 0x01]; // Get_Attributes_All, Identity 1
    packet(command::SEND_RR_DATA, 0x1102_0100, &rr_data(&cip))
}

#[test]
fn one_message_split_over_two_deliveries() {
    let p = send_rr();
    for cut in 1..p.len() {
        let first = &p[..cut];
        match Message::new(first) {
            // Without its header the first part is not a message.
            Err(e) => {
                assert!(cut < HEADER_LEN);
                assert_truncated(&e, Layer::EnipEncapsulation, "header");
            }
            Ok(m) => {
                // The checked form asks for the rest the length announces.
                let Err(e) = m.check() else {
                    panic!("cut {cut}")
                };
                assert_eq!(
                    e.kind,
                    ErrorKind::Truncated {
                        needed: p.len() - HEADER_LEN,
                        got: cut - HEADER_LEN
                    }
                );
                // The reference reads every byte of this message: any
                // part of it runs out of bytes.
                let Err(e) = read_all(&m, false) else {
                    panic!("cut {cut}")
                };
                assert!(e.offset <= cut, "cut {cut}: {e}");
            }
        }
    }
    // Joined again, it is whole.
    let m = whole(&p);
    let (_, c) = carried(&m, false);
    let Ok(CipMessage::Request(r)) = c.check() else {
        panic!("expected a CIP request");
    };
    assert_eq!(r.service, cip::service::GET_ATTRIBUTES_ALL);
}

#[test]
fn two_messages_in_one_delivery() {
    let mut delivery = REGISTER_REPLY.to_vec();
    delivery.extend_from_slice(&send_rr());
    let Ok(m) = Message::new(&delivery) else {
        panic!()
    };
    // The view reads the first message; the second is past what the
    // reference reads of a RegisterSession.
    assert_eq!(m.header().command, command::REGISTER_SESSION);
    assert!(matches!(
        m.body(true),
        Body::RegisterSession(Ok(RegisterSession {
            protocol_version: 1,
            options: 0
        }))
    ));
    // The checked form flags the bytes past the length; the length field
    // cuts the stream where the second starts.
    assert_eq!(m.check(), Ok(Violations::TRAILING_BYTES));
    let first = m.header().packet_len();
    assert_eq!(first, REGISTER_REPLY.len());
    let second = whole(&delivery[first..]);
    assert_eq!(second.header().command, command::SEND_RR_DATA);
    assert_eq!(second.header().session_handle, m.header().session_handle);
    // A SendRRData first: the reference's CIP message runs to the end of
    // the delivery and takes the second message with it.
    let mut delivery = send_rr();
    delivery.extend_from_slice(&REGISTER_REPLY);
    let Ok(m) = Message::new(&delivery) else {
        panic!()
    };
    let (_, c) = carried(&m, false);
    assert_eq!(c.code(), 0x01);
    assert_eq!(c.len(), 6, "Get_Attributes_All reads no data");
    assert_eq!(c.data(), &REGISTER_REPLY[..]);
}

#[test]
fn a_stream_cut_by_the_length_field_yields_every_message_once() {
    let mut wire = Vec::new();
    for _ in 0..3 {
        wire.extend_from_slice(&REGISTER_REPLY);
        wire.extend_from_slice(&send_rr());
    }
    let mut seen = Vec::new();
    let mut rest = &wire[..];
    while !rest.is_empty() {
        let Ok(m) = Message::new(rest) else { panic!() };
        let (one, next) = rest.split_at(m.header().packet_len());
        seen.push(whole(one).header().command);
        rest = next;
    }
    assert_eq!(seen, [0x65, 0x6F, 0x65, 0x6F, 0x65, 0x6F]);
}

#[test]
fn detection_by_the_reference_signature() {
    assert!(looks_like_encapsulation(&REGISTER_REPLY));
    assert!(looks_like_encapsulation(&send_rr()));
    assert!(!looks_like_encapsulation(&REGISTER_REPLY[..16]));
    assert!(!looks_like_encapsulation(
        b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"
    ));
    let mut unknown = REGISTER_REPLY;
    unknown[0] = 0x01;
    assert!(!looks_like_encapsulation(&unknown));
    let mut high = REGISTER_REPLY;
    high[1] = 0x01;
    assert!(!looks_like_encapsulation(&high));
    let mut status = REGISTER_REPLY;
    status[8] = 0x42;
    assert!(!looks_like_encapsulation(&status));
    status[8] = 0x6A;
    assert!(looks_like_encapsulation(&status));
    status[9] = 0x01;
    assert!(!looks_like_encapsulation(&status));
}
