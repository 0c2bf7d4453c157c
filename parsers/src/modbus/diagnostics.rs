//! Function 8, DIAGNOSTICS (Modbus Application Protocol V1.1b3, 6.8): a
//! 16-bit sub-function code and data kept as bytes. Request and response
//! have the same layout.

use super::util::{end, words, PResult};
use super::Violations;

/// A DIAGNOSTICS sub-function code (V1.1b3, 6.8.1). Codes 0x00–0x15 of the
/// spec (and its earlier editions for 0x13 and 0x15) have variants; any
/// other value, reserved ones included, is `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DiagnosticSubFunction {
    /// 0x00.
    ReturnQueryData,
    /// 0x01.
    RestartCommunicationsOption,
    /// 0x02.
    ReturnDiagnosticRegister,
    /// 0x03.
    ChangeAsciiInputDelimiter,
    /// 0x04.
    ForceListenOnlyMode,
    /// 0x0A.
    ClearCountersAndDiagnosticRegister,
    /// 0x0B.
    ReturnBusMessageCount,
    /// 0x0C.
    ReturnBusCommunicationErrorCount,
    /// 0x0D.
    ReturnBusExceptionErrorCount,
    /// 0x0E.
    ReturnServerMessageCount,
    /// 0x0F.
    ReturnServerNoResponseCount,
    /// 0x10.
    ReturnServerNakCount,
    /// 0x11.
    ReturnServerBusyCount,
    /// 0x12.
    ReturnBusCharacterOverrunCount,
    /// 0x13 (reserved in V1.1b3; "Return IOP Overrun Count" before).
    ReturnIopOverrunCount,
    /// 0x14.
    ClearOverrunCounterAndFlag,
    /// 0x15 (reserved in V1.1b3; "Get/Clear Modbus Plus Statistics" before).
    GetClearModbusPlusStatistics,
    /// 0x05–0x09 (reserved) and 0x16–0xFFFF.
    Other(u16),
}

impl From<u16> for DiagnosticSubFunction {
    fn from(code: u16) -> DiagnosticSubFunction {
        use DiagnosticSubFunction::*;
        match code {
            0x00 => ReturnQueryData,
            0x01 => RestartCommunicationsOption,
            0x02 => ReturnDiagnosticRegister,
            0x03 => ChangeAsciiInputDelimiter,
            0x04 => ForceListenOnlyMode,
            0x0A => ClearCountersAndDiagnosticRegister,
            0x0B => ReturnBusMessageCount,
            0x0C => ReturnBusCommunicationErrorCount,
            0x0D => ReturnBusExceptionErrorCount,
            0x0E => ReturnServerMessageCount,
            0x0F => ReturnServerNoResponseCount,
            0x10 => ReturnServerNakCount,
            0x11 => ReturnServerBusyCount,
            0x12 => ReturnBusCharacterOverrunCount,
            0x13 => ReturnIopOverrunCount,
            0x14 => ClearOverrunCounterAndFlag,
            0x15 => GetClearModbusPlusStatistics,
            other => Other(other),
        }
    }
}

impl DiagnosticSubFunction {
    /// The 16-bit code (V1.1b3, 6.8.1).
    pub const fn code(self) -> u16 {
        use DiagnosticSubFunction::*;
        match self {
            ReturnQueryData => 0x00,
            RestartCommunicationsOption => 0x01,
            ReturnDiagnosticRegister => 0x02,
            ChangeAsciiInputDelimiter => 0x03,
            ForceListenOnlyMode => 0x04,
            ClearCountersAndDiagnosticRegister => 0x0A,
            ReturnBusMessageCount => 0x0B,
            ReturnBusCommunicationErrorCount => 0x0C,
            ReturnBusExceptionErrorCount => 0x0D,
            ReturnServerMessageCount => 0x0E,
            ReturnServerNoResponseCount => 0x0F,
            ReturnServerNakCount => 0x10,
            ReturnServerBusyCount => 0x11,
            ReturnBusCharacterOverrunCount => 0x12,
            ReturnIopOverrunCount => 0x13,
            ClearOverrunCounterAndFlag => 0x14,
            GetClearModbusPlusStatistics => 0x15,
            Other(c) => c,
        }
    }

    /// True where the data field is exactly one 16-bit word in both
    /// directions (6.8.1: 0x01–0x04 and 0x0A–0x14).
    pub const fn has_word_data(self) -> bool {
        matches!(self.code(), 0x01..=0x04 | 0x0A..=0x14)
    }
}

/// A DIAGNOSTICS request or response body (V1.1b3, 6.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Diagnostics<'a> {
    /// The sub-function.
    pub sub_function: DiagnosticSubFunction,
    /// Everything after the sub-function code, as sent.
    pub data: &'a [u8],
}

/// Parses the DIAGNOSTICS body after the function code (6.8).
pub(crate) fn parse<'a>(
    msg: &[u8],
    i: &'a [u8],
    v: &mut Violations,
) -> PResult<'a, Diagnostics<'a>> {
    let (data, [sub]) = words::<1>(msg, i)?;
    let sub_function = DiagnosticSubFunction::from(sub);
    v.set_if(
        sub_function.has_word_data() && data.len() != 2,
        Violations::DIAGNOSTIC_DATA_LENGTH,
    );
    Ok((end(data), Diagnostics { sub_function, data }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        for c in 0..=0x30u16 {
            assert_eq!(DiagnosticSubFunction::from(c).code(), c);
        }
        assert_eq!(DiagnosticSubFunction::from(0xFFFF).code(), 0xFFFF);
        assert_eq!(
            DiagnosticSubFunction::from(7),
            DiagnosticSubFunction::Other(7)
        );
        assert_eq!(
            DiagnosticSubFunction::from(0x15),
            DiagnosticSubFunction::GetClearModbusPlusStatistics
        );
    }

    #[test]
    fn word_data_length_is_checked() {
        let msg = [0x08, 0x00, 0x0A, 0x00];
        let mut v = Violations::NONE;
        let Ok((_, d)) = parse(&msg, &msg[1..], &mut v) else {
            panic!("did not parse");
        };
        assert_eq!(
            d.sub_function,
            DiagnosticSubFunction::ClearCountersAndDiagnosticRegister
        );
        assert_eq!(d.data, &[0x00]);
        assert_eq!(v, Violations::DIAGNOSTIC_DATA_LENGTH);
    }
}
