//! Spec violations found while parsing. They are flags on a message, never
//! parse failures: a sensor logs what was on the wire and notes what was
//! wrong with it (the analyzer writes one `weird` per flag).

/// A small set of Modbus spec violations found in one message.
///
/// The limits come from the Modbus Application Protocol Specification
/// V1.1b3, section 6 (one subsection per function), and, for the MBAP
/// header, the Modbus Messaging on TCP/IP Implementation Guide v1.0b, 3.1.3.
/// Each flag has a weird-ready name ([`Violations::names`]).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Violations(u32);

impl Violations {
    /// No violation.
    pub const NONE: Violations = Violations(0);
    /// MBAP protocol identifier other than 0 (TCP guide 3.1.3).
    pub const PROTOCOL_ID_NONZERO: Violations = Violations(1 << 0);
    /// A quantity outside the function's range: 1..=2000 coils or inputs to
    /// read (6.1, 6.2), 1..=125 registers to read (6.3, 6.4, 6.17),
    /// 1..=1968 coils (6.11), 1..=123 registers (6.12) or 1..=121 registers
    /// (6.17) to write, more than 31 FIFO values (6.18) or 64 event bytes
    /// (6.10); for a response, a byte count implying such a quantity.
    pub const QUANTITY_OUT_OF_RANGE: Violations = Violations(1 << 1);
    /// Starting address plus quantity passes 0xFFFF (6.1–6.4, 6.11, 6.12, 6.17).
    pub const ADDRESS_OVERFLOW: Violations = Violations(1 << 2);
    /// A byte count that does not match the quantity or structure it
    /// describes (6.10–6.12, 6.14, 6.17, 6.18).
    pub const BYTE_COUNT_MISMATCH: Violations = Violations(1 << 3);
    /// A byte count or length field claims more bytes than the PDU holds.
    pub const LENGTH_EXCEEDS_PDU: Violations = Violations(1 << 4);
    /// Bytes after the last field of the PDU.
    pub const TRAILING_BYTES: Violations = Violations(1 << 5);
    /// An odd number of bytes where 16-bit registers are carried.
    pub const ODD_REGISTER_BYTE_COUNT: Violations = Violations(1 << 6);
    /// Write Single Coil value other than 0x0000 or 0xFF00 (6.5).
    pub const INVALID_COIL_VALUE: Violations = Violations(1 << 7);
    /// File record reference type other than 6 (6.14, 6.15).
    pub const INVALID_REFERENCE_TYPE: Violations = Violations(1 << 8);
    /// File number 0 or record number above 0x270F (6.14, 6.15).
    pub const FILE_RECORD_OUT_OF_RANGE: Violations = Violations(1 << 9);
    /// A sub-request, sub-record or object that does not fit in the bytes
    /// left for it (6.14, 6.15, 6.21).
    pub const TRUNCATED_ITEM: Violations = Violations(1 << 10);
    /// Read Device Identification: "number of objects" differs from the
    /// objects present (6.21).
    pub const OBJECT_COUNT_MISMATCH: Violations = Violations(1 << 11);
    /// Read Device Identification: read device id code not 1..=4,
    /// conformity level not 0x01–0x03/0x81–0x83, or "more follows" not
    /// 0x00/0xFF (6.21).
    pub const INVALID_DEVICE_ID_FIELD: Violations = Violations(1 << 12);
    /// A request whose function code has the exception bit 0x80 set (7).
    pub const EXCEPTION_CODE_IN_REQUEST: Violations = Violations(1 << 13);
    /// DIAGNOSTICS data not 2 bytes for a sub-function whose data is one
    /// 16-bit word (6.8.1: 0x01–0x04, 0x0A–0x14).
    pub const DIAGNOSTIC_DATA_LENGTH: Violations = Violations(1 << 14);
    /// A PDU longer than 253 bytes (5: "PDU max 253 bytes"); possible only
    /// when a PDU parser is called on an unframed buffer.
    pub const PDU_TOO_LONG: Violations = Violations(1 << 15);
}

/// Weird names of the [`Violations`] flags, indexed by bit number
/// (otwatch's own vocabulary, as `weird.log` prints it).
pub(crate) const VIOLATION_NAMES: [&str; 16] = [
    "modbus_protocol_id_nonzero",
    "modbus_quantity_out_of_range",
    "modbus_address_overflow",
    "modbus_byte_count_mismatch",
    "modbus_length_exceeds_pdu",
    "modbus_trailing_bytes",
    "modbus_odd_register_byte_count",
    "modbus_invalid_coil_value",
    "modbus_invalid_file_reference_type",
    "modbus_file_record_out_of_range",
    "modbus_truncated_item",
    "modbus_object_count_mismatch",
    "modbus_invalid_device_identification_field",
    "modbus_exception_code_in_request",
    "modbus_diagnostic_data_length",
    "modbus_pdu_too_long",
];

crate::flags::violation_set!(Violations, VIOLATION_NAMES);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_has_its_own_name() {
        let all = [
            (
                Violations::PROTOCOL_ID_NONZERO,
                "modbus_protocol_id_nonzero",
            ),
            (
                Violations::QUANTITY_OUT_OF_RANGE,
                "modbus_quantity_out_of_range",
            ),
            (Violations::ADDRESS_OVERFLOW, "modbus_address_overflow"),
            (
                Violations::BYTE_COUNT_MISMATCH,
                "modbus_byte_count_mismatch",
            ),
            (Violations::LENGTH_EXCEEDS_PDU, "modbus_length_exceeds_pdu"),
            (Violations::TRAILING_BYTES, "modbus_trailing_bytes"),
            (
                Violations::ODD_REGISTER_BYTE_COUNT,
                "modbus_odd_register_byte_count",
            ),
            (Violations::INVALID_COIL_VALUE, "modbus_invalid_coil_value"),
            (
                Violations::INVALID_REFERENCE_TYPE,
                "modbus_invalid_file_reference_type",
            ),
            (
                Violations::FILE_RECORD_OUT_OF_RANGE,
                "modbus_file_record_out_of_range",
            ),
            (Violations::TRUNCATED_ITEM, "modbus_truncated_item"),
            (
                Violations::OBJECT_COUNT_MISMATCH,
                "modbus_object_count_mismatch",
            ),
            (
                Violations::INVALID_DEVICE_ID_FIELD,
                "modbus_invalid_device_identification_field",
            ),
            (
                Violations::EXCEPTION_CODE_IN_REQUEST,
                "modbus_exception_code_in_request",
            ),
            (
                Violations::DIAGNOSTIC_DATA_LENGTH,
                "modbus_diagnostic_data_length",
            ),
            (Violations::PDU_TOO_LONG, "modbus_pdu_too_long"),
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
        assert_eq!(union.names().count(), all.len());
    }

    #[test]
    fn set_operations_and_debug() {
        let mut v = Violations::NONE;
        assert!(v.is_empty());
        v.set_if(false, Violations::TRAILING_BYTES);
        assert!(v.is_empty());
        v.set_if(true, Violations::TRAILING_BYTES);
        v.insert(Violations::PROTOCOL_ID_NONZERO);
        assert!(v.contains(Violations::TRAILING_BYTES | Violations::PROTOCOL_ID_NONZERO));
        assert!(!v.contains(Violations::ADDRESS_OVERFLOW));
        assert_eq!(
            format!("{v:?}"),
            r#"{"modbus_protocol_id_nonzero", "modbus_trailing_bytes"}"#
        );
        assert_eq!(v.bits(), 0b10_0001);
    }
}
