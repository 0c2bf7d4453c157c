//! Run counters, the end-of-run summary on stderr and its `otwatch_stats.log` record.

use crate::time::Ts;
use std::fmt;
use std::time::Duration;

/// Counters of one worker's flow table (summed over workers at the end).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowCounters {
    pub connections: u64,
    pub tcp: u64,
    pub udp: u64,
    pub icmp: u64,
    pub other: u64,
    /// Connections logged early because the table was full.
    pub evicted: u64,
    /// The cap on live connections.
    pub max_flows: u64,
    pub weirds: u64,
    pub missed_bytes: u64,
    pub reassembly_cap_hits: u64,
    /// Log rows the analyzers' rate limits left out.
    pub rows_limited: u64,
    /// Connections whose analysis stopped at the analyzer budget.
    pub analyzers_stopped: u64,
}

impl FlowCounters {
    pub fn add(&mut self, o: &FlowCounters) {
        self.connections += o.connections;
        self.tcp += o.tcp;
        self.udp += o.udp;
        self.icmp += o.icmp;
        self.other += o.other;
        self.evicted += o.evicted;
        self.max_flows += o.max_flows;
        self.weirds += o.weirds;
        self.missed_bytes += o.missed_bytes;
        self.reassembly_cap_hits += o.reassembly_cap_hits;
        self.rows_limited += o.rows_limited;
        self.analyzers_stopped += o.analyzers_stopped;
    }
}

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
    /// Edges and functions not recorded in a full baseline graph being
    /// learned, and OPC UA secure channels
    /// forgotten before they carried a session.
    pub baseline_dropped: u64,
    /// Deviations reported without being remembered (may repeat).
    pub deviations_repeated: u64,
    /// Rule state tables cleared at their cap.
    pub rule_state_resets: u64,
    /// Rule matches (before suppression folds repeats and the baseline
    /// its learned matches away).
    pub rule_matches: u64,
    /// Alerts written (notice.log and alert.log rows).
    pub alerts: u64,
    /// Alerts made early because too many connections had findings
    /// waiting for their action.
    pub alerts_flushed_early: u64,
    /// Hosts the inventory's per-device peer sets could not keep.
    pub peers_dropped: u64,
}

/// Everything a run counted.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub files: u64,
    /// Capture files that could not be read to the end: each with where
    /// and why (the run went on with the next file).
    pub damaged: Vec<String>,
    /// Packets of the files a BPF filter (`analyze --bpf`) left out.
    pub filtered: u64,
    /// Interfaces a live run captured on (0 for files).
    pub interfaces: u64,
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
        let from = match self.interfaces {
            0 => format!("{} file(s)", self.files),
            n => format!("{n} interface(s)"),
        };
        writeln!(
            f,
            "otwatch: {} packets ({} bytes) from {from} in {:.3} s, {:.0} packets/s",
            d.packets,
            d.captured_bytes,
            self.elapsed.as_secs_f64(),
            self.packets_per_sec()
        )?;
        if let (Some(a), Some(b)) = (self.first_ts, self.last_ts) {
            writeln!(
                f,
                "  capture span: {:.6} s, {} to {}",
                b.since(a).as_secs_f64(),
                crate::time::iso8601(a),
                crate::time::iso8601(b)
            )?;
        }
        if self.filtered > 0 {
            writeln!(f, "  filter: {} packets left out", self.filtered)?;
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
        if !self.damaged.is_empty() {
            writeln!(
                f,
                "  damaged files: {} (read up to the damage, then the next file):",
                self.damaged.len()
            )?;
            for d in &self.damaged {
                writeln!(f, "    {d}")?;
            }
        }
        Ok(())
    }
}

/// The `otwatch_stats.log` record written at the end of a run.
#[derive(Clone, Debug)]
pub struct StatsRecord {
    pub ts: Ts,
    pub summary: Summary,
}

/// A row of `otwatch_capture_loss.log` (live capture): what the kernel received
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
    /// The loss (percent) past which the interval is alerted.
    pub threshold: f64,
}

impl CaptureLoss {
    /// The loss between two readings of the kernel counters.
    pub fn new(
        ts: Ts,
        ts_delta: Option<crate::time::Micros>,
        before: &crate::capture::KernelStats,
        now: &crate::capture::KernelStats,
        processed: u64,
        threshold: f64,
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
            threshold,
        }
    }
}

/// Why a CloudWatch spool lost events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LossCause {
    /// At its size cap: new events refused, or (spool only) the oldest
    /// removed.
    Full,
    /// Older than the spool's age bound.
    Aged,
    /// The disk refused a write.
    WriteError,
}

/// A spool for CloudWatch started losing events (the first loss of its
/// kind in the run; the shutdown summary counts them all).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpoolLoss {
    pub ts: Ts,
    /// The alert spool, or the one of the other logs.
    pub alerts: bool,
    pub cause: LossCause,
    /// Events lost so far.
    pub dropped: u64,
}

impl SpoolLoss {
    /// What an operator reads in the notice.
    pub fn describe(&self) -> String {
        let spool = if self.alerts {
            "alert and notice"
        } else {
            "log"
        };
        let why = match self.cause {
            LossCause::Full => "it is at its size cap (--spool-mib)",
            LossCause::Aged => "they are older than --spool-max-age",
            LossCause::WriteError => "the disk refused a write",
        };
        format!(
            "the CloudWatch {spool} spool started dropping events ({} so far): {why}; the local logs keep them",
            self.dropped
        )
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
        let l = CaptureLoss::new(Ts(5_000_000), None, &before, &now, 1900, 1.0);
        assert_eq!((l.kernel_received, l.kernel_dropped), (900, 100));
        assert!((l.percent_lost - 10.0).abs() < 1e-9);
        let quiet = CaptureLoss::new(Ts(0), None, &now, &now, 0, 1.0);
        assert_eq!(quiet.percent_lost, 0.0);
    }
}
