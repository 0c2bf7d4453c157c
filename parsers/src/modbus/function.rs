//! Modbus function codes: the ones this module parses, and `Unknown` for
//! every other byte (an unknown code is data, not an error).

/// A Modbus function code (Modbus Application Protocol Specification
/// V1.1b3, 5.1 "Public Function Code Definition"; 6.x per function).
///
/// Build it with `FunctionCode::from(byte)`: every code this module parses
/// has its own variant, every other byte is `Unknown(byte)` (so
/// `Unknown(1)` is never produced). A response's exception bit is not part
/// of the code: see [`Response::function`](super::Response::function).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FunctionCode {
    /// 0x01, 6.1.
    ReadCoils,
    /// 0x02, 6.2.
    ReadDiscreteInputs,
    /// 0x03, 6.3.
    ReadHoldingRegisters,
    /// 0x04, 6.4.
    ReadInputRegisters,
    /// 0x05, 6.5.
    WriteSingleCoil,
    /// 0x06, 6.6.
    WriteSingleRegister,
    /// 0x07, 6.7 (serial line only).
    ReadExceptionStatus,
    /// 0x08, 6.8 (serial line only).
    Diagnostics,
    /// 0x0B, 6.9 (serial line only).
    GetCommEventCounter,
    /// 0x0C, 6.10 (serial line only).
    GetCommEventLog,
    /// 0x0F, 6.11.
    WriteMultipleCoils,
    /// 0x10, 6.12.
    WriteMultipleRegisters,
    /// 0x11, 6.13 (serial line only; Zeek: REPORT_SLAVE_ID).
    ReportServerId,
    /// 0x14, 6.14.
    ReadFileRecord,
    /// 0x15, 6.15.
    WriteFileRecord,
    /// 0x16, 6.16.
    MaskWriteRegister,
    /// 0x17, 6.17.
    ReadWriteMultipleRegisters,
    /// 0x18, 6.18.
    ReadFifoQueue,
    /// 0x2B, 6.19 Encapsulated Interface Transport (MEI).
    EncapsulatedInterfaceTransport,
    /// 0x5A, Schneider Electric UMAS (vendor code, outside the public spec;
    /// Zeek names it PROGRAM_UNITY).
    Umas,
    /// Any other byte, including codes Zeek names but this module does not
    /// parse (PROGRAM_484, ...) and bytes with the exception bit set.
    Unknown(u8),
}

impl From<u8> for FunctionCode {
    fn from(code: u8) -> FunctionCode {
        use FunctionCode::*;
        match code {
            0x01 => ReadCoils,
            0x02 => ReadDiscreteInputs,
            0x03 => ReadHoldingRegisters,
            0x04 => ReadInputRegisters,
            0x05 => WriteSingleCoil,
            0x06 => WriteSingleRegister,
            0x07 => ReadExceptionStatus,
            0x08 => Diagnostics,
            0x0B => GetCommEventCounter,
            0x0C => GetCommEventLog,
            0x0F => WriteMultipleCoils,
            0x10 => WriteMultipleRegisters,
            0x11 => ReportServerId,
            0x14 => ReadFileRecord,
            0x15 => WriteFileRecord,
            0x16 => MaskWriteRegister,
            0x17 => ReadWriteMultipleRegisters,
            0x18 => ReadFifoQueue,
            0x2B => EncapsulatedInterfaceTransport,
            0x5A => Umas,
            other => Unknown(other),
        }
    }
}

impl From<FunctionCode> for u8 {
    fn from(f: FunctionCode) -> u8 {
        f.code()
    }
}

impl FunctionCode {
    /// The code byte (V1.1b3, 5.1).
    pub const fn code(self) -> u8 {
        use FunctionCode::*;
        match self {
            ReadCoils => 0x01,
            ReadDiscreteInputs => 0x02,
            ReadHoldingRegisters => 0x03,
            ReadInputRegisters => 0x04,
            WriteSingleCoil => 0x05,
            WriteSingleRegister => 0x06,
            ReadExceptionStatus => 0x07,
            Diagnostics => 0x08,
            GetCommEventCounter => 0x0B,
            GetCommEventLog => 0x0C,
            WriteMultipleCoils => 0x0F,
            WriteMultipleRegisters => 0x10,
            ReportServerId => 0x11,
            ReadFileRecord => 0x14,
            WriteFileRecord => 0x15,
            MaskWriteRegister => 0x16,
            ReadWriteMultipleRegisters => 0x17,
            ReadFifoQueue => 0x18,
            EncapsulatedInterfaceTransport => 0x2B,
            Umas => 0x5A,
            Unknown(c) => c,
        }
    }

    /// True for function 90 (0x5A), Schneider Electric UMAS.
    pub const fn is_umas(self) -> bool {
        matches!(self, FunctionCode::Umas)
    }

    /// True for the codes of Modbus Application Protocol V1.1b3, 5.1 that
    /// read data only (no write side effect in the spec).
    pub const fn is_read(self) -> bool {
        use FunctionCode::*;
        matches!(
            self,
            ReadCoils
                | ReadDiscreteInputs
                | ReadHoldingRegisters
                | ReadInputRegisters
                | ReadExceptionStatus
                | GetCommEventCounter
                | GetCommEventLog
                | ReportServerId
                | ReadFileRecord
                | ReadFifoQueue
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        for b in 0..=255u8 {
            assert_eq!(FunctionCode::from(b).code(), b);
            assert_eq!(u8::from(FunctionCode::from(b)), b);
        }
    }

    #[test]
    fn codes_and_classes() {
        assert_eq!(FunctionCode::ReadCoils.code(), 0x01);
        assert_eq!(FunctionCode::EncapsulatedInterfaceTransport.code(), 0x2B);
        assert_eq!(FunctionCode::ReportServerId.code(), 0x11);
        assert_eq!(FunctionCode::Umas.code(), 0x5A);
        assert_eq!(FunctionCode::from(9), FunctionCode::Unknown(9));
        assert_eq!(FunctionCode::from(0x42), FunctionCode::Unknown(0x42));
        assert!(FunctionCode::from(0x5A).is_umas());
        assert!(!FunctionCode::from(0x5B).is_umas());
        assert!(FunctionCode::ReadFifoQueue.is_read());
        assert!(!FunctionCode::MaskWriteRegister.is_read());
    }
}
