//! `notice.log`: one row per alert, in exactly the columns of Zeek's
//! notice log (so a pipeline that parses Zeek's TSV by its column list
//! reads it); the file, count, peer and email columns are unset. `note`
//! names the kind of alert, `msg` says what was seen, `sub` the baseline
//! fact it contradicts (or what a rule matched).

use crate::event::Alert;
use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;

crate::columns_after!(
    FIELDS,
    crate::output::CONN_HEAD,
    6,
    [
        field("fuid", T::String),
        field("file_mime_type", T::String),
        field("file_desc", T::String),
        field("proto", T::Enum),
        field("note", T::Enum),
        field("msg", T::String),
        field("sub", T::String),
        field("src", T::Addr),
        field("dst", T::Addr),
        field("p", T::Port),
        field("n", T::Count),
        field("peer_descr", T::String),
        field("actions", T::SetString),
        field("email_dest", T::SetString),
        field("suppress_for", T::Interval),
    ]
);

/// The `notice.log` row of an alert.
#[derive(Debug)]
pub struct NoticeRow<'a>(pub &'a Alert);

/// The id columns of an alert's connection, from the side it shows.
pub fn conn_values<'a>(a: &'a Alert, out: &mut dyn crate::output::Sink<'a>) {
    out.push(Value::Time(a.ts));
    out.push(a.conn.as_ref().map_or(Value::Unset, |c| Value::Ref(&c.uid)));
    match a
        .conn
        .as_ref()
        .zip(a.endpoints)
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
}

impl LogRecord for NoticeRow<'_> {
    const PATH: &'static str = "notice";
    fn fields() -> &'static [Field] {
        &FIELDS
    }
    fn ts(&self) -> Ts {
        self.0.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        let a = self.0;
        conn_values(a, out);
        out.extend(std::iter::repeat_n(Value::Unset, 3));
        out.push(a.proto.map_or(Value::Unset, Value::Ref));
        out.push(Value::Ref(a.kind.note()));
        out.push(Value::Ref(&a.msg));
        out.push(Value::Ref(&a.sub));
        out.push(a.src.map_or(Value::Unset, Value::Addr));
        out.push(a.dst.map_or(Value::Unset, Value::Addr));
        out.push(a.p.map_or(Value::Unset, Value::Port));
        out.extend(std::iter::repeat_n(Value::Unset, 2));
        out.push(Value::StrSet(vec!["Notice::ACTION_LOG".into()]));
        out.extend(std::iter::repeat_n(Value::Unset, 2));
    }
}
