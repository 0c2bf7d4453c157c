//! CISA ICSNPP-modbus's request/response pairing and its logs
//! (`modbus_detailed`, `modbus_mask_write_register`,
//! `modbus_read_write_multiple_registers`,
//! `modbus_read_device_identification`), reproduced field by field,
//! reference quirks included (they are marked "as ICSNPP").
//!
//! Invariants:
//! - pending requests and responses are keyed by transaction and unit id,
//!   per connection; a new entry replaces an old one with the same key;
//! - at most [`MAX_PENDING`] entries wait per direction, holding at most
//!   [`MAX_PENDING_BYTES`] together; past either cap the oldest is written
//!   unmatched (counted as `modbus_pending_overflow`);
//! - what is still pending when the connection ends is written with
//!   `matched=F`, requests first, each in arrival order.
//!
//! Deliberate differences: ICSNPP keys by transaction id alone, so a
//! gateway answering for several units with reused transaction ids gets
//! its pairs crossed; here the unit id is part of the key. And ICSNPP keeps
//! one table for all connections and flushes it whenever any connection
//! ends, which splits a pair when an unrelated connection ends between
//! request and response; here each connection flushes its own entries when
//! it ends.

use super::device_id::{conformity_level, object_name, read_object_name};
use super::events::{Req, Resp};
use super::logs::{DetailedRecord, DeviceIdRecord, MaskWriteRecord, MessageHead, ReadWriteRecord};
use crate::analyzers::{ConnId, Context};
use crate::flow::key::{mix, Fnv};
use crate::time::Ts;
use otwatch_parsers::modbus::names;

/// Most entries waiting for their partner, per direction and connection.
pub const MAX_PENDING: usize = 1024;

/// Most bytes (approximate) the waiting entries of a connection may hold.
pub const MAX_PENDING_BYTES: usize = 1 << 20;

/// Approximate memory of a pending record.
fn cost(r: &DetailedRecord) -> usize {
    let v = |x: &Option<Vec<u64>>| x.as_ref().map_or(0, |v| v.len().saturating_mul(8));
    let b = |x: &Option<Vec<u8>>| x.as_ref().map_or(0, Vec::len);
    [
        v(&r.request_values),
        v(&r.response_values),
        b(&r.request_data),
        b(&r.response_data),
    ]
    .into_iter()
    .fold(256usize, usize::saturating_add)
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

#[derive(Debug, Default)]
pub struct Pairing {
    requests: Vec<((u16, u8), DetailedRecord)>,
    responses: Vec<((u16, u8), DetailedRecord)>,
    /// Sum of [`cost`] over both lists.
    bytes: usize,
    links: u64,
}

type Key = (u16, u8);

impl Pairing {
    /// What the unanswered messages hold (their [`cost`]).
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

fn bits(b: &[bool]) -> Vec<u64> {
    b.iter().map(|&x| u64::from(x)).collect()
}

fn words(w: &[u16]) -> Vec<u64> {
    w.iter().map(|&x| u64::from(x)).collect()
}

/// The address, quantity and values a request gives its detailed row,
/// whether the row starts with it or its response came first.
fn request_fields(row: &mut DetailedRecord, ev: &Req) {
    match ev {
        Req::ReadBits { start, quantity } | Req::ReadRegisters { start, quantity } => {
            row.address = Some(u64::from(*start));
            row.quantity = Some(u64::from(*quantity));
        }
        Req::WriteSingleCoil { address, value } => {
            row.address = Some(u64::from(*address));
            row.quantity = Some(1);
            row.request_values = Some(vec![u64::from(*value)]);
        }
        Req::WriteSingleRegister { address, value } => {
            row.address = Some(u64::from(*address));
            row.quantity = Some(1);
            row.request_values = Some(vec![u64::from(*value)]);
        }
        Req::WriteMultipleCoils { start, coils } => {
            row.address = Some(u64::from(*start));
            row.quantity = Some(coils.len() as u64);
            row.request_values = Some(bits(coils));
        }
        Req::WriteMultipleRegisters { start, registers } => {
            row.address = Some(u64::from(*start));
            row.quantity = Some(registers.len() as u64);
            row.request_values = Some(words(registers));
        }
        Req::ReadFileRecord { refs } | Req::WriteFileRecord { refs } => {
            row.quantity = Some(*refs as u64);
        }
        Req::ReadFifo { start } => row.address = Some(u64::from(*start)),
        _ => {}
    }
}

/// Merges ICSNPP's `mei_type` texts of a request and its response.
fn merge_mei(stored: &mut Option<String>, new: String) {
    match stored {
        Some(s) if !s.is_empty() && *s != new => {
            s.push_str(" and ");
            s.push_str(&new);
        }
        Some(_) => {}
        None => *stored = Some(new),
    }
}

impl Pairing {
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

    fn base(ts: Ts, cx: &Context<'_>, tid: u16, unit: u8, fc: u8) -> DetailedRecord {
        DetailedRecord {
            ts,
            id: Some(cx.id.clone()),
            tid,
            unit,
            fc,
            ..DetailedRecord::default()
        }
    }

    fn write(cx: &mut Context<'_>, rec: DetailedRecord) {
        cx.log(Box::new(rec));
    }

    fn list(&mut self, w: Waiting) -> &mut Vec<(Key, DetailedRecord)> {
        match w {
            Waiting::Requests => &mut self.requests,
            Waiting::Responses => &mut self.responses,
        }
    }

    fn take(&mut self, w: Waiting, key: Key) -> Option<DetailedRecord> {
        let list = self.list(w);
        let i = list.iter().position(|(k, _)| *k == key)?;
        let rec = list.remove(i).1;
        self.bytes = self.bytes.saturating_sub(cost(&rec));
        Some(rec)
    }

    /// Keeps a record until its partner comes, within the caps: past them
    /// the oldest waiting record is written unmatched.
    fn store(&mut self, w: Waiting, key: Key, rec: DetailedRecord, cx: &mut Context<'_>) {
        let _ = self.take(w, key);
        let c = cost(&rec);
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
        self.list(w).push((key, rec));
    }

    fn head(
        cx: &Context<'_>,
        is_request: bool,
        link: &str,
        tid: u16,
        unit: u8,
        fc: &'static str,
    ) -> MessageHead {
        MessageHead {
            ts: cx.ts,
            id: cx.id.clone(),
            is_request,
            link_id: link.to_string(),
            tid,
            unit,
            func: fc,
        }
    }

    /// Approximate bytes held by waiting records.
    #[cfg(test)]
    pub fn pending_bytes(&self) -> usize {
        self.bytes
    }

    /// A message of a function ICSNPP has no handler for: one row each.
    pub fn unhandled(&mut self, cx: &mut Context<'_>, tid: u16, unit: u8, fc: u8) {
        let rec = Self::base(cx.ts, cx, tid, unit, fc);
        Self::write(cx, rec);
    }

    /// An exception response.
    pub fn exception(&mut self, cx: &mut Context<'_>, tid: u16, unit: u8, fc: u8, code: u8) {
        let name = names::exception_name(code);
        match self.take(Waiting::Requests, (tid, unit)) {
            Some(mut q) => {
                q.exception_code = Some(name);
                q.matched = Some(true);
                Self::write(cx, q);
            }
            None => {
                let mut rec = Self::base(cx.ts, cx, tid, unit, fc);
                rec.exception_code = Some(name);
                Self::write(cx, rec);
            }
        }
    }

    /// A request with its event.
    pub fn request(&mut self, cx: &mut Context<'_>, tid: u16, unit: u8, fc: u8, ev: &Req) {
        let ts = cx.ts;
        let pending = self.take(Waiting::Responses, (tid, unit));
        // Side-log rows and link ids first, as ICSNPP's handlers do.
        let mut link = None;
        match ev {
            Req::MaskWrite {
                address,
                and_mask,
                or_mask,
            } => {
                let l = match &pending {
                    Some(p) => p.link_id.clone().unwrap_or_default(),
                    None => self.new_link(cx.id),
                };
                if pending.is_none() {
                    let head = Self::head(cx, true, &l, tid, unit, "MASK_WRITE_REGISTER");
                    cx.log(Box::new(MaskWriteRecord {
                        head,
                        address: *address,
                        and_mask: *and_mask,
                        or_mask: *or_mask,
                    }));
                }
                link = Some(l);
            }
            Req::ReadWriteMultiple {
                read_start,
                read_quantity,
                write_start,
                write,
            } => {
                let l = match &pending {
                    Some(p) => p.link_id.clone().unwrap_or_default(),
                    None => self.new_link(cx.id),
                };
                if pending.is_none() {
                    let head = Self::head(cx, true, &l, tid, unit, "READ_WRITE_MULTIPLE_REGISTERS");
                    cx.log(Box::new(ReadWriteRecord {
                        head,
                        write_start_address: Some(u64::from(*write_start)),
                        write_registers: Some(words(write)),
                        read_start_address: Some(u64::from(*read_start)),
                        read_quantity: Some(u64::from(*read_quantity)),
                        read_registers: None,
                    }));
                }
                link = Some(l);
            }
            Req::Encap { mei, data } => {
                let fresh = self.new_link(cx.id);
                let l = match &pending {
                    Some(p) => p.link_id.clone().unwrap_or(fresh),
                    None => fresh,
                };
                if *mei == 0x0E {
                    if let (Some(&dev), Some(&obj)) = (data.first(), data.get(1)) {
                        let head = Self::head(cx, true, &l, tid, unit, "ENCAP_INTERFACE_TRANSPORT");
                        cx.log(Box::new(DeviceIdRecord {
                            head,
                            conformity_level_code: None,
                            conformity_level: None,
                            device_id_code: dev,
                            object_id_code: format!("0x{obj:02x}"),
                            object_id: read_object_name(obj).to_string(),
                            object_value: None,
                        }));
                    }
                }
                link = Some(l);
            }
            _ => {}
        }

        match pending {
            Some(mut p) => {
                // The response came first: the request completes it.
                request_fields(&mut p, ev);
                match ev {
                    // As ICSNPP: these handlers also take the request's unit.
                    Req::WriteSingleRegister { .. }
                    | Req::WriteMultipleCoils { .. }
                    | Req::WriteMultipleRegisters { .. } => p.unit = unit,
                    Req::Diagnostics { .. } => {
                        // As ICSNPP: the handler fails half-way; the response
                        // stays pending and is written unmatched later.
                        self.store(Waiting::Responses, (tid, unit), p, cx);
                        return;
                    }
                    Req::Encap { mei, .. } => {
                        merge_mei(
                            &mut p.mei_type,
                            names::mei_type_name(*mei, true).into_owned(),
                        );
                    }
                    _ => {}
                }
                p.matched = Some(true);
                Self::write(cx, p);
            }
            None => {
                let mut q = Self::base(ts, cx, tid, unit, fc);
                request_fields(&mut q, ev);
                match ev {
                    Req::MaskWrite { address, .. } => {
                        q.address = Some(u64::from(*address));
                        q.link_id = link;
                    }
                    Req::ReadWriteMultiple { .. } => q.link_id = link,
                    Req::Diagnostics { sub, data } => {
                        q.request_subfunction_code =
                            Some(names::diagnostic_subfunction_name(*sub).into_owned());
                        q.request_data = Some(data.clone());
                    }
                    Req::Encap { mei, .. } => {
                        q.mei_type = Some(names::mei_type_name(*mei, true).into_owned());
                        q.link_id = link;
                    }
                    _ => {}
                }
                self.store(Waiting::Requests, (tid, unit), q, cx);
            }
        }
    }

    /// A (non-exception) response with its event.
    pub fn response(&mut self, cx: &mut Context<'_>, tid: u16, unit: u8, fc: u8, ev: &Resp) {
        let ts = cx.ts;
        let pending = self.take(Waiting::Requests, (tid, unit));
        let mut link = None;
        match ev {
            Resp::MaskWrite {
                address,
                and_mask,
                or_mask,
            } => {
                let l = pending
                    .as_ref()
                    .and_then(|q| q.link_id.clone())
                    .unwrap_or_default();
                let head = Self::head(cx, false, &l, tid, unit, "MASK_WRITE_REGISTER");
                cx.log(Box::new(MaskWriteRecord {
                    head,
                    address: *address,
                    and_mask: *and_mask,
                    or_mask: *or_mask,
                }));
                link = Some(l);
            }
            Resp::ReadWriteMultiple { registers } => {
                let l = pending
                    .as_ref()
                    .and_then(|q| q.link_id.clone())
                    .unwrap_or_default();
                let head = Self::head(cx, false, &l, tid, unit, "READ_WRITE_MULTIPLE_REGISTERS");
                cx.log(Box::new(ReadWriteRecord {
                    head,
                    write_start_address: None,
                    write_registers: None,
                    read_start_address: None,
                    read_quantity: None,
                    read_registers: Some(words(registers)),
                }));
                link = Some(l);
            }
            Resp::Encap { mei, data } => {
                let fresh = self.new_link(cx.id);
                let l = pending
                    .as_ref()
                    .and_then(|q| q.link_id.clone())
                    .unwrap_or(fresh);
                if *mei == 0x0E {
                    self.device_objects(cx, tid, unit, &l, data);
                }
                link = Some(l);
            }
            _ => {}
        }

        match pending {
            Some(mut q) => {
                // The response completes the waiting request.
                match ev {
                    Resp::ReadBits { bits: b } => {
                        let want = q.quantity.unwrap_or(0) as usize;
                        if want > b.len() {
                            // As ICSNPP: the slice fails; the request stays
                            // pending and is written unmatched later.
                            self.store(Waiting::Requests, (tid, unit), q, cx);
                            return;
                        }
                        let (head, rest) = b.split_at_checked(want).unwrap_or((b, &[]));
                        q.response_values = Some(bits(head));
                        if !rest.is_empty() {
                            let rest: Vec<String> =
                                rest.iter().map(|&x| u8::from(x).to_string()).collect();
                            q.response_data = Some(rest.join(",").into_bytes());
                        }
                    }
                    Resp::ReadRegisters { registers } => q.response_values = Some(words(registers)),
                    Resp::WriteSingleCoil { address, value } => {
                        q.response_values = Some(vec![u64::from(*value)]);
                        q.address = Some(u64::from(*address));
                        q.quantity = Some(1);
                    }
                    Resp::WriteSingleRegister { value, .. } => {
                        q.response_values = Some(vec![u64::from(*value)])
                    }
                    Resp::WriteMultiple { start, quantity } => {
                        if fc == 16 {
                            q.quantity = Some(u64::from(*quantity));
                            q.address = Some(u64::from(*start));
                        }
                    }
                    Resp::ReadFileRecord { text, .. } | Resp::WriteFileRecord { text, .. } => {
                        if !text.is_empty() {
                            q.response_data = Some(text.clone());
                        }
                    }
                    Resp::ReadFifo { fifos } => {
                        q.quantity = Some(fifos.len() as u64);
                        if !fifos.is_empty() {
                            q.response_values = Some(words(fifos));
                        }
                    }
                    Resp::Diagnostics { sub, data } => {
                        q.response_subfunction_code =
                            Some(names::diagnostic_subfunction_name(*sub).into_owned());
                        q.response_data = Some(data.clone());
                    }
                    Resp::Encap { mei, .. } => {
                        merge_mei(
                            &mut q.mei_type,
                            names::mei_type_name(*mei, false).into_owned(),
                        );
                    }
                    Resp::MaskWrite { .. }
                    | Resp::ReadWriteMultiple { .. }
                    | Resp::Exception { .. } => {}
                }
                q.matched = Some(true);
                Self::write(cx, q);
            }
            None => {
                let mut p = Self::base(ts, cx, tid, unit, fc);
                match ev {
                    Resp::ReadBits { bits: b } => {
                        p.quantity = Some(b.len() as u64);
                        p.response_values = Some(bits(b));
                    }
                    Resp::ReadRegisters { registers } => {
                        p.quantity = Some(registers.len() as u64);
                        p.response_values = Some(words(registers));
                    }
                    Resp::WriteSingleCoil { address, value } => {
                        p.address = Some(u64::from(*address));
                        p.quantity = Some(1);
                        p.response_values = Some(vec![u64::from(*value)]);
                    }
                    Resp::WriteSingleRegister { address, value } => {
                        p.address = Some(u64::from(*address));
                        p.quantity = Some(1);
                        p.response_values = Some(vec![u64::from(*value)]);
                    }
                    Resp::WriteMultiple { start, quantity } => {
                        p.address = Some(u64::from(*start));
                        p.quantity = Some(u64::from(*quantity));
                    }
                    // As ICSNPP: a write-file-record response on its own
                    // keeps the text only when it is empty (its test is
                    // inverted); a read one keeps it when it is not.
                    Resp::WriteFileRecord { text, .. } if text.is_empty() => {
                        p.response_data = Some(Vec::new())
                    }
                    Resp::WriteFileRecord { .. } => {}
                    Resp::ReadFileRecord { text, .. } => {
                        if !text.is_empty() {
                            p.response_data = Some(text.clone());
                        }
                    }
                    Resp::MaskWrite { address, .. } => {
                        p.address = Some(u64::from(*address));
                        p.link_id = link;
                    }
                    Resp::ReadWriteMultiple { .. } => p.link_id = link,
                    Resp::ReadFifo { fifos } => {
                        p.quantity = Some(fifos.len() as u64);
                        if !fifos.is_empty() {
                            p.response_values = Some(words(fifos));
                        }
                    }
                    Resp::Diagnostics { sub, data } => {
                        p.response_subfunction_code =
                            Some(names::diagnostic_subfunction_name(*sub).into_owned());
                        p.response_data = Some(data.clone());
                    }
                    Resp::Encap { mei, .. } => {
                        p.mei_type = Some(names::mei_type_name(*mei, false).into_owned());
                        p.link_id = link;
                    }
                    Resp::Exception { .. } => {}
                }
                self.store(Waiting::Responses, (tid, unit), p, cx);
            }
        }
    }

    /// One device-identification row per object of a Read Device
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
            let head = Self::head(cx, false, link, tid, unit, "ENCAP_INTERFACE_TRANSPORT");
            cx.log(Box::new(DeviceIdRecord {
                head,
                conformity_level_code: Some(format!("0x{conf:02x}")),
                conformity_level: Some(conformity_level(conf).to_string()),
                device_id_code: dev,
                object_id_code: format!("0x{oid:02x}"),
                object_id: object_name(oid).to_string(),
                object_value: Some(value.to_vec()),
            }));
            at = start.saturating_add(usize::from(len));
        }
    }

    /// End of the connection: what never found its partner is written
    /// unmatched, requests first.
    pub fn flush(&mut self, cx: &mut Context<'_>) {
        self.bytes = 0;
        for (_, mut r) in self.requests.drain(..).chain(self.responses.drain(..)) {
            r.matched = Some(false);
            cx.log(Box::new(r));
        }
    }
}
