//! The readers of the merged event stream: the inventory, the baseline
//! being learned, the deviation detector and the rule engine all read
//! each event (and the requests it carries, [`Request`]) in the merge
//! order, so what is learned and what is alerted does not depend on the
//! number of workers.

mod alerts;
mod observer;
mod offload;
mod opcua;
mod request;

pub use alerts::{AlertStats, HOLD, MAX_WAITING};
pub use observer::{Checked, Message, ObserveConfig, Observed, Observer, WorkerChecks};
pub use offload::Offload;
pub use opcua::{OpcUaActivate, OpcUaChannel};
pub use request::{
    cip_kind, modbus_kind, modbus_request, opcua_kind, requests, tag_name, Detail, Function,
    FunctionClass, ModbusRange, ModbusTable, Request, CIP, ENIP, MODBUS, OPCUA,
};

use std::net::IpAddr;

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
