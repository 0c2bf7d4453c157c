//! Connection tracking: the flow table, Zeek's connection state machine and
//! `conn.log` record, and TCP reassembly feeding protocol analyzers.
// No panics by construction: every header field and payload byte here
// came from the wire, so outside tests this module and its children may
// not unwrap, index or slice unchecked, or overflow (enforced by clippy in
// `make lint`).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

mod attempt;
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
