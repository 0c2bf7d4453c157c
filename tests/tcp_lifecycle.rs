//! Where one TCP connection ends and the next begins, and who is the
//! originator, in cases Zeek decides with its timers and role flips.
//! Expected values follow Zeek's TCP analyzer (see src/flow/tcp.rs).

mod common;

use common::*;
use serde_json::Value;

const C: [u8; 4] = [10, 0, 0, 1];
const S: [u8; 4] = [10, 0, 0, 2];

fn run(packets: &[(f64, Vec<u8>)], extra: &[&str]) -> (tempfile::TempDir, Vec<Value>) {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("t.pcap");
    let mut w = PcapWriter::new(1, 65535);
    for (t, p) in packets {
        w.packet((t * 1e6) as i64, p);
    }
    w.write(&f);
    let o = analyze(&d.path().join("logs"), extra, &[f]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = read_json_log(&d.path().join("logs/conn.log"));
    (d, rows)
}

#[test]
fn syn_ack_captured_before_the_syn_flips_back() {
    // Regression: the SYN/SYN-ACK reversal did not flip the roles.
    let t = 1000.0;
    let (_d, rows) = run(
        &[
            (t, tcp4(S, 7000, C, 40000, 5000, 101, "SA", &[])),
            (t + 0.001, tcp4(C, 40000, S, 7000, 100, 0, "S", &[])),
            (t + 0.002, tcp4(C, 40000, S, 7000, 101, 5001, "A", &[])),
            (
                t + 0.003,
                tcp4(C, 40000, S, 7000, 101, 5001, "AP", b"hello"),
            ),
            (
                t + 0.004,
                tcp4(S, 7000, C, 40000, 5001, 106, "AP", b"world!"),
            ),
        ],
        &[],
    );
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r["id.orig_h"], "10.0.0.1");
    assert_eq!(r["id.resp_p"], 7000);
    assert_eq!(r["history"], "Hs^ADd");
    assert_eq!(r["orig_bytes"], 5);
    assert_eq!(r["resp_bytes"], 6);
}

#[test]
fn a_close_waits_for_missing_data_then_completes() {
    // Regression: a close deferred by a hole below the FIN never completed,
    // so the connection swallowed a packet 9 s later.
    let t = 1000.0;
    let (_d, rows) = run(
        &[
            (t, tcp4(C, 40000, S, 502, 100, 0, "S", &[])),
            (t + 0.01, tcp4(S, 502, C, 40000, 900, 101, "SA", &[])),
            (t + 0.02, tcp4(C, 40000, S, 502, 101, 901, "A", &[])),
            // Bytes 101..110 never reach the sensor.
            (
                t + 0.04,
                tcp4(C, 40000, S, 502, 111, 901, "AP", &[b'B'; 10]),
            ),
            (t + 0.05, tcp4(C, 40000, S, 502, 121, 901, "FA", &[])),
            (t + 0.06, tcp4(S, 502, C, 40000, 901, 122, "A", &[])),
            (t + 0.07, tcp4(S, 502, C, 40000, 901, 122, "FA", &[])),
            (t + 1.0, tcp4(C, 40000, S, 502, 122, 902, "A", &[])),
            (t + 9.0, tcp4(C, 40000, S, 502, 122, 902, "A", &[])),
        ],
        &[],
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["conn_state"], "SF");
    assert_eq!(rows[0]["duration"], 0.07);
    assert_eq!(rows[0]["missed_bytes"], 10);
    assert_eq!(rows[1]["history"], "A");
}

#[test]
fn an_incomplete_close_then_reset_expires_on_zeeks_timer() {
    // Regression: the expire timer armed by an incomplete close was missing.
    let t = 1000.0;
    let (_d, rows) = run(
        &[
            (t, tcp4(C, 40000, S, 502, 100, 0, "S", &[])),
            (t + 0.01, tcp4(S, 502, C, 40000, 900, 101, "SA", &[])),
            (t + 0.02, tcp4(C, 40000, S, 502, 101, 901, "A", &[])),
            (t + 1.0, tcp4(C, 40000, S, 502, 101, 901, "FA", &[])),
            (t + 1.5, tcp4(C, 40000, S, 502, 102, 0, "R", &[])),
            (
                t + 9.0,
                tcp4(S, 502, C, 40000, 901, 102, "AP", b"late data"),
            ),
        ],
        &[],
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["conn_state"], "RSTO");
    assert_eq!(rows[0]["history"], "ShAFR");
    // The late packet starts a connection of its own, from the server port.
    assert_eq!(rows[1]["history"], "^d");
}

#[test]
fn one_way_icmp_is_one_connection_per_direction() {
    let unreach = |src: [u8; 4], dst: [u8; 4]| {
        let b = etherparse::PacketBuilder::ethernet2([2; 6], [4; 6])
            .ipv4(src, dst, 64)
            .icmpv4(etherparse::Icmpv4Type::DestinationUnreachable(
                etherparse::icmpv4::DestUnreachableHeader::Port,
            ));
        let mut v = Vec::new();
        b.write(&mut v, &[0u8; 28]).unwrap();
        v
    };
    let (_d, rows) = run(&[(1.0, unreach(C, S)), (1.5, unreach(S, C))], &[]);
    assert_eq!(rows.len(), 2);
    for r in &rows {
        assert_eq!(r["proto"], "icmp");
        assert_eq!(r["id.orig_p"], 3);
        assert_eq!(r["id.resp_p"], 3);
        assert_eq!(r["conn_state"], "OTH");
    }
}
