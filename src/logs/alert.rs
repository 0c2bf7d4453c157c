//! `alert.log`: one record per rule match, with everything an analyst or
//! a dashboard needs: the rule (sid, rev, message, severity, class, ATT&CK
//! for ICS techniques, references), the connection, the protocol fields
//! that matched and, for baseline rules, the deviation.

use crate::event::Alert;
use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;

crate::columns_after!(
    FIELDS,
    crate::output::CONN_HEAD,
    6,
    [
        field("sid", T::Count),
        field("rev", T::Count),
        field("msg", T::String),
        field("severity", T::String),
        field("priority", T::Count),
        field("classtype", T::String),
        field("mitre_attack_ics", T::SetString),
        field("references", T::SetString),
        field("matched", T::String),
        field("baseline", T::String),
    ]
);

impl LogRecord for Alert {
    const PATH: &'static str = "alert";
    fn fields() -> &'static [Field] {
        &FIELDS
    }
    fn ts(&self) -> Ts {
        self.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        out.push(Value::Time(self.ts));
        out.push(self.uid.as_deref().map_or(Value::Unset, Value::Ref));
        out.push(Value::Addr(self.src));
        out.push(self.sport.map_or(Value::Unset, Value::Port));
        out.push(self.dst.map_or(Value::Unset, Value::Addr));
        out.push(self.dport.map_or(Value::Unset, Value::Port));
        out.push(Value::Count(self.sid.into()));
        out.push(Value::Count(self.rev.into()));
        out.push(Value::Ref(&self.msg));
        out.push(Value::Ref(self.severity));
        out.push(Value::Count(self.priority.into()));
        out.push(self.classtype.clone().map_or(Value::Unset, Value::Str));
        out.push(Value::StrSet(self.techniques.clone()));
        out.push(Value::StrSet(self.references.clone()));
        out.push(Value::Ref(&self.matched));
        out.push(self.baseline.clone().map_or(Value::Unset, Value::Str));
    }
}
