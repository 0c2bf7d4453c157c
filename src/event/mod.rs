//! Events: the typed records that travel from the workers to the merge
//! stage. The flow layer and the protocol analyzers emit them (codes and
//! numbers, not display names; one connection id type, [`ConnId`]) and
//! know no writer; every log is a projection of them (`crate::logs`), and
//! the inventory, the baseline and the rules read the same events.
//!
//! Payloads are boxed where they are large, so that an event is a few
//! words wherever it moves.

pub mod alert;
pub mod conn;
mod emit;
pub mod enip;
pub mod modbus;
pub mod opcua;
pub mod profinet;
pub mod s7;

pub use alert::{
    Action, Alert, Finding, MatchedOn, NoticeKind, Party, PayloadMatch, RuleHit, RuleMatch, Scope,
    Severity,
};
pub use conn::{transport_name, Conn, ConnId, ConnStart, Dir, PerDir, Weird, WeirdScope};
pub use emit::{Emitter, OrderKey, Reused};

use crate::stats::{CaptureLoss, SpoolLoss, StatsRecord};
use crate::time::Ts;

/// The head of a message of the ICSNPP message logs (EtherNet/IP, OPC
/// UA): when, on which connection, sent by whom, and the id that ties
/// together the rows made from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub ts: Ts,
    pub id: ConnId,
    /// Who sent the message.
    pub dir: Dir,
    /// Ties the rows made from one message together.
    pub link: crate::id::Id,
}

/// When a message of a connection was sent, and by whom: the head of the
/// ICSNPP logs that carry no message id (S7, PROFINET IO CM).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub ts: Ts,
    pub id: ConnId,
    pub dir: Dir,
}

/// One thing the traffic showed, or a reader concluded.
#[derive(Debug)]
pub enum Event {
    /// A connection's first packet (no log row).
    ConnStart(Box<ConnStart>),
    /// A connection ended: `conn.log`.
    Conn(Box<Conn>),
    /// An anomaly: `weird.log`.
    Weird(Box<Weird>),
    /// A Modbus PDU's header: `modbus.log`.
    ModbusHeader(Box<modbus::Header>),
    /// A Modbus transaction: `modbus_detailed.log`.
    ModbusTransaction(Box<modbus::Transaction>),
    /// `modbus_mask_write_register.log`.
    ModbusMaskWrite(Box<modbus::MaskWrite>),
    /// `modbus_read_write_multiple_registers.log`.
    ModbusReadWrite(Box<modbus::ReadWrite>),
    /// `modbus_read_device_identification.log`.
    ModbusDeviceId(Box<modbus::DeviceId>),
    /// A UMAS request (no log row).
    ModbusUmas(Box<modbus::Umas>),
    /// An EtherNet/IP encapsulation message: `enip.log`.
    Enip(Box<enip::Encapsulation>),
    /// A CIP request or reply: `cip.log`.
    Cip(Box<enip::Cip>),
    /// A CIP implicit I/O datagram: `cip_io.log`.
    CipIo(Box<enip::Io>),
    /// A List Identity reply's identity item: `cip_identity.log`.
    CipIdentity(Box<enip::Identity>),
    /// An OPC UA message, its request and response paired:
    /// `opcua_binary.log`.
    OpcUaMessage(Box<opcua::Message>),
    /// A decoded OPC UA request body: its service log.
    OpcUaRequest(Box<opcua::Request>),
    /// An OPC UA response: its status rows
    /// (`opcua_binary_status_code_detail.log`) and its service log.
    OpcUaResponse(Box<opcua::Response>),
    /// An OPC UA application's description (no log row).
    OpcUaApplication(Box<opcua::Application>),
    /// A COTP TPDU of ISO-on-TCP: `cotp.log`.
    Cotp(Box<s7::Cotp>),
    /// An S7comm PDU: `s7comm.log`, and its Read SZL or upload/download
    /// row.
    S7(Box<s7::Pdu>),
    /// An S7comm-plus PDU's header: `s7comm_plus.log`.
    S7Plus(Box<s7::Plus>),
    /// What a CPU's SZL answer says of it: `s7comm_known_devices.log`.
    S7Identity(Box<s7::Identity>),
    /// A PROFINET IO context management DCE/RPC PDU: `profinet_io_cm.log`.
    PnioCm(Box<profinet::Rpc>),
    /// A PROFINET DCP frame (layer 2): `profinet_dcp.log`.
    Dcp(Box<profinet::Dcp>),
    /// A PROFINET cyclic I/O stream over an interval: `profinet_rt.log`.
    ProfinetRt(Box<profinet::RtSummary>),
    /// An alert (deviations and rule matches of one action, or a notice
    /// of its own): a row of `notice.log` and one of `alert.log`.
    Alert(Box<Alert>),
    /// A payload rule's match (no log row: it becomes an alert).
    PayloadMatch(Box<PayloadMatch>),
    /// A rule match handed on (it joins an alert): a record of eve.json
    /// when one is asked for, no Zeek log row.
    RuleMatch(Box<RuleMatch>),
    /// The run's counters: `otwatch_stats.log`.
    Stats(Box<StatsRecord>),
    /// The capture's loss in the last interval: `otwatch_capture_loss.log`.
    CaptureLoss(Box<CaptureLoss>),
    /// A CloudWatch spool started losing events (no log row: a notice).
    SpoolLoss(Box<SpoolLoss>),
}

impl Event {
    /// The event's time.
    pub fn ts(&self) -> Ts {
        match self {
            Event::ConnStart(c) => c.ts,
            Event::Conn(c) => c.ts,
            Event::Weird(w) => w.ts,
            Event::ModbusHeader(h) => h.ts,
            Event::ModbusTransaction(t) => t.first_ts(),
            Event::ModbusMaskWrite(m) => m.head.ts,
            Event::ModbusReadWrite(m) => m.head().ts,
            Event::ModbusDeviceId(m) => m.head().ts,
            Event::ModbusUmas(u) => u.ts,
            Event::Enip(m) => m.head.ts,
            Event::Cip(m) => m.head.ts,
            Event::CipIo(m) => m.head.ts,
            Event::CipIdentity(m) => m.head.ts,
            Event::OpcUaMessage(m) => m.ts,
            Event::OpcUaRequest(r) => r.head.ts,
            Event::OpcUaResponse(r) => r.head.ts,
            Event::OpcUaApplication(a) => a.ts,
            Event::Cotp(c) => c.sent.ts,
            Event::S7(p) => p.sent.ts,
            Event::S7Plus(p) => p.sent.ts,
            Event::S7Identity(i) => i.sent.ts,
            Event::PnioCm(r) => r.sent.ts,
            Event::Dcp(d) => d.ts,
            Event::ProfinetRt(s) => s.ts,
            Event::Alert(a) => a.ts,
            Event::PayloadMatch(m) => m.ts,
            Event::RuleMatch(m) => m.finding.ts,
            Event::Stats(s) => s.ts,
            Event::CaptureLoss(c) => c.ts,
            Event::SpoolLoss(l) => l.ts,
        }
    }
}
