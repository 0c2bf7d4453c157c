//! A parsed rule: header (who talks to whom) and what must match.

use super::payload::{Buffer, Inspection, Program};
use std::net::IpAddr;
use std::path::PathBuf;

/// An IP network (address and prefix length).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Net {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Net {
    pub fn contains(&self, ip: &IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let bits = u32::from(self.prefix.min(32));
                let mask = if bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - bits)
                };
                u32::from(n) & mask == u32::from(*a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let bits = u32::from(self.prefix.min(128));
                let mask = if bits == 0 {
                    0
                } else {
                    u128::MAX << (128 - bits)
                };
                u128::from(n) & mask == u128::from(*a) & mask
            }
            _ => false,
        }
    }
}

/// Addresses of a rule header: `any`, a network, a list, negations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addrs {
    Any,
    Net(Net),
    /// A list: matches when a positive item matches (or there is none)
    /// and no negated item does.
    List(Vec<(bool, Addrs)>),
}

impl Addrs {
    pub fn matches(&self, ip: &IpAddr) -> bool {
        match self {
            Addrs::Any => true,
            Addrs::Net(n) => n.contains(ip),
            // `[]`: no host (so `![]` is every host).
            Addrs::List(items) if items.is_empty() => false,
            Addrs::List(items) => {
                let mut positive = false;
                let mut any_positive = false;
                for (neg, a) in items {
                    if *neg {
                        if a.matches(ip) {
                            return false;
                        }
                    } else {
                        positive = true;
                        any_positive |= a.matches(ip);
                    }
                }
                !positive || any_positive
            }
        }
    }
}

/// Ports of a rule header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ports {
    Any,
    Range(u16, u16),
    List(Vec<(bool, Ports)>),
}

impl Ports {
    pub fn matches(&self, p: u16) -> bool {
        match self {
            Ports::Any => true,
            Ports::Range(a, b) => (*a..=*b).contains(&p),
            Ports::List(items) => {
                let mut positive = false;
                let mut any_positive = false;
                for (neg, x) in items {
                    if *neg {
                        if x.matches(p) {
                            return false;
                        }
                    } else {
                        positive = true;
                        any_positive |= x.matches(p);
                    }
                }
                !positive || any_positive
            }
        }
    }
}

/// The protocol a rule applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// `ip` / `any`: every event.
    Any,
    Tcp,
    Udp,
    Modbus,
    Enip,
    Cip,
    OpcUa,
    S7comm,
    /// PROFINET DCP frames (layer 2).
    ProfinetDcp,
}

pub use super::enip::{IdentityField, Segment};
pub use super::modbus::Modbus;
pub use super::uint::{Multi, Uint};

/// One condition of a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    /// Suricata's `modbus:` (function, category, access, unit), judged on
    /// a transaction's request, or its response when there is none.
    Modbus(Modbus),
    /// `modbus.exception` (own): the request got an exception response.
    ModbusException,
    /// `modbus.umas: CODE` (own): a function-90 (UMAS) request.
    ModbusUmas(Vec<u8>),
    /// `enip_command: NAME|N` (Suricata's `enip.command` buffer): an
    /// encapsulation message's command, either direction.
    EnipCommand(Uint),
    /// Suricata 8's `enip.status: NAME|N`: an encapsulation message's
    /// status, either direction.
    EnipStatus(Uint),
    /// Suricata 8's `enip.vendor_id`, `enip.device_type`,
    /// `enip.product_code`, `enip.revision`, `enip.identity_status`,
    /// `enip.state`, `enip.serial` and `enip.protocol_version`: fields of a
    /// List Identity reply (the version also of a RegisterSession request
    /// or reply and of a ListServices reply).
    EnipIdentity { field: IdentityField, value: Uint },
    /// Suricata 8's `enip.capabilities`: a ListServices reply's first
    /// item's capability flags.
    EnipCapabilities(Uint),
    /// Suricata 8's `enip.cip_class`, `enip.cip_instance`,
    /// `enip.cip_attribute` (multi-integers): the segments of a CIP
    /// request's path, or of a request a Multiple Service Packet packs.
    CipSegment { kind: Segment, value: Multi },
    /// Suricata 8's `enip.cip_status`: a CIP reply's general status, or
    /// one of a Multiple Service Packet reply's.
    CipStatus(Uint),
    /// Suricata 8's `enip.cip_extendedstatus`: a CIP reply's one-word
    /// extended status.
    CipExtendedStatus(Uint),
    /// `cip_service: S[,C[,A]]`, Suricata's: a CIP request message's own
    /// service (with the class and attribute of its path), or, when the
    /// message is a Multiple Service Packet of another service, one of the
    /// services it packs. Never a request an Unconnected Send carries.
    CipService {
        service: u8,
        class: Option<u32>,
        attribute: Option<u32>,
    },
    /// `cip.service: S[,C[,A]]` (own): a CIP request that reaches its
    /// object, wherever it is carried — on its own, in a Multiple Service
    /// Packet, or inside an Unconnected Send. The class is the object's
    /// (the Logix symbol class, 0x6B, for a tag).
    CipRequest {
        service: u8,
        class: Option<u32>,
        attribute: Option<u32>,
    },
    /// `cip.write` (own): such a request changes state (a Set service,
    /// Reset, Start, Stop, Create, Delete, a tag or Modbus-object write).
    CipWrite,
    /// `opcua.service: NAME[,NAME...]` (own).
    OpcUaService(Vec<String>),
    /// `opcua.security_policy: NAME` (own): the policy URI's fragment.
    OpcUaPolicy(String),
    /// `opcua.security_mode: none|sign|signandencrypt` (own).
    OpcUaMode(u32),
    /// `opcua.identity_token: anonymous|username|certificate|issued` (own).
    OpcUaToken(String),
    /// `opcua.secret: clear|encrypted` (own): a password or issued token
    /// was sent, in clear or encrypted.
    OpcUaSecret { encrypted: bool },
    /// `s7comm.function: CODE[,CODE...]` (own): an S7comm Job function
    /// (0x29 PLC Stop, 0x1a Request Download, ...).
    S7Function(Vec<u8>),
    /// `s7comm.pi_service: NAME[,NAME...]` (own): the PI service a PLC
    /// Control job starts (`_DELE`, `_INSE`, `P_PROGRAM`, ...).
    S7PiService(Vec<String>),
    /// `s7comm.userdata: GROUP[,SUBFUNCTION]` (own): a Userdata request.
    S7Userdata { group: u8, subfunction: Option<u8> },
    /// `s7comm.write` (own): such a request changes the CPU's state (Write
    /// Var, downloads, PLC Control and Stop, variable modification and
    /// forcing, clock setting).
    S7Write,
    /// `profinet_dcp.service: NAME[,NAME...]` (own): a DCP request of
    /// these services (`get`, `set`, `identify`, `hello`, or codes).
    DcpService(Vec<u8>),
    /// `profinet_dcp.changes` (own): a DCP Set request that changes the
    /// device (name, IP, DHCP, role, properties, factory reset), not one
    /// that only flashes its LED.
    DcpChanges,
    /// `baseline: KIND[,KIND...]` (own): a deviation from the baseline.
    Baseline(Vec<String>),
    /// `app-layer-protocol: [!]NAME` on connections.
    AppLayer { neg: bool, name: String },
    /// A sticky buffer (`enip.product_name; content:...`) and what it must
    /// hold.
    Buffer(Buffer, Inspection),
}

impl Cond {
    /// The keyword the condition was written with.
    pub fn keyword(&self) -> &'static str {
        match self {
            Cond::Modbus(_) => "modbus",
            Cond::ModbusException => "modbus.exception",
            Cond::ModbusUmas(_) => "modbus.umas",
            Cond::EnipCommand(_) => "enip_command",
            Cond::EnipStatus(_) => "enip.status",
            Cond::EnipIdentity { .. } => "enip.* (identity)",
            Cond::EnipCapabilities(_) => "enip.capabilities",
            Cond::CipSegment { .. } => "enip.cip_class/instance/attribute",
            Cond::CipStatus(_) => "enip.cip_status",
            Cond::CipExtendedStatus(_) => "enip.cip_extendedstatus",
            Cond::CipService { .. } => "cip_service",
            Cond::CipRequest { .. } => "cip.service",
            Cond::CipWrite => "cip.write",
            Cond::OpcUaService(_) => "opcua.service",
            Cond::OpcUaPolicy(_) => "opcua.security_policy",
            Cond::OpcUaMode(_) => "opcua.security_mode",
            Cond::OpcUaToken(_) => "opcua.identity_token",
            Cond::OpcUaSecret { .. } => "opcua.secret",
            Cond::S7Function(_) => "s7comm.function",
            Cond::S7PiService(_) => "s7comm.pi_service",
            Cond::S7Userdata { .. } => "s7comm.userdata",
            Cond::S7Write => "s7comm.write",
            Cond::DcpService(_) => "profinet_dcp.service",
            Cond::DcpChanges => "profinet_dcp.changes",
            Cond::Baseline(_) => "baseline",
            Cond::AppLayer { .. } => "app-layer-protocol",
            Cond::Buffer(b, _) => b.keyword(),
        }
    }
}

/// `threshold` and `detection_filter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threshold {
    pub kind: ThresholdKind,
    pub by_dst: bool,
    pub count: u64,
    pub seconds: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThresholdKind {
    /// At most `count` alerts per window.
    Limit,
    /// An alert every `count` matches in the window.
    Threshold,
    /// One alert per window once `count` matches are reached.
    Both,
    /// `detection_filter`: every match past the `count`-th in the window.
    DetectionFilter,
}

/// A rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub proto: Proto,
    pub src: Addrs,
    pub sport: Ports,
    pub dst: Addrs,
    pub dport: Ports,
    pub bidirectional: bool,
    pub msg: String,
    pub sid: u32,
    pub rev: u32,
    /// 1 (highest) to 4.
    pub priority: u8,
    pub classtype: Option<String>,
    pub metadata: Vec<String>,
    pub references: Vec<String>,
    pub conds: Vec<Cond>,
    pub threshold: Option<Threshold>,
    /// Payload keywords: set when the rule is matched on payloads.
    pub payload: Option<Box<Program>>,
    pub file: PathBuf,
    pub line: usize,
}

impl Rule {
    /// `low`, `medium`, `high` or `critical` from the priority.
    pub fn severity(&self) -> &'static str {
        match self.priority {
            1 => "critical",
            2 => "high",
            3 => "medium",
            _ => "low",
        }
    }

    /// The MITRE ATT&CK for ICS technique ids in the metadata.
    pub fn techniques(&self) -> Vec<String> {
        self.metadata
            .iter()
            .filter_map(|m| m.strip_prefix("mitre_attack_ics "))
            .map(|t| t.trim().to_string())
            .collect()
    }
}
