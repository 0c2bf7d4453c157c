//! Service-log rows: each decoded service body gives the rows of its
//! ICSNPP log, tied to the summary row by the message's link id. A body
//! that does not decode gives no service row and a weird; the summary row
//! is written either way.

mod attribute;
mod discovery;
mod method;
pub mod status;
mod subscription;
mod view;

use super::logs::{
    ActivateRequest, ActivateSessionRecord, CloseSessionRecord, CreateSubscriptionRecord, Head,
    OpenRequest, OpenResponse, OpenSecureChannelRecord,
};
use super::row::{Links, Row};
use super::{hex, ts_of, REDACTED};
use crate::analyzers::Context;
use otwatch_parsers::opcua::services::{
    ids, ActivateSessionRequest, ActivateSessionResponse, BrowseNextRequest, BrowseRequest,
    BrowseResponse, CallRequest, CallResponse, CloseSessionRequest, CreateMonitoredItemsRequest,
    CreateMonitoredItemsResponse, CreateSessionRequest, CreateSessionResponse,
    CreateSubscriptionRequest, CreateSubscriptionResponse, GetEndpointsRequest,
    GetEndpointsResponse, OpenSecureChannelRequest, OpenSecureChannelResponse, PublishRequest,
    PublishResponse, ReadRequest, ReadResponse, UserIdentityToken, WriteRequest, WriteResponse,
};
use otwatch_parsers::opcua::{ByteString, Decoder, Identifier, UaString};
use status::{diagnostics, diagnostics_link, Source};

fn text(s: UaString<'_>) -> Option<String> {
    s.bytes().map(|_| s.text().into_owned())
}

fn hex_of(b: ByteString<'_>) -> Option<String> {
    b.bytes().map(hex)
}

/// The marker for a secret that was sent (never the secret itself).
fn secret(b: ByteString<'_>) -> Option<&'static str> {
    b.bytes().map(|_| REDACTED)
}

fn activate_request(b: &ActivateSessionRequest<'_>, cx: &mut Context<'_>) -> ActivateRequest {
    let x = &b.user_identity_token;
    let mut r = ActivateRequest {
        client_algorithm: text(b.client_signature.algorithm),
        client_signature: hex_of(b.client_signature.signature),
        token_type_encoding: x.type_id_encoding,
        token_type_namespace: x.type_id.namespace,
        token_encoding: match x.body {
            otwatch_parsers::opcua::ExtensionBody::None => 0,
            otwatch_parsers::opcua::ExtensionBody::Binary(_) => 1,
            otwatch_parsers::opcua::ExtensionBody::Xml(_) => 2,
        },
        user_token_algorithm: text(b.user_token_signature.algorithm),
        user_token_signature: hex_of(b.user_token_signature.signature),
        ..ActivateRequest::default()
    };
    match x.type_id.identifier {
        Identifier::Numeric(n) => r.token_type_numeric = Some(n),
        _ => r.token_type_other = Some(x.type_id.to_string()),
    }
    match UserIdentityToken::decode(x) {
        Some(Ok(t)) => {
            r.token_type_name = Some(t.type_name());
            match t {
                UserIdentityToken::Anonymous { policy_id } => r.policy_id = text(policy_id),
                UserIdentityToken::UserName {
                    policy_id,
                    user_name,
                    password,
                    encryption_algorithm,
                } => {
                    r.policy_id = text(policy_id);
                    r.user_name = text(user_name);
                    r.password = secret(password);
                    r.encryption_algorithm = text(encryption_algorithm);
                }
                UserIdentityToken::X509 {
                    policy_id,
                    certificate_data,
                } => {
                    r.policy_id = text(policy_id);
                    r.certificate_data = hex_of(certificate_data);
                }
                UserIdentityToken::Issued {
                    policy_id,
                    token_data,
                    encryption_algorithm,
                } => {
                    r.policy_id = text(policy_id);
                    r.token_data = secret(token_data);
                    r.encryption_algorithm = text(encryption_algorithm);
                }
            }
        }
        Some(Err(e)) => bad_body(e, cx),
        None => {}
    }
    r
}

fn bad_body(e: otwatch_parsers::Error, cx: &mut Context<'_>) {
    cx.weird(
        "opcua_binary_bad_service_body",
        Some(e.to_string()),
        "OPCUA_BINARY",
    );
}

/// Rows for the body of a request of service `id`, `d` after the header.
pub fn request_rows(
    id: u32,
    d: &mut Decoder<'_>,
    head: Head,
    links: &mut Links<'_>,
    cx: &mut Context<'_>,
) {
    let mut rows = Vec::new();
    let out = &mut rows;
    let h = &head;
    let decoded: Result<(), otwatch_parsers::Error> = (|| {
        match id {
            ids::OPEN_SECURE_CHANNEL_REQUEST => {
                let b = OpenSecureChannelRequest::decode(d)?;
                let r = OpenRequest {
                    client_proto_ver: b.client_protocol_version,
                    request_type: b.request_type,
                    security_mode: b.security_mode,
                    client_nonce: b.client_nonce.bytes().unwrap_or_default().to_vec(),
                    req_lifetime: b.requested_lifetime,
                };
                cx.log(Box::new(OpenSecureChannelRecord::Request(head.clone(), r)));
            }
            ids::ACTIVATE_SESSION_REQUEST => {
                let b = ActivateSessionRequest::decode(d)?;
                let r = activate_request(&b, cx);
                cx.log(Box::new(ActivateSessionRecord::Request(
                    head.clone(),
                    Box::new(r),
                )));
            }
            ids::CLOSE_SESSION_REQUEST => {
                let b = CloseSessionRequest::decode(d)?;
                cx.log(Box::new(CloseSessionRecord {
                    head: head.clone(),
                    delete_subscriptions: b.delete_subscriptions,
                }));
            }
            ids::CREATE_SUBSCRIPTION_REQUEST => {
                let b = CreateSubscriptionRequest::decode(d)?;
                cx.log(Box::new(CreateSubscriptionRecord::Request(head.clone(), b)));
            }
            ids::GET_ENDPOINTS_REQUEST => {
                discovery::get_endpoints_request(h, &GetEndpointsRequest::decode(d)?, out)
            }
            ids::CREATE_SESSION_REQUEST => {
                discovery::create_session_request(h, &CreateSessionRequest::decode(d)?, out)
            }
            ids::BROWSE_REQUEST => view::browse_request(h, &BrowseRequest::decode(d)?, links, out),
            ids::BROWSE_NEXT_REQUEST => {
                view::browse_next_request(h, &BrowseNextRequest::decode(d)?, out)
            }
            ids::READ_REQUEST => attribute::read_request(h, &ReadRequest::decode(d)?, links, out),
            ids::WRITE_REQUEST => {
                attribute::write_request(h, &WriteRequest::decode(d)?, links, out)
            }
            ids::CREATE_MONITORED_ITEMS_REQUEST => subscription::create_monitored_items_request(
                h,
                &CreateMonitoredItemsRequest::decode(d)?,
                links,
                out,
            ),
            ids::PUBLISH_REQUEST => {
                subscription::publish_request(h, &PublishRequest::decode(d)?, out)
            }
            ids::CALL_REQUEST => method::call_request(h, &CallRequest::decode(d)?, out),
            _ => {}
        }
        Ok(())
    })();
    emit(rows, decoded, cx);
}

/// Rows for the body of a response of service `id`, `d` after the header.
pub fn response_rows(
    id: u32,
    d: &mut Decoder<'_>,
    head: Head,
    links: &mut Links<'_>,
    cx: &mut Context<'_>,
) {
    let mut rows = Vec::new();
    let out = &mut rows;
    let h = &head;
    let decoded: Result<(), otwatch_parsers::Error> = (|| {
        match id {
            ids::OPEN_SECURE_CHANNEL_RESPONSE => {
                let b = OpenSecureChannelResponse::decode(d)?;
                let r = OpenResponse {
                    server_proto_ver: b.server_protocol_version,
                    channel_id: b.security_token.channel_id,
                    token_id: b.security_token.token_id,
                    created_at: ts_of(b.security_token.created_at),
                    revised_lifetime: b.security_token.revised_lifetime,
                    server_nonce: b.server_nonce.bytes().unwrap_or_default().to_vec(),
                };
                cx.log(Box::new(OpenSecureChannelRecord::Response(head.clone(), r)));
            }
            ids::ACTIVATE_SESSION_RESPONSE => {
                let b = ActivateSessionResponse::decode(d)?;
                let nonce = b.server_nonce.bytes().map(|n| format!("0x{}", hex(n)));
                cx.log(Box::new(ActivateSessionRecord::Response(
                    head.clone(),
                    nonce,
                )));
                for code in &b.results {
                    let l = links.next();
                    out.push(status::row(h, &l, Source::ActivateSession, 0, *code));
                }
                if let Some(l) = diagnostics_link(&b.diagnostic_infos, links) {
                    diagnostics(h, &l, Source::ActivateSession, &b.diagnostic_infos, out);
                }
            }
            ids::CREATE_SUBSCRIPTION_RESPONSE => {
                let b = CreateSubscriptionResponse::decode(d)?;
                cx.log(Box::new(CreateSubscriptionRecord::Response(
                    head.clone(),
                    b,
                )));
            }
            ids::GET_ENDPOINTS_RESPONSE => {
                discovery::get_endpoints_response(h, &GetEndpointsResponse::decode(d)?, links, out)
            }
            ids::CREATE_SESSION_RESPONSE => discovery::create_session_response(
                h,
                &CreateSessionResponse::decode(d)?,
                links,
                out,
            ),
            ids::BROWSE_RESPONSE => {
                view::browse_response(h, "BrowseResponse", &BrowseResponse::decode(d)?, links, out)
            }
            ids::BROWSE_NEXT_RESPONSE => view::browse_response(
                h,
                "BrowseNextResponse",
                &BrowseResponse::decode(d)?,
                links,
                out,
            ),
            ids::READ_RESPONSE => {
                attribute::read_response(h, &ReadResponse::decode(d)?, links, out)
            }
            ids::WRITE_RESPONSE => {
                attribute::write_response(h, &WriteResponse::decode(d)?, links, out)
            }
            ids::CREATE_MONITORED_ITEMS_RESPONSE => subscription::create_monitored_items_response(
                h,
                &CreateMonitoredItemsResponse::decode(d)?,
                links,
                out,
            ),
            ids::PUBLISH_RESPONSE => {
                subscription::publish_response(h, &PublishResponse::decode(d)?, links, out)
            }
            ids::CALL_RESPONSE => method::call_response(h, &CallResponse::decode(d)?, out),
            _ => {}
        }
        Ok(())
    })();
    emit(rows, decoded, cx);
}

/// Writes the rows made (a body that fails half-way still gives the rows
/// of what was read before the error), and a weird for the failure.
fn emit(rows: Vec<Row>, decoded: Result<(), otwatch_parsers::Error>, cx: &mut Context<'_>) {
    for r in rows {
        cx.log(r.finish());
    }
    if let Err(e) = decoded {
        bad_body(e, cx);
    }
}
