//! Cross-cutting tests of the EtherNet/IP grammar. The lax view, the
//! reference's reading: one annotated message per encapsulation command
//! (`commands`), per CPF item (`items`), the CIP message view with the
//! reference's quirks (`view`), split and joined messages (`framing`), the
//! real packets of the reference trace against the values the reference
//! logs (`corpus`). The checked form: CIP requests and replies
//! (`messages`), EPATH (`epath`), Multiple_Service_Packet (`msp`),
//! Unconnected_Send (`unconnected`), Forward_Open / Forward_Close
//! (`connection`). And property tests over both (`props`).

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

use super::cip::{
    parse_cip, parse_cip_reply_to, parse_cip_request, parse_cip_response, Checked as CipMessage,
    ReplyContext, Request as CipRequest, Response as CipResponse,
};
use super::*;
use crate::{Error, ErrorKind, Layer};

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

/// The view of a whole message that its checked form finds well-formed.
fn whole(p: &[u8]) -> Message<'_> {
    let m = Message::new(p).unwrap_or_else(|e| panic!("{e} in {p:02x?}"));
    assert_eq!(m.header().packet_len(), p.len(), "{p:02x?}");
    match m.check() {
        Ok(v) => assert!(v.is_empty(), "{v:?} in {p:02x?}"),
        Err(e) => panic!("{e} in {p:02x?}"),
    }
    m
}

/// The items of a message's CPF as the reference reads them, all read.
fn items<'a>(m: &Message<'a>, from_target: bool) -> Vec<Item<'a>> {
    let list = match m.body(from_target) {
        Body::List(items) => items,
        Body::SendData(Ok(s)) => s.items,
        other => panic!("no items: {other:?}"),
    };
    list.map(|i| i.unwrap_or_else(|e| panic!("{e}"))).collect()
}

/// The CIP message the first data item of a message carries, with its
/// sequence count (connected data), if there is one.
fn cip_of<'a>(m: &Message<'a>, from_target: bool) -> Option<(Option<u16>, cip::Message<'a>)> {
    items(m, from_target).into_iter().find_map(|i| match i {
        Item::ConnectedData {
            sequence_count,
            message,
        } => Some((Some(sequence_count), message)),
        Item::UnconnectedData(message) => Some((None, message)),
        _ => None,
    })
}

/// The CIP message the first data item of a message carries.
fn carried<'a>(m: &Message<'a>, from_target: bool) -> (Option<u16>, cip::Message<'a>) {
    cip_of(m, from_target).unwrap_or_else(|| panic!("no CIP message in {m:?}"))
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

/// Reads everything the lax view offers of a message, both directions:
/// the body, every item, every CIP message's path, status, services and
/// carried request. Returns the first error, if any (the walk stops there).
fn read_all(m: &Message<'_>, from_target: bool) -> Result<usize, Error> {
    let list = match m.body(from_target) {
        Body::List(items) => items,
        Body::SendData(s) => s?.items,
        Body::RegisterSession(r) => return r.map(|_| 0),
        Body::Empty | Body::Other(_) => return Ok(0),
    };
    let mut n = 0;
    for item in list {
        n += 1;
        match item? {
            Item::ConnectedData { message, .. }
            | Item::UnconnectedData(message)
            | Item::UnconnectedDtls { message, .. } => read_cip(&message),
            _ => {}
        }
    }
    Ok(n)
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

/// Every truncated prefix of a message fails cleanly: the view needs the
/// header, the checked form says `Truncated` (the data the length field
/// announces is missing), and the lax reading either ends in a clean
/// `Truncated` or reads what is there.
fn assert_message_prefixes(p: &[u8]) {
    for n in 0..p.len() {
        let prefix = &p[..n];
        let m = match Message::new(prefix) {
            Ok(m) => m,
            Err(e) => {
                assert!(n < HEADER_LEN, "prefix {n}: {e}");
                assert_truncated(&e, Layer::EnipEncapsulation, &format!("prefix {n}"));
                continue;
            }
        };
        match m.check() {
            Err(e) => {
                assert_truncated(&e, Layer::EnipEncapsulation, &format!("prefix {n}"));
                assert_eq!(e.offset, HEADER_LEN);
            }
            Ok(v) => panic!("prefix {n} of {p:02x?} checked: {v:?}"),
        }
        for from_target in [false, true] {
            if let Err(e) = read_all(&m, from_target) {
                assert!(
                    matches!(e.kind, ErrorKind::Truncated { needed, got } if got < needed),
                    "prefix {n}: {e:?}"
                );
                assert!(e.offset <= n, "prefix {n}: {e}");
            }
        }
    }
}

/// Every truncated prefix of a CIP message fails cleanly in the checked
/// form: a `Truncated` error in layer `Cip`, or a flagged parse;
/// `open_ended` messages end in free-form data, so shorter ones may parse
/// clean (but only once the path or status is whole).
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
        // The lax view of the same prefix never panics.
        if let Ok(m) = cip::Message::new(prefix) {
            read_cip(&m);
        }
    }
}
