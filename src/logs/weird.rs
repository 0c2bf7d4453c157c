//! `weird.log`: protocol and decoding anomalies, in Zeek's columns
//! (`ts uid id.* name addl notice peer source`).

use crate::event::{Weird, WeirdScope};
use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;

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

impl LogRecord for Weird {
    const PATH: &'static str = "weird";

    fn fields() -> &'static [Field] {
        &FIELDS
    }

    fn ts(&self) -> Ts {
        self.ts
    }

    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        out.push(Value::Time(self.ts));
        match &self.scope {
            WeirdScope::Conn(c) => {
                out.push(Value::Ref(&c.uid));
                out.push(Value::Addr(c.orig_h));
                out.push(Value::Port(c.orig_p));
                out.push(Value::Addr(c.resp_h));
                out.push(Value::Port(c.resp_p));
            }
            // A packet that made no connection: its addresses, no uid.
            WeirdScope::Flow { src, dst } => {
                out.push(Value::Unset);
                out.push(Value::Addr(*src));
                out.push(Value::Port(0));
                out.push(Value::Addr(*dst));
                out.push(Value::Port(0));
            }
            WeirdScope::None => out.extend(std::iter::repeat_n(Value::Unset, 5)),
        }
        out.push(Value::Ref(self.name));
        out.push(self.addl.as_deref().map(Value::Ref).unwrap_or(Value::Unset));
        out.push(Value::Bool(false));
        out.push(Value::Ref("otwatch"));
        out.push(Value::Ref(self.source));
    }
}
