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
    pub uid: String,
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

fn opt<X>(v: Option<X>, f: impl FnOnce(X) -> Value) -> Value {
    v.map(f).unwrap_or(Value::Unset)
}

impl LogRecord for ConnRecord {
    const PATH: &'static str = "conn";

    fn fields() -> &'static [Field] {
        &FIELDS
    }

    fn values(&self, out: &mut Vec<Value>) {
        out.push(Value::Time(self.ts));
        out.push(Value::Str(self.uid.clone()));
        out.push(Value::Addr(self.orig_h));
        out.push(Value::Port(self.orig_p));
        out.push(Value::Addr(self.resp_h));
        out.push(Value::Port(self.resp_p));
        out.push(Value::Static(self.proto));
        out.push(if self.service.is_empty() {
            Value::Unset
        } else {
            Value::Str(self.service.join(","))
        });
        out.push(opt(self.duration, Value::Interval));
        out.push(opt(self.orig_bytes, Value::Count));
        out.push(opt(self.resp_bytes, Value::Count));
        out.push(Value::Static(self.conn_state));
        out.push(Value::Bool(self.local_orig));
        out.push(Value::Bool(self.local_resp));
        out.push(Value::Count(self.missed_bytes));
        out.push(if self.history.is_empty() {
            Value::Unset
        } else {
            Value::Str(self.history.clone())
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

/// Zeek's default notion of "local": with `Site::local_nets` empty, the
/// private and special-purpose ranges count as local.
pub fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            o[0] == 10
                || o[0] == 127
                || (o[0] == 172 && (16..=31).contains(&o[1]))
                || (o[0] == 192 && o[1] == 168)
                || (o[0] == 169 && o[1] == 254)
                || (o[0] == 100 && (64..=127).contains(&o[1]))
                || o[0] == 0
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (18..=19).contains(&o[1]))
                || o[0] >= 240
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            a.is_loopback()
                || a.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || a.to_ipv4_mapped()
                    .is_some_and(|v4| is_local(IpAddr::V4(v4)))
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
            "::1",
            "fe80::1",
        ] {
            assert!(is_local(a.parse().unwrap()), "{a}");
        }
        for a in ["87.236.176.106", "3.15.227.20", "172.32.0.1", "2001:db8::1"] {
            assert!(!is_local(a.parse().unwrap()), "{a}");
        }
    }
}
