//! OpenSecureChannel and Session bodies (CreateSession is with discovery).

use super::super::links::Links;
use super::super::own::{self, bytes, signature, text};
use super::{bad_body, diagnostics};
use crate::analyzers::Context;
use crate::event::opcua::{self as ev, IdentityToken, LinkedStatus};
use otwatch_parsers::opcua::services::{
    ActivateSessionRequest, ActivateSessionResponse, OpenSecureChannelRequest,
    OpenSecureChannelResponse, UserIdentityToken,
};

pub fn open_secure_channel_request(
    b: &OpenSecureChannelRequest<'_>,
) -> ev::OpenSecureChannelRequest {
    ev::OpenSecureChannelRequest {
        client_protocol_version: b.client_protocol_version,
        request_type: b.request_type,
        security_mode: b.security_mode,
        client_nonce: bytes(b.client_nonce),
        requested_lifetime: b.requested_lifetime,
    }
}

pub fn open_secure_channel_response(
    b: &OpenSecureChannelResponse<'_>,
) -> ev::OpenSecureChannelResponse {
    ev::OpenSecureChannelResponse {
        server_protocol_version: b.server_protocol_version,
        channel_id: b.security_token.channel_id,
        token_id: b.security_token.token_id,
        created_at: ev::DateTime(b.security_token.created_at),
        revised_lifetime: b.security_token.revised_lifetime,
        server_nonce: bytes(b.server_nonce),
    }
}

/// The user identity token without its secret: whether a password or an
/// issued token was sent, never its bytes.
fn identity_token(t: UserIdentityToken<'_>) -> IdentityToken {
    match t {
        UserIdentityToken::Anonymous { policy_id } => IdentityToken::Anonymous {
            policy_id: text(policy_id),
        },
        UserIdentityToken::UserName {
            policy_id,
            user_name,
            password,
            encryption_algorithm,
        } => IdentityToken::UserName {
            policy_id: text(policy_id),
            user_name: text(user_name),
            password_sent: password.bytes().is_some(),
            encryption_algorithm: text(encryption_algorithm),
        },
        UserIdentityToken::X509 {
            policy_id,
            certificate_data,
        } => IdentityToken::Certificate {
            policy_id: text(policy_id),
            certificate: bytes(certificate_data),
        },
        UserIdentityToken::Issued {
            policy_id,
            token_data,
            encryption_algorithm,
        } => IdentityToken::Issued {
            policy_id: text(policy_id),
            token_sent: token_data.bytes().is_some(),
            encryption_algorithm: text(encryption_algorithm),
        },
    }
}

pub fn activate_session_request(
    b: &ActivateSessionRequest<'_>,
    cx: &mut Context<'_>,
) -> ev::ActivateSessionRequest {
    let x = &b.user_identity_token;
    let token = match UserIdentityToken::decode(x) {
        Some(Ok(t)) => Some(identity_token(t)),
        Some(Err(e)) => {
            bad_body(e, cx);
            None
        }
        None => None,
    };
    ev::ActivateSessionRequest {
        client_signature: signature(&b.client_signature),
        token_type: ev::WireNodeId {
            encoding: x.type_id_encoding,
            node_id: own::node_id(&x.type_id),
        },
        token_encoding: own::body_encoding(&x.body),
        token,
        user_token_signature: signature(&b.user_token_signature),
    }
}

pub fn activate_session_response(
    b: &ActivateSessionResponse<'_>,
    links: &mut Links<'_>,
) -> ev::ActivateSessionResponse {
    let results = b
        .results
        .iter()
        .map(|&code| LinkedStatus {
            link: links.next(),
            code,
        })
        .collect();
    ev::ActivateSessionResponse {
        server_nonce: bytes(b.server_nonce),
        results,
        diagnostics: diagnostics(&b.diagnostic_infos, links),
    }
}
