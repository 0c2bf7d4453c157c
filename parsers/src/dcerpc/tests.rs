use super::*;

/// A PNIO-CM Connect request's header as an IO controller sends it, big
/// endian (profinet_io_cm_connect_minimal.pcapng frame 1, from
/// cisagov/icsnpp-profinet-io-cm).
fn connect_header(little: bool) -> Vec<u8> {
    let mut h = vec![4, 0, 0x20, 0, if little { 0x10 } else { 0x00 }, 0, 0, 0];
    let uuid = |b: [u8; 16]| b;
    h.extend(uuid([
        0xDE, 0xA0, 0, 0, 0x6C, 0x97, 0x11, 0xD1, 0x82, 0x71, 0, 1, 0, 3, 1, 0x5A,
    ]));
    h.extend(uuid([
        0xDE, 0xA0, 0, 1, 0x6C, 0x97, 0x11, 0xD1, 0x82, 0x71, 0, 0xA0, 0x24, 0x42, 0xDF, 0x7D,
    ]));
    h.extend([0x11; 16]);
    let words: [(u32, usize); 3] = [(0, 4), (1, 4), (7, 4)];
    for (v, _) in words {
        h.extend(if little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        });
    }
    for v in [0u16, 0xFFFF, 0xFFFF, 457, 0] {
        h.extend(if little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        });
    }
    h.extend([0, 0]);
    h
}

#[test]
fn reads_the_header_in_either_byte_order() {
    for little in [false, true] {
        let mut d = connect_header(little);
        d.extend([0xAB; 457]);
        assert!(probe(&d));
        let p = parse_pdu(&d).unwrap();
        let h = &p.header;
        assert_eq!(
            (h.version, h.packet_type(), h.integer_encoding()),
            (4, 0, u8::from(little))
        );
        let f = h.fields.unwrap();
        assert_eq!(f.interface_version, 1);
        assert_eq!(f.sequence, 7);
        assert_eq!((f.opnum, f.interface_hint, f.body_length), (0, 0xFFFF, 457));
        assert_eq!(f.object[..4], [0xDE, 0xA0, 0, 0]);
        assert_eq!(p.body.len(), 457);
        assert!(h.flags1 & flags1::IDEMPOTENT != 0);
    }
}

#[test]
fn reads_a_fack_body_with_its_selective_acks() {
    let mut d = connect_header(true);
    d[1] = FACK;
    d.extend([0, 0]);
    d.extend(4u16.to_le_bytes());
    d.extend(1464u32.to_le_bytes());
    d.extend(1464u32.to_le_bytes());
    d.extend(3u16.to_le_bytes());
    d.extend(2u16.to_le_bytes());
    d.extend(5u32.to_le_bytes());
    d.extend(9u32.to_le_bytes());
    let p = parse_pdu(&d).unwrap();
    let f = p.header.fack.unwrap();
    assert_eq!((f.window_size, f.max_tsdu, f.serial_number), (4, 1464, 3));
    assert_eq!(f.selective_acks, vec![5, 9]);
    // A FACK whose words are missing is an error naming the offset.
    d[74..76].copy_from_slice(&28u16.to_le_bytes());
    let e = parse_pdu(&d[..d.len() - 2]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "DCE/RPC: truncated at offset 100: needed 4 bytes, got 2"
    );
}

#[test]
fn short_or_foreign_datagrams_fail_cleanly() {
    let d = connect_header(false);
    for n in 0..HEADER_LEN {
        assert!(parse_pdu(&d[..n]).is_err(), "prefix {n}");
    }
    assert!(!probe(b"\x00\x01GET / HTTP/1.1\r\n\r\n......"));
    assert!(!probe(&d[..20]));
    // Another integer representation: only the first eight octets.
    let mut odd = d.clone();
    odd[4] = 0x20;
    let p = parse_pdu(&odd).unwrap();
    assert!(p.header.fields.is_none());
}

proptest::proptest! {
    #[test]
    fn never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
        let _ = parse_pdu(&data);
        let _ = probe(&data);
    }
}

#[test]
fn a_fack_may_come_without_a_body_and_keeps_at_most_64_words() {
    let mut d = connect_header(true);
    d[1] = FACK;
    // Body length 0: no FACK body is read.
    d[74..76].copy_from_slice(&0u16.to_le_bytes());
    let p = parse_pdu(&d).unwrap();
    assert!(p.header.fack.is_none());
    // 100 selective-acknowledgement words announced and sent: 64 kept,
    // the count as announced.
    d[74..76].copy_from_slice(&416u16.to_le_bytes());
    d.extend([0, 0]);
    d.extend(4u16.to_le_bytes());
    d.extend(1464u32.to_le_bytes());
    d.extend(1464u32.to_le_bytes());
    d.extend(3u16.to_le_bytes());
    d.extend(100u16.to_le_bytes());
    for w in 0..100u32 {
        d.extend(w.to_le_bytes());
    }
    let f = parse_pdu(&d).unwrap().header.fack.unwrap();
    assert_eq!(f.selective_ack_count, 100);
    assert_eq!(f.selective_acks.len(), MAX_SELECTIVE_ACKS);
}

#[test]
fn the_probe_wants_a_whole_header_and_knows_pnio_interfaces() {
    // A DNS query whose id is 0x0400 opens like version 4, packet type 0.
    let mut dns = vec![
        0x04, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    dns.extend(b"\x03www\x07example\x03com\x00\x00\x01\x00\x01");
    assert!(!probe(&dns));
    let be = connect_header(false);
    assert!(probe(&be) && is_pnio(&be));
    // The same interface UUID as a little-endian PDU sends it.
    let mut le = connect_header(true);
    le[24..40].copy_from_slice(&[
        0x01, 0x00, 0xA0, 0xDE, 0x97, 0x6C, 0xD1, 0x11, 0x82, 0x71, 0x00, 0xA0, 0x24, 0x42, 0xDF,
        0x7D,
    ]);
    assert!(is_pnio(&le));
    le[30] = 0;
    assert!(!is_pnio(&le));
}
