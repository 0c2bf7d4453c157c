//! Multiple_Service_Packet (CIP Vol 1, A-4.10): two services annotated
//! byte by byte, the malformed offset tables, and the error reply.

use super::*;
use crate::enip::cip::{RequestBody, ResponseBody};

// A Multiple_Service_Packet request with two services.
const REQUEST: [u8; 24] = [
    0x0A, // service: Multiple_Service_Packet
    0x02, // path size 2 words
    0x20, 0x02, // class 2: Message Router
    0x24, 0x01, // instance 1
    0x02, 0x00, // number of services 2
    0x06, 0x00, // offset of service 1, from the count: 6
    0x0E, 0x00, // offset of service 2: 14
    0x0E, 0x03, 0x20, 0x01, 0x24, 0x01, // 1: Get_Attribute_Single, class 1, instance 1,
    0x30, 0x07, // attribute 7
    0x4C, 0x02, 0x91, 0x01, // 2: Read Tag, path: ANSI symbol of 1 byte,
];

// ... and its tail: symbol "A", pad, element count 1.
const REQUEST_TAIL: [u8; 4] = [b'A', 0x00, 0x01, 0x00];

fn request() -> Vec<u8> {
    let mut r = REQUEST.to_vec();
    r.extend_from_slice(&REQUEST_TAIL);
    r
}

// Its reply.
const REPLY: [u8; 28] = [
    0x8A, 0x00, 0x00, 0x00, // Multiple_Service_Packet reply, success
    0x02, 0x00, // number of replies 2
    0x06, 0x00, // offset of reply 1: 6
    0x0E, 0x00, // offset of reply 2: 14
    0x8E, 0x00, 0x00, 0x00, // 1: Get_Attribute_Single reply, success
    0x03, b'L', b'6', b'1', // SHORT_STRING "L61"
    0xCC, 0x00, 0x00, 0x00, // 2: Read Tag reply, success
    0xC4, 0x00, // data type DINT
    0x2A, 0x00, 0x00, 0x00, // value 42
];

#[test]
fn request_with_two_services_a_4_10_1() {
    let msg = request();
    let r = req(&msg);
    assert_eq!(r.class(), Some(2));
    assert_eq!(r.service, cip::service::MULTIPLE_SERVICE_PACKET);
    let RequestBody::MultipleServicePacket(m) = r.body else {
        panic!("expected a Multiple_Service_Packet");
    };
    assert_eq!(m.count(), 2);
    assert_eq!(m.offsets().collect::<Vec<_>>(), vec![6, 14]);
    assert_eq!(m.iter().len(), 2);
    let services: Vec<_> = m.iter().collect();
    let [Ok(a), Ok(b)] = &services[..] else {
        panic!("{services:?}");
    };
    assert_eq!(a.service, cip::service::GET_ATTRIBUTE_SINGLE);
    assert_eq!(a.path.attribute(), Some(7));
    assert_eq!(
        (b.service, b.naming_class()),
        (0x4C, Some(cip::class::SYMBOL))
    );
    assert_eq!(b.path.symbols().next(), Some(&b"A"[..]));
    assert_eq!(b.data, &[0x01, 0x00]);
    let slices: Vec<_> = m.slices().collect();
    assert_eq!(slices, vec![Ok(&msg[12..20]), Ok(&msg[20..])]);
    // Prefixes: a cut table or a cut service is flagged or fails.
    assert_cip_prefixes(&msg, None, true);
    for n in 8..msg.len() {
        let Ok((_, r)) = parse_cip_request(&msg[..n]) else {
            panic!("prefix {n} must parse")
        };
        let RequestBody::MultipleServicePacket(m) = r.body else {
            panic!()
        };
        // Every embedded service either parses or fails cleanly.
        for s in m.iter() {
            if let Err(e) = s {
                assert_eq!(e.layer, Some(Layer::Cip), "prefix {n}: {e}");
            }
        }
    }
}

#[test]
fn reply_with_two_services_a_4_10_2() {
    let msg = REPLY;
    let r = resp(&msg, None);
    let ResponseBody::MultipleServicePacket(m) = r.body else {
        panic!("expected a Multiple_Service_Packet reply");
    };
    assert_eq!(m.count(), 2);
    let replies: Vec<_> = m.iter().collect();
    let [Ok(a), Ok(b)] = &replies[..] else {
        panic!("{replies:?}");
    };
    assert_eq!(a.code(), 0x0E);
    assert_eq!(a.data, &msg[14..18]);
    assert_eq!(b.code(), 0x4C);
    assert_eq!(b.data, &msg[22..]);
    assert!(b.is_success());
    assert_cip_prefixes(&msg, None, true);
}

#[test]
fn embedded_service_error_reply() {
    let msg = [
        0x8A, 0x00, 0x1E, 0x00, // Multiple_Service_Packet reply: Embedded Service Error
        0x02, 0x00, 0x06, 0x00, 0x0A, 0x00, // 2 replies at 6 and 10
        0x8E, 0x00, 0x00, 0x00, // 1: success, no data
        0x8E, 0x00, 0x05, 0x01, 0x00, 0x00, // 2: Path Destination Unknown, ext 0x0000
    ];
    let r = resp(&msg, None);
    assert_eq!(r.general_status, 0x1E);
    let ResponseBody::MultipleServicePacket(m) = r.body else {
        panic!()
    };
    let statuses: Vec<_> = m.iter().map(|r| r.map(|r| r.general_status)).collect();
    assert_eq!(statuses, vec![Ok(0), Ok(5)]);
    // A plain error reply has no data and no services.
    let r = resp(&[0x8A, 0x00, 0x08, 0x00], None);
    let ResponseBody::MultipleServicePacket(m) = r.body else {
        panic!()
    };
    assert_eq!(m.count(), 0);
    assert_eq!(m.iter().count(), 0);
}

#[test]
fn bad_offsets_are_flagged_and_the_service_fails() {
    let mut msg = request();
    msg[8] = 0x02; // service 1 offset 2: inside the offset table
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    assert_eq!(r.violations, Violations::MSP_INVALID_OFFSET);
    let RequestBody::MultipleServicePacket(m) = r.body else {
        panic!()
    };
    let services: Vec<_> = m.iter().collect();
    let Err(e) = &services[0] else {
        panic!("{services:?}")
    };
    assert_eq!(e.to_string(), "CIP: invalid service offset 2 at offset 8");
    assert!(services[1].is_ok());

    let mut msg = request();
    msg[10] = 0x40; // service 2 offset 64: past the data
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    assert_eq!(r.violations, Violations::MSP_INVALID_OFFSET);
    let RequestBody::MultipleServicePacket(m) = r.body else {
        panic!()
    };
    // Service 1 then runs to the end of the data.
    let services: Vec<_> = m.iter().collect();
    assert!(matches!(&services[0], Ok(s) if s.data.len() == 8));
    assert!(services[1].is_err());

    let mut msg = request();
    msg[8] = 0x0E; // offsets 14, 6: decreasing
    msg[10] = 0x06;
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    assert_eq!(r.violations, Violations::MSP_INVALID_OFFSET);
}

#[test]
fn empty_and_cut_tables() {
    let msg = [0x0A, 0x02, 0x20, 0x02, 0x24, 0x01, 0x00, 0x00];
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    assert_eq!(r.violations, Violations::MSP_NO_SERVICES);
    // Three services announced, one offset present (and pointing past
    // the data).
    let msg = [0x0A, 0x02, 0x20, 0x02, 0x24, 0x01, 0x03, 0x00, 0x08, 0x00];
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    assert_eq!(
        r.violations,
        Violations::LENGTH_EXCEEDS_DATA | Violations::MSP_INVALID_OFFSET
    );
    let RequestBody::MultipleServicePacket(m) = r.body else {
        panic!()
    };
    // Service 1's offset is out of range; one error stands for the two
    // services whose offsets are missing.
    let errors: Vec<_> = m.iter().filter_map(Result::err).collect();
    assert_eq!(errors.len(), 2);
    assert_eq!(m.iter().len(), 2);
    assert_eq!(m.slices().count(), 2);
    assert_eq!(
        errors[1].to_string(),
        "CIP: truncated at offset 10: needed 2 bytes, got 0"
    );
    // No count at all: an error.
    let Err(nom::Err::Error(e)) = parse_cip_request(&msg[..7]) else {
        panic!()
    };
    assert_eq!(
        e.to_string(),
        "CIP: truncated at offset 6: needed 2 bytes, got 1"
    );
}

#[test]
fn a_huge_count_in_a_short_message_costs_one_error() {
    // Regression (found by `props`): a count of 256 with no offset table
    // reported the missing offsets past the end of the message, and the
    // iterators visited all 256 services.
    let msg = [0x0A, 0x02, 0x20, 0x06, 0x24, 0x01, 0x00, 0x01];
    let Ok((_, r)) = parse_cip_request(&msg) else {
        panic!()
    };
    let RequestBody::MultipleServicePacket(m) = r.body else {
        panic!()
    };
    assert_eq!(m.count(), 256);
    let all: Vec<_> = m.iter().collect();
    assert_eq!(all.len(), 1);
    let Err(e) = &all[0] else { panic!() };
    assert_eq!(
        e.to_string(),
        "CIP: truncated at offset 8: needed 2 bytes, got 0"
    );
    // The reply form: three offsets (all 0, inside the table) of 256.
    let msg = [
        0x8A, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let Ok((_, r)) = parse_cip_response(&msg) else {
        panic!()
    };
    assert!(r.violations.contains(Violations::MSP_INVALID_OFFSET));
    let ResponseBody::MultipleServicePacket(m) = r.body else {
        panic!()
    };
    let all: Vec<_> = m.iter().collect();
    assert_eq!(all.len(), 4);
    assert!(all
        .iter()
        .all(|s| s.as_ref().is_err_and(|e| e.offset <= msg.len())));
}
