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
    format_mac, parse_mac, Activity, CipIdentity, Device, OpcUaIdentity, Revision, MAX_SET,
};
pub use roles::{purdue, roles, Role, RoleConfig};
pub use table::{log_text, print, read_devices, write_log, DeviceLine, Format};

use crate::observe::{is_device, Obs};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Devices kept; past this, new addresses are counted, not recorded.
pub const MAX_DEVICES: usize = 65_536;

/// Updates the value of `key`, made (default) if new: the key is copied
/// only then (every request updates four of these maps).
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

/// The devices seen in a run.
#[derive(Debug, Default)]
pub struct Inventory {
    pub devices: BTreeMap<IpAddr, Device>,
    /// New addresses not recorded because the table was full.
    pub dropped: u64,
}

impl Inventory {
    fn device(&mut self, ip: IpAddr, ts_us: i64) -> Option<&mut Device> {
        if !is_device(&ip) {
            return None;
        }
        use std::collections::btree_map::Entry;
        // One lookup: every observation updates one or two devices.
        let full = self.devices.len() >= MAX_DEVICES;
        let d = match self.devices.entry(ip) {
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

    /// Learns from one observation.
    pub fn apply(&mut self, o: &Obs) {
        let ts = o.ts().0;
        match o {
            Obs::Start(c) => {
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
                    device::add_capped(&mut d.activity.peers, id.resp_h);
                }
            }
            Obs::End(c) => {
                let end = c.end_us();
                let established = c.established();
                let protocols = [c.protocol().to_string()];
                let id = &c.id;
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
                        for p in &protocols {
                            let ports = d.activity.used.entry(p.clone()).or_default();
                            device::add_capped(ports, id.resp_p);
                        }
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
                        for p in &protocols {
                            let ports = d.activity.served.entry(p.clone()).or_default();
                            device::add_capped(ports, id.resp_p);
                        }
                    }
                }
            }
            Obs::Request(r) => {
                if let Some(d) = self.device(r.client(), ts) {
                    let a = &mut d.activity;
                    with_slot(&mut a.used, r.protocol, |ports| {
                        device::add_capped(ports, r.port());
                    });
                    with_slot(&mut a.requests_sent, r.protocol, |n| *n += 1);
                    if r.write {
                        a.writes_sent += 1;
                    }
                    if r.engineering {
                        device::add_capped(
                            &mut a.engineering,
                            format!("{} {}", r.protocol, r.function),
                        );
                    }
                    if r.identification {
                        let hosts = a
                            .identification
                            .entry(format!("{} {}", r.protocol, r.function))
                            .or_default();
                        device::add_capped(hosts, r.server());
                    }
                    if r.protocol == "opcua-binary" {
                        device::add_capped(&mut a.opcua_services, format!("{}Request", r.function));
                    }
                }
                if let Some(d) = self.device(r.server(), ts) {
                    let a = &mut d.activity;
                    with_slot(&mut a.served, r.protocol, |ports| {
                        device::add_capped(ports, r.port());
                    });
                    with_slot(&mut a.requests_served, r.protocol, |n| *n += 1);
                }
            }
            Obs::CipIo { sender, .. } => {
                if let Some(d) = self.device(*sender, ts) {
                    d.activity.cip_io_sent += 1;
                }
            }
            Obs::CipIdentity { host, identity, .. } => {
                if let Some(d) = self.device(*host, ts) {
                    d.add_revision(ts, "cip", identity.revision.clone());
                    d.cip_identity = Some(identity.clone());
                }
            }
            Obs::ModbusObject {
                host, name, value, ..
            } => {
                if let Some(d) = self.device(*host, ts) {
                    if name == "MajorMinorVersion" {
                        d.add_revision(ts, "modbus", value.clone());
                    }
                    if d.modbus_identity.len() < MAX_SET || d.modbus_identity.contains_key(name) {
                        d.modbus_identity.insert(name.clone(), value.clone());
                    }
                }
            }
            Obs::OpcUaApplication { host, identity, .. } => {
                if let Some(d) = self.device(*host, ts) {
                    device::add_capped(&mut d.opcua_identity, identity.clone());
                }
            }
            // Rules read these; the inventory learns the same hosts from
            // the connection and the requests.
            Obs::OpcUaChannel(_) | Obs::OpcUaActivate(_) | Obs::Enip(_) | Obs::Umas(_) => {}
        }
    }
}
