//! One annotated Common Packet Format per item type (CIP Vol 2, 2-6), and
//! the flags for malformed item lists.

use super::*;
use std::net::Ipv4Addr;

fn cpf(b: &[u8]) -> Cpf<'_> {
    match parse_cpf(b) {
        Ok((rest, c)) => {
            assert!(rest.is_empty());
            c
        }
        Err(e) => panic!("CPF {b:02x?} did not parse: {e:?}"),
    }
}

/// Every prefix of a CPF with items fails cleanly or is flagged.
fn assert_cpf_prefixes(b: &[u8]) {
    for n in 0..b.len() {
        match parse_cpf(&b[..n]) {
            Err(nom::Err::Error(e)) => {
                assert!(n < 2, "prefix {n}: {e}");
                assert_truncated(&e, Layer::EnipCpf, "item count");
            }
            Ok((_, c)) => assert!(!c.violations.is_empty(), "prefix {n} of {b:02x?}"),
            Err(e) => panic!("prefix {n}: {e:?}"),
        }
    }
}

#[test]
fn null_and_connected_address_items_2_6_2() {
    let b = [
        0x02, 0x00, // item count 2
        0x00, 0x00, 0x00, 0x00, // Null address item, length 0
        0xA1, 0x00, 0x04, 0x00, // Connected address item, length 4
        0x78, 0x56, 0x34, 0x12, // connection id 0x12345678
    ];
    let c = cpf(&b);
    assert!(c.violations.is_empty());
    let items: Vec<_> = c.items().collect();
    assert_eq!(
        items,
        vec![
            Ok(Item::NullAddress),
            Ok(Item::ConnectedAddress {
                connection_id: 0x1234_5678
            })
        ]
    );
    assert_eq!(c.connection_id(), Some(0x1234_5678));
    assert_eq!(
        items[1].as_ref().map(Item::type_id),
        Ok(item_type::CONNECTED_ADDRESS)
    );
    assert_cpf_prefixes(&b);
}

#[test]
fn sequenced_address_and_connected_data_items_2_6_2_3() {
    // An implicit I/O packet of enip_cip_example.pcap (frame 377).
    let b = [
        0x02, 0x00, // item count 2
        0x02, 0x80, 0x08, 0x00, // Sequenced address item, length 8
        0x03, 0x06, 0x4B, 0x00, // connection id 0x004B0603
        0xDB, 0x94, 0x3F, 0x00, // sequence number 4166875
        0xB1, 0x00, 0x06, 0x00, // Connected data item, length 6
        0xA5, 0x87, 0xE8, 0x0F, 0x03, 0x00, // I/O data
    ];
    let c = cpf(&b);
    assert!(c.violations.is_empty());
    assert_eq!(c.sequenced_address(), Some((0x004B_0603, 4_166_875)));
    assert_eq!(c.connection_id(), Some(0x004B_0603));
    assert_eq!(c.connected_data(), Some(&b[18..]));
    assert_eq!(c.unconnected_data(), None);
    let Ok((_, io)) = parse_io(&b) else { panic!() };
    assert!(io.violations.is_empty());
    assert_eq!(io.sequenced_address, Some((0x004B_0603, 4_166_875)));
    assert_eq!(io.data, Some(&b[18..]));
    assert_cpf_prefixes(&b);
}

#[test]
fn unconnected_data_item_2_6_3_1() {
    let b = [
        0x01, 0x00, // item count 1
        0xB2, 0x00, 0x02, 0x00, // Unconnected data item, length 2
        0x01, 0x00, // data
    ];
    let c = cpf(&b);
    assert_eq!(
        c.items().next(),
        Some(Ok(Item::UnconnectedData(&[0x01, 0x00])))
    );
    assert_eq!(c.raw_items().next().map(|r| r.offset), Some(6));
    assert_cpf_prefixes(&b);
}

#[test]
fn sockaddr_items_are_big_endian_2_6_3_3() {
    let b = [
        0x02, 0x00, // item count 2
        0x00, 0x80, 0x10, 0x00, // Sockaddr info O->T, length 16
        0x00, 0x02, 0x08, 0xAE, // family 2, port 2222
        0xC0, 0xA8, 0x01, 0x16, // 192.168.1.22
        0, 0, 0, 0, 0, 0, 0, 0, // sin_zero
        0x01, 0x80, 0x10, 0x00, // Sockaddr info T->O, length 16
        0x00, 0x02, 0x08, 0xAE, // family 2, port 2222
        0xEF, 0xC0, 0x00, 0x01, // 239.192.0.1
        0, 0, 0, 0, 0, 0, 0, 0, // sin_zero
    ];
    let c = cpf(&b);
    assert!(c.violations.is_empty());
    let items: Vec<_> = c.items().collect();
    let [Ok(Item::SockaddrOToT(o)), Ok(Item::SockaddrTToO(t))] = items[..] else {
        panic!("{items:?}");
    };
    assert_eq!((o.port, o.addr), (2222, Ipv4Addr::new(192, 168, 1, 22)));
    assert_eq!(t.addr, Ipv4Addr::new(239, 192, 0, 1));
    assert_cpf_prefixes(&b);
}

#[test]
fn list_identity_item_2_4_2_3() {
    // The ListIdentity reply item of a 1756-ENBT/A (enip_cip_example.pcap,
    // frame 372); cip_identity.log of the reference prints exactly these
    // fields.
    let b = [
        0x01, 0x00, // item count 1
        0x0C, 0x00, 0x2D, 0x00, // ListIdentity item, length 45
        0x01, 0x00, // encapsulation protocol version 1
        0x00, 0x02, // sin_family 2 (big-endian)
        0xAF, 0x12, // sin_port 44818 (big-endian)
        0x0A, 0x01, 0x01, 0xA4, // sin_addr 10.1.1.164
        0, 0, 0, 0, 0, 0, 0, 0, // sin_zero
        0x01, 0x00, // vendor 1
        0x0C, 0x00, // device type 12
        0x3A, 0x00, // product code 58
        0x04, 0x03, // revision 4.3
        0x30, 0x00, // status 0x0030
        0x8E, 0x4D, 0x52, 0x00, // serial number 0x00524D8E
        0x0B, // product name length 11
        b'1', b'7', b'5', b'6', b'-', b'E', b'N', b'B', b'T', b'/', b'A', //
        0x03, // state 3
    ];
    let c = cpf(&b);
    assert!(c.violations.is_empty(), "{:?}", c.violations);
    let Some(Ok(Item::ListIdentity(li))) = c.items().next() else {
        panic!("expected a ListIdentity item");
    };
    assert_eq!(li.protocol_version, 1);
    assert_eq!(li.socket_address.addr, Ipv4Addr::new(10, 1, 1, 164));
    assert_eq!(li.socket_address.port, 44818);
    let id = li.identity;
    assert_eq!(id.vendor_name(), "Rockwell Automation/Allen-Bradley");
    assert_eq!(id.device_type, 12);
    assert_eq!(id.device_type_name(), "Communications Adapter");
    assert_eq!(id.product_code, 58);
    assert_eq!(id.revision.to_string(), "4.3");
    assert_eq!(format!("0x{:04x}", id.status), "0x0030");
    assert_eq!(format!("0x{:08x}", id.serial_number), "0x00524d8e");
    assert_eq!(id.product_name, b"1756-ENBT/A");
    assert_eq!(format!("0x{:04x}", li.state), "0x0003");
    assert_cpf_prefixes(&b);
}

#[test]
fn list_identity_item_with_extra_bytes_or_a_long_name_is_flagged() {
    let mut b = vec![0x01, 0x00, 0x0C, 0x00, 0x24, 0x00, 0x02, 0x00];
    b.extend_from_slice(&[0x00, 0x02, 0xAF, 0x12, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    b.extend_from_slice(&[1, 0, 14, 0, 1, 0, 20, 1, 0, 0, 1, 2, 3, 4]);
    b.extend_from_slice(&[0x01, b'X', 0x03, 0xEE]); // name "X", state 3, one byte extra
    let c = cpf(&b);
    assert_eq!(
        c.violations,
        Violations::UNSUPPORTED_PROTOCOL_VERSION | Violations::ITEM_LENGTH_MISMATCH
    );
    // A name length past the item: the state is missing, an item error.
    let mut short = b.clone();
    short[38] = 5;
    let c = cpf(&short);
    assert!(c.violations.contains(Violations::ITEM_LENGTH_MISMATCH));
    assert!(matches!(c.items().next(), Some(Err(_))));
}

#[test]
fn unknown_items_are_data() {
    let b = [
        0x01, 0x00, // item count 1
        0x86, 0x00, 0x03, 0x00, // item type 0x0086 (CIP Security information), length 3
        0x01, 0x02, 0x03, // data
    ];
    let c = cpf(&b);
    assert!(c.violations.is_empty());
    assert_eq!(
        c.items().next(),
        Some(Ok(Item::Unknown {
            type_id: 0x86,
            data: &[1, 2, 3]
        }))
    );
}

#[test]
fn malformed_item_lists_are_flagged() {
    // Fixed-length items of the wrong length.
    let b = [
        0x02, 0x00, // item count 2
        0x00, 0x00, 0x01, 0x00, 0xFF, // Null address with 1 byte
        0x02, 0x80, 0x09, 0x00, 1, 0, 0, 0, 2, 0, 0, 0, 0xFF, // Sequenced address, 9 bytes
    ];
    let c = cpf(&b);
    assert_eq!(c.violations, Violations::ITEM_LENGTH_MISMATCH);
    assert_eq!(c.sequenced_address(), Some((1, 2)));
    // Bytes after the counted items.
    let b = [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xAB];
    assert_eq!(cpf(&b).violations, Violations::TRAILING_BYTES);
    // More items than counted: only the counted ones are walked.
    let b = [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
    let c = cpf(&b);
    assert_eq!(c.violations, Violations::TRAILING_BYTES);
    assert_eq!(c.items().count(), 1);
    // A count with no items at all.
    let c = cpf(&[0x03, 0x00]);
    assert_eq!(c.violations, Violations::ITEM_COUNT_MISMATCH);
    assert_eq!(c.items().count(), 0);
    // Half an item header.
    let c = cpf(&[0x01, 0x00, 0xB2, 0x00]);
    assert_eq!(
        c.violations,
        Violations::ITEM_COUNT_MISMATCH | Violations::TRUNCATED_ITEM
    );
    // An empty CPF (count 0) is valid.
    let c = cpf(&[0x00, 0x00]);
    assert!(c.violations.is_empty());
    assert_eq!(c.items_bytes(), &[] as &[u8]);
}

#[test]
fn io_packets_and_their_data() {
    // Frame 388 of enip_cip_example.pcap: a heartbeat from the target,
    // only a class 1 sequence count.
    let b = hex("0200 0280 0800 0b408e00 8f150500 b100 0200 0100");
    let Ok((_, io)) = parse_io(&b) else { panic!() };
    assert!(io.violations.is_empty());
    assert_eq!(io.sequenced_address, Some((0x008E_400B, 0x0005_158F)));
    let Some(data) = io.data else { panic!() };
    assert_eq!(
        split_io_data(data, true, false),
        Ok(IoData {
            sequence_count: Some(1),
            run_idle: None,
            application: &[]
        })
    );
    // An O->T packet with a sequence count and a run/idle header.
    let data = [0x07, 0x00, 0x01, 0x00, 0x00, 0x00, 0xAA, 0xBB];
    let Ok(d) = split_io_data(&data, true, true) else {
        panic!()
    };
    assert_eq!(d.sequence_count, Some(7));
    assert_eq!(d.is_run(), Some(true));
    assert_eq!(d.application, &[0xAA, 0xBB]);
    let Err(e) = split_io_data(&data[..4], true, true) else {
        panic!("a run/idle header needs 4 bytes");
    };
    assert_eq!(e.kind, ErrorKind::Truncated { needed: 4, got: 2 });
    // Items in the wrong order are flagged.
    let b = hex("0200 b100 0000 0280 0800 01000000 02000000");
    let Ok((_, io)) = parse_io(&b) else { panic!() };
    assert_eq!(io.violations, Violations::UNEXPECTED_ITEMS);
    assert!(parse_io(&[0x02]).is_err());
}
