//! ISO-on-TCP and Siemens S7comm: TPKT framing (RFC 1006, 6), COTP
//! TPDUs (ITU-T X.224 / ISO 8073, 13; class 0 as RFC 1006, 5 uses it) and
//! the classic S7 protocol, protocol id 0x32 (Wireshark
//! `packet-s7comm.c`; no public Siemens specification), on TCP port 102.
//!
//! The module owns the wire format only: no state, no I/O, no pairing of
//! responses with requests (the analyzer does that by PDU reference), no
//! reassembly of an S7comm PDU sent in several DT TPDUs (the analyzer
//! joins their user data and calls [`s7comm::parse_message`]).
//!
//! * Frame first, then parse: [`tpkt::frame`] reads the length field and
//!   hands out the TPDU as a bounded slice; [`cotp::parse_tpdu`] bounds its
//!   header by the length indicator; [`s7comm::parse_message`] bounds the
//!   parameter and data blocks by the header's lengths. [`parse_packet`]
//!   does all three.
//! * Codes are open: unknown TPDU types, parameters, ROSCTRs, functions,
//!   syntax ids, groups are data (`Unknown(u8)` or kept raw).
//! * Spec violations are [`Violations`] flags on the message; only a
//!   message too short for its fixed fields, or framing that cannot be
//!   TPKT, is an error.
//! * Payloads are borrowed: items, data, SZL entries are views of the
//!   packet bytes.
//! * Codes, not names: the names logs print (ICSNPP's spellings) are the
//!   logs'.
//! * S7comm-plus (protocol id 0x72): its header only ([`plus`]); the
//!   body is encrypted or integrity-protected on current firmware.

#![warn(missing_docs)]

pub mod cotp;
pub mod plus;
pub mod s7comm;
pub mod tpkt;
mod util;
mod violations;

#[cfg(test)]
mod tests;

pub use violations::Violations;

use crate::Error;

/// The protocol id of S7comm-plus (S7-1200/1500 native protocol).
pub const S7COMM_PLUS_ID: u8 = 0x72;

/// What a COTP TPDU carries, as far as this module reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload<'a> {
    /// No user data (CR, CC, DR, ... usually; or an empty DT).
    None,
    /// A DT ending its TSDU whose user data starts with 0x32: the S7comm
    /// PDU, or why it did not parse (the packet is still whole and can be
    /// skipped).
    S7comm(Result<s7comm::Message<'a>, Error>),
    /// A DT ending its TSDU whose user data starts with 0x72: S7comm-plus,
    /// unread.
    S7commPlus(&'a [u8]),
    /// A DT without the EOT mark: one part of a longer TSDU, to be joined
    /// with the parts that follow.
    Fragment(&'a [u8]),
    /// Any other user data, unread.
    Other(&'a [u8]),
}

/// One framed TPKT packet with its COTP TPDU and S7comm PDU parsed
/// (RFC 1006, 6; X.224, 13; `packet-s7comm.c`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet<'a> {
    /// The TPKT header.
    pub tpkt: tpkt::Header,
    /// The COTP TPDU, or why it did not parse (the packet is still whole
    /// and `consumed` bytes can be skipped).
    pub cotp: Result<cotp::Tpdu<'a>, Error>,
    /// What the TPDU carries.
    pub payload: Payload<'a>,
    /// Bytes of the buffer this packet used.
    pub consumed: usize,
}

impl Packet<'_> {
    /// Violations of all three layers together.
    pub fn violations(&self) -> Violations {
        let cotp = self.cotp.as_ref().map(|t| t.violations).unwrap_or_default();
        let s7 = match &self.payload {
            Payload::S7comm(Ok(m)) => m.violations,
            _ => Violations::NONE,
        };
        self.tpkt.violations() | cotp | s7
    }
}

/// The outcome of [`parse_packet`] (framing per RFC 1006, 6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// A whole packet was at the start of the buffer.
    Complete(Packet<'a>),
    /// At least this many more bytes are needed (see [`tpkt::Frame`]).
    NeedMore(usize),
    /// The buffer does not start with a TPKT header.
    Invalid(Error),
}

/// Classifies the user data of a TPDU (X.224, 13.7: EOT ends a TSDU).
pub fn payload<'a>(tpdu: &cotp::Tpdu<'a>) -> Payload<'a> {
    let data = tpdu.user_data;
    if data.is_empty() {
        return Payload::None;
    }
    match tpdu.body {
        cotp::Body::Data { eot: false, .. } => Payload::Fragment(data),
        cotp::Body::Data { eot: true, .. } => parse_tsdu(data),
        _ => Payload::Other(data),
    }
}

/// Reads a whole TSDU (the user data of one DT ending its TSDU, or of
/// several DTs joined) by its first byte, the protocol id: S7comm
/// (0x32), S7comm-plus (0x72), or other data.
pub fn parse_tsdu(data: &[u8]) -> Payload<'_> {
    match data.first() {
        None => Payload::None,
        Some(&s7comm::PROTOCOL_ID) => Payload::S7comm(
            s7comm::parse_message(data)
                .map(|(_, m)| m)
                .map_err(|e| util::plain(e, data.len())),
        ),
        Some(&S7COMM_PLUS_ID) => Payload::S7commPlus(data),
        Some(_) => Payload::Other(data),
    }
}

/// Frames the TPKT packet at the start of `buf` and parses its COTP TPDU
/// and, for a DT ending its TSDU, the S7comm PDU (RFC 1006, 6; X.224, 13;
/// `packet-s7comm.c`). The entry point of the fuzz target; never panics.
pub fn parse_packet(buf: &[u8]) -> Parsed<'_> {
    match tpkt::frame(buf) {
        tpkt::Frame::Complete(raw) => {
            let cotp = cotp::parse_tpdu(raw.payload)
                .map(|(_, t)| t)
                .map_err(|e| util::plain(e, raw.payload.len()));
            let payload = cotp.as_ref().map(payload).unwrap_or(Payload::None);
            Parsed::Complete(Packet {
                tpkt: raw.header,
                cotp,
                payload,
                consumed: raw.consumed,
            })
        }
        tpkt::Frame::NeedMore(n) => Parsed::NeedMore(n),
        tpkt::Frame::Invalid(e) => Parsed::Invalid(e),
    }
}
