//! The UA Connection Protocol (OPC 10000-6, 7.1: HEL, ACK, ERR, RHE) and
//! the chunk headers of UA Secure Conversation (6.7.2: OPN, MSG, CLO).
//!
//! Framing reads the 8-byte message header and hands out the chunk as a
//! bounded slice, so a chunk parser never sees bytes of the next chunk and
//! `NeedMore` only ever means "the stream has not delivered the rest yet".

use super::types::{ByteString, UaString};
use super::Decoder;
use crate::{Error, Layer};

/// Size of the message header every chunk starts with (7.1.2.2).
pub const HEADER_LEN: usize = 8;

/// Largest chunk we frame. Endpoints negotiate their buffer sizes in
/// HEL/ACK (commonly 64 KiB, rarely above a few MiB); a MessageSize beyond
/// this is taken as lost sync rather than buffered.
pub const MAX_CHUNK_LEN: u32 = 16 << 20;

/// The message type, the first three bytes of the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// `HEL`: client Hello.
    Hello,
    /// `ACK`: server Acknowledge.
    Acknowledge,
    /// `ERR`: Error, then the connection closes.
    Error,
    /// `RHE`: ReverseHello, server to client.
    ReverseHello,
    /// `OPN`: OpenSecureChannel.
    Open,
    /// `MSG`: a service request or response.
    Message,
    /// `CLO`: CloseSecureChannel.
    Close,
}

impl MessageType {
    /// The type of these three bytes, `None` for anything else.
    pub fn from_bytes(b: [u8; 3]) -> Option<MessageType> {
        Some(match &b {
            b"HEL" => MessageType::Hello,
            b"ACK" => MessageType::Acknowledge,
            b"ERR" => MessageType::Error,
            b"RHE" => MessageType::ReverseHello,
            b"OPN" => MessageType::Open,
            b"MSG" => MessageType::Message,
            b"CLO" => MessageType::Close,
            _ => return None,
        })
    }

    /// The three letters on the wire (`HEL`, `MSG`).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Hello => "HEL",
            MessageType::Acknowledge => "ACK",
            MessageType::Error => "ERR",
            MessageType::ReverseHello => "RHE",
            MessageType::Open => "OPN",
            MessageType::Message => "MSG",
            MessageType::Close => "CLO",
        }
    }

    /// Whether chunks of this type belong to Secure Conversation.
    pub fn is_secure(self) -> bool {
        matches!(
            self,
            MessageType::Open | MessageType::Message | MessageType::Close
        )
    }
}

/// The chunk type, the fourth header byte (6.7.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChunkKind {
    /// `F`: the final (or only) chunk of a message.
    Final,
    /// `C`: an intermediate chunk.
    Intermediate,
    /// `A`: the sender aborts the message.
    Abort,
}

impl ChunkKind {
    /// The kind of this byte, `None` for anything else.
    pub fn from_byte(b: u8) -> Option<ChunkKind> {
        match b {
            b'F' => Some(ChunkKind::Final),
            b'C' => Some(ChunkKind::Intermediate),
            b'A' => Some(ChunkKind::Abort),
            _ => None,
        }
    }

    /// The letter on the wire.
    pub fn as_char(self) -> char {
        match self {
            ChunkKind::Final => 'F',
            ChunkKind::Intermediate => 'C',
            ChunkKind::Abort => 'A',
        }
    }
}

/// The message header (7.1.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MessageHeader {
    /// Message type.
    pub message_type: MessageType,
    /// Chunk type (always `Final` for HEL, ACK, ERR and RHE).
    pub chunk: ChunkKind,
    /// Size of the whole chunk, header included.
    pub size: u32,
}

/// A framed chunk: its header and the bytes after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawChunk<'a> {
    /// The message header.
    pub header: MessageHeader,
    /// The bytes after the header, exactly `size - 8` of them.
    pub body: &'a [u8],
    /// Bytes of the buffer this chunk took (`size`).
    pub consumed: usize,
}

/// What [`frame`] found at the start of a buffer.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame<'a> {
    /// A whole chunk is at the start of the buffer.
    Complete(RawChunk<'a>),
    /// At least this many more bytes are needed (exactly this many once the
    /// header has arrived).
    NeedMore(usize),
    /// Not an OPC UA chunk header (unknown type, bad chunk letter, size
    /// below 8 or above [`MAX_CHUNK_LEN`]): not OPC UA here, or lost sync.
    Invalid(Error),
}

fn parse_header(b: [u8; 8]) -> Result<MessageHeader, Error> {
    let layer = Layer::OpcUaTransport;
    let [t0, t1, t2, c, s0, s1, s2, s3] = b;
    let message_type = MessageType::from_bytes([t0, t1, t2]).ok_or_else(|| {
        Error::invalid(
            layer,
            0,
            "message type",
            u64::from(u32::from_be_bytes([0, t0, t1, t2])),
        )
    })?;
    let chunk =
        ChunkKind::from_byte(c).ok_or_else(|| Error::invalid(layer, 3, "chunk type", c.into()))?;
    if !message_type.is_secure() && chunk != ChunkKind::Final {
        return Err(Error::invalid(layer, 3, "chunk type", c.into()));
    }
    let size = u32::from_le_bytes([s0, s1, s2, s3]);
    if size < HEADER_LEN as u32 {
        return Err(Error::invalid(layer, 4, "message size", size.into()));
    }
    if size > MAX_CHUNK_LEN {
        return Err(Error::too_long(
            layer,
            4,
            "message size",
            size.into(),
            MAX_CHUNK_LEN.into(),
        ));
    }
    Ok(MessageHeader {
        message_type,
        chunk,
        size,
    })
}

/// Frames the chunk at the start of `buf`. Never panics, never reads past
/// the announced size.
pub fn frame(buf: &[u8]) -> Frame<'_> {
    let Some(head) = buf.first_chunk::<HEADER_LEN>() else {
        return Frame::NeedMore(HEADER_LEN.saturating_sub(buf.len()));
    };
    let header = match parse_header(*head) {
        Ok(h) => h,
        Err(e) => return Frame::Invalid(e),
    };
    let total = header.size as usize;
    match buf.get(HEADER_LEN..total) {
        Some(body) => Frame::Complete(RawChunk {
            header,
            body,
            consumed: total,
        }),
        None => Frame::NeedMore(total.saturating_sub(buf.len())),
    }
}

/// Whether `buf` starts like an OPC UA connection seen from its start: a
/// HEL, ACK, RHE or OPN header with a plausible size. Content detection on
/// ports other than 4840 uses this.
pub fn probe(buf: &[u8]) -> bool {
    matches!(
        buf.first_chunk::<HEADER_LEN>().map(|h| parse_header(*h)),
        Some(Ok(MessageHeader {
            message_type: MessageType::Hello
                | MessageType::Acknowledge
                | MessageType::ReverseHello
                | MessageType::Open,
            chunk: ChunkKind::Final,
            ..
        }))
    )
}

/// Where the next secure-conversation chunk (OPN, MSG or CLO) starts in
/// a stream that lost its place (bytes missing, or garbage): the first
/// offset with a valid header for such a chunk, at least as long as its
/// fixed headers, on secure channel `channel` when it is known (the id
/// that follows the header is what makes a match in random bytes
/// unlikely). `None` when no offset in `buf` qualifies; the last
/// [`RESYNC_KEEP`] bytes may still start one.
pub fn resync(buf: &[u8], channel: Option<u32>) -> Option<usize> {
    (0..buf.len()).find(|&at| {
        let Some(h) = buf.get(at..).and_then(<[u8]>::first_chunk::<12>) else {
            return false;
        };
        let Ok(header) = parse_header(*h.first_chunk::<HEADER_LEN>().unwrap_or(&[0; 8])) else {
            return false;
        };
        // Header, channel id, token or asymmetric header, sequence header.
        header.message_type.is_secure()
            && header.size >= 24
            && channel.is_none_or(|c| h[8..12] == c.to_le_bytes())
    })
}

/// The bytes [`resync`] needs to see a chunk start: a header and a
/// channel id.
pub const RESYNC_KEEP: usize = 12;

/// Hello (7.1.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hello<'a> {
    /// Protocol version (0).
    pub protocol_version: u32,
    /// Largest chunk the client can receive.
    pub receive_buffer_size: u32,
    /// Largest chunk the client will send.
    pub send_buffer_size: u32,
    /// Largest message the client accepts (0: no limit).
    pub max_message_size: u32,
    /// Most chunks per message the client accepts (0: no limit).
    pub max_chunk_count: u32,
    /// The URL the client wants to connect to.
    pub endpoint_url: UaString<'a>,
}

/// Acknowledge (7.1.2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acknowledge {
    /// Protocol version.
    pub protocol_version: u32,
    /// Largest chunk the server can receive.
    pub receive_buffer_size: u32,
    /// Largest chunk the server will send.
    pub send_buffer_size: u32,
    /// Largest message the server accepts (0: no limit).
    pub max_message_size: u32,
    /// Most chunks per message the server accepts (0: no limit).
    pub max_chunk_count: u32,
}

/// Error (7.1.2.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorMessage<'a> {
    /// The StatusCode of the error.
    pub error: u32,
    /// A reason for people.
    pub reason: UaString<'a>,
}

/// ReverseHello (7.1.2.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReverseHello<'a> {
    /// The server's ApplicationUri.
    pub server_uri: UaString<'a>,
    /// The URL the client should connect back with.
    pub endpoint_url: UaString<'a>,
}

/// The asymmetric security header of OPN chunks (6.7.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsymmetricSecurityHeader<'a> {
    /// SecurityPolicyUri (`…/SecurityPolicy#None` when unsecured).
    pub security_policy_uri: UaString<'a>,
    /// The sender's certificate (DER; null when unsecured).
    pub sender_certificate: ByteString<'a>,
    /// SHA-1 thumbprint of the receiver's certificate.
    pub receiver_certificate_thumbprint: ByteString<'a>,
}

impl AsymmetricSecurityHeader<'_> {
    /// Whether the policy is `None` — the rest of the chunk is in clear.
    pub fn is_policy_none(&self) -> bool {
        self.security_policy_uri.bytes() == Some(POLICY_NONE.as_bytes())
    }
}

/// The SecurityPolicyUri of unsecured channels.
pub const POLICY_NONE: &str = "http://opcfoundation.org/UA/SecurityPolicy#None";

/// The security header of a Secure Conversation chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityHeader<'a> {
    /// OPN chunks (6.7.2.3).
    Asymmetric(AsymmetricSecurityHeader<'a>),
    /// MSG and CLO chunks (6.7.2.4): the channel's token id.
    Symmetric {
        /// TokenId.
        token_id: u32,
    },
}

/// The sequence header (6.7.2.5), the first bytes after the security
/// header — encrypted, like the body, when the channel encrypts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SequenceHeader {
    /// SequenceNumber, one more for every chunk the sender sends.
    pub sequence_number: u32,
    /// RequestId, the same on all chunks of one message and its response.
    pub request_id: u32,
}

impl SequenceHeader {
    /// Splits a clear payload into its sequence header and body.
    pub fn split(payload: &[u8]) -> Result<(SequenceHeader, &[u8]), Error> {
        let mut d = Decoder::new(payload);
        let h = SequenceHeader {
            sequence_number: d.u32()?,
            request_id: d.u32()?,
        };
        Ok((h, d.rest()))
    }
}

/// An OPN, MSG or CLO chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecureChunk<'a> {
    /// SecureChannelId (0 in the first OPN request).
    pub secure_channel_id: u32,
    /// The security header.
    pub security: SecurityHeader<'a>,
    /// Everything after the security header: sequence header and body,
    /// then padding and signature when the channel signs. Only the
    /// channel's security mode tells whether this is in clear; split it
    /// with [`SequenceHeader::split`] when it is.
    pub payload: &'a [u8],
}

/// A typed chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chunk<'a> {
    /// HEL.
    Hello(Hello<'a>),
    /// ACK.
    Acknowledge(Acknowledge),
    /// ERR.
    Error(ErrorMessage<'a>),
    /// RHE.
    ReverseHello(ReverseHello<'a>),
    /// OPN, MSG or CLO.
    Secure(SecureChunk<'a>),
}

/// Types a framed chunk. Errors carry offsets from the start of the chunk
/// body (after the 8-byte header).
pub fn parse_chunk<'a>(raw: &RawChunk<'a>) -> Result<Chunk<'a>, Error> {
    let mut d = Decoder::new(raw.body);
    let layer = if raw.header.message_type.is_secure() {
        Layer::OpcUaSecureConversation
    } else {
        Layer::OpcUaTransport
    };
    let chunk = (|| -> Result<Chunk<'a>, Error> {
        Ok(match raw.header.message_type {
            MessageType::Hello => Chunk::Hello(Hello {
                protocol_version: d.u32()?,
                receive_buffer_size: d.u32()?,
                send_buffer_size: d.u32()?,
                max_message_size: d.u32()?,
                max_chunk_count: d.u32()?,
                endpoint_url: d.string()?,
            }),
            MessageType::Acknowledge => Chunk::Acknowledge(Acknowledge {
                protocol_version: d.u32()?,
                receive_buffer_size: d.u32()?,
                send_buffer_size: d.u32()?,
                max_message_size: d.u32()?,
                max_chunk_count: d.u32()?,
            }),
            MessageType::Error => Chunk::Error(ErrorMessage {
                error: d.status_code()?,
                reason: d.string()?,
            }),
            MessageType::ReverseHello => Chunk::ReverseHello(ReverseHello {
                server_uri: d.string()?,
                endpoint_url: d.string()?,
            }),
            MessageType::Open => {
                let secure_channel_id = d.u32()?;
                let security = SecurityHeader::Asymmetric(AsymmetricSecurityHeader {
                    security_policy_uri: d.string()?,
                    sender_certificate: d.byte_string()?,
                    receiver_certificate_thumbprint: d.byte_string()?,
                });
                Chunk::Secure(SecureChunk {
                    secure_channel_id,
                    security,
                    payload: d.rest(),
                })
            }
            MessageType::Message | MessageType::Close => {
                let secure_channel_id = d.u32()?;
                let token_id = d.u32()?;
                Chunk::Secure(SecureChunk {
                    secure_channel_id,
                    security: SecurityHeader::Symmetric { token_id },
                    payload: d.rest(),
                })
            }
        })
    })();
    // Field errors come from the encoding layer; say which message held them.
    chunk.map_err(|mut e| {
        e.layer = Some(layer);
        e
    })
}
