//! The `conn.log` record, with Zeek's columns, order and value conventions
//! (../shared/corpus/SCHEMAS.md, "conn"), plus Zeek's optional `vlan` and
//! `inner_vlan` columns (policy/protocols/conn/vlan-logging), unset when the
//! traffic carries no 802.1Q tag.

use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::{Micros, Ts};
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq)]
pub struct ConnRecord {
    pub ts: Ts,
    pub uid: crate::id::Id,
    pub orig_h: IpAddr,
    pub orig_p: u16,
    pub resp_h: IpAddr,
    pub resp_p: u16,
    /// `tcp`, `udp`, `icmp` or `unknown_transport`.
    pub proto: &'static str,
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
    pub ip_proto: u8,
    pub vlan: Option<u16>,
    pub inner_vlan: Option<u16>,
    /// First source MAC of each side (not written to conn.log).
    pub orig_mac: Option<[u8; 6]>,
    pub resp_mac: Option<[u8; 6]>,
}

static FIELDS: [Field; 24] = [
    field("ts", T::Time),
    field("uid", T::String),
    field("id.orig_h", T::Addr),
    field("id.orig_p", T::Port),
    field("id.resp_h", T::Addr),
    field("id.resp_p", T::Port),
    field("proto", T::Enum),
    field("service", T::String),
    field("duration", T::Interval),
    field("orig_bytes", T::Count),
    field("resp_bytes", T::Count),
    field("conn_state", T::String),
    field("local_orig", T::Bool),
    field("local_resp", T::Bool),
    field("missed_bytes", T::Count),
    field("history", T::String),
    field("orig_pkts", T::Count),
    field("orig_ip_bytes", T::Count),
    field("resp_pkts", T::Count),
    field("resp_ip_bytes", T::Count),
    field("tunnel_parents", T::SetString),
    field("ip_proto", T::Count),
    field("vlan", T::Int),
    field("inner_vlan", T::Int),
];

fn opt<X>(v: Option<X>, f: impl FnOnce(X) -> Value<'static>) -> Value<'static> {
    v.map(f).unwrap_or(Value::Unset)
}

impl LogRecord for ConnRecord {
    const PATH: &'static str = "conn";

    fn fields() -> &'static [Field] {
        &FIELDS
    }

    fn ts(&self) -> Ts {
        self.ts
    }

    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        out.push(Value::Time(self.ts));
        out.push(Value::Plain(&self.uid));
        out.push(Value::Addr(self.orig_h));
        out.push(Value::Port(self.orig_p));
        out.push(Value::Addr(self.resp_h));
        out.push(Value::Port(self.resp_p));
        out.push(Value::Ref(self.proto));
        out.push(if self.service.is_empty() {
            Value::Unset
        } else {
            Value::Str(self.service.join(","))
        });
        out.push(opt(self.duration, Value::Interval));
        out.push(opt(self.orig_bytes, Value::Count));
        out.push(opt(self.resp_bytes, Value::Count));
        out.push(Value::Ref(self.conn_state));
        out.push(Value::Bool(self.local_orig));
        out.push(Value::Bool(self.local_resp));
        out.push(Value::Count(self.missed_bytes));
        out.push(if self.history.is_empty() {
            Value::Unset
        } else {
            Value::Ref(&self.history)
        });
        out.push(Value::Count(self.orig_pkts));
        out.push(Value::Count(self.orig_ip_bytes));
        out.push(Value::Count(self.resp_pkts));
        out.push(Value::Count(self.resp_ip_bytes));
        out.push(Value::Unset);
        out.push(Value::Count(u64::from(self.ip_proto)));
        out.push(opt(self.vlan, |v| Value::Int(i64::from(v))));
        out.push(opt(self.inner_vlan, |v| Value::Int(i64::from(v))));
    }
}

/// Zeek's default notion of "local": `Site::local_nets` is empty, and
/// `Site::private_address_space_is_local` adds Zeek's private address space
/// (base/utils/site.zeek), listed here as (network, prefix length).
const PRIVATE_V4: &[([u8; 4], u8)] = &[
    ([0, 0, 0, 0], 8),
    ([10, 0, 0, 0], 8),
    ([100, 64, 0, 0], 10),
    ([127, 0, 0, 0], 8),
    ([169, 254, 0, 0], 16),
    ([172, 16, 0, 0], 12),
    ([192, 0, 0, 0], 24),
    ([192, 0, 2, 0], 24),
    ([192, 168, 0, 0], 16),
    ([198, 18, 0, 0], 15),
    ([198, 51, 100, 0], 24),
    ([203, 0, 113, 0], 24),
    ([224, 0, 0, 0], 24),
    ([239, 0, 0, 0], 8),
    ([240, 0, 0, 0], 4),
    ([255, 255, 255, 255], 32),
];

const PRIVATE_V6: &[(u128, u8)] = &[
    (0, 128),                               // ::/128
    (1, 128),                               // ::1/128
    (0x0064_ff9b_0001 << 80, 48),           // 64:ff9b:1::/48
    (0x0100 << 112, 64),                    // 100::/64
    (0x2001 << 112, 23),                    // 2001::/23
    ((0x2001 << 112) | (0x0002 << 96), 48), // 2001:2::/48
    ((0x2001 << 112) | (0x0db8 << 96), 32), // 2001:db8::/32
    (0xfc00 << 112, 7),                     // fc00::/7
    (0xfe80 << 112, 10),                    // fe80::/10
    (0xfec0 << 112, 10),                    // fec0::/10
];

fn in_v4(a: [u8; 4], net: [u8; 4], len: u8) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    u32::from_be_bytes(a) & mask == u32::from_be_bytes(net) & mask
}

fn in_v6(a: u128, net: u128, len: u8) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    };
    a & mask == net & mask
}

pub fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => PRIVATE_V4.iter().any(|&(n, l)| in_v4(a.octets(), n, l)),
        IpAddr::V6(a) => {
            let v = u128::from(a);
            if PRIVATE_V6.iter().any(|&(n, l)| in_v6(v, n, l)) {
                return true;
            }
            // 6to4 (2002::/16) images of the private IPv4 ranges.
            if v >> 112 == 0x2002 {
                let embedded = ((v >> 80) as u32).to_be_bytes();
                return PRIVATE_V4.iter().any(|&(n, l)| in_v4(embedded, n, l));
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_are_local() {
        for a in [
            "10.0.0.9",
            "192.168.10.111",
            "127.0.0.1",
            "172.16.0.1",
            "239.192.1.1",
            "224.0.0.251",
            "255.255.255.255",
            "::1",
            "fe80::1",
            "2001:db8::1",
            "fd00::2",
            "2002:c0a8:0101::1",
        ] {
            assert!(is_local(a.parse().unwrap()), "{a}");
        }
        for a in [
            "87.236.176.106",
            "3.15.227.20",
            "172.32.0.1",
            "224.0.1.1",
            "2a00:1450::1",
            "2002:0808:0808::1",
        ] {
            assert!(!is_local(a.parse().unwrap()), "{a}");
        }
    }
}
