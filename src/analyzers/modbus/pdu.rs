//! Zeek's view of a Modbus PDU body: which content a parsed PDU gives (the
//! reference raises an event with it), and which malformations are
//! protocol violations (the PDU then gives none). Built on
//! `otwatch_parsers::modbus`, with the reference analyzer's rules on top
//! (e.g. a read-coils response carries every bit of its bytes; an odd
//! register byte count is a violation).

use crate::event::modbus::{FileData, FileRecord, Request as Req, Response as Resp};
use otwatch_parsers::modbus::{
    parse_request, parse_response, RequestBody, ResponseBody, Violations,
};

/// What a PDU body gave.
#[derive(Debug, PartialEq)]
pub enum Body<E> {
    /// The function's content, and the spec violations found on the way.
    Content(E, Violations),
    /// A function whose content the reference does not read.
    NoContent(Violations),
    /// A protocol violation: the PDU is dropped, with the reason.
    Violation(&'static str),
    /// ICSNPP's DIAGNOSTICS request check failed: a weird, no event.
    BadDiagnostics,
    /// Malformed in a way the reference tolerates: a weird, no event.
    Weird(&'static str),
}

/// Functions whose body Zeek's grammar parses (and so can violate); the
/// others are "the rest of the frame" to it.
fn zeek_parses(fc: u8) -> bool {
    matches!(fc, 1..=6 | 8 | 15 | 16 | 20..=24 | 43)
}

/// Functions whose grammar bounds data by a byte count.
fn counted(fc: u8) -> bool {
    matches!(fc, 1..=4 | 15 | 16 | 20 | 21 | 23)
}

fn regs(r: otwatch_parsers::modbus::Registers<'_>) -> Vec<u16> {
    r.iter().collect()
}

/// Parses a request PDU (function code + data).
pub fn request(pdu: &[u8]) -> Body<Req> {
    let fc = pdu.first().copied().unwrap_or(0);
    if fc == 43 {
        // Zeek reads the MEI type and keeps the rest as data.
        return match pdu.get(1) {
            Some(&mei) => Body::Content(
                Req::Encap {
                    mei,
                    data: pdu.get(2..).unwrap_or_default().to_vec(),
                },
                Violations::NONE,
            ),
            None => Body::Violation("modbus_truncated_pdu"),
        };
    }
    let r = match parse_request(pdu) {
        Ok((_, r)) => r,
        Err(_) if zeek_parses(fc) => return Body::Violation("modbus_truncated_pdu"),
        Err(_) => return Body::Weird("modbus_truncated_pdu"),
    };
    let v = r.violations;
    if v.contains(Violations::LENGTH_EXCEEDS_PDU) && counted(fc) {
        return Body::Violation("modbus_length_exceeds_pdu");
    }
    let ev = match r.body {
        RequestBody::ReadCoils { address, quantity }
        | RequestBody::ReadDiscreteInputs { address, quantity } => Req::ReadBits {
            start: address,
            quantity,
        },
        RequestBody::ReadHoldingRegisters { address, quantity }
        | RequestBody::ReadInputRegisters { address, quantity } => Req::ReadRegisters {
            start: address,
            quantity,
        },
        RequestBody::WriteSingleCoil { address, value } => match value {
            0xFF00 => Req::WriteSingleCoil {
                address,
                value: true,
            },
            0x0000 => Req::WriteSingleCoil {
                address,
                value: false,
            },
            // ICSNPP's analyzer rejects the value; Zeek ignores the rejection.
            _ => return Body::Weird("modbus_invalid_coil_value"),
        },
        RequestBody::WriteSingleRegister { address, value } => {
            Req::WriteSingleRegister { address, value }
        }
        RequestBody::Diagnostics(d) => {
            let sub = d.sub_function.code();
            let n = d.data.len();
            if n < 2 || n % 2 == 1 || (sub != 0 && n != 2) {
                return Body::BadDiagnostics;
            }
            Req::Diagnostics {
                sub,
                data: d.data.to_vec(),
            }
        }
        RequestBody::WriteMultipleCoils {
            address,
            quantity,
            byte_count,
            coils,
        } => {
            let n = usize::from(quantity).min(8 * usize::from(byte_count));
            Req::WriteMultipleCoils {
                start: address,
                coils: coils.iter().take(n).collect(),
            }
        }
        RequestBody::WriteMultipleRegisters {
            address,
            quantity,
            byte_count,
            registers,
        } => {
            if byte_count % 2 == 1 {
                return Body::Violation("modbus_odd_register_byte_count");
            }
            if usize::from(quantity) * 2 > usize::from(byte_count) {
                return Body::Violation("modbus_byte_count_mismatch");
            }
            let mut r = regs(registers);
            r.truncate(usize::from(quantity));
            Req::WriteMultipleRegisters {
                start: address,
                registers: r,
            }
        }
        RequestBody::ReadFileRecord { sub_requests, .. } => {
            if v.contains(Violations::TRUNCATED_ITEM) {
                return Body::Violation("modbus_truncated_file_record");
            }
            Req::ReadFileRecord {
                refs: sub_requests.iter().count(),
            }
        }
        RequestBody::WriteFileRecord { records, .. } => {
            if v.contains(Violations::TRUNCATED_ITEM) {
                return Body::Violation("modbus_truncated_file_record");
            }
            Req::WriteFileRecord {
                refs: records.iter().count(),
            }
        }
        RequestBody::MaskWriteRegister {
            address,
            and_mask,
            or_mask,
        } => Req::MaskWrite {
            address,
            and_mask,
            or_mask,
        },
        RequestBody::ReadWriteMultipleRegisters {
            read_address,
            read_quantity,
            write_address,
            write_quantity,
            byte_count,
            registers,
        } => {
            if byte_count % 2 == 1 {
                return Body::Violation("modbus_odd_register_byte_count");
            }
            if usize::from(write_quantity) * 2 > usize::from(byte_count) {
                return Body::Violation("modbus_byte_count_mismatch");
            }
            let mut w = regs(registers);
            w.truncate(usize::from(write_quantity));
            Req::ReadWriteMultiple {
                read_start: read_address,
                read_quantity,
                write_start: write_address,
                write: w,
            }
        }
        RequestBody::ReadFifoQueue { address } => Req::ReadFifo { start: address },
        _ => return Body::NoContent(v),
    };
    Body::Content(ev, v)
}

/// Parses a response PDU (function code + data).
pub fn response(pdu: &[u8]) -> Body<Resp> {
    let fc = pdu.first().copied().unwrap_or(0);
    if fc & 0x80 == 0 && fc == 43 {
        return match pdu.get(1) {
            Some(&mei) => Body::Content(
                Resp::Encap {
                    mei,
                    data: pdu.get(2..).unwrap_or_default().to_vec(),
                },
                Violations::NONE,
            ),
            None => Body::Violation("modbus_truncated_pdu"),
        };
    }
    if fc == 24 {
        return fifo_response(pdu);
    }
    let r = match parse_response(pdu) {
        Ok((_, r)) => r,
        Err(_) if fc & 0x80 != 0 || zeek_parses(fc) => {
            return Body::Violation("modbus_truncated_pdu")
        }
        Err(_) => return Body::Weird("modbus_truncated_pdu"),
    };
    let v = r.violations;
    if v.contains(Violations::LENGTH_EXCEEDS_PDU) && counted(fc) {
        return Body::Violation("modbus_length_exceeds_pdu");
    }
    let ev = match r.body {
        ResponseBody::Exception(e) => Resp::Exception { code: e.0 },
        ResponseBody::ReadCoils { coils, .. } => Resp::ReadBits {
            bits: coils.iter().collect(),
        },
        ResponseBody::ReadDiscreteInputs { inputs, .. } => Resp::ReadBits {
            bits: inputs.iter().collect(),
        },
        ResponseBody::ReadHoldingRegisters {
            byte_count,
            registers,
        }
        | ResponseBody::ReadInputRegisters {
            byte_count,
            registers,
        } => {
            if byte_count % 2 == 1 {
                return Body::Violation("modbus_odd_register_byte_count");
            }
            Resp::ReadRegisters {
                registers: regs(registers),
            }
        }
        ResponseBody::WriteSingleCoil { address, value } => match value {
            0xFF00 => Resp::WriteSingleCoil {
                address,
                value: true,
            },
            0x0000 => Resp::WriteSingleCoil {
                address,
                value: false,
            },
            // ICSNPP's analyzer rejects the value; Zeek ignores the rejection.
            _ => return Body::Weird("modbus_invalid_coil_value"),
        },
        ResponseBody::WriteSingleRegister { address, value } => {
            Resp::WriteSingleRegister { address, value }
        }
        ResponseBody::Diagnostics(d) => Resp::Diagnostics {
            sub: d.sub_function.code(),
            data: d.data.to_vec(),
        },
        ResponseBody::WriteMultipleCoils { address, quantity }
        | ResponseBody::WriteMultipleRegisters { address, quantity } => Resp::WriteMultiple {
            start: address,
            quantity,
        },
        ResponseBody::ReadFileRecord { sub_responses, .. } => {
            if v.contains(Violations::TRUNCATED_ITEM) {
                return Body::Violation("modbus_truncated_file_record");
            }
            Resp::ReadFileRecord {
                records: sub_responses
                    .iter()
                    .map(|r| FileData {
                        reference_type: r.reference_type,
                        data: r.data.to_vec(),
                    })
                    .collect(),
            }
        }
        ResponseBody::WriteFileRecord { records, .. } => {
            if v.contains(Violations::TRUNCATED_ITEM) {
                return Body::Violation("modbus_truncated_file_record");
            }
            Resp::WriteFileRecord {
                records: records
                    .iter()
                    .map(|r| FileRecord {
                        reference_type: r.reference_type,
                        file_number: r.file_number,
                        record_number: r.record_number,
                        record_length: r.record_length,
                        data: r.data.to_vec(),
                    })
                    .collect(),
            }
        }
        ResponseBody::MaskWriteRegister {
            address,
            and_mask,
            or_mask,
        } => Resp::MaskWrite {
            address,
            and_mask,
            or_mask,
        },
        ResponseBody::ReadWriteMultipleRegisters {
            byte_count,
            registers,
        } => {
            if byte_count % 2 == 1 {
                return Body::Violation("modbus_odd_register_byte_count");
            }
            Resp::ReadWriteMultiple {
                registers: regs(registers),
            }
        }
        _ => return Body::NoContent(v),
    };
    Body::Content(ev, v)
}

/// READ_FIFO_QUEUE response as Zeek reads it: byte count (u16), FIFO
/// count (u16), then FIFO-count registers; the byte count only has to be
/// even.
fn fifo_response(pdu: &[u8]) -> Body<Resp> {
    let Some(&[b0, b1, c0, c1]) = pdu.get(1..).and_then(<[u8]>::first_chunk::<4>) else {
        return Body::Violation("modbus_truncated_pdu");
    };
    let byte_count = u16::from_be_bytes([b0, b1]);
    let count = usize::from(u16::from_be_bytes([c0, c1]));
    if byte_count % 2 == 1 {
        return Body::Violation("modbus_odd_register_byte_count");
    }
    // count is a u16: 5 + 2 * count cannot overflow.
    let Some(data) = pdu.get(5..5usize.saturating_add(count.saturating_mul(2))) else {
        return Body::Violation("modbus_length_exceeds_pdu");
    };
    let fifos = data
        .chunks_exact(2)
        .filter_map(<[u8]>::first_chunk::<2>)
        .map(|c| u16::from_be_bytes(*c))
        .collect();
    let mut v = Violations::NONE;
    v.set_if(count > 31, Violations::QUANTITY_OUT_OF_RANGE);
    v.set_if(
        usize::from(byte_count) != count.saturating_mul(2).saturating_add(2),
        Violations::BYTE_COUNT_MISMATCH,
    );
    Body::Content(Resp::ReadFifo { fifos }, v)
}
