//! The EtherNet/IP analyzer on hand-made messages: class-aware service
//! names, malformed input, implicit I/O.

use super::*;
use crate::analyzers::testkit::Harness;

/// An encapsulation message.
fn encap(command: u16, data: &[u8]) -> Vec<u8> {
    let mut v = command.to_le_bytes().to_vec();
    v.extend_from_slice(&(data.len() as u16).to_le_bytes());
    v.extend_from_slice(&0x1122_3344u32.to_le_bytes());
    v.extend_from_slice(&[0; 4]);
    v.extend_from_slice(b"otwatch!");
    v.extend_from_slice(&[0; 4]);
    v.extend_from_slice(data);
    v
}

/// SendRRData with a null address and an unconnected data item.
fn send_rr(cip: &[u8]) -> Vec<u8> {
    let mut d = vec![0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0xB2, 0];
    d.extend_from_slice(&(cip.len() as u16).to_le_bytes());
    d.extend_from_slice(cip);
    encap(0x6F, &d)
}

fn cip_rows(h: &Harness) -> Vec<(String, String, String)> {
    h.rows("cip")
        .iter()
        .map(|r| (r[13].clone(), r[14].clone(), r[15].clone()))
        .collect()
}

fn new() -> (Harness, Enip) {
    let mut h = Harness::new();
    h.id.resp_p = PORT;
    (h, Enip::new(&AnalyzerConfig::default()))
}

#[test]
fn class_specific_services_are_named_by_class() {
    let (mut h, mut e) = new();
    // Read Tag "Temp" (symbolic path: the Logix symbol class), element count 1.
    h.feed(
        &mut e,
        Dir::Orig,
        &send_rr(&[0x4C, 3, 0x91, 4, b'T', b'e', b'm', b'p', 1, 0]),
    );
    // 0x54 on the Connection Manager (class 6, instance 1): Forward Open.
    h.feed(
        &mut e,
        Dir::Orig,
        &send_rr(&[0x54, 2, 0x20, 0x06, 0x24, 0x01, 0, 0]),
    );
    // A common service keeps the reference's name.
    h.feed(
        &mut e,
        Dir::Orig,
        &send_rr(&[0x0E, 3, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07]),
    );
    let rows = cip_rows(&h);
    assert_eq!(
        rows[0],
        ("request".into(), "0x4c".into(), "Read Tag".into())
    );
    assert_eq!(rows[1].2, "Forward_Open");
    assert_eq!(rows[2].2, "Get Attributes Single");
    // The reference's columns for the class stay as the path gives them.
    assert_eq!(h.rows("cip")[0][20], "-");
    assert_eq!(h.rows("cip")[1][20], "0x06");
    assert_eq!(h.services, vec!["enip"]);
}

#[test]
fn a_truncated_message_is_a_weird_and_analysis_goes_on() {
    let (mut h, mut e) = new();
    h.facts.partial = true;
    let whole = send_rr(&[0x0E, 3, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07]);
    h.feed(&mut e, Dir::Orig, &whole[..30]);
    h.feed(&mut e, Dir::Orig, &whole);
    // The header of the cut message is logged; its CIP part is not.
    assert_eq!(h.rows("enip").len(), 2);
    assert_eq!(h.rows("cip").len(), 1);
    assert_eq!(h.weird_names(), vec!["enip_truncated"]);
}

#[test]
fn a_violation_on_a_clean_young_connection_stops_analysis() {
    let (mut h, mut e) = new();
    h.feed(&mut e, Dir::Orig, &[0x6F, 0x00, 0x01]);
    h.feed(
        &mut e,
        Dir::Orig,
        &send_rr(&[0x0E, 3, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07]),
    );
    assert!(h.rows("enip").is_empty());
    assert_eq!(
        h.weird_names(),
        vec!["enip_truncated", "enip_analysis_stopped"]
    );
}

#[test]
fn implicit_io_rows_and_rate_limit() {
    let mut h = Harness::new();
    h.id.resp_p = IO_PORT;
    let mut e = Enip::new(&AnalyzerConfig::default());
    let io = |seq: u32| {
        let mut v = vec![2, 0, 0x02, 0x80, 8, 0];
        v.extend_from_slice(&0x0001_0203u32.to_le_bytes());
        v.extend_from_slice(&seq.to_le_bytes());
        v.extend_from_slice(&[0xB1, 0, 4, 0, 9, 0, 0xAA, 0xBB]);
        v
    };
    for s in 0..5 {
        h.feed(&mut e, Dir::Orig, &io(s));
    }
    let rows = h.rows("cip_io");
    assert_eq!(rows.len(), 1, "one row per minute per I/O connection");
    assert_eq!(
        (&rows[0][12][..], &rows[0][14][..], &rows[0][15][..]),
        ("0x00010203", "4", "0900aabb")
    );
    assert_eq!(h.limited, 4);
    assert_eq!(h.services, vec!["cip"]);
}

#[test]
fn responses_are_named_by_their_request_class() {
    let (mut h, mut e) = new();
    h.feed(
        &mut e,
        Dir::Orig,
        &send_rr(&[0x4C, 3, 0x91, 4, b'T', b'e', b'm', b'p', 1, 0]),
    );
    // The Read Tag reply: service 0xCC, success, data type INT, value 7.
    h.feed(&mut e, Dir::Resp, &send_rr(&[0xCC, 0, 0, 0, 0xC3, 0, 7, 0]));
    let rows = cip_rows(&h);
    assert_eq!(
        rows[1],
        ("response".into(), "0x4c".into(), "Read Tag".into())
    );
    // A reply no request is known for keeps the reference's name.
    h.feed(&mut e, Dir::Resp, &send_rr(&[0xCC, 0, 0, 0, 0xC3, 0, 7, 0]));
    assert_eq!(cip_rows(&h)[2].2, "unknown");
}

/// The reply to an Unconnected Send is the carried request's reply (here
/// a Read Tag's), named by the class that request addressed; the
/// Connection Manager's own error reply keeps its name.
#[test]
fn replies_through_unconnected_send_are_named_by_the_carried_request() {
    let (mut h, mut e) = new();
    // Unconnected Send to the Connection Manager (class 6, instance 1)
    // carrying Read Tag "Temp", then the route (port 1, slot 0).
    let read_tag = [0x4C, 3, 0x91, 4, b'T', b'e', b'm', b'p', 1, 0];
    let mut send = vec![0x52, 2, 0x20, 0x06, 0x24, 0x01, 0x0A, 0x0E];
    send.extend_from_slice(&(read_tag.len() as u16).to_le_bytes());
    send.extend_from_slice(&read_tag);
    send.extend_from_slice(&[1, 0, 0x01, 0x00]);
    h.feed(&mut e, Dir::Orig, &send_rr(&send));
    h.feed(&mut e, Dir::Resp, &send_rr(&[0xCC, 0, 0, 0, 0xC3, 0, 7, 0]));
    // The same request again, answered by the Connection Manager itself
    // (0xD2: Unconnected Send reply, general status 0x01).
    h.feed(&mut e, Dir::Orig, &send_rr(&send));
    h.feed(&mut e, Dir::Resp, &send_rr(&[0xD2, 0, 0x01, 0]));
    let rows = cip_rows(&h);
    assert_eq!(
        rows[0],
        ("request".into(), "0x52".into(), "Unconnected_Send".into())
    );
    assert_eq!(
        rows[1],
        ("response".into(), "0x4c".into(), "Read Tag".into())
    );
    assert_eq!(rows[3].2, "Unconnected_Send");
}

#[test]
fn a_multiple_service_packet_with_a_huge_count_does_not_overflow() {
    // Regression (review): 2 * count overflowed for counts from 0x8000.
    let (mut h, mut e) = new();
    h.facts.partial = true;
    let count: u16 = 0x8001;
    let mut cip = vec![0x0A, 2, 0x20, 0x02, 0x24, 0x01];
    cip.extend_from_slice(&count.to_le_bytes());
    for _ in 0..count {
        cip.extend_from_slice(&0xFFFFu16.to_le_bytes());
    }
    cip.extend_from_slice(&[0x0E, 0, 0, 0]);
    h.feed(&mut e, Dir::Orig, &send_rr(&cip));
    assert_eq!(h.rows("enip").len(), 1);
}

/// A Get_Attribute_List's ids reach the event, at most 256 of them; a
/// longer list is cut and the cut is a weird.
#[test]
fn attribute_ids_are_kept_up_to_their_cap() {
    let ids = |n: u16| -> Vec<u16> {
        let (mut h, mut e) = new();
        let mut m = vec![0x03, 2, 0x20, 0x01, 0x24, 0x01];
        m.extend_from_slice(&n.to_le_bytes());
        for i in 0..n {
            m.extend_from_slice(&i.to_le_bytes());
        }
        h.feed(&mut e, Dir::Orig, &send_rr(&m));
        let capped = h.weird_names().contains(&"cip_attribute_ids_capped");
        assert_eq!(capped, n > 256, "{n}");
        h.em.records
            .iter()
            .find_map(|(_, r)| match r {
                crate::event::Event::Cip(c) => Some(c.attributes.clone()),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(ids(3), vec![0, 1, 2]);
    assert_eq!(ids(256).len(), 256);
    assert_eq!(ids(1000), (0..256).collect::<Vec<u16>>());
}
