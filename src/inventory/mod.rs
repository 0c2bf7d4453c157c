//! The device inventory: one merged record per device (keyed by IP
//! address; MACs are attributes, since behind a router or on some
//! captures every packet carries the same MAC), built from the
//! observations of the merged record stream. Written as
//! `known_devices.log` (JSON lines) at the end of a run; `otwatch
//! inventory` prints it as a table, JSON or CSV.

mod device;
pub mod oui;
mod roles;
mod table;

pub use device::{
    format_mac, parse_mac, union_first, Activity, CipIdentity, Device, OpcUaIdentity,
    ProfinetIdentity, Revision, S7Identity, MAX_SET,
};
pub use roles::{purdue, roles, sides, Role, RoleConfig};
pub use table::{log_text, print, read_devices, read_records, write_log, DeviceLine, Format};

use crate::event::enip::{Identity, Io};
use crate::event::modbus::DeviceId;
use crate::event::opcua::Application;
use crate::event::{Conn, ConnStart};
use crate::observe::{is_device, Function, Request};
use crate::time::Ts;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

/// Devices kept; past this, new addresses are counted, not recorded.
pub const MAX_DEVICES: usize = 65_536;

/// Updates the value of `key`, made (default) if new: the key is copied
/// only then (every request updates six of these maps).
fn with_slot<V: Default>(map: &mut BTreeMap<String, V>, key: &str, f: impl FnOnce(&mut V)) {
    match map.get_mut(key) {
        Some(v) => f(v),
        None => {
            let mut v = V::default();
            f(&mut v);
            map.insert(key.to_string(), v);
        }
    }
}

/// Adds a server port to one protocol's set of ports used or served:
/// whether the set was full (a value may have left it), and whether the
/// port is in it now.
fn add_port(
    ports: &mut BTreeMap<String, BTreeSet<u16>>,
    protocol: &str,
    port: u16,
) -> (bool, bool) {
    let (mut full, mut kept) = (false, false);
    with_slot(ports, protocol, |ports| {
        full = ports.len() >= MAX_SET;
        device::add_capped(ports, port);
        kept = ports.contains(&port);
    });
    (full, kept)
}

/// Adds a request's server port and the host on the other side to one
/// side's per-protocol sets (ports used or served, servers or clients, and
/// the count of hosts a full set could not keep): whether a full set may
/// have dropped a value, and whether both are now in their sets.
fn add_port_and_peer(
    ports: &mut BTreeMap<String, BTreeSet<u16>>,
    hosts: &mut BTreeMap<String, BTreeSet<IpAddr>>,
    dropped: &mut u64,
    protocol: &str,
    (port, peer): (u16, IpAddr),
) -> (bool, bool) {
    let (mut full, mut kept) = add_port(ports, protocol, port);
    with_slot(hosts, protocol, |hosts| {
        full |= hosts.len() >= MAX_SET;
        device::add_counted(hosts, peer, dropped);
        kept &= hosts.contains(&peer);
    });
    (full, kept)
}

/// The devices of an inventory, found by address in one hash probe
/// (every request updates two of them) and listed in address order; and
/// the devices seen only at layer 2 (PROFINET stations without an IP
/// address yet), by MAC address, listed after them.
#[derive(Clone, Debug, Default)]
pub struct Devices {
    by_ip: HashMap<IpAddr, Device, foldhash::fast::RandomState>,
    by_mac: BTreeMap<[u8; 6], Device>,
}

impl Devices {
    pub fn len(&self) -> usize {
        self.by_ip.len().saturating_add(self.by_mac.len())
    }

    pub fn is_empty(&self) -> bool {
        self.by_ip.is_empty() && self.by_mac.is_empty()
    }

    pub fn get(&self, ip: &IpAddr) -> Option<&Device> {
        self.by_ip.get(ip)
    }

    pub fn get_mut(&mut self, ip: &IpAddr) -> Option<&mut Device> {
        self.by_ip.get_mut(ip)
    }

    /// A device seen only at layer 2.
    pub fn by_mac(&self, mac: &[u8; 6]) -> Option<&Device> {
        self.by_mac.get(mac)
    }

    /// The devices in no particular order (for sums and extremes).
    pub fn unordered(&self) -> impl Iterator<Item = &Device> {
        self.by_ip.values().chain(self.by_mac.values())
    }

    /// The devices in address order, then those seen only at layer 2 in
    /// MAC order.
    pub fn values(&self) -> impl Iterator<Item = &Device> {
        let mut all: Vec<&Device> = self.by_ip.values().collect();
        all.sort_unstable_by_key(|d| d.ip);
        all.into_iter().chain(self.by_mac.values())
    }

    /// The devices with an address, keyed by it, as a baseline keeps them.
    pub fn to_map(&self) -> BTreeMap<IpAddr, Device> {
        self.by_ip.iter().map(|(ip, d)| (*ip, d.clone())).collect()
    }
}

/// The devices seen in a run.
#[derive(Debug, Default)]
pub struct Inventory {
    pub devices: Devices,
    /// New addresses not recorded because the table was full.
    pub dropped: u64,
    /// The IPv4 address each MAC was last seen with: how a layer-2
    /// frame's sender and receiver are named by address.
    mac_ips: HashMap<[u8; 6], MacIp, foldhash::fast::RandomState>,
    /// Requests (client, server, protocol, port) whose port and hosts are
    /// in all four of their devices' sets: a repeat only counts, skipping
    /// the four set searches (a polling client repeats one request all
    /// day). Emptied whenever a value may leave one of those sets (a full
    /// set taking a smaller value, a station merged in); past its cap,
    /// requests are simply recorded in full.
    recorded: std::collections::HashSet<RequestKey, foldhash::fast::RandomState>,
}

type RequestKey = (IpAddr, IpAddr, &'static str, u16);

/// Requests remembered as recorded (~40 bytes each).
const MAX_RECORDED: usize = 16_384;

/// A MAC's last IPv4 address, and how often it changed: a device
/// re-addressed once or twice is still named by its latest; a MAC that
/// keeps changing addresses (a router's) names none.
#[derive(Clone, Copy, Debug)]
struct MacIp {
    ip: std::net::Ipv4Addr,
    changes: u8,
}

/// Address changes past which a MAC names no address.
const MAX_MAC_IP_CHANGES: u8 = 2;

/// Devices known by their MAC address only (PROFINET stations without an
/// address); past this, new ones are counted in `dropped`.
pub const MAX_L2_DEVICES: usize = 4096;

impl Inventory {
    /// Hosts the devices' peer sets could not keep (the sum of their
    /// `peers_dropped`), for the run's cap counters.
    pub fn peers_dropped(&self) -> u64 {
        self.devices
            .unordered()
            .fold(0u64, |n, d| n.saturating_add(d.activity.peers_dropped))
    }

    /// The IPv4 address `mac` was last seen with (none if it keeps
    /// changing, or if it was seen only at layer 2).
    pub fn ip_of_mac(&self, mac: &[u8; 6]) -> Option<IpAddr> {
        self.mac_ips
            .get(mac)
            .filter(|m| m.changes <= MAX_MAC_IP_CHANGES)
            .map(|m| IpAddr::V4(m.ip))
    }

    /// `mac` was seen with `ip`: the index learns it, and a device kept by
    /// that MAC until now moves to the address's device.
    fn saw_mac(&mut self, mac: Option<[u8; 6]>, ip: IpAddr) {
        let (Some(mac), IpAddr::V4(v4)) = (mac, ip) else {
            return;
        };
        if !is_device(&ip) {
            return;
        }
        use std::collections::hash_map::Entry;
        let full = self.mac_ips.len() >= MAX_DEVICES;
        match self.mac_ips.entry(mac) {
            Entry::Occupied(mut o) => {
                let m = o.get_mut();
                if m.ip != v4 {
                    m.ip = v4;
                    m.changes = m.changes.saturating_add(1);
                }
            }
            Entry::Vacant(_) if full => self.dropped += 1,
            Entry::Vacant(v) => {
                v.insert(MacIp { ip: v4, changes: 0 });
            }
        }
        if !self.devices.by_mac.is_empty() && self.devices.by_ip.contains_key(&ip) {
            if let Some(s) = self.devices.by_mac.remove(&mac) {
                if let Some(d) = self.devices.by_ip.get_mut(&ip) {
                    // A merge keeps the first of each set's union.
                    self.recorded.clear();
                    d.merge(&s);
                }
            }
        }
    }

    fn device(&mut self, ip: IpAddr, ts_us: i64) -> Option<&mut Device> {
        if !is_device(&ip) {
            return None;
        }
        use std::collections::hash_map::Entry;
        // One lookup: every observation updates one or two devices.
        let full = self.devices.len() >= MAX_DEVICES;
        let d = match self.devices.by_ip.entry(ip) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(_) if full => {
                self.dropped += 1;
                return None;
            }
            Entry::Vacant(v) => v.insert(Device::new(ip, ts_us)),
        };
        d.seen(ts_us);
        Some(d)
    }

    /// A connection's first packet: its endpoints, the sender's MAC, the
    /// VLAN, the originator's peer.
    pub fn conn_start(&mut self, c: &ConnStart) {
        let ts = c.ts.0;
        let id = &c.id;
        let sender = id.endpoints(c.first).0;
        for ip in [id.orig_h, id.resp_h] {
            if let Some(d) = self.device(ip, ts) {
                if let Some(v) = id.vlan {
                    device::add_capped(&mut d.vlans, v);
                }
                if ip == sender {
                    if let Some(m) = c.mac {
                        device::add_capped(&mut d.macs, format_mac(m));
                    }
                }
            }
        }
        if let Some(d) = self.devices.get_mut(&id.orig_h) {
            let a = &mut d.activity;
            device::add_counted(&mut a.peers, id.resp_h, &mut a.peers_dropped);
        }
        self.saw_mac(c.mac, sender);
    }

    /// A connection that ended: traffic counters, MACs, and the protocol
    /// each side used or served when the responder answered.
    pub fn conn_end(&mut self, c: &Conn) {
        let ts = c.ts.0;
        let end = c.end_us();
        let established = c.established();
        let protocol = c.protocol();
        let id = &c.id;
        // Whether a full set may have dropped a value `recorded` vouches for.
        let mut full = false;
        if let Some(d) = self.device(id.orig_h, ts) {
            d.seen(end);
            d.packets_sent += c.orig_pkts;
            d.bytes_sent += c.orig_ip_bytes;
            d.packets_received += c.resp_pkts;
            d.bytes_received += c.resp_ip_bytes;
            if let Some(m) = c.orig_mac {
                device::add_capped(&mut d.macs, format_mac(m));
            }
            if established {
                full |= add_port(&mut d.activity.used, protocol, id.resp_p).0;
            }
        }
        if let Some(d) = self.device(id.resp_h, ts) {
            d.seen(end);
            d.packets_sent += c.resp_pkts;
            d.bytes_sent += c.resp_ip_bytes;
            d.packets_received += c.orig_pkts;
            d.bytes_received += c.orig_ip_bytes;
            if let Some(m) = c.resp_mac {
                device::add_capped(&mut d.macs, format_mac(m));
            }
            if established {
                full |= add_port(&mut d.activity.served, protocol, id.resp_p).0;
            }
        }
        if full {
            self.recorded.clear();
        }
        self.saw_mac(c.orig_mac, id.orig_h);
        self.saw_mac(c.resp_mac, id.resp_h);
    }

    /// A request: what the client used and the server served, each side's
    /// request count and the host on the other side (the evidence of
    /// roles), writes, engineering and identification evidence.
    pub fn request(&mut self, r: &Request<'_>) {
        let ts = r.ts.0;
        let protocol = r.protocol();
        let key = (r.client(), r.server(), protocol, r.port());
        let repeat = self.recorded.contains(&key);
        // Whether a full set may have dropped a value, and whether all
        // four values are now in their sets.
        let (mut full, mut kept) = (false, true);
        if let Some(d) = self.device(r.client(), ts) {
            let a = &mut d.activity;
            with_slot(&mut a.requests_sent, protocol, |n| *n += 1);
            if !repeat {
                let (used, servers) = (&mut a.used, &mut a.servers);
                let peer = (r.port(), r.server());
                let (f, k) = add_port_and_peer(used, servers, &mut a.peers_dropped, protocol, peer);
                (full, kept) = (full | f, kept & k);
            }
            if r.write {
                a.writes_sent += 1;
            }
            if r.engineering {
                device::add_capped(
                    &mut a.engineering,
                    format!("{protocol} {}", r.function.name()),
                );
            }
            if r.identification {
                let hosts = a
                    .identification
                    .entry(format!("{protocol} {}", r.function.name()))
                    .or_default();
                device::add_capped(hosts, r.server());
            }
            if let Function::OpcUa(service) = r.function {
                device::add_capped(&mut a.opcua_services, format!("{service}Request"));
            }
        } else {
            kept = false;
        }
        if let Some(d) = self.device(r.server(), ts) {
            let a = &mut d.activity;
            with_slot(&mut a.requests_served, protocol, |n| *n += 1);
            if !repeat {
                let (served, clients) = (&mut a.served, &mut a.clients);
                let peer = (r.port(), r.client());
                let (f, k) =
                    add_port_and_peer(served, clients, &mut a.peers_dropped, protocol, peer);
                (full, kept) = (full | f, kept & k);
            }
        } else {
            kept = false;
        }
        if full {
            self.recorded.clear();
        }
        if !repeat && kept && self.recorded.len() < MAX_RECORDED {
            self.recorded.insert(key);
        }
    }

    /// A CIP I/O datagram: its sender produces I/O.
    pub fn cip_io(&mut self, io: &Io) {
        let sender = io.head.id.endpoints(io.head.dir).0;
        if let Some(d) = self.device(sender, io.head.ts.0) {
            d.activity.cip_io_sent += 1;
        }
    }

    /// A List Identity reply: the replier's CIP identity and revision.
    pub fn cip_identity(&mut self, i: &Identity) {
        let ts = i.head.ts.0;
        let host = i.head.id.endpoints(i.head.dir).0;
        let identity = CipIdentity::of(i);
        if let Some(d) = self.device(host, ts) {
            d.add_revision(ts, "cip", identity.revision.clone());
            d.cip_identity = Some(identity);
        }
    }

    /// One object of a Modbus device identification response.
    pub fn modbus_object(&mut self, o: &DeviceId) {
        let Some((ts, host, name, value)) = modbus_object(o) else {
            return;
        };
        if let Some(d) = self.device(host, ts.0) {
            if name == "MajorMinorVersion" {
                d.add_revision(ts.0, "modbus", value.clone());
            }
            if d.modbus_identity.len() < MAX_SET || d.modbus_identity.contains_key(name) {
                d.modbus_identity.insert(name.to_string(), value);
            }
        }
    }

    /// What an S7 CPU's SZL answers said of it; its firmware is a
    /// revision.
    pub fn s7_identity(&mut self, i: &crate::event::s7::Identity) {
        let ts = i.sent.ts.0;
        let host = i.sent.id.endpoints(i.sent.dir).0;
        let identity = S7Identity::of(i);
        if let Some(d) = self.device(host, ts) {
            if let Some(f) = &identity.firmware {
                d.add_revision(ts, "s7", f.clone());
            }
            d.s7_identity
                .get_or_insert_with(S7Identity::default)
                .update(&identity);
        }
    }

    /// A PROFINET device's DCP self-description (Identify or Get
    /// response, Hello): its name, type, vendor and device id and role, on
    /// the device of the address it reports, or, without one (`0.0.0.0`
    /// or none), on a device kept by its MAC address until it has one.
    pub fn dcp(&mut self, f: &crate::event::profinet::Dcp) {
        if !f.is_self_description() || f.device.is_empty() {
            return;
        }
        let ts = f.ts.0;
        let identity = ProfinetIdentity::of(&f.device);
        // The address it reports; without one (a station not yet named,
        // or reset to factory settings), the one its MAC was last seen with.
        let ip = f
            .device
            .ip
            .map(|p| IpAddr::from(p.address))
            .filter(|ip| !ip.is_unspecified())
            .or_else(|| self.ip_of_mac(&f.src));
        let d = match ip {
            Some(ip) => {
                if self.device(ip, ts).is_none() {
                    return;
                }
                // A station that now has an address moves to it.
                self.saw_mac(Some(f.src), ip);
                let Some(d) = self.devices.by_ip.get_mut(&ip) else {
                    return;
                };
                device::add_capped(&mut d.macs, format_mac(f.src));
                d
            }
            None => {
                let full = self.devices.len() >= MAX_DEVICES
                    || self.devices.by_mac.len() >= MAX_L2_DEVICES;
                if full && !self.devices.by_mac.contains_key(&f.src) {
                    self.dropped += 1;
                    return;
                }
                let d = self
                    .devices
                    .by_mac
                    .entry(f.src)
                    .or_insert_with(|| Device::of_mac(f.src, ts));
                d.seen(ts);
                d
            }
        };
        if f.vlan != 0 && d.vlans.len() < MAX_SET {
            d.vlans.insert(f.vlan);
        }
        d.profinet_identity
            .get_or_insert_with(ProfinetIdentity::default)
            .update(&identity);
    }

    /// An OPC UA application's description of itself.
    pub fn opcua_application(&mut self, a: &Application) {
        if let Some(d) = self.device(a.host, a.ts.0) {
            device::add_capped(&mut d.opcua_identity, OpcUaIdentity::of(a));
        }
    }
}

/// What an object of a Modbus device identification response says: when,
/// about which host (the responder), the object's name and its value as
/// text.
pub fn modbus_object(o: &DeviceId) -> Option<(Ts, IpAddr, &'static str, String)> {
    let DeviceId::Object {
        head,
        object_id,
        value,
        ..
    } = o
    else {
        return None;
    };
    Some((
        head.ts,
        head.id.resp_h,
        crate::logs::modbus::object_name(*object_id),
        crate::output::bytes_text(value),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::ConnId;
    use std::net::Ipv4Addr;

    fn request(inv: &mut Inventory, client: u8, server: u32) {
        let id = ConnId::tcp(
            "C",
            (IpAddr::V4(Ipv4Addr::new(10, 0, 0, client)), 40000),
            (IpAddr::V4(Ipv4Addr::from(0x0a01_0000 + server)), 502),
        );
        inv.request(&Request::read(
            Ts(1_000_000),
            &id,
            Function::Modbus(0x03, None),
        ));
    }

    /// Each side of a request records the host on the other side; a
    /// poller of more servers than its set keeps counts what it dropped.
    #[test]
    fn requests_record_the_hosts_of_each_side_and_count_the_cap() {
        let mut inv = Inventory::default();
        let servers = MAX_SET as u32 + 6;
        for s in 0..servers {
            request(&mut inv, 5, s);
            request(&mut inv, 6, s);
        }
        request(&mut inv, 5, 0);
        let hmi = &inv.devices.by_ip[&IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5))].activity;
        assert_eq!(hmi.requests_sent["modbus"], u64::from(servers) + 1);
        assert_eq!(hmi.servers["modbus"].len(), MAX_SET);
        assert_eq!(hmi.peers_dropped, 6);
        let plc = &inv.devices.by_ip[&IpAddr::V4(Ipv4Addr::from(0x0a01_0000))].activity;
        assert_eq!(plc.requests_served["modbus"], 3);
        assert_eq!(plc.clients["modbus"].len(), 2);
        assert_eq!(inv.peers_dropped(), 12);
    }

    proptest::proptest! {
        /// Remembering recorded requests changes nothing: devices fed
        /// the same requests and connection ends, with their sets filling
        /// past the cap (many servers, many ports), are those of an
        /// inventory that records every request in full.
        #[test]
        fn recorded_requests_change_nothing(
            steps in proptest::collection::vec(
                (
                    0u8..2,
                    // Servers past the set's cap (64); the largest, which
                    // a full set drops first, asked again and again.
                    proptest::prop_oneof![1 => 0u32..4, 2 => 60u32..66, 2 => 0u32..66],
                    proptest::prop_oneof![3 => 0u16..3, 1 => 0u16..80],
                    proptest::bool::weighted(0.1),
                ),
                0..1500,
            )
        ) {
            let (mut memo, mut full) = (Inventory::default(), Inventory::default());
            for (client, server, port, end) in steps {
                let id = ConnId::tcp(
                    "C",
                    (IpAddr::V4(Ipv4Addr::new(10, 0, 0, client)), 40000),
                    (IpAddr::V4(Ipv4Addr::from(0x0a01_0000 + server)), 500 + port),
                );
                for inv in [&mut memo, &mut full] {
                    if end {
                        inv.conn_end(&Conn {
                            ts: Ts(2_000_000),
                            id: id.clone(),
                            service: vec!["modbus"],
                            duration: None,
                            orig_bytes: None,
                            resp_bytes: Some(10),
                            conn_state: "SF",
                            local_orig: true,
                            local_resp: true,
                            missed_bytes: 0,
                            history: "ShADad".into(),
                            orig_pkts: 3,
                            orig_ip_bytes: 150,
                            resp_pkts: 3,
                            resp_ip_bytes: 150,
                            orig_mac: None,
                            resp_mac: None,
                        });
                    } else {
                        inv.request(&Request::read(Ts(1_000_000), &id, Function::Modbus(0x03, None)));
                    }
                }
                full.recorded.clear();
            }
            let devices = |inv: &Inventory| inv.devices.values().cloned().collect::<Vec<_>>();
            proptest::prop_assert_eq!(devices(&memo), devices(&full));
            proptest::prop_assert_eq!(memo.peers_dropped(), full.peers_dropped());
        }
    }
}
