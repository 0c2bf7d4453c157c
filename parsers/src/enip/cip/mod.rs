//! CIP messages as EtherNet/IP carries them (CIP Vol 1: message router
//! requests and replies 2-4, EPATH appendix C-1, Multiple_Service_Packet
//! the Connection Manager's Unconnected_Send, Forward_Open,
//! Large_Forward_Open and Forward_Close 3-5.5, Identity Get_Attributes_All
//! 5A-2.3), in two forms over the same bytes:
//!
//! * the lax view, [`Message`]: the reference's reading (ICSNPP-enip),
//!   quirks included — what production logs. It never fails past
//!   [`Message::new`], which only checks that the reference's reading fits.
//! * the checked form, [`Message::check`] and [`Message::check_reply_to`]
//!   (or [`parse_cip`], [`parse_cip_request`], [`parse_cip_reply_to`] on
//!   any bytes): the spec's reading, with the typed data of the services
//!   the parsers know ([`RequestBody`], [`ResponseBody`]) and the spec
//!   violations found. A request names its class in its path, so its data
//!   is typed on parsing; a reply does not, so class-specific replies are
//!   typed only with the request's [`ReplyContext`].

mod connection;
mod epath;
mod message;
mod msp;
mod path;
mod request;
mod response;
mod unconnected;

pub use connection::{
    ConnectionFailure, ConnectionTriad, ConnectionType, ForwardClose, ForwardCloseReply,
    ForwardOpen, ForwardOpenReply, NetworkParameters, TransportTrigger,
};
pub use epath::{parse_path, EPath, ElectronicKey, LogicalType, Segment, Segments};
pub use message::{attribute_ids, AttributeIds, Embedded, Message, Multiple, Routed, Status};
pub use msp::{
    MultipleServiceReplies, MultipleServiceReplyIter, MultipleServiceRequestIter,
    MultipleServiceRequests,
};
pub use path::{Path, Tag};
pub use request::{parse_cip_request, Request, RequestBody};
pub use response::{
    parse_cip_reply_to, parse_cip_response, AdditionalStatus, Response, ResponseBody, StatusWords,
};
pub use unconnected::UnconnectedSend;

use super::util::finish;
use super::Violations;
use crate::{Error, IResult, Layer};

/// Service codes the parsers know (CIP Vol 1, A-3 common services; 3-5.5
/// Connection Manager services).
pub mod service {
    /// Get_Attributes_All.
    pub const GET_ATTRIBUTES_ALL: u8 = 0x01;
    /// Get_Attribute_List.
    pub const GET_ATTRIBUTE_LIST: u8 = 0x03;
    /// Set_Attribute_List.
    pub const SET_ATTRIBUTE_LIST: u8 = 0x04;
    /// Multiple_Service_Packet.
    pub const MULTIPLE_SERVICE_PACKET: u8 = 0x0A;
    /// Get_Attribute_Single.
    pub const GET_ATTRIBUTE_SINGLE: u8 = 0x0E;
    /// Set_Attribute_Single.
    pub const SET_ATTRIBUTE_SINGLE: u8 = 0x10;
    /// Forward_Close on the Connection Manager (3-5.5.3).
    pub const FORWARD_CLOSE: u8 = 0x4E;
    /// Unconnected_Send on the Connection Manager (3-5.5.4).
    pub const UNCONNECTED_SEND: u8 = 0x52;
    /// Forward_Open on the Connection Manager (3-5.5.2).
    pub const FORWARD_OPEN: u8 = 0x54;
    /// Large_Forward_Open on the Connection Manager (3-5.5.2).
    pub const LARGE_FORWARD_OPEN: u8 = 0x5B;
    /// The reply bit (Vol 1, 2-4.2).
    pub const REPLY: u8 = 0x80;
}

/// Class codes the parsers and the class-aware service tables know (CIP
/// Vol 1, 5-1; Rockwell Logix 5000 Data Access for 0x6B and 0x6C).
pub mod class {
    /// Identity object (Vol 1, 5A-2).
    pub const IDENTITY: u32 = 0x01;
    /// Message Router (Vol 1, 5A-3).
    pub const MESSAGE_ROUTER: u32 = 0x02;
    /// Connection Manager (Vol 1, 3-5).
    pub const CONNECTION_MANAGER: u32 = 0x06;
    /// File object (Vol 1, 5A-42).
    pub const FILE: u32 = 0x37;
    /// Modbus object (Vol 7A).
    pub const MODBUS: u32 = 0x44;
    /// PCCC object (Rockwell).
    pub const PCCC: u32 = 0x67;
    /// Logix Symbol object (Rockwell Logix 5000 Data Access).
    pub const SYMBOL: u32 = 0x6B;
    /// Logix Template object (Rockwell Logix 5000 Data Access).
    pub const TEMPLATE: u32 = 0x6C;
    /// Connection Configuration object (Vol 1, 5A-47).
    pub const CONNECTION_CONFIGURATION: u32 = 0xF3;
}

/// The service, class and instance a request addressed (CIP Vol 1, 2-4.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Target {
    /// Service code without the reply bit.
    pub service: u8,
    /// Class (the Logix Symbol class for symbolic paths; see
    /// [`Request::naming_class`]).
    pub class: Option<u32>,
    /// Instance.
    pub instance: Option<u32>,
}

/// What [`parse_cip_reply_to`] needs to know about the request a reply
/// answers; small and `Copy`, for an analyzer to keep per outstanding
/// request ([`Request::context`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ReplyContext {
    /// The request itself.
    pub request: Target,
    /// For an Unconnected_Send, the embedded request, whose reply comes
    /// back in place of the Unconnected_Send's (Vol 1, 3-5.5.4).
    pub routed: Option<Target>,
}

/// The checked form of a CIP message of either direction (CIP Vol 1, 2-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked<'a> {
    /// Reply bit clear.
    Request(Request<'a>),
    /// Reply bit set.
    Response(Response<'a>),
}

impl Checked<'_> {
    /// The service byte as sent.
    pub fn service(&self) -> u8 {
        match self {
            Checked::Request(r) => r.service,
            Checked::Response(r) => r.service,
        }
    }

    /// The spec violations of the message.
    pub fn violations(&self) -> Violations {
        match self {
            Checked::Request(r) => r.violations,
            Checked::Response(r) => r.violations,
        }
    }
}

/// Reads a CIP message by the spec as a request or a reply by its reply
/// bit 0x80 (CIP Vol 1, 2-4), replies without context (see
/// [`parse_cip_response`]). An empty message is `Truncated`. Uses all the
/// input.
pub fn parse_cip(i: &[u8]) -> IResult<'_, Checked<'_>> {
    let r = match i.first() {
        None => Err(Error::truncated(Layer::Cip, 0, 1, 0)),
        Some(s) if s & service::REPLY != 0 => response::response(i, None).map(Checked::Response),
        Some(_) => request::request(i).map(Checked::Request),
    };
    finish(i, r)
}
