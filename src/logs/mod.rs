//! The logs, as projections of the event stream: pure functions from an
//! event to the rows of each Zeek / CISA ICSNPP log (and of otwatch's own
//! logs). The names and spellings of the reference tools live here, with
//! the rows that print them; the writers in `crate::output` only know how
//! to write a row.

mod alert;
mod conn;
pub mod enip;
mod head;
pub mod modbus;
mod notice;
pub mod opcua;
mod stats;
mod weird;

pub use head::{head_values, head_values_linked, message_head_fields};

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
        Event::Notice(n) => row(n.as_ref()),
        Event::Alert(a) => row(a.as_ref()),
        Event::Stats(s) => row(s.as_ref()),
        Event::CaptureLoss(c) => row(c.as_ref()),
        Event::ConnStart(_) | Event::ModbusUmas(_) | Event::OpcUaApplication(_) => {}
    }
}
