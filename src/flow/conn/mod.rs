//! One tracked connection: its originator, counters, Zeek's TCP state
//! machine and history, TCP reassembly and the protocol analyzer.
//!
//! Invariants:
//! - `orig_side` says which side of the canonical key is the originator;
//!   the roles flip only where Zeek flips them (at creation by likely server
//!   port, or a connection that began with a lone SYN-ACK), recorded as '^';
//! - byte counts come from sequence numbers for TCP (as Zeek does) and from
//!   length fields for UDP and ICMP;
//! - the record is produced exactly once, by [`Conn::finish`], and weirds
//!   are logged at most once per name per connection (all are counted).

mod segment;

use super::history::{History, Scaled};
use super::key::{make_uid, Dir, FlowKey, Side};
use super::local::is_local;
use super::ports::likely_server_port;
use super::reassembly::StreamSink;
use super::tcp::{self, TcpState};
use super::{FlowConfig, FlowCounters};
use crate::analyzers::{self, Analyzer, ConnFacts, ConnId, Context, Shared, WeirdTally};
use crate::decode::{tcp_flags as F, Decoded, Transport};
use crate::event::{Conn as ConnEvent, ConnStart, Emitter, Event, PayloadMatch};
use crate::rules::payload::{Chunk, PayloadSet};
use crate::time::Ts;
use segment::TcpConn;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    pkts: u64,
    ip_bytes: u64,
    /// Payload bytes for UDP and ICMP; TCP sizes come from sequence numbers.
    size: u64,
    /// UDP: a datagram was seen from this side.
    active: bool,
}

pub struct Conn {
    pub key: FlowKey,
    pub first_seq: u64,
    orig_side: Side,
    start: Ts,
    last: Ts,
    counts: [Counts; 2],
    history: History,
    tcp: Option<Box<TcpConn>>,
    app: App,
    /// The first source MAC seen from the originator and the responder
    /// (for the device inventory; not a conn.log column).
    macs: [Option<[u8; 6]>; 2],
}

/// The protocol-analysis side of a connection: who it is, its analyzer,
/// the services the analyzer confirmed and the weirds reported.
struct App {
    id: ConnId,
    facts: ConnFacts,
    analyzer: Option<Box<dyn Analyzer>>,
    services: Vec<&'static str>,
    weirds: WeirdTally,
    rows_limited: u64,
    /// The payload rules the connection started under, and its flowbits.
    rules: Option<Arc<PayloadSet>>,
    bits: Vec<u64>,
    /// TCP: out of the handshake (or picked up midway); UDP: both sides
    /// have sent (`flow:established`).
    established: bool,
}

impl App {
    /// A sink that hands `dir`'s stream to the analyzer.
    fn sink<'a>(
        &'a mut self,
        dir: Dir,
        ts: Ts,
        em: &'a mut Emitter,
        shared: &'a mut Shared,
    ) -> AnalyzerSink<'a> {
        AnalyzerSink {
            dir,
            analyzer: self.analyzer.as_deref_mut(),
            rules: self.rules.as_deref(),
            bits: &mut self.bits,
            established: self.established,
            cx: Context {
                ts,
                id: &self.id,
                facts: self.facts,
                emitter: em,
                services: &mut self.services,
                weirds: &mut self.weirds,
                rows_limited: &mut self.rows_limited,
                shared,
            },
        }
    }

    fn weird(&mut self, ts: Ts, name: &'static str, source: &'static str, em: &mut Emitter) {
        self.weirds.report(ts, &self.id, name, None, source, em);
    }
}

/// Feeds one direction's stream to the analyzer, if any.
struct AnalyzerSink<'a> {
    dir: Dir,
    analyzer: Option<&'a mut (dyn Analyzer + 'static)>,
    rules: Option<&'a PayloadSet>,
    bits: &'a mut Vec<u64>,
    established: bool,
    cx: Context<'a>,
}

impl AnalyzerSink<'_> {
    fn eof(&mut self) {
        if let Some(a) = self.analyzer.as_mut() {
            a.on_eof(&mut self.cx);
        }
    }
}

impl StreamSink for AnalyzerSink<'_> {
    fn data(&mut self, bytes: &[u8]) {
        if let Some(a) = self.analyzer.as_mut() {
            a.on_data(self.dir, bytes, &mut self.cx);
        }
        // After the analyzer, so that a rule of the protocol it confirms
        // with these bytes sees them.
        if let Some(rules) = self.rules {
            let chunk = Chunk {
                id: self.cx.id,
                dir: self.dir,
                data: bytes,
                established: self.established,
                services: self.cx.services,
            };
            let (ts, em) = (self.cx.ts, &mut *self.cx.emitter);
            rules.inspect(&chunk, self.bits, &mut self.cx.shared.payload, &mut |sid| {
                em.emit(Event::PayloadMatch(Box::new(PayloadMatch {
                    ts,
                    id: chunk.id.clone(),
                    dir: chunk.dir,
                    sid,
                    len: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
                    service: chunk.services.first().copied(),
                })))
            });
        }
    }
    fn gap(&mut self, len: u64) {
        if let Some(a) = self.analyzer.as_mut() {
            a.on_gap(self.dir, len, &mut self.cx);
        }
    }
}

fn other(s: Side) -> Side {
    match s {
        Side::A => Side::B,
        Side::B => Side::A,
    }
}

fn dir_of(idx: usize) -> Dir {
    if idx == 0 {
        Dir::Orig
    } else {
        Dir::Resp
    }
}

/// `dir`'s item of a per-direction pair (the originator's first).
fn at<T>(a: &[T; 2], dir: Dir) -> &T {
    let [o, r] = a;
    match dir {
        Dir::Orig => o,
        Dir::Resp => r,
    }
}

/// `dir`'s item of a per-direction pair, to change.
fn at_mut<T>(a: &mut [T; 2], dir: Dir) -> &mut T {
    pair(a, dir).0
}

/// Mutable references to (this direction's item, the other direction's item).
fn pair<T>(a: &mut [T; 2], dir: Dir) -> (&mut T, &mut T) {
    let [o, r] = a;
    match dir {
        Dir::Orig => (o, r),
        Dir::Resp => (r, o),
    }
}

/// Zeek's choice of originator for a connection's first packet: flip when
/// the sender's port looks like a server's (never for a plain SYN).
fn flip_at_creation(d: &Decoded) -> bool {
    let broadcast = !d.dst.v6 && d.dst.bytes[12..] == [255, 255, 255, 255];
    match d.transport {
        Transport::Tcp {
            sport,
            dport,
            flags,
            ..
        } => {
            let syn = flags & F::SYN != 0;
            if syn && flags & F::ACK == 0 {
                return false;
            }
            if !likely_server_port(6, sport) || broadcast {
                return false;
            }
            if likely_server_port(6, dport) {
                !syn && sport < dport
            } else {
                true
            }
        }
        Transport::Udp { sport, dport, .. } => {
            !broadcast && likely_server_port(17, sport) && !likely_server_port(17, dport)
        }
        _ => false,
    }
}

impl Conn {
    pub fn new(key: FlowKey, side: Side, seq: u64, ts: Ts, d: &Decoded, cfg: &FlowConfig) -> Conn {
        Conn::with_rules(key, side, seq, ts, d, cfg, cfg.payload.load())
    }

    /// A connection started under these payload rules (not necessarily
    /// the current ones: a connection made again from its first packet
    /// keeps the rules it started under).
    pub fn with_rules(
        key: FlowKey,
        side: Side,
        seq: u64,
        ts: Ts,
        d: &Decoded,
        cfg: &FlowConfig,
        rules: Option<Arc<PayloadSet>>,
    ) -> Conn {
        let mut history = History::default();
        let mut orig_side = side;
        if flip_at_creation(d) {
            orig_side = other(side);
            history.flipped();
        }
        let tcp = (key.proto == 6).then(|| Box::new(TcpConn::new(cfg.reassembly_cap)));
        let (oh, rh, orig_p, resp_p) = match orig_side {
            Side::A => (key.a, key.b, key.a_port, key.b_port),
            Side::B => (key.b, key.a, key.b_port, key.a_port),
        };
        let id = ConnId {
            uid: make_uid(&key, seq),
            orig_h: oh.to_ip(),
            orig_p,
            resp_h: rh.to_ip(),
            resp_p,
            ip_proto: key.proto,
            vlan: (key.vlan != 0).then_some(key.vlan),
            inner_vlan: (key.inner_vlan != 0).then_some(key.inner_vlan),
        };
        Conn {
            key,
            first_seq: seq,
            orig_side,
            start: ts,
            last: ts,
            counts: [Counts::default(); 2],
            history,
            tcp,
            macs: [None; 2],
            app: App {
                id,
                facts: ConnFacts::default(),
                analyzer: analyzers::for_connection(&cfg.analyzers, key.proto, orig_p, resp_p),
                services: Vec::new(),
                weirds: WeirdTally::default(),
                rows_limited: 0,
                bits: vec![0; rules.as_ref().map_or(0, |r| r.words())],
                rules,
                established: false,
            },
        }
    }

    /// The payload rules this connection started under.
    pub fn rules(&self) -> Option<Arc<PayloadSet>> {
        self.app.rules.clone()
    }

    /// The event of this connection's first packet (from `side`).
    pub fn start_event(&self, side: Side, d: &crate::decode::Decoded) -> Event {
        Event::ConnStart(Box::new(ConnStart {
            ts: self.start,
            id: self.app.id.clone(),
            mac: d.src_mac,
            first: self.dir(side),
        }))
    }

    /// Attaches a protocol analyzer (used by tests of the analyzer plumbing).
    #[cfg(test)]
    pub fn set_analyzer(&mut self, a: Box<dyn Analyzer>) {
        self.app.analyzer = Some(a);
    }

    /// A UDP flow no port names gets an analyzer from its first datagram's
    /// content (`analyzers::for_datagram`).
    pub fn detect_datagram(&mut self, first: &[u8]) {
        if self.key.proto == 17 && self.app.analyzer.is_none() {
            let ports = (self.app.id.orig_p, self.app.id.resp_p);
            self.app.analyzer = analyzers::for_datagram(first, ports);
        }
    }

    fn dir(&self, side: Side) -> Dir {
        if side == self.orig_side {
            Dir::Orig
        } else {
            Dir::Resp
        }
    }

    /// When this connection should be logged if nothing else arrives,
    /// following Zeek's timers (inactivity, attempt, close, expire).
    pub fn deadline(&self, cfg: &FlowConfig) -> Ts {
        let Some(t) = &self.tcp else {
            let idle = match self.key.proto {
                17 => cfg.udp_inactivity,
                1 | 58 => cfg.icmp_inactivity,
                _ => cfg.other_inactivity,
            };
            return self.last.plus(idle);
        };
        t.deadline(self.start, self.last, cfg)
    }

    /// Whether a SYN on this still-tracked connection starts a new one
    /// (Zeek's port-reuse check, made before the packet is applied).
    pub fn is_reused_by(&self, d: &Decoded, _side: Side) -> bool {
        let (Some(t), Transport::Tcp { flags, seq, .. }) = (&self.tcp, d.transport) else {
            return false;
        };
        if flags & F::SYN == 0 {
            return false;
        }
        let (o, r) = (&t.ep[0], &t.ep[1]);
        let closed = o.did_close || r.did_close;
        if flags & F::ACK == 0 {
            if closed {
                return true;
            }
            let reversal = o.state == TcpState::SynAckSent
                && r.state == TcpState::Inactive
                && seq == r.start_seq;
            !(seq == o.start_seq || reversal)
        } else {
            if o.state != TcpState::Inactive {
                return false;
            }
            closed || seq != r.start_seq
        }
    }

    /// Out-of-order bytes buffered by this connection (with segment overhead).
    pub fn buffered(&self) -> usize {
        self.tcp
            .as_ref()
            .and_then(|t| t.reasm.as_deref())
            .map_or(0, |[o, r]| o.buffered().saturating_add(r.buffered()))
    }

    /// Bytes the protocol analyzer holds (partial messages, unanswered
    /// requests).
    pub fn analyzer_buffered(&self) -> usize {
        self.app.analyzer.as_ref().map_or(0, |a| a.buffered())
    }

    /// Ends this connection's protocol analysis early (the table's analyzer
    /// budget ran out): the analyzer first writes what it holds (requests
    /// unanswered, partial messages abandoned), so no row is lost; weird
    /// `analyzer_budget_exhausted`. The connection itself is still tracked.
    pub fn stop_analyzer(&mut self, ts: Ts, em: &mut Emitter, shared: &mut Shared) {
        if self.app.analyzer.is_none() {
            return;
        }
        self.app.sink(Dir::Orig, ts, em, shared).eof();
        self.app.analyzer = None;
        self.app.weird(ts, "analyzer_budget_exhausted", "flow", em);
    }

    /// Gives up on the holes of this connection's streams (memory budget).
    pub fn flush_reassembly(
        &mut self,
        ts: Ts,
        em: &mut Emitter,
        counters: &mut FlowCounters,
        shared: &mut Shared,
    ) {
        self.tcp_flush(ts, em, counters, shared);
    }

    fn weird(
        &mut self,
        ts: Ts,
        name: &'static str,
        source: &'static str,
        em: &mut Emitter,
        _counters: &mut FlowCounters,
    ) {
        self.app.weird(ts, name, source, em);
    }

    /// Handles one packet of this connection.
    #[allow(clippy::too_many_arguments)]
    pub fn packet(
        &mut self,
        ts: Ts,
        d: &Decoded,
        side: Side,
        payload: &[u8],
        cfg: &FlowConfig,
        em: &mut Emitter,
        counters: &mut FlowCounters,
        shared: &mut Shared,
    ) {
        let dir = self.dir(side);
        let mac = at_mut(&mut self.macs, dir);
        if mac.is_none() {
            *mac = d.src_mac;
        }
        if d.tcp_header_cut {
            // The snaplen cut the TCP options (Zeek's weird name). Tracking
            // uses none of them, so the packet counts from its fixed header
            // like any packet whose payload was cut. (Zeek ignores it after
            // keying the connection, which loses every SYN of a 64-byte
            // capture and splits connections on the next SYN-ACK.)
            self.weird(ts, "truncated_header", "TCP", em, counters);
        }
        if d.bad_checksum {
            // Zeek records the bad checksum in history and ignores the packet.
            self.history.scaled(dir, Scaled::Checksum);
            match d.transport {
                Transport::Udp { .. } => self.weird(ts, "bad_UDP_checksum", "UDP", em, counters),
                Transport::Icmp { .. } => self.weird(ts, "bad_ICMP_checksum", "ICMP", em, counters),
                _ => self.weird(ts, "bad_TCP_checksum", "TCP", em, counters),
            }
            return;
        }
        match d.transport {
            Transport::Tcp {
                seq,
                ack,
                flags,
                window,
                ..
            } => self.tcp_packet(
                ts,
                side,
                seq,
                ack,
                flags,
                window,
                d.payload_claimed,
                d.ip_len,
                payload,
                cfg,
                em,
                counters,
                shared,
            ),
            Transport::Udp { ulen, .. } => {
                self.last = self.last.max(ts);
                if u64::from(ulen) != u64::from(d.payload_claimed) + 8 {
                    self.weird(ts, "UDP_datagram_length_mismatch", "UDP", em, counters);
                }
                let c = at_mut(&mut self.counts, dir);
                c.pkts = c.pkts.saturating_add(1);
                c.ip_bytes = c.ip_bytes.saturating_add(u64::from(d.ip_len));
                c.size = c.size.saturating_add(u64::from(ulen.saturating_sub(8)));
                c.active = true;
                self.history.once(dir, b'D');
                self.app.established = self.counts.iter().all(|c| c.active);
                self.app.sink(dir, ts, em, shared).data(payload);
            }
            Transport::Icmp { .. } | Transport::Other => {
                self.last = self.last.max(ts);
                let c = at_mut(&mut self.counts, dir);
                c.pkts = c.pkts.saturating_add(1);
                c.ip_bytes = c.ip_bytes.saturating_add(u64::from(d.ip_len));
                if matches!(d.transport, Transport::Icmp { .. }) {
                    let size = u64::from(d.payload_claimed.saturating_sub(8));
                    c.size = c.size.saturating_add(size);
                }
                c.active = true;
            }
        }
    }

    /// Logs the connection: flushes reassembly and the analyzer, then builds
    /// the conn.log record.
    pub fn finish(
        &mut self,
        em: &mut Emitter,
        counters: &mut FlowCounters,
        shared: &mut Shared,
    ) -> ConnEvent {
        let ts = self.last;
        let mut missed = 0;
        if let Some(t) = self.tcp.as_mut() {
            for (i, r) in t.reasm.iter_mut().flat_map(|r| r.iter_mut()).enumerate() {
                r.finish(&mut self.app.sink(dir_of(i), ts, em, shared));
            }
            missed = t.missed;
        }
        self.app.sink(Dir::Orig, ts, em, shared).eof();
        counters.missed_bytes = counters.missed_bytes.saturating_add(missed);
        counters.weirds = counters.weirds.saturating_add(self.app.weirds.count);
        counters.rows_limited = counters.rows_limited.saturating_add(self.app.rows_limited);

        let id = &self.app.id;
        let duration = self.last.since(self.start);
        let (o, r) = (&self.counts[0], &self.counts[1]);
        let (conn_state, sizes) = match &self.tcp {
            Some(t) => (
                tcp::conn_state(&t.ep[0], &t.ep[1], self.history.as_str()),
                (t.ep[0].size(t.ep[1].state), t.ep[1].size(t.ep[0].state)),
            ),
            None => {
                let state = if self.key.proto == 17 {
                    match (o.active, r.active) {
                        (true, true) => "SF",
                        (true, false) => "S0",
                        (false, true) => "SHR",
                        (false, false) => "OTH",
                    }
                } else {
                    "OTH"
                };
                (state, (o.size, r.size))
            }
        };
        let lasted = duration.0 > 0;
        ConnEvent {
            ts: self.start,
            id: id.clone(),
            service: self.app.services.clone(),
            duration: lasted.then_some(duration),
            orig_bytes: lasted.then_some(sizes.0),
            resp_bytes: lasted.then_some(sizes.1),
            conn_state,
            local_orig: is_local(id.orig_h),
            local_resp: is_local(id.resp_h),
            missed_bytes: missed,
            history: self.history.as_str().to_string(),
            orig_pkts: o.pkts,
            orig_ip_bytes: o.ip_bytes,
            resp_pkts: r.pkts,
            resp_ip_bytes: r.ip_bytes,
            orig_mac: self.macs[0],
            resp_mac: self.macs[1],
        }
    }
}
