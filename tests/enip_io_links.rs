//! A Forward Open seen on an EtherNet/IP session ties the implicit I/O it
//! sets up (UDP 2222, another 5-tuple) to that session in cip_io.log: who
//! opened it, originator, target, granted interval — for any worker count.

mod common;

use common::*;

const C: [u8; 4] = [10, 5, 0, 1]; // scanner
const T: [u8; 4] = [10, 5, 0, 2]; // adapter

fn forward_open_request() -> Vec<u8> {
    let mut c = vec![0x54, 2, 0x20, 0x06, 0x24, 0x01, 0x0A, 0x05];
    c.extend_from_slice(&0u32.to_le_bytes()); // O->T id: chosen by the target
    c.extend_from_slice(&0x1122_3344u32.to_le_bytes()); // T->O id
    c.extend_from_slice(&7u16.to_le_bytes()); // connection serial
    c.extend_from_slice(&1u16.to_le_bytes()); // vendor
    c.extend_from_slice(&99u32.to_le_bytes()); // originator serial
    c.extend_from_slice(&[1, 0, 0, 0]); // timeout multiplier, reserved
    c.extend_from_slice(&10_000u32.to_le_bytes()); // O->T RPI
    c.extend_from_slice(&0x4802u16.to_le_bytes());
    c.extend_from_slice(&20_000u32.to_le_bytes()); // T->O RPI
    c.extend_from_slice(&0x4802u16.to_le_bytes());
    c.push(0x01); // transport: class 1, cyclic
    c.extend_from_slice(&[3, 0x20, 0x04, 0x24, 0x01, 0x2C, 0x65]); // path to the assembly
    send_rr(&c)
}

fn forward_open_reply() -> Vec<u8> {
    let mut c = vec![0xD4, 0, 0, 0];
    c.extend_from_slice(&0xAABB_CCDDu32.to_le_bytes()); // O->T id
    c.extend_from_slice(&0x1122_3344u32.to_le_bytes()); // T->O id
    c.extend_from_slice(&7u16.to_le_bytes());
    c.extend_from_slice(&1u16.to_le_bytes());
    c.extend_from_slice(&99u32.to_le_bytes());
    c.extend_from_slice(&10_000u32.to_le_bytes()); // O->T API
    c.extend_from_slice(&20_000u32.to_le_bytes()); // T->O API
    c.extend_from_slice(&[0, 0]);
    send_rr(&c)
}

/// SendUnitData: connected address `id`, connected data with sequence count.
fn send_unit(id: u32, seq: u16, cip: &[u8]) -> Vec<u8> {
    let mut d = vec![0, 0, 0, 0, 0, 0, 2, 0, 0xA1, 0, 4, 0];
    d.extend_from_slice(&id.to_le_bytes());
    d.extend_from_slice(&[0xB1, 0]);
    d.extend_from_slice(&((cip.len() + 2) as u16).to_le_bytes());
    d.extend_from_slice(&seq.to_le_bytes());
    d.extend_from_slice(cip);
    encap_on(0x70, 0x1234, &d)
}

#[test]
fn forward_open_ties_io_to_its_session() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("fo.pcap");
    let mut w = PcapWriter::new(1, 65535);
    let req = forward_open_request();
    let rep = forward_open_reply();
    w.packet(1_000_000, &tcp4(C, 50000, T, 44818, 100, 0, "S", &[]))
        .packet(1_000_100, &tcp4(T, 44818, C, 50000, 900, 101, "SA", &[]))
        .packet(1_000_200, &tcp4(C, 50000, T, 44818, 101, 901, "AP", &req))
        .packet(
            1_000_300,
            &tcp4(T, 44818, C, 50000, 901, 101 + req.len() as u32, "AP", &rep),
        );
    // Connected explicit messaging on the same session: the request goes on
    // the O->T id, the reply on the T->O id.
    let read = send_unit(
        0xAABB_CCDD,
        5,
        &[0x4C, 3, 0x91, 4, b'T', b'e', b'm', b'p', 1, 0],
    );
    let reply = send_unit(0x1122_3344, 5, &[0xCC, 0, 0, 0, 0xC3, 0, 7, 0]);
    let (s1, a1) = (101 + req.len() as u32, 901 + rep.len() as u32);
    w.packet(1_000_400, &tcp4(C, 50000, T, 44818, s1, a1, "AP", &read))
        .packet(
            1_000_500,
            &tcp4(T, 44818, C, 50000, a1, s1 + read.len() as u32, "AP", &reply),
        );
    for i in 0..4u32 {
        w.packet(
            1_010_000 + i64::from(i) * 10_000,
            &udp4(C, 2222, T, 2222, &cip_io(0xAABB_CCDD, i)),
        );
        w.packet(
            1_015_000 + i64::from(i) * 20_000,
            &udp4(T, 2222, C, 2222, &cip_io(0x1122_3344, i)),
        );
    }
    // An I/O connection nobody saw opened.
    w.packet(1_200_000, &udp4(C, 2222, T, 2222, &cip_io(0x0BAD_F00D, 1)));
    // The same id between two other hosts is another connection.
    // (Regression: links were looked up by id alone.)
    w.packet(
        1_300_000,
        &udp4(
            [10, 6, 0, 1],
            2222,
            [10, 6, 0, 2],
            2222,
            &cip_io(0xAABB_CCDD, 1),
        ),
    );
    w.write(&f);

    let mut outputs = Vec::new();
    for threads in ["1", "3"] {
        let out = dir.path().join(format!("logs{threads}"));
        let o = analyze(
            &out,
            &[
                "--log-format",
                "tsv",
                "--cip-io-interval",
                "0",
                "--threads",
                threads,
            ],
            std::slice::from_ref(&f),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        outputs.push(out);
    }
    let a = std::fs::read(outputs[0].join("cip_io.log")).unwrap();
    let b = std::fs::read(outputs[1].join("cip_io.log")).unwrap();
    assert_eq!(a, b, "cip_io.log depends on the worker count");

    let conns = ZeekLog::read(&outputs[0].join("conn.log")).records();
    let session = conns.iter().find(|c| c["proto"] == "tcp").unwrap();
    assert_eq!(session["service"], "enip");
    let rows = ZeekLog::read(&outputs[0].join("cip_io.log")).records();
    assert_eq!(rows.len(), 10);
    for r in &rows[..8] {
        assert_eq!(r["opened_by"], session["uid"], "{r:?}");
        assert_eq!(r["io_originator"], "10.5.0.1");
        assert_eq!(r["io_target"], "10.5.0.2");
    }
    let api = |id: &str| rows.iter().find(|r| r["connection_id"] == id).unwrap()["api"].clone();
    assert_eq!(api("0xaabbccdd"), "0.010000");
    assert_eq!(api("0x11223344"), "0.020000");
    assert_eq!(rows[8]["opened_by"], "-");
    assert_eq!(rows[9]["opened_by"], "-");

    // The connected reply pairs with its request through the two ids.
    let cip = ZeekLog::read(&outputs[0].join("cip.log")).records();
    let names: Vec<(&str, &str)> = cip
        .iter()
        .map(|r| (r["direction"].as_str(), r["cip_service"].as_str()))
        .collect();
    assert!(names.contains(&("request", "Read Tag")), "{names:?}");
    assert!(names.contains(&("response", "Read Tag")), "{names:?}");
}
