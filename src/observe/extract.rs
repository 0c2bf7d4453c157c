//! Records → observations. The only place that knows which log record
//! types carry what the inventory and the baseline need.

use super::{Detail, EnipMessage, ModbusRange, Obs, OpcUaActivate, OpcUaChannel, Request};
use crate::event::enip::{Encapsulation, Identity};
use crate::event::opcua::{
    IdentityKind, Message, MessageType, Request as OpcUaRequest, RequestBody,
};
use crate::event::{Event, Record};
use crate::flow::Dir;
use crate::inventory::{CipIdentity, OpcUaIdentity};
use crate::logs::enip::CipRow;
use crate::output::bytes_text;
use std::borrow::Cow;
use std::collections::HashMap;

/// Adds the observations a record carries (most carry none) to `out`.
pub fn observations(rec: &Record, out: &mut Vec<Obs>) {
    match rec {
        Record::Event(Event::Enip(m)) => {
            out.push(Obs::Enip(Box::new(EnipMessage {
                ts: m.head.ts,
                id: m.head.id.clone(),
                dir: m.head.dir,
                command: m.command,
                status: m.status,
            })));
            out.extend(enip(m).map(Obs::Request));
        }
        Record::Event(Event::Cip(m)) => crate::logs::enip::cip_rows(m, &mut |r| {
            out.extend(cip(r).map(Obs::Request));
        }),
        Record::Event(Event::CipIo(m)) => {
            let (sender, ..) = m.head.id.endpoints(m.head.dir);
            out.push(Obs::CipIo {
                ts: m.head.ts,
                sender,
            });
        }
        Record::Event(Event::CipIdentity(m)) => out.push(cip_identity(m)),
        Record::Event(Event::OpcUaMessage(m)) => {
            out.extend(opcua(m).map(Obs::Request));
            out.extend(opcua_channel(m));
        }
        Record::Event(Event::OpcUaRequest(r)) => out.extend(opcua_activate(r)),
        Record::Event(e) => out.extend(event(e)),
    }
}

fn event(e: &Event) -> Option<Obs> {
    Some(match e {
        Event::ConnStart(c) => Obs::Start(c.clone()),
        Event::Conn(c) => Obs::End(c.clone()),
        Event::ModbusUmas(u) => Obs::Umas(u.clone()),
        Event::ModbusTransaction(t) => return modbus(t).map(Obs::Request),
        Event::ModbusDeviceId(d) => return modbus_object(d),
        Event::ModbusHeader(_) | Event::ModbusMaskWrite(_) | Event::ModbusReadWrite(_) => {
            return None
        }
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
        Event::Enip(_) | Event::Cip(_) | Event::CipIo(_) | Event::CipIdentity(_) => return None,
        Event::OpcUaMessage(_) | Event::OpcUaRequest(_) | Event::OpcUaResponse(_) => return None,
        Event::Weird(_)
        | Event::Notice(_)
        | Event::Alert(_)
        | Event::Stats(_)
        | Event::CaptureLoss(_) => return None,
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

/// What the baseline and the rules take from a Modbus function byte
/// (exception bit included), read from its name as logged.
#[derive(Debug)]
struct ModbusFunction {
    /// The name without its `_EXCEPTION` suffix (Zeek's names, or
    /// `unknown-N`).
    name: Cow<'static, str>,
    /// The function code the name stands for.
    code: u8,
    table: &'static str,
    write: bool,
    engineering: bool,
    identification: bool,
}

impl ModbusFunction {
    fn of(fc: u8, codes: &HashMap<Cow<'static, str>, u8>) -> ModbusFunction {
        let name = match otwatch_parsers::modbus::names::func_name(fc) {
            Cow::Borrowed(n) => Cow::Borrowed(n.trim_end_matches("_EXCEPTION")),
            Cow::Owned(n) => Cow::Owned(n.trim_end_matches("_EXCEPTION").to_string()),
        };
        // A name's code: the last byte of that name (as Zeek's names
        // table is read), or the number of `unknown-N`.
        let code = codes.get(&name).copied().unwrap_or_else(|| {
            name.strip_prefix("unknown-")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        });
        ModbusFunction {
            code,
            table: modbus_table(&name),
            write: name.contains("WRITE"),
            engineering: name.starts_with("PROGRAM")
                || name == "FIRMWARE_REPLACEMENT"
                || name == "WRITE_FILE_RECORD",
            identification: name == "ENCAP_INTERFACE_TRANSPORT" || name == "REPORT_SLAVE_ID",
            name,
        }
    }

    /// The function of each byte, worked out once: every logged Modbus
    /// transaction is an observation.
    fn table() -> &'static [ModbusFunction] {
        use std::sync::OnceLock;
        static TABLE: OnceLock<Vec<ModbusFunction>> = OnceLock::new();
        TABLE.get_or_init(|| {
            let codes = (0..=255u8)
                .map(|c| (otwatch_parsers::modbus::names::func_name(c), c))
                .collect();
            (0..=255u8)
                .map(|fc| ModbusFunction::of(fc, &codes))
                .collect()
        })
    }
}

fn modbus(t: &crate::event::modbus::Transaction) -> Option<Box<Request>> {
    let r = crate::logs::modbus::detailed_row(t);
    let f = ModbusFunction::table().get(usize::from(r.fc))?;
    let detail = Detail::Modbus {
        unit: r.unit,
        function: f.code,
        subfunction: r.request_subfunction_code,
        exception: r.exception_code.is_some(),
    };
    let modbus = match (r.address, r.quantity) {
        (Some(start), q) => Some(ModbusRange {
            unit: r.unit,
            table: f.table,
            start,
            count: q.unwrap_or(1).max(1),
        }),
        _ => None,
    };
    Some(Box::new(Request {
        ts: r.ts,
        id: r.id,
        protocol: "modbus",
        identification: f.identification,
        function: f.name.clone(),
        write: f.write,
        modbus,
        engineering: f.engineering,
        detail,
    }))
}

/// CIP services that change a device's state or program (matched in
/// ODVA's service names, spaces read as underscores).
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
/// CIP services of programming and configuration (and the File class).
const CIP_ENGINEERING: [&str; 7] = [
    "Reset",
    "Start",
    "Stop",
    "Set_Attributes_All",
    "Execute_PCCC",
    "Initiate_Upload",
    "Initiate_Download",
];

/// Whether a CIP service writes, and whether it programs or configures,
/// from its name. The logged names are ICSNPP's ("Set Attributes Single")
/// or the class tables' ("Write Tag", "Forward_Open"); the class-aware
/// ODVA name is read instead, with spaces as underscores, so one spelling
/// of the patterns covers every table.
fn cip_flags_of_name(name: &str) -> (bool, bool) {
    let name = name.replace(' ', "_");
    (
        CIP_WRITES.iter().any(|w| name.contains(w)),
        CIP_ENGINEERING.iter().any(|w| name.contains(w)),
    )
}

/// [`cip_flags_of_name`] of a service code (reply bit ignored) and class,
/// worked out once for the common services and the classes the name
/// tables know (every logged CIP request is an observation).
fn cip_flags(code: u8, class: Option<u32>) -> (bool, bool) {
    use otwatch_parsers::enip::names::{class as c, service_name};
    use std::sync::OnceLock;
    type Specific = HashMap<(u32, u8), (bool, bool)>;
    static TABLES: OnceLock<(Vec<(bool, bool)>, Specific)> = OnceLock::new();
    let (common, specific) = TABLES.get_or_init(|| {
        let common = (0..0x4Bu8)
            .map(|s| cip_flags_of_name(&service_name(None, s)))
            .collect();
        let classes = [
            c::IDENTITY,
            c::MESSAGE_ROUTER,
            c::CONNECTION_MANAGER,
            c::FILE,
            c::MODBUS,
            c::PCCC,
            c::SYMBOL,
            c::TEMPLATE,
            c::CONNECTION_CONFIGURATION,
        ];
        let specific = classes
            .iter()
            .flat_map(|&k| (0x4Bu8..0x80).map(move |s| (k, s)))
            .map(|(k, s)| ((k, s), cip_flags_of_name(&service_name(Some(k), s))))
            .collect();
        (common, specific)
    });
    let code = code & 0x7F;
    if let Some(f) = common.get(usize::from(code)) {
        return *f;
    }
    match class.and_then(|k| specific.get(&(k, code))) {
        Some(f) => *f,
        None => cip_flags_of_name(&service_name(class, code)),
    }
}

fn cip(r: &CipRow) -> Option<Box<Request>> {
    let h = r.head.as_ref()?;
    // Requests only; Multiple Service Packets give one row per embedded
    // service as well, which is what the baseline keys on.
    if r.is_response || h.dir != Dir::Orig {
        return None;
    }
    // `join`, not `format!` (~1,500 instructions per request).
    let function = match &r.class_name {
        Some(c) => [&*r.service, c].join("/"),
        None => r.service.to_string(),
    };
    let (write, engineering) = cip_flags(r.service_code, r.class_id);
    Some(Box::new(Request {
        ts: h.ts,
        id: h.id.clone(),
        protocol: "cip",
        write,
        engineering: engineering || r.class_name == Some("File"),
        identification: false,
        function: function.into(),
        modbus: None,
        detail: Detail::Cip {
            service: r.service_code,
            class: r.class_id,
            instance: r.instance_id,
            attribute: r.attribute_id,
        },
    }))
}

fn enip(r: &Encapsulation) -> Option<Box<Request>> {
    let h = &r.head;
    let command = otwatch_parsers::enip::names::command_name(r.command);
    // Requests of the encapsulation layer that ask hosts who they are.
    if h.dir != Dir::Orig || !matches!(command, "List Identity" | "List Services") {
        return None;
    }
    Some(Box::new(Request {
        ts: h.ts,
        id: h.id.clone(),
        protocol: "enip",
        function: Cow::Borrowed(command),
        write: false,
        modbus: None,
        engineering: false,
        identification: true,
        detail: Detail::Enip { command: r.command },
    }))
}

fn cip_identity(r: &Identity) -> Obs {
    use otwatch_parsers::enip::names;
    let (host, _, asker, _) = r.head.id.endpoints(r.head.dir);
    Obs::CipIdentity {
        ts: r.head.ts,
        host,
        vendor_id: r.vendor_id,
        device_type_id: r.device_type,
        asker,
        id: r.head.id.clone(),
        identity: CipIdentity {
            vendor: names::vendor_name(r.vendor_id).into_owned(),
            device_type: names::device_type_name(r.device_type).into_owned(),
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

fn modbus_object(r: &crate::event::modbus::DeviceId) -> Option<Obs> {
    let crate::event::modbus::DeviceId::Object {
        head,
        object_id,
        value,
        ..
    } = r
    else {
        return None;
    };
    Some(Obs::ModbusObject {
        ts: head.ts,
        host: head.id.resp_h,
        name: crate::logs::modbus::object_name(*object_id).to_string(),
        value: bytes_text(value),
    })
}

fn opcua(r: &Message) -> Option<Box<Request>> {
    let id = r.request.as_ref()?.service.as_ref()?.numeric()?;
    let name = crate::logs::opcua::service_name(id)?;
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
        id: r.id.clone(),
        protocol: "opcua-binary",
        function: Cow::Borrowed(function),
        write,
        modbus: None,
        engineering,
        identification: matches!(function, "GetEndpoints" | "FindServers"),
        detail: Detail::None,
    }))
}

/// The OpenSecureChannel request of a summary row (the policy is in the
/// clear asymmetric header; the mode only on unsecured channels).
fn opcua_channel(r: &Message) -> Option<Obs> {
    if r.message_type != MessageType::Open || r.request.is_none() {
        return None;
    }
    let policy = r.open.as_ref().and_then(|o| o.security_policy_uri.clone());
    let mode = policy
        .as_deref()
        .filter(|p| p.ends_with("#None"))
        .map(|_| 1);
    Some(Obs::OpcUaChannel(Box::new(OpcUaChannel {
        ts: r.ts,
        id: r.id.clone(),
        policy,
        mode,
    })))
}

/// The identity of an ActivateSession request.
fn opcua_activate(r: &OpcUaRequest) -> Option<Obs> {
    let RequestBody::ActivateSession(a) = &r.body else {
        return None;
    };
    let h = &r.head;
    let token = match a.token_kind() {
        IdentityKind::Anonymous => "anonymous",
        IdentityKind::UserName => "username",
        IdentityKind::Certificate => "certificate",
        IdentityKind::Issued => "issued",
        IdentityKind::Other => "unknown",
    };
    Some(Obs::OpcUaActivate(Box::new(OpcUaActivate {
        ts: h.ts,
        id: h.id.clone(),
        token,
        user_name: a.user_name().map(str::to_string),
        secret: a.secret_sent(),
        encrypted: a.encrypted(),
    })))
}

#[cfg(test)]
mod tests {
    use super::cip_flags;

    /// Regression: the patterns were matched in the logged names, whose
    /// common services are spelt with spaces ("Set Attributes Single"),
    /// so no Set service of CIP counted as a write, and Execute PCCC was
    /// not engineering.
    #[test]
    fn cip_services_that_write_and_program() {
        let symbol = Some(0x6B);
        for (code, class, write, engineering) in [
            (0x01, None, false, false),       // Get_Attributes_All
            (0x02, None, true, true),         // Set_Attributes_All
            (0x10, Some(0x01), true, false),  // Set_Attribute_Single
            (0x04, None, true, false),        // Set_Attribute_List
            (0x05, Some(0x01), true, true),   // Reset
            (0x0E, None, false, false),       // Get_Attribute_Single
            (0x4C, symbol, false, false),     // Read Tag
            (0x4D, symbol, true, false),      // Write Tag
            (0x4E, symbol, true, false),      // Read Modify Write Tag
            (0x4B, Some(0x67), false, true),  // Execute PCCC
            (0x4C, Some(0x37), false, true),  // Initiate_Download
            (0x54, Some(0x06), false, false), // Forward_Open
            (0x4D, Some(0x1234), false, false),
            (0x4D, None, false, false),
            (0x90, None, true, false), // the reply bit: Set_Attribute_Single
        ] {
            assert_eq!(
                cip_flags(code, class),
                (write, engineering),
                "{code:#x} {class:?}"
            );
        }
    }
}
