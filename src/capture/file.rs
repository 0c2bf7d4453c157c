//! Offline capture from pcap and pcapng files, several files read in the
//! order given. Classic pcap files of the link types otwatch decodes are
//! read by [`super::classic`]; everything else by libpcap, which
//! recognises the formats by their magic numbers.

use super::classic::{self, Header};
use super::{LinkType, RawPacket, ReadError, UnsupportedLinkType};
use crate::time::Ts;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a capture file could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// libpcap refused the file (not a capture, unreadable, ...).
    Pcap { file: PathBuf, reason: String },
    /// The file's link type is not one otwatch decodes.
    LinkType {
        file: PathBuf,
        link: UnsupportedLinkType,
    },
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Pcap { file, reason } => {
                write!(f, "{}: cannot read capture: {reason}", file.display())
            }
            OpenError::LinkType { file, link } => write!(f, "{}: {link}", file.display()),
        }
    }
}

impl std::error::Error for OpenError {}

/// Who reads the file's records.
enum Records {
    Classic(classic::Reader<File>),
    Pcap(pcap::Capture<pcap::Offline>),
}

/// Reads the packets of one capture file.
pub struct FileSource {
    path: PathBuf,
    records: Records,
    link: LinkType,
    dlt: i32,
    read: u64,
    bytes: u64,
}

/// The argument that reads a capture from standard input (as tcpdump,
/// Zeek and Suricata take it).
pub const STDIN: &str = "-";

impl FileSource {
    /// Opens a capture file, or standard input for [`STDIN`] (libpcap
    /// reads it, pcap or pcapng).
    pub fn open(path: &Path) -> Result<FileSource, OpenError> {
        let shown = if path == Path::new(STDIN) {
            PathBuf::from("standard input")
        } else {
            path.to_path_buf()
        };
        let link_error = |link| OpenError::LinkType {
            file: shown.clone(),
            link,
        };
        let (records, dlt) = match classic_file(path) {
            Some((reader, linktype)) => (Records::Classic(reader), linktype as i32),
            None => {
                let cap = pcap::Capture::from_file(path).map_err(|e| OpenError::Pcap {
                    file: shown.clone(),
                    reason: e.to_string(),
                })?;
                let dlt = cap.get_datalink().0;
                (Records::Pcap(cap), dlt)
            }
        };
        let link = LinkType::from_dlt(dlt).map_err(link_error)?;
        Ok(FileSource {
            path: shown,
            records,
            link,
            dlt,
            read: 0,
            bytes: 0,
        })
    }

    /// A BPF filter (tcpdump syntax) compiled for this file's link type:
    /// it takes a packet's captured bytes.
    pub fn compile_filter(&self, expr: &str) -> Result<pcap::BpfProgram, String> {
        pcap::Capture::dead(pcap::Linktype(self.dlt))
            .and_then(|dead| dead.compile(expr, true))
            .map_err(|e| format!("{}: BPF filter {expr:?}: {e}", self.path.display()))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Packets read so far.
    pub fn packets_read(&self) -> u64 {
        self.read
    }

    /// Captured bytes read so far (packet data, without record headers).
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The next packet, `Ok(None)` at the end of the file, or an error naming
    /// the file and the packet that could not be read.
    pub fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, ReadError> {
        let read = self.read;
        let error = |reason: String| ReadError {
            file: self.path.clone(),
            packet: read.saturating_add(1),
            reason,
        };
        let (ts, wire_len, data) = match &mut self.records {
            Records::Classic(r) => match r.next_record() {
                Ok(Some(p)) => (Ts::from_timeval(p.sec, p.usec), p.wire_len, p.data),
                Ok(None) => return Ok(None),
                Err(reason) => return Err(error(reason)),
            },
            Records::Pcap(cap) => match cap.next_packet() {
                Ok(p) => (
                    Ts::from_timeval(p.header.ts.tv_sec, p.header.ts.tv_usec),
                    p.header.len,
                    p.data,
                ),
                Err(pcap::Error::NoMorePackets) => return Ok(None),
                Err(e) => return Err(error(e.to_string())),
            },
        };
        self.read = self.read.saturating_add(1);
        self.bytes = self.bytes.saturating_add(data.len() as u64);
        Ok(Some(RawPacket {
            ts,
            link: self.link,
            wire_len,
            data,
        }))
    }
}

/// The classic reader and link type of a file this reader takes; `None`
/// leaves the file to libpcap (which also reports any error opening it).
/// Only regular files: reading the header of a pipe would take its first
/// bytes from libpcap.
fn classic_file(path: &Path) -> Option<(classic::Reader<File>, u32)> {
    let mut f = File::open(path).ok()?;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    let mut h = [0u8; Header::LEN];
    f.read_exact(&mut h).ok()?;
    let header = Header::parse(&h)?;
    Some((classic::Reader::new(f, header), header.linktype))
}
