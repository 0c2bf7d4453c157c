//! The plant: who is on the network and how each pair talks, scheduled in
//! time order. Every conversation is an activity with a next time; the
//! scheduler runs the earliest, which emits the packets of one exchange.

use crate::enip::{EnipSession, Identity, IoConnection};
use crate::modbus;
use crate::net::{Host, Out, Tcp};
use crate::opcua::UaChannel;
use crate::profinet;
use crate::rng::Rng;
use crate::s7;
use crate::{it, Anomaly, Config, Summary};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Write;

const SCHNEIDER: [u8; 3] = [0x00, 0x80, 0xF4];
const ROCKWELL: [u8; 3] = [0x00, 0x00, 0xBC];
const SIEMENS: [u8; 3] = [0x00, 0x1B, 0x1B];
const DELL: [u8; 3] = [0x00, 0x14, 0x22];
const CISCO: [u8; 3] = [0x00, 0x1E, 0x13];
/// A locally administered MAC: a device nobody registered.
const ROGUE: [u8; 3] = [0x02, 0x42, 0xAC];

const MS: i64 = 1_000;
const SEC: i64 = 1_000_000;

fn ip(a: u8, b: u8, c: u8, d: u8) -> [u8; 4] {
    [a, b, c, d]
}

/// The address of the `i`-th device of a kind: `10.<b>.<c>.<first + i>`
/// for the first `per` of them (the default plant's addresses), then, block
/// by block of `per`, `10.<spill>.<block>.<first + i % per>`, a second
/// octet no other kind uses.
fn nth(b: u8, c: u8, first: u8, per: usize, spill: u8, i: usize) -> [u8; 4] {
    let (block, off) = (i / per, i % per);
    let d = first.saturating_add(u8::try_from(off).unwrap_or(u8::MAX));
    match u8::try_from(block) {
        Ok(0) => ip(10, b, c, d),
        Ok(k) => ip(10, spill, k, d),
        Err(_) => ip(10, spill, 255, d),
    }
}

/// The devices.
struct Topology {
    modbus_plcs: Vec<Host>,
    logix_plcs: Vec<Host>,
    adapters: Vec<(Host, usize)>,
    hmis: Vec<Host>,
    eng: Vec<Host>,
    ua_server: Host,
    ua_clients: Vec<Host>,
    workstations: Vec<Host>,
    dns: Host,
    web: Host,
    internet: Vec<Host>,
    gateway: Host,
    rogue: Host,
    s7_plcs: Vec<Host>,
    /// PROFINET IO devices (ET 200SP stations), two per S7 CPU, each with
    /// the index of its controller.
    pn_devices: Vec<(Host, usize)>,
}

impl Topology {
    fn new(n: &crate::Sizes) -> Topology {
        let hosts = |count: usize, vendor, b, c, first, per, spill| -> Vec<Host> {
            (0..count)
                .map(|i| Host::new(vendor, nth(b, c, first, per, spill, i)))
                .collect()
        };
        let logix_plcs = hosts(n.logix_plcs, ROCKWELL, 10, 1, 51, 40, 102);
        Topology {
            modbus_plcs: hosts(n.modbus_plcs, SCHNEIDER, 10, 1, 11, 40, 101),
            // Three adapters per controller, in order.
            adapters: hosts(n.io_adapters, ROCKWELL, 10, 4, 11, 200, 103)
                .into_iter()
                .enumerate()
                .map(|(i, h)| (h, (i / 3) % n.logix_plcs.max(1)))
                .collect(),
            logix_plcs,
            hmis: hosts(n.hmis, DELL, 10, 2, 11, 200, 104),
            eng: hosts(n.eng_stations, DELL, 10, 3, 11, 200, 105),
            ua_server: Host::new(SIEMENS, ip(10, 10, 5, 10)),
            ua_clients: hosts(n.opcua_clients, DELL, 10, 5, 20, 200, 106),
            workstations: hosts(n.it_hosts, DELL, 20, 1, 11, 200, 107),
            dns: Host::new(DELL, ip(10, 20, 0, 2)),
            web: Host::new(DELL, ip(10, 20, 0, 80)),
            // Documentation addresses behind the site's router.
            internet: (0..8)
                .map(|i| Host::new(CISCO, ip(203, 0, 113, 10 + i)))
                .collect(),
            gateway: Host::new(CISCO, ip(10, 20, 0, 1)),
            rogue: Host::new(ROGUE, ip(10, 10, 9, 99)),
            s7_plcs: hosts(n.s7_plcs, SIEMENS, 10, 6, 11, 200, 108),
            pn_devices: hosts(n.s7_plcs * 2, SIEMENS, 10, 7, 11, 200, 109)
                .into_iter()
                .enumerate()
                .map(|(i, h)| (h, i / 2))
                .collect(),
        }
    }

    fn identity(&self, h: &Host, serial: u32) -> Identity {
        let adapter = self.adapters.iter().any(|(a, _)| a.ip == h.ip);
        Identity {
            vendor_id: 1,
            device_type: if adapter { 12 } else { 14 },
            product_code: if adapter { 166 } else { 55 },
            revision: if adapter { (5, 1) } else { (32, 11) },
            status: 0x0060,
            serial,
            product_name: if adapter {
                "1794-AENT/B Flex I/O".into()
            } else {
                "1756-L83E/B".into()
            },
            state: 3,
            ip: h.ip,
        }
    }
}

/// A Modbus HMI polling one PLC over a long-lived connection.
struct ModbusPoll {
    tcp: Tcp,
    tid: u16,
    unit: u8,
    period: i64,
    base: u16,
    /// The register and coil counts this HMI's screens read (fixed, as a
    /// configured HMI's are).
    qty: u16,
    bits: u16,
}

/// An EtherNet/IP client (HMI tag reads, or an engineering station with a
/// class-3 connection) to one Logix controller.
struct EnipClient {
    tcp: Tcp,
    s: EnipSession,
    period: i64,
    connected: bool,
    started: bool,
    identity: Identity,
    tags: &'static [&'static str],
}

/// Cyclic implicit I/O between a controller and an I/O adapter.
struct IoFlow {
    plc: Host,
    adapter: Host,
    o2t: IoConnection,
    t2o: IoConnection,
    rpi: i64,
    setup: Option<(Tcp, EnipSession)>,
    buf: Vec<u8>,
    data: Vec<u8>,
}

/// An HMI polling an S7 CPU over one ISO-on-TCP connection.
struct S7Poll {
    tcp: Tcp,
    /// The next PDU reference.
    reference: u16,
    period: i64,
    db: u16,
    bytes: u16,
    started: bool,
}

/// An engineering station's periodic block download to an S7 CPU.
struct S7Download {
    client: Host,
    plc: Host,
    /// Downloads so far (the block number cycles through FCs).
    count: u16,
}

/// PROFINET cyclic I/O between an S7 CPU (IO controller) and one of its
/// IO devices: an output frame to the device and an input frame back,
/// every cycle.
struct PnCyclic {
    plc: Host,
    device: Host,
    /// The frame ids of the input (device to controller) and output CRs.
    input: u16,
    output: u16,
    cycle: u16,
}

/// The PROFINET cyclic period: a 1 ms send clock with a reduction ratio
/// of 32 (the cycle counter counts 31.25 µs units).
const PN_PERIOD: i64 = 32 * MS;
const PN_STEP: u16 = 1024;

/// An OPC UA client session to the server.
struct UaClient {
    tcp: Tcp,
    ch: UaChannel,
    phase: u32,
    session_end: i64,
    nodes: Vec<u32>,
}

enum Act {
    Modbus(Box<ModbusPoll>),
    Enip(Box<EnipClient>),
    Io(Box<IoFlow>),
    Ua(Box<UaClient>),
    S7(Box<S7Poll>),
    S7Download(Box<S7Download>),
    PnCyclic(Box<PnCyclic>),
    /// The engineering station's DCP Identify of the PROFINET stations,
    /// counting its transactions.
    Dcp(u32),
    Dns,
    Http,
    Tls,
    Sweep,
    /// The next (workstation, peer) file-share session, counting pairs.
    Share(usize),
    Anomaly(usize),
}

impl Act {
    fn kind(&self) -> &'static str {
        match self {
            Act::Modbus(_) => "modbus",
            Act::Enip(_) | Act::Sweep => "enip",
            Act::Io(_) => "cip_io",
            Act::Ua(_) => "opcua",
            Act::S7(_) | Act::S7Download(_) => "s7comm",
            Act::PnCyclic(_) => "profinet_rt",
            Act::Dcp(_) => "profinet_dcp",
            Act::Dns => "dns",
            Act::Http => "http",
            Act::Tls => "tls",
            Act::Share(_) => "smb",
            Act::Anomaly(_) => "anomaly",
        }
    }
}

const TAGS: [&str; 8] = [
    "Line1_Speed",
    "Line1_Temp",
    "Tank3_Level",
    "Pump2_Run",
    "Valve7_Pos",
    "Conveyor_Count",
    "Oven_Setpoint",
    "Batch_ID",
];

pub struct Plant {
    topo: Topology,
    rng: Rng,
    acts: Vec<Act>,
    queue: BinaryHeap<Reverse<(i64, usize)>>,
    eph: u16,
    anomalies: Vec<Anomaly>,
    scratch: Vec<u8>,
}

impl Plant {
    pub fn new(cfg: &Config) -> Plant {
        let mut p = Plant {
            topo: Topology::new(&cfg.sizes),
            rng: Rng::new(cfg.seed),
            acts: Vec::new(),
            queue: BinaryHeap::new(),
            eph: 49_152,
            anomalies: Vec::new(),
            scratch: Vec::with_capacity(2048),
        };
        let t0 = cfg.start_us;
        // The plant's layout (poll periods, register blocks, I/O rates and
        // sizes) is the same for every seed, so that a baseline learned
        // from one seed's traffic fits another's; the seed varies the
        // traffic itself.
        let mut layout = Rng::new(0x0A7C_4A11);
        // HMIs poll four Modbus PLCs each and read tags from two
        // controllers.
        for h in 0..p.topo.hmis.len() {
            let hmi = p.topo.hmis[h];
            for k in 0..8 {
                let plc = p.topo.modbus_plcs[(h * 3 + k) % p.topo.modbus_plcs.len()];
                let port = p.port();
                let tcp = Tcp::new(&mut p.rng, hmi, port, plc, 502);
                let period = 50 * MS + layout.below(4) as i64 * 50 * MS;
                let base = (layout.below(40) * 100) as u16;
                let qty = 10 + layout.below(50) as u16;
                let bits = 16 + layout.below(48) as u16;
                let start = t0 + p.rng.below(period as u64) as i64;
                p.add(
                    start,
                    Act::Modbus(Box::new(ModbusPoll {
                        tcp,
                        tid: 1,
                        unit: 1 + (k as u8),
                        period,
                        base,
                        qty,
                        bits,
                    })),
                );
            }
            for k in 0..4 {
                let plc = p.topo.logix_plcs[(h * 2 + k) % p.topo.logix_plcs.len()];
                let act = p.enip_client(hmi, plc, 100 * MS, false);
                let start = t0 + p.rng.below(100_000) as i64;
                p.add(start, act);
            }
        }
        // Engineering stations keep class-3 connections to a few
        // controllers.
        for e in 0..p.topo.eng.len() {
            for k in 0..3 {
                let plc = p.topo.logix_plcs[(e * 5 + k) % p.topo.logix_plcs.len()];
                let act = p.enip_client(p.topo.eng[e], plc, 500 * MS, true);
                let start = t0 + p.rng.below(500_000) as i64;
                p.add(start, act);
            }
        }
        // Cyclic I/O: each adapter exchanges with its controller.
        for a in 0..p.topo.adapters.len() {
            let (adapter, owner) = p.topo.adapters[a];
            let plc = p.topo.logix_plcs[owner];
            let rpi = [10 * MS, 20 * MS, 20 * MS, 50 * MS][layout.below(4) as usize];
            let base = 0x4000_0000 + (a as u32) * 16;
            let port = p.port();
            let tcp = Tcp::new(&mut p.rng, plc, port, adapter, 44818);
            let seed = p.rng.next_u64();
            let size = 8 + layout.below(4) as usize * 8;
            let act = Act::Io(Box::new(IoFlow {
                plc,
                adapter,
                o2t: IoConnection::new(base),
                t2o: IoConnection::new(base + 1),
                rpi,
                setup: Some((tcp, EnipSession::new(seed))),
                buf: Vec::with_capacity(128),
                data: vec![0; size],
            }));
            let start = t0 + p.rng.below(200_000) as i64;
            p.add(start, act);
        }
        // OPC UA clients.
        for c in 0..p.topo.ua_clients.len() {
            let client = p.topo.ua_clients[c];
            let nodes = 5 + layout.below(15) as u32;
            let act = p.ua_client(client, nodes);
            let start = t0 + p.rng.below(1_000_000) as i64;
            p.add(start, act);
        }
        // The Siemens cell, when there is one: each HMI polls two CPUs,
        // each engineering station programs one every 10 minutes.
        if !p.topo.s7_plcs.is_empty() {
            let n = p.topo.s7_plcs.len();
            for h in 0..p.topo.hmis.len() {
                for k in 0..2.min(n) {
                    let plc = p.topo.s7_plcs[(h + k) % n];
                    let port = p.port();
                    let tcp = Tcp::new(&mut p.rng, p.topo.hmis[h], port, plc, 102);
                    let period = 100 * MS + layout.below(3) as i64 * 50 * MS;
                    let act = Act::S7(Box::new(S7Poll {
                        tcp,
                        reference: 1,
                        period,
                        db: 1 + layout.below(20) as u16,
                        bytes: 4 + 2 * layout.below(16) as u16,
                        started: false,
                    }));
                    let start = t0 + p.rng.below(period as u64) as i64;
                    p.add(start, act);
                }
            }
            for e in 0..p.topo.eng.len() {
                let act = Act::S7Download(Box::new(S7Download {
                    client: p.topo.eng[e],
                    plc: p.topo.s7_plcs[e % n],
                    count: 0,
                }));
                p.add(t0 + 5 * SEC + e as i64 * SEC, act);
            }
            // PROFINET: each CPU exchanges cyclic I/O with its two IO
            // devices; the first engineering station identifies the
            // stations every 10 minutes.
            for (i, &(device, owner)) in p.topo.pn_devices.clone().iter().enumerate() {
                // RT class 1 frame ids, 0xC000-0xFBFF: two per device.
                let id = 0xC000 + (2 * i % 0x3C00) as u16;
                let act = Act::PnCyclic(Box::new(PnCyclic {
                    plc: p.topo.s7_plcs[owner],
                    device,
                    input: id,
                    output: id + 1,
                    cycle: (layout.below(64) as u16) * PN_STEP,
                }));
                let start = t0 + p.rng.below(PN_PERIOD as u64) as i64;
                p.add(start, act);
            }
            if !p.topo.eng.is_empty() {
                p.add(t0 + SEC, Act::Dcp(1));
            }
        }
        // IT background and the engineering station's periodic device
        // discovery.
        p.add(t0 + 3 * MS, Act::Dns);
        p.add(t0 + 7 * MS, Act::Http);
        p.add(t0 + 11 * MS, Act::Tls);
        p.add(t0 + 2 * SEC, Act::Sweep);
        if cfg.it_peers > 0 && p.topo.workstations.len() > 1 {
            p.add(t0 + 13 * MS, Act::Share(0));
        }
        if cfg.anomalies {
            for k in 0..ANOMALIES.len() {
                p.add(t0 + SEC / 2 + k as i64 * SEC, Act::Anomaly(k));
            }
        }
        p
    }

    fn port(&mut self) -> u16 {
        self.eph = if self.eph >= 65_000 {
            49_152
        } else {
            self.eph + 1
        };
        self.eph
    }

    fn add(&mut self, t: i64, act: Act) {
        self.acts.push(act);
        self.queue.push(Reverse((t, self.acts.len() - 1)));
    }

    fn enip_client(&mut self, client: Host, plc: Host, period: i64, connected: bool) -> Act {
        let port = self.port();
        let tcp = Tcp::new(&mut self.rng, client, port, plc, 44818);
        let seed = self.rng.next_u64();
        let serial = 0x00C0_FFEE ^ u32::from(plc.ip[3]);
        let identity = self.topo.identity(&plc, serial);
        Act::Enip(Box::new(EnipClient {
            tcp,
            s: EnipSession::new(seed),
            period,
            connected,
            started: false,
            identity,
            tags: &TAGS,
        }))
    }

    fn ua_client(&mut self, client: Host, nodes: u32) -> Act {
        let port = self.port();
        let server = self.topo.ua_server;
        let tcp = Tcp::new(&mut self.rng, client, port, server, 4840);
        let seed = self.rng.next_u64();
        let nodes = (0..nodes).map(|i| 1000 + i * 3).collect();
        Act::Ua(Box::new(UaClient {
            tcp,
            ch: UaChannel::new(seed, "opc.tcp://10.10.5.10:4840/plant"),
            phase: 0,
            session_end: 0,
            nodes,
        }))
    }

    /// Runs the plant until the capture is as large as asked.
    pub fn run<W: Write>(mut self, cfg: &Config, out: &mut Out<W>) -> std::io::Result<Summary> {
        let mut summary = Summary::default();
        while let Some(Reverse((t, i))) = self.queue.pop() {
            out.flush_before(t)?;
            let done = cfg.packets.is_some_and(|n| out.pcap.packets >= n)
                || cfg.bytes.is_some_and(|n| out.pcap.bytes >= n);
            if done {
                break;
            }
            let mut act = std::mem::replace(&mut self.acts[i], Act::Dns);
            let kind = act.kind();
            let (before, before_bytes) = (out.emitted(), out.emitted_bytes);
            let next = self.step(&mut act, t, out, cfg.it_peers);
            let e = summary.by_kind.entry(kind).or_insert((0, 0));
            e.0 += out.emitted() - before;
            e.1 += out.emitted_bytes - before_bytes;
            self.acts[i] = act;
            if let Some(n) = next {
                self.queue.push(Reverse((n.max(t + 1), i)));
            }
        }
        out.flush_all()?;
        summary.packets = out.pcap.packets;
        summary.bytes = out.pcap.bytes;
        summary.anomalies = self.anomalies;
        Ok(summary)
    }

    fn step<W: Write>(
        &mut self,
        act: &mut Act,
        t: i64,
        out: &mut Out<W>,
        it_peers: usize,
    ) -> Option<i64> {
        match act {
            Act::Modbus(m) => Some(self.modbus(m, t, out)),
            Act::Enip(e) => Some(self.enip(e, t, out)),
            Act::Io(io) => Some(self.io(io, t, out)),
            Act::Ua(u) => Some(self.ua(u, t, out)),
            Act::S7(p) => Some(self.s7(p, t, out)),
            Act::S7Download(d) => Some(self.s7_download(d, t, out)),
            Act::PnCyclic(c) => Some(self.pn_cyclic(c, t, out)),
            Act::Dcp(xid) => Some(self.dcp(xid, t, out)),
            Act::Dns => Some(self.dns(t, out)),
            Act::Http => Some(self.http(t, out)),
            Act::Tls => Some(self.tls(t, out)),
            Act::Sweep => Some(self.sweep(t, out)),
            Act::Share(pair) => Some(self.share(pair, it_peers, t, out)),
            Act::Anomaly(k) => {
                self.anomaly(*k, t, out);
                None
            }
        }
    }

    fn modbus<W: Write>(&mut self, m: &mut ModbusPoll, t: i64, out: &mut Out<W>) -> i64 {
        let rtt = 300 + self.rng.below(400) as i64;
        let mut t = t;
        if !m.tcp.open {
            t = m.tcp.handshake(t, rtt, out);
        }
        let scan = 2 * MS + self.rng.below(6_000) as i64;
        let (unit, tid) = (m.unit, m.tid);
        m.tid = m.tid.wrapping_add(1);
        let (mut req, mut resp) = (Vec::with_capacity(64), Vec::with_capacity(300));
        let roll = self.rng.below(1000);
        let qty = m.qty;
        let addr = m.base + (self.rng.below(4) as u16) * 100;
        match roll {
            0..=2 => {
                let v = self.rng.next_u64() as u16;
                modbus::write_single_register(&mut req, tid, unit, addr, v);
                resp.extend_from_slice(&req);
            }
            3 => {
                modbus::read_request(&mut req, tid, unit, 3, 9000, qty);
                modbus::exception(&mut resp, tid, unit, 3, 2);
            }
            4 => {
                modbus::device_id_request(&mut req, tid, unit);
                modbus::device_id_response(
                    &mut resp,
                    tid,
                    unit,
                    ["Schneider Electric", "BMX P34 2020", "v3.10"],
                );
            }
            5..=250 => {
                let bits = m.bits;
                modbus::read_request(&mut req, tid, unit, 1, addr, bits);
                modbus::read_bits_response(
                    &mut resp,
                    tid,
                    unit,
                    1,
                    bits,
                    self.rng.next_u64() as u8,
                );
            }
            _ => {
                modbus::read_request(&mut req, tid, unit, 3, addr, qty);
                modbus::read_registers_response(
                    &mut resp,
                    tid,
                    unit,
                    3,
                    qty,
                    self.rng.next_u64() as u16,
                );
                if self.rng.one_in(25) {
                    // A pipelining HMI: a second read in the same segment,
                    // both answers in one segment.
                    let tid2 = m.tid;
                    m.tid = m.tid.wrapping_add(1);
                    modbus::read_request(&mut req, tid2, unit, 4, addr, 8);
                    modbus::read_registers_response(&mut resp, tid2, unit, 4, 8, 77);
                }
            }
        }
        let t1 = m.tcp.client(t, &req, out);
        let t2 = if self.rng.one_in(40) {
            // An answer split across two segments.
            let at = 3 + self.rng.below(resp.len() as u64 - 3) as usize;
            m.tcp.server_split(t1 + scan, &resp, at, out)
        } else {
            m.tcp.server(t1 + scan, &resp, out)
        };
        if self.rng.one_in(2) {
            m.tcp.ack(true, t2 + 200, out);
        }
        t + self.rng.jitter(m.period, 5)
    }

    fn enip<W: Write>(&mut self, e: &mut EnipClient, t: i64, out: &mut Out<W>) -> i64 {
        let rtt = 300 + self.rng.below(400) as i64;
        let lat = MS + self.rng.below(3_000) as i64;
        let mut t = t;
        if !e.started {
            e.started = true;
            t = e.tcp.handshake(t, rtt, out);
            let mut pairs = vec![
                register(&mut e.s),
                (
                    e.s.get_attribute_all_request(),
                    e.s.get_attribute_all_response(&e.identity),
                ),
            ];
            if e.connected {
                pairs.push((e.s.forward_open_request(), e.s.forward_open_response()));
            }
            t = e.tcp.exchange(t, lat, &pairs, out);
            return t + e.period;
        }
        let tag = e.tags[self.rng.below(e.tags.len() as u64) as usize];
        let n = 1 + self.rng.below(8) as u16;
        let values: Vec<i32> = (0..n).map(|_| self.rng.below(100_000) as i32).collect();
        let (req, resp) = if e.connected {
            (
                e.s.connected_read_request(tag),
                e.s.connected_read_response(&values),
            )
        } else if self.rng.one_in(400) {
            let req = e.s.write_tag_request(tag, &values[..1]);
            let resp = if self.rng.one_in(10) {
                e.s.write_tag_error_response(0x05)
            } else {
                e.s.write_tag_response()
            };
            (req, resp)
        } else {
            (e.s.read_tag_request(tag, n), e.s.read_tag_response(&values))
        };
        let t1 = e.tcp.client(t, &req, out);
        let t2 = e.tcp.server(t1 + lat, &resp, out);
        if self.rng.one_in(2) {
            e.tcp.ack(true, t2 + 200, out);
        }
        t + self.rng.jitter(e.period, 5)
    }

    fn io<W: Write>(&mut self, io: &mut IoFlow, t: i64, out: &mut Out<W>) -> i64 {
        if let Some((mut tcp, mut s)) = io.setup.take() {
            // The controller opens the connection explicitly first.
            let rtt = 300 + self.rng.below(300) as i64;
            let t = tcp.handshake(t, rtt, out);
            let size = io.data.len() as u16;
            let pairs = [
                register(&mut s),
                (
                    s.io_forward_open_request(size, size, io.rpi as u32),
                    s.io_forward_open_response(),
                ),
            ];
            let t = tcp.exchange(t, 2 * MS, &pairs, out);
            let (o2t, t2o) = s.io_connection_ids();
            io.o2t = IoConnection::new(o2t);
            io.t2o = IoConnection::new(t2o);
            return t + 5 * MS;
        }
        // Inputs change slowly: a counter and a few analog values.
        let k = (t / io.rpi) as u32;
        for (i, b) in io.data.iter_mut().enumerate() {
            *b = (k >> (i % 4 * 2)) as u8 ^ (i as u8);
        }
        io.o2t.next_packet(&io.data, true, &mut io.buf);
        out.udp(t, io.plc, 2222, io.adapter, 2222, &io.buf);
        io.t2o.next_packet(&io.data, false, &mut io.buf);
        out.udp(
            t + 150 + self.rng.below(300) as i64,
            io.adapter,
            2222,
            io.plc,
            2222,
            &io.buf,
        );
        t + self.rng.jitter(io.rpi, 1)
    }

    fn ua<W: Write>(&mut self, u: &mut UaClient, t: i64, out: &mut Out<W>) -> i64 {
        let rtt = 300 + self.rng.below(300) as i64;
        let lat = 500 + self.rng.below(2_000) as i64;
        let mut t = t;
        match u.phase {
            0 => {
                t = u.tcp.handshake(t, rtt, out);
                let mut pairs = ua_open(&mut u.ch, t, &CHILDREN);
                pairs.push((
                    u.ch.create_subscription_request(t),
                    u.ch.create_subscription_response(t),
                ));
                pairs.push((
                    u.ch.create_monitored_items_request(t, &u.nodes),
                    u.ch.create_monitored_items_response(t),
                ));
                t = u.tcp.exchange(t, lat, &pairs, out);
                u.phase = 1;
                u.session_end = t + 600 * SEC;
                t + 500 * MS
            }
            _ if t >= u.session_end => {
                t = ua_close(&mut u.tcp, &mut u.ch, t, lat, out);
                t = u.tcp.close(t, rtt, out);
                // A new connection and channel a few seconds later.
                let port = self.port();
                u.tcp = Tcp::new(&mut self.rng, u.tcp.c, port, u.tcp.s, 4840);
                u.ch = UaChannel::new(self.rng.next_u64(), "opc.tcp://10.10.5.10:4840/plant");
                u.phase = 0;
                t + 5 * SEC
            }
            _ => {
                u.phase += 1;
                if u.phase.is_multiple_of(2) {
                    let m = u.ch.read_request(t, &u.nodes);
                    let values: Vec<f64> = u
                        .nodes
                        .iter()
                        .map(|n| f64::from(*n) + (t / SEC % 100) as f64 / 4.0)
                        .collect();
                    t = u.tcp.client(t, &m, out) + lat;
                    let m = u.ch.read_response(t, &values);
                    u.tcp.server(t, &m, out);
                } else {
                    let m = u.ch.publish_request(t);
                    t = u.tcp.client(t, &m, out) + lat;
                    let n = 1 + self.rng.below(5) as usize;
                    let changes: Vec<(u32, f64)> = u
                        .nodes
                        .iter()
                        .take(n)
                        .map(|node| (*node, (t % 1000) as f64 / 10.0))
                        .collect();
                    let m = u.ch.publish_response(t, &changes);
                    u.tcp.server(t, &m, out);
                }
                t + self.rng.jitter(500 * MS, 2)
            }
        }
    }

    fn s7<W: Write>(&mut self, p: &mut S7Poll, t: i64, out: &mut Out<W>) -> i64 {
        let rtt = 300 + self.rng.below(400) as i64;
        let cycle = MS + self.rng.below(4_000) as i64;
        let mut t = t;
        if !p.started {
            // Connect, set up, and ask the CPU who it is.
            p.started = true;
            t = p.tcp.handshake(t, rtt, out);
            let t1 = p.tcp.client(t, &s7::connect(false), out);
            t = p.tcp.server(t1 + rtt, &s7::connect(true), out);
            let t1 = p.tcp.client(t + MS, &s7::setup(0, false), out);
            t = p.tcp.server(t1 + cycle, &s7::setup(0, true), out);
            let (req, resp) = s7::read_szl_module(p.reference, "6ES7 315-2EH14-0AB0", [3, 2, 6]);
            p.reference = p.reference.wrapping_add(1);
            let t1 = p.tcp.client(t + MS, &req, out);
            p.tcp.server(t1 + cycle, &resp, out);
            return t + self.rng.jitter(p.period, 5);
        }
        let reference = p.reference;
        p.reference = p.reference.wrapping_add(1);
        let (req, resp) = if self.rng.one_in(200) {
            let v = (self.rng.next_u64() as u16).to_be_bytes();
            s7::write_var(reference, p.db, 100, &v)
        } else {
            let mut values = vec![0u8; usize::from(p.bytes)];
            let seed = self.rng.next_u64();
            for (i, v) in values.iter_mut().enumerate() {
                *v = (seed >> ((i % 8) * 8)) as u8;
            }
            s7::read_var(reference, p.db, 0, &values)
        };
        let t1 = p.tcp.client(t, &req, out);
        let t2 = p.tcp.server(t1 + cycle, &resp, out);
        if self.rng.one_in(2) {
            p.tcp.ack(true, t2 + 200, out);
        }
        t + self.rng.jitter(p.period, 5)
    }

    fn s7_download<W: Write>(&mut self, d: &mut S7Download, t: i64, out: &mut Out<W>) -> i64 {
        let rtt = 300 + self.rng.below(400) as i64;
        let port = self.port();
        let mut tcp = Tcp::new(&mut self.rng, d.client, port, d.plc, 102);
        let mut t = tcp.handshake(t, rtt, out);
        let t1 = tcp.client(t, &s7::connect(false), out);
        t = tcp.server(t1 + rtt, &s7::connect(true), out);
        let t1 = tcp.client(t + MS, &s7::setup(0, false), out);
        t = tcp.server(t1 + 2 * MS, &s7::setup(0, true), out);
        // FC 1 to FC 20, one after the other: 0x0C is a function.
        let number = 1 + d.count % 20;
        d.count = d.count.wrapping_add(1);
        let code: Vec<u8> = (0..120u8)
            .map(|i| i.wrapping_mul(31) ^ number as u8)
            .collect();
        for (req, resp) in s7::download(1, 0x0C, number, &code) {
            let t1 = tcp.client(t + 3 * MS, &req, out);
            t = tcp.server(t1 + 5 * MS, &resp, out);
        }
        tcp.close(t + 10 * MS, rtt, out);
        t + 600 * SEC
    }

    fn pn_cyclic<W: Write>(&mut self, c: &mut PnCyclic, t: i64, out: &mut Out<W>) -> i64 {
        let data = 36 + usize::from(c.device.ip[3] % 4) * 8;
        let f = profinet::rt_cyclic(c.device.mac, c.plc.mac, c.output, data, c.cycle);
        out.frame(t, &f);
        let f = profinet::rt_cyclic(c.plc.mac, c.device.mac, c.input, data, c.cycle);
        out.frame(t + 150 + self.rng.below(100) as i64, &f);
        c.cycle = c.cycle.wrapping_add(PN_STEP);
        t + PN_PERIOD
    }

    /// What a station of the Siemens cell says of itself in DCP.
    fn station(&self, h: Host, device: bool) -> profinet::Station {
        let n = h.ip[3];
        profinet::Station {
            name: if device {
                format!("et200sp-{n}")
            } else {
                format!("plc-{n}")
            },
            type_of_station: if device { "ET200SP" } else { "S7-300" }.into(),
            ip: [h.ip, [255, 255, 255, 0], [h.ip[0], h.ip[1], h.ip[2], 1]],
            // Siemens; the device ids of an ET 200SP and an S7-300 CPU.
            vendor_id: 0x002A,
            device_id: if device { 0x0313 } else { 0x0101 },
            role: if device { 0x01 } else { 0x02 },
        }
    }

    fn dcp<W: Write>(&mut self, xid: &mut u32, t: i64, out: &mut Out<W>) -> i64 {
        let eng = self.topo.eng[0];
        out.frame(t, &profinet::identify_request(eng.mac, *xid, None));
        let plcs = self.topo.s7_plcs.iter().map(|&h| (h, false));
        let devices = self.topo.pn_devices.iter().map(|&(h, _)| (h, true));
        let stations: Vec<(Host, bool)> = plcs.chain(devices).collect();
        for (i, (h, device)) in stations.into_iter().enumerate() {
            let s = self.station(h, device);
            let f = profinet::identify_response(h.mac, eng.mac, *xid, &s);
            out.frame(t + 2 * MS + i as i64 * 400, &f);
        }
        *xid = xid.wrapping_add(1);
        t + 600 * SEC
    }

    fn dns<W: Write>(&mut self, t: i64, out: &mut Out<W>) -> i64 {
        let ws =
            self.topo.workstations[self.rng.below(self.topo.workstations.len() as u64) as usize];
        let answer = self.topo.internet[self.rng.below(8) as usize].ip;
        let (q, r) = it::dns(&mut self.rng, answer);
        let port = self.port();
        out.udp(t, ws, port, self.topo.dns, 53, &q);
        out.udp(
            t + 800 + self.rng.below(2_000) as i64,
            self.topo.dns,
            53,
            ws,
            port,
            &r,
        );
        t + self.rng.jitter(150 * MS, 50)
    }

    fn http<W: Write>(&mut self, t: i64, out: &mut Out<W>) -> i64 {
        let ws =
            self.topo.workstations[self.rng.below(self.topo.workstations.len() as u64) as usize];
        let port = self.port();
        let mut tcp = Tcp::new(&mut self.rng, ws, port, self.topo.web, 80);
        let rtt = 400 + self.rng.below(600) as i64;
        let size = 1_000 + self.rng.below(11_000) as usize;
        let (req, resp) = it::http(&mut self.rng, size);
        let mut t1 = tcp.handshake(t, rtt, out);
        t1 = tcp.client(t1, &req, out) + 3 * MS;
        t1 = tcp.server(t1, &resp, out) + 200;
        tcp.ack(true, t1, out);
        tcp.close(t1 + 100, rtt, out);
        t + self.rng.jitter(75 * MS, 50)
    }

    fn tls<W: Write>(&mut self, t: i64, out: &mut Out<W>) -> i64 {
        let ws =
            self.topo.workstations[self.rng.below(self.topo.workstations.len() as u64) as usize];
        let server = self.topo.internet[self.rng.below(8) as usize];
        let port = self.port();
        // Through the site router: the frames carry its MAC.
        let remote = Host {
            mac: self.topo.gateway.mac,
            ip: server.ip,
        };
        let mut tcp = Tcp::new(&mut self.rng, ws, port, remote, 443);
        let rtt = 15 * MS + self.rng.below(20_000) as i64;
        let mut t1 = tcp.handshake(t, rtt, out);
        let ch = it::tls_client_hello(&mut self.rng, "updates.vendor.example");
        t1 = tcp.client(t1, &ch, out) + rtt;
        let sh = it::tls_server_hello(&mut self.rng);
        t1 = tcp.server(t1, &sh, out) + 300;
        let cf = it::tls_client_finish(&mut self.rng);
        t1 = tcp.client(t1, &cf, out) + 100;
        let n = 300 + self.rng.below(600) as usize;
        let req = it::tls_data(&mut self.rng, n);
        t1 = tcp.client(t1, &req, out) + rtt;
        let n = 2_000 + self.rng.below(18_000) as usize;
        let resp = it::tls_data(&mut self.rng, n);
        t1 = tcp.server(t1, &resp, out) + 200;
        tcp.ack(true, t1, out);
        tcp.close(t1 + 100, rtt, out);
        t + self.rng.jitter(110 * MS, 50)
    }

    /// The engineering station's List Identity broadcast and every
    /// EtherNet/IP device's answer.
    fn sweep<W: Write>(&mut self, t: i64, out: &mut Out<W>) -> i64 {
        let eng = self.topo.eng[0];
        let bcast = Host {
            mac: [0xFF; 6],
            ip: [10, 10, 255, 255],
        };
        let mut s = EnipSession::new(self.rng.next_u64());
        let q = s.list_identity_request();
        out.udp(t, eng, 44818, bcast, 44818, &q);
        let devices: Vec<Host> = self
            .topo
            .logix_plcs
            .iter()
            .copied()
            .chain(self.topo.adapters.iter().map(|a| a.0))
            .collect();
        for (i, d) in devices.iter().enumerate() {
            let id = self.topo.identity(
                d,
                0x00C0_FFEE ^ u32::from(d.ip[3]) ^ (u32::from(d.ip[2]) << 8),
            );
            let r = s.list_identity_response(&id);
            out.udp(t + 2 * MS + i as i64 * 700, *d, 44818, eng, 44818, &r);
        }
        t + 300 * SEC
    }

    /// One short file-share session: workstation `pair / peers` to the
    /// `pair % peers + 1`-th workstation after it; then the next pair (all
    /// pairs in turn, then again).
    fn share<W: Write>(&mut self, pair: &mut usize, peers: usize, t: i64, out: &mut Out<W>) -> i64 {
        let ws = &self.topo.workstations;
        let peers = peers.min(ws.len() - 1);
        let (i, k) = (*pair / peers, *pair % peers);
        let (client, server) = (ws[i], ws[(i + 1 + k) % ws.len()]);
        *pair = (*pair + 1) % (peers * ws.len());
        let port = self.port();
        let mut tcp = Tcp::new(&mut self.rng, client, port, server, 445);
        let rtt = 300 + self.rng.below(400) as i64;
        let (req, resp) = it::smb_negotiate(&mut self.rng);
        let mut t1 = tcp.handshake(t, rtt, out);
        t1 = tcp.client(t1, &req, out) + MS;
        t1 = tcp.server(t1, &resp, out) + 200;
        tcp.ack(true, t1, out);
        tcp.close(t1 + 100, rtt, out);
        t + MS / 2
    }

    fn note(&mut self, t: i64, kind: &'static str, src: Host, dst: Host, detail: &str) {
        self.anomalies.push(Anomaly {
            ts_us: t,
            kind,
            src: src.ip,
            dst: dst.ip,
            detail: detail.to_string(),
        });
    }

    fn anomaly<W: Write>(&mut self, k: usize, t: i64, out: &mut Out<W>) {
        let rtt = 400;
        let rogue = self.topo.rogue;
        match ANOMALIES[k] {
            "new_device_modbus_identification_sweep" => {
                // An unknown host asks eight PLCs who they are.
                for (i, plc) in self
                    .topo
                    .modbus_plcs
                    .clone()
                    .into_iter()
                    .take(8)
                    .enumerate()
                {
                    let port = self.port();
                    let mut tcp = Tcp::new(&mut self.rng, rogue, port, plc, 502);
                    let t0 = t + i as i64 * 20 * MS;
                    let mut t1 = tcp.handshake(t0, rtt, out);
                    self.scratch.clear();
                    modbus::device_id_request(&mut self.scratch, 1, 1);
                    let req = self.scratch.clone();
                    t1 = tcp.client(t1, &req, out) + 3 * MS;
                    self.scratch.clear();
                    modbus::device_id_response(
                        &mut self.scratch,
                        1,
                        1,
                        ["Schneider Electric", "BMX P34 2020", "v3.10"],
                    );
                    let resp = self.scratch.clone();
                    t1 = tcp.server(t1, &resp, out) + 200;
                    tcp.close(t1, rtt, out);
                }
                let dst = self.topo.modbus_plcs[0];
                self.note(
                    t,
                    "new_device_modbus_identification_sweep",
                    rogue,
                    dst,
                    "10.10.9.99 (unknown MAC 02:42:ac) reads the identity of 8 Modbus PLCs",
                );
            }
            "modbus_write_from_hmi" => {
                let (hmi, plc) = (self.topo.hmis[0], self.topo.modbus_plcs[0]);
                let port = self.port();
                let mut tcp = Tcp::new(&mut self.rng, hmi, port, plc, 502);
                let mut t1 = tcp.handshake(t, rtt, out);
                let mut req = Vec::new();
                modbus::write_multiple_registers(&mut req, 7, 1, 4000, &[0xDEAD, 0xBEEF, 0, 1]);
                t1 = tcp.client(t1, &req, out) + 4 * MS;
                let mut resp = Vec::new();
                modbus::write_multiple_response(&mut resp, 7, 1, 4000, 4);
                t1 = tcp.server(t1, &resp, out) + 200;
                tcp.close(t1, rtt, out);
                self.note(
                    t,
                    "modbus_write_from_hmi",
                    hmi,
                    plc,
                    "Write Multiple Registers 4000+4 from an HMI that only reads",
                );
            }
            "modbus_umas_stop_plc" => {
                let (eng, plc) = (self.topo.eng[1], self.topo.modbus_plcs[3]);
                let port = self.port();
                let mut tcp = Tcp::new(&mut self.rng, eng, port, plc, 502);
                let mut t1 = tcp.handshake(t, rtt, out);
                // Function 90 (UMAS), session 0x00, STOP_PLC (0x41).
                let req = [0, 9, 0, 0, 0, 4, 1, 0x5A, 0x00, 0x41];
                t1 = tcp.client(t1, &req, out) + 5 * MS;
                let resp = [0, 9, 0, 0, 0, 4, 1, 0x5A, 0x00, 0xFE];
                t1 = tcp.server(t1, &resp, out) + 200;
                tcp.close(t1, rtt, out);
                self.note(
                    t,
                    "modbus_umas_stop_plc",
                    eng,
                    plc,
                    "UMAS STOP_PLC (function 90, code 0x41)",
                );
            }
            "modbus_function_scan" => {
                let plc = self.topo.modbus_plcs[5];
                let port = self.port();
                let mut tcp = Tcp::new(&mut self.rng, rogue, port, plc, 502);
                let mut t1 = tcp.handshake(t, rtt, out);
                // Functions without request data (7, 11, 12, 17) and the
                // user-defined ranges (65-72, 100-110).
                let probes = [7u8, 11, 12, 17, 65, 66, 67, 68, 69, 70, 71, 72, 100, 101];
                for (i, f) in probes.iter().enumerate() {
                    let tid = 100 + i as u16;
                    let req = [(tid >> 8) as u8, tid as u8, 0, 0, 0, 2, 1, *f];
                    t1 = tcp.client(t1, &req, out) + 2 * MS;
                    let mut resp = Vec::new();
                    modbus::exception(&mut resp, tid, 1, *f, 1);
                    t1 = tcp.server(t1, &resp, out) + 3 * MS;
                }
                tcp.close(t1, rtt, out);
                self.note(
                    t,
                    "modbus_function_scan",
                    rogue,
                    plc,
                    "14 function codes probed, each answered ILLEGAL FUNCTION",
                );
            }
            "opcua_new_client" => {
                let port = self.port();
                let server = self.topo.ua_server;
                let mut tcp = Tcp::new(&mut self.rng, rogue, port, server, 4840);
                let mut ch = UaChannel::new(self.rng.next_u64(), "opc.tcp://10.10.5.10:4840/plant");
                let mut t1 = tcp.handshake(t, rtt, out);
                let pairs = ua_open(&mut ch, t1, &CHILDREN[..2]);
                t1 = tcp.exchange(t1, MS, &pairs, out);
                t1 = ua_close(&mut tcp, &mut ch, t1, MS, out);
                tcp.close(t1, rtt, out);
                self.note(
                    t,
                    "opcua_new_client",
                    rogue,
                    server,
                    "an unknown host opens an anonymous OPC UA session and browses",
                );
            }
            "enip_write_tag_from_new_host" => {
                let plc = self.topo.logix_plcs[2];
                let port = self.port();
                let mut tcp = Tcp::new(&mut self.rng, rogue, port, plc, 44818);
                let mut s = EnipSession::new(self.rng.next_u64());
                let mut t1 = tcp.handshake(t, rtt, out);
                let pairs = [
                    register(&mut s),
                    (
                        s.write_tag_request("Oven_Setpoint", &[950]),
                        s.write_tag_response(),
                    ),
                ];
                t1 = tcp.exchange(t1, MS, &pairs, out);
                let r = s.unregister_session();
                t1 = tcp.client(t1, &r, out) + 200;
                tcp.close(t1, rtt, out);
                self.note(
                    t,
                    "enip_write_tag_from_new_host",
                    rogue,
                    plc,
                    "Write Tag Oven_Setpoint from an unknown host",
                );
            }
            "port_scan" => {
                for (i, plc) in self.topo.logix_plcs.clone().into_iter().enumerate() {
                    for (j, port) in [21u16, 23, 80, 102, 443, 502, 2222, 4840]
                        .iter()
                        .enumerate()
                    {
                        let sport = self.port();
                        let mut tcp = Tcp::new(&mut self.rng, rogue, sport, plc, *port);
                        tcp.refused(t + (i * 8 + j) as i64 * 300, 200, out);
                    }
                }
                let dst = self.topo.logix_plcs[0];
                self.note(
                    t,
                    "port_scan",
                    rogue,
                    dst,
                    "SYN scan of 8 ports on 12 controllers, answered by resets",
                );
            }
            // Only with a Siemens cell (`--s7-plcs`): the unknown host
            // renames and re-addresses a PROFINET IO device, whose
            // controller then loses it.
            "profinet_dcp_set_from_new_host" => {
                let Some(&(device, owner)) = self.topo.pn_devices.first() else {
                    return;
                };
                let mut ip = self.station(device, true).ip;
                ip[0][3] = ip[0][3].wrapping_add(100);
                let f = profinet::set_request(rogue.mac, device.mac, 0x66, Some("plc-1"), Some(ip));
                out.frame(t, &f);
                let f = profinet::set_response(device.mac, rogue.mac, 0x66, &[(2, 2), (1, 2)]);
                out.frame(t + 3 * MS, &f);
                let plc = self.topo.s7_plcs[owner];
                self.note(
                    t,
                    "profinet_dcp_set_from_new_host",
                    rogue,
                    device,
                    &format!(
                        "10.10.9.99 (unknown MAC 02:42:ac) renames the PROFINET IO device of {} to plc-1 and re-addresses it to {} with DCP Set",
                        std::net::Ipv4Addr::from(plc.ip),
                        std::net::Ipv4Addr::from(ip[0])
                    ),
                );
            }
            _ => {}
        }
    }
}

/// What an OPC UA client browses under the Objects folder.
const CHILDREN: [(u32, &str); 4] = [
    (1000, "Line1"),
    (1001, "Line2"),
    (1002, "Utilities"),
    (1003, "Packaging"),
];

/// RegisterSession and its answer.
fn register(s: &mut EnipSession) -> (Vec<u8>, Vec<u8>) {
    (s.register_session_request(), s.register_session_response())
}

/// An OPC UA session's opening exchanges: HEL/ACK, OPN, CreateSession,
/// ActivateSession (anonymous), Browse of the Objects folder.
fn ua_open(ch: &mut UaChannel, now: i64, children: &[(u32, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
    vec![
        (ch.hello(), ch.acknowledge()),
        (ch.open_request(now), ch.open_response(now)),
        (
            ch.create_session_request(now),
            ch.create_session_response(now),
        ),
        (
            ch.activate_session_request(now),
            ch.activate_session_response(now),
        ),
        (
            ch.browse_request(now, 85),
            ch.browse_response(now, children),
        ),
    ]
}

/// CloseSession and CLO; returns when the CLO was sent.
fn ua_close<W: Write>(
    tcp: &mut Tcp,
    ch: &mut UaChannel,
    t: i64,
    lat: i64,
    out: &mut Out<W>,
) -> i64 {
    let pairs = [(ch.close_session_request(t), ch.close_session_response(t))];
    let t = tcp.exchange(t, lat, &pairs, out);
    let m = ch.close_channel(t);
    tcp.client(t, &m, out) + 200
}

/// The anomalies `--anomalies` injects, one per second from 0.5 s.
pub const ANOMALIES: [&str; 8] = [
    "new_device_modbus_identification_sweep",
    "modbus_write_from_hmi",
    "modbus_umas_stop_plc",
    "modbus_function_scan",
    "opcua_new_client",
    "enip_write_tag_from_new_host",
    "port_scan",
    "profinet_dcp_set_from_new_host",
];
