//! The OPC UA Binary analyzer: opc.tcp chunks on TCP 4840 (and on other
//! ports when the client opens with a Hello), as the events of
//! `crate::event::opcua`, which the logs of CISA ICSNPP-opcua-binary
//! (`opcua_binary.log`, the summary, and its service logs) project.
//!
//! Each direction's stream is cut into chunks by their size field. HEL,
//! ACK, ERR and CLO give a message event each at once; an OPN or MSG
//! request waits for the response with the same request id and type and
//! the two become one message; what is unpaired when the connection ends
//! is emitted then, one message each, in arrival order (the reference's
//! timing).
//!
//! Secured channels: once an OPN names a security policy other than None,
//! the sequence header and body of that channel's chunks are ciphertext;
//! their messages carry what is in clear (type, sizes, channel id, the
//! policy and certificates of the OPN) and no request id, service or
//! header — never a name decoded from ciphertext. (A channel in Sign mode
//! is in clear, but its mode is inside the encrypted OPN, so it is treated
//! the same.)
//!
//! Lost sync (a gap, or bytes that do not frame as a chunk) drops what
//! that direction had buffered and searches its next bytes for the next
//! chunk of the same secure channel (the reference stops the whole
//! connection); a chunk above the negotiated buffer size stops the
//! direction for good. Messages of several chunks are reassembled, up to
//! the negotiated message size and [`MAX_MESSAGE_LEN`], and their service
//! bodies are decoded from the whole body.
//!
//! A decoded request body gives a request event, a response whose header
//! decodes a response event (its status, and its body when decoded); the
//! link ids their rows use are drawn here, as the events are built (see
//! `crate::event::opcua`). Conversions of the bodies live in `services/`,
//! one module per service set.

mod links;
mod message;
mod own;
mod services;
pub(crate) mod value;

use super::{Analyzer, Context};
use crate::event::opcua::{Half, Message, Request, Response, ResponseStatus};
use crate::event::{Event, Head};
use crate::flow::{Dir, PerDir};
use otwatch_parsers::opcua::{
    self, Chunk, Decoder, Frame, MessageType, RequestHeader, ResponseHeader, SecureChunk,
    SecurityHeader, SequenceHeader, ServiceKind,
};
use std::collections::VecDeque;

/// The IANA port of opc.tcp.
pub const PORT: u16 = 4840;
/// The conn.log service name the reference uses.
pub const SERVICE: &str = "opcua-binary";
/// Requests (and orphan responses) held for pairing per connection; past
/// this the oldest is emitted unpaired.
pub const MAX_PENDING: usize = 256;

/// Our own cap on one message's reassembled body, whatever the peers
/// negotiated (per direction of a connection).
pub const MAX_MESSAGE_LEN: usize = 4 << 20;

/// Where a direction's byte stream stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum StreamState {
    /// Chunks are framed one after the other.
    #[default]
    Framing,
    /// After a loss: looking for the next chunk of the channel, `skipped`
    /// bytes so far.
    Searching { skipped: u64 },
    /// A chunk broke the negotiated limits: the receiver closes such a
    /// connection, and the rest of the direction is ignored.
    Stopped,
}

/// A message whose chunks are still arriving: its summary and its body so
/// far.
#[derive(Debug)]
struct Partial {
    message: Message,
    body: Vec<u8>,
    /// The body outgrew the cap and was dropped.
    overflow: bool,
}

/// One connection's OPC UA state.
#[derive(Debug, Default)]
pub struct OpcUa {
    /// Bytes of each direction not framed yet.
    bufs: PerDir<Vec<u8>>,
    /// Per direction, whether its bytes are framed, searched for the next
    /// chunk, or ignored.
    sync: PerDir<StreamState>,
    /// The secure channel seen, which a resynchronisation must match.
    channel: Option<u32>,
    /// An OPN named a policy other than None: bodies are ciphertext.
    secured: bool,
    /// Per direction, the message whose last chunk was an intermediate
    /// one; later chunks of it add their size, and the final (or abort)
    /// chunk finishes it.
    partial: PerDir<Option<Partial>>,
    /// Link ids handed out on this connection.
    messages: u64,
    /// Per direction, the largest message the receiver accepts (the HEL's
    /// MaxMessageSize bounds the server's, the ACK's the client's); 0: no
    /// limit negotiated.
    max_message: PerDir<u32>,
    /// Per direction, the largest chunk the receiver accepts, from the
    /// HEL (the client's ReceiveBufferSize bounds the server's chunks) and
    /// the ACK (the server's bounds the client's); 0 until negotiated.
    max_chunk: PerDir<u32>,
    pending: VecDeque<Message>,
}

fn emit(message: Message, cx: &mut Context<'_>) {
    cx.event(Event::OpcUaMessage(Box::new(message)));
}

impl OpcUa {
    pub fn new() -> OpcUa {
        OpcUa::default()
    }

    /// The direction lost its place (bytes missing, or bytes that do not
    /// frame): what is buffered is dropped, a message in progress is
    /// emitted as it is, and the next chunk of the channel is searched for.
    fn lose(&mut self, dir: Dir, why: String, cx: &mut Context<'_>) {
        cx.weird("opcua_binary_lost_sync", Some(why), "OPCUA_BINARY");
        self.sync[dir] = StreamState::Searching { skipped: 0 };
        self.bufs[dir] = Vec::new();
        if let Some(part) = self.partial[dir].take() {
            self.abandon(dir, part, cx);
        }
    }

    /// Looks for the next chunk in `buf` while searching; returns the
    /// bytes to keep (from that chunk on, or the tail that may start one),
    /// or `None` while the direction is stopped.
    fn find_chunk(&mut self, dir: Dir, mut buf: Vec<u8>, cx: &mut Context<'_>) -> Option<Vec<u8>> {
        match self.sync[dir] {
            StreamState::Framing => Some(buf),
            StreamState::Stopped => None,
            StreamState::Searching { skipped } => match opcua::resync(&buf, self.channel) {
                Some(at) => {
                    cx.weird(
                        "opcua_binary_resync",
                        Some(format!(
                            "{} bytes skipped",
                            skipped.saturating_add(at as u64)
                        )),
                        "OPCUA_BINARY",
                    );
                    self.sync[dir] = StreamState::Framing;
                    buf.drain(..at);
                    Some(buf)
                }
                None => {
                    let keep = buf.len().min(opcua::RESYNC_KEEP.saturating_sub(1));
                    let dropped = buf.len().saturating_sub(keep);
                    buf.drain(..dropped);
                    self.sync[dir] = StreamState::Searching {
                        skipped: skipped.saturating_add(dropped as u64),
                    };
                    self.bufs[dir] = buf;
                    None
                }
            },
        }
    }

    fn on_chunk(&mut self, dir: Dir, raw: &opcua::RawChunk<'_>, cx: &mut Context<'_>) {
        let chunk = match opcua::parse_chunk(raw) {
            Ok(c) => c,
            Err(e) => {
                cx.weird(
                    "opcua_binary_bad_chunk",
                    Some(e.to_string()),
                    "OPCUA_BINARY",
                );
                return;
            }
        };
        cx.confirm(SERVICE);
        let mut m = message::new(cx, &raw.header);
        match chunk {
            Chunk::Hello(h) => {
                self.max_chunk[Dir::Resp] = h.receive_buffer_size;
                self.max_message[Dir::Resp] = h.max_message_size;
                m.hello = Some(message::hello(&h));
            }
            Chunk::Acknowledge(a) => {
                self.max_chunk[Dir::Orig] = a.receive_buffer_size;
                self.max_message[Dir::Orig] = a.max_message_size;
                m.hello = Some(message::acknowledge(&a));
            }
            Chunk::Error(e) => {
                m.error = Some(e.error);
                m.reason = own::text(e.reason);
            }
            // The reference does not parse ReverseHello either; a message
            // with the header keeps it visible.
            Chunk::ReverseHello(_) => {}
            Chunk::Secure(s) => return self.on_secure(dir, raw, s, m, cx),
        }
        emit(m, cx);
    }

    fn on_secure(
        &mut self,
        dir: Dir,
        raw: &opcua::RawChunk<'_>,
        s: SecureChunk<'_>,
        mut m: Message,
        cx: &mut Context<'_>,
    ) {
        m.secure_channel_ids.push(s.secure_channel_id);
        // The first OPN request carries 0; the channel is the server's id.
        if s.secure_channel_id != 0 {
            self.channel = Some(s.secure_channel_id);
        }
        if let SecurityHeader::Asymmetric(a) = s.security {
            m.open = Some(message::open_header(&a));
            if !a.is_policy_none() {
                self.secured = true;
            }
        }
        let mut seq = None;
        let mut body = None;
        if !self.secured {
            match SequenceHeader::split(s.payload) {
                Ok((h, b)) => {
                    seq = Some(h.sequence_number);
                    m.request_id = Some(h.request_id);
                    body = Some(b);
                }
                Err(e) => cx.weird(
                    "opcua_binary_bad_chunk",
                    Some(e.to_string()),
                    "OPCUA_BINARY",
                ),
            }
        }
        if self.continue_message(dir, raw, &m, body, cx) {
            return;
        }
        let link = links::Links::new(cx.id, &mut self.messages).next();
        if is_request(body, dir) {
            m.request = Some(Half::new(link, raw.header.size, seq));
        } else {
            m.response = Some(Half::new(link, raw.header.size, seq));
        }
        if raw.header.chunk == opcua::ChunkKind::Intermediate && m.request_id.is_some() {
            // The first chunk of a longer message: its body waits for the
            // rest.
            let mut part = Partial {
                message: m,
                body: Vec::new(),
                overflow: false,
            };
            self.add_body(dir, &mut part, body.unwrap_or_default(), cx);
            self.partial[dir] = Some(part);
            return;
        }
        self.decode_body(dir, &mut m, body, true, cx);
        self.finish(m, cx);
    }

    /// Appends a chunk's body to a message in progress, up to the message
    /// size the receiver negotiated and [`MAX_MESSAGE_LEN`]; past that the
    /// body is dropped (counted weird) and the message is summed up from
    /// its headers only.
    fn add_body(&mut self, dir: Dir, part: &mut Partial, body: &[u8], cx: &mut Context<'_>) {
        if part.overflow {
            return;
        }
        let negotiated = self.max_message[dir] as usize;
        let cap = if negotiated == 0 {
            MAX_MESSAGE_LEN
        } else {
            negotiated.min(MAX_MESSAGE_LEN)
        };
        if part.body.len().saturating_add(body.len()) > cap {
            cx.weird(
                "opcua_binary_message_too_large",
                Some(format!("more than {cap} bytes")),
                "OPCUA_BINARY",
            );
            part.overflow = true;
            part.body = Vec::new();
            return;
        }
        part.body.extend_from_slice(body);
    }

    /// Decodes a whole message body (its service NodeId, header and, when
    /// `complete`, the service fields) into `m`'s half for `dir`, and
    /// emits the request or response event it gives.
    fn decode_body(
        &mut self,
        dir: Dir,
        m: &mut Message,
        body: Option<&[u8]>,
        complete: bool,
        cx: &mut Context<'_>,
    ) {
        let Some(body) = body else { return };
        let half_link = match (&m.request, &m.response) {
            (Some(h), _) => h.link,
            (None, Some(h)) => h.link,
            (None, None) => return,
        };
        let mut d = Decoder::new(body);
        let Some(service) = message::service_id(&mut d) else {
            return;
        };
        // The body is read by its id's number, whatever the namespace.
        let id = service.identifier;
        let mut links = links::Links::new(cx.id, &mut self.messages);
        let head = Head {
            ts: m.ts,
            id: cx.id.clone(),
            dir,
            link: half_link,
        };
        if let Some(h) = m.request.as_mut() {
            let header = RequestHeader::decode(&mut d).ok();
            h.service = Some(service);
            h.header = header.as_ref().map(message::request_header);
            if !(complete && header.is_some()) {
                return;
            }
            if let Some(body) = services::request(id, &mut d, &head, &mut links, cx) {
                h.body_emitted = true;
                cx.event(Event::OpcUaRequest(Box::new(Request { head, body })));
            }
        } else if let Some(h) = m.response.as_mut() {
            h.service = Some(service);
            let Ok(header) = ResponseHeader::decode(&mut d) else {
                return;
            };
            // The service result, and the inner codes of its diagnostics,
            // each get a status row, linked from the summary.
            let status_link = links.next();
            h.header = Some(message::response_header(&header, status_link));
            let body = if complete {
                services::response(id, &mut d, &head, &mut links, cx)
            } else {
                None
            };
            let status = ResponseStatus {
                link: status_link,
                service_result: header.service_result,
                diagnostics: own::diagnostic_info(&header.service_diagnostics),
            };
            cx.event(Event::OpcUaResponse(Box::new(Response {
                head,
                status,
                body,
            })));
        }
    }

    /// Adds a chunk to the message in progress in `dir` when it continues
    /// it (same request id and type); returns whether it did. A message in
    /// progress that this chunk does not continue is finished as it is
    /// (named from what arrived; no service body from a partial body).
    fn continue_message(
        &mut self,
        dir: Dir,
        raw: &opcua::RawChunk<'_>,
        m: &Message,
        body: Option<&[u8]>,
        cx: &mut Context<'_>,
    ) -> bool {
        let Some(mut part) = self.partial[dir].take() else {
            return false;
        };
        if m.request_id.is_none()
            || part.message.request_id != m.request_id
            || part.message.message_type != m.message_type
        {
            self.abandon(dir, part, cx);
            return false;
        }
        let size = raw.header.size;
        part.message.total_size = part.message.total_size.saturating_add(u64::from(size));
        part.message.chunk = m.chunk;
        if let Some(h) = part.message.request.as_mut() {
            h.size = h.size.saturating_add(size);
        }
        if let Some(h) = part.message.response.as_mut() {
            h.size = h.size.saturating_add(size);
        }
        match raw.header.chunk {
            opcua::ChunkKind::Intermediate => {
                self.add_body(dir, &mut part, body.unwrap_or_default(), cx);
                self.partial[dir] = Some(part);
            }
            opcua::ChunkKind::Final => {
                self.add_body(dir, &mut part, body.unwrap_or_default(), cx);
                let whole = !part.overflow;
                let Partial {
                    mut message, body, ..
                } = part;
                self.decode_body(dir, &mut message, Some(&body), whole, cx);
                self.finish(message, cx);
            }
            // The sender gave the message up: its body is an error
            // code and reason, not the service's.
            opcua::ChunkKind::Abort => self.abandon(dir, part, cx),
        }
        true
    }

    /// Finishes a message that will not be completed, named from the
    /// chunks that arrived.
    fn abandon(&mut self, dir: Dir, part: Partial, cx: &mut Context<'_>) {
        let Partial {
            mut message,
            body,
            overflow,
        } = part;
        if !overflow {
            self.decode_body(dir, &mut message, Some(&body), false, cx);
        }
        self.finish(message, cx);
    }

    /// A whole message: a request waits for its response, a response
    /// joins its request; what cannot pair is emitted.
    fn finish(&mut self, mut m: Message, cx: &mut Context<'_>) {
        // CloseSecureChannel has no response; a secured channel's request
        // ids are ciphertext, so nothing can pair.
        if m.request_id.is_none() || m.message_type == MessageType::Close {
            emit(m, cx);
            return;
        }
        if m.request.is_some() {
            self.hold(m, cx);
            return;
        }
        let request = self.pending.iter().position(|p| {
            p.request.is_some() && p.request_id == m.request_id && p.message_type == m.message_type
        });
        match request.and_then(|i| self.pending.remove(i)) {
            Some(mut merged) => {
                merged.total_size = merged.total_size.saturating_add(m.total_size);
                for channel in m.secure_channel_ids {
                    if !merged.secure_channel_ids.contains(&channel) {
                        merged.secure_channel_ids.push(channel);
                    }
                }
                merged.response = m.response.take();
                emit(merged, cx);
            }
            None => self.hold(m, cx),
        }
    }

    fn hold(&mut self, m: Message, cx: &mut Context<'_>) {
        if self.pending.len() >= MAX_PENDING {
            cx.weird("opcua_binary_pending_overflow", None, "OPCUA_BINARY");
            if let Some(old) = self.pending.pop_front() {
                emit(old, cx);
            }
        }
        self.pending.push_back(m);
    }
}

/// Whether a message is a request: by the service its body names (a
/// capture that starts mid-connection can make the server the
/// originator), else by who sent it.
fn is_request(body: Option<&[u8]>, dir: Dir) -> bool {
    let kind = body
        .and_then(|b| Decoder::new(b).node_id().ok())
        .and_then(|n| n.ns0_numeric())
        .and_then(opcua::service_kind);
    match kind {
        Some(ServiceKind::Request) => true,
        Some(ServiceKind::Response | ServiceKind::Fault) => false,
        None => dir == Dir::Orig,
    }
}

impl Analyzer for OpcUa {
    fn on_data(&mut self, dir: Dir, data: &[u8], cx: &mut Context<'_>) {
        if self.sync[dir] == StreamState::Stopped {
            return;
        }
        let mut buf = std::mem::take(&mut self.bufs[dir]);
        buf.extend_from_slice(data);
        // Each pass either frames to the end of what is buffered or drops
        // at least one bad byte before searching again.
        loop {
            let Some(found) = self.find_chunk(dir, buf, cx) else {
                return;
            };
            buf = found;
            let mut used = 0;
            let bad = loop {
                let rest = buf.get(used..).unwrap_or_default();
                // A chunk above the receiver's negotiated buffer is an
                // error the receiver closes the connection for (OPC
                // 10000-6, 7.1.2.4); checked before buffering it, so the
                // negotiated size, not our 16 MiB ceiling, bounds what a
                // connection holds.
                if let Some(&[_, _, _, _, a, b, c, d]) = rest.first_chunk::<8>() {
                    let size = u32::from_le_bytes([a, b, c, d]);
                    let max = self.max_chunk[dir];
                    if max != 0 && size > max {
                        cx.weird(
                            "opcua_binary_chunk_too_large",
                            Some(format!("{size} > {max}")),
                            "OPCUA_BINARY",
                        );
                        self.lose(dir, format!("chunk of {size} bytes"), cx);
                        self.sync[dir] = StreamState::Stopped;
                        return;
                    }
                }
                match opcua::frame(rest) {
                    Frame::Complete(raw) => {
                        used = used.saturating_add(raw.consumed);
                        self.on_chunk(dir, &raw, cx);
                    }
                    Frame::NeedMore(_) => break None,
                    Frame::Invalid(e) => break Some(e),
                }
            };
            match bad {
                None => {
                    buf.drain(..used.min(buf.len()));
                    self.bufs[dir] = buf;
                    return;
                }
                Some(e) => {
                    // What follows the bad bytes may hold the next chunk.
                    self.lose(dir, e.to_string(), cx);
                    buf.drain(..used.saturating_add(1).min(buf.len()));
                }
            }
        }
    }

    fn on_gap(&mut self, dir: Dir, len: u64, cx: &mut Context<'_>) {
        if self.sync[dir] == StreamState::Framing {
            self.lose(dir, format!("{len} bytes missing"), cx);
        }
    }

    fn on_eof(&mut self, cx: &mut Context<'_>) {
        for dir in [Dir::Orig, Dir::Resp] {
            if let Some(part) = self.partial[dir].take() {
                self.abandon(dir, part, cx);
            }
        }
        for m in self.pending.drain(..) {
            emit(m, cx);
        }
    }

    fn buffered(&self) -> usize {
        let part = |d: Dir| self.partial[d].as_ref().map_or(0, |p| p.body.len());
        self.bufs[Dir::Orig]
            .len()
            .saturating_add(self.bufs[Dir::Resp].len())
            .saturating_add(part(Dir::Orig))
            .saturating_add(part(Dir::Resp))
            .saturating_add(
                self.pending
                    .len()
                    .saturating_mul(std::mem::size_of::<Message>()),
            )
    }
}

#[cfg(test)]
mod tests;
