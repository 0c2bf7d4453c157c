//! A small test-only encoder: the inverse of the parsers for well-formed
//! messages, used by the round-trip property tests. Counts are written as
//! the message states them, so a round trip compares every field.

use crate::modbus::*;

fn u16s(out: &mut Vec<u8>, words: &[u16]) {
    for w in words {
        out.extend_from_slice(&w.to_be_bytes());
    }
}

/// Wraps a PDU in an MBAP header (protocol id 0).
pub fn adu(transaction_id: u16, unit_id: u8, pdu: &[u8]) -> Vec<u8> {
    let length = u16::try_from(pdu.len() + 1).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(pdu.len() + 7);
    u16s(&mut out, &[transaction_id, 0, length]);
    out.push(unit_id);
    out.extend_from_slice(pdu);
    out
}

/// Packs bits LSB first (Modbus order).
pub fn pack_bits(bits: &[bool]) -> Vec<u8> {
    let mut out = vec![0u8; bits.len().div_ceil(8)];
    for (i, b) in bits.iter().enumerate() {
        if *b {
            out[i / 8] |= 1 << (i % 8);
        }
    }
    out
}

/// Registers as big-endian bytes.
pub fn register_bytes(values: &[u16]) -> Vec<u8> {
    let mut out = Vec::new();
    u16s(&mut out, values);
    out
}

pub fn request(r: &Request<'_>) -> Vec<u8> {
    use RequestBody as B;
    let mut out = vec![r.code];
    match r.body {
        B::ReadCoils { address, quantity }
        | B::ReadDiscreteInputs { address, quantity }
        | B::ReadHoldingRegisters { address, quantity }
        | B::ReadInputRegisters { address, quantity } => u16s(&mut out, &[address, quantity]),
        B::WriteSingleCoil { address, value } | B::WriteSingleRegister { address, value } => {
            u16s(&mut out, &[address, value])
        }
        B::ReadExceptionStatus
        | B::GetCommEventCounter
        | B::GetCommEventLog
        | B::ReportServerId => {}
        B::Diagnostics(d) => {
            u16s(&mut out, &[d.sub_function.code()]);
            out.extend_from_slice(d.data);
        }
        B::WriteMultipleCoils {
            address,
            quantity,
            byte_count,
            coils,
        } => {
            u16s(&mut out, &[address, quantity]);
            out.push(byte_count);
            out.extend_from_slice(coils.as_bytes());
        }
        B::WriteMultipleRegisters {
            address,
            quantity,
            byte_count,
            registers,
        } => {
            u16s(&mut out, &[address, quantity]);
            out.push(byte_count);
            out.extend_from_slice(registers.as_bytes());
        }
        B::ReadFileRecord {
            byte_count,
            sub_requests,
        } => {
            out.push(byte_count);
            for s in sub_requests {
                out.push(s.reference_type);
                u16s(&mut out, &[s.file_number, s.record_number, s.record_length]);
            }
        }
        B::WriteFileRecord {
            byte_count,
            records,
        } => {
            out.push(byte_count);
            file_records(&mut out, records);
        }
        B::MaskWriteRegister {
            address,
            and_mask,
            or_mask,
        } => u16s(&mut out, &[address, and_mask, or_mask]),
        B::ReadWriteMultipleRegisters {
            read_address,
            read_quantity,
            write_address,
            write_quantity,
            byte_count,
            registers,
        } => {
            u16s(
                &mut out,
                &[read_address, read_quantity, write_address, write_quantity],
            );
            out.push(byte_count);
            out.extend_from_slice(registers.as_bytes());
        }
        B::ReadFifoQueue { address } => u16s(&mut out, &[address]),
        B::Mei(m) => {
            out.push(m.mei_type());
            match m {
                MeiRequest::CanOpen(d) | MeiRequest::Unknown { data: d, .. } => {
                    out.extend_from_slice(d)
                }
                MeiRequest::ReadDeviceId {
                    read_device_id_code,
                    object_id,
                } => out.extend_from_slice(&[read_device_id_code, object_id]),
            }
        }
        B::Umas(u) => umas(&mut out, u),
        B::Unknown(d) => out.extend_from_slice(d),
    }
    out
}

fn file_records(out: &mut Vec<u8>, records: FileRecords<'_>) {
    for r in records {
        out.push(r.reference_type);
        u16s(out, &[r.file_number, r.record_number, r.record_length]);
        out.extend_from_slice(r.data);
    }
}

fn umas(out: &mut Vec<u8>, u: Umas<'_>) {
    out.extend_from_slice(&[u.pairing_key, u.code]);
    out.extend_from_slice(u.data);
}

pub fn response(r: &Response<'_>) -> Vec<u8> {
    use ResponseBody as B;
    let mut out = vec![r.code];
    match r.body {
        B::ReadCoils { byte_count, coils }
        | B::ReadDiscreteInputs {
            byte_count,
            inputs: coils,
        } => {
            out.push(byte_count);
            out.extend_from_slice(coils.as_bytes());
        }
        B::ReadHoldingRegisters {
            byte_count,
            registers,
        }
        | B::ReadInputRegisters {
            byte_count,
            registers,
        }
        | B::ReadWriteMultipleRegisters {
            byte_count,
            registers,
        } => {
            out.push(byte_count);
            out.extend_from_slice(registers.as_bytes());
        }
        B::WriteSingleCoil { address, value } | B::WriteSingleRegister { address, value } => {
            u16s(&mut out, &[address, value])
        }
        B::ReadExceptionStatus { status } => out.push(status),
        B::Diagnostics(d) => {
            u16s(&mut out, &[d.sub_function.code()]);
            out.extend_from_slice(d.data);
        }
        B::GetCommEventCounter {
            status,
            event_count,
        } => u16s(&mut out, &[status, event_count]),
        B::GetCommEventLog {
            byte_count,
            status,
            event_count,
            message_count,
            events,
        } => {
            out.push(byte_count);
            u16s(&mut out, &[status, event_count, message_count]);
            out.extend_from_slice(events);
        }
        B::WriteMultipleCoils { address, quantity }
        | B::WriteMultipleRegisters { address, quantity } => u16s(&mut out, &[address, quantity]),
        B::ReportServerId { byte_count, data } => {
            out.push(byte_count);
            out.extend_from_slice(data);
        }
        B::ReadFileRecord {
            byte_count,
            sub_responses,
        } => {
            out.push(byte_count);
            for s in sub_responses {
                out.push(u8::try_from(s.data.len() + 1).unwrap_or(u8::MAX));
                out.push(s.reference_type);
                out.extend_from_slice(s.data);
            }
        }
        B::WriteFileRecord {
            byte_count,
            records,
        } => {
            out.push(byte_count);
            file_records(&mut out, records);
        }
        B::MaskWriteRegister {
            address,
            and_mask,
            or_mask,
        } => u16s(&mut out, &[address, and_mask, or_mask]),
        B::ReadFifoQueue {
            byte_count,
            fifo_count,
            registers,
        } => {
            u16s(&mut out, &[byte_count, fifo_count]);
            out.extend_from_slice(registers.as_bytes());
        }
        B::Mei(m) => {
            out.push(m.mei_type());
            match m {
                MeiResponse::CanOpen(d) | MeiResponse::Unknown { data: d, .. } => {
                    out.extend_from_slice(d)
                }
                MeiResponse::ReadDeviceId(d) => {
                    out.extend_from_slice(&[
                        d.read_device_id_code,
                        d.conformity_level,
                        d.more_follows,
                        d.next_object_id,
                        d.number_of_objects,
                    ]);
                    for o in d.objects {
                        out.push(o.id);
                        out.push(u8::try_from(o.value.len()).unwrap_or(u8::MAX));
                        out.extend_from_slice(o.value);
                    }
                }
            }
        }
        B::Umas(u) => umas(&mut out, u),
        B::Exception(e) => out.push(e.0),
        B::Unknown(d) => out.extend_from_slice(d),
    }
    out
}
