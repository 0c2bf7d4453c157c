//! Protocol analyzers: the glue between a connection's reassembled byte
//! streams (or datagrams) and the pure parsers of `otwatch-parsers`.
//!
//! The flow layer drives an analyzer through [`Analyzer`]: ordered data per
//! direction, gaps where bytes were lost, and end of stream. An analyzer that
//! recognises its protocol confirms it, which names the connection's
//! `service` in conn.log.

use crate::flow::Dir;
use crate::record::Emitter;
use crate::time::Ts;

/// What an analyzer may do while it handles data.
pub struct Context<'a> {
    pub ts: Ts,
    pub uid: &'a str,
    pub emitter: &'a mut Emitter,
    /// Protocols confirmed on this connection (conn.log `service`).
    pub services: &'a mut Vec<&'static str>,
}

impl Context<'_> {
    /// Records that the connection carries `service` (once).
    pub fn confirm(&mut self, service: &'static str) {
        if !self.services.contains(&service) {
            self.services.push(service);
        }
    }
}

/// A protocol analyzer attached to one connection.
pub trait Analyzer: Send {
    /// In-order bytes of one direction (TCP) or one datagram (UDP).
    fn on_data(&mut self, dir: Dir, data: &[u8], cx: &mut Context<'_>);
    /// `len` bytes of `dir` were lost; resynchronise.
    fn on_gap(&mut self, dir: Dir, len: u64, cx: &mut Context<'_>);
    /// The connection ended; flush what is pending.
    fn on_eof(&mut self, cx: &mut Context<'_>);
}

/// Picks the analyzer for a new connection. The protocol issues register
/// theirs here (by port, then by content probe); none exist yet, so every
/// connection is tracked without content analysis.
pub fn for_connection(_proto: u8, _resp_port: u16) -> Option<Box<dyn Analyzer>> {
    None
}
