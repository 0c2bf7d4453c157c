//! The data of each encapsulation command (CIP Vol 2, 2-4).
//!
//! Parsing does not need the direction: the List commands' requests have no
//! data and their replies a Common Packet Format, and every other command
//! has the same layout both ways. The parser uses the whole framed data:
//! bytes past the last field a command defines are flagged
//! `TRAILING_BYTES`, never left for the caller.

use super::cpf::{item_type, parse_cpf, Cpf};
use super::encap::Command;
use super::util::{finish, plain, Cursor};
use super::Violations;
use crate::{Error, IResult, Layer};

/// RegisterSession data (Vol 2, 2-4.4): the same in request and reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegisterSession {
    /// Requested protocol version (1).
    pub protocol_version: u16,
    /// Options flags (0).
    pub options: u16,
}

/// SendRRData / SendUnitData data (Vol 2, 2-4.7, 2-4.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendData<'a> {
    /// Interface handle: 0 for CIP.
    pub interface_handle: u32,
    /// Timeout in seconds (SendRRData; 0 for SendUnitData).
    pub timeout: u16,
    /// The Common Packet Format with the address and data items.
    pub cpf: Cpf<'a>,
}

/// The CIP message a SendRRData or SendUnitData carries (Vol 2, 2-4.7,
/// 2-4.8, 2-6.3): for connected (class 3) messages the data item starts
/// with a 16-bit sequence count (Vol 2, 3-2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CipPayload<'a> {
    /// The connected data sequence count (SendUnitData only).
    pub sequence_count: Option<u16>,
    /// The connection id of the Connected address item (SendUnitData only).
    pub connection_id: Option<u32>,
    /// The CIP message router request or reply.
    pub message: &'a [u8],
}

impl<'a> SendData<'a> {
    /// The CIP message of the first data item: the Unconnected data item
    /// of SendRRData, or the Connected data item of SendUnitData less its
    /// sequence count (`None` when the item is missing or, connected,
    /// shorter than the count).
    pub fn cip(&self, command: Command) -> Option<CipPayload<'a>> {
        match command {
            Command::SendRRData => self.cpf.unconnected_data().map(|message| CipPayload {
                sequence_count: None,
                connection_id: None,
                message,
            }),
            Command::SendUnitData => {
                let data = self.cpf.connected_data()?;
                let (count, message) = data.split_first_chunk::<2>()?;
                Some(CipPayload {
                    sequence_count: Some(u16::from_le_bytes(*count)),
                    connection_id: self.cpf.connection_id(),
                    message,
                })
            }
            _ => None,
        }
    }
}

/// The data of one encapsulation command, by command (Vol 2, 2-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandData<'a> {
    /// NOP (2-4.1): the data, which the receiver ignores.
    Nop(&'a [u8]),
    /// ListServices (2-4.6): `None` for the request (no data), the reply's
    /// CPF of ListServices items otherwise.
    ListServices(Option<Cpf<'a>>),
    /// ListIdentity (2-4.2): `None` for the request, the reply's CPF of
    /// ListIdentity items otherwise.
    ListIdentity(Option<Cpf<'a>>),
    /// ListInterfaces (2-4.3): `None` for the request, the reply's CPF
    /// otherwise (no public item types; they come out as `Unknown`).
    ListInterfaces(Option<Cpf<'a>>),
    /// RegisterSession (2-4.4).
    RegisterSession(RegisterSession),
    /// UnRegisterSession (2-4.5): no data.
    UnRegisterSession,
    /// SendRRData (2-4.7).
    SendRRData(SendData<'a>),
    /// SendUnitData (2-4.8).
    SendUnitData(SendData<'a>),
    /// IndicateStatus (0x72): the data as sent.
    IndicateStatus(&'a [u8]),
    /// Cancel (0x73): the data as sent.
    Cancel(&'a [u8]),
    /// Any other command: the data as sent.
    Unknown(&'a [u8]),
}

/// The parsed data of an encapsulation packet (Vol 2, 2-4): the command,
/// its fields, and the spec violations found in them (the CPF's included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Body<'a> {
    /// The command the header named.
    pub command: Command,
    /// The command's fields.
    pub data: CommandData<'a>,
    /// Spec violations of the data (the header's are on the header).
    pub violations: Violations,
}

impl<'a> Body<'a> {
    /// The CIP message of a SendRRData or SendUnitData (see
    /// [`SendData::cip`]).
    pub fn cip(&self) -> Option<CipPayload<'a>> {
        match &self.data {
            CommandData::SendRRData(s) | CommandData::SendUnitData(s) => s.cip(self.command),
            _ => None,
        }
    }

    /// The CPF of the command, when it has one.
    pub fn cpf(&self) -> Option<&Cpf<'a>> {
        match &self.data {
            CommandData::ListServices(c)
            | CommandData::ListIdentity(c)
            | CommandData::ListInterfaces(c) => c.as_ref(),
            CommandData::SendRRData(s) | CommandData::SendUnitData(s) => Some(&s.cpf),
            _ => None,
        }
    }
}

/// Parses the data of an encapsulation packet for `command` (the header's
/// command code; Vol 2, 2-4). Data too short for a command's fixed fields
/// is `Truncated` (offset from the start of the data; layer
/// `EnipEncapsulation`, or `EnipCpf` for a missing item count); every other
/// problem is a flag. Uses the whole input.
pub fn parse_body(command: u16, data: &[u8]) -> IResult<'_, Body<'_>> {
    finish(data, body(Command::from(command), data))
}

fn list<'a>(
    data: &'a [u8],
    expect: Option<u16>,
    v: &mut Violations,
) -> Result<Option<Cpf<'a>>, Error> {
    if data.is_empty() {
        return Ok(None);
    }
    let cpf = plain(parse_cpf(data), Layer::EnipCpf, data.len())?;
    if let Some(t) = expect {
        v.set_if(
            cpf.raw_items().any(|r| r.type_id != t),
            Violations::UNEXPECTED_ITEMS,
        );
    }
    *v |= cpf.violations;
    Ok(Some(cpf))
}

fn send_data<'a>(
    data: &'a [u8],
    pair: (u16, u16),
    v: &mut Violations,
) -> Result<SendData<'a>, Error> {
    let mut c = Cursor::new(Layer::EnipEncapsulation, data);
    c.need(6)?;
    let interface_handle = c.u32()?;
    let timeout = c.u16()?;
    v.set_if(interface_handle != 0, Violations::INTERFACE_HANDLE_NONZERO);
    let cpf = plain(parse_cpf(c.rest()), Layer::EnipCpf, c.rest().len())
        .map_err(|e| super::util::shift(e, 6))?;
    let (a, d) = cpf.first_two_types();
    v.set_if(
        a != Some(pair.0) || d != Some(pair.1),
        Violations::UNEXPECTED_ITEMS,
    );
    *v |= cpf.violations;
    Ok(SendData {
        interface_handle,
        timeout,
        cpf,
    })
}

fn body(command: Command, data: &[u8]) -> Result<Body<'_>, Error> {
    let mut v = Violations::NONE;
    let parsed = match command {
        Command::Nop => CommandData::Nop(data),
        Command::ListServices => {
            CommandData::ListServices(list(data, Some(item_type::LIST_SERVICES), &mut v)?)
        }
        Command::ListIdentity => {
            CommandData::ListIdentity(list(data, Some(item_type::LIST_IDENTITY), &mut v)?)
        }
        Command::ListInterfaces => CommandData::ListInterfaces(list(data, None, &mut v)?),
        Command::RegisterSession => {
            let mut c = Cursor::new(Layer::EnipEncapsulation, data);
            c.need(4)?;
            let r = RegisterSession {
                protocol_version: c.u16()?,
                options: c.u16()?,
            };
            v.set_if(
                r.protocol_version != 1,
                Violations::UNSUPPORTED_PROTOCOL_VERSION,
            );
            v.set_if(r.options != 0, Violations::REGISTER_OPTIONS_NONZERO);
            v.set_if(!c.rest().is_empty(), Violations::TRAILING_BYTES);
            CommandData::RegisterSession(r)
        }
        Command::UnRegisterSession => {
            v.set_if(!data.is_empty(), Violations::TRAILING_BYTES);
            CommandData::UnRegisterSession
        }
        Command::SendRRData => CommandData::SendRRData(send_data(
            data,
            (item_type::NULL_ADDRESS, item_type::UNCONNECTED_DATA),
            &mut v,
        )?),
        Command::SendUnitData => {
            let s = send_data(
                data,
                (item_type::CONNECTED_ADDRESS, item_type::CONNECTED_DATA),
                &mut v,
            )?;
            // Class 3 connected data starts with a 16-bit sequence count.
            v.set_if(
                s.cpf.connected_data().is_some_and(|d| d.len() < 2),
                Violations::ITEM_LENGTH_MISMATCH,
            );
            CommandData::SendUnitData(s)
        }
        Command::IndicateStatus => CommandData::IndicateStatus(data),
        Command::Cancel => CommandData::Cancel(data),
        Command::Unknown(_) => CommandData::Unknown(data),
    };
    Ok(Body {
        command,
        data: parsed,
        violations: v,
    })
}
