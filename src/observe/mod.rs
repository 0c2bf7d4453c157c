//! What the inventory and the baseline learn from the merged record
//! stream: each record (a log row or an event) is read once into
//! observations, which the inventory, the baseline graph and the deviation
//! detector all consume. The records arrive in the deterministic merge
//! order, so what is learned and what is alerted does not depend on the
//! number of workers.

mod extract;
mod observer;

pub use extract::{observations, Observations};
pub use observer::{ObserveConfig, Observed, Observer};

use crate::inventory::{CipIdentity, OpcUaIdentity};
use crate::time::Ts;
use std::net::IpAddr;

/// A control-protocol request, as the baseline keys it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub ts: Ts,
    pub uid: crate::id::Id,
    pub client: IpAddr,
    pub client_port: u16,
    pub server: IpAddr,
    pub port: u16,
    /// `modbus`, `cip`, `enip` or `opcua-binary`.
    pub protocol: &'static str,
    /// The function: a Modbus function name, a CIP `service/class`, an
    /// ENIP command, an OPC UA service without its `Request` suffix.
    /// Borrowed for the names of the protocols' tables (no allocation
    /// per request).
    pub function: std::borrow::Cow<'static, str>,
    /// Changes state on the server (writes, sets, method calls, node
    /// management, program operations).
    pub write: bool,
    /// Modbus: unit and the register or coil range the request touches.
    pub modbus: Option<ModbusRange>,
    /// A programming or configuration operation (engineering evidence).
    pub engineering: bool,
    /// An identification request (ListIdentity, Read Device
    /// Identification, GetEndpoints, FindServers).
    pub identification: bool,
    /// The protocol's own numbers, for rules.
    pub detail: Detail,
}

/// The numbers of a request that rules match on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Detail {
    #[default]
    None,
    Modbus {
        unit: u8,
        function: u8,
        /// DIAGNOSTICS sub-function.
        subfunction: Option<u16>,
        /// The response was an exception.
        exception: bool,
    },
    Cip {
        service: u8,
        class: Option<u32>,
        instance: Option<u32>,
        attribute: Option<u32>,
    },
    Enip {
        command: u16,
    },
}

/// The address range of a Modbus request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModbusRange {
    pub unit: u8,
    /// Which table: `coils`, `discrete_inputs`, `holding_registers`,
    /// `input_registers`, `file_records`, `other`.
    pub table: &'static str,
    pub start: u64,
    pub count: u64,
}

/// One thing the traffic showed.
#[derive(Clone, Debug, PartialEq)]
pub enum Obs {
    /// A connection's first packet.
    Start {
        ts: Ts,
        uid: crate::id::Id,
        orig: IpAddr,
        resp: IpAddr,
        /// The first packet's sender and its source MAC.
        sender: IpAddr,
        mac: Option<[u8; 6]>,
        vlan: Option<u16>,
    },
    /// A connection ended (conn.log).
    End(Box<crate::flow::ConnRecord>),
    Request(Box<Request>),
    /// A cyclic CIP I/O datagram.
    CipIo {
        ts: Ts,
        sender: IpAddr,
    },
    CipIdentity {
        ts: Ts,
        host: IpAddr,
        identity: CipIdentity,
        /// The numeric ids the names came from (rules on `enip.*`).
        vendor_id: u16,
        device_type_id: u16,
        /// The reply's receiver (who asked).
        asker: IpAddr,
        uid: crate::id::Id,
    },
    /// One object of a Modbus Read Device Identification response.
    ModbusObject {
        ts: Ts,
        host: IpAddr,
        name: String,
        value: String,
    },
    OpcUaApplication {
        ts: Ts,
        host: IpAddr,
        identity: OpcUaIdentity,
    },
    /// An OpenSecureChannel request and the policy it asked for.
    OpcUaChannel(Box<OpcUaChannel>),
    /// An ActivateSession request: the user identity token sent.
    OpcUaActivate(Box<OpcUaActivate>),
    /// Any EtherNet/IP encapsulation message (rules on `enip_command`).
    Enip(Box<EnipMessage>),
    /// A UMAS (Modbus function 90) request (rules on `modbus.umas`).
    Umas(Box<crate::event::ModbusUmas>),
}

/// One EtherNet/IP encapsulation message, either direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnipMessage {
    pub ts: Ts,
    pub uid: crate::id::Id,
    /// Sender and receiver of this message.
    pub src: IpAddr,
    pub sport: u16,
    pub dst: IpAddr,
    pub dport: u16,
    pub command: u16,
    /// The encapsulation status.
    pub status: u32,
}

/// Who opened which OPC UA secure channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpcUaChannel {
    pub ts: Ts,
    pub uid: crate::id::Id,
    pub client: IpAddr,
    pub client_port: u16,
    pub server: IpAddr,
    pub port: u16,
    /// The SecurityPolicyUri (`...#None`, `...#Basic256Sha256`).
    pub policy: Option<String>,
    /// MessageSecurityMode when the body was in clear (1 None, 2 Sign,
    /// 3 SignAndEncrypt).
    pub mode: Option<u32>,
}

/// The identity a client activated an OPC UA session with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpcUaActivate {
    pub ts: Ts,
    pub uid: crate::id::Id,
    pub client: IpAddr,
    pub client_port: u16,
    pub server: IpAddr,
    pub port: u16,
    /// `anonymous`, `username`, `certificate`, `issued`, or unknown.
    pub token: &'static str,
    pub user_name: Option<String>,
    /// A password (or issued token) was sent, and whether encrypted.
    pub secret: bool,
    pub encrypted: bool,
}

impl Obs {
    pub fn ts(&self) -> Ts {
        match self {
            Obs::Start { ts, .. }
            | Obs::CipIo { ts, .. }
            | Obs::CipIdentity { ts, .. }
            | Obs::ModbusObject { ts, .. }
            | Obs::OpcUaApplication { ts, .. } => *ts,
            Obs::End(c) => c.ts,
            Obs::Request(r) => r.ts,
            Obs::OpcUaChannel(c) => c.ts,
            Obs::OpcUaActivate(a) => a.ts,
            Obs::Enip(e) => e.ts,
            Obs::Umas(u) => u.ts,
        }
    }
}

/// Whether an address names one device (not broadcast, multicast or
/// unspecified): only those enter the inventory and the graph.
pub fn is_device(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            !(v.is_broadcast() || v.is_multicast() || v.is_unspecified() || v.octets()[3] == 255)
        }
        IpAddr::V6(v) => !(v.is_multicast() || v.is_unspecified()),
    }
}

/// Whether the responder of a connection answered: a TCP handshake (its
/// SYN-ACK, `h` in the history) or payload, a UDP reply. Scans and resets
/// serve nothing, so only these connections say what a device serves.
pub fn established(c: &crate::flow::ConnRecord) -> bool {
    match c.proto {
        "tcp" => c.history.contains('h') || c.resp_bytes.unwrap_or(0) > 0,
        _ => c.resp_pkts > 0,
    }
}

/// The protocol a connection is keyed by: CIP for an EtherNet/IP session
/// that carried CIP (as its requests are), else its first service, else
/// its transport.
pub fn conn_protocol(c: &crate::flow::ConnRecord) -> &'static str {
    if c.service.contains(&"cip") {
        "cip"
    } else {
        c.service.first().copied().unwrap_or(c.proto)
    }
}
