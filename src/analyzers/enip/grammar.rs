//! The reference's reading of an EtherNet/IP message, field by field
//! (little-endian unless said otherwise), and the log rows it makes.
//! Lengths in the encapsulation header and in CPF items are logged but not
//! used to bound what follows, as in the reference; several fields are
//! "the rest of the message". Reading past the end is a violation, after
//! the rows already made.

use crate::analyzers::Context;
use crate::event::enip::{
    Carried, Cip, Embedded, Encapsulation, Identity, Io, IoLink, Path, Routed, Status,
    CONNECTION_MANAGER, MULTIPLE_SERVICE_PACKET, UNCONNECTED_SEND,
};
use crate::event::{Event, Head};
use crate::flow::Dir;
use std::net::{IpAddr, Ipv4Addr};

type R<T> = Result<T, &'static str>;

struct Reader<'a> {
    d: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or("enip_truncated")?;
        let s = self.d.get(self.pos..end).ok_or("enip_truncated")?;
        self.pos = end;
        Ok(s)
    }
    /// The next `N` bytes as an array.
    fn array<const N: usize>(&mut self) -> R<[u8; N]> {
        self.take(N)?
            .first_chunk::<N>()
            .copied()
            .ok_or("enip_truncated")
    }
    fn u8(&mut self) -> R<u8> {
        Ok(u8::from_le_bytes(self.array()?))
    }
    fn u16(&mut self) -> R<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> R<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn rest(&mut self) -> &'a [u8] {
        let s = self.d.get(self.pos..).unwrap_or_default();
        self.pos = self.d.len();
        s
    }
}

/// What identifies a request's response: the session handle and sender
/// context of unconnected messaging, or the sequence count of connected
/// messaging (echoed by the target).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairKey {
    Unconnected(u32, [u8; 8]),
    /// The connection (its O->T id when the Forward Open was seen, which
    /// joins the two ids of the two directions; 0 otherwise) and sequence.
    Connected(u32, u16),
}

/// Requests waiting for their response, to name class-specific services
/// of responses by the class the request addressed.
#[derive(Debug, Default)]
pub struct Pending {
    waiting: std::collections::VecDeque<(PairKey, Naming)>,
    /// Forward Open requests waiting for their reply.
    opens: std::collections::VecDeque<PairKey>,
}

/// Requests remembered per connection (and Forward Opens, apart); past
/// this the oldest is forgotten, counted as `enip_pending_overflow`.
pub const MAX_PENDING: usize = 256;

impl Pending {
    /// Remembers a request; returns true when the oldest was forgotten.
    fn request(&mut self, key: PairKey, naming: Naming) -> bool {
        self.waiting.retain(|(k, _)| *k != key);
        let full = self.waiting.len() >= MAX_PENDING;
        if full {
            self.waiting.pop_front();
        }
        self.waiting.push_back((key, naming));
        full
    }

    /// Remembers a Forward Open; returns true when the oldest was forgotten.
    fn open(&mut self, key: PairKey) -> bool {
        self.opens.retain(|k| *k != key);
        let full = self.opens.len() >= MAX_PENDING;
        if full {
            self.opens.pop_front();
        }
        self.opens.push_back(key);
        full
    }

    fn opened(&mut self, key: PairKey) -> bool {
        match self.opens.iter().position(|k| *k == key) {
            Some(i) => {
                self.opens.remove(i);
                true
            }
            None => false,
        }
    }

    /// The class that names the reply `code` to the request `key`.
    fn response(&mut self, key: PairKey, code: u8) -> Option<u32> {
        let i = self.waiting.iter().position(|(k, _)| *k == key)?;
        let (_, naming) = self.waiting.remove(i)?;
        match naming.routed {
            Some(r) if r.service == code => r.path.target_class(),
            _ => naming.class,
        }
    }
}

/// How to name the reply to a request: by the class it addressed, or, for
/// an Unconnected Send, by the class of the request it carried when the
/// reply is that request's (the Connection Manager forwards the target's
/// reply as it is; its own errors come back as Unconnected Send replies).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Naming {
    class: Option<u32>,
    /// The request an Unconnected Send carried.
    routed: Option<Routed>,
}

/// The request an Unconnected Send carries in `d` (its request data:
/// priority and ticks, timeout, message size, then the message), if it is
/// there.
fn routed(d: &[u8]) -> Option<Routed> {
    let service = *d.get(4)?;
    let words = usize::from(*d.get(5)?);
    let end = 6usize.saturating_add(words.saturating_mul(2));
    if end > d.len() {
        return None;
    }
    Some(Routed {
        service: service & 0x7F,
        path: path(d, 6, end),
    })
}

/// Per-message state the reading functions share.
struct Msg<'h, 'p> {
    head: &'h Head,
    session: u32,
    context: [u8; 8],
    pending: &'p mut Pending,
    /// The connection id of the last connected-address item.
    connection: Option<u32>,
}

/// Rate limit of `cip_io.log`: the last row's time per (connection id,
/// direction), at most [`IO_KEYS`] of them per connection.
#[derive(Debug, Default)]
pub struct IoLimiter {
    interval: crate::time::Micros,
    last: Vec<((u32, bool), crate::time::Ts)>,
}

/// I/O connection ids remembered per connection for the rate limit.
pub const IO_KEYS: usize = 64;

impl IoLimiter {
    pub fn new(interval: crate::time::Micros) -> IoLimiter {
        IoLimiter {
            interval,
            ..IoLimiter::default()
        }
    }

    /// Whether a datagram of `key` at `ts` gets a row.
    fn admit(&mut self, key: (u32, bool), ts: crate::time::Ts) -> bool {
        if self.interval.0 <= 0 {
            return true;
        }
        match self.last.iter_mut().find(|(k, _)| *k == key) {
            Some((_, t)) if ts.since(*t) < self.interval => false,
            Some((_, t)) => {
                *t = ts;
                true
            }
            None => {
                if self.last.len() >= IO_KEYS {
                    self.last.remove(0);
                }
                self.last.push((key, ts));
                true
            }
        }
    }
}

/// The head of the rows of message `number` of the connection, sent by
/// `dir`.
pub fn head(number: u64, dir: Dir, cx: &Context<'_>) -> Head {
    Head {
        ts: cx.ts,
        id: cx.id.clone(),
        dir,
        link: crate::analyzers::message_id(&cx.id.uid, number),
    }
}

/// Whether a delivery is cyclic I/O (a CPF item count of 2 where an
/// encapsulation command would be).
pub fn is_io(data: &[u8]) -> bool {
    data.first_chunk::<2>() == Some(&2u16.to_le_bytes())
}

/// Reads one encapsulation message (a whole delivery) and writes its rows.
pub fn message(head: &Head, data: &[u8], pending: &mut Pending, cx: &mut Context<'_>) -> R<()> {
    let mut r = Reader { d: data, pos: 0 };
    let first = r.u16()?;
    let length = r.u16()?;
    let session = r.u32()?;
    let status = r.u32()?;
    let context = r.take(8)?;
    let options = r.u32()?;
    mark(cx, "enip");
    cx.event(Event::Enip(Box::new(Encapsulation {
        head: head.clone(),
        command: first,
        length,
        session_handle: session,
        status,
        sender_context: context.try_into().unwrap_or_default(),
        options,
    })));
    let target = head.dir == Dir::Resp;
    let mut m = Msg {
        head,
        session,
        context: context.try_into().unwrap_or_default(),
        pending,
        connection: None,
    };
    let read = match first {
        0x0004 | 0x0063 | 0x0064 if target => items(&mut m, &mut r, cx),
        0x0065 => {
            r.u16()?;
            r.u16()?;
            Ok(())
        }
        0x006F | 0x0070 => {
            r.u32()?;
            r.u16()?;
            items(&mut m, &mut r, cx)
        }
        0x0066 | 0x0004 | 0x0063 | 0x0064 => Ok(()),
        _ => {
            r.rest();
            Ok(())
        }
    };
    // Each delivery is read as one message (as the reference does). One
    // that reads whole but whose length field disagrees with it is a lie
    // or a message split over segments: counted (a cut one already is,
    // as `enip_truncated`).
    let held = data.len().saturating_sub(24);
    if read.is_ok() && usize::from(length) != held {
        cx.weird(
            "enip_length_mismatch",
            Some(format!("length {length}, {held} bytes")),
            "ENIP",
        );
    }
    read
}

/// Records the service once, with the first ENIP event's name.
fn mark(cx: &mut Context<'_>, service: &'static str) {
    if cx.services.is_empty() {
        cx.confirm(service);
    }
}

fn items(m: &mut Msg<'_, '_>, r: &mut Reader<'_>, cx: &mut Context<'_>) -> R<()> {
    let head = m.head;
    let count = r.u16()?;
    for _ in 0..count {
        let kind = r.u16()?;
        let _len = r.u16()?;
        match kind {
            0x0000 => {}
            0x000C => identity(head, r, cx)?,
            0x0086 => {
                r.take(5)?;
            }
            0x0087 => {
                r.u32()?;
            }
            0x00A1 => m.connection = Some(r.u32()?),
            0x00B1 => {
                let seq = r.u16()?;
                cip(m, r, seq, cx)?;
            }
            0x00B2 => cip(m, r, 0, cx)?,
            0x0100 => {
                r.take(20)?;
            }
            0x8000 | 0x8001 => {
                r.take(16)?;
            }
            0x8002 => {
                r.take(8)?;
            }
            0x8003 => {
                r.take(8)?;
                cip(m, r, 0, cx)?;
            }
            _ => {
                r.rest();
            }
        }
    }
    Ok(())
}

/// Reads one cyclic I/O datagram (message `number`) and writes its row
/// unless the rate limit holds it back.
pub fn io(
    number: u64,
    dir: Dir,
    data: &[u8],
    limit: &mut IoLimiter,
    cx: &mut Context<'_>,
) -> R<()> {
    let r = &mut Reader { d: data, pos: 0 };
    r.u16()?;
    r.u16()?;
    r.u16()?;
    let connection_id = r.u32()?;
    let sequence_number = r.u32()?;
    r.u16()?;
    let n = r.u16()?;
    let data = r.take(usize::from(n))?;
    mark(cx, "cip");
    if !limit.admit((connection_id, dir == Dir::Orig), cx.ts) {
        *cx.rows_limited = cx.rows_limited.saturating_add(1);
        return Ok(());
    }
    let head = head(number, dir, cx);
    let data = data.to_vec();
    let link = cx
        .shared
        .cip
        .get(cx.id.orig_h, cx.id.resp_h, connection_id)
        .cloned();
    cx.event(Event::CipIo(Box::new(Io {
        head,
        connection_id,
        sequence_number,
        data,
        link,
    })));
    Ok(())
}

fn identity(head: &Head, r: &mut Reader<'_>, cx: &mut Context<'_>) -> R<()> {
    let version = r.u16()?;
    let [_, _, p0, p1, a0, a1, a2, a3, ..] = r.array::<16>()?;
    let port = u16::from_be_bytes([p0, p1]);
    let addr = Ipv4Addr::new(a0, a1, a2, a3);
    let vendor = r.u16()?;
    let device_type = r.u16()?;
    let product_code = r.u16()?;
    let major = r.u8()?;
    let minor = r.u8()?;
    let status = r.u16()?;
    let serial = r.u32()?;
    let n = r.u8()?;
    let name = r.take(usize::from(n))?.to_vec();
    let state = r.u8()?;
    mark(cx, "cip");
    cx.event(Event::CipIdentity(Box::new(Identity {
        head: head.clone(),
        encapsulation_version: version,
        socket_address: IpAddr::V4(addr),
        socket_port: port,
        vendor_id: vendor,
        device_type,
        product_code,
        revision: (major, minor),
        device_status: status,
        serial_number: serial,
        product_name: name,
        device_state: state,
    })));
    Ok(())
}

/// Class, instance and attribute of the path's logical segments in
/// `d[start..end]`, as the reference decodes them (its 32-bit form shifts
/// the third byte by 13, reproduced).
fn path(d: &[u8], start: usize, end: usize) -> Path {
    let mut p = Path::default();
    let mut x = start;
    let byte = |i: usize| u32::from(d.get(i).copied().unwrap_or(0));
    p.symbolic = start < end && byte(start) == 0x91;
    // Offsets saturate: a path running past the buffer reads zeros and
    // ends (as the reference's reading does), it never wraps.
    let after = |x: usize, k: usize| byte(x.saturating_add(k));
    while x.saturating_add(1) < end {
        let seg = byte(x);
        if seg >> 5 != 1 {
            break;
        }
        let ltype = (seg >> 2) & 7;
        let fmt = seg & 3;
        x = x.saturating_add(if fmt > 0 { 2 } else { 1 });
        let val = match fmt {
            0 => Some(byte(x)),
            1 => Some(byte(x) | after(x, 1) << 8),
            2 => Some(byte(x) | after(x, 1) << 8 | after(x, 2) << 13 | after(x, 3) << 24),
            _ => None,
        };
        match ltype {
            0 => p.class = val,
            1 => p.instance = val,
            4 => p.attribute = val,
            _ => {}
        }
        x = x.saturating_add(match fmt {
            0 => 1,
            1 => 2,
            _ => 4,
        });
    }
    p
}

/// One CIP message; a Multiple Service Packet also gives its services.
fn cip(m: &mut Msg<'_, '_>, r: &mut Reader<'_>, seq: u16, cx: &mut Context<'_>) -> R<()> {
    let head = m.head;
    let start = r.pos;
    let service = r.u8()?;
    let words = r.u8()?;
    let path_bytes = usize::from(words).saturating_mul(2);
    r.take(path_bytes)?;
    let p = path(
        r.d,
        start.saturating_add(2),
        start.saturating_add(2).saturating_add(path_bytes),
    );
    let response = service & 0x80 != 0;
    let code = service & 0x7F;
    let mut status = None;
    if response {
        let g = r.u8()?;
        let n = r.u8()?;
        // As the reference: the size (in words) is read as a byte count.
        let ext = r.take(usize::from(n))?;
        let folded = (n != 0).then(|| {
            ext.iter()
                .take(4)
                .fold(0u32, |v, b| (v << 8) | u32::from(*b))
        });
        status = Some(Status {
            general: g,
            extended: folded,
        });
    }
    match service {
        0x01 => {}
        0x03 => {
            let n = r.u16()?;
            r.take(usize::from(n) * 2)?;
        }
        0x83 | 0x04 | 0x84 => {
            r.u16()?;
            r.rest();
        }
        0x0A | 0x8A => return multiple(head, r, seq, &p, status, cx),
        _ => {
            r.rest();
        }
    }
    mark(cx, "cip");
    let key = if seq != 0 {
        let link = m
            .connection
            .and_then(|id| cx.shared.cip.get(cx.id.orig_h, cx.id.resp_h, id));
        PairKey::Connected(link.map_or(0, |l| l.pair), seq)
    } else {
        PairKey::Unconnected(m.session, m.context)
    };
    // A response is named by the class its request addressed.
    let mut carried = Carried::None;
    let class = if response {
        m.pending.response(key, code)
    } else {
        let data_at = start.saturating_add(2).saturating_add(path_bytes);
        let naming = Naming {
            class: p.target_class(),
            routed: (code == UNCONNECTED_SEND && p.class == Some(CONNECTION_MANAGER))
                .then(|| routed(r.d.get(data_at..).unwrap_or_default()))
                .flatten(),
        };
        if let Some(r) = naming.routed {
            carried = Carried::Routed(r);
        }
        if m.pending.request(key, naming) {
            cx.weird("enip_pending_overflow", None, "ENIP");
        }
        p.target_class()
    };
    let message = r.d.get(start..).unwrap_or_default();
    track_forward_open(m, key, response, service, message, cx);
    cx.event(Event::Cip(Box::new(Cip {
        head: head.clone(),
        sequence_count: (seq != 0).then_some(seq),
        service: code,
        path: (!response).then_some(p),
        status,
        naming_class: class,
        carried,
    })));
    Ok(())
}

/// Remembers the I/O connections a successful Forward Open sets up (on the
/// Connection Manager, sent by the originator of this connection).
fn track_forward_open(
    m: &mut Msg<'_, '_>,
    key: PairKey,
    response: bool,
    service: u8,
    message: &[u8],
    cx: &mut Context<'_>,
) {
    use otwatch_parsers::enip::cip::{self, RequestBody, ResponseBody};
    const FORWARD_OPEN: u8 = 0x54;
    const LARGE_FORWARD_OPEN: u8 = 0x5B;
    let code = service & 0x7F;
    if code != FORWARD_OPEN && code != LARGE_FORWARD_OPEN {
        return;
    }
    if !response {
        if let Ok((_, req)) = cip::parse_cip_request(message) {
            if matches!(req.body, RequestBody::ForwardOpen(_)) && m.pending.open(key) {
                cx.weird("enip_pending_overflow", None, "ENIP");
            }
        }
        return;
    }
    if !m.pending.opened(key) {
        return;
    }
    let context = cip::ReplyContext {
        request: cip::Target {
            service: code,
            class: Some(6),
            instance: Some(1),
        },
        routed: None,
    };
    let Ok((_, reply)) = cip::parse_cip_reply_to(message, &context) else {
        return;
    };
    let ResponseBody::ForwardOpen(fo) = reply.body else {
        return;
    };
    // The reply travels from the target: this connection's responder.
    let (origin, target) = (cx.id.orig_h, cx.id.resp_h);
    let uid = cx.id.uid;
    let pair = fo.o_t_connection_id;
    let link = |api_us| IoLink {
        opened_by: uid,
        origin,
        target,
        api_us,
        pair,
    };
    let forgotten = cx
        .shared
        .cip
        .insert(fo.o_t_connection_id, link(fo.o_t_api))
        .saturating_add(cx.shared.cip.insert(fo.t_o_connection_id, link(fo.t_o_api)));
    for _ in 0..forgotten {
        cx.weird("cip_io_links_overflow", None, "ENIP");
    }
}

/// Multiple Service Packet: the packet, with its embedded services.
fn multiple(
    head: &Head,
    r: &mut Reader<'_>,
    seq: u16,
    top: &Path,
    status: Option<Status>,
    cx: &mut Context<'_>,
) -> R<()> {
    let count = r.u16()?;
    let mut offsets =
        Vec::with_capacity(usize::from(count).min(r.d.len().saturating_sub(r.pos) / 2));
    for _ in 0..count {
        offsets.push(r.u16()?);
    }
    let services = r.rest();
    mark(cx, "cip");
    let response = status.is_some();
    let n = usize::from(count & 0xFF);
    let at = |i: usize| services.get(i).copied().unwrap_or(0);
    let embedded = offsets
        .iter()
        .take(n)
        .map(|&off| {
            let loc = usize::from(off.wrapping_sub(count.wrapping_mul(2)).wrapping_sub(2));
            let code = at(loc) & 0x7F;
            if response {
                Embedded::Reply {
                    service: code,
                    general_status: at(loc.saturating_add(2)),
                }
            } else {
                let first = loc.saturating_add(2);
                let words = usize::from(at(loc.saturating_add(1)));
                Embedded::Request {
                    service: code,
                    path: path(
                        services,
                        first,
                        first.saturating_add(words.saturating_mul(2)),
                    ),
                }
            }
        })
        .collect();
    cx.event(Event::Cip(Box::new(Cip {
        head: head.clone(),
        sequence_count: (seq != 0).then_some(seq),
        service: MULTIPLE_SERVICE_PACKET,
        path: (!response).then_some(*top),
        status,
        naming_class: top.class,
        carried: Carried::Multiple(embedded),
    })));
    Ok(())
}
