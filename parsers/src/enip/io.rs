//! Implicit (I/O) messages on UDP port 2222 (CIP Vol 2, 3-3.2): a Common
//! Packet Format with no encapsulation header, normally a Sequenced
//! address item and a Connected data item. What the data holds — a 16-bit
//! sequence count for transport class 1, a 32-bit run/idle header for the
//! O->T direction (CIP Vol 1, 3-6.1), then application data — depends on
//! the Forward_Open that set the connection up, so this module exposes the
//! items and leaves the split to the caller ([`split_io_data`]).

use super::cpf::{item_type, parse_cpf, Cpf};
use super::util::{finish, plain, Cursor};
use super::Violations;
use crate::{Error, IResult, Layer};

/// One implicit I/O packet (CIP Vol 2, 3-3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoPacket<'a> {
    /// The whole CPF.
    pub cpf: Cpf<'a>,
    /// Connection id and encapsulation sequence number of the Sequenced
    /// address item.
    pub sequenced_address: Option<(u32, u32)>,
    /// The Connected data item's data.
    pub data: Option<&'a [u8]>,
    /// Spec violations (the CPF's, and `UNEXPECTED_ITEMS` unless the first
    /// items are a Sequenced address and a Connected data item).
    pub violations: Violations,
}

/// Parses a UDP I/O datagram (CIP Vol 2, 3-3.2). Only a missing item count
/// is an error (layer `EnipCpf`). Uses all the input.
pub fn parse_io(i: &[u8]) -> IResult<'_, IoPacket<'_>> {
    let r = plain(parse_cpf(i), Layer::EnipCpf, i.len()).map(|cpf| {
        let mut v = cpf.violations;
        let (a, d) = cpf.first_two_types();
        v.set_if(
            a != Some(item_type::SEQUENCED_ADDRESS) || d != Some(item_type::CONNECTED_DATA),
            Violations::UNEXPECTED_ITEMS,
        );
        IoPacket {
            cpf,
            sequenced_address: cpf.sequenced_address(),
            data: cpf.connected_data(),
            violations: v,
        }
    });
    finish(i, r)
}

/// Connected I/O data split into its headers (CIP Vol 1, 3-4.4.3 class 1
/// sequence count; 3-6.1 real-time format with a 32-bit run/idle header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoData<'a> {
    /// The 16-bit CIP sequence count (transport class 1).
    pub sequence_count: Option<u16>,
    /// The 32-bit run/idle header (O->T with the 32-bit header format).
    pub run_idle: Option<u32>,
    /// The application data.
    pub application: &'a [u8],
}

impl IoData<'_> {
    /// The run bit of the run/idle header (bit 0: 1 run, 0 idle).
    pub fn is_run(&self) -> Option<bool> {
        self.run_idle.map(|h| h & 1 == 1)
    }
}

/// Splits Connected data of an I/O packet: a sequence count when
/// `sequence_count` (class 1), then a run/idle header when `run_idle`
/// (Vol 1, 3-6.1). Data too short for the headers asked for is `Truncated`
/// (layer `EnipCpf`, offset from the start of the data).
pub fn split_io_data(
    data: &[u8],
    sequence_count: bool,
    run_idle: bool,
) -> Result<IoData<'_>, Error> {
    let mut c = Cursor::new(Layer::EnipCpf, data);
    let sequence_count = if sequence_count { Some(c.u16()?) } else { None };
    let run_idle = if run_idle { Some(c.u32()?) } else { None };
    Ok(IoData {
        sequence_count,
        run_idle,
        application: c.take_rest(),
    })
}
