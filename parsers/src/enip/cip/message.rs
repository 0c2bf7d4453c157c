//! A CIP message as the reference reads it (CIP Vol 1, 2-4: message router
//! request and reply; ICSNPP-enip's `CIP_Header`): the lax view production
//! reads through. Its checked form, the spec's reading, is
//! [`Message::check`].
//!
//! The reference reads a message from its service byte to the end of the
//! delivery that carries it (a CPF item's length does not bound it), in
//! this order: service, path size in words, the path; for a reply (bit
//! 0x80) a general status, an additional status size *read as a byte
//! count* (the spec counts words) and that many bytes; then by service
//! byte: nothing more for 0x01; a count and that many 16-bit attribute ids
//! for 0x03; a count and the rest for 0x04, 0x83, 0x84; a count, that many
//! 16-bit offsets and the rest for the Multiple Service Packet (0x0A,
//! 0x8A); the rest for any other. A reply's path size is the spec's
//! reserved byte, read as a path size: replies normally have it 0.

use super::super::util::{plain, words, Cursor};
use super::path::{self, Path};
use super::response::Response;
use super::{class, parse_cip, parse_cip_reply_to, service, Checked, ReplyContext};
use crate::{Error, Layer};

/// A CIP message: a view of the bytes from its service byte to the end of
/// the delivery, whose reference reading fitted (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    bytes: &'a [u8],
    /// End of the path: where a reply's status or a request's data starts.
    path_end: usize,
    /// Where the data after the status starts.
    data_at: usize,
    /// Where the reference's reading of the message stops.
    end: usize,
}

/// The status of a reply as the reference reads it (CIP Vol 1, 2-4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Status {
    /// The general status (Vol 1, appendix B-1; 0 is success).
    pub general: u8,
    /// The additional status bytes folded into one number (big-endian, the
    /// first four bytes at most), when the size byte is not 0.
    pub extended: Option<u32>,
}

/// The request an Unconnected Send carries to its target (CIP Vol 1,
/// 3-5.5.4), as the reference reads it: its service and path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Routed {
    /// The carried service code, without the reply bit.
    pub service: u8,
    /// The carried request path.
    pub path: Path,
}

impl<'a> Message<'a> {
    /// Reads the message at the start of `bytes` the reference's way (see
    /// the module doc). Too few bytes for what it reads is `Truncated`
    /// (layer `Cip`, offsets from the service byte); nothing else fails.
    pub fn new(bytes: &'a [u8]) -> Result<Message<'a>, Error> {
        let mut c = Cursor::new(Layer::Cip, bytes);
        let service_byte = c.u8()?;
        let path_words = c.u8()?;
        c.take(words(path_words))?;
        let path_end = c.offset();
        if service_byte & service::REPLY != 0 {
            c.u8()?;
            let size = c.u8()?;
            // Reference quirk: the size (in words) is read as a byte count.
            c.take(usize::from(size))?;
        }
        let data_at = c.offset();
        match service_byte {
            0x01 => {}
            0x03 => {
                let n = c.u16()?;
                c.take(usize::from(n).saturating_mul(2))?;
            }
            0x04 | 0x83 | 0x84 => {
                c.u16()?;
                c.take_rest();
            }
            0x0A | 0x8A => {
                let count = c.u16()?;
                c.take(usize::from(count).saturating_mul(2))?;
                c.take_rest();
            }
            _ => {
                c.take_rest();
            }
        }
        Ok(Message {
            bytes,
            path_end,
            data_at,
            end: c.offset(),
        })
    }

    /// The bytes from the service byte to the end of the delivery.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// How many bytes the reference's reading used: what follows (the
    /// next CPF item, for the reference) starts there.
    pub fn len(&self) -> usize {
        self.end
    }

    /// Never true: a message has at least its service and path size.
    pub fn is_empty(&self) -> bool {
        self.end == 0
    }

    /// The service byte as sent.
    pub fn service(&self) -> u8 {
        self.bytes.first().copied().unwrap_or(0)
    }

    /// The service code without the reply bit.
    pub fn code(&self) -> u8 {
        self.service() & !service::REPLY
    }

    /// True when the reply bit 0x80 is set (Vol 1, 2-4.2).
    pub fn is_reply(&self) -> bool {
        self.service() & service::REPLY != 0
    }

    /// The path bytes (a reply's are those its reserved byte, read as a
    /// path size, announced: normally none).
    pub fn path_bytes(&self) -> &'a [u8] {
        self.bytes.get(2..self.path_end).unwrap_or_default()
    }

    /// The path decoded the reference's way ([`Path`]).
    pub fn path(&self) -> Path {
        path::decode(self.bytes, 2, self.path_end)
    }

    /// A reply's status (general status, folded additional status).
    pub fn status(&self) -> Option<Status> {
        if !self.is_reply() {
            return None;
        }
        let general = self.byte(self.path_end);
        let size = self.byte(self.path_end.saturating_add(1));
        let extended = self
            .bytes
            .get(self.path_end.saturating_add(2)..self.data_at)
            .unwrap_or_default();
        Some(Status {
            general,
            extended: (size != 0).then(|| {
                extended
                    .iter()
                    .take(4)
                    .fold(0u32, |v, b| (v << 8) | u32::from(*b))
            }),
        })
    }

    /// The data after the path (request) or the status (reply), to the end
    /// of the delivery.
    pub fn data(&self) -> &'a [u8] {
        self.bytes.get(self.data_at..).unwrap_or_default()
    }

    /// The attribute ids a Get_Attribute_List or Set_Attribute_List
    /// request names ([`attribute_ids`]); none for any other message.
    pub fn attribute_ids(&self) -> AttributeIds<'a> {
        if self.is_reply() {
            return AttributeIds::NONE;
        }
        attribute_ids(self.code(), self.data())
    }

    /// A Multiple Service Packet's count, offsets and services (service
    /// byte 0x0A or 0x8A).
    pub fn multiple(&self) -> Option<Multiple<'a>> {
        if self.code() != service::MULTIPLE_SERVICE_PACKET {
            return None;
        }
        let data = self.data();
        let (count, rest) = data.split_first_chunk::<2>()?;
        let count = u16::from_le_bytes(*count);
        let (offsets, services) = rest.split_at_checked(usize::from(count).saturating_mul(2))?;
        Some(Multiple {
            count,
            offsets,
            services,
            reply: self.is_reply(),
        })
    }

    /// The request an Unconnected Send to the Connection Manager (class 6)
    /// carries, when its service and path size are there and the path fits
    /// (Vol 1, 3-5.5.4: priority and tick, timeout ticks, message size,
    /// then the message). The reference's path decoding applies to the
    /// carried path too; the message size is not used.
    pub fn routed(&self) -> Option<Routed> {
        if self.is_reply()
            || self.code() != service::UNCONNECTED_SEND
            || self.path().class != Some(class::CONNECTION_MANAGER)
        {
            return None;
        }
        let d = self.data();
        let service = *d.get(4)?;
        let path_words = *d.get(5)?;
        let end = words(path_words).saturating_add(6);
        if end > d.len() {
            return None;
        }
        Some(Routed {
            service: service & !service::REPLY,
            path: path::decode(d, 6, end),
        })
    }

    /// The checked form: the message read by the spec (CIP Vol 1, 2-4), as
    /// a request or a reply by its reply bit, with the typed data of the
    /// services the parsers know and the spec violations found; a reply is
    /// typed without knowing its request (see [`check_reply_to`]).
    ///
    /// [`check_reply_to`]: Message::check_reply_to
    pub fn check(&self) -> Result<Checked<'a>, Error> {
        plain(parse_cip(self.bytes), Layer::Cip, self.bytes.len())
    }

    /// The checked form of a reply to a known request (CIP Vol 1, 2-4.2):
    /// class-specific replies (Forward Open and Close, their failures,
    /// Identity Get_Attributes_All) are typed too.
    pub fn check_reply_to(&self, context: &ReplyContext) -> Result<Response<'a>, Error> {
        plain(
            parse_cip_reply_to(self.bytes, context),
            Layer::Cip,
            self.bytes.len(),
        )
    }

    fn byte(&self, at: usize) -> u8 {
        self.bytes.get(at).copied().unwrap_or(0)
    }
}

/// The Multiple Service Packet of a request or reply (CIP Vol 1, A-4.10)
/// as the reference reads it: a count, `count` offsets, and the services
/// (all the rest of the delivery).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Multiple<'a> {
    count: u16,
    offsets: &'a [u8],
    services: &'a [u8],
    reply: bool,
}

/// The attribute ids a request names in its data (CIP Vol 1, A-4.3 and
/// a Get_Attribute_List's count and that many ids, as far as the
/// data holds them; a Set_Attribute_List's first id only, since each id is
/// followed by a value whose size only the class knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AttributeIds<'a> {
    ids: &'a [u8],
}

impl AttributeIds<'_> {
    /// No ids.
    pub const NONE: AttributeIds<'static> = AttributeIds { ids: &[] };
}

impl Iterator for AttributeIds<'_> {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        let (id, rest) = self.ids.split_first_chunk::<2>()?;
        self.ids = rest;
        Some(u16::from_le_bytes(*id))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.ids.len() >> 1;
        (n, Some(n))
    }
}

impl ExactSizeIterator for AttributeIds<'_> {}

/// The attribute ids of a request with service code `service` (reply bit
/// clear) whose data after the path is `data` ([`AttributeIds`]).
pub fn attribute_ids(service: u8, data: &[u8]) -> AttributeIds<'_> {
    let Some((count, rest)) = data.split_first_chunk::<2>() else {
        return AttributeIds::NONE;
    };
    let wanted = match service {
        service::GET_ATTRIBUTE_LIST => usize::from(u16::from_le_bytes(*count)),
        service::SET_ATTRIBUTE_LIST => usize::from(u16::from_le_bytes(*count) != 0),
        _ => 0,
    };
    let n = wanted.saturating_mul(2).min(rest.len() & !1);
    AttributeIds {
        ids: rest.get(..n).unwrap_or_default(),
    }
}

/// One service of a Multiple Service Packet, as the reference reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Embedded<'a> {
    /// A request: its service code, path and the bytes after its path.
    Request {
        /// Service code without the reply bit.
        service: u8,
        /// The path, decoded the reference's way.
        path: Path,
        /// The request's data: from its path's end to the end of the
        /// delivery (an embedded request's size is not sent).
        data: &'a [u8],
    },
    /// A reply: its service code and general status.
    Reply {
        /// Service code without the reply bit.
        service: u8,
        /// General status.
        general_status: u8,
    },
}

impl<'a> Multiple<'a> {
    /// The service count as sent.
    pub fn count(&self) -> u16 {
        self.count
    }

    /// The offsets as sent (from the count field).
    pub fn offsets(&self) -> impl ExactSizeIterator<Item = u16> + 'a {
        self.offsets.chunks_exact(2).map(|w| match w {
            [lo, hi] => u16::from_le_bytes([*lo, *hi]),
            _ => 0,
        })
    }

    /// The bytes after the offsets, to the end of the delivery.
    pub fn services(&self) -> &'a [u8] {
        self.services
    }

    /// The embedded services the reference logs, with its arithmetic
    /// (reference quirks, reproduced): only the first `count & 0xFF`
    /// offsets are used (its loop counter is a byte); each service is
    /// found at `offset - 2 * count - 2` (16-bit wrapping) in
    /// [`services`](Self::services); what lies past the end reads as 0. A
    /// request gives its service and path (size byte, then the path), a
    /// reply its service and the byte two after it as the general status.
    pub fn embedded(&self) -> impl ExactSizeIterator<Item = Embedded<'a>> + 'a {
        let services = self.services;
        let (count, reply) = (self.count, self.reply);
        let at = move |i: usize| services.get(i).copied().unwrap_or(0);
        self.offsets()
            .take(usize::from(count & 0xFF))
            .map(move |offset| {
                let loc = usize::from(offset.wrapping_sub(count.wrapping_mul(2)).wrapping_sub(2));
                let service = at(loc) & !service::REPLY;
                if reply {
                    Embedded::Reply {
                        service,
                        general_status: at(loc.saturating_add(2)),
                    }
                } else {
                    let first = loc.saturating_add(2);
                    let end = first.saturating_add(words(at(loc.saturating_add(1))));
                    Embedded::Request {
                        service,
                        path: path::decode(services, first, end),
                        data: services.get(end..).unwrap_or_default(),
                    }
                }
            })
    }
}
