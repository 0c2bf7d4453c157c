//! The real packets of the reference trace, cisagov/icsnpp-enip
//! `tests/traces/enip_cip_example.pcap` (commit 6f05f5a7; also in
//! `pcaps/`): the view reads the values the reference logs print for them
//! (`icsnpp-enip/baseline/analyzer.*/*.log` in the corpus), the checked
//! form finds them well-formed and types them, and every truncated prefix
//! fails cleanly.

use super::*;
use crate::enip::cip::{Embedded, RequestBody, ResponseBody};
use std::net::Ipv4Addr;

/// Frame 2: SendUnitData with a Multiple_Service_Packet of 11 Get
/// Attribute List requests (also the whole of
/// `multiple_service_packet_cip.pcapng`).
const MSP_REQUEST: &str = "
    7000 ba00 00010211 00000000 0000000000000000 00000000
    00000000 0100 0200 a100 0400 010b7c00 b100 a600 8907
    0a02 20022401
    0b00 18002200 2c003600 4c005800 64007200 7c008a00 9400
    030220012401 0100 0500
    030220692400 0100 0b00
    030220732401 0100 0200
    030220ac2401 0700 0100 0200 0300 0500 0700 0900 0a00
    0303206825002024 0100 1300
    030220702401 0200 1200 1300
    0302208e2401 0300 0300 0800 1000
    030220692400 0100 0900
    030220682400 0300 0f00 1800 1900
    030220772401 0100 0200
    0302208b2401 0100 0600";

/// Frame 4: its reply, 11 successful Get Attribute List replies.
const MSP_REPLY: &str = "
    70000d01 00010211 00000000 0000000000000000 00000000
    00000000 0000 0200 a100 0400 2800fe80 b100 f900 8907
    8a000000 0b00 18002400 30003c00 74007f00 9500ad00 b900d500 e100
    830000000100050000006030
    8300000001000b0000000300
    830000000100020000000000
    8300000007000100000005000200000001000300000095291f04050000000000070000000200000009000000010001000a0000008422df48
    8300000001001300000000
    83000000020012000000000000001300000000000000
    830000000300030000001400080000000000100000000100
    830000000100090000000000
    8300000003000f000000000018000000000000001900000000000000
    830000000100020000000201
    8300000001000600000073b4ea05f4590400";

/// Frame 371: ListIdentity request.
const LIST_IDENTITY_REQUEST: &str = "6300 0000 00000000 00000000 00000000c1debed1 00000000";

/// Frame 372: ListIdentity reply of a 1756-ENBT/A.
const LIST_IDENTITY_REPLY: &str = "
    6300 3300 00000000 00000000 00000000c1debed1 00000000
    0100 0c00 2d00 0100 0002af12 0a0101a4 0000000000000000
    0100 0c00 3a00 0403 3000 8e4d5200 0b 313735362d454e42542f41 03";

/// Frames 138 and 140: Set Attribute List to class 0x8B and its reply.
const SET_ATTRIBUTE_LIST: &str = "
    7000 2800 00010211 00000000 0000000000000000 00000000
    00000000 0100 0200 a100 0400 010b7c00 b100 1400 ba07
    04 02 208b 2401 0100 0600 c0587222085a0400";
const SET_ATTRIBUTE_LIST_REPLY: &str = "
    7000 2000 00010211 00000000 0000000000000000 00000000
    00000000 0000 0200 a100 0400 2800fe80 b100 0c00 ba07
    84 00 00 00 0100 0600 0000";

/// `set_attribute_single_service_cip.pcapng`: Set Attributes Single to
/// Identity instance 0, sent by pycomm.
const SET_ATTRIBUTE_SINGLE: &str = "
    7000 1c00 f4ffcab4 00000000 5f7079636f6d6d5f 00000000
    00000000 0a00 0200 a100 0400 ba629ada b100 0800 0d00
    10 02 2001 2400";

/// The checks every real packet gets: well-formed, every prefix fails
/// cleanly, and so does every prefix of its CIP message in the checked
/// form.
fn assert_real_prefixes(p: &[u8], from_target: bool) {
    let m = whole(p);
    assert_message_prefixes(p);
    if let Some((_, c)) = cip_of(&m, from_target) {
        let open = !c.is_reply() || c.as_bytes().len() > 4;
        assert_cip_prefixes(c.as_bytes(), None, open);
    }
}

/// The class and instance columns of an embedded request, as cip.log
/// prints them.
fn columns(e: &Embedded) -> (u8, Option<u32>, Option<u32>) {
    match e {
        Embedded::Request { service, path, .. } => (*service, path.class, path.instance),
        Embedded::Reply { service, .. } => (*service, None, None),
    }
}

#[test]
fn multiple_service_packet_request_frame_2() {
    let p = hex(MSP_REQUEST);
    let m = whole(&p);
    // enip.log: 0x70 Send Unit Data 186 0x11020100 Success
    // 0x0000000000000000 0x00000000
    let h = m.header();
    assert_eq!(format!("0x{:02x}", h.command), "0x70");
    assert_eq!(h.command, command::SEND_UNIT_DATA);
    assert_eq!(h.length, 186);
    assert_eq!(format!("0x{:08x}", h.session_handle), "0x11020100");
    assert_eq!(h.status, 0);
    assert_eq!(h.sender_context, [0; 8]);
    assert_eq!(items(&m, false)[0], Item::ConnectedAddress(0x007C_0B01));
    // cip.log: sequence count 1929 on every row of the packet; the packet
    // itself is 0x0a Multiple Service Packet to Message Router 0x01.
    let (seq, c) = carried(&m, false);
    assert_eq!(seq, Some(1929));
    assert_eq!(c.code(), cip::service::MULTIPLE_SERVICE_PACKET);
    assert_eq!((c.path().class, c.path().instance), (Some(2), Some(1)));
    let Some(multi) = c.multiple() else { panic!() };
    assert_eq!(multi.count(), 11);
    // cip.log rows 2-12: 0x03 Get Attribute List, class and instance of
    // each (the reference's path reading gives instance 0x2420 in row 7).
    let expected = [
        (0x01, 0x01),
        (0x69, 0x00),
        (0x73, 0x01),
        (0xAC, 0x01),
        (0x68, 0x2420),
        (0x70, 0x01),
        (0x8E, 0x01),
        (0x69, 0x00),
        (0x68, 0x00),
        (0x77, 0x01),
        (0x8B, 0x01),
    ];
    let got: Vec<_> = multi.embedded().map(|e| columns(&e)).collect();
    let want: Vec<_> = expected
        .iter()
        .map(|&(class, instance)| (0x03, Some(class), Some(instance)))
        .collect();
    assert_eq!(got, want);
    // The checked form types the same services.
    let Ok(CipMessage::Request(r)) = c.check() else {
        panic!()
    };
    assert_eq!(r.class(), Some(cip::class::MESSAGE_ROUTER));
    let RequestBody::MultipleServicePacket(checked) = r.body else {
        panic!()
    };
    let strict: Vec<_> = checked
        .iter()
        .map(|s| match s {
            Ok(s) => {
                assert!(s.violations.is_empty());
                (s.code(), s.class(), s.path.instance())
            }
            Err(e) => panic!("{e}"),
        })
        .collect();
    assert_eq!(strict, want);
    assert_real_prefixes(&p, false);
}

#[test]
fn multiple_service_packet_reply_frame_4() {
    let p = hex(MSP_REPLY);
    let m = whole(&p);
    assert_eq!(m.header().length, 269);
    let (seq, c) = carried(&m, true);
    assert_eq!(seq, Some(1929));
    // cip.log: response 0x0a, status 0x00 Success, and 11 rows of 0x03
    // replies with status 0x00.
    assert_eq!(
        c.status(),
        Some(cip::Status {
            general: 0,
            extended: None
        })
    );
    let Some(multi) = c.multiple() else { panic!() };
    let got: Vec<_> = multi.embedded().collect();
    assert_eq!(
        got,
        vec![
            Embedded::Reply {
                service: 0x03,
                general_status: 0
            };
            11
        ]
    );
    let Ok(CipMessage::Response(r)) = c.check() else {
        panic!()
    };
    let ResponseBody::MultipleServicePacket(checked) = r.body else {
        panic!()
    };
    assert_eq!(checked.count(), 11);
    for reply in checked.iter() {
        let Ok(reply) = reply else {
            panic!("{reply:?}")
        };
        assert!(reply.violations.is_empty());
        assert_eq!((reply.code(), reply.general_status), (0x03, 0));
        assert_eq!(reply.extended_status(), None);
    }
    assert_real_prefixes(&p, true);
}

#[test]
fn list_identity_frames_371_and_372() {
    let p = hex(LIST_IDENTITY_REQUEST);
    let m = whole(&p);
    assert_eq!(m.header().command, command::LIST_IDENTITY);
    assert_eq!(
        m.header().sender_context,
        [0, 0, 0, 0, 0xC1, 0xDE, 0xBE, 0xD1]
    );
    assert!(matches!(m.body(false), Body::Empty));

    let p = hex(LIST_IDENTITY_REPLY);
    let m = whole(&p);
    assert_eq!(m.header().length, 51);
    let [Item::ListIdentity(li)] = items(&m, true)[..] else {
        panic!()
    };
    // cip_identity.log: 1 10.1.1.164 44818 1 Rockwell Automation/Allen-Bradley
    // 12 Communications Adapter 58 4.3 0x0030 0x00524d8e 1756-ENBT/A 0x0003
    assert_eq!(li.protocol_version, 1);
    assert_eq!(li.socket_address.addr, Ipv4Addr::new(10, 1, 1, 164));
    assert_eq!(li.socket_address.port, 44818);
    assert_eq!(li.identity.vendor_id, 1);
    assert_eq!(li.identity.device_type, 12);
    assert_eq!(li.identity.product_code, 58);
    assert_eq!(li.identity.revision.to_string(), "4.3");
    assert_eq!(format!("0x{:04x}", li.identity.status), "0x0030");
    assert_eq!(format!("0x{:08x}", li.identity.serial_number), "0x00524d8e");
    assert_eq!(li.identity.product_name_lossy(), "1756-ENBT/A");
    assert_eq!(format!("0x{:04x}", li.state), "0x0003");
    assert_real_prefixes(&p, true);
}

#[test]
fn get_attribute_list_frames_10_and_11() {
    let req_p = hex("7000 2000 00010211 00000000 0000000000000000 00000000
         00000000 0100 0200 a100 0400 010b7c00 b100 0c00 8b07
         03 02 208b 2401 0100 0800");
    let m = whole(&req_p);
    let (_, c) = carried(&m, false);
    assert_eq!((c.path().class, c.path().instance), (Some(0x8B), Some(1)));
    assert_eq!(c.data(), &[0x01, 0x00, 0x08, 0x00]);
    let Ok(CipMessage::Request(r)) = c.check() else {
        panic!()
    };
    let ctx = r.context();
    assert_real_prefixes(&req_p, false);

    let reply_p = hex("7000 4800 00010211 00000000 0000000000000000 00000000
         00000000 0000 0200 a100 0400 2800fe80 b100 3400 8b07
         83000000 0100 0800 0000 24000000
         474d542d30353a3030204561737465726e2054696d652028555320262043616e61646129");
    let m = whole(&reply_p);
    let (_, c) = carried(&m, true);
    assert_eq!(c.status().map(|s| s.general), Some(0));
    let r = resp(c.as_bytes(), Some(&ctx));
    assert!(r.is_success());
    assert!(r.data.ends_with(b"GMT-05:00 Eastern Time (US & Canada)"));
    assert_eq!(c.check_reply_to(&ctx).map(|r| r.data), Ok(r.data));
    assert_real_prefixes(&reply_p, true);
}

#[test]
fn set_attribute_list_frames_138_and_140() {
    for (hexed, is_request) in [
        (SET_ATTRIBUTE_LIST, true),
        (SET_ATTRIBUTE_LIST_REPLY, false),
    ] {
        let p = hex(hexed);
        let m = whole(&p);
        let (_, c) = carried(&m, !is_request);
        assert_eq!(c.code(), 0x04);
        match c.check() {
            Ok(CipMessage::Request(r)) if is_request => {
                assert_eq!(c.path().class, Some(0x8B));
                assert_eq!(r.class(), Some(0x8B));
            }
            Ok(CipMessage::Response(r)) if !is_request => {
                assert_eq!(c.status().map(|s| s.general), Some(0));
                assert_eq!(r.general_status, 0);
            }
            other => panic!("{other:?}"),
        }
        assert_real_prefixes(&p, !is_request);
    }
}

#[test]
fn set_attribute_single_pycomm() {
    let p = hex(SET_ATTRIBUTE_SINGLE);
    let m = whole(&p);
    // enip.log: 0x70 Send Unit Data 28 0xb4cafff4 Success 0x5f7079636f6d6d5f
    assert_eq!(m.header().length, 28);
    assert_eq!(format!("0x{:08x}", m.header().session_handle), "0xb4cafff4");
    assert_eq!(m.header().sender_context, *b"_pycomm_");
    // cip.log: 13 request 0x10 Set Attributes Single ... 0x01 Identity 0x00 -
    let (seq, c) = carried(&m, false);
    assert_eq!(seq, Some(13));
    assert_eq!(format!("0x{:02x}", c.code()), "0x10");
    let path = c.path();
    assert_eq!(path.class, Some(cip::class::IDENTITY));
    assert_eq!(format!("0x{:02x}", path.instance.unwrap_or(0xFF)), "0x00");
    assert_eq!(path.attribute, None);
    assert!(matches!(c.check(), Ok(CipMessage::Request(_))));
    assert_real_prefixes(&p, false);
}

#[test]
fn implicit_io_frame_377() {
    let d = hex("0200 0280 0800 03064b00 db943f00 b100 0600 a587e80f0300");
    let Ok(io) = Datagram::new(&d) else { panic!() };
    assert!(io.check().is_empty());
    // cip_io.log: 0x004b0603 4166875 6 a587e80f0300
    assert_eq!(format!("0x{:08x}", io.connection_id()), "0x004b0603");
    assert_eq!(io.sequence_number(), 4_166_875);
    assert_eq!(io.data().len(), 6);
    assert_eq!(io.data(), hex("a587e80f0300"));
    for n in 0..d.len() {
        assert!(Datagram::new(&d[..n]).is_err(), "prefix {n}");
    }
}
