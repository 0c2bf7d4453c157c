//! OPC UA observations, read from the OPC UA analyzer's log rows until it
//! emits typed events of its own.

use super::request::{opcua_kind, Detail, Function, Request};
use crate::analyzers::opcua::{ActivateSessionRecord, OpcuaRecord};
use crate::event::ConnId;
use crate::output::DynLog;
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

/// What an OPC UA row tells the readers.
pub enum OpcUa<'e> {
    Request(Request<'e>),
    Channel(OpcUaChannel<'e>),
    Activate(OpcUaActivate<'e>),
}

/// The observations of an OPC UA row, in order.
pub fn opcua_rows<'e>(l: &'e dyn DynLog, f: &mut dyn FnMut(OpcUa<'e>)) {
    let any = l.as_any();
    if let Some(r) = any.downcast_ref::<OpcuaRecord>() {
        if let Some(q) = opcua(r) {
            f(OpcUa::Request(q));
        }
        if let Some(c) = opcua_channel(r) {
            f(OpcUa::Channel(c));
        }
    } else if let Some(r) = any.downcast_ref::<ActivateSessionRecord>() {
        if let Some(a) = opcua_activate(r) {
            f(OpcUa::Activate(a));
        }
    }
}

fn opcua(r: &OpcuaRecord) -> Option<Request<'_>> {
    let name = r.req.as_ref()?.service.as_ref()?.name?;
    let function = name.trim_end_matches("Request");
    let (write, engineering, identification) = opcua_kind(function);
    Some(Request {
        ts: r.ts,
        id: &r.id,
        function: Function::OpcUa(function),
        write,
        engineering,
        identification,
        modbus: None,
        detail: Detail::None,
    })
}

/// The OpenSecureChannel request of a summary row (the policy is in the
/// clear asymmetric header; the mode only on unsecured channels).
fn opcua_channel(r: &OpcuaRecord) -> Option<OpcUaChannel<'_>> {
    if r.msg_type != "OPN" || r.req.is_none() {
        return None;
    }
    let policy = r.open.as_ref().and_then(|o| o.policy_uri.as_deref());
    let mode = policy.filter(|p| p.ends_with("#None")).map(|_| 1);
    Some(OpcUaChannel {
        ts: r.ts,
        id: &r.id,
        policy,
        mode,
    })
}

fn opcua_activate(r: &ActivateSessionRecord) -> Option<OpcUaActivate<'_>> {
    let ActivateSessionRecord::Request(h, a) = r else {
        return None;
    };
    let token = match a.token_type_name {
        Some("AnonymousIdentityToken") => "anonymous",
        Some("UserNameIdentityToken") => "username",
        Some("X509IdentityToken") => "certificate",
        Some("IssuedIdentityToken") => "issued",
        _ => "unknown",
    };
    Some(OpcUaActivate {
        ts: h.ts,
        id: &h.id,
        token,
        user_name: a.user_name.as_deref(),
        secret: a.password.is_some() || a.token_data.is_some(),
        encrypted: a
            .encryption_algorithm
            .as_deref()
            .is_some_and(|e| !e.is_empty()),
    })
}
