//! Userdata PDUs: the parameter head, and Read SZL requests and
//! responses (s7ident.pcap and snap7.pcap of cisagov/icsnpp-s7comm).

use super::*;
use crate::s7::s7comm::{Group, Szl, UserdataType};

// s7ident.pcap frame 10: Read SZL 0x0011 index 0 (module identification).
const SZL_REQUEST: &str = "
    32 07 0000 0001 0008 0008   # header: Userdata, PDU ref 1, param 8, data 8
    000112 04                   # parameter head, 4 more bytes
    11                          # method: request
    44                          # type request, group CPU functions
    01 00                       # subfunction Read SZL, sequence 0
    ff 09 0004                  # data: success, octet string, 4 bytes
    0011 0000                   # SZL id 0x0011, index 0";

#[test]
fn read_szl_request() {
    let pdu = hex(SZL_REQUEST);
    let m = msg(&pdu);
    let Parameter::Userdata(p) = m.parameter else {
        panic!("{m:?}")
    };
    assert_eq!(
        (p.kind(), p.group()),
        (UserdataType::Request, Group::CpuFunctions)
    );
    assert!(p.is_read_szl());
    assert_eq!((p.method, p.sequence_number, p.data_unit), (0x11, 0, None));
    let Data::Userdata(d) = m.data else {
        panic!("{m:?}")
    };
    assert_eq!(d.return_code, 0xFF);
    assert_eq!(
        d.szl,
        Some(Szl::Request {
            id: 0x0011,
            index: 0
        })
    );
    assert_prefixes_fail_cleanly(&pdu);
}

#[test]
fn read_szl_0011_response_lists_module_identification() {
    // s7ident.pcap frame 11.
    let pdu = hex(
        "32 07 0000 0001 000c 007c
         000112 08 12 84 01 00      # head, 8 bytes: response, CPU functions, Read SZL
         00 00 0000                 # data unit ref 0, last unit, no error
         ff 09 0078                 # data: success, 120 bytes
         0011 0000 001c 0004        # SZL 0x0011 index 0: 4 entries of 28 bytes
         0001 36455337203331352d32454831342d3041423020 00c0 0004 0001   # order number 6ES7 315-2EH14-0AB0
         0006 36455337203331352d32454831342d3041423020 00c0 0004 0001   # hardware
         0007 2020202020202020202020202020202020202020 00c0 5603 0206   # firmware V3.2.6
         0081 426f6f74204c6f61646572202020202020202020 0000 4120 0909   # boot loader",
    );
    let m = msg(&pdu);
    let Parameter::Userdata(p) = m.parameter else {
        panic!("{m:?}")
    };
    assert_eq!(p.kind(), UserdataType::Response);
    let du = p.data_unit.unwrap_or_else(|| panic!("no data unit"));
    assert!(du.is_last());
    assert_eq!(du.error_code, 0);
    let Data::Userdata(d) = m.data else {
        panic!("{m:?}")
    };
    let Some(Szl::List(list)) = d.szl else {
        panic!("{d:?}")
    };
    assert_eq!(
        (list.id, list.index, list.entry_length, list.entry_count),
        (0x0011, 0, 28, 4)
    );
    let entries: Vec<&[u8]> = list.iter().collect();
    assert_eq!(entries.len(), 4);
    assert_eq!(&entries[0][..2], &[0x00, 0x01]);
    assert_eq!(&entries[0][2..22], b"6ES7 315-2EH14-0AB0 ");
    assert_eq!(&entries[2][24..28], &[0x56, 0x03, 0x02, 0x06]);
    assert_prefixes_fail_cleanly(&pdu);
}

#[test]
fn fragmented_szl_list_parts() {
    // snap7.pcap frame 6: the first part of SZL 0x001C, more to follow.
    let first = hex("32 07 0000 0002 000c 0012
         000112 08 12 84 01 02 d5 01 0000   # data unit 0xD5, more follow
         ff 09 000e
         001c 0000 0022 000a                # 10 entries of 34 bytes announced
         0001 53373330");
    let Ok((_, m)) = s7comm::parse_message(&first) else {
        panic!("first part did not parse");
    };
    assert_eq!(m.violations, Violations::S7_SZL_LENGTH_MISMATCH);
    let Data::Userdata(d) = m.data else {
        panic!("{m:?}")
    };
    assert!(matches!(d.szl, Some(Szl::List(l)) if l.id == 0x001C && l.iter().count() == 0));
    // Frame 8: the last part has no list header and is left unread.
    let last = hex("32 07 0000 0003 000c 0008
         000112 08 12 84 01 02 d5 00 0000   # data unit 0xD5, last
         ff 09 0004 4d4d4320");
    let m = msg(&last);
    let Data::Userdata(d) = m.data else {
        panic!("{m:?}")
    };
    assert_eq!((d.szl, d.data), (None, &b"MMC "[..]));
    // Frame 7: the request for the next part carries no SZL id.
    let next = hex("32 07 0000 0003 000c 0004  000112 08 12 44 01 02 00 00 0000  0a 00 0000");
    let m = msg(&next);
    let Data::Userdata(d) = m.data else {
        panic!("{m:?}")
    };
    assert_eq!((d.return_code, d.szl), (0x0A, None));
}

#[test]
fn other_groups_keep_their_data_raw() {
    // snap7.pcap frame 45: Read Clock (time functions).
    let pdu = hex("32 07 0000 0016 0008 0004  000112 04 11 47 01 00  0a 00 0000");
    let m = msg(&pdu);
    let Parameter::Userdata(p) = m.parameter else {
        panic!("{m:?}")
    };
    assert_eq!((p.group(), p.subfunction), (Group::Time, 1));
    // snap7.pcap frame 24: Get Block Info refused with error 0xD209.
    let pdu = hex("32 07 0000 000b 000c 0004  000112 08 12 83 03 00 00 00 d209  0a 00 0000");
    let m = msg(&pdu);
    let Parameter::Userdata(p) = m.parameter else {
        panic!("{m:?}")
    };
    assert_eq!(p.group(), Group::BlockFunctions);
    assert_eq!(p.data_unit.map(|d| d.error_code), Some(0xD209));
    assert!(matches!(m.data, Data::Userdata(d) if d.szl.is_none()));
}

#[test]
fn a_bad_parameter_head_is_flagged() {
    let pdu = hex(SZL_REQUEST)
        .iter()
        .enumerate()
        .map(|(i, b)| if i == 12 { 0x13 } else { *b })
        .collect::<Vec<u8>>();
    let Ok((_, m)) = s7comm::parse_message(&pdu) else {
        panic!("did not parse");
    };
    assert_eq!(m.violations, Violations::S7_INVALID_USERDATA_HEAD);
}
