//! Service bodies (OPC 10000-4, chapter 5), decoded after the body's type
//! NodeId and its Request/ResponseHeader. Each `decode` reads the fields
//! in wire order from a [`Decoder`] positioned after the header.

use super::types::{ByteString, DiagnosticInfo, ExtensionBody, ExtensionObject, UaString};
use super::Decoder;
use crate::Error;

/// Binary encoding ids (namespace 0) of the service bodies decoded here.
pub mod ids {
    /// OpenSecureChannelRequest.
    pub const OPEN_SECURE_CHANNEL_REQUEST: u32 = 446;
    /// OpenSecureChannelResponse.
    pub const OPEN_SECURE_CHANNEL_RESPONSE: u32 = 449;
    /// ActivateSessionRequest.
    pub const ACTIVATE_SESSION_REQUEST: u32 = 467;
    /// ActivateSessionResponse.
    pub const ACTIVATE_SESSION_RESPONSE: u32 = 470;
    /// CloseSessionRequest.
    pub const CLOSE_SESSION_REQUEST: u32 = 473;
    /// CreateSubscriptionRequest.
    pub const CREATE_SUBSCRIPTION_REQUEST: u32 = 787;
    /// CreateSubscriptionResponse.
    pub const CREATE_SUBSCRIPTION_RESPONSE: u32 = 790;
    /// AnonymousIdentityToken, binary encoding.
    pub const ANONYMOUS_IDENTITY_TOKEN: u32 = 321;
    /// UserNameIdentityToken, binary encoding.
    pub const USER_NAME_IDENTITY_TOKEN: u32 = 324;
    /// X509IdentityToken, binary encoding.
    pub const X509_IDENTITY_TOKEN: u32 = 327;
    /// IssuedIdentityToken, binary encoding.
    pub const ISSUED_IDENTITY_TOKEN: u32 = 940;
}

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

/// SignatureData (OPC 10000-4, 7.37).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignatureData<'a> {
    /// Algorithm URI.
    pub algorithm: UaString<'a>,
    /// Signature bytes.
    pub signature: ByteString<'a>,
}

impl<'a> SignatureData<'a> {
    fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(SignatureData {
            algorithm: d.string()?,
            signature: d.byte_string()?,
        })
    }
}

/// ActivateSessionRequest (OPC 10000-4, 5.6.3.2), after its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivateSessionRequest<'a> {
    /// ClientSignature.
    pub client_signature: SignatureData<'a>,
    /// ClientSoftwareCertificates: (certificate, signature) pairs.
    pub software_certificates: Vec<(ByteString<'a>, ByteString<'a>)>,
    /// LocaleIds.
    pub locale_ids: Vec<UaString<'a>>,
    /// UserIdentityToken (decode the body with [`UserIdentityToken::decode`]).
    pub user_identity_token: ExtensionObject<'a>,
    /// UserTokenSignature.
    pub user_token_signature: SignatureData<'a>,
}

impl<'a> ActivateSessionRequest<'a> {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(ActivateSessionRequest {
            client_signature: SignatureData::decode(d)?,
            software_certificates: d
                .array_or_empty(|d| Ok((d.byte_string()?, d.byte_string()?)))?,
            locale_ids: d.array_or_empty(Decoder::string)?,
            user_identity_token: d.extension_object()?,
            user_token_signature: SignatureData::decode(d)?,
        })
    }
}

/// ActivateSessionResponse (OPC 10000-4, 5.6.3.2), after its header.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivateSessionResponse<'a> {
    /// ServerNonce for the next activation.
    pub server_nonce: ByteString<'a>,
    /// Results, one per client software certificate.
    pub results: Vec<u32>,
    /// DiagnosticInfos for the results.
    pub diagnostic_infos: Vec<DiagnosticInfo<'a>>,
}

impl<'a> ActivateSessionResponse<'a> {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(ActivateSessionResponse {
            server_nonce: d.byte_string()?,
            results: d.array_or_empty(Decoder::status_code)?,
            diagnostic_infos: d.array_or_empty(Decoder::diagnostic_info)?,
        })
    }
}

/// A user identity token (OPC 10000-4, 7.36), from the body of the
/// ActivateSession ExtensionObject. Secrets (password, issued token) are
/// borrowed bytes: the caller decides what to log, and otwatch logs only
/// that they are there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserIdentityToken<'a> {
    /// AnonymousIdentityToken (i=321).
    Anonymous {
        /// PolicyId.
        policy_id: UaString<'a>,
    },
    /// UserNameIdentityToken (i=324).
    UserName {
        /// PolicyId.
        policy_id: UaString<'a>,
        /// UserName.
        user_name: UaString<'a>,
        /// Password (clear, or encrypted with `encryption_algorithm`).
        password: ByteString<'a>,
        /// EncryptionAlgorithm URI (null: the password is in clear).
        encryption_algorithm: UaString<'a>,
    },
    /// X509IdentityToken (i=327).
    X509 {
        /// PolicyId.
        policy_id: UaString<'a>,
        /// CertificateData (DER).
        certificate_data: ByteString<'a>,
    },
    /// IssuedIdentityToken (i=940).
    Issued {
        /// PolicyId.
        policy_id: UaString<'a>,
        /// TokenData.
        token_data: ByteString<'a>,
        /// EncryptionAlgorithm URI.
        encryption_algorithm: UaString<'a>,
    },
}

impl<'a> UserIdentityToken<'a> {
    /// Decodes a binary-encoded token body; `None` for other types or
    /// encodings.
    pub fn decode(x: &ExtensionObject<'a>) -> Option<Result<Self, Error>> {
        let ExtensionBody::Binary(body) = x.body else {
            return None;
        };
        let mut d = Decoder::new(body.bytes().unwrap_or_default());
        let d = &mut d;
        let token = match x.type_id.ns0_numeric()? {
            ids::ANONYMOUS_IDENTITY_TOKEN => (|| {
                Ok(UserIdentityToken::Anonymous {
                    policy_id: d.string()?,
                })
            })(),
            ids::USER_NAME_IDENTITY_TOKEN => (|| {
                Ok(UserIdentityToken::UserName {
                    policy_id: d.string()?,
                    user_name: d.string()?,
                    password: d.byte_string()?,
                    encryption_algorithm: d.string()?,
                })
            })(),
            ids::X509_IDENTITY_TOKEN => (|| {
                Ok(UserIdentityToken::X509 {
                    policy_id: d.string()?,
                    certificate_data: d.byte_string()?,
                })
            })(),
            ids::ISSUED_IDENTITY_TOKEN => (|| {
                Ok(UserIdentityToken::Issued {
                    policy_id: d.string()?,
                    token_data: d.byte_string()?,
                    encryption_algorithm: d.string()?,
                })
            })(),
            _ => return None,
        };
        Some(token)
    }

    /// The type's name (`UserNameIdentityToken`).
    pub fn type_name(&self) -> &'static str {
        match self {
            UserIdentityToken::Anonymous { .. } => "AnonymousIdentityToken",
            UserIdentityToken::UserName { .. } => "UserNameIdentityToken",
            UserIdentityToken::X509 { .. } => "X509IdentityToken",
            UserIdentityToken::Issued { .. } => "IssuedIdentityToken",
        }
    }
}

/// CloseSessionRequest (OPC 10000-4, 5.6.4.2), after its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseSessionRequest {
    /// DeleteSubscriptions.
    pub delete_subscriptions: bool,
}

impl CloseSessionRequest {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'_>) -> Result<Self, Error> {
        Ok(CloseSessionRequest {
            delete_subscriptions: d.bool()?,
        })
    }
}

/// CreateSubscriptionRequest (OPC 10000-4, 5.13.2.2), after its header.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CreateSubscriptionRequest {
    /// RequestedPublishingInterval in milliseconds.
    pub requested_publishing_interval: f64,
    /// RequestedLifetimeCount.
    pub requested_lifetime_count: u32,
    /// RequestedMaxKeepAliveCount.
    pub requested_max_keep_alive_count: u32,
    /// MaxNotificationsPerPublish (0: no limit).
    pub max_notifications_per_publish: u32,
    /// PublishingEnabled.
    pub publishing_enabled: bool,
    /// Priority.
    pub priority: u8,
}

impl CreateSubscriptionRequest {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'_>) -> Result<Self, Error> {
        Ok(CreateSubscriptionRequest {
            requested_publishing_interval: d.f64()?,
            requested_lifetime_count: d.u32()?,
            requested_max_keep_alive_count: d.u32()?,
            max_notifications_per_publish: d.u32()?,
            publishing_enabled: d.bool()?,
            priority: d.u8()?,
        })
    }
}

/// CreateSubscriptionResponse (OPC 10000-4, 5.13.2.2), after its header.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CreateSubscriptionResponse {
    /// SubscriptionId.
    pub subscription_id: u32,
    /// RevisedPublishingInterval in milliseconds.
    pub revised_publishing_interval: f64,
    /// RevisedLifetimeCount.
    pub revised_lifetime_count: u32,
    /// RevisedMaxKeepAliveCount.
    pub revised_max_keep_alive_count: u32,
}

impl CreateSubscriptionResponse {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'_>) -> Result<Self, Error> {
        Ok(CreateSubscriptionResponse {
            subscription_id: d.u32()?,
            revised_publishing_interval: d.f64()?,
            revised_lifetime_count: d.u32()?,
            revised_max_keep_alive_count: d.u32()?,
        })
    }
}
