//! Cross-cutting tests of the Modbus module: annotated byte vectors for
//! every function code in both directions (`requests`, `responses`),
//! framing over stream buffers (`framing`), violations (`violations`) and
//! property tests (`props`) with a test-only encoder (`encode`).

mod encode;
mod framing;
mod gen_request;
mod gen_response;
mod props;
mod requests;
mod responses;
mod violations;

use super::*;
use crate::{ErrorKind, Layer};

/// Parses a request that must parse with no violation.
fn req(pdu: &[u8]) -> Request<'_> {
    match parse_request(pdu) {
        Ok((rest, r)) => {
            assert!(rest.is_empty(), "request left input: {pdu:02x?}");
            assert!(r.violations.is_empty(), "{:?} in {pdu:02x?}", r.violations);
            r
        }
        Err(e) => panic!("request {pdu:02x?} did not parse: {e:?}"),
    }
}

/// Parses a response that must parse with no violation.
fn resp(pdu: &[u8]) -> Response<'_> {
    match parse_response(pdu) {
        Ok((rest, r)) => {
            assert!(rest.is_empty(), "response left input: {pdu:02x?}");
            assert!(r.violations.is_empty(), "{:?} in {pdu:02x?}", r.violations);
            r
        }
        Err(e) => panic!("response {pdu:02x?} did not parse: {e:?}"),
    }
}

/// Parses with the given direction; any outcome but a panic is returned.
fn parse_any(pdu: &[u8], is_request: bool) -> Result<Violations, Error> {
    parse_pdu(pdu, is_request).map(|p| p.violations())
}

/// Every truncated prefix of a valid PDU fails cleanly: a `Truncated`
/// error, or (where a byte count or list no longer fits) a flagged parse.
/// `open_ended` PDUs end in free-form bytes (Return Query Data, UMAS,
/// CANopen, unknown codes), so a shorter one is still valid. The framed
/// ADU's prefixes all ask for more bytes.
fn assert_prefixes_fail_cleanly(pdu: &[u8], is_request: bool, open_ended: bool) {
    assert_eq!(
        parse_any(pdu, is_request),
        Ok(Violations::NONE),
        "{pdu:02x?}"
    );
    for n in 0..pdu.len() {
        let prefix = &pdu[..n];
        match parse_any(prefix, is_request) {
            Err(e) => {
                assert_eq!(e.layer, Some(Layer::ModbusPdu), "prefix {n} of {pdu:02x?}");
                assert!(
                    matches!(e.kind, ErrorKind::Truncated { needed, got } if got < needed),
                    "prefix {n} of {pdu:02x?}: {e:?}"
                );
            }
            Ok(v) => assert!(
                open_ended || !v.is_empty(),
                "prefix {n} of {pdu:02x?} parsed with no flag"
            ),
        }
    }
    let adu = encode::adu(7, 1, pdu);
    for n in 0..adu.len() {
        let r = parse_adu(&adu[..n], is_request);
        assert!(
            matches!(r, Parsed::NeedMore(k) if k >= 1 && n + k <= adu.len()),
            "ADU prefix {n}: {r:?}"
        );
    }
}

#[test]
fn truncation_error_names_layer_offset_and_sizes() {
    // Read Coils with a starting address and half a quantity.
    let Err(nom::Err::Error(e)) = parse_request(&[0x01, 0x00, 0x13, 0x00]) else {
        panic!("expected a truncation error");
    };
    assert_eq!(e.kind, ErrorKind::Truncated { needed: 4, got: 3 });
    assert_eq!(e.offset, 1);
    assert_eq!(
        e.to_string(),
        "Modbus PDU: truncated at offset 1: needed 4 bytes, got 3"
    );
    // The same through parse_adu: the ADU is whole, its PDU is not.
    let adu = encode::adu(1, 1, &[0x01, 0x00, 0x13, 0x00]);
    let Parsed::Complete(a) = parse_adu(&adu, true) else {
        panic!("expected a complete ADU");
    };
    assert_eq!(a.consumed, adu.len());
    assert_eq!(a.pdu, Err(e));
    assert!(a.violations().is_empty());
}

#[test]
fn empty_pdu_is_truncated() {
    for is_request in [true, false] {
        let Err(e) = parse_pdu(&[], is_request) else {
            panic!("empty PDU parsed");
        };
        assert_eq!(e.kind, ErrorKind::Truncated { needed: 1, got: 0 });
        assert_eq!(e.offset, 0);
    }
}
