//! Property tests: arbitrary bytes never panic any entry point of the view
//! or of the checked form, every lazy part of a message (CPF items, the
//! CIP message's path, status, services and carried request; the checked
//! form's path segments, embedded Multiple_Service_Packet services, the
//! Unconnected_Send request) can be walked without panicking, and errors
//! are always clean.

use super::*;
use crate::enip::cip::{ReplyContext, RequestBody, ResponseBody, Target};
use proptest::collection::vec;
use proptest::prelude::*;

/// Encapsulation commands, to steer random data into every body parser.
const COMMANDS: [u16; 11] = [
    0x0000, 0x0004, 0x0063, 0x0064, 0x0065, 0x0066, 0x006F, 0x0070, 0x0072, 0x0073, 0x00C8,
];

/// Service bytes with typed bodies, in both directions.
const SERVICES: [u8; 9] = [0x01, 0x0A, 0x0E, 0x4C, 0x4E, 0x52, 0x54, 0x5B, 0x10];

/// Request paths that select the typed bodies.
const PATHS: [&[u8]; 5] = [
    &[0x20, 0x06, 0x24, 0x01], // Connection Manager
    &[0x20, 0x02, 0x24, 0x01], // Message Router
    &[0x20, 0x01, 0x24, 0x01], // Identity
    &[0x91, 0x02, b'A', b'B'], // a Logix tag
    &[0x21, 0x00, 0x06, 0x00], // Connection Manager, 16-bit class
];

fn contexts() -> Vec<ReplyContext> {
    let t = |service, class, instance| Target {
        service,
        class,
        instance,
    };
    let mut out = vec![ReplyContext::default()];
    for s in SERVICES {
        for class in [Some(6), Some(1), Some(0x6B), None] {
            out.push(ReplyContext {
                request: t(s, class, Some(1)),
                routed: None,
            });
        }
    }
    out.push(ReplyContext {
        request: t(0x52, Some(6), Some(1)),
        routed: Some(t(0x54, Some(6), Some(1))),
    });
    out
}

fn check_error(e: &Error, layer: Layer, len: usize) {
    assert_eq!(e.layer, Some(layer), "{e}");
    assert!(
        matches!(
            e.kind,
            ErrorKind::Truncated { needed, got } if got < needed
        ) || matches!(e.kind, ErrorKind::Invalid { .. }),
        "{e:?}"
    );
    assert!(e.offset <= len, "{e} past {len}");
}

fn walk_path(p: &cip::EPath<'_>, len: usize) {
    let _ = (p.class(), p.instance(), p.attribute(), p.member());
    let _ = (p.connection_point(), p.is_symbolic(), p.symbols().count());
    let mut bad = false;
    for s in p.segments() {
        if let Err(e) = s {
            check_error(&e, Layer::Cip, len);
            bad = true;
        }
    }
    assert_eq!(bad, p.violations.contains(Violations::INVALID_PATH_SEGMENT));
}

fn walk_request(r: &CipRequest<'_>, len: usize, depth: u8) {
    let _ = (r.naming_class(), r.context());
    walk_path(&r.path, len);
    match r.body {
        RequestBody::MultipleServicePacket(m) => {
            let _ = (m.offsets().count(), m.slices().count());
            for s in m.iter() {
                match s {
                    Ok(s) if depth < 4 => walk_request(&s, len, depth + 1),
                    Ok(_) => {}
                    Err(e) => check_error(&e, Layer::Cip, len),
                }
            }
        }
        RequestBody::UnconnectedSend(u) => {
            let _ = u.timeout_ms();
            walk_path(&u.route_path, len);
            match u.request() {
                Ok(inner) if depth < 4 => walk_request(&inner, len, depth + 1),
                Ok(_) => {}
                Err(e) => check_error(&e, Layer::Cip, len),
            }
        }
        RequestBody::ForwardOpen(f) => {
            walk_path(&f.connection_path, len);
            for p in [f.o_t_parameters, f.t_o_parameters] {
                let _ = (
                    p.size(),
                    p.priority(),
                    p.connection_type(),
                    p.has_reserved(),
                );
            }
            let _ = (f.transport.class(), f.transport.trigger());
        }
        RequestBody::ForwardClose(f) => walk_path(&f.connection_path, len),
        RequestBody::Data(_) => {}
    }
}

fn walk_response(r: &CipResponse<'_>, len: usize) {
    let _ = r.extended_status();
    let _ = r.additional_status.iter().count();
    if let ResponseBody::MultipleServicePacket(m) = r.body {
        for s in m.iter() {
            match s {
                Ok(s) => walk_response(&s, len),
                Err(e) => check_error(&e, Layer::Cip, len),
            }
        }
        for s in m.slices().flatten() {
            for c in contexts().iter().take(6) {
                let _ = parse_cip_reply_to(s, c);
            }
        }
    }
    if let ResponseBody::Identity(a) = r.body {
        let _ = a.identity.product_name_lossy();
    }
}

fn check_cip(msg: &[u8]) {
    match parse_cip(msg) {
        Ok((rest, m)) => {
            assert!(rest.is_empty());
            match m {
                CipMessage::Request(r) => walk_request(&r, msg.len(), 0),
                CipMessage::Response(r) => walk_response(&r, msg.len()),
            }
        }
        Err(nom::Err::Error(e)) => check_error(&e, Layer::Cip, msg.len()),
        Err(e) => panic!("{e:?}"),
    }
    match parse_cip_request(msg) {
        Ok((_, r)) => walk_request(&r, msg.len(), 0),
        Err(nom::Err::Error(e)) => check_error(&e, Layer::Cip, msg.len()),
        Err(e) => panic!("{e:?}"),
    }
    for c in contexts() {
        match parse_cip_reply_to(msg, &c) {
            Ok((_, r)) => walk_response(&r, msg.len()),
            Err(nom::Err::Error(e)) => check_error(&e, Layer::Cip, msg.len()),
            Err(e) => panic!("{e:?}"),
        }
    }
    let _ = parse_cip_response(msg);
    let _ = cip::parse_path(msg).map(|(_, p)| walk_path(&p, msg.len()));
}

/// The view and the checked form of a message: no panic, clean errors.
fn check_message(buf: &[u8]) {
    let m = match Message::new(buf) {
        Ok(m) => m,
        Err(e) => {
            check_error(&e, Layer::EnipEncapsulation, buf.len());
            return;
        }
    };
    let _ = m.header().packet_len();
    if let Err(e) = m.check() {
        assert!(e.offset <= buf.len(), "{e} past {}", buf.len());
        assert!(
            matches!(e.kind, ErrorKind::Truncated { needed, got } if got < needed)
                || matches!(e.kind, ErrorKind::TooLong { .. }),
            "{e:?}"
        );
    }
    for from_target in [false, true] {
        if let Err(e) = read_all(&m, from_target) {
            assert!(
                matches!(e.kind, ErrorKind::Truncated { needed, got } if got < needed),
                "{e:?}"
            );
            assert!(e.offset <= buf.len(), "{e} past {}", buf.len());
        }
        if let Some((_, c)) = lax_cip(&m, from_target) {
            check_cip(c.as_bytes());
        }
    }
}

/// The first CIP message the view reads in a message, if any.
fn lax_cip<'a>(m: &Message<'a>, from_target: bool) -> Option<(Option<u16>, cip::Message<'a>)> {
    let items = match m.body(from_target) {
        Body::List(items) => items,
        Body::SendData(Ok(s)) => s.items,
        _ => return None,
    };
    items.map_while(Result::ok).find_map(|i| match i {
        Item::ConnectedData {
            sequence_count,
            message,
        } => Some((Some(sequence_count), message)),
        Item::UnconnectedData(message) | Item::UnconnectedDtls { message, .. } => {
            Some((None, message))
        }
        _ => None,
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(buf in vec(any::<u8>(), 0..400)) {
        let _ = (looks_like_encapsulation(&buf), is_io(&buf));
        check_message(&buf);
        for c in COMMANDS {
            check_message(&packet(c, 1, &buf));
        }
        if let Ok(io) = Datagram::new(&buf) {
            let _ = io.check();
            let _ = (io.split(true, true), io.split(true, false));
            prop_assert!(io.data().len() <= buf.len());
        }
        if let Ok(m) = cip::Message::new(&buf) {
            read_cip(&m);
            let _ = m.check();
        }
        let _ = parse_identity(&buf);
        check_cip(&buf);
    }

    #[test]
    fn steered_cip_messages_never_panic(
        service in prop::sample::select(&SERVICES[..]),
        reply in any::<bool>(),
        path in prop::sample::select(&PATHS[..]),
        tail in vec(any::<u8>(), 0..120),
    ) {
        let mut msg = if reply {
            vec![service | 0x80, 0x00, tail.first().copied().unwrap_or(0) & 1, 0x00]
        } else {
            let mut m = vec![service, 2];
            m.extend_from_slice(path);
            m
        };
        msg.extend_from_slice(&tail);
        check_cip(&msg);
        // The same message inside SendRRData, both ways.
        check_message(&packet(command::SEND_RR_DATA, 1, &rr_data(&msg)));
    }

    #[test]
    fn steered_packets_never_panic(
        command in prop::sample::select(&COMMANDS[..]),
        data in vec(any::<u8>(), 0..200),
    ) {
        let p = packet(command, 1, &data);
        let Ok(m) = Message::new(&p) else {
            panic!("a packet has its header");
        };
        prop_assert_eq!(m.header().packet_len(), p.len());
        if let Err(e) = m.check() {
            prop_assert!(e.offset >= HEADER_LEN && e.offset <= p.len(), "{}", e);
        }
        check_message(&p);
    }

    #[test]
    fn cpf_with_steered_item_types_never_panics(
        items in vec((prop::sample::select(&[0x0000u16, 0x000C, 0x00A1, 0x00B1, 0x00B2, 0x0100, 0x8000, 0x8001, 0x8002][..]), vec(any::<u8>(), 0..60)), 0..4),
        extra in 0u16..3,
    ) {
        let mut b = u16::try_from(items.len()).unwrap_or(0).saturating_add(extra).to_le_bytes().to_vec();
        for (t, d) in &items {
            b.extend_from_slice(&t.to_le_bytes());
            b.extend_from_slice(&u16::try_from(d.len()).unwrap_or(0).to_le_bytes());
            b.extend_from_slice(d);
        }
        let p = packet(command::LIST_INTERFACES, 1, &b);
        let Ok(m) = Message::new(&p) else { panic!() };
        match m.check() {
            Ok(v) => prop_assert_eq!(v.contains(Violations::ITEM_COUNT_MISMATCH), extra > 0),
            // Only a carried CIP message too short for its fixed fields.
            Err(e) => prop_assert_eq!(e.layer, Some(Layer::Cip)),
        }
        let Body::List(list) = m.body(true) else { panic!() };
        let count = u16::try_from(items.len()).unwrap_or(0).saturating_add(extra);
        prop_assert_eq!(list.item_count(), Some(count));
        prop_assert!(list.take_while(Result::is_ok).count() <= usize::from(count));
        check_message(&p);
    }
}
