//! `profinet_dcp.log` (otwatch's own; ICSNPP has no DCP log): one row per
//! PROFINET DCP frame, with the names of its service, its blocks and the
//! device facts they carry.

use crate::event::profinet::Dcp;
use crate::id::format_mac;
use crate::output::{field, Field, FieldType as T, LogRecord, Sink, Value};
use crate::time::Ts;
use otwatch_parsers::profinet::dcp::{self, role_names};
use std::net::{IpAddr, Ipv4Addr};

pub(super) static FIELDS: [Field; 17] = [
    field("ts", T::Time),
    field("src_mac", T::String),
    field("dst_mac", T::String),
    field("vlan", T::Count),
    field("service", T::String),
    field("service_type", T::String),
    field("xid", T::String),
    field("options", T::SetString),
    field("name_of_station", T::String),
    field("type_of_station", T::String),
    field("ip", T::Addr),
    field("netmask", T::Addr),
    field("gateway", T::Addr),
    field("vendor_id", T::String),
    field("device_id", T::String),
    field("device_role", T::SetString),
    field("truncated", T::Bool),
];

/// The name of a DCP service id.
pub fn service_name(id: u8) -> &'static str {
    match id {
        dcp::SERVICE_GET => "Get",
        dcp::SERVICE_SET => "Set",
        dcp::SERVICE_IDENTIFY => "Identify",
        dcp::SERVICE_HELLO => "Hello",
        _ => "unknown",
    }
}

fn service_type_name(t: u8) -> &'static str {
    match t {
        0 => "Request",
        1 => "Response Success",
        5 => "Response Unsupported",
        _ => "unknown",
    }
}

/// The name of a block's option and suboption, `Option/Suboption`.
pub fn option_name(option: u8, suboption: u8) -> String {
    let (o, s) = match (option, suboption) {
        (dcp::OPTION_IP, 1) => ("IP", "MAC address"),
        (dcp::OPTION_IP, 2) => ("IP", "IP parameter"),
        (dcp::OPTION_IP, 3) => ("IP", "Full IP suite"),
        (dcp::OPTION_DEVICE, 1) => ("Device", "Type of station"),
        (dcp::OPTION_DEVICE, 2) => ("Device", "Name of station"),
        (dcp::OPTION_DEVICE, 3) => ("Device", "Device ID"),
        (dcp::OPTION_DEVICE, 4) => ("Device", "Device role"),
        (dcp::OPTION_DEVICE, 5) => ("Device", "Device options"),
        (dcp::OPTION_DEVICE, 6) => ("Device", "Alias name"),
        (dcp::OPTION_DEVICE, 7) => ("Device", "Device instance"),
        (dcp::OPTION_DEVICE, 8) => ("Device", "OEM device ID"),
        (dcp::OPTION_DEVICE, 9) => ("Device", "Standard gateway"),
        (dcp::OPTION_CONTROL, 1) => ("Control", "Start transaction"),
        (dcp::OPTION_CONTROL, 2) => ("Control", "End transaction"),
        (dcp::OPTION_CONTROL, 3) => ("Control", "Signal"),
        (dcp::OPTION_CONTROL, 4) => ("Control", "Response"),
        (dcp::OPTION_CONTROL, 5) => ("Control", "Reset factory settings"),
        (dcp::OPTION_CONTROL, 6) => ("Control", "Reset to factory"),
        (dcp::OPTION_INITIATIVE, 1) => ("Device initiative", "Device initiative"),
        (dcp::OPTION_ALL, 0xFF) => ("All", "All"),
        (dcp::OPTION_DHCP, s) => return format!("DHCP/{s}"),
        (o, s) => return format!("{o}/{s}"),
    };
    format!("{o}/{s}")
}

/// A DCP frame in a line, for alerts: `Set request from MAC to MAC:
/// name of station NAME, IP A/MASK gw G` (the facts its blocks carry).
pub fn summary(f: &Dcp) -> String {
    let h = &f.header;
    let kind = if h.is_response() {
        "response"
    } else {
        "request"
    };
    let mut s = format!(
        "{} {kind} from {} to {}",
        service_name(h.service_id),
        format_mac(f.src),
        format_mac(f.dst)
    );
    let d = &f.device;
    let mut facts = Vec::new();
    if let Some(n) = &d.name_of_station {
        facts.push(format!("name of station {:?}", String::from_utf8_lossy(n)));
    }
    if let Some(ip) = d.ip {
        facts.push(format!(
            "IP {} mask {} gateway {}",
            Ipv4Addr::from(ip.address),
            Ipv4Addr::from(ip.netmask),
            Ipv4Addr::from(ip.gateway)
        ));
    }
    if let Some(r) = d.role {
        facts.push(format!(
            "role {}",
            role_names(r).collect::<Vec<_>>().join(",")
        ));
    }
    let others: Vec<String> = f
        .options
        .iter()
        .filter(|&&(o, s)| !matches!((o, s), (1, 2) | (2, 2) | (2, 4)))
        .map(|&(o, s)| option_name(o, s))
        .collect();
    if !others.is_empty() {
        facts.push(others.join(", "));
    }
    if !facts.is_empty() {
        s.push_str(": ");
        s.push_str(&facts.join("; "));
    }
    s
}

fn addr(a: [u8; 4]) -> Value<'static> {
    Value::Addr(IpAddr::V4(Ipv4Addr::from(a)))
}

/// A row of `profinet_dcp.log`: one DCP frame.
impl LogRecord for Dcp {
    const PATH: &'static str = "profinet_dcp";
    fn fields() -> &'static [Field] {
        &FIELDS
    }
    fn ts(&self) -> Ts {
        self.ts
    }
    fn values<'a>(&'a self, out: &mut dyn Sink<'a>) {
        out.push(Value::Time(self.ts));
        super::layer2_values(self.src, self.dst, self.vlan, out);
        let h = &self.header;
        out.push(Value::Plain(service_name(h.service_id)));
        out.push(Value::Plain(service_type_name(h.service_type)));
        out.push(Value::Hex {
            value: u64::from(h.xid),
            digits: 8,
        });
        let mut options: Vec<String> = self
            .options
            .iter()
            .map(|&(o, s)| option_name(o, s))
            .collect();
        options.dedup();
        out.push(match options.is_empty() {
            true => Value::Unset,
            false => Value::StrSet(options),
        });
        let d = &self.device;
        let text = |b: &'a Option<Vec<u8>>| b.as_deref().map_or(Value::Unset, Value::BytesRef);
        out.push(text(&d.name_of_station));
        out.push(text(&d.type_of_station));
        match d.ip {
            Some(ip) => {
                out.push(addr(ip.address));
                out.push(addr(ip.netmask));
                out.push(addr(ip.gateway));
            }
            None => (0..3).for_each(|_| out.push(Value::Unset)),
        }
        let id = |v: Option<u16>| {
            v.map_or(Value::Unset, |v| Value::Hex {
                value: u64::from(v),
                digits: 4,
            })
        };
        out.push(id(d.vendor_id));
        out.push(id(d.device_id));
        out.push(d.role.map_or(Value::Unset, |r| {
            Value::StrSet(role_names(r).map(str::to_string).collect())
        }));
        out.push(Value::Bool(self.truncated));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_the_specification_calls_them() {
        assert_eq!(option_name(2, 2), "Device/Name of station");
        assert_eq!(option_name(1, 2), "IP/IP parameter");
        assert_eq!(option_name(0x80, 3), "128/3");
        assert_eq!(
            role_names(0x03).collect::<Vec<_>>(),
            ["IO device", "IO controller"]
        );
        assert_eq!(service_name(4), "Set");
        for n in [
            "Get",
            "Set",
            "Identify",
            "Hello",
            "Request",
            "Response Success",
        ] {
            crate::logs::assert_plain(n);
        }
    }
}
