//! OpenSecureChannel, ActivateSession and CloseSession rows
//! (`opcua_binary_opensecure_channel`, `_activate_session`,
//! `_close_session`).

use super::names::identity_token_name;
use super::row::{byte, count, text, Log, Rows};
use super::status::Source;
use super::REDACTED;
use crate::event::opcua::{
    ActivateSessionRequest, ActivateSessionResponse, CloseSessionRequest, Identifier,
    IdentityToken, OpenSecureChannelRequest, OpenSecureChannelResponse,
};
use crate::logs::message_head_fields;
use crate::output::{field, FieldType as T, Value};

crate::columns_after!(
    OPEN_SECURE_CHANNEL_FIELDS,
    message_head_fields("opcua_link_id"),
    12,
    [
        field("client_proto_ver", T::Count),
        field("sec_token_request_type", T::Count),
        field("message_security_mode", T::Count),
        field("client_nonce", T::String),
        field("req_lifetime", T::Count),
        field("server_proto_ver", T::Count),
        field("sec_token_sec_channel_id", T::Count),
        field("sec_token_id", T::Count),
        field("sec_token_created_at", T::Time),
        field("sec_token_revised_time", T::Count),
        field("server_nonce", T::String),
    ]
);

static OPEN_SECURE_CHANNEL: Log = Log {
    path: "opcua_binary_opensecure_channel",
    fields: &OPEN_SECURE_CHANNEL_FIELDS,
};

crate::columns_after!(
    ACTIVATE_SESSION_FIELDS,
    message_head_fields("opcua_link_id"),
    12,
    [
        field("client_algorithm", T::String),
        field("client_signature", T::String),
        field("ext_obj_type_id_encoding_mask", T::String),
        field("ext_obj_type_id_namespace_idx", T::Count),
        field("ext_obj_type_id_numeric", T::Count),
        field("ext_obj_type_id_string", T::String),
        field("ext_obj_type_id_guid", T::String),
        field("ext_obj_type_id_opaque", T::String),
        field("ext_obj_type_id_str", T::String),
        field("ext_obj_encoding", T::String),
        field("ext_obj_policy_id", T::String),
        field("ext_obj_user_name", T::String),
        field("ext_obj_password", T::String),
        field("ext_obj_encryption_algorithom", T::String),
        field("ext_obj_certificate_data", T::String),
        field("ext_obj_token_data", T::String),
        field("user_token_algorithm", T::String),
        field("user_token_signature", T::String),
        field("server_nonce", T::String),
    ]
);

static ACTIVATE_SESSION: Log = Log {
    path: "opcua_binary_activate_session",
    fields: &ACTIVATE_SESSION_FIELDS,
};

crate::columns_after!(
    CLOSE_SESSION_FIELDS,
    message_head_fields("opcua_link_id"),
    12,
    [field("del_subscriptions", T::Bool)]
);

static CLOSE_SESSION: Log = Log {
    path: "opcua_binary_close_session",
    fields: &CLOSE_SESSION_FIELDS,
};

/// Nonces as the reference prints them: their bytes as text (empty on
/// unsecured channels; null shows as empty).
fn nonce(n: &Option<Vec<u8>>) -> Value<'_> {
    Value::BytesRef(n.as_deref().unwrap_or_default())
}

/// Hex of a ByteString; null is unset, empty is `(empty)`.
fn hex(b: &Option<Vec<u8>>) -> Value<'_> {
    b.as_deref().map_or(Value::Unset, Value::HexBytes)
}

/// The marker for a secret that was sent (never the secret itself).
fn secret(sent: bool) -> Value<'static> {
    if sent {
        Value::Plain(REDACTED)
    } else {
        Value::Unset
    }
}

pub fn open_secure_channel_request<'e>(rows: &mut Rows<'e, '_>, b: &'e OpenSecureChannelRequest) {
    rows.start()
        .push(count(b.client_protocol_version))
        .push(count(b.request_type))
        .push(count(b.security_mode))
        .push(nonce(&b.client_nonce))
        .push(count(b.requested_lifetime));
    rows.emit_message(&OPEN_SECURE_CHANNEL);
}

pub fn open_secure_channel_response<'e>(rows: &mut Rows<'e, '_>, b: &'e OpenSecureChannelResponse) {
    rows.start()
        .unset(5)
        .push(count(b.server_protocol_version))
        .push(count(b.channel_id))
        .push(count(b.token_id))
        .push(Value::Time(b.created_at.ts()))
        .push(count(b.revised_lifetime))
        .push(nonce(&b.server_nonce));
    rows.emit_message(&OPEN_SECURE_CHANNEL);
}

pub fn activate_session_request<'e>(rows: &mut Rows<'e, '_>, b: &'e ActivateSessionRequest) {
    let r = rows.start();
    let t = &b.token_type;
    r.push(text(&b.client_signature.algorithm))
        .push(hex(&b.client_signature.signature))
        .push(byte(t.encoding))
        .push(count(t.node_id.namespace));
    // String, Guid and opaque type ids do not occur for the standard
    // tokens; any other form is shown in the string column in NodeId text
    // form.
    match &t.node_id.identifier {
        Identifier::Numeric(n) => r.push(count(*n)).push(Value::Unset),
        _ => r.push(Value::Unset).push(Value::Str(t.node_id.to_string())),
    };
    r.unset(2)
        .push(super::row::name(identity_token_name(b.token_kind())))
        .push(byte(b.token_encoding));
    let (mut policy, mut user, mut password, mut algorithm, mut certificate, mut token) = (
        Value::Unset,
        Value::Unset,
        Value::Unset,
        Value::Unset,
        Value::Unset,
        Value::Unset,
    );
    match &b.token {
        Some(IdentityToken::Anonymous { policy_id }) => policy = text(policy_id),
        Some(IdentityToken::UserName {
            policy_id,
            user_name,
            password_sent,
            encryption_algorithm,
        }) => {
            policy = text(policy_id);
            user = text(user_name);
            password = secret(*password_sent);
            algorithm = text(encryption_algorithm);
        }
        Some(IdentityToken::Certificate {
            policy_id,
            certificate: c,
        }) => {
            policy = text(policy_id);
            certificate = hex(c);
        }
        Some(IdentityToken::Issued {
            policy_id,
            token_sent,
            encryption_algorithm,
        }) => {
            policy = text(policy_id);
            token = secret(*token_sent);
            algorithm = text(encryption_algorithm);
        }
        None => {}
    }
    r.push(policy)
        .push(user)
        .push(password)
        .push(algorithm)
        .push(certificate)
        .push(token)
        .push(text(&b.user_token_signature.algorithm))
        .push(hex(&b.user_token_signature.signature))
        .push(Value::Unset);
    rows.emit_message(&ACTIVATE_SESSION);
}

pub fn activate_session_response<'e>(rows: &mut Rows<'e, '_>, b: &'e ActivateSessionResponse) {
    let r = rows.start();
    r.unset(18);
    // The server nonce, `0x` and hex.
    r.push(b.server_nonce.as_deref().map_or(Value::Unset, |n| {
        let mut s = String::with_capacity(n.len().saturating_mul(2).saturating_add(2));
        s.push_str("0x");
        crate::output::push_hex_bytes(&mut s, n);
        Value::Str(s)
    }));
    rows.emit_message(&ACTIVATE_SESSION);
    for s in &b.results {
        rows.status(&s.link, Source::ActivateSession, s.code);
    }
    rows.diagnostics(Source::ActivateSession, &b.diagnostics);
}

pub fn close_session_request<'e>(rows: &mut Rows<'e, '_>, b: &'e CloseSessionRequest) {
    rows.start().push(Value::Bool(b.delete_subscriptions));
    rows.emit_message(&CLOSE_SESSION);
}

/// This module's logs (for their schemas).
pub(super) static LOGS: [&Log; 3] = [&OPEN_SECURE_CHANNEL, &ACTIVATE_SESSION, &CLOSE_SESSION];
