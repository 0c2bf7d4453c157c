//! GetEndpoints and CreateSession rows: what a server says about itself
//! (its endpoints, their security and the user tokens they accept) and
//! what a client asks for when it opens a session. The
//! `opcua_binary_get_endpoints*` and `opcua_binary_create_session*` logs.

use super::super::row::{
    byte, count, hex_value, localized_text, node_id, size, text, Links, Log, Row,
};
use super::super::REDACTED;
use crate::analyzers::{message_head_fields, MessageHead};
use crate::output::{field, FieldType as T, Value};
use otwatch_parsers::opcua::services::{
    ApplicationDescription, CreateSessionRequest, CreateSessionResponse, EndpointDescription,
    GetEndpointsRequest, GetEndpointsResponse, UserTokenPolicy,
};
use otwatch_parsers::opcua::{ByteString, Identifier, WireNodeId};

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

pub static GET_ENDPOINTS: Log = Log {
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

pub static GET_ENDPOINTS_DESCRIPTION: Log = Log {
    path: "opcua_binary_get_endpoints_description",
    fields: &GET_ENDPOINTS_DESCRIPTION_FIELDS,
};
pub static CREATE_SESSION_ENDPOINTS: Log = Log {
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

pub static GET_ENDPOINTS_USER_TOKEN: Log = Log {
    path: "opcua_binary_get_endpoints_user_token",
    fields: &USER_TOKEN_FIELDS,
};
pub static CREATE_SESSION_USER_TOKEN: Log = Log {
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

pub static CREATE_SESSION: Log = Log {
    path: "opcua_binary_create_session",
    fields: &CREATE_SESSION_FIELDS,
};

/// The application columns shared by endpoint and session rows. The
/// discovery URLs are not logged (the reference's link is unset too).
fn application(r: &mut Row, a: &ApplicationDescription<'_>) {
    r.push(text(a.application_uri)).push(text(a.product_uri));
    localized_text(r, a.application_name_mask, &a.application_name);
    r.push(count(a.application_type))
        .push(text(a.gateway_server_uri))
        .push(text(a.discovery_profile_uri))
        .push(Value::Unset);
}

/// Nonces, certificates and signatures as the reference prints them,
/// `0x` and hex (whole: the reference cuts them to 24 bytes); empty is
/// unset.
fn prefixed_hex(b: ByteString<'_>) -> Value<'static> {
    match hex_value(b) {
        Value::Str(h) => Value::Str(format!("0x{h}")),
        v => v,
    }
}

/// Rows of the endpoints in `log` and of their user token policies in
/// `tokens`, all linked to the parent by `link`.
fn endpoints(
    head: &MessageHead,
    link: &str,
    list: &[EndpointDescription<'_>],
    (log, tokens): (&'static Log, &'static Log),
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    for e in list {
        let mut r = Row::new(log, head, link);
        r.push(text(e.endpoint_url));
        application(&mut r, &e.server);
        let token_link = (!e.user_identity_tokens.is_empty()).then(|| links.next());
        r.push(size(e.server_certificate))
            .push(prefixed_hex(e.server_certificate))
            .push(count(e.security_mode))
            .push(text(e.security_policy_uri))
            .push(token_link.clone().map_or(Value::Unset, Value::Str))
            .push(text(e.transport_profile_uri))
            .push(count(e.security_level));
        out.push(r);
        if let Some(token_link) = token_link {
            for p in &e.user_identity_tokens {
                out.push(user_token(head, &token_link, tokens, p));
            }
        }
    }
}

fn user_token(head: &MessageHead, link: &str, log: &'static Log, p: &UserTokenPolicy<'_>) -> Row {
    let mut r = Row::new(log, head, link);
    r.push(text(p.policy_id))
        .push(count(p.token_type))
        .push(text(p.issued_token_type))
        .push(text(p.issuer_endpoint_url))
        .push(text(p.security_policy_uri));
    r
}

pub fn get_endpoints_request(head: &MessageHead, b: &GetEndpointsRequest<'_>, out: &mut Vec<Row>) {
    let mut r = Row::new(&GET_ENDPOINTS, head, &head.link);
    r.push(text(b.endpoint_url));
    out.push(r);
}

pub fn get_endpoints_response(
    head: &MessageHead,
    b: &GetEndpointsResponse<'_>,
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    let link = (!b.endpoints.is_empty()).then(|| links.next());
    let mut r = Row::new(&GET_ENDPOINTS, head, &head.link);
    r.unset(3)
        .push(link.clone().map_or(Value::Unset, Value::Str));
    out.push(r);
    if let Some(link) = link {
        let logs = (&GET_ENDPOINTS_DESCRIPTION, &GET_ENDPOINTS_USER_TOKEN);
        endpoints(head, &link, &b.endpoints, logs, links, out);
    }
}

pub fn create_session_request(
    head: &MessageHead,
    b: &CreateSessionRequest<'_>,
    out: &mut Vec<Row>,
) {
    let mut r = Row::new(&CREATE_SESSION, head, &head.link);
    application(&mut r, &b.client_description);
    r.push(text(b.server_uri))
        .push(text(b.endpoint_url))
        .push(text(b.session_name))
        .push(prefixed_hex(b.client_nonce))
        .push(size(b.client_certificate))
        .push(prefixed_hex(b.client_certificate))
        .push(count(b.requested_session_timeout as u64))
        .push(count(b.max_response_message_size));
    out.push(r);
}

/// The authentication token is the session's bearer secret (whoever has
/// it can use the session on an unsecured channel): only its form is
/// logged, as in the summary log's request-header columns.
fn token(r: &mut Row, t: &WireNodeId<'_>) {
    r.push(byte(t.encoding)).push(if t.encoding & 0x0f == 0 {
        Value::Unset
    } else {
        count(t.node_id.namespace)
    });
    let redacted = || Value::Ref(REDACTED);
    let (numeric, string, guid, opaque) = match t.node_id.identifier {
        Identifier::Numeric(0) => (count(0u32), Value::Unset, Value::Unset, Value::Unset),
        Identifier::Numeric(_) => (Value::Unset, Value::Unset, Value::Unset, Value::Unset),
        Identifier::String(_) => (Value::Unset, redacted(), Value::Unset, Value::Unset),
        Identifier::Guid(_) => (Value::Unset, Value::Unset, redacted(), Value::Unset),
        Identifier::Opaque(_) => (Value::Unset, Value::Unset, Value::Unset, redacted()),
    };
    r.push(numeric).push(string).push(guid).push(opaque);
}

pub fn create_session_response(
    head: &MessageHead,
    b: &CreateSessionResponse<'_>,
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    let link = (!b.server_endpoints.is_empty()).then(|| links.next());
    let mut r = Row::new(&CREATE_SESSION, head, &head.link);
    r.unset(17);
    node_id(&mut r, &b.session_id);
    token(&mut r, &b.authentication_token);
    r.push(count(b.revised_session_timeout as u64))
        .push(prefixed_hex(b.server_nonce))
        .push(size(b.server_certificate))
        .push(prefixed_hex(b.server_certificate))
        .push(link.clone().map_or(Value::Unset, Value::Str))
        .push(text(b.server_signature.algorithm))
        .push(prefixed_hex(b.server_signature.signature))
        .push(count(b.max_request_message_size));
    out.push(r);
    if let Some(link) = link {
        let logs = (&CREATE_SESSION_ENDPOINTS, &CREATE_SESSION_USER_TOKEN);
        endpoints(head, &link, &b.server_endpoints, logs, links, out);
    }
}
