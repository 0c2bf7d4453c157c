//! The baseline: a graph of who talks to whom (devices, and edges keyed by
//! client, server, protocol and server port, with the functions used, the
//! Modbus ranges touched and the polling intervals), learned from
//! known-good traffic, saved as versioned JSON, merged across sensors and
//! periods, rendered as a network map, and used to detect deviations.

mod checks;
mod detect;
mod intervals;
mod learn;
mod model;
mod render;

pub use checks::{DetectConfig, EdgeChecks, Keyed, RequestFacts, MAX_REPORTED};
pub use detect::Detector;
pub use intervals::Intervals;
pub use learn::{conn_key, request_key, Learner, MAX_EDGES, MAX_RULE_MATCHES};
pub use model::{
    Baseline, Edge, EdgeKey, FileError, FileErrorKind, Function, LoadError, OpcUaFacts, Ranges,
    RuleMatch, FORMAT, MAX_OPCUA_FACTS, VERSION,
};
pub use render::{graph, show, ShowFormat};
