//! otwatch: a passive sensor for industrial (OT) networks.
//!
//! Data flow (see ARCHITECTURE.md in the design notes and README.md):
//! `capture` reads packets, `decode` slices L2–L4, `pipeline` dispatches
//! them to workers that own a shard of the `flow` table (connection state,
//! TCP reassembly, `analyzers`), and a merge stage hands records, in a
//! deterministic order, to the `output` writers.
//!
//! No unsafe code, but for two measured exceptions allowed where they
//! stand (`id` and `output::value`), each with the invariant that makes it
//! sound.
#![deny(unsafe_code)]

/// The version line: the crate's version, the commit it was built from and
/// its build features.
#[cfg(feature = "cloudwatch")]
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("OTWATCH_COMMIT"),
    ", features: cloudwatch)"
);
#[cfg(not(feature = "cloudwatch"))]
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("OTWATCH_COMMIT"),
    ", features: none)"
);

pub mod analyzers;
pub mod baseline;
pub mod capture;
pub mod checksum;
pub mod cli;
pub mod config;
pub mod decode;
pub mod defrag;
pub mod event;
pub mod flow;
pub mod id;
pub mod inventory;
pub mod live;
pub mod logs;
pub mod observe;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod settings;
pub mod stats;
pub mod time;
