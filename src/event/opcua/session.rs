//! The bodies of the SecureChannel and Session service sets (OPC
//! 10000-4, 5.5 and 5.6; CreateSession is with the discovery bodies, whose
//! endpoint lists it shares).

use super::{Diagnostics, LinkedStatus, Signature, WireNodeId};

/// OpenSecureChannelRequest (5.5.2.2), when the body is in clear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenSecureChannelRequest {
    pub client_protocol_version: u32,
    /// 0 issue, 1 renew.
    pub request_type: u32,
    /// MessageSecurityMode: 1 None, 2 Sign, 3 SignAndEncrypt.
    pub security_mode: u32,
    pub client_nonce: Option<Vec<u8>>,
    pub requested_lifetime: u32,
}

/// OpenSecureChannelResponse (5.5.2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenSecureChannelResponse {
    pub server_protocol_version: u32,
    /// The ChannelSecurityToken.
    pub channel_id: u32,
    pub token_id: u32,
    pub created_at: super::DateTime,
    pub revised_lifetime: u32,
    pub server_nonce: Option<Vec<u8>>,
}

/// Which kind of user identity a session was activated with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdentityKind {
    Anonymous,
    UserName,
    /// An X509IdentityToken.
    Certificate,
    Issued,
    /// A token of another type or encoding, or one that did not decode.
    Other,
}

/// A user identity token (OPC 10000-4, 7.36) without its secret: a
/// password or issued token is only known to have been sent (not null).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentityToken {
    Anonymous {
        policy_id: Option<String>,
    },
    UserName {
        policy_id: Option<String>,
        user_name: Option<String>,
        password_sent: bool,
        /// Null: the password was sent in clear.
        encryption_algorithm: Option<String>,
    },
    Certificate {
        policy_id: Option<String>,
        certificate: Option<Vec<u8>>,
    },
    Issued {
        policy_id: Option<String>,
        token_sent: bool,
        encryption_algorithm: Option<String>,
    },
}

/// ActivateSessionRequest (5.6.3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivateSessionRequest {
    pub client_signature: Signature,
    /// The type of the UserIdentityToken ExtensionObject, as sent.
    pub token_type: WireNodeId,
    /// The ExtensionObject's body encoding: 0 none, 1 binary, 2 XML.
    pub token_encoding: u8,
    /// The token, when it is one of the four standard types, binary
    /// encoded, and decoded.
    pub token: Option<IdentityToken>,
    pub user_token_signature: Signature,
}

impl ActivateSessionRequest {
    /// The kind of identity the client presents.
    pub fn token_kind(&self) -> IdentityKind {
        match &self.token {
            Some(IdentityToken::Anonymous { .. }) => IdentityKind::Anonymous,
            Some(IdentityToken::UserName { .. }) => IdentityKind::UserName,
            Some(IdentityToken::Certificate { .. }) => IdentityKind::Certificate,
            Some(IdentityToken::Issued { .. }) => IdentityKind::Issued,
            None => IdentityKind::Other,
        }
    }

    /// The user name of a user name token.
    pub fn user_name(&self) -> Option<&str> {
        match &self.token {
            Some(IdentityToken::UserName { user_name, .. }) => user_name.as_deref(),
            _ => None,
        }
    }

    /// Whether a secret (a password or an issued token) was sent.
    pub fn secret_sent(&self) -> bool {
        matches!(
            self.token,
            Some(IdentityToken::UserName {
                password_sent: true,
                ..
            }) | Some(IdentityToken::Issued {
                token_sent: true,
                ..
            })
        )
    }

    /// The algorithm the secret is encrypted with (null or empty: sent in
    /// clear).
    pub fn encryption_algorithm(&self) -> Option<&str> {
        match &self.token {
            Some(IdentityToken::UserName {
                encryption_algorithm,
                ..
            })
            | Some(IdentityToken::Issued {
                encryption_algorithm,
                ..
            }) => encryption_algorithm.as_deref(),
            _ => None,
        }
    }

    /// Whether the secret is encrypted (an encryption algorithm is named).
    pub fn encrypted(&self) -> bool {
        self.encryption_algorithm().is_some_and(|a| !a.is_empty())
    }
}

/// ActivateSessionResponse (5.6.3.2): the server nonce, one result per
/// client software certificate, and their diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivateSessionResponse {
    pub server_nonce: Option<Vec<u8>>,
    pub results: Vec<LinkedStatus>,
    pub diagnostics: Diagnostics,
}

/// CloseSessionRequest (5.6.4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseSessionRequest {
    pub delete_subscriptions: bool,
}
