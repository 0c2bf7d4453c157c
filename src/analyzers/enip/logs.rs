//! The EtherNet/IP and CIP log records of CISA ICSNPP-enip (`enip.log`,
//! `cip.log`, `cip_io.log`, `cip_identity.log`), columns in the
//! reference's order (../shared/corpus/SCHEMAS.md). Every row carries the
//! sender and receiver of its message and a per-message correlation id.

use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;
use otwatch_parsers::enip::names;
use std::borrow::Cow;
use std::net::IpAddr;

/// The columns every ENIP log starts with.
pub type Head = crate::analyzers::MessageHead;

const HEAD: [Field; 12] = crate::analyzers::message_head_fields("packet_correlation_id");

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

/// A row of `enip.log`: one encapsulation message. Codes are kept as
/// numbers (shown in hex, named when written).
#[derive(Clone, Debug, PartialEq)]
pub struct EnipRecord {
    pub head: Head,
    pub command_code: u16,
    pub command: &'static str,
    pub length: u16,
    pub session_handle: u32,
    /// The encapsulation status.
    pub status: u32,
    /// The sender context's eight bytes, in wire order.
    pub sender_context: [u8; 8],
    pub options: u32,
}

impl LogRecord for EnipRecord {
    const PATH: &'static str = "enip";
    fn fields() -> &'static [Field] {
        &ENIP_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        self.head.values(out);
        out.push(hex(self.command_code, 2));
        out.push(Value::Plain(self.command));
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
pub struct CipRecord {
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

impl LogRecord for CipRecord {
    const PATH: &'static str = "cip";
    fn fields() -> &'static [Field] {
        &CIP_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.as_ref().map(|h| h.ts).unwrap_or_default()
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        match &self.head {
            Some(h) => h.values(out),
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
#[derive(Clone, Debug, PartialEq)]
pub struct CipIoRecord {
    pub head: Head,
    pub connection_id: u32,
    pub sequence_number: u32,
    pub data: Vec<u8>,
    pub link: Option<super::IoLink>,
}

impl LogRecord for CipIoRecord {
    const PATH: &'static str = "cip_io";
    fn fields() -> &'static [Field] {
        &IO_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        self.head.values(out);
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
#[derive(Clone, Debug, PartialEq)]
pub struct CipIdentityRecord {
    pub head: Head,
    pub encapsulation_version: u16,
    pub socket_address: IpAddr,
    pub socket_port: u16,
    pub vendor_id: u16,
    pub vendor_name: String,
    pub device_type_id: u16,
    pub device_type_name: String,
    pub product_code: u16,
    pub revision: (u8, u8),
    pub device_status: u16,
    pub serial_number: u32,
    pub product_name: Vec<u8>,
    pub device_state: u8,
}

impl LogRecord for CipIdentityRecord {
    const PATH: &'static str = "cip_identity";
    fn fields() -> &'static [Field] {
        &IDENTITY_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        self.head.values(out);
        out.push(Value::Count(u64::from(self.encapsulation_version)));
        out.push(Value::Addr(self.socket_address));
        out.push(Value::Count(u64::from(self.socket_port)));
        out.push(Value::Count(u64::from(self.vendor_id)));
        out.push(Value::Ref(&self.vendor_name));
        out.push(Value::Count(u64::from(self.device_type_id)));
        out.push(Value::Ref(&self.device_type_name));
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
