//! Fuzzes the EtherNet/IP entry points: encapsulation framing and command
//! data, the CIP message inside, its expansions (Multiple Service Packet,
//! Unconnected Send), and implicit I/O datagrams. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch_parsers::enip::{parse_encapsulation, parse_io, Parsed};

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Parsed::Complete(p) = parse_encapsulation(rest) {
        let _ = p.violations().names().count();
        if let Some(Ok(m)) = p.cip() {
            let _ = format!("{m:?}");
        }
        if p.consumed == 0 || p.consumed > rest.len() {
            break;
        }
        rest = &rest[p.consumed..];
    }
    let _ = parse_io(data);
});
