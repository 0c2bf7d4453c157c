//! Service-log rows: each decoded service body gives the rows of its
//! ICSNPP log (or of ours, for Call and Publish), tied to the summary row
//! by the message's link id. A body that does not decode gives no service
//! row and a weird (`opcua_binary_bad_service_body`); the summary row is
//! written either way.

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
use super::row::Links;
use super::{hex, ts_of, REDACTED};
use crate::analyzers::Context;
use otwatch_parsers::opcua::services::{ActivateSessionRequest, Body, UserIdentityToken};
use otwatch_parsers::opcua::{ByteString, Decoder, Identifier, UaString};
use status::{Diagnostics, Source};

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

/// The service-log rows of the body of service `id`, `d` after its
/// header (requests and responses alike: the body's type says which).
pub fn rows(id: u32, d: &mut Decoder<'_>, head: Head, links: &mut Links<'_>, cx: &mut Context<'_>) {
    let body = match Body::decode(id, d) {
        None => return,
        Some(Err(e)) => return bad_body(e, cx),
        Some(Ok(b)) => b,
    };
    if let Some(app) = application(&body, &head) {
        cx.event(app);
    }
    let mut rows = Vec::new();
    let out = &mut rows;
    let h = &head;
    match body {
        Body::OpenSecureChannelRequest(b) => {
            let r = OpenRequest {
                client_proto_ver: b.client_protocol_version,
                request_type: b.request_type,
                security_mode: b.security_mode,
                client_nonce: b.client_nonce.bytes().unwrap_or_default().to_vec(),
                req_lifetime: b.requested_lifetime,
            };
            cx.log(Box::new(OpenSecureChannelRecord::Request(head.clone(), r)));
        }
        Body::OpenSecureChannelResponse(b) => {
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
        Body::ActivateSessionRequest(b) => {
            let r = activate_request(&b, cx);
            cx.log(Box::new(ActivateSessionRecord::Request(
                head.clone(),
                Box::new(r),
            )));
        }
        Body::ActivateSessionResponse(b) => {
            let nonce = b.server_nonce.bytes().map(|n| format!("0x{}", hex(n)));
            cx.log(Box::new(ActivateSessionRecord::Response(
                head.clone(),
                nonce,
            )));
            for code in &b.results {
                let l = links.next();
                out.push(status::row(h, &l, Source::ActivateSession, 0, *code));
            }
            Diagnostics::new(Source::ActivateSession, &b.diagnostic_infos, links).rows(h, out);
        }
        Body::CloseSessionRequest(b) => cx.log(Box::new(CloseSessionRecord {
            head: head.clone(),
            delete_subscriptions: b.delete_subscriptions,
        })),
        Body::CreateSubscriptionRequest(b) => {
            cx.log(Box::new(CreateSubscriptionRecord::Request(head.clone(), b)))
        }
        Body::CreateSubscriptionResponse(b) => cx.log(Box::new(
            CreateSubscriptionRecord::Response(head.clone(), b),
        )),
        Body::GetEndpointsRequest(b) => discovery::get_endpoints_request(h, &b, out),
        Body::GetEndpointsResponse(b) => discovery::get_endpoints_response(h, &b, links, out),
        Body::CreateSessionRequest(b) => discovery::create_session_request(h, &b, out),
        Body::CreateSessionResponse(b) => discovery::create_session_response(h, &b, links, out),
        Body::BrowseRequest(b) => view::browse_request(h, &b, links, out),
        Body::BrowseNextRequest(b) => view::browse_next_request(h, &b, out),
        Body::BrowseResponse(b) => view::browse_response(h, "BrowseResponse", &b, links, out),
        Body::BrowseNextResponse(b) => {
            view::browse_response(h, "BrowseNextResponse", &b, links, out)
        }
        Body::ReadRequest(b) => attribute::read_request(h, &b, links, out),
        Body::ReadResponse(b) => attribute::read_response(h, &b, links, out),
        Body::WriteRequest(b) => attribute::write_request(h, &b, links, out),
        Body::WriteResponse(b) => attribute::write_response(h, &b, links, out),
        Body::CreateMonitoredItemsRequest(b) => {
            subscription::create_monitored_items_request(h, &b, links, out)
        }
        Body::CreateMonitoredItemsResponse(b) => {
            subscription::create_monitored_items_response(h, &b, links, out)
        }
        Body::PublishRequest(b) => subscription::publish_request(h, &b, out),
        Body::PublishResponse(b) => subscription::publish_response(h, &b, links, out),
        Body::CallRequest(b) => method::call_request(h, &b, out),
        Body::CallResponse(b) => method::call_response(h, &b, out),
        // Decoded (a malformed one is a weird), logged in the summary row
        // by name: the reference has no log for them.
        Body::ServiceFault
        | Body::FindServersRequest(_)
        | Body::FindServersResponse(_)
        | Body::TranslateBrowsePathsRequest(_)
        | Body::TranslateBrowsePathsResponse(_) => {}
    }
    for r in rows {
        cx.log(r.finish());
    }
}

/// How the sender of a CreateSession request, or of a GetEndpoints or
/// CreateSession response, describes its application (for the inventory).
fn application(body: &Body<'_>, head: &Head) -> Option<crate::event::Event> {
    let a = match body {
        Body::CreateSessionRequest(b) => &b.client_description,
        Body::GetEndpointsResponse(b) => &b.endpoints.first()?.server,
        Body::CreateSessionResponse(b) => &b.server_endpoints.first()?.server,
        _ => return None,
    };
    let s = |u: otwatch_parsers::opcua::UaString<'_>| {
        u.bytes()
            .filter(|b| !b.is_empty())
            .map(|_| u.text().into_owned())
    };
    let (source, ..) = head.id.endpoints(head.dir);
    Some(crate::event::Event::OpcUaApplication(Box::new(
        crate::event::opcua::Application {
            ts: head.ts,
            host: source,
            application_uri: s(a.application_uri),
            product_uri: s(a.product_uri),
            application_name: a.application_name.text.and_then(s),
            application_type: a.application_type,
        },
    )))
}
