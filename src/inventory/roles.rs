//! Roles inferred from behaviour, each with the evidence that made it, and
//! a Purdue level estimate with its reason.
//!
//! Roles follow the majority of the evidence a record holds (a run, or
//! several merged), not its first sign: per control protocol (Modbus, CIP,
//! OPC UA) the requests a device answered are weighed against the requests
//! it sent ([`sides`]). The larger side gives its role; the smaller one is
//! shown in the evidence ("answered 1") and gives its role too only when
//! it is substantial (a gateway or data concentrator polling downstream
//! and polled from upstream). A client whose requests are mostly writes
//! is an engineering workstation, not an HMI. The Purdue level follows
//! the majority role. The thresholds are [`RoleConfig`]'s.
//!
//! Evidence strings carry the counts they were decided on: "sends modbus
//! requests (1000 to 2 servers; answered 1 from 1 client)".

use super::device::{Activity, Device, MAX_SET};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// What a device does on the plant network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Answers Modbus or CIP requests (the majority side of its traffic in
    /// that protocol), or identifies as a PLC: a PLC or other controller.
    Controller,
    /// Produces cyclic CIP I/O, or identifies itself as an adapter or I/O.
    IoAdapter,
    /// Polls controllers (Modbus, CIP or OPC UA requests, mostly reads).
    HmiScada,
    /// Collects history: OPC UA subscriptions or history reads.
    Historian,
    /// Sends programming or configuration operations, or requests that are
    /// mostly writes.
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
    /// A side of a protocol with at least this many times the other side's
    /// requests gives the only role: served >= 10 x sent is a server,
    /// sent >= 10 x served a client. An order of magnitude: a host
    /// answering a tenth of what it sends answers incidental traffic (a
    /// peer's one-off read, a test, a scan), while a gateway's two sides
    /// run at comparable rates.
    pub majority: u64,
    /// The smaller side gives its role too (both kept) only with at least
    /// this many requests: below ten, a ratio says nothing, and a single
    /// answered request never makes a controller.
    pub min_requests: u64,
    /// ... and then when it is within `majority` of the larger side, or
    /// has at least this many requests whatever the ratio: a thousand
    /// answered requests are no accident (a gateway polled every minute
    /// for 17 hours while it polls its field devices every second).
    pub sustained_requests: u64,
    /// A client more than this share (percent) of whose control requests
    /// are writes changes setpoints and configuration rather than polling:
    /// an engineering workstation, not an HMI (an HMI's requests are
    /// nearly all reads).
    pub write_percent: u64,
}

impl Default for RoleConfig {
    fn default() -> Self {
        RoleConfig {
            scan_peers: 32,
            sweep_targets: 3,
            majority: 10,
            min_requests: 10,
            sustained_requests: 1000,
            write_percent: 50,
        }
    }
}

/// The protocols whose requests make controllers and their clients.
const CONTROL: [&str; 4] = ["modbus", "cip", "opcua-binary", "s7comm"];
/// The protocols a controller answers.
const CONTROLLER: [&str; 3] = ["modbus", "cip", "s7comm"];
const OPCUA: &str = "opcua-binary";

fn count(m: &BTreeMap<String, u64>, k: &str) -> u64 {
    m.get(k).copied().unwrap_or(0)
}

/// Which sides of a protocol give their role, from the requests a device
/// answered and sent: (server, client). The larger side always does (both
/// on a tie); the smaller one only with `min_requests`, and when the
/// larger has less than `majority` times its requests or it has
/// `sustained_requests`.
pub fn sides(served: u64, sent: u64, cfg: &RoleConfig) -> (bool, bool) {
    let holds = |mine: u64, other: u64| {
        mine > 0
            && (mine >= other
                || (mine >= cfg.min_requests
                    && (mine.saturating_mul(cfg.majority) > other
                        || mine >= cfg.sustained_requests)))
    };
    (holds(served, sent), holds(sent, served))
}

/// One protocol's two sides, as the evidence shows them.
struct Protocol<'a> {
    name: &'a str,
    served: u64,
    sent: u64,
    clients: Option<&'a BTreeSet<IpAddr>>,
    servers: Option<&'a BTreeSet<IpAddr>>,
    /// Whether each side gives its role.
    server: bool,
    client: bool,
}

impl<'a> Protocol<'a> {
    fn of(a: &'a Activity, name: &'a str, cfg: &RoleConfig) -> Protocol<'a> {
        let served = count(&a.requests_served, name);
        let sent = count(&a.requests_sent, name);
        let (server, client) = sides(served, sent, cfg);
        Protocol {
            name,
            served,
            sent,
            clients: a.clients.get(name),
            servers: a.servers.get(name),
            server,
            client,
        }
    }

    /// "104 from 2 clients"
    fn answered(&self) -> String {
        format!("{}{}", self.served, hosts(" from", self.clients, "client"))
    }

    /// "1000 to 2 servers"
    fn sent(&self) -> String {
        format!("{}{}", self.sent, hosts(" to", self.servers, "server"))
    }

    /// The server side's counts: "104 from 2 clients on port 502; sent 1
    /// to 1 server".
    fn server_counts(&self, ports: &str) -> String {
        let other = match (self.sent, self.client) {
            (0, _) => String::new(),
            (_, true) => format!("; also sends {}: {BOTH}", self.sent()),
            (_, false) => format!("; sent {}", self.sent()),
        };
        format!("{}{ports}{other}", self.answered())
    }

    /// The client side's counts: "1000 to 2 servers; answered 1 from 1
    /// client".
    fn client_counts(&self) -> String {
        let other = match (self.served, self.server) {
            (0, _) => String::new(),
            (_, true) => format!("; also answers {}: {BOTH}", self.answered()),
            (_, false) => format!("; answered {}", self.answered()),
        };
        format!("{}{other}", self.sent())
    }
}

/// What the evidence says of a smaller side that gives its role too.
const BOTH: &str = "both sides kept, as for a gateway";

/// "1 request", "2 requests".
fn requests(n: u64) -> String {
    if n == 1 {
        "1 request".into()
    } else {
        format!("{n} requests")
    }
}

/// " to 2 servers", " to 64+ servers" (a full set), "" (none recorded:
/// a record older than the host sets).
fn hosts(prep: &str, set: Option<&BTreeSet<IpAddr>>, noun: &str) -> String {
    match set.map_or(0, BTreeSet::len) {
        0 => String::new(),
        1 => format!("{prep} 1 {noun}"),
        n if n >= MAX_SET => format!("{prep} {n}+ {noun}s"),
        n => format!("{prep} {n} {noun}s"),
    }
}

/// " on port 502,5020", or "" when no port was recorded.
fn ports(a: &Activity, keys: &[&str]) -> String {
    let ports: Vec<String> = keys
        .iter()
        .find_map(|k| a.served.get(*k))
        .map(|s| s.iter().map(u16::to_string).collect())
        .unwrap_or_default();
    if ports.is_empty() {
        String::new()
    } else {
        format!(" on port {}", ports.join(","))
    }
}

fn device_type(d: &Device) -> String {
    d.cip_identity
        .as_ref()
        .map(|i| i.device_type.to_lowercase())
        .unwrap_or_default()
}

fn is_plc(device_type: &str) -> bool {
    device_type.contains("programmable logic controller")
}

/// The roles of a device, with their evidence, in role order.
pub fn roles(d: &Device, cfg: &RoleConfig) -> Vec<(Role, String)> {
    let a = &d.activity;
    let mut out = Vec::new();
    let device_type = device_type(d);
    let protocols: Vec<Protocol<'_>> = CONTROL.iter().map(|p| Protocol::of(a, p, cfg)).collect();
    let answered: Vec<String> = protocols
        .iter()
        .filter(|p| p.server && CONTROLLER.contains(&p.name))
        .map(|p| {
            // A CIP connection's service is `enip,cip` or `cip`.
            let keys: &[&str] = if p.name == "cip" {
                &["enip", "cip"]
            } else {
                &[p.name]
            };
            format!("{} requests ({})", p.name, p.server_counts(&ports(a, keys)))
        })
        .collect();
    if !answered.is_empty() {
        out.push((Role::Controller, format!("answers {}", answered.join(", "))));
    } else if is_plc(&device_type) {
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
    // What a PROFINET device's DCP role bits say, where the traffic did
    // not already tell.
    let dcp_roles: Vec<&str> = d.profinet_identity.iter().flat_map(|p| p.roles()).collect();
    for (bit, role) in [
        ("IO controller", Role::Controller),
        ("IO device", Role::IoAdapter),
    ] {
        if dcp_roles.contains(&bit) && !out.iter().any(|(r, _)| *r == role) {
            out.push((role, format!("PROFINET DCP role {bit}")));
        }
    }
    let polls: Vec<String> = protocols
        .iter()
        .filter(|p| p.client)
        .map(|p| format!("{} requests ({})", p.name, p.client_counts()))
        .collect();
    let mut engineering = Vec::new();
    if !polls.is_empty() {
        let sent: u64 = protocols.iter().map(|p| p.sent).sum();
        if a.writes_sent.saturating_mul(100) > cfg.write_percent.saturating_mul(sent) {
            engineering.push(format!(
                "writes, not polls: {} of {sent} control requests sent are writes: {}",
                a.writes_sent,
                polls.join(", ")
            ));
        } else {
            out.push((Role::HmiScada, format!("sends {}", polls.join(", "))));
        }
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
        engineering.insert(
            0,
            format!("programming/configuration: {}", items.join(", ")),
        );
    }
    if !engineering.is_empty() {
        out.push((Role::EngineeringWorkstation, engineering.join("; ")));
    }
    out.extend(opcua(a, &protocols));
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
    out.sort_by_key(|(r, _)| *r);
    out
}

/// The OPC UA roles: from the requests when any were read, else (an
/// encrypted channel) from the connections served and used.
fn opcua(a: &Activity, protocols: &[Protocol<'_>]) -> Vec<(Role, String)> {
    let mut out = Vec::new();
    let ports = a
        .served
        .get(OPCUA)
        .map(|s| s.iter().map(u16::to_string).collect::<Vec<_>>().join(","));
    let Some(p) = protocols
        .iter()
        .find(|p| p.name == OPCUA && p.served + p.sent > 0)
    else {
        if let Some(ports) = ports {
            out.push((Role::OpcUaServer, format!("serves OPC UA on port {ports}")));
        }
        if a.used.contains_key(OPCUA) {
            out.push((
                Role::OpcUaClient,
                format!("OPC UA client ({} services)", a.opcua_services.len()),
            ));
        }
        return out;
    };
    if p.server {
        let on = ports.map_or(String::new(), |p| format!(" on port {p}"));
        out.push((
            Role::OpcUaServer,
            format!("serves OPC UA{on} (requests: {})", p.server_counts("")),
        ));
    }
    if p.client {
        out.push((
            Role::OpcUaClient,
            format!(
                "OPC UA client (requests: {}; {} services)",
                p.client_counts(),
                a.opcua_services.len()
            ),
        ));
    }
    out
}

fn is_broadcast(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => v.is_broadcast() || v.octets()[3] == 255,
        IpAddr::V6(v) => v.is_multicast(),
    }
}

/// A Purdue level estimate and why; `None` when the roles do not say. A
/// device with both a controller's and a client's roles (a gateway) is
/// placed by its majority: the side with more control requests.
pub fn purdue(d: &Device, roles: &[(Role, String)]) -> (Option<u8>, String) {
    let has = |r: Role| roles.iter().any(|(x, _)| *x == r);
    let a = &d.activity;
    let served: u64 = CONTROL.iter().map(|p| count(&a.requests_served, p)).sum();
    let sent: u64 = CONTROL.iter().map(|p| count(&a.requests_sent, p)).sum();
    let client = has(Role::HmiScada) || has(Role::EngineeringWorkstation);
    let and_answered = if served > 0 {
        format!(", {served} answered")
    } else {
        String::new()
    };
    if has(Role::IoAdapter) && !has(Role::Controller) {
        (
            Some(1),
            "I/O adapter: Level 1 (basic control, field I/O)".into(),
        )
    } else if has(Role::Controller) && is_plc(&device_type(d)) {
        (
            Some(1),
            "CIP identity of a programmable logic controller: Level 1".into(),
        )
    } else if has(Role::Controller) && !client {
        (
            Some(1),
            format!(
                "controller answering control protocols ({}): Level 1",
                requests(served)
            ),
        )
    } else if has(Role::Controller) && served >= sent {
        (
            Some(1),
            format!(
                "answers at least as many control requests ({served}) as it sends \
                 ({sent}): a controller or gateway, Level 1"
            ),
        )
    } else if has(Role::Controller) {
        (
            Some(2),
            format!(
                "sends more control requests ({sent}) than it answers ({served}): \
                 a gateway, Level 2 by its majority (client)"
            ),
        )
    } else if has(Role::EngineeringWorkstation) {
        (
            Some(2),
            "engineering workstation: Level 2 (supervisory)".into(),
        )
    } else if has(Role::HmiScada) {
        (
            Some(2),
            format!(
                "polls controllers ({} sent{and_answered}): Level 2 (HMI/SCADA)",
                requests(sent)
            ),
        )
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
    }

    /// A device that answered `served` requests of `protocol` from
    /// `clients` hosts and sent `sent` to `servers` hosts.
    fn device(protocol: &str, served: (u64, u8), sent: (u64, u8)) -> Device {
        let mut d = Device::new(ip(1), 0);
        let a = &mut d.activity;
        let side = |n: u64,
                    hosts: u8,
                    counts: &mut BTreeMap<String, u64>,
                    sets: &mut BTreeMap<String, BTreeSet<IpAddr>>,
                    first: u8| {
            if n > 0 {
                counts.insert(protocol.into(), n);
                sets.insert(protocol.into(), (0..hosts).map(|h| ip(first + h)).collect());
            }
        };
        side(
            served.0,
            served.1,
            &mut a.requests_served,
            &mut a.clients,
            100,
        );
        side(sent.0, sent.1, &mut a.requests_sent, &mut a.servers, 200);
        if served.0 > 0 && protocol == "modbus" {
            a.served.insert(protocol.into(), [502].into());
        }
        d
    }

    fn names(r: &[(Role, String)]) -> Vec<Role> {
        r.iter().map(|(x, _)| *x).collect()
    }

    fn evidence(r: &[(Role, String)], role: Role) -> &str {
        r.iter()
            .find(|(x, _)| *x == role)
            .map_or("", |(_, e)| e.as_str())
    }

    /// The issue: "an HMI that answered one Modbus request is classified
    /// 'controller' and drawn in Level 1". A host that sent 1,000 requests
    /// and answered one is an HMI, on Level 2; the one answer is in the
    /// evidence.
    #[test]
    fn a_poller_that_answered_once_is_an_hmi_not_a_controller() {
        let d = device("modbus", (1, 1), (1000, 2));
        let r = roles(&d, &RoleConfig::default());
        assert_eq!(names(&r), [Role::HmiScada]);
        assert_eq!(
            evidence(&r, Role::HmiScada),
            "sends modbus requests (1000 to 2 servers; answered 1 from 1 client)"
        );
        let (level, reason) = purdue(&d, &r);
        assert_eq!(level, Some(2));
        assert_eq!(
            reason,
            "polls controllers (1000 requests sent, 1 answered): Level 2 (HMI/SCADA)"
        );
    }

    /// A PLC that once sent a request (a peer-to-peer message, a test) is
    /// still a controller alone, on Level 1.
    #[test]
    fn a_controller_that_once_sent_a_request_stays_a_controller() {
        for protocol in ["modbus", "cip"] {
            let d = device(protocol, (5000, 3), (1, 1));
            let r = roles(&d, &RoleConfig::default());
            assert_eq!(names(&r), [Role::Controller], "{protocol}");
            assert_eq!(
                evidence(&r, Role::Controller),
                format!(
                    "answers {protocol} requests (5000 from 3 clients{}; sent 1 to 1 server)",
                    if protocol == "modbus" {
                        " on port 502"
                    } else {
                        ""
                    }
                )
            );
            assert_eq!(purdue(&d, &r).0, Some(1));
        }
    }

    /// A gateway or data concentrator polls its field devices and is
    /// polled from upstream: both roles, said so in the evidence, and the
    /// level of the side with more requests.
    #[test]
    fn a_gateway_keeps_both_roles_and_the_level_of_its_majority() {
        // Polled every minute for a day while it polls ten devices every
        // few seconds: 15x fewer answers than requests, but sustained.
        let d = device("modbus", (1440, 1), (21_600, 10));
        let r = roles(&d, &RoleConfig::default());
        assert_eq!(names(&r), [Role::Controller, Role::HmiScada]);
        assert_eq!(
            evidence(&r, Role::Controller),
            "answers modbus requests (1440 from 1 client on port 502; \
             also sends 21600 to 10 servers: both sides kept, as for a gateway)"
        );
        assert_eq!(
            evidence(&r, Role::HmiScada),
            "sends modbus requests (21600 to 10 servers; \
             also answers 1440 from 1 client: both sides kept, as for a gateway)"
        );
        let (level, reason) = purdue(&d, &r);
        assert_eq!(level, Some(2), "{reason}");
        assert!(reason.contains("Level 2 by its majority"), "{reason}");
        // Within the ratio: both, and more answered than sent is Level 1.
        let d = device("cip", (300, 2), (100, 4));
        let r = roles(&d, &RoleConfig::default());
        assert_eq!(names(&r), [Role::Controller, Role::HmiScada]);
        assert_eq!(purdue(&d, &r).0, Some(1));
    }

    #[test]
    fn the_thresholds_at_their_edges() {
        let cfg = RoleConfig::default();
        // Nothing, one side only, a tie (no majority: both).
        assert_eq!(sides(0, 0, &cfg), (false, false));
        assert_eq!(sides(5, 0, &cfg), (true, false));
        assert_eq!(sides(0, 5, &cfg), (false, true));
        assert_eq!(sides(1, 1, &cfg), (true, true));
        // served >= 10 x sent: the server side alone; just under, both.
        assert_eq!(sides(100, 10, &cfg), (true, false));
        assert_eq!(sides(99, 10, &cfg), (true, true));
        assert_eq!(sides(10, 100, &cfg), (false, true));
        assert_eq!(sides(10, 99, &cfg), (true, true));
        // The smaller side needs 10 requests, whatever the ratio.
        assert_eq!(sides(18, 9, &cfg), (true, false));
        assert_eq!(sides(9, 18, &cfg), (false, true));
        assert_eq!(sides(18, 10, &cfg), (true, true));
        // 1000 requests are kept whatever the ratio.
        assert_eq!(sides(999, 1_000_000, &cfg), (false, true));
        assert_eq!(sides(1000, 1_000_000, &cfg), (true, true));
        assert_eq!(sides(u64::MAX, 1000, &cfg), (true, true));
        // Other thresholds.
        let strict = RoleConfig {
            majority: 2,
            min_requests: 1,
            sustained_requests: u64::MAX,
            ..cfg
        };
        assert_eq!(sides(4, 2, &strict), (true, false));
        assert_eq!(sides(3, 2, &strict), (true, true));
    }

    /// A client whose requests are mostly writes changes setpoints and
    /// configuration: an engineering workstation (the workstation of
    /// pcaps/attacks, one Modbus and one CIP write every 40 s). Half
    /// writes is still an HMI.
    #[test]
    fn a_client_that_mostly_writes_is_an_engineering_workstation() {
        let mut d = device("modbus", (0, 0), (4, 1));
        d.activity.requests_sent.insert("cip".into(), 4);
        d.activity.writes_sent = 8;
        let r = roles(&d, &RoleConfig::default());
        assert_eq!(names(&r), [Role::EngineeringWorkstation]);
        assert_eq!(
            evidence(&r, Role::EngineeringWorkstation),
            "writes, not polls: 8 of 8 control requests sent are writes: \
             modbus requests (4 to 1 server), cip requests (4)"
        );
        assert_eq!(purdue(&d, &r).0, Some(2));
        d.activity.writes_sent = 4;
        assert_eq!(names(&roles(&d, &RoleConfig::default())), [Role::HmiScada]);
        // Programming operations add to the evidence.
        d.activity.writes_sent = 8;
        d.activity.engineering.insert("modbus PROGRAM_UNITY".into());
        let r = roles(&d, &RoleConfig::default());
        assert!(evidence(&r, Role::EngineeringWorkstation)
            .starts_with("programming/configuration: modbus PROGRAM_UNITY; writes, not polls"));
    }

    /// An OPC UA server that once acted as a client is a server only.
    #[test]
    fn opcua_roles_follow_the_majority_too() {
        let d = device("opcua-binary", (169, 1), (2, 1));
        let r = roles(&d, &RoleConfig::default());
        assert_eq!(names(&r), [Role::OpcUaServer]);
        assert_eq!(
            evidence(&r, Role::OpcUaServer),
            "serves OPC UA (requests: 169 from 1 client; sent 2 to 1 server)"
        );
        // No request read (an encrypted channel): the connections say.
        let mut d = Device::new(ip(1), 0);
        d.activity
            .served
            .insert("opcua-binary".into(), [4840].into());
        let r = roles(&d, &RoleConfig::default());
        assert_eq!(names(&r), [Role::OpcUaServer]);
        assert_eq!(
            evidence(&r, Role::OpcUaServer),
            "serves OPC UA on port 4840"
        );
    }

    /// A full host set reads "64+", and a record written before the host
    /// sets existed shows counts alone.
    #[test]
    fn host_counts_in_the_evidence() {
        let mut d = device("modbus", (0, 0), (500, 1));
        d.activity.servers.insert(
            "modbus".into(),
            (0..MAX_SET as u32)
                .map(|i| IpAddr::V4(Ipv4Addr::from(0x0a01_0000 + i)))
                .collect(),
        );
        let r = roles(&d, &RoleConfig::default());
        assert_eq!(
            evidence(&r, Role::HmiScada),
            "sends modbus requests (500 to 64+ servers)"
        );
        d.activity.servers.clear();
        let r = roles(&d, &RoleConfig::default());
        assert_eq!(evidence(&r, Role::HmiScada), "sends modbus requests (500)");
    }
}
