//! Connection tracking: the flow table, Zeek's connection state machine and
//! `conn.log` record, and TCP reassembly feeding protocol analyzers.

mod config;
mod conn;
mod conn_log;
mod history;
pub mod key;
mod ports;
pub mod reassembly;
mod table;
mod tcp;

pub use config::FlowConfig;
pub use conn_log::ConnRecord;
pub use key::{make_uid, Dir, FlowKey, PerDir, Side};
pub use table::{shard_of, FlowTable, VIRTUAL_SHARDS};

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
