//! COTP TPDUs (X.224, 13), one annotated vector per type.

use super::*;
use crate::s7::cotp::{parse_tpdu, Body, Connection, ParamCode, PduType, Tpdu};

fn tpdu(b: &[u8]) -> Tpdu<'_> {
    match parse_tpdu(b) {
        Ok((rest, t)) => {
            assert!(rest.is_empty());
            t
        }
        Err(e) => panic!("TPDU {b:02x?} did not parse: {e:?}"),
    }
}

// s7ident.pcap frame 4: the connection request of a PG to rack 0 slot 1.
const CR: [u8; 18] = [
    0x11, // LI 17
    0xE0, // CR, credit 0
    0x00, 0x00, // DST-REF 0
    0x00, 0x01, // SRC-REF 1
    0x00, // class 0, no options
    0xC0, 0x01, 0x0A, // TPDU size 2^10 = 1024
    0xC1, 0x02, 0x01, 0x00, // calling TSAP 01 00
    0xC2, 0x02, 0x01, 0x01, // called TSAP 01 01
];

#[test]
fn connection_request_with_tsaps_and_tpdu_size() {
    let t = tpdu(&CR);
    assert_eq!(t.pdu_type(), PduType::ConnectionRequest);
    assert_eq!(t.credit(), 0);
    assert_eq!(
        t.body,
        Body::ConnectionRequest(Connection {
            dst_ref: 0,
            src_ref: 1,
            class_options: 0
        })
    );
    let Body::ConnectionRequest(c) = t.body else {
        unreachable!()
    };
    assert_eq!(
        (
            c.class(),
            c.extended_formats(),
            c.no_explicit_flow_control()
        ),
        (0, false, false)
    );
    assert_eq!(t.params.tpdu_size(), Some(0x0A));
    assert_eq!(t.params.tpdu_size_octets(), Some(1024));
    assert_eq!(t.params.calling_tsap(), Some(&[0x01, 0x00][..]));
    assert_eq!(t.params.called_tsap(), Some(&[0x01, 0x01][..]));
    assert_eq!(t.params.iter().count(), 3);
    assert!(t.user_data.is_empty());
    assert!(t.violations.is_empty());
}

#[test]
fn connection_confirm() {
    // s7ident.pcap frame 6.
    let cc = hex("11 d0 0001 0001 00 c0010a c1020100 c2020101");
    let t = tpdu(&cc);
    assert_eq!(t.pdu_type(), PduType::ConnectionConfirm);
    let Body::ConnectionConfirm(c) = t.body else {
        panic!("{t:?}")
    };
    assert_eq!((c.dst_ref, c.src_ref), (1, 1));
}

#[test]
fn data_tpdu_class_0_carries_user_data() {
    let dt = [
        0x02, // LI 2
        0xF0, // DT
        0x80, // EOT, TPDU-NR 0
        0x32, 0x01, // user data: start of an S7comm PDU
    ];
    let t = tpdu(&dt);
    assert_eq!(
        t.body,
        Body::Data {
            dst_ref: None,
            eot: true,
            number: 0
        }
    );
    assert!(t.is_last_data());
    assert_eq!(t.user_data, &[0x32, 0x01]);
    // Without EOT: one part of a longer TSDU.
    let t = tpdu(&[0x02, 0xF0, 0x05, 0xAA]);
    assert_eq!(
        t.body,
        Body::Data {
            dst_ref: None,
            eot: false,
            number: 5
        }
    );
    assert!(!t.is_last_data());
    // Normal format of classes 1-4: DST-REF first.
    let t = tpdu(&[0x04, 0xF0, 0x12, 0x34, 0x81]);
    assert_eq!(
        t.body,
        Body::Data {
            dst_ref: Some(0x1234),
            eot: true,
            number: 1
        }
    );
}

#[test]
fn other_tpdu_types() {
    let cases: [(&[u8], PduType, Body); 7] = [
        // DR: DST-REF 1, SRC-REF 2, reason 0x80 (normal disconnect).
        (
            &[0x06, 0x80, 0, 1, 0, 2, 0x80],
            PduType::DisconnectRequest,
            Body::DisconnectRequest {
                dst_ref: 1,
                src_ref: 2,
                reason: 0x80,
            },
        ),
        // DC: DST-REF 2, SRC-REF 1.
        (
            &[0x05, 0xC0, 0, 2, 0, 1],
            PduType::DisconnectConfirm,
            Body::DisconnectConfirm {
                dst_ref: 2,
                src_ref: 1,
            },
        ),
        // ED: DST-REF 3, EOT, number 4.
        (
            &[0x04, 0x10, 0, 3, 0x84],
            PduType::ExpeditedData,
            Body::ExpeditedData {
                dst_ref: 3,
                eot: true,
                number: 4,
            },
        ),
        // AK with credit 2: DST-REF 3, next number 5.
        (
            &[0x04, 0x62, 0, 3, 0x05],
            PduType::DataAck,
            Body::DataAck {
                dst_ref: 3,
                number: 5,
            },
        ),
        // EA: DST-REF 3, number 4.
        (
            &[0x04, 0x20, 0, 3, 0x04],
            PduType::ExpeditedDataAck,
            Body::ExpeditedDataAck {
                dst_ref: 3,
                number: 4,
            },
        ),
        // RJ: DST-REF 3, number 6.
        (
            &[0x04, 0x50, 0, 3, 0x06],
            PduType::Reject,
            Body::Reject {
                dst_ref: 3,
                number: 6,
            },
        ),
        // ER: DST-REF 3, cause 2 (invalid parameter), invalid TPDU 0xC1.
        (
            &[0x08, 0x70, 0, 3, 0x02, 0xC1, 0x02, 0xE0, 0x00],
            PduType::Error,
            Body::Error {
                dst_ref: 3,
                cause: 2,
            },
        ),
    ];
    for (bytes, kind, body) in cases {
        let t = tpdu(bytes);
        assert_eq!((t.pdu_type(), t.body), (kind, body), "{bytes:02x?}");
        assert!(t.violations.is_empty(), "{bytes:02x?}");
    }
    let er = tpdu(cases[6].0);
    assert_eq!(
        er.params.iter().next().map(|p| p.kind()),
        Some(ParamCode::CallingTsap)
    );
}

#[test]
fn unknown_type_and_parameters_are_data() {
    let t = tpdu(&[0x03, 0x30, 0xAB, 0xCD]);
    assert_eq!(t.pdu_type(), PduType::Unknown(0x30));
    assert_eq!(t.body, Body::Unknown);
    assert_eq!(t.params.bytes(), &[0xAB, 0xCD]);
    assert!(t.violations.is_empty());
    let mut cr = CR.to_vec();
    cr.extend_from_slice(&[0x99, 0x01, 0x07]);
    cr[0] += 3;
    let t = tpdu(&cr);
    let last = t.params.iter().last();
    assert_eq!(
        last.map(|p| (p.kind(), p.value)),
        Some((ParamCode::Unknown(0x99), &[7u8][..]))
    );
}

#[test]
fn a_parameter_past_the_header_is_flagged() {
    let mut cr = CR;
    cr[15] = 0x05; // called TSAP claims 5 bytes, 2 are left
    let t = tpdu(&cr);
    assert_eq!(t.violations, Violations::COTP_PARAMETER_TRUNCATED);
    assert_eq!(t.params.called_tsap(), None);
    assert_eq!(t.params.calling_tsap(), Some(&[0x01, 0x00][..]));
}

#[test]
fn every_prefix_of_a_header_fails_cleanly() {
    for n in 0..CR.len() {
        let Err(nom::Err::Error(e)) = parse_tpdu(&CR[..n]) else {
            panic!("prefix {n} parsed");
        };
        match e.kind {
            ErrorKind::Truncated { needed, got } => assert!(got < needed && n == 0),
            ErrorKind::TooLong { field, value, .. } => {
                assert_eq!((field, value), ("length indicator", 17));
            }
            other => panic!("prefix {n}: {other:?}"),
        }
    }
    // An LI that covers too little of a CR's fixed part.
    let Err(nom::Err::Error(e)) = parse_tpdu(&[0x03, 0xE0, 0x00, 0x00]) else {
        panic!("a 3-byte CR header must fail");
    };
    assert_eq!(
        e.to_string(),
        "COTP: truncated at offset 4: needed 2 bytes, got 0"
    );
    let Err(nom::Err::Error(e)) = parse_tpdu(&[0xFF, 0xF0]) else {
        panic!("LI 255 must fail");
    };
    assert_eq!(
        e.to_string(),
        "COTP: invalid length indicator 255 at offset 0"
    );
}

#[test]
fn packet_of_a_connection_request_has_no_payload() {
    let mut p = vec![0x03, 0x00, 0x00, 0x16];
    p.extend_from_slice(&CR);
    let Parsed::Complete(pk) = parse_packet(&p) else {
        panic!("CR packet did not frame");
    };
    assert_eq!(pk.payload, Payload::None);
    assert!(pk.cotp.is_ok());
}
