//! The bodies of the Attribute service set (OPC 10000-4, 5.10): which
//! attributes of which nodes a client reads and writes, and the values.

use super::{DataValue, Diagnostics, QualifiedName, WireNodeId};
use crate::id::Id;

/// ReadValueId (7.29).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadValueId {
    pub node_id: WireNodeId,
    /// 13 is Value (OPC 10000-6, A.1).
    pub attribute_id: u32,
    pub index_range: Option<String>,
    pub data_encoding: QualifiedName,
}

/// ReadRequest (5.10.2.2), with the link of its node rows (set when it
/// reads any).
#[derive(Clone, Debug, PartialEq)]
pub struct ReadRequest {
    /// Milliseconds.
    pub max_age: f64,
    /// 0 source, 1 server, 2 both, 3 neither.
    pub timestamps_to_return: u32,
    pub nodes_link: Option<Id>,
    pub nodes_to_read: Vec<ReadValueId>,
}

/// One result of a read: the DataValue's encoding byte as sent, the
/// value, and the link of the status row of its status (when it has one).
#[derive(Clone, Debug, PartialEq)]
pub struct ReadResult {
    pub encoding: u8,
    pub value: DataValue,
    pub status_link: Option<Id>,
}

/// ReadResponse (5.10.2.2), with the link of its result rows (set when
/// there are any).
#[derive(Clone, Debug, PartialEq)]
pub struct ReadResponse {
    pub results_link: Option<Id>,
    pub results: Vec<ReadResult>,
    pub diagnostics: Diagnostics,
}

/// WriteValue (5.10.4.2), with the link of the status row of the value's
/// status (when it has one).
#[derive(Clone, Debug, PartialEq)]
pub struct WriteValue {
    pub node_id: WireNodeId,
    pub attribute_id: u32,
    pub index_range: Option<String>,
    /// The DataValue's encoding byte as sent.
    pub value_encoding: u8,
    pub value: DataValue,
    pub status_link: Option<Id>,
}

/// WriteRequest (5.10.4.2).
#[derive(Clone, Debug, PartialEq)]
pub struct WriteRequest {
    pub nodes_to_write: Vec<WriteValue>,
}

impl WriteRequest {
    /// The nodes written and which attribute of each.
    pub fn written(&self) -> impl Iterator<Item = (&WireNodeId, u32)> {
        self.nodes_to_write
            .iter()
            .map(|w| (&w.node_id, w.attribute_id))
    }
}

/// WriteResponse (5.10.4.2): one status per node written, their rows
/// sharing the link `results_link` (set when there are any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteResponse {
    pub results_link: Option<Id>,
    pub results: Vec<u32>,
    pub diagnostics: Diagnostics,
}
