//! Records → observations. The only place that knows which log record
//! types carry what the inventory and the baseline need.

use super::{ModbusRange, Obs, Request};
use crate::analyzers::enip::{CipIdentityRecord, CipIoRecord, CipRecord, EnipRecord};
use crate::analyzers::modbus::{DetailedRecord, DeviceIdRecord};
use crate::analyzers::opcua::OpcuaRecord;
use crate::event::Event;
use crate::flow::Dir;
use crate::inventory::{CipIdentity, OpcUaIdentity};
use crate::output::bytes_text;
use crate::record::Record;

/// The observations a record carries (most carry none).
pub fn observations(rec: &Record) -> Vec<Obs> {
    match rec {
        Record::Event(e) => event(e).into_iter().collect(),
        Record::Conn(c) => vec![Obs::End(c.clone())],
        Record::Weird(_) => Vec::new(),
        Record::Log(l) => {
            let any = l.as_any();
            if let Some(r) = any.downcast_ref::<DetailedRecord>() {
                modbus(r).map(Obs::Request).into_iter().collect()
            } else if let Some(r) = any.downcast_ref::<CipRecord>() {
                cip(r).map(Obs::Request).into_iter().collect()
            } else if let Some(r) = any.downcast_ref::<EnipRecord>() {
                enip(r).map(Obs::Request).into_iter().collect()
            } else if let Some(r) = any.downcast_ref::<CipIoRecord>() {
                let (sender, ..) = r.head.id.endpoints(r.head.dir);
                vec![Obs::CipIo {
                    ts: r.head.ts,
                    sender,
                }]
            } else if let Some(r) = any.downcast_ref::<CipIdentityRecord>() {
                vec![cip_identity(r)]
            } else if let Some(r) = any.downcast_ref::<DeviceIdRecord>() {
                modbus_object(r).into_iter().collect()
            } else if let Some(r) = any.downcast_ref::<OpcuaRecord>() {
                opcua(r).map(Obs::Request).into_iter().collect()
            } else {
                Vec::new()
            }
        }
    }
}

fn event(e: &Event) -> Option<Obs> {
    Some(match e {
        Event::ConnStart(c) => Obs::Start {
            ts: c.ts,
            uid: c.uid.clone(),
            orig: c.orig_h,
            resp: c.resp_h,
            sender: if c.first_from_orig {
                c.orig_h
            } else {
                c.resp_h
            },
            mac: c.mac,
            vlan: c.vlan,
        },
        Event::OpcUaApplication(a) => Obs::OpcUaApplication {
            ts: a.ts,
            host: a.host,
            identity: OpcUaIdentity {
                application_uri: a.application_uri.clone(),
                product_uri: a.product_uri.clone(),
                application_name: a.application_name.clone(),
                application_type: match a.application_type {
                    0 => "Server",
                    1 => "Client",
                    2 => "ClientAndServer",
                    3 => "DiscoveryServer",
                    _ => "Unknown",
                }
                .to_string(),
            },
        },
    })
}

/// The table a Modbus function reads or writes.
fn modbus_table(func: &str) -> &'static str {
    if func.contains("COIL") {
        "coils"
    } else if func.contains("DISCRETE_INPUTS") {
        "discrete_inputs"
    } else if func.contains("INPUT_REGISTERS") {
        "input_registers"
    } else if func.contains("REGISTER") {
        "holding_registers"
    } else if func.contains("FILE_RECORD") {
        "file_records"
    } else {
        "other"
    }
}

fn modbus(r: &DetailedRecord) -> Option<Box<Request>> {
    let id = r.id.as_ref()?;
    let func = r.func.trim_end_matches("_EXCEPTION").to_string();
    let write = func.contains("WRITE");
    let engineering = func.starts_with("PROGRAM")
        || func == "FIRMWARE_REPLACEMENT"
        || func == "WRITE_FILE_RECORD";
    let modbus = match (r.address, r.quantity) {
        (Some(start), q) => Some(ModbusRange {
            unit: r.unit,
            table: modbus_table(&func),
            start,
            count: q.unwrap_or(1).max(1),
        }),
        _ => None,
    };
    Some(Box::new(Request {
        ts: r.ts,
        uid: id.uid.clone(),
        client: id.orig_h,
        client_port: id.orig_p,
        server: id.resp_h,
        port: id.resp_p,
        protocol: "modbus",
        identification: func == "ENCAP_INTERFACE_TRANSPORT" || func == "REPORT_SLAVE_ID",
        function: func,
        write,
        modbus,
        engineering,
    }))
}

/// CIP services that change a device's state or program.
const CIP_WRITES: [&str; 9] = [
    "Set_Attribute",
    "Write",
    "Read_Modify_Write",
    "Reset",
    "Start",
    "Stop",
    "Apply_Attributes",
    "Create",
    "Delete",
];
/// CIP services and classes of programming and configuration.
const CIP_ENGINEERING: [&str; 7] = [
    "Reset",
    "Start",
    "Stop",
    "Set_Attribute_All",
    "Execute_PCCC",
    "Initiate_Upload",
    "Initiate_Download",
];

fn cip(r: &CipRecord) -> Option<Box<Request>> {
    let h = r.head.as_ref()?;
    // Requests only; Multiple Service Packets give one row per embedded
    // service as well, which is what the baseline keys on.
    if r.is_response || h.dir != Dir::Orig {
        return None;
    }
    let function = match &r.class_name {
        Some(c) => format!("{}/{}", r.service, c),
        None => r.service.clone(),
    };
    Some(Box::new(Request {
        ts: h.ts,
        uid: h.id.uid.clone(),
        client: h.id.orig_h,
        client_port: h.id.orig_p,
        server: h.id.resp_h,
        port: h.id.resp_p,
        protocol: "cip",
        write: CIP_WRITES.iter().any(|w| r.service.contains(w)),
        engineering: CIP_ENGINEERING.iter().any(|w| r.service.contains(w))
            || r.class_name.as_deref() == Some("File"),
        identification: false,
        function,
        modbus: None,
    }))
}

fn enip(r: &EnipRecord) -> Option<Box<Request>> {
    let h = &r.head;
    // Requests of the encapsulation layer that ask hosts who they are.
    if h.dir != Dir::Orig || !matches!(r.command, "List Identity" | "List Services") {
        return None;
    }
    Some(Box::new(Request {
        ts: h.ts,
        uid: h.id.uid.clone(),
        client: h.id.orig_h,
        client_port: h.id.orig_p,
        server: h.id.resp_h,
        port: h.id.resp_p,
        protocol: "enip",
        function: r.command.to_string(),
        write: false,
        modbus: None,
        engineering: false,
        identification: true,
    }))
}

fn cip_identity(r: &CipIdentityRecord) -> Obs {
    let (host, ..) = r.head.id.endpoints(r.head.dir);
    Obs::CipIdentity {
        ts: r.head.ts,
        host,
        identity: CipIdentity {
            vendor: r.vendor_name.clone(),
            device_type: r.device_type_name.clone(),
            product_code: r.product_code,
            revision: format!("{}.{}", r.revision.0, r.revision.1),
            serial_number: format!("0x{:08x}", r.serial_number),
            product_name: bytes_text(&r.product_name),
            status: format!("0x{:04x}", r.device_status),
            state: cip_state(r.device_state).to_string(),
        },
    }
}

/// The Identity object's State attribute (CIP Vol. 1, 5A-2.2).
fn cip_state(s: u8) -> &'static str {
    match s {
        0 => "Nonexistent",
        1 => "Device Self Testing",
        2 => "Standby",
        3 => "Operational",
        4 => "Major Recoverable Fault",
        5 => "Major Unrecoverable Fault",
        255 => "Default for Get_Attributes_All",
        _ => "Reserved",
    }
}

fn modbus_object(r: &DeviceIdRecord) -> Option<Obs> {
    let value = r.object_value.as_ref()?;
    if r.head.is_request {
        return None;
    }
    Some(Obs::ModbusObject {
        ts: r.head.ts,
        host: r.head.id.resp_h,
        name: r.object_id.clone(),
        value: bytes_text(value),
    })
}

fn opcua(r: &OpcuaRecord) -> Option<Box<Request>> {
    let name = r.req.as_ref()?.service.as_ref()?.name?;
    let function = name.trim_end_matches("Request");
    let write = matches!(
        function,
        "Write"
            | "Call"
            | "AddNodes"
            | "DeleteNodes"
            | "AddReferences"
            | "DeleteReferences"
            | "HistoryUpdate"
    );
    let engineering = matches!(
        function,
        "AddNodes" | "DeleteNodes" | "AddReferences" | "DeleteReferences"
    );
    Some(Box::new(Request {
        ts: r.ts,
        uid: r.id.uid.clone(),
        client: r.id.orig_h,
        client_port: r.id.orig_p,
        server: r.id.resp_h,
        port: r.id.resp_p,
        protocol: "opcua-binary",
        function: function.to_string(),
        write,
        modbus: None,
        engineering,
        identification: matches!(function, "GetEndpoints" | "FindServers"),
    }))
}
