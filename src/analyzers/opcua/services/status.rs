//! `opcua_binary_status_code_detail.log`: one row per StatusCode a
//! response carries (its header's service result, each operation's
//! result, and the inner codes of diagnostic infos, with their depth),
//! each split into its bit fields and named.

use super::super::row::{count, Links, Log, Row};
use crate::analyzers::{message_head_fields, MessageHead};
use crate::output::{field, FieldType as T, Value};
use otwatch_parsers::opcua::status::{InfoType, StatusCode};
use otwatch_parsers::opcua::DiagnosticInfo;

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

pub static LOG: Log = Log {
    path: "opcua_binary_status_code_detail",
    fields: &FIELDS,
};

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

/// The row of one status code found at `source`, linked by `link`.
pub fn row(head: &MessageHead, link: &str, source: Source, level: u32, code: u32) -> Row {
    let (name, diag_name) = source.names();
    let (number, name) = if level == 0 {
        (source as u64, name)
    } else {
        ((source as u64).saturating_add(1), diag_name)
    };
    let c = StatusCode(code);
    let mut r = Row::new(&LOG, head, link);
    r.push(Value::Count(number))
        .push(Value::Ref(name))
        .push(count(level))
        .push(Value::Str(format!("0x{code:08x}")))
        .push(count(c.severity()))
        .push(Value::Ref(match c.severity() {
            0 => "Severity_Good",
            1 => "Severity_Uncertain",
            2 => "Severity_Bad",
            _ => "Reserved",
        }))
        .push(count(c.sub_code()))
        // The reference prints an unknown code's name as an empty string.
        .push(Value::Ref(c.name().unwrap_or("")))
        .push(Value::Bool(c.structure_changed()))
        .push(Value::Bool(c.semantics_changed()));
    let info = match c.info_type() {
        InfoType::NotUsed => 0,
        InfoType::DataValue => 1,
        InfoType::Reserved(n) => n,
    };
    r.push(count(info)).push(Value::Ref(match info {
        0 => "InfoType_NotUsed",
        1 => "InfoType_DataValue",
        _ => "Reserved",
    }));
    // The DataValue info bits mean something only when info_type says so.
    if info != 0 {
        r.push(count(c.limit_bits()))
            .push(Value::Ref(match c.limit_bits() {
                0 => "LimitBits_None",
                1 => "LimitBits_Low",
                2 => "LimitBits_High",
                _ => "LimitBits_Constant",
            }))
            .push(Value::Bool(c.overflow()))
            .push(count(c.historian_bits()))
            .push(Value::Ref(match c.historian_bits() {
                0 => "HistorianBits_Raw",
                1 => "HistorianBits_Calculated",
                2 => "HistorianBits_Interpolated",
                _ => "Reserved",
            }))
            .push(Value::Bool(c.historian_partial()))
            .push(Value::Bool(c.historian_extra_data()))
            .push(Value::Bool(c.historian_multi_value()));
    }
    r
}

/// The rows of the inner status codes of a diagnostic info, one per
/// nesting level that has one.
pub fn diagnostic_rows(
    head: &MessageHead,
    link: &str,
    source: Source,
    info: &DiagnosticInfo<'_>,
    out: &mut Vec<Row>,
) {
    let mut level = 1;
    let mut at = Some(info);
    while let Some(d) = at {
        if let Some(code) = d.inner_status_code {
            out.push(row(head, link, source, level, code));
        }
        level = level.saturating_add(1);
        at = d.inner.as_deref();
    }
}

/// The diagnostic infos of a response, and the link of their status rows
/// (set only when one holds a status code).
pub struct Diagnostics<'d, 'a> {
    source: Source,
    infos: &'d [DiagnosticInfo<'a>],
    link: Option<String>,
}

impl<'d, 'a> Diagnostics<'d, 'a> {
    pub fn new(source: Source, infos: &'d [DiagnosticInfo<'a>], links: &mut Links<'_>) -> Self {
        let any = infos
            .iter()
            .any(|d| d.inner_status_code.is_some() || d.inner.is_some());
        Diagnostics {
            source,
            infos,
            link: any.then(|| links.next()),
        }
    }

    /// The link column's value.
    pub fn link(&self) -> Value<'static> {
        self.link.clone().map_or(Value::Unset, Value::Str)
    }

    /// The status rows of the inner codes.
    pub fn rows(self, head: &MessageHead, out: &mut Vec<Row>) {
        let Some(link) = self.link else { return };
        for d in self.infos {
            diagnostic_rows(head, &link, self.source, d, out);
        }
    }
}
