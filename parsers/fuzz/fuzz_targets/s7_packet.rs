//! Fuzzes the ISO-on-TCP / S7comm parse functions: TPKT framing of a
//! stream, every COTP TPDU and its parameters, and every S7comm PDU with
//! the items, data items and SZL entries an analyzer reads, and the
//! S7comm-plus header. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch_parsers::s7::s7comm::{Data, Message, Parameter, Szl};
use otwatch_parsers::s7::{cotp, parse_packet, parse_tsdu, plus, tpkt, Parsed, Payload};

fn message(m: &Message<'_>) {
    let _ = m.violations.names().count();
    let _ = (
        m.header.rosctr(),
        m.header.pdu_len(),
        m.parameter.function(),
    );
    match m.parameter {
        Parameter::ReadVar(p) | Parameter::WriteVar(p) => {
            for item in p.items {
                let _ = format!("{item:?}");
            }
        }
        Parameter::StartUpload(t) | Parameter::RequestDownload(t) | Parameter::DownloadBlock(t) => {
            let _ = t.filename.map(|f| f.block());
        }
        Parameter::Userdata(u) => {
            let _ = (u.kind(), u.group(), u.is_read_szl());
        }
        _ => {}
    }
    match m.data {
        Data::Items(items) => {
            let _ = items
                .iter()
                .map(|i| (i.return_code(), i.data.len()))
                .count();
        }
        Data::Userdata(d) => {
            if let Some(Szl::List(list)) = d.szl {
                let _ = list.iter().count();
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = tpkt::probe(data);
    // Walk the stream packet by packet, as the analyzer does.
    let mut rest = data;
    while let Parsed::Complete(p) = parse_packet(rest) {
        let _ = p.violations().names().count();
        if let Ok(t) = &p.cotp {
            let _ = (
                t.pdu_type(),
                t.params.iter().count(),
                t.params.tpdu_size_octets(),
            );
            let _ = (t.params.calling_tsap(), t.params.called_tsap());
        }
        match &p.payload {
            Payload::S7comm(Ok(m)) => message(m),
            Payload::S7comm(Err(e)) => {
                let _ = e.to_string();
            }
            Payload::S7commPlus(d) => {
                let _ = plus::parse_header(d).map_err(|e| e.to_string());
            }
            _ => {}
        }
        if p.consumed == 0 || p.consumed > rest.len() {
            break;
        }
        rest = &rest[p.consumed..];
    }
    // The layers on their own, as after reassembly of a fragmented PDU.
    if let Ok((_, t)) = cotp::parse_tpdu(data) {
        let _ = otwatch_parsers::s7::payload(&t);
    }
    if let Payload::S7comm(Ok(m)) = parse_tsdu(data) {
        message(&m);
    }
    let _ = plus::parse_header(data);
});
