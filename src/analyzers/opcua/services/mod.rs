//! Service-log rows: each decoded service body gives the rows of its
//! ICSNPP log, tied to the summary row by the message's link id. A body
//! that does not decode gives no service row and a weird; the summary row
//! is written either way.

use super::logs::{
    ActivateRequest, ActivateSessionRecord, CloseSessionRecord, CreateSubscriptionRecord, Head,
    OpenRequest, OpenResponse, OpenSecureChannelRecord,
};
use super::{hex, ts_of, REDACTED};
use crate::analyzers::Context;
use crate::output::DynLog;
use otwatch_parsers::opcua::services::{
    ids, ActivateSessionRequest, ActivateSessionResponse, CloseSessionRequest,
    CreateSubscriptionRequest, CreateSubscriptionResponse, OpenSecureChannelRequest,
    OpenSecureChannelResponse, UserIdentityToken,
};
use otwatch_parsers::opcua::{ByteString, Decoder, Identifier, UaString};

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
pub fn request_rows(id: u32, d: &mut Decoder<'_>, head: Head, cx: &mut Context<'_>) {
    let row: Result<Box<dyn DynLog>, otwatch_parsers::Error> = match id {
        ids::OPEN_SECURE_CHANNEL_REQUEST => OpenSecureChannelRequest::decode(d).map(|b| {
            let r = OpenRequest {
                client_proto_ver: b.client_protocol_version,
                request_type: b.request_type,
                security_mode: b.security_mode,
                client_nonce: b.client_nonce.bytes().unwrap_or_default().to_vec(),
                req_lifetime: b.requested_lifetime,
            };
            Box::new(OpenSecureChannelRecord::Request(head, r)) as Box<dyn DynLog>
        }),
        ids::ACTIVATE_SESSION_REQUEST => ActivateSessionRequest::decode(d).map(|b| {
            let r = activate_request(&b, cx);
            Box::new(ActivateSessionRecord::Request(head, Box::new(r))) as Box<dyn DynLog>
        }),
        ids::CLOSE_SESSION_REQUEST => CloseSessionRequest::decode(d).map(|b| {
            Box::new(CloseSessionRecord {
                head,
                delete_subscriptions: b.delete_subscriptions,
            }) as Box<dyn DynLog>
        }),
        ids::CREATE_SUBSCRIPTION_REQUEST => CreateSubscriptionRequest::decode(d)
            .map(|b| Box::new(CreateSubscriptionRecord::Request(head, b)) as Box<dyn DynLog>),
        _ => return,
    };
    emit(row, cx);
}

/// Rows for the body of a response of service `id`, `d` after the header.
pub fn response_rows(id: u32, d: &mut Decoder<'_>, head: Head, cx: &mut Context<'_>) {
    let row: Result<Box<dyn DynLog>, otwatch_parsers::Error> = match id {
        ids::OPEN_SECURE_CHANNEL_RESPONSE => OpenSecureChannelResponse::decode(d).map(|b| {
            let r = OpenResponse {
                server_proto_ver: b.server_protocol_version,
                channel_id: b.security_token.channel_id,
                token_id: b.security_token.token_id,
                created_at: ts_of(b.security_token.created_at),
                revised_lifetime: b.security_token.revised_lifetime,
                server_nonce: b.server_nonce.bytes().unwrap_or_default().to_vec(),
            };
            Box::new(OpenSecureChannelRecord::Response(head, r)) as Box<dyn DynLog>
        }),
        ids::ACTIVATE_SESSION_RESPONSE => ActivateSessionResponse::decode(d).map(|b| {
            let nonce = b.server_nonce.bytes().map(|n| format!("0x{}", hex(n)));
            Box::new(ActivateSessionRecord::Response(head, nonce)) as Box<dyn DynLog>
        }),
        ids::CREATE_SUBSCRIPTION_RESPONSE => CreateSubscriptionResponse::decode(d)
            .map(|b| Box::new(CreateSubscriptionRecord::Response(head, b)) as Box<dyn DynLog>),
        _ => return,
    };
    emit(row, cx);
}

fn emit(row: Result<Box<dyn DynLog>, otwatch_parsers::Error>, cx: &mut Context<'_>) {
    match row {
        Ok(r) => cx.log(r),
        Err(e) => bad_body(e, cx),
    }
}
