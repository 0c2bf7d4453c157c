//! PROFINET IO events: the connectionless DCE/RPC PDUs of context
//! management (IEC 61158-6-10: Connect, Write, Control, Read, Release on
//! UDP). Codes and numbers only: the names are the logs'
//! (`crate::logs::profinet`).

pub use otwatch_parsers::dcerpc::{Fack, Fields};

pub use super::Sent;

/// One connectionless DCE/RPC PDU of PNIO-CM: `profinet_io_cm.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rpc {
    pub sent: Sent,
    pub version: u8,
    /// The packet type octet as sent (the type is its low five bits).
    pub ptype: u8,
    pub flags1: u8,
    pub flags2: u8,
    pub drep: [u8; 3],
    /// The header after the data representation, when its integers are
    /// big- or little-endian.
    pub fields: Option<Fields>,
    /// A fragment acknowledgement's body.
    pub fack: Option<Fack>,
}
