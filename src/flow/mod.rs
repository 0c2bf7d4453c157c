//! Connection tracking: the flow table, Zeek's connection state machine and
//! `conn.log` record, and TCP reassembly feeding protocol analyzers.

mod config;
mod conn;
mod history;
pub mod key;
mod local;
mod ports;
pub mod reassembly;
mod table;
mod tcp;

pub use crate::stats::FlowCounters;
pub use config::FlowConfig;
pub use key::{make_uid, Dir, FlowKey, PerDir, Side};
pub use local::is_local;
pub use table::{shard_of, FlowTable, VIRTUAL_SHARDS};
