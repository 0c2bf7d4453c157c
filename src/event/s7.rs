//! Siemens S7 events on ISO-on-TCP (port 102): each COTP TPDU, each
//! S7comm PDU (with what its upload/download, PLC control and Read SZL
//! parts name), each S7comm-plus PDU, and the identity a CPU gives in its
//! SZL answers. Codes and numbers only: the names are the logs'
//! (`crate::logs::s7`).

pub use super::Sent;

/// A COTP TPDU (X.224, 13): `cotp.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cotp {
    pub sent: Sent,
    /// The TPDU type, the high nibble of the code octet (0xF0 DT, 0xE0
    /// CR, ...), without the credit.
    pub pdu_type: u8,
}

/// The most bytes of a file name or PI service name an event keeps
/// (block names are 9, PI service names at most 9).
pub const MAX_NAME: usize = 32;

/// What an upload or download PDU names (`packet-s7comm.c`,
/// `s7comm_decode_plc_controls_updownload`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transfer {
    pub status: Option<u8>,
    pub session_id: Option<u32>,
    /// The block's file name (`_0A00001P`), at most [`MAX_NAME`] bytes.
    pub filename: Option<Vec<u8>>,
    /// A Start Upload acknowledgement's block length.
    pub block_length: Option<u64>,
}

/// A Read SZL request or the head of its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Szl {
    pub id: u16,
    pub index: u16,
    /// The data block's return code (0xFF success).
    pub return_code: u8,
}

/// The Userdata parameter head of a PDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Userdata {
    /// 0x11 request, 0x12 response.
    pub method: u8,
    /// The type (high nibble: 4 request, 8 response, 0 push) and the
    /// function group (low nibble).
    pub type_group: u8,
    pub subfunction: u8,
    /// A response's error code from the parameter's data unit part.
    pub error_code: Option<u16>,
    /// The data block's return code, when there is a data block.
    pub return_code: Option<u8>,
    /// Read SZL: the list asked for or answered.
    pub szl: Option<Szl>,
}

impl Userdata {
    /// The function group (4 CPU functions, 3 block functions, ...).
    pub fn group(&self) -> u8 {
        self.type_group & 0x0F
    }
    /// The type: 0x4 request, 0x8 response, 0x0 push.
    pub fn kind(&self) -> u8 {
        self.type_group >> 4
    }
}

/// What the parameter block of an S7comm PDU is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parameter {
    /// No parameter block.
    None,
    /// A Job or Ack_Data function (0x04 Read Var, 0x29 PLC Stop, ...).
    Function {
        code: u8,
        /// Read and Write Var: the number of items.
        items: Option<u8>,
        /// Upload and download functions.
        transfer: Option<Transfer>,
        /// PLC Control and PLC Stop jobs: the PI service's name
        /// (`_INSE`, `_DELE`, `P_PROGRAM`, ...), at most [`MAX_NAME`]
        /// bytes.
        pi_service: Option<Vec<u8>>,
    },
    /// A Userdata PDU.
    Userdata(Userdata),
}

/// An S7comm PDU (protocol id 0x32): `s7comm.log`, and a row of
/// `s7comm_read_szl.log` or `s7comm_upload_download.log` when it is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pdu {
    pub sent: Sent,
    /// 1 Job, 2 Ack, 3 Ack_Data, 7 Userdata.
    pub rosctr: u8,
    pub pdu_reference: u16,
    /// An acknowledgement's error class and code.
    pub error: Option<(u8, u8)>,
    pub parameter: Parameter,
}

impl Pdu {
    /// The function code of a Job or Ack_Data.
    pub fn function(&self) -> Option<u8> {
        match self.parameter {
            Parameter::Function { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// An S7comm-plus PDU (protocol id 0x72): `s7comm_plus.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plus {
    pub sent: Sent,
    pub version: u8,
    /// 0x31 request, 0x32 response, 0x33 notification, ...; absent when
    /// the PDU ends before it.
    pub opcode: Option<u8>,
    /// Requests and responses: the function (0x04F2 SetVariable, ...).
    pub function: Option<u16>,
}

/// What a CPU said of itself in a connection's SZL answers so far: the
/// inventory's S7 facts, and (component identification, at the
/// connection's end, as the reference logs it)
/// `s7comm_known_devices.log`. Text is as sent, without trailing NULs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// When it was said (or the connection ended); `dir` is the side that
    /// answered.
    pub sent: Sent,
    pub moment: Moment,
    /// SZL 0x0011, module identification.
    pub module: Option<Module>,
    /// SZL 0x001C, component identification.
    pub component: Option<Component>,
}

/// When an identity event is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    /// An SZL answer named something: the inventory and the detector
    /// read it at once (a connection may stay open for months).
    Answer,
    /// The connection ended: `s7comm_known_devices.log`'s row.
    ConnectionEnd,
}

/// SZL 0x0011, module identification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Module {
    /// Index 1: the module's order number (`6ES7 315-2EH14-0AB0`).
    pub order_number: Option<String>,
    /// Index 7: the firmware version (`V3.2.6`).
    pub firmware: Option<String>,
}

/// SZL 0x001C, component identification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Component {
    /// Index 1: the automation system (station) name.
    pub system_name: Option<String>,
    /// Index 2: the module name.
    pub module_name: Option<String>,
    /// Index 3: the plant id.
    pub plant_id: Option<String>,
    /// Index 5: the module's serial number.
    pub serial: Option<String>,
}

/// The PI (program invocation) services of PLC Control that change what
/// a CPU runs (`packet-s7comm.c`, `pi_service_names`), by their wire
/// names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PiService {
    /// `_INSE`: activate downloaded blocks.
    Insert,
    /// `_DELE`: delete blocks.
    Delete,
    /// `P_PROGRAM`: start (run) the program.
    Program,
    /// `_GARB`: compress the memory.
    Compress,
    /// `_MODU`: copy RAM to ROM.
    CopyRamToRom,
    /// Any other service name.
    Other,
}

impl PiService {
    /// The service a PI name names.
    pub fn of(name: &[u8]) -> PiService {
        match name {
            b"_INSE" => PiService::Insert,
            b"_DELE" => PiService::Delete,
            b"P_PROGRAM" => PiService::Program,
            b"_GARB" => PiService::Compress,
            b"_MODU" => PiService::CopyRamToRom,
            _ => PiService::Other,
        }
    }

    /// The wire name (`other` for the rest).
    pub fn as_str(self) -> &'static str {
        match self {
            PiService::Insert => "_INSE",
            PiService::Delete => "_DELE",
            PiService::Program => "P_PROGRAM",
            PiService::Compress => "_GARB",
            PiService::CopyRamToRom => "_MODU",
            PiService::Other => "other",
        }
    }
}
