//! Browse and BrowseNext rows: which nodes a client walks and what the
//! server's address space holds (`opcua_binary_browse`,
//! `_browse_description`, `_browse_result`, `_browse_response_references`).

use super::super::row::{
    byte, count, expanded_node_id, hex_value, node_class_name, node_id, nonempty, text, time,
    Links, Log, Row,
};
use super::status::{self, Diagnostics, Source};
use crate::analyzers::{message_head_fields, MessageHead};
use crate::output::{field, FieldType as T, Value};
use otwatch_parsers::opcua::services::{BrowseNextRequest, BrowseRequest, BrowseResponse};

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

pub static BROWSE: Log = Log {
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

pub static DESCRIPTION: Log = Log {
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

pub static RESULT: Log = Log {
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

pub static REFERENCES: Log = Log {
    path: "opcua_binary_browse_response_references",
    fields: &REFERENCE_FIELDS,
};

fn direction(d: u32) -> Value<'static> {
    match d {
        0 => Value::Ref("FWD"),
        1 => Value::Ref("INVERSE"),
        2 => Value::Ref("BOTH"),
        _ => Value::Unset,
    }
}

pub fn browse_request(
    head: &MessageHead,
    b: &BrowseRequest<'_>,
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    let link = (!b.nodes_to_browse.is_empty()).then(|| links.next());
    let mut r = Row::new(&BROWSE, head, &head.link);
    r.push(Value::Ref("BrowseRequest"));
    node_id(&mut r, &b.view_id);
    r.push(time(b.view_timestamp))
        .push(count(b.view_version))
        .push(count(b.requested_max_references_per_node))
        .push(link.clone().map_or(Value::Unset, Value::Str));
    out.push(r);
    let Some(link) = link else { return };
    for n in &b.nodes_to_browse {
        let mut r = Row::new(&DESCRIPTION, head, &link);
        node_id(&mut r, &n.node_id);
        r.push(direction(n.browse_direction));
        node_id(&mut r, &n.reference_type_id);
        r.push(Value::Bool(n.include_subtypes))
            .push(node_class_name(n.node_class_mask))
            .push(Value::Str(format!("0x{:08x}", n.result_mask)));
        out.push(r);
    }
}

pub fn browse_next_request(head: &MessageHead, b: &BrowseNextRequest<'_>, out: &mut Vec<Row>) {
    let mut r = Row::new(&BROWSE, head, &head.link);
    r.push(Value::Ref("BrowseNextRequest"))
        .unset(10)
        .push(Value::Bool(b.release_continuation_points));
    out.push(r);
}

/// Rows of a BrowseResponse or BrowseNextResponse (`kind`).
pub fn browse_response(
    head: &MessageHead,
    kind: &'static str,
    b: &BrowseResponse<'_>,
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    let link = (!b.results.is_empty()).then(|| links.next());
    let diag = Diagnostics::new(Source::Browse, &b.diagnostic_infos, links);
    let mut r = Row::new(&BROWSE, head, &head.link);
    r.push(Value::Ref(kind))
        .unset(12)
        .push(link.clone().map_or(Value::Unset, Value::Str))
        .push(diag.link());
    out.push(r);
    if let Some(link) = link {
        results(head, &link, b, links, out);
    }
    diag.rows(head, out);
}

fn results(
    head: &MessageHead,
    link: &str,
    b: &BrowseResponse<'_>,
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    for res in &b.results {
        let status_link = links.next();
        out.push(status::row(
            head,
            &status_link,
            Source::Browse,
            0,
            res.status_code,
        ));
        let refs_link = (!res.references.is_empty()).then(|| links.next());
        let mut r = Row::new(&RESULT, head, link);
        r.push(Value::Str(status_link))
            .push(hex_value(res.continuation_point))
            .push(refs_link.clone().map_or(Value::Unset, Value::Str));
        out.push(r);
        let Some(refs_link) = refs_link else { continue };
        for d in &res.references {
            let mut r = Row::new(&REFERENCES, head, &refs_link);
            node_id(&mut r, &d.reference_type_id);
            r.push(Value::Bool(d.is_forward));
            expanded_node_id(&mut r, &d.node_id);
            r.push(match d.browse_name.namespace {
                0 => Value::Unset,
                n => count(n),
            })
            .push(text(d.browse_name.name))
            .push(byte(d.display_name_mask))
            .push(d.display_name.locale.map_or(Value::Unset, nonempty))
            .push(d.display_name.text.map_or(Value::Unset, nonempty))
            .push(match d.node_class {
                0 => Value::Unset,
                c => node_class_name(c),
            });
            expanded_node_id(&mut r, &d.type_definition);
            out.push(r);
        }
    }
}
