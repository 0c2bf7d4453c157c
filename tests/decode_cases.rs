//! Link types, tags and malformed frames, end to end through the binary:
//! every frame is decoded or counted and reported, and nothing panics.

mod common;

use common::*;
use serde_json::Value;

fn ip_udp4(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = etherparse::PacketBuilder::ipv4(src, dst, 64).udp(sport, dport);
    let mut out = Vec::new();
    b.write(&mut out, payload).unwrap();
    out
}

fn ip_udp6_with_hop_by_hop(payload: &[u8]) -> Vec<u8> {
    let mut p = Vec::new();
    let plen = (8 + 8 + payload.len()) as u16;
    p.extend_from_slice(&[0x60, 0, 0, 0]);
    p.extend_from_slice(&plen.to_be_bytes());
    p.push(0); // next header: hop-by-hop options
    p.push(64);
    p.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    p.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    p.extend_from_slice(&[17, 0, 1, 4, 0, 0, 0, 0]); // HBH: next UDP, PadN
    p.extend_from_slice(&40000u16.to_be_bytes());
    p.extend_from_slice(&47808u16.to_be_bytes());
    p.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    p
}

fn run(w: &PcapWriter) -> (tempfile::TempDir, std::process::Output) {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("t.pcap");
    w.write(&f);
    let o = analyze(&d.path().join("logs"), &["--threads", "2"], &[f]);
    (d, o)
}

fn conns(d: &tempfile::TempDir) -> Vec<Value> {
    read_json_log(&d.path().join("logs/conn.log"))
}

fn find<'a>(rows: &'a [Value], orig_h: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["id.orig_h"] == orig_h)
        .unwrap_or_else(|| panic!("no conn from {orig_h} in {rows:?}"))
}

#[test]
fn linux_cooked_raw_and_loopback_link_types() {
    let ip = ip_udp4([10, 0, 0, 1], [10, 0, 0, 2], 5000, 161, b"hello");
    let mut sll = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00];
    sll.extend_from_slice(&ip);
    let mut sll2 = vec![
        0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0,
    ];
    sll2.extend_from_slice(&ip);
    let mut null = 2u32.to_le_bytes().to_vec();
    null.extend_from_slice(&ip);
    let mut lo = 2u32.to_be_bytes().to_vec();
    lo.extend_from_slice(&ip);
    for (dlt, frame) in [
        (113, sll),
        (276, sll2),
        (101, ip.clone()),
        (228, ip.clone()),
        (0, null),
        (108, lo),
    ] {
        let mut w = PcapWriter::new(dlt, 65535);
        w.packet(1_000_000, &frame);
        let (d, o) = run(&w);
        assert!(
            o.status.success(),
            "dlt {dlt}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let rows = conns(&d);
        assert_eq!(rows.len(), 1, "dlt {dlt}");
        let r = &rows[0];
        assert_eq!(r["id.orig_h"], "10.0.0.1", "dlt {dlt}");
        assert_eq!(r["id.resp_p"], 161, "dlt {dlt}");
        assert_eq!(r["proto"], "udp");
        assert_eq!(r["orig_ip_bytes"], 33);
        assert_eq!(r["conn_state"], "S0");
    }
}

#[test]
fn vlan_and_qinq_are_part_of_the_key_and_logged() {
    let eth = udp4([10, 0, 0, 1], 5000, [10, 0, 0, 2], 502, b"x");
    let mut single = eth[..12].to_vec();
    single.extend_from_slice(&[0x81, 0x00, 0x00, 0x0a]);
    single.extend_from_slice(&eth[12..]);
    let mut qinq = eth[..12].to_vec();
    qinq.extend_from_slice(&[0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a]);
    qinq.extend_from_slice(&eth[12..]);
    let mut w = PcapWriter::new(1, 65535);
    w.packet(1_000_000, &eth)
        .packet(1_000_100, &single)
        .packet(1_000_200, &qinq);
    let (d, o) = run(&w);
    assert!(o.status.success());
    let rows = conns(&d);
    // Same 5-tuple on three VLAN contexts: three connections.
    assert_eq!(rows.len(), 3, "{rows:?}");
    let mut tags: Vec<(Option<i64>, Option<i64>)> = rows
        .iter()
        .map(|r| (r["vlan"].as_i64(), r["inner_vlan"].as_i64()))
        .collect();
    tags.sort();
    assert_eq!(
        tags,
        vec![(None, None), (Some(10), None), (Some(100), Some(10))]
    );
}

#[test]
fn ipv6_extension_headers_are_walked() {
    let ip = ip_udp6_with_hop_by_hop(b"bacnet");
    let mut w = PcapWriter::new(229, 65535);
    w.packet(1_000_000, &ip);
    let (d, o) = run(&w);
    assert!(o.status.success());
    let rows = conns(&d);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id.orig_h"], "2001:db8::1");
    assert_eq!(rows[0]["id.resp_p"], 47808);
    assert_eq!(rows[0]["orig_ip_bytes"], 62);
}

#[test]
fn malformed_frames_are_counted_and_reported_never_fatal() {
    let a = [192, 168, 0, 1];
    let b = [192, 168, 0, 2];
    let data = vec![0x41u8; 200];
    let syn = tcp4(a, 40000, b, 502, 100, 0, "S", &[]);
    let synack = tcp4(b, 502, a, 40000, 900, 101, "SA", &[]);
    let ack = tcp4(a, 40000, b, 502, 101, 901, "A", &[]);
    let big_data = tcp4(a, 40000, b, 502, 101, 901, "AP", &data);
    let resp_ack = tcp4(b, 502, a, 40000, 901, 301, "A", &[]);
    let arp = {
        let mut f = vec![0xff; 6];
        f.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x08, 0x06]);
        f.extend_from_slice(&[0u8; 28]);
        f
    };
    let mut truncated_ip = syn[..14].to_vec();
    truncated_ip.extend_from_slice(&[0x45, 0, 0, 40, 0, 0]);
    let huge = udp4(a, 1, b, 2, &vec![0u8; 65535 - 28]);
    let mut w = PcapWriter::new(1, 65535);
    w.packet(10_000_000, &syn)
        .packet(10_000_100, &synack)
        .packet(10_000_200, &ack)
        // Snaplen cut the data segment at 64 bytes.
        .packet_cut(10_000_300, &big_data, 64)
        .packet(10_000_400, &resp_ack)
        .packet(10_000_500, &[])
        .packet(10_000_600, &syn[..10])
        .packet(10_000_700, &truncated_ip)
        .packet(10_000_800, &arp)
        // The clock goes backwards.
        .packet(9_000_000, &huge);
    let (d, o) = run(&w);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let weird = read_json_log(&d.path().join("logs/weird.log"));
    let names: Vec<&str> = weird.iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"truncated_tcp_payload"), "{names:?}");
    assert_eq!(
        names
            .iter()
            .filter(|n| **n == "truncated_ethernet_frame")
            .count(),
        2,
        "{names:?}"
    );
    assert!(names.contains(&"truncated_IP"), "{names:?}");

    let stats = &read_json_log(&d.path().join("logs/otwatch_stats.log"))[0];
    assert_eq!(stats["pkts_proc"], 10);
    assert_eq!(stats["non_ip_pkts"], 1);
    assert_eq!(stats["malformed_pkts"], 3);
    assert_eq!(stats["ts_backwards"], 1);

    let rows = conns(&d);
    let tcp = find(&rows, "192.168.0.1");
    // G: a gap in the originator's stream.
    assert_eq!(tcp["history"], "ShADaG");
    // The bytes cut by the snaplen were acknowledged: Zeek counts them as
    // sent (from sequence numbers) and as missed by the capture.
    assert_eq!(tcp["orig_bytes"], 200);
    assert_eq!(tcp["missed_bytes"], 200);
    assert_eq!(tcp["orig_ip_bytes"], 40 + 40 + 240);
    let udp = rows.iter().find(|r| r["proto"] == "udp").unwrap();
    assert_eq!(udp["orig_ip_bytes"], 65535);
    assert_eq!(udp["conn_state"], "S0");
}

#[test]
fn out_of_order_and_retransmitted_segments() {
    let a = [10, 1, 0, 1];
    let b = [10, 1, 0, 2];
    let mut w = PcapWriter::new(1, 65535);
    w.packet(1_000_000, &tcp4(a, 5555, b, 502, 0, 0, "S", &[]))
        .packet(1_000_100, &tcp4(b, 502, a, 5555, 0, 1, "SA", &[]))
        .packet(1_000_200, &tcp4(a, 5555, b, 502, 1, 1, "A", &[]))
        .packet(1_000_300, &tcp4(a, 5555, b, 502, 6, 1, "AP", b"world"))
        .packet(1_000_400, &tcp4(a, 5555, b, 502, 1, 1, "AP", b"hello"))
        .packet(1_000_500, &tcp4(a, 5555, b, 502, 1, 1, "AP", b"hello"))
        .packet(1_000_600, &tcp4(b, 502, a, 5555, 1, 11, "A", &[]))
        .packet(1_000_700, &tcp4(a, 5555, b, 502, 11, 1, "AF", &[]))
        .packet(1_000_800, &tcp4(b, 502, a, 5555, 1, 12, "AF", &[]))
        .packet(1_000_900, &tcp4(a, 5555, b, 502, 12, 2, "A", &[]));
    let (d, o) = run(&w);
    assert!(o.status.success());
    let rows = conns(&d);
    let r = find(&rows, "10.1.0.1");
    assert_eq!(r["conn_state"], "SF");
    assert_eq!(r["orig_bytes"], 10);
    assert_eq!(r["missed_bytes"], 0);
    assert_eq!(r["history"], "ShADTaFf");
    assert_eq!(r["orig_pkts"], 7);
    assert_eq!(r["resp_pkts"], 3);
}

#[test]
fn a_gap_in_the_stream_is_missed_bytes() {
    let a = [10, 1, 0, 1];
    let b = [10, 1, 0, 2];
    let mut w = PcapWriter::new(1, 65535);
    w.packet(1_000_000, &tcp4(a, 5555, b, 502, 0, 0, "S", &[]))
        .packet(1_000_100, &tcp4(b, 502, a, 5555, 0, 1, "SA", &[]))
        .packet(1_000_200, &tcp4(a, 5555, b, 502, 1, 1, "A", &[]))
        .packet(1_000_300, &tcp4(a, 5555, b, 502, 1, 1, "AP", b"hello"))
        // 100 bytes at 6..106 never reach the sensor.
        .packet(1_000_400, &tcp4(a, 5555, b, 502, 106, 1, "AP", b"world"))
        .packet(1_000_500, &tcp4(b, 502, a, 5555, 1, 111, "A", &[]));
    let (d, o) = run(&w);
    assert!(o.status.success());
    let r = conns(&d)[0].clone();
    assert_eq!(r["missed_bytes"], 100);
    assert_eq!(r["orig_bytes"], 110);
    assert_eq!(r["history"], "ShADaG");
}

/// IPv4 fragments of one UDP datagram (`chunk` bytes of IP payload each).
fn v4_fragments(payload: &[u8], chunk: usize) -> Vec<Vec<u8>> {
    let whole = udp4([10, 2, 0, 1], 2222, [10, 2, 0, 2], 2222, payload);
    let ip_payload = &whole[34..];
    let mut out = Vec::new();
    let mut off = 0;
    while off < ip_payload.len() {
        let end = (off + chunk).min(ip_payload.len());
        let mut f = whole[..34].to_vec();
        f[16..18].copy_from_slice(&((20 + end - off) as u16).to_be_bytes());
        f[18..20].copy_from_slice(&0x4242u16.to_be_bytes());
        let more = if end < ip_payload.len() { 0x2000 } else { 0 };
        f[20..22].copy_from_slice(&((more | (off / 8)) as u16).to_be_bytes());
        f.extend_from_slice(&ip_payload[off..end]);
        out.push(f);
        off = end;
    }
    out
}

/// IPv6 fragments (fragment extension header) of one UDP datagram.
fn v6_fragments(payload: &[u8], chunk: usize) -> Vec<Vec<u8>> {
    let mut udp = Vec::new();
    udp.extend_from_slice(&5000u16.to_be_bytes());
    udp.extend_from_slice(&4840u16.to_be_bytes());
    udp.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    udp.extend_from_slice(&[0, 0]);
    udp.extend_from_slice(payload);
    let mut out = Vec::new();
    let mut off = 0;
    while off < udp.len() {
        let end = (off + chunk).min(udp.len());
        let mut p = vec![0x60, 0, 0, 0];
        p.extend_from_slice(&((8 + end - off) as u16).to_be_bytes());
        p.push(44); // fragment header
        p.push(64);
        p.extend_from_slice(&[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        p.extend_from_slice(&[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        let more = u16::from(end < udp.len());
        p.extend_from_slice(&[17, 0]);
        p.extend_from_slice(&(((off / 8) as u16) << 3 | more).to_be_bytes());
        p.extend_from_slice(&0xabcdu32.to_be_bytes());
        p.extend_from_slice(&udp[off..end]);
        out.push(p);
        off = end;
    }
    out
}

#[test]
fn ip_fragments_are_reassembled_into_one_packet() {
    let payload: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
    let mut w = PcapWriter::new(1, 65535);
    // Out of order, with one duplicate.
    let f4 = v4_fragments(&payload, 1480);
    for (i, f) in [&f4[2], &f4[0], &f4[0], &f4[1]].iter().enumerate() {
        w.packet(1_000_000 + i as i64, f);
    }
    let (d, o) = run(&w);
    assert!(o.status.success());
    let rows = conns(&d);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["orig_pkts"], 1);
    assert_eq!(rows[0]["orig_ip_bytes"], 20 + 8 + 3000);
    let stats = &read_json_log(&d.path().join("logs/otwatch_stats.log"))[0];
    assert_eq!(stats["ip_fragments"], 4);
    assert_eq!(stats["ip_reassembled"], 1);
    let weird = read_json_log(&d.path().join("logs/weird.log"));
    assert_eq!(weird[0]["name"], "fragment_overlap");
    assert_eq!(weird[0]["id.orig_h"], "10.2.0.1");

    let mut w = PcapWriter::new(229, 65535);
    for (i, f) in v6_fragments(&payload, 1232).iter().enumerate() {
        w.packet(1_000_000 + i as i64, f);
    }
    let (d, o) = run(&w);
    assert!(o.status.success());
    let rows = conns(&d);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["id.orig_h"], "fd00::1");
    assert_eq!(rows[0]["id.resp_p"], 4840);
    assert_eq!(rows[0]["orig_pkts"], 1);
    assert_eq!(rows[0]["orig_ip_bytes"], 40 + 8 + 3000);
    // A one-packet connection has no duration, so no byte counts (as in Zeek).
    assert!(rows[0].get("orig_bytes").is_none());
}

#[test]
fn checksums_are_verified_on_request_and_broken_ip_lengths_dropped() {
    let a = [10, 3, 0, 1];
    let b = [10, 3, 0, 2];
    let mut bad = tcp4(a, 4000, b, 502, 1, 1, "AP", b"payload");
    let n = bad.len();
    bad[n - 1] ^= 0xff; // corrupt the payload, not the checksum field
    let good = tcp4(a, 4000, b, 502, 8, 1, "AP", b"more");
    let mut long = udp4(a, 5, b, 6, b"x");
    long[16..18].copy_from_slice(&200u16.to_be_bytes()); // IP length past the wire
    let mut w = PcapWriter::new(1, 65535);
    w.packet(1_000_000, &bad)
        .packet(1_000_100, &good)
        .packet(1_000_200, &long);

    let (d, o) = run(&w);
    assert!(o.status.success());
    let rows = conns(&d);
    assert_eq!(rows.len(), 1, "the broken UDP packet makes no connection");
    assert_eq!(rows[0]["orig_pkts"], 2, "checksums are ignored by default");
    let weird = read_json_log(&d.path().join("logs/weird.log"));
    assert!(weird.iter().any(|w| w["name"] == "truncated_IP_len"));

    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.pcap");
    w.write(&f);
    let o = analyze(&dir.path().join("logs"), &["--verify-checksums"], &[f]);
    assert!(o.status.success());
    let rows = read_json_log(&dir.path().join("logs/conn.log"));
    assert_eq!(
        rows[0]["orig_pkts"], 1,
        "the corrupted segment is not counted"
    );
    assert_eq!(rows[0]["history"], "CD");
    let weird = read_json_log(&dir.path().join("logs/weird.log"));
    assert!(weird.iter().any(|w| w["name"] == "bad_TCP_checksum"));
}
