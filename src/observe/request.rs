//! Control-protocol requests, as the baseline keys its edges' functions,
//! as the inventory counts what a device sent and served, and as rules
//! match them: a borrowed view of the event that carries the request,
//! classified by protocol codes (never by a logged name).

use crate::event::enip::{Carried, Cip, Embedded, Encapsulation, Path};
use crate::event::modbus::Transaction;
use crate::event::opcua::RequestBody;
use crate::event::{ConnId, Dir, Event};
use crate::time::Ts;
use std::borrow::Cow;

/// The protocols requests are keyed by (the names of `conn.log`'s
/// `service` column, which the baseline's edges share).
pub const MODBUS: &str = "modbus";
pub const CIP: &str = "cip";
pub const ENIP: &str = "enip";
pub const OPCUA: &str = "opcua-binary";
pub const S7COMM: &str = "s7comm";

/// What a request asks: the protocol's own codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    /// A Modbus function code, and the DIAGNOSTICS sub-function or the
    /// Encapsulated Interface Transport's MEI type (which say what the
    /// function does).
    Modbus(u8, Option<u16>),
    /// A CIP service (without the reply bit) to a path's class (the class
    /// segment, which names the object), and the class that names a
    /// class-specific service (the path's class, or the Logix symbol class
    /// of a tag).
    Cip {
        service: u8,
        class: Option<u32>,
        naming_class: Option<u32>,
    },
    /// An EtherNet/IP encapsulation command.
    Enip(u16),
    /// An OPC UA service, by name without its `Request` suffix.
    OpcUa(&'static str),
    /// An S7comm Job function, and the PI service a PLC Control starts.
    S7 {
        function: u8,
        pi: Option<crate::event::s7::PiService>,
    },
    /// An S7comm Userdata request: its function group and subfunction.
    S7Userdata { group: u8, subfunction: u8 },
}

impl Function {
    /// The protocol the request is keyed by.
    pub fn protocol(&self) -> &'static str {
        match self {
            Function::Modbus(..) => MODBUS,
            Function::Cip { .. } => CIP,
            Function::Enip(_) => ENIP,
            Function::OpcUa(_) => OPCUA,
            Function::S7 { .. } | Function::S7Userdata { .. } => S7COMM,
        }
    }

    /// The application protocol of the edge the request is on: CIP
    /// travels in EtherNet/IP, so both are one edge.
    pub fn edge_protocol(&self) -> &'static str {
        match self {
            Function::Cip { .. } | Function::Enip(_) => ENIP,
            f => f.protocol(),
        }
    }

    /// The function's name as the baseline keys it and notices show it:
    /// Zeek's Modbus function names (with the DIAGNOSTICS sub-function's or
    /// the MEI type's, `DIAGNOSTICS/Restart Communications Option`), the
    /// CIP service and class names of `cip.log` (`service/class`), the
    /// EtherNet/IP command names of `enip.log`, the OPC UA service name.
    pub fn name(&self) -> Cow<'static, str> {
        use crate::logs::{enip::names as e, modbus::names as m};
        match *self {
            Function::Modbus(code, sub) => {
                let name = match m::function_name(code) {
                    Some(n) => Cow::Borrowed(n),
                    None => Cow::Owned(format!("unknown-{code}")),
                };
                match sub {
                    None => name,
                    Some(s) if code == DIAGNOSTICS => {
                        Cow::Owned([&*name, &m::diagnostic_subfunction_name(s)].join("/"))
                    }
                    Some(s) => Cow::Owned([&*name, &m::mei_type_name(s as u8, true)].join("/")),
                }
            }
            Function::Cip {
                service,
                class,
                naming_class,
            } => {
                let service = crate::logs::enip::service_name(naming_class, service);
                match class {
                    // `join`, not `format!` (~1,500 instructions per request).
                    Some(c) => Cow::Owned([&*service, e::class_name(c)].join("/")),
                    None => service,
                }
            }
            Function::Enip(command) => Cow::Borrowed(e::command_name(command)),
            Function::OpcUa(name) => Cow::Borrowed(name),
            Function::S7 { function, pi } => {
                let name = crate::logs::s7::names::function_name(function);
                match pi {
                    Some(pi) => Cow::Owned([name, pi.as_str()].join("/")),
                    None => Cow::Borrowed(name),
                }
            }
            Function::S7Userdata { group, subfunction } => {
                use crate::logs::s7::names as s;
                Cow::Owned(
                    [
                        s::userdata_group_name(group),
                        &s::subfunction_name(group, subfunction),
                    ]
                    .join("/"),
                )
            }
        }
    }
}

/// The Modbus data tables (Modbus Application Protocol v1.1b3, 4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModbusTable {
    Coils,
    DiscreteInputs,
    HoldingRegisters,
    InputRegisters,
    FileRecords,
    Other,
}

impl ModbusTable {
    pub fn as_str(self) -> &'static str {
        match self {
            ModbusTable::Coils => "coils",
            ModbusTable::DiscreteInputs => "discrete_inputs",
            ModbusTable::HoldingRegisters => "holding_registers",
            ModbusTable::InputRegisters => "input_registers",
            ModbusTable::FileRecords => "file_records",
            ModbusTable::Other => "other",
        }
    }

    /// The table a function code reads or writes.
    pub fn of(code: u8) -> ModbusTable {
        match code {
            0x01 | 0x05 | 0x0F => ModbusTable::Coils,
            0x02 => ModbusTable::DiscreteInputs,
            0x03 | 0x06 | 0x10 | 0x16 | 0x17 => ModbusTable::HoldingRegisters,
            0x04 => ModbusTable::InputRegisters,
            0x14 | 0x15 => ModbusTable::FileRecords,
            _ => ModbusTable::Other,
        }
    }
}

/// The address range of a Modbus request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModbusRange {
    pub unit: u8,
    pub table: ModbusTable,
    pub start: u64,
    pub count: u64,
}

/// The numbers of a request that rules match on besides its function.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Detail {
    #[default]
    None,
    Modbus {
        unit: u8,
        /// DIAGNOSTICS sub-function.
        subfunction: Option<u16>,
    },
    Cip {
        instance: Option<u32>,
        attribute: Option<u32>,
        /// The tag a symbolic path names.
        tag: Option<crate::event::enip::Tag>,
    },
}

/// A tag's name as text (bytes that are not UTF-8 replaced), `...` after
/// one cut at its cap.
pub fn tag_name(t: &crate::event::enip::Tag) -> String {
    let mut s = String::from_utf8_lossy(t.as_bytes()).into_owned();
    if t.is_cut() {
        s.push_str("...");
    }
    s
}

/// What a function does to the server, as an analyst sorts actions: the
/// deviation detector reports each class a new client uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FunctionClass {
    /// Reads values, browses, subscribes.
    Read,
    /// Changes values or calls methods.
    Write,
    /// Reads or resets diagnostic counters.
    Diagnostics,
    /// Restarts the device or its communications, or silences it.
    Restart,
    /// Asks the device who it is.
    Identification,
    /// Programs, configures, changes the mode or the firmware.
    Engineering,
    /// Sets up or tears down a session or connection, or carries other
    /// requests.
    Session,
    /// A function otwatch does not know.
    Other,
}

impl FunctionClass {
    pub fn name(self) -> &'static str {
        match self {
            FunctionClass::Read => "read",
            FunctionClass::Write => "write",
            FunctionClass::Diagnostics => "diagnostics",
            FunctionClass::Restart => "restart",
            FunctionClass::Identification => "identification",
            FunctionClass::Engineering => "engineering",
            FunctionClass::Session => "session",
            FunctionClass::Other => "other",
        }
    }

    /// Changes what the server holds or does: each function of these
    /// classes is reported on its own.
    pub fn acts(self) -> bool {
        matches!(
            self,
            FunctionClass::Write | FunctionClass::Restart | FunctionClass::Engineering
        )
    }

    /// A Modbus function (with its DIAGNOSTICS sub-function or MEI type).
    pub fn modbus(code: u8, sub: Option<u16>) -> FunctionClass {
        let (write, engineering, identification) = modbus_kind(code);
        match code {
            // Restart Communications, Force Listen Only Mode.
            DIAGNOSTICS if matches!(sub, Some(0x01 | 0x04)) => FunctionClass::Restart,
            // Diagnostics, Read Exception Status, the event counter and log.
            DIAGNOSTICS | 0x07 | 0x0B | 0x0C => FunctionClass::Diagnostics,
            // Read Device Identification (MEI 14); CANopen (13) is a
            // gateway to another bus.
            0x2B if sub != Some(0x0E) => FunctionClass::Other,
            _ if engineering => FunctionClass::Engineering,
            _ if write => FunctionClass::Write,
            _ if identification => FunctionClass::Identification,
            0x01..=0x04 | 0x14 | 0x18 => FunctionClass::Read,
            _ => FunctionClass::Other,
        }
    }

    /// A CIP service to the object of `class` (the reply bit ignored).
    pub fn cip(service: u8, class: Option<u32>) -> FunctionClass {
        use otwatch_parsers::enip::cip::class as c;
        let (write, engineering) = cip_kind(service, class);
        let service = service & 0x7F;
        match (class, service) {
            // Reset of the Identity object: the device restarts.
            (Some(c::IDENTITY), 0x05) => FunctionClass::Restart,
            _ if engineering => FunctionClass::Engineering,
            _ if write => FunctionClass::Write,
            // Forward Open, Large Forward Open, Forward Close; Multiple
            // Service Packet and Unconnected Send carry other requests.
            (Some(c::CONNECTION_MANAGER), 0x4E | 0x52 | 0x54 | 0x5B) | (_, 0x0A) => {
                FunctionClass::Session
            }
            (Some(c::IDENTITY), 0x01 | 0x0E) => FunctionClass::Identification,
            // Get_Attributes_All, Get_Attribute_List, Get_Attribute_Single.
            (_, 0x01 | 0x03 | 0x0E) => FunctionClass::Read,
            // Read Tag, Read Tag Fragmented, Get Instance Attribute List.
            (Some(c::SYMBOL), 0x4C | 0x52 | 0x55) => FunctionClass::Read,
            // Read Template.
            (Some(c::TEMPLATE), 0x4C) => FunctionClass::Read,
            _ => FunctionClass::Other,
        }
    }

    /// An S7comm Job function (with PLC Control's PI service).
    pub fn s7(function: u8, pi: Option<crate::event::s7::PiService>) -> FunctionClass {
        use crate::event::s7::PiService;
        match function {
            0x04 => FunctionClass::Read,
            0x05 => FunctionClass::Write,
            // PLC Stop halts the process; so does a PLC Control that
            // starts the program over.
            0x29 => FunctionClass::Restart,
            0x28 if pi == Some(PiService::Program) => FunctionClass::Restart,
            // Downloads, uploads, and the other PI services (activate or
            // delete blocks, compress or copy the memory).
            0x1A..=0x1F | 0x28 => FunctionClass::Engineering,
            0xF0 => FunctionClass::Session,
            _ => FunctionClass::Other,
        }
    }

    /// An S7comm Userdata request, by function group and subfunction
    /// (`packet-s7comm.c`, `userdata_functiongroup_names` and the
    /// subfunction tables).
    pub fn s7_userdata(group: u8, subfunction: u8) -> FunctionClass {
        let (write, engineering, identification) = s7_userdata_kind(group, subfunction);
        match group {
            _ if identification => FunctionClass::Identification,
            _ if engineering => FunctionClass::Engineering,
            _ if write => FunctionClass::Write,
            // Programmer commands read block and variable status; CPU
            // functions other than Read SZL are alarms and diagnostics.
            0x1 | 0x4 => FunctionClass::Diagnostics,
            // Cyclic data, block lists and information, clock reads.
            0x2 | 0x3 | 0x7 => FunctionClass::Read,
            // Password handling.
            0x5 => FunctionClass::Session,
            _ => FunctionClass::Other,
        }
    }

    /// An OPC UA service, by name without its `Request` suffix.
    pub fn opcua(service: &str) -> FunctionClass {
        let (write, engineering, identification) = opcua_kind(service);
        if engineering {
            return FunctionClass::Engineering;
        }
        if write {
            return FunctionClass::Write;
        }
        if identification || service == "FindServersOnNetwork" {
            return FunctionClass::Identification;
        }
        match service {
            "OpenSecureChannel" | "CloseSecureChannel" | "CreateSession" | "ActivateSession"
            | "CloseSession" | "Cancel" => FunctionClass::Session,
            "Read"
            | "HistoryRead"
            | "Browse"
            | "BrowseNext"
            | "TranslateBrowsePathsToNodeIds"
            | "RegisterNodes"
            | "UnregisterNodes"
            | "QueryFirst"
            | "QueryNext"
            | "CreateSubscription"
            | "ModifySubscription"
            | "SetPublishingMode"
            | "Publish"
            | "Republish"
            | "TransferSubscriptions"
            | "DeleteSubscriptions"
            | "CreateMonitoredItems"
            | "ModifyMonitoredItems"
            | "SetMonitoringMode"
            | "SetTriggering"
            | "DeleteMonitoredItems" => FunctionClass::Read,
            _ => FunctionClass::Other,
        }
    }
}

/// Modbus's DIAGNOSTICS function.
const DIAGNOSTICS: u8 = 0x08;

/// A control-protocol request.
#[derive(Clone, Debug, PartialEq)]
pub struct Request<'e> {
    pub ts: Ts,
    /// The connection; the client is its originator.
    pub id: &'e ConnId,
    pub function: Function,
    pub class: FunctionClass,
    /// Changes state on the server (writes, sets, method calls, node
    /// management, program operations).
    pub write: bool,
    /// A programming or configuration operation (engineering evidence).
    pub engineering: bool,
    /// An identification request (ListIdentity, Read Device
    /// Identification, Report Slave ID, GetEndpoints, FindServers).
    pub identification: bool,
    /// Modbus: the register or coil range the request touches.
    pub modbus: Option<ModbusRange>,
    pub detail: Detail,
    /// OPC UA: the decoded request (the nodes written, the methods
    /// called).
    pub opcua: Option<&'e RequestBody>,
}

impl<'e> Request<'e> {
    /// A read of `function` on `id` at `ts` with nothing else to it: what
    /// tests start from.
    #[cfg(test)]
    pub(crate) fn read(ts: Ts, id: &'e ConnId, function: Function) -> Request<'e> {
        Request {
            ts,
            id,
            function,
            class: FunctionClass::Read,
            write: false,
            engineering: false,
            identification: false,
            modbus: None,
            detail: Detail::None,
            opcua: None,
        }
    }

    pub fn protocol(&self) -> &'static str {
        self.function.protocol()
    }
    pub fn client(&self) -> std::net::IpAddr {
        self.id.orig_h
    }
    pub fn server(&self) -> std::net::IpAddr {
        self.id.resp_h
    }
    /// The server's port.
    pub fn port(&self) -> u16 {
        self.id.resp_p
    }

    /// OPC UA: the NodeIds the request writes, and the methods it calls
    /// (as `object method`).
    pub fn opcua_objects(&self) -> (Vec<String>, Vec<String>) {
        match self.opcua {
            Some(RequestBody::Write(w)) => (
                w.written().map(|(n, _)| n.node_id.to_string()).collect(),
                Vec::new(),
            ),
            Some(RequestBody::Call(c)) => (
                Vec::new(),
                c.calls()
                    .map(|(o, m)| format!("{} {}", o.node_id, m.node_id))
                    .collect(),
            ),
            _ => (Vec::new(), Vec::new()),
        }
    }
}

/// What a Modbus function is, by code: (writes, programs or configures,
/// identifies).
pub fn modbus_kind(code: u8) -> (bool, bool, bool) {
    let write = matches!(code, 0x05 | 0x06 | 0x0F | 0x10 | 0x15 | 0x16 | 0x17);
    // Program functions of Modicon controllers and Schneider's Concept and
    // Unity, firmware replacement, file record writes.
    let engineering = matches!(code, 0x09 | 0x0D | 0x12 | 0x28 | 0x5A | 0x7E | 0x7D | 0x15);
    let identification = matches!(code, 0x11 | 0x2B);
    (write, engineering, identification)
}

/// What a CIP service does to the object it addresses (the reply bit
/// ignored), by code and the class that gives class-specific services
/// their meaning: (changes state, programs or configures).
pub fn cip_kind(service: u8, class: Option<u32>) -> (bool, bool) {
    use otwatch_parsers::enip::cip::class as c;
    let service = service & 0x7F;
    if service < 0x4B {
        // Common services (CIP Vol 1, Appendix A): the Set services,
        // Reset, Start, Stop, Create, Delete, Apply_Attributes write;
        // Set_Attributes_All, Reset, Start and Stop reconfigure a device.
        let write = matches!(
            service,
            0x02 | 0x04 | 0x05 | 0x06 | 0x07 | 0x08 | 0x09 | 0x0D | 0x10
        );
        let engineering = matches!(service, 0x02 | 0x05 | 0x06 | 0x07);
        return (write, engineering);
    }
    match (class.unwrap_or(u32::MAX), service) {
        // Write Tag, Read Modify Write Tag, Write Tag Fragmented.
        (c::SYMBOL, 0x4D | 0x4E | 0x53) => (true, false),
        // Write Coils, Write Holding Registers through the Modbus object.
        (c::MODBUS, 0x4F | 0x50) => (true, false),
        // Initiate_Partial_Write of a file.
        (c::FILE, 0x4E) => (true, false),
        // Initiate_Upload, Initiate_Download of a program file.
        (c::FILE, 0x4B | 0x4C) => (false, true),
        // Execute PCCC (mode changes, program and data access).
        (c::PCCC, 0x4B) => (false, true),
        // Stop_Connection, Change_Start of the Connection Configuration.
        (c::CONNECTION_CONFIGURATION, 0x4E | 0x4F) => (true, true),
        _ => (false, false),
    }
}

/// What an S7comm Job function does: (changes state, programs or
/// configures).
pub fn s7_kind(function: u8) -> (bool, bool) {
    match function {
        // Write Var.
        0x05 => (true, false),
        // Request Download, Download Block, Download Ended; PLC Control
        // and PLC Stop.
        0x1A..=0x1C | 0x28 | 0x29 => (true, true),
        // Start Upload, Upload, End Upload: the program leaves the CPU.
        0x1D..=0x1F => (false, true),
        _ => (false, false),
    }
}

/// What an S7comm Userdata request does: (changes state, programs or
/// configures, identifies).
pub fn s7_userdata_kind(group: u8, subfunction: u8) -> (bool, bool, bool) {
    match (group, subfunction) {
        // Programmer commands: Modify Variable, Force, Memory Reset,
        // Delete Job, Replace Job.
        (0x1, 0x08 | 0x09 | 0x0C | 0x0F | 0x12) => (true, true, false),
        // CPU functions: Read SZL.
        (0x4, 0x01) => (false, false, true),
        // Time functions: Set Clock (two forms).
        (0x7, 0x02 | 0x04) => (true, false, false),
        _ => (false, false, false),
    }
}

/// The requests of an S7comm PDU: a Job, or a Userdata request, sent by
/// the connection's originator (the client; port 102 is the server's).
fn s7(p: &crate::event::s7::Pdu) -> Option<Request<'_>> {
    use crate::event::s7::{Parameter, PiService};
    if p.sent.dir != Dir::Orig {
        return None;
    }
    let (function, class, (write, engineering, identification)) = match &p.parameter {
        Parameter::Function {
            code, pi_service, ..
        } if p.rosctr == 1 => {
            // PLC Stop names a PI service too (P_PROGRAM): only PLC
            // Control's starts one.
            let pi = pi_service
                .as_deref()
                .filter(|_| *code == 0x28)
                .map(PiService::of);
            let (w, e) = s7_kind(*code);
            (
                Function::S7 {
                    function: *code,
                    pi,
                },
                FunctionClass::s7(*code, pi),
                (w, e, false),
            )
        }
        Parameter::Userdata(u) if u.kind() == 0x4 => (
            Function::S7Userdata {
                group: u.group(),
                subfunction: u.subfunction,
            },
            FunctionClass::s7_userdata(u.group(), u.subfunction),
            s7_userdata_kind(u.group(), u.subfunction),
        ),
        _ => return None,
    };
    Some(Request {
        ts: p.sent.ts,
        id: &p.sent.id,
        function,
        class,
        write,
        engineering,
        identification,
        modbus: None,
        detail: Detail::None,
        opcua: None,
    })
}

/// OPC UA services that change the server's state, that change its
/// address space, that identify servers.
pub fn opcua_kind(service: &str) -> (bool, bool, bool) {
    let engineering = matches!(
        service,
        "AddNodes" | "DeleteNodes" | "AddReferences" | "DeleteReferences"
    );
    let write = engineering || matches!(service, "Write" | "Call" | "HistoryUpdate");
    let identification = matches!(service, "GetEndpoints" | "FindServers");
    (write, engineering, identification)
}

/// The request of a Modbus transaction, when the client's message was
/// seen (a response on its own is nobody's request).
pub fn modbus_request(t: &Transaction) -> Option<Request<'_>> {
    let q = t.request.as_ref()?;
    let code = q.function & !crate::event::modbus::EXCEPTION_BIT;
    let (write, engineering, identification) = modbus_kind(code);
    let body = q.body.get();
    let subfunction = match body {
        Some(crate::event::modbus::Request::Diagnostics { sub, .. }) => Some(*sub),
        _ => None,
    };
    let sub = match body {
        Some(crate::event::modbus::Request::Encap { mei, .. }) => Some(u16::from(*mei)),
        _ => subfunction,
    };
    Some(Request {
        ts: q.ts,
        id: &t.id,
        function: Function::Modbus(code, sub),
        class: FunctionClass::modbus(code, sub),
        write,
        engineering,
        identification,
        modbus: body.and_then(|b| b.address()).map(|start| ModbusRange {
            unit: q.unit,
            table: ModbusTable::of(code),
            start: u64::from(start),
            count: body.and_then(|b| b.quantity()).unwrap_or(1).max(1),
        }),
        detail: Detail::Modbus {
            unit: q.unit,
            subfunction,
        },
        opcua: None,
    })
}

/// A CIP request to `path`, classified by the object it reaches (the
/// Logix symbol class for a tag); File object requests are engineering
/// whatever the service.
fn cip<'e>(m: &'e Cip, service: u8, path: &Path) -> Request<'e> {
    use otwatch_parsers::enip::cip::class::FILE;
    let (write, engineering) = cip_kind(service, path.target_class());
    let engineering = engineering || path.class == Some(FILE);
    Request {
        ts: m.head.ts,
        id: &m.head.id,
        function: Function::Cip {
            service,
            class: path.class,
            naming_class: path.target_class(),
        },
        class: if path.class == Some(FILE) {
            FunctionClass::Engineering
        } else {
            FunctionClass::cip(service, path.target_class())
        },
        write,
        engineering,
        identification: false,
        modbus: None,
        detail: Detail::Cip {
            instance: path.instance,
            attribute: path.attribute,
            tag: path.tag,
        },
        opcua: None,
    }
}

/// The request of an encapsulation message: List Identity and List
/// Services ask hosts who they are.
fn enip(m: &Encapsulation) -> Option<Request<'_>> {
    (m.head.dir == Dir::Orig && matches!(m.command, 0x63 | 0x04)).then_some(Request {
        ts: m.head.ts,
        id: &m.head.id,
        function: Function::Enip(m.command),
        class: FunctionClass::Identification,
        write: false,
        engineering: false,
        identification: true,
        modbus: None,
        detail: Detail::None,
        opcua: None,
    })
}

/// An OPC UA request of service `function` (its name without the
/// `Request` suffix).
fn opcua_request<'e>(
    ts: Ts,
    id: &'e ConnId,
    function: &'static str,
    body: Option<&'e RequestBody>,
) -> Request<'e> {
    let (write, engineering, identification) = opcua_kind(function);
    Request {
        ts,
        id,
        function: Function::OpcUa(function),
        class: FunctionClass::opcua(function),
        write,
        engineering,
        identification,
        modbus: None,
        detail: Detail::None,
        opcua: body,
    }
}

/// The request of an OPC UA message whose body was not decoded into a
/// request event (its request half's service).
fn opcua(m: &crate::event::opcua::Message) -> Option<Request<'_>> {
    let half = m.request.as_ref().filter(|h| !h.body_emitted)?;
    let id = half.service.as_ref()?.numeric()?;
    let name = crate::logs::opcua::service_name(id)?;
    Some(opcua_request(
        m.ts,
        &m.id,
        name.trim_end_matches("Request"),
        None,
    ))
}

/// Calls `f` with each request `e` carries, in order.
pub fn requests<'e>(e: &'e Event, f: &mut dyn FnMut(&Request<'e>)) {
    match e {
        Event::ModbusTransaction(t) => {
            if let Some(r) = modbus_request(t) {
                f(&r);
            }
        }
        Event::Cip(m) => {
            if m.head.dir != Dir::Orig || m.is_response() {
                return;
            }
            let top = m.path.unwrap_or_default();
            match &m.carried {
                // An Unconnected Send only routes: the request it carries
                // is what reaches the target.
                Carried::Routed(r) => f(&cip(m, r.service, &r.path)),
                Carried::None => f(&cip(m, m.service, &top)),
                Carried::Multiple(services) => {
                    f(&cip(m, m.service, &top));
                    for s in services {
                        if let Embedded::Request { service, path, .. } = s {
                            f(&cip(m, *service, path));
                        }
                    }
                }
            }
        }
        Event::Enip(m) => {
            if let Some(r) = enip(m) {
                f(&r);
            }
        }
        Event::OpcUaMessage(m) => {
            if let Some(r) = opcua(m) {
                f(&r);
            }
        }
        // A decoded request comes before its message's summary (which
        // waits for the response): the request is read from it, with what
        // it writes and calls.
        Event::OpcUaRequest(r) => {
            f(&opcua_request(
                r.head.ts,
                &r.head.id,
                r.body.service(),
                Some(&r.body),
            ));
        }
        Event::S7(p) => {
            if let Some(r) = s7(p) {
                f(&r);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The old readers classified a Modbus function by its logged name
    /// ("WRITE" in it writes, "PROGRAM..." programs, "COIL" is the coil
    /// table): the code tables give the same answer for every byte.
    #[test]
    fn modbus_classes_by_code_match_the_names() {
        use crate::logs::modbus::names::function_name;
        for code in 0..=0x7Fu8 {
            let name = function_name(code).unwrap_or("unknown");
            let (write, engineering, identification) = modbus_kind(code);
            assert_eq!(write, name.contains("WRITE"), "{name}");
            assert_eq!(
                engineering,
                name.starts_with("PROGRAM")
                    || name == "FIRMWARE_REPLACEMENT"
                    || name == "WRITE_FILE_RECORD",
                "{name}"
            );
            assert_eq!(
                identification,
                name == "ENCAP_INTERFACE_TRANSPORT" || name == "REPORT_SLAVE_ID",
                "{name}"
            );
            let table = if name.contains("COIL") {
                "coils"
            } else if name.contains("DISCRETE_INPUTS") {
                "discrete_inputs"
            } else if name.contains("INPUT_REGISTERS") {
                "input_registers"
            } else if name.contains("REGISTER") {
                "holding_registers"
            } else if name.contains("FILE_RECORD") {
                "file_records"
            } else {
                "other"
            };
            assert_eq!(ModbusTable::of(code).as_str(), table, "{name}");
        }
    }

    /// The same for CIP: the old readers matched ODVA's service names
    /// (spaces read as underscores) against the write and engineering
    /// patterns.
    #[test]
    fn cip_classes_by_code_match_the_names() {
        use crate::logs::enip::names::service_name;
        use otwatch_parsers::enip::cip::class as c;
        const WRITES: [&str; 9] = [
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
        const ENGINEERING: [&str; 7] = [
            "Reset",
            "Start",
            "Stop",
            "Set_Attributes_All",
            "Execute_PCCC",
            "Initiate_Upload",
            "Initiate_Download",
        ];
        let classes = [
            None,
            Some(c::IDENTITY),
            Some(c::MESSAGE_ROUTER),
            Some(c::CONNECTION_MANAGER),
            Some(c::FILE),
            Some(c::MODBUS),
            Some(c::PCCC),
            Some(c::SYMBOL),
            Some(c::TEMPLATE),
            Some(c::CONNECTION_CONFIGURATION),
            Some(0x1234),
        ];
        for class in classes {
            for service in 0..=0xFFu8 {
                let name = service_name(class, service).replace(' ', "_");
                let want = (
                    WRITES.iter().any(|w| name.contains(w)),
                    ENGINEERING.iter().any(|w| name.contains(w)),
                );
                assert_eq!(cip_kind(service, class), want, "{name} {class:?}");
            }
        }
    }

    /// The function classes detection reports a new client's actions by.
    #[test]
    fn function_classes() {
        use otwatch_parsers::enip::cip::class as c;
        use FunctionClass as F;
        let modbus = [
            ((0x03, None), F::Read),
            ((0x05, None), F::Write),
            ((0x10, None), F::Write),
            ((0x08, Some(0x01)), F::Restart),
            ((0x08, Some(0x04)), F::Restart),
            ((0x08, Some(0x00)), F::Diagnostics),
            ((0x07, None), F::Diagnostics),
            ((0x2B, Some(0x0E)), F::Identification),
            ((0x2B, Some(0x0D)), F::Other),
            ((0x11, None), F::Identification),
            ((0x5A, None), F::Engineering),
            ((0x7D, None), F::Engineering),
        ];
        for ((code, sub), class) in modbus {
            assert_eq!(F::modbus(code, sub), class, "modbus {code} {sub:?}");
        }
        let cip = [
            ((0x4C, Some(c::SYMBOL)), F::Read),
            ((0x4D, Some(c::SYMBOL)), F::Write),
            ((0x10, Some(0x01)), F::Write),
            ((0x05, Some(c::IDENTITY)), F::Restart),
            ((0x07, Some(0x8E)), F::Engineering),
            ((0x01, Some(c::IDENTITY)), F::Identification),
            ((0x0E, Some(0x04)), F::Read),
            ((0x54, Some(c::CONNECTION_MANAGER)), F::Session),
        ];
        for ((service, class), want) in cip {
            assert_eq!(F::cip(service, class), want, "cip {service:#x} {class:?}");
        }
        let opcua = [
            ("Read", F::Read),
            ("Write", F::Write),
            ("Call", F::Write),
            ("AddNodes", F::Engineering),
            ("DeleteNodes", F::Engineering),
            ("GetEndpoints", F::Identification),
            ("ActivateSession", F::Session),
            ("CreateMonitoredItems", F::Read),
        ];
        for (service, want) in opcua {
            assert_eq!(F::opcua(service), want, "{service}");
        }
        assert!(F::Write.acts() && F::Restart.acts() && F::Engineering.acts());
        assert!(!F::Read.acts() && !F::Identification.acts() && !F::Diagnostics.acts());
    }
}
