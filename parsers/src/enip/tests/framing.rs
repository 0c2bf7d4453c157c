//! Framing over stream buffers (CIP Vol 2, 2-3.1): a packet split over two
//! segments, two packets in one segment, a stream fed one byte at a time,
//! and the length cap.

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
    packet(0x006F, 0x1102_0100, &rr_data(&cip))
}

#[test]
fn one_packet_split_over_two_segments() {
    let p = send_rr();
    let (first, second) = p.split_at(10);
    let mut stream = first.to_vec();
    let Parsed::NeedMore(n) = parse_encapsulation(&stream) else {
        panic!("a partial packet must ask for more");
    };
    assert!(n >= 1);
    stream.extend_from_slice(second);
    let Parsed::Complete(pk) = parse_encapsulation(&stream) else {
        panic!("expected a complete packet");
    };
    assert_eq!(pk.consumed, p.len());
    let Some(Ok(CipMessage::Request(r))) = pk.cip() else {
        panic!("expected a CIP request");
    };
    assert_eq!(r.service_name(), "Get_Attributes_All");
}

#[test]
fn split_after_the_length_field_asks_for_the_exact_rest() {
    let p = send_rr();
    for cut in 4..p.len() {
        assert_eq!(
            frame(&p[..cut]),
            Frame::NeedMore(p.len() - cut),
            "cut {cut}"
        );
        assert_eq!(
            parse_encapsulation(&p[..cut]),
            Parsed::NeedMore(p.len() - cut)
        );
    }
    // Before the length field, the header is what is asked for.
    assert_eq!(frame(&p[..3]), Frame::NeedMore(21));
    assert_eq!(frame(&[]), Frame::NeedMore(HEADER_LEN));
}

#[test]
fn two_packets_in_one_segment() {
    let mut segment = REGISTER_REPLY.to_vec();
    segment.extend_from_slice(&send_rr());
    let Parsed::Complete(a) = parse_encapsulation(&segment) else {
        panic!("expected the first packet");
    };
    assert_eq!(a.header.command(), Command::RegisterSession);
    assert_eq!(a.consumed, REGISTER_REPLY.len());
    let Parsed::Complete(b) = parse_encapsulation(&segment[a.consumed..]) else {
        panic!("expected the second packet");
    };
    assert_eq!(b.header.command(), Command::SendRRData);
    assert_eq!(b.header.session_handle, a.header.session_handle);
    assert_eq!(a.consumed + b.consumed, segment.len());
}

#[test]
fn a_stream_fed_byte_by_byte_yields_every_packet_once() {
    let mut wire = Vec::new();
    for _ in 0..3 {
        wire.extend_from_slice(&REGISTER_REPLY);
        wire.extend_from_slice(&send_rr());
    }
    let mut buffer = Vec::new();
    let mut seen = Vec::new();
    for b in wire {
        buffer.push(b);
        loop {
            match frame(&buffer) {
                Frame::Complete(raw) => {
                    let consumed = raw.consumed;
                    seen.push(raw.header.command);
                    buffer.drain(..consumed);
                }
                Frame::NeedMore(_) => break,
                Frame::Invalid(e) => panic!("{e}"),
            }
        }
    }
    assert_eq!(seen, [0x65, 0x6F, 0x65, 0x6F, 0x65, 0x6F]);
    assert!(buffer.is_empty());
}

#[test]
fn a_length_over_the_cap_stops_framing() {
    let mut bad = REGISTER_REPLY;
    bad[2..4].copy_from_slice(&0xFFF0u16.to_le_bytes());
    let Parsed::Invalid(e) = parse_encapsulation(&bad) else {
        panic!("length 65520 cannot be EtherNet/IP");
    };
    assert_eq!(e.layer, Some(Layer::EnipEncapsulation));
    assert_eq!(
        e.kind,
        ErrorKind::TooLong {
            field: "length",
            value: 0xFFF0,
            max: 65_511
        }
    );
}

#[test]
fn the_header_flags_reach_the_packet() {
    let mut p = REGISTER_REPLY;
    p[23] = 0x80; // options 0x80000000
    p[24] = 2; // protocol version 2
    let Parsed::Complete(pk) = parse_encapsulation(&p) else {
        panic!("expected a complete packet");
    };
    assert_eq!(
        pk.violations(),
        Violations::OPTIONS_NONZERO | Violations::UNSUPPORTED_PROTOCOL_VERSION
    );
    assert_eq!(
        pk.violations().names().collect::<Vec<_>>(),
        vec!["enip_options_nonzero", "enip_unsupported_protocol_version"]
    );
}

#[test]
fn probe_finds_packets_after_a_gap() {
    let mut stream = vec![0xAB; 7];
    stream.extend_from_slice(&send_rr());
    let start = (0..stream.len()).find(|i| probe(&stream[*i..]));
    assert_eq!(start, Some(7));
    assert!(probe(&REGISTER_REPLY));
}
