//! Call rows (`opcua_binary_call`, otwatch's own log: the reference does
//! not log Call): one row per method called, with the object, the method
//! and the input arguments, and one row per result, with its status and
//! output arguments. The two halves join through `opcua_binary`'s link
//! ids and `call_index`.

use super::super::row::{count, Log, Row};
use super::super::value;
use crate::analyzers::{message_head_fields, MessageHead};
use crate::output::{field, FieldType as T, Value};
use otwatch_parsers::opcua::services::{CallRequest, CallResponse};
use otwatch_parsers::opcua::status::StatusCode;
use otwatch_parsers::opcua::Variant;

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

pub static CALL: Log = Log {
    path: "opcua_binary_call",
    fields: &CALL_FIELDS,
};

/// Arguments as `Type value` items joined by `; ` (at most
/// [`value::MAX_ELEMENTS`], the rest counted); unset when there are none.
fn arguments(args: &[Variant<'_>]) -> Value<'static> {
    if args.is_empty() {
        return Value::Unset;
    }
    let mut items: Vec<String> = args
        .iter()
        .take(value::MAX_ELEMENTS)
        .map(|a| match value::columns(a) {
            (Value::Ref(t), Value::Str(v)) => format!("{t} {v}"),
            (Value::Str(t), Value::Str(v)) => format!("{t} {v}"),
            _ => "Null".to_string(),
        })
        .collect();
    if args.len() > value::MAX_ELEMENTS {
        items.push(format!(
            "...(+{})",
            args.len().saturating_sub(value::MAX_ELEMENTS)
        ));
    }
    Value::Str(items.join("; "))
}

pub fn call_request(head: &MessageHead, b: &CallRequest<'_>, out: &mut Vec<Row>) {
    for (i, m) in b.methods_to_call.iter().enumerate() {
        let mut r = Row::new(&CALL, head, &head.link);
        r.push(count(i as u64))
            .push(Value::Str(m.object_id.node_id.to_string()))
            .push(Value::Str(m.method_id.node_id.to_string()))
            .push(arguments(&m.input_arguments));
        out.push(r);
    }
}

pub fn call_response(head: &MessageHead, b: &CallResponse<'_>, out: &mut Vec<Row>) {
    for (i, res) in b.results.iter().enumerate() {
        let code = StatusCode(res.status_code);
        let mut r = Row::new(&CALL, head, &head.link);
        r.push(count(i as u64))
            .unset(3)
            .push(Value::Str(format!("0x{:08x}", res.status_code)))
            .push(code.name().map_or(Value::Unset, Value::Ref))
            .push(if res.input_argument_results.is_empty() {
                Value::Unset
            } else {
                Value::Str(
                    res.input_argument_results
                        .iter()
                        .map(|&c| {
                            StatusCode(c)
                                .name()
                                .map_or_else(|| format!("0x{c:08x}"), str::to_string)
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                )
            })
            .push(arguments(&res.output_arguments));
        out.push(r);
    }
}
