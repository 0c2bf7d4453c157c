//! CISA ICSNPP-modbus's request/response pairing: which messages make one
//! transaction (one `modbus_detailed` row), and the messages of the
//! functions it logs message by message (mask write, read/write multiple
//! registers, device identification), reproduced step by step, reference
//! quirks included (they are marked "as ICSNPP"). What a transaction's row
//! shows is the log's business (`crate::logs`); here is only who pairs
//! with whom, when, and which link id ties the rows together.
//!
//! Invariants:
//! - pending requests and responses are keyed by transaction and unit id,
//!   per connection; entries that share a key all wait, in arrival order
//!   (no message is ever dropped for reusing a key);
//! - a message pairs with the oldest waiting partner of its key whose
//!   function is its own, or else with the oldest of its key (first in,
//!   first out per key);
//! - at most [`MAX_PENDING`] entries wait per direction, holding at most
//!   [`MAX_PENDING_BYTES`] together; past either cap the oldest is written
//!   unmatched (counted as `modbus_pending_overflow`);
//! - what is still pending when the connection ends is written with
//!   `matched=F`, requests first, each in arrival order.
//!
//! Deliberate differences:
//! - ICSNPP keys by transaction id alone, so a gateway answering for
//!   several units with reused transaction ids gets its pairs crossed;
//!   here the unit id is part of the key.
//! - ICSNPP keeps one table for all connections and flushes it whenever
//!   any connection ends, which splits a pair when an unrelated connection
//!   ends between request and response; here each connection flushes its
//!   own entries when it ends.
//! - ICSNPP keeps one entry per key: a request that reuses the transaction
//!   and unit id of one still waiting (a client that always sends
//!   transaction id 0 and pipelines, a retry) overwrites it, so the older
//!   request vanishes from the log and from detection, and its response is
//!   paired with the newer request. Here both wait and responses take them
//!   first in, first out. A client that reuses an id cannot tell the
//!   answers apart either: it relies on the server answering in order on
//!   the connection, as servers do in practice, so the first response of a
//!   key answers the first request of that key. Two pipelined requests
//!   answered in order are then both matched; one never answered is
//!   written unmatched when the connection ends (or at a cap). A response
//!   prefers the oldest request of its key with its own function, so an
//!   unanswered request of another function does not shift the pairs
//!   after it; one followed by more requests of the same key and function
//!   does (each of their responses is credited one request early), which
//!   still logs every request and every response.
//! - ICSNPP's Diagnostics request handler fails when the response came
//!   first, which loses the request (the response stays waiting, as
//!   there); here the request is written on its own, unmatched, so it
//!   reaches the log and detection (a Restart Communications Option sent
//!   where the capture saw its answer first is still seen).

use crate::analyzers::{ConnId, Context};
use crate::event::modbus::{
    Content, DeviceId, MaskWrite, Message, MessageHead, ReadWrite, Request, Response, Transaction,
    EXCEPTION_BIT,
};
use crate::event::{Dir, Event};
use crate::flow::key::{mix, Fnv};

/// Most entries waiting for their partner, per direction and connection.
pub const MAX_PENDING: usize = 1024;

/// Most bytes (approximate) the waiting entries of a connection may hold.
pub const MAX_PENDING_BYTES: usize = 1 << 20;

/// The function codes of the messages logged on their own.
const MASK_WRITE_REGISTER: u8 = 0x16;
const READ_WRITE_MULTIPLE_REGISTERS: u8 = 0x17;
const ENCAP_INTERFACE_TRANSPORT: u8 = 0x2B;

/// Approximate memory of a waiting transaction: a row, and 8 bytes per
/// value it lists or byte of data it keeps.
fn cost(t: &Transaction) -> usize {
    let values = |n: usize| n.saturating_mul(8);
    let req = t.request.as_ref().and_then(|m| m.body.get());
    let resp = t.response.as_ref().and_then(|m| m.body.get());
    let held = match req {
        Some(Request::WriteMultipleCoils { coils, .. }) => values(coils.len()),
        Some(Request::WriteMultipleRegisters { registers, .. }) => values(registers.len()),
        Some(Request::WriteSingleCoil { .. } | Request::WriteSingleRegister { .. }) => values(1),
        Some(Request::Diagnostics { data, .. }) => data.len(),
        _ => 0,
    };
    let held = held.saturating_add(match resp {
        Some(Response::ReadBits { bits }) => values(bits.len()),
        Some(Response::ReadRegisters { registers }) => values(registers.len()),
        Some(Response::ReadFifo { fifos }) => values(fifos.len()),
        Some(Response::WriteSingleCoil { .. } | Response::WriteSingleRegister { .. }) => values(1),
        Some(Response::Diagnostics { data, .. }) => data.len(),
        Some(Response::ReadFileRecord { records }) => records.iter().fold(0usize, |n, r| {
            n.saturating_add(r.data.len()).saturating_add(40)
        }),
        _ => 0,
    });
    held.saturating_add(256)
}

/// The function of the one message a waiting transaction holds (without
/// the exception bit).
fn function(t: &Transaction) -> Option<u8> {
    let f = match (&t.request, &t.response) {
        (Some(m), _) => m.function,
        (None, Some(m)) => m.function,
        (None, None) => return None,
    };
    Some(f & !EXCEPTION_BIT)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Waiting {
    Requests,
    Responses,
}

/// Functions ICSNPP pairs (the others get one row per message).
pub fn handled(fc: u8) -> bool {
    matches!(fc, 1..=6 | 8 | 15 | 16 | 20..=24 | 43)
}

type Key = (u16, u8);

#[derive(Debug, Default)]
pub struct Pairing {
    requests: Vec<(Key, Transaction)>,
    responses: Vec<(Key, Transaction)>,
    /// Sum of [`cost`] over both lists.
    bytes: usize,
    links: u64,
}

impl Pairing {
    /// What the unanswered messages hold (their [`cost`]).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Approximate bytes held by waiting records.
    #[cfg(test)]
    pub fn pending_bytes(&self) -> usize {
        self.bytes
    }

    /// A 16-character link id, stable for the connection and message order
    /// (ICSNPP draws random ones; only the linking can be compared).
    fn new_link(&mut self, id: &ConnId) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345678";
        self.links = self.links.wrapping_add(1);
        let mut h = Fnv::default();
        h.bytes(id.uid.as_bytes());
        h.bytes(&self.links.to_be_bytes());
        let mut x = mix(h.0);
        let mut out = String::with_capacity(16);
        for i in 0..16 {
            if i == 8 {
                x = mix(x ^ 0x5bd1_e995);
            }
            let n = CHARS.len() as u64;
            let c = x.checked_rem(n).and_then(|i| CHARS.get(i as usize));
            out.push(c.copied().map_or('0', char::from));
            x = x.checked_div(n).unwrap_or(0);
        }
        out
    }

    fn write(cx: &mut Context<'_>, t: Transaction) {
        let t = cx.boxed(t);
        cx.event(Event::ModbusTransaction(t));
    }

    fn list(&mut self, w: Waiting) -> &mut Vec<(Key, Transaction)> {
        match w {
            Waiting::Requests => &mut self.requests,
            Waiting::Responses => &mut self.responses,
        }
    }

    /// The waiting partner of a message with `key` and function byte
    /// `fc`, taken out with its place in the list: the oldest of the key
    /// with the same function, or else the oldest of the key.
    fn take(&mut self, w: Waiting, key: Key, fc: u8) -> Option<(usize, Transaction)> {
        let fc = fc & !EXCEPTION_BIT;
        let list = self.list(w);
        let i = list
            .iter()
            .position(|(k, t)| *k == key && function(t) == Some(fc))
            .or_else(|| list.iter().position(|(k, _)| *k == key))?;
        let t = list.remove(i).1;
        self.bytes = self.bytes.saturating_sub(cost(&t));
        Some((i, t))
    }

    /// Puts a transaction [`Pairing::take`] took back in its place (a
    /// reference handler failed before completing it): the caps hold, as
    /// it was there before.
    fn put_back(&mut self, w: Waiting, at: usize, key: Key, t: Transaction) {
        self.bytes = self.bytes.saturating_add(cost(&t));
        let list = self.list(w);
        list.insert(at.min(list.len()), (key, t));
    }

    /// Keeps a transaction until its partner comes, behind those of the
    /// same key, within the caps: past them the oldest waiting one is
    /// written unmatched.
    fn store(&mut self, w: Waiting, key: Key, t: Transaction, cx: &mut Context<'_>) {
        let c = cost(&t);
        while self.list(w).len() >= MAX_PENDING
            || (self.bytes.saturating_add(c) > MAX_PENDING_BYTES && !self.list(w).is_empty())
        {
            let (_, mut old) = self.list(w).remove(0);
            self.bytes = self.bytes.saturating_sub(cost(&old));
            old.matched = Some(false);
            Self::write(cx, old);
            cx.weird("modbus_pending_overflow", None, "MODBUS");
        }
        self.bytes = self.bytes.saturating_add(c);
        self.list(w).push((key, t));
    }

    fn head(
        cx: &Context<'_>,
        dir: Dir,
        link: &str,
        tid: u16,
        unit: u8,
        function: u8,
    ) -> MessageHead {
        MessageHead {
            ts: cx.ts,
            id: cx.id.clone(),
            dir,
            link: link.to_string(),
            tid,
            unit,
            function,
        }
    }

    /// A transaction that starts with `first`'s message.
    fn start(cx: &Context<'_>, tid: u16, first: Dir) -> Transaction {
        Transaction {
            id: cx.id.clone(),
            tid,
            request: None,
            response: None,
            first,
            matched: None,
            link: None,
        }
    }

    /// A message of a function ICSNPP has no handler for: one row each.
    pub fn unhandled(&mut self, cx: &mut Context<'_>, dir: Dir, tid: u16, unit: u8, fc: u8) {
        let mut t = Self::start(cx, tid, dir);
        match dir {
            Dir::Orig => {
                t.request = Some(Message {
                    ts: cx.ts,
                    unit,
                    function: fc,
                    body: Content::Unread,
                })
            }
            Dir::Resp => {
                t.response = Some(Message {
                    ts: cx.ts,
                    unit,
                    function: fc,
                    body: Content::Unread,
                })
            }
        }
        Self::write(cx, t);
    }

    /// A request whose content the grammar refused: no row (ICSNPP's
    /// handler never ran), no pairing, but the client sent it.
    pub fn refused(&mut self, cx: &mut Context<'_>, tid: u16, unit: u8, fc: u8) {
        let mut t = Self::start(cx, tid, Dir::Orig);
        t.request = Some(Message {
            ts: cx.ts,
            unit,
            function: fc,
            body: Content::Refused,
        });
        Self::write(cx, t);
    }

    /// An exception response (`fc` with its exception bit).
    pub fn exception(&mut self, cx: &mut Context<'_>, tid: u16, unit: u8, fc: u8, code: u8) {
        let response = Message {
            ts: cx.ts,
            unit,
            function: fc,
            body: Content::Read(Response::Exception { code }),
        };
        match self.take(Waiting::Requests, (tid, unit), fc) {
            Some((_, mut q)) => {
                q.response = Some(response);
                q.matched = Some(true);
                Self::write(cx, q);
            }
            None => {
                let mut t = Self::start(cx, tid, Dir::Resp);
                t.response = Some(response);
                Self::write(cx, t);
            }
        }
    }

    /// A request with its content.
    pub fn request(&mut self, cx: &mut Context<'_>, tid: u16, unit: u8, fc: u8, ev: Request) {
        let (at, pending) = match self.take(Waiting::Responses, (tid, unit), fc) {
            Some((at, p)) => (at, Some(p)),
            None => (0, None),
        };
        // Side-log rows and link ids first, as ICSNPP's handlers do.
        let mut link = None;
        match &ev {
            Request::MaskWrite {
                address,
                and_mask,
                or_mask,
            } => {
                let l = match &pending {
                    Some(p) => p.link.clone().unwrap_or_default(),
                    None => self.new_link(cx.id),
                };
                if pending.is_none() {
                    let head = Self::head(cx, Dir::Orig, &l, tid, unit, MASK_WRITE_REGISTER);
                    cx.event(Event::ModbusMaskWrite(Box::new(MaskWrite {
                        head,
                        address: *address,
                        and_mask: *and_mask,
                        or_mask: *or_mask,
                    })));
                }
                link = Some(l);
            }
            Request::ReadWriteMultiple {
                read_start,
                read_quantity,
                write_start,
                write,
            } => {
                let l = match &pending {
                    Some(p) => p.link.clone().unwrap_or_default(),
                    None => self.new_link(cx.id),
                };
                if pending.is_none() {
                    let head =
                        Self::head(cx, Dir::Orig, &l, tid, unit, READ_WRITE_MULTIPLE_REGISTERS);
                    cx.event(Event::ModbusReadWrite(Box::new(ReadWrite::Request {
                        head,
                        write_start: *write_start,
                        write: write.clone(),
                        read_start: *read_start,
                        read_quantity: *read_quantity,
                    })));
                }
                link = Some(l);
            }
            Request::Encap { mei, data } => {
                let fresh = self.new_link(cx.id);
                let l = match &pending {
                    Some(p) => p.link.clone().unwrap_or(fresh),
                    None => fresh,
                };
                if *mei == 0x0E {
                    if let (Some(&dev), Some(&obj)) = (data.first(), data.get(1)) {
                        let head =
                            Self::head(cx, Dir::Orig, &l, tid, unit, ENCAP_INTERFACE_TRANSPORT);
                        cx.event(Event::ModbusDeviceId(Box::new(DeviceId::Request {
                            head,
                            device_id_code: dev,
                            object_id: obj,
                        })));
                    }
                }
                link = Some(l);
            }
            _ => {}
        }

        let diagnostics = matches!(ev, Request::Diagnostics { .. });
        let linked = matches!(
            ev,
            Request::MaskWrite { .. } | Request::ReadWriteMultiple { .. } | Request::Encap { .. }
        );
        let request = Message {
            ts: cx.ts,
            unit,
            function: fc,
            body: Content::Read(ev),
        };
        match pending {
            Some(mut p) => {
                // As ICSNPP: the diagnostics handler fails half-way when the
                // response came first; the response stays pending and is
                // written unmatched later. ICSNPP loses the request; here
                // it is written on its own, unmatched.
                if diagnostics {
                    self.put_back(Waiting::Responses, at, (tid, unit), p);
                    let mut q = Self::start(cx, tid, Dir::Orig);
                    q.request = Some(request);
                    q.matched = Some(false);
                    Self::write(cx, q);
                    return;
                }
                // The response came first: the request completes it.
                p.request = Some(request);
                p.matched = Some(true);
                Self::write(cx, p);
            }
            None => {
                let mut q = Self::start(cx, tid, Dir::Orig);
                q.request = Some(request);
                if linked {
                    q.link = link;
                }
                self.store(Waiting::Requests, (tid, unit), q, cx);
            }
        }
    }

    /// A (non-exception) response with its content.
    pub fn response(&mut self, cx: &mut Context<'_>, tid: u16, unit: u8, fc: u8, ev: Response) {
        let (at, pending) = match self.take(Waiting::Requests, (tid, unit), fc) {
            Some((at, q)) => (at, Some(q)),
            None => (0, None),
        };
        let mut link = None;
        match &ev {
            Response::MaskWrite {
                address,
                and_mask,
                or_mask,
            } => {
                let l = pending
                    .as_ref()
                    .and_then(|q| q.link.clone())
                    .unwrap_or_default();
                let head = Self::head(cx, Dir::Resp, &l, tid, unit, MASK_WRITE_REGISTER);
                cx.event(Event::ModbusMaskWrite(Box::new(MaskWrite {
                    head,
                    address: *address,
                    and_mask: *and_mask,
                    or_mask: *or_mask,
                })));
                link = Some(l);
            }
            Response::ReadWriteMultiple { registers } => {
                let l = pending
                    .as_ref()
                    .and_then(|q| q.link.clone())
                    .unwrap_or_default();
                let head = Self::head(cx, Dir::Resp, &l, tid, unit, READ_WRITE_MULTIPLE_REGISTERS);
                cx.event(Event::ModbusReadWrite(Box::new(ReadWrite::Response {
                    head,
                    read: registers.clone(),
                })));
                link = Some(l);
            }
            Response::Encap { mei, data } => {
                let fresh = self.new_link(cx.id);
                let l = pending
                    .as_ref()
                    .and_then(|q| q.link.clone())
                    .unwrap_or(fresh);
                if *mei == 0x0E {
                    self.device_objects(cx, tid, unit, &l, data);
                }
                link = Some(l);
            }
            _ => {}
        }

        let bits = match &ev {
            Response::ReadBits { bits } => Some(bits.len() as u64),
            _ => None,
        };
        let linked = matches!(
            ev,
            Response::MaskWrite { .. }
                | Response::ReadWriteMultiple { .. }
                | Response::Encap { .. }
        );
        let response = Message {
            ts: cx.ts,
            unit,
            function: fc,
            body: Content::Read(ev),
        };
        match pending {
            Some(mut q) => {
                // As ICSNPP: a read-bits response shorter than the request
                // asked fails the handler's slice; the request stays
                // pending and is written unmatched later.
                if let Some(bits) = bits {
                    let want = q
                        .request
                        .as_ref()
                        .and_then(|m| m.body.get())
                        .and_then(Request::quantity)
                        .unwrap_or(0);
                    if want > bits {
                        self.put_back(Waiting::Requests, at, (tid, unit), q);
                        return;
                    }
                }
                // The response completes the waiting request.
                q.response = Some(response);
                q.matched = Some(true);
                Self::write(cx, q);
            }
            None => {
                let mut p = Self::start(cx, tid, Dir::Resp);
                p.response = Some(response);
                if linked {
                    p.link = link;
                }
                self.store(Waiting::Responses, (tid, unit), p, cx);
            }
        }
    }

    /// One device-identification event per object of a Read Device
    /// Identification response (data: the bytes after the MEI type).
    fn device_objects(
        &mut self,
        cx: &mut Context<'_>,
        tid: u16,
        unit: u8,
        link: &str,
        data: &[u8],
    ) {
        let (Some(&dev), Some(&conf), Some(&count)) = (data.first(), data.get(1), data.get(4))
        else {
            return;
        };
        let mut at = 5usize;
        for _ in 0..count {
            let Some(&[oid, len]) = data.get(at..).and_then(<[u8]>::first_chunk::<2>) else {
                break;
            };
            let start = at.saturating_add(2);
            let Some(value) = data.get(start..start.saturating_add(usize::from(len))) else {
                break;
            };
            let head = Self::head(cx, Dir::Resp, link, tid, unit, ENCAP_INTERFACE_TRANSPORT);
            cx.event(Event::ModbusDeviceId(Box::new(DeviceId::Object {
                head,
                conformity_level: conf,
                device_id_code: dev,
                object_id: oid,
                value: value.to_vec(),
            })));
            at = start.saturating_add(usize::from(len));
        }
    }

    /// End of the connection: what never found its partner is written
    /// unmatched, requests first.
    pub fn flush(&mut self, cx: &mut Context<'_>) {
        self.bytes = 0;
        for (_, mut t) in self.requests.drain(..).chain(self.responses.drain(..)) {
            t.matched = Some(false);
            let t = cx.boxed(t);
            cx.event(Event::ModbusTransaction(t));
        }
    }
}
