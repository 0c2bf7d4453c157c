//! CIP message router requests and replies (CIP Vol 1, 2-4): annotated
//! vectors, flags, class-aware naming and reply typing with a context.

use super::*;
use crate::enip::cip::{service, RequestBody, ResponseBody, Target};

#[test]
fn get_attribute_single_request_2_4_1() {
    let msg = [
        0x0E, // service: Get_Attribute_Single
        0x03, // path size: 3 words
        0x20, 0x01, // class 1: Identity
        0x24, 0x01, // instance 1
        0x30, 0x07, // attribute 7: product name
    ];
    let r = req(&msg);
    assert_eq!(r.service, 0x0E);
    assert_eq!(r.path_size, 3);
    assert_eq!(r.path.as_bytes(), &msg[2..]);
    assert_eq!(
        (r.class(), r.path.instance(), r.path.attribute()),
        (Some(1), Some(1), Some(7))
    );
    assert_eq!(r.data, &[] as &[u8]);
    assert_eq!(r.body, RequestBody::Data(&[]));
    assert_eq!(r.naming_class(), Some(cip::class::IDENTITY));
    assert_cip_prefixes(&msg, None, false);
}

#[test]
fn set_attribute_single_request_with_data() {
    let msg = [
        0x10, // service: Set_Attribute_Single
        0x03, // path size 3
        0x20, 0xF5, // class 0xF5: TCP/IP Interface
        0x24, 0x01, // instance 1
        0x30, 0x06, // attribute 6: host name
        0x04, 0x00, b'p', b'l', b'c', b'1', // STRING "plc1"
    ];
    let r = req(&msg);
    assert_eq!(r.data, &msg[8..]);
    assert_eq!(r.class(), Some(0xF5));
    assert_cip_prefixes(&msg, None, true);
}

#[test]
fn read_tag_request_is_named_by_the_symbol_class() {
    let msg = [
        0x4C, // service 0x4C: Read Tag on the Logix Symbol object
        0x04, // path size 4 words
        0x91, 0x05, b'T', b'o', b't', b'a', b'l', 0x00, // ANSI symbol "Total" + pad
        0x01, 0x00, // element count 1
    ];
    let r = req(&msg);
    assert_eq!(r.class(), None);
    assert_eq!(r.naming_class(), Some(cip::class::SYMBOL));
    assert_eq!(r.path.symbols().collect::<Vec<_>>(), vec![&b"Total"[..]]);
    assert_eq!(r.data, &[0x01, 0x00]);
    assert_eq!(
        r.context().request,
        Target {
            service: 0x4C,
            class: Some(0x6B),
            instance: None
        }
    );
    assert_cip_prefixes(&msg, None, true);
}

#[test]
fn request_flags() {
    // Path size past the data: the path keeps what there is.
    let Ok((_, r)) = parse_cip_request(&[0x0E, 0x04, 0x20, 0x01, 0x24, 0x01]) else {
        panic!()
    };
    assert_eq!(r.violations, Violations::LENGTH_EXCEEDS_DATA);
    assert_eq!(r.path.instance(), Some(1));
    assert_eq!(r.data, &[] as &[u8]);
    // The reply bit in a request.
    let Ok((_, r)) = parse_cip_request(&[0x8E, 0x01, 0x20, 0x01]) else {
        panic!()
    };
    assert_eq!(r.violations, Violations::SERVICE_DIRECTION_MISMATCH);
    assert_eq!(r.code(), 0x0E);
    // A bad path segment.
    let Ok((_, r)) = parse_cip_request(&[0x0E, 0x01, 0xE0, 0x00]) else {
        panic!()
    };
    assert_eq!(r.violations, Violations::INVALID_PATH_SEGMENT);
    // Too short for service and path size.
    let Err(nom::Err::Error(e)) = parse_cip_request(&[0x0E]) else {
        panic!()
    };
    assert_eq!(
        e.to_string(),
        "CIP: truncated at offset 0: needed 2 bytes, got 1"
    );
}

#[test]
fn success_reply_2_4_2() {
    let msg = [
        0x8E, // service: Get_Attribute_Single | reply
        0x00, // reserved
        0x00, // general status: success
        0x00, // additional status size 0
        0x0B, b'1', b'7', b'5', b'6', b'-', b'E', b'N', b'B', b'T', b'/',
        b'A', // SHORT_STRING
    ];
    let r = resp(&msg, None);
    assert_eq!(r.code(), 0x0E);
    assert!(r.is_success());
    assert_eq!(r.general_status, 0);
    assert_eq!(r.extended_status(), None);
    assert_eq!(r.data, &msg[4..]);
    assert_eq!(r.body, ResponseBody::Data(&msg[4..]));
    assert_cip_prefixes(&msg, None, true);
}

#[test]
fn error_reply_with_additional_status_2_4_2() {
    let msg = [
        0xD4, // service: Forward_Open | reply
        0x00, // reserved
        0x01, // general status: Connection Failure
        0x02, // additional status size: 2 words
        0x00, 0x01, // extended status 0x0100: connection in use
        0x34, 0x12, // second word
    ];
    let r = resp(&msg, None);
    assert_eq!(r.general_status, 1);
    assert_eq!(r.additional_status_size, 2);
    assert_eq!(
        r.additional_status.iter().collect::<Vec<_>>(),
        vec![0x0100, 0x1234]
    );
    assert_eq!(r.additional_status.len(), 2);
    assert_eq!(r.extended_status(), Some(0x0100));
    assert_eq!(r.data, &[] as &[u8]);
    // Without context the class-specific reply stays data.
    assert_eq!(r.body, ResponseBody::Data(&[]));
    assert_cip_prefixes(&msg, None, false);
}

#[test]
fn reply_flags() {
    // Additional status size past the data.
    let Ok((_, r)) = parse_cip_response(&[0x81, 0x00, 0x05, 0x03, 0x01, 0x00]) else {
        panic!()
    };
    assert_eq!(r.violations, Violations::LENGTH_EXCEEDS_DATA);
    assert_eq!(r.extended_status(), Some(1));
    // Reserved byte set, reply bit missing.
    let Ok((_, r)) = parse_cip_response(&[0x01, 0x01, 0x00, 0x00]) else {
        panic!()
    };
    assert_eq!(
        r.violations,
        Violations::SERVICE_DIRECTION_MISMATCH | Violations::RESERVED_NONZERO
    );
    let Err(nom::Err::Error(e)) = parse_cip_response(&[0x81, 0x00, 0x00]) else {
        panic!()
    };
    assert_eq!(
        e.to_string(),
        "CIP: truncated at offset 0: needed 4 bytes, got 3"
    );
    // Statuses the spec does not define are kept as they are.
    let Ok((_, r)) = parse_cip_response(&[0x81, 0x00, 0x77, 0x01, 0x05, 0x21]) else {
        panic!()
    };
    assert_eq!(r.general_status, 0x77);
    assert_eq!(r.extended_status(), Some(0x2105));
}

#[test]
fn parse_cip_decides_by_the_reply_bit() {
    let Ok((_, CipMessage::Request(r))) = parse_cip(&[0x01, 0x02, 0x20, 0x01, 0x24, 0x01]) else {
        panic!("expected a request");
    };
    assert_eq!(r.code(), service::GET_ATTRIBUTES_ALL);
    let Ok((_, m)) = parse_cip(&[0x81, 0x00, 0x08, 0x00]) else {
        panic!()
    };
    assert!(matches!(m, CipMessage::Response(ref r) if r.general_status == 8));
    assert_eq!(m.service(), 0x81);
    assert!(m.violations().is_empty());
    let Err(nom::Err::Error(e)) = parse_cip(&[]) else {
        panic!()
    };
    assert_eq!(
        e.to_string(),
        "CIP: truncated at offset 0: needed 1 bytes, got 0"
    );
}

#[test]
fn identity_get_attributes_all_reply_with_context() {
    // The request: Get_Attributes_All to Identity instance 1.
    let request = [0x01, 0x02, 0x20, 0x01, 0x24, 0x01];
    let context = req(&request).context();
    assert_eq!(context.routed, None);
    let msg = [
        0x81, 0x00, 0x00, 0x00, // Get_Attributes_All reply, success, no status words
        0x01, 0x00, // vendor 1
        0x0E, 0x00, // device type 14: PLC
        0x6C, 0x00, // product code 108
        0x14, 0x0B, // revision 20.11
        0x60, 0x30, // status 0x3060
        0x11, 0x22, 0x33, 0x44, // serial number 0x44332211
        0x0C, // product name length 12
        b'1', b'7', b'5', b'6', b'-', b'L', b'8', b'1', b'E', b'/', b'B', b' ', //
    ];
    let r = resp(&msg, Some(&context));
    let ResponseBody::Identity(a) = r.body else {
        panic!("expected identity attributes: {:?}", r.body);
    };
    assert_eq!(a.identity.device_type, 14); // Programmable Logic Controller
    assert_eq!(a.identity.revision.to_string(), "20.11");
    assert_eq!(a.identity.serial_number, 0x4433_2211);
    assert_eq!(a.identity.product_name, b"1756-L81E/B ");
    assert_eq!(a.state, None);
    assert_cip_prefixes(&msg, Some(&context), false);
    // Without context, or to the class (instance 0), it is data.
    assert_eq!(resp(&msg, None).body, ResponseBody::Data(&msg[4..]));
    let class_level = req(&[0x01, 0x02, 0x20, 0x01, 0x24, 0x00]).context();
    assert_eq!(
        resp(&msg, Some(&class_level)).body,
        ResponseBody::Data(&msg[4..])
    );
    // An error reply carries no attributes.
    let err = [0x81, 0x00, 0x08, 0x00];
    assert_eq!(resp(&err, Some(&context)).body, ResponseBody::Data(&[]));
}
