//! Fuzzes the EtherNet/IP grammar: the view of a delivery as the analyzer
//! reads it (header, command data both ways, every CPF item, each CIP
//! message's path, status, Multiple Service Packet services and carried
//! request), the I/O datagram view, and the checked forms of all of them
//! (framing and item checks, typed CIP service data). Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch_parsers::enip::{cip, is_io, looks_like_encapsulation, Body, Datagram, Item, Message};

fn cip_message(m: &cip::Message<'_>) {
    let _ = (m.path(), m.status(), m.routed(), m.data(), m.len());
    if let Some(multi) = m.multiple() {
        let _ = multi.embedded().count();
    }
    if let Ok(checked) = m.check() {
        let _ = format!("{checked:?}");
        let _ = checked.violations().names().count();
    }
    let context = cip::ReplyContext {
        request: cip::Target {
            service: m.code(),
            class: Some(6),
            instance: Some(1),
        },
        routed: None,
    };
    let _ = m.check_reply_to(&context);
}

fuzz_target!(|data: &[u8]| {
    let _ = looks_like_encapsulation(data);
    if is_io(data) {
        if let Ok(d) = Datagram::new(data) {
            let _ = d.check().names().count();
            let _ = d.split(true, true);
        }
    }
    // A stream of messages, each read from its first byte as the analyzer
    // reads a delivery, and cut where its length field says.
    let mut rest = data;
    while let Ok(m) = Message::new(rest) {
        let _ = m.check().map(|v| v.names().count());
        for from_target in [false, true] {
            let items = match m.body(from_target) {
                Body::List(items) => items,
                Body::SendData(Ok(s)) => s.items,
                _ => continue,
            };
            for item in items {
                match item {
                    Ok(Item::ConnectedData { message, .. })
                    | Ok(Item::UnconnectedData(message))
                    | Ok(Item::UnconnectedDtls { message, .. }) => cip_message(&message),
                    Ok(other) => {
                        let _ = format!("{other:?}");
                    }
                    Err(_) => break,
                }
            }
        }
        let len = m.header().packet_len();
        if len > rest.len() {
            break;
        }
        rest = &rest[len..];
    }
    if let Ok(m) = cip::Message::new(data) {
        cip_message(&m);
    }
});
