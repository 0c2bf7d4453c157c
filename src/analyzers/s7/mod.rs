//! The Siemens S7 analyzer: ISO-on-TCP (TPKT, RFC 1006) on TCP 102, its
//! COTP TPDUs, and the S7comm and S7comm-plus PDUs they carry, as the
//! events of `crate::event::s7`, which the logs of CISA ICSNPP-s7comm
//! (`cotp.log`, `s7comm.log`, `s7comm_read_szl.log`,
//! `s7comm_upload_download.log`, `s7comm_plus.log`,
//! `s7comm_known_devices.log`) project.
//!
//! Each direction's stream is cut into TPKT packets by their length
//! field. Every TPDU gives a COTP event; a DT without its end-of-TSDU mark
//! is held and joined with the DTs that follow (up to [`MAX_TSDU`] bytes),
//! and the whole TSDU is read as one S7comm or S7comm-plus PDU. Bytes that
//! do not frame as TPKT (or a gap) drop what the direction holds, and
//! framing starts again at the next bytes that look like a TPKT header.
//!
//! The SZL answers a CPU gives about itself (module identification
//! 0x0011, component identification 0x001C) also give an identity event,
//! which the inventory reads.

use super::{Analyzer, Context};
use crate::event::s7::{
    self as ev, Component, Cotp, Identity, Module, Moment, Pdu, Plus, Sent, Szl, Transfer, Userdata,
};
use crate::event::Event;
use crate::flow::{Dir, PerDir};
use otwatch_parsers::s7::{
    self as p, cotp, plus,
    s7comm::{self, Message, Parameter, UserdataData},
    Payload,
};

/// The ISO-TSAP port (RFC 1006).
pub const PORT: u16 = 102;
/// conn.log service names, as the reference writes them.
pub const COTP: &str = "cotp";
pub const S7COMM: &str = "s7comm";
pub const S7COMM_PLUS: &str = "s7comm-plus";
/// The largest TSDU joined from DT fragments; a longer one is dropped
/// (and reported) up to its last fragment. S7 PDUs are at most the
/// negotiated PDU size (960 bytes on S7-400, 8 KiB on some S7-1500).
pub const MAX_TSDU: usize = 64 << 10;
const WEIRD_SOURCE: &str = "S7COMM";

/// Where a direction's byte stream stands.
#[derive(Debug, Default)]
struct Stream {
    /// Bytes not framed yet (less than one TPKT packet, at most 64 KiB).
    buf: Vec<u8>,
    /// DT fragments of the TSDU in progress.
    tsdu: Vec<u8>,
    /// The TSDU in progress outgrew [`MAX_TSDU`]: its fragments are
    /// skipped until its last one.
    tsdu_dropped: bool,
    /// After a loss: waiting for bytes that start a TPKT packet.
    searching: bool,
    /// The last S7comm-plus PDU had no trailer: the next one continues it.
    plus_continues: bool,
    /// The data unit reference of a long Userdata answer whose next part
    /// is due.
    answer_unit: Option<u8>,
}

/// One connection's S7 state.
#[derive(Debug, Default)]
pub struct S7 {
    streams: PerDir<Stream>,
    /// What the SZL answers said, and who gave them.
    module: Option<Module>,
    component: Option<Component>,
    identified_by: Option<Dir>,
}

impl S7 {
    pub fn new() -> S7 {
        S7::default()
    }

    fn lose(&mut self, dir: Dir) {
        let s = &mut self.streams[dir];
        s.buf = Vec::new();
        s.tsdu = Vec::new();
        s.tsdu_dropped = false;
        s.plus_continues = false;
        s.answer_unit = None;
        s.searching = true;
    }

    /// Handles one framed packet.
    fn packet(&mut self, dir: Dir, packet: p::Packet<'_>, cx: &mut Context<'_>) {
        let tpdu = match packet.cotp {
            Ok(t) => t,
            Err(e) => {
                cx.weird("cotp_invalid_tpdu", Some(e.to_string()), WEIRD_SOURCE);
                return;
            }
        };
        cx.confirm(COTP);
        cx.event(Event::Cotp(Box::new(Cotp {
            sent: sent(dir, cx),
            pdu_type: tpdu.code & 0xF0,
        })));
        let s = &mut self.streams[dir];
        let (eot, data) = match tpdu.body {
            cotp::Body::Data { eot, .. } => (eot, tpdu.user_data),
            // A disconnect ends whatever TSDU was on its way.
            cotp::Body::DisconnectRequest { .. } | cotp::Body::DisconnectConfirm { .. } => {
                s.tsdu = Vec::new();
                s.tsdu_dropped = false;
                return;
            }
            // Other TPDUs carry no S7 user data.
            _ => return,
        };
        let joined = s.tsdu.len().saturating_add(data.len());
        if s.tsdu_dropped || joined > MAX_TSDU {
            if !s.tsdu_dropped {
                s.tsdu = Vec::new();
                s.tsdu_dropped = true;
                cx.weird("s7comm_tsdu_too_long", None, WEIRD_SOURCE);
            }
            // Skipped to the TSDU's end.
            s.tsdu_dropped = !eot;
            return;
        }
        if !eot {
            s.tsdu.extend_from_slice(data);
        } else if s.tsdu.is_empty() {
            // The common case: one DT, one PDU (already read).
            let payload = packet.payload;
            self.pdu(dir, payload, cx);
        } else {
            // The last fragment of a TSDU: the PDU is all of them.
            let mut whole = std::mem::take(&mut s.tsdu);
            whole.extend_from_slice(data);
            self.pdu(dir, p::parse_tsdu(&whole), cx);
        }
    }
}

fn sent(dir: Dir, cx: &Context<'_>) -> Sent {
    Sent {
        ts: cx.ts,
        id: cx.id.clone(),
        dir,
    }
}

impl S7 {
    /// Handles what one whole TSDU carries: an S7comm or S7comm-plus PDU.
    fn pdu(&mut self, dir: Dir, payload: Payload<'_>, cx: &mut Context<'_>) {
        match payload {
            Payload::S7comm(Ok(mut m)) => {
                cx.confirm(S7COMM);
                if self.continues(dir, &m) {
                    // Its data is the list's next entries, not a head.
                    if let s7comm::Data::Userdata(d) = &mut m.data {
                        d.szl = None;
                    }
                }
                message(dir, &m, cx);
                if let s7comm::Data::Userdata(d) = &m.data {
                    if self.identify(dir, d) {
                        cx.event(self.identity(dir, Moment::Answer, cx));
                    }
                }
            }
            Payload::S7comm(Err(e)) => {
                cx.weird("s7comm_invalid_pdu", Some(e.to_string()), WEIRD_SOURCE)
            }
            Payload::S7commPlus(data) => match plus::parse_header(data) {
                Ok(h) => {
                    cx.confirm(S7COMM_PLUS);
                    // A part after the first of a PDU sent in parts
                    // carries data where the first has its opcode and
                    // function.
                    // Keep-alives may come between the parts.
                    let keep_alive = matches!(
                        h.version,
                        plus::VERSION_KEEP_ALIVE | plus::VERSION_EXTENDED_KEEP_ALIVE
                    );
                    let continues = &mut self.streams[dir].plus_continues;
                    let continued = *continues && !keep_alive;
                    if !keep_alive {
                        *continues = !h.trailer;
                    }
                    let (opcode, function) = if continued {
                        (None, None)
                    } else {
                        (h.opcode, h.function)
                    };
                    cx.event(Event::S7Plus(Box::new(Plus {
                        sent: sent(dir, cx),
                        version: h.version,
                        opcode,
                        function,
                    })));
                }
                Err(e) => cx.weird("s7comm_plus_invalid_pdu", Some(e.to_string()), WEIRD_SOURCE),
            },
            Payload::None | Payload::Other(_) | Payload::Fragment(_) => {}
        }
    }
}

/// A name as an event keeps it: at most [`ev::MAX_NAME`] bytes (a longer
/// one is cut, and reported).
fn name(bytes: &[u8], cx: &mut Context<'_>) -> Vec<u8> {
    if bytes.len() > ev::MAX_NAME {
        cx.weird("s7comm_name_too_long", None, WEIRD_SOURCE);
    }
    bytes.get(..ev::MAX_NAME).unwrap_or(bytes).to_vec()
}

fn transfer(t: &s7comm::Transfer<'_>, cx: &mut Context<'_>) -> Transfer {
    Transfer {
        status: t.status,
        session_id: t.session_id,
        filename: t.filename.map(|f| name(f.bytes(), cx)),
        block_length: t
            .extra
            .and_then(|e| std::str::from_utf8(e).ok())
            .and_then(|e| e.trim().parse().ok()),
    }
}

fn message(dir: Dir, m: &Message<'_>, cx: &mut Context<'_>) {
    let parameter = match &m.parameter {
        Parameter::None => ev::Parameter::None,
        Parameter::Userdata(u) => {
            let data = match m.data {
                s7comm::Data::Userdata(d) => Some(d),
                _ => None,
            };
            let szl = data.and_then(|d| {
                d.szl.map(|s| match s {
                    s7comm::Szl::Request { id, index } => Szl {
                        id,
                        index,
                        return_code: d.return_code,
                    },
                    s7comm::Szl::List(l) => Szl {
                        id: l.id,
                        index: l.index,
                        return_code: d.return_code,
                    },
                })
            });
            ev::Parameter::Userdata(Userdata {
                method: u.method,
                type_group: u.type_group,
                subfunction: u.subfunction,
                error_code: u.data_unit.map(|d| d.error_code),
                return_code: data.map(|d| d.return_code),
                szl,
            })
        }
        other => {
            let code = other.function().map_or(0, |f| f.code());
            let (items, transfer_, pi) = match other {
                Parameter::ReadVar(v) | Parameter::WriteVar(v) => (Some(v.item_count), None, None),
                Parameter::RequestDownload(t)
                | Parameter::DownloadBlock(t)
                | Parameter::DownloadEnded(t)
                | Parameter::StartUpload(t)
                | Parameter::Upload(t)
                | Parameter::EndUpload(t) => {
                    let mut t = transfer(t, cx);
                    // An Upload or Download Block answer: the length of
                    // the block part it carries.
                    if let s7comm::Data::Block(b) = m.data {
                        t.block_length = Some(u64::from(b.length));
                    }
                    (None, Some(t), None)
                }
                Parameter::PlcControl(Some(s)) | Parameter::PlcStop(Some(s)) => {
                    (None, None, Some(name(s.name, cx)))
                }
                _ => (None, None, None),
            };
            ev::Parameter::Function {
                code,
                items,
                transfer: transfer_,
                pi_service: pi,
            }
        }
    };
    cx.event(Event::S7(Box::new(Pdu {
        sent: sent(dir, cx),
        rosctr: m.header.rosctr,
        pdu_reference: m.header.pdu_reference,
        error: m.header.error.map(|e| (e.class, e.code)),
        parameter,
    })));
}

/// Text of an SZL field: as sent, without trailing NULs (as the
/// reference keeps it).
fn text(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| i.saturating_add(1));
    String::from_utf8_lossy(bytes.get(..end).unwrap_or_default()).into_owned()
}

fn be16(b: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(..2)?.try_into().ok()?))
}

impl S7 {
    /// Keeps what an SZL answer of module (0x0011) or component (0x001C)
    /// identification says; true when it named something.
    fn identify(&mut self, dir: Dir, d: &UserdataData<'_>) -> bool {
        let Some(s7comm::Szl::List(list)) = d.szl else {
            return false;
        };
        let mut read = false;
        let mut set = |slot: &mut Option<String>, value: Option<String>| {
            if value.is_some() {
                *slot = value;
                read = true;
            }
        };
        // The id's low byte names the list; the high byte the part of it
        // (0x0011 all entries, 0x0111 one, ...).
        match list.id & 0x00FF {
            0x11 => {
                let mut m = self.module.clone().unwrap_or_default();
                for e in list.iter() {
                    // Index, order number (20 bytes), module type, and the
                    // two version words.
                    match (be16(e), e.get(2..22), e.get(24..28)) {
                        (Some(0x0001), Some(mlfb), _) => {
                            set(&mut m.order_number, Some(text(mlfb).trim().to_string()))
                        }
                        // Firmware: 'V' and three numbers.
                        (Some(0x0007), _, Some(&[b'V', major, minor, patch])) => {
                            set(&mut m.firmware, Some(format!("V{major}.{minor}.{patch}")))
                        }
                        _ => {}
                    }
                }
                // Kept only when an entry was read: a list without a
                // usable entry leaves no empty record behind.
                if read {
                    self.module = Some(m);
                }
            }
            0x1C => {
                let mut c = self.component.clone().unwrap_or_default();
                for e in list.iter() {
                    // Names are 24 bytes and 8 reserved; the plant id 32.
                    let field = |n: usize| Some(text(e.get(2..).unwrap_or_default().get(..n)?));
                    match be16(e) {
                        Some(1) => set(&mut c.system_name, field(24)),
                        Some(2) => set(&mut c.module_name, field(24)),
                        Some(3) => set(&mut c.plant_id, field(32)),
                        Some(5) => set(&mut c.serial, field(24)),
                        _ => {}
                    }
                }
                if read {
                    self.component = Some(c);
                }
            }
            _ => {}
        }
        if read {
            self.identified_by = Some(dir);
        }
        read
    }

    /// The identity known so far, as an event.
    fn identity(&self, dir: Dir, moment: Moment, cx: &Context<'_>) -> Event {
        Event::S7Identity(Box::new(Identity {
            sent: sent(dir, cx),
            moment,
            module: self.module.clone(),
            component: self.component.clone(),
        }))
    }

    /// Whether a Userdata answer continues a long answer of this
    /// direction (its parts share a data unit reference; only the first
    /// carries the SZL list's head).
    fn continues(&mut self, dir: Dir, m: &Message<'_>) -> bool {
        let Parameter::Userdata(u) = m.parameter else {
            return false;
        };
        let Some(unit) = u.data_unit.filter(|d| d.reference != 0) else {
            return false;
        };
        let pending = &mut self.streams[dir].answer_unit;
        let continued = *pending == Some(unit.reference);
        *pending = (!unit.is_last()).then_some(unit.reference);
        continued
    }
}

/// Where the first plausible TPKT header in `buf` starts.
fn next_header(buf: &[u8]) -> Option<usize> {
    (0..buf.len()).find(|&i| buf.get(i..).is_some_and(p::tpkt::probe))
}

impl Analyzer for S7 {
    fn on_data(&mut self, dir: Dir, data: &[u8], cx: &mut Context<'_>) {
        let mut buf = std::mem::take(&mut self.streams[dir].buf);
        buf.extend_from_slice(data);
        let mut at = 0;
        if self.streams[dir].searching {
            // Framing starts again at the first byte that starts a
            // plausible TPKT packet.
            match next_header(&buf) {
                Some(i) => {
                    at = i;
                    self.streams[dir].searching = false;
                }
                None => {
                    // Keep the last bytes: they may start a packet.
                    let keep = buf.len().saturating_sub(4);
                    buf.drain(..keep);
                    self.streams[dir].buf = buf;
                    return;
                }
            }
        }
        loop {
            let rest = buf.get(at..).unwrap_or_default();
            if rest.is_empty() {
                break;
            }
            match p::parse_packet(rest) {
                p::Parsed::Complete(packet) => {
                    at = at.saturating_add(packet.consumed);
                    self.packet(dir, packet, cx);
                }
                p::Parsed::NeedMore(_) => break,
                p::Parsed::Invalid(e) => {
                    // Before any TPDU the bytes may be no ISO-on-TCP at all
                    // (a keep-alive byte, another protocol on port 102):
                    // nothing to report, as with the reference's signature.
                    if cx.services.contains(&COTP) && !self.streams[dir].searching {
                        cx.weird("s7comm_lost_sync", Some(e.to_string()), WEIRD_SOURCE);
                    }
                    self.lose(dir);
                    // The next packet may start later in these bytes.
                    match next_header(buf.get(at.saturating_add(1)..).unwrap_or_default()) {
                        Some(i) => {
                            at = at.saturating_add(1).saturating_add(i);
                            self.streams[dir].searching = false;
                        }
                        None => {
                            let keep = buf.len().saturating_sub(4).max(at);
                            buf.drain(..keep);
                            self.streams[dir].buf = buf;
                            return;
                        }
                    }
                }
            }
        }
        buf.drain(..at.min(buf.len()));
        self.streams[dir].buf = buf;
    }

    fn on_gap(&mut self, dir: Dir, _len: u64, _cx: &mut Context<'_>) {
        self.lose(dir);
    }

    fn on_eof(&mut self, cx: &mut Context<'_>) {
        if let Some(dir) = self.identified_by.take() {
            cx.event(self.identity(dir, Moment::ConnectionEnd, cx));
        }
    }

    fn buffered(&self) -> usize {
        [&self.streams.orig, &self.streams.resp]
            .iter()
            .map(|s| s.buf.len().saturating_add(s.tsdu.len()))
            .sum()
    }
}

#[cfg(test)]
mod tests;
