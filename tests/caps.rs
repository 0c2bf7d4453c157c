//! Every cap on a table, buffer or queue holds, and is counted when it is
//! reached (README "Resource caps"). One test per cap that can be reached
//! from outside: through the binary with small settings or a crafted
//! capture, or, for caps only a very large capture reaches, through the
//! library type itself. Caps already tested elsewhere (unit tests beside
//! their code, tests/cloudwatch.rs for the spool) are not repeated here.

mod common;

use common::*;
use otwatch::capture::LinkType;
use otwatch::flow::{shard_of, FlowKey, VIRTUAL_SHARDS};
use serde_json::Value;
use std::net::IpAddr;
use std::path::Path;

/// 2023-11-14, a plain capture time.
const T0: i64 = 1_700_000_000 * SEC;

/// Runs `otwatch analyze` without rules (so that only the traffic counts)
/// on `pcap`; returns otwatch_stats.log's record and the summary on stderr.
fn run(out: &Path, args: &[&str], pcap: &Path) -> (Value, String) {
    let o = otwatch()
        .args(["analyze", "--no-progress", "--no-rules", "--out"])
        .arg(out)
        .args(args)
        .arg(pcap)
        .output()
        .expect("run otwatch");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    let mut stats = read_json_log(&out.join("otwatch_stats.log"));
    assert_eq!(stats.len(), 1, "one otwatch_stats.log record per run");
    (stats.remove(0), err)
}

fn count(stats: &Value, field: &str) -> u64 {
    stats[field]
        .as_u64()
        .unwrap_or_else(|| panic!("otwatch_stats.log has no count {field}: {stats}"))
}

/// The records of a JSON log of a run (none when it was not written).
fn rows(out: &Path, log: &str) -> Vec<Value> {
    let p = out.join(format!("{log}.log"));
    if p.exists() {
        read_json_log(&p)
    } else {
        Vec::new()
    }
}

/// weird.log's names, each once per connection as written.
fn weird_names(out: &Path) -> Vec<String> {
    rows(out, "weird")
        .iter()
        .map(|w| w["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

// ---- Connections

/// The flow cap is applied per virtual shard (README "Bounds"): with
/// `--max-flows M` each of the 256 shards keeps ceil(M / 256) live
/// connections, and a new connection in a full shard evicts one. With
/// every flow live (no timeout passes), the evictions are therefore
/// exactly the overflow of each shard, which the test computes from the
/// library's own shard function.
#[test]
fn the_flow_cap_evicts_exactly_each_shards_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("flows.pcap");
    let mut w = PcapWriter::new(1, 65535);
    let mut per_shard = vec![0u64; VIRTUAL_SHARDS];
    let n = 600u32;
    for i in 0..n {
        let frame = udp4(
            [10, 7, (i >> 8) as u8, i as u8],
            40000,
            [10, 8, 0, 1],
            5000,
            b"x",
        );
        let d = otwatch::decode::decode(LinkType::Ethernet, &frame).unwrap();
        per_shard[shard_of(&FlowKey::of(&d).0)] += 1;
        // 1 ms apart: all within the 60 s UDP timeout, none expires.
        w.packet(T0 + i64::from(i) * 1000, &frame);
    }
    w.write(&f);
    for (max_flows, threads) in [(10u64, "1"), (1000, "2")] {
        let per = max_flows.div_ceil(VIRTUAL_SHARDS as u64);
        let expected: u64 = per_shard.iter().map(|c| c.saturating_sub(per)).sum();
        assert!(expected > 0, "the capture must overflow some shard");
        let out = dir.path().join(format!("logs{max_flows}"));
        let m = max_flows.to_string();
        let (stats, _) = run(&out, &["--max-flows", &m, "--threads", threads], &f);
        assert_eq!(count(&stats, "flows_evicted"), expected, "cap {max_flows}");
        assert_eq!(count(&stats, "max_flows"), max_flows);
        assert_eq!(count(&stats, "connections"), u64::from(n));
        // An evicted connection is logged early, not lost.
        assert_eq!(rows(&out, "conn").len(), n as usize);
    }
    // Far below the default cap nothing is evicted.
    let out = dir.path().join("default");
    let (stats, _) = run(&out, &[], &f);
    assert_eq!(count(&stats, "flows_evicted"), 0);
}

// ---- TCP reassembly

const C: [u8; 4] = [10, 20, 0, 1];
const S: [u8; 4] = [10, 20, 0, 2];

/// `--reassembly-cap`: out-of-order bytes of one direction beyond the cap
/// make the reassembler skip the hole (a gap, counted, the bytes missed).
/// Three times: a 100-byte hole, then four 1,000-byte segments behind it.
/// A buffered segment is charged its length plus 64 bytes, so the fourth
/// (4 x 1,064 > 4,096) crosses the cap each time.
#[test]
fn the_reassembly_cap_skips_the_hole_and_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("holes.pcap");
    let mut w = PcapWriter::new(1, 65535);
    let port = 6000;
    // The client's data starts at sequence number 101 (offset 0).
    let tcp = Tcp::open(&mut w, T0, C, 40001, S, port);
    let mut off = 0u32;
    let mut t = T0 + 1000;
    for _ in 0..3 {
        off += 100; // the hole
        for _ in 0..4 {
            tcp.client_at(&mut w, t, off, &[b'a'; 1000]);
            off += 1000;
            t += 1000;
        }
    }
    w.write(&f);

    let out = dir.path().join("capped");
    let (stats, _) = run(&out, &["--reassembly-cap", "4096"], &f);
    assert_eq!(count(&stats, "reassembly_cap_hits"), 3);
    assert_eq!(count(&stats, "missed_bytes"), 300);
    // The weird is written once per connection, and counted every time.
    assert_eq!(weird_names(&out), ["reassembly_buffer_cap"]);
    assert_eq!(count(&stats, "weirds"), 3);
    let conn = rows(&out, "conn");
    assert_eq!(conn.len(), 1);
    assert_eq!(conn[0]["missed_bytes"], 300);

    // Under the default cap (1 MiB) the holes wait for the end of the
    // connection: no cap reached.
    let out = dir.path().join("default");
    let (stats, _) = run(&out, &[], &f);
    assert_eq!(count(&stats, "reassembly_cap_hits"), 0);
    assert!(!weird_names(&out).contains(&"reassembly_buffer_cap".to_string()));
}

/// The reassembly budget of all connections (256 MiB, a 256th per virtual
/// shard: 1 MiB) bounds buffered bytes even when the per-direction cap is
/// larger: past it the connection that grew skips its holes. One hole,
/// then 800 segments of 1,400 bytes (1,464 charged each) behind it: the
/// 717th crosses 1 MiB, once.
#[test]
fn the_reassembly_budget_bounds_all_connections_together() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("budget.pcap");
    let mut w = PcapWriter::new(1, 65535);
    let port = 6001;
    let tcp = Tcp::open(&mut w, T0, C, 40001, S, port);
    let mut off = 100u32;
    for i in 0..800 {
        tcp.client_at(&mut w, T0 + 1000 + i * 100, off, &[b'a'; 1400]);
        off += 1400;
    }
    w.write(&f);
    let out = dir.path().join("logs");
    // 8 MiB per direction: the per-direction cap is not what stops it.
    let (stats, _) = run(&out, &["--reassembly-cap", "8388608"], &f);
    assert_eq!(weird_names(&out), ["reassembly_budget_exhausted"]);
    assert_eq!(count(&stats, "reassembly_cap_hits"), 1);
    assert_eq!(count(&stats, "missed_bytes"), 100);
}

// ---- IP fragments

/// An Ethernet + IPv4 fragment of datagram `id` (UDP), `data` at byte
/// offset `offset` (a multiple of 8).
fn fragment(id: u16, offset: u32, more: bool, data: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
    let total = (20 + data.len()) as u16;
    let flags_offset = (if more { 0x2000 } else { 0 }) | (offset / 8) as u16;
    f.extend_from_slice(&[0x45, 0]);
    f.extend_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&id.to_be_bytes());
    f.extend_from_slice(&flags_offset.to_be_bytes());
    f.extend_from_slice(&[64, 17, 0, 0]); // TTL, UDP, checksum (not verified)
    f.extend_from_slice(&[10, 30, 0, 1, 10, 30, 0, 2]);
    f.extend_from_slice(data);
    f
}

/// A datagram may have at most 1,024 separate pieces: 1,025 fragments
/// with gaps between them drop it (`excessive_fragments`, counted as
/// invalid in `ip_frag_dropped`); 1,024 do not.
#[test]
fn a_datagram_of_more_than_1024_pieces_is_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    for (pieces, weird) in [(1024u32, false), (1025, true)] {
        let f = dir.path().join(format!("pieces{pieces}.pcap"));
        let mut w = PcapWriter::new(1, 65535);
        for i in 0..pieces {
            // 8 bytes every 16: no two pieces touch.
            w.packet(T0 + i64::from(i), &fragment(7, i * 16, true, &[0xAB; 8]));
        }
        w.write(&f);
        let out = dir.path().join(format!("logs{pieces}"));
        let (stats, err) = run(&out, &[], &f);
        assert_eq!(count(&stats, "ip_fragments"), u64::from(pieces));
        assert_eq!(count(&stats, "ip_frag_dropped"), 1);
        let names = weird_names(&out);
        assert_eq!(names.contains(&"excessive_fragments".to_string()), weird);
        // Dropped as invalid at the cap, as incomplete at the end below it.
        let summary = if weird {
            "dropped: 0 evicted, 0 timed out, 0 incomplete, 1 invalid"
        } else {
            "dropped: 0 evicted, 0 timed out, 1 incomplete, 0 invalid"
        };
        assert!(err.contains(summary), "{err}");
    }
}

/// At most 10,000 datagrams wait for their fragments: the 10,001st evicts
/// the oldest (counted as evicted; the other 10,000 end incomplete).
#[test]
fn at_most_10000_datagrams_wait_for_fragments() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("datagrams.pcap");
    let mut w = PcapWriter::new(1, 65535);
    for id in 0..10_001u32 {
        w.packet(
            T0 + i64::from(id),
            &fragment(id as u16, 0, true, &[0xCD; 8]),
        );
    }
    w.write(&f);
    let out = dir.path().join("logs");
    let (stats, err) = run(&out, &[], &f);
    assert_eq!(count(&stats, "ip_frag_dropped"), 10_001);
    assert!(
        err.contains("fragments: 10001 -> 0 datagrams; dropped: 1 evicted, 0 timed out, 10000 incomplete, 0 invalid"),
        "{err}"
    );
}

// ---- Modbus

/// More than 1,024 unanswered requests on one connection: the oldest are
/// written unmatched at once (`modbus_pending_overflow`), every one of
/// them counted in otwatch_stats.log's `weirds`. (The analyzer's own test,
/// `pending_requests_are_capped`, checks the rows; this one that the count
/// reaches otwatch_stats.log.)
#[test]
fn unanswered_modbus_requests_beyond_the_cap_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("modbus.pcap");
    let mut w = PcapWriter::new(1, 65535);
    let mut tcp = Tcp::open(&mut w, T0, C, 40002, S, 502);
    let (req, _) = read(3, 0, 1);
    for i in 0..1034i64 {
        tcp.modbus(&mut w, T0 + 1000 + i * 1000, 1, &req, &[]);
    }
    w.write(&f);
    let out = dir.path().join("logs");
    let (stats, _) = run(&out, &[], &f);
    assert_eq!(weird_names(&out), ["modbus_pending_overflow"]);
    assert_eq!(count(&stats, "weirds"), 10);
    let detailed = rows(&out, "modbus_detailed");
    assert_eq!(detailed.len(), 1034);
    assert!(detailed.iter().all(|r| r["matched"] == false));
}

// ---- EtherNet/IP

const SCANNER: [u8; 4] = [10, 40, 0, 1];
const ADAPTER: [u8; 4] = [10, 40, 0, 2];

fn encap(command: u16, session: u32, context: u64, data: &[u8]) -> Vec<u8> {
    let mut v = command.to_le_bytes().to_vec();
    v.extend_from_slice(&(data.len() as u16).to_le_bytes());
    v.extend_from_slice(&session.to_le_bytes());
    v.extend_from_slice(&[0; 4]);
    v.extend_from_slice(&context.to_le_bytes());
    v.extend_from_slice(&[0; 4]);
    v.extend_from_slice(data);
    v
}

/// SendRRData carrying an unconnected CIP message.
fn send_rr(context: u64, cip: &[u8]) -> Vec<u8> {
    let mut d = vec![0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0xB2, 0];
    d.extend_from_slice(&(cip.len() as u16).to_le_bytes());
    d.extend_from_slice(cip);
    encap(0x6F, 0x1234, context, &d)
}

fn forward_open_request(context: u64) -> Vec<u8> {
    let mut c = vec![0x54, 2, 0x20, 0x06, 0x24, 0x01, 0x0A, 0x05];
    c.extend_from_slice(&0u32.to_le_bytes());
    c.extend_from_slice(&0x1122_3344u32.to_le_bytes());
    c.extend_from_slice(&7u16.to_le_bytes());
    c.extend_from_slice(&1u16.to_le_bytes());
    c.extend_from_slice(&99u32.to_le_bytes());
    c.extend_from_slice(&[1, 0, 0, 0]);
    c.extend_from_slice(&10_000u32.to_le_bytes());
    c.extend_from_slice(&0x4802u16.to_le_bytes());
    c.extend_from_slice(&20_000u32.to_le_bytes());
    c.extend_from_slice(&0x4802u16.to_le_bytes());
    c.push(0x01);
    c.extend_from_slice(&[3, 0x20, 0x04, 0x24, 0x01, 0x2C, 0x65]);
    send_rr(context, &c)
}

/// A successful Forward Open reply granting the two connection ids.
fn forward_open_reply(context: u64, o_t: u32, t_o: u32) -> Vec<u8> {
    let mut c = vec![0xD4, 0, 0, 0];
    c.extend_from_slice(&o_t.to_le_bytes());
    c.extend_from_slice(&t_o.to_le_bytes());
    c.extend_from_slice(&7u16.to_le_bytes());
    c.extend_from_slice(&1u16.to_le_bytes());
    c.extend_from_slice(&99u32.to_le_bytes());
    c.extend_from_slice(&10_000u32.to_le_bytes());
    c.extend_from_slice(&20_000u32.to_le_bytes());
    c.extend_from_slice(&[0, 0]);
    send_rr(context, &c)
}

/// At most 256 requests (and, apart, 256 Forward Opens) wait for their
/// response per connection, to name responses by the class their request
/// addressed; past that the oldest is forgotten and counted
/// (`enip_pending_overflow`). 300 unanswered Get_Attribute_All requests:
/// 44 forgotten. 300 unanswered Forward Opens: 44 from each queue.
#[test]
fn unanswered_enip_requests_beyond_the_cap_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("enip.pcap");
    let mut w = PcapWriter::new(1, 65535);
    let mut gets = Tcp::open(&mut w, T0, SCANNER, 40003, ADAPTER, 44818);
    let mut opens = Tcp::open(&mut w, T0 + 500, SCANNER, 40004, ADAPTER, 44818);
    let get_attribute_all = [0x01, 0x02, 0x20, 0x01, 0x24, 0x01];
    for i in 0..300u64 {
        // Distinct sender contexts: distinct requests.
        let t = T0 + 1000 + i as i64 * 1000;
        gets.exchange(&mut w, t, &send_rr(i, &get_attribute_all), &[]);
        opens.exchange(&mut w, t + 500, &forward_open_request(i), &[]);
    }
    w.write(&f);
    let out = dir.path().join("logs");
    let (stats, _) = run(&out, &[], &f);
    assert_eq!(
        weird_names(&out),
        ["enip_pending_overflow", "enip_pending_overflow"]
    );
    assert_eq!(count(&stats, "weirds"), 44 + 2 * 44);
    // Nothing else was lost: every request has its cip.log row.
    assert_eq!(rows(&out, "cip").len(), 600);
}

/// At most 4,096 I/O connections set up by Forward Opens are remembered
/// per virtual shard (a session and its I/O share one, by host pair); past
/// that the oldest is forgotten (`cip_io_links_overflow`) and its I/O is
/// logged without `opened_by`. 2,100 Forward Opens grant 4,200 ids: the
/// first 104 (those of the first 52 Forward Opens) are forgotten.
#[test]
fn io_links_beyond_the_cap_are_forgotten_oldest_first_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("links.pcap");
    let mut w = PcapWriter::new(1, 65535);
    let mut s = Tcp::open(&mut w, T0, SCANNER, 40005, ADAPTER, 44818);
    let o_t = |i: u32| 0x1000_0000 + i;
    let t_o = |i: u32| 0x2000_0000 + i;
    let mut t = T0 + 1000;
    for i in 0..2100u32 {
        let ctx = u64::from(i);
        s.exchange(
            &mut w,
            t,
            &forward_open_request(ctx),
            &forward_open_reply(ctx, o_t(i), t_o(i)),
        );
        t += 5000;
    }
    // I/O of the newest forgotten connection and of the oldest kept one.
    w.packet(t, &udp4(SCANNER, 2222, ADAPTER, 2222, &cip_io(o_t(51), 1)));
    w.packet(
        t + 1000,
        &udp4(SCANNER, 2222, ADAPTER, 2222, &cip_io(o_t(52), 1)),
    );
    w.write(&f);
    let out = dir.path().join("logs");
    let (stats, _) = run(&out, &[], &f);
    assert_eq!(weird_names(&out), ["cip_io_links_overflow"]);
    assert_eq!(count(&stats, "weirds"), 104);
    let io_rows = rows(&out, "cip_io");
    assert_eq!(io_rows.len(), 2);
    assert!(io_rows[0].get("opened_by").is_none(), "{}", io_rows[0]);
    assert!(io_rows[1]["opened_by"].is_string(), "{}", io_rows[1]);
}

// ---- Inventory

/// The inventory keeps 65,536 devices; observations of further addresses
/// are counted (otwatch_stats.log `devices_dropped`, and a warning). 32,769 UDP
/// flows between fresh addresses: 65,538 addresses, the last flow's two
/// are not recorded, each seen twice (its start and its end): 4.
#[test]
fn the_inventory_keeps_65536_devices_and_counts_the_rest() {
    // Addresses 10.b.c.d with d in 1..=254 (x.x.x.255 is no device).
    let addr = |j: u32| {
        [
            10,
            (j / (254 * 256)) as u8,
            (j / 254 % 256) as u8,
            (1 + j % 254) as u8,
        ]
    };
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("devices.pcap");
    let mut w = PcapWriter::new(1, 65535);
    let flows = 32_769u32;
    for i in 0..flows {
        w.packet(
            T0 + i64::from(i),
            &udp4(addr(2 * i), 40000, addr(2 * i + 1), 5000, b"x"),
        );
    }
    w.write(&f);
    let out = dir.path().join("logs");
    let (stats, err) = run(&out, &[], &f);
    assert_eq!(rows(&out, "known_devices").len(), 65_536);
    assert_eq!(count(&stats, "devices_dropped"), 4);
    assert!(
        err.contains(
            "inventory full (65536 devices): 4 observations of other addresses not recorded"
        ),
        "{err}"
    );
    // The first come are the ones kept.
    let kept: Vec<String> = rows(&out, "known_devices")
        .iter()
        .map(|d| d["ip"].as_str().unwrap().to_string())
        .collect();
    assert!(kept.contains(&IpAddr::from(addr(0)).to_string()));
    assert!(!kept.contains(&IpAddr::from(addr(2 * flows - 1)).to_string()));
}

// ---- Baseline

fn v6(a: u128) -> IpAddr {
    IpAddr::V6(std::net::Ipv6Addr::from(a))
}

/// An OPC UA request of service `function` on `id`.
fn request<'a>(
    id: &'a otwatch::event::ConnId,
    function: &'static str,
) -> otwatch::observe::Request<'a> {
    otwatch::observe::Request {
        ts: otwatch::time::Ts(T0),
        id,
        function: otwatch::observe::Function::OpcUa(function),
        class: otwatch::observe::FunctionClass::Read,
        opcua: None,
        write: false,
        modbus: None,
        engineering: false,
        identification: false,
        detail: otwatch::observe::Detail::None,
    }
}

/// A Modbus Read Coils request on `id`.
fn modbus_read(id: &otwatch::event::ConnId) -> otwatch::observe::Request<'_> {
    otwatch::observe::Request {
        function: otwatch::observe::Function::Modbus(1, None),
        detail: otwatch::observe::Detail::Modbus {
            unit: 1,
            subfunction: None,
        },
        ..request(id, "Read")
    }
}

/// The TCP connection "Cx" from `client` to `server:port`.
fn conn_id(client: IpAddr, server: IpAddr, port: u16) -> otwatch::event::ConnId {
    otwatch::event::ConnId::tcp("Cx", (client, 40000), (server, port))
}

/// An OPC UA connection's end (conn.log) from `client` to `server:port`.
fn conn_end(client: IpAddr, server: IpAddr, port: u16) -> otwatch::event::Conn {
    otwatch::event::Conn {
        ts: otwatch::time::Ts(T0),
        id: conn_id(client, server, port),
        service: vec!["opcua-binary"],
        duration: None,
        orig_bytes: None,
        resp_bytes: None,
        conn_state: "S0",
        local_orig: true,
        local_resp: true,
        missed_bytes: 0,
        history: "S".into(),
        orig_pkts: 1,
        orig_ip_bytes: 29,
        resp_pkts: 0,
        resp_ip_bytes: 0,
        orig_mac: None,
        resp_mac: None,
    }
}

/// A learned graph keeps 262,144 edges and 256 functions per edge; what is
/// beyond is counted (`dropped`; the `baseline learn` warning, otwatch_stats.log
/// `baseline_dropped`). Reaching 262,144 edges through the binary needs a
/// capture of 262,145 conversations, so this drives the public `Learner`
/// directly. Edges come from connections here: a function carries an
/// interval histogram of ~27 KB, and 262,144 of them would take 7 GB.
#[test]
fn the_baseline_graph_keeps_its_edge_and_function_caps() {
    use otwatch::baseline::{Learner, MAX_EDGES};
    // The documented caps, written out: changing them must change the README.
    assert_eq!(MAX_EDGES, 262_144);
    let client: IpAddr = [10, 50, 0, 1].into();
    let mut l = Learner::default();
    // One server port per edge (4 servers x 65,536 ports cover them).
    for e in 0..MAX_EDGES + 3 {
        let server = IpAddr::from([10, 51, 0, 1 + (e >> 16) as u8]);
        l.conn_end(&conn_end(client, server, e as u16));
    }
    assert_eq!(l.edges.len(), MAX_EDGES);
    assert_eq!(l.dropped, 3);
    // A connection on a kept edge is still counted on it.
    let server = IpAddr::from([10, 51, 0, 1]);
    let key = otwatch::baseline::EdgeKey {
        client,
        server,
        protocol: "opcua-binary".into(),
        port: 0,
    };
    l.conn_end(&conn_end(client, server, 0));
    assert_eq!(l.edges[&key].connections, 2);
    // Functions of one kept edge: 256, then 10 more counted.
    let id = conn_id(client, server, 0);
    for i in 0..266 {
        l.request(&request(&id, Box::leak(format!("f{i}").into_boxed_str())));
    }
    let edge = &l.edges[&key];
    assert_eq!(edge.functions.len(), 256);
    assert_eq!(edge.requests, 266);
    assert_eq!(l.dropped, 3 + 10);
}

/// The detector remembers 1,048,576 deviation keys for its
/// once-per-key notices; past that a new key is still reported (never
/// dropped) and counted in `repeated`, and an old key is not reported
/// again. Through the public `Detector`: a million new devices is not a
/// test capture.
#[test]
fn the_detector_reports_beyond_its_memory_and_counts() {
    use otwatch::baseline::{Baseline, DetectConfig, Detector};
    let mut d = Detector::new(Baseline::default(), DetectConfig::default());
    let orig: IpAddr = [10, 60, 0, 1].into();
    let start = |resp: u64| otwatch::event::ConnStart {
        ts: otwatch::time::Ts(T0),
        id: conn_id(orig, v6((0xfd00u128 << 112) | u128::from(resp)), 502),
        mac: None,
        first: otwatch::event::Dir::Orig,
    };
    let mut notices = 0u64;
    let mut out = Vec::new();
    // `orig` is one key, each responder another: 1 + cap + 5 new keys.
    // The documented cap, written out: changing it must change the README.
    let cap = 1u64 << 20;
    for r in 0..cap + 5 {
        d.conn_start(&start(r), &mut out);
        notices += out.len() as u64;
        out.clear();
    }
    assert_eq!(notices, cap + 6, "every new device is reported");
    assert_eq!(d.repeated(), 6);
    // A remembered key stays quiet; a forgotten one is reported again.
    d.conn_start(&start(0), &mut out);
    assert_eq!(out.len(), 0);
    d.conn_start(&start(cap + 4), &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(d.repeated(), 7);
}

// ---- Rules

/// The rule engine keeps 100,000 suppression entries (and, apart, 100,000
/// threshold windows); at the cap the table is cleared and counted
/// (`state_resets`, otwatch_stats.log `rule_state_resets`). 100,001 sources make
/// one reset; after it a repeat inside the window alerts again (an extra
/// alert, never a lost one).
#[test]
fn the_rule_state_is_cleared_at_its_cap_and_counted() {
    use otwatch::rules::{Engine, RuleSet, Vars};
    let text = r#"alert modbus any any -> any any (msg:"any Modbus request"; sid:1; rev:1;)"#;
    let (rules, errors) = RuleSet::parse(text, Path::new("t.rules"), &Vars::default());
    assert!(errors.is_empty(), "{errors:?}");
    let mut e = Engine::new(RuleSet::of(rules), 60);
    let server: IpAddr = [10, 70, 0, 1].into();
    let mut out = Vec::new();
    // The documented cap, written out: changing it must change the README.
    let n = 100_000u32 + 1;
    for i in 0..n {
        let c = v6((0xfd71u128 << 112) | u128::from(i));
        let id = conn_id(c, server, 502);
        e.request(&modbus_read(&id), &mut out);
        out.clear();
    }
    assert_eq!(e.stats.matches, u64::from(n));
    assert_eq!(e.stats.state_resets, 1);
    // The first source's entry went with the reset: its repeat (same
    // time, inside the 60 s window) alerts again instead of being
    // suppressed.
    let first = v6(0xfd71u128 << 112);
    let id = conn_id(first, server, 502);
    e.request(&modbus_read(&id), &mut out);
    assert!(!out.is_empty());
    assert_eq!(e.stats.suppressed, 0);
    assert_eq!(e.stats.state_resets, 1);
}
