//! Run counters, the end-of-run summary on stderr and its `stats.log` record.

use crate::flow::FlowCounters;
use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::{Micros, Ts};
use std::fmt;
use std::time::Duration;

/// Counters of the capture and decode stage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecodeCounters {
    pub packets: u64,
    pub captured_bytes: u64,
    pub wire_bytes: u64,
    pub ip_packets: u64,
    pub non_ip: u64,
    /// Frames that did not decode (each also written to weird.log).
    pub malformed: u64,
    /// Fragment weirds (overlaps, oversize, ...), each also in weird.log.
    pub fragment_weirds: u64,
    /// Packets whose timestamp is earlier than one seen before.
    pub time_went_backwards: u64,
    /// Packets the snaplen cut short (captured length below the wire length).
    pub snaplen_truncated: u64,
    /// Packets the kernel or the interface dropped (live capture).
    pub capture_dropped: u64,
    pub defrag: crate::defrag::DefragCounters,
}

/// Caps of the inventory, the baseline and the rules reached (known at
/// the end of a run: they live in the merge thread).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObserveCounters {
    /// Observations of addresses the full inventory did not record.
    pub devices_dropped: u64,
    /// Edges and functions not recorded in a full baseline graph (learning,
    /// or the detector's graph of the run).
    pub baseline_dropped: u64,
    /// Deviations reported without being remembered (may repeat).
    pub deviations_repeated: u64,
    /// Rule state tables cleared at their cap.
    pub rule_state_resets: u64,
}

/// Everything a run counted.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub files: u64,
    pub decode: DecodeCounters,
    pub flows: FlowCounters,
    pub observe: ObserveCounters,
    pub log_rows: Vec<(String, u64)>,
    pub first_ts: Option<Ts>,
    pub last_ts: Option<Ts>,
    pub elapsed: Duration,
}

impl Summary {
    pub fn packets_per_sec(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.decode.packets as f64 / s
        } else {
            0.0
        }
    }

    /// Total weird records: decode failures plus flow-level weirds.
    pub fn weirds(&self) -> u64 {
        self.decode.malformed + self.decode.fragment_weirds + self.flows.weirds
    }

    pub fn stats_record(&self) -> StatsRecord {
        StatsRecord {
            ts: self.last_ts.unwrap_or_default(),
            summary: self.clone(),
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.decode;
        let fl = &self.flows;
        writeln!(
            f,
            "otwatch: {} packets ({} bytes) from {} file(s) in {:.3} s, {:.0} packets/s",
            d.packets,
            d.captured_bytes,
            self.files,
            self.elapsed.as_secs_f64(),
            self.packets_per_sec()
        )?;
        if let (Some(a), Some(b)) = (self.first_ts, self.last_ts) {
            writeln!(f, "  capture span: {:.6} s", b.since(a).as_secs_f64())?;
        }
        writeln!(
            f,
            "  decode: {} IP, {} non-IP, {} malformed, {} cut by the snaplen",
            d.ip_packets, d.non_ip, d.malformed, d.snaplen_truncated
        )?;
        if d.defrag.fragments > 0 {
            let g = &d.defrag;
            writeln!(
                f,
                "  fragments: {} -> {} datagrams; dropped: {} evicted, {} timed out, {} incomplete, {} invalid",
                g.fragments, g.reassembled, g.evicted, g.timed_out, g.incomplete, g.invalid
            )?;
        }
        writeln!(
            f,
            "  connections: {} ({} tcp, {} udp, {} icmp, {} other); {} evicted at the cap of {} live flows",
            fl.connections, fl.tcp, fl.udp, fl.icmp, fl.other, fl.evicted, fl.max_flows
        )?;
        writeln!(
            f,
            "  weirds: {}; TCP bytes missed: {}; reassembly cap hits: {}; analyzers stopped at the budget: {}",
            self.weirds(),
            fl.missed_bytes,
            fl.reassembly_cap_hits,
            fl.analyzers_stopped
        )?;
        for (log, rows) in &self.log_rows {
            writeln!(f, "  {log}.log: {rows} records")?;
        }
        Ok(())
    }
}

/// The `stats.log` record written at the end of a run.
#[derive(Clone, Debug)]
pub struct StatsRecord {
    pub ts: Ts,
    pub summary: Summary,
}

static FIELDS: [Field; 27] = [
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
    field("elapsed", T::Interval),
    field("pkts_per_sec", T::Double),
];

impl LogRecord for StatsRecord {
    const PATH: &'static str = "stats";

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
        out.push(Value::Interval(Micros(s.elapsed.as_micros() as i64)));
        out.push(Value::Double((s.packets_per_sec() * 10.0).round() / 10.0));
    }
}

/// A row of `capture_loss.log` (live capture): what the kernel received
/// and dropped in the last interval, as Zeek's capture-loss log reports
/// loss, from `pcap_stats` of every interface.
#[derive(Clone, Debug, PartialEq)]
pub struct CaptureLoss {
    pub ts: Ts,
    pub ts_delta: Option<crate::time::Micros>,
    pub kernel_received: u64,
    pub kernel_dropped: u64,
    pub interface_dropped: u64,
    /// Packets the sensor processed so far.
    pub processed: u64,
    pub percent_lost: f64,
}

impl CaptureLoss {
    /// The loss between two readings of the kernel counters.
    pub fn new(
        ts: Ts,
        ts_delta: Option<crate::time::Micros>,
        before: &crate::capture::KernelStats,
        now: &crate::capture::KernelStats,
        processed: u64,
    ) -> CaptureLoss {
        let received = now.received.saturating_sub(before.received);
        let dropped = now.dropped.saturating_sub(before.dropped);
        let if_dropped = now.if_dropped.saturating_sub(before.if_dropped);
        let seen = received + dropped;
        CaptureLoss {
            ts,
            ts_delta,
            kernel_received: received,
            kernel_dropped: dropped,
            interface_dropped: if_dropped,
            processed,
            percent_lost: if seen == 0 {
                0.0
            } else {
                (dropped + if_dropped) as f64 * 100.0 / seen as f64
            },
        }
    }
}

static LOSS_FIELDS: [crate::output::Field; 7] = [
    crate::output::field("ts", crate::output::FieldType::Time),
    crate::output::field("ts_delta", crate::output::FieldType::Interval),
    crate::output::field("kernel_received", crate::output::FieldType::Count),
    crate::output::field("kernel_dropped", crate::output::FieldType::Count),
    crate::output::field("interface_dropped", crate::output::FieldType::Count),
    crate::output::field("processed", crate::output::FieldType::Count),
    crate::output::field("percent_lost", crate::output::FieldType::Double),
];

impl crate::output::LogRecord for CaptureLoss {
    const PATH: &'static str = "capture_loss";
    fn fields() -> &'static [crate::output::Field] {
        &LOSS_FIELDS
    }
    fn ts(&self) -> Ts {
        self.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        use crate::output::Value;
        out.push(Value::Time(self.ts));
        out.push(self.ts_delta.map_or(Value::Unset, Value::Interval));
        out.push(Value::Count(self.kernel_received));
        out.push(Value::Count(self.kernel_dropped));
        out.push(Value::Count(self.interface_dropped));
        out.push(Value::Count(self.processed));
        out.push(Value::Double(self.percent_lost));
    }
}

#[cfg(test)]
mod loss_tests {
    use super::*;
    use crate::capture::KernelStats;

    #[test]
    fn loss_is_the_dropped_share_of_the_interval() {
        let before = KernelStats {
            received: 1000,
            dropped: 10,
            if_dropped: 0,
        };
        let now = KernelStats {
            received: 1900,
            dropped: 110,
            if_dropped: 0,
        };
        let l = CaptureLoss::new(Ts(5_000_000), None, &before, &now, 1900);
        assert_eq!((l.kernel_received, l.kernel_dropped), (900, 100));
        assert!((l.percent_lost - 10.0).abs() < 1e-9);
        let quiet = CaptureLoss::new(Ts(0), None, &now, &now, 0);
        assert_eq!(quiet.percent_lost, 0.0);
    }
}
