//! The S7comm-plus header (protocol id 0x72), the native protocol of
//! S7-1200/1500 CPUs (Wireshark `packet-s7comm_plus.c`; no public Siemens
//! specification): protocol id, version, data length, then, in version 3,
//! the integrity part (a digest length and the digest), then the opcode
//! and, for requests and responses, the function (versions 1 and 2 start
//! the data part with the opcode; version 2 carries its integrity part at
//! the end). A PDU too long for one TPKT packet is sent in parts: each
//! starts with the header, and only the last ends with the four-byte
//! trailer (`72 vv 00 00`). What follows the function (object ids,
//! attributes, values) is not read: the integrity part protects it and
//! newer firmware encrypts it.

use super::util::{plain, Reader};
use crate::{Error, Layer};

/// Version 3: the integrity part opens the data part.
pub const VERSION_3: u8 = 0x03;
/// Extended keep-alive: a length, no opcode.
pub const VERSION_EXTENDED_KEEP_ALIVE: u8 = 0xFE;
/// Keep-alive: a sequence number, no length, no opcode.
pub const VERSION_KEEP_ALIVE: u8 = 0xFF;
/// Length of the trailer that ends the last part of a PDU.
pub const TRAILER_LEN: usize = 4;
/// Opcode of a request.
pub const REQUEST: u8 = 0x31;
/// Opcode of a response.
pub const RESPONSE: u8 = 0x32;
/// Opcode of a second-form response (Wireshark `Response2`).
pub const RESPONSE2: u8 = 0x02;
/// Opcode of a notification.
pub const NOTIFICATION: u8 = 0x33;

/// The head of an S7comm-plus PDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Protocol version (1, 2, 3, or 0xFE for system events).
    pub version: u8,
    /// The data length field as sent.
    pub length: u16,
    /// The integrity part's digest length (version 3).
    pub digest_length: Option<u8>,
    /// A trailer follows the data part: the PDU ends here (else it
    /// continues in the next TSDU). Keep-alives have none and need none.
    pub trailer: bool,
    /// The opcode, when the PDU is long enough to carry one.
    pub opcode: Option<u8>,
    /// Requests and responses: the function code (0x04F2 SetVariable,
    /// 0x04CA CreateObject, ...), the low half of the four bytes after the
    /// opcode.
    pub function: Option<u16>,
}

/// Reads the header of the S7comm-plus PDU that fills `i`. Errors: a
/// protocol id other than 0x72, or fewer than the four bytes of id,
/// version and length; a PDU that ends inside the integrity part or
/// before its opcode or function has them unset. (For a part after the
/// first of a PDU sent in parts, the bytes read as opcode and function are
/// data: the caller knows which part it holds.)
pub fn parse_header(i: &[u8]) -> Result<Header, Error> {
    let mut r = Reader::new(i, 0);
    let head = (|| {
        let id = r.u8()?;
        if id != super::S7COMM_PLUS_ID {
            return Err(nom::Err::Error(super::util::invalid(
                0,
                "protocol id",
                u64::from(id),
            )));
        }
        Ok((r.u8()?, r.u16()?))
    })();
    let (version, length) = head.map_err(|e| plain(e, i.len()).in_layer(Layer::S7commPlus))?;
    let mut h = Header {
        version,
        length,
        digest_length: None,
        trailer: i.len() > usize::from(length).saturating_add(TRAILER_LEN),
        opcode: None,
        function: None,
    };
    if matches!(version, VERSION_KEEP_ALIVE | VERSION_EXTENDED_KEEP_ALIVE) {
        h.trailer = true;
        return Ok(h);
    }
    if version == VERSION_3 {
        let Ok(n) = r.u8() else { return Ok(h) };
        h.digest_length = Some(n);
        if r.take(usize::from(n)).is_err() {
            return Ok(h);
        }
    }
    h.opcode = r.u8().ok();
    if matches!(h.opcode, Some(REQUEST | RESPONSE | RESPONSE2)) {
        // Two reserved bytes, then the function.
        h.function = r.u32().ok().map(|d| (d & 0xFFFF) as u16);
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_version_3_request_with_its_digest() {
        let mut pdu = vec![0x72, 0x03, 0x00, 0x28, 0x20];
        pdu.extend_from_slice(&[0xAA; 32]);
        pdu.extend_from_slice(&[0x31, 0x00, 0x00, 0x04, 0xF2, 0x00, 0x00]);
        pdu.extend_from_slice(&[0x72, 0x03, 0x00, 0x00]);
        let h = parse_header(&pdu).unwrap();
        assert_eq!(h.version, 3);
        assert_eq!(h.digest_length, Some(32));
        assert_eq!(h.opcode, Some(REQUEST));
        assert_eq!(h.function, Some(0x04F2));
        assert!(h.trailer);
        // Without the trailer, the PDU goes on in the next part.
        assert!(!parse_header(&pdu[..pdu.len() - 4]).unwrap().trailer);
    }

    #[test]
    fn version_2_starts_with_the_opcode_and_keep_alives_have_none() {
        let pdu = [
            0x72, 0x02, 0x00, 0x07, 0x32, 0x00, 0x00, 0x05, 0x4C, 0x00, 0x00,
        ];
        let h = parse_header(&pdu).unwrap();
        assert_eq!(
            (h.digest_length, h.opcode, h.function),
            (None, Some(RESPONSE), Some(0x054C))
        );
        let h = parse_header(&[0x72, 0xFF, 0x03, 0x00]).unwrap();
        assert_eq!((h.opcode, h.trailer), (None, true));
    }

    #[test]
    fn notifications_have_no_function_and_version_1_no_digest() {
        let pdu = [0x72, 0x01, 0x00, 0x10, 0x33, 0x00, 0x00, 0x04, 0xF2];
        let h = parse_header(&pdu).unwrap();
        assert_eq!(
            (h.digest_length, h.opcode, h.function),
            (None, Some(0x33), None)
        );
    }

    #[test]
    fn a_short_pdu_keeps_what_it_has_and_a_bad_id_is_an_error() {
        let h = parse_header(&[0x72, 0x03, 0x00, 0x40, 0x20, 1, 2]).unwrap();
        assert_eq!(
            (h.digest_length, h.opcode, h.trailer),
            (Some(32), None, false)
        );
        assert_eq!(
            parse_header(&[0x72, 0x03]).unwrap_err().to_string(),
            "S7comm-plus: truncated at offset 2: needed 2 bytes, got 0"
        );
        assert!(parse_header(&[0x32, 3, 0, 0])
            .unwrap_err()
            .to_string()
            .contains("protocol id"));
    }
}
