//! PROFINET DCP (discovery and basic configuration) at layer 2: each frame
//! of the DCP frame ids (Hello, Get/Set, Identify request and response) as
//! a [`Dcp`] event. A frame stands alone: this reader keeps no state.

use crate::decode::Layer2;
use crate::event::profinet::{Dcp, DcpDevice};
use crate::event::{Event, Weird, WeirdScope};
use crate::id::format_mac;
use crate::time::Ts;
use otwatch_parsers::profinet::dcp;

/// Reads the DCP frame `frame_id` of `f` whose octets after the frame id
/// are `rest`: an event, or a weird when it is too short for its header.
pub fn frame(ts: Ts, f: &Layer2<'_>, frame_id: u16, rest: &[u8], out: &mut dyn FnMut(Event)) {
    match dcp::parse(frame_id, rest) {
        Ok(p) => {
            let e = event(ts, f, &p);
            if e.more_blocks > 0 {
                out(Event::Weird(Box::new(Weird {
                    ts,
                    scope: WeirdScope::None,
                    name: "profinet_dcp_too_many_blocks",
                    addl: Some(format!(
                        "{} blocks past the first {} not read, from {}",
                        e.more_blocks,
                        dcp::MAX_BLOCKS,
                        format_mac(f.src)
                    )),
                    source: "PROFINET_DCP",
                })));
            }
            out(Event::Dcp(Box::new(e)));
        }
        Err(e) => out(Event::Weird(Box::new(Weird {
            ts,
            scope: WeirdScope::None,
            name: "profinet_dcp_truncated",
            addl: Some(format!("{} from {}", e, format_mac(f.src))),
            source: "PROFINET_DCP",
        }))),
    }
}

fn event(ts: Ts, f: &Layer2<'_>, p: &dcp::Frame<'_>) -> Dcp {
    let (options, more_blocks) = match &p.data {
        dcp::Data::Blocks { blocks, more } => (
            blocks.iter().map(|b| (b.option, b.suboption)).collect(),
            *more,
        ),
        dcp::Data::Get(pairs) => (pairs.clone(), 0),
    };
    let d = dcp::device(p);
    Dcp {
        ts,
        src: f.src,
        dst: f.dst,
        vlan: f.vlan,
        frame_id: p.frame_id,
        header: p.header,
        options,
        more_blocks,
        truncated: p.truncated,
        device: DcpDevice {
            name_of_station: d.name_of_station.map(<[u8]>::to_vec),
            type_of_station: d.type_of_station.map(<[u8]>::to_vec),
            ip: d.ip,
            vendor_id: d.vendor_id,
            device_id: d.device_id,
            role: d.role,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An Identify response of a VersaMax PNS module (frame 466 of
    /// `pcaps/profinet_io_cm_mixed_1.pcap`, after the Ethernet header).
    pub(crate) const IDENTIFY_RESPONSE: &[u8] = &[
        0xfe, 0xff, 0x05, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x64, 0x02, 0x02, 0x00,
        0x10, 0x00, 0x00, 0x76, 0x65, 0x72, 0x73, 0x61, 0x6d, 0x61, 0x78, 0x2d, 0x70, 0x6e, 0x73,
        0x31, 0x31, 0x02, 0x05, 0x00, 0x0e, 0x00, 0x00, 0x01, 0x02, 0x02, 0x01, 0x02, 0x02, 0x02,
        0x03, 0x02, 0x04, 0x06, 0x01, 0x02, 0x01, 0x00, 0x0d, 0x00, 0x00, 0x49, 0x43, 0x32, 0x30,
        0x30, 0x50, 0x4e, 0x53, 0x30, 0x30, 0x31, 0x00, 0x02, 0x03, 0x00, 0x06, 0x00, 0x00, 0x01,
        0x5a, 0x00, 0x03, 0x02, 0x04, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00, 0x01, 0x02, 0x00, 0x0e,
        0x00, 0x01, 0xc0, 0xa8, 0x01, 0x02, 0xff, 0xff, 0xff, 0x00, 0xc0, 0xa8, 0x01, 0x02, 0x06,
        0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,
    ];

    fn read(payload: &[u8]) -> Vec<Event> {
        let f = Layer2 {
            src: [0, 0x09, 0x91, 0x43, 0xe0, 0x67],
            dst: [0, 0xa0, 0x45, 0x6d, 0xd3, 0x43],
            vlan: 0,
            ether_type: otwatch_parsers::profinet::ETHERTYPE,
            payload,
            cut: false,
        };
        let mut out = Vec::new();
        super::super::Layer2Reader::default().frame(Ts(1), &f, &mut |e| out.push(e));
        out
    }

    #[test]
    fn an_identify_response_tells_of_its_device() {
        let events = read(IDENTIFY_RESPONSE);
        let [Event::Dcp(d)] = &events[..] else {
            panic!("{events:?}")
        };
        assert!(d.is_self_description() && !d.is_set_request());
        assert_eq!(d.header.xid, 1);
        assert_eq!(
            d.device.name_of_station.as_deref(),
            Some(&b"versamax-pns11"[..])
        );
        assert_eq!(
            d.device.type_of_station.as_deref(),
            Some(&b"IC200PNS001"[..])
        );
        assert_eq!(
            (d.device.vendor_id, d.device.device_id),
            (Some(0x015a), Some(3))
        );
        assert_eq!(d.device.role, Some(1));
        assert_eq!(d.device.ip.map(|i| i.address), Some([192, 168, 1, 2]));
        assert_eq!(d.options.len(), 7);
    }

    #[test]
    fn blocks_past_the_cap_are_counted_in_a_weird() {
        // A Hello of 40 empty blocks (option 2, suboption 5).
        let mut f = vec![0xfe, 0xfc, 6, 0, 0, 0, 0, 1, 0, 0, 0, 160];
        for _ in 0..40 {
            f.extend_from_slice(&[2, 5, 0, 0]);
        }
        let events = read(&f);
        let [Event::Weird(w), Event::Dcp(d)] = &events[..] else {
            panic!("{events:?}")
        };
        assert_eq!(w.name, "profinet_dcp_too_many_blocks");
        assert_eq!((d.options.len(), d.more_blocks), (dcp::MAX_BLOCKS, 8));
    }

    #[test]
    fn cyclic_frames_give_nothing_and_a_cut_header_a_weird() {
        assert!(read(&[0xc0, 0x01, 1, 2, 3, 4, 5, 6]).is_empty());
        let events = read(&IDENTIFY_RESPONSE[..8]);
        let [Event::Weird(w)] = &events[..] else {
            panic!("{events:?}")
        };
        assert_eq!(w.name, "profinet_dcp_truncated");
    }
}
