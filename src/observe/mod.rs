//! What the inventory and the baseline learn from the merged record
//! stream: each record (a log row or an event) is read once into
//! observations, which the inventory, the baseline graph and the deviation
//! detector all consume. The records arrive in the deterministic merge
//! order, so what is learned and what is alerted does not depend on the
//! number of workers.

mod extract;
mod observer;

pub use extract::observations;
pub use observer::{ObserveConfig, Observed, Observer};

use crate::event::ConnId;
use crate::inventory::{CipIdentity, OpcUaIdentity};
use crate::time::Ts;
use std::net::IpAddr;

/// A control-protocol request, as the baseline keys it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub ts: Ts,
    /// The connection; the client is its originator.
    pub id: ConnId,
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

impl Request {
    pub fn client(&self) -> IpAddr {
        self.id.orig_h
    }
    pub fn server(&self) -> IpAddr {
        self.id.resp_h
    }
    /// The server's port.
    pub fn port(&self) -> u16 {
        self.id.resp_p
    }
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
    Start(Box<crate::event::ConnStart>),
    /// A connection ended (conn.log).
    End(Box<crate::event::Conn>),
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
        /// The connection that carried the reply.
        id: ConnId,
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
    Umas(Box<crate::event::modbus::Umas>),
}

/// One EtherNet/IP encapsulation message, either direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnipMessage {
    pub ts: Ts,
    pub id: ConnId,
    /// Who sent it.
    pub dir: crate::event::Dir,
    pub command: u16,
    /// The encapsulation status.
    pub status: u32,
}

/// Who opened which OPC UA secure channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpcUaChannel {
    pub ts: Ts,
    /// The client is the originator.
    pub id: ConnId,
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
    /// The client is the originator.
    pub id: ConnId,
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
            Obs::Start(s) => s.ts,
            Obs::CipIo { ts, .. }
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
