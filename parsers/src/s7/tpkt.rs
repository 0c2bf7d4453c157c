//! The TPKT header and stream framing (RFC 1006, "ISO Transport Service on
//! top of the TCP", section 6).
//!
//! Framing reads the length field first and hands out the TPDU as a
//! bounded slice, so a COTP parser never sees bytes of the next packet and
//! `NeedMore` only ever means "the stream has not delivered the rest yet".

use super::util::{invalid, truncated};
use super::Violations;
use crate::{Error, IResult, Layer};

/// Size of the TPKT header: version, reserved, length (RFC 1006, 6).
pub const HEADER_LEN: usize = 4;
/// The only TPKT version (RFC 1006, 6: "vrsn 8 bits: this field is always 3").
pub const VERSION: u8 = 3;
/// Smallest `length` field: the header and the smallest TPDU, a 3-byte
/// COTP DT header (RFC 1006, 6: "the minimum TPKT size is 7 octets").
pub const MIN_LENGTH: u16 = 7;

/// The TPKT header (RFC 1006, 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// Always 3; [`frame`] refuses anything else.
    pub version: u8,
    /// Reserved, 0 (anything else is flagged).
    pub reserved: u8,
    /// Length of the whole packet, header included.
    pub length: u16,
}

impl Header {
    /// Violations of the header itself (`TPKT_RESERVED_NONZERO`).
    pub fn violations(&self) -> Violations {
        let mut v = Violations::NONE;
        v.set_if(self.reserved != 0, Violations::TPKT_RESERVED_NONZERO);
        v
    }

    /// Length of the TPDU this header announces (`length` less 4).
    pub fn payload_len(&self) -> usize {
        usize::from(self.length).saturating_sub(HEADER_LEN)
    }
}

/// Parses the 4-byte TPKT header (RFC 1006, 6). Checks nothing but
/// presence; [`frame`] checks the version and the length.
pub fn parse_header(i: &[u8]) -> IResult<'_, Header> {
    let Some(([version, reserved, hi, lo], rest)) = i.split_first_chunk::<HEADER_LEN>() else {
        return Err(truncated(0, HEADER_LEN, i.len()).map(|e| e.in_layer(Layer::Tpkt)));
    };
    Ok((
        rest,
        Header {
            version: *version,
            reserved: *reserved,
            length: u16::from_be_bytes([*hi, *lo]),
        },
    ))
}

/// One framed TPKT packet whose TPDU is not parsed yet (RFC 1006, 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raw<'a> {
    /// The TPKT header.
    pub header: Header,
    /// The TPDU (COTP header first), exactly `header.payload_len()` bytes.
    pub payload: &'a [u8],
    /// Bytes of the buffer this packet used (the `length` field).
    pub consumed: usize,
}

/// The outcome of [`frame`] on the start of a stream buffer (RFC 1006, 6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A whole packet is at the start of the buffer.
    Complete(Raw<'a>),
    /// At least this many more bytes are needed (exactly this many once the
    /// length field has arrived).
    NeedMore(usize),
    /// The version is not 3 or the length is below 7: the stream is not
    /// ISO-on-TCP here, or lost sync.
    Invalid(Error),
}

/// Frames the TPKT packet at the start of `buf` (RFC 1006, 6: the length
/// field bounds the packet). Never panics, never reads past the announced
/// length.
pub fn frame(buf: &[u8]) -> Frame<'_> {
    let smallest = usize::from(MIN_LENGTH);
    // Version is the first byte: refuse a stream that is not TPKT as soon
    // as it shows, without waiting for the length.
    if let Some(&version) = buf.first() {
        if version != VERSION {
            return Frame::Invalid(invalid(0, "version", u64::from(version)).in_layer(Layer::Tpkt));
        }
    }
    let Ok((_, header)) = parse_header(buf) else {
        return Frame::NeedMore(smallest.saturating_sub(buf.len()));
    };
    if header.length < MIN_LENGTH {
        return Frame::Invalid(
            invalid(2, "length", u64::from(header.length)).in_layer(Layer::Tpkt),
        );
    }
    let total = usize::from(header.length);
    match (buf.get(HEADER_LEN..total), buf.len() >= total) {
        (Some(payload), true) => Frame::Complete(Raw {
            header,
            payload,
            consumed: total,
        }),
        _ => Frame::NeedMore(total.saturating_sub(buf.len()).max(1)),
    }
}

/// A cheap test of whether `buf` starts with a plausible TPKT packet
/// carrying COTP (RFC 1006, 6; X.224, 13.2), for protocol detection or
/// resynchronizing after a gap: version 3, length at least 7, and a COTP
/// length indicator that fits in it. Needs 5 bytes.
pub fn probe(buf: &[u8]) -> bool {
    match buf.get(..5) {
        Some([VERSION, _, hi, lo, li]) => {
            let length = u16::from_be_bytes([*hi, *lo]);
            length >= MIN_LENGTH && u16::from(*li) < length.saturating_sub(4) && *li != 0xFF
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    // A COTP DT TPDU carrying the S7comm Setup Communication job
    // (snap7.pcap frame 1, from cisagov/icsnpp-s7comm).
    const PACKET: [u8; 25] = [
        0x03, // TPKT version 3
        0x00, // reserved
        0x00, 0x19, // length 25, header included
        0x02, 0xF0, 0x80, // COTP: LI 2, DT, EOT + TPDU number 0
        0x32, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, // S7comm job header
        0xF0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xE0, // Setup Communication
    ];

    #[test]
    fn parses_the_header_fields() {
        let Ok((rest, h)) = parse_header(&PACKET) else {
            panic!("header did not parse");
        };
        assert_eq!(
            h,
            Header {
                version: 3,
                reserved: 0,
                length: 25
            }
        );
        assert_eq!(rest.len(), 21);
        assert_eq!(h.payload_len(), 21);
        assert!(h.violations().is_empty());
    }

    #[test]
    fn frames_a_whole_packet_and_bounds_the_payload() {
        let mut buf = PACKET.to_vec();
        buf.extend_from_slice(&[0x03, 0x00]); // start of the next packet
        let Frame::Complete(raw) = frame(&buf) else {
            panic!("expected a complete packet");
        };
        assert_eq!(raw.consumed, 25);
        assert_eq!(raw.payload, &PACKET[4..]);
    }

    #[test]
    fn every_prefix_needs_more() {
        for n in 0..PACKET.len() {
            match frame(&PACKET[..n]) {
                Frame::NeedMore(k) if n >= 4 => assert_eq!(k, PACKET.len() - n, "prefix {n}"),
                Frame::NeedMore(k) => assert!(k >= 1 && n + k <= PACKET.len(), "prefix {n}"),
                other => panic!("prefix {n}: {other:?}"),
            }
        }
    }

    #[test]
    fn bad_version_and_short_length_are_invalid_with_context() {
        let Frame::Invalid(e) = frame(b"GET / HTTP/1.1\r\n") else {
            panic!("HTTP must not frame");
        };
        assert_eq!(e.to_string(), "TPKT: invalid version 71 at offset 0");
        let mut buf = PACKET;
        buf[2..4].copy_from_slice(&6u16.to_be_bytes());
        let Frame::Invalid(e) = frame(&buf) else {
            panic!("length 6 must be invalid");
        };
        assert_eq!(
            e.kind,
            ErrorKind::Invalid {
                field: "length",
                value: 6
            }
        );
        assert_eq!(e.to_string(), "TPKT: invalid length 6 at offset 2");
        // Decided as soon as the length field is there.
        assert!(matches!(frame(&buf[..4]), Frame::Invalid(_)));
    }

    #[test]
    fn short_header_is_truncated_with_context() {
        let Err(nom::Err::Error(e)) = parse_header(&PACKET[..3]) else {
            panic!("expected an error");
        };
        assert_eq!(
            e.to_string(),
            "TPKT: truncated at offset 0: needed 4 bytes, got 3"
        );
    }

    #[test]
    fn largest_packet_is_65535_bytes() {
        let mut buf = vec![0u8; 65_535];
        buf[..4].copy_from_slice(&[3, 0, 0xFF, 0xFF]);
        let Frame::Complete(raw) = frame(&buf) else {
            panic!("expected a complete packet");
        };
        assert_eq!(raw.payload.len(), 65_531);
    }

    #[test]
    fn reserved_nonzero_is_a_flag_not_an_error() {
        let mut buf = PACKET;
        buf[1] = 7;
        let Frame::Complete(raw) = frame(&buf) else {
            panic!("expected a complete packet");
        };
        assert_eq!(raw.header.violations(), Violations::TPKT_RESERVED_NONZERO);
    }

    #[test]
    fn probe_accepts_tpkt_and_rejects_other_traffic() {
        assert!(probe(&PACKET));
        assert!(!probe(b"GET / HTTP/1.1\r\n"));
        assert!(!probe(&PACKET[..4]));
        assert!(!probe(&[3, 0, 0, 7, 0xFF]));
    }
}
