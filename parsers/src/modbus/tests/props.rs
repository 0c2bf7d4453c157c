//! Property tests: arbitrary bytes never panic any entry point, and
//! generated well-formed messages survive encode → parse unchanged with no
//! violation flagged.

use super::encode;
use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

use super::gen_request::request_gen;
use super::gen_response::response_gen;

/// Codes the module parses, to steer random PDUs into every body parser.
const KNOWN: [u8; 20] = [
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0B, 0x0C, 0x0F, 0x10, 0x11, 0x14, 0x15, 0x16,
    0x17, 0x18, 0x2B, 0x5A,
];

fn steered_pdu() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(&KNOWN[..]),
        any::<bool>(),
        vec(any::<u8>(), 0..260),
    )
        .prop_map(|(code, exception, mut rest)| {
            let code = if exception { code | 0x80 } else { code };
            rest.insert(0, code);
            rest
        })
}

fn check_pdu_invariants(pdu: &[u8]) {
    for is_request in [true, false] {
        let parsed = if is_request {
            parse_request(pdu).map(|(rest, r)| (rest, Pdu::Request(r)))
        } else {
            parse_response(pdu).map(|(rest, r)| (rest, Pdu::Response(r)))
        };
        match parsed {
            Ok((rest, p)) => {
                assert!(rest.is_empty());
                assert_eq!(Some(&p.code()), pdu.first());
            }
            Err(nom::Err::Error(e)) => {
                assert_eq!(e.layer, Some(Layer::ModbusPdu));
                assert!(matches!(e.kind, ErrorKind::Truncated { needed, got } if got < needed));
                assert!(e.offset <= pdu.len());
            }
            Err(other) => panic!("unexpected nom result {other:?}"),
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(buf in vec(any::<u8>(), 0..300)) {
        match frame(&buf) {
            Frame::Complete(raw) => {
                prop_assert!(raw.consumed <= buf.len());
                prop_assert_eq!(raw.pdu.len() + MBAP_LEN, raw.consumed);
                prop_assert!(!raw.pdu.is_empty() && raw.pdu.len() <= MAX_PDU_LEN);
            }
            Frame::NeedMore(n) => prop_assert!(n >= 1),
            Frame::Invalid(e) => prop_assert_eq!(e.layer, Some(Layer::ModbusMbap)),
        }
        let _ = probe(&buf);
        let _ = parse_mbap(&buf);
        for is_request in [true, false] {
            if let Parsed::Complete(adu) = parse_adu(&buf, is_request) {
                let _ = adu.violations();
            }
        }
        check_pdu_invariants(&buf);
    }

    #[test]
    fn random_bodies_of_known_codes_never_panic(pdu in steered_pdu()) {
        check_pdu_invariants(&pdu);
        let adu = encode::adu(1, 1, &pdu[..pdu.len().min(MAX_PDU_LEN)]);
        for is_request in [true, false] {
            let Parsed::Complete(a) = parse_adu(&adu, is_request) else {
                panic!("a framed PDU must frame");
            };
            prop_assert_eq!(a.consumed, adu.len());
        }
    }
}

proptest! {
    #[test]
    fn requests_round_trip(g in request_gen()) {
        let built = g.view();
        let pdu = encode::request(&built);
        prop_assert!(pdu.len() <= MAX_PDU_LEN, "generator made a {} byte PDU", pdu.len());
        let parsed = parse_request(&pdu);
        prop_assert_eq!(parsed, Ok((&[][..], built)));
        let adu = encode::adu(0x1234, 0xFF, &pdu);
        let Parsed::Complete(a) = parse_adu(&adu, true) else {
            panic!("a generated ADU must frame");
        };
        prop_assert_eq!(a.consumed, adu.len());
        prop_assert!(a.violations().is_empty());
        prop_assert_eq!(a.pdu, Ok(Pdu::Request(built)));
    }

    #[test]
    fn responses_round_trip(g in response_gen()) {
        let built = g.view();
        let pdu = encode::response(&built);
        prop_assert!(pdu.len() <= MAX_PDU_LEN, "generator made a {} byte PDU", pdu.len());
        let parsed = parse_response(&pdu);
        prop_assert_eq!(parsed, Ok((&[][..], built)));
        let adu = encode::adu(0x1234, 0xFF, &pdu);
        let Parsed::Complete(a) = parse_adu(&adu, false) else {
            panic!("a generated ADU must frame");
        };
        prop_assert_eq!(a.pdu, Ok(Pdu::Response(built)));
    }
}
