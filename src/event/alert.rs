//! What the readers of the event stream raise: baseline deviations and
//! other notices (`notice.log`), and rule matches (`alert.log`, with a
//! notice each).

use super::conn::{ConnId, Dir};
use crate::id::Id;
use crate::time::Ts;
use std::net::IpAddr;

/// The kind of a notice (its `note` column, `OTWatch::` and the name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    NewDevice,
    NewEdge,
    NewProtocol,
    NewFunction,
    WriteOnReadOnlyEdge,
    ModbusAddressOutOfRange,
    RoleChange,
    IdentityChange,
    PollingAnomaly,
    EdgeSilent,
    CaptureLoss,
    /// A rule matched (the rule is in the message).
    Rule,
}

impl NoticeKind {
    /// Every kind a baseline deviation can be.
    pub const DEVIATIONS: [NoticeKind; 10] = [
        NoticeKind::NewDevice,
        NoticeKind::NewEdge,
        NoticeKind::NewProtocol,
        NoticeKind::NewFunction,
        NoticeKind::WriteOnReadOnlyEdge,
        NoticeKind::ModbusAddressOutOfRange,
        NoticeKind::RoleChange,
        NoticeKind::IdentityChange,
        NoticeKind::PollingAnomaly,
        NoticeKind::EdgeSilent,
    ];

    /// The `note` column.
    pub fn note(self) -> &'static str {
        match self {
            NoticeKind::NewDevice => "OTWatch::New_Device",
            NoticeKind::NewEdge => "OTWatch::New_Edge",
            NoticeKind::NewProtocol => "OTWatch::New_Protocol",
            NoticeKind::NewFunction => "OTWatch::New_Function",
            NoticeKind::WriteOnReadOnlyEdge => "OTWatch::Write_On_Read_Only_Edge",
            NoticeKind::ModbusAddressOutOfRange => "OTWatch::Modbus_Address_Out_Of_Range",
            NoticeKind::RoleChange => "OTWatch::Role_Change",
            NoticeKind::IdentityChange => "OTWatch::Identity_Change",
            NoticeKind::PollingAnomaly => "OTWatch::Polling_Anomaly",
            NoticeKind::EdgeSilent => "OTWatch::Edge_Silent",
            NoticeKind::CaptureLoss => "OTWatch::Capture_Loss",
            NoticeKind::Rule => "OTWatch::Rule",
        }
    }

    /// The name rules use for a deviation kind (`baseline: new_edge`).
    pub fn rule_name(self) -> &'static str {
        let note = self.note();
        note.strip_prefix("OTWatch::").unwrap_or(note)
    }
}

/// One notice: what was seen (`msg`), what was expected (`sub`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub ts: Ts,
    pub kind: NoticeKind,
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
}

/// One rule match (`alert.log`): the rule, where it matched, what matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    pub ts: Ts,
    pub uid: Option<Id>,
    pub src: IpAddr,
    pub sport: Option<u16>,
    pub dst: Option<IpAddr>,
    pub dport: Option<u16>,
    pub sid: u32,
    pub rev: u32,
    pub msg: String,
    pub severity: &'static str,
    pub priority: u8,
    pub classtype: Option<String>,
    pub techniques: Vec<String>,
    pub references: Vec<String>,
    /// The protocol fields that matched, as text.
    pub matched: String,
    /// For baseline rules: the deviation's note and what the baseline
    /// expected.
    pub baseline: Option<String>,
}
