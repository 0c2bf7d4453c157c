//! Userdata PDUs (ROSCTR 7), the extended protocol of programming and
//! diagnostic tools (Wireshark `packet-s7comm.c`,
//! `s7comm_decode_ud`): the parameter head (method, type, function group,
//! subfunction, sequence number, and in a response or follow-up the data
//! unit reference, last-data-unit mark and error code), the data block's
//! return code / transport size / length, and for Read SZL (CPU
//! functions, subfunction 1) the SZL id and index of the request and the
//! list header and entries of the response.
//!
//! A long SZL list comes in several responses sharing a data unit
//! reference; only the first carries the list header. A response whose
//! data unit reference is set and whose last-data-unit mark says "last"
//! is a follow-up and is left unread ([`UserdataData::szl`] is `None`); a
//! middle follow-up cannot be told from a first part without state, so
//! its bytes are read as a header and flagged `S7_SZL_LENGTH_MISMATCH`:
//! the analyzer, which knows the earlier parts, reads `data` instead.

use super::super::util::{open_code, PResult, Reader};
use super::super::Violations;

/// The three bytes that open every Userdata parameter block.
pub const PARAMETER_HEAD: [u8; 3] = [0x00, 0x01, 0x12];
/// Subfunction Read SZL of the CPU functions group.
pub const SUBFUNCTION_READ_SZL: u8 = 0x01;

open_code! {
    /// The type nibble of a Userdata parameter (`packet-s7comm.c`,
    /// `userdata_type_names`).
    pub enum UserdataType {
        /// 0x0, push (unsolicited, cyclic data and alarms).
        Push = 0x0,
        /// 0x4, request.
        Request = 0x4,
        /// 0x8, response.
        Response = 0x8,
    }
}

open_code! {
    /// The function group nibble of a Userdata parameter
    /// (`packet-s7comm.c`, `userdata_functiongroup_names`).
    pub enum Group {
        /// 0x0, mode transition.
        ModeTransition = 0x0,
        /// 0x1, programmer commands.
        ProgrammerCommands = 0x1,
        /// 0x2, cyclic data.
        CyclicData = 0x2,
        /// 0x3, block functions.
        BlockFunctions = 0x3,
        /// 0x4, CPU functions (Read SZL, alarms).
        CpuFunctions = 0x4,
        /// 0x5, security.
        Security = 0x5,
        /// 0x6, PBC BSEND/BRECV.
        PbcBsend = 0x6,
        /// 0x7, time functions.
        Time = 0x7,
        /// 0xF, NC programming.
        NcProgramming = 0xF,
    }
}

/// The extension of a Userdata parameter head of length 8
/// (`packet-s7comm.c`, "Data unit reference number" onwards).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DataUnit {
    /// Data unit reference: the parts of one long answer share it.
    pub reference: u8,
    /// Last data unit: 0x00 this is the last part, 0x01 more follow.
    pub last_data_unit: u8,
    /// Error code (0 for none).
    pub error_code: u16,
}

impl DataUnit {
    /// True when no further part follows.
    pub fn is_last(&self) -> bool {
        self.last_data_unit == 0
    }
}

/// The Userdata parameter head (`packet-s7comm.c`, `s7comm_decode_ud`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UserdataParam {
    /// Parameter head, 00 01 12 (anything else is flagged).
    pub head: [u8; 3],
    /// Length of the rest of the parameter: 4, or 8 with [`DataUnit`].
    pub length: u8,
    /// Method: 0x11 request, 0x12 response.
    pub method: u8,
    /// Type (high nibble) and function group (low nibble), as sent.
    pub type_group: u8,
    /// Subfunction within the group.
    pub subfunction: u8,
    /// Sequence number.
    pub sequence_number: u8,
    /// Present when `length` is 8.
    pub data_unit: Option<DataUnit>,
}

impl UserdataParam {
    /// The type: push, request or response.
    pub fn kind(&self) -> UserdataType {
        UserdataType::from(self.type_group >> 4)
    }

    /// The function group.
    pub fn group(&self) -> Group {
        Group::from(self.type_group & 0x0F)
    }

    /// True for Read SZL of the CPU functions group.
    pub fn is_read_szl(&self) -> bool {
        self.group() == Group::CpuFunctions && self.subfunction == SUBFUNCTION_READ_SZL
    }
}

/// Parses the Userdata parameter head from the whole parameter block.
pub(crate) fn parse_param(r: &mut Reader<'_>, v: &mut Violations) -> PResult<UserdataParam> {
    let head = r.array::<3>()?;
    let length = r.u8()?;
    v.set_if(
        head != PARAMETER_HEAD || !matches!(length, 4 | 8) || usize::from(length) != r.len(),
        Violations::S7_INVALID_USERDATA_HEAD,
    );
    let method = r.u8()?;
    let type_group = r.u8()?;
    let subfunction = r.u8()?;
    let sequence_number = r.u8()?;
    // The extension is there when the length says so; bytes beyond it
    // are trailing either way.
    let data_unit = if length >= 8 {
        Some(DataUnit {
            reference: r.u8()?,
            last_data_unit: r.u8()?,
            error_code: r.u16()?,
        })
    } else {
        None
    };
    v.set_if(!r.is_empty(), Violations::S7_TRAILING_BYTES);
    r.take_rest();
    Ok(UserdataParam {
        head,
        length,
        method,
        type_group,
        subfunction,
        sequence_number,
        data_unit,
    })
}

/// The list header of a Read SZL response and its entries
/// (`packet-s7comm.c`, `s7comm_decode_ud_cpu_szl_subfunc`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SzlList<'a> {
    /// SZL id (0x0011 module identification, 0x001C component
    /// identification, ...).
    pub id: u16,
    /// SZL index.
    pub index: u16,
    /// Length of one entry in bytes.
    pub entry_length: u16,
    /// Number of entries.
    pub entry_count: u16,
    /// The entry bytes, borrowed.
    pub entries: &'a [u8],
}

impl<'a> SzlList<'a> {
    /// The whole entries present, `entry_length` bytes each (none when
    /// the entry length is 0). For SZL 0x0011 and 0x001C each entry
    /// starts with its 16-bit index: 0x0001 order number, 0x0006 and
    /// 0x0007 hardware and firmware versions; 0x001C 0x0001 to 0x0005
    /// automation system name, module name, plant id, copyright, serial.
    pub fn iter(&self) -> std::slice::ChunksExact<'a, u8> {
        self.entries
            .chunks_exact(usize::from(self.entry_length).max(1))
    }
}

/// The Read SZL part of a Userdata data block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Szl<'a> {
    /// A request: which list and index.
    Request {
        /// SZL id.
        id: u16,
        /// SZL index.
        index: u16,
    },
    /// A response: the list.
    List(SzlList<'a>),
}

/// The data block of a Userdata PDU (`packet-s7comm.c`,
/// `s7comm_decode_ud`, "Data" tree).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserdataData<'a> {
    /// Return code (0xFF success, 0x0A object does not exist, ...).
    pub return_code: u8,
    /// Data transport size.
    pub transport_size: u8,
    /// Length of `data` as announced.
    pub length: u16,
    /// The data, borrowed.
    pub data: &'a [u8],
    /// The Read SZL request or list, when this is one (see the module
    /// documentation for follow-up parts).
    pub szl: Option<Szl<'a>>,
}

/// Parses the data block `r` of a Userdata PDU whose parameter head is
/// `param` (when the parameter block was a head).
pub(crate) fn parse_data<'a>(
    r: &mut Reader<'a>,
    param: Option<&UserdataParam>,
    v: &mut Violations,
) -> PResult<UserdataData<'a>> {
    let return_code = r.u8()?;
    let transport_size = r.u8()?;
    let length = r.u16()?;
    let data = r.take_upto(usize::from(length));
    v.set_if(
        data.len() < usize::from(length),
        Violations::S7_LENGTH_EXCEEDS_PDU,
    );
    v.set_if(!r.is_empty(), Violations::S7_TRAILING_BYTES);
    r.take_rest();
    let szl = match param {
        Some(p) if p.is_read_szl() => szl(p, return_code, data, v),
        _ => None,
    };
    Ok(UserdataData {
        return_code,
        transport_size,
        length,
        data,
        szl,
    })
}

fn szl<'a>(
    p: &UserdataParam,
    return_code: u8,
    data: &'a [u8],
    v: &mut Violations,
) -> Option<Szl<'a>> {
    let mut r = Reader::new(data, 0);
    match p.kind() {
        UserdataType::Request => Some(Szl::Request {
            id: r.u16().ok()?,
            index: r.u16().ok()?,
        }),
        UserdataType::Response if return_code == 0xFF => {
            if p.data_unit.is_some_and(|d| d.reference != 0 && d.is_last()) {
                return None;
            }
            let id = r.u16().ok()?;
            let index = r.u16().ok()?;
            let entry_length = r.u16().ok()?;
            let entry_count = r.u16().ok()?;
            let entries = r.rest();
            let announced = usize::from(entry_length).checked_mul(usize::from(entry_count));
            v.set_if(
                announced != Some(entries.len()),
                Violations::S7_SZL_LENGTH_MISMATCH,
            );
            Some(Szl::List(SzlList {
                id,
                index,
                entry_length,
                entry_count,
                entries,
            }))
        }
        _ => None,
    }
}
