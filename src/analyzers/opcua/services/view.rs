//! Browse and BrowseNext bodies.

use super::super::links::Links;
use super::super::own::{bytes, expanded_node_id, localized_text, qualified_name, wire_node_id};
use super::diagnostics;
use crate::event::opcua::{self as ev, LinkedStatus};
use otwatch_parsers::opcua::services::{BrowseRequest, BrowseResponse};

pub fn browse_request(b: &BrowseRequest<'_>, links: &mut Links<'_>) -> ev::BrowseRequest {
    ev::BrowseRequest {
        view_id: wire_node_id(&b.view_id),
        view_timestamp: ev::DateTime(b.view_timestamp),
        view_version: b.view_version,
        requested_max_references_per_node: b.requested_max_references_per_node,
        nodes_link: (!b.nodes_to_browse.is_empty()).then(|| links.next()),
        nodes_to_browse: b
            .nodes_to_browse
            .iter()
            .map(|n| ev::BrowseDescription {
                node_id: wire_node_id(&n.node_id),
                browse_direction: n.browse_direction,
                reference_type_id: wire_node_id(&n.reference_type_id),
                include_subtypes: n.include_subtypes,
                node_class_mask: n.node_class_mask,
                result_mask: n.result_mask,
            })
            .collect(),
    }
}

/// A BrowseResponse or BrowseNextResponse: the results' link, the
/// diagnostics' link, then per result its status link and its references'
/// link.
pub fn browse_response(b: &BrowseResponse<'_>, links: &mut Links<'_>) -> ev::BrowseResponse {
    let results_link = (!b.results.is_empty()).then(|| links.next());
    let diagnostics = diagnostics(&b.diagnostic_infos, links);
    let results = b
        .results
        .iter()
        .map(|r| ev::BrowseResult {
            status: LinkedStatus {
                link: links.next(),
                code: r.status_code,
            },
            continuation_point: bytes(r.continuation_point),
            references_link: (!r.references.is_empty()).then(|| links.next()),
            references: r
                .references
                .iter()
                .map(|d| ev::ReferenceDescription {
                    reference_type_id: wire_node_id(&d.reference_type_id),
                    is_forward: d.is_forward,
                    node_id: expanded_node_id(&d.node_id),
                    browse_name: qualified_name(&d.browse_name),
                    display_name_mask: d.display_name_mask,
                    display_name: localized_text(&d.display_name),
                    node_class: d.node_class,
                    type_definition: expanded_node_id(&d.type_definition),
                })
                .collect(),
        })
        .collect();
    ev::BrowseResponse {
        results_link,
        results,
        diagnostics,
    }
}
