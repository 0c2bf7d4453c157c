//! The open codes of S7comm parameter and data blocks, with the values
//! Wireshark's `packet-s7comm.c` documents (the de facto reference; no
//! Siemens specification is public). Codes, not names: the names logs
//! print are the logs'.

use super::super::util::open_code;

open_code! {
    /// The function code opening a Job or Ack_Data parameter block
    /// (`packet-s7comm.c`, `param_functionnames`).
    pub enum Function {
        /// 0x00, CPU services.
        CpuServices = 0x00,
        /// 0x04, Read Var.
        ReadVar = 0x04,
        /// 0x05, Write Var.
        WriteVar = 0x05,
        /// 0x1A, Request Download.
        RequestDownload = 0x1A,
        /// 0x1B, Download Block.
        DownloadBlock = 0x1B,
        /// 0x1C, Download Ended.
        DownloadEnded = 0x1C,
        /// 0x1D, Start Upload.
        StartUpload = 0x1D,
        /// 0x1E, Upload.
        Upload = 0x1E,
        /// 0x1F, End Upload.
        EndUpload = 0x1F,
        /// 0x28, PLC Control: a PI service (`_INSE`, `_DELE`, `P_PROGRAM`, ...).
        PlcControl = 0x28,
        /// 0x29, PLC Stop.
        PlcStop = 0x29,
        /// 0xF0, Setup Communication.
        SetupCommunication = 0xF0,
    }
}

open_code! {
    /// The syntax id of a request item's address (`packet-s7comm.c`,
    /// `item_syntaxid_names`).
    pub enum SyntaxId {
        /// 0x10, S7ANY: area, DB number, byte and bit address.
        S7Any = 0x10,
        /// 0x13, R_ID for PBC.
        PbcId = 0x13,
        /// 0x82, Sinumerik NCK HMI access.
        Nck = 0x82,
        /// 0xA2, Drive ES Starter with routing over S7.
        DriveEsAny = 0xA2,
        /// 0xB0, DB read seen on S7-400 (list of DB areas).
        DbRead = 0xB0,
        /// 0xB2, symbolic addressing of the S7-1200.
        Sym1200 = 0xB2,
    }
}

open_code! {
    /// The transport size of an S7ANY address (`packet-s7comm.c`,
    /// `item_transportsizenames`): the element type `length` counts.
    pub enum TransportSize {
        /// 0x01.
        Bit = 0x01,
        /// 0x02.
        Byte = 0x02,
        /// 0x03.
        Char = 0x03,
        /// 0x04.
        Word = 0x04,
        /// 0x05.
        Int = 0x05,
        /// 0x06.
        DWord = 0x06,
        /// 0x07.
        DInt = 0x07,
        /// 0x08.
        Real = 0x08,
        /// 0x09.
        Date = 0x09,
        /// 0x0A.
        TimeOfDay = 0x0A,
        /// 0x0B.
        Time = 0x0B,
        /// 0x0C.
        S5Time = 0x0C,
        /// 0x0F.
        DateAndTime = 0x0F,
        /// 0x1C.
        Counter = 0x1C,
        /// 0x1D.
        Timer = 0x1D,
        /// 0x1E.
        IecCounter = 0x1E,
        /// 0x1F.
        IecTimer = 0x1F,
        /// 0x20.
        HsCounter = 0x20,
    }
}

open_code! {
    /// The memory area of an S7ANY address (`packet-s7comm.c`,
    /// `item_areanames`).
    pub enum Area {
        /// 0x03, system info of the S7-200 family.
        SystemInfo = 0x03,
        /// 0x05, system flags of the S7-200 family.
        SystemFlags = 0x05,
        /// 0x06, analog inputs of the S7-200 family.
        AnalogInputs = 0x06,
        /// 0x07, analog outputs of the S7-200 family.
        AnalogOutputs = 0x07,
        /// 0x1C, S7 counters (C).
        Counter = 0x1C,
        /// 0x1D, S7 timers (T).
        Timer = 0x1D,
        /// 0x1E, IEC counters (200 family).
        IecCounter = 0x1E,
        /// 0x1F, IEC timers (200 family).
        IecTimer = 0x1F,
        /// 0x80, direct peripheral access (P).
        Peripheral = 0x80,
        /// 0x81, inputs (I).
        Inputs = 0x81,
        /// 0x82, outputs (Q).
        Outputs = 0x82,
        /// 0x83, flags / markers (M).
        Flags = 0x83,
        /// 0x84, data blocks (DB).
        DataBlock = 0x84,
        /// 0x85, instance data blocks (DI).
        InstanceDataBlock = 0x85,
        /// 0x86, local data (L).
        Local = 0x86,
        /// 0x87, the caller's local data (V).
        PreviousLocal = 0x87,
    }
}

open_code! {
    /// The return code of a data item (`packet-s7comm.c`,
    /// `s7comm_item_return_valuenames`).
    pub enum ReturnCode {
        /// 0x00, reserved: what a write request's items carry.
        Reserved = 0x00,
        /// 0x01, hardware error.
        HardwareFault = 0x01,
        /// 0x03, accessing the object not allowed.
        AccessDenied = 0x03,
        /// 0x05, invalid address.
        InvalidAddress = 0x05,
        /// 0x06, data type not supported.
        DataTypeNotSupported = 0x06,
        /// 0x07, data type inconsistent.
        DataTypeInconsistent = 0x07,
        /// 0x0A, object does not exist.
        ObjectDoesNotExist = 0x0A,
        /// 0xFF, success.
        Success = 0xFF,
    }
}

open_code! {
    /// The transport size of a data item (`packet-s7comm.c`,
    /// `data_transportsizenames`): says whether `length` counts bits or
    /// bytes.
    pub enum DataTransportSize {
        /// 0x00, no data.
        Null = 0x00,
        /// 0x03, bit access; length in bits.
        Bit = 0x03,
        /// 0x04, byte/word/dword access; length in bits.
        Byte = 0x04,
        /// 0x05, integer access; length in bits.
        Int = 0x05,
        /// 0x06, double integer access; length in bytes.
        DInt = 0x06,
        /// 0x07, real access; length in bytes.
        Real = 0x07,
        /// 0x09, octet string; length in bytes.
        OctetString = 0x09,
    }
}

impl DataTransportSize {
    /// Bytes of data a data item of this size and `length` carries.
    pub fn byte_len(self, length: u16) -> usize {
        match self {
            DataTransportSize::Bit | DataTransportSize::Byte | DataTransportSize::Int => {
                usize::from(length).div_ceil(8)
            }
            _ => usize::from(length),
        }
    }
}

open_code! {
    /// The block type of a program block, as the two hex digits of an
    /// upload/download file name carry it (`packet-s7comm.c`,
    /// `blocktype_names`).
    pub enum BlockType {
        /// 0x08, organization block.
        Ob = 0x08,
        /// 0x0A, data block.
        Db = 0x0A,
        /// 0x0B, system data block.
        Sdb = 0x0B,
        /// 0x0C, function.
        Fc = 0x0C,
        /// 0x0D, system function.
        Sfc = 0x0D,
        /// 0x0E, function block.
        Fb = 0x0E,
        /// 0x0F, system function block.
        Sfb = 0x0F,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_stay_open() {
        for b in 0..=255u8 {
            assert_eq!(Function::from(b).code(), b);
            assert_eq!(Area::from(b).code(), b);
            assert_eq!(ReturnCode::from(b).code(), b);
        }
        assert_eq!(Function::from(0x28), Function::PlcControl);
        assert_eq!(Function::from(0x99), Function::Unknown(0x99));
        assert_eq!(Area::from(0x84), Area::DataBlock);
    }

    #[test]
    fn data_lengths_in_bits_or_bytes() {
        assert_eq!(DataTransportSize::Byte.byte_len(0x80), 16);
        assert_eq!(DataTransportSize::Bit.byte_len(1), 1);
        assert_eq!(DataTransportSize::Int.byte_len(9), 2);
        assert_eq!(DataTransportSize::Real.byte_len(4), 4);
        assert_eq!(DataTransportSize::OctetString.byte_len(16), 16);
        assert_eq!(DataTransportSize::Byte.byte_len(u16::MAX), 8192);
    }
}
