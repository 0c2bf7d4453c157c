//! The S7 logs of CISA ICSNPP-s7comm (`cotp.log`, `s7comm.log`,
//! `s7comm_read_szl.log`, `s7comm_upload_download.log`,
//! `s7comm_plus.log`, `s7comm_known_devices.log`), columns in the
//! reference's order (docs/logs.md), projected from the S7 events. Every
//! row starts with the connection and the message's sender and receiver;
//! these logs have no message id.

pub mod names;

use super::head::{message_head_fields, sent_values};
use crate::event::s7::{Cotp, Identity, Parameter, Pdu, Plus, Sent, Transfer, Userdata};
use crate::output::{field, DynLog, Field, FieldType as T, LogRecord, Sink, Value};
use crate::time::Ts;

/// The S7 logs and their columns (for their schemas).
pub(crate) fn logs() -> [(&'static str, &'static [Field]); 6] {
    [
        (Cotp::PATH, <Cotp as LogRecord>::fields()),
        (Pdu::PATH, <Pdu as LogRecord>::fields()),
        (SzlRow::PATH, <SzlRow as LogRecord>::fields()),
        (TransferRow::PATH, <TransferRow as LogRecord>::fields()),
        (Plus::PATH, <Plus as LogRecord>::fields()),
        (KnownDevice::PATH, <KnownDevice as LogRecord>::fields()),
    ]
}

/// The message head without its id column.
const HEAD: [Field; 12] = message_head_fields("");

fn hex(value: impl Into<u64>, digits: u8) -> Value<'static> {
    Value::Hex {
        value: value.into(),
        digits,
    }
}

fn head<'a>(s: &'a Sent, out: &mut dyn Sink<'a>) {
    sent_values(s.ts, &s.id, s.dir, out);
}

/// Calls `row` with the rows of an S7comm PDU: its `s7comm.log` row, and
/// its Read SZL or upload/download row.
pub fn pdu_rows(p: &Pdu, row: &mut dyn FnMut(&dyn DynLog)) {
    row(p);
    match &p.parameter {
        Parameter::Userdata(u) => {
            if let Some(szl) = u.szl {
                row(&SzlRow {
                    pdu: p,
                    userdata: u,
                    szl,
                });
            }
        }
        Parameter::Function {
            code,
            transfer: Some(t),
            ..
        } => row(&TransferRow {
            pdu: p,
            function: *code,
            transfer: t,
        }),
        Parameter::Function { .. } | Parameter::None => {}
    }
}

crate::columns_after!(
    COTP_FIELDS,
    HEAD,
    11,
    [field("pdu_code", T::String), field("pdu_name", T::String)]
);

/// A row of `cotp.log`: one TPDU.
impl LogRecord for Cotp {
    const PATH: &'static str = "cotp";
    fn fields() -> &'static [Field] {
        &COTP_FIELDS
    }
    fn ts(&self) -> Ts {
        self.sent.ts
    }
    fn values<'a>(&'a self, out: &mut dyn Sink<'a>) {
        head(&self.sent, out);
        let code = self.pdu_type >> 4;
        out.push(hex(code, 2));
        out.push(Value::name(names::cotp_pdu_name(code)));
    }
}

crate::columns_after!(
    S7COMM_FIELDS,
    HEAD,
    11,
    [
        field("rosctr_code", T::Count),
        field("rosctr_name", T::String),
        field("pdu_reference", T::Count),
        field("function_code", T::String),
        field("function_name", T::String),
        field("subfunction_code", T::String),
        field("subfunction_name", T::String),
        field("error_class", T::String),
        field("error_code", T::String),
    ]
);

/// A Userdata function's name as ICSNPP prints it: the type, then the
/// group.
fn userdata_function(u: &Userdata) -> String {
    let kind = match u.kind() {
        0x4 => "Request: ",
        0x8 => "Response: ",
        0x0 => "Push: ",
        _ => "Unknown: ",
    };
    [kind, names::userdata_group_name(u.group())].concat()
}

/// A row of `s7comm.log`: one PDU.
impl LogRecord for Pdu {
    const PATH: &'static str = "s7comm";
    fn fields() -> &'static [Field] {
        &S7COMM_FIELDS
    }
    fn ts(&self) -> Ts {
        self.sent.ts
    }
    fn values<'a>(&'a self, out: &mut dyn Sink<'a>) {
        head(&self.sent, out);
        out.push(Value::Count(u64::from(self.rosctr)));
        out.push(Value::Plain(names::rosctr_name(self.rosctr)));
        out.push(Value::Count(u64::from(self.pdu_reference)));
        let mut error = self.error.map(|(class, code)| (class, u16::from(code)));
        match &self.parameter {
            Parameter::None => {
                out.push(Value::Unset);
                out.push(Value::Unset);
                out.push(Value::Unset);
                out.push(Value::Unset);
            }
            Parameter::Function {
                code, pi_service, ..
            } => {
                out.push(hex(*code, 2));
                out.push(Value::Plain(names::function_name(*code)));
                match pi_service {
                    // A PLC Control job: its PI service in the subfunction
                    // columns.
                    Some(pi) if *code == 0x28 && self.rosctr == 1 => {
                        out.push(Value::BytesRef(pi));
                        out.push(Value::Plain(names::pi_service_name(pi)));
                    }
                    _ => {
                        out.push(Value::Unset);
                        out.push(Value::Unset);
                    }
                }
            }
            Parameter::Userdata(u) => {
                out.push(hex(u.type_group, 2));
                out.push(Value::Str(userdata_function(u)));
                out.push(hex(u.subfunction, 2));
                out.push(
                    names::subfunction(u.group(), u.subfunction).map_or(Value::Unset, Value::Plain),
                );
                // A response's data unit error code, shown in the error
                // columns as ICSNPP does (as error class 0xFE).
                if let Some(code) = u.error_code {
                    error = Some((0xFE, code));
                }
            }
        }
        match error {
            None => {
                out.push(Value::Unset);
                out.push(Value::Unset);
            }
            Some((0xFE, 0)) => {
                out.push(Value::name(names::error_class_name(0)));
                out.push(hex(0u8, 2));
            }
            Some((0xFE, code)) => {
                out.push(Value::Plain("Parameter Error"));
                out.push(hex(code, 2));
            }
            Some((class, code)) => {
                out.push(Value::name(names::error_class_name(class)));
                out.push(hex(code, 2));
            }
        }
    }
}

crate::columns_after!(
    SZL_FIELDS,
    HEAD,
    11,
    [
        field("pdu_reference", T::Count),
        field("method", T::String),
        field("szl_id", T::String),
        field("szl_id_name", T::String),
        field("szl_index", T::String),
        field("return_code", T::String),
        field("return_code_name", T::String),
    ]
);

/// A row of `s7comm_read_szl.log`: a Read SZL request or answer.
#[derive(Debug)]
pub struct SzlRow<'e> {
    pdu: &'e Pdu,
    userdata: &'e Userdata,
    szl: crate::event::s7::Szl,
}

impl LogRecord for SzlRow<'_> {
    const PATH: &'static str = "s7comm_read_szl";
    fn fields() -> &'static [Field] {
        &SZL_FIELDS
    }
    fn ts(&self) -> Ts {
        self.pdu.sent.ts
    }
    fn values<'a>(&'a self, out: &mut dyn Sink<'a>) {
        head(&self.pdu.sent, out);
        out.push(Value::Count(u64::from(self.pdu.pdu_reference)));
        out.push(Value::Plain(names::method_name(self.userdata.method)));
        out.push(hex(self.szl.id, 4));
        out.push(Value::Plain(names::szl_name(self.szl.id as u8)));
        out.push(hex(self.szl.index, 4));
        out.push(hex(self.szl.return_code, 2));
        out.push(Value::Plain(names::return_code_name(self.szl.return_code)));
    }
}

crate::columns_after!(
    TRANSFER_FIELDS,
    HEAD,
    11,
    [
        field("rosctr", T::String),
        field("pdu_reference", T::Count),
        field("function_name", T::String),
        field("function_status", T::String),
        field("session_id", T::Count),
        field("blocklength", T::Count),
        field("filename", T::String),
        field("block_type", T::String),
        field("block_number", T::String),
        field("destination_filesystem", T::String),
    ]
);

/// A row of `s7comm_upload_download.log`: an upload or download job or
/// acknowledgement.
#[derive(Debug)]
pub struct TransferRow<'e> {
    pdu: &'e Pdu,
    function: u8,
    transfer: &'e Transfer,
}

impl LogRecord for TransferRow<'_> {
    const PATH: &'static str = "s7comm_upload_download";
    fn fields() -> &'static [Field] {
        &TRANSFER_FIELDS
    }
    fn ts(&self) -> Ts {
        self.pdu.sent.ts
    }
    fn values<'a>(&'a self, out: &mut dyn Sink<'a>) {
        let t = self.transfer;
        head(&self.pdu.sent, out);
        out.push(Value::Plain(names::rosctr_name(self.pdu.rosctr)));
        out.push(Value::Count(u64::from(self.pdu.pdu_reference)));
        out.push(Value::Plain(names::function_name(self.function)));
        out.push(t.status.map_or(Value::Unset, |s| hex(s, 2)));
        out.push(
            t.session_id
                .map_or(Value::Unset, |s| Value::Count(u64::from(s))),
        );
        out.push(t.block_length.map_or(Value::Unset, Value::Count));
        match t.filename.as_deref() {
            Some(name) if !name.is_empty() => {
                out.push(Value::BytesRef(name));
                // `_` or `$`, the block type in two hex digits, the block
                // number in five digits, the file system.
                let part = |from: usize, to: usize| name.get(from..to).unwrap_or_default();
                out.push(Value::Plain(names::block_type_name(part(1, 3))));
                out.push(Value::BytesRef(part(3, 8)));
                out.push(Value::Plain(names::filesystem_name(part(8, 9))));
            }
            _ => {
                for _ in 0..4 {
                    out.push(Value::Unset);
                }
            }
        }
    }
}

crate::columns_after!(
    PLUS_FIELDS,
    HEAD,
    11,
    [
        field("version", T::Count),
        field("opcode", T::String),
        field("opcode_name", T::String),
        field("function_code", T::String),
        field("function_name", T::String),
    ]
);

/// A row of `s7comm_plus.log`: one S7comm-plus PDU's header.
impl LogRecord for Plus {
    const PATH: &'static str = "s7comm_plus";
    fn fields() -> &'static [Field] {
        &PLUS_FIELDS
    }
    fn ts(&self) -> Ts {
        self.sent.ts
    }
    fn values<'a>(&'a self, out: &mut dyn Sink<'a>) {
        head(&self.sent, out);
        out.push(Value::Count(u64::from(self.version)));
        match self.opcode {
            Some(op) => {
                out.push(hex(op, 2));
                out.push(Value::name(names::plus_opcode_name(op)));
            }
            None => {
                out.push(Value::Unset);
                out.push(Value::Unset);
            }
        }
        match self.function {
            Some(f) => {
                out.push(hex(f, 4));
                out.push(Value::name(names::plus_function_name(f)));
            }
            None => {
                out.push(Value::Unset);
                out.push(Value::Unset);
            }
        }
    }
}

crate::columns_after!(
    KNOWN_FIELDS,
    HEAD,
    11,
    [
        field("automation_system_name", T::String),
        field("module_name", T::String),
        field("plant_name", T::String),
        field("module_serial", T::String),
    ]
);

/// A row of `s7comm_known_devices.log`: what a connection's SZL answers
/// of component identification named, written when the connection ends
/// (as ICSNPP does; the message columns are unset).
#[derive(Debug)]
pub struct KnownDevice<'e>(pub &'e Identity);

impl LogRecord for KnownDevice<'_> {
    const PATH: &'static str = "s7comm_known_devices";
    fn fields() -> &'static [Field] {
        &KNOWN_FIELDS
    }
    fn ts(&self) -> Ts {
        self.0.sent.ts
    }
    fn values<'a>(&'a self, out: &mut dyn Sink<'a>) {
        let s = &self.0.sent;
        super::conn_values(s.ts, &s.id, out);
        for _ in 0..5 {
            out.push(Value::Unset);
        }
        let c = self.0.component.as_ref();
        for v in [
            c.and_then(|c| c.system_name.as_deref()),
            c.and_then(|c| c.module_name.as_deref()),
            c.and_then(|c| c.plant_id.as_deref()),
            c.and_then(|c| c.serial.as_deref()),
        ] {
            out.push(v.map_or(Value::Unset, Value::Ref));
        }
    }
}
