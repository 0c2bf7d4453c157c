//! One annotated Common Packet Format per item type (CIP Vol 2, 2-6), read
//! by the view (the reference's walk) and by the checked form (the spec's),
//! and the flags for malformed item lists. The CPFs travel in a
//! ListInterfaces reply, whose items may be of any type.

use super::*;
use std::net::Ipv4Addr;

fn list_reply(cpf: &[u8]) -> Vec<u8> {
    packet(command::LIST_INTERFACES, 0, cpf)
}

/// The checked form's flags for a CPF.
fn flags(cpf: &[u8]) -> Violations {
    let p = list_reply(cpf);
    match Message::new(&p).and_then(|m| m.check()) {
        Ok(v) => v,
        Err(e) => panic!("{cpf:02x?}: {e}"),
    }
}

/// The view's items of the CPF of list reply `p` (the last one may be the
/// error that ended the walk).
fn lax(p: &[u8]) -> Vec<Result<Item<'_>, Error>> {
    let Ok(m) = Message::new(p) else { panic!() };
    let Body::List(list) = m.body(true) else {
        panic!()
    };
    list.collect()
}

/// The items of the CPF of list reply `p`, which checks clean, as the
/// view reads them.
fn clean(p: &[u8]) -> Vec<Item<'_>> {
    let flags = Message::new(p).and_then(|m| m.check());
    assert_eq!(flags, Ok(Violations::NONE), "{p:02x?}");
    lax(p)
        .into_iter()
        .map(|i| i.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// Every prefix of a CPF with items is flagged by the checked form (only
/// a missing count is an error) and never panics the view.
fn assert_cpf_prefixes(b: &[u8]) {
    for n in 1..b.len() {
        let p = list_reply(&b[..n]);
        let Ok(m) = Message::new(&p) else { panic!() };
        match m.check() {
            Err(e) => {
                assert!(n < 2, "prefix {n}: {e}");
                assert_truncated(&e, Layer::EnipCpf, "item count");
            }
            Ok(v) => assert!(!v.is_empty(), "prefix {n} of {b:02x?}"),
        }
        let _ = read_all(&m, true);
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
    assert_eq!(
        clean(&list_reply(&b)),
        vec![Item::NullAddress, Item::ConnectedAddress(0x1234_5678)]
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
    let Ok(io) = Datagram::new(&b) else { panic!() };
    assert!(io.check().is_empty());
    assert_eq!(
        (io.connection_id(), io.sequence_number()),
        (0x004B_0603, 4_166_875)
    );
    assert_eq!(io.data(), &b[18..]);
    // In explicit messaging the reference reads connected data as a
    // sequence count and a CIP message: here 0x87A5 and a truncated one.
    let p = list_reply(&b);
    let read = lax(&p);
    assert_eq!(
        read[0],
        Ok(Item::SequencedAddress {
            connection_id: 0x004B_0603,
            sequence: 4_166_875
        })
    );
    assert!(matches!(read[1], Err(ref e) if e.layer == Some(Layer::Cip)));
    for n in 0..b.len() {
        assert!(Datagram::new(&b[..n]).is_err(), "prefix {n}");
    }
}

#[test]
fn unconnected_data_item_2_6_3_1() {
    let b = [
        0x01, 0x00, // item count 1
        0xB2, 0x00, 0x02, 0x00, // Unconnected data item, length 2
        0x01, 0x00, // Get_Attributes_All, empty path
    ];
    let p = list_reply(&b);
    let [Item::UnconnectedData(c)] = clean(&p)[..] else {
        panic!()
    };
    assert_eq!(c.as_bytes(), &[0x01, 0x00]);
    assert_eq!((c.service(), c.len()), (0x01, 2));
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
    let [Item::Sockaddr { address: o, .. }, Item::Sockaddr { address: t, .. }] =
        clean(&list_reply(&b))[..]
    else {
        panic!()
    };
    assert_eq!((o.port, o.addr), (2222, Ipv4Addr::new(192, 168, 1, 22)));
    assert_eq!(t.addr, Ipv4Addr::new(239, 192, 0, 1));
    assert_cpf_prefixes(&b);
    // A little-endian family is a common mistake: flagged, still read.
    let mut le = b;
    le[6..8].copy_from_slice(&[0x02, 0x00]);
    assert_eq!(flags(&le), Violations::INVALID_SOCKADDR);
    assert_eq!(lax(&list_reply(&le)).len(), 2);
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
    let p = list_reply(&b);
    let [Item::ListIdentity(li)] = clean(&p)[..] else {
        panic!()
    };
    assert_eq!(li.protocol_version, 1);
    assert_eq!(li.socket_address.addr, Ipv4Addr::new(10, 1, 1, 164));
    assert_eq!(li.socket_address.port, 44818);
    let id = li.identity;
    assert_eq!(id.vendor_id, 1);
    assert_eq!(id.device_type, 12);
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
    assert_eq!(
        flags(&b),
        Violations::UNSUPPORTED_PROTOCOL_VERSION | Violations::ITEM_LENGTH_MISMATCH
    );
    // The reference reads the item (and leaves the extra byte).
    assert!(matches!(
        lax(&list_reply(&b))[..],
        [Ok(Item::ListIdentity(_))]
    ));
    // A name length past the item: the state is missing, for the spec and
    // for the reference.
    let mut short = b.clone();
    short[38] = 5;
    assert!(flags(&short).contains(Violations::ITEM_LENGTH_MISMATCH));
    assert!(matches!(lax(&list_reply(&short))[..], [Err(_)]));
}

#[test]
fn info_and_unknown_items() {
    let b = [
        0x02, 0x00, // item count 2
        0x87, 0x00, 0x04, 0x00, // item type 0x0087 (EtherNet/IP capability), length 4
        0x01, 0x00, 0x00, 0x00, // profile
        0x34, 0x12, 0x03, 0x00, // item type 0x1234, length 3
        0x01, 0x02, 0x03, // data
    ];
    assert_eq!(
        clean(&list_reply(&b)),
        vec![
            Item::Info {
                type_id: item_type::ENIP_CAPABILITY,
                data: &[1, 0, 0, 0]
            },
            Item::Unknown {
                type_id: 0x1234,
                rest: &[1, 2, 3]
            }
        ]
    );
    // The reference reads 5 bytes of a CIP Security item whatever its
    // length; the spec's reading flags the disagreement.
    let b = [0x01, 0x00, 0x86, 0x00, 0x03, 0x00, 1, 2, 3];
    assert_eq!(flags(&b), Violations::ITEM_LENGTH_MISMATCH);
    assert!(matches!(lax(&list_reply(&b))[..], [Err(_)]));
    // An unknown item takes the rest: a counted item after it is cut.
    let b = [
        0x02, 0x00, 0x34, 0x12, 0x00, 0x00, // type 0x1234, empty
        0x00, 0x00, 0x00, 0x00, // Null address
    ];
    assert!(flags(&b).is_empty());
    assert!(matches!(
        lax(&list_reply(&b))[..],
        [
            Ok(Item::Unknown {
                rest: &[0, 0, 0, 0],
                ..
            }),
            Err(_)
        ]
    ));
}

#[test]
fn malformed_item_lists_are_flagged() {
    // Fixed-length items of the wrong length.
    let b = [
        0x02, 0x00, // item count 2
        0x00, 0x00, 0x01, 0x00, 0xFF, // Null address with 1 byte
        0x02, 0x80, 0x09, 0x00, 1, 0, 0, 0, 2, 0, 0, 0, 0xFF, // Sequenced address, 9 bytes
    ];
    assert_eq!(flags(&b), Violations::ITEM_LENGTH_MISMATCH);
    // Bytes after the counted items.
    let b = [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xAB];
    assert_eq!(flags(&b), Violations::TRAILING_BYTES);
    // More items than counted: only the counted ones are walked.
    let b = [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
    assert_eq!(flags(&b), Violations::TRAILING_BYTES);
    assert_eq!(lax(&list_reply(&b)).len(), 1);
    // A count with no items at all: the reference reads past the end.
    assert_eq!(flags(&[0x03, 0x00]), Violations::ITEM_COUNT_MISMATCH);
    assert!(matches!(lax(&list_reply(&[0x03, 0x00]))[..], [Err(_)]));
    // Half an item header.
    assert_eq!(
        flags(&[0x01, 0x00, 0xB2, 0x00]),
        Violations::ITEM_COUNT_MISMATCH | Violations::TRUNCATED_ITEM
    );
    // An item running past the data.
    let b = [
        0x02, 0x00, // item count 2
        0xB2, 0x00, 0x06, 0x00, // unconnected data, length 6
        0x01, 0x02, 0x03, // only 3 bytes
    ];
    assert_eq!(
        flags(&b),
        Violations::TRUNCATED_ITEM | Violations::ITEM_COUNT_MISMATCH
    );
    // An empty CPF (count 0) is valid, and has no items.
    assert!(flags(&[0x00, 0x00]).is_empty());
    assert!(lax(&list_reply(&[0x00, 0x00])).is_empty());
}

#[test]
fn io_datagrams_and_their_data() {
    // Frame 388 of enip_cip_example.pcap: a heartbeat from the target,
    // only a class 1 sequence count.
    let b = hex("0200 0280 0800 0b408e00 8f150500 b100 0200 0100");
    assert!(is_io(&b));
    let Ok(io) = Datagram::new(&b) else { panic!() };
    assert!(io.check().is_empty());
    assert_eq!(
        (io.connection_id(), io.sequence_number()),
        (0x008E_400B, 0x0005_158F)
    );
    assert_eq!(
        io.split(true, false),
        Ok(IoData {
            sequence_count: Some(1),
            run_idle: None,
            application: &[]
        })
    );
    // An O->T packet with a sequence count and a run/idle header.
    let mut b = hex("0200 0280 0800 01000000 02000000 b100 0800");
    b.extend_from_slice(&[0x07, 0x00, 0x01, 0x00, 0x00, 0x00, 0xAA, 0xBB]);
    let Ok(io) = Datagram::new(&b) else { panic!() };
    let Ok(d) = io.split(true, true) else {
        panic!()
    };
    assert_eq!(d.sequence_count, Some(7));
    assert_eq!(d.is_run(), Some(true));
    assert_eq!(d.application, &[0xAA, 0xBB]);
    let b = hex("0200 0280 0800 01000000 02000000 b100 0400 07000100");
    let Ok(short) = Datagram::new(&b) else {
        panic!()
    };
    let Err(e) = short.split(true, true) else {
        panic!("a run/idle header needs 4 bytes");
    };
    assert_eq!(e.kind, ErrorKind::Truncated { needed: 4, got: 2 });
    // Items in the wrong order: the reference reads them at fixed places
    // all the same; the spec's reading flags them.
    let b = hex("0200 b100 0000 0280 0800 01000000 02000000");
    let Ok(io) = Datagram::new(&b) else { panic!() };
    assert_eq!(io.check(), Violations::UNEXPECTED_ITEMS);
    // Bytes after the data, and a data length past the end.
    let mut b = hex("0200 0280 0800 01000000 02000000 b100 0100 aa");
    b.push(0xBB);
    assert_eq!(
        Datagram::new(&b).map(|io| io.check()),
        Ok(Violations::TRAILING_BYTES)
    );
    assert!(Datagram::new(&hex("0200 0280 0800 01000000 02000000 b100 0300 aa")).is_err());
    assert!(Datagram::new(&[0x02]).is_err());
    assert!(!is_io(&[0x02]) && !is_io(&[0x6F, 0x00]));
}
