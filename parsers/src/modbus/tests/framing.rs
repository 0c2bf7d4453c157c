//! Framing over stream buffers: an ADU split over two segments, two ADUs in
//! one segment, and a whole stream fed one byte at a time.

use super::*;

// Read Holding Registers request (6.3 example) in an MBAP header.
const REQUEST_ADU: [u8; 12] = [
    0x00, 0x2A, // transaction id 42
    0x00, 0x00, // protocol id 0
    0x00, 0x06, // length 6
    0x01, // unit id 1
    0x03, // function: Read Holding Registers
    0x00, 0x6B, // starting address 107
    0x00, 0x03, // quantity 3
];

// Its response.
const RESPONSE_ADU: [u8; 15] = [
    0x00, 0x2A, // transaction id 42
    0x00, 0x00, // protocol id 0
    0x00, 0x09, // length 9
    0x01, // unit id 1
    0x03, // function: Read Holding Registers
    0x06, // byte count 6
    0x02, 0x2B, 0x00, 0x00, 0x00, 0x64, // registers 555, 0, 100
];

#[test]
fn one_adu_split_over_two_segments() {
    let (first, second) = REQUEST_ADU.split_at(5);
    // The first segment alone: not enough to frame.
    let mut stream = first.to_vec();
    let Parsed::NeedMore(n) = parse_adu(&stream, true) else {
        panic!("a partial ADU must ask for more");
    };
    assert!(n >= 1);
    // Both segments: one complete ADU.
    stream.extend_from_slice(second);
    let Parsed::Complete(adu) = parse_adu(&stream, true) else {
        panic!("expected a complete ADU");
    };
    assert_eq!(adu.consumed, REQUEST_ADU.len());
    assert_eq!(adu.header.transaction_id, 42);
    let Ok(Pdu::Request(r)) = adu.pdu else {
        panic!("expected a request: {adu:?}");
    };
    assert_eq!(
        r.body,
        RequestBody::ReadHoldingRegisters {
            address: 107,
            quantity: 3
        }
    );
}

#[test]
fn split_after_the_length_field_asks_for_the_exact_rest() {
    let (first, _) = RESPONSE_ADU.split_at(9);
    assert_eq!(parse_adu(first, false), Parsed::NeedMore(6));
    assert_eq!(frame(first), Frame::NeedMore(6));
}

#[test]
fn two_adus_in_one_segment() {
    let mut segment = RESPONSE_ADU.to_vec();
    let mut second = RESPONSE_ADU;
    second[1] = 0x2B; // transaction id 43
    segment.extend_from_slice(&second);

    let Parsed::Complete(a) = parse_adu(&segment, false) else {
        panic!("expected the first ADU");
    };
    assert_eq!(a.header.transaction_id, 42);
    let rest = &segment[a.consumed..];
    let Parsed::Complete(b) = parse_adu(rest, false) else {
        panic!("expected the second ADU");
    };
    assert_eq!(b.header.transaction_id, 43);
    assert_eq!(a.consumed + b.consumed, segment.len());
    for adu in [a, b] {
        let Ok(Pdu::Response(r)) = adu.pdu else {
            panic!("expected a response");
        };
        let ResponseBody::ReadHoldingRegisters { registers, .. } = r.body else {
            panic!("expected registers");
        };
        assert_eq!(registers.to_vec(), vec![555, 0, 100]);
    }
}

#[test]
fn a_stream_fed_byte_by_byte_yields_every_adu_once() {
    let mut wire = Vec::new();
    for _ in 0..3 {
        wire.extend_from_slice(&REQUEST_ADU);
    }
    let mut buffer = Vec::new();
    let mut seen = 0;
    for b in wire {
        buffer.push(b);
        loop {
            match frame(&buffer) {
                Frame::Complete(raw) => {
                    let consumed = raw.consumed;
                    assert_eq!(raw.pdu, &REQUEST_ADU[7..]);
                    seen += 1;
                    buffer.drain(..consumed);
                }
                Frame::NeedMore(_) => break,
                Frame::Invalid(e) => panic!("{e}"),
            }
        }
    }
    assert_eq!(seen, 3);
    assert!(buffer.is_empty());
}

#[test]
fn an_invalid_length_stops_framing() {
    let mut bad = REQUEST_ADU;
    bad[4..6].copy_from_slice(&0x0400u16.to_be_bytes());
    let Parsed::Invalid(e) = parse_adu(&bad, true) else {
        panic!("length 1024 cannot be Modbus");
    };
    assert_eq!(e.layer, Some(Layer::ModbusMbap));
    assert_eq!(
        e.kind,
        ErrorKind::TooLong {
            field: "length",
            value: 1024,
            max: 254
        }
    );
}

#[test]
fn the_header_flags_reach_the_adu() {
    let mut adu = REQUEST_ADU;
    adu[2] = 0x12; // protocol id 0x1200
    let Parsed::Complete(a) = parse_adu(&adu, true) else {
        panic!("expected a complete ADU");
    };
    assert_eq!(a.violations(), Violations::PROTOCOL_ID_NONZERO);
    assert_eq!(
        a.violations().names().collect::<Vec<_>>(),
        vec!["modbus_protocol_id_nonzero"]
    );
}
