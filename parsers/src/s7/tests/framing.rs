//! TPKT framing over stream buffers: a packet split over two segments,
//! two packets in one segment, and the payload kinds a DT can carry.

use super::*;

const SETUP: &str = "32 01 0000 0000 0008 0000 f0 00 0001 0001 01e0";

#[test]
fn a_packet_split_over_two_segments() {
    let p = packet(&hex(SETUP));
    for cut in 1..p.len() {
        let mut stream = p[..cut].to_vec();
        assert!(
            matches!(parse_packet(&stream), Parsed::NeedMore(_)),
            "cut {cut}"
        );
        stream.extend_from_slice(&p[cut..]);
        let Parsed::Complete(pk) = parse_packet(&stream) else {
            panic!("cut {cut}: the joined packet did not parse");
        };
        assert_eq!(pk.consumed, p.len());
    }
}

#[test]
fn two_packets_in_one_segment() {
    let mut stream = packet(&hex(SETUP));
    let first = stream.len();
    stream.extend_from_slice(&packet(&hex(
        "32 03 0000 0000 0008 0000 0000 f0 00 0001 0001 00f0",
    )));
    let Parsed::Complete(a) = parse_packet(&stream) else {
        panic!("first packet");
    };
    assert_eq!(a.consumed, first);
    let Parsed::Complete(b) = parse_packet(&stream[a.consumed..]) else {
        panic!("second packet");
    };
    let Payload::S7comm(Ok(m)) = b.payload else {
        panic!("{b:?}")
    };
    assert_eq!(m.header.rosctr(), s7comm::Rosctr::AckData);
    assert_eq!(a.consumed + b.consumed, stream.len());
}

#[test]
fn payload_kinds() {
    // A DT without EOT: a fragment to join.
    let frag = [0x03, 0x00, 0x00, 0x09, 0x02, 0xF0, 0x00, 0x32, 0x01];
    let Parsed::Complete(p) = parse_packet(&frag) else {
        panic!("fragment");
    };
    assert_eq!(p.payload, Payload::Fragment(&[0x32, 0x01]));
    // S7comm-plus is recognized, not parsed.
    let plus = [0x03, 0x00, 0x00, 0x09, 0x02, 0xF0, 0x80, 0x72, 0x01];
    let Parsed::Complete(p) = parse_packet(&plus) else {
        panic!("plus");
    };
    assert_eq!(p.payload, Payload::S7commPlus(&[0x72, 0x01]));
    // Something else.
    let other = [0x03, 0x00, 0x00, 0x08, 0x02, 0xF0, 0x80, 0x00];
    let Parsed::Complete(p) = parse_packet(&other) else {
        panic!("other");
    };
    assert_eq!(p.payload, Payload::Other(&[0x00]));
    // A broken S7comm PDU leaves the packet whole.
    let broken = packet(&hex("32 01 0000"));
    let Parsed::Complete(p) = parse_packet(&broken) else {
        panic!("broken");
    };
    assert_eq!(p.consumed, broken.len());
    let Payload::S7comm(Err(e)) = p.payload else {
        panic!("{p:?}")
    };
    assert_eq!(
        e.to_string(),
        "S7comm: truncated at offset 0: needed 10 bytes, got 4"
    );
}
