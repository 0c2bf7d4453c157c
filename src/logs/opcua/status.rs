//! `opcua_binary_status_code_detail.log`: one row per StatusCode a
//! response carries (its header's service result, each operation's
//! result, and the inner codes of diagnostic infos, with their depth),
//! each split into its bit fields and named.

use super::row::{status_hex, Rows};
use super::status_names as names;
use crate::event::opcua::{DiagnosticInfo, Diagnostics};
use crate::event::Head;
use crate::logs::{head_values_linked, message_head_fields};
use crate::output::{field, Field, FieldType as T, LogRecord, Sink, Value};
use crate::time::Ts;
use otwatch_parsers::opcua::status::{InfoType, StatusCode};

crate::columns_after!(
    FIELDS,
    message_head_fields("status_code_link_id"),
    12,
    [
        field("source", T::Count),
        field("source_str", T::String),
        field("source_level", T::Count),
        field("status_code", T::String),
        field("severity", T::Count),
        field("severity_str", T::String),
        field("sub_code", T::Count),
        field("sub_code_str", T::String),
        field("structure_changed", T::Bool),
        field("semantics_changed", T::Bool),
        field("info_type", T::Count),
        field("info_type_str", T::String),
        field("limit_bits", T::Count),
        field("limit_bits_str", T::String),
        field("overflow", T::Bool),
        field("historian_bits", T::Count),
        field("historian_bits_str", T::String),
        field("historianPartial", T::Bool),
        field("historianExtraData", T::Bool),
        field("historianMultiValue", T::Bool),
    ]
);

/// Where a status code was found; its `_DiagInfo` twin (the next number)
/// is used for the inner codes of that place's diagnostic infos.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    ResponseHeader = 0,
    Browse = 2,
    ActivateSession = 4,
    Read = 6,
    CreateMonitoredItems = 8,
    Write = 18,
}

impl Source {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Source::ResponseHeader => ("ResponseHeader", "ResponseHeader_DiagInfo"),
            Source::Browse => ("Browse", "Browse_DiagInfo"),
            Source::ActivateSession => ("ActivateSession", "ActivateSession_DiagInfo"),
            Source::Read => ("Read", "Read_DiagInfo"),
            Source::CreateMonitoredItems => {
                ("CreateMonitoredItems", "CreateMonitoredItems_DiagInfo")
            }
            Source::Write => ("Write", "Write_DiagInfo"),
        }
    }
}

/// The row of one status code found at `source` (at nesting `level` of a
/// diagnostic info, 0 for the code itself), linked by `link`.
#[derive(Debug)]
pub struct StatusRow<'e> {
    pub head: &'e Head,
    pub link: &'e str,
    pub source: Source,
    pub level: u32,
    pub code: u32,
}

impl LogRecord for StatusRow<'_> {
    const PATH: &'static str = "opcua_binary_status_code_detail";
    fn fields() -> &'static [Field] {
        &FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
    fn values<'a>(&'a self, out: &mut dyn Sink<'a>) {
        head_values_linked(self.head, self.link, out);
        let (name, diag_name) = self.source.names();
        let (number, name) = if self.level == 0 {
            (self.source as u64, name)
        } else {
            ((self.source as u64).saturating_add(1), diag_name)
        };
        let c = StatusCode(self.code);
        out.push(Value::Count(number));
        out.push(Value::Plain(name));
        out.push(Value::Count(u64::from(self.level)));
        out.push(status_hex(self.code));
        out.push(Value::Count(u64::from(c.severity())));
        out.push(Value::Plain(names::severity_name(c.severity())));
        out.push(Value::Count(u64::from(c.sub_code())));
        // The reference prints an unknown code's name as an empty string.
        out.push(Value::Plain(names::status_name(self.code).unwrap_or("")));
        out.push(Value::Bool(c.structure_changed()));
        out.push(Value::Bool(c.semantics_changed()));
        let info = match c.info_type() {
            InfoType::NotUsed => 0,
            InfoType::DataValue => 1,
            InfoType::Reserved(n) => n,
        };
        out.push(Value::Count(u64::from(info)));
        out.push(Value::Plain(names::info_type_name(info)));
        // The DataValue info bits mean something only when info_type says so.
        if info == 0 {
            out.extend(std::iter::repeat_n(Value::Unset, 8));
            return;
        }
        out.push(Value::Count(u64::from(c.limit_bits())));
        out.push(Value::Plain(names::limit_bits_name(c.limit_bits())));
        out.push(Value::Bool(c.overflow()));
        out.push(Value::Count(u64::from(c.historian_bits())));
        out.push(Value::Plain(names::historian_bits_name(c.historian_bits())));
        out.push(Value::Bool(c.historian_partial()));
        out.push(Value::Bool(c.historian_extra_data()));
        out.push(Value::Bool(c.historian_multi_value()));
    }
}

impl<'e> Rows<'e, '_> {
    /// Writes the status row of `code`, found at `source`.
    pub fn status(&mut self, link: &'e str, source: Source, code: u32) {
        let head = self.head;
        self.write(&StatusRow {
            head,
            link,
            source,
            level: 0,
            code,
        });
    }

    /// Writes the rows of the inner status codes of a diagnostic info,
    /// one per nesting level that has one.
    pub fn diagnostic(&mut self, link: &'e str, source: Source, info: &DiagnosticInfo) {
        let head = self.head;
        for (level, code) in info.inner_codes() {
            self.write(&StatusRow {
                head,
                link,
                source,
                level,
                code,
            });
        }
    }

    /// Writes the rows of the inner codes of a response's diagnostics.
    pub fn diagnostics(&mut self, source: Source, d: &'e Diagnostics) {
        let Some(link) = &d.link else { return };
        for info in &d.infos {
            self.diagnostic(link, source, info);
        }
    }
}

/// The link column of a response's diagnostics.
pub fn diagnostics_link(d: &Diagnostics) -> Value<'_> {
    d.link.as_deref().map_or(Value::Unset, Value::Plain)
}
