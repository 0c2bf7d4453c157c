//! `conn.log`: Zeek's columns, order and value conventions, plus Zeek's
//! optional `vlan` and `inner_vlan` columns
//! (policy/protocols/conn/vlan-logging), unset when the traffic carries no
//! 802.1Q tag.

use crate::event::Conn;
use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;

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

impl LogRecord for Conn {
    const PATH: &'static str = "conn";

    fn fields() -> &'static [Field] {
        &FIELDS
    }

    fn ts(&self) -> Ts {
        self.ts
    }

    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        let id = &self.id;
        out.push(Value::Time(self.ts));
        out.push(Value::Plain(&id.uid));
        out.push(Value::Addr(id.orig_h));
        out.push(Value::Port(id.orig_p));
        out.push(Value::Addr(id.resp_h));
        out.push(Value::Port(id.resp_p));
        out.push(Value::Ref(id.transport()));
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
        out.push(Value::Count(u64::from(id.ip_proto)));
        out.push(opt(id.vlan, |v| Value::Int(i64::from(v))));
        out.push(opt(id.inner_vlan, |v| Value::Int(i64::from(v))));
    }
}
