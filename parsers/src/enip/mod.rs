//! EtherNet/IP encapsulation (CIP Volume 2, "EtherNet/IP Adaptation of
//! CIP", chapter 2) and the CIP messages it carries (CIP Volume 1: message
//! router 2-4, Connection Manager 3-5, Identity object 5A-2, EPATH
//! appendix C-1, common services appendix A).
//!
//! The module owns the wire format only: no state, no I/O, no pairing of
//! requests with replies (the analyzer does that by sender context, or by
//! connection id and sequence count).
//!
//! * Frame first, then parse: [`frame`] reads the length field and hands
//!   out the command data as a bounded slice; [`parse_body`] parses it by
//!   command. [`parse_encapsulation`] does both, and [`Packet::cip`] parses
//!   the CIP message a SendRRData / SendUnitData carries.
//! * CIP lives in [`cip`]: requests are typed by service and the class of
//!   their path; replies carry no path, so class-specific replies are typed
//!   with the request's [`ReplyContext`] ([`parse_cip_reply_to`]).
//! * Implicit I/O on UDP 2222 has no encapsulation header: [`parse_io`].
//! * Codes are open: unknown commands, item types, services, classes and
//!   path segments are data ([`Command::Unknown`], [`Item::Unknown`]).
//! * Spec violations are [`Violations`] flags on the message; only data too
//!   short for its fixed fields is an error (`Truncated`, with layer,
//!   offset, needed and got).
//! * Payloads are borrowed; CPF items and Multiple Service Packet services
//!   are iterators over the message bytes.
//! * Every name table (ICSNPP's spellings, and our class-aware service
//!   names) is in [`names`].
#![warn(missing_docs)]

pub mod cip;
mod command;
mod cpf;
mod encap;
mod identity;
mod io;
pub mod names;
mod util;
mod violations;

#[cfg(test)]
mod tests;

pub use cip::{
    parse_cip, parse_cip_reply_to, parse_cip_request, parse_cip_response, Checked as CipMessage,
    ReplyContext, Request as CipRequest, Response as CipResponse,
};
pub use command::{parse_body, Body, CipPayload, CommandData, RegisterSession, SendData};
pub use cpf::{item_type, parse_cpf, Cpf, Item, Items, RawItem, RawItems};
pub use encap::{
    frame, parse_header, probe, Command, Frame, Header, RawPacket, HEADER_LEN, MAX_DATA_LEN,
};
pub use identity::{
    parse_identity, Identity, IdentityAttributes, ListIdentityItem, Revision, ServiceItem,
    SockAddr, CAPABILITY_CIP_TCP, CAPABILITY_CIP_UDP, SOCKADDR_LEN,
};
pub use io::{parse_io, split_io_data, IoData, IoPacket};
pub use violations::Violations;

use crate::Error;

/// One framed encapsulation packet with its command data parsed (CIP
/// Vol 2, 2-3 and 2-4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet<'a> {
    /// The encapsulation header.
    pub header: Header,
    /// The parsed command data, or why it did not parse (the packet is
    /// still whole and `consumed` bytes can be skipped). Error offsets
    /// count from the start of the packet.
    pub body: Result<Body<'a>, Error>,
    /// Bytes of the buffer this packet used.
    pub consumed: usize,
}

impl<'a> Packet<'a> {
    /// Violations of the header and of the data together.
    pub fn violations(&self) -> Violations {
        let body = self.body.as_ref().map(|b| b.violations).unwrap_or_default();
        self.header.violations() | body
    }

    /// The CIP message a SendRRData or SendUnitData carries, unparsed (see
    /// [`SendData::cip`]).
    pub fn cip_payload(&self) -> Option<CipPayload<'a>> {
        self.body.as_ref().ok().and_then(Body::cip)
    }

    /// The CIP message a SendRRData or SendUnitData carries, parsed as a
    /// request or a reply by its reply bit ([`cip::parse_cip`]; error
    /// offsets count from the start of the CIP message).
    pub fn cip(&self) -> Option<Result<cip::Checked<'a>, Error>> {
        self.cip_payload().map(|p| {
            util::plain(
                cip::parse_cip(p.message),
                crate::Layer::Cip,
                p.message.len(),
            )
        })
    }
}

/// The outcome of [`parse_encapsulation`] (framing per CIP Vol 2, 2-3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// A whole packet was at the start of the buffer.
    Complete(Packet<'a>),
    /// At least this many more bytes are needed (see [`Frame::NeedMore`]).
    NeedMore(usize),
    /// The length field cannot be EtherNet/IP (see [`Frame::Invalid`]).
    Invalid(Error),
}

/// Frames the encapsulation packet at the start of `buf` and parses its
/// command data (CIP Vol 2, 2-3 and 2-4). The entry point of the fuzz
/// target and the benchmark; never panics. The same function serves TCP
/// streams and UDP datagrams (ListIdentity broadcasts).
pub fn parse_encapsulation(buf: &[u8]) -> Parsed<'_> {
    match frame(buf) {
        Frame::Complete(raw) => Parsed::Complete(Packet {
            header: raw.header,
            body: util::plain(
                parse_body(raw.header.command, raw.data),
                crate::Layer::EnipEncapsulation,
                raw.data.len(),
            )
            .map_err(|e| util::shift(e, HEADER_LEN)),
            consumed: raw.consumed,
        }),
        Frame::NeedMore(n) => Parsed::NeedMore(n),
        Frame::Invalid(e) => Parsed::Invalid(e),
    }
}
