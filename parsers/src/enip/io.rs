//! Implicit (I/O) messages on UDP port 2222 (CIP Vol 2, 3-3.2): a Common
//! Packet Format with no encapsulation header, a Sequenced address item
//! and a Connected data item. [`Datagram`] is the reference's reading
//! (ICSNPP-enip's `CIP_IO`: both items at fixed places, the data by its
//! length field); [`Datagram::check`] is the spec's.
//!
//! What the data holds — a 16-bit sequence count for transport class 1, a
//! 32-bit run/idle header for the O->T direction (CIP Vol 1, 3-6.1), then
//! application data — depends on the Forward_Open that set the connection
//! up, so the split is the caller's ([`Datagram::split`]).

use super::item::{self, item_type, Carries, Expect};
use super::util::Cursor;
use super::Violations;
use crate::{Error, Layer};

/// Whether a delivery is cyclic I/O as the reference tells it: a CPF item
/// count of 2 where an encapsulation command would be (Vol 2, 3-3.2; no
/// encapsulation command is 2).
pub fn is_io(data: &[u8]) -> bool {
    data.first_chunk::<2>() == Some(&2u16.to_le_bytes())
}

/// One I/O datagram (CIP Vol 2, 3-3.2) as the reference reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Datagram<'a> {
    bytes: &'a [u8],
    connection_id: u32,
    sequence_number: u32,
    data: &'a [u8],
}

impl<'a> Datagram<'a> {
    /// Reads `bytes` the reference's way: item count, the Sequenced address
    /// item's type and length (not checked), connection id and sequence
    /// number, the Connected data item's type (not checked) and length,
    /// and that many bytes of data. Fewer bytes is `Truncated` (layer
    /// `EnipCpf`).
    pub fn new(bytes: &'a [u8]) -> Result<Datagram<'a>, Error> {
        let mut c = Cursor::new(Layer::EnipCpf, bytes);
        c.take(6)?;
        let connection_id = c.u32()?;
        let sequence_number = c.u32()?;
        c.u16()?;
        let n = c.u16()?;
        let data = c.take(usize::from(n))?;
        Ok(Datagram {
            bytes,
            connection_id,
            sequence_number,
            data,
        })
    }

    /// The connection id of the Sequenced address item.
    pub fn connection_id(&self) -> u32 {
        self.connection_id
    }

    /// The encapsulation sequence number of the Sequenced address item.
    pub fn sequence_number(&self) -> u32 {
        self.sequence_number
    }

    /// The Connected data item's data.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The checked form: the datagram read as a CPF by the spec (Vol 2,
    /// 2-6.1): `UNEXPECTED_ITEMS` unless the first items are a Sequenced
    /// address and a Connected data item, and the CPF's flags (item count,
    /// lengths, trailing bytes).
    pub fn check(&self) -> Violations {
        let mut v = Violations::NONE;
        let pair = Expect::Pair(item_type::SEQUENCED_ADDRESS, item_type::CONNECTED_DATA);
        // The item count is there (the reading above used it): no error.
        if item::check(self.bytes, 0, pair, Carries::Io, &mut v).is_err() {
            v.insert(Violations::ITEM_COUNT_MISMATCH);
        }
        v
    }

    /// Splits the data: a sequence count when `sequence_count` (class 1),
    /// then a run/idle header when `run_idle` (Vol 1, 3-4.4.3, 3-6.1). Data
    /// too short for the headers asked for is `Truncated` (layer
    /// `EnipCpf`, offset from the start of the data).
    pub fn split(&self, sequence_count: bool, run_idle: bool) -> Result<IoData<'a>, Error> {
        let mut c = Cursor::new(Layer::EnipCpf, self.data);
        let sequence_count = if sequence_count { Some(c.u16()?) } else { None };
        let run_idle = if run_idle { Some(c.u32()?) } else { None };
        Ok(IoData {
            sequence_count,
            run_idle,
            application: c.take_rest(),
        })
    }
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
