//! The OPC UA Binary analyzer: opc.tcp chunks on TCP 4840 (and on other
//! ports when the client opens with a Hello), logged as CISA
//! ICSNPP-opcua-binary's summary log `opcua_binary.log`.
//!
//! Each direction's stream is cut into chunks by their size field. HEL,
//! ACK, ERR and CLO give a row each at once; an OPN or MSG request waits
//! for the response with the same request id and type and the two become
//! one row; what is unpaired when the connection ends is written then,
//! one row per message, in arrival order (the reference's timing).
//!
//! Secured channels: once an OPN names a security policy other than None,
//! the sequence header and body of that channel's chunks are ciphertext;
//! their rows carry what is in clear (type, sizes, channel id, the policy
//! and certificates of the OPN) and no request id, service or header —
//! never a name decoded from ciphertext. (A channel in Sign mode is in
//! clear, but its mode is inside the encrypted OPN, so it is treated the
//! same.)
//!
//! Lost sync (a gap, or bytes that do not frame as a chunk) stops the
//! analysis of that direction, as it does in the reference; rows already
//! made are kept.

mod logs;
mod services;

pub use logs::{ActivateSessionRecord, OpcuaRecord, OpenSecureChannelRecord};

use super::{Analyzer, Context};
use crate::flow::Dir;
use crate::time::Ts;
use logs::{Half, HelloFields, OpenFields, RequestFields, ResponseFields, ServiceId};
use otwatch_parsers::opcua::{
    self, Chunk, Decoder, Frame, Identifier, MessageType, RequestHeader, ResponseHeader,
    SecureChunk, SecurityHeader, SequenceHeader,
};
use std::collections::VecDeque;

/// The IANA port of opc.tcp.
pub const PORT: u16 = 4840;
/// The conn.log service name the reference uses.
pub const SERVICE: &str = "opcua-binary";
/// Requests (and orphan responses) held for pairing per connection; past
/// this the oldest is written unpaired.
pub const MAX_PENDING: usize = 256;

/// What a logged secret is replaced with.
pub const REDACTED: &str = "(redacted)";

/// 100-ns ticks from 1601-01-01 to 1970-01-01 (OPC 10000-6, 5.2.2.5).
const EPOCH_TICKS: i64 = 116_444_736_000_000_000;

pub(crate) fn ts_of(ticks: i64) -> Ts {
    Ts(ticks.saturating_sub(EPOCH_TICKS) / 10)
}

pub(crate) fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, c| {
            let _ = write!(s, "{c:02x}");
            s
        })
}

fn idx(dir: Dir) -> usize {
    match dir {
        Dir::Orig => 0,
        Dir::Resp => 1,
    }
}

/// One connection's OPC UA state.
#[derive(Debug, Default)]
pub struct OpcUa {
    /// Bytes of each direction not framed yet.
    bufs: [Vec<u8>; 2],
    /// The direction lost sync; its bytes are ignored.
    lost: [bool; 2],
    /// An OPN named a policy other than None: bodies are ciphertext.
    secured: bool,
    /// Per direction, the row of a message whose last chunk was an
    /// intermediate one; later chunks of it add their size, and the final
    /// (or abort) chunk finishes it.
    partial: [Option<OpcuaRecord>; 2],
    /// Messages seen, for their link ids.
    messages: u64,
    /// Per direction, the largest chunk the receiver accepts, from the
    /// HEL (the client's ReceiveBufferSize bounds the server's chunks) and
    /// the ACK (the server's bounds the client's); 0 until negotiated.
    max_chunk: [u32; 2],
    pending: VecDeque<OpcuaRecord>,
}

impl OpcUa {
    pub fn new() -> OpcUa {
        OpcUa::default()
    }

    fn lose(&mut self, dir: Dir, why: String, cx: &mut Context<'_>) {
        cx.weird("opcua_binary_lost_sync", Some(why), "OPCUA_BINARY");
        self.lost[idx(dir)] = true;
        self.bufs[idx(dir)] = Vec::new();
    }

    fn row(cx: &Context<'_>, h: &opcua::MessageHeader) -> OpcuaRecord {
        OpcuaRecord {
            ts: cx.ts,
            id: cx.id.clone(),
            msg_type: h.message_type.as_str(),
            is_final: match h.chunk.as_char() {
                'F' => "F",
                'C' => "C",
                _ => "A",
            },
            total_size: u64::from(h.size),
            error: None,
            reason: None,
            hello: None,
            sec_channel_id: Vec::new(),
            open: None,
            request_id: None,
            req: None,
            res: None,
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
        let mut row = Self::row(cx, &raw.header);
        match chunk {
            Chunk::Hello(h) => {
                self.max_chunk[idx(Dir::Resp)] = h.receive_buffer_size;
                row.hello = Some(HelloFields {
                    version: h.protocol_version,
                    rcv_buf_size: h.receive_buffer_size,
                    snd_buf_size: h.send_buffer_size,
                    max_msg_size: h.max_message_size,
                    max_chunk_cnt: h.max_chunk_count,
                    endpoint_url: h.endpoint_url.bytes().map(|_| h.endpoint_url.text().into()),
                });
            }
            Chunk::Acknowledge(a) => {
                self.max_chunk[idx(Dir::Orig)] = a.receive_buffer_size;
                row.hello = Some(HelloFields {
                    version: a.protocol_version,
                    rcv_buf_size: a.receive_buffer_size,
                    snd_buf_size: a.send_buffer_size,
                    max_msg_size: a.max_message_size,
                    max_chunk_cnt: a.max_chunk_count,
                    endpoint_url: None,
                });
            }
            Chunk::Error(e) => {
                row.error = Some(e.error);
                row.reason = e.reason.bytes().map(|_| e.reason.text().into());
            }
            // The reference does not parse ReverseHello either; a row with
            // the header keeps it visible.
            Chunk::ReverseHello(_) => {}
            Chunk::Secure(s) => return self.on_secure(dir, raw, s, row, cx),
        }
        cx.log(Box::new(row));
    }

    fn on_secure(
        &mut self,
        dir: Dir,
        raw: &opcua::RawChunk<'_>,
        s: SecureChunk<'_>,
        mut row: OpcuaRecord,
        cx: &mut Context<'_>,
    ) {
        row.sec_channel_id.push(u64::from(s.secure_channel_id));
        if let SecurityHeader::Asymmetric(a) = s.security {
            let len = |b: Option<&[u8]>| b.map_or(-1, |b| b.len() as i64);
            row.open = Some(OpenFields {
                policy_uri_len: len(a.security_policy_uri.bytes()),
                policy_uri: a
                    .security_policy_uri
                    .bytes()
                    .map(|_| a.security_policy_uri.text().into()),
                snd_cert_len: len(a.sender_certificate.bytes()),
                snd_cert: a.sender_certificate.bytes().map(hex),
                rcv_cert_len: len(a.receiver_certificate_thumbprint.bytes()),
                rcv_cert: a.receiver_certificate_thumbprint.bytes().map(hex),
            });
            if !a.is_policy_none() {
                self.secured = true;
            }
        }
        let mut seq = None;
        let mut service = None;
        let mut body = None;
        if !self.secured {
            match SequenceHeader::split(s.payload) {
                Ok((h, b)) => {
                    seq = Some(h.sequence_number);
                    row.request_id = Some(h.request_id);
                    body = Some(b);
                }
                Err(e) => cx.weird(
                    "opcua_binary_bad_chunk",
                    Some(e.to_string()),
                    "OPCUA_BINARY",
                ),
            }
        }
        if self.continue_message(dir, raw, &row, cx) {
            return;
        }
        // Only the first (or only) chunk of a message starts with the
        // service NodeId and header (bodies split over chunks are not
        // reassembled yet: their service rows come from the first chunk).
        let mut d = Decoder::new(body.unwrap_or_default());
        if body.is_some() {
            let mask = d.rest().first().copied();
            if let (Some(mask), Ok(n)) = (mask, d.node_id()) {
                let identifier = match n.identifier {
                    Identifier::Numeric(i) => i,
                    _ => 0,
                };
                service = Some(ServiceId {
                    encoding_mask: mask,
                    namespace: n.namespace,
                    identifier,
                    name: n.ns0_numeric().and_then(opcua::service_name),
                });
            }
        }
        let decoded = service.is_some();
        self.messages += 1;
        let link = super::message_id(&cx.id.uid, self.messages);
        let service_id = service.as_ref().map(|s| s.identifier);
        let head = logs::Head {
            ts: cx.ts,
            id: cx.id.clone(),
            dir,
            link: link.clone(),
        };
        if dir == Dir::Orig {
            let header = decoded
                .then(|| RequestHeader::decode(&mut d).ok())
                .flatten()
                .map(|h| request_fields(&h));
            if let (Some(id), Some(_)) = (service_id, &header) {
                services::request_rows(id, &mut d, head.clone(), cx);
            }
            row.req = Some(Half {
                link,
                msg_size: raw.header.size,
                seq_number: seq,
                service,
                header,
            });
        } else {
            let header = decoded
                .then(|| ResponseHeader::decode(&mut d).ok())
                .flatten()
                .map(|h| ResponseFields {
                    timestamp: ts_of(h.timestamp),
                    request_handle: h.request_handle,
                    service_diag_encoding: h.service_diagnostics_mask,
                    add_hdr_type_id: numeric(&h.additional_header.type_id),
                    add_hdr_enc_mask: body_mask(&h.additional_header.body),
                });
            if let (Some(id), Some(_)) = (service_id, &header) {
                services::response_rows(id, &mut d, head.clone(), cx);
            }
            row.res = Some(Half {
                link,
                msg_size: raw.header.size,
                seq_number: seq,
                service,
                header,
            });
        }
        if raw.header.chunk == opcua::ChunkKind::Intermediate && row.request_id.is_some() {
            self.partial[idx(dir)] = Some(row);
        } else {
            self.finish(dir, row, cx);
        }
    }

    /// Adds a chunk to the message in progress in `dir` when it continues
    /// it (same request id and type); returns whether it did. A message in
    /// progress that this chunk does not continue is finished as it is.
    fn continue_message(
        &mut self,
        dir: Dir,
        raw: &opcua::RawChunk<'_>,
        row: &OpcuaRecord,
        cx: &mut Context<'_>,
    ) -> bool {
        let Some(mut part) = self.partial[idx(dir)].take() else {
            return false;
        };
        if row.request_id.is_none()
            || part.request_id != row.request_id
            || part.msg_type != row.msg_type
        {
            self.finish(dir, part, cx);
            return false;
        }
        let size = raw.header.size;
        part.total_size += u64::from(size);
        part.is_final = row.is_final;
        if let Some(h) = part.req.as_mut() {
            h.msg_size = h.msg_size.saturating_add(size);
        }
        if let Some(h) = part.res.as_mut() {
            h.msg_size = h.msg_size.saturating_add(size);
        }
        if raw.header.chunk == opcua::ChunkKind::Intermediate {
            self.partial[idx(dir)] = Some(part);
        } else {
            self.finish(dir, part, cx);
        }
        true
    }

    /// A whole message's row: a request waits for its response, a
    /// response joins its request; what cannot pair is written.
    fn finish(&mut self, dir: Dir, mut row: OpcuaRecord, cx: &mut Context<'_>) {
        // CloseSecureChannel has no response; a secured channel's request
        // ids are ciphertext, so nothing can pair.
        if row.request_id.is_none() || row.msg_type == MessageType::Close.as_str() {
            cx.log(Box::new(row));
            return;
        }
        if dir == Dir::Orig {
            self.hold(row, cx);
            return;
        }
        let request = self.pending.iter().position(|p| {
            p.req.is_some() && p.request_id == row.request_id && p.msg_type == row.msg_type
        });
        match request.and_then(|i| self.pending.remove(i)) {
            Some(mut merged) => {
                merged.total_size += row.total_size;
                for channel in row.sec_channel_id {
                    if !merged.sec_channel_id.contains(&channel) {
                        merged.sec_channel_id.push(channel);
                    }
                }
                merged.res = row.res.take();
                cx.log(Box::new(merged));
            }
            None => self.hold(row, cx),
        }
    }

    fn hold(&mut self, row: OpcuaRecord, cx: &mut Context<'_>) {
        if self.pending.len() >= MAX_PENDING {
            cx.weird("opcua_binary_pending_overflow", None, "OPCUA_BINARY");
            if let Some(old) = self.pending.pop_front() {
                cx.log(Box::new(old));
            }
        }
        self.pending.push_back(row);
    }
}

fn numeric(n: &opcua::NodeId<'_>) -> u32 {
    match n.identifier {
        Identifier::Numeric(i) => i,
        _ => 0,
    }
}

fn body_mask(b: &opcua::ExtensionBody<'_>) -> u8 {
    match b {
        opcua::ExtensionBody::None => 0,
        opcua::ExtensionBody::Binary(_) => 1,
        opcua::ExtensionBody::Xml(_) => 2,
    }
}

fn request_fields(h: &RequestHeader<'_>) -> RequestFields {
    let t = &h.authentication_token;
    let mut f = RequestFields {
        token_encoding: h.authentication_token_encoding,
        token_namespace: (h.authentication_token_encoding != 0).then_some(t.namespace),
        token_numeric: None,
        token_string: None,
        token_guid: None,
        token_opaque: None,
        timestamp: ts_of(h.timestamp),
        request_handle: h.request_handle,
        return_diag: h.return_diagnostics,
        // The reference prints a null audit id as an empty string.
        audit_entry_id: Some(h.audit_entry_id.text().into()),
        timeout_hint: h.timeout_hint,
        add_hdr_type_id: numeric(&h.additional_header.type_id),
        add_hdr_enc_mask: body_mask(&h.additional_header.body),
    };
    // The authentication token is the session's bearer secret: whoever
    // holds it can use the session on an unsecured channel. Logs leave the
    // sensor (CloudWatch), so only its form is logged, not its value; the
    // null token (before CreateSession) is no secret and is shown.
    match t.identifier {
        Identifier::Numeric(0) => f.token_numeric = Some(0),
        Identifier::Numeric(_) => {}
        Identifier::String(_) => f.token_string = Some(REDACTED.into()),
        Identifier::Guid(_) => f.token_guid = Some(REDACTED.into()),
        Identifier::Opaque(_) => f.token_opaque = Some(REDACTED.into()),
    }
    f
}

impl Analyzer for OpcUa {
    fn on_data(&mut self, dir: Dir, data: &[u8], cx: &mut Context<'_>) {
        let i = idx(dir);
        if self.lost[i] {
            return;
        }
        let mut buf = std::mem::take(&mut self.bufs[i]);
        buf.extend_from_slice(data);
        let mut used = 0;
        loop {
            let rest = buf.get(used..).unwrap_or_default();
            // A chunk above the receiver's negotiated buffer is an error
            // the receiver closes the connection for (OPC 10000-6, 7.1.2.4);
            // checked before buffering it, so the negotiated size, not our
            // 16 MiB ceiling, bounds what a connection holds.
            if let Some(&[_, _, _, _, a, b, c, d]) = rest.first_chunk::<8>() {
                let size = u32::from_le_bytes([a, b, c, d]);
                let max = self.max_chunk[i];
                if max != 0 && size > max {
                    cx.weird(
                        "opcua_binary_chunk_too_large",
                        Some(format!("{size} > {max}")),
                        "OPCUA_BINARY",
                    );
                    self.lose(dir, format!("chunk of {size} bytes"), cx);
                    return;
                }
            }
            match opcua::frame(rest) {
                Frame::Complete(raw) => {
                    used += raw.consumed;
                    self.on_chunk(dir, &raw, cx);
                }
                Frame::NeedMore(_) => break,
                Frame::Invalid(e) => {
                    self.lose(dir, e.to_string(), cx);
                    return;
                }
            }
        }
        buf.drain(..used.min(buf.len()));
        self.bufs[i] = buf;
    }

    fn on_gap(&mut self, dir: Dir, len: u64, cx: &mut Context<'_>) {
        if !self.lost[idx(dir)] {
            self.lose(dir, format!("{len} bytes missing"), cx);
        }
    }

    fn on_eof(&mut self, cx: &mut Context<'_>) {
        for dir in [Dir::Orig, Dir::Resp] {
            if let Some(part) = self.partial[idx(dir)].take() {
                self.finish(dir, part, cx);
            }
        }
        for row in self.pending.drain(..) {
            cx.log(Box::new(row));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::testkit::Harness;

    /// A CloseSessionRequest-shaped MSG chunk in clear with `request_id`
    /// (the body is only a service NodeId, so the header does not decode).
    fn msg(request_id: u32, service: u16) -> Vec<u8> {
        let mut b = b"MSGF".to_vec();
        b.extend_from_slice(&28u32.to_le_bytes());
        b.extend_from_slice(&4u32.to_le_bytes()); // channel
        b.extend_from_slice(&1u32.to_le_bytes()); // token
        b.extend_from_slice(&request_id.to_le_bytes()); // sequence number
        b.extend_from_slice(&request_id.to_le_bytes());
        b.extend_from_slice(&[0x01, 0x00]);
        b.extend_from_slice(&service.to_le_bytes());
        b
    }

    #[test]
    fn requests_pair_with_their_responses_by_request_id() {
        let mut h = Harness::new();
        let mut a = OpcUa::new();
        h.feed(&mut a, Dir::Orig, &[msg(7, 473), msg(8, 631)].concat());
        assert!(h.rows("opcua_binary").is_empty(), "held for pairing");
        h.feed(&mut a, Dir::Resp, &msg(8, 634));
        let rows = h.rows("opcua_binary");
        assert_eq!(rows.len(), 1);
        assert!(rows[0].contains(&"ReadRequest".to_string()));
        assert!(rows[0].contains(&"ReadResponse".to_string()));
        assert!(rows[0].contains(&"56".to_string()), "total size 28 + 28");
        h.eof(&mut a);
        let rows = h.rows("opcua_binary");
        assert_eq!(rows.len(), 2);
        assert!(rows[1].contains(&"CloseSessionRequest".to_string()));
        assert_eq!(h.services, vec![SERVICE]);
    }

    #[test]
    fn chunks_of_one_message_make_one_row() {
        let mut h = Harness::new();
        let mut a = OpcUa::new();
        // A Read request in an intermediate and a final chunk, then its
        // response: one row whose sizes add up, named by the first chunk.
        let mut first = msg(5, 631);
        first[3] = b'C';
        let mut last = msg(5, 0);
        last[3] = b'F';
        h.feed(&mut a, Dir::Orig, &[first, last].concat());
        assert!(h.rows("opcua_binary").is_empty());
        h.feed(&mut a, Dir::Resp, &msg(5, 634));
        h.eof(&mut a);
        let rows = h.rows("opcua_binary");
        assert_eq!(rows.len(), 1, "{rows:?}");
        let r = &rows[0];
        assert!(r.contains(&"ReadRequest".to_string()));
        assert!(r.contains(&"ReadResponse".to_string()));
        assert!(r.contains(&"84".to_string()), "total size 3 x 28: {r:?}");
        assert!(r.contains(&"56".to_string()), "request size 2 x 28: {r:?}");
    }

    #[test]
    fn an_unfinished_message_is_written_when_another_begins() {
        let mut h = Harness::new();
        let mut a = OpcUa::new();
        let mut first = msg(5, 631);
        first[3] = b'C';
        // Request 6 begins before request 5 got its final chunk.
        h.feed(&mut a, Dir::Orig, &[first, msg(6, 673)].concat());
        h.eof(&mut a);
        let rows = h.rows("opcua_binary");
        assert_eq!(rows.len(), 2);
        assert!(rows[0].contains(&"C".to_string()), "still intermediate");
        assert!(rows[1].contains(&"WriteRequest".to_string()));
    }

    #[test]
    fn chunks_above_the_negotiated_buffer_stop_the_direction() {
        let mut h = Harness::new();
        let mut a = OpcUa::new();
        // ACK: the server receives chunks of at most 8192 bytes.
        let mut ack = b"ACKF".to_vec();
        ack.extend_from_slice(&28u32.to_le_bytes());
        for v in [0u32, 8192, 8192, 0, 0] {
            ack.extend_from_slice(&v.to_le_bytes());
        }
        h.feed(&mut a, Dir::Resp, &ack);
        // The client announces a 1 MiB chunk: refused before buffering.
        let mut big = msg(1, 631);
        big[4..8].copy_from_slice(&(1u32 << 20).to_le_bytes());
        h.feed(&mut a, Dir::Orig, &big[..12]);
        assert_eq!(
            h.weird_names(),
            vec!["opcua_binary_chunk_too_large", "opcua_binary_lost_sync"]
        );
        assert!(a.bufs[0].is_empty());
        // The server's direction is unaffected.
        h.feed(&mut a, Dir::Resp, &msg(1, 634));
        h.eof(&mut a);
        assert_eq!(h.rows("opcua_binary").len(), 2, "ACK and the response");
    }

    #[test]
    fn pending_requests_are_capped_and_counted() {
        let mut h = Harness::new();
        let mut a = OpcUa::new();
        let n = MAX_PENDING as u32 + 3;
        let stream: Vec<u8> = (0..n).flat_map(|i| msg(i, 631)).collect();
        h.feed(&mut a, Dir::Orig, &stream);
        // The three oldest were written unpaired to make room.
        assert_eq!(h.rows("opcua_binary").len(), 3);
        assert_eq!(h.weird_names(), vec!["opcua_binary_pending_overflow"]);
        assert_eq!(h.weirds.count, 3);
        h.eof(&mut a);
        assert_eq!(h.rows("opcua_binary").len(), n as usize, "nothing lost");
    }

    #[test]
    fn lost_sync_stops_only_that_direction() {
        let mut h = Harness::new();
        let mut a = OpcUa::new();
        h.feed(&mut a, Dir::Resp, b"HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!(h.weird_names(), vec!["opcua_binary_lost_sync"]);
        h.feed(&mut a, Dir::Resp, &msg(1, 634));
        h.feed(&mut a, Dir::Orig, &msg(1, 631));
        h.eof(&mut a);
        let rows = h.rows("opcua_binary");
        assert_eq!(rows.len(), 1, "the request only");
        assert!(rows[0].contains(&"ReadRequest".to_string()));
        assert!(!rows[0].contains(&"ReadResponse".to_string()));
    }
}
