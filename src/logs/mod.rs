//! The logs, as projections of the event stream: pure functions from an
//! event to the rows of each Zeek / CISA ICSNPP log (and of otwatch's own
//! logs). The names and spellings of the reference tools live here, with
//! the rows that print them; the writers in `crate::output` only know how
//! to write a row.

mod alert;
mod conn;
pub mod enip;
pub mod eve;
mod head;
pub mod modbus;
mod notice;
pub mod opcua;
pub mod profinet;
pub mod s7;
pub mod schema;
mod stats;
mod weird;

pub use head::{conn_values, head_values, head_values_linked, message_head_fields};

use crate::event::Event;
use crate::output::DynLog;

/// Calls `row` with each log row of `e`, in order.
pub fn rows(e: &Event, row: &mut dyn FnMut(&dyn DynLog)) {
    match e {
        Event::Conn(c) => row(c.as_ref()),
        Event::Weird(w) => row(w.as_ref()),
        Event::ModbusHeader(h) => row(h.as_ref()),
        Event::ModbusTransaction(t) => {
            if let Some(r) = modbus::detailed_row(t) {
                row(&r)
            }
        }
        Event::ModbusMaskWrite(m) => row(m.as_ref()),
        Event::ModbusReadWrite(m) => row(m.as_ref()),
        Event::ModbusDeviceId(m) => row(m.as_ref()),
        Event::Enip(m) => row(m.as_ref()),
        Event::Cip(m) => enip::cip_rows(m, &mut |r| row(r)),
        Event::CipIo(m) => row(m.as_ref()),
        Event::CipIdentity(m) => row(m.as_ref()),
        Event::OpcUaMessage(m) => row(m.as_ref()),
        Event::OpcUaRequest(r) => opcua::request_rows(r, row),
        Event::OpcUaResponse(r) => opcua::response_rows(r, row),
        Event::Cotp(c) => row(c.as_ref()),
        Event::S7(p) => s7::pdu_rows(p, row),
        Event::S7Plus(p) => row(p.as_ref()),
        Event::S7Identity(i) => {
            if i.moment == crate::event::s7::Moment::ConnectionEnd && i.component.is_some() {
                row(&s7::KnownDevice(i))
            }
        }
        Event::PnioCm(r) => row(r.as_ref()),
        Event::Dcp(d) => row(d.as_ref()),
        Event::ProfinetRt(s) => row(s.as_ref()),
        Event::Alert(a) => {
            row(&notice::NoticeRow(a));
            row(a.as_ref());
        }
        Event::Stats(s) => row(s.as_ref()),
        Event::CaptureLoss(c) => row(c.as_ref()),
        Event::ConnStart(_)
        | Event::ModbusUmas(_)
        | Event::OpcUaApplication(_)
        | Event::PayloadMatch(_)
        | Event::RuleMatch(_)
        | Event::SpoolLoss(_) => {}
    }
}

/// Asserts that a name the logs write as plain text (`Value::Plain`, no
/// escape scan) needs no escaping in either format.
#[cfg(test)]
pub(crate) fn assert_plain(s: &str) {
    assert!(
        s.bytes()
            .all(|b| b >= 0x20 && b != 0x7f && b != b'"' && b != b'\\'),
        "{s:?}"
    )
}

#[cfg(test)]
mod tests {
    use super::assert_plain;

    /// The names the logs write as `Value::Plain` (no escape scan) need
    /// no escaping, in every table and for every code.
    #[test]
    fn names_written_plain_need_no_escaping() {
        use super::{enip::names as e, modbus::names as m};
        let clean = assert_plain;
        for b in 0..=255u8 {
            clean(&m::func_name(b));
            clean(e::icsnpp_service_name(b));
            clean(&e::status_name(b));
            for class in [
                None,
                Some(0x01),
                Some(0x06),
                Some(0x37),
                Some(0x44),
                Some(0x67),
            ] {
                clean(&e::service_name(class, b));
            }
            clean(&e::service_name(Some(0x6B), b));
            clean(&e::service_name(Some(0x6C), b));
            clean(&e::service_name(Some(0xF3), b));
        }
        for c in 0..=u16::MAX {
            clean(e::command_name(c));
            clean(&e::extended_status_name(c));
            clean(e::class_name(u32::from(c)));
        }
        for s in [0u32, 1, 2, 3, 0x64, 0x65, 0x69, 0x6A, 0x1234, u32::MAX] {
            clean(&e::encap_status_name(s));
        }
    }

    /// otwatch's own logs are documented column by column, in order, in
    /// docs/logs.md.
    #[test]
    fn otwatch_logs_are_documented_in_order() {
        use crate::output::LogRecord;
        let doc = include_str!("../../docs/logs.md");
        for (name, fields) in [
            ("alert", crate::event::Alert::fields()),
            ("notice", super::notice::NoticeRow::fields()),
            ("otwatch_stats", crate::stats::StatsRecord::fields()),
            ("profinet_dcp", crate::event::profinet::Dcp::fields()),
            ("profinet_rt", crate::event::profinet::RtSummary::fields()),
        ] {
            let at = doc
                .find(&format!("### {name}.log"))
                .unwrap_or_else(|| panic!("no section for {name}.log"));
            let section = &doc[at..];
            let section = &section[..section[4..].find("\n### ").map_or(section.len(), |e| e + 4)];
            let mut from = 0;
            for f in fields {
                let cell = format!("| `{}` |", f.name);
                match section[from..].find(&cell) {
                    Some(i) => from += i + cell.len(),
                    None => panic!(
                        "{name}.log: {} missing or out of order in docs/logs.md",
                        f.name
                    ),
                }
            }
        }
    }
}
