//! One annotated response per function code (the examples of Modbus
//! Application Protocol V1.1b3, sections 6 and 7, where it has one), each
//! checked field by field and for clean failure of every truncated prefix.

use super::*;
use ResponseBody as B;

#[test]
fn read_coils_6_1() {
    let pdu = [
        0x01, // function: Read Coils
        0x03, // byte count 3
        0xCD, 0x6B, 0x05, // coils 20..27, 28..35, 36..38 (+5 padding bits)
    ];
    let r = resp(&pdu);
    let B::ReadCoils { byte_count, coils } = r.body else {
        panic!("not read coils: {r:?}");
    };
    assert_eq!(byte_count, 3);
    assert_eq!(coils.len(), 24, "a response alone knows only bytes");
    let asked = coils.limit(19); // the request's quantity
    assert_eq!(asked.len(), 19);
    assert_eq!(
        asked.iter().skip(16).collect::<Vec<_>>(),
        vec![true, false, true]
    );
    assert_eq!(asked.padding().count(), 5);
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn read_discrete_inputs_6_2() {
    let pdu = [
        0x02, // function: Read Discrete Inputs
        0x03, // byte count 3
        0xAC, 0xDB, 0x35, // inputs 197..204, 205..212, 213..218
    ];
    let B::ReadDiscreteInputs { byte_count, inputs } = resp(&pdu).body else {
        panic!("not read discrete inputs");
    };
    assert_eq!(byte_count, 3);
    assert_eq!(inputs.as_bytes(), &[0xAC, 0xDB, 0x35]);
    assert_eq!(inputs.get(0), Some(false)); // 0xAC = 1010 1100
    assert_eq!(inputs.get(2), Some(true));
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn read_holding_registers_6_3() {
    let pdu = [
        0x03, // function: Read Holding Registers
        0x06, // byte count 6
        0x02, 0x2B, // register 108 = 555
        0x00, 0x00, // register 109 = 0
        0x00, 0x64, // register 110 = 100
    ];
    let B::ReadHoldingRegisters {
        byte_count,
        registers,
    } = resp(&pdu).body
    else {
        panic!("not read holding registers");
    };
    assert_eq!(byte_count, 6);
    assert_eq!(registers.to_vec(), vec![555, 0, 100]);
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn read_input_registers_6_4() {
    let pdu = [
        0x04, // function: Read Input Registers
        0x02, // byte count 2
        0x00, 0x0A, // register 9 = 10
    ];
    let B::ReadInputRegisters { registers, .. } = resp(&pdu).body else {
        panic!("not read input registers");
    };
    assert_eq!(registers.iter().collect::<Vec<_>>(), vec![10]);
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn write_single_coil_and_register_echo_6_5_6_6() {
    let coil = [
        0x05, // function: Write Single Coil
        0x00, 0xAC, // output address 172
        0xFF, 0x00, // value ON
    ];
    assert_eq!(
        resp(&coil).body,
        B::WriteSingleCoil {
            address: 172,
            value: 0xFF00
        }
    );
    assert_prefixes_fail_cleanly(&coil, false, false);
    let register = [
        0x06, // function: Write Single Register
        0x00, 0x01, // register address 1
        0x00, 0x03, // value 3
    ];
    assert_eq!(
        resp(&register).body,
        B::WriteSingleRegister {
            address: 1,
            value: 3
        }
    );
    assert_prefixes_fail_cleanly(&register, false, false);
}

#[test]
fn read_exception_status_6_7() {
    let pdu = [
        0x07, // function: Read Exception Status
        0x6D, // output data 0110 1101
    ];
    assert_eq!(resp(&pdu).body, B::ReadExceptionStatus { status: 0x6D });
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn diagnostics_echo_6_8() {
    let pdu = [
        0x08, // function: Diagnostics
        0x00, 0x00, // sub-function 0: Return Query Data
        0xA5, 0x37, // data echoed
    ];
    let B::Diagnostics(d) = resp(&pdu).body else {
        panic!("not diagnostics");
    };
    assert_eq!(d.sub_function, DiagnosticSubFunction::ReturnQueryData);
    assert_eq!(d.data, &[0xA5, 0x37]);
    assert_prefixes_fail_cleanly(&pdu, false, true);
}

#[test]
fn get_comm_event_counter_6_9() {
    let pdu = [
        0x0B, // function: Get Comm Event Counter
        0xFF, 0xFF, // status: busy
        0x01, 0x08, // event count 264
    ];
    assert_eq!(
        resp(&pdu).body,
        B::GetCommEventCounter {
            status: 0xFFFF,
            event_count: 264
        }
    );
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn get_comm_event_log_6_10() {
    let pdu = [
        0x0C, // function: Get Comm Event Log
        0x08, // byte count 8
        0x00, 0x00, // status 0
        0x01, 0x08, // event count 264
        0x01, 0x21, // message count 289
        0x20, 0x00, // events: 0x20, 0x00
    ];
    assert_eq!(
        resp(&pdu).body,
        B::GetCommEventLog {
            byte_count: 8,
            status: 0,
            event_count: 264,
            message_count: 289,
            events: &[0x20, 0x00]
        }
    );
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn write_multiple_coils_and_registers_6_11_6_12() {
    let coils = [
        0x0F, // function: Write Multiple Coils
        0x00, 0x13, // starting address 19
        0x00, 0x0A, // quantity 10
    ];
    assert_eq!(
        resp(&coils).body,
        B::WriteMultipleCoils {
            address: 19,
            quantity: 10
        }
    );
    assert_prefixes_fail_cleanly(&coils, false, false);
    let registers = [
        0x10, // function: Write Multiple Registers
        0x00, 0x01, // starting address 1
        0x00, 0x02, // quantity 2
    ];
    assert_eq!(
        resp(&registers).body,
        B::WriteMultipleRegisters {
            address: 1,
            quantity: 2
        }
    );
    assert_prefixes_fail_cleanly(&registers, false, false);
}

#[test]
fn report_server_id_6_13() {
    let pdu = [
        0x11, // function: Report Server ID
        0x03, // byte count 3
        0x2A, // server id (device specific)
        0xFF, // run indicator: ON
        0x01, // additional data
    ];
    let r = resp(&pdu);
    assert_eq!(r.function(), FunctionCode::ReportServerId);
    assert_eq!(
        r.body,
        B::ReportServerId {
            byte_count: 3,
            data: &[0x2A, 0xFF, 0x01]
        }
    );
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn read_file_record_6_14() {
    let pdu = [
        0x14, // function: Read File Record
        0x0C, // response data length 12
        0x05, // sub-response 1: file response length 5
        0x06, //   reference type 6
        0x0D, 0xFE, 0x00, 0x20, //   record data 0DFE 0020
        0x05, // sub-response 2: file response length 5
        0x06, //   reference type 6
        0x33, 0xCD, 0x00, 0x40, //   record data 33CD 0040
    ];
    let B::ReadFileRecord {
        byte_count,
        sub_responses,
    } = resp(&pdu).body
    else {
        panic!("not read file record");
    };
    assert_eq!(byte_count, 12);
    let subs: Vec<Vec<u16>> = sub_responses
        .iter()
        .map(|s| s.registers().to_vec())
        .collect();
    assert_eq!(subs, vec![vec![0x0DFE, 0x0020], vec![0x33CD, 0x0040]]);
    assert!(sub_responses.iter().all(|s| s.reference_type == 6));
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn write_file_record_echo_6_15() {
    let pdu = [
        0x15, // function: Write File Record
        0x0D, // response data length 13
        0x06, // sub-record: reference type 6
        0x00, 0x04, //   file number 4
        0x00, 0x07, //   record number 7
        0x00, 0x03, //   record length 3
        0x06, 0xAF, 0x04, 0xBE, 0x10, 0x0D, //   record data
    ];
    let B::WriteFileRecord { records, .. } = resp(&pdu).body else {
        panic!("not write file record");
    };
    assert_eq!(records.iter().count(), 1);
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn mask_write_register_echo_6_16() {
    let pdu = [
        0x16, // function: Mask Write Register
        0x00, 0x04, // reference address 4
        0x00, 0xF2, // AND mask
        0x00, 0x25, // OR mask
    ];
    assert_eq!(
        resp(&pdu).body,
        B::MaskWriteRegister {
            address: 4,
            and_mask: 0xF2,
            or_mask: 0x25
        }
    );
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn read_write_multiple_registers_6_17() {
    let pdu = [
        0x17, // function: Read/Write Multiple Registers
        0x0C, // byte count 12
        0x00, 0xFE, 0x0A, 0xCD, 0x00, 0x01, // registers read 1..3
        0x00, 0x03, 0x00, 0x0D, 0x00, 0xFF, // registers read 4..6
    ];
    let B::ReadWriteMultipleRegisters { registers, .. } = resp(&pdu).body else {
        panic!("not read/write multiple registers");
    };
    assert_eq!(
        registers.to_vec(),
        vec![0x00FE, 0x0ACD, 0x0001, 0x0003, 0x000D, 0x00FF]
    );
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn read_fifo_queue_6_18() {
    let pdu = [
        0x18, // function: Read FIFO Queue
        0x00, 0x06, // byte count 6: FIFO count + 2 values
        0x00, 0x02, // FIFO count 2
        0x01, 0xB8, // value 440
        0x12, 0x84, // value 4740
    ];
    let B::ReadFifoQueue {
        byte_count,
        fifo_count,
        registers,
    } = resp(&pdu).body
    else {
        panic!("not read FIFO queue");
    };
    assert_eq!((byte_count, fifo_count), (6, 2));
    assert_eq!(registers.to_vec(), vec![440, 4740]);
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn canopen_response_6_20() {
    let pdu = [
        0x2B, // function: Encapsulated Interface Transport
        0x0D, // MEI type 13: CANopen General Reference
        0xAA, // CANopen data, kept as bytes
    ];
    assert_eq!(resp(&pdu).body, B::Mei(MeiResponse::CanOpen(&[0xAA])));
    assert_prefixes_fail_cleanly(&pdu, false, true);
}

#[test]
fn read_device_identification_6_21() {
    let mut pdu = vec![
        0x2B, // function: Encapsulated Interface Transport
        0x0E, // MEI type 14: Read Device Identification
        0x01, // read device id code 1: basic
        0x01, // conformity level 1: basic, stream only
        0x00, // more follows: no
        0x00, // next object id 0
        0x03, // number of objects 3
        0x00, 0x16, // object 0 VendorName, 22 bytes:
    ];
    pdu.extend_from_slice(b"Company identification");
    pdu.extend_from_slice(&[0x01, 0x0F]); // object 1 ProductCode, 15 bytes:
    pdu.extend_from_slice(b"Product code XX");
    pdu.extend_from_slice(&[0x02, 0x05]); // object 2 MajorMinorRevision, 5 bytes:
    pdu.extend_from_slice(b"V2.11");
    let B::Mei(MeiResponse::ReadDeviceId(d)) = resp(&pdu).body else {
        panic!("not read device identification");
    };
    assert_eq!(
        (
            d.read_device_id_code,
            d.conformity_level,
            d.more_follows,
            d.next_object_id,
            d.number_of_objects
        ),
        (1, 1, 0, 0, 3)
    );
    let objects: Vec<(u8, &[u8])> = d.objects.iter().map(|o| (o.id, o.value)).collect();
    assert_eq!(
        objects,
        vec![
            (0x00, &b"Company identification"[..]), // VendorName
            (0x01, &b"Product code XX"[..]),        // ProductCode
            (0x02, &b"V2.11"[..]),                  // MajorMinorRevision
        ]
    );
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn exception_response_7() {
    let pdu = [
        0x81, // function: Read Coils | 0x80 (exception)
        0x02, // exception code 2: ILLEGAL DATA ADDRESS
    ];
    let r = resp(&pdu);
    assert!(r.is_exception());
    assert_eq!(r.function(), FunctionCode::ReadCoils);
    assert_eq!(r.exception(), Some(ExceptionCode(2)));
    assert_eq!(r.code, 0x81);
    assert_prefixes_fail_cleanly(&pdu, false, false);
}

#[test]
fn exception_of_an_unknown_function_keeps_its_code() {
    let pdu = [
        0x9C, // function 28 | 0x80: unknown function's exception
        0x01, // exception code 1: ILLEGAL FUNCTION
    ];
    let r = resp(&pdu);
    assert_eq!(r.function(), FunctionCode::Unknown(0x1C));
    assert_eq!(r.code, 0x9C);
    assert_eq!(r.exception(), Some(ExceptionCode(1)));
}

#[test]
fn umas_response_function_90() {
    let pdu = [
        0x5A, // function 90: Schneider Electric UMAS
        0x00, // pairing key
        0xFE, // UMAS code: RESPONSE_OK
        0xF0, 0x03, // data, kept as bytes
    ];
    let B::Umas(u) = resp(&pdu).body else {
        panic!("not UMAS");
    };
    assert!(u.is_response_ok());
    assert_eq!(u.code, UMAS_RESPONSE_OK);
    assert_eq!(u.data, &[0xF0, 0x03]);
    assert_prefixes_fail_cleanly(&pdu, false, true);
}

#[test]
fn unknown_function_response_is_data() {
    let pdu = [
        0x64, // function 100: user-defined
        0x01, 0x02, // data
    ];
    let r = resp(&pdu);
    assert_eq!(r.body, B::Unknown(&[1, 2]));
    assert_eq!(r.function(), FunctionCode::Unknown(0x64));
    assert_prefixes_fail_cleanly(&pdu, false, true);
}
