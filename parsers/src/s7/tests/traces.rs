//! Every TCP payload of the three ICSNPP-s7comm test traces, walked as the
//! analyzer walks a stream: each direction's bytes framed packet by
//! packet. All must frame, all COTP TPDUs must parse, and every S7comm
//! PDU must parse; the S7comm-plus trace's PDUs are recognized as such.

use super::*;

const SNAP7: &str = include_str!("traces/snap7.hex");
const S7IDENT: &str = include_str!("traces/s7ident.hex");
const S7COMM_PLUS: &str = include_str!("traces/s7comm_plus.hex");

#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    payloads: usize,
    packets: usize,
    s7comm: usize,
    s7comm_plus: usize,
    flagged: Vec<String>,
    refused: Vec<String>,
}

/// Frames and parses every payload of a trace file.
fn walk(trace: &str) -> Counts {
    let mut c = Counts::default();
    let mut pending: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    for line in trace.lines().filter(|l| !l.starts_with('#')) {
        let mut fields = line.split_whitespace();
        let (Some(frame), Some(dir), Some(payload)) = (fields.next(), fields.next(), fields.next())
        else {
            panic!("bad trace line {line}");
        };
        c.payloads += 1;
        let buf = &mut pending[usize::from(dir == ">")];
        buf.extend_from_slice(&hex(payload));
        let mut rest = &buf[..];
        loop {
            match parse_packet(rest) {
                Parsed::Complete(p) => {
                    c.packets += 1;
                    let mut fine = p.cotp.is_ok();
                    match &p.payload {
                        Payload::S7comm(Ok(_)) => c.s7comm += 1,
                        Payload::S7comm(Err(_)) => fine = false,
                        Payload::S7commPlus(_) => c.s7comm_plus += 1,
                        _ => {}
                    }
                    if !fine {
                        c.refused.push(format!("frame {frame}: {p:?}"));
                    }
                    if !p.violations().is_empty() {
                        c.flagged
                            .push(format!("frame {frame}: {:?}", p.violations()));
                    }
                    rest = &rest[p.consumed..];
                }
                Parsed::NeedMore(_) => break,
                Parsed::Invalid(e) => {
                    c.refused.push(format!("frame {frame}: {e}"));
                    rest = &[];
                    break;
                }
            }
        }
        let left = rest.to_vec();
        *buf = left;
    }
    assert!(pending.iter().all(Vec::is_empty), "bytes left unframed");
    c
}

#[test]
fn snap7_trace_parses_whole() {
    let c = walk(SNAP7);
    assert_eq!(c.refused, Vec::<String>::new());
    assert_eq!((c.payloads, c.packets, c.s7comm), (64, 64, 64));
    // The first part of the fragmented SZL 0x001C list is flagged: its
    // entries do not fill the list the header announces.
    assert_eq!(
        c.flagged,
        vec![r#"frame 6: {"s7comm_szl_length_mismatch"}"#.to_string()]
    );
}

#[test]
fn s7ident_trace_parses_whole() {
    let c = walk(S7IDENT);
    assert_eq!(c.refused, Vec::<String>::new());
    assert_eq!((c.payloads, c.packets, c.s7comm), (24, 24, 22));
    assert_eq!(c.flagged, Vec::<String>::new());
}

#[test]
fn s7comm_plus_trace_frames_whole() {
    let c = walk(S7COMM_PLUS);
    assert_eq!(c.refused, Vec::<String>::new());
    assert_eq!((c.payloads, c.packets, c.s7comm), (157, 157, 34));
    assert_eq!(c.flagged, Vec::<String>::new());
    // The rest: S7comm-plus PDUs, and the connection request and confirm.
    assert_eq!(c.s7comm_plus, 121);
}
