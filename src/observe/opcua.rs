//! What the readers take from OPC UA events besides requests: the
//! security policy a client opens a secure channel with (rules match on
//! it), the security of the channels that carry sessions (the baseline
//! learns and checks it: a discovery channel in clear before a secured
//! session is normal), and the identity a session is activated with.

use crate::event::opcua::{IdentityKind, Message, MessageType, Request, RequestBody};
use crate::event::ConnId;
use crate::id::Id;
use crate::time::Ts;
use std::collections::HashMap;

/// Most connections whose secure channel is followed until it carries a
/// session; past it the table is cleared and counted.
pub const MAX_OPEN_CHANNELS: usize = 65_536;

/// The discovery services (GetEndpoints, FindServers,
/// FindServersOnNetwork, RegisterServer, RegisterServer2): a channel that
/// carries only these carries no session.
const DISCOVERY: [u32; 5] = [428, 422, 12208, 437, 12211];

/// A secure channel as it was opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenChannel {
    pub ts: Ts,
    pub policy: Option<String>,
    pub mode: Option<u32>,
}

impl OpenChannel {
    /// The channel on connection `id`, as the readers take it.
    pub fn on<'a>(&'a self, id: &'a ConnId) -> OpcUaChannel<'a> {
        OpcUaChannel {
            ts: self.ts,
            id,
            policy: self.policy.as_deref(),
            mode: self.mode,
        }
    }
}

/// Secure channels opened and not yet used for a session, per connection.
#[derive(Debug, Default)]
pub struct SessionChannels {
    open: HashMap<Id, OpenChannel>,
    /// Channels forgotten when the table was full.
    pub dropped: u64,
}

impl SessionChannels {
    /// A channel opened (OPN): followed until a message uses it.
    pub fn open(&mut self, c: &OpcUaChannel<'_>) {
        if self.open.len() >= MAX_OPEN_CHANNELS && !self.open.contains_key(&c.id.uid) {
            self.dropped += self.open.len() as u64;
            self.open.clear();
        }
        let open = OpenChannel {
            ts: c.ts,
            policy: c.policy.map(str::to_string),
            mode: c.mode,
        };
        self.open.insert(c.id.uid, open);
    }

    /// A MSG that carries a session's request (any service but discovery,
    /// or one encrypted): the channel it travels on, once, with the time
    /// it was opened.
    pub fn used(&mut self, m: &Message) -> Option<OpenChannel> {
        if m.message_type != MessageType::Message {
            return None;
        }
        let service = m
            .request
            .as_ref()?
            .service
            .as_ref()
            .and_then(|s| s.numeric());
        if service.is_some_and(|s| DISCOVERY.contains(&s)) {
            return None;
        }
        self.open.remove(&m.id.uid)
    }

    /// A connection ended: its channel is no longer followed.
    pub fn close(&mut self, id: &ConnId) {
        self.open.remove(&id.uid);
    }
}

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
