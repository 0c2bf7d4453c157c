//! Protocol analyzers: the glue between a connection's reassembled byte
//! streams (or datagrams) and the pure parsers of `otwatch-parsers`.
//!
//! The flow layer drives an analyzer through [`Analyzer`]: ordered data per
//! direction, gaps where bytes were lost, and end of stream. An analyzer that
//! recognises its protocol confirms it, which names the connection's
//! `service` in conn.log.
//!
//! No panics by construction: analyzers handle attacker-controlled bytes,
//! so outside tests they may not unwrap, index or slice unchecked, or
//! overflow (enforced by clippy in `make lint`).
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

use crate::event::{Emitter, Event, Weird, WeirdScope};
use crate::flow::Dir;
use crate::time::Ts;

pub use crate::event::ConnId;

/// A connection's weirds: each name logged once, all of them counted.
#[derive(Debug, Default)]
pub struct WeirdTally {
    logged: Vec<&'static str>,
    pub count: u64,
}

impl WeirdTally {
    /// Emits a conn weird unless this name was logged for the connection.
    pub fn report(
        &mut self,
        ts: Ts,
        id: &ConnId,
        name: &'static str,
        addl: Option<String>,
        source: &'static str,
        em: &mut Emitter,
    ) {
        self.count = self.count.saturating_add(1);
        if self.logged.contains(&name) {
            return;
        }
        self.logged.push(name);
        em.emit(Event::Weird(Box::new(Weird {
            ts,
            scope: WeirdScope::Conn(id.clone()),
            name,
            addl,
            source,
        })));
    }
}

/// What the flow layer knows about a connection that an analyzer's
/// policy may depend on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnFacts {
    /// First seen without its handshake.
    pub partial: bool,
    /// Bytes of either direction were lost.
    pub had_gap: bool,
    /// Payload bytes exchanged so far, both directions.
    pub payload_bytes: u64,
}

/// State the analyzers of one flow-table shard share across connections.
/// Dispatch keeps the flows it links (e.g. an EtherNet/IP session and the
/// I/O it opens between the same two hosts) in one shard, so lookups never
/// depend on the number of workers.
#[derive(Debug, Default)]
pub struct Shared {
    pub cip: enip::CipConnections,
    /// The payload rules' reusable buffers.
    pub payload: crate::rules::payload::Scratch,
}

/// What an analyzer may do while it handles data.
pub struct Context<'a> {
    pub ts: Ts,
    pub id: &'a ConnId,
    pub facts: ConnFacts,
    pub emitter: &'a mut Emitter,
    /// Protocols confirmed on this connection (conn.log `service`).
    pub services: &'a mut Vec<&'static str>,
    pub weirds: &'a mut WeirdTally,
    /// Log rows an analyzer chose not to write (rate limits), counted.
    pub rows_limited: &'a mut u64,
    pub shared: &'a mut Shared,
}

impl Context<'_> {
    /// Records that the connection carries `service` (once).
    pub fn confirm(&mut self, service: &'static str) {
        if !self.services.contains(&service) {
            self.services.push(service);
        }
    }

    /// Reports an anomaly of this connection to weird.log.
    pub fn weird(&mut self, name: &'static str, addl: Option<String>, source: &'static str) {
        self.weirds
            .report(self.ts, self.id, name, addl, source, self.emitter);
    }

    /// Emits an event.
    pub fn event(&mut self, e: Event) {
        self.emitter.emit(e);
    }

    /// A record's box (a spare one when there is one).
    pub fn boxed<T: crate::event::Reused>(&mut self, v: T) -> Box<T> {
        self.emitter.boxed(v)
    }
}

/// An 18-hex-digit id for the `n`-th message of connection `uid`, shared by
/// the rows made from that message (ICSNPP draws random ones; ours are
/// reproducible, and only the linking can be compared).
pub fn message_id(uid: &str, n: u64) -> crate::id::Id {
    let mut h = crate::flow::key::Fnv::default();
    h.bytes(uid.as_bytes());
    h.bytes(&n.to_be_bytes());
    let a = crate::flow::key::mix(h.0);
    let b = crate::flow::key::mix(a ^ n);
    // `a` and the low byte of `b` in hex, into a stack buffer: this runs
    // for every message, and `format!` was a measurable share of the
    // workers' time.
    let bytes = a.to_be_bytes().into_iter().chain([b as u8]);
    let mut id = [0u8; 18];
    for (digits, byte) in id.chunks_exact_mut(2).zip(bytes) {
        digits.copy_from_slice(&crate::id::hex_pair(byte));
    }
    crate::id::Id::new(std::str::from_utf8(&id).unwrap_or_default())
}

/// A protocol analyzer attached to one connection.
pub trait Analyzer: Send {
    /// In-order bytes of one direction (TCP) or one datagram (UDP).
    fn on_data(&mut self, dir: Dir, data: &[u8], cx: &mut Context<'_>);
    /// `len` bytes of `dir` were lost; resynchronise.
    fn on_gap(&mut self, dir: Dir, len: u64, cx: &mut Context<'_>);
    /// The connection ended; flush what is pending.
    fn on_eof(&mut self, cx: &mut Context<'_>);
    /// Bytes held for later (partial messages, unanswered requests): the
    /// flow table keeps the sum of its connections' within a budget.
    fn buffered(&self) -> usize {
        0
    }
}

mod detect;
pub mod enip;
pub mod modbus;
pub mod opcua;
pub mod profinet;
pub mod s7;

#[cfg(test)]
pub(crate) mod testkit;

/// Settings of the protocol analyzers.
#[derive(Clone, Debug, PartialEq)]
pub struct AnalyzerConfig {
    /// At most one `cip_io.log` row per I/O connection and direction in this
    /// interval (zero: every datagram, as the reference logs them).
    pub cip_io_interval: crate::time::Micros,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            cip_io_interval: crate::time::Micros::from_secs(60),
        }
    }
}

/// Picks the analyzer for a new connection: by the responder's port, and
/// on other TCP ports by content (EtherNet/IP's header, then Modbus).
pub fn for_connection(
    cfg: &AnalyzerConfig,
    proto: u8,
    orig_port: u16,
    resp_port: u16,
) -> Option<Box<dyn Analyzer>> {
    match (proto, resp_port) {
        (6, modbus::PORT) => Some(Box::new(modbus::Modbus::new())),
        (6, opcua::PORT) => Some(Box::new(opcua::OpcUa::new())),
        (6, s7::PORT) => Some(Box::new(s7::S7::new())),
        (6 | 17, enip::PORT) | (17, enip::IO_PORT) => Some(Box::new(enip::Enip::new(cfg))),
        (6, _) => Some(Box::new(detect::Detect::new(cfg, orig_port))),
        _ => None,
    }
}

/// The analyzer of a UDP flow that no port names, by its first
/// datagram: PROFINET IO context management (connectionless DCE/RPC),
/// which runs between ephemeral ports.
pub fn for_datagram(first: &[u8], ports: (u16, u16)) -> Option<Box<dyn Analyzer>> {
    profinet::probe(first, ports).then(|| Box::new(profinet::PnioCm) as Box<dyn Analyzer>)
}

#[cfg(test)]
mod tests {
    /// Message ids are written as plain text (no escape scan).
    #[test]
    fn message_ids_need_no_escaping() {
        crate::logs::assert_plain(&super::message_id("CHhAvVGS1DHFjwGM9", 7));
    }

    #[test]
    fn message_ids_are_the_two_hashes_in_hex() {
        for (uid, n) in [("CAbc", 0u64), ("C123456789", 77), ("", u64::MAX)] {
            let mut h = crate::flow::key::Fnv::default();
            h.bytes(uid.as_bytes());
            h.bytes(&n.to_be_bytes());
            let a = crate::flow::key::mix(h.0);
            let b = crate::flow::key::mix(a ^ n);
            assert_eq!(
                super::message_id(uid, n),
                format!("{:016x}{:02x}", a, b & 0xff)
            );
        }
    }
}
