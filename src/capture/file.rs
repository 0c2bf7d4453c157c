//! Offline capture from pcap and pcapng files, several files read in the
//! order given (libpcap recognises both formats by their magic numbers).

use super::{LinkType, RawPacket, ReadError, UnsupportedLinkType};
use crate::time::Ts;
use std::fmt;
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

/// Reads the packets of one capture file.
pub struct FileSource {
    path: PathBuf,
    cap: pcap::Capture<pcap::Offline>,
    link: LinkType,
    read: u64,
    bytes: u64,
}

impl FileSource {
    pub fn open(path: &Path) -> Result<FileSource, OpenError> {
        let cap = pcap::Capture::from_file(path).map_err(|e| OpenError::Pcap {
            file: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let link =
            LinkType::from_dlt(cap.get_datalink().0).map_err(|link| OpenError::LinkType {
                file: path.to_path_buf(),
                link,
            })?;
        Ok(FileSource {
            path: path.to_path_buf(),
            cap,
            link,
            read: 0,
            bytes: 0,
        })
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
        match self.cap.next_packet() {
            Ok(p) => {
                self.read += 1;
                self.bytes += p.data.len() as u64;
                let ts = Ts::from_timeval(p.header.ts.tv_sec, p.header.ts.tv_usec);
                Ok(Some(RawPacket {
                    ts,
                    link: self.link,
                    wire_len: p.header.len,
                    data: p.data,
                }))
            }
            Err(pcap::Error::NoMorePackets) => Ok(None),
            Err(e) => Err(ReadError {
                file: self.path.clone(),
                packet: self.read + 1,
                reason: e.to_string(),
            }),
        }
    }
}
