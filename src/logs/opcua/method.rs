//! Call rows (`opcua_binary_call`, otwatch's own log: the reference does
//! not log Call): one row per method called, with the object, the method
//! and the input arguments, and one row per result, with its status and
//! output arguments. The two halves join through `opcua_binary`'s link
//! ids and `call_index`.

use super::row::{count, name, status_hex, Log, Rows};
use super::status_names::status_name;
use super::value::arguments;
use crate::event::opcua::{CallRequest, CallResponse};
use crate::logs::message_head_fields;
use crate::output::{field, FieldType as T, Value};

crate::columns_after!(
    CALL_FIELDS,
    message_head_fields("opcua_link_id"),
    12,
    [
        field("call_index", T::Count),
        field("object_id", T::String),
        field("method_id", T::String),
        field("input_arguments", T::String),
        field("status_code", T::String),
        field("status", T::String),
        field("input_argument_results", T::String),
        field("output_arguments", T::String),
    ]
);

static CALL: Log = Log {
    path: "opcua_binary_call",
    fields: &CALL_FIELDS,
};

pub fn call_request<'e>(rows: &mut Rows<'e, '_>, b: &'e CallRequest) {
    for (i, m) in b.methods_to_call.iter().enumerate() {
        rows.start()
            .push(count(i as u64))
            .push(Value::Str(m.object_id.node_id.to_string()))
            .push(Value::Str(m.method_id.node_id.to_string()))
            .push(arguments(&m.input_arguments));
        rows.emit_message(&CALL);
    }
}

pub fn call_response<'e>(rows: &mut Rows<'e, '_>, b: &'e CallResponse) {
    for (i, res) in b.results.iter().enumerate() {
        rows.start()
            .push(count(i as u64))
            .unset(3)
            .push(status_hex(res.status_code))
            .push(name(status_name(res.status_code)))
            .push(if res.input_argument_results.is_empty() {
                Value::Unset
            } else {
                Value::Str(
                    res.input_argument_results
                        .iter()
                        .map(|&c| {
                            status_name(c).map_or_else(|| format!("0x{c:08x}"), str::to_string)
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                )
            })
            .push(arguments(&res.output_arguments));
        rows.emit_message(&CALL);
    }
}

/// This module's logs (for their schemas).
pub(super) static LOGS: [&Log; 1] = [&CALL];
