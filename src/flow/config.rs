//! Connection-tracking settings: timeouts and caps.

use crate::time::Micros;

/// The smallest analyzer budget of one shard: 8 MiB.
pub const ANALYZER_FLOOR: usize = 8 << 20;

/// Timeouts follow Zeek's defaults (base/init-bare.zeek) so conn.log splits
/// connections where Zeek does.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowConfig {
    /// Live connections kept at most (across all workers); at the cap the
    /// connection closest to its idle timeout is evicted and logged.
    pub max_flows: usize,
    /// Out-of-order bytes buffered per connection direction.
    pub reassembly_cap: usize,
    /// Out-of-order bytes buffered by all connections of a table together.
    pub reassembly_budget: usize,
    /// Bytes the protocol analyzers of a table's connections hold together
    /// (partial messages, unanswered requests).
    pub analyzer_budget: usize,
    pub tcp_inactivity: Micros,
    pub udp_inactivity: Micros,
    pub icmp_inactivity: Micros,
    pub other_inactivity: Micros,
    /// How long a connection stays after its close completed (both FINs,
    /// or a RST), before it is logged.
    pub tcp_close_delay: Micros,
    /// How long an unanswered SYN waits before the attempt is logged.
    pub tcp_attempt_delay: Micros,
    /// Settings handed to the protocol analyzers.
    pub analyzers: crate::analyzers::AnalyzerConfig,
    /// The payload rules (shared by every shard; replaced on a reload).
    pub payload: crate::rules::payload::Handle,
}

impl FlowConfig {
    /// The share of one virtual shard: caps divided by the shard count
    /// (at least one connection and one segment's worth of bytes each).
    pub fn per_shard(&self, shards: usize) -> FlowConfig {
        let mut c = self.clone();
        c.max_flows = self.max_flows.div_ceil(shards).max(1);
        c.reassembly_budget = self
            .reassembly_budget
            .div_ceil(shards)
            .max(self.reassembly_cap.min(1 << 16));
        // At least what one connection may legitimately hold (an OPC UA
        // message of 4 MiB and its chunk), so the budget only ever stops
        // the many, not the one.
        c.analyzer_budget = self.analyzer_budget.div_ceil(shards).max(ANALYZER_FLOOR);
        c
    }
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            max_flows: 1_000_000,
            reassembly_cap: 1 << 20,
            reassembly_budget: 256 << 20,
            analyzer_budget: 2 << 30,
            tcp_inactivity: Micros::from_secs(300),
            udp_inactivity: Micros::from_secs(60),
            icmp_inactivity: Micros::from_secs(60),
            other_inactivity: Micros::from_secs(60),
            tcp_close_delay: Micros::from_secs(5),
            tcp_attempt_delay: Micros::from_secs(5),
            analyzers: crate::analyzers::AnalyzerConfig::default(),
            payload: crate::rules::payload::Handle::default(),
        }
    }
}
