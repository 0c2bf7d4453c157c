//! One annotated request per function code (the examples of Modbus
//! Application Protocol V1.1b3, section 6, where it has one), each checked
//! field by field and for clean failure of every truncated prefix.

use super::*;
use RequestBody as B;

#[test]
fn read_coils_6_1() {
    let pdu = [
        0x01, // function: Read Coils
        0x00, 0x13, // starting address 19 (coil 20)
        0x00, 0x13, // quantity 19
    ];
    let r = req(&pdu);
    assert_eq!(r.function(), FunctionCode::ReadCoils);
    assert_eq!(r.code, 0x01);
    assert_eq!(
        r.body,
        B::ReadCoils {
            address: 19,
            quantity: 19
        }
    );
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn read_discrete_inputs_6_2() {
    let pdu = [
        0x02, // function: Read Discrete Inputs
        0x00, 0xC4, // starting address 196
        0x00, 0x16, // quantity 22
    ];
    assert_eq!(
        req(&pdu).body,
        B::ReadDiscreteInputs {
            address: 196,
            quantity: 22
        }
    );
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn read_holding_registers_6_3() {
    let pdu = [
        0x03, // function: Read Holding Registers
        0x00, 0x6B, // starting address 107
        0x00, 0x03, // quantity 3
    ];
    assert_eq!(
        req(&pdu).body,
        B::ReadHoldingRegisters {
            address: 107,
            quantity: 3
        }
    );
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn read_input_registers_6_4() {
    let pdu = [
        0x04, // function: Read Input Registers
        0x00, 0x08, // starting address 8
        0x00, 0x01, // quantity 1
    ];
    assert_eq!(
        req(&pdu).body,
        B::ReadInputRegisters {
            address: 8,
            quantity: 1
        }
    );
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn write_single_coil_6_5() {
    let pdu = [
        0x05, // function: Write Single Coil
        0x00, 0xAC, // output address 172
        0xFF, 0x00, // value ON
    ];
    let r = req(&pdu);
    assert_eq!(
        r.body,
        B::WriteSingleCoil {
            address: 172,
            value: 0xFF00
        }
    );
    assert_eq!(r.body.coil_state(), Some(true));
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn write_single_register_6_6() {
    let pdu = [
        0x06, // function: Write Single Register
        0x00, 0x01, // register address 1
        0x00, 0x03, // value 3
    ];
    assert_eq!(
        req(&pdu).body,
        B::WriteSingleRegister {
            address: 1,
            value: 3
        }
    );
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn fieldless_requests_6_7_6_9_6_10_6_13() {
    for (code, body) in [
        (0x07, B::ReadExceptionStatus),
        (0x0B, B::GetCommEventCounter),
        (0x0C, B::GetCommEventLog),
        (0x11, B::ReportServerId),
    ] {
        let pdu = [code]; // function code only
        assert_eq!(req(&pdu).body, body);
        assert_prefixes_fail_cleanly(&pdu, true, false);
    }
}

#[test]
fn diagnostics_return_query_data_6_8() {
    let pdu = [
        0x08, // function: Diagnostics
        0x00, 0x00, // sub-function 0: Return Query Data
        0xA5, 0x37, // data, echoed back
    ];
    let r = req(&pdu);
    let B::Diagnostics(d) = r.body else {
        panic!("not diagnostics: {r:?}");
    };
    assert_eq!(d.sub_function, DiagnosticSubFunction::ReturnQueryData);
    assert_eq!(d.sub_function.code(), 0x00);
    assert_eq!(d.data, &[0xA5, 0x37]);
    // Query data is free-form: any prefix past the sub-function is valid.
    assert_prefixes_fail_cleanly(&pdu, true, true);
}

#[test]
fn diagnostics_word_sub_function_6_8_1() {
    let pdu = [
        0x08, // function: Diagnostics
        0x00, 0x0B, // sub-function 11: Return Bus Message Count
        0x00, 0x00, // data 0000
    ];
    let B::Diagnostics(d) = req(&pdu).body else {
        panic!("not diagnostics");
    };
    assert_eq!(d.sub_function, DiagnosticSubFunction::ReturnBusMessageCount);
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn diagnostics_unknown_sub_function_is_data() {
    let pdu = [
        0x08, // function: Diagnostics
        0x12, 0x34, // sub-function 0x1234: reserved
        0x01, // data
    ];
    let B::Diagnostics(d) = req(&pdu).body else {
        panic!("not diagnostics");
    };
    assert_eq!(d.sub_function, DiagnosticSubFunction::Other(0x1234));
    assert_eq!(d.sub_function.code(), 0x1234);
}

#[test]
fn write_multiple_coils_6_11() {
    let pdu = [
        0x0F, // function: Write Multiple Coils
        0x00, 0x13, // starting address 19
        0x00, 0x0A, // quantity 10
        0x02, // byte count 2
        0xCD, 0x01, // coils 20..27 = 1011 0011 (LSB first), 28..29 = 1, 0
    ];
    let r = req(&pdu);
    let B::WriteMultipleCoils {
        address,
        quantity,
        byte_count,
        coils,
    } = r.body
    else {
        panic!("not write multiple coils: {r:?}");
    };
    assert_eq!((address, quantity, byte_count), (19, 10, 2));
    assert_eq!(
        coils.to_vec(),
        vec![true, false, true, true, false, false, true, true, true, false]
    );
    assert_eq!(coils.padding().count(), 6);
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn write_multiple_registers_6_12() {
    let pdu = [
        0x10, // function: Write Multiple Registers
        0x00, 0x01, // starting address 1
        0x00, 0x02, // quantity 2
        0x04, // byte count 4
        0x00, 0x0A, // register 1 = 10
        0x01, 0x02, // register 2 = 258
    ];
    let B::WriteMultipleRegisters {
        address,
        quantity,
        byte_count,
        registers,
    } = req(&pdu).body
    else {
        panic!("not write multiple registers");
    };
    assert_eq!((address, quantity, byte_count), (1, 2, 4));
    assert_eq!(registers.to_vec(), vec![10, 258]);
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn read_file_record_6_14() {
    let pdu = [
        0x14, // function: Read File Record
        0x0E, // byte count 14: two sub-requests
        0x06, // sub-request 1: reference type 6
        0x00, 0x04, //   file number 4
        0x00, 0x01, //   record number 1
        0x00, 0x02, //   record length 2 registers
        0x06, // sub-request 2: reference type 6
        0x00, 0x03, //   file number 3
        0x00, 0x09, //   record number 9
        0x00, 0x02, //   record length 2 registers
    ];
    let B::ReadFileRecord {
        byte_count,
        sub_requests,
    } = req(&pdu).body
    else {
        panic!("not read file record");
    };
    assert_eq!(byte_count, 14);
    let subs: Vec<_> = sub_requests.iter().collect();
    assert_eq!(
        subs,
        vec![
            FileSubRequest {
                reference_type: 6,
                file_number: 4,
                record_number: 1,
                record_length: 2
            },
            FileSubRequest {
                reference_type: 6,
                file_number: 3,
                record_number: 9,
                record_length: 2
            },
        ]
    );
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn write_file_record_6_15() {
    let pdu = [
        0x15, // function: Write File Record
        0x0D, // request data length 13
        0x06, // sub-record: reference type 6
        0x00, 0x04, //   file number 4
        0x00, 0x07, //   record number 7
        0x00, 0x03, //   record length 3 registers
        0x06, 0xAF, 0x04, 0xBE, 0x10, 0x0D, // record data 06AF 04BE 100D
    ];
    let B::WriteFileRecord {
        byte_count,
        records,
    } = req(&pdu).body
    else {
        panic!("not write file record");
    };
    assert_eq!(byte_count, 13);
    let recs: Vec<_> = records.iter().collect();
    assert_eq!(recs.len(), 1);
    assert_eq!(
        (
            recs[0].file_number,
            recs[0].record_number,
            recs[0].record_length
        ),
        (4, 7, 3)
    );
    assert_eq!(recs[0].registers().to_vec(), vec![0x06AF, 0x04BE, 0x100D]);
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn mask_write_register_6_16() {
    let pdu = [
        0x16, // function: Mask Write Register
        0x00, 0x04, // reference address 4
        0x00, 0xF2, // AND mask
        0x00, 0x25, // OR mask
    ];
    assert_eq!(
        req(&pdu).body,
        B::MaskWriteRegister {
            address: 4,
            and_mask: 0xF2,
            or_mask: 0x25
        }
    );
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn read_write_multiple_registers_6_17() {
    let pdu = [
        0x17, // function: Read/Write Multiple Registers
        0x00, 0x03, // read starting address 3
        0x00, 0x06, // quantity to read 6
        0x00, 0x0E, // write starting address 14
        0x00, 0x03, // quantity to write 3
        0x06, // write byte count 6
        0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, // write registers 255, 255, 255
    ];
    let B::ReadWriteMultipleRegisters {
        read_address,
        read_quantity,
        write_address,
        write_quantity,
        byte_count,
        registers,
    } = req(&pdu).body
    else {
        panic!("not read/write multiple registers");
    };
    assert_eq!(
        (
            read_address,
            read_quantity,
            write_address,
            write_quantity,
            byte_count
        ),
        (3, 6, 14, 3, 6)
    );
    assert_eq!(registers.to_vec(), vec![255, 255, 255]);
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn read_fifo_queue_6_18() {
    let pdu = [
        0x18, // function: Read FIFO Queue
        0x04, 0xDE, // FIFO pointer address 1246
    ];
    assert_eq!(req(&pdu).body, B::ReadFifoQueue { address: 0x04DE });
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn canopen_general_reference_6_20() {
    let pdu = [
        0x2B, // function: Encapsulated Interface Transport
        0x0D, // MEI type 13: CANopen General Reference
        0x01, 0x02, 0x03, // CANopen data, kept as bytes
    ];
    let r = req(&pdu);
    assert_eq!(r.function(), FunctionCode::EncapsulatedInterfaceTransport);
    assert_eq!(r.body, B::Mei(MeiRequest::CanOpen(&[1, 2, 3])));
    assert_prefixes_fail_cleanly(&pdu, true, true);
}

#[test]
fn read_device_identification_6_21() {
    let pdu = [
        0x2B, // function: Encapsulated Interface Transport
        0x0E, // MEI type 14: Read Device Identification
        0x01, // read device id code 1: basic
        0x00, // object id 0: VendorName
    ];
    assert_eq!(
        req(&pdu).body,
        B::Mei(MeiRequest::ReadDeviceId {
            read_device_id_code: 1,
            object_id: 0
        })
    );
    assert_prefixes_fail_cleanly(&pdu, true, false);
}

#[test]
fn unknown_mei_type_is_data() {
    let pdu = [
        0x2B, // function: Encapsulated Interface Transport
        0x2A, // MEI type 42: not defined
        0xFF, // data
    ];
    assert_eq!(
        req(&pdu).body,
        B::Mei(MeiRequest::Unknown {
            mei_type: 0x2A,
            data: &[0xFF]
        })
    );
}

#[test]
fn umas_request_function_90() {
    let pdu = [
        0x5A, // function 90: Schneider Electric UMAS
        0x00, // pairing key 0 (no reservation yet)
        0x10, // UMAS code: TAKE_PLC_RESERVATION
        0x3B, 0x01, // data, kept as bytes
    ];
    let r = req(&pdu);
    assert!(r.function().is_umas());
    assert_eq!(r.function(), FunctionCode::Umas);
    let B::Umas(u) = r.body else {
        panic!("not UMAS: {r:?}");
    };
    assert_eq!(
        (u.pairing_key, u.code, u.data),
        (0, 0x10, &[0x3B, 0x01][..])
    );
    assert_prefixes_fail_cleanly(&pdu, true, true);
}

#[test]
fn unknown_function_code_is_data() {
    let pdu = [
        0x41, // function 65: user-defined
        0xDE, 0xAD, // data
    ];
    let r = req(&pdu);
    assert_eq!(r.function(), FunctionCode::Unknown(0x41));
    assert_eq!(r.body, B::Unknown(&[0xDE, 0xAD]));
    assert_prefixes_fail_cleanly(&pdu, true, true);
    // A code Zeek names but this module does not parse.
    let r = req(&[0x09]);
    assert_eq!(r.function(), FunctionCode::Unknown(0x09));
    assert_eq!(r.body, B::Unknown(&[]));
}
