//! Packet capture: reads raw packets from capture files (classic pcap
//! with its own reader, pcapng and the rest with libpcap) and from live
//! interfaces with libpcap, and hands them on with their timestamp, link
//! type and original length. No decoding happens here.
// No panics by construction: capture files and interfaces hand over any
// bytes at all, so outside tests this module and its children may not
// unwrap, index or slice unchecked, or overflow (enforced by clippy in
// `make lint`).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

mod classic;
mod file;
mod linktype;
mod live;

pub use file::{FileSource, OpenError, STDIN};
pub use linktype::{LinkType, UnsupportedLinkType};
pub use live::{compile_filter, KernelStats, LiveError, LiveOptions, LiveSource};

use crate::time::Ts;
use std::fmt;
use std::path::PathBuf;

/// One packet as it came from the capture, borrowed from the reader's buffer.
#[derive(Debug)]
pub struct RawPacket<'a> {
    pub ts: Ts,
    pub link: LinkType,
    /// Length on the wire; larger than `data.len()` when the snaplen cut the packet.
    pub wire_len: u32,
    pub data: &'a [u8],
}

/// A capture file could not be read to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub file: PathBuf,
    /// 1-based number of the packet that could not be read (the count of
    /// packets read from this file so far, plus one).
    pub packet: u64,
    pub reason: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: packet {}: {}",
            self.file.display(),
            self.packet,
            self.reason
        )
    }
}

impl std::error::Error for ReadError {}
