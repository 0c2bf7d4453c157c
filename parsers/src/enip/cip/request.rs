//! Message router requests (CIP Vol 1, 2-4.1): service, request path,
//! request data — and the typed data of the services this module knows,
//! chosen by service code and the class of the path (codes 0x4B–0x63 are
//! class specific, Vol 1 4-9.6).

use super::super::util::{finish, shift, words, Cursor};
use super::super::Violations;
use super::connection::{self, ForwardClose, ForwardOpen};
use super::epath::EPath;
use super::msp::{self, MultipleServiceRequests};
use super::unconnected::{self, UnconnectedSend};
use super::{class, service, ReplyContext, Target};
use crate::{Error, IResult, Layer};

/// A message router request (CIP Vol 1, 2-4.1, Table 2-4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// The service byte as sent (bit 7, the reply bit, should be clear).
    pub service: u8,
    /// Request path size in 16-bit words, as sent.
    pub path_size: u8,
    /// The request path (fewer bytes than `path_size` words when the
    /// message was short: flagged `LENGTH_EXCEEDS_DATA`).
    pub path: EPath<'a>,
    /// The request data after the path.
    pub data: &'a [u8],
    /// The data, typed for the services this module parses.
    pub body: RequestBody<'a>,
    /// Spec violations of the request (its path's and body's included).
    pub violations: Violations,
}

/// The typed data of a request (CIP Vol 1; one variant per service this
/// module parses, `Data` for every other).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestBody<'a> {
    /// Any other service: the request data.
    Data(&'a [u8]),
    /// 0x0A Multiple_Service_Packet, on any class (it is a common
    /// service; the Message Router, class 2, is where it is sent).
    MultipleServicePacket(MultipleServiceRequests<'a>),
    /// 0x52 Unconnected_Send on the Connection Manager (3-5.5.4).
    UnconnectedSend(UnconnectedSend<'a>),
    /// 0x54 Forward_Open or 0x5B Large_Forward_Open on the Connection
    /// Manager (3-5.5.2).
    ForwardOpen(ForwardOpen<'a>),
    /// 0x4E Forward_Close on the Connection Manager (3-5.5.3).
    ForwardClose(ForwardClose<'a>),
}

impl<'a> Request<'a> {
    /// The service code without the reply bit.
    pub fn code(&self) -> u8 {
        self.service & 0x7F
    }

    /// The class of the request path ([`EPath::class`](super::EPath::class)).
    pub fn class(&self) -> Option<u32> {
        self.path.class()
    }

    /// The class that names the service: the path's class, or the Logix
    /// Symbol class 0x6B when the path starts with a symbol (tag services
    /// address the Symbol object by name).
    pub fn naming_class(&self) -> Option<u32> {
        self.class()
            .or_else(|| self.path.is_symbolic().then_some(class::SYMBOL))
    }

    /// What a reply parser needs to know about this request (see
    /// [`parse_cip_reply_to`](super::parse_cip_reply_to)); for an
    /// Unconnected_Send also the embedded request, whose reply comes back
    /// in its place.
    pub fn context(&self) -> ReplyContext {
        let routed = match &self.body {
            RequestBody::UnconnectedSend(u) => u.request().ok().map(|r| r.target()),
            _ => None,
        };
        ReplyContext {
            request: self.target(),
            routed,
        }
    }

    fn target(&self) -> Target {
        Target {
            service: self.code(),
            class: self.naming_class(),
            instance: self.path.instance(),
        }
    }
}

/// Parses a message router request (CIP Vol 1, 2-4.1). Fewer than the two
/// bytes of service and path size is `Truncated` (layer `Cip`, offset from
/// the service byte), as is a known service's data too short for its fixed
/// fields; a path size past the data, a reply bit, a malformed path segment
/// are flags. Uses all the input.
pub fn parse_cip_request(i: &[u8]) -> IResult<'_, Request<'_>> {
    finish(i, request(i))
}

pub(crate) fn request(i: &[u8]) -> Result<Request<'_>, Error> {
    let mut c = Cursor::new(Layer::Cip, i);
    c.need(2)?;
    let service_byte = c.u8()?;
    let path_size = c.u8()?;
    let mut v = Violations::NONE;
    v.set_if(
        service_byte & 0x80 != 0,
        Violations::SERVICE_DIRECTION_MISMATCH,
    );
    let path = EPath::new(c.take_upto(words(path_size), &mut v, Violations::LENGTH_EXCEEDS_DATA));
    v |= path.violations;
    let at = c.offset();
    let data = c.take_rest();
    let code = service_byte & 0x7F;
    let class = path.class();
    let body = match (class, code) {
        (_, service::MULTIPLE_SERVICE_PACKET) => {
            RequestBody::MultipleServicePacket(msp::requests(data, at, &mut v)?)
        }
        (Some(class::CONNECTION_MANAGER), service::UNCONNECTED_SEND) => {
            RequestBody::UnconnectedSend(unconnected::parse(data, at, &mut v)?)
        }
        (Some(class::CONNECTION_MANAGER), service::FORWARD_OPEN) => RequestBody::ForwardOpen(
            connection::forward_open(data, false, &mut v).map_err(|e| shift(e, at))?,
        ),
        (Some(class::CONNECTION_MANAGER), service::LARGE_FORWARD_OPEN) => RequestBody::ForwardOpen(
            connection::forward_open(data, true, &mut v).map_err(|e| shift(e, at))?,
        ),
        (Some(class::CONNECTION_MANAGER), service::FORWARD_CLOSE) => RequestBody::ForwardClose(
            connection::forward_close(data, &mut v).map_err(|e| shift(e, at))?,
        ),
        _ => RequestBody::Data(data),
    };
    Ok(Request {
        service: service_byte,
        path_size,
        path,
        data,
        body,
        violations: v,
    })
}
