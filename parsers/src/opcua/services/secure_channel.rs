//! OpenSecureChannel (OPC 10000-4, 5.5.2): the only service whose body is
//! read from an OPN message; its fields are in clear only on channels
//! with security policy None.

use crate::opcua::types::ByteString;
use crate::opcua::Decoder;
use crate::Error;

/// OpenSecureChannelRequest (OPC 10000-4, 5.5.2.2), after its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenSecureChannelRequest<'a> {
    /// ClientProtocolVersion.
    pub client_protocol_version: u32,
    /// RequestType: 0 Issue, 1 Renew.
    pub request_type: u32,
    /// SecurityMode: 1 None, 2 Sign, 3 SignAndEncrypt.
    pub security_mode: u32,
    /// ClientNonce.
    pub client_nonce: ByteString<'a>,
    /// RequestedLifetime in milliseconds.
    pub requested_lifetime: u32,
}

impl<'a> OpenSecureChannelRequest<'a> {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(OpenSecureChannelRequest {
            client_protocol_version: d.u32()?,
            request_type: d.u32()?,
            security_mode: d.u32()?,
            client_nonce: d.byte_string()?,
            requested_lifetime: d.u32()?,
        })
    }
}

/// ChannelSecurityToken (OPC 10000-4, 7.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelSecurityToken {
    /// ChannelId.
    pub channel_id: u32,
    /// TokenId.
    pub token_id: u32,
    /// CreatedAt (DateTime ticks).
    pub created_at: i64,
    /// RevisedLifetime in milliseconds.
    pub revised_lifetime: u32,
}

/// OpenSecureChannelResponse (OPC 10000-4, 5.5.2.2), after its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenSecureChannelResponse<'a> {
    /// ServerProtocolVersion.
    pub server_protocol_version: u32,
    /// The token the server issued.
    pub security_token: ChannelSecurityToken,
    /// ServerNonce.
    pub server_nonce: ByteString<'a>,
}

impl<'a> OpenSecureChannelResponse<'a> {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(OpenSecureChannelResponse {
            server_protocol_version: d.u32()?,
            security_token: ChannelSecurityToken {
                channel_id: d.u32()?,
                token_id: d.u32()?,
                created_at: d.date_time()?,
                revised_lifetime: d.u32()?,
            },
            server_nonce: d.byte_string()?,
        })
    }
}
