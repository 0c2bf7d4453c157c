//! Read and Write bodies.

use super::super::links::Links;
use super::super::own::{qualified_name, text, wire_node_id};
use super::super::value::data_value;
use super::diagnostics;
use crate::event::opcua as ev;
use otwatch_parsers::opcua::services::{
    ReadRequest, ReadResponse, ReadValueId, WriteRequest, WriteResponse,
};

pub fn read_value_id(n: &ReadValueId<'_>) -> ev::ReadValueId {
    ev::ReadValueId {
        node_id: wire_node_id(&n.node_id),
        attribute_id: n.attribute_id,
        index_range: text(n.index_range),
        data_encoding: qualified_name(&n.data_encoding),
    }
}

pub fn read_request(b: &ReadRequest<'_>, links: &mut Links<'_>) -> ev::ReadRequest {
    ev::ReadRequest {
        max_age: b.max_age,
        timestamps_to_return: b.timestamps_to_return,
        nodes_link: (!b.nodes_to_read.is_empty()).then(|| links.next()),
        nodes_to_read: b.nodes_to_read.iter().map(read_value_id).collect(),
    }
}

/// The results' link, the diagnostics' link, then the status link of
/// each result that has a status.
pub fn read_response(b: &ReadResponse<'_>, links: &mut Links<'_>) -> ev::ReadResponse {
    let results_link = (!b.results.is_empty()).then(|| links.next());
    let diagnostics = diagnostics(&b.diagnostic_infos, links);
    let results = b
        .results
        .iter()
        .map(|(encoding, v)| ev::ReadResult {
            encoding: *encoding,
            value: data_value(v),
            status_link: v.status.map(|_| links.next()),
        })
        .collect();
    ev::ReadResponse {
        results_link,
        results,
        diagnostics,
    }
}

pub fn write_request(b: &WriteRequest<'_>, links: &mut Links<'_>) -> ev::WriteRequest {
    ev::WriteRequest {
        nodes_to_write: b
            .nodes_to_write
            .iter()
            .map(|w| ev::WriteValue {
                node_id: wire_node_id(&w.node_id),
                attribute_id: w.attribute_id,
                index_range: text(w.index_range),
                value_encoding: w.value_mask,
                value: data_value(&w.value),
                status_link: w.value.status.map(|_| links.next()),
            })
            .collect(),
    }
}

pub fn write_response(b: &WriteResponse<'_>, links: &mut Links<'_>) -> ev::WriteResponse {
    let results_link = (!b.results.is_empty()).then(|| links.next());
    ev::WriteResponse {
        results_link,
        results: b.results.clone(),
        diagnostics: diagnostics(&b.diagnostic_infos, links),
    }
}
