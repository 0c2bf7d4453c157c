//! Spec violations of ISO-on-TCP and S7comm messages: flags on a message,
//! never parse failures (the analyzer writes one `weird` per flag).

/// A small set of spec violations found in one TPKT packet, COTP TPDU or
/// S7comm PDU.
///
/// TPKT: RFC 1006, section 6; COTP: ITU-T X.224 (ISO 8073), 13; S7comm:
/// the layout Wireshark's `packet-s7comm.c` documents (Siemens publishes
/// no specification). Each flag has a weird-ready name
/// ([`Violations::names`]).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Violations(u32);

impl Violations {
    /// No violation.
    pub const NONE: Violations = Violations(0);
    /// TPKT reserved octet other than 0 (RFC 1006, 6).
    pub const TPKT_RESERVED_NONZERO: Violations = Violations(1 << 0);
    /// A COTP variable-part parameter whose length runs past the header
    /// (X.224, 13.2.3).
    pub const COTP_PARAMETER_TRUNCATED: Violations = Violations(1 << 1);
    /// The S7comm parameter or data length claims more bytes than the PDU
    /// holds.
    pub const S7_LENGTH_EXCEEDS_PDU: Violations = Violations(1 << 2);
    /// Bytes after the S7comm data, or after the fields a parameter block
    /// or data block defines.
    pub const S7_TRAILING_BYTES: Violations = Violations(1 << 3);
    /// Read/Write Var: the item count differs from the items present, or a
    /// data block holds a different number of items than the parameter
    /// announced.
    pub const S7_ITEM_COUNT_MISMATCH: Violations = Violations(1 << 4);
    /// An item, data item or length-prefixed string that does not fit in
    /// the bytes left for it.
    pub const S7_TRUNCATED_ITEM: Violations = Violations(1 << 5);
    /// A request item whose variable specification is not 0x12.
    pub const S7_INVALID_VARIABLE_SPEC: Violations = Violations(1 << 6);
    /// A Userdata parameter head other than 00 01 12, or a parameter
    /// length other than 4 or 8 or the bytes present.
    pub const S7_INVALID_USERDATA_HEAD: Violations = Violations(1 << 7);
    /// An SZL list whose entry length times count differs from the entry
    /// bytes present (also every fragment of a list sent in parts).
    pub const S7_SZL_LENGTH_MISMATCH: Violations = Violations(1 << 8);
}

/// Weird names of the [`Violations`] flags, indexed by bit number.
pub(crate) const VIOLATION_NAMES: [&str; 9] = [
    "tpkt_reserved_nonzero",
    "cotp_parameter_truncated",
    "s7comm_length_exceeds_pdu",
    "s7comm_trailing_bytes",
    "s7comm_item_count_mismatch",
    "s7comm_truncated_item",
    "s7comm_invalid_variable_specification",
    "s7comm_invalid_userdata_head",
    "s7comm_szl_length_mismatch",
];

crate::flags::violation_set!(Violations, VIOLATION_NAMES);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_has_its_own_name() {
        let all = [
            Violations::TPKT_RESERVED_NONZERO,
            Violations::COTP_PARAMETER_TRUNCATED,
            Violations::S7_LENGTH_EXCEEDS_PDU,
            Violations::S7_TRAILING_BYTES,
            Violations::S7_ITEM_COUNT_MISMATCH,
            Violations::S7_TRUNCATED_ITEM,
            Violations::S7_INVALID_VARIABLE_SPEC,
            Violations::S7_INVALID_USERDATA_HEAD,
            Violations::S7_SZL_LENGTH_MISMATCH,
        ];
        assert_eq!(all.len(), VIOLATION_NAMES.len());
        let mut union = Violations::NONE;
        for (flag, name) in all.into_iter().zip(VIOLATION_NAMES) {
            assert_eq!(flag.names().collect::<Vec<_>>(), vec![name]);
            assert!(!union.contains(flag), "{name} shares a bit");
            union |= flag;
        }
        assert_eq!(union.len(), all.len());
        assert_eq!(
            format!(
                "{:?}",
                Violations::TPKT_RESERVED_NONZERO | Violations::S7_TRUNCATED_ITEM
            ),
            r#"{"tpkt_reserved_nonzero", "s7comm_truncated_item"}"#
        );
    }
}
