//! Message router replies (CIP Vol 1, 2-4.2): service with the reply bit,
//! general status, additional status words, reply data — and the typed
//! data of the replies this module knows. A reply carries no path, so
//! class-specific replies are typed only with the request's
//! [`ReplyContext`].

use super::super::identity::{parse_identity, IdentityAttributes};
use super::super::util::{finish, plain, shift, words, Cursor};
use super::super::Violations;
use super::connection::{self, ConnectionFailure, ForwardCloseReply, ForwardOpenReply};
use super::msp::{self, MultipleServiceReplies};
use super::{class, service, ReplyContext};
use crate::{Error, IResult, Layer};
use std::iter::FusedIterator;

/// The additional status words of a reply (CIP Vol 1, 2-4.2); the first is
/// the extended status the status tables name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AdditionalStatus<'a> {
    bytes: &'a [u8],
}

impl<'a> AdditionalStatus<'a> {
    /// The bytes as sent (a cut message may leave an odd byte, which is
    /// not a word and which [`iter`](Self::iter) skips).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The words in order.
    pub fn iter(&self) -> StatusWords<'a> {
        StatusWords { rest: self.bytes }
    }

    /// The first word: the extended status (Vol 1, B-1).
    pub fn extended(&self) -> Option<u16> {
        self.iter().next()
    }

    /// Number of whole words.
    pub fn len(&self) -> usize {
        self.bytes.len() / 2
    }

    /// True when there is no whole word.
    pub fn is_empty(&self) -> bool {
        self.bytes.len() < 2
    }
}

/// Iterator over [`AdditionalStatus`] words.
#[derive(Clone, Debug)]
pub struct StatusWords<'a> {
    rest: &'a [u8],
}

impl Iterator for StatusWords<'_> {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        let (w, rest) = self.rest.split_first_chunk::<2>()?;
        self.rest = rest;
        Some(u16::from_le_bytes(*w))
    }
}

impl FusedIterator for StatusWords<'_> {}

/// A message router reply (CIP Vol 1, 2-4.2, Table 2-4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response<'a> {
    /// The service byte as sent (the request's code | 0x80).
    pub service: u8,
    /// Reserved byte (0).
    pub reserved: u8,
    /// General status (Vol 1, B-1; 0 is success).
    pub general_status: u8,
    /// Additional status size in words, as sent.
    pub additional_status_size: u8,
    /// The additional status words.
    pub additional_status: AdditionalStatus<'a>,
    /// The reply data after the status.
    pub data: &'a [u8],
    /// The data, typed for the replies this module parses.
    pub body: ResponseBody<'a>,
    /// Spec violations of the reply.
    pub violations: Violations,
}

/// The typed data of a reply (CIP Vol 1; `Data` for every reply this
/// module does not parse or cannot place without the request).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseBody<'a> {
    /// Any other reply: the reply data.
    Data(&'a [u8]),
    /// 0x8A Multiple_Service_Packet reply: the embedded replies.
    /// Also sent with general status 0x1E (embedded service error).
    MultipleServicePacket(MultipleServiceReplies<'a>),
    /// Identity Get_Attributes_All reply data (5A-2.3), with context only.
    Identity(IdentityAttributes<'a>),
    /// Successful (Large_)Forward_Open reply (3-5.5.2), with context only.
    ForwardOpen(ForwardOpenReply<'a>),
    /// Successful Forward_Close reply (3-5.5.3), with context only.
    ForwardClose(ForwardCloseReply<'a>),
    /// Failed (Large_)Forward_Open or Forward_Close reply (3-5.5.2,
    /// 3-5.5.3), with context only.
    ConnectionFailure(ConnectionFailure),
    /// Failed Unconnected_Send reply (3-5.5.4): the remaining path size
    /// when the router reports one, with context only.
    UnconnectedSendFailure {
        /// Words of the route path not yet used.
        remaining_path_size: Option<u8>,
    },
}

impl<'a> Response<'a> {
    /// The service code without the reply bit.
    pub fn code(&self) -> u8 {
        self.service & 0x7F
    }

    /// True for general status 0 (success).
    pub fn is_success(&self) -> bool {
        self.general_status == 0
    }

    /// The extended status, the first additional status word.
    pub fn extended_status(&self) -> Option<u16> {
        self.additional_status.extended()
    }
}

/// Parses a message router reply without knowing the request (CIP Vol 1,
/// 2-4.2): only replies whose meaning does not depend on the class are
/// typed (Multiple_Service_Packet). Fewer than the four bytes of service,
/// reserved, status and status size is `Truncated` (layer `Cip`); a status
/// size past the data, a missing reply bit, a non-zero reserved byte are
/// flags. Uses all the input.
pub fn parse_cip_response(i: &[u8]) -> IResult<'_, Response<'_>> {
    finish(i, response(i, None))
}

/// Parses a message router reply to a known request (CIP Vol 1, 2-4.2),
/// typing class-specific replies too: Forward_Open / Forward_Close and
/// their failures, Unconnected_Send failures, Identity Get_Attributes_All.
/// The reply to an Unconnected_Send is the embedded request's reply, and is
/// typed as such. A typed reply too short for its fixed fields is
/// `Truncated`. Uses all the input.
pub fn parse_cip_reply_to<'a>(i: &'a [u8], context: &ReplyContext) -> IResult<'a, Response<'a>> {
    finish(i, response(i, Some(context)))
}

pub(crate) fn response<'a>(
    i: &'a [u8],
    context: Option<&ReplyContext>,
) -> Result<Response<'a>, Error> {
    let mut c = Cursor::new(Layer::Cip, i);
    c.need(4)?;
    let service_byte = c.u8()?;
    let reserved = c.u8()?;
    let general_status = c.u8()?;
    let additional_status_size = c.u8()?;
    let mut v = Violations::NONE;
    v.set_if(
        service_byte & 0x80 == 0,
        Violations::SERVICE_DIRECTION_MISMATCH,
    );
    v.set_if(reserved != 0, Violations::RESERVED_NONZERO);
    let status = c.take_upto(
        words(additional_status_size),
        &mut v,
        Violations::LENGTH_EXCEEDS_DATA,
    );
    let at = c.offset();
    let data = c.take_rest();
    let code = service_byte & 0x7F;
    let ok = general_status == 0;
    // The reply to an Unconnected_Send is the embedded request's, unless
    // the router itself failed and answers as Unconnected_Send.
    let target = context.map(|x| match x.routed {
        Some(r) if code != x.request.service => r,
        _ => x.request,
    });
    let cm = target.filter(|t| t.class == Some(class::CONNECTION_MANAGER) && t.service == code);
    let body = if code == service::MULTIPLE_SERVICE_PACKET {
        ResponseBody::MultipleServicePacket(msp::replies(data, at, &mut v)?)
    } else if let Some(t) = cm {
        let r = match (t.service, ok) {
            (service::FORWARD_OPEN | service::LARGE_FORWARD_OPEN, true) => {
                connection::forward_open_reply(data, &mut v).map(ResponseBody::ForwardOpen)
            }
            (service::FORWARD_CLOSE, true) => {
                connection::forward_close_reply(data, &mut v).map(ResponseBody::ForwardClose)
            }
            (
                service::FORWARD_OPEN | service::LARGE_FORWARD_OPEN | service::FORWARD_CLOSE,
                false,
            ) => connection::failure(data, &mut v).map(ResponseBody::ConnectionFailure),
            (service::UNCONNECTED_SEND, false) => Ok(ResponseBody::UnconnectedSendFailure {
                remaining_path_size: data.first().copied(),
            }),
            _ => Ok(ResponseBody::Data(data)),
        };
        r.map_err(|e| shift(e, at))?
    } else if target.is_some_and(|t| {
        t.class == Some(class::IDENTITY)
            && t.service == service::GET_ATTRIBUTES_ALL
            && t.service == code
            && t.instance != Some(0)
    }) && ok
    {
        let a = plain(parse_identity(data), Layer::Cip, data.len()).map_err(|e| shift(e, at))?;
        v |= a.violations;
        ResponseBody::Identity(a)
    } else {
        ResponseBody::Data(data)
    };
    Ok(Response {
        service: service_byte,
        reserved,
        general_status,
        additional_status_size,
        additional_status: AdditionalStatus { bytes: status },
        data,
        body,
        violations: v,
    })
}
