//! Fuzzes the connectionless DCE/RPC parser (PROFINET IO context
//! management): one UDP datagram, its header in either byte order, a
//! FACK's body. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch_parsers::dcerpc::{parse_pdu, probe};

fuzz_target!(|data: &[u8]| {
    let _ = probe(data);
    match parse_pdu(data) {
        Ok(p) => {
            let h = &p.header;
            let _ = (h.packet_type(), h.integer_encoding(), p.body.len());
            if let Some(f) = &h.fack {
                let _ = f.selective_acks.iter().count();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
