//! `notice.log`: the alerts, in the columns of Zeek's notice log that
//! apply (no file or email fields). `note` names the kind of alert,
//! `msg` says what was seen, `sub` what was expected.

use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;
use std::net::IpAddr;

/// One alert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub ts: Ts,
    pub uid: Option<String>,
    /// The connection (orig_h, orig_p, resp_h, resp_p), when there is one.
    pub id: Option<(IpAddr, u16, IpAddr, u16)>,
    pub proto: Option<&'static str>,
    /// E.g. `OTWatch::New_Device`.
    pub note: &'static str,
    pub msg: String,
    pub sub: String,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub p: Option<u16>,
}

crate::columns_after!(
    FIELDS,
    crate::output::CONN_HEAD,
    6,
    [
        field("proto", T::Enum),
        field("note", T::Enum),
        field("msg", T::String),
        field("sub", T::String),
        field("src", T::Addr),
        field("dst", T::Addr),
        field("p", T::Port),
        field("actions", T::SetString),
    ]
);

impl LogRecord for Notice {
    const PATH: &'static str = "notice";
    fn fields() -> &'static [Field] {
        &FIELDS
    }
    fn ts(&self) -> Ts {
        self.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        out.push(Value::Time(self.ts));
        out.push(self.uid.clone().map_or(Value::Unset, Value::Str));
        match self.id {
            Some((oh, op, rh, rp)) => {
                out.push(Value::Addr(oh));
                out.push(Value::Port(op));
                out.push(Value::Addr(rh));
                out.push(Value::Port(rp));
            }
            None => out.extend(std::iter::repeat_n(Value::Unset, 4)),
        }
        out.push(self.proto.map_or(Value::Unset, Value::Ref));
        out.push(Value::Ref(self.note));
        out.push(Value::Ref(&self.msg));
        out.push(Value::Ref(&self.sub));
        out.push(self.src.map_or(Value::Unset, Value::Addr));
        out.push(self.dst.map_or(Value::Unset, Value::Addr));
        out.push(self.p.map_or(Value::Unset, Value::Port));
        out.push(Value::StrSet(vec!["Notice::ACTION_LOG".into()]));
    }
}
