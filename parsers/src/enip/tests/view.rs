//! The CIP message view (CIP Vol 1, 2-4) as the reference reads it: what
//! each service byte makes it read, the status, the Multiple Service
//! Packet's services and the request an Unconnected Send carries, with the
//! reference's quirks; and the checked form of the same bytes.

use super::*;
use crate::enip::cip::{Embedded, Path, Status};

fn view(b: &[u8]) -> cip::Message<'_> {
    cip::Message::new(b).unwrap_or_else(|e| panic!("{b:02x?}: {e}"))
}

#[test]
fn a_request_its_path_and_its_data() {
    let msg = [
        0x0E, // service: Get_Attribute_Single
        0x03, // path size: 3 words
        0x20, 0x01, 0x24, 0x01, 0x30, 0x07, // class 1, instance 1, attribute 7
        0xAA, // data: the reference takes the rest
    ];
    let m = view(&msg);
    assert_eq!((m.service(), m.code(), m.is_reply()), (0x0E, 0x0E, false));
    assert_eq!(m.path_bytes(), &msg[2..8]);
    assert_eq!(
        m.path(),
        Path {
            class: Some(1),
            instance: Some(1),
            attribute: Some(7),
            symbolic: false,
            tag: None,
        }
    );
    assert_eq!(m.status(), None);
    assert_eq!(m.data(), &[0xAA]);
    assert_eq!(m.len(), msg.len());
    assert_eq!((m.multiple(), m.routed()), (None, None));
    // The checked form reads the same request.
    let Ok(CipMessage::Request(r)) = m.check() else {
        panic!()
    };
    assert_eq!((r.class(), r.data), (Some(1), &[0xAA][..]));
    // Without its whole path it cannot be read; without its data it can
    // (the reference takes the rest, however long).
    for n in 0..8 {
        let r = cip::Message::new(&msg[..n]);
        assert!(
            matches!(r, Err(ref e) if e.layer == Some(Layer::Cip)),
            "{n}"
        );
    }
    assert_eq!(view(&msg[..8]).data(), &[] as &[u8]);
}

#[test]
fn what_each_service_makes_the_reference_read() {
    // 0x01: service and path only; what follows is left for the next item.
    let m = view(&[0x01, 0x01, 0x20, 0x01, 0xEE, 0xFF]);
    assert_eq!((m.len(), m.data()), (4, &[0xEE, 0xFF][..]));
    // 0x03: a count and that many 16-bit attribute ids.
    let m = view(&[0x03, 0x00, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00, 0xEE]);
    assert_eq!(m.len(), 8);
    assert!(cip::Message::new(&[0x03, 0x00, 0x02, 0x00, 0x01, 0x00]).is_err());
    // 0x04, 0x83, 0x84: a count, then the rest.
    let m = view(&[0x04, 0x00, 0x01, 0x00, 0xEE]);
    assert_eq!((m.len(), m.data()), (5, &[0x01, 0x00, 0xEE][..]));
    assert!(cip::Message::new(&[0x04, 0x00, 0x01]).is_err());
    let m = view(&[0x83, 0x00, 0x00, 0x00, 0x01, 0x00, 0xEE]);
    assert_eq!(m.len(), 7);
    assert!(cip::Message::new(&[0x84, 0x00, 0x00, 0x00, 0x01]).is_err());
    // Any other service: the rest.
    let m = view(&[0x4C, 0x00, 1, 2, 3]);
    assert_eq!((m.len(), m.data()), (5, &[1, 2, 3][..]));
}

#[test]
fn a_reply_status_with_the_reference_quirks() {
    let msg = [
        0xCC, // Read Tag reply
        0x00, // reserved: read as a path size of 0 words
        0x05, // general status 5
        0x02, // additional status size, 2 words by the spec: read as 2 bytes
        0x34, 0x12, // the bytes folded: 0x3412
        0x78, 0x56, // for the spec, the second status word; here, data
    ];
    let m = view(&msg);
    assert!(m.is_reply());
    assert_eq!(
        m.status(),
        Some(Status {
            general: 5,
            extended: Some(0x3412)
        })
    );
    assert_eq!(m.data(), &[0x78, 0x56]);
    // The checked form reads two words.
    let Ok(CipMessage::Response(r)) = m.check() else {
        panic!()
    };
    assert_eq!(r.extended_status(), Some(0x1234));
    assert_eq!(r.additional_status.len(), 2);
    assert!(r.data.is_empty());
    // Only the first four bytes are folded; a size of 0 has none.
    let m = view(&[0x8E, 0x00, 0x01, 0x05, 1, 2, 3, 4, 5]);
    assert_eq!(m.status().and_then(|s| s.extended), Some(0x0102_0304));
    let m = view(&[0x8E, 0x00, 0x00, 0x00]);
    assert_eq!(
        m.status(),
        Some(Status {
            general: 0,
            extended: None
        })
    );
    // A non-zero reserved byte is read as a path size.
    let m = view(&[0x8E, 0x01, 0xAA, 0xBB, 0x00, 0x00]);
    assert_eq!(m.path_bytes(), &[0xAA, 0xBB]);
    assert_eq!(m.status().map(|s| s.general), Some(0));
    assert!(cip::Message::new(&[0x8E, 0x01, 0xAA, 0xBB, 0x00]).is_err());
}

// A Multiple_Service_Packet request with two services (as in `msp`).
const MSP: [u8; 24] = [
    0x0A, 0x02, 0x20, 0x02, 0x24, 0x01, // Multiple_Service_Packet, Message Router 1
    0x02, 0x00, // 2 services
    0x06, 0x00, 0x0E, 0x00, // offsets 6 and 14, from the count
    0x0E, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07, // Get_Attribute_Single 1/1/7
    0x4C, 0x02, 0x91, 0x01, // Read Tag, a symbol cut short
];

#[test]
fn multiple_service_packet_services_by_the_reference_arithmetic() {
    let m = view(&MSP);
    let Some(multi) = m.multiple() else { panic!() };
    assert_eq!(multi.count(), 2);
    assert_eq!(multi.offsets().collect::<Vec<_>>(), vec![6, 14]);
    assert_eq!(multi.services(), &MSP[12..]);
    let got: Vec<_> = multi.embedded().collect();
    assert_eq!(
        got,
        vec![
            Embedded::Request {
                service: 0x0E,
                path: Path {
                    class: Some(1),
                    instance: Some(1),
                    attribute: Some(7),
                    symbolic: false,
                    tag: None,
                },
                // An embedded request's data runs to the end of the packet.
                data: &MSP[20..],
            },
            Embedded::Request {
                service: 0x4C,
                path: Path {
                    symbolic: true,
                    ..Path::default()
                },
                data: &[],
            },
        ]
    );
    // A reply: service and the byte two after it.
    let reply = [
        0x8A, 0x00, 0x1E, 0x00, // Multiple_Service_Packet reply, status 0x1E
        0x02, 0x00, 0x06, 0x00, 0x0A, 0x00, // 2 services at 6 and 10
        0x8E, 0x00, 0x00, 0x00, // Get_Attribute_Single reply, success
        0xCC, 0x00, 0x05, 0x00, // Read Tag reply, status 5
    ];
    let got: Vec<_> = view(&reply)
        .multiple()
        .map(|m| m.embedded().collect())
        .unwrap_or_default();
    assert_eq!(
        got,
        vec![
            Embedded::Reply {
                service: 0x0E,
                general_status: 0
            },
            Embedded::Reply {
                service: 0x4C,
                general_status: 5
            }
        ]
    );
    // Offsets into the table or past the end read zeros, never panic.
    let bad = [0x0A, 0x00, 0x02, 0x00, 0x00, 0x00, 0xFF, 0xFF];
    let got: Vec<_> = view(&bad)
        .multiple()
        .map(|m| m.embedded().collect())
        .unwrap_or_default();
    assert_eq!(got.len(), 2);
    for n in 0..MSP.len() {
        if let Ok(m) = cip::Message::new(&MSP[..n]) {
            assert!(n >= 12, "the count and both offsets are read: {n}");
            read_cip(&m);
        }
    }
}

/// Regression: 2 * count overflowed for counts from 0x8000; only the first
/// `count & 0xFF` services are the reference's.
#[test]
fn a_huge_service_count_wraps_as_the_reference_does() {
    let count: u16 = 0x8001;
    let mut msg = vec![0x0A, 0x00];
    msg.extend_from_slice(&count.to_le_bytes());
    for _ in 0..count {
        msg.extend_from_slice(&0xFFFFu16.to_le_bytes());
    }
    msg.extend_from_slice(&[0x0E, 0x00, 0x00, 0x00]);
    let m = view(&msg);
    let Some(multi) = m.multiple() else { panic!() };
    assert_eq!(multi.offsets().len(), 0x8001);
    let got: Vec<_> = multi.embedded().collect();
    assert_eq!(got.len(), 1);
    // 0xFFFF - 2 * 0x8001 - 2 wraps to 0xFFFB: past the services, zeros.
    assert_eq!(
        got,
        vec![Embedded::Request {
            service: 0,
            path: Path::default(),
            data: &[],
        }]
    );
}

#[test]
fn attribute_lists_name_their_ids() {
    // Get_Attribute_List on Identity 1: 3 ids.
    let get = [
        0x03, 0x02, 0x20, 0x01, 0x24, 0x01, // Get_Attribute_List, Identity 1
        0x03, 0x00, 0x01, 0x00, 0x07, 0x00, 0x2C, 0x01, // 3 ids: 1, 7, 300
    ];
    let ids: Vec<u16> = view(&get).attribute_ids().collect();
    assert_eq!(ids, vec![1, 7, 300]);
    // Set_Attribute_List: the first id only (values follow each id).
    let set = [
        0x04, 0x02, 0x20, 0x01, 0x24, 0x01, // Set_Attribute_List, Identity 1
        0x02, 0x00, 0x05, 0x00, 0xAA, 0xBB, 0x06, 0x00, 0xCC, // 2 ids: 5=aabb, 6=cc
    ];
    let ids: Vec<u16> = view(&set).attribute_ids().collect();
    assert_eq!(ids, vec![5]);
    // A count past the data gives the ids the data holds (the reference's
    // reading refuses such a message; an embedded request can be one).
    let cut = [0x04, 0x00, 0x09, 0x00, 0x0A];
    assert_eq!(cip::attribute_ids(0x03, &cut).collect::<Vec<_>>(), vec![9]);
    // Other services, replies and empty sets name none.
    let none: [&[u8]; 3] = [
        &[0x0E, 0x00, 0x01, 0x00, 0x02, 0x00],
        &[0x83, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00],
        &[0x04, 0x00, 0x00, 0x00, 0x07, 0x00],
    ];
    for b in none {
        assert_eq!(view(b).attribute_ids().len(), 0, "{b:02x?}");
    }
    assert_eq!(cip::attribute_ids(0x03, &[0x01]).len(), 0);
    // Embedded in a Multiple Service Packet, with the same reading.
    let msp = [
        0x0A, 0x02, 0x20, 0x02, 0x24, 0x01, // Multiple_Service_Packet, Message Router 1
        0x01, 0x00, 0x04, 0x00, // 1 service at 4
        0x03, 0x02, 0x20, 0x01, 0x24, 0x01, 0x02, 0x00, 0x04, 0x00, 0x05, 0x00,
    ];
    let got: Vec<Vec<u16>> = view(&msp)
        .multiple()
        .map(|m| {
            m.embedded()
                .map(|e| match e {
                    Embedded::Request { service, data, .. } => {
                        cip::attribute_ids(service, data).collect()
                    }
                    Embedded::Reply { .. } => vec![],
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(got, vec![vec![4, 5]]);
}

// Unconnected_Send carrying a Logix Read Tag (as in `unconnected`).
const UNCONNECTED_SEND: [u8; 22] = [
    0x52, 0x02, 0x20, 0x06, 0x24, 0x01, // Unconnected_Send, Connection Manager 1
    0x07, 0xE9, 0x0A, 0x00, // tick, timeout ticks, message size 10
    0x4C, 0x03, 0x91, 0x04, b'T', b'a', b'g', b'1', 0x01, 0x00, // Read Tag "Tag1", 1
    0x01, 0x00, // route path size 1 word, reserved (the route is cut)
];

#[test]
fn the_request_an_unconnected_send_carries() {
    let m = view(&UNCONNECTED_SEND);
    let Some(r) = m.routed() else { panic!() };
    assert_eq!(r.service, 0x4C);
    assert!(r.path.symbolic);
    assert_eq!(r.path.target_class(), Some(0x6B));
    // Only to the Connection Manager, only requests, only when the carried
    // path fits.
    let mut other = UNCONNECTED_SEND;
    other[3] = 0x07;
    assert_eq!(view(&other).routed(), None);
    let mut long = UNCONNECTED_SEND;
    long[11] = 0x20;
    assert_eq!(view(&long).routed(), None);
    assert_eq!(view(&UNCONNECTED_SEND[..11]).routed(), None);
    let reply = [0xD2, 0x00, 0x01, 0x00];
    assert_eq!(view(&reply).routed(), None);
}

#[test]
fn the_checked_form_types_what_the_view_carries() {
    // A Forward Open request to the Connection Manager (as in
    // `connection`): the view gives service and path, the checked form
    // the typed request data.
    let mut msg = vec![0x54, 0x02, 0x20, 0x06, 0x24, 0x01];
    msg.extend_from_slice(&[0x0A, 0x0E]);
    msg.extend_from_slice(&[0; 8]); // connection ids
    msg.extend_from_slice(&[42, 0, 1, 0, 0x78, 0x56, 0x34, 0x12]); // triad
    msg.extend_from_slice(&[1, 0, 0, 0]); // timeout multiplier, reserved
    msg.extend_from_slice(&[0x40, 0x42, 0x0F, 0x00, 0xF8, 0x43]); // O->T RPI, parameters
    msg.extend_from_slice(&[0x40, 0x42, 0x0F, 0x00, 0xF8, 0x43]); // T->O RPI, parameters
    msg.extend_from_slice(&[0xA3, 0x02, 0x20, 0x02, 0x24, 0x01]); // class 3, path
    let m = view(&msg);
    assert_eq!(m.path().class, Some(6));
    let Ok(CipMessage::Request(r)) = m.check() else {
        panic!()
    };
    let cip::RequestBody::ForwardOpen(f) = r.body else {
        panic!("{:?}", r.body)
    };
    assert_eq!(f.transport.class(), 3);
    assert_eq!(f.connection_path.class(), Some(2));
    // Too short for a Forward Open: the view reads it, the checked form
    // cannot.
    let m = view(&msg[..20]);
    assert!(m.check().is_err());
}
