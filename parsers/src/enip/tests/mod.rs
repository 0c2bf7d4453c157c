//! Cross-cutting tests of the EtherNet/IP and CIP module: annotated byte
//! vectors for every encapsulation command (`commands`), CPF item
//! (`items`), CIP request and reply (`messages`), EPATH form (`epath`),
//! Multiple_Service_Packet (`msp`), Unconnected_Send (`unconnected`),
//! Forward_Open / Forward_Close (`connection`); the real packets of the
//! reference trace (`corpus`); framing over stream buffers (`framing`);
//! the CIP message as the reference reads it (`view`); and property tests
//! (`props`).

mod commands;
mod connection;
mod corpus;
mod epath;
mod framing;
mod items;
mod messages;
mod msp;
mod props;
mod unconnected;
mod view;

use super::*;
use crate::{ErrorKind, Layer};

/// Bytes from a hex string (spaces allowed); test vectors too long to
/// annotate byte by byte.
fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    assert_eq!(digits.len() % 2, 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap_or("00"), 16).unwrap_or(0))
        .collect()
}

/// An encapsulation packet: a 24-byte header (session handle `session`,
/// status 0, sender context "otwatch!", options 0) and `data`.
fn packet(command: u16, session: u32, data: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(24 + data.len());
    p.extend_from_slice(&command.to_le_bytes());
    p.extend_from_slice(&u16::try_from(data.len()).unwrap_or(u16::MAX).to_le_bytes());
    p.extend_from_slice(&session.to_le_bytes());
    p.extend_from_slice(&0u32.to_le_bytes());
    p.extend_from_slice(b"otwatch!");
    p.extend_from_slice(&0u32.to_le_bytes());
    p.extend_from_slice(data);
    p
}

/// SendRRData data (interface 0, timeout 10) around an unconnected CIP
/// message: Null address item, Unconnected data item.
fn rr_data(cip: &[u8]) -> Vec<u8> {
    let mut d = vec![0, 0, 0, 0, 10, 0, 2, 0, 0, 0, 0, 0, 0xB2, 0];
    d.extend_from_slice(&u16::try_from(cip.len()).unwrap_or(u16::MAX).to_le_bytes());
    d.extend_from_slice(cip);
    d
}

/// Parses a whole packet that must frame and parse with no violation.
fn whole(p: &[u8]) -> Packet<'_> {
    match parse_encapsulation(p) {
        Parsed::Complete(pk) => {
            assert_eq!(pk.consumed, p.len(), "{p:02x?}");
            assert!(pk.body.is_ok(), "{:?} in {p:02x?}", pk.body);
            assert!(
                pk.violations().is_empty(),
                "{:?} in {p:02x?}",
                pk.violations()
            );
            pk
        }
        other => panic!("{p:02x?}: {other:?}"),
    }
}

/// Parses a CIP request that must parse with no violation.
fn req(msg: &[u8]) -> CipRequest<'_> {
    match parse_cip_request(msg) {
        Ok((rest, r)) => {
            assert!(rest.is_empty());
            assert!(r.violations.is_empty(), "{:?} in {msg:02x?}", r.violations);
            r
        }
        Err(e) => panic!("request {msg:02x?} did not parse: {e:?}"),
    }
}

/// Parses a CIP reply (with `context` when given) that must parse with no
/// violation.
fn resp<'a>(msg: &'a [u8], context: Option<&ReplyContext>) -> CipResponse<'a> {
    let r = match context {
        Some(c) => parse_cip_reply_to(msg, c),
        None => parse_cip_response(msg),
    };
    match r {
        Ok((rest, r)) => {
            assert!(rest.is_empty());
            assert!(r.violations.is_empty(), "{:?} in {msg:02x?}", r.violations);
            r
        }
        Err(e) => panic!("reply {msg:02x?} did not parse: {e:?}"),
    }
}

/// Checks that an error is a clean truncation in `layer`.
fn assert_truncated(e: &Error, layer: Layer, what: &str) {
    assert_eq!(e.layer, Some(layer), "{what}: {e}");
    assert!(
        matches!(e.kind, ErrorKind::Truncated { needed, got } if got < needed),
        "{what}: {e:?}"
    );
}

/// Every truncated prefix of a command's data fails cleanly: a
/// `Truncated` error, or a flagged parse; `open_ended` data (NOP, unknown
/// commands) may parse clean. The framed packet's prefixes all ask for
/// more bytes.
fn assert_body_prefixes(command: u16, data: &[u8], open_ended: bool) {
    for n in 0..data.len() {
        let prefix = &data[..n];
        match parse_body(command, prefix) {
            Err(nom::Err::Error(e)) => {
                assert!(
                    e.layer == Some(Layer::EnipEncapsulation) || e.layer == Some(Layer::EnipCpf),
                    "prefix {n}: {e}"
                );
                assert_truncated(&e, e.layer.unwrap_or(Layer::Cip), &format!("prefix {n}"));
            }
            Ok((_, b)) => assert!(
                open_ended || !b.violations.is_empty() || (n == 0 && b.cpf().is_none()),
                "prefix {n} of {data:02x?} parsed with no flag: {b:?}"
            ),
            Err(e) => panic!("prefix {n}: {e:?}"),
        }
    }
    let p = packet(command, 1, data);
    for n in 0..p.len() {
        let r = parse_encapsulation(&p[..n]);
        assert!(
            matches!(r, Parsed::NeedMore(k) if k >= 1 && n + k <= p.len()),
            "packet prefix {n}: {r:?}"
        );
    }
}

/// Every truncated prefix of a CIP message fails cleanly: a `Truncated`
/// error in layer `Cip`, or a flagged parse; `open_ended` messages end in
/// free-form data, so shorter ones may parse clean (but only once the
/// path or status is whole).
fn assert_cip_prefixes(msg: &[u8], context: Option<&ReplyContext>, open_ended: bool) {
    let is_request = msg.first().is_some_and(|s| s & 0x80 == 0);
    for n in 0..msg.len() {
        let prefix = &msg[..n];
        let parsed = if is_request {
            parse_cip_request(prefix).map(|(_, r)| CipMessage::Request(r))
        } else if let Some(c) = context {
            parse_cip_reply_to(prefix, c).map(|(_, r)| CipMessage::Response(r))
        } else {
            parse_cip_response(prefix).map(|(_, r)| CipMessage::Response(r))
        };
        match parsed {
            Err(nom::Err::Error(e)) => {
                assert_truncated(&e, Layer::Cip, &format!("prefix {n} of {msg:02x?}"));
                assert!(e.offset <= n, "prefix {n}: {e}");
            }
            Ok(m) => assert!(
                open_ended || !m.violations().is_empty(),
                "prefix {n} of {msg:02x?} parsed with no flag: {m:?}"
            ),
            Err(e) => panic!("prefix {n}: {e:?}"),
        }
        // The reference's view of the same prefix never panics.
        if let Ok(m) = cip::Message::new(prefix) {
            read_cip(&m);
        }
    }
}

/// Reads everything of a CIP message view.
fn read_cip(m: &cip::Message<'_>) {
    let _ = (m.path(), m.status(), m.routed(), m.data(), m.path_bytes());
    assert!(m.len() <= m.as_bytes().len());
    if let Some(multi) = m.multiple() {
        assert_eq!(multi.offsets().len(), usize::from(multi.count()));
        assert!(multi.embedded().count() <= 255);
    }
}
