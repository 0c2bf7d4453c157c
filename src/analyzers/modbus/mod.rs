//! The Modbus/TCP analyzer: frames each direction's reassembled stream
//! into ADUs, writes Zeek's `modbus.log` and, through [`icsnpp`], the CISA
//! ICSNPP logs; confirms the `modbus` service.
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

mod events;
mod icsnpp;
mod logs;
mod probe;

#[cfg(test)]
mod tests;

pub use logs::{DetailedRecord, DeviceIdRecord, MaskWriteRecord, ModbusRecord, ReadWriteRecord};
pub use probe::ModbusProbe;

use super::{Analyzer, Context};
use crate::flow::Dir;
use events::Body;
use otwatch_parsers::modbus::{names, parse_mbap, probe, Violations};

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
    dirs: [Framer; 2],
    disabled: bool,
    pairing: icsnpp::Pairing,
}

impl Modbus {
    pub fn new() -> Modbus {
        Modbus::default()
    }

    fn violation(&mut self, dir: Dir, reason: &'static str, cx: &mut Context<'_>) {
        self.dirs[dir.idx()].buf.clear();
        self.dirs[dir.idx()].header_seen = false;
        let f = cx.facts;
        if !f.partial && !f.had_gap && f.payload_bytes <= VIOLATIONS_MATTER_UNTIL {
            // Not Modbus after all: stop looking at this connection.
            self.disabled = true;
            self.dirs = Default::default();
            if !cx.services.contains(&"modbus") {
                cx.weird(
                    "modbus_protocol_violation_not_modbus",
                    Some(reason.to_string()),
                    "MODBUS",
                );
            }
            return;
        }
        cx.weird(reason, None, "MODBUS");
    }

    /// Parses whatever complete ADUs the buffer of `dir` holds.
    fn parse(&mut self, dir: Dir, cx: &mut Context<'_>) {
        let is_request = dir == Dir::Orig;
        loop {
            let f = &mut self.dirs[dir.idx()];
            if f.resync {
                // Find the next plausible header after a gap.
                match (0..f.buf.len()).find(|&i| probe(&f.buf[i..])) {
                    Some(i) => {
                        f.buf.drain(..i);
                        f.resync = false;
                    }
                    None => {
                        let keep = f.buf.len().min(7);
                        let cut = f.buf.len() - keep;
                        f.buf.drain(..cut);
                        return;
                    }
                }
            }
            if f.buf.len() < 8 {
                return;
            }
            let Ok((_, h)) = parse_mbap(&f.buf) else {
                return;
            };
            let fc = f.buf[7];
            if h.protocol_id != 0 {
                return self.violation(dir, "modbus_invalid_protocol_id", cx);
            }
            if h.length < 2 {
                return self.violation(dir, "modbus_invalid_length", cx);
            }
            if !f.header_seen {
                f.header_seen = true;
                self.message(is_request, h.transaction_id, h.unit_id, fc, cx);
            }
            let f = &mut self.dirs[dir.idx()];
            let frame_len = usize::from(h.length) + 6;
            if f.buf.len() < frame_len {
                return;
            }
            let frame: Vec<u8> = f.buf.drain(..frame_len).collect();
            f.header_seen = false;
            let pdu = &frame[7..];
            if is_request {
                match events::request(pdu) {
                    Body::Event(ev, v) => {
                        self.spec_weirds(v, cx);
                        cx.confirm("modbus");
                        self.pairing
                            .request(cx, h.transaction_id, h.unit_id, fc, &ev);
                    }
                    Body::NoEvent(v) => {
                        self.spec_weirds(v, cx);
                        cx.confirm("modbus");
                    }
                    Body::BadDiagnostics => {
                        cx.weird("modbus_diag_invalid_request_data", None, "MODBUS");
                        cx.confirm("modbus");
                    }
                    Body::Violation(reason) => return self.violation(dir, reason, cx),
                }
            } else {
                match events::response(pdu) {
                    Body::Event(events::Resp::Exception { code }, v) => {
                        self.spec_weirds(v, cx);
                        cx.confirm("modbus");
                        cx.log(Box::new(ModbusRecord {
                            ts: cx.ts,
                            id: cx.id.clone(),
                            tid: h.transaction_id,
                            unit: h.unit_id,
                            func: names::func_name(fc).into_owned(),
                            is_request: false,
                            exception: Some(names::exception_name(code).into_owned()),
                        }));
                        self.pairing
                            .exception(cx, h.transaction_id, h.unit_id, fc, code);
                    }
                    Body::Event(ev, v) => {
                        self.spec_weirds(v, cx);
                        cx.confirm("modbus");
                        self.pairing
                            .response(cx, h.transaction_id, h.unit_id, fc, &ev);
                    }
                    Body::NoEvent(v) => {
                        self.spec_weirds(v, cx);
                        cx.confirm("modbus");
                    }
                    Body::BadDiagnostics => cx.confirm("modbus"),
                    Body::Violation(reason) => return self.violation(dir, reason, cx),
                }
            }
        }
    }

    /// The header of a PDU: Zeek's `modbus_message`.
    fn message(&mut self, is_request: bool, tid: u16, unit: u8, fc: u8, cx: &mut Context<'_>) {
        if fc >= 0x80 {
            // Exception responses are logged with their code; an originator
            // PDU with the exception bit set is not logged (as in Zeek).
            return;
        }
        if !icsnpp::handled(fc) {
            self.pairing.unhandled(cx, tid, unit, fc);
        }
        cx.log(Box::new(ModbusRecord {
            ts: cx.ts,
            id: cx.id.clone(),
            tid,
            unit,
            func: names::func_name(fc).into_owned(),
            is_request,
            exception: None,
        }));
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
        self.dirs[dir.idx()].buf.extend_from_slice(data);
        self.parse(dir, cx);
    }

    fn on_gap(&mut self, dir: Dir, _len: u64, _cx: &mut Context<'_>) {
        // The ADU being assembled lost bytes: drop it and look for the next
        // header (the reference keeps filling the broken ADU instead).
        let f = &mut self.dirs[dir.idx()];
        f.buf.clear();
        f.header_seen = false;
        f.resync = true;
    }

    fn on_eof(&mut self, cx: &mut Context<'_>) {
        self.pairing.flush(cx);
    }
}
