//! Property tests: arbitrary bytes never panic any entry point, and
//! steered S7comm PDUs (valid header, random blocks) never panic and
//! keep their invariants.

use super::*;
use crate::s7::{cotp, tpkt};
use proptest::collection::vec;
use proptest::prelude::*;

/// Reads everything an analyzer might read from a parsed PDU.
fn touch(m: &Message<'_>) {
    let _ = m.violations.names().count();
    let _ = m.parameter.function();
    match m.parameter {
        Parameter::ReadVar(p) | Parameter::WriteVar(p) => {
            assert!(p.items.iter().count() == p.items.len());
        }
        Parameter::StartUpload(t) | Parameter::RequestDownload(t) => {
            let _ = t.filename.map(|f| f.block());
        }
        _ => {}
    }
    match m.data {
        Data::Items(d) => assert_eq!(d.iter().count(), d.len()),
        Data::Userdata(u) => {
            if let Some(s7comm::Szl::List(l)) = u.szl {
                let _ = l.iter().count();
            }
        }
        _ => {}
    }
}

fn check_message(pdu: &[u8]) {
    match s7comm::parse_message(pdu) {
        Ok((rest, m)) => {
            assert!(rest.is_empty());
            touch(&m);
        }
        Err(nom::Err::Error(e)) => {
            assert!(e.offset <= pdu.len());
            let _ = e.to_string();
        }
        Err(other) => panic!("unexpected nom result {other:?}"),
    }
}

/// A header with a known ROSCTR and lengths that match the random body.
fn steered_pdu() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(&[1u8, 2, 3, 7][..]),
        prop::sample::select(
            &[
                0x00u8, 0x04, 0x05, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F, 0x28, 0x29, 0xF0,
            ][..],
        ),
        vec(any::<u8>(), 0..80),
        vec(any::<u8>(), 0..80),
    )
        .prop_map(|(rosctr, function, mut param, data)| {
            if rosctr == 7 {
                let mut head = vec![0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x00];
                head.extend_from_slice(&param);
                param = head;
            } else {
                param.insert(0, function);
            }
            let mut p = vec![0x32, rosctr, 0, 0, 0, 1];
            p.extend_from_slice(&u16::try_from(param.len()).unwrap_or(0).to_be_bytes());
            p.extend_from_slice(&u16::try_from(data.len()).unwrap_or(0).to_be_bytes());
            if rosctr == 2 || rosctr == 3 {
                p.extend_from_slice(&[0, 0]);
            }
            p.extend_from_slice(&param);
            p.extend_from_slice(&data);
            p
        })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(buf in vec(any::<u8>(), 0..300)) {
        match parse_packet(&buf) {
            Parsed::Complete(p) => {
                prop_assert!(p.consumed >= 7 && p.consumed <= buf.len());
                let _ = p.violations().names().count();
                if let Payload::S7comm(Ok(m)) = &p.payload {
                    touch(m);
                }
            }
            Parsed::NeedMore(n) => prop_assert!(n >= 1),
            Parsed::Invalid(e) => prop_assert!(e.offset <= 2),
        }
        let _ = tpkt::probe(&buf);
        let _ = tpkt::parse_header(&buf);
        if let Ok((_, t)) = cotp::parse_tpdu(&buf) {
            let _ = (t.params.iter().count(), t.params.tpdu_size_octets(), payload(&t));
        }
        check_message(&buf);
        let mut s7 = buf.clone();
        s7.insert(0, 0x32);
        check_message(&s7);
    }

    #[test]
    fn steered_pdus_never_panic(pdu in steered_pdu()) {
        check_message(&pdu);
        let p = packet(&pdu);
        let Parsed::Complete(pk) = parse_packet(&p) else {
            panic!("a framed PDU must frame");
        };
        prop_assert_eq!(pk.consumed, p.len());
        prop_assert!(matches!(pk.payload, Payload::S7comm(_)));
    }
}
