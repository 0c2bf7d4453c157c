//! The EtherNet/IP and CIP logs of CISA ICSNPP-enip (`enip.log`,
//! `cip.log`, `cip_io.log`, `cip_identity.log`), columns in the
//! reference's order (docs/logs.md), projected from the EtherNet/IP
//! events. Every row carries the sender and receiver of its message and a
//! per-message correlation id.

pub mod names;

use super::head::{head_values, message_head_fields};
use crate::event::enip::{Carried, Cip, Embedded, Encapsulation, Identity, Io, Path, Status};
use crate::event::Head;
use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;
use std::borrow::Cow;

/// The EtherNet/IP and CIP logs and their columns (for their schemas).
pub(crate) fn logs() -> [(&'static str, &'static [Field]); 4] {
    [
        (Encapsulation::PATH, Encapsulation::fields()),
        (CipRow::PATH, CipRow::fields()),
        (Io::PATH, Io::fields()),
        (Identity::PATH, Identity::fields()),
    ]
}

const HEAD: [Field; 12] = message_head_fields("packet_correlation_id");

/// A number shown as `0x` and at least `digits` hex digits, as the
/// reference prints codes and ids.
fn hex(value: impl Into<u64>, digits: u8) -> Value<'static> {
    Value::Hex {
        value: value.into(),
        digits,
    }
}

fn opt_hex(value: Option<impl Into<u64>>, digits: u8) -> Value<'static> {
    value.map_or(Value::Unset, |v| hex(v, digits))
}

crate::columns_after!(
    ENIP_FIELDS,
    HEAD,
    12,
    [
        field("enip_command_code", T::String),
        field("enip_command", T::String),
        field("length", T::Count),
        field("session_handle", T::String),
        field("enip_status", T::String),
        field("sender_context", T::String),
        field("options", T::String),
    ]
);

/// A row of `enip.log`: one encapsulation message.
impl LogRecord for Encapsulation {
    const PATH: &'static str = "enip";
    fn fields() -> &'static [Field] {
        &ENIP_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        head_values(&self.head, out);
        out.push(hex(self.command, 2));
        out.push(Value::Plain(names::command_name(self.command)));
        out.push(Value::Count(u64::from(self.length)));
        out.push(hex(self.session_handle, 8));
        out.push(Value::name(names::encap_status_name(self.status)));
        out.push(hex(u64::from_be_bytes(self.sender_context), 16));
        out.push(hex(self.options, 8));
    }
}

crate::columns_after!(
    CIP_FIELDS,
    HEAD,
    12,
    [
        field("cip_sequence_count", T::Count),
        field("direction", T::String),
        field("cip_service_code", T::String),
        field("cip_service", T::String),
        field("cip_status_code", T::String),
        field("cip_status", T::String),
        field("cip_extended_status_code", T::String),
        field("cip_extended_status", T::String),
        field("class_id", T::String),
        field("class_name", T::String),
        field("instance_id", T::String),
        field("attribute_id", T::String),
    ]
);

/// A row of `cip.log`: one CIP request or response (a Multiple Service
/// Packet gives one row for itself and one per embedded service).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CipRow {
    pub head: Option<Head>,
    pub sequence_count: Option<u16>,
    pub is_response: bool,
    pub service_code: u8,
    pub service: Cow<'static, str>,
    pub status_code: Option<u8>,
    pub status: Option<Cow<'static, str>>,
    pub extended_status_code: Option<u32>,
    pub extended_status: Option<Cow<'static, str>>,
    pub class_id: Option<u32>,
    pub class_name: Option<&'static str>,
    pub instance_id: Option<u32>,
    pub attribute_id: Option<u32>,
}

impl LogRecord for CipRow {
    const PATH: &'static str = "cip";
    fn fields() -> &'static [Field] {
        &CIP_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.as_ref().map(|h| h.ts).unwrap_or_default()
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        match &self.head {
            Some(h) => head_values(h, out),
            None => out.extend(std::iter::repeat_n(Value::Unset, 12)),
        }
        out.push(
            self.sequence_count
                .map(|c| Value::Count(u64::from(c)))
                .unwrap_or(Value::Unset),
        );
        out.push(Value::Plain(if self.is_response {
            "response"
        } else {
            "request"
        }));
        out.push(hex(self.service_code, 2));
        out.push(Value::Plain(&self.service));
        out.push(opt_hex(self.status_code, 2));
        out.push(self.status.as_deref().map_or(Value::Unset, Value::Plain));
        out.push(opt_hex(self.extended_status_code, 4));
        out.push(
            self.extended_status
                .as_deref()
                .map_or(Value::Unset, Value::Plain),
        );
        out.push(opt_hex(self.class_id, 2));
        out.push(self.class_name.map_or(Value::Unset, Value::Plain));
        out.push(opt_hex(self.instance_id, 2));
        out.push(opt_hex(self.attribute_id, 2));
    }
}

crate::columns_after!(
    IO_FIELDS,
    HEAD,
    12,
    [
        field("connection_id", T::String),
        field("sequence_number", T::Count),
        field("data_length", T::Count),
        field("io_data", T::String),
        field("opened_by", T::String),
        field("io_originator", T::Addr),
        field("io_target", T::Addr),
        field("api", T::Interval),
    ]
);

/// A row of `cip_io.log`: one implicit (class 0/1) I/O datagram, and —
/// beyond the reference's columns — the Forward Open that set the I/O
/// connection up, when it was seen: the connection that carried it, the
/// I/O originator and target, and the granted packet interval.
impl LogRecord for Io {
    const PATH: &'static str = "cip_io";
    fn fields() -> &'static [Field] {
        &IO_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        head_values(&self.head, out);
        out.push(hex(self.connection_id, 8));
        out.push(Value::Count(u64::from(self.sequence_number)));
        out.push(Value::Count(self.data.len() as u64));
        out.push(Value::HexBytes(&self.data));
        match &self.link {
            Some(l) => {
                out.push(Value::Plain(&l.opened_by));
                out.push(Value::Addr(l.origin));
                out.push(Value::Addr(l.target));
                out.push(Value::Interval(crate::time::Micros(i64::from(l.api_us))));
            }
            None => out.extend(std::iter::repeat_n(Value::Unset, 4)),
        }
    }
}

crate::columns_after!(
    IDENTITY_FIELDS,
    HEAD,
    12,
    [
        field("encapsulation_version", T::Count),
        field("socket_address", T::Addr),
        field("socket_port", T::Count),
        field("vendor_id", T::Count),
        field("vendor_name", T::String),
        field("device_type_id", T::Count),
        field("device_type_name", T::String),
        field("product_code", T::Count),
        field("revision", T::String),
        field("device_status", T::String),
        field("serial_number", T::String),
        field("product_name", T::String),
        field("device_state", T::String),
    ]
);

/// A row of `cip_identity.log`: one identity item of a List Identity reply.
impl LogRecord for Identity {
    const PATH: &'static str = "cip_identity";
    fn fields() -> &'static [Field] {
        &IDENTITY_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        head_values(&self.head, out);
        out.push(Value::Count(u64::from(self.encapsulation_version)));
        out.push(Value::Addr(self.socket_address));
        out.push(Value::Count(u64::from(self.socket_port)));
        out.push(Value::Count(u64::from(self.vendor_id)));
        out.push(text(names::vendor_name(self.vendor_id)));
        out.push(Value::Count(u64::from(self.device_type)));
        out.push(text(names::device_type_name(self.device_type)));
        out.push(Value::Count(u64::from(self.product_code)));
        out.push(Value::Str(format!(
            "{}.{}",
            self.revision.0, self.revision.1
        )));
        out.push(hex(self.device_status, 4));
        out.push(hex(self.serial_number, 8));
        out.push(Value::BytesRef(&self.product_name));
        out.push(hex(self.device_state, 4));
    }
}

/// A name as text (escaped when written, as any string).
fn text(name: Cow<'static, str>) -> Value<'static> {
    match name {
        Cow::Borrowed(s) => Value::Ref(s),
        Cow::Owned(s) => Value::Str(s),
    }
}

/// The name of a service as logged: the reference's table, and the
/// class-aware name where the reference has none.
pub fn service_name(class: Option<u32>, code: u8) -> Cow<'static, str> {
    let reference = names::icsnpp_service_name(code);
    if reference == "unknown" && code >= 0x4B && class.is_some() {
        return names::service_name(class, code);
    }
    Cow::Borrowed(reference)
}

fn row(head: &Head, seq: Option<u16>, response: bool, code: u8, class: Option<u32>) -> CipRow {
    CipRow {
        head: Some(head.clone()),
        sequence_count: seq,
        is_response: response,
        service_code: code,
        service: service_name(class, code),
        ..CipRow::default()
    }
}

fn with_path(mut rec: CipRow, p: &Path) -> CipRow {
    if let Some(c) = p.class {
        rec.class_id = Some(c);
        rec.class_name = Some(names::class_name(c));
    }
    rec.instance_id = p.instance;
    rec.attribute_id = p.attribute;
    rec
}

fn with_status(mut rec: CipRow, status: Status) -> CipRow {
    rec.status_code = Some(status.general);
    rec.status = Some(names::status_name(status.general));
    if let Some(v) = status.extended {
        rec.extended_status_code = Some(v);
        rec.extended_status = Some(names::extended_status_name(v as u16));
    }
    rec
}

/// The `cip.log` rows of a CIP message: its own, then one per service of
/// a Multiple Service Packet.
pub fn cip_rows(m: &Cip, out: &mut dyn FnMut(&CipRow)) {
    let own = row(
        &m.head,
        m.sequence_count,
        m.is_response(),
        m.service,
        m.naming_class,
    );
    let own = match (m.status, &m.path) {
        (Some(s), _) => with_status(own, s),
        (None, Some(p)) => with_path(own, p),
        (None, None) => own,
    };
    out(&own);
    let Carried::Multiple(services) = &m.carried else {
        return;
    };
    for s in services {
        let rec = match s {
            Embedded::Reply {
                service,
                general_status,
            } => with_status(
                row(&m.head, m.sequence_count, true, *service, None),
                Status {
                    general: *general_status,
                    extended: None,
                },
            ),
            Embedded::Request { service, path, .. } => with_path(
                row(
                    &m.head,
                    m.sequence_count,
                    false,
                    *service,
                    path.target_class(),
                ),
                path,
            ),
        };
        out(&rec);
    }
}
