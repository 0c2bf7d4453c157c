//! The bodies of the Method service set (OPC 10000-4, 5.11): the methods
//! a client calls, with their arguments, and what they return.

use super::{Elements, Variant, WireNodeId};

/// CallMethodRequest (5.11.2.2); at most [`super::MAX_ELEMENTS`]
/// arguments are kept.
#[derive(Clone, Debug, PartialEq)]
pub struct CallMethodRequest {
    pub object_id: WireNodeId,
    pub method_id: WireNodeId,
    pub input_arguments: Elements<Variant>,
}

/// CallRequest (5.11.2.2).
#[derive(Clone, Debug, PartialEq)]
pub struct CallRequest {
    pub methods_to_call: Vec<CallMethodRequest>,
}

impl CallRequest {
    /// The (object, method) of each call.
    pub fn calls(&self) -> impl Iterator<Item = (&WireNodeId, &WireNodeId)> {
        self.methods_to_call
            .iter()
            .map(|m| (&m.object_id, &m.method_id))
    }
}

/// CallMethodResult (5.11.2.2); its diagnostics are not kept.
#[derive(Clone, Debug, PartialEq)]
pub struct CallMethodResult {
    pub status_code: u32,
    pub input_argument_results: Vec<u32>,
    pub output_arguments: Elements<Variant>,
}

/// CallResponse (5.11.2.2).
#[derive(Clone, Debug, PartialEq)]
pub struct CallResponse {
    pub results: Vec<CallMethodResult>,
}
