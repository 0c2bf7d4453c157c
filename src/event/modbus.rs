//! Modbus/TCP events: each PDU's header (Zeek's `modbus_message`), the
//! transactions the analyzer pairs the way CISA ICSNPP-modbus does, the
//! messages of the functions ICSNPP logs on their own (mask write,
//! read/write multiple registers, device identification) and UMAS
//! requests. Everything is a code or a number; names belong to the logs.

use super::conn::{ConnId, Dir};
use crate::time::Ts;

/// The exception bit of a function byte.
pub const EXCEPTION_BIT: u8 = 0x80;

/// One PDU's header: `modbus.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub ts: Ts,
    pub id: ConnId,
    pub tid: u16,
    pub unit: u8,
    /// The function byte as sent (exception bit included).
    pub function: u8,
    /// Who sent it (the originator sends requests).
    pub dir: Dir,
    /// The exception code of an exception response.
    pub exception: Option<u8>,
}

/// The function-specific content of a request, as Zeek's grammar reads it
/// (Modbus Application Protocol v1.1b3, section 6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Read Coils, Read Discrete Inputs.
    ReadBits {
        start: u16,
        quantity: u16,
    },
    /// Read Holding Registers, Read Input Registers.
    ReadRegisters {
        start: u16,
        quantity: u16,
    },
    WriteSingleCoil {
        address: u16,
        value: bool,
    },
    WriteSingleRegister {
        address: u16,
        value: u16,
    },
    Diagnostics {
        sub: u16,
        data: Vec<u8>,
    },
    WriteMultipleCoils {
        start: u16,
        coils: Vec<bool>,
    },
    WriteMultipleRegisters {
        start: u16,
        registers: Vec<u16>,
    },
    /// `refs` sub-requests.
    ReadFileRecord {
        refs: usize,
    },
    WriteFileRecord {
        refs: usize,
    },
    MaskWrite {
        address: u16,
        and_mask: u16,
        or_mask: u16,
    },
    ReadWriteMultiple {
        read_start: u16,
        read_quantity: u16,
        write_start: u16,
        write: Vec<u16>,
    },
    ReadFifo {
        start: u16,
    },
    /// Encapsulated Interface Transport: the MEI type and what follows it.
    Encap {
        mei: u8,
        data: Vec<u8>,
    },
}

impl Request {
    /// The first address the request touches, when its function names
    /// one (a Mask Write's register included).
    pub fn address(&self) -> Option<u16> {
        match self {
            Request::ReadBits { start, .. }
            | Request::ReadRegisters { start, .. }
            | Request::WriteMultipleCoils { start, .. }
            | Request::WriteMultipleRegisters { start, .. }
            | Request::ReadFifo { start } => Some(*start),
            Request::WriteSingleCoil { address, .. }
            | Request::WriteSingleRegister { address, .. }
            | Request::MaskWrite { address, .. } => Some(*address),
            _ => None,
        }
    }

    /// How many coils, registers or file records it touches, when its
    /// function says.
    pub fn quantity(&self) -> Option<u64> {
        match self {
            Request::ReadBits { quantity, .. } | Request::ReadRegisters { quantity, .. } => {
                Some(u64::from(*quantity))
            }
            Request::WriteSingleCoil { .. } | Request::WriteSingleRegister { .. } => Some(1),
            Request::WriteMultipleCoils { coils, .. } => Some(coils.len() as u64),
            Request::WriteMultipleRegisters { registers, .. } => Some(registers.len() as u64),
            Request::ReadFileRecord { refs } | Request::WriteFileRecord { refs } => {
                Some(*refs as u64)
            }
            _ => None,
        }
    }
}

/// One record of a Read File Record response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileData {
    pub reference_type: u8,
    pub data: Vec<u8>,
}

/// One record of a Write File Record response (the request echoed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    pub reference_type: u8,
    pub file_number: u16,
    pub record_number: u16,
    pub record_length: u16,
    pub data: Vec<u8>,
}

/// The function-specific content of a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// Every bit of the response's bytes (Zeek reads them all).
    ReadBits {
        bits: Vec<bool>,
    },
    ReadRegisters {
        registers: Vec<u16>,
    },
    WriteSingleCoil {
        address: u16,
        value: bool,
    },
    WriteSingleRegister {
        address: u16,
        value: u16,
    },
    Diagnostics {
        sub: u16,
        data: Vec<u8>,
    },
    /// Write Multiple Coils and Write Multiple Registers.
    WriteMultiple {
        start: u16,
        quantity: u16,
    },
    ReadFileRecord {
        records: Vec<FileData>,
    },
    WriteFileRecord {
        records: Vec<FileRecord>,
    },
    MaskWrite {
        address: u16,
        and_mask: u16,
        or_mask: u16,
    },
    ReadWriteMultiple {
        registers: Vec<u16>,
    },
    ReadFifo {
        fifos: Vec<u16>,
    },
    Encap {
        mei: u8,
        data: Vec<u8>,
    },
    Exception {
        code: u8,
    },
}

/// What a message's function-specific content was to Zeek's grammar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content<B> {
    /// What the grammar read.
    Read(B),
    /// A function whose content the grammar does not read: ICSNPP logs
    /// the message by its header.
    Unread,
    /// Content the grammar refused (a protocol violation, or a value
    /// ICSNPP's handler rejects): ICSNPP logs no row, yet it was sent.
    Refused,
}

impl<B> Content<B> {
    /// The content, when it was read.
    pub fn get(&self) -> Option<&B> {
        match self {
            Content::Read(b) => Some(b),
            Content::Unread | Content::Refused => None,
        }
    }
}

/// One side of a transaction: when it came, from which unit, with which
/// function byte, and its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message<B> {
    pub ts: Ts,
    pub unit: u8,
    pub function: u8,
    pub body: Content<B>,
}

/// A request and its response as ICSNPP pairs them (by transaction and
/// unit id, per connection), or one of them on its own: a row of
/// `modbus_detailed.log` (none for a request whose content was refused),
/// and what the baseline, the inventory and the rules learn a Modbus
/// request from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// The client is the originator.
    pub id: ConnId,
    pub tid: u16,
    pub request: Option<Message<Request>>,
    pub response: Option<Message<Response>>,
    /// The side that came first: the row's time, unit and function are
    /// its own.
    pub first: Dir,
    /// Paired (`true`), written unpaired at the end or at a cap (`false`),
    /// or a message ICSNPP never pairs (none).
    pub matched: Option<bool>,
    /// The id that ties the row to its mask-write, read/write-multiple or
    /// device-identification rows.
    pub link: Option<String>,
}

impl Transaction {
    /// The side the row starts from.
    pub fn first_ts(&self) -> Ts {
        let ts = match self.first {
            Dir::Orig => self.request.as_ref().map(|m| m.ts),
            Dir::Resp => self.response.as_ref().map(|m| m.ts),
        };
        ts.unwrap_or_default()
    }
}

/// The head of a message of the functions ICSNPP logs message by message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageHead {
    pub ts: Ts,
    pub id: ConnId,
    /// Who sent it (the originator sends requests).
    pub dir: Dir,
    /// The link to the message's `modbus_detailed` row.
    pub link: String,
    pub tid: u16,
    pub unit: u8,
    /// The function byte (without the exception bit).
    pub function: u8,
}

/// A Mask Write Register request or response:
/// `modbus_mask_write_register.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaskWrite {
    pub head: MessageHead,
    pub address: u16,
    pub and_mask: u16,
    pub or_mask: u16,
}

/// A Read/Write Multiple Registers request (what it writes and reads) or
/// response (what it read): `modbus_read_write_multiple_registers.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadWrite {
    Request {
        head: MessageHead,
        write_start: u16,
        write: Vec<u16>,
        read_start: u16,
        read_quantity: u16,
    },
    Response {
        head: MessageHead,
        read: Vec<u16>,
    },
}

impl ReadWrite {
    pub fn head(&self) -> &MessageHead {
        match self {
            ReadWrite::Request { head, .. } | ReadWrite::Response { head, .. } => head,
        }
    }
}

/// A Read Device Identification request (the object it asks for) or one
/// object of a response: `modbus_read_device_identification.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceId {
    Request {
        head: MessageHead,
        device_id_code: u8,
        object_id: u8,
    },
    Object {
        head: MessageHead,
        conformity_level: u8,
        device_id_code: u8,
        object_id: u8,
        value: Vec<u8>,
    },
}

impl DeviceId {
    pub fn head(&self) -> &MessageHead {
        match self {
            DeviceId::Request { head, .. } | DeviceId::Object { head, .. } => head,
        }
    }
}

/// A function-90 (Schneider UMAS) request and its UMAS function code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Umas {
    pub ts: Ts,
    /// The client is the originator.
    pub id: ConnId,
    pub unit: u8,
    pub code: u8,
}
