//! Fuzzes the PROFINET layer-2 readers: the frame id, a cyclic frame's
//! trailer, a DCP frame's header and blocks, and the device facts read
//! from them. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otwatch_parsers::profinet::{dcp, frame_id, rt_trailer, FrameKind};

fuzz_target!(|data: &[u8]| {
    let Some((id, rest)) = frame_id(data) else {
        return;
    };
    match FrameKind::of(id) {
        FrameKind::Dcp => {
            if let Ok(f) = dcp::parse(id, rest) {
                let d = dcp::device(&f);
                let _ = (d.name_of_station.map(<[u8]>::len), d.ip, f.header.is_response());
            }
        }
        k if k.is_cyclic() => {
            let _ = rt_trailer(rest).map(|t| (t.provider_running(), t.data_valid()));
        }
        _ => {
            let _ = dcp::parse(id, rest).map_err(|e| e.to_string());
        }
    }
});
