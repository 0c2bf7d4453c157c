//! GetEndpoints and CreateSession rows: what a server says about itself
//! (its endpoints, their security and the user tokens they accept) and
//! what a client asks for when it opens a session. The
//! `opcua_binary_get_endpoints*` and `opcua_binary_create_session*` logs.

use super::row::{byte, count, localized_text, node_id, size, text, Cells, Log, Rows};
use super::REDACTED;
use crate::event::opcua::{
    ApplicationDescription, CreateSessionRequest, CreateSessionResponse, Endpoints,
    GetEndpointsRequest, GetEndpointsResponse, TokenForm, TokenKind, UserTokenPolicy,
};
use crate::logs::message_head_fields;
use crate::output::{field, FieldType as T, Value};

crate::columns_after!(
    GET_ENDPOINTS_FIELDS,
    message_head_fields("opcua_link_id"),
    12,
    [
        field("endpoint_url", T::String),
        field("locale_link_id", T::String),
        field("profile_uri_link_id", T::String),
        field("endpoint_description_link_id", T::String),
    ]
);

static GET_ENDPOINTS: Log = Log {
    path: "opcua_binary_get_endpoints",
    fields: &GET_ENDPOINTS_FIELDS,
};

/// The columns of one EndpointDescription, after the head.
macro_rules! endpoint_fields {
    ($name:ident, $link:literal, $first:literal) => {
        crate::columns_after!(
            $name,
            message_head_fields($link),
            12,
            [
                field($first, T::String),
                field("application_uri", T::String),
                field("product_uri", T::String),
                field("encoding_mask", T::Count),
                field("locale", T::String),
                field("text", T::String),
                field("application_type", T::Count),
                field("gateway_server_uri", T::String),
                field("discovery_profile_uri", T::String),
                field("discovery_profile_link_id", T::String),
                field("cert_size", T::Count),
                field("server_cert", T::String),
                field("message_security_mode", T::Count),
                field("security_policy_uri", T::String),
                field("user_token_link_id", T::String),
                field("transport_profile_uri", T::String),
                field("security_level", T::Count),
            ]
        );
    };
}

endpoint_fields!(
    GET_ENDPOINTS_DESCRIPTION_FIELDS,
    "endpoint_description_link_id",
    "endpoint_uri"
);
endpoint_fields!(
    CREATE_SESSION_ENDPOINTS_FIELDS,
    "endpoint_link_id",
    "endpoint_url"
);

static GET_ENDPOINTS_DESCRIPTION: Log = Log {
    path: "opcua_binary_get_endpoints_description",
    fields: &GET_ENDPOINTS_DESCRIPTION_FIELDS,
};
static CREATE_SESSION_ENDPOINTS: Log = Log {
    path: "opcua_binary_create_session_endpoints",
    fields: &CREATE_SESSION_ENDPOINTS_FIELDS,
};

crate::columns_after!(
    USER_TOKEN_FIELDS,
    message_head_fields("user_token_link_id"),
    12,
    [
        field("user_token_policy_id", T::String),
        field("user_token_type", T::Count),
        field("user_token_issued_type", T::String),
        field("user_token_endpoint_url", T::String),
        field("user_token_sec_policy_uri", T::String),
    ]
);

static GET_ENDPOINTS_USER_TOKEN: Log = Log {
    path: "opcua_binary_get_endpoints_user_token",
    fields: &USER_TOKEN_FIELDS,
};
static CREATE_SESSION_USER_TOKEN: Log = Log {
    path: "opcua_binary_create_session_user_token",
    fields: &USER_TOKEN_FIELDS,
};

crate::columns_after!(
    CREATE_SESSION_FIELDS,
    message_head_fields("opcua_link_id"),
    12,
    [
        field("application_uri", T::String),
        field("product_uri", T::String),
        field("encoding_mask", T::Count),
        field("locale", T::String),
        field("text", T::String),
        field("application_type", T::Count),
        field("gateway_server_uri", T::String),
        field("discovery_profile_uri", T::String),
        field("discovery_profile_link_id", T::String),
        field("server_uri", T::String),
        field("endpoint_url", T::String),
        field("session_name", T::String),
        field("client_nonce", T::String),
        field("client_cert_size", T::Count),
        field("client_cert", T::String),
        field("req_session_timeout", T::Count),
        field("max_res_msg_size", T::Count),
        field("session_id_encoding_mask", T::String),
        field("session_id_namespace_idx", T::Count),
        field("session_id_numeric", T::Count),
        field("session_id_string", T::String),
        field("session_id_guid", T::String),
        field("session_id_opaque", T::String),
        field("auth_token_encoding_mask", T::String),
        field("auth_token_namespace_idx", T::Count),
        field("auth_token_numeric", T::Count),
        field("auth_token_string", T::String),
        field("auth_token_guid", T::String),
        field("auth_token_opaque", T::String),
        field("revised_session_timeout", T::Count),
        field("server_nonce", T::String),
        field("server_cert_size", T::Count),
        field("server_cert", T::String),
        field("endpoint_link_id", T::String),
        field("algorithm", T::String),
        field("signature", T::String),
        field("max_req_msg_size", T::Count),
    ]
);

static CREATE_SESSION: Log = Log {
    path: "opcua_binary_create_session",
    fields: &CREATE_SESSION_FIELDS,
};

/// The application columns shared by endpoint and session rows. The
/// discovery URLs are not logged (the reference's link is unset too).
fn application<'e>(r: &mut Cells<'e>, a: &'e ApplicationDescription) {
    r.push(text(&a.application_uri)).push(text(&a.product_uri));
    localized_text(r, a.application_name_mask, &a.application_name);
    r.push(count(a.application_type))
        .push(text(&a.gateway_server_uri))
        .push(text(&a.discovery_profile_uri))
        .push(Value::Unset);
}

/// Nonces, certificates and signatures as the reference prints them,
/// `0x` and hex (whole: the reference cuts them to 24 bytes); empty is
/// unset.
fn prefixed_hex(b: &Option<Vec<u8>>) -> Value<'static> {
    match b.as_deref() {
        Some(b) if !b.is_empty() => {
            let mut s = String::with_capacity(b.len().saturating_mul(2).saturating_add(2));
            s.push_str("0x");
            crate::output::push_hex_bytes(&mut s, b);
            Value::Str(s)
        }
        _ => Value::Unset,
    }
}

/// Rows of the endpoints in `log` and of their user token policies in
/// `tokens`, all linked to the parent by the list's link.
fn endpoints<'e>(
    rows: &mut Rows<'e, '_>,
    list: &'e Endpoints,
    (log, tokens): (&'static Log, &'static Log),
) {
    let Some(link) = &list.link else { return };
    for e in &list.list {
        let r = rows.start();
        r.push(text(&e.endpoint_url));
        application(r, &e.server);
        r.push(size(&e.server_certificate))
            .push(prefixed_hex(&e.server_certificate))
            .push(count(e.security_mode))
            .push(text(&e.security_policy_uri))
            .push(
                e.user_tokens_link
                    .as_deref()
                    .map_or(Value::Unset, Value::Plain),
            )
            .push(text(&e.transport_profile_uri))
            .push(count(e.security_level));
        rows.emit(log, link);
        if let Some(token_link) = &e.user_tokens_link {
            for p in &e.user_identity_tokens {
                user_token(rows, token_link, tokens, p);
            }
        }
    }
}

fn user_token<'e>(
    rows: &mut Rows<'e, '_>,
    link: &'e str,
    log: &'static Log,
    p: &'e UserTokenPolicy,
) {
    rows.start()
        .push(text(&p.policy_id))
        .push(count(p.token_type))
        .push(text(&p.issued_token_type))
        .push(text(&p.issuer_endpoint_url))
        .push(text(&p.security_policy_uri));
    rows.emit(log, link);
}

pub fn get_endpoints_request<'e>(rows: &mut Rows<'e, '_>, b: &'e GetEndpointsRequest) {
    rows.start().push(text(&b.endpoint_url));
    rows.emit_message(&GET_ENDPOINTS);
}

pub fn get_endpoints_response<'e>(rows: &mut Rows<'e, '_>, b: &'e GetEndpointsResponse) {
    let list = &b.endpoints;
    rows.start()
        .unset(3)
        .push(list.link.as_deref().map_or(Value::Unset, Value::Plain));
    rows.emit_message(&GET_ENDPOINTS);
    let logs = (&GET_ENDPOINTS_DESCRIPTION, &GET_ENDPOINTS_USER_TOKEN);
    endpoints(rows, list, logs);
}

pub fn create_session_request<'e>(rows: &mut Rows<'e, '_>, b: &'e CreateSessionRequest) {
    let r = rows.start();
    application(r, &b.client_description);
    r.push(text(&b.server_uri))
        .push(text(&b.endpoint_url))
        .push(text(&b.session_name))
        .push(prefixed_hex(&b.client_nonce))
        .push(size(&b.client_certificate))
        .push(prefixed_hex(&b.client_certificate))
        .push(count(b.requested_session_timeout as u64))
        .push(count(b.max_response_message_size));
    rows.emit_message(&CREATE_SESSION);
}

/// The authentication token is the session's bearer secret (whoever has
/// it can use the session on an unsecured channel): only its form is
/// logged, as in the summary log's request-header columns.
fn token(r: &mut Cells<'_>, t: &TokenForm) {
    r.push(byte(t.encoding)).push(if t.encoding & 0x0f == 0 {
        Value::Unset
    } else {
        count(t.namespace)
    });
    let redacted = || Value::Plain(REDACTED);
    let (numeric, string, guid, opaque) = match t.kind {
        TokenKind::Null => (count(0u32), Value::Unset, Value::Unset, Value::Unset),
        TokenKind::Numeric => (Value::Unset, Value::Unset, Value::Unset, Value::Unset),
        TokenKind::String => (Value::Unset, redacted(), Value::Unset, Value::Unset),
        TokenKind::Guid => (Value::Unset, Value::Unset, redacted(), Value::Unset),
        TokenKind::Opaque => (Value::Unset, Value::Unset, Value::Unset, redacted()),
    };
    r.push(numeric).push(string).push(guid).push(opaque);
}

pub fn create_session_response<'e>(rows: &mut Rows<'e, '_>, b: &'e CreateSessionResponse) {
    let list = &b.endpoints;
    let r = rows.start();
    r.unset(17);
    node_id(r, &b.session_id);
    token(r, &b.authentication_token);
    r.push(count(b.revised_session_timeout as u64))
        .push(prefixed_hex(&b.server_nonce))
        .push(size(&b.server_certificate))
        .push(prefixed_hex(&b.server_certificate))
        .push(list.link.as_deref().map_or(Value::Unset, Value::Plain))
        .push(text(&b.server_signature.algorithm))
        .push(prefixed_hex(&b.server_signature.signature))
        .push(count(b.max_request_message_size));
    rows.emit_message(&CREATE_SESSION);
    let logs = (&CREATE_SESSION_ENDPOINTS, &CREATE_SESSION_USER_TOKEN);
    endpoints(rows, list, logs);
}

/// This module's logs (for their schemas).
pub(super) static LOGS: [&Log; 6] = [
    &GET_ENDPOINTS,
    &GET_ENDPOINTS_DESCRIPTION,
    &CREATE_SESSION_ENDPOINTS,
    &GET_ENDPOINTS_USER_TOKEN,
    &CREATE_SESSION_USER_TOKEN,
    &CREATE_SESSION,
];
