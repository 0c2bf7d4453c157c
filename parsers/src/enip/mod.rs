//! EtherNet/IP (CIP Volume 2, "EtherNet/IP Adaptation of CIP": the
//! encapsulation 2-3, its commands 2-4, the Common Packet Format 2-6,
//! implicit I/O 3-3) and the CIP messages it carries (CIP Volume 1:
//! message router 2-4, Connection Manager 3-5, Identity object 5A-2,
//! EPATH appendix C-1, common services appendix A) — the one EtherNet/IP
//! grammar, as smoltcp's `wire` modules are: a lax view over the bytes, and
//! its checked form.
//!
//! * The lax view is the reading production logs: CISA ICSNPP-enip's,
//!   quirks included and documented where they are read. A delivery is
//!   one message read from its first byte ([`Message`]): the header, then
//!   the command data by command and direction ([`Body`]), CPF items one
//!   after the other ([`Items`], [`Item`]) from where the previous item's
//!   reading stopped (length fields are read, never used to bound), and
//!   the CIP messages they carry ([`cip::Message`]: service, path decoded
//!   the reference's way, status, data, the Multiple Service Packet's
//!   services, the request an Unconnected Send carries). An I/O datagram
//!   is a [`Datagram`]. Nothing is read before it is asked for; reading
//!   past the end of the delivery is `Truncated`, and what was read before
//!   stands. No state: pairing replies with requests is the analyzer's.
//! * The checked form is the spec's reading of the same bytes:
//!   [`Message::check`], [`Datagram::check`] and [`cip::Message::check`]
//!   return the spec [`Violations`] (lengths that disagree, reserved bits,
//!   bad item counts, ...) — flags, not failures; only data too short for
//!   its fixed fields is an error. The checked CIP form also types the
//!   service data the parsers know ([`cip::RequestBody`],
//!   [`cip::ResponseBody`]: Forward Open, Large Forward Open, Forward
//!   Close, Unconnected Send, Multiple Service Packet, Identity).
//! * Codes are open: unknown commands, item types, services and classes
//!   are data. Payloads are borrowed; nothing allocates.
//! * Codes, not names: the names the logs print (ICSNPP's spellings, and
//!   our class-aware service names) are the logs'.
#![warn(missing_docs)]

pub mod cip;
mod encap;
mod identity;
mod io;
mod item;
mod util;
mod violations;

#[cfg(test)]
mod tests;

pub use encap::{
    command, looks_like_encapsulation, Body, Header, Message, RegisterSession, SendData,
    HEADER_LEN, MAX_DATA_LEN,
};
pub use identity::{
    parse_identity, Identity, IdentityAttributes, ListIdentityItem, Revision, ServiceItem,
    SockAddr, CAPABILITY_CIP_TCP, CAPABILITY_CIP_UDP, SOCKADDR_LEN,
};
pub use io::{is_io, Datagram, IoData};
pub use item::{item_type, Item, Items};
pub use violations::Violations;
