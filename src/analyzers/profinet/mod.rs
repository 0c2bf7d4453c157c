//! The PROFINET IO context management analyzer: connectionless DCE/RPC
//! (protocol version 4) datagrams on UDP, as the events of
//! `crate::event::profinet`, which `profinet_io_cm.log` (CISA
//! ICSNPP-profinet-io-cm) projects: one row per datagram whose header
//! reads.
//!
//! PNIO-CM has no fixed port pair: an IO controller sends its Connect to
//! the device's port 34964, the device answers from an ephemeral port,
//! and the rest of the application relation runs between ephemeral
//! ports. So a UDP flow gets this analyzer when its first datagram opens
//! like a connectionless DCE/RPC PDU (`dcerpc::probe`, the reference's
//! signature), whatever its ports.

pub mod dcp;
pub mod rt;

use super::{Analyzer, Context};
use crate::decode::Layer2;
use crate::time::Ts;
use otwatch_parsers::profinet::{self as pn, FrameKind};

/// The PROFINET frames of layer 2 (EtherType 0x8892), which the capture
/// thread hands over (they have no flow to shard by): DCP frames are
/// events, cyclic I/O frames are summarised per stream and interval;
/// alarms and the rest are not read.
#[derive(Debug, Default)]
pub struct Layer2Reader {
    rt: rt::Rt,
}

impl Layer2Reader {
    pub fn frame(&mut self, ts: Ts, f: &Layer2<'_>, out: &mut dyn FnMut(Event)) {
        let Some((frame_id, rest)) = pn::frame_id(f.payload) else {
            return;
        };
        match FrameKind::of(frame_id) {
            FrameKind::Dcp => dcp::frame(ts, f, frame_id, rest, out),
            k if k.is_cyclic() => self.rt.frame(ts, f, frame_id, rest, out),
            _ => {}
        }
    }

    /// Time passes (the capture's clock): summaries of a finished
    /// interval go out.
    pub fn expire(&mut self, now: Ts, out: &mut dyn FnMut(Event)) {
        self.rt.expire(now, out);
    }

    /// The end of the input.
    pub fn finish(&mut self, out: &mut dyn FnMut(Event)) {
        self.rt.finish(out);
    }
}
use crate::event::profinet::Rpc;
use crate::event::{Event, Sent};
use crate::flow::Dir;
use otwatch_parsers::dcerpc;

/// The PNIO-CM endpoint mapper port (IEC 61158-6-10).
pub const PORT: u16 = 34964;
/// The conn.log service name.
pub const SERVICE: &str = "profinet_io_cm";

/// Whether a UDP flow whose first datagram is `first` is PNIO-CM: a
/// connectionless DCE/RPC header on the PNIO port, or one that names a
/// PNIO interface (a device's answer from an ephemeral port, a request to
/// one).
pub fn probe(first: &[u8], ports: (u16, u16)) -> bool {
    dcerpc::probe(first) && (ports.0 == PORT || ports.1 == PORT || dcerpc::is_pnio(first))
}

/// One UDP flow's PNIO-CM state (none: each datagram stands alone).
#[derive(Debug, Default)]
pub struct PnioCm;

impl Analyzer for PnioCm {
    fn on_data(&mut self, dir: Dir, data: &[u8], cx: &mut Context<'_>) {
        match dcerpc::parse_pdu(data) {
            Ok(p) => {
                cx.confirm(SERVICE);
                cx.event(Event::PnioCm(Box::new(Rpc {
                    sent: Sent {
                        ts: cx.ts,
                        id: cx.id.clone(),
                        dir,
                    },
                    header: p.header,
                })));
            }
            Err(e) => cx.weird(
                "profinet_io_cm_invalid_pdu",
                Some(e.to_string()),
                "PROFINET_IO_CM",
            ),
        }
    }

    fn on_gap(&mut self, _dir: Dir, _len: u64, _cx: &mut Context<'_>) {}

    fn on_eof(&mut self, _cx: &mut Context<'_>) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::testkit::Harness;

    /// A Connect request's header (big-endian) with a short body.
    fn connect() -> Vec<u8> {
        let mut h = vec![4, 0, 0x20, 0, 0, 0, 0, 0];
        h.extend([
            0xDE, 0xA0, 0, 0, 0x6C, 0x97, 0x11, 0xD1, 0x82, 0x71, 0, 1, 0, 3, 1, 0x5A,
        ]);
        h.extend([
            0xDE, 0xA0, 0, 1, 0x6C, 0x97, 0x11, 0xD1, 0x82, 0x71, 0, 0xA0, 0x24, 0x42, 0xDF, 0x7D,
        ]);
        h.extend([0x13; 16]);
        h.extend([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
        h.extend([0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 4, 0, 0, 0, 0]);
        h.extend([1, 2, 3, 4]);
        h
    }

    #[test]
    fn each_datagram_is_a_row() {
        let mut h = Harness::new();
        h.id.ip_proto = 17;
        h.id.resp_p = PORT;
        let mut a = PnioCm;
        assert!(probe(&connect(), (40000, PORT)));
        assert!(probe(&connect(), (40000, 50000)), "the device interface");
        let mut other = connect();
        other[24] = 0x12;
        assert!(
            !probe(&other, (40000, 50000)),
            "another interface, another port"
        );
        assert!(probe(&other, (40000, PORT)));
        h.feed(&mut a, Dir::Orig, &connect());
        h.feed(&mut a, Dir::Orig, &connect());
        assert_eq!(h.services, vec![SERVICE]);
        let rows = h.rows("profinet_io_cm");
        assert_eq!(rows.len(), 2);
        assert_eq!(
            &rows[0][10..14],
            ["udp", "4", "Request", "F"],
            "{:?}",
            rows[0]
        );
        assert_eq!(rows[0][26], "DEA00000-6C97-11D1-8271-00010003015A");
        assert_eq!(rows[0][33], "Connect");
        // A datagram too short for its header: a weird, no row.
        h.feed(&mut a, Dir::Resp, &connect()[..40]);
        assert_eq!(h.rows("profinet_io_cm").len(), 2);
        assert_eq!(h.weird_names(), vec!["profinet_io_cm_invalid_pdu"]);
    }
}
