//! `modbus_detailed.log`: one row per transaction, a request and its
//! response merged the way CISA ICSNPP-modbus merges them. The row starts
//! from the message that came first (its time, unit and function) with
//! the fields that message fills on its own; its partner then fills in
//! what ICSNPP's handler for it fills in. Reference quirks are kept and
//! marked "as ICSNPP".

use super::{id_values, names, opt_count, text, ID};
use crate::event::modbus::{
    Content, FileData, FileRecord, Message, Request, Response, Transaction,
};
use crate::event::{ConnId, Dir};
use crate::output::{bytes_text, field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;
use std::borrow::Cow;

/// A row of ICSNPP's `modbus_detailed.log`, borrowing its values from
/// the transaction it is made of (rendering it allocates nothing).
#[derive(Clone, Debug, PartialEq)]
pub struct DetailedRow<'t> {
    pub ts: Ts,
    pub id: &'t ConnId,
    pub tid: u16,
    pub unit: u8,
    /// The function byte (exception bit included).
    pub fc: u8,
    pub address: Option<u64>,
    pub quantity: Option<u64>,
    pub request_values: Option<Counts<'t>>,
    pub response_values: Option<Counts<'t>>,
    pub link_id: Option<&'t str>,
    pub matched: Option<bool>,
    pub request_subfunction_code: Option<u16>,
    pub response_subfunction_code: Option<u16>,
    pub request_data: Option<Vec<u8>>,
    pub response_data: Option<Vec<u8>>,
    pub exception_code: Option<u8>,
    pub mei_type: Option<Cow<'static, str>>,
}

/// The register or coil values of a row, as its messages hold them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Counts<'t> {
    Words(&'t [u16]),
    Bits(&'t [bool]),
    /// The value of a single-coil or single-register write.
    One(u64),
}

impl<'t> Counts<'t> {
    fn value(&self) -> Value<'_> {
        match self {
            Counts::Words(w) => Value::Words(w),
            Counts::Bits(b) => Value::Bits(b),
            Counts::One(v) => Value::CountsRef(std::slice::from_ref(v)),
        }
    }
}

/// ICSNPP's rendering of file records: Zeek's record text, joined.
fn records_text(items: impl Iterator<Item = String>) -> Vec<u8> {
    items.collect::<Vec<_>>().join(" | ").into_bytes()
}

fn read_records_text(records: &[FileData]) -> Vec<u8> {
    records_text(records.iter().map(|r| {
        format!(
            "[file_len={}, ref_type={}, record_data={}]",
            r.data.len().saturating_add(1),
            r.reference_type,
            bytes_text(&r.data)
        )
    }))
}

fn write_records_text(records: &[FileRecord]) -> Vec<u8> {
    records_text(records.iter().map(|r| {
        format!(
            "[ref_type={}, file_num={}, record_num={}, record_len={}, record_data={}]",
            r.reference_type,
            r.file_number,
            r.record_number,
            r.record_length,
            bytes_text(&r.data)
        )
    }))
}

/// Merges ICSNPP's `mei_type` texts of a request and its response.
fn merge_mei(stored: &mut Option<Cow<'static, str>>, new: Cow<'static, str>) {
    match stored {
        Some(s) if !s.is_empty() && *s != new => {
            let mut joined = s.to_string();
            joined.push_str(" and ");
            joined.push_str(&new);
            *s = Cow::Owned(joined);
        }
        Some(_) => {}
        None => *stored = Some(new),
    }
}

/// The address, quantity and values a request gives its row, whether the
/// row starts with it or its response came first.
fn request_fields<'t>(row: &mut DetailedRow<'t>, ev: &'t Request) {
    match ev {
        Request::ReadBits { start, quantity } | Request::ReadRegisters { start, quantity } => {
            row.address = Some(u64::from(*start));
            row.quantity = Some(u64::from(*quantity));
        }
        Request::WriteSingleCoil { address, value } => {
            row.address = Some(u64::from(*address));
            row.quantity = Some(1);
            row.request_values = Some(Counts::One(u64::from(*value)));
        }
        Request::WriteSingleRegister { address, value } => {
            row.address = Some(u64::from(*address));
            row.quantity = Some(1);
            row.request_values = Some(Counts::One(u64::from(*value)));
        }
        Request::WriteMultipleCoils { start, coils } => {
            row.address = Some(u64::from(*start));
            row.quantity = Some(coils.len() as u64);
            row.request_values = Some(Counts::Bits(coils));
        }
        Request::WriteMultipleRegisters { start, registers } => {
            row.address = Some(u64::from(*start));
            row.quantity = Some(registers.len() as u64);
            row.request_values = Some(Counts::Words(registers));
        }
        Request::ReadFileRecord { refs } | Request::WriteFileRecord { refs } => {
            row.quantity = Some(*refs as u64);
        }
        Request::ReadFifo { start } => row.address = Some(u64::from(*start)),
        _ => {}
    }
}

/// A row that starts with a request (it came first).
fn request_first<'t>(row: &mut DetailedRow<'t>, ev: &'t Request) {
    request_fields(row, ev);
    match ev {
        Request::MaskWrite { address, .. } => row.address = Some(u64::from(*address)),
        Request::Diagnostics { sub, data } => {
            row.request_subfunction_code = Some(*sub);
            row.request_data = Some(data.clone());
        }
        Request::Encap { mei, .. } => row.mei_type = Some(names::mei_type_name(*mei, true)),
        _ => {}
    }
}

/// A row that starts with a response (it came first, or alone).
fn response_first<'t>(row: &mut DetailedRow<'t>, ev: &'t Response) {
    match ev {
        Response::ReadBits { bits: b } => {
            row.quantity = Some(b.len() as u64);
            row.response_values = Some(Counts::Bits(b));
        }
        Response::ReadRegisters { registers } => {
            row.quantity = Some(registers.len() as u64);
            row.response_values = Some(Counts::Words(registers));
        }
        Response::WriteSingleCoil { address, value } => {
            row.address = Some(u64::from(*address));
            row.quantity = Some(1);
            row.response_values = Some(Counts::One(u64::from(*value)));
        }
        Response::WriteSingleRegister { address, value } => {
            row.address = Some(u64::from(*address));
            row.quantity = Some(1);
            row.response_values = Some(Counts::One(u64::from(*value)));
        }
        Response::WriteMultiple { start, quantity } => {
            row.address = Some(u64::from(*start));
            row.quantity = Some(u64::from(*quantity));
        }
        // As ICSNPP: a write-file-record response on its own keeps the
        // text only when it is empty (its test is inverted); a read one
        // keeps it when it is not.
        Response::WriteFileRecord { records } if records.is_empty() => {
            row.response_data = Some(Vec::new())
        }
        Response::WriteFileRecord { .. } => {}
        Response::ReadFileRecord { records } => {
            if !records.is_empty() {
                row.response_data = Some(read_records_text(records));
            }
        }
        Response::MaskWrite { address, .. } => row.address = Some(u64::from(*address)),
        Response::ReadWriteMultiple { .. } => {}
        Response::ReadFifo { fifos } => {
            row.quantity = Some(fifos.len() as u64);
            if !fifos.is_empty() {
                row.response_values = Some(Counts::Words(fifos));
            }
        }
        Response::Diagnostics { sub, data } => {
            row.response_subfunction_code = Some(*sub);
            row.response_data = Some(data.clone());
        }
        Response::Encap { mei, .. } => row.mei_type = Some(names::mei_type_name(*mei, false)),
        Response::Exception { code } => row.exception_code = Some(*code),
    }
}

/// A request completing a row its response started.
fn request_after<'t>(row: &mut DetailedRow<'t>, m: &'t Message<Request>) {
    let Some(ev) = m.body.get() else { return };
    request_fields(row, ev);
    match ev {
        // As ICSNPP: these handlers also take the request's unit.
        Request::WriteSingleRegister { .. }
        | Request::WriteMultipleCoils { .. }
        | Request::WriteMultipleRegisters { .. } => row.unit = m.unit,
        Request::Encap { mei, .. } => {
            merge_mei(&mut row.mei_type, names::mei_type_name(*mei, true))
        }
        _ => {}
    }
}

/// A response completing a row its request started.
fn response_after<'t>(row: &mut DetailedRow<'t>, m: &'t Message<Response>) {
    let Some(ev) = m.body.get() else { return };
    match ev {
        Response::ReadBits { bits: b } => {
            let want = row.quantity.unwrap_or(0) as usize;
            let (head, rest) = b.split_at_checked(want).unwrap_or((b, &[]));
            row.response_values = Some(Counts::Bits(head));
            if !rest.is_empty() {
                let rest: Vec<String> = rest.iter().map(|&x| u8::from(x).to_string()).collect();
                row.response_data = Some(rest.join(",").into_bytes());
            }
        }
        Response::ReadRegisters { registers } => {
            row.response_values = Some(Counts::Words(registers))
        }
        Response::WriteSingleCoil { address, value } => {
            row.response_values = Some(Counts::One(u64::from(*value)));
            row.address = Some(u64::from(*address));
            row.quantity = Some(1);
        }
        Response::WriteSingleRegister { value, .. } => {
            row.response_values = Some(Counts::One(u64::from(*value)))
        }
        Response::WriteMultiple { start, quantity } => {
            if m.function == 16 {
                row.quantity = Some(u64::from(*quantity));
                row.address = Some(u64::from(*start));
            }
        }
        Response::ReadFileRecord { records } => {
            if !records.is_empty() {
                row.response_data = Some(read_records_text(records));
            }
        }
        Response::WriteFileRecord { records } => {
            if !records.is_empty() {
                row.response_data = Some(write_records_text(records));
            }
        }
        Response::ReadFifo { fifos } => {
            row.quantity = Some(fifos.len() as u64);
            if !fifos.is_empty() {
                row.response_values = Some(Counts::Words(fifos));
            }
        }
        Response::Diagnostics { sub, data } => {
            row.response_subfunction_code = Some(*sub);
            row.response_data = Some(data.clone());
        }
        Response::Encap { mei, .. } => {
            merge_mei(&mut row.mei_type, names::mei_type_name(*mei, false))
        }
        Response::Exception { code } => row.exception_code = Some(*code),
        Response::MaskWrite { .. } | Response::ReadWriteMultiple { .. } => {}
    }
}

/// The row of a transaction; none when the request's content was refused
/// (ICSNPP's handler never ran for it).
pub fn detailed_row(t: &Transaction) -> Option<DetailedRow<'_>> {
    if matches!(&t.request, Some(m) if m.body == Content::Refused) {
        return None;
    }
    let first = match t.first {
        Dir::Orig => t.request.as_ref().map(|m| (m.ts, m.unit, m.function)),
        Dir::Resp => t.response.as_ref().map(|m| (m.ts, m.unit, m.function)),
    };
    let (ts, unit, fc) = first.unwrap_or_default();
    let mut row = DetailedRow {
        ts,
        id: &t.id,
        tid: t.tid,
        unit,
        fc,
        address: None,
        quantity: None,
        request_values: None,
        response_values: None,
        link_id: t.link.as_deref(),
        matched: t.matched,
        request_subfunction_code: None,
        response_subfunction_code: None,
        request_data: None,
        response_data: None,
        exception_code: None,
        mei_type: None,
    };
    match t.first {
        Dir::Orig => {
            if let Some(ev) = t.request.as_ref().and_then(|m| m.body.get()) {
                request_first(&mut row, ev);
            }
            if let Some(m) = &t.response {
                response_after(&mut row, m);
            }
        }
        Dir::Resp => {
            if let Some(ev) = t.response.as_ref().and_then(|m| m.body.get()) {
                response_first(&mut row, ev);
            }
            if let Some(m) = &t.request {
                request_after(&mut row, m);
            }
        }
    }
    Some(row)
}

static DETAILED_FIELDS: [Field; 21] = [
    ID[0],
    ID[1],
    ID[2],
    ID[3],
    ID[4],
    ID[5],
    field("tid", T::Count),
    field("unit", T::Count),
    field("func", T::String),
    field("address", T::Count),
    field("quantity", T::Count),
    field("request_values", T::VectorCount),
    field("response_values", T::VectorCount),
    field("modbus_detailed_link_id", T::String),
    field("matched", T::Bool),
    field("request_subfunction_code", T::String),
    field("response_subfunction_code", T::String),
    field("request_data", T::String),
    field("response_data", T::String),
    field("exception_code", T::String),
    field("mei_type", T::String),
];

impl LogRecord for DetailedRow<'_> {
    const PATH: &'static str = "modbus_detailed";
    fn fields() -> &'static [Field] {
        &DETAILED_FIELDS
    }
    fn ts(&self) -> Ts {
        self.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        out.push(Value::Time(self.ts));
        id_values(self.id, out);
        out.push(Value::Count(u64::from(self.tid)));
        out.push(Value::Count(u64::from(self.unit)));
        out.push(Value::name(names::func_name(self.fc)));
        out.push(opt_count(self.address));
        out.push(opt_count(self.quantity));
        for values in [&self.request_values, &self.response_values] {
            out.push(values.as_ref().map_or(Value::Unset, Counts::value));
        }
        out.push(self.link_id.map_or(Value::Unset, Value::Ref));
        out.push(self.matched.map(Value::Bool).unwrap_or(Value::Unset));
        let sub = |c: Option<u16>| {
            c.map_or(Value::Unset, |c| {
                text(names::diagnostic_subfunction_name(c))
            })
        };
        out.push(sub(self.request_subfunction_code));
        out.push(sub(self.response_subfunction_code));
        out.push(
            self.request_data
                .as_deref()
                .map_or(Value::Unset, Value::BytesRef),
        );
        out.push(
            self.response_data
                .as_deref()
                .map_or(Value::Unset, Value::BytesRef),
        );
        out.push(
            self.exception_code
                .map_or(Value::Unset, |c| text(names::exception_name(c))),
        );
        out.push(self.mei_type.as_deref().map_or(Value::Unset, Value::Ref));
    }
}
