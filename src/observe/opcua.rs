//! What the readers take from OPC UA events besides requests: the
//! security policy a client opens a secure channel with, and the identity
//! it activates a session with (rules match on them).

use crate::event::opcua::{IdentityKind, Message, MessageType, Request, RequestBody};
use crate::event::ConnId;
use crate::time::Ts;

/// Who opened which OPC UA secure channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpcUaChannel<'e> {
    pub ts: Ts,
    /// The client is the originator.
    pub id: &'e ConnId,
    /// The SecurityPolicyUri (`...#None`, `...#Basic256Sha256`).
    pub policy: Option<&'e str>,
    /// MessageSecurityMode when the body was in clear (1 None, 2 Sign,
    /// 3 SignAndEncrypt).
    pub mode: Option<u32>,
}

impl<'e> OpcUaChannel<'e> {
    /// The OpenSecureChannel request of a message (the policy is in the
    /// clear asymmetric header; the mode only on unsecured channels).
    pub fn of(m: &'e Message) -> Option<OpcUaChannel<'e>> {
        if m.message_type != MessageType::Open || m.request.is_none() {
            return None;
        }
        let policy = m
            .open
            .as_ref()
            .and_then(|o| o.security_policy_uri.as_deref());
        Some(OpcUaChannel {
            ts: m.ts,
            id: &m.id,
            policy,
            mode: policy.filter(|p| p.ends_with("#None")).map(|_| 1),
        })
    }
}

/// The identity a client activated an OPC UA session with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpcUaActivate<'e> {
    pub ts: Ts,
    /// The client is the originator.
    pub id: &'e ConnId,
    /// `anonymous`, `username`, `certificate`, `issued`, or unknown.
    pub token: &'static str,
    pub user_name: Option<&'e str>,
    /// A password (or issued token) was sent, and whether encrypted.
    pub secret: bool,
    pub encrypted: bool,
}

impl<'e> OpcUaActivate<'e> {
    /// The identity of an ActivateSession request.
    pub fn of(r: &'e Request) -> Option<OpcUaActivate<'e>> {
        let RequestBody::ActivateSession(a) = &r.body else {
            return None;
        };
        Some(OpcUaActivate {
            ts: r.head.ts,
            id: &r.head.id,
            token: match a.token_kind() {
                IdentityKind::Anonymous => "anonymous",
                IdentityKind::UserName => "username",
                IdentityKind::Certificate => "certificate",
                IdentityKind::Issued => "issued",
                IdentityKind::Other => "unknown",
            },
            user_name: a.user_name(),
            secret: a.secret_sent(),
            encrypted: a.encrypted(),
        })
    }
}
