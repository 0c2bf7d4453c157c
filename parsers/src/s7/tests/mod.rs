//! Cross-cutting tests of the S7 module: annotated byte vectors per COTP
//! TPDU type (`cotp`), per S7comm Job / Ack_Data function (`jobs`), per
//! Userdata kind (`userdata`), framing over stream buffers (`framing`),
//! every payload of the reference traces (`traces`) and property tests
//! (`props`).

mod cotp;
mod framing;
mod jobs;
mod props;
mod traces;
mod userdata;

use super::s7comm::{self, Data, Message, Parameter};
use super::*;
use crate::ErrorKind;

/// Bytes from a hex string: spaces and newlines allowed, `#` starts a
/// comment that runs to the end of the line.
fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s
        .lines()
        .flat_map(|l| l.split('#').next().unwrap_or("").bytes())
        .filter(u8::is_ascii_hexdigit)
        .collect();
    assert_eq!(digits.len() % 2, 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap_or("00"), 16).unwrap_or(0))
        .collect()
}

/// A TPKT packet carrying `pdu` in one class 0 DT TPDU with EOT set.
fn packet(pdu: &[u8]) -> Vec<u8> {
    let len = u16::try_from(pdu.len() + 7).unwrap_or(u16::MAX);
    let mut p = vec![0x03, 0x00];
    p.extend_from_slice(&len.to_be_bytes());
    p.extend_from_slice(&[0x02, 0xF0, 0x80]);
    p.extend_from_slice(pdu);
    p
}

/// Parses an S7comm PDU that must parse whole with no violation.
fn msg(pdu: &[u8]) -> Message<'_> {
    match s7comm::parse_message(pdu) {
        Ok((rest, m)) => {
            assert!(rest.is_empty(), "PDU left input: {pdu:02x?}");
            assert!(m.violations.is_empty(), "{:?} in {pdu:02x?}", m.violations);
            m
        }
        Err(e) => panic!("PDU {pdu:02x?} did not parse: {e:?}"),
    }
}

/// Every truncated prefix of a valid S7comm PDU fails cleanly: an error
/// (`Truncated`, with the offset inside the prefix), or a parse flagged
/// `S7_LENGTH_EXCEEDS_PDU`. Inside a TPKT packet, every prefix of the
/// packet asks for more bytes.
fn assert_prefixes_fail_cleanly(pdu: &[u8]) {
    let _ = msg(pdu);
    for n in 0..pdu.len() {
        match s7comm::parse_message(&pdu[..n]) {
            Err(nom::Err::Error(e)) => {
                assert!(
                    matches!(e.kind, ErrorKind::Truncated { needed, got } if got < needed),
                    "prefix {n} of {pdu:02x?}: {e:?}"
                );
                assert!(e.offset <= n, "prefix {n}: offset {}", e.offset);
            }
            Err(other) => panic!("prefix {n}: {other:?}"),
            Ok((_, m)) => assert!(
                m.violations.contains(Violations::S7_LENGTH_EXCEEDS_PDU),
                "prefix {n} of {pdu:02x?} parsed with {:?}",
                m.violations
            ),
        }
    }
    let p = packet(pdu);
    for n in 0..p.len() {
        let r = parse_packet(&p[..n]);
        assert!(
            matches!(r, Parsed::NeedMore(k) if k >= 1 && n + k <= p.len()),
            "packet prefix {n}: {r:?}"
        );
    }
    let Parsed::Complete(whole) = parse_packet(&p) else {
        panic!("packet of {pdu:02x?} did not frame");
    };
    assert_eq!(whole.consumed, p.len());
    assert!(matches!(whole.payload, Payload::S7comm(Ok(_))));
    assert!(whole.violations().is_empty(), "{:?}", whole.violations());
}

#[test]
fn error_display_names_the_layer_field_and_offset() {
    // TPKT: a version other than 3.
    let Parsed::Invalid(e) = parse_packet(&[0x04, 0x00, 0x00, 0x07, 0x02, 0xF0, 0x80]) else {
        panic!("version 4 must be invalid");
    };
    assert_eq!(e.to_string(), "TPKT: invalid version 4 at offset 0");
    // COTP: a length indicator past the TPDU.
    let p = [0x03, 0x00, 0x00, 0x07, 0x11, 0xE0, 0x00];
    let Parsed::Complete(pk) = parse_packet(&p) else {
        panic!("the TPKT is whole");
    };
    let Err(e) = pk.cotp else {
        panic!("LI 17 in a 3-byte TPDU must fail");
    };
    assert_eq!(
        e.to_string(),
        "COTP: length indicator 17 at offset 0 exceeds the limit of 2"
    );
    // S7comm: the protocol id and a truncated fixed field.
    let Err(nom::Err::Error(e)) = s7comm::parse_message(&[0x31, 0x01]) else {
        panic!("0x31 is not S7comm");
    };
    assert_eq!(e.to_string(), "S7comm: invalid protocol id 49 at offset 0");
    // Setup Communication whose parameter block stops after 5 bytes.
    let pdu = hex("32 01 0000 0000 0005 0000  f0 00 0001 00");
    let Err(nom::Err::Error(e)) = s7comm::parse_message(&pdu) else {
        panic!("a short Setup Communication must fail");
    };
    assert_eq!(e.kind, ErrorKind::Truncated { needed: 2, got: 1 });
    assert_eq!(
        e.to_string(),
        "S7comm: truncated at offset 14: needed 2 bytes, got 1"
    );
}
