//! RequestHeader and ResponseHeader (OPC 10000-4, 7.33 and 7.34), which
//! open every service request and response body.

use super::types::{DiagnosticInfo, ExtensionObject, NodeId, UaString};
use super::Decoder;
use crate::Error;

/// RequestHeader (OPC 10000-4, 7.33).
#[derive(Clone, Debug, PartialEq)]
pub struct RequestHeader<'a> {
    /// The session's authentication token (a secret of the session: the
    /// analyzer may key on it but must not log it).
    pub authentication_token: NodeId<'a>,
    /// Client time of the request.
    pub timestamp: i64,
    /// Handle the response echoes.
    pub request_handle: u32,
    /// Which diagnostics the client asks for (bit mask).
    pub return_diagnostics: u32,
    /// Audit log entry id.
    pub audit_entry_id: UaString<'a>,
    /// Timeout hint in milliseconds.
    pub timeout_hint: u32,
    /// Reserved for future use.
    pub additional_header: ExtensionObject<'a>,
}

impl<'a> RequestHeader<'a> {
    /// Decodes a RequestHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<RequestHeader<'a>, Error> {
        Ok(RequestHeader {
            authentication_token: d.node_id()?,
            timestamp: d.date_time()?,
            request_handle: d.u32()?,
            return_diagnostics: d.u32()?,
            audit_entry_id: d.string()?,
            timeout_hint: d.u32()?,
            additional_header: d.extension_object()?,
        })
    }
}

/// ResponseHeader (OPC 10000-4, 7.34).
#[derive(Clone, Debug, PartialEq)]
pub struct ResponseHeader<'a> {
    /// Server time of the response.
    pub timestamp: i64,
    /// The request's handle.
    pub request_handle: u32,
    /// Result of the service call.
    pub service_result: u32,
    /// Diagnostics for the service result.
    pub service_diagnostics: DiagnosticInfo<'a>,
    /// Strings that DiagnosticInfo indices point into.
    pub string_table: Vec<UaString<'a>>,
    /// Reserved for future use.
    pub additional_header: ExtensionObject<'a>,
}

impl<'a> ResponseHeader<'a> {
    /// Decodes a ResponseHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<ResponseHeader<'a>, Error> {
        Ok(ResponseHeader {
            timestamp: d.date_time()?,
            request_handle: d.u32()?,
            service_result: d.status_code()?,
            service_diagnostics: d.diagnostic_info()?,
            string_table: d.array_or_empty(Decoder::string)?,
            additional_header: d.extension_object()?,
        })
    }
}
