//! PROFINET IO events: the connectionless DCE/RPC PDUs of context
//! management (IEC 61158-6-10: Connect, Write, Control, Read, Release on
//! UDP). Codes and numbers only: the names are the logs'
//! (`crate::logs::profinet`).

pub use otwatch_parsers::dcerpc::{Fack, Fields, Header};

pub use super::Sent;

/// One connectionless DCE/RPC PDU of PNIO-CM: `profinet_io_cm.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rpc {
    pub sent: Sent,
    /// Its header (and a FACK's body).
    pub header: Header,
}
