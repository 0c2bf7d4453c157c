//! Call bodies: at most [`crate::event::opcua::MAX_ELEMENTS`] arguments
//! are kept, the rest counted.

use super::super::own::wire_node_id;
use super::super::value::{elements, variant};
use crate::event::opcua as ev;
use otwatch_parsers::opcua::services::{CallRequest, CallResponse};

pub fn call_request(b: &CallRequest<'_>) -> ev::CallRequest {
    ev::CallRequest {
        methods_to_call: b
            .methods_to_call
            .iter()
            .map(|m| ev::CallMethodRequest {
                object_id: wire_node_id(&m.object_id),
                method_id: wire_node_id(&m.method_id),
                input_arguments: elements(&m.input_arguments, variant),
            })
            .collect(),
    }
}

pub fn call_response(b: &CallResponse<'_>) -> ev::CallResponse {
    ev::CallResponse {
        results: b
            .results
            .iter()
            .map(|r| ev::CallMethodResult {
                status_code: r.status_code,
                input_argument_results: r.input_argument_results.clone(),
                output_arguments: elements(&r.output_arguments, variant),
            })
            .collect(),
    }
}
