//! `alert.log`: one record per alert, with what an analyst acts on: what
//! kind and how severe, which ATT&CK for ICS techniques, who (the client's
//! address, MAC, vendor and role) did what (protocol, function and its
//! class, the objects touched, how many requests, first and last time) to
//! whom (the server and what it says it is), the baseline facts it
//! contradicts, and the rules that matched (the first one's sid, rev,
//! class, references and matched fields, and every rule).

use crate::event::{Alert, NoticeKind, Party};
use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;

crate::columns_after!(
    FIELDS,
    crate::output::CONN_HEAD,
    6,
    [
        field("note", T::Enum),
        field("msg", T::String),
        field("severity", T::String),
        field("priority", T::Count),
        field("mitre_attack_ics", T::SetString),
        field("last_ts", T::Time),
        field("count", T::Count),
        field("src", T::Addr),
        field("src_mac", T::String),
        field("src_vendor", T::String),
        field("src_role", T::String),
        field("dst", T::Addr),
        field("dst_mac", T::String),
        field("dst_vendor", T::String),
        field("dst_role", T::String),
        field("dst_identity", T::String),
        field("p", T::Port),
        field("protocol", T::String),
        field("function", T::SetString),
        field("function_class", T::String),
        field("object", T::SetString),
        field("deviations", T::SetString),
        field("details", T::SetString),
        field("baseline", T::String),
        field("sid", T::Count),
        field("rev", T::Count),
        field("classtype", T::String),
        field("references", T::SetString),
        field("matched", T::String),
        field("rules", T::SetString),
    ]
);

fn opt(s: &Option<String>) -> Value<'_> {
    s.as_deref().map_or(Value::Unset, Value::Ref)
}

fn set(v: Vec<String>) -> Value<'static> {
    if v.is_empty() {
        Value::Unset
    } else {
        Value::StrSet(v)
    }
}

fn party<'a>(p: &'a Party, identity: bool, out: &mut dyn crate::output::Sink<'a>) {
    out.push(opt(&p.mac));
    out.push(opt(&p.vendor));
    out.push(p.role.map_or(Value::Unset, Value::Ref));
    if identity {
        out.push(opt(&p.identity));
    }
}

impl LogRecord for Alert {
    const PATH: &'static str = "alert";
    fn fields() -> &'static [Field] {
        &FIELDS
    }
    fn ts(&self) -> Ts {
        self.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        super::notice::conn_values(self, out);
        out.push(Value::Ref(self.kind.note()));
        // A rule's alert says what the rule says (its sid has a column).
        let rule = self.rules.first();
        match (self.kind, rule) {
            (NoticeKind::Rule, Some(r)) => out.push(Value::Ref(&r.msg)),
            _ => out.push(Value::Ref(&self.msg)),
        }
        out.push(Value::Ref(self.severity.name()));
        out.push(Value::Count(self.severity.priority().into()));
        out.push(set(self.techniques.clone()));
        out.push(Value::Time(self.last));
        out.push(Value::Count(self.action.requests));
        out.push(self.src.map_or(Value::Unset, Value::Addr));
        party(&self.client, false, out);
        out.push(self.dst.map_or(Value::Unset, Value::Addr));
        party(&self.server, true, out);
        out.push(self.p.map_or(Value::Unset, Value::Port));
        out.push(self.action.protocol.map_or(Value::Unset, Value::Ref));
        out.push(set(self.action.functions.clone()));
        out.push(self.action.class.map_or(Value::Unset, Value::Ref));
        out.push(set(self.action.objects.clone()));
        out.push(set(self
            .deviations
            .iter()
            .map(|k| k.note().to_string())
            .collect()));
        out.push(set(self.details.clone()));
        out.push(if self.facts.is_empty() {
            Value::Unset
        } else {
            Value::Str(self.facts.join("; "))
        });
        match rule {
            Some(r) => {
                out.push(Value::Count(r.sid.into()));
                out.push(Value::Count(r.rev.into()));
                out.push(opt(&r.classtype));
                out.push(set(r.references.clone()));
                out.push(Value::Ref(&r.matched));
            }
            None => out.extend(std::iter::repeat_n(Value::Unset, 5)),
        }
        out.push(set(self
            .rules
            .iter()
            .map(|r| format!("{}:{} {}", r.sid, r.rev, r.msg))
            .collect()));
    }
}
