//! Discovery (OPC 10000-4, 5.4: FindServers, GetEndpoints) and
//! CreateSession (5.6.2), which returns the same EndpointDescriptions.

use super::session::SignatureData;
use crate::opcua::types::{ByteString, LocalizedText, UaString, WireNodeId};
use crate::opcua::Decoder;
use crate::Error;

/// ApplicationDescription (OPC 10000-4, 7.2).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApplicationDescription<'a> {
    /// ApplicationUri.
    pub application_uri: UaString<'a>,
    /// ProductUri.
    pub product_uri: UaString<'a>,
    /// ApplicationName.
    pub application_name: LocalizedText<'a>,
    /// The LocalizedText encoding byte of the name (the logs show it).
    pub application_name_mask: u8,
    /// ApplicationType: 0 server, 1 client, 2 both, 3 discovery server.
    pub application_type: u32,
    /// GatewayServerUri.
    pub gateway_server_uri: UaString<'a>,
    /// DiscoveryProfileUri.
    pub discovery_profile_uri: UaString<'a>,
    /// DiscoveryUrls.
    pub discovery_urls: Vec<UaString<'a>>,
}

impl<'a> ApplicationDescription<'a> {
    /// Decodes one ApplicationDescription.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(ApplicationDescription {
            application_uri: d.string()?,
            product_uri: d.string()?,
            application_name_mask: d.rest().first().copied().unwrap_or(0),
            application_name: d.localized_text()?,
            application_type: d.u32()?,
            gateway_server_uri: d.string()?,
            discovery_profile_uri: d.string()?,
            discovery_urls: d.array_or_empty(Decoder::string)?,
        })
    }
}

/// UserTokenPolicy (OPC 10000-4, 7.41).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserTokenPolicy<'a> {
    /// PolicyId.
    pub policy_id: UaString<'a>,
    /// TokenType: 0 anonymous, 1 user name, 2 certificate, 3 issued token.
    pub token_type: u32,
    /// IssuedTokenType.
    pub issued_token_type: UaString<'a>,
    /// IssuerEndpointUrl.
    pub issuer_endpoint_url: UaString<'a>,
    /// SecurityPolicyUri.
    pub security_policy_uri: UaString<'a>,
}

impl<'a> UserTokenPolicy<'a> {
    fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(UserTokenPolicy {
            policy_id: d.string()?,
            token_type: d.u32()?,
            issued_token_type: d.string()?,
            issuer_endpoint_url: d.string()?,
            security_policy_uri: d.string()?,
        })
    }
}

/// EndpointDescription (OPC 10000-4, 7.14).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointDescription<'a> {
    /// EndpointUrl.
    pub endpoint_url: UaString<'a>,
    /// Server.
    pub server: ApplicationDescription<'a>,
    /// ServerCertificate.
    pub server_certificate: ByteString<'a>,
    /// SecurityMode: 1 None, 2 Sign, 3 SignAndEncrypt.
    pub security_mode: u32,
    /// SecurityPolicyUri.
    pub security_policy_uri: UaString<'a>,
    /// UserIdentityTokens.
    pub user_identity_tokens: Vec<UserTokenPolicy<'a>>,
    /// TransportProfileUri.
    pub transport_profile_uri: UaString<'a>,
    /// SecurityLevel.
    pub security_level: u8,
}

impl<'a> EndpointDescription<'a> {
    fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(EndpointDescription {
            endpoint_url: d.string()?,
            server: ApplicationDescription::decode(d)?,
            server_certificate: d.byte_string()?,
            security_mode: d.u32()?,
            security_policy_uri: d.string()?,
            user_identity_tokens: d.array_or_empty(UserTokenPolicy::decode)?,
            transport_profile_uri: d.string()?,
            security_level: d.u8()?,
        })
    }
}

/// GetEndpointsRequest (OPC 10000-4, 5.4.4.2), after its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetEndpointsRequest<'a> {
    /// EndpointUrl.
    pub endpoint_url: UaString<'a>,
    /// LocaleIds.
    pub locale_ids: Vec<UaString<'a>>,
    /// ProfileUris.
    pub profile_uris: Vec<UaString<'a>>,
}

impl<'a> GetEndpointsRequest<'a> {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(GetEndpointsRequest {
            endpoint_url: d.string()?,
            locale_ids: d.array_or_empty(Decoder::string)?,
            profile_uris: d.array_or_empty(Decoder::string)?,
        })
    }
}

/// GetEndpointsResponse (OPC 10000-4, 5.4.4.2), after its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetEndpointsResponse<'a> {
    /// Endpoints.
    pub endpoints: Vec<EndpointDescription<'a>>,
}

impl<'a> GetEndpointsResponse<'a> {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(GetEndpointsResponse {
            endpoints: d.array_or_empty(EndpointDescription::decode)?,
        })
    }
}

/// FindServersRequest (OPC 10000-4, 5.4.2.2), after its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindServersRequest<'a> {
    /// EndpointUrl.
    pub endpoint_url: UaString<'a>,
    /// LocaleIds.
    pub locale_ids: Vec<UaString<'a>>,
    /// ServerUris.
    pub server_uris: Vec<UaString<'a>>,
}

impl<'a> FindServersRequest<'a> {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(FindServersRequest {
            endpoint_url: d.string()?,
            locale_ids: d.array_or_empty(Decoder::string)?,
            server_uris: d.array_or_empty(Decoder::string)?,
        })
    }
}

/// FindServersResponse (OPC 10000-4, 5.4.2.2), after its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindServersResponse<'a> {
    /// Servers.
    pub servers: Vec<ApplicationDescription<'a>>,
}

impl<'a> FindServersResponse<'a> {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(FindServersResponse {
            servers: d.array_or_empty(ApplicationDescription::decode)?,
        })
    }
}

/// CreateSessionRequest (OPC 10000-4, 5.6.2.2), after its header.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateSessionRequest<'a> {
    /// ClientDescription.
    pub client_description: ApplicationDescription<'a>,
    /// ServerUri.
    pub server_uri: UaString<'a>,
    /// EndpointUrl.
    pub endpoint_url: UaString<'a>,
    /// SessionName.
    pub session_name: UaString<'a>,
    /// ClientNonce.
    pub client_nonce: ByteString<'a>,
    /// ClientCertificate.
    pub client_certificate: ByteString<'a>,
    /// RequestedSessionTimeout in milliseconds.
    pub requested_session_timeout: f64,
    /// MaxResponseMessageSize (0: no limit).
    pub max_response_message_size: u32,
}

impl<'a> CreateSessionRequest<'a> {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(CreateSessionRequest {
            client_description: ApplicationDescription::decode(d)?,
            server_uri: d.string()?,
            endpoint_url: d.string()?,
            session_name: d.string()?,
            client_nonce: d.byte_string()?,
            client_certificate: d.byte_string()?,
            requested_session_timeout: d.f64()?,
            max_response_message_size: d.u32()?,
        })
    }
}

/// CreateSessionResponse (OPC 10000-4, 5.6.2.2), after its header.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateSessionResponse<'a> {
    /// SessionId.
    pub session_id: WireNodeId<'a>,
    /// AuthenticationToken: the session's bearer secret on unsecured
    /// channels.
    pub authentication_token: WireNodeId<'a>,
    /// RevisedSessionTimeout in milliseconds.
    pub revised_session_timeout: f64,
    /// ServerNonce.
    pub server_nonce: ByteString<'a>,
    /// ServerCertificate.
    pub server_certificate: ByteString<'a>,
    /// ServerEndpoints.
    pub server_endpoints: Vec<EndpointDescription<'a>>,
    /// ServerSoftwareCertificates (certificate, signature); deprecated.
    pub server_software_certificates: Vec<(ByteString<'a>, ByteString<'a>)>,
    /// ServerSignature.
    pub server_signature: SignatureData<'a>,
    /// MaxRequestMessageSize (0: no limit).
    pub max_request_message_size: u32,
}

impl<'a> CreateSessionResponse<'a> {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(CreateSessionResponse {
            session_id: d.wire_node_id()?,
            authentication_token: d.wire_node_id()?,
            revised_session_timeout: d.f64()?,
            server_nonce: d.byte_string()?,
            server_certificate: d.byte_string()?,
            server_endpoints: d.array_or_empty(EndpointDescription::decode)?,
            server_software_certificates: d
                .array_or_empty(|d| Ok((d.byte_string()?, d.byte_string()?)))?,
            server_signature: SignatureData::decode(d)?,
            max_request_message_size: d.u32()?,
        })
    }
}
