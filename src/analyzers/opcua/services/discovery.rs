//! GetEndpoints and CreateSession bodies.

use super::super::links::Links;
use super::super::own::{self, bytes, signature, text};
use super::application_description;
use crate::event::opcua::{self as ev, Endpoints};
use otwatch_parsers::opcua::services::{
    CreateSessionRequest, CreateSessionResponse, EndpointDescription, UserTokenPolicy,
};

fn user_token_policy(p: &UserTokenPolicy<'_>) -> ev::UserTokenPolicy {
    ev::UserTokenPolicy {
        policy_id: text(p.policy_id),
        token_type: p.token_type,
        issued_token_type: text(p.issued_token_type),
        issuer_endpoint_url: text(p.issuer_endpoint_url),
        security_policy_uri: text(p.security_policy_uri),
    }
}

/// A list of endpoints: its link, then each endpoint's user token link.
pub fn endpoints(list: &[EndpointDescription<'_>], links: &mut Links<'_>) -> Endpoints {
    let link = (!list.is_empty()).then(|| links.next());
    let list = list
        .iter()
        .map(|e| ev::EndpointDescription {
            endpoint_url: text(e.endpoint_url),
            server: application_description(&e.server),
            server_certificate: bytes(e.server_certificate),
            security_mode: e.security_mode,
            security_policy_uri: text(e.security_policy_uri),
            user_tokens_link: (!e.user_identity_tokens.is_empty()).then(|| links.next()),
            user_identity_tokens: e
                .user_identity_tokens
                .iter()
                .map(user_token_policy)
                .collect(),
            transport_profile_uri: text(e.transport_profile_uri),
            security_level: e.security_level,
        })
        .collect();
    Endpoints { link, list }
}

pub fn create_session_request(b: &CreateSessionRequest<'_>) -> ev::CreateSessionRequest {
    ev::CreateSessionRequest {
        client_description: application_description(&b.client_description),
        server_uri: text(b.server_uri),
        endpoint_url: text(b.endpoint_url),
        session_name: text(b.session_name),
        client_nonce: bytes(b.client_nonce),
        client_certificate: bytes(b.client_certificate),
        requested_session_timeout: b.requested_session_timeout,
        max_response_message_size: b.max_response_message_size,
    }
}

pub fn create_session_response(
    b: &CreateSessionResponse<'_>,
    links: &mut Links<'_>,
) -> ev::CreateSessionResponse {
    ev::CreateSessionResponse {
        session_id: own::wire_node_id(&b.session_id),
        authentication_token: own::token_form(&b.authentication_token),
        revised_session_timeout: b.revised_session_timeout,
        server_nonce: bytes(b.server_nonce),
        server_certificate: bytes(b.server_certificate),
        endpoints: endpoints(&b.server_endpoints, links),
        server_signature: signature(&b.server_signature),
        max_request_message_size: b.max_request_message_size,
    }
}
