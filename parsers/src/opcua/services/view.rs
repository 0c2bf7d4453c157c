//! View services (OPC 10000-4, 5.8): Browse, BrowseNext and
//! TranslateBrowsePathsToNodeIds.

use crate::opcua::types::{
    ByteString, DiagnosticInfo, ExpandedNodeId, LocalizedText, QualifiedName, WireNodeId,
};
use crate::opcua::Decoder;
use crate::Error;

/// BrowseDescription (OPC 10000-4, 5.8.2.2): one node to browse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrowseDescription<'a> {
    /// NodeId to browse.
    pub node_id: WireNodeId<'a>,
    /// BrowseDirection: 0 forward, 1 inverse, 2 both.
    pub browse_direction: u32,
    /// ReferenceTypeId to follow (null: all).
    pub reference_type_id: WireNodeId<'a>,
    /// IncludeSubtypes.
    pub include_subtypes: bool,
    /// NodeClassMask (0: all).
    pub node_class_mask: u32,
    /// ResultMask.
    pub result_mask: u32,
}

impl<'a> BrowseDescription<'a> {
    fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(BrowseDescription {
            node_id: d.wire_node_id()?,
            browse_direction: d.u32()?,
            reference_type_id: d.wire_node_id()?,
            include_subtypes: d.bool()?,
            node_class_mask: d.u32()?,
            result_mask: d.u32()?,
        })
    }
}

/// BrowseRequest (OPC 10000-4, 5.8.2.2), after its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowseRequest<'a> {
    /// ViewDescription.viewId (null: the whole address space).
    pub view_id: WireNodeId<'a>,
    /// ViewDescription.timestamp.
    pub view_timestamp: i64,
    /// ViewDescription.viewVersion.
    pub view_version: u32,
    /// RequestedMaxReferencesPerNode (0: no limit).
    pub requested_max_references_per_node: u32,
    /// NodesToBrowse.
    pub nodes_to_browse: Vec<BrowseDescription<'a>>,
}

impl<'a> BrowseRequest<'a> {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(BrowseRequest {
            view_id: d.wire_node_id()?,
            view_timestamp: d.date_time()?,
            view_version: d.u32()?,
            requested_max_references_per_node: d.u32()?,
            nodes_to_browse: d.array_or_empty(BrowseDescription::decode)?,
        })
    }
}

/// ReferenceDescription (OPC 10000-4, 7.30): one reference found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReferenceDescription<'a> {
    /// ReferenceTypeId.
    pub reference_type_id: WireNodeId<'a>,
    /// IsForward.
    pub is_forward: bool,
    /// NodeId of the target.
    pub node_id: ExpandedNodeId<'a>,
    /// BrowseName.
    pub browse_name: QualifiedName<'a>,
    /// DisplayName.
    pub display_name: LocalizedText<'a>,
    /// The LocalizedText encoding byte of the display name.
    pub display_name_mask: u8,
    /// NodeClass (a single bit of the node-class mask; 0 unspecified).
    pub node_class: u32,
    /// TypeDefinition.
    pub type_definition: ExpandedNodeId<'a>,
}

impl<'a> ReferenceDescription<'a> {
    fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(ReferenceDescription {
            reference_type_id: d.wire_node_id()?,
            is_forward: d.bool()?,
            node_id: d.expanded_node_id()?,
            browse_name: d.qualified_name()?,
            display_name_mask: d.rest().first().copied().unwrap_or(0),
            display_name: d.localized_text()?,
            node_class: d.u32()?,
            type_definition: d.expanded_node_id()?,
        })
    }
}

/// BrowseResult (OPC 10000-4, 7.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowseResult<'a> {
    /// StatusCode.
    pub status_code: u32,
    /// ContinuationPoint (null when all references were returned).
    pub continuation_point: ByteString<'a>,
    /// References.
    pub references: Vec<ReferenceDescription<'a>>,
}

impl<'a> BrowseResult<'a> {
    fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(BrowseResult {
            status_code: d.status_code()?,
            continuation_point: d.byte_string()?,
            references: d.array_or_empty(ReferenceDescription::decode)?,
        })
    }
}

/// BrowseResponse and BrowseNextResponse (OPC 10000-4, 5.8.2.2 and
/// 5.8.3.2), after their header: the same fields.
#[derive(Clone, Debug, PartialEq)]
pub struct BrowseResponse<'a> {
    /// Results, one per node browsed (or continuation point).
    pub results: Vec<BrowseResult<'a>>,
    /// DiagnosticInfos.
    pub diagnostic_infos: Vec<DiagnosticInfo<'a>>,
}

impl<'a> BrowseResponse<'a> {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(BrowseResponse {
            results: d.array_or_empty(BrowseResult::decode)?,
            diagnostic_infos: d.array_or_empty(Decoder::diagnostic_info)?,
        })
    }
}

/// BrowseNextRequest (OPC 10000-4, 5.8.3.2), after its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowseNextRequest<'a> {
    /// ReleaseContinuationPoints.
    pub release_continuation_points: bool,
    /// ContinuationPoints.
    pub continuation_points: Vec<ByteString<'a>>,
}

impl<'a> BrowseNextRequest<'a> {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(BrowseNextRequest {
            release_continuation_points: d.bool()?,
            continuation_points: d.array_or_empty(Decoder::byte_string)?,
        })
    }
}

/// RelativePathElement (OPC 10000-4, 7.31).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelativePathElement<'a> {
    /// ReferenceTypeId.
    pub reference_type_id: WireNodeId<'a>,
    /// IsInverse.
    pub is_inverse: bool,
    /// IncludeSubtypes.
    pub include_subtypes: bool,
    /// TargetName.
    pub target_name: QualifiedName<'a>,
}

/// BrowsePath (OPC 10000-4, 5.8.4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowsePath<'a> {
    /// StartingNode.
    pub starting_node: WireNodeId<'a>,
    /// RelativePath elements.
    pub elements: Vec<RelativePathElement<'a>>,
}

impl<'a> BrowsePath<'a> {
    fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(BrowsePath {
            starting_node: d.wire_node_id()?,
            elements: d.array_or_empty(|d| {
                Ok(RelativePathElement {
                    reference_type_id: d.wire_node_id()?,
                    is_inverse: d.bool()?,
                    include_subtypes: d.bool()?,
                    target_name: d.qualified_name()?,
                })
            })?,
        })
    }
}

/// TranslateBrowsePathsToNodeIdsRequest (OPC 10000-4, 5.8.4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranslateBrowsePathsRequest<'a> {
    /// BrowsePaths.
    pub browse_paths: Vec<BrowsePath<'a>>,
}

impl<'a> TranslateBrowsePathsRequest<'a> {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(TranslateBrowsePathsRequest {
            browse_paths: d.array_or_empty(BrowsePath::decode)?,
        })
    }
}

/// BrowsePathResult (OPC 10000-4, 5.8.4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowsePathResult<'a> {
    /// StatusCode.
    pub status_code: u32,
    /// Targets: the node found and the index of the first path element
    /// not followed (0xFFFFFFFF: all were).
    pub targets: Vec<(ExpandedNodeId<'a>, u32)>,
}

/// TranslateBrowsePathsToNodeIdsResponse (OPC 10000-4, 5.8.4.2).
#[derive(Clone, Debug, PartialEq)]
pub struct TranslateBrowsePathsResponse<'a> {
    /// Results, one per path.
    pub results: Vec<BrowsePathResult<'a>>,
    /// DiagnosticInfos.
    pub diagnostic_infos: Vec<DiagnosticInfo<'a>>,
}

impl<'a> TranslateBrowsePathsResponse<'a> {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(TranslateBrowsePathsResponse {
            results: d.array_or_empty(|d| {
                Ok(BrowsePathResult {
                    status_code: d.status_code()?,
                    targets: d.array_or_empty(|d| Ok((d.expanded_node_id()?, d.u32()?)))?,
                })
            })?,
            diagnostic_infos: d.array_or_empty(Decoder::diagnostic_info)?,
        })
    }
}
