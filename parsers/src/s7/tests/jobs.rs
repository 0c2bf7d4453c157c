//! S7comm Job, Ack and Ack_Data PDUs, one annotated vector per function
//! (most from snap7.pcap of cisagov/icsnpp-s7comm, frame numbers given).

use super::*;
use crate::s7::s7comm::{
    AnyAddress, Area, BlockType, DataItem, Function, Item, ReturnCode, Rosctr, SyntaxId,
    TransportSize,
};

#[test]
fn setup_communication_job_and_ack_data() {
    // Frame 1.
    let job = hex(
        "32 01 0000 0000 0008 0000   # header: Job, PDU ref 0, param 8, data 0
         f0 00 0001 0001 01e0        # Setup Communication: AmQ 1/1, PDU 480",
    );
    let m = msg(&job);
    assert_eq!(m.header.rosctr(), Rosctr::Job);
    assert_eq!(m.header.error, None);
    let Parameter::SetupCommunication(s) = m.parameter else {
        panic!("{m:?}")
    };
    assert_eq!(
        (s.max_amq_calling, s.max_amq_called, s.pdu_length),
        (1, 1, 480)
    );
    assert_eq!(m.parameter.function(), Some(Function::SetupCommunication));
    assert_eq!(m.data, Data::None);
    assert_prefixes_fail_cleanly(&job);
    // Frame 2: the PLC grants PDU length 240.
    let ack = hex(
        "32 03 0000 0000 0008 0000 00 00   # header: Ack_Data, no error
         f0 00 0001 0001 00f0",
    );
    let m = msg(&ack);
    assert_eq!(m.header.rosctr(), Rosctr::AckData);
    assert_eq!(m.header.error.map(|e| e.combined()), Some(0));
    assert!(matches!(m.parameter, Parameter::SetupCommunication(s) if s.pdu_length == 240));
    assert_prefixes_fail_cleanly(&ack);
}

// Frame 51: read MD16 as one REAL.
const READ_VAR: &str = "
    32 01 0000 0019 000e 0000   # header: Job, PDU ref 25, param 14
    04 01                       # Read Var, 1 item
    12 0a 10                    # variable spec, 10 address bytes, S7ANY
    08 0001                     # REAL, 1 element
    0000 83 000080              # DB 0, area M, byte 16 bit 0";

#[test]
fn read_var_job_with_an_s7any_item() {
    let pdu = hex(READ_VAR);
    let m = msg(&pdu);
    let Parameter::ReadVar(p) = m.parameter else {
        panic!("{m:?}")
    };
    assert_eq!(p.item_count, 1);
    let items: Vec<Item<'_>> = p.items.iter().collect();
    let want = AnyAddress {
        transport_size: 0x08,
        length: 1,
        db_number: 0,
        area: 0x83,
        address: 0x80,
    };
    assert_eq!(items, vec![Item::Any(want)]);
    assert_eq!(want.area(), Area::Flags);
    assert_eq!(want.transport(), TransportSize::Real);
    assert_eq!((want.byte_address(), want.bit_address()), (16, 0));
    assert_prefixes_fail_cleanly(&pdu);
}

#[test]
fn read_var_job_keeps_other_syntax_ids_raw() {
    let pdu = hex("32 01 0000 0001 001f 0000
         04 03                          # Read Var, 3 items
         12 0a 10 02 0004 0001 84 000053   # S7ANY: 4 bytes of DB1 from byte 10 bit 3
         12 07 b0 01 04 0005 0010          # DBREAD: 1 area, 4 bytes of DB5 from 16
         12 06 b2 01 02 03 04 05           # 1200 symbolic, kept raw");
    let m = msg(&pdu);
    let Parameter::ReadVar(p) = m.parameter else {
        panic!("{m:?}")
    };
    let items: Vec<Item<'_>> = p.items.iter().collect();
    assert_eq!(items.len(), 3);
    let Item::Any(a) = items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(
        (a.area(), a.db_number, a.byte_address(), a.bit_address()),
        (Area::DataBlock, 1, 10, 3)
    );
    let Item::Raw(db) = items[1] else {
        panic!("{items:?}")
    };
    assert_eq!(db.syntax(), SyntaxId::DbRead);
    assert_eq!(db.address, &[0x01, 0x04, 0x00, 0x05, 0x00, 0x10]);
    let Item::Raw(sym) = items[2] else {
        panic!("{items:?}")
    };
    assert_eq!((sym.spec_type, sym.syntax()), (0x12, SyntaxId::Sym1200));
    assert_prefixes_fail_cleanly(&pdu);
}

#[test]
fn read_var_ack_data_items() {
    // Frame 52: the REAL read above.
    let pdu = hex(
        "32 03 0000 0019 0002 0008 0000   # header: Ack_Data, param 2, data 8
         04 01                            # Read Var, 1 item
         ff 07 0004 00000000              # success, REAL, 4 bytes",
    );
    let m = msg(&pdu);
    assert!(
        matches!(m.parameter, Parameter::ReadVar(p) if p.item_count == 1 && p.items.is_empty())
    );
    let Data::Items(d) = m.data else {
        panic!("{m:?}")
    };
    let items: Vec<DataItem<'_>> = d.iter().collect();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].return_code(), ReturnCode::Success);
    assert_eq!(items[0].data, &[0, 0, 0, 0]);
    assert_prefixes_fail_cleanly(&pdu);
    // Two 1-byte items: the first is padded by a fill byte, lengths in bits.
    let pdu = hex("32 03 0000 0001 0002 000b 0000
         04 02
         ff 04 0008 11 00     # BYTE, 8 bits, value 0x11, fill byte
         ff 03 0001 01        # BIT, 1 bit, value 1
         ");
    let m = msg(&pdu);
    let Data::Items(d) = m.data else {
        panic!("{m:?}")
    };
    let data: Vec<&[u8]> = d.iter().map(|i| i.data).collect();
    assert_eq!(data, vec![&[0x11][..], &[0x01][..]]);
    // A failed item carries no data, whatever its length says
    // (s7ident.pcap frame 32).
    let pdu = hex("32 03 0000 0001 0002 0008 0000  04 02  0a 00 0004  0a 00 0004");
    let m = msg(&pdu);
    let Data::Items(d) = m.data else {
        panic!("{m:?}")
    };
    assert_eq!(
        d.iter().map(|i| i.return_code()).collect::<Vec<_>>(),
        vec![ReturnCode::ObjectDoesNotExist; 2]
    );
    assert!(d.iter().all(|i| i.data.is_empty() && i.length == 4));
}

#[test]
fn write_var_job_and_ack_data() {
    // Frame 49: write 0x79E9F642 to MD16.
    let pdu = hex("32 01 0000 0018 000e 0008
         05 01 12 0a 10 08 0001 0000 83 000080   # Write Var, 1 S7ANY item
         00 07 0004 79e9f642                     # reserved, REAL, 4 bytes");
    let m = msg(&pdu);
    assert!(matches!(m.parameter, Parameter::WriteVar(p) if p.items.len() == 1));
    let Data::Items(d) = m.data else {
        panic!("{m:?}")
    };
    assert_eq!(
        d.iter().map(|i| i.data).collect::<Vec<_>>(),
        vec![&[0x79, 0xE9, 0xF6, 0x42][..]]
    );
    assert_prefixes_fail_cleanly(&pdu);
    // Frame 54: five return codes, two refusals.
    let pdu = hex("32 03 0000 001a 0002 0005 0000  05 05  ffffff0303");
    let m = msg(&pdu);
    assert_eq!(m.data, Data::ReturnCodes(&[0xFF, 0xFF, 0xFF, 0x03, 0x03]));
    assert_prefixes_fail_cleanly(&pdu);
}

#[test]
fn upload_functions() {
    // Frame 17: Start Upload of SDB 0.
    let pdu = hex("32 01 0000 0008 0012 0000
         1d 00 0000 00000000       # Start Upload, status 0, session 0
         09 5f3042303030303041     # file name _0B00000A");
    let m = msg(&pdu);
    let Parameter::StartUpload(t) = m.parameter else {
        panic!("{m:?}")
    };
    let block = t.filename.and_then(|f| f.block());
    assert_eq!(
        block.map(|b| (b.block_type, b.number, b.filesystem)),
        Some((BlockType::Sdb, 0, b'A'))
    );
    assert_prefixes_fail_cleanly(&pdu);
    // Frame 18: session 7, block length "0000216".
    let pdu = hex("32 03 0000 0008 0010 0000 0000
         1d 00 0100 00000007 07 30303030323136");
    let m = msg(&pdu);
    let Parameter::StartUpload(t) = m.parameter else {
        panic!("{m:?}")
    };
    assert_eq!((t.session_id, t.extra), (Some(7), Some(&b"0000216"[..])));
    assert_eq!(t.filename, None);
    // Frame 19: Upload of session 7.
    let pdu = hex("32 01 0000 0009 0008 0000  1e 00 0000 00000007");
    let m = msg(&pdu);
    assert!(matches!(m.parameter, Parameter::Upload(t) if t.session_id == Some(7)));
    assert_prefixes_fail_cleanly(&pdu);
    // An Upload Ack_Data (frame 20, shortened): the block bytes.
    let pdu = hex("32 03 0000 0009 0002 0008 0000
         1e 00                    # Upload, status 0
         0004 00fb 70700302       # length 4, unknown 0x00FB, block bytes");
    let m = msg(&pdu);
    let Data::Block(b) = m.data else {
        panic!("{m:?}")
    };
    assert_eq!(
        (b.length, b.unknown, b.bytes),
        (4, 0xFB, &[0x70, 0x70, 0x03, 0x02][..])
    );
    assert_prefixes_fail_cleanly(&pdu);
    // Frame 22: End Upload acknowledged by the function code alone.
    let pdu = hex("32 03 0000 000a 0001 0000 0000  1f");
    let m = msg(&pdu);
    assert!(matches!(m.parameter, Parameter::EndUpload(t) if t.status.is_none()));
}

#[test]
fn download_functions() {
    let pdu = hex("32 01 0000 0100 0020 0000
         1a 00 0100 00000000       # Request Download
         09 5f3041303030303150     # _0A00001P: DB 1, passive file system
         0d 31303030323430303030323834   # load memory / MC7 lengths");
    let m = msg(&pdu);
    let Parameter::RequestDownload(t) = m.parameter else {
        panic!("{m:?}")
    };
    assert_eq!(
        t.filename
            .and_then(|f| f.block())
            .map(|b| (b.block_type, b.number)),
        Some((BlockType::Db, 1))
    );
    assert_eq!(t.extra, Some(&b"1000240000284"[..]));
    assert_prefixes_fail_cleanly(&pdu);
    let pdu = hex("32 01 0000 0101 0012 0000  1b 00 0100 00000000 09 5f3041303030303150");
    assert!(matches!(msg(&pdu).parameter, Parameter::DownloadBlock(t) if t.filename.is_some()));
    let pdu = hex("32 03 0000 0101 0002 0008 0000  1b 00  0004 00fb 01020304");
    assert!(matches!(msg(&pdu).data, Data::Block(b) if b.bytes.len() == 4));
    let pdu = hex("32 01 0000 0102 0012 0000  1c 00 0000 00000000 09 5f3041303030303150");
    assert!(matches!(msg(&pdu).parameter, Parameter::DownloadEnded(_)));
    let pdu = hex("32 03 0000 0102 0001 0000 0000  1c");
    assert!(matches!(msg(&pdu).parameter, Parameter::DownloadEnded(t) if t.status.is_none()));
}

#[test]
fn plc_stop_and_plc_control() {
    // Frame 57.
    let pdu = hex("32 01 0000 001c 0010 0000
         29 0000000000             # PLC Stop, 5 unknown bytes
         09 505f50524f4752414d     # P_PROGRAM");
    let m = msg(&pdu);
    let Parameter::PlcStop(Some(s)) = m.parameter else {
        panic!("{m:?}")
    };
    assert_eq!((s.name, s.arguments), (&b"P_PROGRAM"[..], &[][..]));
    assert_prefixes_fail_cleanly(&pdu);
    // Frame 63: PLC Control, cold start.
    let pdu = hex("32 01 0000 001f 0016 0000
         28 000000000000fd         # PLC Control, 7 unknown bytes
         0002 4320                 # arguments: \"C \"
         09 505f50524f4752414d     # P_PROGRAM");
    let m = msg(&pdu);
    let Parameter::PlcControl(Some(s)) = m.parameter else {
        panic!("{m:?}")
    };
    assert_eq!((s.arguments, s.name), (&b"C "[..], &b"P_PROGRAM"[..]));
    assert_prefixes_fail_cleanly(&pdu);
    // Frame 58: acknowledged by the function code alone.
    let pdu = hex("32 03 0000 001c 0001 0000 0000  29");
    assert_eq!(msg(&pdu).parameter, Parameter::PlcStop(None));
}

#[test]
fn ack_with_error_and_unknown_codes() {
    // Frame 44: Start Upload of OB 0 refused.
    let pdu = hex("32 02 0000 0015 0000 0000 d20c");
    let m = msg(&pdu);
    assert_eq!(m.header.rosctr(), Rosctr::Ack);
    assert_eq!(
        m.header.error.map(|e| (e.class, e.code)),
        Some((0xD2, 0x0C))
    );
    assert_eq!((m.parameter, m.data), (Parameter::None, Data::None));
    // An unknown function and an unknown ROSCTR are data.
    let pdu = hex("32 01 0000 0001 0003 0002  99 01 02  aa bb");
    let m = msg(&pdu);
    assert_eq!(
        m.parameter,
        Parameter::Unknown {
            function: 0x99,
            bytes: &[1, 2]
        }
    );
    assert_eq!(m.data, Data::Raw(&[0xAA, 0xBB]));
    let pdu = hex("32 09 0000 0001 0001 0000  04");
    let m = msg(&pdu);
    assert_eq!(m.header.rosctr(), Rosctr::Unknown(9));
    assert!(matches!(
        m.parameter,
        Parameter::Unknown { function: 4, .. }
    ));
}

#[test]
fn violations_are_flags() {
    let parse = |s: &str| {
        let pdu = hex(s);
        s7comm::parse_message(&pdu)
            .map(|(_, m)| m.violations)
            .map_err(|e| format!("{e:?}"))
    };
    // Item count 2, one item.
    let mut two = READ_VAR.replace("04 01 ", "04 02 ");
    assert_eq!(parse(&two), Ok(Violations::S7_ITEM_COUNT_MISMATCH));
    // Variable specification 0x11.
    two = READ_VAR.replace("12 0a 10", "11 0a 10");
    assert_eq!(parse(&two), Ok(Violations::S7_INVALID_VARIABLE_SPEC));
    // The item's address length runs past the block.
    two = READ_VAR.replace("12 0a 10", "12 0b 10");
    assert_eq!(
        parse(&two),
        Ok(Violations::S7_TRUNCATED_ITEM | Violations::S7_ITEM_COUNT_MISMATCH)
    );
    // Parameter length past the PDU; bytes after the data.
    assert_eq!(
        parse("32 01 0000 0000 0009 0000 f0 00 0001 0001 01e0"),
        Ok(Violations::S7_LENGTH_EXCEEDS_PDU)
    );
    assert_eq!(
        parse("32 01 0000 0000 0008 0000 f0 00 0001 0001 01e0 ff"),
        Ok(Violations::S7_TRAILING_BYTES)
    );
    // Setup Communication with a byte too many in its block.
    assert_eq!(
        parse("32 01 0000 0000 0009 0000 f0 00 0001 0001 01e0 ff"),
        Ok(Violations::S7_TRAILING_BYTES)
    );
    // A write response with fewer return codes than items.
    assert_eq!(
        parse("32 03 0000 001a 0002 0001 0000  05 02  ff"),
        Ok(Violations::S7_ITEM_COUNT_MISMATCH)
    );
    // A counted file name past the block.
    assert_eq!(
        parse("32 01 0000 0008 000a 0000  1d 00 0000 00000000 09 5f"),
        Ok(Violations::S7_TRUNCATED_ITEM)
    );
}
