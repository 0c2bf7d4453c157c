//! Read and Write rows: which attributes of which nodes a client reads and
//! writes, and with which values (`opcua_binary_read`, `_read_nodes_to_read`,
//! `_read_results`, `opcua_binary_write`). The `value_type` and `value`
//! columns are otwatch's own, after the reference's.

use super::super::row::{attribute_name, byte, count, node_id, nonempty, time, Links, Log, Row};
use super::super::value;
use super::status::{self, Diagnostics, Source};
use crate::analyzers::{message_head_fields, MessageHead};
use crate::output::{field, FieldType as T, Value};
use otwatch_parsers::opcua::services::{ReadRequest, ReadResponse, WriteRequest, WriteResponse};
use otwatch_parsers::opcua::{DataValue, UaString};

crate::columns_after!(
    READ_FIELDS,
    message_head_fields("opcua_link_id"),
    12,
    [
        field("max_age", T::Count),
        field("timestamps_to_return", T::Count),
        field("timestamps_to_return_str", T::String),
        field("nodes_to_read_link_id", T::String),
        field("read_results_link_id", T::String),
        field("diag_info_link_id", T::String),
    ]
);

pub static READ: Log = Log {
    path: "opcua_binary_read",
    fields: &READ_FIELDS,
};

crate::columns_after!(
    NODES_FIELDS,
    message_head_fields("nodes_to_read_link_id"),
    12,
    [
        field("node_id_encoding_mask", T::String),
        field("node_id_namespace_idx", T::Count),
        field("node_id_numeric", T::Count),
        field("node_id_string", T::String),
        field("node_id_guid", T::String),
        field("node_id_opaque", T::String),
        field("attribute_id", T::Count),
        field("attribute_id_str", T::String),
        field("index_range", T::String),
        field("data_encoding_name_idx", T::Count),
        field("data_encoding_name", T::String),
    ]
);

pub static NODES_TO_READ: Log = Log {
    path: "opcua_binary_read_nodes_to_read",
    fields: &NODES_FIELDS,
};

crate::columns_after!(
    RESULTS_FIELDS,
    message_head_fields("results_link_id"),
    12,
    [
        field("level", T::Count),
        field("data_value_encoding_mask", T::String),
        field("status_code_link_id", T::String),
        field("source_timestamp", T::Time),
        field("source_pico_sec", T::Count),
        field("server_timestamp", T::Time),
        field("server_pico_sec", T::Count),
        field("read_results_variant_metadata_link_id", T::String),
        field("value_type", T::String),
        field("value", T::String),
    ]
);

pub static RESULTS: Log = Log {
    path: "opcua_binary_read_results",
    fields: &RESULTS_FIELDS,
};

crate::columns_after!(
    WRITE_FIELDS,
    message_head_fields("opcua_link_id"),
    12,
    [
        field("node_id_encoding_mask", T::String),
        field("node_id_namespace_idx", T::Count),
        field("node_id_numeric", T::Count),
        field("node_id_string", T::String),
        field("node_id_guid", T::String),
        field("node_id_opaque", T::String),
        field("attribute_id", T::Count),
        field("attribute_id_str", T::String),
        field("index_range", T::String),
        field("data_value_encoding_mask", T::String),
        field("req_status_code_link_id", T::String),
        field("source_timestamp", T::Time),
        field("source_pico_sec", T::Count),
        field("server_timestamp", T::Time),
        field("server_pico_sec", T::Count),
        field("write_results_variant_metadata_link_id", T::String),
        field("res_status_code_link_id", T::String),
        field("diag_info_link_id", T::String),
        field("value_type", T::String),
        field("value", T::String),
    ]
);

pub static WRITE: Log = Log {
    path: "opcua_binary_write",
    fields: &WRITE_FIELDS,
};

fn ttr(n: u32) -> Value<'static> {
    super::super::row::timestamps_to_return(n)
}

fn link_value(l: &Option<String>) -> Value<'static> {
    l.clone().map_or(Value::Unset, Value::Str)
}

/// Index ranges are unset when empty, as in the reference.
fn index_range(s: UaString<'_>) -> Value<'static> {
    nonempty(s)
}

pub fn read_request(
    head: &MessageHead,
    b: &ReadRequest<'_>,
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    let link = (!b.nodes_to_read.is_empty()).then(|| links.next());
    let mut r = Row::new(&READ, head, &head.link);
    r.push(count(b.max_age as u64))
        .push(count(b.timestamps_to_return))
        .push(ttr(b.timestamps_to_return))
        .push(link_value(&link));
    out.push(r);
    let Some(link) = link else { return };
    for n in &b.nodes_to_read {
        let mut r = Row::new(&NODES_TO_READ, head, &link);
        node_id(&mut r, &n.node_id);
        r.push(count(n.attribute_id))
            .push(attribute_name(n.attribute_id))
            .push(index_range(n.index_range))
            .push(count(n.data_encoding.namespace))
            .push(nonempty(n.data_encoding.name));
        out.push(r);
    }
}

/// The DataValue columns shared by read results and written values:
/// encoding byte, status link (and its status row), timestamps.
fn data_value(
    r: &mut Row,
    head: &MessageHead,
    mask: u8,
    v: &DataValue<'_>,
    source: Source,
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    r.push(byte(mask));
    match v.status {
        Some(code) => {
            let l = links.next();
            out.push(status::row(head, &l, source, 0, code));
            r.push(Value::Str(l));
        }
        None => {
            r.push(Value::Unset);
        }
    }
    r.push(v.source_timestamp.map_or(Value::Unset, time))
        .push(v.source_picoseconds.map_or(Value::Unset, count))
        .push(v.server_timestamp.map_or(Value::Unset, time))
        .push(v.server_picoseconds.map_or(Value::Unset, count));
}

fn value_columns(v: &DataValue<'_>) -> (Value<'static>, Value<'static>) {
    v.value
        .as_ref()
        .map_or((Value::Unset, Value::Unset), value::columns)
}

pub fn read_response(
    head: &MessageHead,
    b: &ReadResponse<'_>,
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    let link = (!b.results.is_empty()).then(|| links.next());
    let diag = Diagnostics::new(Source::Read, &b.diagnostic_infos, links);
    let mut r = Row::new(&READ, head, &head.link);
    r.unset(4).push(link_value(&link)).push(diag.link());
    out.push(r);
    if let Some(link) = link {
        for (level, (mask, v)) in b.results.iter().enumerate() {
            let mut r = Row::new(&RESULTS, head, &link);
            r.push(count(level as u64));
            data_value(&mut r, head, *mask, v, Source::Read, links, out);
            let (ty, val) = value_columns(v);
            r.push(Value::Unset).push(ty).push(val);
            out.push(r);
        }
    }
    diag.rows(head, out);
}

pub fn write_request(
    head: &MessageHead,
    b: &WriteRequest<'_>,
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    for w in &b.nodes_to_write {
        let mut r = Row::new(&WRITE, head, &head.link);
        node_id(&mut r, &w.node_id);
        r.push(count(w.attribute_id))
            .push(attribute_name(w.attribute_id))
            .push(index_range(w.index_range));
        data_value(
            &mut r,
            head,
            w.value_mask,
            &w.value,
            Source::Write,
            links,
            out,
        );
        let (ty, val) = value_columns(&w.value);
        r.unset(3).push(ty).push(val);
        out.push(r);
    }
}

pub fn write_response(
    head: &MessageHead,
    b: &WriteResponse<'_>,
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    let link = (!b.results.is_empty()).then(|| links.next());
    let diag = Diagnostics::new(Source::Write, &b.diagnostic_infos, links);
    let mut r = Row::new(&WRITE, head, &head.link);
    r.unset(15).push(link_value(&link)).push(diag.link());
    out.push(r);
    if let Some(link) = &link {
        for code in &b.results {
            out.push(status::row(head, link, Source::Write, 0, *code));
        }
    }
    diag.rows(head, out);
}
