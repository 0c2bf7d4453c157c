//! The Modbus logs: Zeek's `modbus.log` and the CISA ICSNPP logs
//! (`modbus_detailed`, `modbus_mask_write_register`,
//! `modbus_read_write_multiple_registers`,
//! `modbus_read_device_identification`), with the reference columns
//! (docs/logs.md) in order, projected from the Modbus events.

mod detailed;
mod device_id;
pub mod names;

pub use detailed::{detailed_row, DetailedRow};

use crate::event::modbus::{DeviceId, Header, MaskWrite, MessageHead, ReadWrite};
use crate::event::{ConnId, Dir};
use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;
pub use device_id::object_name;
use device_id::{conformity_level, read_object_name};

/// The Modbus logs and their columns (for their schemas).
pub(crate) fn logs() -> [(&'static str, &'static [Field]); 5] {
    [
        (Header::PATH, Header::fields()),
        (DetailedRow::PATH, DetailedRow::fields()),
        (MaskWrite::PATH, MaskWrite::fields()),
        (ReadWrite::PATH, ReadWrite::fields()),
        (DeviceId::PATH, DeviceId::fields()),
    ]
}

/// A connection's uid and endpoints: the same on each of its rows.
fn id_values<'a>(id: &'a ConnId, out: &mut dyn crate::output::Sink<'a>) {
    let key = crate::output::GroupKey {
        site: 0,
        uid: id.uid,
        orig: (id.orig_h, id.orig_p),
        resp: (id.resp_h, id.resp_p),
    };
    out.group(key, 5, &mut |out| {
        out.push(Value::Plain(&id.uid));
        out.push(Value::Addr(id.orig_h));
        out.push(Value::Port(id.orig_p));
        out.push(Value::Addr(id.resp_h));
        out.push(Value::Port(id.resp_p));
    });
}

/// A name as text (escaped when written, as any string).
fn text(name: std::borrow::Cow<'static, str>) -> Value<'static> {
    match name {
        std::borrow::Cow::Borrowed(s) => Value::Ref(s),
        std::borrow::Cow::Owned(s) => Value::Str(s),
    }
}

fn opt_count(v: Option<u64>) -> Value<'static> {
    v.map(Value::Count).unwrap_or(Value::Unset)
}

const ID: [Field; 6] = crate::output::CONN_HEAD;

static MODBUS_FIELDS: [Field; 11] = [
    ID[0],
    ID[1],
    ID[2],
    ID[3],
    ID[4],
    ID[5],
    field("tid", T::Count),
    field("unit", T::Count),
    field("func", T::String),
    field("pdu_type", T::String),
    field("exception", T::String),
];

/// A row of Zeek's `modbus.log`: one per Modbus PDU.
impl LogRecord for Header {
    const PATH: &'static str = "modbus";
    fn fields() -> &'static [Field] {
        &MODBUS_FIELDS
    }
    fn ts(&self) -> Ts {
        self.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        out.push(Value::Time(self.ts));
        id_values(&self.id, out);
        out.push(Value::Count(u64::from(self.tid)));
        out.push(Value::Count(u64::from(self.unit)));
        out.push(Value::name(names::func_name(self.function)));
        out.push(Value::Plain(if self.dir == Dir::Orig {
            "REQ"
        } else {
            "RESP"
        }));
        out.push(
            self.exception
                .map_or(Value::Unset, |c| text(names::exception_name(c))),
        );
    }
}

const HEAD: [Field; 16] = [
    ID[0],
    ID[1],
    ID[2],
    ID[3],
    ID[4],
    ID[5],
    field("is_orig", T::Bool),
    field("source_h", T::Addr),
    field("source_p", T::Port),
    field("destination_h", T::Addr),
    field("destination_p", T::Port),
    field("modbus_detailed_link_id", T::String),
    field("tid", T::Count),
    field("unit", T::Count),
    field("func", T::String),
    field("request_response", T::String),
];

/// The columns ICSNPP's per-message logs share: who sent the message to
/// whom, the link to `modbus_detailed`, tid, unit, function, direction.
fn head_values<'a>(h: &'a MessageHead, out: &mut dyn crate::output::Sink<'a>) {
    let is_request = h.dir == Dir::Orig;
    out.push(Value::Time(h.ts));
    id_values(&h.id, out);
    out.push(Value::Bool(is_request));
    let (sh, sp, dh, dp) = h.id.endpoints(h.dir);
    out.push(Value::Addr(sh));
    out.push(Value::Port(sp));
    out.push(Value::Addr(dh));
    out.push(Value::Port(dp));
    out.push(Value::Ref(&h.link));
    out.push(Value::Count(u64::from(h.tid)));
    out.push(Value::Count(u64::from(h.unit)));
    out.push(Value::name(names::func_name(h.function)));
    out.push(Value::Ref(if is_request { "REQUEST" } else { "RESPONSE" }));
}

crate::columns_after!(
    MASK_FIELDS,
    HEAD,
    16,
    [
        field("address", T::Count),
        field("and_mask", T::Count),
        field("or_mask", T::Count),
    ]
);

/// A row of `modbus_mask_write_register.log`: one per message.
impl LogRecord for MaskWrite {
    const PATH: &'static str = "modbus_mask_write_register";
    fn fields() -> &'static [Field] {
        &MASK_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        head_values(&self.head, out);
        out.push(Value::Count(u64::from(self.address)));
        out.push(Value::Count(u64::from(self.and_mask)));
        out.push(Value::Count(u64::from(self.or_mask)));
    }
}

crate::columns_after!(
    RW_FIELDS,
    HEAD,
    16,
    [
        field("write_start_address", T::Count),
        field("write_registers", T::VectorCount),
        field("read_start_address", T::Count),
        field("read_quantity", T::Count),
        field("read_registers", T::VectorCount),
    ]
);

/// A row of `modbus_read_write_multiple_registers.log`: one per message.
impl LogRecord for ReadWrite {
    const PATH: &'static str = "modbus_read_write_multiple_registers";
    fn fields() -> &'static [Field] {
        &RW_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head().ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        head_values(self.head(), out);
        match self {
            ReadWrite::Request {
                write_start,
                write,
                read_start,
                read_quantity,
                ..
            } => {
                out.push(Value::Count(u64::from(*write_start)));
                out.push(Value::Words(write));
                out.push(Value::Count(u64::from(*read_start)));
                out.push(Value::Count(u64::from(*read_quantity)));
                out.push(Value::Unset);
            }
            ReadWrite::Response { read, .. } => {
                out.extend(std::iter::repeat_n(Value::Unset, 4));
                out.push(Value::Words(read));
            }
        }
    }
}

crate::columns_after!(
    DEVICE_ID_FIELDS,
    HEAD,
    16,
    [
        field("mei_type", T::String),
        field("conformity_level_code", T::String),
        field("conformity_level", T::String),
        field("device_id_code", T::Count),
        field("object_id_code", T::String),
        field("object_id", T::String),
        field("object_value", T::String),
    ]
);

/// A row of `modbus_read_device_identification.log`: the request, or one
/// object of the response.
impl LogRecord for DeviceId {
    const PATH: &'static str = "modbus_read_device_identification";
    fn fields() -> &'static [Field] {
        &DEVICE_ID_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head().ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        head_values(self.head(), out);
        out.push(Value::Ref("READ-DEVICE-IDENTIFICATION"));
        match self {
            DeviceId::Request {
                device_id_code,
                object_id,
                ..
            } => {
                out.push(Value::Unset);
                out.push(Value::Unset);
                out.push(Value::Count(u64::from(*device_id_code)));
                out.push(Value::Str(format!("0x{object_id:02x}")));
                out.push(Value::Ref(read_object_name(*object_id)));
                out.push(Value::Unset);
            }
            DeviceId::Object {
                conformity_level: conf,
                device_id_code,
                object_id,
                value,
                ..
            } => {
                out.push(Value::Str(format!("0x{conf:02x}")));
                out.push(Value::Ref(conformity_level(*conf)));
                out.push(Value::Count(u64::from(*device_id_code)));
                out.push(Value::Str(format!("0x{object_id:02x}")));
                out.push(Value::Ref(object_name(*object_id)));
                out.push(Value::BytesRef(value));
            }
        }
    }
}
