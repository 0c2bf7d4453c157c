//! Request PDUs, client to server (Modbus Application Protocol
//! Specification V1.1b3, section 6, the "Request" table of each function).
//!
//! The parser takes one framed PDU (function code first) and uses all of
//! it: fields past the last one the function defines are flagged
//! `TRAILING_BYTES`, never left for the caller.

use super::diagnostics::{self, Diagnostics};
use super::file_record::{FileRecords, FileSubRequests};
use super::mbap::MAX_PDU_LEN;
use super::mei::{self, MeiRequest};
use super::umas::{self, Umas};
use super::util::{
    byte, check_quantity, check_range, counted, end, packed_len, trailing, words, PResult,
};
use super::values::{Coils, Registers};
use super::{FunctionCode, Violations};
use crate::IResult;

/// Spec limits on quantities (V1.1b3, 6.1–6.4, 6.11, 6.12, 6.17).
pub(crate) mod limits {
    /// Coils or discrete inputs per read (6.1, 6.2): 0x7D0.
    pub const READ_BITS: u16 = 2000;
    /// Registers per read (6.3, 6.4, 6.17): 0x7D.
    pub const READ_REGISTERS: u16 = 125;
    /// Coils per write (6.11): 0x7B0.
    pub const WRITE_COILS: u16 = 1968;
    /// Registers per write (6.12): 0x7B.
    pub const WRITE_REGISTERS: u16 = 123;
    /// Registers per write of Read/Write Multiple Registers (6.17): 0x79.
    pub const RW_WRITE_REGISTERS: u16 = 121;
    /// Values in a FIFO queue (6.18).
    pub const FIFO_COUNT: u16 = 31;
    /// Event bytes in a comm event log response (6.10).
    pub const EVENT_BYTES: usize = 64;
}

/// A request PDU (V1.1b3, 6): the function code as sent, the parsed body
/// and the spec violations found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// The function-code byte as sent.
    pub code: u8,
    /// The fields of the request.
    pub body: RequestBody<'a>,
    /// Spec violations of this PDU (the MBAP header's are on the header).
    pub violations: Violations,
}

impl Request<'_> {
    /// The function code (`Unknown` also for a byte with bit 0x80 set,
    /// which a request should never carry).
    pub fn function(&self) -> FunctionCode {
        FunctionCode::from(self.code)
    }
}

/// The fields of a request, one variant per function (V1.1b3, 6.x).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestBody<'a> {
    /// 0x01 Read Coils (6.1).
    ReadCoils { address: u16, quantity: u16 },
    /// 0x02 Read Discrete Inputs (6.2).
    ReadDiscreteInputs { address: u16, quantity: u16 },
    /// 0x03 Read Holding Registers (6.3).
    ReadHoldingRegisters { address: u16, quantity: u16 },
    /// 0x04 Read Input Registers (6.4).
    ReadInputRegisters { address: u16, quantity: u16 },
    /// 0x05 Write Single Coil (6.5): value 0xFF00 on, 0x0000 off.
    WriteSingleCoil { address: u16, value: u16 },
    /// 0x06 Write Single Register (6.6).
    WriteSingleRegister { address: u16, value: u16 },
    /// 0x07 Read Exception Status (6.7): no fields.
    ReadExceptionStatus,
    /// 0x08 Diagnostics (6.8).
    Diagnostics(Diagnostics<'a>),
    /// 0x0B Get Comm Event Counter (6.9): no fields.
    GetCommEventCounter,
    /// 0x0C Get Comm Event Log (6.10): no fields.
    GetCommEventLog,
    /// 0x0F Write Multiple Coils (6.11). `coils` holds `quantity` bits (or
    /// fewer if the data is short).
    WriteMultipleCoils {
        address: u16,
        quantity: u16,
        byte_count: u8,
        coils: Coils<'a>,
    },
    /// 0x10 Write Multiple Registers (6.12).
    WriteMultipleRegisters {
        address: u16,
        quantity: u16,
        byte_count: u8,
        registers: Registers<'a>,
    },
    /// 0x11 Report Server ID (6.13): no fields.
    ReportServerId,
    /// 0x14 Read File Record (6.14).
    ReadFileRecord {
        byte_count: u8,
        sub_requests: FileSubRequests<'a>,
    },
    /// 0x15 Write File Record (6.15).
    WriteFileRecord {
        byte_count: u8,
        records: FileRecords<'a>,
    },
    /// 0x16 Mask Write Register (6.16).
    MaskWriteRegister {
        address: u16,
        and_mask: u16,
        or_mask: u16,
    },
    /// 0x17 Read/Write Multiple Registers (6.17); the write happens first.
    ReadWriteMultipleRegisters {
        read_address: u16,
        read_quantity: u16,
        write_address: u16,
        write_quantity: u16,
        byte_count: u8,
        registers: Registers<'a>,
    },
    /// 0x18 Read FIFO Queue (6.18).
    ReadFifoQueue { address: u16 },
    /// 0x2B Encapsulated Interface Transport (6.19–6.21).
    Mei(MeiRequest<'a>),
    /// 0x5A Schneider Electric UMAS (vendor; see [`Umas`]).
    Umas(Umas<'a>),
    /// Any other function code: the bytes after it.
    Unknown(&'a [u8]),
}

impl RequestBody<'_> {
    /// For Write Single Coil: `Some(true)` for 0xFF00, `Some(false)` for
    /// 0x0000, `None` for any other value or function (6.5).
    pub fn coil_state(&self) -> Option<bool> {
        match self {
            RequestBody::WriteSingleCoil { value: 0xFF00, .. } => Some(true),
            RequestBody::WriteSingleCoil { value: 0x0000, .. } => Some(false),
            _ => None,
        }
    }
}

/// Parses a request PDU, function code first (V1.1b3, 6). Spec violations
/// are flagged on the result; a PDU too short for its function's fixed
/// fields is `Truncated` (layer `ModbusPdu`, offset from the function
/// code). Uses the whole input: the remaining input is always empty.
pub fn parse_request(pdu: &[u8]) -> IResult<'_, Request<'_>> {
    let (i, code) = byte(pdu, pdu)?;
    let mut v = Violations::NONE;
    v.set_if(pdu.len() > MAX_PDU_LEN, Violations::PDU_TOO_LONG);
    let (rest, body) = body(pdu, i, code, &mut v)?;
    Ok((
        rest,
        Request {
            code,
            body,
            violations: v,
        },
    ))
}

fn read<'a>(pdu: &[u8], i: &'a [u8], max: u16, v: &mut Violations) -> PResult<'a, (u16, u16)> {
    let (rest, [address, quantity]) = words::<2>(pdu, i)?;
    check_quantity(quantity, max, v);
    check_range(address, u32::from(quantity), v);
    trailing(rest, v);
    Ok((end(rest), (address, quantity)))
}

fn pair<'a>(pdu: &[u8], i: &'a [u8], v: &mut Violations) -> PResult<'a, (u16, u16)> {
    let (rest, [a, b]) = words::<2>(pdu, i)?;
    trailing(rest, v);
    Ok((end(rest), (a, b)))
}

fn nothing<'a>(i: &'a [u8], v: &mut Violations) -> &'a [u8] {
    trailing(i, v);
    end(i)
}

fn body<'a>(pdu: &[u8], i: &'a [u8], code: u8, v: &mut Violations) -> PResult<'a, RequestBody<'a>> {
    use RequestBody as B;
    Ok(match FunctionCode::from(code) {
        FunctionCode::ReadCoils => {
            let (r, (address, quantity)) = read(pdu, i, limits::READ_BITS, v)?;
            (r, B::ReadCoils { address, quantity })
        }
        FunctionCode::ReadDiscreteInputs => {
            let (r, (address, quantity)) = read(pdu, i, limits::READ_BITS, v)?;
            (r, B::ReadDiscreteInputs { address, quantity })
        }
        FunctionCode::ReadHoldingRegisters => {
            let (r, (address, quantity)) = read(pdu, i, limits::READ_REGISTERS, v)?;
            (r, B::ReadHoldingRegisters { address, quantity })
        }
        FunctionCode::ReadInputRegisters => {
            let (r, (address, quantity)) = read(pdu, i, limits::READ_REGISTERS, v)?;
            (r, B::ReadInputRegisters { address, quantity })
        }
        FunctionCode::WriteSingleCoil => {
            let (r, (address, value)) = pair(pdu, i, v)?;
            v.set_if(
                value != 0xFF00 && value != 0x0000,
                Violations::INVALID_COIL_VALUE,
            );
            (r, B::WriteSingleCoil { address, value })
        }
        FunctionCode::WriteSingleRegister => {
            let (r, (address, value)) = pair(pdu, i, v)?;
            (r, B::WriteSingleRegister { address, value })
        }
        FunctionCode::ReadExceptionStatus => (nothing(i, v), B::ReadExceptionStatus),
        FunctionCode::Diagnostics => {
            let (r, d) = diagnostics::parse(pdu, i, v)?;
            (r, B::Diagnostics(d))
        }
        FunctionCode::GetCommEventCounter => (nothing(i, v), B::GetCommEventCounter),
        FunctionCode::GetCommEventLog => (nothing(i, v), B::GetCommEventLog),
        FunctionCode::WriteMultipleCoils => {
            let (i, [address, quantity]) = words::<2>(pdu, i)?;
            let (i, byte_count) = byte(pdu, i)?;
            check_quantity(quantity, limits::WRITE_COILS, v);
            check_range(address, u32::from(quantity), v);
            v.set_if(
                usize::from(byte_count) != packed_len(quantity),
                Violations::BYTE_COUNT_MISMATCH,
            );
            let data = counted(i, usize::from(byte_count), v);
            let coils = Coils::with_quantity(data, quantity);
            (
                end(i),
                B::WriteMultipleCoils {
                    address,
                    quantity,
                    byte_count,
                    coils,
                },
            )
        }
        FunctionCode::WriteMultipleRegisters => {
            let (i, [address, quantity]) = words::<2>(pdu, i)?;
            let (i, byte_count) = byte(pdu, i)?;
            check_quantity(quantity, limits::WRITE_REGISTERS, v);
            check_range(address, u32::from(quantity), v);
            check_register_bytes(byte_count, quantity, v);
            let registers = Registers::new(counted(i, usize::from(byte_count), v));
            (
                end(i),
                B::WriteMultipleRegisters {
                    address,
                    quantity,
                    byte_count,
                    registers,
                },
            )
        }
        FunctionCode::ReportServerId => (nothing(i, v), B::ReportServerId),
        FunctionCode::ReadFileRecord => {
            let (i, byte_count) = byte(pdu, i)?;
            let data = counted(i, usize::from(byte_count), v);
            v.set_if(
                byte_count == 0 || byte_count % 7 != 0,
                Violations::BYTE_COUNT_MISMATCH,
            );
            let sub_requests = FileSubRequests::parse(data, v);
            (
                end(i),
                B::ReadFileRecord {
                    byte_count,
                    sub_requests,
                },
            )
        }
        FunctionCode::WriteFileRecord => {
            let (i, byte_count) = byte(pdu, i)?;
            let data = counted(i, usize::from(byte_count), v);
            let records = FileRecords::parse(data, v);
            (
                end(i),
                B::WriteFileRecord {
                    byte_count,
                    records,
                },
            )
        }
        FunctionCode::MaskWriteRegister => {
            let (rest, [address, and_mask, or_mask]) = words::<3>(pdu, i)?;
            trailing(rest, v);
            (
                end(rest),
                B::MaskWriteRegister {
                    address,
                    and_mask,
                    or_mask,
                },
            )
        }
        FunctionCode::ReadWriteMultipleRegisters => {
            let (i, [read_address, read_quantity, write_address, write_quantity]) =
                words::<4>(pdu, i)?;
            let (i, byte_count) = byte(pdu, i)?;
            check_quantity(read_quantity, limits::READ_REGISTERS, v);
            check_quantity(write_quantity, limits::RW_WRITE_REGISTERS, v);
            check_range(read_address, u32::from(read_quantity), v);
            check_range(write_address, u32::from(write_quantity), v);
            check_register_bytes(byte_count, write_quantity, v);
            let registers = Registers::new(counted(i, usize::from(byte_count), v));
            (
                end(i),
                B::ReadWriteMultipleRegisters {
                    read_address,
                    read_quantity,
                    write_address,
                    write_quantity,
                    byte_count,
                    registers,
                },
            )
        }
        FunctionCode::ReadFifoQueue => {
            let (rest, [address]) = words::<1>(pdu, i)?;
            trailing(rest, v);
            (end(rest), B::ReadFifoQueue { address })
        }
        FunctionCode::EncapsulatedInterfaceTransport => {
            let (r, m) = mei::parse_request(pdu, i, v)?;
            (r, B::Mei(m))
        }
        FunctionCode::Umas => {
            let (r, u) = umas::parse(pdu, i)?;
            (r, B::Umas(u))
        }
        FunctionCode::Unknown(c) => {
            v.set_if(c & 0x80 != 0, Violations::EXCEPTION_CODE_IN_REQUEST);
            (end(i), B::Unknown(i))
        }
    })
}

/// Flags a register byte count that is odd or not twice the quantity.
fn check_register_bytes(byte_count: u8, quantity: u16, v: &mut Violations) {
    v.set_if(byte_count & 1 == 1, Violations::ODD_REGISTER_BYTE_COUNT);
    v.set_if(
        usize::from(byte_count) != usize::from(quantity).saturating_mul(2),
        Violations::BYTE_COUNT_MISMATCH,
    );
}
