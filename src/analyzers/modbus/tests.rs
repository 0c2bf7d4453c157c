//! The analyzer on hand-made streams: framing across and within segments,
//! request/response pairing, non-Modbus traffic, gaps, caps, detection.

use super::*;
use crate::analyzers::testkit::Harness;

fn adu(tid: u16, unit: u8, pdu: &[u8]) -> Vec<u8> {
    let mut v = tid.to_be_bytes().to_vec();
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(&((pdu.len() + 1) as u16).to_be_bytes());
    v.push(unit);
    v.extend_from_slice(pdu);
    v
}

/// func and pdu_type of each modbus.log row.
fn funcs(h: &Harness) -> Vec<String> {
    h.rows("modbus")
        .iter()
        .map(|r| format!("{} {}", r[8], r[9]))
        .collect()
}

#[test]
fn two_adus_in_one_segment_and_one_split_over_three() {
    let mut h = Harness::new();
    let mut m = Modbus::new();
    let mut seg = adu(1, 1, &[0x03, 0, 0, 0, 2]);
    seg.extend(adu(2, 1, &[0x01, 0, 4, 0, 3]));
    h.feed(&mut m, Dir::Orig, &seg);
    let resp = adu(1, 1, &[0x03, 4, 0, 7, 0, 9]);
    h.feed(&mut m, Dir::Resp, &resp[..3]);
    h.feed(&mut m, Dir::Resp, &resp[3..9]);
    h.feed(&mut m, Dir::Resp, &resp[9..]);
    h.feed(&mut m, Dir::Resp, &adu(2, 1, &[0x01, 1, 0b101]));
    assert_eq!(
        funcs(&h),
        vec![
            "READ_HOLDING_REGISTERS REQ",
            "READ_COILS REQ",
            "READ_HOLDING_REGISTERS RESP",
            "READ_COILS RESP"
        ]
    );
    let d = h.rows("modbus_detailed");
    assert_eq!(d.len(), 2);
    // tid, func, address, quantity, response values, matched
    assert_eq!(
        (&d[0][6][..], &d[0][8][..], &d[0][12][..], &d[0][14][..]),
        ("1", "READ_HOLDING_REGISTERS", "7,9", "T")
    );
    assert_eq!(
        (&d[1][8][..], &d[1][10][..], &d[1][12][..], &d[1][18][..]),
        ("READ_COILS", "3", "1,0,1", "0,0,0,0,0")
    );
    assert_eq!(h.services, vec!["modbus"]);
}

#[test]
fn responses_out_of_order_and_missing_ones() {
    let mut h = Harness::new();
    let mut m = Modbus::new();
    for tid in 1..=3 {
        h.feed(&mut m, Dir::Orig, &adu(tid, 1, &[0x06, 0, 1, 0, tid as u8]));
    }
    h.feed(&mut m, Dir::Resp, &adu(3, 1, &[0x06, 0, 1, 0, 3]));
    h.feed(&mut m, Dir::Resp, &adu(1, 1, &[0x86, 0x02]));
    h.eof(&mut m);
    let d = h.rows("modbus_detailed");
    let summary: Vec<(String, String, String)> = d
        .iter()
        .map(|r| (r[6].clone(), r[14].clone(), r[19].clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("3".into(), "T".into(), "-".into()),
            ("1".into(), "T".into(), "ILLEGAL_DATA_ADDRESS".into()),
            // Never answered: written unmatched at the end.
            ("2".into(), "F".into(), "-".into()),
        ]
    );
    assert_eq!(h.rows("modbus")[4][10], "ILLEGAL_DATA_ADDRESS");
}

#[test]
fn not_modbus_on_port_502_gives_no_records_and_stops() {
    let mut h = Harness::new();
    let mut m = Modbus::new();
    h.feed(
        &mut m,
        Dir::Orig,
        b"\x16\x03\x01\x00\x85\x01\x00\x00\x81\x03\x03",
    );
    h.feed(&mut m, Dir::Resp, &adu(1, 1, &[0x03, 2, 0, 1]));
    assert!(h.rows("modbus").is_empty());
    assert!(h.services.is_empty());
    assert_eq!(
        h.weird_names(),
        vec!["modbus_invalid_protocol_id", "modbus_analysis_stopped"]
    );
}

#[test]
fn violations_on_a_partial_connection_do_not_stop_analysis() {
    let mut h = Harness::new();
    h.facts.partial = true;
    let mut m = Modbus::new();
    h.feed(&mut m, Dir::Orig, b"GET / HTTP/1.1\r\n");
    h.feed(&mut m, Dir::Orig, &adu(9, 1, &[0x04, 0, 0, 0, 1]));
    assert_eq!(funcs(&h), vec!["READ_INPUT_REGISTERS REQ"]);
    assert_eq!(h.weird_names(), vec!["modbus_invalid_protocol_id"]);
}

#[test]
fn after_a_gap_parsing_resumes_at_the_next_header() {
    let mut h = Harness::new();
    let mut m = Modbus::new();
    let first = adu(1, 1, &[0x03, 0, 0, 0, 2]);
    h.feed(&mut m, Dir::Orig, &first[..5]);
    h.gap(&mut m, Dir::Orig);
    // The rest of a lost ADU, then a whole one.
    let mut after = vec![0xde, 0xad, 0xbe];
    after.extend(adu(2, 1, &[0x03, 0, 8, 0, 1]));
    h.feed(&mut m, Dir::Orig, &after);
    let rows = h.rows("modbus");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][6], "2");
}

#[test]
fn pending_requests_are_capped() {
    let mut h = Harness::new();
    let mut m = Modbus::new();
    for tid in 0..(icsnpp::MAX_PENDING as u16 + 10) {
        h.feed(&mut m, Dir::Orig, &adu(tid, 1, &[0x03, 0, 0, 0, 1]));
    }
    let d = h.rows("modbus_detailed");
    assert_eq!(d.len(), 10);
    assert!(d.iter().all(|r| r[14] == "F"));
    assert_eq!(h.weirds.count, 10);
    assert_eq!(h.weird_names(), vec!["modbus_pending_overflow"]);
}

#[test]
fn malformed_bodies_are_weirds_and_analysis_goes_on() {
    let mut h = Harness::new();
    h.facts.had_gap = true;
    let mut m = Modbus::new();
    // Read holding registers response with an odd byte count.
    h.feed(&mut m, Dir::Resp, &adu(1, 1, &[0x03, 3, 0, 1, 2]));
    h.feed(&mut m, Dir::Resp, &adu(2, 1, &[0x03, 2, 0, 1]));
    assert_eq!(
        funcs(&h),
        vec!["READ_HOLDING_REGISTERS RESP", "READ_HOLDING_REGISTERS RESP"]
    );
    assert!(h.weird_names().contains(&"modbus_odd_register_byte_count"));
}

#[test]
fn probe_recognises_modbus_on_another_port() {
    let mut h = Harness::new();
    h.id.resp_p = 5020;
    let mut p = ModbusProbe::new();
    let req = adu(7, 1, &[0x03, 0, 0, 0, 1]);
    h.feed(&mut p, Dir::Orig, &req[..4]);
    h.feed(&mut p, Dir::Orig, &req[4..]);
    h.feed(&mut p, Dir::Resp, &adu(7, 1, &[0x03, 2, 0, 42]));
    assert!(p.is_modbus());
    assert_eq!(
        funcs(&h),
        vec!["READ_HOLDING_REGISTERS REQ", "READ_HOLDING_REGISTERS RESP"]
    );
    assert_eq!(h.services, vec!["modbus"]);
}

#[test]
fn probe_leaves_other_protocols_alone() {
    let mut h = Harness::new();
    h.id.resp_p = 8080;
    let mut p = ModbusProbe::new();
    h.feed(&mut p, Dir::Orig, b"GET / HTTP/1.1\r\nHost: plc\r\n\r\n");
    h.feed(&mut p, Dir::Resp, b"HTTP/1.1 200 OK\r\n\r\n");
    assert!(!p.is_modbus());
    // Transaction ids that do not match are not Modbus either.
    let mut p = ModbusProbe::new();
    h.feed(&mut p, Dir::Orig, &adu(1, 1, &[0x03, 0, 0, 0, 1]));
    h.feed(&mut p, Dir::Resp, &adu(2, 1, &[0x03, 2, 0, 1]));
    assert!(!p.is_modbus());
    assert!(h.rows("modbus").is_empty());
}

#[test]
fn pairs_are_keyed_by_transaction_and_unit() {
    // A gateway answering for two units with the same transaction id.
    let mut h = Harness::new();
    let mut m = Modbus::new();
    h.feed(&mut m, Dir::Orig, &adu(5, 1, &[0x03, 0, 10, 0, 1]));
    h.feed(&mut m, Dir::Orig, &adu(5, 2, &[0x03, 0, 20, 0, 1]));
    h.feed(&mut m, Dir::Resp, &adu(5, 2, &[0x03, 2, 0, 22]));
    h.feed(&mut m, Dir::Resp, &adu(5, 1, &[0x03, 2, 0, 11]));
    let d = h.rows("modbus_detailed");
    // unit, address, response values
    let got: Vec<(&str, &str, &str)> = d
        .iter()
        .map(|r| (&r[7][..], &r[9][..], &r[12][..]))
        .collect();
    assert_eq!(got, vec![("2", "20", "22"), ("1", "10", "11")]);
}

#[test]
fn probe_handles_split_headers_and_pipelined_requests() {
    let mut h = Harness::new();
    h.id.resp_p = 1502;
    let mut p = ModbusProbe::new();
    let mut two = adu(1, 1, &[0x03, 0, 0, 0, 1]);
    two.extend(adu(2, 1, &[0x03, 0, 5, 0, 1]));
    h.feed(&mut p, Dir::Orig, &two);
    // The second request is answered first, its header split in two.
    let resp = adu(2, 1, &[0x03, 2, 0, 9]);
    h.feed(&mut p, Dir::Resp, &resp[..5]);
    assert!(!p.is_modbus());
    h.feed(&mut p, Dir::Resp, &resp[5..]);
    assert!(p.is_modbus());
    assert_eq!(funcs(&h).len(), 3);
}

#[test]
fn tolerated_malformations_do_not_stop_analysis() {
    // Regression (review): a coil value other than 0/FF00 and a malformed
    // body of a function Zeek does not parse stopped the analysis.
    let mut h = Harness::new();
    let mut m = Modbus::new();
    h.feed(&mut m, Dir::Orig, &adu(1, 1, &[0x05, 0, 1, 0, 1]));
    h.feed(&mut m, Dir::Resp, &adu(2, 1, &[0x11, 0x20, 1, 2]));
    h.feed(&mut m, Dir::Orig, &adu(3, 1, &[0x03, 0, 0, 0, 1]));
    h.feed(&mut m, Dir::Resp, &adu(3, 1, &[0x03, 2, 0, 1]));
    assert_eq!(funcs(&h).len(), 4);
    let w = h.weird_names();
    assert!(w.contains(&"modbus_invalid_coil_value"), "{w:?}");
    assert!(!w.contains(&"modbus_analysis_stopped"), "{w:?}");
}

#[test]
fn fifo_responses_take_the_fifo_count() {
    // Regression (review): values were taken from the byte count.
    let mut h = Harness::new();
    let mut m = Modbus::new();
    h.feed(&mut m, Dir::Orig, &adu(1, 1, &[0x18, 0, 4]));
    h.feed(
        &mut m,
        Dir::Resp,
        &adu(1, 1, &[0x18, 0, 6, 0, 1, 1, 0xb8, 0x12, 0x84]),
    );
    let d = h.rows("modbus_detailed");
    assert_eq!((&d[0][10][..], &d[0][12][..]), ("1", "440"));
}

#[test]
fn pending_bytes_are_capped() {
    let mut h = Harness::new();
    let mut m = Modbus::new();
    // Requests with 1,968 coils each: large pending records.
    let mut pdu = vec![0x0f, 0, 0, 0x07, 0xb0, 246];
    pdu.extend(std::iter::repeat_n(0xaa, 246));
    for tid in 0..200u16 {
        h.feed(&mut m, Dir::Orig, &adu(tid, 1, &pdu));
    }
    assert!(!h.rows("modbus_detailed").is_empty());
    assert!(m.pairing.pending_bytes() <= icsnpp::MAX_PENDING_BYTES);
}

// ---- Transaction ids reused while a request waits (clients that always
// send tid 0), and the direction of each transaction.

/// The Modbus transactions emitted, in order.
fn transactions(h: &Harness) -> Vec<&crate::event::modbus::Transaction> {
    h.em.records
        .iter()
        .filter_map(|(_, e)| match e {
            Event::ModbusTransaction(t) => Some(&**t),
            _ => None,
        })
        .collect()
}

/// The function codes and write flags of the requests detection reads
/// from the events, in order.
fn requests(h: &Harness) -> Vec<(u8, bool)> {
    let mut out = Vec::new();
    for (_, e) in &h.em.records {
        crate::observe::requests(e, &mut |r| {
            if let crate::observe::Function::Modbus(code, _) = r.function {
                out.push((code, r.write));
            }
        });
    }
    out
}

/// tid, func, address, quantity, response values, matched of each
/// modbus_detailed row.
fn detailed(h: &Harness) -> Vec<[String; 6]> {
    h.rows("modbus_detailed")
        .into_iter()
        .map(|r| {
            [
                r[6].clone(),
                r[8].clone(),
                r[9].clone(),
                r[10].clone(),
                r[12].clone(),
                r[14].clone(),
            ]
        })
        .collect()
}

fn row(cells: [&str; 6]) -> [String; 6] {
    cells.map(str::to_string)
}

#[test]
fn pipelined_requests_with_one_tid_are_answered_first_in_first_out() {
    // Regression: a request reusing the (tid, unit) key of a waiting one
    // overwrote it (ICSNPP keeps one entry per key): the first read
    // was in neither modbus_detailed.log nor detection, and its answer was
    // credited to the second.

    let mut h = Harness::new();
    let mut m = Modbus::new();
    // Read 2 holding registers from 0, then 8 coils from 0: tid 0, unit 1,
    // each in its own segment, before either answer.
    h.feed(&mut m, Dir::Orig, &adu(0, 1, &[0x03, 0, 0, 0, 2]));
    h.feed(&mut m, Dir::Orig, &adu(0, 1, &[0x01, 0, 0, 0, 8]));
    // Answered in order.
    h.feed(&mut m, Dir::Resp, &adu(0, 1, &[0x03, 4, 0, 7, 0, 9]));
    h.feed(&mut m, Dir::Resp, &adu(0, 1, &[0x01, 1, 0b0000_0101]));
    h.eof(&mut m);
    assert_eq!(
        detailed(&h),
        vec![
            row(["0", "READ_HOLDING_REGISTERS", "0", "2", "7,9", "T"]),
            row(["0", "READ_COILS", "0", "8", "1,0,1,0,0,0,0,0", "T"]),
        ]
    );
    assert_eq!(requests(&h), vec![(0x03, false), (0x01, false)]);
}

#[test]
fn two_requests_with_one_key_and_one_response_leave_one_unmatched() {
    // Regression: a request reusing the (tid, unit) key of a waiting one
    // overwrote it (ICSNPP keeps one entry per key): the first request
    // vanished and the answer went to the second.

    let mut h = Harness::new();
    let mut m = Modbus::new();
    h.feed(&mut m, Dir::Orig, &adu(0, 1, &[0x03, 0, 10, 0, 1]));
    h.feed(&mut m, Dir::Orig, &adu(0, 1, &[0x03, 0, 20, 0, 1]));
    h.feed(&mut m, Dir::Resp, &adu(0, 1, &[0x03, 2, 0, 11]));
    h.eof(&mut m);
    assert_eq!(
        detailed(&h),
        vec![
            // The first response answers the first request of the key.
            row(["0", "READ_HOLDING_REGISTERS", "10", "1", "11", "T"]),
            // Never answered: written unmatched when the connection ends.
            row(["0", "READ_HOLDING_REGISTERS", "20", "1", "-", "F"]),
        ]
    );
    assert_eq!(requests(&h), vec![(0x03, false), (0x03, false)]);
}

#[test]
fn an_unanswered_request_of_another_function_does_not_shift_the_pairs() {
    // Regression: a request reusing the (tid, unit) key of a waiting one
    // overwrote it (ICSNPP keeps one entry per key): the read vanished.

    let mut h = Harness::new();
    let mut m = Modbus::new();
    // A read the server never answers, then a write with the same key.
    h.feed(&mut m, Dir::Orig, &adu(0, 1, &[0x03, 0, 0, 0, 1]));
    h.feed(&mut m, Dir::Orig, &adu(0, 1, &[0x06, 0, 10, 0, 99]));
    h.feed(&mut m, Dir::Resp, &adu(0, 1, &[0x06, 0, 10, 0, 99]));
    h.eof(&mut m);
    assert_eq!(
        detailed(&h),
        vec![
            row(["0", "WRITE_SINGLE_REGISTER", "10", "1", "99", "T"]),
            row(["0", "READ_HOLDING_REGISTERS", "0", "1", "-", "F"]),
        ]
    );
    // An exception answers the request of its function too.
    let mut h = Harness::new();
    let mut m = Modbus::new();
    h.feed(&mut m, Dir::Orig, &adu(0, 1, &[0x03, 0, 0, 0, 1]));
    h.feed(&mut m, Dir::Orig, &adu(0, 1, &[0x06, 0, 10, 0, 99]));
    h.feed(&mut m, Dir::Resp, &adu(0, 1, &[0x86, 0x02]));
    h.feed(&mut m, Dir::Resp, &adu(0, 1, &[0x03, 2, 0, 5]));
    let d = h.rows("modbus_detailed");
    let got: Vec<(&str, &str, &str)> = d
        .iter()
        .map(|r| (&r[8][..], &r[14][..], &r[19][..]))
        .collect();
    assert_eq!(
        got,
        vec![
            ("WRITE_SINGLE_REGISTER", "T", "ILLEGAL_DATA_ADDRESS"),
            ("READ_HOLDING_REGISTERS", "T", "-"),
        ]
    );
}

#[test]
fn a_write_hidden_behind_a_reused_tid_is_still_a_request() {
    // Regression: a request reusing the (tid, unit) key of a waiting one
    // overwrote it, so a crafted write followed by a read with the same
    // tid and unit reached neither the log nor detection. Here the read's
    // answer comes, the write's never does; detection must see the write.
    let mut h = Harness::new();
    let mut m = Modbus::new();
    h.feed(&mut m, Dir::Orig, &adu(0, 1, &[0x06, 0, 10, 0x03, 0xE7]));
    h.feed(&mut m, Dir::Orig, &adu(0, 1, &[0x03, 0, 10, 0, 1]));
    h.feed(&mut m, Dir::Resp, &adu(0, 1, &[0x03, 2, 0, 1]));
    h.eof(&mut m);
    let mut got = requests(&h);
    got.sort_unstable();
    assert_eq!(got, vec![(0x03, false), (0x06, true)]);
    let d = detailed(&h);
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(d.contains(&row(["0", "WRITE_SINGLE_REGISTER", "10", "1", "-", "F"])));
}

#[test]
fn every_transaction_knows_its_direction_and_a_response_alone_is_no_request() {
    // A connection seen mid-stream: the first message is the server's
    // answer to a request before the capture, then requests of functions
    // ICSNPP pairs and of one it does not (REPORT_SLAVE_ID), answered.
    let mut h = Harness::new();
    h.facts.partial = true;
    let mut m = Modbus::new();
    h.feed(&mut m, Dir::Resp, &adu(7, 1, &[0x03, 2, 0, 42]));
    h.feed(&mut m, Dir::Orig, &adu(8, 1, &[0x03, 0, 0, 0, 1]));
    h.feed(&mut m, Dir::Resp, &adu(8, 1, &[0x03, 2, 0, 43]));
    h.feed(&mut m, Dir::Orig, &adu(9, 1, &[0x11]));
    h.feed(&mut m, Dir::Resp, &adu(9, 1, &[0x11, 3, 0x2A, 0xFF, 0x00]));
    h.eof(&mut m);
    let ts = transactions(&h);
    assert_eq!(ts.len(), 4);
    for t in &ts {
        // The side a row starts from is one the transaction holds.
        match t.first {
            Dir::Orig => assert!(t.request.is_some(), "{t:?}"),
            Dir::Resp => assert!(t.response.is_some(), "{t:?}"),
        }
    }
    let shape: Vec<(u16, bool, bool, Dir)> = ts
        .iter()
        .map(|t| (t.tid, t.request.is_some(), t.response.is_some(), t.first))
        .collect();
    assert_eq!(
        shape,
        vec![
            (8, true, true, Dir::Orig),
            (9, true, false, Dir::Orig),
            (9, false, true, Dir::Resp),
            (7, false, true, Dir::Resp),
        ]
    );
    // Requests: the client's two; neither response alone is one.
    assert_eq!(requests(&h), vec![(0x03, false), (0x11, false)]);
}

#[test]
fn a_diagnostics_request_after_its_response_is_not_lost() {
    // Regression: ICSNPP's Diagnostics handler fails when the response came
    // first, and the request (here Restart Communications Option) was
    // dropped with it, from the log and from detection.
    let mut h = Harness::new();
    let mut m = Modbus::new();
    h.feed(&mut m, Dir::Resp, &adu(5, 1, &[0x08, 0, 1, 0, 0]));
    h.feed(&mut m, Dir::Orig, &adu(5, 1, &[0x08, 0, 1, 0, 0]));
    h.eof(&mut m);
    let d = h.rows("modbus_detailed");
    // func, matched, request and response subfunctions
    let got: Vec<(&str, &str, &str, &str)> = d
        .iter()
        .map(|r| (&r[8][..], &r[14][..], &r[15][..], &r[16][..]))
        .collect();
    assert_eq!(
        got,
        vec![
            ("DIAGNOSTICS", "F", "Restart Communications Option", "-"),
            // As ICSNPP: the response stays waiting, written at the end.
            ("DIAGNOSTICS", "F", "-", "Restart Communications Option"),
        ]
    );
    assert_eq!(requests(&h), vec![(0x08, false)]);
}
