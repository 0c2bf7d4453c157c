//! `otwatch_stats.log` (the run's counters) and `otwatch_capture_loss.log` (a live
//! capture's loss per interval, as Zeek's capture-loss log reports it).

use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::stats::{CaptureLoss, StatsRecord};
use crate::time::{Micros, Ts};

static FIELDS: [Field; 31] = [
    field("ts", T::Time),
    field("peer", T::String),
    field("files", T::Count),
    field("pkts_proc", T::Count),
    field("bytes_recv", T::Count),
    field("ip_pkts", T::Count),
    field("non_ip_pkts", T::Count),
    field("malformed_pkts", T::Count),
    field("ts_backwards", T::Count),
    field("snaplen_truncated", T::Count),
    field("ip_fragments", T::Count),
    field("ip_reassembled", T::Count),
    field("ip_frag_dropped", T::Count),
    field("connections", T::Count),
    field("flows_evicted", T::Count),
    field("max_flows", T::Count),
    field("weirds", T::Count),
    field("missed_bytes", T::Count),
    field("reassembly_cap_hits", T::Count),
    field("rows_rate_limited", T::Count),
    field("analyzers_stopped", T::Count),
    field("devices_dropped", T::Count),
    field("baseline_dropped", T::Count),
    field("deviations_repeated", T::Count),
    field("rule_state_resets", T::Count),
    field("rule_matches", T::Count),
    field("alerts", T::Count),
    field("alerts_flushed_early", T::Count),
    field("peers_dropped", T::Count),
    field("elapsed", T::Interval),
    field("pkts_per_sec", T::Double),
];

impl LogRecord for StatsRecord {
    const PATH: &'static str = "otwatch_stats";

    fn fields() -> &'static [Field] {
        &FIELDS
    }

    fn ts(&self) -> Ts {
        self.ts
    }

    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        let s = &self.summary;
        out.push(Value::Time(self.ts));
        out.push(Value::Ref("otwatch"));
        out.push(Value::Count(s.files));
        out.push(Value::Count(s.decode.packets));
        out.push(Value::Count(s.decode.captured_bytes));
        out.push(Value::Count(s.decode.ip_packets));
        out.push(Value::Count(s.decode.non_ip));
        out.push(Value::Count(s.decode.malformed));
        out.push(Value::Count(s.decode.time_went_backwards));
        out.push(Value::Count(s.decode.snaplen_truncated));
        let g = &s.decode.defrag;
        out.push(Value::Count(g.fragments));
        out.push(Value::Count(g.reassembled));
        out.push(Value::Count(
            g.evicted + g.timed_out + g.incomplete + g.invalid,
        ));
        out.push(Value::Count(s.flows.connections));
        out.push(Value::Count(s.flows.evicted));
        out.push(Value::Count(s.flows.max_flows));
        out.push(Value::Count(s.weirds()));
        out.push(Value::Count(s.flows.missed_bytes));
        out.push(Value::Count(s.flows.reassembly_cap_hits));
        out.push(Value::Count(s.flows.rows_limited));
        out.push(Value::Count(s.flows.analyzers_stopped));
        let o = &s.observe;
        out.push(Value::Count(o.devices_dropped));
        out.push(Value::Count(o.baseline_dropped));
        out.push(Value::Count(o.deviations_repeated));
        out.push(Value::Count(o.rule_state_resets));
        out.push(Value::Count(o.rule_matches));
        out.push(Value::Count(o.alerts));
        out.push(Value::Count(o.alerts_flushed_early));
        out.push(Value::Count(o.peers_dropped));
        out.push(Value::Interval(Micros(s.elapsed.as_micros() as i64)));
        out.push(Value::Double((s.packets_per_sec() * 10.0).round() / 10.0));
    }
}

static LOSS_FIELDS: [Field; 7] = [
    field("ts", T::Time),
    field("ts_delta", T::Interval),
    field("kernel_received", T::Count),
    field("kernel_dropped", T::Count),
    field("interface_dropped", T::Count),
    field("processed", T::Count),
    field("percent_lost", T::Double),
];

impl LogRecord for CaptureLoss {
    const PATH: &'static str = "otwatch_capture_loss";
    fn fields() -> &'static [Field] {
        &LOSS_FIELDS
    }
    fn ts(&self) -> Ts {
        self.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        out.push(Value::Time(self.ts));
        out.push(self.ts_delta.map_or(Value::Unset, Value::Interval));
        out.push(Value::Count(self.kernel_received));
        out.push(Value::Count(self.kernel_dropped));
        out.push(Value::Count(self.interface_dropped));
        out.push(Value::Count(self.processed));
        out.push(Value::Double(self.percent_lost));
    }
}
