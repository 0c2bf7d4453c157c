//! Session services (OPC 10000-4, 5.6): ActivateSession with its user
//! identity tokens, and CloseSession. CreateSession is in [`super::discovery`]
//! beside the endpoint descriptions it returns.

use super::ids;
use crate::opcua::types::{ByteString, DiagnosticInfo, ExtensionBody, ExtensionObject, UaString};
use crate::opcua::Decoder;
use crate::Error;

/// SignatureData (OPC 10000-4, 7.37).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignatureData<'a> {
    /// Algorithm URI.
    pub algorithm: UaString<'a>,
    /// Signature bytes.
    pub signature: ByteString<'a>,
}

impl<'a> SignatureData<'a> {
    pub(crate) fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
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
