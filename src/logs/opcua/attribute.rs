//! Read and Write rows: which attributes of which nodes a client reads and
//! writes, and with which values (`opcua_binary_read`, `_read_nodes_to_read`,
//! `_read_results`, `opcua_binary_write`). The `value_type` and `value`
//! columns are otwatch's own, after the reference's.

use super::names::attribute_name;
use super::row::{
    byte, count, name, node_id, nonempty, qualified_name, time, timestamps_to_return, Cells, Log,
    Rows,
};
use super::status::{diagnostics_link, Source};
use super::value;
use crate::event::opcua::{DataValue, ReadRequest, ReadResponse, WriteRequest, WriteResponse};
use crate::id::Id;
use crate::logs::message_head_fields;
use crate::output::{field, FieldType as T, Value};

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

static READ: Log = Log {
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

static NODES_TO_READ: Log = Log {
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

static RESULTS: Log = Log {
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

static WRITE: Log = Log {
    path: "opcua_binary_write",
    fields: &WRITE_FIELDS,
};

fn link(l: &Option<Id>) -> Value<'_> {
    l.as_deref().map_or(Value::Unset, Value::Plain)
}

pub fn read_request<'e>(rows: &mut Rows<'e, '_>, b: &'e ReadRequest) {
    rows.start()
        .push(count(b.max_age as u64))
        .push(count(b.timestamps_to_return))
        .push(timestamps_to_return(b.timestamps_to_return))
        .push(link(&b.nodes_link));
    rows.emit_message(&READ);
    let Some(nodes_link) = &b.nodes_link else {
        return;
    };
    for n in &b.nodes_to_read {
        let r = rows.start();
        node_id(r, &n.node_id);
        // Index ranges are unset when empty, as in the reference.
        r.push(count(n.attribute_id))
            .push(name(attribute_name(n.attribute_id)))
            .push(nonempty(&n.index_range));
        qualified_name(r, &n.data_encoding, false);
        rows.emit(&NODES_TO_READ, nodes_link);
    }
}

/// The DataValue columns shared by read results and written values:
/// encoding byte, status link, timestamps.
fn data_value<'e>(r: &mut Cells<'e>, encoding: u8, v: &'e DataValue, status_link: &'e Option<Id>) {
    r.push(byte(encoding))
        .push(match (v.status, status_link) {
            (Some(_), Some(l)) => Value::Plain(l),
            _ => Value::Unset,
        })
        .push(v.source_timestamp.map_or(Value::Unset, time))
        .push(v.source_picoseconds.map_or(Value::Unset, count))
        .push(v.server_timestamp.map_or(Value::Unset, time))
        .push(v.server_picoseconds.map_or(Value::Unset, count));
}

/// The status row of a DataValue's status, when it has one.
fn status<'e>(rows: &mut Rows<'e, '_>, v: &DataValue, link: &'e Option<Id>, source: Source) {
    if let (Some(code), Some(link)) = (v.status, link) {
        rows.status(link, source, code);
    }
}

fn value_columns(v: &DataValue) -> (Value<'static>, Value<'static>) {
    v.value
        .as_ref()
        .map_or((Value::Unset, Value::Unset), value::columns)
}

pub fn read_response<'e>(rows: &mut Rows<'e, '_>, b: &'e ReadResponse) {
    rows.start()
        .unset(4)
        .push(link(&b.results_link))
        .push(diagnostics_link(&b.diagnostics));
    rows.emit_message(&READ);
    if let Some(results_link) = &b.results_link {
        for (level, res) in b.results.iter().enumerate() {
            status(rows, &res.value, &res.status_link, Source::Read);
            let r = rows.start();
            r.push(count(level as u64));
            data_value(r, res.encoding, &res.value, &res.status_link);
            let (ty, val) = value_columns(&res.value);
            r.push(Value::Unset).push(ty).push(val);
            rows.emit(&RESULTS, results_link);
        }
    }
    rows.diagnostics(Source::Read, &b.diagnostics);
}

pub fn write_request<'e>(rows: &mut Rows<'e, '_>, b: &'e WriteRequest) {
    for w in &b.nodes_to_write {
        status(rows, &w.value, &w.status_link, Source::Write);
        let r = rows.start();
        node_id(r, &w.node_id);
        r.push(count(w.attribute_id))
            .push(name(attribute_name(w.attribute_id)))
            .push(nonempty(&w.index_range));
        data_value(r, w.value_encoding, &w.value, &w.status_link);
        let (ty, val) = value_columns(&w.value);
        r.unset(3).push(ty).push(val);
        rows.emit_message(&WRITE);
    }
}

pub fn write_response<'e>(rows: &mut Rows<'e, '_>, b: &'e WriteResponse) {
    rows.start()
        .unset(15)
        .push(link(&b.results_link))
        .push(diagnostics_link(&b.diagnostics));
    rows.emit_message(&WRITE);
    if let Some(results_link) = &b.results_link {
        for code in &b.results {
            rows.status(results_link, Source::Write, *code);
        }
    }
    rows.diagnostics(Source::Write, &b.diagnostics);
}

/// This module's logs (for their schemas).
pub(super) static LOGS: [&Log; 4] = [&READ, &NODES_TO_READ, &RESULTS, &WRITE];
