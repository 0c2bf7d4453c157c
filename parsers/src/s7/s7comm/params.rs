//! The parameter block of Job and Ack_Data PDUs, by function (Wireshark
//! `packet-s7comm.c`, `s7comm_decode_req_resp` and the functions it
//! calls): Setup Communication, Read/Write Var, the upload and download
//! functions, PLC Control and PLC Stop. Unknown functions are kept raw.
//!
//! Only fixed fields missing from a block are errors; counted strings and
//! items that run past the block, and bytes after the last field, are
//! flags.

use super::super::util::{PResult, Reader};
use super::super::Violations;
use super::codes::{BlockType, Function};
use super::header::Rosctr;
use super::items::Items;
use super::userdata::{self, UserdataParam};

/// Setup Communication parameters (`packet-s7comm.c`,
/// `s7comm_decode_pdu_setup_communication`): the job proposes, the
/// Ack_Data grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SetupCommunication {
    /// Reserved byte after the function code.
    pub reserved: u8,
    /// Max AmQ (parallel jobs with acknowledgement) calling.
    pub max_amq_calling: u16,
    /// Max AmQ called.
    pub max_amq_called: u16,
    /// PDU length, the largest S7comm PDU either side will send.
    pub pdu_length: u16,
}

/// The parameter block of Read Var or Write Var: the item count, and in a
/// job the items (`packet-s7comm.c`, `s7comm_decode_param_item`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarParam<'a> {
    /// The item count as sent.
    pub item_count: u8,
    /// The request items (empty in an Ack_Data).
    pub items: Items<'a>,
}

/// A block file name of the upload and download functions, e.g.
/// `_0A00001P`: file identifier, block type (two hex digits), block
/// number (five digits), destination file system (`packet-s7comm.c`,
/// `s7comm_decode_plc_controls_filename`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Filename<'a>(pub &'a [u8]);

/// The block a [`Filename`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlockRef {
    /// File identifier: `_` complete module, `$` module header.
    pub file_id: u8,
    /// Block type.
    pub block_type: BlockType,
    /// Block number.
    pub number: u32,
    /// Destination file system: `P` passive, `A` active, `B` both.
    pub filesystem: u8,
}

impl<'a> Filename<'a> {
    /// The name as sent.
    pub fn bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The block, when the name has the 9-character block form.
    pub fn block(&self) -> Option<BlockRef> {
        let [file_id, t1, t2, n @ .., filesystem] = self.0 else {
            return None;
        };
        if n.len() != 5 || !n.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let block_type = u8::from_str_radix(std::str::from_utf8(&[*t1, *t2]).ok()?, 16).ok()?;
        let number = std::str::from_utf8(n).ok()?.parse().ok()?;
        Some(BlockRef {
            file_id: *file_id,
            block_type: BlockType::from(block_type),
            number,
            filesystem: *filesystem,
        })
    }
}

/// The parameters of Request Download, Download Block, Download Ended,
/// Start Upload, Upload and End Upload (`packet-s7comm.c`,
/// `s7comm_decode_plc_controls_updownload`). Fields are present as far as
/// the block goes: a job carries status, session id and (but for Upload
/// and End Upload) the file name; an Ack_Data often only the status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer<'a> {
    /// Function status (bit 0: more data follows).
    pub status: Option<u8>,
    /// The two bytes before the session id, unknown in meaning.
    pub unknown: Option<u16>,
    /// Upload or download session id.
    pub session_id: Option<u32>,
    /// Job: the block file name.
    pub filename: Option<Filename<'a>>,
    /// Request Download job: the second string, load memory and MC7
    /// lengths in ASCII. Start Upload Ack_Data: the block length in ASCII.
    pub extra: Option<&'a [u8]>,
}

/// A PI service call of PLC Control or PLC Stop (`packet-s7comm.c`,
/// `s7comm_decode_plc_controls_param_hex28` / `hex29`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PiService<'a> {
    /// The unknown bytes before the parameter block (7 for PLC Control, 5
    /// for PLC Stop).
    pub unknown: &'a [u8],
    /// PLC Control: the service's argument block (block list, file
    /// names); empty for PLC Stop.
    pub arguments: &'a [u8],
    /// The PI service name: `_INSE`, `_DELE`, `_MODU`, `_GARB`,
    /// `P_PROGRAM`, ...
    pub name: &'a [u8],
}

/// A parameter block, by function (or the Userdata parameter head).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parameter<'a> {
    /// Parameter length 0.
    None,
    /// 0xF0.
    SetupCommunication(SetupCommunication),
    /// 0x04.
    ReadVar(VarParam<'a>),
    /// 0x05.
    WriteVar(VarParam<'a>),
    /// 0x1A.
    RequestDownload(Transfer<'a>),
    /// 0x1B.
    DownloadBlock(Transfer<'a>),
    /// 0x1C.
    DownloadEnded(Transfer<'a>),
    /// 0x1D.
    StartUpload(Transfer<'a>),
    /// 0x1E.
    Upload(Transfer<'a>),
    /// 0x1F.
    EndUpload(Transfer<'a>),
    /// 0x28. `None` in an acknowledgement, which carries no service.
    PlcControl(Option<PiService<'a>>),
    /// 0x29. `None` in an acknowledgement.
    PlcStop(Option<PiService<'a>>),
    /// The parameter head of a Userdata PDU.
    Userdata(UserdataParam),
    /// Any other function, or a block of an unknown ROSCTR: the bytes
    /// after the function code.
    Unknown {
        /// The function code as sent.
        function: u8,
        /// The bytes after it, unread.
        bytes: &'a [u8],
    },
}

impl Parameter<'_> {
    /// The function code, for Job and Ack_Data blocks.
    pub fn function(&self) -> Option<Function> {
        Some(match self {
            Parameter::None | Parameter::Userdata(_) => return None,
            Parameter::SetupCommunication(_) => Function::SetupCommunication,
            Parameter::ReadVar(_) => Function::ReadVar,
            Parameter::WriteVar(_) => Function::WriteVar,
            Parameter::RequestDownload(_) => Function::RequestDownload,
            Parameter::DownloadBlock(_) => Function::DownloadBlock,
            Parameter::DownloadEnded(_) => Function::DownloadEnded,
            Parameter::StartUpload(_) => Function::StartUpload,
            Parameter::Upload(_) => Function::Upload,
            Parameter::EndUpload(_) => Function::EndUpload,
            Parameter::PlcControl(_) => Function::PlcControl,
            Parameter::PlcStop(_) => Function::PlcStop,
            Parameter::Unknown { function, .. } => Function::from(*function),
        })
    }
}

/// Flags `S7_TRAILING_BYTES` when bytes are left.
fn trailing(r: &Reader<'_>, v: &mut Violations) {
    v.set_if(!r.is_empty(), Violations::S7_TRAILING_BYTES);
}

/// A counted string, flagged `S7_TRUNCATED_ITEM` when short.
fn string<'a>(r: &mut Reader<'a>, v: &mut Violations) -> PResult<&'a [u8]> {
    let (s, whole) = r.counted_upto()?;
    v.set_if(!whole, Violations::S7_TRUNCATED_ITEM);
    Ok(s)
}

fn transfer<'a>(r: &mut Reader<'a>, job: bool, v: &mut Violations) -> PResult<Transfer<'a>> {
    let mut t = Transfer {
        status: None,
        unknown: None,
        session_id: None,
        filename: None,
        extra: None,
    };
    if r.is_empty() {
        return Ok(t);
    }
    t.status = Some(r.u8()?);
    if r.is_empty() {
        return Ok(t);
    }
    t.unknown = Some(r.u16()?);
    t.session_id = Some(r.u32()?);
    if r.is_empty() {
        return Ok(t);
    }
    let first = string(r, v)?;
    if !job {
        t.extra = Some(first);
        return Ok(t);
    }
    t.filename = Some(Filename(first));
    if !r.is_empty() {
        t.extra = Some(string(r, v)?);
    }
    Ok(t)
}

fn pi_service<'a>(
    r: &mut Reader<'a>,
    unknown_len: usize,
    with_arguments: bool,
    v: &mut Violations,
) -> PResult<PiService<'a>> {
    let unknown = r.take(unknown_len)?;
    let arguments = if with_arguments {
        let n = usize::from(r.u16()?);
        let a = r.take_upto(n);
        v.set_if(a.len() < n, Violations::S7_TRUNCATED_ITEM);
        a
    } else {
        &[]
    };
    let name = string(r, v)?;
    Ok(PiService {
        unknown,
        arguments,
        name,
    })
}

/// Parses a parameter block (`p`, starting `pos` bytes into the PDU) of a
/// PDU of type `rosctr`. Uses all of `p`: bytes after the last field are
/// flagged.
pub(crate) fn parse_parameter<'a>(
    rosctr: Rosctr,
    p: &'a [u8],
    pos: usize,
    v: &mut Violations,
) -> PResult<Parameter<'a>> {
    let mut r = Reader::new(p, pos);
    if r.is_empty() {
        return Ok(Parameter::None);
    }
    if rosctr == Rosctr::Userdata {
        return userdata::parse_param(&mut r, v).map(Parameter::Userdata);
    }
    let function = r.u8()?;
    let job = rosctr == Rosctr::Job;
    if let Rosctr::Unknown(_) = rosctr {
        return Ok(Parameter::Unknown {
            function,
            bytes: r.take_rest(),
        });
    }
    let parsed = match Function::from(function) {
        Function::SetupCommunication => Parameter::SetupCommunication(SetupCommunication {
            reserved: r.u8()?,
            max_amq_calling: r.u16()?,
            max_amq_called: r.u16()?,
            pdu_length: r.u16()?,
        }),
        f @ (Function::ReadVar | Function::WriteVar) => {
            let item_count = r.u8()?;
            let items = if job {
                Items::walk(&mut r, item_count, v)
            } else {
                Items::default()
            };
            let var = VarParam { item_count, items };
            if f == Function::ReadVar {
                Parameter::ReadVar(var)
            } else {
                Parameter::WriteVar(var)
            }
        }
        Function::RequestDownload => Parameter::RequestDownload(transfer(&mut r, job, v)?),
        Function::DownloadBlock => Parameter::DownloadBlock(transfer(&mut r, job, v)?),
        Function::DownloadEnded => Parameter::DownloadEnded(transfer(&mut r, job, v)?),
        Function::StartUpload => Parameter::StartUpload(transfer(&mut r, job, v)?),
        Function::Upload => Parameter::Upload(transfer(&mut r, job, v)?),
        Function::EndUpload => Parameter::EndUpload(transfer(&mut r, job, v)?),
        Function::PlcControl if job => Parameter::PlcControl(Some(pi_service(&mut r, 7, true, v)?)),
        Function::PlcStop if job => Parameter::PlcStop(Some(pi_service(&mut r, 5, false, v)?)),
        Function::PlcControl => Parameter::PlcControl(None),
        Function::PlcStop => Parameter::PlcStop(None),
        Function::CpuServices | Function::Unknown(_) => Parameter::Unknown {
            function,
            bytes: r.take_rest(),
        },
    };
    trailing(&r, v);
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_file_names() {
        let f = Filename(b"_0A00001P");
        assert_eq!(
            f.block(),
            Some(BlockRef {
                file_id: b'_',
                block_type: BlockType::Db,
                number: 1,
                filesystem: b'P'
            })
        );
        assert_eq!(
            Filename(b"_0800000A").block().map(|b| b.block_type),
            Some(BlockType::Ob)
        );
        assert_eq!(Filename(b"_0A0001P").block(), None);
        assert_eq!(Filename(b"_ZZ00001P").block(), None);
        assert_eq!(Filename(b"").block(), None);
    }
}
