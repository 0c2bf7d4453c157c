//! CIP messages as EtherNet/IP carries them: message router requests and
//! replies (CIP Vol 1, 2-4), EPATH (appendix C-1), Multiple_Service_Packet
//! and the Connection Manager's Unconnected_Send, Forward_Open,
//! Large_Forward_Open and Forward_Close (3-5.5).
//!
//! A request names its class in its path, so its data is typed on
//! parsing; a reply does not, so class-specific replies are typed only by
//! [`parse_cip_reply_to`] with the request's [`ReplyContext`].

mod connection;
mod epath;
mod msp;
mod request;
mod response;
mod unconnected;

pub use connection::{
    ConnectionFailure, ConnectionTriad, ConnectionType, ForwardClose, ForwardCloseReply,
    ForwardOpen, ForwardOpenReply, NetworkParameters, TransportTrigger,
};
pub use epath::{parse_path, ElectronicKey, LogicalType, Path, Segment, Segments};
pub use msp::{
    MultipleServiceReplies, MultipleServiceReplyIter, MultipleServiceRequestIter,
    MultipleServiceRequests,
};
pub use request::{parse_cip_request, Request, RequestBody};
pub use response::{
    parse_cip_reply_to, parse_cip_response, AdditionalStatus, Response, ResponseBody, StatusWords,
};
pub use unconnected::UnconnectedSend;

use super::util::finish;
use super::Violations;
use crate::{Error, IResult, Layer};

/// Service codes this module types (CIP Vol 1, A-3 common services; 3-5.5
/// Connection Manager services).
pub mod service {
    /// Get_Attributes_All.
    pub const GET_ATTRIBUTES_ALL: u8 = 0x01;
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

/// A CIP message of either direction (CIP Vol 1, 2-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// Reply bit clear.
    Request(Request<'a>),
    /// Reply bit set.
    Response(Response<'a>),
}

impl Message<'_> {
    /// The service byte as sent.
    pub fn service(&self) -> u8 {
        match self {
            Message::Request(r) => r.service,
            Message::Response(r) => r.service,
        }
    }

    /// The spec violations of the message.
    pub fn violations(&self) -> Violations {
        match self {
            Message::Request(r) => r.violations,
            Message::Response(r) => r.violations,
        }
    }
}

/// Parses a CIP message as a request or a reply by its reply bit 0x80
/// (CIP Vol 1, 2-4), replies without context (see
/// [`parse_cip_response`]). An empty message is `Truncated`. Uses all the
/// input.
pub fn parse_cip(i: &[u8]) -> IResult<'_, Message<'_>> {
    let r = match i.first() {
        None => Err(Error::truncated(Layer::Cip, 0, 1, 0)),
        Some(s) if s & service::REPLY != 0 => response::response(i, None).map(Message::Response),
        Some(_) => request::request(i).map(Message::Request),
    };
    finish(i, r)
}
