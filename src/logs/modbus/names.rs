//! The names the Modbus logs print for codes: function names and the
//! `func` column, exception names, DIAGNOSTICS sub-function names, MEI
//! type texts, and the UMAS function names of alert messages.
//!
//! Names are spelled exactly as the reference sensor prints them (Zeek's
//! `scripts/base/protocols/modbus/consts.zeek`, cisagov/icsnpp-modbus
//! `scripts/consts.zeek` and `scripts/main.zeek`), odd spellings included,
//! so that logs compare equal with the golden corpus. Codes a table lacks
//! print as `unknown-N` (decimal), as the scripts' `&default` does. The
//! Read Device Identification names are in `device_id`.
//!
//! Lookups return `&'static str` where the table has an entry; only the
//! `unknown-N` fallbacks allocate.

use std::borrow::Cow;

macro_rules! function_table {
    ($($code:literal => $name:literal,)*) => {
        /// Zeek's name for a Modbus function code (`Modbus::function_codes`,
        /// 32 entries), or `None` where Zeek prints `unknown-N`.
        /// Modbus Application Protocol Specification V1.1b3, 5.1 (public
        /// codes) plus the vendor codes Zeek names.
        pub fn function_name(code: u8) -> Option<&'static str> {
            match code {
                $($code => Some($name),)*
                _ => None,
            }
        }

        fn function_exception_name(code: u8) -> Option<&'static str> {
            match code {
                $($code => Some(concat!($name, "_EXCEPTION")),)*
                _ => None,
            }
        }
    };
}

function_table! {
    0x01 => "READ_COILS",
    0x02 => "READ_DISCRETE_INPUTS",
    0x03 => "READ_HOLDING_REGISTERS",
    0x04 => "READ_INPUT_REGISTERS",
    0x05 => "WRITE_SINGLE_COIL",
    0x06 => "WRITE_SINGLE_REGISTER",
    0x07 => "READ_EXCEPTION_STATUS",
    0x08 => "DIAGNOSTICS",
    0x09 => "PROGRAM_484",
    0x0A => "POLL_484",
    0x0B => "GET_COMM_EVENT_COUNTER",
    0x0C => "GET_COMM_EVENT_LOG",
    0x0D => "PROGRAM_584_984",
    0x0E => "POLL_584_984",
    0x0F => "WRITE_MULTIPLE_COILS",
    0x10 => "WRITE_MULTIPLE_REGISTERS",
    0x11 => "REPORT_SLAVE_ID",
    0x12 => "PROGRAM_884_U84",
    0x13 => "RESET_COMM_LINK_884_U84",
    0x14 => "READ_FILE_RECORD",
    0x15 => "WRITE_FILE_RECORD",
    0x16 => "MASK_WRITE_REGISTER",
    0x17 => "READ_WRITE_MULTIPLE_REGISTERS",
    0x18 => "READ_FIFO_QUEUE",
    0x28 => "PROGRAM_CONCEPT",
    0x29 => "MULTIPLE_FUNCTION_CODES",
    0x2B => "ENCAP_INTERFACE_TRANSPORT",
    0x5A => "PROGRAM_UNITY",
    0x5B => "OBJECT_MESSAGING",
    0x7D => "FIRMWARE_REPLACEMENT",
    0x7E => "PROGRAM_584_984_2",
    0x7F => "REPORT_LOCAL_ADDRESS",
}

fn unknown(n: impl std::fmt::Display) -> Cow<'static, str> {
    Cow::Owned(format!("unknown-{n}"))
}

/// The `func` column of Zeek's `modbus.log` for a raw function-code byte
/// (Zeek's `build_func`): the table name; for an exception response
/// (bit 0x80 set, Modbus Application Protocol V1.1b3, 7) the name of the
/// function plus `_EXCEPTION`; otherwise `unknown-N` with N the whole byte.
pub fn func_name(byte: u8) -> Cow<'static, str> {
    if let Some(n) = function_name(byte) {
        return Cow::Borrowed(n);
    }
    if byte & 0x80 != 0 {
        if let Some(n) = function_exception_name(byte & 0x7F) {
            return Cow::Borrowed(n);
        }
    }
    unknown(byte)
}

/// Zeek's name for a Modbus exception code (`Modbus::exception_codes`),
/// `unknown-N` otherwise. Modbus Application Protocol V1.1b3, 7.
pub fn exception_name(code: u8) -> Cow<'static, str> {
    Cow::Borrowed(match code {
        0x01 => "ILLEGAL_FUNCTION",
        0x02 => "ILLEGAL_DATA_ADDRESS",
        0x03 => "ILLEGAL_DATA_VALUE",
        0x04 => "SLAVE_DEVICE_FAILURE",
        0x05 => "ACKNOWLEDGE",
        0x06 => "SLAVE_DEVICE_BUSY",
        0x08 => "MEMORY_PARITY_ERROR",
        0x0A => "GATEWAY_PATH_UNAVAILABLE",
        0x0B => "GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND",
        _ => return unknown(code),
    })
}

/// ICSNPP's name for a DIAGNOSTICS sub-function code
/// (`Modbus_Extended::diagnostic_subfunction_code`, 15 entries; 0x13 and
/// 0x15 are not in it), `unknown-N` otherwise.
/// Modbus Application Protocol V1.1b3, 6.8.1.
pub fn diagnostic_subfunction_name(code: u16) -> Cow<'static, str> {
    Cow::Borrowed(match code {
        0x00 => "Return Query Data",
        0x01 => "Restart Communications Option",
        0x02 => "Return Diagnostic Register",
        0x03 => "Change ASCII Input Delimiter",
        0x04 => "Force Listen Only Mode",
        0x0A => "Clear Counters and Diagnostic Register",
        0x0B => "Return Bus Message Count",
        0x0C => "Return Bus Communication Error Count",
        0x0D => "Return Bus Exception Error Count",
        0x0E => "Return Server Message Count",
        0x0F => "Return Server No Response Count",
        0x10 => "Return Server NAK Count",
        0x11 => "Return Server Busy Count",
        0x12 => "Return Bus Character Overrun Count",
        0x14 => "Clear Overrun Counter and Flag",
        _ => return unknown(code),
    })
}

/// ICSNPP's `mei_type` text for an MEI type (Modbus Application Protocol
/// V1.1b3, 6.19): `CANopen` (13), `Read Device Identification` (14), else
/// the request text `invalid encapsulated interface transport mei-(0xNN)`
/// or the response text `unknown encapsulated interface transport
/// mei-(oxNN)` (sic: `ox`), NN in lower-case hex.
pub fn mei_type_name(mei_type: u8, is_request: bool) -> Cow<'static, str> {
    match mei_type {
        0x0D => Cow::Borrowed("CANopen"),
        0x0E => Cow::Borrowed("Read Device Identification"),
        t if is_request => Cow::Owned(format!(
            "invalid encapsulated interface transport mei-(0x{t:02x})"
        )),
        t => Cow::Owned(format!(
            "unknown encapsulated interface transport mei-(ox{t:02x})"
        )),
    }
}

/// The name of a Schneider Electric UMAS function code (the byte after the
/// pairing key in a function-90 PDU). UMAS has no public specification; the
/// names follow the public dissectors (Wireshark's UMAS `packet-mbtcp.h`,
/// the "Unity (UMAS) protocol" write-ups they cite).
pub fn umas_function_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0x01 => "INIT_COMM",
        0x02 => "READ_ID",
        0x03 => "READ_PROJECT_INFO",
        0x04 => "READ_PLC_INFO",
        0x06 => "READ_CARD_INFO",
        0x0A => "REPEAT",
        0x10 => "TAKE_PLC_RESERVATION",
        0x11 => "RELEASE_PLC_RESERVATION",
        0x12 => "KEEP_ALIVE",
        0x20 => "READ_MEMORY_BLOCK",
        0x22 => "READ_VARIABLES",
        0x23 => "WRITE_VARIABLES",
        0x24 => "READ_COILS_REGISTERS",
        0x25 => "WRITE_COILS_REGISTERS",
        0x26 => "DATA_DICTIONARY",
        0x30 => "INITIALIZE_UPLOAD",
        0x31 => "UPLOAD_BLOCK",
        0x32 => "END_STRATEGY_UPLOAD",
        0x33 => "INITIALIZE_DOWNLOAD",
        0x34 => "DOWNLOAD_BLOCK",
        0x35 => "END_STRATEGY_DOWNLOAD",
        0x39 => "READ_ETH_MASTER_DATA",
        0x40 => "START_PLC",
        0x41 => "STOP_PLC",
        0x50 => "MONITOR_PLC",
        0x58 => "CHECK_PLC",
        0x70 => "READ_IO_OBJECT",
        0x71 => "WRITE_IO_OBJECT",
        0x73 => "GET_STATUS_MODULE",
        0xFD => "RESPONSE_ERROR",
        0xFE => "RESPONSE_OK",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_follow_zeek_including_vendor_codes() {
        assert_eq!(function_name(0x01), Some("READ_COILS"));
        assert_eq!(function_name(0x11), Some("REPORT_SLAVE_ID"));
        assert_eq!(function_name(0x2B), Some("ENCAP_INTERFACE_TRANSPORT"));
        // Zeek names 90 (consts.zeek, `[0x5A] = "PROGRAM_UNITY"`).
        assert_eq!(function_name(0x5A), Some("PROGRAM_UNITY"));
        assert_eq!(function_name(0x19), None);
        assert_eq!((0..=255u8).filter_map(function_name).count(), 32);
    }

    #[test]
    fn func_column_builds_exception_and_unknown_names() {
        assert_eq!(func_name(0x03), "READ_HOLDING_REGISTERS");
        assert_eq!(func_name(0x83), "READ_HOLDING_REGISTERS_EXCEPTION");
        assert_eq!(func_name(0xDA), "PROGRAM_UNITY_EXCEPTION");
        // zeek-modbus/baseline/exception_handling: 0x9C prints unknown-156.
        assert_eq!(func_name(0x9C), "unknown-156");
        assert_eq!(func_name(0x42), "unknown-66");
        assert_eq!(func_name(0x41), "unknown-65");
        assert_eq!(func_name(0x64), "unknown-100");
        // Codes Zeek names, whether or not the parser reads their bodies.
        assert_eq!(func_name(0x01), "READ_COILS");
        assert_eq!(func_name(0x81), "READ_COILS_EXCEPTION");
        assert_eq!(func_name(0x11), "REPORT_SLAVE_ID");
        assert_eq!(func_name(0x2B), "ENCAP_INTERFACE_TRANSPORT");
        assert_eq!(func_name(0x5A), "PROGRAM_UNITY");
        assert_eq!(func_name(0x09), "PROGRAM_484");
        assert!(matches!(func_name(0x83), Cow::Borrowed(_)));
    }

    #[test]
    fn exception_and_subfunction_names() {
        assert_eq!(exception_name(2), "ILLEGAL_DATA_ADDRESS");
        assert_eq!(
            exception_name(11),
            "GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND"
        );
        assert_eq!(exception_name(1), "ILLEGAL_FUNCTION");
        assert_eq!(exception_name(7), "unknown-7");
        assert_eq!(diagnostic_subfunction_name(0), "Return Query Data");
        assert_eq!(diagnostic_subfunction_name(0x10), "Return Server NAK Count");
        assert_eq!(diagnostic_subfunction_name(0x13), "unknown-19");
        assert_eq!(diagnostic_subfunction_name(0x15), "unknown-21");
        assert_eq!(diagnostic_subfunction_name(300), "unknown-300");
        assert_eq!(diagnostic_subfunction_name(0x1234), "unknown-4660");
    }

    #[test]
    fn mei_texts_keep_icsnpp_spelling() {
        assert_eq!(mei_type_name(0x0E, true), "Read Device Identification");
        assert_eq!(mei_type_name(0x0D, false), "CANopen");
        assert_eq!(
            mei_type_name(0x2A, true),
            "invalid encapsulated interface transport mei-(0x2a)"
        );
        assert_eq!(
            mei_type_name(0x0F, false),
            "unknown encapsulated interface transport mei-(ox0f)"
        );
    }

    #[test]
    fn umas_names() {
        assert_eq!(umas_function_name(0x02), Some("READ_ID"));
        assert_eq!(umas_function_name(0x10), Some("TAKE_PLC_RESERVATION"));
        assert_eq!(umas_function_name(0x41), Some("STOP_PLC"));
        assert_eq!(umas_function_name(0xFE), Some("RESPONSE_OK"));
        assert_eq!(umas_function_name(0x05), None);
    }
}
