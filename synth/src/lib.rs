//! Synthetic OT traffic for sizing and benchmarking: a seeded, realistic
//! plant (PLCs, HMIs, engineering stations, I/O adapters, an OPC UA server
//! and its clients, IT hosts) written as a classic pcap file. The protocol
//! modules build the messages; `net` puts them on correct TCP connections
//! and UDP flows; `plant` decides who says what, when.
#![forbid(unsafe_code)]

pub mod enip;
pub mod it;
pub mod modbus;
pub mod net;
pub mod opcua;
pub mod pcap;
pub mod plant;
pub mod profinet;
pub mod rng;
pub mod s7;

use std::collections::BTreeMap;
use std::io::Write;

/// What to synthesize. The capture ends at the first packet past the
/// packet or byte limit (file bytes, headers included).
#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    /// How many devices of each kind the plant has.
    pub sizes: Sizes,
    pub packets: Option<u64>,
    pub bytes: Option<u64>,
    pub anomalies: bool,
    /// File-share sessions (TCP 445) each IT workstation opens to this many
    /// others, in turn: a plant with many IT edges (0: none).
    pub it_peers: usize,
    /// Time of the first packet, µs since the epoch.
    pub start_us: i64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            seed: 1,
            sizes: Sizes::default(),
            packets: Some(10_000),
            bytes: None,
            anomalies: false,
            it_peers: 0,
            // 2026-01-05 06:00:00 UTC: a Monday morning shift.
            start_us: 1_767_592_800_000_000,
        }
    }
}

/// The plant's size: devices of each kind. The default is the plant of
/// the bundled benchmarks (106 hosts with the servers and the internet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub modbus_plcs: usize,
    pub logix_plcs: usize,
    pub io_adapters: usize,
    pub hmis: usize,
    pub eng_stations: usize,
    pub opcua_clients: usize,
    pub it_hosts: usize,
    /// A Siemens cell: S7-300 CPUs the HMIs poll over S7comm and the
    /// engineering stations program (0 in the default plant).
    pub s7_plcs: usize,
}

impl Default for Sizes {
    fn default() -> Sizes {
        Sizes {
            modbus_plcs: 16,
            logix_plcs: 12,
            io_adapters: 36,
            hmis: 6,
            eng_stations: 2,
            opcua_clients: 3,
            it_hosts: 20,
            s7_plcs: 0,
        }
    }
}

impl Sizes {
    /// The fewest of each kind the injected anomalies need.
    pub const MIN: Sizes = Sizes {
        modbus_plcs: 6,
        logix_plcs: 3,
        io_adapters: 0,
        hmis: 1,
        eng_stations: 2,
        opcua_clients: 1,
        it_hosts: 1,
        s7_plcs: 0,
    };

    /// Devices, every kind together (the servers, gateway and internet
    /// hosts besides).
    pub fn devices(&self) -> usize {
        self.modbus_plcs
            + self.logix_plcs
            + self.io_adapters
            + self.hmis
            + self.eng_stations
            + self.opcua_clients
            + self.it_hosts
            // Each S7 CPU and its two PROFINET IO devices.
            + self.s7_plcs * 3
    }

    /// The default plant scaled to about `n` devices, each kind in its
    /// default share (and at least its minimum).
    pub fn scaled(n: usize) -> Sizes {
        let d = Sizes::default();
        let total = d.devices();
        let share = |x: usize| (x * n + total / 2) / total.max(1);
        let m = Sizes::MIN;
        Sizes {
            modbus_plcs: share(d.modbus_plcs).max(m.modbus_plcs),
            logix_plcs: share(d.logix_plcs).max(m.logix_plcs),
            io_adapters: share(d.io_adapters).max(m.io_adapters),
            hmis: share(d.hmis).max(m.hmis),
            eng_stations: share(d.eng_stations).max(m.eng_stations),
            opcua_clients: share(d.opcua_clients).max(m.opcua_clients),
            it_hosts: share(d.it_hosts).max(m.it_hosts),
            s7_plcs: 0,
        }
    }

    /// The first kind below its minimum, named as the flag that sets it.
    pub fn too_small(&self) -> Option<(&'static str, usize)> {
        let m = Sizes::MIN;
        [
            ("--plcs (Modbus share)", self.modbus_plcs, m.modbus_plcs),
            ("--plcs (Logix share)", self.logix_plcs, m.logix_plcs),
            ("--hmis", self.hmis, m.hmis),
            ("--eng-stations", self.eng_stations, m.eng_stations),
            ("--opcua-clients", self.opcua_clients, m.opcua_clients),
            ("--it-hosts", self.it_hosts, m.it_hosts),
        ]
        .into_iter()
        .find(|(_, n, min)| n < min)
        .map(|(flag, _, min)| (flag, min))
    }
}

/// One injected anomaly (a line of the truth file).
#[derive(Clone, Debug, PartialEq)]
pub struct Anomaly {
    pub ts_us: i64,
    pub kind: &'static str,
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub detail: String,
}

impl Anomaly {
    /// The truth file's JSON line.
    pub fn json(&self) -> String {
        let ip = |a: [u8; 4]| format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
        format!(
            "{{\"ts\":{}.{:06},\"kind\":\"{}\",\"src\":\"{}\",\"dst\":\"{}\",\"detail\":\"{}\"}}",
            self.ts_us / 1_000_000,
            self.ts_us % 1_000_000,
            self.kind,
            ip(self.src),
            ip(self.dst),
            self.detail.replace('\\', "\\\\").replace('"', "\\\"")
        )
    }
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub packets: u64,
    pub bytes: u64,
    /// Packets and frame bytes per kind of conversation (modbus, enip,
    /// cip_io, opcua, dns, http, tls, anomaly).
    pub by_kind: BTreeMap<&'static str, (u64, u64)>,
    pub anomalies: Vec<Anomaly>,
}

/// A flood of `n` SYNs, each opening a different connection (distinct
/// source address and port) to one of the plant's PLCs: the capture that
/// fills a sensor's flow table: a million SYNs per second of capture
/// time, faster than any connection can time out.
pub fn syn_flood<W: Write>(n: u64, start_us: i64, out: W) -> std::io::Result<Summary> {
    let mut pcap = pcap::PcapWriter::new(out)?;
    let mut frame = Vec::with_capacity(64);
    for i in 0..n {
        let src = [
            10,
            128 + (i >> 24) as u8 % 64,
            (i >> 16) as u8,
            (i >> 8) as u8,
        ];
        let sport = 1024 + (i % 256) as u16 * 97 % 60_000;
        let dst = [10, 10, 1, 11 + (i % 16) as u8];
        frame.clear();
        etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [0, 0x80, 0xF4, 10, 1, dst[3]])
            .ipv4(src, dst, 64)
            .tcp(sport, 502, (i as u32).wrapping_mul(2_654_435_761), 64_240)
            .syn()
            .write(&mut frame, &[])
            .map_err(std::io::Error::other)?;
        pcap.packet(start_us + i as i64, &frame)?;
    }
    let mut summary = Summary {
        packets: pcap.packets,
        bytes: pcap.bytes,
        ..Summary::default()
    };
    summary.by_kind.insert("syn", (n, pcap.bytes - 24 - 16 * n));
    pcap.finish()?;
    Ok(summary)
}

/// Writes the capture to `out`.
pub fn synthesize<W: Write>(cfg: &Config, out: W) -> std::io::Result<Summary> {
    let pcap = pcap::PcapWriter::new(out)?;
    let mut out = net::Out::new(pcap);
    let summary = plant::Plant::new(cfg).run(cfg, &mut out)?;
    out.pcap.finish()?;
    Ok(summary)
}
