//! Observations that are not log rows: what the inventory and the baseline
//! need and no log carries. Everything else they learn from the typed log
//! records themselves (conn, modbus_detailed, cip, cip_identity,
//! modbus_read_device_identification, opcua_binary), which reach them in
//! the merged, deterministic order.

use crate::time::Ts;
use std::net::IpAddr;

/// An observation on its way to the inventory and the baseline.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    ConnStart(ConnStart),
    OpcUaApplication(OpcUaApplication),
    /// A Modbus function-90 (Schneider UMAS) request and its UMAS code,
    /// which no log column carries (for rules).
    ModbusUmas(ModbusUmas),
}

/// A UMAS request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModbusUmas {
    pub ts: Ts,
    pub uid: crate::id::Id,
    pub client: IpAddr,
    pub client_port: u16,
    pub server: IpAddr,
    pub port: u16,
    pub unit: u8,
    pub code: u8,
}

impl Event {
    pub fn ts(&self) -> Ts {
        match self {
            Event::ConnStart(c) => c.ts,
            Event::OpcUaApplication(a) => a.ts,
            Event::ModbusUmas(u) => u.ts,
        }
    }
}

/// The first packet of a connection: who started talking to whom, when
/// (conn.log only says so when the connection ends, which for a polling
/// link may be months later).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnStart {
    pub ts: Ts,
    pub uid: crate::id::Id,
    pub orig_h: IpAddr,
    pub orig_p: u16,
    pub resp_h: IpAddr,
    pub resp_p: u16,
    /// `tcp`, `udp`, `icmp` or `unknown_transport`.
    pub proto: &'static str,
    /// Source MAC of the first packet, when the link layer has one.
    pub mac: Option<[u8; 6]>,
    /// Which side sent the first packet (usually the originator).
    pub first_from_orig: bool,
    pub vlan: Option<u16>,
}

/// How an OPC UA application described itself (ApplicationDescription of
/// a CreateSession request, or of a server's endpoints).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpcUaApplication {
    pub ts: Ts,
    /// The host the description is about.
    pub host: IpAddr,
    pub application_uri: Option<String>,
    pub product_uri: Option<String>,
    pub application_name: Option<String>,
    /// 0 server, 1 client, 2 both, 3 discovery server.
    pub application_type: u32,
}
