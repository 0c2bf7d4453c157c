//! The bodies of the View service set (OPC 10000-4, 5.8): which nodes a
//! client walks and what the server's address space holds.

use super::{
    DateTime, Diagnostics, ExpandedNodeId, LinkedStatus, LocalizedText, QualifiedName, WireNodeId,
};
use crate::id::Id;

/// BrowseDescription (5.8.2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowseDescription {
    pub node_id: WireNodeId,
    /// 0 forward, 1 inverse, 2 both.
    pub browse_direction: u32,
    pub reference_type_id: WireNodeId,
    pub include_subtypes: bool,
    pub node_class_mask: u32,
    pub result_mask: u32,
}

/// BrowseRequest (5.8.2.2), with the link of its description rows (set
/// when it has any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowseRequest {
    pub view_id: WireNodeId,
    pub view_timestamp: DateTime,
    pub view_version: u32,
    pub requested_max_references_per_node: u32,
    pub nodes_link: Option<Id>,
    pub nodes_to_browse: Vec<BrowseDescription>,
}

/// BrowseNextRequest (5.8.3.2); the continuation points are not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrowseNextRequest {
    pub release_continuation_points: bool,
}

/// ReferenceDescription (7.30).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceDescription {
    pub reference_type_id: WireNodeId,
    pub is_forward: bool,
    pub node_id: ExpandedNodeId,
    pub browse_name: QualifiedName,
    /// The encoding byte of `display_name`.
    pub display_name_mask: u8,
    pub display_name: LocalizedText,
    /// NodeClass (0 unspecified).
    pub node_class: u32,
    pub type_definition: ExpandedNodeId,
}

/// BrowseResult (7.6), with the link of its reference rows (set when it
/// has any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowseResult {
    pub status: LinkedStatus,
    pub continuation_point: Option<Vec<u8>>,
    pub references_link: Option<Id>,
    pub references: Vec<ReferenceDescription>,
}

/// BrowseResponse and BrowseNextResponse (5.8.2.2, 5.8.3.2), with the link
/// of the result rows (set when there are any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowseResponse {
    pub results_link: Option<Id>,
    pub results: Vec<BrowseResult>,
    pub diagnostics: Diagnostics,
}
