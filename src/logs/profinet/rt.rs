//! `profinet_rt.log` (otwatch's own): one row per stream of PROFINET
//! cyclic real-time I/O frames per summary interval.

use crate::event::profinet::RtSummary;
use crate::output::{field, Field, FieldType as T, LogRecord, Sink, Value};
use crate::time::Ts;
use otwatch_parsers::profinet::FrameKind;

pub(super) static FIELDS: [Field; 17] = [
    field("ts", T::Time),
    field("duration", T::Interval),
    field("src_mac", T::String),
    field("dst_mac", T::String),
    field("vlan", T::Count),
    field("frame_id", T::String),
    field("rt_class", T::String),
    field("frames", T::Count),
    field("bytes", T::Count),
    field("cycle_first", T::Count),
    field("cycle_last", T::Count),
    field("cycle_step", T::Count),
    field("missed", T::Count),
    field("data_status", T::String),
    field("status_changes", T::Count),
    field("provider_stopped", T::Count),
    field("data_invalid", T::Count),
];

fn class_name(frame_id: u16) -> &'static str {
    match FrameKind::of(frame_id) {
        FrameKind::RtClass1 => "RT_CLASS_1",
        FrameKind::RtClass2 => "RT_CLASS_2",
        FrameKind::RtClass3 => "RT_CLASS_3",
        _ => "unknown",
    }
}

/// A row of `profinet_rt.log`: one stream over one interval.
impl LogRecord for RtSummary {
    const PATH: &'static str = "profinet_rt";
    fn fields() -> &'static [Field] {
        &FIELDS
    }
    fn ts(&self) -> Ts {
        self.ts
    }
    fn values<'a>(&'a self, out: &mut dyn Sink<'a>) {
        out.push(Value::Time(self.ts));
        out.push(Value::Interval(self.last.since(self.ts)));
        super::layer2_values(self.src, self.dst, self.vlan, out);
        out.push(Value::Hex {
            value: u64::from(self.frame_id),
            digits: 4,
        });
        out.push(Value::Plain(class_name(self.frame_id)));
        out.push(Value::Count(self.frames));
        out.push(Value::Count(self.bytes));
        out.push(Value::Count(u64::from(self.cycle_first)));
        out.push(Value::Count(u64::from(self.cycle_last)));
        out.push(
            self.cycle_step
                .map_or(Value::Unset, |s| Value::Count(u64::from(s))),
        );
        out.push(Value::Count(self.missed));
        out.push(Value::Hex {
            value: u64::from(self.data_status),
            digits: 2,
        });
        out.push(Value::Count(self.status_changes));
        out.push(Value::Count(self.provider_stopped));
        out.push(Value::Count(self.data_invalid));
    }
}
