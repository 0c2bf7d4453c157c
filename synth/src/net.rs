//! Frames on the wire: hosts, TCP connections with real handshakes,
//! sequence numbers, acknowledgements, MSS-sized segments and closes, UDP
//! datagrams, all with correct checksums (etherparse builds them), and the
//! reorder buffer that writes them in time order.

use crate::pcap::PcapWriter;
use crate::rng::Rng;
use etherparse::PacketBuilder;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Write;

/// Payload bytes per TCP segment (Ethernet MTU minus IPv4 and TCP headers).
pub const MSS: usize = 1460;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Host {
    pub mac: [u8; 6],
    pub ip: [u8; 4],
}

impl Host {
    /// A host with a MAC of the given vendor prefix (OUI).
    pub fn new(oui: [u8; 3], ip: [u8; 4]) -> Host {
        Host {
            mac: [oui[0], oui[1], oui[2], ip[1], ip[2], ip[3]],
            ip,
        }
    }
}

/// Frames waiting to be written in time order. Activities emit the
/// packets of one exchange at once, at times at or after the exchange's
/// start; the scheduler runs exchanges in start order, so every frame
/// earlier than the current start is final and can be written.
pub struct Out<W: Write> {
    /// (time, arrival number, frame): the number keeps equal times in
    /// emission order and is unique, so frames are never compared.
    heap: BinaryHeap<Reverse<(i64, u64, Vec<u8>)>>,
    seq: u64,
    /// Bytes of the frames emitted so far.
    pub emitted_bytes: u64,
    pub pcap: PcapWriter<W>,
    /// Spare frame buffers (no allocation per packet once warm).
    spare: Vec<Vec<u8>>,
}

impl<W: Write> Out<W> {
    pub fn new(pcap: PcapWriter<W>) -> Out<W> {
        Out {
            heap: BinaryHeap::new(),
            seq: 0,
            emitted_bytes: 0,
            pcap,
            spare: Vec::new(),
        }
    }

    fn buffer(&mut self) -> Vec<u8> {
        let mut b = self.spare.pop().unwrap_or_else(|| Vec::with_capacity(1600));
        b.clear();
        b
    }

    fn push(&mut self, ts: i64, frame: Vec<u8>) {
        self.seq += 1;
        self.emitted_bytes += frame.len() as u64;
        self.heap.push(Reverse((ts, self.seq, frame)));
    }

    /// Frames emitted so far (written or waiting).
    pub fn emitted(&self) -> u64 {
        self.seq
    }

    /// Writes every frame earlier than `ts`.
    pub fn flush_before(&mut self, ts: i64) -> std::io::Result<()> {
        while self.heap.peek().is_some_and(|Reverse(e)| e.0 < ts) {
            if let Some(Reverse((t, _, f))) = self.heap.pop() {
                self.pcap.packet(t, &f)?;
                self.spare.push(f);
            }
        }
        Ok(())
    }

    pub fn flush_all(&mut self) -> std::io::Result<()> {
        self.flush_before(i64::MAX)
    }

    /// A whole frame built elsewhere (layer 2: PROFINET).
    pub fn frame(&mut self, ts: i64, frame: &[u8]) {
        let mut b = self.buffer();
        b.extend_from_slice(frame);
        self.push(ts, b);
    }

    /// A UDP datagram.
    pub fn udp(&mut self, ts: i64, src: Host, sport: u16, dst: Host, dport: u16, payload: &[u8]) {
        let mut b = self.buffer();
        let builder = PacketBuilder::ethernet2(src.mac, dst.mac)
            .ipv4(src.ip, dst.ip, 64)
            .udp(sport, dport);
        if builder.write(&mut b, payload).is_ok() {
            self.push(ts, b);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn tcp(
        &mut self,
        ts: i64,
        src: Host,
        sport: u16,
        dst: Host,
        dport: u16,
        seq: u32,
        ack: Option<u32>,
        flags: Flags,
        payload: &[u8],
    ) {
        let mut b = self.buffer();
        let mut t = PacketBuilder::ethernet2(src.mac, dst.mac)
            .ipv4(src.ip, dst.ip, 64)
            .tcp(sport, dport, seq, 64_240);
        if let Some(a) = ack {
            t = t.ack(a);
        }
        if flags.syn {
            t = t.syn();
        }
        if flags.fin {
            t = t.fin();
        }
        if flags.rst {
            t = t.rst();
        }
        if flags.psh {
            t = t.psh();
        }
        if t.write(&mut b, payload).is_ok() {
            self.push(ts, b);
        }
    }
}

#[derive(Clone, Copy)]
struct Flags {
    syn: bool,
    fin: bool,
    rst: bool,
    psh: bool,
}

/// One TCP connection between a client and a server.
pub struct Tcp {
    pub c: Host,
    pub s: Host,
    pub cport: u16,
    pub sport: u16,
    cseq: u32,
    sseq: u32,
    pub open: bool,
}

/// Time between the packets of one direction's burst, µs.
const GAP: i64 = 12;

const SYN: Flags = Flags {
    syn: true,
    fin: false,
    rst: false,
    psh: false,
};
const FIN: Flags = Flags {
    syn: false,
    fin: true,
    rst: false,
    psh: false,
};
const RST: Flags = Flags {
    syn: false,
    fin: false,
    rst: true,
    psh: false,
};
const ACK: Flags = Flags {
    syn: false,
    fin: false,
    rst: false,
    psh: false,
};
const PSH: Flags = Flags {
    syn: false,
    fin: false,
    rst: false,
    psh: true,
};

impl Tcp {
    pub fn new(rng: &mut Rng, c: Host, cport: u16, s: Host, sport: u16) -> Tcp {
        Tcp {
            c,
            s,
            cport,
            sport,
            cseq: rng.next_u64() as u32,
            sseq: rng.next_u64() as u32,
            open: false,
        }
    }

    /// One segment from the client (or the server) with that side's
    /// sequence number, acknowledging the other side unless `ack` is off.
    fn seg<W: Write>(
        &self,
        client: bool,
        t: i64,
        ack: bool,
        flags: Flags,
        payload: &[u8],
        out: &mut Out<W>,
    ) {
        let (src, sport, dst, dport, seq, peer) = if client {
            (self.c, self.cport, self.s, self.sport, self.cseq, self.sseq)
        } else {
            (self.s, self.sport, self.c, self.cport, self.sseq, self.cseq)
        };
        out.tcp(
            t,
            src,
            sport,
            dst,
            dport,
            seq,
            ack.then_some(peer),
            flags,
            payload,
        );
    }

    /// SYN, SYN-ACK, ACK; returns when the client may send.
    pub fn handshake<W: Write>(&mut self, t: i64, rtt: i64, out: &mut Out<W>) -> i64 {
        self.seg(true, t, false, SYN, &[], out);
        self.cseq = self.cseq.wrapping_add(1);
        self.seg(false, t + rtt / 2, true, SYN, &[], out);
        self.sseq = self.sseq.wrapping_add(1);
        self.seg(true, t + rtt, true, ACK, &[], out);
        self.open = true;
        t + rtt + GAP
    }

    /// The client sends `data` (in MSS-sized segments); returns the time
    /// of the last segment.
    pub fn client<W: Write>(&mut self, t: i64, data: &[u8], out: &mut Out<W>) -> i64 {
        self.send(true, t, data, out)
    }

    /// The server sends `data`.
    pub fn server<W: Write>(&mut self, t: i64, data: &[u8], out: &mut Out<W>) -> i64 {
        self.send(false, t, data, out)
    }

    /// The server sends `data` cut at `at` into two segments (an ADU
    /// split across segments).
    pub fn server_split<W: Write>(
        &mut self,
        t: i64,
        data: &[u8],
        at: usize,
        out: &mut Out<W>,
    ) -> i64 {
        let at = at.min(data.len());
        let t = self.send(false, t, &data[..at], out);
        self.send(false, t + GAP, &data[at..], out)
    }

    fn send<W: Write>(&mut self, client: bool, t: i64, data: &[u8], out: &mut Out<W>) -> i64 {
        let mut t = t;
        let n = data.chunks(MSS).len();
        for (i, chunk) in data.chunks(MSS).enumerate() {
            self.seg(
                client,
                t,
                true,
                if i + 1 == n { PSH } else { ACK },
                chunk,
                out,
            );
            let seq = if client {
                &mut self.cseq
            } else {
                &mut self.sseq
            };
            *seq = seq.wrapping_add(chunk.len() as u32);
            t += GAP;
        }
        t - GAP
    }

    /// A bare acknowledgement from the client (or the server).
    pub fn ack<W: Write>(&mut self, client: bool, t: i64, out: &mut Out<W>) {
        self.seg(client, t, true, ACK, &[], out);
    }

    /// The client closes: FIN, FIN-ACK, ACK.
    pub fn close<W: Write>(&mut self, t: i64, rtt: i64, out: &mut Out<W>) -> i64 {
        self.seg(true, t, true, FIN, &[], out);
        self.cseq = self.cseq.wrapping_add(1);
        self.seg(false, t + rtt / 2, true, FIN, &[], out);
        self.sseq = self.sseq.wrapping_add(1);
        self.seg(true, t + rtt, true, ACK, &[], out);
        self.open = false;
        t + rtt
    }

    /// A SYN answered by a reset (a closed port).
    pub fn refused<W: Write>(&mut self, t: i64, rtt: i64, out: &mut Out<W>) {
        self.seg(true, t, false, SYN, &[], out);
        self.cseq = self.cseq.wrapping_add(1);
        self.sseq = 0;
        self.seg(false, t + rtt / 2, true, RST, &[], out);
    }

    /// Request and response pairs, each answered after `lat` µs; returns
    /// when the last answer was sent.
    pub fn exchange<W: Write>(
        &mut self,
        t: i64,
        lat: i64,
        pairs: &[(Vec<u8>, Vec<u8>)],
        out: &mut Out<W>,
    ) -> i64 {
        let mut t = t;
        for (req, resp) in pairs {
            t = self.client(t, req, out) + lat;
            t = self.server(t, resp, out) + 200;
        }
        t
    }
}
