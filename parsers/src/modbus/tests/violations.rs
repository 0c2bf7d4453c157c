//! Spec violations are flagged on a message that still parses.

use super::*;
use Violations as V;

fn req_flags(pdu: &[u8]) -> Violations {
    match parse_request(pdu) {
        Ok((rest, r)) => {
            assert!(rest.is_empty());
            r.violations
        }
        Err(e) => panic!("request {pdu:02x?} must parse with flags: {e}"),
    }
}

fn resp_flags(pdu: &[u8]) -> Violations {
    match parse_response(pdu) {
        Ok((rest, r)) => {
            assert!(rest.is_empty());
            r.violations
        }
        Err(e) => panic!("response {pdu:02x?} must parse with flags: {e}"),
    }
}

#[test]
fn read_quantities_over_the_limits() {
    // Read Coils / Discrete Inputs: 2000 is fine, 2001 is not (6.1, 6.2).
    assert_eq!(req_flags(&[0x01, 0x00, 0x00, 0x07, 0xD0]), V::NONE);
    assert_eq!(
        req_flags(&[0x01, 0x00, 0x00, 0x07, 0xD1]),
        V::QUANTITY_OUT_OF_RANGE
    );
    assert_eq!(
        req_flags(&[0x02, 0x00, 0x00, 0x00, 0x00]),
        V::QUANTITY_OUT_OF_RANGE
    );
    // Read registers: 125 is fine, 126 is not (6.3, 6.4).
    assert_eq!(req_flags(&[0x03, 0x00, 0x00, 0x00, 0x7D]), V::NONE);
    assert_eq!(
        req_flags(&[0x04, 0x00, 0x00, 0x00, 0x7E]),
        V::QUANTITY_OUT_OF_RANGE
    );
    // The parse goes on: the fields are there.
    let (_, r) = parse_request(&[0x03, 0x00, 0x10, 0x01, 0x00]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        r.body,
        RequestBody::ReadHoldingRegisters {
            address: 16,
            quantity: 256
        }
    );
}

#[test]
fn address_range_past_the_end() {
    assert_eq!(
        req_flags(&[0x03, 0xFF, 0xFF, 0x00, 0x02]),
        V::ADDRESS_OVERFLOW
    );
    assert_eq!(req_flags(&[0x03, 0xFF, 0xFF, 0x00, 0x01]), V::NONE);
}

#[test]
fn write_multiple_coils_limits_and_counts() {
    // 1968 coils, 246 bytes: fine (6.11).
    let mut ok = vec![0x0F, 0x00, 0x00, 0x07, 0xB0, 246];
    ok.extend(std::iter::repeat_n(0u8, 246));
    assert_eq!(req_flags(&ok), V::NONE);
    // 1969 coils: over 0x7B0; byte count 247 still matches.
    let mut over = vec![0x0F, 0x00, 0x00, 0x07, 0xB1, 247];
    over.extend(std::iter::repeat_n(0u8, 247));
    assert_eq!(req_flags(&over), V::QUANTITY_OUT_OF_RANGE);
    // 10 coils need 2 bytes, not 3.
    assert_eq!(
        req_flags(&[0x0F, 0x00, 0x00, 0x00, 0x0A, 0x03, 0xFF, 0x03, 0x00]),
        V::BYTE_COUNT_MISMATCH
    );
    // Byte count 2 but only one byte follows.
    assert_eq!(
        req_flags(&[0x0F, 0x00, 0x00, 0x00, 0x0A, 0x02, 0xFF]),
        V::LENGTH_EXCEEDS_PDU
    );
}

#[test]
fn write_multiple_registers_limits_and_counts() {
    // 124 registers: over 123 (6.12). Byte count 248 matches, and makes
    // the PDU longer than a frame can carry.
    let mut over = vec![0x10, 0x00, 0x00, 0x00, 0x7C, 248];
    over.extend(std::iter::repeat_n(0u8, 248));
    assert_eq!(req_flags(&over), V::QUANTITY_OUT_OF_RANGE | V::PDU_TOO_LONG);
    // Odd byte count, which cannot be 2 * quantity either.
    assert_eq!(
        req_flags(&[0x10, 0x00, 0x00, 0x00, 0x01, 0x03, 0x00, 0x01, 0x02]),
        V::ODD_REGISTER_BYTE_COUNT | V::BYTE_COUNT_MISMATCH
    );
    // Bytes after the announced data.
    assert_eq!(
        req_flags(&[0x10, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x01, 0xEE]),
        V::TRAILING_BYTES
    );
}

#[test]
fn read_write_multiple_limits() {
    // Read 126 (> 125), write 121 (the limit), 242 bytes of data (6.17).
    let mut pdu = vec![0x17, 0x00, 0x00, 0x00, 0x7E, 0x00, 0x00, 0x00, 0x79, 242];
    pdu.extend(std::iter::repeat_n(0u8, 242));
    assert_eq!(req_flags(&pdu), V::QUANTITY_OUT_OF_RANGE);
    // Read 1, write 120 (fine) then write 122 (> 121).
    let mut pdu = vec![0x17, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x78, 240];
    pdu.extend(std::iter::repeat_n(0u8, 240));
    assert_eq!(req_flags(&pdu), V::NONE);
    pdu[8] = 0x7A;
    pdu[9] = 244;
    pdu.extend([0u8; 4]);
    let flags = req_flags(&pdu);
    assert!(flags.contains(V::QUANTITY_OUT_OF_RANGE), "{flags:?}");
    let (_, r) = parse_request(&pdu).unwrap_or_else(|e| panic!("{e}"));
    let RequestBody::ReadWriteMultipleRegisters { registers, .. } = r.body else {
        panic!("not read/write multiple");
    };
    assert_eq!(registers.len(), 122);
}

#[test]
fn trailing_bytes_and_bad_coil_values() {
    assert_eq!(
        req_flags(&[0x01, 0x00, 0x00, 0x00, 0x01, 0x99]),
        V::TRAILING_BYTES
    );
    assert_eq!(req_flags(&[0x07, 0x00]), V::TRAILING_BYTES);
    assert_eq!(resp_flags(&[0x81, 0x02, 0x00]), V::TRAILING_BYTES);
    assert_eq!(
        req_flags(&[0x05, 0x00, 0x01, 0x12, 0x34]),
        V::INVALID_COIL_VALUE
    );
}

#[test]
fn response_byte_counts() {
    // Odd register byte count.
    assert_eq!(
        resp_flags(&[0x03, 0x03, 0x00, 0x01, 0x02]),
        V::ODD_REGISTER_BYTE_COUNT
    );
    // Byte count larger than the data.
    assert_eq!(resp_flags(&[0x03, 0x04, 0x00, 0x01]), V::LENGTH_EXCEEDS_PDU);
    // Byte count 0 means no register was read: below the range.
    assert_eq!(resp_flags(&[0x04, 0x00]), V::QUANTITY_OUT_OF_RANGE);
    // More bytes than announced.
    assert_eq!(resp_flags(&[0x01, 0x01, 0xFF, 0xFF]), V::TRAILING_BYTES);
    // FIFO: byte count not 2 + 2 * count, and more than 31 values.
    assert_eq!(
        resp_flags(&[0x18, 0x00, 0x04, 0x00, 0x02, 0x00, 0x01]),
        V::BYTE_COUNT_MISMATCH
    );
    let mut fifo = vec![0x18, 0x00, 66, 0x00, 32];
    fifo.extend(std::iter::repeat_n(0u8, 64));
    assert_eq!(resp_flags(&fifo), V::QUANTITY_OUT_OF_RANGE);
    // Comm event log whose byte count cannot hold its three words.
    assert_eq!(
        resp_flags(&[0x0C, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
        V::BYTE_COUNT_MISMATCH
    );
}

#[test]
fn file_record_violations() {
    // Byte count 8 is not a multiple of 7; reference type 7; record 0x2710.
    assert_eq!(
        req_flags(&[0x14, 0x08, 0x07, 0x00, 0x01, 0x27, 0x10, 0x00, 0x01, 0x00]),
        V::BYTE_COUNT_MISMATCH
            | V::INVALID_REFERENCE_TYPE
            | V::FILE_RECORD_OUT_OF_RANGE
            | V::TRUNCATED_ITEM
    );
    // Write File Record sub-record announcing more data than its byte count.
    assert_eq!(
        req_flags(&[0x15, 0x09, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0xAB, 0xCD]),
        V::TRUNCATED_ITEM
    );
    // Read File Record response: odd record data.
    assert_eq!(
        resp_flags(&[0x14, 0x05, 0x04, 0x06, 0x01, 0x02, 0x03]),
        V::ODD_REGISTER_BYTE_COUNT
    );
}

#[test]
fn device_identification_violations() {
    assert_eq!(
        resp_flags(&[0x2B, 0x0E, 0x09, 0x07, 0x01, 0x00, 0x01, 0x00, 0x05, b'a']),
        V::INVALID_DEVICE_ID_FIELD | V::TRUNCATED_ITEM | V::OBJECT_COUNT_MISMATCH
    );
    assert_eq!(
        req_flags(&[0x2B, 0x0E, 0x01, 0x00, 0x00]),
        V::TRAILING_BYTES
    );
}

#[test]
fn exception_bit_in_a_request() {
    let pdu = [0x83, 0x02];
    assert_eq!(req_flags(&pdu), V::EXCEPTION_CODE_IN_REQUEST);
    let (_, r) = parse_request(&pdu).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.function(), FunctionCode::Unknown(0x83));
    assert_eq!(r.body, RequestBody::Unknown(&[0x02]));
}

#[test]
fn diagnostics_word_data_length() {
    assert_eq!(
        req_flags(&[0x08, 0x00, 0x01, 0x00, 0x00, 0x00]),
        V::DIAGNOSTIC_DATA_LENGTH
    );
    assert_eq!(req_flags(&[0x08, 0x00, 0x15, 0x00, 0x03, 0x00]), V::NONE);
}

#[test]
fn an_unframed_pdu_over_253_bytes() {
    let mut pdu = vec![0x41];
    pdu.extend(std::iter::repeat_n(0u8, 253));
    assert_eq!(req_flags(&pdu), V::PDU_TOO_LONG);
}

#[test]
fn one_weird_name_per_violation() {
    let flags = req_flags(&[0x10, 0xFF, 0xFF, 0x00, 0x7C, 0x03, 0x00]);
    assert_eq!(
        flags.names().collect::<Vec<_>>(),
        vec![
            "modbus_quantity_out_of_range",
            "modbus_address_overflow",
            "modbus_byte_count_mismatch",
            "modbus_length_exceeds_pdu",
            "modbus_odd_register_byte_count",
        ]
    );
}
