//! The bodies of the Discovery service set and of CreateSession (OPC
//! 10000-4, 5.4 and 5.6.2): what a server says about itself (its
//! endpoints, their security and the user tokens they accept) and what a
//! client asks for when it opens a session.

use super::{LocalizedText, Signature, TokenForm, WireNodeId};
use crate::id::Id;

/// ApplicationDescription (7.2); its discovery URLs are not kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApplicationDescription {
    pub application_uri: Option<String>,
    pub product_uri: Option<String>,
    /// The encoding byte of `application_name`.
    pub application_name_mask: u8,
    pub application_name: LocalizedText,
    /// 0 server, 1 client, 2 both, 3 discovery server.
    pub application_type: u32,
    pub gateway_server_uri: Option<String>,
    pub discovery_profile_uri: Option<String>,
}

/// UserTokenPolicy (7.41).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserTokenPolicy {
    pub policy_id: Option<String>,
    /// 0 anonymous, 1 user name, 2 certificate, 3 issued token.
    pub token_type: u32,
    pub issued_token_type: Option<String>,
    pub issuer_endpoint_url: Option<String>,
    pub security_policy_uri: Option<String>,
}

/// EndpointDescription (7.14), with the link of its user token rows (set
/// when it lists any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointDescription {
    pub endpoint_url: Option<String>,
    pub server: ApplicationDescription,
    pub server_certificate: Option<Vec<u8>>,
    /// MessageSecurityMode: 1 None, 2 Sign, 3 SignAndEncrypt.
    pub security_mode: u32,
    pub security_policy_uri: Option<String>,
    pub user_tokens_link: Option<Id>,
    pub user_identity_tokens: Vec<UserTokenPolicy>,
    pub transport_profile_uri: Option<String>,
    pub security_level: u8,
}

/// A list of endpoints and the link of their rows (set when not empty).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub link: Option<Id>,
    pub list: Vec<EndpointDescription>,
}

/// GetEndpointsRequest (5.4.4.2); locales and profiles are not kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetEndpointsRequest {
    pub endpoint_url: Option<String>,
}

/// GetEndpointsResponse (5.4.4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetEndpointsResponse {
    pub endpoints: Endpoints,
}

/// CreateSessionRequest (5.6.2.2).
#[derive(Clone, Debug, PartialEq)]
pub struct CreateSessionRequest {
    pub client_description: ApplicationDescription,
    pub server_uri: Option<String>,
    pub endpoint_url: Option<String>,
    pub session_name: Option<String>,
    pub client_nonce: Option<Vec<u8>>,
    pub client_certificate: Option<Vec<u8>>,
    /// Milliseconds.
    pub requested_session_timeout: f64,
    pub max_response_message_size: u32,
}

/// CreateSessionResponse (5.6.2.2); the authentication token is a
/// secret: only its form is kept.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateSessionResponse {
    pub session_id: WireNodeId,
    pub authentication_token: TokenForm,
    /// Milliseconds.
    pub revised_session_timeout: f64,
    pub server_nonce: Option<Vec<u8>>,
    pub server_certificate: Option<Vec<u8>>,
    pub endpoints: Endpoints,
    pub server_signature: Signature,
    pub max_request_message_size: u32,
}
