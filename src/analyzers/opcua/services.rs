//! Service-log rows: each decoded service body gives the rows of its
//! ICSNPP log, tied to the summary row by the message's link id. A body
//! that does not decode gives no service row and a weird; the summary row
//! is written either way.

use super::logs::{Head, OpenRequest, OpenResponse, OpenSecureChannelRecord};
use super::ts_of;
use crate::analyzers::Context;
use otwatch_parsers::opcua::services::{ids, OpenSecureChannelRequest, OpenSecureChannelResponse};
use otwatch_parsers::opcua::Decoder;

fn bad_body(e: otwatch_parsers::Error, cx: &mut Context<'_>) {
    cx.weird(
        "opcua_binary_bad_service_body",
        Some(e.to_string()),
        "OPCUA_BINARY",
    );
}

/// Rows for the body of a request of service `id`, `d` after the header.
pub fn request_rows(id: u32, d: &mut Decoder<'_>, head: Head, cx: &mut Context<'_>) {
    if id == ids::OPEN_SECURE_CHANNEL_REQUEST {
        match OpenSecureChannelRequest::decode(d) {
            Ok(b) => cx.log(Box::new(OpenSecureChannelRecord::Request(
                head,
                OpenRequest {
                    client_proto_ver: b.client_protocol_version,
                    request_type: b.request_type,
                    security_mode: b.security_mode,
                    client_nonce: b.client_nonce.bytes().unwrap_or_default().to_vec(),
                    req_lifetime: b.requested_lifetime,
                },
            ))),
            Err(e) => bad_body(e, cx),
        }
    }
}

/// Rows for the body of a response of service `id`, `d` after the header.
pub fn response_rows(id: u32, d: &mut Decoder<'_>, head: Head, cx: &mut Context<'_>) {
    if id == ids::OPEN_SECURE_CHANNEL_RESPONSE {
        match OpenSecureChannelResponse::decode(d) {
            Ok(b) => cx.log(Box::new(OpenSecureChannelRecord::Response(
                head,
                OpenResponse {
                    server_proto_ver: b.server_protocol_version,
                    channel_id: b.security_token.channel_id,
                    token_id: b.security_token.token_id,
                    created_at: ts_of(b.security_token.created_at),
                    revised_lifetime: b.security_token.revised_lifetime,
                    server_nonce: b.server_nonce.bytes().unwrap_or_default().to_vec(),
                },
            ))),
            Err(e) => bad_body(e, cx),
        }
    }
}
