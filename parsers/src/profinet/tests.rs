use super::dcp::{self, Data};
use super::*;

/// An Identify response as an ET 200SP answers it (option blocks with
/// BlockInfo): type of station, name of station, device id, role, IP.
fn identify_response() -> Vec<u8> {
    let mut blocks = Vec::new();
    let mut block = |option: u8, suboption: u8, value: &[u8]| {
        let n = value.len() + 2;
        blocks.extend([option, suboption]);
        blocks.extend(u16::try_from(n).unwrap().to_be_bytes());
        blocks.extend([0, 0]);
        blocks.extend(value);
        if n % 2 == 1 {
            blocks.push(0);
        }
    };
    block(2, 1, b"ET 200SP");
    block(2, 2, b"io-device-7");
    block(2, 3, &[0x00, 0x2A, 0x03, 0x13]);
    block(2, 4, &[0x01, 0x00]);
    block(1, 2, &[192, 168, 0, 7, 255, 255, 255, 0, 192, 168, 0, 1]);
    let mut f = vec![dcp::SERVICE_IDENTIFY, 1, 0, 0, 0, 9, 0, 0];
    f.extend(u16::try_from(blocks.len()).unwrap().to_be_bytes());
    f.extend(blocks);
    f
}

#[test]
fn frame_ids_sort_frames() {
    assert_eq!(FrameKind::of(0xC001), FrameKind::RtClass1);
    assert_eq!(FrameKind::of(0x8001), FrameKind::RtClass2);
    assert_eq!(FrameKind::of(0xFEFE), FrameKind::Dcp);
    assert_eq!(FrameKind::of(0xFC01), FrameKind::Alarm);
    assert!(FrameKind::of(0x0100).is_cyclic() && !FrameKind::of(0xFEFD).is_cyclic());
    let t = rt_trailer(&[1, 2, 3, 0x12, 0x34, 0x35, 0x00]).unwrap();
    assert_eq!(t.cycle_counter, 0x1234);
    assert!(t.provider_running() && t.data_valid());
}

#[test]
fn an_identify_response_names_the_device() {
    let d = identify_response();
    let f = dcp::parse(dcp::IDENTIFY_RESPONSE, &d).unwrap();
    assert!(f.header.is_response() && !f.truncated);
    assert_eq!(f.header.xid, 9);
    let dev = dcp::device(&f);
    assert_eq!(dev.name_of_station, Some(&b"io-device-7"[..]));
    assert_eq!(dev.type_of_station, Some(&b"ET 200SP"[..]));
    assert_eq!(
        (dev.vendor_id, dev.device_id, dev.role),
        (Some(0x2A), Some(0x0313), Some(1))
    );
    assert_eq!(dev.ip.unwrap().address, [192, 168, 0, 7]);
}

#[test]
fn a_set_request_renames_with_its_qualifier_and_a_get_request_lists_pairs() {
    // Set NameOfStation "plc-evil", qualifier 1 (permanent).
    let mut set = vec![dcp::SERVICE_SET, 0, 0, 0, 0, 1, 0, 0, 0, 14];
    set.extend([2, 2, 0, 10, 0, 1]);
    set.extend(b"plc-evil");
    let f = dcp::parse(dcp::GET_SET, &set).unwrap();
    assert_eq!(dcp::device(&f).name_of_station, Some(&b"plc-evil"[..]));
    let get = [dcp::SERVICE_GET, 0, 0, 0, 0, 2, 0, 0, 0, 4, 2, 2, 1, 2];
    let f = dcp::parse(dcp::GET_SET, &get).unwrap();
    assert_eq!(f.data, Data::Get(vec![(2, 2), (1, 2)]));
}

#[test]
fn short_and_lying_frames_fail_or_are_flagged() {
    let d = identify_response();
    for n in 0..10 {
        assert!(dcp::parse(dcp::IDENTIFY_RESPONSE, &d[..n]).is_err());
    }
    // The data length says more than there is: what is there is read.
    let f = dcp::parse(dcp::IDENTIFY_RESPONSE, &d[..30]).unwrap();
    assert!(f.truncated);
    assert_eq!(frame_id(&[0xFE, 0xFE, 1]), Some((0xFEFE, &[1u8][..])));
    assert_eq!(frame_id(&[0xFE]), None);
}

proptest::proptest! {
    #[test]
    fn never_panics(id in proptest::num::u16::ANY, data in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
        let _ = FrameKind::of(id);
        let _ = rt_trailer(&data);
        if let Ok(f) = dcp::parse(id, &data) {
            let _ = dcp::device(&f);
        }
    }
}

/// An Identify response from the ICSNPP PROFINET IO CM traces
/// (profinet_io_cm_mixed_1.pcap, cisagov/icsnpp-profinet-io-cm 6e4c6db):
/// a GE VersaMax PNS adapter.
#[test]
fn a_real_identify_response_reads_whole() {
    let hex = "feff0501000000010000006402020010000076657273616d61782d706e7331310205000e00000102\
               020102020203020406010201000d00004943323030504e5330303100020300060000015a0003020400\
               04000001000102000e0001c0a80102ffffff00c0a801020601000400000001";
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let (id, rest) = frame_id(&bytes).unwrap();
    assert_eq!(FrameKind::of(id), FrameKind::Dcp);
    let f = dcp::parse(id, rest).unwrap();
    assert!(!f.truncated);
    let Data::Blocks { blocks, more } = &f.data else {
        panic!("blocks");
    };
    assert_eq!((blocks.len(), *more), (7, 0));
    let d = dcp::device(&f);
    assert_eq!(d.name_of_station, Some(&b"versamax-pns11"[..]));
    assert_eq!(d.type_of_station, Some(&b"IC200PNS001"[..]));
    assert_eq!(
        (d.vendor_id, d.device_id, d.role),
        (Some(0x015A), Some(0x0003), Some(0x01))
    );
    let ip = d.ip.unwrap();
    assert_eq!(
        (ip.address, ip.netmask),
        ([192, 168, 1, 2], [255, 255, 255, 0])
    );
}
