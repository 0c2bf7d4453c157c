//! PROFINET cyclic real-time I/O (RT classes 1–3) at layer 2, summarised:
//! a device and its controller exchange a frame every few milliseconds,
//! too many to log one by one, so each stream (sender, receiver, VLAN,
//! frame id) becomes one [`RtSummary`] per interval of traffic time:
//! frames and octets, the cycle counter and the frames it says were
//! missed, the data status and its changes, frames of a provider in STOP
//! and of invalid data.

use crate::decode::Layer2;
use crate::event::profinet::RtSummary;
use crate::event::{Event, Weird, WeirdScope};
use crate::time::Ts;
use otwatch_parsers::profinet;
use std::collections::HashMap;

/// The summary interval: one row per stream per minute of traffic.
pub const INTERVAL_US: i64 = 60_000_000;
/// Streams summarised at once; frames of more are counted in a weird.
pub const MAX_STREAMS: usize = 4096;
/// The cycle counter's wrap: 65,536 units of 31.25 µs.
const WRAP_US: i64 = 2_048_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    src: [u8; 6],
    dst: [u8; 6],
    vlan: u16,
    frame_id: u16,
}

#[derive(Debug)]
struct Stream {
    /// This interval's summary (`frames` 0: no frame yet).
    now: RtSummary,
    /// The cycle counter and data status of the last frame, across
    /// intervals.
    last_cycle: u16,
    last_status: u8,
    last_ts: Ts,
    step: Option<u16>,
}

/// The cyclic streams of a capture.
#[derive(Debug, Default)]
pub struct Rt {
    streams: HashMap<Key, Stream, foldhash::fast::RandomState>,
    /// When the current interval ends.
    window_end: Option<i64>,
    /// Frames of streams the table had no room for, this interval.
    unsummarised: u64,
}

impl Rt {
    /// One cyclic frame of `frame_id` whose octets after the frame id are
    /// `data`.
    pub fn frame(
        &mut self,
        ts: Ts,
        f: &Layer2<'_>,
        frame_id: u16,
        data: &[u8],
        out: &mut dyn FnMut(Event),
    ) {
        self.expire(ts, out);
        // A frame the snaplen cut has lost its trailer.
        let Some(t) = profinet::rt_trailer(data).filter(|_| !f.cut) else {
            return;
        };
        let key = Key {
            src: f.src,
            dst: f.dst,
            vlan: f.vlan,
            frame_id,
        };
        let full = self.streams.len() >= MAX_STREAMS;
        use std::collections::hash_map::Entry;
        let (s, fresh) = match self.streams.entry(key) {
            Entry::Occupied(o) => (o.into_mut(), false),
            Entry::Vacant(_) if full => {
                self.unsummarised = self.unsummarised.saturating_add(1);
                return;
            }
            Entry::Vacant(v) => (
                v.insert(Stream {
                    now: empty(ts, &key, &t),
                    last_cycle: t.cycle_counter,
                    last_status: t.data_status,
                    last_ts: ts,
                    step: None,
                }),
                true,
            ),
        };
        if s.now.frames == 0 {
            s.now = empty(ts, &key, &t);
        }
        let n = &mut s.now;
        if !fresh {
            let delta = t.cycle_counter.wrapping_sub(s.last_cycle);
            // Half the counter's range behind: a frame out of order (or
            // repeated), which neither counts as missed nor moves the
            // stream's last counter.
            if delta >= 0x8000 {
                n.frames = n.frames.saturating_add(1);
                n.bytes = n.bytes.saturating_add(data.len() as u64);
                return;
            }
            if delta != 0 {
                // The step is the smallest advance seen: a first advance
                // across a loss is not taken for it for long.
                let step = s.step.map_or(delta, |old| old.min(delta));
                s.step = Some(step);
                let cycles = u64::from(delta.checked_div(step).unwrap_or(1));
                // After a silence longer than the counter's wrap (65,536
                // units of 31.25 µs), the time tells how many cycles passed.
                let silent_us = ts.0.saturating_sub(s.last_ts.0);
                let cycles = if silent_us >= WRAP_US {
                    let units = silent_us.saturating_mul(32) / 1000;
                    units
                        .checked_div(i64::from(step))
                        .and_then(|c| u64::try_from(c).ok())
                        .unwrap_or(cycles)
                } else {
                    cycles
                };
                n.missed = n.missed.saturating_add(cycles.saturating_sub(1));
            }
            if t.data_status != s.last_status {
                n.status_changes = n.status_changes.saturating_add(1);
            }
        }
        n.last = ts;
        n.frames = n.frames.saturating_add(1);
        n.bytes = n.bytes.saturating_add(data.len() as u64);
        n.cycle_last = t.cycle_counter;
        n.cycle_step = s.step;
        n.data_status = t.data_status;
        if !t.provider_running() {
            n.provider_stopped = n.provider_stopped.saturating_add(1);
        }
        if !t.data_valid() {
            n.data_invalid = n.data_invalid.saturating_add(1);
        }
        s.last_cycle = t.cycle_counter;
        s.last_status = t.data_status;
        s.last_ts = ts;
    }

    /// Time passes: at the end of an interval its summaries go out, and
    /// the streams that sent nothing in it are forgotten.
    pub fn expire(&mut self, now: Ts, out: &mut dyn FnMut(Event)) {
        match self.window_end {
            None => self.window_end = Some(now.0.saturating_add(INTERVAL_US)),
            Some(end) if now.0 >= end => {
                self.flush(now, out);
                self.window_end = Some(now.0.saturating_add(INTERVAL_US));
            }
            Some(_) => {}
        }
    }

    /// The end of the input: the last summaries.
    pub fn finish(&mut self, out: &mut dyn FnMut(Event)) {
        let last = self.streams.values().map(|s| s.now.last).max();
        if let Some(t) = last {
            self.flush(t, out);
        }
        self.streams.clear();
    }

    fn flush(&mut self, now: Ts, out: &mut dyn FnMut(Event)) {
        let mut done: Vec<RtSummary> = Vec::new();
        self.streams.retain(|_, s| {
            if s.now.frames == 0 {
                return false;
            }
            done.push(s.now.clone());
            s.now.frames = 0;
            true
        });
        done.sort_by_key(|s| (s.ts, s.src, s.dst, s.vlan, s.frame_id));
        for s in done {
            out(Event::ProfinetRt(Box::new(s)));
        }
        if self.unsummarised > 0 {
            out(Event::Weird(Box::new(Weird {
                ts: now,
                scope: WeirdScope::None,
                name: "profinet_rt_streams_full",
                addl: Some(format!(
                    "{} frames of streams past the {MAX_STREAMS} summarised",
                    self.unsummarised
                )),
                source: "PROFINET_RT",
            })));
            self.unsummarised = 0;
        }
    }
}

fn empty(ts: Ts, key: &Key, t: &profinet::RtTrailer) -> RtSummary {
    RtSummary {
        ts,
        last: ts,
        src: key.src,
        dst: key.dst,
        vlan: key.vlan,
        frame_id: key.frame_id,
        frames: 0,
        bytes: 0,
        cycle_first: t.cycle_counter,
        cycle_last: t.cycle_counter,
        cycle_step: None,
        missed: 0,
        data_status: t.data_status,
        status_changes: 0,
        provider_stopped: 0,
        data_invalid: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEVICE: [u8; 6] = [0, 0x1b, 0x1b, 0, 0, 7];
    const PLC: [u8; 6] = [0, 0x1b, 0x1b, 0, 0, 1];

    /// A cyclic frame's octets after the frame id: 40 of data, then the
    /// trailer.
    fn data(cycle: u16, status: u8) -> Vec<u8> {
        let mut d = vec![0x80; 40];
        d.extend_from_slice(&cycle.to_be_bytes());
        d.extend_from_slice(&[status, 0]);
        d
    }

    /// The device's frame to its controller (its octets are passed
    /// apart).
    const FRAME: Layer2<'static> = Layer2 {
        src: DEVICE,
        dst: PLC,
        vlan: 0,
        ether_type: profinet::ETHERTYPE,
        payload: &[],
        cut: false,
    };

    fn feed(rt: &mut Rt, out: &mut Vec<Event>, ms: i64, cycle: u16, status: u8) {
        let d = data(cycle, status);
        rt.frame(Ts(ms * 1000), &FRAME, 0xC001, &d, &mut |e| out.push(e));
    }

    fn summaries(out: &[Event]) -> Vec<&RtSummary> {
        out.iter()
            .filter_map(|e| match e {
                Event::ProfinetRt(s) => Some(s.as_ref()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_stream_is_summarised_per_interval_with_its_missed_frames_and_stops() {
        let mut rt = Rt::default();
        let mut out = Vec::new();
        // Every 8 ms (cycle counter step 256) for a minute and a frame,
        // frames 3 and 4 lost; the controller is in STOP (data status
        // 0x25) for frames 8 and 9.
        for i in 0u16..=7500 {
            if i == 3 || i == 4 {
                continue;
            }
            if i == 7500 {
                assert!(summaries(&out).is_empty(), "the interval is not over");
            }
            let status = if (8..10).contains(&i) { 0x25 } else { 0x35 };
            feed(
                &mut rt,
                &mut out,
                i64::from(i) * 8,
                i.wrapping_mul(256),
                status,
            );
        }
        // The next minute's first frame: the interval's summary.
        let s = summaries(&out);
        assert_eq!(s.len(), 1);
        let s = s[0];
        assert_eq!((s.frames, s.bytes), (7498, 7498 * 44));
        assert_eq!(
            (s.cycle_first, s.cycle_last, s.cycle_step),
            (0, 7499u16.wrapping_mul(256), Some(256))
        );
        assert_eq!(s.missed, 2);
        assert_eq!((s.status_changes, s.provider_stopped), (2, 2));
        assert_eq!(s.data_status, 0x35);
        // The last one's at the end.
        rt.finish(&mut |e| out.push(e));
        let s = summaries(&out);
        assert_eq!(s.len(), 2);
        assert_eq!((s[1].frames, s[1].status_changes, s[1].missed), (1, 0, 0));
    }

    #[test]
    fn reordering_a_wrong_first_step_and_long_silences_are_read_right() {
        let mut rt = Rt::default();
        let mut out = Vec::new();
        // Frames every 8 ms (step 256), the second one lost: the first
        // advance (512) is not the step for long.
        feed(&mut rt, &mut out, 0, 0, 0x35);
        feed(&mut rt, &mut out, 16, 512, 0x35);
        feed(&mut rt, &mut out, 24, 768, 0x35);
        // One frame arrives after its successor: neither missed nor a
        // step back.
        feed(&mut rt, &mut out, 40, 1280, 0x35);
        feed(&mut rt, &mut out, 41, 1024, 0x35);
        feed(&mut rt, &mut out, 48, 1536, 0x35);
        // Silent for 5 s (the counter wrapped twice): 624 cycles missed,
        // whatever the counter says.
        feed(&mut rt, &mut out, 5048, 30464, 0x35); // 1536 + 625 * 256, wrapped
        rt.finish(&mut |e| out.push(e));
        let s = summaries(&out);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].frames, s[0].cycle_step), (7, Some(256)));
        // 1 (the second frame, counted with the first step) + 624.
        assert_eq!(s[0].missed, 625);
    }

    #[test]
    fn a_frame_the_snaplen_cut_is_not_read() {
        let mut rt = Rt::default();
        let mut out = Vec::new();
        let cut = Layer2 { cut: true, ..FRAME };
        rt.frame(Ts(1), &cut, 0xC001, &data(0, 0x35), &mut |e| out.push(e));
        rt.finish(&mut |e| out.push(e));
        assert!(summaries(&out).is_empty());
    }

    #[test]
    fn streams_past_the_cap_are_counted() {
        let mut rt = Rt::default();
        let mut out = Vec::new();
        let d = data(0, 0x35);
        for i in 0..=MAX_STREAMS {
            let id = 0xC000u16.wrapping_add(i as u16);
            rt.frame(Ts(1), &FRAME, id, &d, &mut |e| out.push(e));
        }
        rt.finish(&mut |e| out.push(e));
        assert_eq!(summaries(&out).len(), MAX_STREAMS);
        let weird = out.iter().find_map(|e| match e {
            Event::Weird(w) => Some(w.as_ref()),
            _ => None,
        });
        assert_eq!(weird.map(|w| w.name), Some("profinet_rt_streams_full"));
    }
}
