//! EPATH forms (CIP Vol 1, C-1): logical segments in 8-, 16- and 32-bit
//! formats, port segments with and without extended link addresses,
//! symbolic and ANSI extended symbol segments with their pad bytes, data,
//! network and key segments, and malformed segments.

use super::*;
use crate::enip::cip::{self, EPath, ElectronicKey, LogicalType as L, Segment as S};

fn segments(b: &[u8]) -> Vec<S<'_>> {
    let p = EPath::new(b);
    assert!(p.violations.is_empty(), "{:?} in {b:02x?}", p.violations);
    p.segments()
        .map(|s| match s {
            Ok(s) => s,
            Err(e) => panic!("{b:02x?}: {e}"),
        })
        .collect()
}

fn logical(kind: L, value: u32, width: u8) -> S<'static> {
    S::Logical { kind, value, width }
}

/// Every even prefix of a path ends cleanly in an error segment or at a
/// segment boundary; no prefix panics.
fn assert_path_prefixes(b: &[u8]) {
    for n in 0..b.len() {
        let p = EPath::new(&b[..n]);
        let ok = p.segments().all(|s| s.is_ok());
        assert_eq!(
            !ok,
            p.violations.contains(Violations::INVALID_PATH_SEGMENT),
            "prefix {n}"
        );
    }
}

#[test]
fn logical_8_bit_class_instance_attribute() {
    let b = [
        0x20, 0x01, // 8-bit class 1
        0x24, 0x01, // 8-bit instance 1
        0x30, 0x07, // 8-bit attribute 7
    ];
    assert_eq!(
        segments(&b),
        vec![
            logical(L::Class, 1, 1),
            logical(L::Instance, 1, 1),
            logical(L::Attribute, 7, 1)
        ]
    );
    let p = EPath::new(&b);
    assert_eq!(
        (p.class(), p.instance(), p.attribute()),
        (Some(1), Some(1), Some(7))
    );
    assert_eq!(p.member(), None);
    assert!(!p.is_symbolic());
    assert_path_prefixes(&b);
}

#[test]
fn logical_16_bit_forms_have_a_pad_byte() {
    let b = [
        0x21, 0x00, 0x34, 0x12, // 16-bit class 0x1234 (pad byte 0)
        0x25, 0x00, 0x20, 0x24, // 16-bit instance 0x2420
        0x31, 0x00, 0x01, 0x01, // 16-bit attribute 0x0101
    ];
    assert_eq!(
        segments(&b),
        vec![
            logical(L::Class, 0x1234, 2),
            logical(L::Instance, 0x2420, 2),
            logical(L::Attribute, 0x0101, 2)
        ]
    );
    assert_path_prefixes(&b);
}

#[test]
fn logical_32_bit_forms_have_a_pad_byte() {
    let b = [
        0x22, 0x00, 0x78, 0x56, 0x34, 0x12, // 32-bit class 0x12345678
        0x26, 0x00, 0x01, 0x00, 0x01, 0x00, // 32-bit instance 0x00010001
        0x32, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, // 32-bit attribute 0xFFFFFFFF
    ];
    let p = EPath::new(&b);
    assert_eq!(p.class(), Some(0x1234_5678));
    assert_eq!(p.instance(), Some(0x0001_0001));
    assert_eq!(p.attribute(), Some(u32::MAX));
    assert_eq!(segments(&b)[1], logical(L::Instance, 0x0001_0001, 4));
    assert_path_prefixes(&b);
}

#[test]
fn member_connection_point_and_service_id() {
    let b = [
        0x28, 0x05, // 8-bit member 5
        0x29, 0x00, 0x00, 0x01, // 16-bit member 256
        0x2A, 0x00, 0x01, 0x00, 0x00, 0x00, // 32-bit member 1
        0x2C, 0x65, // 8-bit connection point 101
        0x2D, 0x00, 0x96, 0x00, // 16-bit connection point 150
        0x2E, 0x00, 0x97, 0x00, 0x00, 0x00, // 32-bit connection point 151
        0x38, 0x0E, // service id 0x0E
    ];
    assert_eq!(
        segments(&b),
        vec![
            logical(L::Member, 5, 1),
            logical(L::Member, 256, 2),
            logical(L::Member, 1, 4),
            logical(L::ConnectionPoint, 101, 1),
            logical(L::ConnectionPoint, 150, 2),
            logical(L::ConnectionPoint, 151, 4),
            logical(L::ServiceId, 0x0E, 1),
        ]
    );
    let p = EPath::new(&b);
    assert_eq!(p.member(), Some(5));
    assert_eq!(p.connection_point(), Some(101));
    assert_path_prefixes(&b);
}

#[test]
fn electronic_key_segment() {
    let b = [
        0x34, // logical special, electronic key
        0x04, // key format 4
        0x01, 0x00, // vendor 1
        0x0C, 0x00, // device type 12
        0x3A, 0x00, // product code 58
        0x84, // major revision 4, compatibility bit set
        0x03, // minor revision 3
    ];
    let s = segments(&b);
    let [S::ElectronicKey(k)] = s[..] else {
        panic!("{s:?}");
    };
    assert_eq!(
        k,
        ElectronicKey {
            vendor_id: 1,
            device_type: 12,
            product_code: 58,
            major_revision: 0x84,
            minor_revision: 3
        }
    );
    assert!(k.compatibility());
    assert_path_prefixes(&b);
}

#[test]
fn port_segments() {
    let b = [
        0x01, 0x00, // port 1 (backplane), link address 0 (slot 0)
        0x12, 0x0D, // port 2, extended link address of 13 bytes
        b'1', b'9', b'2', b'.', b'1', b'6', b'8', b'.', b'1', b'.', b'1', b'0', b'0', //
        0x00, // pad: 15 bytes so far
        0x0F, 0x12, 0x00, 0x03, // port 15: 16-bit port 0x0012 follows, link address 3
        0x1F, 0x02, 0x00, 0x01, 0x0A,
        0x0B, // port 15, extended: size 2, port 0x0100, link 0A 0B
    ];
    assert_eq!(
        segments(&b),
        vec![
            S::Port {
                port: 1,
                link_address: &[0]
            },
            S::Port {
                port: 2,
                link_address: b"192.168.1.100"
            },
            S::Port {
                port: 0x12,
                link_address: &[3]
            },
            S::Port {
                port: 0x100,
                link_address: &[0x0A, 0x0B]
            },
        ]
    );
    assert_eq!(EPath::new(&b).class(), None);
    assert_path_prefixes(&b);
}

#[test]
fn symbolic_segments_and_their_pad() {
    let b = [
        0x91, 0x07, b'C', b'o', b'u', b'n', b't', b'e', b'r', 0x00, // ANSI "Counter" + pad
        0x91, 0x04, b'T', b'a', b'g', b's', // ANSI "Tags", even: no pad
        0x28, 0x02, // member (array element) 2
        0x65, b'H', b'e', b'l', b'l', b'o', // symbolic, 5 characters: 6 bytes, no pad
        0x64, b'T', b'e', b's', b't', 0x00, // symbolic, 4 characters + pad
        0x60, 0xC7, 0x34, 0x12, // extended string: numeric UINT 0x1234
        0x60, 0x22, b'a', 0x00, b'b', 0x00, // extended string: 2 double-byte characters
    ];
    let s = segments(&b);
    assert_eq!(
        s,
        vec![
            S::AnsiSymbol(b"Counter"),
            S::AnsiSymbol(b"Tags"),
            logical(L::Member, 2, 1),
            S::Symbolic(b"Hello"),
            S::Symbolic(b"Test"),
            S::ExtendedSymbol {
                format: 0xC7,
                data: &[0x34, 0x12]
            },
            S::ExtendedSymbol {
                format: 0x22,
                data: &[b'a', 0, b'b', 0]
            },
        ]
    );
    let p = EPath::new(&b);
    assert!(p.is_symbolic());
    assert_eq!(
        p.symbols().collect::<Vec<_>>(),
        vec![&b"Counter"[..], b"Tags", b"Hello", b"Test"]
    );
    assert_path_prefixes(&b);
}

#[test]
fn data_and_network_segments() {
    let b = [
        0x80, 0x02, 0x01, 0x00, 0x02, 0x00, // simple data: 2 words
        0x43, 0x0A, // network: production inhibit time 10 ms
        0x50, 0x01, 0xAA, 0xBB, // network, 0x50 subtype: 1 word of data
    ];
    assert_eq!(
        segments(&b),
        vec![
            S::SimpleData(&[1, 0, 2, 0]),
            S::Network {
                subtype: 0x43,
                data: &[0x0A]
            },
            S::Network {
                subtype: 0x50,
                data: &[0xAA, 0xBB]
            },
        ]
    );
    assert_path_prefixes(&b);
}

#[test]
fn segments_we_cannot_size_end_the_walk() {
    let b = [0x20, 0x6B, 0xC3, 0x00, 0x24, 0x01];
    let s = segments(&b);
    assert_eq!(
        s,
        vec![
            logical(L::Class, 0x6B, 1),
            S::Other {
                segment: 0xC3,
                rest: &b[2..]
            }
        ]
    );
    // The instance after it is not seen.
    assert_eq!(EPath::new(&b).instance(), None);
}

#[test]
fn malformed_segments_are_flagged_and_end_the_walk() {
    for (b, what) in [
        (&[0x23, 0x00, 0x01, 0x00][..], "reserved logical format"),
        (&[0xE0, 0x00][..], "reserved segment type"),
        (&[0x21, 0x00, 0x34][..], "16-bit value cut short"),
        (&[0x91, 0x05, b'a', b'b'][..], "symbol cut short"),
        (&[0x91, 0x03, b'a', b'b', b'c'][..], "missing pad"),
        (&[0x34, 0x05, 0, 0, 0, 0, 0, 0, 0, 0][..], "key format 5"),
        (&[0x39, 0x00, 0x01, 0x00][..], "16-bit service id"),
        (&[0x60, 0x80, 0x00, 0x00][..], "extended string format"),
        (&[0x12, 0x09, b'1'][..], "extended link address cut short"),
    ] {
        let p = EPath::new(b);
        assert_eq!(p.violations, Violations::INVALID_PATH_SEGMENT, "{what}");
        let last = p.segments().last();
        assert!(matches!(last, Some(Err(_))), "{what}: {last:?}");
    }
    let p = EPath::new(&[0x20, 0x01, 0x23, 0x00]);
    assert_eq!(p.class(), Some(1));
    let Some(Err(e)) = p.segments().nth(1) else {
        panic!("expected an error");
    };
    assert_eq!(e.to_string(), "CIP: invalid logical format 35 at offset 2");
    let Ok((_, p)) = cip::parse_path(&[]) else {
        panic!()
    };
    assert!(p.is_empty());
    assert_eq!(p.segments().count(), 0);
}
