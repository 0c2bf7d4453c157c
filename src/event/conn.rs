//! Connection events: who a connection is ([`ConnId`], the one spelling of
//! a connection's identity), its first packet, its end, and the anomalies
//! the decode, flow and protocol layers report about it.

use crate::id::Id;
use crate::time::{Micros, Ts};
use std::net::IpAddr;

/// Direction of a message relative to the connection's originator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    /// Sent by the originator.
    Orig,
    /// Sent by the responder.
    Resp,
}

impl Dir {
    pub fn flip(self) -> Dir {
        match self {
            Dir::Orig => Dir::Resp,
            Dir::Resp => Dir::Orig,
        }
    }
    pub fn idx(self) -> usize {
        match self {
            Dir::Orig => 0,
            Dir::Resp => 1,
        }
    }
}

/// One value per direction, indexed by [`Dir`] (no slice indexing, so no
/// bounds to trust).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PerDir<T> {
    pub orig: T,
    pub resp: T,
}

impl<T> std::ops::Index<Dir> for PerDir<T> {
    type Output = T;
    fn index(&self, d: Dir) -> &T {
        match d {
            Dir::Orig => &self.orig,
            Dir::Resp => &self.resp,
        }
    }
}

impl<T> std::ops::IndexMut<Dir> for PerDir<T> {
    fn index_mut(&mut self, d: Dir) -> &mut T {
        match d {
            Dir::Orig => &mut self.orig,
            Dir::Resp => &mut self.resp,
        }
    }
}

/// Who a connection is: its uid, its endpoints in their current roles, its
/// transport and its VLAN tags. Every event of a connection carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnId {
    pub uid: Id,
    pub orig_h: IpAddr,
    pub orig_p: u16,
    pub resp_h: IpAddr,
    pub resp_p: u16,
    /// The IP protocol number (6 TCP, 17 UDP, 1 and 58 ICMP).
    pub ip_proto: u8,
    /// The outer and inner 802.1Q tags, when the traffic carries them.
    pub vlan: Option<u16>,
    pub inner_vlan: Option<u16>,
}

impl ConnId {
    /// A TCP connection without VLAN tags.
    pub fn tcp(uid: &str, orig: (IpAddr, u16), resp: (IpAddr, u16)) -> ConnId {
        ConnId {
            uid: Id::new(uid),
            orig_h: orig.0,
            orig_p: orig.1,
            resp_h: resp.0,
            resp_p: resp.1,
            ip_proto: 6,
            vlan: None,
            inner_vlan: None,
        }
    }

    /// The roles flipped: the originator is now the responder.
    pub fn flip(&mut self) {
        std::mem::swap(&mut self.orig_h, &mut self.resp_h);
        std::mem::swap(&mut self.orig_p, &mut self.resp_p);
    }

    /// (source address, source port, destination address, destination
    /// port) of a message sent in `dir`.
    pub fn endpoints(&self, dir: Dir) -> (IpAddr, u16, IpAddr, u16) {
        match dir {
            Dir::Orig => (self.orig_h, self.orig_p, self.resp_h, self.resp_p),
            Dir::Resp => (self.resp_h, self.resp_p, self.orig_h, self.orig_p),
        }
    }

    /// Zeek's name of the transport: `tcp`, `udp`, `icmp` or
    /// `unknown_transport`.
    pub fn transport(&self) -> &'static str {
        transport_name(self.ip_proto)
    }
}

/// Zeek's name of an IP protocol's transport.
pub fn transport_name(ip_proto: u8) -> &'static str {
    match ip_proto {
        6 => "tcp",
        17 => "udp",
        1 | 58 => "icmp",
        _ => "unknown_transport",
    }
}

/// The first packet of a connection: who started talking to whom, when
/// (the end of a polling link may be months later).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnStart {
    pub ts: Ts,
    pub id: ConnId,
    /// Source MAC of the first packet, when the link layer has one.
    pub mac: Option<[u8; 6]>,
    /// Who sent the first packet (usually the originator).
    pub first: Dir,
}

/// A connection that ended (timed out, closed, evicted or at the end of
/// the input): Zeek's `conn` record.
#[derive(Clone, Debug, PartialEq)]
pub struct Conn {
    /// The first packet's time.
    pub ts: Ts,
    pub id: ConnId,
    /// Confirmed protocol analyzers, in confirmation order.
    pub service: Vec<&'static str>,
    /// Set only when the connection lasted longer than zero, as in Zeek,
    /// together with the two byte counts.
    pub duration: Option<Micros>,
    pub orig_bytes: Option<u64>,
    pub resp_bytes: Option<u64>,
    pub conn_state: &'static str,
    pub local_orig: bool,
    pub local_resp: bool,
    pub missed_bytes: u64,
    pub history: String,
    pub orig_pkts: u64,
    pub orig_ip_bytes: u64,
    pub resp_pkts: u64,
    pub resp_ip_bytes: u64,
    /// First source MAC of each side.
    pub orig_mac: Option<[u8; 6]>,
    pub resp_mac: Option<[u8; 6]>,
}

impl Conn {
    /// Whether the responder answered: a TCP handshake (its SYN-ACK, `h`
    /// in the history) or payload, a UDP reply. Scans and resets serve
    /// nothing, so only these connections say what a device serves.
    pub fn established(&self) -> bool {
        match self.id.ip_proto {
            6 => self.history.contains('h') || self.resp_bytes.unwrap_or(0) > 0,
            _ => self.resp_pkts > 0,
        }
    }

    /// The protocol the connection is keyed by in the baseline and the
    /// inventory: CIP for an EtherNet/IP session that carried CIP (as its
    /// requests are), else its first service, else its transport.
    pub fn protocol(&self) -> &'static str {
        if self.service.contains(&"cip") {
            "cip"
        } else {
            self.service.first().copied().unwrap_or(self.id.transport())
        }
    }

    /// When the last packet was seen.
    pub fn end_us(&self) -> i64 {
        self.ts.0 + self.duration.map_or(0, |d| d.0)
    }
}

/// What a weird is about: a connection, the two addresses of a packet
/// that made none (a "flow weird": fragments), or nothing (a frame that
/// did not decode).
#[derive(Clone, Debug, PartialEq)]
pub enum WeirdScope {
    None,
    Flow { src: IpAddr, dst: IpAddr },
    Conn(ConnId),
}

/// A protocol or decoding anomaly (Zeek's `weird`).
#[derive(Clone, Debug, PartialEq)]
pub struct Weird {
    pub ts: Ts,
    pub scope: WeirdScope,
    pub name: &'static str,
    pub addl: Option<String>,
    /// The layer that noticed it (e.g. `decode`, `TCP`).
    pub source: &'static str,
}
