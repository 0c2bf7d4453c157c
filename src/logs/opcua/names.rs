//! The names the OPC UA logs print for codes: services, attributes, node
//! classes, built-in types, and the enumerations of the service bodies
//! (StatusCodes are named in `status_names`). The spellings are the
//! specification's (and the reference analyzer's, which the logs follow
//! where it differs, e.g. `UserExcutable`).

use crate::event::opcua::{BuiltinType, IdentityKind};

/// The service of a message body whose type NodeId is `i=<id>` (the id of
/// its `DefaultBinary` encoding, OPC 10000-6), `None` for ids that do not
/// name a service.
pub fn service_name(id: u32) -> Option<&'static str> {
    Some(match id {
        397 => "ServiceFault",
        410 => "TestStackRequest",
        413 => "TestStackResponse",
        416 => "TestStackExRequest",
        419 => "TestStackExResponse",
        422 => "FindServersRequest",
        425 => "FindServersResponse",
        428 => "GetEndpointsRequest",
        431 => "GetEndpointsResponse",
        437 => "RegisterServerRequest",
        440 => "RegisterServerResponse",
        446 => "OpenSecureChannelRequest",
        449 => "OpenSecureChannelResponse",
        452 => "CloseSecureChannelRequest",
        455 => "CloseSecureChannelResponse",
        461 => "CreateSessionRequest",
        464 => "CreateSessionResponse",
        467 => "ActivateSessionRequest",
        470 => "ActivateSessionResponse",
        473 => "CloseSessionRequest",
        476 => "CloseSessionResponse",
        479 => "CancelRequest",
        482 => "CancelResponse",
        488 => "AddNodesRequest",
        491 => "AddNodesResponse",
        494 => "AddReferencesRequest",
        497 => "AddReferencesResponse",
        500 => "DeleteNodesRequest",
        503 => "DeleteNodesResponse",
        506 => "DeleteReferencesRequest",
        509 => "DeleteReferencesResponse",
        527 => "BrowseRequest",
        530 => "BrowseResponse",
        533 => "BrowseNextRequest",
        536 => "BrowseNextResponse",
        554 => "TranslateBrowsePathsToNodeIdsRequest",
        557 => "TranslateBrowsePathsToNodeIdsResponse",
        560 => "RegisterNodesRequest",
        563 => "RegisterNodesResponse",
        566 => "UnregisterNodesRequest",
        569 => "UnregisterNodesResponse",
        615 => "QueryFirstRequest",
        618 => "QueryFirstResponse",
        621 => "QueryNextRequest",
        624 => "QueryNextResponse",
        631 => "ReadRequest",
        634 => "ReadResponse",
        664 => "HistoryReadRequest",
        667 => "HistoryReadResponse",
        673 => "WriteRequest",
        676 => "WriteResponse",
        700 => "HistoryUpdateRequest",
        703 => "HistoryUpdateResponse",
        712 => "CallRequest",
        715 => "CallResponse",
        751 => "CreateMonitoredItemsRequest",
        754 => "CreateMonitoredItemsResponse",
        763 => "ModifyMonitoredItemsRequest",
        766 => "ModifyMonitoredItemsResponse",
        769 => "SetMonitoringModeRequest",
        772 => "SetMonitoringModeResponse",
        775 => "SetTriggeringRequest",
        778 => "SetTriggeringResponse",
        781 => "DeleteMonitoredItemsRequest",
        784 => "DeleteMonitoredItemsResponse",
        787 => "CreateSubscriptionRequest",
        790 => "CreateSubscriptionResponse",
        793 => "ModifySubscriptionRequest",
        796 => "ModifySubscriptionResponse",
        799 => "SetPublishingModeRequest",
        802 => "SetPublishingModeResponse",
        826 => "PublishRequest",
        829 => "PublishResponse",
        832 => "RepublishRequest",
        835 => "RepublishResponse",
        841 => "TransferSubscriptionsRequest",
        844 => "TransferSubscriptionsResponse",
        847 => "DeleteSubscriptionsRequest",
        850 => "DeleteSubscriptionsResponse",
        12208 => "FindServersOnNetworkRequest",
        12209 => "FindServersOnNetworkResponse",
        12211 => "RegisterServer2Request",
        12212 => "RegisterServer2Response",
        _ => return None,
    })
}

/// Attribute names (OPC 10000-6 A.1; the reference spells 22
/// `UserExcutable`, and so do we, for the logs to join).
pub fn attribute_name(id: u32) -> Option<&'static str> {
    const NAMES: [&str; 28] = [
        "Unknown",
        "NodeId",
        "NodeClass",
        "BrowseName",
        "DisplayName",
        "Description",
        "WriteMask",
        "UserWriteMask",
        "IsAbstract",
        "Symmetric",
        "InverseName",
        "ContainsNoLoops",
        "EventNotifier",
        "Value",
        "DataType",
        "ValueRank",
        "ArrayDimensions",
        "AccessLevel",
        "UserAccessLevel",
        "MinimumSamplingInterval",
        "Historizing",
        "Executable",
        "UserExcutable",
        "DataTypeDefinition",
        "RolePermissions",
        "UserRolePermissions",
        "AccessRestrictions",
        "AccessLevelEx",
    ];
    NAMES.get(usize::try_from(id).ok()?).copied()
}

/// Node class names (OPC 10000-3, 8.29), looked up by exact value (0 is
/// `All`, as a mask).
pub fn node_class_name(mask: u32) -> Option<&'static str> {
    Some(match mask {
        0 => "All",
        1 => "ObjectNodeClass",
        2 => "VariableNodeClass",
        4 => "MethodNodeClass",
        8 => "ObjectTypeNodeClass",
        16 => "VariableTypeNodeClass",
        32 => "ReferenceTypeNodeClass",
        64 => "DataTypeNodeClass",
        128 => "ViewNodeClass",
        _ => return None,
    })
}

/// Zeek's TimestampsToReturn names (OPC 10000-4, 7.40).
pub fn timestamps_to_return(n: u32) -> Option<&'static str> {
    Some(match n {
        0 => "Source",
        1 => "Server",
        2 => "Both",
        3 => "Neither",
        _ => return None,
    })
}

/// MonitoringMode names (OPC 10000-4, 7.23).
pub fn monitoring_mode(n: u32) -> Option<&'static str> {
    Some(match n {
        0 => "Disabled",
        1 => "Sampling",
        2 => "Reporting",
        _ => return None,
    })
}

/// BrowseDirection as the reference prints it (OPC 10000-4, 7.5).
pub fn browse_direction(d: u32) -> Option<&'static str> {
    Some(match d {
        0 => "FWD",
        1 => "INVERSE",
        2 => "BOTH",
        _ => return None,
    })
}

/// Names of the extension objects that appear as filters and
/// notifications (binary encoding ids, OPC 10000-6 NodeIds.csv).
pub fn extension_name(id: u32) -> Option<&'static str> {
    Some(match id {
        0 => "NoneType",
        724 => "DataChangeFilter",
        727 => "EventFilter",
        730 => "AggregateFilter",
        733 => "EventFilterResult",
        736 => "AggregateFilterResult",
        811 => "DataChangeNotification",
        820 => "StatusChangeNotification",
        916 => "EventNotificationList",
        _ => return None,
    })
}

/// The type names of the user identity tokens (OPC 10000-4, 7.36).
pub fn identity_token_name(kind: IdentityKind) -> Option<&'static str> {
    Some(match kind {
        IdentityKind::Anonymous => "AnonymousIdentityToken",
        IdentityKind::UserName => "UserNameIdentityToken",
        IdentityKind::Certificate => "X509IdentityToken",
        IdentityKind::Issued => "IssuedIdentityToken",
        IdentityKind::Other => return None,
    })
}

/// The specification's name of a built-in type (OPC 10000-6, 5.1.2).
pub fn builtin_type_name(t: BuiltinType) -> &'static str {
    use BuiltinType::*;
    match t {
        Null => "Null",
        Boolean => "Boolean",
        SByte => "SByte",
        Byte => "Byte",
        Int16 => "Int16",
        UInt16 => "UInt16",
        Int32 => "Int32",
        UInt32 => "UInt32",
        Int64 => "Int64",
        UInt64 => "UInt64",
        Float => "Float",
        Double => "Double",
        String => "String",
        DateTime => "DateTime",
        Guid => "Guid",
        ByteString => "ByteString",
        XmlElement => "XmlElement",
        NodeId => "NodeId",
        ExpandedNodeId => "ExpandedNodeId",
        StatusCode => "StatusCode",
        QualifiedName => "QualifiedName",
        LocalizedText => "LocalizedText",
        ExtensionObject => "ExtensionObject",
        DataValue => "DataValue",
        Variant => "Variant",
        DiagnosticInfo => "DiagnosticInfo",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otwatch_parsers::opcua::{service_kind, ServiceKind};

    #[test]
    fn requests_and_responses_are_named() {
        assert_eq!(service_name(446), Some("OpenSecureChannelRequest"));
        assert_eq!(service_name(829), Some("PublishResponse"));
        assert_eq!(service_name(397), Some("ServiceFault"));
        assert_eq!(service_name(12212), Some("RegisterServer2Response"));
        assert_eq!(service_name(0), None);
        assert_eq!(
            service_name(324),
            None,
            "a UserNameIdentityToken is not a service"
        );
    }

    /// The parser's kinds and these names list the same services.
    #[test]
    fn every_service_kind_has_a_name_that_says_it() {
        for id in 0..20_000 {
            let name = service_name(id);
            let kind = service_kind(id);
            assert_eq!(name.is_some(), kind.is_some(), "{id}");
            if let (Some(n), Some(k)) = (name, kind) {
                let said = match k {
                    ServiceKind::Request => n.ends_with("Request"),
                    ServiceKind::Response => n.ends_with("Response"),
                    ServiceKind::Fault => n == "ServiceFault",
                };
                assert!(said, "{id} {n} {k:?}");
            }
        }
    }

    #[test]
    fn builtin_types_are_named() {
        for id in 0..=25u8 {
            let t = BuiltinType::from_id(id).unwrap();
            assert!(!builtin_type_name(t).is_empty());
        }
        assert_eq!(builtin_type_name(BuiltinType::Int32), "Int32");
    }

    /// The names the logs write as `Value::Plain` (no escape scan) need
    /// no escaping, in every table and for every code.
    #[test]
    fn names_written_plain_need_no_escaping() {
        let clean = crate::logs::assert_plain;
        for id in 0..20_000 {
            if let Some(n) = service_name(id) {
                clean(n);
            }
        }
        for n in 0..300 {
            for f in [
                attribute_name,
                node_class_name,
                timestamps_to_return,
                monitoring_mode,
                browse_direction,
                extension_name,
            ] {
                if let Some(name) = f(n) {
                    clean(name);
                }
            }
        }
        for k in [
            IdentityKind::Anonymous,
            IdentityKind::UserName,
            IdentityKind::Certificate,
            IdentityKind::Issued,
            IdentityKind::Other,
        ] {
            if let Some(n) = identity_token_name(k) {
                clean(n);
            }
        }
    }
}
