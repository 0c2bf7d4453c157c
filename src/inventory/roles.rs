//! Roles inferred from behaviour, each with the evidence that made it, and
//! a Purdue level estimate with its reason.

use super::device::Device;
use serde::{Deserialize, Serialize};

/// What a device does on the plant network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Answers Modbus or CIP requests (a PLC or other controller).
    Controller,
    /// Produces cyclic CIP I/O, or identifies itself as an adapter or I/O.
    IoAdapter,
    /// Polls controllers (Modbus, CIP or OPC UA reads).
    HmiScada,
    /// Collects history: OPC UA subscriptions or history reads.
    Historian,
    /// Sends programming or configuration operations.
    EngineeringWorkstation,
    OpcUaServer,
    OpcUaClient,
    /// Contacts many hosts, or sweeps them with identification requests.
    Scanner,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Controller => "controller",
            Role::IoAdapter => "io_adapter",
            Role::HmiScada => "hmi_scada",
            Role::Historian => "historian",
            Role::EngineeringWorkstation => "engineering_workstation",
            Role::OpcUaServer => "opcua_server",
            Role::OpcUaClient => "opcua_client",
            Role::Scanner => "scanner",
        }
    }
}

/// Thresholds of the role inference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleConfig {
    /// Hosts contacted that make a scanner.
    pub scan_peers: usize,
    /// Hosts asked to identify themselves that make a sweep.
    pub sweep_targets: usize,
}

impl Default for RoleConfig {
    fn default() -> Self {
        RoleConfig {
            scan_peers: 32,
            sweep_targets: 3,
        }
    }
}

const CONTROL: [&str; 3] = ["modbus", "cip", "opcua-binary"];

fn count(m: &std::collections::BTreeMap<String, u64>, k: &str) -> u64 {
    m.get(k).copied().unwrap_or(0)
}

/// The roles of a device, with their evidence, in role order.
pub fn roles(d: &Device, cfg: &RoleConfig) -> Vec<(Role, String)> {
    let a = &d.activity;
    let mut out = Vec::new();
    let device_type = d
        .cip_identity
        .as_ref()
        .map(|i| i.device_type.to_lowercase())
        .unwrap_or_default();
    for p in ["modbus", "cip"] {
        let n = count(&a.requests_served, p);
        if n > 0 {
            let ports: Vec<String> = a
                .served
                .get(if p == "cip" { "enip" } else { p })
                .or_else(|| a.served.get(p))
                .map(|s| s.iter().map(u16::to_string).collect())
                .unwrap_or_default();
            out.push((
                Role::Controller,
                format!("answers {p} requests ({n}) on port {}", ports.join(",")),
            ));
            break;
        }
    }
    if device_type.contains("programmable logic controller") && out.is_empty() {
        out.push((
            Role::Controller,
            format!("CIP identity device type {device_type}"),
        ));
    }
    if a.cip_io_sent > 0 {
        out.push((
            Role::IoAdapter,
            format!("produces cyclic CIP I/O ({} datagrams)", a.cip_io_sent),
        ));
    } else if device_type.contains("adapter") || device_type.contains("i/o") {
        out.push((
            Role::IoAdapter,
            format!("CIP identity device type {device_type}"),
        ));
    }
    let polls: Vec<String> = CONTROL
        .iter()
        .filter(|p| count(&a.requests_sent, p) > 0)
        .map(|p| format!("{p} ({})", count(&a.requests_sent, p)))
        .collect();
    if !polls.is_empty() {
        out.push((
            Role::HmiScada,
            format!("sends requests: {}", polls.join(", ")),
        ));
    }
    let history: Vec<&str> = a
        .opcua_services
        .iter()
        .map(String::as_str)
        .filter(|s| {
            matches!(
                *s,
                "HistoryReadRequest" | "CreateMonitoredItemsRequest" | "PublishRequest"
            )
        })
        .collect();
    if !history.is_empty() {
        out.push((
            Role::Historian,
            format!("collects values over OPC UA: {}", history.join(", ")),
        ));
    }
    if !a.engineering.is_empty() {
        let items: Vec<&str> = a.engineering.iter().map(String::as_str).collect();
        out.push((
            Role::EngineeringWorkstation,
            format!("programming/configuration: {}", items.join(", ")),
        ));
    }
    if let Some(ports) = a.served.get("opcua-binary") {
        let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
        out.push((
            Role::OpcUaServer,
            format!("serves OPC UA on port {}", ports.join(",")),
        ));
    }
    if a.used.contains_key("opcua-binary") {
        out.push((
            Role::OpcUaClient,
            format!("OPC UA client ({} services)", a.opcua_services.len()),
        ));
    }
    let sweep = a
        .identification
        .iter()
        .find(|(_, hosts)| hosts.len() >= cfg.sweep_targets || hosts.iter().any(is_broadcast));
    if a.peers.len() >= cfg.scan_peers {
        out.push((Role::Scanner, format!("contacted {}+ hosts", a.peers.len())));
    } else if let Some((kind, hosts)) = sweep {
        out.push((
            Role::Scanner,
            format!("identification sweep: {kind} to {} hosts", hosts.len()),
        ));
    }
    out
}

fn is_broadcast(ip: &std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v) => v.is_broadcast() || v.octets()[3] == 255,
        std::net::IpAddr::V6(v) => v.is_multicast(),
    }
}

/// A Purdue level estimate and why; `None` when the roles do not say.
pub fn purdue(roles: &[(Role, String)]) -> (Option<u8>, String) {
    let has = |r: Role| roles.iter().any(|(x, _)| *x == r);
    if has(Role::IoAdapter) && !has(Role::Controller) {
        (
            Some(1),
            "I/O adapter: Level 1 (basic control, field I/O)".into(),
        )
    } else if has(Role::Controller) {
        (
            Some(1),
            "controller answering control protocols: Level 1".into(),
        )
    } else if has(Role::EngineeringWorkstation) {
        (
            Some(2),
            "engineering workstation: Level 2 (supervisory)".into(),
        )
    } else if has(Role::HmiScada) {
        (Some(2), "polls controllers: Level 2 (HMI/SCADA)".into())
    } else if has(Role::OpcUaServer) {
        (
            Some(2),
            "OPC UA server without control traffic: Level 2".into(),
        )
    } else if has(Role::Historian) {
        (Some(3), "collects history: Level 3 (operations)".into())
    } else if has(Role::OpcUaClient) {
        (Some(3), "OPC UA client only: Level 3".into())
    } else {
        (None, "no control-protocol behaviour seen".into())
    }
}
