//! Unconnected_Send, service 0x52 on the Connection Manager (CIP Vol 1,
//! 3-5.5.4): a request for another node, wrapped with the route to it.
//! The embedded request is parsed on demand ([`UnconnectedSend::request`]);
//! its reply comes back unwrapped, or, when the routing itself fails, as
//! an Unconnected_Send reply with a remaining path size.

use super::super::util::{shift, words, Cursor};
use super::super::Violations;
use super::epath::EPath;
use super::request::{self, Request};
use crate::{Error, Layer};

/// The data of an Unconnected_Send request (CIP Vol 1, 3-5.5.4,
/// Table 3-5.21).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnconnectedSend<'a> {
    /// Priority (bit 4) and time tick (bits 3–0: a tick is 2^n ms).
    pub priority_time_tick: u8,
    /// Timeout in ticks.
    pub timeout_ticks: u8,
    /// Embedded message request size in bytes, as sent.
    pub message_size: u16,
    /// The embedded message request (fewer bytes than `message_size` when
    /// the message was short: flagged `LENGTH_EXCEEDS_DATA`).
    pub message: &'a [u8],
    /// Route path size in words, as sent.
    pub route_path_size: u8,
    /// Reserved byte (0).
    pub reserved: u8,
    /// The route path: port segments to the target.
    pub route_path: EPath<'a>,
    /// Offset of `message` in the enclosing CIP message.
    message_offset: usize,
}

impl<'a> UnconnectedSend<'a> {
    /// The embedded request (error offsets count from the start of the
    /// enclosing CIP message).
    pub fn request(&self) -> Result<Request<'a>, Error> {
        request::request(self.message).map_err(|e| shift(e, self.message_offset))
    }

    /// The timeout in milliseconds: 2^tick × ticks (3-5.5.1.3).
    pub fn timeout_ms(&self) -> u32 {
        let tick = 1u32 << (self.priority_time_tick & 0x0F);
        tick.saturating_mul(u32::from(self.timeout_ticks))
    }
}

/// Parses Unconnected_Send request data (`at`: its offset in the CIP
/// message). Fewer than the four leading bytes, or a message with no room
/// for the route path size and reserved byte after it, is `Truncated`.
pub(crate) fn parse<'a>(
    data: &'a [u8],
    at: usize,
    v: &mut Violations,
) -> Result<UnconnectedSend<'a>, Error> {
    let mut c = Cursor::new(Layer::Cip, data);
    let r = (|| {
        c.need(4)?;
        let priority_time_tick = c.u8()?;
        let timeout_ticks = c.u8()?;
        let message_size = c.u16()?;
        let message_offset = c.offset();
        let message = c.take_upto(
            usize::from(message_size),
            v,
            Violations::LENGTH_EXCEEDS_DATA,
        );
        if message_size & 1 == 1 && !pad_present(c.rest()) {
            v.insert(Violations::PAD_MISSING);
        } else if message_size & 1 == 1 {
            c.take(1)?;
        }
        let route_path_size = c.u8()?;
        let reserved = c.u8()?;
        v.set_if(reserved != 0, Violations::RESERVED_NONZERO);
        let route_path =
            EPath::new(c.take_upto(words(route_path_size), v, Violations::LENGTH_EXCEEDS_DATA));
        *v |= route_path.violations;
        v.set_if(!c.rest().is_empty(), Violations::TRAILING_BYTES);
        Ok(UnconnectedSend {
            priority_time_tick,
            timeout_ticks,
            message_size,
            message,
            route_path_size,
            reserved,
            route_path,
            message_offset: at.saturating_add(message_offset),
        })
    })();
    r.map_err(|e| shift(e, at))
}

/// Whether the bytes after an odd-sized embedded message start with the
/// pad byte: they do unless, read without it, the route path size and
/// reserved byte account for exactly the rest and, read with it, they do
/// not (senders that forget the pad are common enough to accept).
fn pad_present(rest: &[u8]) -> bool {
    let fits = |b: &[u8]| match b {
        [size, _, path @ ..] => path.len() == words(*size),
        _ => false,
    };
    let without = fits(rest);
    let with = rest.get(1..).is_some_and(fits);
    with || !without
}
