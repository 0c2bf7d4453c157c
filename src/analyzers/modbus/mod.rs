//! The Modbus/TCP analyzer: frames each direction's reassembled stream
//! into ADUs, emits each PDU's header (Zeek's `modbus.log`) and, through
//! [`icsnpp`], the transactions and messages of the CISA ICSNPP logs;
//! confirms the `modbus` service.
//!
//! Framing follows Zeek's binpac analyzer, so that the logs match the
//! reference: the 7-byte MBAP header plus the function code are read first
//! (protocol id must be 0, length at least 2) and the `modbus.log` row of
//! a non-exception PDU is written then; the PDU body follows once
//! `length + 6` bytes are in. A malformed header or body is a protocol
//! violation: the rest of the delivered chunk is dropped and parsing
//! restarts with the next chunk. As in Zeek, a violation on a connection
//! seen from its handshake, without gaps, with at most 10 KiB exchanged,
//! stops Modbus analysis of that connection (it is not Modbus); otherwise
//! analysis goes on. After a gap, a partial ADU is dropped and parsing
//! resumes at the next plausible MBAP header.
//!
//! Invariants: each direction buffers at most one ADU (≤ 65,541 bytes);
//! pending transactions are capped (see [`icsnpp::MAX_PENDING`]).

mod icsnpp;
mod pdu;
mod probe;

#[cfg(test)]
mod tests;

pub use probe::ModbusProbe;

use super::{Analyzer, Context};
use crate::event::modbus::{Header, Response, EXCEPTION_BIT};
use crate::event::Event;
use crate::flow::Dir;
use otwatch_parsers::modbus::{parse_mbap, probe, Violations};
use pdu::Body;

/// The TCP port Modbus servers listen on.
pub const PORT: u16 = 502;

/// Zeek stops reporting violations after this much data (DPD's
/// `ignore_violations_after`).
const VIOLATIONS_MATTER_UNTIL: u64 = 10 * 1024;

#[derive(Debug, Default)]
struct Framer {
    buf: Vec<u8>,
    /// The header of the ADU being assembled was seen (and logged).
    header_seen: bool,
    /// After a gap: skip bytes until a plausible MBAP header.
    resync: bool,
}

/// One connection's Modbus analysis.
#[derive(Debug, Default)]
pub struct Modbus {
    dirs: crate::flow::PerDir<Framer>,
    disabled: bool,
    pairing: icsnpp::Pairing,
}

impl Modbus {
    pub fn new() -> Modbus {
        Modbus::default()
    }

    /// A protocol violation: the rest of the chunk is dropped; on a clean
    /// young connection it also ends Modbus analysis.
    fn violation(&mut self, dir: Dir, reason: &'static str, cx: &mut Context<'_>) {
        self.dirs[dir].header_seen = false;
        cx.weird(reason, None, "MODBUS");
        let f = cx.facts;
        if !f.partial && !f.had_gap && f.payload_bytes <= VIOLATIONS_MATTER_UNTIL {
            // As Zeek: not Modbus (or no longer worth trusting); stop.
            self.disabled = true;
            self.dirs = Default::default();
            cx.weird(
                "modbus_analysis_stopped",
                Some(reason.to_string()),
                "MODBUS",
            );
        }
    }

    /// Parses the complete ADUs of `dir`'s buffer, from the front.
    fn parse(&mut self, dir: Dir, cx: &mut Context<'_>) {
        // Work on the buffer outside `self`, consuming by offset, so each
        // byte is moved at most once per delivery.
        let mut buf = std::mem::take(&mut self.dirs[dir].buf);
        let consumed = self.parse_buf(dir, &buf, cx);
        if !self.disabled {
            // A violation drops whatever is left of the delivery.
            let keep_from = consumed.unwrap_or(buf.len());
            buf.drain(..keep_from);
            self.dirs[dir].buf = buf;
        }
    }

    /// Returns how many bytes were used, or `None` after a violation
    /// (everything is dropped).
    fn parse_buf(&mut self, dir: Dir, buf: &[u8], cx: &mut Context<'_>) -> Option<usize> {
        let is_request = dir == Dir::Orig;
        let mut off = 0usize;
        loop {
            let rest = buf.get(off..).unwrap_or_default();
            if self.dirs[dir].resync {
                // Find the next plausible header after a gap.
                match (0..rest.len()).find(|&i| rest.get(i..).is_some_and(probe)) {
                    Some(i) => {
                        off = off.saturating_add(i);
                        self.dirs[dir].resync = false;
                        continue;
                    }
                    None => return Some(off.saturating_add(rest.len().saturating_sub(7))),
                }
            }
            let Some(&fc) = rest.get(7) else {
                return Some(off);
            };
            let Ok((_, h)) = parse_mbap(rest) else {
                return Some(off);
            };
            if h.protocol_id != 0 {
                self.violation(dir, "modbus_invalid_protocol_id", cx);
                return None;
            }
            if h.length < 2 {
                self.violation(dir, "modbus_invalid_length", cx);
                return None;
            }
            if !self.dirs[dir].header_seen {
                self.dirs[dir].header_seen = true;
                self.message(dir, h.transaction_id, h.unit_id, fc, cx);
            }
            let frame_len = usize::from(h.length).saturating_add(6);
            let Some(pdu) = rest.get(7..frame_len) else {
                return Some(off);
            };
            off = off.saturating_add(frame_len);
            self.dirs[dir].header_seen = false;
            if !self.pdu(is_request, h.transaction_id, h.unit_id, fc, pdu, cx) {
                return None;
            }
        }
    }

    /// Handles one PDU body; false on a protocol violation (already reported).
    fn pdu(
        &mut self,
        is_request: bool,
        tid: u16,
        unit: u8,
        fc: u8,
        pdu: &[u8],
        cx: &mut Context<'_>,
    ) -> bool {
        let dir = if is_request { Dir::Orig } else { Dir::Resp };
        if is_request && fc == 0x5A {
            if let Some(&code) = pdu.get(2) {
                cx.event(Event::ModbusUmas(Box::new(crate::event::modbus::Umas {
                    ts: cx.ts,
                    id: cx.id.clone(),
                    unit,
                    code,
                })));
            }
        }
        if is_request {
            match pdu::request(pdu) {
                Body::Content(ev, v) => {
                    self.spec_weirds(v, cx);
                    cx.confirm("modbus");
                    self.pairing.request(cx, tid, unit, fc, ev);
                }
                Body::NoContent(v) => {
                    self.spec_weirds(v, cx);
                    cx.confirm("modbus");
                }
                Body::BadDiagnostics => {
                    cx.weird("modbus_diag_invalid_request_data", None, "MODBUS");
                    cx.confirm("modbus");
                    self.refused(tid, unit, fc, cx);
                }
                Body::Weird(name) => {
                    cx.weird(name, None, "MODBUS");
                    cx.confirm("modbus");
                    self.refused(tid, unit, fc, cx);
                }
                Body::Violation(reason) => {
                    self.refused(tid, unit, fc, cx);
                    self.violation(dir, reason, cx);
                    return false;
                }
            }
        } else {
            match pdu::response(pdu) {
                Body::Content(Response::Exception { code }, v) => {
                    self.spec_weirds(v, cx);
                    cx.confirm("modbus");
                    let h = cx.boxed(Header {
                        ts: cx.ts,
                        id: cx.id.clone(),
                        tid,
                        unit,
                        function: fc,
                        dir: Dir::Resp,
                        exception: Some(code),
                    });
                    cx.event(Event::ModbusHeader(h));
                    self.pairing.exception(cx, tid, unit, fc, code);
                }
                Body::Content(ev, v) => {
                    self.spec_weirds(v, cx);
                    cx.confirm("modbus");
                    self.pairing.response(cx, tid, unit, fc, ev);
                }
                Body::NoContent(v) => {
                    self.spec_weirds(v, cx);
                    cx.confirm("modbus");
                }
                Body::BadDiagnostics => cx.confirm("modbus"),
                Body::Weird(name) => {
                    cx.weird(name, None, "MODBUS");
                    cx.confirm("modbus");
                }
                Body::Violation(reason) => {
                    self.violation(dir, reason, cx);
                    return false;
                }
            }
        }
        true
    }

    /// The header of a PDU: Zeek's `modbus_message`.
    fn message(&mut self, dir: Dir, tid: u16, unit: u8, fc: u8, cx: &mut Context<'_>) {
        if fc & EXCEPTION_BIT != 0 {
            // Exception responses are logged with their code; an originator
            // PDU with the exception bit set is not logged (as in Zeek).
            return;
        }
        if !icsnpp::handled(fc) {
            self.pairing.unhandled(cx, dir, tid, unit, fc);
        }
        let h = cx.boxed(Header {
            ts: cx.ts,
            id: cx.id.clone(),
            tid,
            unit,
            function: fc,
            dir,
            exception: None,
        });
        cx.event(Event::ModbusHeader(h));
    }

    /// A request the grammar refused is still a request (a function the
    /// reference does not pair already made its transaction at its
    /// header).
    fn refused(&mut self, tid: u16, unit: u8, fc: u8, cx: &mut Context<'_>) {
        if icsnpp::handled(fc) {
            self.pairing.refused(cx, tid, unit, fc);
        }
    }

    /// Spec violations the reference ignores are reported as weirds.
    fn spec_weirds(&self, v: Violations, cx: &mut Context<'_>) {
        for name in v.names() {
            cx.weird(name, None, "MODBUS");
        }
    }
}

impl Analyzer for Modbus {
    fn on_data(&mut self, dir: Dir, data: &[u8], cx: &mut Context<'_>) {
        if self.disabled {
            return;
        }
        self.dirs[dir].buf.extend_from_slice(data);
        self.parse(dir, cx);
    }

    fn on_gap(&mut self, dir: Dir, _len: u64, _cx: &mut Context<'_>) {
        // The ADU being assembled lost bytes: drop it and look for the next
        // header (the reference keeps filling the broken ADU instead).
        let f = &mut self.dirs[dir];
        f.buf.clear();
        f.header_seen = false;
        f.resync = true;
    }

    fn on_eof(&mut self, cx: &mut Context<'_>) {
        self.pairing.flush(cx);
    }

    fn buffered(&self) -> usize {
        self.dirs[Dir::Orig]
            .buf
            .len()
            .saturating_add(self.dirs[Dir::Resp].buf.len())
            .saturating_add(self.pairing.bytes())
    }
}
