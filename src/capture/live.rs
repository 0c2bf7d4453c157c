//! Live capture from network interfaces with libpcap: promiscuous, a
//! snaplen, a kernel buffer, an optional BPF filter, immediate mode off
//! (it drops under load), and non-blocking reads so that a quiet
//! interface never keeps the sensor from stopping (libpcap's read timeout
//! does not fire on Linux when no packet arrives). Capture only: nothing
//! is ever sent on the interface.

use super::{LinkType, RawPacket};
use crate::time::Ts;
use std::fmt;

/// How to open an interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveOptions {
    pub snaplen: i32,
    /// Kernel buffer, bytes.
    pub buffer_size: i32,
    pub promiscuous: bool,
    pub immediate: bool,
    /// A BPF filter expression.
    pub bpf: Option<String>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            snaplen: 65535,
            buffer_size: 32 << 20,
            promiscuous: true,
            immediate: false,
            bpf: None,
        }
    }
}

/// Compiles a BPF filter as libpcap would for an Ethernet interface, to
/// refuse a filter before any interface is opened; the error is libpcap's.
pub fn compile_filter(filter: &str) -> Result<(), String> {
    let dead = pcap::Capture::dead(pcap::Linktype::ETHERNET).map_err(|e| e.to_string())?;
    dead.compile(filter, true)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Why an interface could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveError {
    pub interface: String,
    pub reason: String,
}

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "interface {}: {}", self.interface, self.reason)
    }
}

impl std::error::Error for LiveError {}

/// Kernel counters of an interface (`pcap_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelStats {
    pub received: u64,
    pub dropped: u64,
    pub if_dropped: u64,
}

/// libpcap's reason, and for a refusal by the kernel, what is missing: a
/// packet socket needs CAP_NET_RAW.
fn with_hint(reason: String) -> String {
    let refused =
        reason.contains("Operation not permitted") || reason.contains("Permission denied");
    if refused {
        format!(
            "{reason}: capturing needs the CAP_NET_RAW capability (run as root, \
             `setcap cap_net_raw+ep` on the binary, or the systemd unit's \
             AmbientCapabilities=CAP_NET_RAW)"
        )
    } else {
        reason
    }
}

/// One interface being captured.
pub struct LiveSource {
    name: String,
    cap: pcap::Capture<pcap::Active>,
    link: LinkType,
}

impl LiveSource {
    pub fn open(name: &str, o: &LiveOptions) -> Result<LiveSource, LiveError> {
        let err = |reason: String| LiveError {
            interface: name.to_string(),
            reason,
        };
        let cap = pcap::Capture::from_device(name)
            .map_err(|e| err(e.to_string()))?
            .promisc(o.promiscuous)
            .snaplen(o.snaplen)
            .buffer_size(o.buffer_size)
            .immediate_mode(o.immediate)
            .timeout(100)
            .open()
            .map_err(|e| err(with_hint(e.to_string())))?;
        let mut cap = cap.setnonblock().map_err(|e| err(e.to_string()))?;
        if let Some(f) = &o.bpf {
            cap.filter(f, true)
                .map_err(|e| err(format!("BPF filter {f:?}: {e}")))?;
        }
        let link = LinkType::from_dlt(cap.get_datalink().0).map_err(|l| err(l.to_string()))?;
        Ok(LiveSource {
            name: name.to_string(),
            cap,
            link,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The next packet if one is waiting; `Ok(None)` when none is.
    pub fn poll(&mut self) -> Result<Option<RawPacket<'_>>, LiveError> {
        match self.cap.next_packet() {
            Ok(p) => Ok(Some(RawPacket {
                ts: Ts::from_timeval(p.header.ts.tv_sec, p.header.ts.tv_usec),
                link: self.link,
                wire_len: p.header.len,
                data: p.data,
            })),
            Err(pcap::Error::TimeoutExpired) | Err(pcap::Error::NoMorePackets) => Ok(None),
            Err(e) => Err(LiveError {
                interface: self.name.clone(),
                reason: e.to_string(),
            }),
        }
    }

    pub fn stats(&mut self) -> KernelStats {
        self.cap
            .stats()
            .map(|s| KernelStats {
                received: u64::from(s.received),
                dropped: u64::from(s.dropped),
                if_dropped: u64::from(s.if_dropped),
            })
            .unwrap_or_default()
    }
}
