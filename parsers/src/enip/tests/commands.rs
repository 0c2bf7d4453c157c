//! One annotated packet per encapsulation command (CIP Vol 2, 2-4), each
//! checked field by field and for clean failure of every truncated prefix.

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
    let pk = whole(&p);
    assert_eq!(pk.header.command(), Command::Nop);
    assert_eq!(pk.header.command().name(), "NOP");
    let Ok(b) = pk.body else { panic!() };
    assert_eq!(b.data, CommandData::Nop(&[0xDE, 0xAD, 0x00]));
    assert_eq!(b.cip(), None);
    assert_body_prefixes(0x0000, &p[24..], true);
}

#[test]
fn list_services_request_and_reply_2_4_6() {
    let request = packet(0x0004, 0, &[]);
    let pk = whole(&request);
    assert_eq!(pk.header.command().name(), "List Services");
    assert_eq!(pk.body.map(|b| b.data), Ok(CommandData::ListServices(None)));

    let data = [
        0x01, 0x00, // item count 1
        0x00, 0x01, // item type 0x0100: ListServices
        0x14, 0x00, // item length 20
        0x01, 0x00, // encapsulation protocol version 1
        0x20, 0x01, // capability flags: CIP over TCP (bit 5), class 0/1 over UDP (bit 8)
        b'C', b'o', b'm', b'm', b'u', b'n', b'i', b'c', b'a', b't', b'i', b'o', b'n', b's', 0,
        0, // name "Communications", NUL-padded to 16
    ];
    let reply = packet(0x0004, 0, &data);
    let pk = whole(&reply);
    let Ok(Body {
        data: CommandData::ListServices(Some(cpf)),
        ..
    }) = pk.body
    else {
        panic!("expected a ListServices reply: {pk:?}");
    };
    let items: Vec<_> = cpf.items().collect();
    let [Ok(Item::ListServices(s))] = items[..] else {
        panic!("expected one services item: {items:?}");
    };
    assert_eq!(s.protocol_version, 1);
    assert_eq!(s.capability_flags, CAPABILITY_CIP_TCP | CAPABILITY_CIP_UDP);
    assert_eq!(s.name_bytes(), b"Communications");
    assert_body_prefixes(0x0004, &data, false);
}

#[test]
fn list_identity_request_2_4_2() {
    let request = packet(0x0063, 0, &[]);
    let pk = whole(&request);
    assert_eq!(pk.header.command(), Command::ListIdentity);
    assert_eq!(pk.body.map(|b| b.data), Ok(CommandData::ListIdentity(None)));
}

#[test]
fn list_identity_reply_with_a_wrong_item_type_is_flagged() {
    let data = [
        0x01, 0x00, // item count 1
        0xB2, 0x00, 0x00, 0x00, // unconnected data, empty: not a ListIdentity item
    ];
    let Ok((_, b)) = parse_body(0x0063, &data) else {
        panic!("body did not parse");
    };
    assert_eq!(b.violations, Violations::UNEXPECTED_ITEMS);
}

#[test]
fn list_interfaces_request_and_reply_2_4_3() {
    let request = packet(0x0064, 0, &[]);
    assert_eq!(
        whole(&request).body.map(|b| b.data),
        Ok(CommandData::ListInterfaces(None))
    );
    let data = [
        0x01, 0x00, // item count 1
        0x34, 0x12, // item type 0x1234: vendor-specific interface item
        0x02, 0x00, // length 2
        0xAA, 0xBB, // data
    ];
    let reply = packet(0x0064, 0, &data);
    let Ok(Body {
        data: CommandData::ListInterfaces(Some(cpf)),
        ..
    }) = whole(&reply).body
    else {
        panic!("expected a ListInterfaces reply");
    };
    assert_eq!(
        cpf.items().next(),
        Some(Ok(Item::Unknown {
            type_id: 0x1234,
            data: &[0xAA, 0xBB]
        }))
    );
    assert_body_prefixes(0x0064, &data, false);
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
    let pk = whole(&p);
    assert_eq!(pk.header.sender_context, *b"_pycomm_");
    assert_eq!(
        pk.body.map(|b| b.data),
        Ok(CommandData::RegisterSession(RegisterSession {
            protocol_version: 1,
            options: 0
        }))
    );
    assert_body_prefixes(0x0065, &p[24..], false);
}

#[test]
fn register_session_flags() {
    let data = [
        0x02, 0x00, // protocol version 2
        0x01, 0x00, // options flags 1
        0xFF, // one byte too many
    ];
    let Ok((_, b)) = parse_body(0x0065, &data) else {
        panic!("body did not parse");
    };
    assert_eq!(
        b.violations,
        Violations::UNSUPPORTED_PROTOCOL_VERSION
            | Violations::REGISTER_OPTIONS_NONZERO
            | Violations::TRAILING_BYTES
    );
    let Err(nom::Err::Error(e)) = parse_body(0x0065, &data[..3]) else {
        panic!("3 bytes cannot be a RegisterSession");
    };
    assert_eq!(
        e.to_string(),
        "EtherNet/IP encapsulation: truncated at offset 0: needed 4 bytes, got 3"
    );
}

#[test]
fn unregister_session_2_4_5() {
    let p = packet(0x0066, 0x1102_0100, &[]);
    let pk = whole(&p);
    assert_eq!(pk.header.session_handle, 0x1102_0100);
    assert_eq!(pk.header.command().name(), "Unregister Session");
    assert_eq!(pk.body.map(|b| b.data), Ok(CommandData::UnRegisterSession));
    let Ok((_, b)) = parse_body(0x0066, &[0]) else {
        panic!("body did not parse");
    };
    assert_eq!(b.violations, Violations::TRAILING_BYTES);
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
    let p = packet(0x006F, 0x2A, &data);
    let pk = whole(&p);
    assert_eq!(pk.header.command().name(), "Send RR Data");
    let Ok(b) = pk.body else { panic!() };
    let CommandData::SendRRData(s) = b.data else {
        panic!("expected SendRRData");
    };
    assert_eq!(s.interface_handle, 0);
    assert_eq!(s.timeout, 10);
    assert_eq!(s.cpf.item_count, 2);
    let items: Vec<_> = s.cpf.items().collect();
    assert_eq!(
        items,
        vec![
            Ok(Item::NullAddress),
            Ok(Item::UnconnectedData(&data[16..]))
        ]
    );
    let Some(payload) = pk.cip_payload() else {
        panic!("no CIP payload");
    };
    assert_eq!(payload.sequence_count, None);
    assert_eq!(payload.message, &data[16..]);
    let Some(Ok(CipMessage::Request(r))) = pk.cip() else {
        panic!("expected a CIP request");
    };
    assert_eq!(r.code(), 0x0E);
    assert_eq!(r.class(), Some(1));
    assert_body_prefixes(0x006F, &data, false);
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
    let p = packet(0x0070, 0xB4CA_FFF4, &data);
    let pk = whole(&p);
    let Some(payload) = pk.cip_payload() else {
        panic!("no CIP payload");
    };
    assert_eq!(payload.sequence_count, Some(13));
    assert_eq!(payload.connection_id, Some(0xB4CA_FFF4));
    assert_eq!(payload.message, &data[22..]);
    let Some(Ok(CipMessage::Request(r))) = pk.cip() else {
        panic!("expected a CIP request");
    };
    assert_eq!(r.icsnpp_service_name(), "Set Attributes Single");
    assert_eq!(r.path.instance(), Some(0));
    assert_body_prefixes(0x0070, &data, false);
}

#[test]
fn send_data_with_the_wrong_items_is_flagged() {
    // SendUnitData carrying SendRRData's items, and interface handle 1.
    let data = [
        0x01, 0x00, 0x00, 0x00, // interface handle 1
        0x00, 0x00, // timeout
        0x02, 0x00, // item count 2
        0x00, 0x00, 0x00, 0x00, // Null address
        0xB2, 0x00, 0x00, 0x00, // Unconnected data, empty
    ];
    let Ok((_, b)) = parse_body(0x0070, &data) else {
        panic!("body did not parse");
    };
    assert_eq!(
        b.violations,
        Violations::INTERFACE_HANDLE_NONZERO | Violations::UNEXPECTED_ITEMS
    );
    assert_eq!(b.cip(), None);
    // Connected data too short for its sequence count.
    let data = [
        0, 0, 0, 0, 0, 0, // interface, timeout
        0x02, 0x00, // item count 2
        0xA1, 0x00, 0x04, 0x00, 1, 0, 0, 0, // Connected address 1
        0xB1, 0x00, 0x01, 0x00, 0x07, // Connected data, 1 byte
    ];
    let Ok((_, b)) = parse_body(0x0070, &data) else {
        panic!("body did not parse");
    };
    assert_eq!(b.violations, Violations::ITEM_LENGTH_MISMATCH);
    assert_eq!(b.cip(), None);
    // A missing item count is an error in the CPF layer, at its offset.
    let Err(nom::Err::Error(e)) = parse_body(0x006F, &data[..7]) else {
        panic!("expected an error");
    };
    assert_eq!(
        e.to_string(),
        "EtherNet/IP common packet format: truncated at offset 6: needed 2 bytes, got 1"
    );
}

#[test]
fn indicate_status_cancel_and_unknown_commands_keep_their_data() {
    for (code, name) in [
        (0x0072u16, "Indicate Status"),
        (0x0073, "Cancel"),
        (0x00C8, "unknown"),
    ] {
        let p = packet(code, 7, &[1, 2, 3]);
        let pk = whole(&p);
        assert_eq!(pk.header.command().name(), name);
        let Ok(b) = pk.body else { panic!() };
        let data = match b.data {
            CommandData::IndicateStatus(d) | CommandData::Cancel(d) | CommandData::Unknown(d) => d,
            other => panic!("{code:#x}: {other:?}"),
        };
        assert_eq!(data, &[1, 2, 3]);
        assert_body_prefixes(code, &[1, 2, 3], true);
    }
    assert_eq!(Command::from(0x00C8), Command::Unknown(0xC8));
}

#[test]
fn a_body_error_keeps_the_packet_and_counts_from_its_start() {
    let p = packet(0x0065, 0, &[1, 0, 0]);
    let Parsed::Complete(pk) = parse_encapsulation(&p) else {
        panic!("expected a complete packet");
    };
    assert_eq!(pk.consumed, 27);
    let Err(e) = &pk.body else {
        panic!("3 bytes cannot be a RegisterSession");
    };
    assert_eq!(e.offset, 24);
    assert_eq!(e.kind, ErrorKind::Truncated { needed: 4, got: 3 });
    assert!(pk.violations().is_empty());
    assert_eq!(pk.cip(), None);
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
    let Ok((_, b)) = parse_body(0x006F, &data) else {
        panic!("body did not parse");
    };
    assert!(b.violations.is_empty(), "{:?}", b.violations);
    let Some(cpf) = b.cpf() else { panic!() };
    let Some(Ok(Item::SockaddrTToO(s))) = cpf.items().nth(2) else {
        panic!("expected a sockaddr item");
    };
    assert_eq!(s.family, 2);
    assert_eq!(s.port, 2222);
    assert_eq!(s.addr, Ipv4Addr::new(239, 192, 1, 2));
}
