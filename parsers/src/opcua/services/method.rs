//! Method service (OPC 10000-4, 5.11): Call. Which methods a client calls,
//! on which objects and with which arguments is what an OT operator wants
//! to see of a command; the reference analyzer does not log it.

use crate::opcua::types::{DiagnosticInfo, Variant, WireNodeId};
use crate::opcua::Decoder;
use crate::Error;

/// CallMethodRequest (OPC 10000-4, 5.11.2.2).
#[derive(Clone, Debug, PartialEq)]
pub struct CallMethodRequest<'a> {
    /// ObjectId: the object (or type) the method is called on.
    pub object_id: WireNodeId<'a>,
    /// MethodId.
    pub method_id: WireNodeId<'a>,
    /// InputArguments.
    pub input_arguments: Vec<Variant<'a>>,
}

/// CallRequest (OPC 10000-4, 5.11.2.2), after its header.
#[derive(Clone, Debug, PartialEq)]
pub struct CallRequest<'a> {
    /// MethodsToCall.
    pub methods_to_call: Vec<CallMethodRequest<'a>>,
}

impl<'a> CallRequest<'a> {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(CallRequest {
            methods_to_call: d.array_or_empty(|d| {
                Ok(CallMethodRequest {
                    object_id: d.wire_node_id()?,
                    method_id: d.wire_node_id()?,
                    input_arguments: d.array_or_empty(Decoder::variant)?,
                })
            })?,
        })
    }
}

/// CallMethodResult (OPC 10000-4, 5.11.2.2).
#[derive(Clone, Debug, PartialEq)]
pub struct CallMethodResult<'a> {
    /// StatusCode of the call.
    pub status_code: u32,
    /// InputArgumentResults.
    pub input_argument_results: Vec<u32>,
    /// InputArgumentDiagnosticInfos.
    pub input_argument_diagnostic_infos: Vec<DiagnosticInfo<'a>>,
    /// OutputArguments.
    pub output_arguments: Vec<Variant<'a>>,
}

/// CallResponse (OPC 10000-4, 5.11.2.2), after its header.
#[derive(Clone, Debug, PartialEq)]
pub struct CallResponse<'a> {
    /// Results, one per method called.
    pub results: Vec<CallMethodResult<'a>>,
    /// DiagnosticInfos.
    pub diagnostic_infos: Vec<DiagnosticInfo<'a>>,
}

impl<'a> CallResponse<'a> {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(CallResponse {
            results: d.array_or_empty(|d| {
                Ok(CallMethodResult {
                    status_code: d.status_code()?,
                    input_argument_results: d.array_or_empty(Decoder::status_code)?,
                    input_argument_diagnostic_infos: d.array_or_empty(Decoder::diagnostic_info)?,
                    output_arguments: d.array_or_empty(Decoder::variant)?,
                })
            })?,
            diagnostic_infos: d.array_or_empty(Decoder::diagnostic_info)?,
        })
    }
}
