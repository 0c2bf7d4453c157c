//! The S7 analyzer on byte streams: framing across and within segments,
//! COTP fragments joined into one PDU, losses, the identity of SZL
//! answers, and the rows each PDU makes.

use super::*;
use crate::analyzers::testkit::Harness;

/// Bytes from hex (spaces allowed).
fn hex(s: &str) -> Vec<u8> {
    let d: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    d.chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// A TPKT packet with one class 0 DT TPDU (`eot`: it ends its TSDU).
use otwatch_synth::s7::dt_part as dt;

/// Setup Communication job (s7ident.pcap frame 8).
const SETUP: &str = "0300001902f08032010000000000080000f0000001000101e0";
/// PLC Stop job with its PI service (snap7.pcap, reference 0x1c00).
fn plc_stop() -> Vec<u8> {
    let mut pdu = hex("32 01 0000 1c00 0010 0000 29 0000000000 09");
    pdu.extend_from_slice(b"P_PROGRAM");
    dt(&pdu, true)
}

fn harness() -> Harness {
    let mut h = Harness::new();
    h.id.resp_p = PORT;
    h
}

#[test]
fn a_setup_job_gives_cotp_and_s7comm_rows_and_the_services() {
    let mut h = harness();
    let mut a = S7::new();
    h.feed(&mut a, Dir::Orig, &hex(SETUP));
    assert_eq!(h.services, vec![COTP, S7COMM]);
    let cotp = h.rows("cotp");
    assert_eq!(cotp.len(), 1);
    assert_eq!(&cotp[0][11..], ["0x0f", "DT Data"]);
    let s7 = h.rows("s7comm");
    assert_eq!(
        &s7[0][11..],
        [
            "1",
            "Job-Request",
            "0",
            "0xf0",
            "Setup Communication",
            "-",
            "-",
            "-",
            "-"
        ]
    );
}

#[test]
fn packets_split_and_packed_across_segments_frame_the_same() {
    let mut stream = hex(SETUP);
    stream.extend(plc_stop());
    stream.extend(hex(SETUP));
    // One byte at a time, then all at once: the same rows.
    let mut h1 = harness();
    let mut a = S7::new();
    for b in &stream {
        h1.feed(&mut a, Dir::Orig, std::slice::from_ref(b));
    }
    let mut h2 = harness();
    let mut b = S7::new();
    h2.feed(&mut b, Dir::Orig, &stream);
    assert_eq!(h1.rows("s7comm"), h2.rows("s7comm"));
    assert_eq!(h1.rows("s7comm").len(), 3);
    assert_eq!(h1.rows("cotp").len(), 3);
    assert_eq!(a.buffered(), 0);
}

#[test]
fn a_pdu_in_several_dt_tpdus_is_read_whole() {
    let pdu = plc_stop()[7..].to_vec();
    let (first, rest) = pdu.split_at(5);
    let (second, third) = rest.split_at(9);
    let mut stream = dt(first, false);
    stream.extend(dt(second, false));
    stream.extend(dt(third, true));
    let mut h = harness();
    let mut a = S7::new();
    h.feed(&mut a, Dir::Orig, &stream);
    // Three TPDUs, one PDU.
    assert_eq!(h.rows("cotp").len(), 3);
    let s7 = h.rows("s7comm");
    assert_eq!(s7.len(), 1);
    assert_eq!(&s7[0][14..16], ["0x29", "PLC Stop"]);
    assert_eq!(s7[0][13], "7168", "the reference is big-endian 0x1c00");
}

#[test]
fn plc_control_names_its_pi_service() {
    let mut pdu = hex("32 01 0000 0100 0014 0000 28 00000000000000 0000 05");
    pdu.extend_from_slice(b"_DELE");
    let mut h = harness();
    let mut a = S7::new();
    h.feed(&mut a, Dir::Orig, &dt(&pdu, true));
    let s7 = h.rows("s7comm");
    assert_eq!(
        &s7[0][14..18],
        [
            "0x28",
            "PLC Control",
            "_DELE",
            "Removes module from the PLC's passive file system"
        ]
    );
}

#[test]
fn a_tsdu_past_the_cap_is_dropped_to_its_end_and_reported() {
    let mut h = harness();
    let mut a = S7::new();
    let part = vec![0u8; 60_000];
    h.feed(&mut a, Dir::Orig, &dt(&part, false));
    h.feed(&mut a, Dir::Orig, &dt(&part, false));
    h.feed(&mut a, Dir::Orig, &dt(&part, true));
    assert_eq!(h.weird_names(), vec!["s7comm_tsdu_too_long"]);
    assert!(h.rows("s7comm").is_empty());
    assert_eq!(a.buffered(), 0);
    // A last part that would take the TSDU past the cap is dropped too.
    h.feed(&mut a, Dir::Orig, &dt(&part, false));
    h.feed(&mut a, Dir::Orig, &dt(&part, true));
    assert_eq!(a.buffered(), 0);
    assert!(h.rows("s7comm").is_empty());
    // The next PDU is read as usual.
    h.feed(&mut a, Dir::Orig, &hex(SETUP));
    assert_eq!(h.rows("s7comm").len(), 1);
}

#[test]
fn bytes_that_are_not_tpkt_lose_sync_until_a_header_shows() {
    let mut h = harness();
    let mut a = S7::new();
    // Before any TPDU: not ISO-on-TCP (a keep-alive byte), nothing said.
    h.feed(&mut a, Dir::Orig, &[0x00]);
    assert!(h.weird_names().is_empty());
    assert!(h.services.is_empty());
    h.feed(&mut a, Dir::Orig, &hex(SETUP));
    assert_eq!(h.rows("s7comm").len(), 1);
    // After one: reported once, then the next header is found inside
    // the following bytes.
    h.feed(&mut a, Dir::Orig, b"GARBAGE");
    let mut junk_then_pdu = b"more junk".to_vec();
    junk_then_pdu.extend(plc_stop());
    h.feed(&mut a, Dir::Orig, &junk_then_pdu);
    assert_eq!(h.weird_names(), vec!["s7comm_lost_sync"]);
    assert_eq!(h.rows("s7comm").len(), 2);
}

#[test]
fn a_gap_drops_the_partial_packet() {
    let mut h = harness();
    let mut a = S7::new();
    let p = hex(SETUP);
    h.feed(&mut a, Dir::Orig, &p[..10]);
    h.gap(&mut a, Dir::Orig);
    assert_eq!(a.buffered(), 0);
    h.feed(&mut a, Dir::Orig, &p);
    assert_eq!(h.rows("s7comm").len(), 1);
}

#[test]
fn an_s7comm_plus_pdu_gives_its_header_row() {
    let mut pdu = hex("72 03 0040 20");
    pdu.extend([0xAA; 32]);
    pdu.extend(hex("31 0000 04f2 0000"));
    let mut h = harness();
    let mut a = S7::new();
    h.feed(&mut a, Dir::Orig, &dt(&pdu, true));
    assert_eq!(h.services, vec![COTP, S7COMM_PLUS]);
    let rows = h.rows("s7comm_plus");
    assert_eq!(
        &rows[0][11..],
        ["3", "0x31", "Request", "0x04f2", "Set Variable"]
    );
}

/// An SZL answer of list `id` with these entries, as a CPU sends it.
fn answer(id: u16, entry_len: u16, entries: &[Vec<u8>]) -> Vec<u8> {
    let mut list = Vec::new();
    list.extend(id.to_be_bytes());
    list.extend(0u16.to_be_bytes());
    list.extend(entry_len.to_be_bytes());
    list.extend(u16::try_from(entries.len()).unwrap().to_be_bytes());
    for e in entries {
        list.extend(e);
    }
    let mut data = vec![0xFF, 0x09];
    data.extend(u16::try_from(list.len()).unwrap().to_be_bytes());
    data.extend(list);
    let param = hex("000112 08 12 84 01 01 00 00 0000");
    let mut pdu = hex("32 07 0000 0100");
    pdu.extend(u16::try_from(param.len()).unwrap().to_be_bytes());
    pdu.extend(u16::try_from(data.len()).unwrap().to_be_bytes());
    pdu.extend(param);
    pdu.extend(data);
    dt(&pdu, true)
}
/// An SZL entry: its index, then `text` padded with NULs to `len`.
fn entry(index: u16, text: &[u8], len: usize) -> Vec<u8> {
    let mut e = index.to_be_bytes().to_vec();
    e.extend(text);
    e.resize(len, 0);
    e
}

/// An SZL answer of component identification (0x001C) and one of module
/// identification (0x0011): the connection's end gives one identity.
#[test]
fn szl_answers_give_the_identity_at_the_end() {
    let mut h = harness();
    let mut a = S7::new();
    let component = answer(
        0x001C,
        34,
        &[
            entry(1, b"SNAP7-SERVER", 34),
            entry(2, b"CPU 315-2 PN/DP", 34),
            entry(3, b"", 34),
            entry(5, b"S C-C2UR28922012", 34),
        ],
    );
    // Index 7: a blank order number, the module type, 'V' 3.2.6 (as
    // s7ident.pcap frame 11 has it).
    let mut version = entry(7, b"                    ", 22);
    version.extend([0x00, 0xC0, b'V', 3, 2, 6]);
    let module = answer(
        0x0011,
        28,
        &[entry(1, b"6ES7 315-2EH14-0AB0 ", 28), version],
    );
    h.feed(&mut a, Dir::Resp, &component);
    h.feed(&mut a, Dir::Resp, &module);
    assert_eq!(h.rows("s7comm_read_szl").len(), 2);
    assert!(h.rows("s7comm_known_devices").is_empty());
    h.eof(&mut a);
    let known = h.rows("s7comm_known_devices");
    assert_eq!(
        &known[0][6..],
        [
            "-",
            "-",
            "-",
            "-",
            "-",
            "SNAP7-SERVER",
            "CPU 315-2 PN/DP",
            "(empty)",
            "S C-C2UR28922012"
        ]
    );
    // One event per identifying answer (for the inventory), one at the
    // end (for the log).
    let ids: Vec<Identity> =
        h.em.records
            .iter()
            .filter_map(|(_, e)| match e {
                Event::S7Identity(i) => Some(i.as_ref().clone()),
                _ => None,
            })
            .collect();
    let moments: Vec<Moment> = ids.iter().map(|i| i.moment).collect();
    assert_eq!(
        moments,
        [Moment::Answer, Moment::Answer, Moment::ConnectionEnd]
    );
    let id = ids.last().unwrap().clone();
    assert_eq!(id.sent.dir, Dir::Resp);
    let m = id.module.unwrap();
    assert_eq!(m.order_number.as_deref(), Some("6ES7 315-2EH14-0AB0"));
    assert_eq!(m.firmware.as_deref(), Some("V3.2.6"));
}

#[test]
fn the_parts_of_a_long_s7comm_plus_pdu_have_one_opcode() {
    // Version 2: the opcode opens the data part. The first part has no
    // trailer, the second ends with it.
    let first = hex("72 02 0010 31 0000 04bb 0000 0001 00000000 00 11");
    let mut second = hex("72 02 0004 6f 93 0401");
    second.extend(hex("72 02 0000"));
    let mut h = harness();
    let mut a = S7::new();
    h.feed(&mut a, Dir::Orig, &dt(&first, true));
    h.feed(&mut a, Dir::Orig, &dt(&second, true));
    let rows = h.rows("s7comm_plus");
    assert_eq!(
        &rows[0][11..],
        ["2", "0x31", "Request", "0x04bb", "Explore"]
    );
    assert_eq!(&rows[1][11..], ["2", "-", "-", "-", "-"]);
}

#[test]
fn a_gap_or_a_disconnect_inside_a_tsdu_drops_its_parts() {
    let pdu = plc_stop()[7..].to_vec();
    let (first, rest) = pdu.split_at(5);
    for cut in ["gap", "disconnect"] {
        let mut h = harness();
        let mut a = S7::new();
        h.feed(&mut a, Dir::Orig, &hex(SETUP));
        h.feed(&mut a, Dir::Orig, &dt(first, false));
        if cut == "gap" {
            h.gap(&mut a, Dir::Orig);
        } else {
            // DR: LI 6, code 0x80, references, reason.
            h.feed(&mut a, Dir::Orig, &hex("0300000b 06 80 0001 0002 00"));
        }
        h.feed(&mut a, Dir::Orig, &dt(rest, true));
        let rows = h.rows("s7comm");
        assert_eq!(rows.len(), 1, "{cut}: only the setup, no joined PLC Stop");
        assert_eq!(a.buffered(), 0, "{cut}");
    }
}

#[test]
fn garbage_then_a_packet_in_one_segment_keeps_the_packet() {
    let mut h = harness();
    let mut a = S7::new();
    h.feed(&mut a, Dir::Orig, &hex(SETUP));
    let mut segment = b"junk".to_vec();
    segment.extend(plc_stop());
    h.feed(&mut a, Dir::Orig, &segment);
    assert_eq!(h.weird_names(), vec!["s7comm_lost_sync"]);
    assert_eq!(h.rows("s7comm").len(), 2);
}

#[test]
fn a_keep_alive_between_the_parts_of_an_s7comm_plus_pdu_changes_nothing() {
    let first = hex("72 02 0010 31 0000 04bb 0000 0001 00000000 00 11");
    let keep_alive = hex("72 ff 03 00");
    let mut second = hex("72 02 0004 6f 93 0401");
    second.extend(hex("72 02 0000"));
    let mut h = harness();
    let mut a = S7::new();
    for p in [&first, &keep_alive, &second] {
        h.feed(&mut a, Dir::Orig, &dt(p, true));
    }
    let rows = h.rows("s7comm_plus");
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[2][11..], ["2", "-", "-", "-", "-"]);
}

/// An SZL answer in three parts: only the first has a Read SZL row and
/// feeds the identity; the middle one's bytes are entries, not a head.
#[test]
fn the_middle_part_of_a_long_szl_answer_is_not_a_head() {
    fn part(last: bool, data: &[u8]) -> Vec<u8> {
        let param = [
            0x00,
            0x01,
            0x12,
            0x08,
            0x12,
            0x84,
            0x01,
            0x01,
            0xD5,
            if last { 0x00 } else { 0x01 },
            0x00,
            0x00,
        ];
        let mut block = vec![0xFF, 0x09];
        block.extend(u16::try_from(data.len()).unwrap().to_be_bytes());
        block.extend(data);
        let mut pdu = hex("32 07 0000 0300");
        pdu.extend(u16::try_from(param.len()).unwrap().to_be_bytes());
        pdu.extend(u16::try_from(block.len()).unwrap().to_be_bytes());
        pdu.extend(param);
        pdu.extend(block);
        dt(&pdu, true)
    }
    let mut entry = 1u16.to_be_bytes().to_vec();
    entry.extend(b"STATION");
    entry.resize(34, 0);
    let mut head = hex("001c 0000 0022 0003");
    head.extend(&entry);
    // The middle part: an entry that would read as a head of list 0x0002.
    let mut middle = 2u16.to_be_bytes().to_vec();
    middle.extend(b"MODULE");
    middle.resize(34, 0);
    let mut h = harness();
    let mut a = S7::new();
    h.feed(&mut a, Dir::Resp, &part(false, &head));
    h.feed(&mut a, Dir::Resp, &part(false, &middle));
    h.feed(&mut a, Dir::Resp, &part(true, &middle));
    let szl = h.rows("s7comm_read_szl");
    assert_eq!(szl.len(), 1, "{szl:?}");
    assert_eq!(szl[0][13], "0x001c");
    assert_eq!(h.rows("s7comm").len(), 3);
    // The answer's identity event came at once; none for the other parts.
    let identities =
        h.em.records
            .iter()
            .filter(|(_, e)| matches!(e, Event::S7Identity(_)))
            .count();
    assert_eq!(identities, 1);
}

#[test]
fn a_name_past_the_cap_is_cut_and_reported() {
    let long = [b'N'; 40];
    let mut pdu = hex("32 01 0000 0100 0033 0000 28 00000000000000 0000 28");
    pdu.extend_from_slice(&long);
    let mut h = harness();
    let mut a = S7::new();
    h.feed(&mut a, Dir::Orig, &dt(&pdu, true));
    let s7 = h.rows("s7comm");
    assert_eq!(s7[0][16].len(), crate::event::s7::MAX_NAME);
    assert_eq!(h.weird_names(), vec!["s7comm_name_too_long"]);
}

/// A list whose entries name nothing (an index otwatch does not read)
/// leaves no empty record: after a module answer, a component answer
/// without a usable entry gives no known-devices row.
#[test]
fn an_szl_answer_without_a_usable_entry_adds_no_empty_record() {
    let mut h = harness();
    let mut a = S7::new();
    let module = answer(0x0011, 28, &[entry(1, b"6ES7 315-2EH14-0AB0 ", 28)]);
    h.feed(&mut a, Dir::Resp, &module);
    h.feed(
        &mut a,
        Dir::Resp,
        &answer(0x001C, 34, &[entry(9, b"x", 34)]),
    );
    h.eof(&mut a);
    assert_eq!(h.rows("s7comm_read_szl").len(), 2);
    assert!(h.rows("s7comm_known_devices").is_empty());
    let last =
        h.em.records
            .iter()
            .filter_map(|(_, e)| match e {
                Event::S7Identity(i) => Some(i.as_ref().clone()),
                _ => None,
            })
            .next_back()
            .unwrap();
    assert_eq!(last.moment, Moment::ConnectionEnd);
    assert!(last.module.is_some() && last.component.is_none());
}
