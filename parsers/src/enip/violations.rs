//! Spec violations found while parsing EtherNet/IP and CIP. They are flags
//! on a message, never parse failures: a sensor logs what was on the wire
//! and notes what was wrong with it (the analyzer writes one `weird` per
//! flag).

/// A small set of EtherNet/IP and CIP spec violations found in one message.
///
/// The rules come from CIP Volume 2 (EtherNet/IP Adaptation of CIP),
/// chapter 2 (encapsulation 2-3, commands 2-4, Common Packet Format 2-6),
/// and CIP Volume 1 (message router 2-4, Connection Manager 3-5, EPATH
/// appendix C-1, Multiple Service Packet A-4.10). Each flag has a
/// weird-ready name ([`Violations::names`]).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Violations(u32);

impl Violations {
    /// No violation.
    pub const NONE: Violations = Violations(0);
    /// Encapsulation header options field other than 0 (Vol 2, 2-3.1: the
    /// receiver shall discard such a packet).
    pub const OPTIONS_NONZERO: Violations = Violations(1 << 0);
    /// Bytes after the last field a command, item or service defines.
    pub const TRAILING_BYTES: Violations = Violations(1 << 1);
    /// Encapsulation protocol version other than 1 (Vol 2, 2-4.4
    /// RegisterSession, 2-4.3.2 ListIdentity item, 2-4.6.3 ListServices item).
    pub const UNSUPPORTED_PROTOCOL_VERSION: Violations = Violations(1 << 2);
    /// RegisterSession options flags other than 0 (Vol 2, 2-4.4).
    pub const REGISTER_OPTIONS_NONZERO: Violations = Violations(1 << 3);
    /// SendRRData / SendUnitData interface handle other than 0, the CIP
    /// interface (Vol 2, 2-4.7, 2-4.8).
    pub const INTERFACE_HANDLE_NONZERO: Violations = Violations(1 << 4);
    /// Common Packet Format items that do not fit the command: SendRRData
    /// needs a Null address and an Unconnected data item, SendUnitData a
    /// Connected address and a Connected data item (Vol 2, 2-6.2),
    /// ListIdentity and ListServices replies their own item type (2-4.3,
    /// 2-4.6).
    pub const UNEXPECTED_ITEMS: Violations = Violations(1 << 5);
    /// Fewer CPF items present than the item count announces (Vol 2, 2-6.1).
    pub const ITEM_COUNT_MISMATCH: Violations = Violations(1 << 6);
    /// A CPF item whose length runs past the end of the data (Vol 2, 2-6.1).
    pub const TRUNCATED_ITEM: Violations = Violations(1 << 7);
    /// A CPF item whose length does not match its type: Null address 0,
    /// Connected address 4, Sequenced address 8, Sockaddr info 16 bytes
    /// (Vol 2, 2-6.2, 2-6.3), or an identity / services item with bytes
    /// after its last field.
    pub const ITEM_LENGTH_MISMATCH: Violations = Violations(1 << 8);
    /// Sockaddr info with a family other than AF_INET (2) or a non-zero
    /// sin_zero (Vol 2, 2-6.3.3).
    pub const INVALID_SOCKADDR: Violations = Violations(1 << 9);
    /// A CIP size or count field (path size, additional status size,
    /// embedded message size, route or connection path size, service count)
    /// claims more bytes than the message holds (Vol 1, 2-4).
    pub const LENGTH_EXCEEDS_DATA: Violations = Violations(1 << 10);
    /// A request with the reply bit 0x80 set, or a reply without it
    /// (Vol 1, 2-4.1, 2-4.2).
    pub const SERVICE_DIRECTION_MISMATCH: Violations = Violations(1 << 11);
    /// A reserved field that is not zero: the reply's reserved byte
    /// (Vol 1, 2-4.2), the reserved bytes of Unconnected Send, Forward Open
    /// and Forward Close (3-5.5).
    pub const RESERVED_NONZERO: Violations = Violations(1 << 12);
    /// An EPATH segment of a reserved type or format, or one that does not
    /// fit in the path (Vol 1, C-1.4).
    pub const INVALID_PATH_SEGMENT: Violations = Violations(1 << 13);
    /// A Multiple Service Packet offset that points into the offset table,
    /// past the data, or before the previous offset (Vol 1, A-4.10).
    pub const MSP_INVALID_OFFSET: Violations = Violations(1 << 14);
    /// A Multiple Service Packet with no services (Vol 1, A-4.10).
    pub const MSP_NO_SERVICES: Violations = Violations(1 << 15);
    /// Forward Open connection timeout multiplier above 7 (Vol 1, 3-5.4.1.4).
    pub const INVALID_TIMEOUT_MULTIPLIER: Violations = Violations(1 << 16);
    /// Forward Open network connection parameters with the reserved
    /// connection type 3 or reserved bits set (Vol 1, 3-5.5.1.1).
    pub const INVALID_CONNECTION_PARAMETERS: Violations = Violations(1 << 17);
    /// Unconnected Send with an odd embedded message size and no pad byte
    /// after the message (Vol 1, 3-5.5.4).
    pub const PAD_MISSING: Violations = Violations(1 << 18);
}

/// Weird names of the [`Violations`] flags, indexed by bit number
/// (otwatch's own vocabulary, as `weird.log` prints it).
pub(crate) const VIOLATION_NAMES: [&str; 19] = [
    "enip_options_nonzero",
    "enip_trailing_bytes",
    "enip_unsupported_protocol_version",
    "enip_register_session_options_nonzero",
    "enip_interface_handle_nonzero",
    "enip_unexpected_cpf_items",
    "enip_cpf_item_count_mismatch",
    "enip_cpf_truncated_item",
    "enip_cpf_item_length_mismatch",
    "enip_invalid_sockaddr",
    "cip_length_exceeds_data",
    "cip_service_direction_mismatch",
    "cip_reserved_nonzero",
    "cip_invalid_path_segment",
    "cip_msp_invalid_offset",
    "cip_msp_no_services",
    "cip_invalid_timeout_multiplier",
    "cip_invalid_connection_parameters",
    "cip_unconnected_send_pad_missing",
];

crate::flags::violation_set!(Violations, VIOLATION_NAMES);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_has_its_own_name() {
        let all = [
            (Violations::OPTIONS_NONZERO, "enip_options_nonzero"),
            (Violations::TRAILING_BYTES, "enip_trailing_bytes"),
            (
                Violations::UNSUPPORTED_PROTOCOL_VERSION,
                "enip_unsupported_protocol_version",
            ),
            (
                Violations::REGISTER_OPTIONS_NONZERO,
                "enip_register_session_options_nonzero",
            ),
            (
                Violations::INTERFACE_HANDLE_NONZERO,
                "enip_interface_handle_nonzero",
            ),
            (Violations::UNEXPECTED_ITEMS, "enip_unexpected_cpf_items"),
            (
                Violations::ITEM_COUNT_MISMATCH,
                "enip_cpf_item_count_mismatch",
            ),
            (Violations::TRUNCATED_ITEM, "enip_cpf_truncated_item"),
            (
                Violations::ITEM_LENGTH_MISMATCH,
                "enip_cpf_item_length_mismatch",
            ),
            (Violations::INVALID_SOCKADDR, "enip_invalid_sockaddr"),
            (Violations::LENGTH_EXCEEDS_DATA, "cip_length_exceeds_data"),
            (
                Violations::SERVICE_DIRECTION_MISMATCH,
                "cip_service_direction_mismatch",
            ),
            (Violations::RESERVED_NONZERO, "cip_reserved_nonzero"),
            (Violations::INVALID_PATH_SEGMENT, "cip_invalid_path_segment"),
            (Violations::MSP_INVALID_OFFSET, "cip_msp_invalid_offset"),
            (Violations::MSP_NO_SERVICES, "cip_msp_no_services"),
            (
                Violations::INVALID_TIMEOUT_MULTIPLIER,
                "cip_invalid_timeout_multiplier",
            ),
            (
                Violations::INVALID_CONNECTION_PARAMETERS,
                "cip_invalid_connection_parameters",
            ),
            (Violations::PAD_MISSING, "cip_unconnected_send_pad_missing"),
        ];
        assert_eq!(all.len(), VIOLATION_NAMES.len());
        let mut union = Violations::NONE;
        for (flag, name) in all {
            assert_eq!(flag.len(), 1);
            assert_eq!(flag.names().collect::<Vec<_>>(), vec![name]);
            assert!(!union.contains(flag), "{name} shares a bit");
            union |= flag;
        }
        assert_eq!(union.len(), all.len());
    }

    #[test]
    fn set_operations_and_debug() {
        let mut v = Violations::NONE;
        assert!(v.is_empty());
        v.set_if(false, Violations::TRAILING_BYTES);
        assert!(v.is_empty());
        v.set_if(true, Violations::TRAILING_BYTES);
        v.insert(Violations::OPTIONS_NONZERO);
        assert!(v.contains(Violations::TRAILING_BYTES | Violations::OPTIONS_NONZERO));
        assert!(!v.contains(Violations::PAD_MISSING));
        assert_eq!(
            format!("{v:?}"),
            r#"{"enip_options_nonzero", "enip_trailing_bytes"}"#
        );
        assert_eq!(v.bits(), 0b11);
    }
}
