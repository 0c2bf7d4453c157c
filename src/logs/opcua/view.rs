//! Browse and BrowseNext rows: which nodes a client walks and what the
//! server's address space holds (`opcua_binary_browse`,
//! `_browse_description`, `_browse_result`, `_browse_response_references`).

use super::names::{browse_direction, node_class_name};
use super::row::{
    byte, count, expanded_node_id, hex_value, name, node_id, nonempty, text, time, Log, Rows,
};
use super::status::{diagnostics_link, Source};
use crate::event::opcua::{BrowseNextRequest, BrowseRequest, BrowseResponse};
use crate::logs::message_head_fields;
use crate::output::{field, FieldType as T, Value};

crate::columns_after!(
    BROWSE_FIELDS,
    message_head_fields("opcua_link_id"),
    12,
    [
        field("browse_service_type", T::String),
        field("browse_view_id_encoding_mask", T::String),
        field("browse_view_id_namespace_idx", T::Count),
        field("browse_view_id_numeric", T::Count),
        field("browse_view_id_string", T::String),
        field("browse_view_id_guid", T::String),
        field("browse_view_id_opaque", T::String),
        field("browse_view_description_timestamp", T::Time),
        field("browse_view_description_view_version", T::Count),
        field("req_max_ref_nodes", T::Count),
        field("browse_description_link_id", T::String),
        field("browse_next_release_continuation_point", T::Bool),
        field("browse_next_link_id", T::String),
        field("browse_response_link_id", T::String),
        field("browse_diag_info_link_id", T::String),
    ]
);

static BROWSE: Log = Log {
    path: "opcua_binary_browse",
    fields: &BROWSE_FIELDS,
};

crate::columns_after!(
    DESCRIPTION_FIELDS,
    message_head_fields("browse_description_link_id"),
    12,
    [
        field("browse_description_encoding_mask", T::String),
        field("browse_description_namespace_idx", T::Count),
        field("browse_description_numeric", T::Count),
        field("browse_description_string", T::String),
        field("browse_description_guid", T::String),
        field("browse_description_opaque", T::String),
        field("browse_direction", T::String),
        field("browse_description_ref_encoding_mask", T::String),
        field("browse_description_ref_namespace_idx", T::Count),
        field("browse_description_ref_numeric", T::Count),
        field("browse_description_ref_string", T::String),
        field("browse_description_ref_guid", T::String),
        field("browse_description_ref_opaque", T::String),
        field("browse_description_include_subtypes", T::Bool),
        field("browse_node_class_mask", T::String),
        field("browse_result_mask", T::String),
    ]
);

static DESCRIPTION: Log = Log {
    path: "opcua_binary_browse_description",
    fields: &DESCRIPTION_FIELDS,
};

crate::columns_after!(
    RESULT_FIELDS,
    message_head_fields("browse_response_link_id"),
    12,
    [
        field("status_code_link_id", T::String),
        field("browse_result_continuation_point", T::String),
        field("browse_reference_link_id", T::String),
    ]
);

static RESULT: Log = Log {
    path: "opcua_binary_browse_result",
    fields: &RESULT_FIELDS,
};

crate::columns_after!(
    REFERENCE_FIELDS,
    message_head_fields("browse_reference_link_id"),
    12,
    [
        field("browse_response_ref_encoding_mask", T::String),
        field("browse_response_ref_namespace_idx", T::Count),
        field("browse_response_ref_numeric", T::Count),
        field("browse_response_ref_string", T::String),
        field("browse_response_ref_guid", T::String),
        field("browse_response_ref_opaque", T::String),
        field("browse_response_is_forward", T::Bool),
        field("browse_response_ref_type_encoding_mask", T::String),
        field("browse_response_ref_type_namespace_idx", T::Count),
        field("browse_response_ref_type_numeric", T::Count),
        field("browse_response_ref_type_string", T::String),
        field("browse_response_ref_type_guid", T::String),
        field("browse_response_ref_type_opaque", T::String),
        field("browse_response_ref_type_namespace_uri", T::String),
        field("browse_response_ref_type_server_idx", T::Count),
        field("browse_response_ref_name_idx", T::Count),
        field("browse_response_ref_name", T::String),
        field("browse_response_display_name_mask", T::String),
        field("browse_response_display_name_locale", T::String),
        field("browse_response_display_name_text", T::String),
        field("browse_response_node_class", T::String),
        field("browse_response_type_def_encoding_mask", T::String),
        field("browse_response_type_def_namespace_idx", T::Count),
        field("browse_response_type_def_numeric", T::Count),
        field("browse_response_type_def_string", T::String),
        field("browse_response_type_def_guid", T::String),
        field("browse_response_type_def_opaque", T::String),
        field("browse_response_type_def_namespace_uri", T::String),
        field("browse_response_type_def_server_idx", T::Count),
    ]
);

static REFERENCES: Log = Log {
    path: "opcua_binary_browse_response_references",
    fields: &REFERENCE_FIELDS,
};

fn link(l: &Option<crate::id::Id>) -> Value<'_> {
    l.as_deref().map_or(Value::Unset, Value::Plain)
}

pub fn browse_request<'e>(rows: &mut Rows<'e, '_>, b: &'e BrowseRequest) {
    let r = rows.start();
    r.push(Value::Plain("BrowseRequest"));
    node_id(r, &b.view_id);
    r.push(time(b.view_timestamp))
        .push(count(b.view_version))
        .push(count(b.requested_max_references_per_node))
        .push(link(&b.nodes_link));
    rows.emit_message(&BROWSE);
    let Some(nodes_link) = &b.nodes_link else {
        return;
    };
    for n in &b.nodes_to_browse {
        let r = rows.start();
        node_id(r, &n.node_id);
        r.push(name(browse_direction(n.browse_direction)));
        node_id(r, &n.reference_type_id);
        r.push(Value::Bool(n.include_subtypes))
            .push(name(node_class_name(n.node_class_mask)))
            .push(Value::Hex {
                value: u64::from(n.result_mask),
                digits: 8,
            });
        rows.emit(&DESCRIPTION, nodes_link);
    }
}

pub fn browse_next_request<'e>(rows: &mut Rows<'e, '_>, b: &'e BrowseNextRequest) {
    rows.start()
        .push(Value::Plain("BrowseNextRequest"))
        .unset(10)
        .push(Value::Bool(b.release_continuation_points));
    rows.emit_message(&BROWSE);
}

/// Rows of a BrowseResponse or BrowseNextResponse (`kind`).
pub fn browse_response<'e>(rows: &mut Rows<'e, '_>, kind: &'static str, b: &'e BrowseResponse) {
    rows.start()
        .push(Value::Plain(kind))
        .unset(12)
        .push(link(&b.results_link))
        .push(diagnostics_link(&b.diagnostics));
    rows.emit_message(&BROWSE);
    if let Some(results_link) = &b.results_link {
        for res in &b.results {
            rows.status(&res.status.link, Source::Browse, res.status.code);
            rows.start()
                .push(Value::Plain(&res.status.link))
                .push(hex_value(&res.continuation_point))
                .push(link(&res.references_link));
            rows.emit(&RESULT, results_link);
            let Some(refs_link) = &res.references_link else {
                continue;
            };
            for d in &res.references {
                let r = rows.start();
                node_id(r, &d.reference_type_id);
                r.push(Value::Bool(d.is_forward));
                expanded_node_id(r, &d.node_id);
                r.push(match d.browse_name.namespace {
                    0 => Value::Unset,
                    n => count(n),
                })
                .push(text(&d.browse_name.name))
                .push(byte(d.display_name_mask))
                .push(nonempty(&d.display_name.locale))
                .push(nonempty(&d.display_name.text))
                .push(match d.node_class {
                    0 => Value::Unset,
                    c => name(node_class_name(c)),
                });
                expanded_node_id(r, &d.type_definition);
                rows.emit(&REFERENCES, refs_link);
            }
        }
    }
    rows.diagnostics(Source::Browse, &b.diagnostics);
}

/// This module's logs (for their schemas).
pub(super) static LOGS: [&Log; 4] = [&BROWSE, &DESCRIPTION, &RESULT, &REFERENCES];
