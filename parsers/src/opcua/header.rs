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
    /// The wire encoding byte of the token's NodeId (0x00 two-byte … 0x05
    /// opaque), which the reference logs.
    pub authentication_token_encoding: u8,
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
        let authentication_token_encoding = d.rest().first().copied().unwrap_or(0);
        Ok(RequestHeader {
            authentication_token: d.node_id()?,
            authentication_token_encoding,
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
    /// The encoding mask byte of `service_diagnostics` (0: none).
    pub service_diagnostics_mask: u8,
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
            service_diagnostics_mask: d.rest().first().copied().unwrap_or(0),
            service_diagnostics: d.diagnostic_info()?,
            string_table: d.array_or_empty(Decoder::string)?,
            additional_header: d.extension_object()?,
        })
    }
}
