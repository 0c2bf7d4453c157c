//! The `weird.log` record: protocol or decoding anomalies, in Zeek's columns
//! (`ts uid id.* name addl notice peer source`).

use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;
use std::net::IpAddr;

/// The connection a weird belongs to, or for a "flow weird" (a packet that
/// did not make a connection) just its addresses, with no uid and ports 0.
#[derive(Clone, Debug, PartialEq)]
pub struct WeirdConn {
    pub uid: Option<String>,
    pub orig_h: IpAddr,
    pub orig_p: u16,
    pub resp_h: IpAddr,
    pub resp_p: u16,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WeirdRecord {
    pub ts: Ts,
    pub conn: Option<WeirdConn>,
    pub name: &'static str,
    pub addl: Option<String>,
    /// The layer that noticed it (e.g. `decode`, `TCP`).
    pub source: &'static str,
}

crate::columns_after!(
    FIELDS,
    crate::output::CONN_HEAD,
    6,
    [
        field("name", T::String),
        field("addl", T::String),
        field("notice", T::Bool),
        field("peer", T::String),
        field("source", T::String),
    ]
);

impl LogRecord for WeirdRecord {
    const PATH: &'static str = "weird";

    fn fields() -> &'static [Field] {
        &FIELDS
    }

    fn ts(&self) -> Ts {
        self.ts
    }

    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        out.push(Value::Time(self.ts));
        match &self.conn {
            Some(c) => {
                out.push(c.uid.as_deref().map(Value::Ref).unwrap_or(Value::Unset));
                out.push(Value::Addr(c.orig_h));
                out.push(Value::Port(c.orig_p));
                out.push(Value::Addr(c.resp_h));
                out.push(Value::Port(c.resp_p));
            }
            None => out.extend(std::iter::repeat_n(Value::Unset, 5)),
        }
        out.push(Value::Ref(self.name));
        out.push(self.addl.as_deref().map(Value::Ref).unwrap_or(Value::Unset));
        out.push(Value::Bool(false));
        out.push(Value::Ref("otwatch"));
        out.push(Value::Ref(self.source));
    }
}
