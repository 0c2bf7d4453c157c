//! The events of an EtherNet/IP message and the state they need: the
//! message is read through the parsers crate's view
//! ([`otwatch_parsers::enip`], the reference's reading, quirks included);
//! this module pairs replies with their requests ([`Pending`]), remembers
//! the I/O connections Forward Opens set up, rate-limits `cip_io.log`
//! ([`IoLimiter`]), and makes the events. A message that runs out of bytes
//! keeps the events made before that point and returns the violation.

use crate::analyzers::Context;
use crate::event::enip::{
    Carried, Cip, Embedded, Encapsulation, Identity, Io, IoLink, Path, Routed, Status,
};
use crate::event::{Event, Head};
use crate::flow::Dir;
use otwatch_parsers::enip::{self as wire, cip as wire_cip};
use std::net::IpAddr;

type R<T> = Result<T, &'static str>;

/// The violation a reading error is reported as: the view only fails by
/// running out of bytes.
const TRUNCATED: &str = "enip_truncated";

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

/// Reads one encapsulation message (a whole delivery) and writes its rows.
pub fn message(head: &Head, data: &[u8], pending: &mut Pending, cx: &mut Context<'_>) -> R<()> {
    let msg = wire::Message::new(data).map_err(|_| TRUNCATED)?;
    let h = *msg.header();
    mark(cx, "enip");
    // What Suricata's `enip.protocol_version` and `enip.capabilities` read.
    let (protocol_version, capabilities) = match msg.body(head.dir == Dir::Resp) {
        wire::Body::RegisterSession(Ok(r)) => (Some(r.protocol_version), None),
        wire::Body::List(mut list) => match list.next() {
            Some(Ok(wire::Item::ListServices(s))) => {
                (Some(s.protocol_version), Some(s.capability_flags))
            }
            _ => (None, None),
        },
        _ => (None, None),
    };
    let record = cx.boxed(Encapsulation {
        head: head.clone(),
        command: h.command,
        length: h.length,
        session_handle: h.session_handle,
        status: h.status,
        sender_context: h.sender_context,
        options: h.options,
        protocol_version,
        capabilities,
    });
    cx.event(Event::Enip(record));
    let mut m = Msg {
        head,
        session: h.session_handle,
        context: h.sender_context,
        pending,
        connection: None,
    };
    let read = match msg.body(head.dir == Dir::Resp) {
        wire::Body::List(list) => items(&mut m, list, cx),
        wire::Body::RegisterSession(r) => r.map(drop).map_err(|_| TRUNCATED),
        wire::Body::SendData(s) => match s {
            Ok(s) => items(&mut m, s.items, cx),
            Err(_) => Err(TRUNCATED),
        },
        wire::Body::Empty | wire::Body::Other(_) => Ok(()),
    };
    // Each delivery is read as one message (as the reference does). One
    // that reads whole but whose length field disagrees with it is a lie
    // or a message split over segments: counted (a cut one already is,
    // as `enip_truncated`).
    let held = msg.data().len();
    if read.is_ok() && usize::from(h.length) != held {
        cx.weird(
            "enip_length_mismatch",
            Some(format!("length {}, {held} bytes", h.length)),
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

/// The events of the CPF items, in order, until the reading fails.
fn items(m: &mut Msg<'_, '_>, items: wire::Items<'_>, cx: &mut Context<'_>) -> R<()> {
    for item in items {
        match item.map_err(|_| TRUNCATED)? {
            wire::Item::ListIdentity(li) => identity(m.head, &li, cx),
            wire::Item::ConnectedAddress(id) => m.connection = Some(id),
            wire::Item::ConnectedData {
                sequence_count,
                message,
            } => cip(m, &message, sequence_count, cx),
            wire::Item::UnconnectedData(message) | wire::Item::UnconnectedDtls { message, .. } => {
                cip(m, &message, 0, cx)
            }
            wire::Item::NullAddress
            | wire::Item::SequencedAddress { .. }
            | wire::Item::Sockaddr { .. }
            | wire::Item::ListServices(_)
            | wire::Item::Info { .. }
            | wire::Item::Unknown { .. } => {}
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
    let d = wire::Datagram::new(data).map_err(|_| TRUNCATED)?;
    let connection_id = d.connection_id();
    mark(cx, "cip");
    if !limit.admit((connection_id, dir == Dir::Orig), cx.ts) {
        *cx.rows_limited = cx.rows_limited.saturating_add(1);
        return Ok(());
    }
    let head = head(number, dir, cx);
    let link = cx
        .shared
        .cip
        .get(cx.id.orig_h, cx.id.resp_h, connection_id)
        .cloned();
    cx.event(Event::CipIo(Box::new(Io {
        head,
        connection_id,
        sequence_number: d.sequence_number(),
        data: d.data().to_vec(),
        link,
    })));
    Ok(())
}

fn identity(head: &Head, li: &wire::ListIdentityItem<'_>, cx: &mut Context<'_>) {
    let id = &li.identity;
    mark(cx, "cip");
    cx.event(Event::CipIdentity(Box::new(Identity {
        head: head.clone(),
        encapsulation_version: li.protocol_version,
        socket_address: IpAddr::V4(li.socket_address.addr),
        socket_port: li.socket_address.port,
        vendor_id: id.vendor_id,
        device_type: id.device_type,
        product_code: id.product_code,
        revision: (id.revision.major, id.revision.minor),
        device_status: id.status,
        serial_number: id.serial_number,
        product_name: id.product_name.to_vec(),
        device_state: li.state,
    })));
}

fn path(p: wire_cip::Path) -> Path {
    Path {
        class: p.class,
        instance: p.instance,
        attribute: p.attribute,
        symbolic: p.symbolic,
        tag: p.tag,
    }
}

fn status(s: wire_cip::Status) -> Status {
    Status {
        general: s.general,
        extended: s.extended,
    }
}

/// One CIP message; a Multiple Service Packet also gives its services.
fn cip(m: &mut Msg<'_, '_>, message: &wire_cip::Message<'_>, seq: u16, cx: &mut Context<'_>) {
    let head = m.head;
    let p = path(message.path());
    let response = message.is_reply();
    let code = message.code();
    let status = message.status().map(status);
    if let Some(multi) = message.multiple() {
        return multiple(head, &multi, seq, &p, status, cx);
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
        let naming = Naming {
            class: p.target_class(),
            routed: message.routed().map(|r| Routed {
                service: r.service,
                path: path(r.path),
            }),
        };
        if let Some(r) = naming.routed {
            carried = Carried::Routed(r);
        }
        if m.pending.request(key, naming) {
            cx.weird("enip_pending_overflow", None, "ENIP");
        }
        p.target_class()
    };
    track_forward_open(m, key, message, cx);
    let attributes = attribute_ids(message.attribute_ids(), cx);
    let record = cx.boxed(Cip {
        head: head.clone(),
        sequence_count: (seq != 0).then_some(seq),
        service: code,
        path: (!response).then_some(p),
        attributes,
        status,
        naming_class: class,
        carried,
    });
    cx.event(Event::Cip(record));
}

/// Remembers the I/O connections a successful Forward Open sets up (on the
/// Connection Manager, sent by the originator of this connection). The
/// request and its reply are typed by the checked form of the message.
fn track_forward_open(
    m: &mut Msg<'_, '_>,
    key: PairKey,
    message: &wire_cip::Message<'_>,
    cx: &mut Context<'_>,
) {
    use wire_cip::{service, Checked, ReplyContext, RequestBody, ResponseBody, Target};
    let code = message.code();
    if code != service::FORWARD_OPEN && code != service::LARGE_FORWARD_OPEN {
        return;
    }
    if !message.is_reply() {
        if let Ok(Checked::Request(req)) = message.check() {
            if matches!(req.body, RequestBody::ForwardOpen(_)) && m.pending.open(key) {
                cx.weird("enip_pending_overflow", None, "ENIP");
            }
        }
        return;
    }
    if !m.pending.opened(key) {
        return;
    }
    let context = ReplyContext {
        request: Target {
            service: code,
            class: Some(6),
            instance: Some(1),
        },
        routed: None,
    };
    let Ok(reply) = message.check_reply_to(&context) else {
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

/// Attribute ids kept per request: a Get_Attribute_List names a few; a
/// hostile one naming 32,767, packed 255 times in a Multiple Service
/// Packet, would make megabytes of event from one message.
const MAX_ATTRIBUTE_IDS: usize = 256;

/// The ids a request names, at most [`MAX_ATTRIBUTE_IDS`]; the cut is a
/// weird.
fn attribute_ids(ids: wire_cip::AttributeIds<'_>, cx: &mut Context<'_>) -> Vec<u16> {
    if ids.len() > MAX_ATTRIBUTE_IDS {
        cx.weird("cip_attribute_ids_capped", None, "ENIP");
    }
    ids.take(MAX_ATTRIBUTE_IDS).collect()
}

/// Multiple Service Packet: the packet, with its embedded services.
fn multiple(
    head: &Head,
    multi: &wire_cip::Multiple<'_>,
    seq: u16,
    top: &Path,
    status: Option<Status>,
    cx: &mut Context<'_>,
) {
    mark(cx, "cip");
    let response = status.is_some();
    let embedded = multi
        .embedded()
        .map(|e| match e {
            wire_cip::Embedded::Request {
                service,
                path: p,
                data,
            } => Embedded::Request {
                service,
                path: path(p),
                attributes: attribute_ids(wire_cip::attribute_ids(service, data), cx),
            },
            wire_cip::Embedded::Reply {
                service,
                general_status,
            } => Embedded::Reply {
                service,
                general_status,
            },
        })
        .collect();
    let record = cx.boxed(Cip {
        head: head.clone(),
        sequence_count: (seq != 0).then_some(seq),
        service: wire_cip::service::MULTIPLE_SERVICE_PACKET,
        path: (!response).then_some(*top),
        attributes: Vec::new(),
        status,
        naming_class: top.class,
        carried: Carried::Multiple(embedded),
    });
    cx.event(Event::Cip(record));
}
