//! The Modbus log records: Zeek's `modbus.log` and the CISA ICSNPP logs
//! (`modbus_detailed`, `modbus_mask_write_register`,
//! `modbus_read_write_multiple_registers`,
//! `modbus_read_device_identification`), with the reference columns
//! (../shared/corpus/SCHEMAS.md) in order.

use crate::analyzers::ConnId;
use crate::flow::Dir;
use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;
use std::borrow::Cow;

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

fn opt_count(v: Option<u64>) -> Value<'static> {
    v.map(Value::Count).unwrap_or(Value::Unset)
}

fn opt_str(v: &Option<String>) -> Value<'_> {
    v.as_deref().map(Value::Ref).unwrap_or(Value::Unset)
}

fn opt_counts(v: &Option<Vec<u64>>) -> Value<'_> {
    v.as_deref().map_or(Value::Unset, Value::CountsRef)
}

const ID: [Field; 6] = crate::output::CONN_HEAD;

/// A row of Zeek's `modbus.log`: one per Modbus PDU.
#[derive(Clone, Debug, PartialEq)]
pub struct ModbusRecord {
    pub ts: Ts,
    pub id: ConnId,
    pub tid: u16,
    pub unit: u8,
    pub func: Cow<'static, str>,
    pub is_request: bool,
    pub exception: Option<Cow<'static, str>>,
}

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

impl LogRecord for ModbusRecord {
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
        out.push(Value::Plain(&self.func));
        out.push(Value::Plain(if self.is_request { "REQ" } else { "RESP" }));
        out.push(self.exception.as_deref().map_or(Value::Unset, Value::Ref));
    }
}

/// A row of ICSNPP's `modbus_detailed.log`: a request and its response
/// merged, or one message on its own.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DetailedRecord {
    pub ts: Ts,
    pub id: Option<ConnId>,
    pub tid: u16,
    pub unit: u8,
    /// The function byte (exception bit included), named when written.
    pub fc: u8,
    pub address: Option<u64>,
    pub quantity: Option<u64>,
    pub request_values: Option<Vec<u64>>,
    pub response_values: Option<Vec<u64>>,
    pub link_id: Option<String>,
    pub matched: Option<bool>,
    pub request_subfunction_code: Option<String>,
    pub response_subfunction_code: Option<String>,
    pub request_data: Option<Vec<u8>>,
    pub response_data: Option<Vec<u8>>,
    pub exception_code: Option<Cow<'static, str>>,
    pub mei_type: Option<String>,
}

static DETAILED_FIELDS: [Field; 21] = [
    ID[0],
    ID[1],
    ID[2],
    ID[3],
    ID[4],
    ID[5],
    field("tid", T::Count),
    field("unit", T::Count),
    field("func", T::String),
    field("address", T::Count),
    field("quantity", T::Count),
    field("request_values", T::VectorCount),
    field("response_values", T::VectorCount),
    field("modbus_detailed_link_id", T::String),
    field("matched", T::Bool),
    field("request_subfunction_code", T::String),
    field("response_subfunction_code", T::String),
    field("request_data", T::String),
    field("response_data", T::String),
    field("exception_code", T::String),
    field("mei_type", T::String),
];

impl LogRecord for DetailedRecord {
    const PATH: &'static str = "modbus_detailed";
    fn fields() -> &'static [Field] {
        &DETAILED_FIELDS
    }
    fn ts(&self) -> Ts {
        self.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        out.push(Value::Time(self.ts));
        match &self.id {
            Some(id) => id_values(id, out),
            None => out.extend(std::iter::repeat_n(Value::Unset, 5)),
        }
        out.push(Value::Count(u64::from(self.tid)));
        out.push(Value::Count(u64::from(self.unit)));
        out.push(Value::name(otwatch_parsers::modbus::names::func_name(
            self.fc,
        )));
        out.push(opt_count(self.address));
        out.push(opt_count(self.quantity));
        out.push(opt_counts(&self.request_values));
        out.push(opt_counts(&self.response_values));
        out.push(opt_str(&self.link_id));
        out.push(self.matched.map(Value::Bool).unwrap_or(Value::Unset));
        out.push(opt_str(&self.request_subfunction_code));
        out.push(opt_str(&self.response_subfunction_code));
        out.push(
            self.request_data
                .as_deref()
                .map_or(Value::Unset, Value::BytesRef),
        );
        out.push(
            self.response_data
                .as_deref()
                .map_or(Value::Unset, Value::BytesRef),
        );
        out.push(
            self.exception_code
                .as_deref()
                .map_or(Value::Unset, Value::Ref),
        );
        out.push(opt_str(&self.mei_type));
    }
}

/// The columns ICSNPP's per-message logs share: who sent the message to
/// whom, the link to `modbus_detailed`, tid, unit, function, direction.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageHead {
    pub ts: Ts,
    pub id: ConnId,
    /// REQUEST (sent by the originator) or RESPONSE.
    pub is_request: bool,
    pub link_id: String,
    pub tid: u16,
    pub unit: u8,
    pub func: &'static str,
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

impl MessageHead {
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        out.push(Value::Time(self.ts));
        id_values(&self.id, out);
        out.push(Value::Bool(self.is_request));
        let dir = if self.is_request {
            Dir::Orig
        } else {
            Dir::Resp
        };
        let (sh, sp, dh, dp) = self.id.endpoints(dir);
        out.push(Value::Addr(sh));
        out.push(Value::Port(sp));
        out.push(Value::Addr(dh));
        out.push(Value::Port(dp));
        out.push(Value::Ref(&self.link_id));
        out.push(Value::Count(u64::from(self.tid)));
        out.push(Value::Count(u64::from(self.unit)));
        out.push(Value::Ref(self.func));
        out.push(Value::Ref(if self.is_request {
            "REQUEST"
        } else {
            "RESPONSE"
        }));
    }
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
#[derive(Clone, Debug, PartialEq)]
pub struct MaskWriteRecord {
    pub head: MessageHead,
    pub address: u16,
    pub and_mask: u16,
    pub or_mask: u16,
}

impl LogRecord for MaskWriteRecord {
    const PATH: &'static str = "modbus_mask_write_register";
    fn fields() -> &'static [Field] {
        &MASK_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        self.head.values(out);
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
#[derive(Clone, Debug, PartialEq)]
pub struct ReadWriteRecord {
    pub head: MessageHead,
    pub write_start_address: Option<u64>,
    pub write_registers: Option<Vec<u64>>,
    pub read_start_address: Option<u64>,
    pub read_quantity: Option<u64>,
    pub read_registers: Option<Vec<u64>>,
}

impl LogRecord for ReadWriteRecord {
    const PATH: &'static str = "modbus_read_write_multiple_registers";
    fn fields() -> &'static [Field] {
        &RW_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        self.head.values(out);
        out.push(opt_count(self.write_start_address));
        out.push(opt_counts(&self.write_registers));
        out.push(opt_count(self.read_start_address));
        out.push(opt_count(self.read_quantity));
        out.push(opt_counts(&self.read_registers));
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
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceIdRecord {
    pub head: MessageHead,
    pub conformity_level_code: Option<String>,
    pub conformity_level: Option<String>,
    pub device_id_code: u8,
    pub object_id_code: String,
    pub object_id: String,
    pub object_value: Option<Vec<u8>>,
}

impl LogRecord for DeviceIdRecord {
    const PATH: &'static str = "modbus_read_device_identification";
    fn fields() -> &'static [Field] {
        &DEVICE_ID_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        self.head.values(out);
        out.push(Value::Ref("READ-DEVICE-IDENTIFICATION"));
        out.push(opt_str(&self.conformity_level_code));
        out.push(opt_str(&self.conformity_level));
        out.push(Value::Count(u64::from(self.device_id_code)));
        out.push(Value::Ref(&self.object_id_code));
        out.push(Value::Ref(&self.object_id));
        out.push(
            self.object_value
                .clone()
                .map(Value::Bytes)
                .unwrap_or(Value::Unset),
        );
    }
}
