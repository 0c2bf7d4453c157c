//! Names of the OPC UA services, keyed by the numeric NodeId of their
//! binary encoding in namespace 0 (OPC 10000-4 service definitions; the ids
//! are those of the `*_Encoding_DefaultBinary` nodes of OPC 10000-6). The
//! spellings are the standard type names, which the reference analyzer
//! prints too.

/// The service of a message body whose type NodeId is `i=<id>`, `None`
/// for ids that do not name a service.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
