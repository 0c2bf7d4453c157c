//! The names of StatusCodes (OPC 10000-4, 7.39) and of their bit fields,
//! as `opcua_binary_status_code_detail.log` and the Call and Publish logs
//! print them.

/// The symbolic name of a StatusCode (e.g. `BadNodeIdUnknown`), when the
/// specification defines it; looked up with the info bits cleared.
pub fn status_name(code: u32) -> Option<&'static str> {
    let key = code & 0xffff_0000;
    STATUS_NAMES
        .binary_search_by_key(&key, |&(c, _)| c)
        .ok()
        .and_then(|i| STATUS_NAMES.get(i))
        .map(|n| n.1)
}

/// The OPC Foundation's `Schema/StatusCode.csv`
/// (github.com/OPCFoundation/UA-Nodeset), name and code columns only,
/// sorted by code.
static STATUS_NAMES: [(u32, &str); 274] = [
    (0x00000000, "Good"),
    (0x002d0000, "GoodSubscriptionTransferred"),
    (0x002e0000, "GoodCompletesAsynchronously"),
    (0x002f0000, "GoodOverload"),
    (0x00300000, "GoodClamped"),
    (0x00960000, "GoodLocalOverride"),
    (0x00a20000, "GoodEntryInserted"),
    (0x00a30000, "GoodEntryReplaced"),
    (0x00a50000, "GoodNoData"),
    (0x00a60000, "GoodMoreData"),
    (0x00a70000, "GoodCommunicationEvent"),
    (0x00a80000, "GoodShutdownEvent"),
    (0x00a90000, "GoodCallAgain"),
    (0x00aa0000, "GoodNonCriticalTimeout"),
    (0x00ba0000, "GoodResultsMayBeIncomplete"),
    (0x00d90000, "GoodDataIgnored"),
    (0x00dc0000, "GoodEdited"),
    (0x00dd0000, "GoodPostActionFailed"),
    (0x00df0000, "GoodRetransmissionQueueNotSupported"),
    (0x00e00000, "GoodDependentValueChanged"),
    (0x00eb0000, "GoodSubNormal"),
    (0x00ef0000, "GoodPasswordChangeRequired"),
    (0x01160000, "GoodEdited_DependentValueChanged"),
    (0x01170000, "GoodEdited_DominantValueChanged"),
    (
        0x01180000,
        "GoodEdited_DominantValueChanged_DependentValueChanged",
    ),
    (0x04010000, "GoodCascadeInitializationAcknowledged"),
    (0x04020000, "GoodCascadeInitializationRequest"),
    (0x04030000, "GoodCascadeNotInvited"),
    (0x04040000, "GoodCascadeNotSelected"),
    (0x04070000, "GoodFaultStateActive"),
    (0x04080000, "GoodInitiateFaultState"),
    (0x04090000, "GoodCascade"),
    (0x40000000, "Uncertain"),
    (0x406c0000, "UncertainReferenceOutOfServer"),
    (0x408f0000, "UncertainNoCommunicationLastUsableValue"),
    (0x40900000, "UncertainLastUsableValue"),
    (0x40910000, "UncertainSubstituteValue"),
    (0x40920000, "UncertainInitialValue"),
    (0x40930000, "UncertainSensorNotAccurate"),
    (0x40940000, "UncertainEngineeringUnitsExceeded"),
    (0x40950000, "UncertainSubNormal"),
    (0x40a40000, "UncertainDataSubNormal"),
    (0x40bc0000, "UncertainReferenceNotDeleted"),
    (0x40c00000, "UncertainNotAllNodesAvailable"),
    (0x40de0000, "UncertainDominantValueChanged"),
    (0x40e20000, "UncertainDependentValueChanged"),
    (0x40f20000, "UncertainOverRange"),
    (0x40f30000, "UncertainUnderRange"),
    (0x42080000, "UncertainTransducerInManual"),
    (0x42090000, "UncertainSimulatedValue"),
    (0x420a0000, "UncertainSensorCalibration"),
    (0x420f0000, "UncertainConfigurationError"),
    (0x80000000, "Bad"),
    (0x80010000, "BadUnexpectedError"),
    (0x80020000, "BadInternalError"),
    (0x80030000, "BadOutOfMemory"),
    (0x80040000, "BadResourceUnavailable"),
    (0x80050000, "BadCommunicationError"),
    (0x80060000, "BadEncodingError"),
    (0x80070000, "BadDecodingError"),
    (0x80080000, "BadEncodingLimitsExceeded"),
    (0x80090000, "BadUnknownResponse"),
    (0x800a0000, "BadTimeout"),
    (0x800b0000, "BadServiceUnsupported"),
    (0x800c0000, "BadShutdown"),
    (0x800d0000, "BadServerNotConnected"),
    (0x800e0000, "BadServerHalted"),
    (0x800f0000, "BadNothingToDo"),
    (0x80100000, "BadTooManyOperations"),
    (0x80110000, "BadDataTypeIdUnknown"),
    (0x80120000, "BadCertificateInvalid"),
    (0x80130000, "BadSecurityChecksFailed"),
    (0x80140000, "BadCertificateTimeInvalid"),
    (0x80150000, "BadCertificateIssuerTimeInvalid"),
    (0x80160000, "BadCertificateHostNameInvalid"),
    (0x80170000, "BadCertificateUriInvalid"),
    (0x80180000, "BadCertificateUseNotAllowed"),
    (0x80190000, "BadCertificateIssuerUseNotAllowed"),
    (0x801a0000, "BadCertificateUntrusted"),
    (0x801b0000, "BadCertificateRevocationUnknown"),
    (0x801c0000, "BadCertificateIssuerRevocationUnknown"),
    (0x801d0000, "BadCertificateRevoked"),
    (0x801e0000, "BadCertificateIssuerRevoked"),
    (0x801f0000, "BadUserAccessDenied"),
    (0x80200000, "BadIdentityTokenInvalid"),
    (0x80210000, "BadIdentityTokenRejected"),
    (0x80220000, "BadSecureChannelIdInvalid"),
    (0x80230000, "BadInvalidTimestamp"),
    (0x80240000, "BadNonceInvalid"),
    (0x80250000, "BadSessionIdInvalid"),
    (0x80260000, "BadSessionClosed"),
    (0x80270000, "BadSessionNotActivated"),
    (0x80280000, "BadSubscriptionIdInvalid"),
    (0x802a0000, "BadRequestHeaderInvalid"),
    (0x802b0000, "BadTimestampsToReturnInvalid"),
    (0x802c0000, "BadRequestCancelledByClient"),
    (0x80310000, "BadNoCommunication"),
    (0x80320000, "BadWaitingForInitialData"),
    (0x80330000, "BadNodeIdInvalid"),
    (0x80340000, "BadNodeIdUnknown"),
    (0x80350000, "BadAttributeIdInvalid"),
    (0x80360000, "BadIndexRangeInvalid"),
    (0x80370000, "BadIndexRangeNoData"),
    (0x80380000, "BadDataEncodingInvalid"),
    (0x80390000, "BadDataEncodingUnsupported"),
    (0x803a0000, "BadNotReadable"),
    (0x803b0000, "BadNotWritable"),
    (0x803c0000, "BadOutOfRange"),
    (0x803d0000, "BadNotSupported"),
    (0x803e0000, "BadNotFound"),
    (0x803f0000, "BadObjectDeleted"),
    (0x80400000, "BadNotImplemented"),
    (0x80410000, "BadMonitoringModeInvalid"),
    (0x80420000, "BadMonitoredItemIdInvalid"),
    (0x80430000, "BadMonitoredItemFilterInvalid"),
    (0x80440000, "BadMonitoredItemFilterUnsupported"),
    (0x80450000, "BadFilterNotAllowed"),
    (0x80460000, "BadStructureMissing"),
    (0x80470000, "BadEventFilterInvalid"),
    (0x80480000, "BadContentFilterInvalid"),
    (0x80490000, "BadFilterOperandInvalid"),
    (0x804a0000, "BadContinuationPointInvalid"),
    (0x804b0000, "BadNoContinuationPoints"),
    (0x804c0000, "BadReferenceTypeIdInvalid"),
    (0x804d0000, "BadBrowseDirectionInvalid"),
    (0x804e0000, "BadNodeNotInView"),
    (0x804f0000, "BadServerUriInvalid"),
    (0x80500000, "BadServerNameMissing"),
    (0x80510000, "BadDiscoveryUrlMissing"),
    (0x80520000, "BadSemaphoreFileMissing"),
    (0x80530000, "BadRequestTypeInvalid"),
    (0x80540000, "BadSecurityModeRejected"),
    (0x80550000, "BadSecurityPolicyRejected"),
    (0x80560000, "BadTooManySessions"),
    (0x80570000, "BadUserSignatureInvalid"),
    (0x80580000, "BadApplicationSignatureInvalid"),
    (0x80590000, "BadNoValidCertificates"),
    (0x805a0000, "BadRequestCancelledByRequest"),
    (0x805b0000, "BadParentNodeIdInvalid"),
    (0x805c0000, "BadReferenceNotAllowed"),
    (0x805d0000, "BadNodeIdRejected"),
    (0x805e0000, "BadNodeIdExists"),
    (0x805f0000, "BadNodeClassInvalid"),
    (0x80600000, "BadBrowseNameInvalid"),
    (0x80610000, "BadBrowseNameDuplicated"),
    (0x80620000, "BadNodeAttributesInvalid"),
    (0x80630000, "BadTypeDefinitionInvalid"),
    (0x80640000, "BadSourceNodeIdInvalid"),
    (0x80650000, "BadTargetNodeIdInvalid"),
    (0x80660000, "BadDuplicateReferenceNotAllowed"),
    (0x80670000, "BadInvalidSelfReference"),
    (0x80680000, "BadReferenceLocalOnly"),
    (0x80690000, "BadNoDeleteRights"),
    (0x806a0000, "BadServerIndexInvalid"),
    (0x806b0000, "BadViewIdUnknown"),
    (0x806d0000, "BadTooManyMatches"),
    (0x806e0000, "BadQueryTooComplex"),
    (0x806f0000, "BadNoMatch"),
    (0x80700000, "BadMaxAgeInvalid"),
    (0x80710000, "BadHistoryOperationInvalid"),
    (0x80720000, "BadHistoryOperationUnsupported"),
    (0x80730000, "BadWriteNotSupported"),
    (0x80740000, "BadTypeMismatch"),
    (0x80750000, "BadMethodInvalid"),
    (0x80760000, "BadArgumentsMissing"),
    (0x80770000, "BadTooManySubscriptions"),
    (0x80780000, "BadTooManyPublishRequests"),
    (0x80790000, "BadNoSubscription"),
    (0x807a0000, "BadSequenceNumberUnknown"),
    (0x807b0000, "BadMessageNotAvailable"),
    (0x807c0000, "BadInsufficientClientProfile"),
    (0x807d0000, "BadTcpServerTooBusy"),
    (0x807e0000, "BadTcpMessageTypeInvalid"),
    (0x807f0000, "BadTcpSecureChannelUnknown"),
    (0x80800000, "BadTcpMessageTooLarge"),
    (0x80810000, "BadTcpNotEnoughResources"),
    (0x80820000, "BadTcpInternalError"),
    (0x80830000, "BadTcpEndpointUrlInvalid"),
    (0x80840000, "BadRequestInterrupted"),
    (0x80850000, "BadRequestTimeout"),
    (0x80860000, "BadSecureChannelClosed"),
    (0x80870000, "BadSecureChannelTokenUnknown"),
    (0x80880000, "BadSequenceNumberInvalid"),
    (0x80890000, "BadConfigurationError"),
    (0x808a0000, "BadNotConnected"),
    (0x808b0000, "BadDeviceFailure"),
    (0x808c0000, "BadSensorFailure"),
    (0x808d0000, "BadOutOfService"),
    (0x808e0000, "BadDeadbandFilterInvalid"),
    (0x80970000, "BadRefreshInProgress"),
    (0x80980000, "BadConditionAlreadyDisabled"),
    (0x80990000, "BadConditionDisabled"),
    (0x809a0000, "BadEventIdUnknown"),
    (0x809b0000, "BadNoData"),
    (0x809d0000, "BadDataLost"),
    (0x809e0000, "BadDataUnavailable"),
    (0x809f0000, "BadEntryExists"),
    (0x80a00000, "BadNoEntryExists"),
    (0x80a10000, "BadTimestampNotSupported"),
    (0x80ab0000, "BadInvalidArgument"),
    (0x80ac0000, "BadConnectionRejected"),
    (0x80ad0000, "BadDisconnect"),
    (0x80ae0000, "BadConnectionClosed"),
    (0x80af0000, "BadInvalidState"),
    (0x80b00000, "BadEndOfStream"),
    (0x80b10000, "BadNoDataAvailable"),
    (0x80b20000, "BadWaitingForResponse"),
    (0x80b30000, "BadOperationAbandoned"),
    (0x80b40000, "BadExpectedStreamToBlock"),
    (0x80b50000, "BadWouldBlock"),
    (0x80b60000, "BadSyntaxError"),
    (0x80b70000, "BadMaxConnectionsReached"),
    (0x80b80000, "BadRequestTooLarge"),
    (0x80b90000, "BadResponseTooLarge"),
    (0x80bb0000, "BadEventNotAcknowledgeable"),
    (0x80bd0000, "BadInvalidTimestampArgument"),
    (0x80be0000, "BadProtocolVersionUnsupported"),
    (0x80bf0000, "BadStateNotActive"),
    (0x80c10000, "BadFilterOperatorInvalid"),
    (0x80c20000, "BadFilterOperatorUnsupported"),
    (0x80c30000, "BadFilterOperandCountMismatch"),
    (0x80c40000, "BadFilterElementInvalid"),
    (0x80c50000, "BadFilterLiteralInvalid"),
    (0x80c60000, "BadIdentityChangeNotSupported"),
    (0x80c80000, "BadNotTypeDefinition"),
    (0x80c90000, "BadViewTimestampInvalid"),
    (0x80ca0000, "BadViewParameterMismatch"),
    (0x80cb0000, "BadViewVersionInvalid"),
    (0x80cc0000, "BadConditionAlreadyEnabled"),
    (0x80cd0000, "BadDialogNotActive"),
    (0x80ce0000, "BadDialogResponseInvalid"),
    (0x80cf0000, "BadConditionBranchAlreadyAcked"),
    (0x80d00000, "BadConditionBranchAlreadyConfirmed"),
    (0x80d10000, "BadConditionAlreadyShelved"),
    (0x80d20000, "BadConditionNotShelved"),
    (0x80d30000, "BadShelvingTimeOutOfRange"),
    (0x80d40000, "BadAggregateListMismatch"),
    (0x80d50000, "BadAggregateNotSupported"),
    (0x80d60000, "BadAggregateInvalidInputs"),
    (0x80d70000, "BadBoundNotFound"),
    (0x80d80000, "BadBoundNotSupported"),
    (0x80da0000, "BadAggregateConfigurationRejected"),
    (0x80db0000, "BadTooManyMonitoredItems"),
    (0x80e10000, "BadDominantValueChanged"),
    (0x80e30000, "BadDependentValueChanged"),
    (0x80e40000, "BadRequestNotAllowed"),
    (0x80e50000, "BadTooManyArguments"),
    (0x80e60000, "BadSecurityModeInsufficient"),
    (0x80e70000, "BadDataSetIdInvalid"),
    (0x80e80000, "BadTransactionPending"),
    (0x80e90000, "BadLocked"),
    (0x80ea0000, "BadIndexRangeDataMismatch"),
    (0x80ec0000, "BadRequiresLock"),
    (0x80ed0000, "BadLocaleNotSupported"),
    (0x80ee0000, "BadServerTooBusy"),
    (0x80f00000, "BadNoValue"),
    (0x80f10000, "BadTransactionFailed"),
    (0x810d0000, "BadCertificateChainIncomplete"),
    (0x810e0000, "BadLicenseExpired"),
    (0x810f0000, "BadLicenseLimitsExceeded"),
    (0x81100000, "BadLicenseNotAvailable"),
    (0x81110000, "BadNotExecutable"),
    (0x81120000, "BadNumericOverflow"),
    (0x81130000, "BadRequestNotComplete"),
    (0x81140000, "BadCertificatePolicyCheckFailed"),
    (0x81150000, "BadAlreadyExists"),
    (0x81190000, "BadEdited_OutOfRange"),
    (0x811a0000, "BadInitialValue_OutOfRange"),
    (0x811b0000, "BadOutOfRange_DominantValueChanged"),
    (0x811c0000, "BadEdited_OutOfRange_DominantValueChanged"),
    (
        0x811d0000,
        "BadOutOfRange_DominantValueChanged_DependentValueChanged",
    ),
    (
        0x811e0000,
        "BadEdited_OutOfRange_DominantValueChanged_DependentValueChanged",
    ),
    (0x811f0000, "BadTicketRequired"),
    (0x81200000, "BadTicketInvalid"),
];

/// A StatusCode's severity (bits 30-31).
pub fn severity_name(severity: u8) -> &'static str {
    match severity {
        0 => "Severity_Good",
        1 => "Severity_Uncertain",
        2 => "Severity_Bad",
        _ => "Reserved",
    }
}

/// A StatusCode's info type (bits 10-11).
pub fn info_type_name(info: u8) -> &'static str {
    match info {
        0 => "InfoType_NotUsed",
        1 => "InfoType_DataValue",
        _ => "Reserved",
    }
}

/// A StatusCode's limit bits (bits 8-9).
pub fn limit_bits_name(bits: u8) -> &'static str {
    match bits {
        0 => "LimitBits_None",
        1 => "LimitBits_Low",
        2 => "LimitBits_High",
        _ => "LimitBits_Constant",
    }
}

/// A StatusCode's historian bits (bits 0-1).
pub fn historian_bits_name(bits: u8) -> &'static str {
    match bits {
        0 => "HistorianBits_Raw",
        1 => "HistorianBits_Calculated",
        2 => "HistorianBits_Interpolated",
        _ => "Reserved",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_are_sorted_and_unique() {
        assert!(STATUS_NAMES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn status_codes_are_named_without_their_info_bits() {
        assert_eq!(status_name(0x8079_0000), Some("BadNoSubscription"));
        // Info bits do not change the name.
        assert_eq!(
            status_name(0x4092_0000 | 0x0400 | 0x0200 | 0x80 | 0x1d),
            Some("UncertainInitialValue")
        );
        assert_eq!(status_name(0x8fff_0000), None);
        assert_eq!(status_name(0), Some("Good"));
    }

    /// The names the logs write as `Value::Plain` need no escaping.
    #[test]
    fn names_written_plain_need_no_escaping() {
        let clean = crate::logs::assert_plain;
        for (_, n) in STATUS_NAMES {
            clean(n);
        }
        for b in 0..4 {
            clean(severity_name(b));
            clean(info_type_name(b));
            clean(limit_bits_name(b));
            clean(historian_bits_name(b));
        }
    }
}
