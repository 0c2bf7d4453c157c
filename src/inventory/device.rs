//! One device of the inventory: what the traffic and the protocols say
//! about it. Sets are capped (smallest values kept, so that merging two
//! records in any order gives the same result); counters saturate. The
//! host sets that role inference reads (`peers`, `servers`, `clients`)
//! count in `peers_dropped` every host seen while the set was full, so a
//! full set reads "64 or more", never "64".

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Values kept per set (MACs, VLANs, ports per protocol, peers, ...).
pub const MAX_SET: usize = 64;
/// Revision changes kept per device.
pub const MAX_REVISIONS: usize = 32;

/// Adds `v` to a capped set; returns whether the set grew.
pub fn add_capped<T: Ord>(set: &mut BTreeSet<T>, v: T) -> bool {
    if set.contains(&v) {
        return false;
    }
    if set.len() >= MAX_SET {
        // Keep the smallest values: order-independent under merge.
        if set.last().is_some_and(|last| &v > last) {
            return false;
        }
        set.pop_last();
    }
    set.insert(v)
}

/// Adds `v` to a capped set of hosts, counting in `dropped` a host that
/// finds the set full (refused, or evicting a larger one): the count of
/// observations the set could not keep.
pub fn add_counted<T: Ord>(set: &mut BTreeSet<T>, v: T, dropped: &mut u64) {
    if set.len() >= MAX_SET && !set.contains(&v) {
        *dropped = dropped.saturating_add(1);
    }
    add_capped(set, v);
}

/// The union of two capped sets, capped.
pub fn union_capped<T: Ord + Clone>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> BTreeSet<T> {
    union_first(a, b, MAX_SET)
}

/// The first `cap` of the union, in order: a merge that stays commutative
/// and associative at its cap.
pub fn union_first<T: Ord + Clone>(a: &BTreeSet<T>, b: &BTreeSet<T>, cap: usize) -> BTreeSet<T> {
    a.union(b).take(cap).cloned().collect()
}

/// Text a device sent about itself as the inventory keeps it: without its
/// NUL padding and surrounding blanks, none when nothing is left.
fn clean_text(s: &str) -> Option<String> {
    Some(
        s.trim_matches(|c: char| c == '\0' || c.is_whitespace())
            .to_string(),
    )
    .filter(|s| !s.is_empty())
}

/// CIP Identity object (List Identity reply).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CipIdentity {
    pub vendor: String,
    pub device_type: String,
    pub product_code: u16,
    pub revision: String,
    pub serial_number: String,
    pub product_name: String,
    pub status: String,
    pub state: String,
}

impl CipIdentity {
    /// The identity a List Identity reply gives, as the inventory keeps
    /// it (vendor and device type named, numbers as the logs show them).
    pub fn of(i: &crate::event::enip::Identity) -> CipIdentity {
        use crate::logs::enip::names;
        CipIdentity {
            vendor: names::vendor_name(i.vendor_id).into_owned(),
            device_type: names::device_type_name(i.device_type).into_owned(),
            product_code: i.product_code,
            revision: format!("{}.{}", i.revision.0, i.revision.1),
            serial_number: format!("0x{:08x}", i.serial_number),
            product_name: crate::output::bytes_text(&i.product_name),
            status: format!("0x{:04x}", i.device_status),
            state: cip_state(i.device_state).to_string(),
        }
    }
}

/// The Identity object's State attribute (CIP Vol. 1, 5A-2.2).
fn cip_state(s: u8) -> &'static str {
    match s {
        0 => "Nonexistent",
        1 => "Device Self Testing",
        2 => "Standby",
        3 => "Operational",
        4 => "Major Recoverable Fault",
        5 => "Major Unrecoverable Fault",
        255 => "Default for Get_Attributes_All",
        _ => "Reserved",
    }
}

/// What a Siemens S7 CPU says of itself in its SZL answers (module and
/// component identification).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct S7Identity {
    /// The module's order number (`6ES7 315-2EH14-0AB0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_number: Option<String>,
    /// The firmware version (`V3.2.6`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
}

impl S7Identity {
    /// What an identity event says, as the inventory keeps it (text
    /// without its padding; empty fields left out).
    pub fn of(i: &crate::event::s7::Identity) -> S7Identity {
        let clean = |s: &Option<String>| s.as_deref().and_then(clean_text);
        let m = i.module.as_ref();
        let c = i.component.as_ref();
        S7Identity {
            order_number: clean(&m.and_then(|m| m.order_number.clone())),
            firmware: clean(&m.and_then(|m| m.firmware.clone())),
            station_name: clean(&c.and_then(|c| c.system_name.clone())),
            module_name: clean(&c.and_then(|c| c.module_name.clone())),
            plant_id: clean(&c.and_then(|c| c.plant_id.clone())),
            serial_number: clean(&c.and_then(|c| c.serial.clone())),
        }
    }

    /// Each field of ours with the same field of `other`'s.
    fn pairs<'a>(
        &'a mut self,
        other: &'a S7Identity,
    ) -> [(&'a mut Option<String>, &'a Option<String>); 6] {
        [
            (&mut self.order_number, &other.order_number),
            (&mut self.firmware, &other.firmware),
            (&mut self.station_name, &other.station_name),
            (&mut self.module_name, &other.module_name),
            (&mut self.plant_id, &other.plant_id),
            (&mut self.serial_number, &other.serial_number),
        ]
    }

    /// `other`'s fields where it has them, ours elsewhere (a connection
    /// that read only one list leaves the other's facts in place).
    pub fn update(&mut self, other: &S7Identity) {
        update_fields(self.pairs(other));
    }

    /// Of each field, the larger of the two (so that merging records is
    /// commutative and associative, and no field known to one is lost).
    pub fn merge(&mut self, other: &S7Identity) {
        merge_fields(self.pairs(other));
    }

    /// The fields that differ from `new`'s, as `what old -> new` (fields
    /// `new` lacks are not compared).
    pub fn changes(&self, new: &S7Identity) -> Vec<String> {
        [
            ("order number", &self.order_number, &new.order_number),
            ("firmware", &self.firmware, &new.firmware),
            ("module", &self.module_name, &new.module_name),
            ("serial", &self.serial_number, &new.serial_number),
        ]
        .into_iter()
        .filter_map(|(what, old, new)| match (old, new) {
            (Some(o), Some(n)) if o != n => Some(format!("{what} {o} -> {n}")),
            _ => None,
        })
        .collect()
    }
}

/// What a PROFINET device says of itself in DCP (Identify and Get
/// responses, Hello).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProfinetIdentity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_of_station: Option<String>,
    /// The vendor's type of station text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_of_station: Option<String>,
    /// PROFINET vendor id, hex (`0x002a` is Siemens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// The role bits' names, comma-separated (`IO device`, `IO
    /// controller`, `IO multidevice`, `PN supervisor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

impl ProfinetIdentity {
    /// What a DCP frame's blocks say, as the inventory keeps it (empty
    /// fields left out).
    pub fn of(d: &crate::event::profinet::DcpDevice) -> ProfinetIdentity {
        let text = |b: &Option<Vec<u8>>| {
            b.as_deref()
                .and_then(|b| clean_text(&String::from_utf8_lossy(b)))
        };
        let hex = |v: Option<u16>| v.map(|v| format!("0x{v:04x}"));
        ProfinetIdentity {
            name_of_station: text(&d.name_of_station),
            type_of_station: text(&d.type_of_station),
            vendor_id: hex(d.vendor_id),
            device_id: hex(d.device_id),
            role: d
                .role
                .map(|r| {
                    otwatch_parsers::profinet::dcp::role_names(r)
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .filter(|r| !r.is_empty()),
        }
    }

    fn pairs<'a>(
        &'a mut self,
        other: &'a ProfinetIdentity,
    ) -> [(&'a mut Option<String>, &'a Option<String>); 5] {
        [
            (&mut self.name_of_station, &other.name_of_station),
            (&mut self.type_of_station, &other.type_of_station),
            (&mut self.vendor_id, &other.vendor_id),
            (&mut self.device_id, &other.device_id),
            (&mut self.role, &other.role),
        ]
    }

    /// `other`'s fields where it has them, ours elsewhere.
    pub fn update(&mut self, other: &ProfinetIdentity) {
        update_fields(self.pairs(other));
    }

    /// Of each field, the larger of the two (commutative, associative).
    pub fn merge(&mut self, other: &ProfinetIdentity) {
        merge_fields(self.pairs(other));
    }

    /// The device's roles its DCP role bits name.
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.role.iter().flat_map(|r| r.split(','))
    }
}

/// Each field takes the new value where there is one.
fn update_fields<const N: usize>(pairs: [(&mut Option<String>, &Option<String>); N]) {
    for (mine, theirs) in pairs {
        if theirs.is_some() {
            mine.clone_from(theirs);
        }
    }
}

/// Each field keeps the larger of the two values.
fn merge_fields<const N: usize>(pairs: [(&mut Option<String>, &Option<String>); N]) {
    for (mine, theirs) in pairs {
        if *theirs > *mine {
            mine.clone_from(theirs);
        }
    }
}

/// OPC UA ApplicationDescription.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OpcUaIdentity {
    pub application_uri: Option<String>,
    pub product_uri: Option<String>,
    pub application_name: Option<String>,
    /// Server, Client, ClientAndServer or DiscoveryServer.
    pub application_type: String,
}

impl OpcUaIdentity {
    /// How an application described itself, as the inventory keeps it.
    pub fn of(a: &crate::event::opcua::Application) -> OpcUaIdentity {
        OpcUaIdentity {
            application_uri: a.application_uri.clone(),
            product_uri: a.product_uri.clone(),
            application_name: a.application_name.clone(),
            application_type: match a.application_type {
                0 => "Server",
                1 => "Client",
                2 => "ClientAndServer",
                3 => "DiscoveryServer",
                _ => "Unknown",
            }
            .to_string(),
        }
    }
}

/// A firmware or revision value and when it was first seen.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Revision {
    pub first_seen_us: i64,
    /// `cip` or `modbus`.
    pub source: String,
    pub revision: String,
}

/// What a device did, per protocol: the evidence roles are inferred from.
/// Both sides of each protocol are kept (requests answered and sent, and
/// the distinct hosts on each side), so that roles follow the majority
/// of the evidence, not its first sign. Fields added after the first
/// version default when absent (older `known_devices.log` and baselines
/// still read).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Protocol → server ports it answered on.
    pub served: BTreeMap<String, BTreeSet<u16>>,
    /// Protocol → server ports it connected to.
    pub used: BTreeMap<String, BTreeSet<u16>>,
    /// Protocol → requests it answered.
    pub requests_served: BTreeMap<String, u64>,
    /// Protocol → requests it sent.
    pub requests_sent: BTreeMap<String, u64>,
    /// Protocol → the hosts it sent requests to (capped at `MAX_SET`).
    #[serde(default)]
    pub servers: BTreeMap<String, BTreeSet<IpAddr>>,
    /// Protocol → the hosts whose requests it answered (capped at
    /// `MAX_SET`).
    #[serde(default)]
    pub clients: BTreeMap<String, BTreeSet<IpAddr>>,
    /// Write requests it sent (Modbus writes, CIP sets and tag writes,
    /// OPC UA Write/Call/node management).
    pub writes_sent: u64,
    /// Hosts it opened connections to.
    pub peers: BTreeSet<IpAddr>,
    /// Hosts seen while `peers`, or the protocol's `servers` or `clients`
    /// set, was full (`MAX_SET`): one per observation not kept. Merging
    /// records sums them.
    #[serde(default)]
    pub peers_dropped: u64,
    /// Programming and configuration operations it sent (evidence of an
    /// engineering workstation), e.g. `modbus PROGRAM_UNITY`.
    pub engineering: BTreeSet<String>,
    /// Identification requests it sent, per kind → the hosts asked.
    pub identification: BTreeMap<String, BTreeSet<IpAddr>>,
    /// OPC UA services it called.
    pub opcua_services: BTreeSet<String>,
    /// CIP I/O datagrams it produced.
    pub cip_io_sent: u64,
}

/// One device, keyed by IP address; or, for a device seen only at
/// layer 2 (a PROFINET station without an address yet), by its MAC
/// address, its only entry in `macs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Device {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    pub macs: BTreeSet<String>,
    pub vlans: BTreeSet<u16>,
    pub first_seen_us: i64,
    pub last_seen_us: i64,
    pub packets_sent: u64,
    pub bytes_sent: u64,
    pub packets_received: u64,
    pub bytes_received: u64,
    pub activity: Activity,
    pub cip_identity: Option<CipIdentity>,
    /// Modbus Read Device Identification objects, by name.
    pub modbus_identity: BTreeMap<String, String>,
    pub opcua_identity: BTreeSet<OpcUaIdentity>,
    /// A Siemens S7 CPU's SZL answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s7_identity: Option<S7Identity>,
    /// A PROFINET device's DCP self-description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profinet_identity: Option<ProfinetIdentity>,
    pub revisions: BTreeSet<Revision>,
}

impl Device {
    pub fn new(ip: IpAddr, ts_us: i64) -> Device {
        Device::keyed(Some(ip), ts_us)
    }

    /// A device seen only at layer 2, by its MAC address.
    pub fn of_mac(mac: [u8; 6], ts_us: i64) -> Device {
        let mut d = Device::keyed(None, ts_us);
        d.macs.insert(format_mac(mac));
        d
    }

    fn keyed(ip: Option<IpAddr>, ts_us: i64) -> Device {
        Device {
            ip,
            macs: BTreeSet::new(),
            vlans: BTreeSet::new(),
            first_seen_us: ts_us,
            last_seen_us: ts_us,
            packets_sent: 0,
            bytes_sent: 0,
            packets_received: 0,
            bytes_received: 0,
            activity: Activity::default(),
            cip_identity: None,
            modbus_identity: BTreeMap::new(),
            opcua_identity: BTreeSet::new(),
            s7_identity: None,
            profinet_identity: None,
            revisions: BTreeSet::new(),
        }
    }

    /// The device's address, or for a device seen only at layer 2 its MAC
    /// address.
    pub fn name(&self) -> String {
        match self.ip {
            Some(ip) => ip.to_string(),
            None => self.macs.first().cloned().unwrap_or_default(),
        }
    }

    pub fn seen(&mut self, ts_us: i64) {
        self.first_seen_us = self.first_seen_us.min(ts_us);
        self.last_seen_us = self.last_seen_us.max(ts_us);
    }

    /// The current revision (the latest seen).
    pub fn revision(&self) -> Option<&Revision> {
        self.revisions.iter().max_by_key(|r| r.first_seen_us)
    }

    /// Records a revision; returns the previous one when it differs.
    pub fn add_revision(&mut self, ts_us: i64, source: &str, revision: String) -> Option<String> {
        let previous = self
            .revisions
            .iter()
            .filter(|r| r.source == source)
            .max_by_key(|r| r.first_seen_us)
            .map(|r| r.revision.clone());
        if previous.as_deref() == Some(revision.as_str()) {
            return None;
        }
        if self.revisions.len() < MAX_REVISIONS {
            self.revisions.insert(Revision {
                first_seen_us: ts_us,
                source: source.to_string(),
                revision,
            });
        }
        previous
    }

    /// What the device says it is, in one line: its CIP identity, else its
    /// S7 module, else its Modbus device identification, else its PROFINET
    /// name and type of station, else its OPC UA application URI.
    pub fn identity(&self) -> Option<String> {
        let s7 = self
            .s7_identity
            .as_ref()
            .filter(|s| s.order_number.is_some() || s.module_name.is_some());
        let text = if let Some(c) = &self.cip_identity {
            format!("{} {} ({})", c.vendor, c.product_name, c.device_type)
        } else if let Some(s) = s7 {
            let order = s.order_number.as_deref().unwrap_or_default();
            match s.module_name.as_deref() {
                Some(m) => format!("Siemens {m} {order}"),
                None => format!("Siemens {order}"),
            }
        } else if !self.modbus_identity.is_empty() {
            let get = |k: &str| self.modbus_identity.get(k).cloned().unwrap_or_default();
            format!("{} {}", get("VendorName"), get("ProductCode"))
        } else if let Some(p) = self
            .profinet_identity
            .as_ref()
            .filter(|p| p.name_of_station.is_some() || p.type_of_station.is_some())
        {
            let name = p.name_of_station.as_deref().unwrap_or_default();
            match p.type_of_station.as_deref() {
                Some(t) => format!("PROFINET {name} ({t})"),
                None => format!("PROFINET {name}"),
            }
        } else {
            self.opcua_identity
                .iter()
                .next()
                .and_then(|o| o.application_uri.clone())?
        };
        Some(text.trim().to_string()).filter(|s| !s.is_empty())
    }

    /// All the MAC vendors (IEEE OUI).
    pub fn vendors(&self) -> BTreeSet<&'static str> {
        self.macs
            .iter()
            .filter_map(|m| parse_mac(m))
            .filter_map(super::oui::vendor)
            .collect()
    }

    /// Merges what another record (another sensor, another period) knows
    /// of the same device. Commutative and associative: sets are unions,
    /// counters sums, times min/max, and of two identities the larger (in
    /// their total order) is kept.
    pub fn merge(&mut self, o: &Device) {
        self.macs = union_capped(&self.macs, &o.macs);
        self.vlans = union_capped(&self.vlans, &o.vlans);
        self.first_seen_us = self.first_seen_us.min(o.first_seen_us);
        self.last_seen_us = self.last_seen_us.max(o.last_seen_us);
        self.packets_sent = self.packets_sent.saturating_add(o.packets_sent);
        self.bytes_sent = self.bytes_sent.saturating_add(o.bytes_sent);
        self.packets_received = self.packets_received.saturating_add(o.packets_received);
        self.bytes_received = self.bytes_received.saturating_add(o.bytes_received);
        let a = &mut self.activity;
        let b = &o.activity;
        merge_sets(&mut a.served, &b.served);
        merge_sets(&mut a.used, &b.used);
        merge_counts(&mut a.requests_served, &b.requests_served);
        merge_counts(&mut a.requests_sent, &b.requests_sent);
        merge_sets(&mut a.servers, &b.servers);
        merge_sets(&mut a.clients, &b.clients);
        a.peers_dropped = a.peers_dropped.saturating_add(b.peers_dropped);
        a.writes_sent = a.writes_sent.saturating_add(b.writes_sent);
        a.peers = union_capped(&a.peers, &b.peers);
        a.engineering = union_capped(&a.engineering, &b.engineering);
        for (k, v) in &b.identification {
            let e = a.identification.entry(k.clone()).or_default();
            *e = union_capped(e, v);
        }
        a.opcua_services = union_capped(&a.opcua_services, &b.opcua_services);
        a.cip_io_sent = a.cip_io_sent.saturating_add(b.cip_io_sent);
        self.cip_identity = self.cip_identity.clone().max(o.cip_identity.clone());
        for (k, v) in &o.modbus_identity {
            let e = self.modbus_identity.entry(k.clone()).or_default();
            if v > e {
                *e = v.clone();
            }
        }
        self.opcua_identity = union_capped(&self.opcua_identity, &o.opcua_identity);
        if let Some(theirs) = &o.s7_identity {
            self.s7_identity
                .get_or_insert_with(S7Identity::default)
                .merge(theirs);
        }
        if let Some(theirs) = &o.profinet_identity {
            self.profinet_identity
                .get_or_insert_with(ProfinetIdentity::default)
                .merge(theirs);
        }
        self.revisions = union_first(&self.revisions, &o.revisions, MAX_REVISIONS);
    }
}

fn merge_sets<T: Ord + Clone>(
    a: &mut BTreeMap<String, BTreeSet<T>>,
    b: &BTreeMap<String, BTreeSet<T>>,
) {
    for (k, v) in b {
        let e = a.entry(k.clone()).or_default();
        *e = union_capped(e, v);
    }
}

fn merge_counts(a: &mut BTreeMap<String, u64>, b: &BTreeMap<String, u64>) {
    for (k, v) in b {
        let e = a.entry(k.clone()).or_default();
        *e = e.saturating_add(*v);
    }
}

pub use crate::id::format_mac;

pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = s.split(':');
    for b in &mut out {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(i: u32) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i))
    }

    proptest::proptest! {
        /// A capped set holds the smallest `MAX_SET` of what was added, in
        /// any order, and counts every addition of a value it did not keep
        /// or later lost.
        #[test]
        fn a_capped_set_keeps_the_smallest(v in proptest::collection::vec(0u16..200, 0..300)) {
            let (mut capped, mut counted, mut dropped) = (BTreeSet::new(), BTreeSet::new(), 0);
            for &x in &v {
                add_capped(&mut capped, x);
                add_counted(&mut counted, x, &mut dropped);
            }
            let all: BTreeSet<u16> = v.iter().copied().collect();
            let want: BTreeSet<u16> = all.iter().copied().take(MAX_SET).collect();
            proptest::prop_assert_eq!(&capped, &want);
            proptest::prop_assert_eq!(&counted, &want);
            proptest::prop_assert_eq!(dropped == 0, all.len() <= MAX_SET);
        }
    }

    /// Every host a full set could not keep is counted: refused (larger
    /// than all kept) or evicting a larger one; a host already kept is not.
    #[test]
    fn a_full_host_set_counts_what_it_does_not_keep() {
        let mut set = BTreeSet::new();
        let mut dropped = 0;
        for i in 1..=MAX_SET as u32 {
            add_counted(&mut set, host(i), &mut dropped);
        }
        assert_eq!((set.len(), dropped), (MAX_SET, 0));
        add_counted(&mut set, host(1), &mut dropped);
        assert_eq!(dropped, 0);
        add_counted(&mut set, host(1000), &mut dropped);
        add_counted(&mut set, host(0), &mut dropped);
        assert_eq!((set.len(), dropped), (MAX_SET, 2));
        assert!(set.contains(&host(0)) && !set.contains(&host(MAX_SET as u32)));
    }

    /// A record written before the host sets existed still reads; merging
    /// unites the host sets and sums what they dropped.
    #[test]
    fn host_sets_read_from_older_records_and_merge() {
        let old = r#"{"served":{},"used":{"modbus":[502]},"requests_served":{},
            "requests_sent":{"modbus":3},"writes_sent":0,"peers":["10.0.0.20"],
            "engineering":[],"identification":{},"opcua_services":[],"cip_io_sent":0}"#;
        let a: Activity = serde_json::from_str(old).unwrap();
        assert!(a.servers.is_empty() && a.clients.is_empty() && a.peers_dropped == 0);
        let mut x = Device::new(host(1), 0);
        x.activity = a;
        x.activity.servers.insert("modbus".into(), [host(2)].into());
        x.activity.peers_dropped = 2;
        let mut y = Device::new(host(1), 0);
        y.activity.servers.insert("modbus".into(), [host(3)].into());
        y.activity.clients.insert("cip".into(), [host(4)].into());
        y.activity.peers_dropped = 3;
        x.merge(&y);
        assert_eq!(x.activity.servers["modbus"], [host(2), host(3)].into());
        assert_eq!(x.activity.clients["cip"], [host(4)].into());
        assert_eq!(x.activity.peers_dropped, 5);
    }

    #[test]
    fn macs_print_as_lowercase_colon_pairs_and_parse_back() {
        for m in [[0u8; 6], [0x00, 0x1d, 0x9c, 0xc8, 0x0a, 0xff], [0xff; 6]] {
            let text = format_mac(m);
            let want: Vec<String> = m.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(text, want.join(":"));
            assert_eq!(parse_mac(&text), Some(m));
        }
    }
}
