//! The EtherNet/IP and CIP log records of CISA ICSNPP-enip (`enip.log`,
//! `cip.log`, `cip_io.log`, `cip_identity.log`), columns in the
//! reference's order (../shared/corpus/SCHEMAS.md). Every row carries the
//! sender and receiver of its message and a per-message correlation id.

use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;
use std::net::IpAddr;

/// The columns every ENIP log starts with.
pub type Head = crate::analyzers::MessageHead;

const HEAD: [Field; 12] = crate::analyzers::message_head_fields("packet_correlation_id");

fn opt(v: &Option<String>) -> Value {
    v.clone().map(Value::Str).unwrap_or(Value::Unset)
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
#[derive(Clone, Debug, PartialEq)]
pub struct EnipRecord {
    pub head: Head,
    pub command_code: String,
    pub command: &'static str,
    pub length: u16,
    pub session_handle: String,
    pub status: String,
    pub sender_context: String,
    pub options: String,
}

impl LogRecord for EnipRecord {
    const PATH: &'static str = "enip";
    fn fields() -> &'static [Field] {
        &ENIP_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
    fn values(&self, out: &mut Vec<Value>) {
        self.head.values(out);
        out.push(Value::Str(self.command_code.clone()));
        out.push(Value::Static(self.command));
        out.push(Value::Count(u64::from(self.length)));
        out.push(Value::Str(self.session_handle.clone()));
        out.push(Value::Str(self.status.clone()));
        out.push(Value::Str(self.sender_context.clone()));
        out.push(Value::Str(self.options.clone()));
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
    pub service_code: String,
    pub service: String,
    pub status_code: Option<String>,
    pub status: Option<String>,
    pub extended_status_code: Option<String>,
    pub extended_status: Option<String>,
    pub class_id: Option<String>,
    pub class_name: Option<String>,
    pub instance_id: Option<String>,
    pub attribute_id: Option<String>,
}

impl LogRecord for CipRecord {
    const PATH: &'static str = "cip";
    fn fields() -> &'static [Field] {
        &CIP_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.as_ref().map(|h| h.ts).unwrap_or_default()
    }
    fn values(&self, out: &mut Vec<Value>) {
        match &self.head {
            Some(h) => h.values(out),
            None => out.extend(std::iter::repeat_n(Value::Unset, 12)),
        }
        out.push(
            self.sequence_count
                .map(|c| Value::Count(u64::from(c)))
                .unwrap_or(Value::Unset),
        );
        out.push(Value::Static(if self.is_response {
            "response"
        } else {
            "request"
        }));
        out.push(Value::Str(self.service_code.clone()));
        out.push(Value::Str(self.service.clone()));
        out.push(opt(&self.status_code));
        out.push(opt(&self.status));
        out.push(opt(&self.extended_status_code));
        out.push(opt(&self.extended_status));
        out.push(opt(&self.class_id));
        out.push(opt(&self.class_name));
        out.push(opt(&self.instance_id));
        out.push(opt(&self.attribute_id));
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
    fn values(&self, out: &mut Vec<Value>) {
        self.head.values(out);
        out.push(Value::Str(format!("0x{:08x}", self.connection_id)));
        out.push(Value::Count(u64::from(self.sequence_number)));
        out.push(Value::Count(self.data.len() as u64));
        out.push(Value::Str(super::grammar::hex(&self.data)));
        match &self.link {
            Some(l) => {
                out.push(Value::Str(l.opened_by.clone()));
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
    fn values(&self, out: &mut Vec<Value>) {
        self.head.values(out);
        out.push(Value::Count(u64::from(self.encapsulation_version)));
        out.push(Value::Addr(self.socket_address));
        out.push(Value::Count(u64::from(self.socket_port)));
        out.push(Value::Count(u64::from(self.vendor_id)));
        out.push(Value::Str(self.vendor_name.clone()));
        out.push(Value::Count(u64::from(self.device_type_id)));
        out.push(Value::Str(self.device_type_name.clone()));
        out.push(Value::Count(u64::from(self.product_code)));
        out.push(Value::Str(format!(
            "{}.{}",
            self.revision.0, self.revision.1
        )));
        out.push(Value::Str(format!("0x{:04x}", self.device_status)));
        out.push(Value::Str(format!("0x{:08x}", self.serial_number)));
        out.push(Value::Bytes(self.product_name.clone()));
        out.push(Value::Str(format!("0x{:04x}", self.device_state)));
    }
}
