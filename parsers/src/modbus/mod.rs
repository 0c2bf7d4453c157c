//! Modbus/TCP: MBAP framing (Modbus Messaging on TCP/IP Implementation
//! Guide v1.0b, 3.1.3) and request/response PDU parsing (Modbus
//! Application Protocol Specification V1.1b3, sections 6 and 7).
//!
//! The module owns the wire format only: no state, no I/O, no pairing of
//! requests with responses (the analyzer does that by transaction id).
//!
//! * Frame first, then parse: [`frame`] reads the length field and hands
//!   out the PDU as a bounded slice; [`parse_request`] / [`parse_response`]
//!   parse it (the caller knows the direction). [`parse_adu`] does both.
//! * Function codes are open: unknown codes and sub-codes are data
//!   ([`FunctionCode::Unknown`], [`RequestBody::Unknown`]).
//! * Spec violations are [`Violations`] flags on the message; only a PDU
//!   too short for its fixed fields is an error (`Truncated`).
//! * Payloads are borrowed; coils and registers are iterators over the
//!   message bytes ([`Coils`], [`Registers`]).
//! * Codes, not names: the names the logs print (Zeek's and ICSNPP's
//!   spellings) are the logs'.

mod diagnostics;
mod file_record;
mod function;
mod mbap;
mod mei;
mod request;
mod response;
mod umas;
mod util;
mod values;
mod violations;

#[cfg(test)]
mod tests;

pub use diagnostics::{DiagnosticSubFunction, Diagnostics};
pub use file_record::{
    FileRecord, FileRecordIter, FileRecords, FileSubRequest, FileSubRequestIter, FileSubRequests,
    FileSubResponse, FileSubResponseIter, FileSubResponses,
};
pub use function::FunctionCode;
pub use mbap::{
    frame, parse_mbap, probe, Frame, MbapHeader, RawAdu, MAX_LENGTH, MAX_PDU_LEN, MBAP_LEN,
    MIN_LENGTH,
};
pub use mei::{
    DeviceIdentification, DeviceObject, DeviceObjectIter, DeviceObjects, MeiRequest, MeiResponse,
    MEI_CANOPEN, MEI_READ_DEVICE_ID,
};
pub use request::{parse_request, Request, RequestBody};
pub use response::{parse_response, ExceptionCode, Response, ResponseBody};
pub use umas::{Umas, UMAS_RESPONSE_ERROR, UMAS_RESPONSE_OK};
pub use values::{CoilIter, Coils, RegisterIter, Registers};
pub use violations::Violations;

use crate::Error;

/// A parsed PDU of either direction (V1.1b3, 4.1: PDU = function code +
/// data; 6 and 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pdu<'a> {
    /// Client to server.
    Request(Request<'a>),
    /// Server to client.
    Response(Response<'a>),
}

impl Pdu<'_> {
    /// The function-code byte as sent.
    pub fn code(&self) -> u8 {
        match self {
            Pdu::Request(r) => r.code,
            Pdu::Response(r) => r.code,
        }
    }

    /// The spec violations of the PDU.
    pub fn violations(&self) -> Violations {
        match self {
            Pdu::Request(r) => r.violations,
            Pdu::Response(r) => r.violations,
        }
    }
}

/// One framed ADU with its PDU parsed (MBAP: TCP implementation guide
/// v1.0b, 3.1.3; PDU: V1.1b3, 6 and 7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adu<'a> {
    /// The MBAP header.
    pub header: MbapHeader,
    /// The parsed PDU, or why it did not parse (the ADU is still whole and
    /// `consumed` bytes can be skipped).
    pub pdu: Result<Pdu<'a>, Error>,
    /// Bytes of the buffer this ADU used.
    pub consumed: usize,
}

impl Adu<'_> {
    /// Violations of the header and of the PDU together.
    pub fn violations(&self) -> Violations {
        let pdu = self.pdu.as_ref().map(Pdu::violations).unwrap_or_default();
        self.header.violations() | pdu
    }
}

/// The outcome of [`parse_adu`] (framing per the TCP implementation guide
/// v1.0b, 3.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// A whole ADU was at the start of the buffer.
    Complete(Adu<'a>),
    /// At least this many more bytes are needed (see [`Frame::NeedMore`]).
    NeedMore(usize),
    /// The MBAP length field cannot be Modbus (see [`Frame::Invalid`]).
    Invalid(Error),
}

/// Frames the ADU at the start of `buf` and parses its PDU as a request
/// (`is_request`, client to server) or a response (TCP implementation
/// guide v1.0b, 3.1.3; V1.1b3, 6 and 7). The entry point of the fuzz
/// target and the benchmark; never panics.
pub fn parse_adu(buf: &[u8], is_request: bool) -> Parsed<'_> {
    match frame(buf) {
        Frame::Complete(raw) => Parsed::Complete(Adu {
            header: raw.header,
            pdu: parse_pdu(raw.pdu, is_request),
            consumed: raw.consumed,
        }),
        Frame::NeedMore(n) => Parsed::NeedMore(n),
        Frame::Invalid(e) => Parsed::Invalid(e),
    }
}

/// Parses a framed PDU in the given direction ([`parse_request`] or
/// [`parse_response`]), turning nom's wrapper into the plain error.
pub fn parse_pdu(pdu: &[u8], is_request: bool) -> Result<Pdu<'_>, Error> {
    let parsed = if is_request {
        parse_request(pdu).map(|(_, r)| Pdu::Request(r))
    } else {
        parse_response(pdu).map(|(_, r)| Pdu::Response(r))
    };
    parsed.map_err(|e| match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        // Framed input is complete: nom never asks for more. Report it as
        // truncation at the end rather than panic.
        nom::Err::Incomplete(_) => Error::truncated(crate::Layer::ModbusPdu, pdu.len(), 1, 0),
    })
}
