//! The MBAP header and stream framing (Modbus Messaging on TCP/IP
//! Implementation Guide v1.0b, 3.1.3).
//!
//! Framing reads the length field first and hands out the PDU as a bounded
//! slice, so a PDU parser never sees bytes of the next ADU and `NeedMore`
//! only ever means "the stream has not delivered the rest yet".

use super::Violations;
use crate::{Error, IResult, Layer};
use nom::number::complete::{be_u16, be_u8};

/// Size of the MBAP header: transaction id, protocol id, length, unit id
/// (TCP implementation guide v1.0b, 3.1.3).
pub const MBAP_LEN: usize = 7;
/// Smallest `length` field: the unit id and a function code (TCP
/// implementation guide v1.0b, 3.1.3).
pub const MIN_LENGTH: u16 = 2;
/// Largest `length` field: the unit id and a PDU of 253 bytes
/// (Modbus Application Protocol V1.1b3, 4.1: ADU max 260 bytes on TCP).
pub const MAX_LENGTH: u16 = 254;
/// Largest Modbus PDU (Modbus Application Protocol V1.1b3, 4.1).
pub const MAX_PDU_LEN: usize = 253;

/// The MBAP header (TCP implementation guide v1.0b, 3.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MbapHeader {
    /// Transaction identifier: pairs a response with its request.
    pub transaction_id: u16,
    /// Protocol identifier: 0 for Modbus (anything else is flagged).
    pub protocol_id: u16,
    /// Number of following bytes: the unit id plus the PDU.
    pub length: u16,
    /// Unit identifier: the server behind a gateway (0xFF when unused).
    pub unit_id: u8,
}

impl MbapHeader {
    /// Violations of the header itself (`PROTOCOL_ID_NONZERO`).
    pub fn violations(&self) -> Violations {
        let mut v = Violations::NONE;
        v.set_if(self.protocol_id != 0, Violations::PROTOCOL_ID_NONZERO);
        v
    }

    /// Length of the PDU this header announces (`length` less the unit id).
    pub fn pdu_len(&self) -> usize {
        usize::from(self.length.saturating_sub(1))
    }

    /// Length of the whole ADU this header announces (6 + `length`).
    pub fn adu_len(&self) -> usize {
        usize::from(self.length).saturating_add(6)
    }
}

/// Parses the 7-byte MBAP header (TCP implementation guide v1.0b, 3.1.3).
/// Checks nothing but presence; [`frame`] checks the length field.
pub fn parse_mbap(i: &[u8]) -> IResult<'_, MbapHeader> {
    if i.len() < MBAP_LEN {
        return Err(nom::Err::Error(Error::truncated(
            Layer::ModbusMbap,
            0,
            MBAP_LEN,
            i.len(),
        )));
    }
    let (i, transaction_id) = be_u16(i)?;
    let (i, protocol_id) = be_u16(i)?;
    let (i, length) = be_u16(i)?;
    let (i, unit_id) = be_u8(i)?;
    Ok((
        i,
        MbapHeader {
            transaction_id,
            protocol_id,
            length,
            unit_id,
        },
    ))
}

/// One framed ADU whose PDU is not parsed yet (TCP implementation guide
/// v1.0b, 3.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawAdu<'a> {
    /// The MBAP header.
    pub header: MbapHeader,
    /// The PDU (function code first), exactly `header.pdu_len()` bytes.
    pub pdu: &'a [u8],
    /// Bytes of the buffer this ADU used (7 + PDU length).
    pub consumed: usize,
}

/// The outcome of [`frame`] on the start of a stream buffer (TCP
/// implementation guide v1.0b, 3.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A whole ADU is at the start of the buffer.
    Complete(RawAdu<'a>),
    /// At least this many more bytes are needed (exactly this many once the
    /// length field has arrived).
    NeedMore(usize),
    /// The length field cannot be Modbus (below 2 or above 254): the stream
    /// is not Modbus here, or lost sync.
    Invalid(Error),
}

/// Frames the ADU at the start of `buf` (TCP implementation guide v1.0b,
/// 3.1.3: the length field bounds the ADU). Never panics, never reads past
/// the announced length.
pub fn frame(buf: &[u8]) -> Frame<'_> {
    let smallest = MBAP_LEN.saturating_add(1);
    // The length field is bytes 4..6; before it arrives the smallest ADU is
    // all we can ask for.
    let Some(len_field) = buf.get(4..6) else {
        return Frame::NeedMore(smallest.saturating_sub(buf.len()));
    };
    let length = match len_field {
        [hi, lo] => u16::from_be_bytes([*hi, *lo]),
        _ => return Frame::NeedMore(smallest.saturating_sub(buf.len())),
    };
    if length < MIN_LENGTH {
        return Frame::Invalid(Error::invalid(
            Layer::ModbusMbap,
            4,
            "length",
            u64::from(length),
        ));
    }
    if length > MAX_LENGTH {
        return Frame::Invalid(Error::too_long(
            Layer::ModbusMbap,
            4,
            "length",
            u64::from(length),
            u64::from(MAX_LENGTH),
        ));
    }
    let total = usize::from(length).saturating_add(6);
    if buf.len() < total {
        return Frame::NeedMore(total.saturating_sub(buf.len()));
    }
    let Some(adu) = buf.get(..total) else {
        return Frame::NeedMore(total.saturating_sub(buf.len()));
    };
    match parse_mbap(adu) {
        Ok((pdu, header)) => Frame::Complete(RawAdu {
            header,
            pdu,
            consumed: total,
        }),
        // Unreachable: `total` >= 8 bytes are present.
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Frame::Invalid(e),
        Err(nom::Err::Incomplete(_)) => Frame::NeedMore(1),
    }
}

/// A cheap test of whether `buf` starts with a plausible Modbus/TCP ADU
/// header (TCP implementation guide v1.0b, 3.1.3), for resynchronizing after a gap or for protocol detection:
/// protocol id 0, length 2..=254 and a function code that is not 0 (with or
/// without the exception bit). Needs 8 bytes.
pub fn probe(buf: &[u8]) -> bool {
    match buf.get(..8) {
        Some([_, _, 0, 0, lh, ll, _, fc]) => {
            let length = u16::from_be_bytes([*lh, *ll]);
            (MIN_LENGTH..=MAX_LENGTH).contains(&length) && fc & 0x7F != 0
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    // Read Holding Registers request, spec 6.3 example behind an MBAP header.
    const ADU: [u8; 12] = [
        0x00, 0x01, // transaction id 1
        0x00, 0x00, // protocol id 0 (Modbus)
        0x00, 0x06, // length 6: unit id + 5-byte PDU
        0x11, // unit id 17
        0x03, // function 3: Read Holding Registers
        0x00, 0x6B, // starting address 107
        0x00, 0x03, // quantity 3
    ];

    #[test]
    fn parses_the_header_fields() {
        let Ok((rest, h)) = parse_mbap(&ADU) else {
            panic!("header did not parse");
        };
        assert_eq!(
            h,
            MbapHeader {
                transaction_id: 1,
                protocol_id: 0,
                length: 6,
                unit_id: 0x11
            }
        );
        assert_eq!(rest.len(), 5);
        assert_eq!(h.pdu_len(), 5);
        assert_eq!(h.adu_len(), 12);
        assert!(h.violations().is_empty());
    }

    #[test]
    fn short_header_is_truncated_with_context() {
        let Err(nom::Err::Error(e)) = parse_mbap(&ADU[..5]) else {
            panic!("expected an error");
        };
        assert_eq!(e.kind, ErrorKind::Truncated { needed: 7, got: 5 });
        assert_eq!(
            e.to_string(),
            "Modbus MBAP header: truncated at offset 0: needed 7 bytes, got 5"
        );
    }

    #[test]
    fn frames_a_whole_adu_and_bounds_the_pdu() {
        let mut buf = ADU.to_vec();
        buf.extend_from_slice(&[0xAA, 0xBB]); // start of the next ADU
        let Frame::Complete(adu) = frame(&buf) else {
            panic!("expected a complete ADU");
        };
        assert_eq!(adu.consumed, 12);
        assert_eq!(adu.pdu, &[0x03, 0x00, 0x6B, 0x00, 0x03]);
        assert_eq!(adu.header.unit_id, 0x11);
    }

    #[test]
    fn every_prefix_needs_exactly_the_missing_bytes() {
        for n in 0..ADU.len() {
            match frame(&ADU[..n]) {
                Frame::NeedMore(k) if n >= 6 => assert_eq!(k, ADU.len() - n, "prefix {n}"),
                Frame::NeedMore(k) => assert!(k >= 1 && n + k <= ADU.len(), "prefix {n}"),
                other => panic!("prefix {n}: {other:?}"),
            }
        }
    }

    #[test]
    fn impossible_lengths_are_invalid() {
        let mut buf = ADU;
        buf[4..6].copy_from_slice(&1u16.to_be_bytes());
        let Frame::Invalid(e) = frame(&buf) else {
            panic!("length 1 must be invalid");
        };
        assert_eq!(
            e.to_string(),
            "Modbus MBAP header: invalid length 1 at offset 4"
        );
        buf[4..6].copy_from_slice(&255u16.to_be_bytes());
        let Frame::Invalid(e) = frame(&buf) else {
            panic!("length 255 must be invalid");
        };
        assert_eq!(
            e.to_string(),
            "Modbus MBAP header: length 255 at offset 4 exceeds the limit of 254"
        );
        // Decided as soon as the length field is there.
        assert!(matches!(frame(&buf[..6]), Frame::Invalid(_)));
    }

    #[test]
    fn largest_adu_is_260_bytes() {
        let mut buf = vec![0u8; 260];
        buf[4..6].copy_from_slice(&254u16.to_be_bytes());
        let Frame::Complete(adu) = frame(&buf) else {
            panic!("expected a complete ADU");
        };
        assert_eq!(adu.pdu.len(), MAX_PDU_LEN);
        assert_eq!(adu.consumed, 260);
    }

    #[test]
    fn nonzero_protocol_id_is_a_flag_not_an_error() {
        let mut buf = ADU;
        buf[3] = 1;
        let Frame::Complete(adu) = frame(&buf) else {
            panic!("expected a complete ADU");
        };
        assert_eq!(adu.header.violations(), Violations::PROTOCOL_ID_NONZERO);
    }

    #[test]
    fn probe_accepts_modbus_and_rejects_other_traffic() {
        assert!(probe(&ADU));
        assert!(!probe(b"GET / HTTP/1.1\r\n"));
        assert!(!probe(&ADU[..7]));
        let mut zero_fc = ADU;
        zero_fc[7] = 0x80;
        assert!(!probe(&zero_fc));
    }
}
