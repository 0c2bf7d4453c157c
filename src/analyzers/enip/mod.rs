//! The EtherNet/IP analyzer: encapsulation messages on TCP and UDP 44818
//! and implicit I/O on UDP 2222, logged as CISA ICSNPP-enip logs them
//! (`enip.log`, `cip.log`, `cip_io.log`, `cip_identity.log`).
//!
//! Each delivered chunk (a TCP delivery or a UDP datagram) is read as one
//! message from its first byte, as the reference does, through the
//! parsers crate's view of it (`otwatch_parsers::enip`, the reference's
//! field-by-field reading); [`events`] keeps the state and makes the
//! events. A message that runs out of bytes keeps the events made before
//! that point and reports a protocol violation. As for Modbus, a
//! violation on a clean young connection (handshake seen, no gaps, at most
//! 10 KiB) stops the analysis.
//!
//! Deliberate differences: CIP services from 0x4B up are named per class
//! when the request path names the class (0x4C is "Read Tag" on the Logix
//! symbol class); the reference prints `unknown` for all of them. And
//! `cip_io.log`, a row per datagram in the reference (cyclic I/O runs every
//! few milliseconds), is rate-limited by default: at most one row per I/O
//! connection id and direction per `--cip-io-interval` (60 s), with the
//! rows left out counted; an interval of 0 logs every datagram.

mod events;

#[cfg(test)]
mod tests;

use super::{Analyzer, AnalyzerConfig, Context};
use crate::event::enip::IoLink;
use crate::flow::Dir;

/// The encapsulation port (TCP and UDP).
pub const PORT: u16 = 44818;
/// The implicit I/O port (UDP).
pub const IO_PORT: u16 = 2222;

const VIOLATIONS_MATTER_UNTIL: u64 = 10 * 1024;

/// Which link: the two hosts (in a fixed order) and the connection id.
type LinkKey = (std::net::IpAddr, std::net::IpAddr, u32);

fn link_key(a: std::net::IpAddr, b: std::net::IpAddr, id: u32) -> LinkKey {
    if a <= b {
        (a, b, id)
    } else {
        (b, a, id)
    }
}

/// The I/O connections Forward Opens set up, by host pair and connection
/// id (ids are only unique between two hosts), at most [`MAX_IO_LINKS`]
/// per shard (the oldest is forgotten first).
#[derive(Debug, Default)]
pub struct CipConnections {
    links: std::collections::HashMap<LinkKey, IoLink>,
    order: std::collections::VecDeque<LinkKey>,
}

/// I/O connections remembered per flow-table shard; past this the oldest
/// is forgotten, counted as `cip_io_links_overflow`.
pub const MAX_IO_LINKS: usize = 4096;

impl CipConnections {
    /// Remembers a link; returns how many old links were forgotten to
    /// make room (0 or 1).
    pub fn insert(&mut self, id: u32, link: IoLink) -> u64 {
        let key = link_key(link.origin, link.target, id);
        if self.links.insert(key, link).is_none() {
            self.order.push_back(key);
        }
        let mut forgotten = 0u64;
        while self.links.len() > MAX_IO_LINKS {
            match self.order.pop_front() {
                Some(old) => {
                    if self.links.remove(&old).is_some() {
                        forgotten = forgotten.saturating_add(1);
                    }
                }
                None => break,
            }
        }
        forgotten
    }

    /// The link of connection `id` between hosts `a` and `b`.
    pub fn get(&self, a: std::net::IpAddr, b: std::net::IpAddr, id: u32) -> Option<&IoLink> {
        self.links.get(&link_key(a, b, id))
    }
}

/// Whether `b` starts like an encapsulation header (the reference's
/// detection signature).
pub use otwatch_parsers::enip::looks_like_encapsulation;

/// One connection's EtherNet/IP analysis.
#[derive(Debug, Default)]
pub struct Enip {
    disabled: bool,
    messages: u64,
    io: events::IoLimiter,
    pending: events::Pending,
}

impl Enip {
    pub fn new(cfg: &AnalyzerConfig) -> Enip {
        Enip {
            io: events::IoLimiter::new(cfg.cip_io_interval),
            ..Enip::default()
        }
    }

    /// The number of this message on the connection, from which the
    /// 18-hex-digit id shared by its rows is made.
    fn next_message(&mut self) -> u64 {
        self.messages = self.messages.wrapping_add(1);
        self.messages
    }
}

impl Analyzer for Enip {
    fn on_data(&mut self, dir: Dir, data: &[u8], cx: &mut Context<'_>) {
        if self.disabled || data.is_empty() {
            return;
        }
        let number = self.next_message();
        // Cyclic I/O is most datagrams and most get no row (rate limit):
        // their head is made only for a row.
        let read = if otwatch_parsers::enip::is_io(data) {
            events::io(number, dir, data, &mut self.io, cx)
        } else {
            let head = events::head(number, dir, cx);
            events::message(&head, data, &mut self.pending, cx)
        };
        if let Err(reason) = read {
            cx.weird(reason, None, "ENIP");
            let f = cx.facts;
            if !f.partial && !f.had_gap && f.payload_bytes <= VIOLATIONS_MATTER_UNTIL {
                self.disabled = true;
                cx.weird("enip_analysis_stopped", Some(reason.to_string()), "ENIP");
            }
        }
    }

    fn on_gap(&mut self, _dir: Dir, _len: u64, _cx: &mut Context<'_>) {
        // Each delivery is read on its own: nothing to resynchronise.
    }

    fn on_eof(&mut self, _cx: &mut Context<'_>) {}
}
