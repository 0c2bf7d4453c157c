//! Response PDUs, server to client (Modbus Application Protocol
//! Specification V1.1b3, section 6, the "Response" table of each function,
//! and section 7 for exception responses).
//!
//! A response only knows what it carries: a Read Coils response has a byte
//! count, not the quantity asked for; the analyzer narrows it with the
//! matching request ([`Coils::limit`]).

use super::diagnostics::{self, Diagnostics};
use super::file_record::{FileRecords, FileSubResponses};
use super::mbap::MAX_PDU_LEN;
use super::mei::{self, MeiResponse};
use super::request::limits;
use super::umas::{self, Umas};
use super::util::{byte, counted, end, packed_len, trailing, words, PResult};
use super::values::{Coils, Registers};
use super::{FunctionCode, Violations};
use crate::IResult;

/// A response PDU (V1.1b3, 6 and 7): the function code as sent, the parsed
/// body and the spec violations found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response<'a> {
    /// The function-code byte as sent (bit 0x80 set for an exception).
    pub code: u8,
    /// The fields of the response.
    pub body: ResponseBody<'a>,
    /// Spec violations of this PDU (the MBAP header's are on the header).
    pub violations: Violations,
}

impl Response<'_> {
    /// The function this responds to: the code without the exception bit.
    pub fn function(&self) -> FunctionCode {
        FunctionCode::from(self.code & 0x7F)
    }

    /// True for an exception response (V1.1b3, 7).
    pub fn is_exception(&self) -> bool {
        matches!(self.body, ResponseBody::Exception(_))
    }

    /// The exception code of an exception response.
    pub fn exception(&self) -> Option<ExceptionCode> {
        match self.body {
            ResponseBody::Exception(e) => Some(e),
            _ => None,
        }
    }
}

/// A Modbus exception code (V1.1b3, 7): 1 ILLEGAL FUNCTION ... 11 GATEWAY
/// TARGET DEVICE FAILED TO RESPOND; other values are kept as they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExceptionCode(pub u8);

/// The fields of a response, one variant per function (V1.1b3, 6.x), plus
/// exception responses (7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseBody<'a> {
    /// 0x01 Read Coils (6.1): every bit of the data bytes.
    ReadCoils { byte_count: u8, coils: Coils<'a> },
    /// 0x02 Read Discrete Inputs (6.2): every bit of the data bytes.
    ReadDiscreteInputs { byte_count: u8, inputs: Coils<'a> },
    /// 0x03 Read Holding Registers (6.3).
    ReadHoldingRegisters {
        byte_count: u8,
        registers: Registers<'a>,
    },
    /// 0x04 Read Input Registers (6.4).
    ReadInputRegisters {
        byte_count: u8,
        registers: Registers<'a>,
    },
    /// 0x05 Write Single Coil (6.5): an echo of the request.
    WriteSingleCoil { address: u16, value: u16 },
    /// 0x06 Write Single Register (6.6): an echo of the request.
    WriteSingleRegister { address: u16, value: u16 },
    /// 0x07 Read Exception Status (6.7): eight exception status outputs.
    ReadExceptionStatus { status: u8 },
    /// 0x08 Diagnostics (6.8).
    Diagnostics(Diagnostics<'a>),
    /// 0x0B Get Comm Event Counter (6.9).
    GetCommEventCounter { status: u16, event_count: u16 },
    /// 0x0C Get Comm Event Log (6.10): `events` is 0–64 event bytes.
    GetCommEventLog {
        byte_count: u8,
        status: u16,
        event_count: u16,
        message_count: u16,
        events: &'a [u8],
    },
    /// 0x0F Write Multiple Coils (6.11).
    WriteMultipleCoils { address: u16, quantity: u16 },
    /// 0x10 Write Multiple Registers (6.12).
    WriteMultipleRegisters { address: u16, quantity: u16 },
    /// 0x11 Report Server ID (6.13): server id, run indicator and
    /// device-specific data, kept as bytes.
    ReportServerId { byte_count: u8, data: &'a [u8] },
    /// 0x14 Read File Record (6.14).
    ReadFileRecord {
        byte_count: u8,
        sub_responses: FileSubResponses<'a>,
    },
    /// 0x15 Write File Record (6.15): an echo of the request.
    WriteFileRecord {
        byte_count: u8,
        records: FileRecords<'a>,
    },
    /// 0x16 Mask Write Register (6.16): an echo of the request.
    MaskWriteRegister {
        address: u16,
        and_mask: u16,
        or_mask: u16,
    },
    /// 0x17 Read/Write Multiple Registers (6.17): the registers read.
    ReadWriteMultipleRegisters {
        byte_count: u8,
        registers: Registers<'a>,
    },
    /// 0x18 Read FIFO Queue (6.18).
    ReadFifoQueue {
        byte_count: u16,
        fifo_count: u16,
        registers: Registers<'a>,
    },
    /// 0x2B Encapsulated Interface Transport (6.19–6.21).
    Mei(MeiResponse<'a>),
    /// 0x5A Schneider Electric UMAS (vendor; see [`Umas`]).
    Umas(Umas<'a>),
    /// Function code | 0x80: exception response (7).
    Exception(ExceptionCode),
    /// Any other function code: the bytes after it.
    Unknown(&'a [u8]),
}

/// Parses a response PDU, function code first (V1.1b3, 6 and 7). Spec
/// violations are flagged on the result; a PDU too short for its
/// function's fixed fields is `Truncated` (layer `ModbusPdu`, offset from
/// the function code). Uses the whole input: the remaining input is always
/// empty.
pub fn parse_response(pdu: &[u8]) -> IResult<'_, Response<'_>> {
    let (i, code) = byte(pdu, pdu)?;
    let mut v = Violations::NONE;
    v.set_if(pdu.len() > MAX_PDU_LEN, Violations::PDU_TOO_LONG);
    let (rest, body) = if code & 0x80 != 0 {
        let (rest, e) = byte(pdu, i)?;
        trailing(rest, &mut v);
        (end(rest), ResponseBody::Exception(ExceptionCode(e)))
    } else {
        body(pdu, i, code, &mut v)?
    };
    Ok((
        rest,
        Response {
            code,
            body,
            violations: v,
        },
    ))
}

/// Byte count, then that many data bytes; flags a count outside
/// `1..=max_count`.
fn counted_data<'a>(
    pdu: &[u8],
    i: &'a [u8],
    max_count: usize,
    v: &mut Violations,
) -> PResult<'a, (u8, &'a [u8])> {
    let (i, byte_count) = byte(pdu, i)?;
    let n = usize::from(byte_count);
    v.set_if(n == 0 || n > max_count, Violations::QUANTITY_OUT_OF_RANGE);
    Ok((end(i), (byte_count, counted(i, n, v))))
}

fn registers<'a>(pdu: &[u8], i: &'a [u8], v: &mut Violations) -> PResult<'a, (u8, Registers<'a>)> {
    let max = usize::from(limits::READ_REGISTERS).saturating_mul(2);
    let (r, (byte_count, data)) = counted_data(pdu, i, max, v)?;
    v.set_if(byte_count & 1 == 1, Violations::ODD_REGISTER_BYTE_COUNT);
    Ok((r, (byte_count, Registers::new(data))))
}

fn bits<'a>(pdu: &[u8], i: &'a [u8], v: &mut Violations) -> PResult<'a, (u8, Coils<'a>)> {
    let max = packed_len(limits::READ_BITS);
    let (r, (byte_count, data)) = counted_data(pdu, i, max, v)?;
    Ok((r, (byte_count, Coils::new(data))))
}

fn pair<'a>(pdu: &[u8], i: &'a [u8], v: &mut Violations) -> PResult<'a, (u16, u16)> {
    let (rest, [a, b]) = words::<2>(pdu, i)?;
    trailing(rest, v);
    Ok((end(rest), (a, b)))
}

fn body<'a>(
    pdu: &[u8],
    i: &'a [u8],
    code: u8,
    v: &mut Violations,
) -> PResult<'a, ResponseBody<'a>> {
    use ResponseBody as B;
    Ok(match FunctionCode::from(code) {
        FunctionCode::ReadCoils => {
            let (r, (byte_count, coils)) = bits(pdu, i, v)?;
            (r, B::ReadCoils { byte_count, coils })
        }
        FunctionCode::ReadDiscreteInputs => {
            let (r, (byte_count, inputs)) = bits(pdu, i, v)?;
            (r, B::ReadDiscreteInputs { byte_count, inputs })
        }
        FunctionCode::ReadHoldingRegisters => {
            let (r, (byte_count, registers)) = registers(pdu, i, v)?;
            (
                r,
                B::ReadHoldingRegisters {
                    byte_count,
                    registers,
                },
            )
        }
        FunctionCode::ReadInputRegisters => {
            let (r, (byte_count, registers)) = registers(pdu, i, v)?;
            (
                r,
                B::ReadInputRegisters {
                    byte_count,
                    registers,
                },
            )
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
        FunctionCode::ReadExceptionStatus => {
            let (rest, status) = byte(pdu, i)?;
            trailing(rest, v);
            (end(rest), B::ReadExceptionStatus { status })
        }
        FunctionCode::Diagnostics => {
            let (r, d) = diagnostics::parse(pdu, i, v)?;
            (r, B::Diagnostics(d))
        }
        FunctionCode::GetCommEventCounter => {
            let (r, (status, event_count)) = pair(pdu, i, v)?;
            (
                r,
                B::GetCommEventCounter {
                    status,
                    event_count,
                },
            )
        }
        FunctionCode::GetCommEventLog => {
            let (i, byte_count) = byte(pdu, i)?;
            let (i, [status, event_count, message_count]) = words::<3>(pdu, i)?;
            // The byte count covers the three words and the events.
            let events_len = usize::from(byte_count).checked_sub(6);
            v.set_if(events_len.is_none(), Violations::BYTE_COUNT_MISMATCH);
            let events = counted(i, events_len.unwrap_or(0), v);
            v.set_if(
                events.len() > limits::EVENT_BYTES,
                Violations::QUANTITY_OUT_OF_RANGE,
            );
            (
                end(i),
                B::GetCommEventLog {
                    byte_count,
                    status,
                    event_count,
                    message_count,
                    events,
                },
            )
        }
        FunctionCode::WriteMultipleCoils => {
            let (r, (address, quantity)) = pair(pdu, i, v)?;
            (r, B::WriteMultipleCoils { address, quantity })
        }
        FunctionCode::WriteMultipleRegisters => {
            let (r, (address, quantity)) = pair(pdu, i, v)?;
            (r, B::WriteMultipleRegisters { address, quantity })
        }
        FunctionCode::ReportServerId => {
            let (i, byte_count) = byte(pdu, i)?;
            let data = counted(i, usize::from(byte_count), v);
            (end(i), B::ReportServerId { byte_count, data })
        }
        FunctionCode::ReadFileRecord => {
            let (i, byte_count) = byte(pdu, i)?;
            let data = counted(i, usize::from(byte_count), v);
            let sub_responses = FileSubResponses::parse(data, v);
            (
                end(i),
                B::ReadFileRecord {
                    byte_count,
                    sub_responses,
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
            let (r, (byte_count, registers)) = registers(pdu, i, v)?;
            (
                r,
                B::ReadWriteMultipleRegisters {
                    byte_count,
                    registers,
                },
            )
        }
        FunctionCode::ReadFifoQueue => {
            let (i, [byte_count, fifo_count]) = words::<2>(pdu, i)?;
            // The byte count covers the FIFO count and the values.
            let expected = usize::from(fifo_count).saturating_mul(2).saturating_add(2);
            v.set_if(
                usize::from(byte_count) != expected,
                Violations::BYTE_COUNT_MISMATCH,
            );
            v.set_if(
                fifo_count > limits::FIFO_COUNT,
                Violations::QUANTITY_OUT_OF_RANGE,
            );
            let values_len = usize::from(byte_count).saturating_sub(2);
            let data = counted(i, values_len, v);
            v.set_if(data.len() & 1 == 1, Violations::ODD_REGISTER_BYTE_COUNT);
            (
                end(i),
                B::ReadFifoQueue {
                    byte_count,
                    fifo_count,
                    registers: Registers::new(data),
                },
            )
        }
        FunctionCode::EncapsulatedInterfaceTransport => {
            let (r, m) = mei::parse_response(pdu, i, v)?;
            (r, B::Mei(m))
        }
        FunctionCode::Umas => {
            let (r, u) = umas::parse(pdu, i)?;
            (r, B::Umas(u))
        }
        FunctionCode::Unknown(_) => (end(i), B::Unknown(i)),
    })
}
