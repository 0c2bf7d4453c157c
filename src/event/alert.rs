//! What the readers of the event stream conclude: findings (a baseline
//! deviation, a rule match, a capture-loss report), and the alerts made of
//! them. One attacker action is one alert: the deviations and the rule
//! matches of the same action are folded into it (`crate::observe`), and
//! each alert is one row of `notice.log` and one of `alert.log`.

use super::conn::{ConnId, Dir};
use crate::time::Ts;
use std::net::IpAddr;

/// How urgent an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Every severity, most urgent first (the order of the metrics).
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }

    /// Suricata's priority: 1 is critical, 4 low.
    pub fn priority(self) -> u8 {
        match self {
            Severity::Critical => 1,
            Severity::High => 2,
            Severity::Medium => 3,
            Severity::Low => 4,
        }
    }

    pub fn of_priority(p: u8) -> Severity {
        match p {
            0 | 1 => Severity::Critical,
            2 => Severity::High,
            3 => Severity::Medium,
            _ => Severity::Low,
        }
    }

    /// Position in [`Severity::ALL`].
    pub fn index(self) -> usize {
        usize::from(self.priority() - 1)
    }
}

/// The kind of a finding, and of the alert it leads (its `note` column,
/// `OTWatch::` and the name). Declared in the order that picks an alert's
/// kind among findings of the same severity: the most specific first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoticeKind {
    /// A client the baseline never saw on this edge programs, configures
    /// or changes the mode of the server.
    NewClientEngineering,
    /// ... restarts it or forces it to listen only.
    NewClientRestart,
    /// ... writes (or calls a method).
    NewClientWrite,
    /// An OPC UA client opens a channel with a policy or mode the baseline
    /// never saw for the pair.
    OpcUaSecurityChange,
    /// ... activates a session with an identity kind never seen.
    OpcUaIdentityChange,
    WriteOnReadOnlyEdge,
    /// An OPC UA method the server never had called.
    OpcUaNewMethod,
    /// An OPC UA node of the server never written.
    OpcUaNewWriteNode,
    NewFunction,
    ModbusAddressOutOfRange,
    RoleChange,
    IdentityChange,
    /// A client the baseline never saw on this edge reads diagnostics.
    NewClientDiagnostics,
    /// ... asks the server to identify itself.
    NewClientIdentification,
    /// ... reads.
    NewClientRead,
    NewProtocol,
    NewEdge,
    NewDevice,
    PollingAnomaly,
    EdgeSilent,
    CaptureLoss,
    /// A CloudWatch spool started dropping events.
    SpoolLoss,
    /// A rule matched (the rule is in the finding).
    Rule,
}

impl NoticeKind {
    /// Every kind a baseline deviation can be.
    pub const DEVIATIONS: [NoticeKind; 20] = [
        NoticeKind::NewClientEngineering,
        NoticeKind::NewClientRestart,
        NoticeKind::NewClientWrite,
        NoticeKind::OpcUaSecurityChange,
        NoticeKind::OpcUaIdentityChange,
        NoticeKind::WriteOnReadOnlyEdge,
        NoticeKind::OpcUaNewMethod,
        NoticeKind::OpcUaNewWriteNode,
        NoticeKind::NewFunction,
        NoticeKind::ModbusAddressOutOfRange,
        NoticeKind::RoleChange,
        NoticeKind::IdentityChange,
        NoticeKind::NewClientDiagnostics,
        NoticeKind::NewClientIdentification,
        NoticeKind::NewClientRead,
        NoticeKind::NewProtocol,
        NoticeKind::NewEdge,
        NoticeKind::NewDevice,
        NoticeKind::PollingAnomaly,
        NoticeKind::EdgeSilent,
    ];

    /// The `note` column.
    pub fn note(self) -> &'static str {
        match self {
            NoticeKind::NewClientEngineering => "OTWatch::New_Client_Engineering",
            NoticeKind::NewClientRestart => "OTWatch::New_Client_Restart",
            NoticeKind::NewClientWrite => "OTWatch::New_Client_Write",
            NoticeKind::OpcUaSecurityChange => "OTWatch::OpcUa_Security_Change",
            NoticeKind::OpcUaIdentityChange => "OTWatch::OpcUa_Identity_Change",
            NoticeKind::WriteOnReadOnlyEdge => "OTWatch::Write_On_Read_Only_Edge",
            NoticeKind::OpcUaNewMethod => "OTWatch::OpcUa_New_Method",
            NoticeKind::OpcUaNewWriteNode => "OTWatch::OpcUa_New_Write_Node",
            NoticeKind::NewFunction => "OTWatch::New_Function",
            NoticeKind::ModbusAddressOutOfRange => "OTWatch::Modbus_Address_Out_Of_Range",
            NoticeKind::RoleChange => "OTWatch::Role_Change",
            NoticeKind::IdentityChange => "OTWatch::Identity_Change",
            NoticeKind::NewClientDiagnostics => "OTWatch::New_Client_Diagnostics",
            NoticeKind::NewClientIdentification => "OTWatch::New_Client_Identification",
            NoticeKind::NewClientRead => "OTWatch::New_Client_Read",
            NoticeKind::NewProtocol => "OTWatch::New_Protocol",
            NoticeKind::NewEdge => "OTWatch::New_Edge",
            NoticeKind::NewDevice => "OTWatch::New_Device",
            NoticeKind::PollingAnomaly => "OTWatch::Polling_Anomaly",
            NoticeKind::EdgeSilent => "OTWatch::Edge_Silent",
            NoticeKind::CaptureLoss => "OTWatch::Capture_Loss",
            NoticeKind::SpoolLoss => "OTWatch::Spool_Loss",
            NoticeKind::Rule => "OTWatch::Rule",
        }
    }

    /// The name rules use for a deviation kind (`baseline: new_edge`).
    pub fn rule_name(self) -> &'static str {
        let note = self.note();
        note.strip_prefix("OTWatch::").unwrap_or(note)
    }
}

/// A payload rule matched a chunk of a connection's stream (a flow
/// worker's finding; the rule engine decides whether it alerts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadMatch {
    pub ts: Ts,
    pub id: ConnId,
    /// The side that sent the bytes.
    pub dir: Dir,
    pub sid: u32,
    /// The chunk's size.
    pub len: u32,
    /// The protocol the connection's analyzer confirmed, if any.
    pub service: Option<&'static str>,
}

/// A rule that matched: what `alert.log` says of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleHit {
    pub sid: u32,
    pub rev: u32,
    pub msg: String,
    pub priority: u8,
    pub classtype: Option<String>,
    pub techniques: Vec<String>,
    pub references: Vec<String>,
    /// The protocol fields that matched, as text.
    pub matched: String,
}

/// How a finding joins others into an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Part of what the event it was found on did (a request, a session
    /// being set up): folded with the other findings of that action.
    Action,
    /// About a device or an edge as a whole (an edge gone silent, an
    /// identity that changed, the capture losing packets): an alert of its
    /// own.
    Alone,
}

/// One thing a reader found: what was seen (`msg`) and what was expected
/// (`sub`, the baseline fact it contradicts, or the fields a rule
/// matched).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub ts: Ts,
    pub kind: NoticeKind,
    pub severity: Severity,
    /// The MITRE ATT&CK for ICS technique of a deviation.
    pub technique: Option<&'static str>,
    pub scope: Scope,
    /// The connection it was seen on (its uid column)...
    pub conn: Option<ConnId>,
    /// ... and, when the id columns show it, the side whose message it was
    /// (the endpoints are written from that sender).
    pub endpoints: Option<Dir>,
    /// The `proto` column, when the maker knows it.
    pub proto: Option<&'static str>,
    pub msg: String,
    pub sub: String,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub p: Option<u16>,
    /// For [`NoticeKind::Rule`]: the rule.
    pub rule: Option<Box<RuleHit>>,
}

impl Finding {
    /// A finding of an action, with no connection or endpoints yet.
    pub fn deviation(ts: Ts, kind: NoticeKind, severity: Severity, msg: String) -> Finding {
        Finding {
            ts,
            kind,
            severity,
            technique: None,
            scope: Scope::Action,
            conn: None,
            endpoints: None,
            proto: None,
            msg,
            sub: String::new(),
            src: None,
            dst: None,
            p: None,
            rule: None,
        }
    }

    pub fn is_deviation(&self) -> bool {
        !matches!(
            self.kind,
            NoticeKind::Rule | NoticeKind::CaptureLoss | NoticeKind::SpoolLoss
        )
    }
}

/// One end of an alert, as the inventory knows it when the alert is made.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    pub mac: Option<String>,
    /// The vendor of the MAC address (IEEE OUI).
    pub vendor: Option<String>,
    pub role: Option<&'static str>,
    /// What the device says it is: its CIP or Modbus identity, or its OPC
    /// UA application.
    pub identity: Option<String>,
}

/// What an action did: the protocol, the function (and its class), and
/// the objects it touched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Action {
    pub protocol: Option<&'static str>,
    /// Function names, in the order first seen (a Multiple Service Packet
    /// has several).
    pub functions: Vec<String>,
    /// `read`, `write`, `diagnostics`, `restart`, `identification`,
    /// `engineering`, `session`, `other`.
    pub class: Option<&'static str>,
    /// Register ranges, tags, class/instance/attribute paths, OPC UA nodes.
    pub objects: Vec<String>,
    /// Requests the alert covers.
    pub requests: u64,
}

/// Most functions and objects an alert lists.
pub const MAX_LISTED: usize = 16;

/// One alert: who did what to whom, when, how often, how bad, which
/// technique, and which baseline facts and rules it contradicts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    /// The first finding's time...
    pub ts: Ts,
    /// ... and the last's.
    pub last: Ts,
    pub kind: NoticeKind,
    pub severity: Severity,
    pub techniques: Vec<String>,
    /// The connection of the first finding that has one, and the side its
    /// endpoints are shown from.
    pub conn: Option<ConnId>,
    pub endpoints: Option<Dir>,
    pub proto: Option<&'static str>,
    /// What the leading finding saw, and what was expected.
    pub msg: String,
    pub sub: String,
    /// Who (the client, or the device) and to whom (the server).
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub p: Option<u16>,
    pub client: Party,
    pub server: Party,
    pub action: Action,
    /// The deviations folded in, leading one first.
    pub deviations: Vec<NoticeKind>,
    /// What each of them saw (its `msg`), in the same order.
    pub details: Vec<String>,
    /// The baseline facts they contradict (each deviation's `sub`).
    pub facts: Vec<String>,
    /// The rules that matched, in the order they matched.
    pub rules: Vec<RuleHit>,
}

/// The protocol fields of what a rule matched, as codes: the protocol
/// object of an eve.json alert record names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum MatchedOn {
    /// A connection, a deviation or an identity reply: no request.
    #[default]
    Other,
    /// A Modbus request (or the exception a server answered it with).
    Modbus {
        unit: u8,
        function: u8,
        /// DIAGNOSTICS sub-function or MEI type.
        sub: Option<u16>,
        /// The first address and the quantity the request touches.
        range: Option<(u64, u64)>,
        exception: Option<u8>,
    },
    /// An EtherNet/IP encapsulation command.
    Enip { command: u16 },
    /// A CIP request: its service and path.
    Cip {
        service: u8,
        /// The path's class...
        class: Option<u32>,
        /// ... and the class that names a class-specific service (the
        /// Logix symbol class of a tag).
        naming_class: Option<u32>,
        instance: Option<u32>,
        attribute: Option<u32>,
        /// The tag a symbolic path names.
        tag: Option<String>,
    },
    /// An OPC UA service request, by name without its `Request` suffix.
    OpcUa { service: &'static str },
    /// An S7comm Job function (with the PI service a PLC Control
    /// starts), or a Userdata request's group and subfunction.
    S7 {
        function: Option<u8>,
        pi_service: Option<&'static str>,
        userdata: Option<(u8, u8)>,
    },
    /// A PROFINET DCP frame (layer 2): its MAC addresses and service.
    ProfinetDcp {
        src_mac: [u8; 6],
        dst_mac: [u8; 6],
        service: u8,
    },
}

/// One rule match the engine handed on and the baseline did not know:
/// what Suricata writes one eve.json `alert` record for. It joins an
/// alert too (where matches of one rule in one action are listed once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleMatch {
    /// The match as the rules made it (its `rule` is set).
    pub finding: Finding,
    /// The application protocol of the connection, in Suricata's
    /// spelling (`modbus`, `enip`; `opcua`, which Suricata has not).
    pub app_proto: Option<&'static str>,
    pub on: MatchedOn,
}
