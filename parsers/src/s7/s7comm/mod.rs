//! S7comm, the classic S7 protocol of Siemens S7-300/400 (and S7-1200/1500
//! in compatibility mode), protocol id 0x32, carried in COTP DT TPDUs.
//! Siemens publishes no specification; the layout is the one Wireshark's
//! `packet-s7comm.c` documents and CISA ICSNPP-s7comm reads.
//!
//! A PDU is a header ([`Header`]), a parameter block ([`Parameter`]) and a
//! data block ([`Data`]), their lengths in the header. [`parse_message`]
//! bounds both blocks by those lengths and reads them by ROSCTR and
//! function. Codes are open; payloads are borrowed; nothing allocates.

mod codes;
mod header;
mod items;
mod params;
mod userdata;

pub use codes::{
    Area, BlockType, DataTransportSize, Function, ReturnCode, SyntaxId, TransportSize,
};
pub use header::{
    parse_header, Header, HeaderError, Rosctr, LONG_HEADER_LEN, PROTOCOL_ID, SHORT_HEADER_LEN,
};
pub use items::{
    AnyAddress, DataItem, DataItemIter, DataItems, Item, ItemIter, Items, RawItem, S7ANY_LEN,
    VARIABLE_SPEC,
};
pub use params::{
    BlockRef, Filename, Parameter, PiService, SetupCommunication, Transfer, VarParam,
};
pub use userdata::{
    DataUnit, Group, Szl, SzlList, UserdataData, UserdataParam, UserdataType, PARAMETER_HEAD,
    SUBFUNCTION_READ_SZL,
};

use super::util::{PResult, Reader};
use super::Violations;
use crate::{IResult, Layer};

/// The block data of an Upload or Download Block Ack_Data
/// (`packet-s7comm.c`, `s7comm_decode_plc_controls_updownload`, data
/// part): a length, two unknown bytes (0x00FB) and the block bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockData<'a> {
    /// Length of `bytes` as announced.
    pub length: u16,
    /// Unknown in meaning (0x00FB in practice).
    pub unknown: u16,
    /// The load memory bytes, borrowed.
    pub bytes: &'a [u8],
}

/// A data block, by ROSCTR and function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Data<'a> {
    /// Data length 0.
    None,
    /// Read Var Ack_Data or Write Var job: one data item per request item.
    Items(DataItems<'a>),
    /// Write Var Ack_Data: one return code per item.
    ReturnCodes(&'a [u8]),
    /// Upload or Download Block Ack_Data: block bytes.
    Block(BlockData<'a>),
    /// Userdata: return code, transport size, data, SZL.
    Userdata(UserdataData<'a>),
    /// Any other data block, unread.
    Raw(&'a [u8]),
}

/// An S7comm PDU (Wireshark `packet-s7comm.c`): header, parameter block,
/// data block and the spec violations found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    /// The header.
    pub header: Header,
    /// The parameter block.
    pub parameter: Parameter<'a>,
    /// The data block.
    pub data: Data<'a>,
    /// Spec violations of this PDU.
    pub violations: Violations,
}

/// Parses the S7comm PDU that fills `i` (one COTP DT's user data, or the
/// TSDU reassembled from several). The header's lengths bound the blocks:
/// lengths past the end are flagged `S7_LENGTH_EXCEEDS_PDU` and what there
/// is is read; bytes after the data block are flagged
/// `S7_TRAILING_BYTES`. Errors: a protocol id other than 0x32, or a
/// header or parameter block too short for its fixed fields.
pub fn parse_message(i: &[u8]) -> IResult<'_, Message<'_>> {
    message(i).map_err(|e| e.map(|e| e.in_layer(Layer::S7comm)))
}

fn message(i: &[u8]) -> IResult<'_, Message<'_>> {
    let (body, header) = parse_header(i)?;
    let mut v = Violations::NONE;
    let mut r = Reader::new(body, header.header_len());
    let param_pos = r.pos();
    let param_len = usize::from(header.parameter_length);
    let param = r.take_upto(param_len);
    let data_pos = r.pos();
    let data_len = usize::from(header.data_length);
    let data = r.take_upto(data_len);
    v.set_if(
        param.len() < param_len || data.len() < data_len,
        Violations::S7_LENGTH_EXCEEDS_PDU,
    );
    v.set_if(!r.is_empty(), Violations::S7_TRAILING_BYTES);
    let rosctr = header.rosctr();
    let parameter = params::parse_parameter(rosctr, param, param_pos, &mut v)?;
    let data = parse_data(rosctr, &parameter, data, data_pos, &mut v)?;
    Ok((
        i.get(i.len()..).unwrap_or_default(),
        Message {
            header,
            parameter,
            data,
            violations: v,
        },
    ))
}

fn parse_data<'a>(
    rosctr: Rosctr,
    parameter: &Parameter<'a>,
    d: &'a [u8],
    pos: usize,
    v: &mut Violations,
) -> PResult<Data<'a>> {
    let mut r = Reader::new(d, pos);
    if r.is_empty() {
        return Ok(Data::None);
    }
    let job = rosctr == Rosctr::Job;
    let ack = rosctr.is_ack();
    Ok(match parameter {
        Parameter::Userdata(p) => Data::Userdata(userdata::parse_data(&mut r, Some(p), v)?),
        _ if rosctr == Rosctr::Userdata => Data::Userdata(userdata::parse_data(&mut r, None, v)?),
        Parameter::ReadVar(p) if ack => Data::Items(DataItems::walk(&mut r, p.item_count, v)),
        Parameter::WriteVar(p) if job => Data::Items(DataItems::walk(&mut r, p.item_count, v)),
        Parameter::WriteVar(p) if ack => {
            let codes = r.take_rest();
            v.set_if(
                codes.len() != usize::from(p.item_count),
                Violations::S7_ITEM_COUNT_MISMATCH,
            );
            Data::ReturnCodes(codes)
        }
        Parameter::Upload(_) | Parameter::DownloadBlock(_) if ack => {
            let length = r.u16()?;
            let unknown = r.u16()?;
            let bytes = r.take_upto(usize::from(length));
            v.set_if(
                bytes.len() < usize::from(length),
                Violations::S7_LENGTH_EXCEEDS_PDU,
            );
            v.set_if(!r.is_empty(), Violations::S7_TRAILING_BYTES);
            r.take_rest();
            Data::Block(BlockData {
                length,
                unknown,
                bytes,
            })
        }
        _ => Data::Raw(r.take_rest()),
    })
}
