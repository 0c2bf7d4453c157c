//! The summary of a message ([`Message`]) from its chunk headers: HEL and
//! ACK fields, the OPN security header, the service NodeId and the
//! request and response headers of its body.

use super::own::{self, body_encoding, numeric, text};
use crate::analyzers::Context;
use crate::event::opcua::{self as ev, Message, ServiceId};
use crate::id::Id;
use otwatch_parsers::opcua::{
    Acknowledge, AsymmetricSecurityHeader, Decoder, Hello, MessageHeader, RequestHeader,
    ResponseHeader,
};

/// A message of one chunk so far, with what its header says.
pub fn new(cx: &Context<'_>, h: &MessageHeader) -> Message {
    Message {
        ts: cx.ts,
        id: cx.id.clone(),
        message_type: h.message_type,
        chunk: h.chunk,
        total_size: u64::from(h.size),
        error: None,
        reason: None,
        hello: None,
        secure_channel_ids: Vec::new(),
        open: None,
        request_id: None,
        request: None,
        response: None,
    }
}

pub fn hello(h: &Hello<'_>) -> ev::Hello {
    ev::Hello {
        protocol_version: h.protocol_version,
        receive_buffer_size: h.receive_buffer_size,
        send_buffer_size: h.send_buffer_size,
        max_message_size: h.max_message_size,
        max_chunk_count: h.max_chunk_count,
        endpoint_url: text(h.endpoint_url),
    }
}

pub fn acknowledge(a: &Acknowledge) -> ev::Hello {
    ev::Hello {
        protocol_version: a.protocol_version,
        receive_buffer_size: a.receive_buffer_size,
        send_buffer_size: a.send_buffer_size,
        max_message_size: a.max_message_size,
        max_chunk_count: a.max_chunk_count,
        endpoint_url: None,
    }
}

pub fn open_header(a: &AsymmetricSecurityHeader<'_>) -> ev::OpenHeader {
    ev::OpenHeader {
        security_policy_uri: text(a.security_policy_uri),
        security_policy_uri_len: a
            .security_policy_uri
            .bytes()
            .map_or(-1, |b| i64::try_from(b.len()).unwrap_or(i64::MAX)),
        sender_certificate: own::bytes(a.sender_certificate),
        receiver_certificate_thumbprint: own::bytes(a.receiver_certificate_thumbprint),
    }
}

/// The NodeId that opens a body, as numbers (`None` when it does not
/// decode).
pub fn service_id(d: &mut Decoder<'_>) -> Option<ServiceId> {
    let encoding_mask = d.rest().first().copied()?;
    let n = d.node_id().ok()?;
    Some(ServiceId {
        encoding_mask,
        namespace: n.namespace,
        identifier: numeric(&n),
    })
}

pub fn request_header(h: &RequestHeader<'_>) -> ev::RequestHeader {
    ev::RequestHeader {
        authentication_token: ev::TokenForm {
            encoding: h.authentication_token_encoding,
            namespace: h.authentication_token.namespace,
            kind: own::token_kind(&h.authentication_token.identifier),
        },
        timestamp: ev::DateTime(h.timestamp),
        request_handle: h.request_handle,
        return_diagnostics: h.return_diagnostics,
        audit_entry_id: text(h.audit_entry_id),
        timeout_hint: h.timeout_hint,
        additional_header_type: numeric(&h.additional_header.type_id),
        additional_header_encoding: body_encoding(&h.additional_header.body),
    }
}

pub fn response_header(h: &ResponseHeader<'_>, status_link: Id) -> ev::ResponseHeader {
    ev::ResponseHeader {
        timestamp: ev::DateTime(h.timestamp),
        request_handle: h.request_handle,
        service_result: h.service_result,
        status_link,
        service_diagnostics_encoding: h.service_diagnostics_mask,
        additional_header_type: numeric(&h.additional_header.type_id),
        additional_header_encoding: body_encoding(&h.additional_header.body),
    }
}
