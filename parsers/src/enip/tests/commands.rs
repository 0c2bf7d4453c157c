//! One annotated message per encapsulation command (CIP Vol 2, 2-4): the
//! view's reading field by field, the checked form's verdict, and clean
//! failure of every truncated prefix.

use super::*;
use std::net::Ipv4Addr;

#[test]
fn nop_2_4_1() {
    let p = [
        0x00, 0x00, // command: NOP
        0x03, 0x00, // length 3
        0x00, 0x00, 0x00, 0x00, // session handle 0
        0x00, 0x00, 0x00, 0x00, // status 0
        0, 0, 0, 0, 0, 0, 0, 0, // sender context
        0x00, 0x00, 0x00, 0x00, // options 0
        0xDE, 0xAD, 0x00, // data, ignored by the receiver
    ];
    let m = whole(&p);
    assert_eq!(m.header().command, command::NOP);
    for from_target in [false, true] {
        assert!(matches!(
            m.body(from_target),
            Body::Other(&[0xDE, 0xAD, 0x00])
        ));
    }
    assert_message_prefixes(&p);
}

#[test]
fn list_services_request_and_reply_2_4_6() {
    let request = packet(command::LIST_SERVICES, 0, &[]);
    let m = whole(&request);
    assert_eq!(m.header().command, command::LIST_SERVICES);
    assert!(matches!(m.body(false), Body::Empty));

    let data = [
        0x01, 0x00, // item count 1
        0x00, 0x01, // item type 0x0100: ListServices
        0x14, 0x00, // item length 20
        0x01, 0x00, // encapsulation protocol version 1
        0x20, 0x01, // capability flags: CIP over TCP (bit 5), class 0/1 over UDP (bit 8)
        b'C', b'o', b'm', b'm', b'u', b'n', b'i', b'c', b'a', b't', b'i', b'o', b'n', b's', 0,
        0, // name "Communications", NUL-padded to 16
    ];
    let reply = packet(command::LIST_SERVICES, 0, &data);
    let m = whole(&reply);
    let [Item::ListServices(s)] = items(&m, true)[..] else {
        panic!("expected one services item: {m:?}");
    };
    assert_eq!(s.protocol_version, 1);
    assert_eq!(s.capability_flags, CAPABILITY_CIP_TCP | CAPABILITY_CIP_UDP);
    assert_eq!(s.name_bytes(), b"Communications");
    // From the originator the reference reads no data.
    assert!(matches!(m.body(false), Body::Empty));
    assert_message_prefixes(&reply);
}

#[test]
fn list_identity_request_2_4_2() {
    let request = packet(command::LIST_IDENTITY, 0, &[]);
    let m = whole(&request);
    assert!(matches!(m.body(false), Body::Empty));
    // A reply with no data: the reference asks for the item count.
    let Body::List(mut list) = m.body(true) else {
        panic!()
    };
    assert_eq!(list.item_count(), None);
    let Some(Err(e)) = list.next() else { panic!() };
    assert_eq!(
        e.to_string(),
        "EtherNet/IP common packet format: truncated at offset 24: needed 2 bytes, got 0"
    );
    assert!(list.next().is_none());
}

#[test]
fn list_identity_reply_with_a_wrong_item_type_is_flagged() {
    let data = [
        0x01, 0x00, // item count 1
        0x00, 0x00, 0x00, 0x00, // Null address: not a ListIdentity item
    ];
    let p = packet(command::LIST_IDENTITY, 0, &data);
    assert_eq!(
        Message::new(&p).and_then(|m| m.check()),
        Ok(Violations::UNEXPECTED_ITEMS)
    );
}

#[test]
fn list_interfaces_request_and_reply_2_4_3() {
    let request = packet(command::LIST_INTERFACES, 0, &[]);
    assert!(matches!(whole(&request).body(false), Body::Empty));
    let data = [
        0x01, 0x00, // item count 1
        0x34, 0x12, // item type 0x1234: vendor-specific interface item
        0x02, 0x00, // length 2
        0xAA, 0xBB, // data
    ];
    let reply = packet(command::LIST_INTERFACES, 0, &data);
    let m = whole(&reply);
    assert_eq!(
        items(&m, true),
        vec![Item::Unknown {
            type_id: 0x1234,
            rest: &[0xAA, 0xBB]
        }]
    );
    assert_message_prefixes(&reply);
}

#[test]
fn register_session_2_4_4() {
    let p = [
        0x65, 0x00, // command: RegisterSession
        0x04, 0x00, // length 4
        0x00, 0x00, 0x00, 0x00, // session handle 0 (the reply carries the new one)
        0x00, 0x00, 0x00, 0x00, // status 0
        b'_', b'p', b'y', b'c', b'o', b'm', b'm', b'_', // sender context
        0x00, 0x00, 0x00, 0x00, // options 0
        0x01, 0x00, // protocol version 1
        0x00, 0x00, // options flags 0
    ];
    let m = whole(&p);
    assert_eq!(m.header().sender_context, *b"_pycomm_");
    for from_target in [false, true] {
        assert!(matches!(
            m.body(from_target),
            Body::RegisterSession(Ok(RegisterSession {
                protocol_version: 1,
                options: 0
            }))
        ));
    }
    assert_message_prefixes(&p);
}

#[test]
fn register_session_flags() {
    let data = [
        0x02, 0x00, // protocol version 2
        0x01, 0x00, // options flags 1
        0xFF, // one byte too many
    ];
    let p = packet(command::REGISTER_SESSION, 0, &data);
    assert_eq!(
        Message::new(&p).and_then(|m| m.check()),
        Ok(Violations::UNSUPPORTED_PROTOCOL_VERSION
            | Violations::REGISTER_OPTIONS_NONZERO
            | Violations::TRAILING_BYTES)
    );
    let p = packet(command::REGISTER_SESSION, 0, &data[..3]);
    let Ok(m) = Message::new(&p) else { panic!() };
    let Err(e) = m.check() else {
        panic!("3 bytes cannot be a RegisterSession");
    };
    assert_eq!(
        e.to_string(),
        "EtherNet/IP encapsulation: truncated at offset 24: needed 4 bytes, got 3"
    );
    // The reference's reading fails at the same place.
    let Body::RegisterSession(Err(e)) = m.body(false) else {
        panic!()
    };
    assert_eq!(e.kind, ErrorKind::Truncated { needed: 2, got: 1 });
}

#[test]
fn unregister_session_2_4_5() {
    let p = packet(command::UNREGISTER_SESSION, 0x1102_0100, &[]);
    let m = whole(&p);
    assert_eq!(m.header().session_handle, 0x1102_0100);
    assert_eq!(m.header().command, command::UNREGISTER_SESSION);
    assert!(matches!(m.body(true), Body::Empty));
    let p = packet(command::UNREGISTER_SESSION, 0, &[0]);
    assert_eq!(
        Message::new(&p).and_then(|m| m.check()),
        Ok(Violations::TRAILING_BYTES)
    );
}

#[test]
fn send_rr_data_2_4_7() {
    let data = [
        0x00, 0x00, 0x00, 0x00, // interface handle 0: CIP
        0x0A, 0x00, // timeout 10 s
        0x02, 0x00, // item count 2
        0x00, 0x00, 0x00, 0x00, // Null address item, length 0
        0xB2, 0x00, 0x06, 0x00, // Unconnected data item, length 6
        0x0E, // service: Get_Attribute_Single
        0x02, // path size 2 words
        0x20, 0x01, // class 1: Identity
        0x24, 0x01, // instance 1
    ];
    let p = packet(command::SEND_RR_DATA, 0x2A, &data);
    let m = whole(&p);
    assert_eq!(m.header().command, command::SEND_RR_DATA);
    let Body::SendData(Ok(s)) = m.body(false) else {
        panic!("expected SendRRData");
    };
    assert_eq!((s.interface_handle, s.timeout), (0, 10));
    assert_eq!(s.items.item_count(), Some(2));
    let (seq, c) = carried(&m, false);
    assert_eq!(seq, None);
    assert_eq!(c.as_bytes(), &data[16..]);
    assert_eq!(c.code(), 0x0E);
    assert_eq!(c.path().class, Some(1));
    let Ok(CipMessage::Request(r)) = c.check() else {
        panic!("expected a CIP request");
    };
    assert_eq!(r.class(), Some(1));
    assert_message_prefixes(&p);
}

#[test]
fn send_unit_data_2_4_8() {
    let data = [
        0x00, 0x00, 0x00, 0x00, // interface handle 0
        0x00, 0x00, // timeout 0
        0x02, 0x00, // item count 2
        0xA1, 0x00, 0x04, 0x00, // Connected address item, length 4
        0xF4, 0xFF, 0xCA, 0xB4, // connection id 0xB4CAFFF4
        0xB1, 0x00, 0x08, 0x00, // Connected data item, length 8
        0x0D, 0x00, // sequence count 13
        0x10, // service: Set_Attribute_Single
        0x02, // path size 2 words
        0x20, 0x01, // class 1
        0x24, 0x00, // instance 0
    ];
    let p = packet(command::SEND_UNIT_DATA, 0xB4CA_FFF4, &data);
    let m = whole(&p);
    let list = items(&m, false);
    assert_eq!(list[0], Item::ConnectedAddress(0xB4CA_FFF4));
    let (seq, c) = carried(&m, false);
    assert_eq!(seq, Some(13));
    assert_eq!(c.as_bytes(), &data[22..]);
    let path = c.path();
    assert_eq!((path.class, path.instance), (Some(1), Some(0)));
    let Ok(CipMessage::Request(r)) = c.check() else {
        panic!("expected a CIP request");
    };
    assert_eq!(r.service, cip::service::SET_ATTRIBUTE_SINGLE);
    assert_message_prefixes(&p);
}

#[test]
fn send_data_with_the_wrong_items_is_flagged() {
    // SendUnitData carrying SendRRData's items, and interface handle 1.
    let data = [
        0x01, 0x00, 0x00, 0x00, // interface handle 1
        0x00, 0x00, // timeout
        0x02, 0x00, // item count 2
        0x00, 0x00, 0x00, 0x00, // Null address
        0xB2, 0x00, 0x02, 0x00, // Unconnected data, 2 bytes:
        0x01, 0x00, // Get_Attributes_All, empty path
    ];
    let p = packet(command::SEND_UNIT_DATA, 0, &data);
    assert_eq!(
        Message::new(&p).and_then(|m| m.check()),
        Ok(Violations::INTERFACE_HANDLE_NONZERO | Violations::UNEXPECTED_ITEMS)
    );
    // Connected data too short for its sequence count.
    let data = [
        0, 0, 0, 0, 0, 0, // interface, timeout
        0x02, 0x00, // item count 2
        0xA1, 0x00, 0x04, 0x00, 1, 0, 0, 0, // Connected address 1
        0xB1, 0x00, 0x01, 0x00, 0x07, // Connected data, 1 byte
    ];
    let p = packet(command::SEND_UNIT_DATA, 0, &data);
    let Ok(m) = Message::new(&p) else { panic!() };
    assert_eq!(m.check(), Ok(Violations::ITEM_LENGTH_MISMATCH));
    // The reference reads the sequence count past the end.
    assert!(read_all(&m, false).is_err());
    // A missing item count is an error in the CPF layer, at its offset.
    let p = packet(command::SEND_RR_DATA, 0, &data[..7]);
    let Err(e) = Message::new(&p).and_then(|m| m.check()) else {
        panic!("expected an error");
    };
    assert_eq!(
        e.to_string(),
        "EtherNet/IP common packet format: truncated at offset 30: needed 2 bytes, got 1"
    );
    // An empty CIP message cannot be read by the spec either.
    let mut data = rr_data(&[]);
    data.truncate(16);
    let p = packet(command::SEND_RR_DATA, 0, &data);
    let Err(e) = Message::new(&p).and_then(|m| m.check()) else {
        panic!("expected an error");
    };
    assert_truncated(&e, Layer::Cip, "empty CIP message");
    assert_eq!(e.offset, 40);
}

#[test]
fn indicate_status_cancel_and_unknown_commands_keep_their_data() {
    for code in [command::INDICATE_STATUS, command::CANCEL, 0x00C8] {
        let p = packet(code, 7, &[1, 2, 3]);
        let m = whole(&p);
        assert_eq!(m.header().command, code);
        assert!(matches!(m.body(true), Body::Other(&[1, 2, 3])));
        assert_message_prefixes(&p);
    }
}

#[test]
fn options_and_length_are_checked_not_read() {
    let mut p = packet(command::REGISTER_SESSION, 0, &[1, 0, 0, 0]);
    p[23] = 0x80; // options 0x80000000
    p[24] = 2; // protocol version 2
    let Ok(m) = Message::new(&p) else { panic!() };
    let v = m.check();
    assert_eq!(
        v,
        Ok(Violations::OPTIONS_NONZERO | Violations::UNSUPPORTED_PROTOCOL_VERSION)
    );
    assert_eq!(
        v.map(|v| v.names().collect::<Vec<_>>()),
        Ok(vec![
            "enip_options_nonzero",
            "enip_unsupported_protocol_version"
        ])
    );
    // A length field over the cap: the checked form gives up, the view
    // reads on regardless (the reference does not use the length).
    p[2..4].copy_from_slice(&0xFFF0u16.to_le_bytes());
    let Ok(m) = Message::new(&p) else { panic!() };
    let Err(e) = m.check() else { panic!() };
    assert_eq!(
        e.kind,
        ErrorKind::TooLong {
            field: "length",
            value: 0xFFF0,
            max: 65_511
        }
    );
    assert_eq!(
        e.to_string(),
        "EtherNet/IP encapsulation: length 65520 at offset 2 exceeds the limit of 65511"
    );
    assert!(matches!(
        m.body(false),
        Body::RegisterSession(Ok(RegisterSession {
            protocol_version: 2,
            ..
        }))
    ));
}

#[test]
fn sockaddr_items_in_a_forward_open_reply() {
    // SendRRData reply items of a multicast Forward_Open: Null address,
    // Unconnected data, then a T->O sockaddr item.
    let mut data = rr_data(&[0xD4, 0x00, 0x08, 0x00]); // a failed FO reply, no status words
    data[6] = 3; // item count 3
    data.extend_from_slice(&[
        0x01, 0x80, // item type 0x8001: Sockaddr info T->O
        0x10, 0x00, // length 16
        0x00, 0x02, // sin_family 2 (big-endian)
        0x08, 0xAE, // sin_port 2222 (big-endian)
        0xEF, 0xC0, 0x01, 0x02, // sin_addr 239.192.1.2
        0, 0, 0, 0, 0, 0, 0, 0, // sin_zero
    ]);
    let p = packet(command::SEND_RR_DATA, 0, &data);
    let m = whole(&p);
    // Reference quirk: the CIP message runs to the end of the delivery, so
    // the sockaddr item is read as part of it and the third item is cut.
    let Body::SendData(Ok(s)) = m.body(true) else {
        panic!()
    };
    let read: Vec<_> = s.items.collect();
    assert_eq!(read.len(), 3);
    let Ok(Item::UnconnectedData(c)) = read[1] else {
        panic!("{read:?}")
    };
    assert_eq!(c.as_bytes().len(), 4 + 20);
    assert!(matches!(read[2], Err(ref e) if e.offset == p.len()));
    // The spec's reading finds the sockaddr item in its place (`whole`
    // checked it); read alone, as a List reply's item, it is typed.
    let mut d = vec![1, 0];
    d.extend_from_slice(&p[p.len() - 20..]);
    let list = packet(command::LIST_INTERFACES, 0, &d);
    let [Item::Sockaddr { type_id, address }] = items(&whole(&list), true)[..] else {
        panic!("expected a sockaddr item");
    };
    assert_eq!(type_id, item_type::SOCKADDR_T_O);
    assert_eq!(address.family, 2);
    assert_eq!(address.port, 2222);
    assert_eq!(address.addr, Ipv4Addr::new(239, 192, 1, 2));
}
