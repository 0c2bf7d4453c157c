//! The encapsulation message (CIP Vol 2, EtherNet/IP Adaptation of CIP,
//! 2-3 header, 2-4 commands): the lax view of one delivery, [`Message`],
//! and its checked form, [`Message::check`].
//!
//! The view reads a delivery (a TCP delivery or a UDP datagram) as one
//! message from its first byte, as the reference (ICSNPP-enip) does: the
//! header, then the command's data by the command and the direction; the
//! length field is read but bounds nothing, and a command the reference
//! does not read leaves "the rest of the message" unread. The checked form
//! reads the same bytes by the spec: the length field frames the data, and
//! each disagreement with the spec is a [`Violations`] flag.

use super::item::{self, item_type, Carries, Expect, Items};
use super::util::Cursor;
use super::Violations;
use crate::{Error, Layer};

/// Size of the encapsulation header (Vol 2, 2-3.1).
pub const HEADER_LEN: usize = 24;
/// Largest `length` field the checked form accepts: the data of a packet
/// that, with its header, fits in 65,535 bytes (Vol 2, 2-3.1).
pub const MAX_DATA_LEN: u16 = 65_511;

/// Encapsulation command codes (Vol 2, 2-3.2, Table 2-3.2). Codes are
/// open: any other is data.
pub mod command {
    /// 0x0000, 2-4.1: no reply, data ignored.
    pub const NOP: u16 = 0x0000;
    /// 0x0004, 2-4.6.
    pub const LIST_SERVICES: u16 = 0x0004;
    /// 0x0063, 2-4.2.
    pub const LIST_IDENTITY: u16 = 0x0063;
    /// 0x0064, 2-4.3.
    pub const LIST_INTERFACES: u16 = 0x0064;
    /// 0x0065, 2-4.4.
    pub const REGISTER_SESSION: u16 = 0x0065;
    /// 0x0066, 2-4.5.
    pub const UNREGISTER_SESSION: u16 = 0x0066;
    /// 0x006F, 2-4.7: unconnected (request/reply) CIP messages.
    pub const SEND_RR_DATA: u16 = 0x006F;
    /// 0x0070, 2-4.8: connected (class 3) CIP messages.
    pub const SEND_UNIT_DATA: u16 = 0x0070;
    /// 0x0072: no public layout.
    pub const INDICATE_STATUS: u16 = 0x0072;
    /// 0x0073: no public layout.
    pub const CANCEL: u16 = 0x0073;
}

/// The encapsulation header (Vol 2, 2-3.1, Table 2-3.1); all fields
/// little-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// Encapsulation command code ([`command`]).
    pub command: u16,
    /// Length in bytes of the data after the header, as sent.
    pub length: u16,
    /// Session handle (0 before RegisterSession, 2-4.4).
    pub session_handle: u32,
    /// Status (2-3.3; 0 in every request).
    pub status: u32,
    /// Sender context, echoed by the target.
    pub sender_context: [u8; 8],
    /// Options (must be 0).
    pub options: u32,
}

impl Header {
    /// Length of the whole message the header announces (24 + `length`):
    /// where the next message of a stream starts.
    pub fn packet_len(&self) -> usize {
        HEADER_LEN.saturating_add(usize::from(self.length))
    }
}

/// One encapsulation message: a view of a delivery whose 24-byte header is
/// there (Vol 2, 2-3). The data is read on demand ([`Message::body`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    bytes: &'a [u8],
    header: Header,
}

/// RegisterSession data (Vol 2, 2-4.4): the same in request and reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegisterSession {
    /// Requested protocol version (1).
    pub protocol_version: u16,
    /// Options flags (0).
    pub options: u16,
}

/// SendRRData / SendUnitData data (Vol 2, 2-4.7, 2-4.8).
#[derive(Clone, Debug)]
pub struct SendData<'a> {
    /// Interface handle: 0 for CIP.
    pub interface_handle: u32,
    /// Timeout in seconds (SendRRData; 0 for SendUnitData).
    pub timeout: u16,
    /// The Common Packet Format's items, read on demand.
    pub items: Items<'a>,
}

/// The data of a message as the reference reads it, by command and
/// direction (Vol 2, 2-4).
#[derive(Clone, Debug)]
pub enum Body<'a> {
    /// Nothing is read: UnRegisterSession (2-4.5), and the requests of the
    /// List commands (2-4.2, 2-4.3, 2-4.6), which have no data.
    Empty,
    /// RegisterSession (2-4.4), or `Truncated` when its 4 bytes are not
    /// there.
    RegisterSession(Result<RegisterSession, Error>),
    /// SendRRData or SendUnitData (2-4.7, 2-4.8), or `Truncated` when the
    /// interface handle and timeout are not there.
    SendData(Result<SendData<'a>, Error>),
    /// The reply of a List command (2-4.2, 2-4.3, 2-4.6): CPF items.
    List(Items<'a>),
    /// NOP, IndicateStatus, Cancel and unknown commands: the rest of the
    /// message, which the reference does not read.
    Other(&'a [u8]),
}

impl<'a> Message<'a> {
    /// The view of `bytes`: `Truncated` (layer `EnipEncapsulation`) when
    /// the 24-byte header is not all there; nothing else is checked.
    pub fn new(bytes: &'a [u8]) -> Result<Message<'a>, Error> {
        let mut c = Cursor::new(Layer::EnipEncapsulation, bytes);
        c.need(HEADER_LEN)?;
        let header = Header {
            command: c.u16()?,
            length: c.u16()?,
            session_handle: c.u32()?,
            status: c.u32()?,
            sender_context: c.array::<8>()?,
            options: c.u32()?,
        };
        Ok(Message { bytes, header })
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The whole delivery.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The bytes after the header, to the end of the delivery (the length
    /// field may say otherwise).
    pub fn data(&self) -> &'a [u8] {
        self.bytes.get(HEADER_LEN..).unwrap_or_default()
    }

    /// The command data as the reference reads it (see [`Body`]);
    /// `from_target` tells a reply from a request where only the direction
    /// does (the List commands). Errors count offsets from the start of
    /// the message.
    pub fn body(&self, from_target: bool) -> Body<'a> {
        match self.header.command {
            command::LIST_SERVICES | command::LIST_IDENTITY | command::LIST_INTERFACES
                if from_target =>
            {
                Body::List(Items::new(self.bytes, HEADER_LEN))
            }
            command::REGISTER_SESSION => Body::RegisterSession(self.register_session()),
            command::SEND_RR_DATA | command::SEND_UNIT_DATA => Body::SendData(self.send_data()),
            command::UNREGISTER_SESSION
            | command::LIST_SERVICES
            | command::LIST_IDENTITY
            | command::LIST_INTERFACES => Body::Empty,
            _ => Body::Other(self.data()),
        }
    }

    fn register_session(&self) -> Result<RegisterSession, Error> {
        let mut c = Cursor::new_at(Layer::EnipEncapsulation, self.bytes, HEADER_LEN);
        Ok(RegisterSession {
            protocol_version: c.u16()?,
            options: c.u16()?,
        })
    }

    fn send_data(&self) -> Result<SendData<'a>, Error> {
        let mut c = Cursor::new_at(Layer::EnipEncapsulation, self.bytes, HEADER_LEN);
        let interface_handle = c.u32()?;
        let timeout = c.u16()?;
        Ok(SendData {
            interface_handle,
            timeout,
            items: Items::new(self.bytes, c.offset()),
        })
    }

    /// The checked form (Vol 2, 2-3 and 2-4): the message read by the spec,
    /// the length field framing the data. Returns the spec violations of
    /// the header, the command data, the CPF items and the CIP messages
    /// they carry (context-free; see [`cip::Message::check_reply_to`] for
    /// class-specific replies). A message with none reads the same by the
    /// lax view.
    ///
    /// Errors (offsets from the start of the message): a length field over
    /// [`MAX_DATA_LEN`] (`TooLong`); fewer data bytes than it announces,
    /// a command's fixed fields or a CPF's item count missing, a carried
    /// CIP message too short for its fixed fields (`Truncated`). Bytes past
    /// the announced length are `TRAILING_BYTES` (in a stream, the next
    /// message: [`Header::packet_len`] tells where it starts).
    ///
    /// [`cip::Message::check_reply_to`]: super::cip::Message::check_reply_to
    pub fn check(&self) -> Result<Violations, Error> {
        let h = &self.header;
        if h.length > MAX_DATA_LEN {
            return Err(Error::too_long(
                Layer::EnipEncapsulation,
                2,
                "length",
                u64::from(h.length),
                u64::from(MAX_DATA_LEN),
            ));
        }
        let length = usize::from(h.length);
        let data = self.data();
        if data.len() < length {
            return Err(Error::truncated(
                Layer::EnipEncapsulation,
                HEADER_LEN,
                length,
                data.len(),
            ));
        }
        let mut v = Violations::NONE;
        v.set_if(h.options != 0, Violations::OPTIONS_NONZERO);
        v.set_if(data.len() > length, Violations::TRAILING_BYTES);
        // The framed message: the data its length field announces.
        let msg = self.bytes.get(..h.packet_len()).unwrap_or(self.bytes);
        let mut c = Cursor::new_at(Layer::EnipEncapsulation, msg, HEADER_LEN);
        let list = |expect, v: &mut Violations| match length {
            0 => Ok(()),
            _ => item::check(msg, HEADER_LEN, expect, Carries::Cip, v),
        };
        match h.command {
            command::LIST_SERVICES => list(Expect::All(item_type::LIST_SERVICES), &mut v)?,
            command::LIST_IDENTITY => list(Expect::All(item_type::LIST_IDENTITY), &mut v)?,
            command::LIST_INTERFACES => list(Expect::Any, &mut v)?,
            command::REGISTER_SESSION => {
                c.need(4)?;
                let version = c.u16()?;
                let options = c.u16()?;
                v.set_if(version != 1, Violations::UNSUPPORTED_PROTOCOL_VERSION);
                v.set_if(options != 0, Violations::REGISTER_OPTIONS_NONZERO);
                v.set_if(!c.rest().is_empty(), Violations::TRAILING_BYTES);
            }
            command::UNREGISTER_SESSION => {
                v.set_if(length != 0, Violations::TRAILING_BYTES);
            }
            command::SEND_RR_DATA | command::SEND_UNIT_DATA => {
                c.need(6)?;
                let interface_handle = c.u32()?;
                c.u16()?;
                v.set_if(interface_handle != 0, Violations::INTERFACE_HANDLE_NONZERO);
                let pair = if h.command == command::SEND_RR_DATA {
                    Expect::Pair(item_type::NULL_ADDRESS, item_type::UNCONNECTED_DATA)
                } else {
                    Expect::Pair(item_type::CONNECTED_ADDRESS, item_type::CONNECTED_DATA)
                };
                item::check(msg, c.offset(), pair, Carries::Cip, &mut v)?;
            }
            // NOP's data is ignored (2-4.1); the others have no public
            // layout.
            _ => {}
        }
        Ok(v)
    }
}

/// Whether `b` starts like an encapsulation header by the reference's
/// detection signature (ICSNPP-enip `dpd.sig`, Vol 2 2-3): a known
/// command with a zero high byte, a known status with zero upper bytes,
/// and at least 17 bytes.
pub fn looks_like_encapsulation(b: &[u8]) -> bool {
    let Some(&[cmd, cmd_hi, _, _, _, _, _, _, status, s1, s2, s3, _, _, _, _, _]) =
        b.first_chunk::<17>()
    else {
        return false;
    };
    matches!(
        cmd,
        0x00 | 0x04 | 0x63 | 0x64 | 0x65 | 0x66 | 0x6f | 0x70 | 0x72 | 0x73
    ) && cmd_hi == 0
        && matches!(
            status,
            0x00 | 0x01 | 0x02 | 0x03 | 0x64 | 0x65 | 0x69 | 0x6a
        )
        && [s1, s2, s3] == [0, 0, 0]
}
