//! Fuzzes the top-level Modbus parse function on both directions: framing,
//! PDU parsing and every accessor an analyzer uses must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch_parsers::modbus::{parse_adu, Parsed, Pdu, RequestBody, ResponseBody};

fuzz_target!(|data: &[u8]| {
    for is_request in [true, false] {
        let mut rest = data;
        // Walk the stream ADU by ADU, as the analyzer does.
        while let Parsed::Complete(adu) = parse_adu(rest, is_request) {
            let _ = adu.violations().names().count();
            match adu.pdu {
                Ok(Pdu::Request(r)) => match r.body {
                    RequestBody::WriteMultipleCoils { coils, .. } => {
                        let _ = coils.iter().count();
                    }
                    RequestBody::WriteMultipleRegisters { registers, .. }
                    | RequestBody::ReadWriteMultipleRegisters { registers, .. } => {
                        let _ = registers.iter().count();
                    }
                    RequestBody::ReadFileRecord { sub_requests, .. } => {
                        let _ = sub_requests.iter().count();
                    }
                    RequestBody::WriteFileRecord { records, .. } => {
                        let _ = records.iter().map(|r| r.registers().len()).sum::<usize>();
                    }
                    _ => {}
                },
                Ok(Pdu::Response(r)) => match r.body {
                    ResponseBody::ReadCoils { coils, .. } => {
                        let _ = coils.iter().count() + coils.padding().count();
                    }
                    ResponseBody::Mei(otwatch_parsers::modbus::MeiResponse::ReadDeviceId(d)) => {
                        let _ = d.objects.iter().count();
                    }
                    ResponseBody::ReadFileRecord { sub_responses, .. } => {
                        let _ = sub_responses.iter().count();
                    }
                    _ => {}
                },
                Err(e) => {
                    let _ = e.to_string();
                }
            }
            if adu.consumed == 0 || adu.consumed > rest.len() {
                break;
            }
            rest = &rest[adu.consumed..];
        }
    }
});
