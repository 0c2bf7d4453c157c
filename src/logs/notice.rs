//! `notice.log`: the alerts, in the columns of Zeek's notice log that
//! apply (no file or email fields). `note` names the kind of alert,
//! `msg` says what was seen, `sub` what was expected.

use crate::event::Notice;
use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;

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
        out.push(
            self.conn
                .as_ref()
                .map_or(Value::Unset, |c| Value::Ref(&c.uid)),
        );
        match self
            .conn
            .as_ref()
            .zip(self.endpoints)
            .map(|(c, d)| c.endpoints(d))
        {
            Some((oh, op, rh, rp)) => {
                out.push(Value::Addr(oh));
                out.push(Value::Port(op));
                out.push(Value::Addr(rh));
                out.push(Value::Port(rp));
            }
            None => out.extend(std::iter::repeat_n(Value::Unset, 4)),
        }
        out.push(self.proto.map_or(Value::Unset, Value::Ref));
        out.push(Value::Ref(self.kind.note()));
        out.push(Value::Ref(&self.msg));
        out.push(Value::Ref(&self.sub));
        out.push(self.src.map_or(Value::Unset, Value::Addr));
        out.push(self.dst.map_or(Value::Unset, Value::Addr));
        out.push(self.p.map_or(Value::Unset, Value::Port));
        out.push(Value::StrSet(vec!["Notice::ACTION_LOG".into()]));
    }
}
