//! Helpers shared by the integration tests: run the binary, read Zeek logs,
//! and write small capture files packet by packet.
#![allow(dead_code)]

pub mod moto;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn pcap(name: &str) -> PathBuf {
    repo().join("pcaps").join(name)
}

pub fn otwatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_otwatch"))
}

/// Runs `otwatch analyze` with extra arguments; returns the process output.
/// Writes a synthesized capture: `otwatch synth ARGS -o PATH`.
pub fn synth(path: &Path, args: &[&str]) {
    let o = otwatch()
        .arg("synth")
        .args(args)
        .arg("-o")
        .arg(path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

pub fn analyze(out: &Path, args: &[&str], pcaps: &[PathBuf]) -> Output {
    let mut c = otwatch();
    c.arg("analyze")
        .arg("--quiet")
        .arg("--out")
        .arg(out)
        .args(args);
    c.args(pcaps);
    c.output().expect("run otwatch")
}

/// Learns a baseline from `capture` into `out` (`otwatch baseline learn`).
pub fn learn_baseline(capture: &Path, out: &Path) {
    let o = otwatch()
        .args(["baseline", "learn", "-q"])
        .arg(capture)
        .arg("-o")
        .arg(out)
        .output()
        .expect("run otwatch");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A Zeek TSV log: column names and rows of cells (header lines dropped).
/// Files without a `#fields` line take the names given.
pub struct ZeekLog {
    pub fields: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl ZeekLog {
    pub fn read(path: &Path) -> ZeekLog {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut fields = Vec::new();
        let mut rows = Vec::new();
        for line in text.lines() {
            if let Some(f) = line.strip_prefix("#fields\t") {
                fields = f.split('\t').map(str::to_string).collect();
            } else if !line.starts_with('#') && !line.is_empty() {
                rows.push(line.split('\t').map(str::to_string).collect());
            }
        }
        ZeekLog { fields, rows }
    }

    /// Rows as maps from column name to cell.
    pub fn records(&self) -> Vec<BTreeMap<String, String>> {
        self.rows
            .iter()
            .map(|r| self.fields.iter().cloned().zip(r.iter().cloned()).collect())
            .collect()
    }
}

/// Reads a JSON-lines log into one `serde_json::Value` per line.
pub fn read_json_log(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{}: bad JSON line {l}: {e}", path.display()))
        })
        .collect()
}

/// Writes a classic little-endian pcap file.
pub struct PcapWriter {
    bytes: Vec<u8>,
}

impl PcapWriter {
    pub fn new(linktype: u32, snaplen: u32) -> PcapWriter {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&4u16.to_le_bytes());
        bytes.extend_from_slice(&0i32.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&snaplen.to_le_bytes());
        bytes.extend_from_slice(&linktype.to_le_bytes());
        PcapWriter { bytes }
    }

    /// Adds a packet captured whole.
    pub fn packet(&mut self, ts_us: i64, data: &[u8]) -> &mut Self {
        self.packet_cut(ts_us, data, data.len())
    }

    /// Adds a packet of which only the first `caplen` bytes were captured.
    pub fn packet_cut(&mut self, ts_us: i64, data: &[u8], caplen: usize) -> &mut Self {
        let caplen = caplen.min(data.len());
        self.bytes
            .extend_from_slice(&((ts_us / 1_000_000) as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&((ts_us % 1_000_000) as u32).to_le_bytes());
        self.bytes.extend_from_slice(&(caplen as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(&data[..caplen]);
        self
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn write(&self, path: &Path) {
        std::fs::write(path, &self.bytes).expect("write pcap");
    }
}

/// Builds an Ethernet + IPv4 + TCP frame.
#[allow(clippy::too_many_arguments)]
pub fn tcp4(
    src: [u8; 4],
    sport: u16,
    dst: [u8; 4],
    dport: u16,
    seq: u32,
    ack: u32,
    flags: &str,
    payload: &[u8],
) -> Vec<u8> {
    let mut b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(src, dst, 64)
        .tcp(sport, dport, seq, 64240);
    if ack != 0 || flags.contains('A') {
        b = b.ack(ack);
    }
    if flags.contains('S') {
        b = b.syn();
    }
    if flags.contains('F') {
        b = b.fin();
    }
    if flags.contains('R') {
        b = b.rst();
    }
    if flags.contains('P') {
        b = b.psh();
    }
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, payload).expect("build packet");
    out
}

/// Builds an Ethernet + IPv4 + UDP frame.
pub fn udp4(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(src, dst, 64)
        .udp(sport, dport);
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, payload).expect("build packet");
    out
}

// ---- Golden comparison (../shared/corpus/README.md, "How to compare fairly")

/// The first columns of the ICSNPP message logs (EtherNet/IP, OPC UA
/// services), without the per-message id the reference tests cut.
pub const MESSAGE_HEAD: [&str; 11] = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "is_orig",
    "source_h",
    "source_p",
    "destination_h",
    "destination_p",
];

pub fn skip(col: &str) -> bool {
    col == "ts" || col == "uid" || col.ends_with("_link_id")
}

/// Runs otwatch (TSV) on a capture; returns the log directory.
pub fn run_tsv(trace: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = analyze(dir.path(), &["--log-format", "tsv"], &[pcap(trace)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// Reads a reference log; header-less ones take their columns from SCHEMAS.md.
pub fn reference(
    golden: &str,
    log: &str,
    columns: Option<&[&str]>,
) -> Vec<BTreeMap<String, String>> {
    let mut l = ZeekLog::read(
        &repo()
            .join("tests/golden")
            .join(golden)
            .join(format!("{log}.log")),
    );
    if let Some(c) = columns {
        assert!(l.fields.is_empty(), "{golden}/{log} has a header");
        l.fields = c.iter().map(|s| s.to_string()).collect();
    }
    for r in &l.rows {
        assert_eq!(r.len(), l.fields.len(), "{golden}/{log}: row width");
    }
    l.records()
}

pub fn ours(dir: &Path, log: &str) -> Vec<BTreeMap<String, String>> {
    let p = dir.join(format!("{log}.log"));
    if !p.exists() {
        return Vec::new();
    }
    ZeekLog::read(&p).records()
}

/// Compares rows in order on the reference's columns; checks uid grouping.
/// Returns the number of rows compared.
pub fn compare(
    what: &str,
    ours: &[BTreeMap<String, String>],
    theirs: &[BTreeMap<String, String>],
) -> usize {
    let project = |r: &BTreeMap<String, String>, cols: &[String]| -> Vec<String> {
        cols.iter()
            .map(|c| {
                format!(
                    "{c}={}",
                    r.get(c).map(String::as_str).unwrap_or("<missing>")
                )
            })
            .collect()
    };
    let cols: Vec<String> = theirs
        .first()
        .map(|r| r.keys().filter(|c| !skip(c)).cloned().collect())
        .unwrap_or_default();
    let a: Vec<Vec<String>> = ours.iter().map(|r| project(r, &cols)).collect();
    let b: Vec<Vec<String>> = theirs.iter().map(|r| project(r, &cols)).collect();
    assert_eq!(a, b, "{what}: rows differ from the reference");
    // uid grouping: a bijection between reference uids and ours.
    let mut map: BTreeMap<&str, &str> = BTreeMap::new();
    let mut back: BTreeMap<&str, &str> = BTreeMap::new();
    for (o, t) in ours.iter().zip(theirs) {
        if let (Some(ou), Some(tu)) = (o.get("uid"), t.get("uid")) {
            assert_eq!(
                *map.entry(tu).or_insert(ou),
                ou.as_str(),
                "{what}: uid grouping"
            );
            assert_eq!(
                *back.entry(ou).or_insert(tu),
                tu.as_str(),
                "{what}: uid grouping"
            );
        }
    }
    theirs.len()
}

// ---- Building TCP sessions packet by packet

/// One TCP connection being written into a capture, packet by packet;
/// sequence numbers wrap (they may cross 2^32).
pub struct Tcp {
    c: [u8; 4],
    cp: u16,
    s: [u8; 4],
    sp: u16,
    /// Next sequence number of each side.
    cseq: u32,
    sseq: u32,
    tid: u16,
}

impl Tcp {
    /// Three-way handshake from `t` (µs) on, 100 µs apart (initial
    /// sequence numbers 100 and 500).
    pub fn open(w: &mut PcapWriter, t: i64, c: [u8; 4], cp: u16, s: [u8; 4], sp: u16) -> Tcp {
        Tcp::open_isn(w, t, c, cp, s, sp, 100, 500)
    }

    /// Three-way handshake with the given initial sequence numbers.
    #[allow(clippy::too_many_arguments)]
    pub fn open_isn(
        w: &mut PcapWriter,
        t: i64,
        c: [u8; 4],
        cp: u16,
        s: [u8; 4],
        sp: u16,
        ciss: u32,
        siss: u32,
    ) -> Tcp {
        let cseq = ciss.wrapping_add(1);
        let sseq = siss.wrapping_add(1);
        w.packet(t, &tcp4(c, cp, s, sp, ciss, 0, "S", &[]));
        w.packet(t + 100, &tcp4(s, sp, c, cp, siss, cseq, "SA", &[]));
        w.packet(t + 200, &tcp4(c, cp, s, sp, cseq, sseq, "A", &[]));
        Tcp {
            c,
            cp,
            s,
            sp,
            cseq,
            sseq,
            tid: 0,
        }
    }

    /// Client bytes at the next sequence number.
    pub fn client(&mut self, w: &mut PcapWriter, t: i64, data: &[u8]) {
        self.client_at(w, t, 0, data);
        self.cseq = self.cseq.wrapping_add(data.len() as u32);
    }

    /// Server bytes at the next sequence number.
    pub fn server(&mut self, w: &mut PcapWriter, t: i64, data: &[u8]) {
        w.packet(
            t,
            &tcp4(
                self.s, self.sp, self.c, self.cp, self.sseq, self.cseq, "PA", data,
            ),
        );
        self.sseq = self.sseq.wrapping_add(data.len() as u32);
    }

    /// Client bytes at `off` from the next sequence number, which does
    /// not move (retransmissions, overlaps, segments out of order).
    pub fn client_at(&self, w: &mut PcapWriter, t: i64, off: u32, data: &[u8]) {
        w.packet(
            t,
            &tcp4(
                self.c,
                self.cp,
                self.s,
                self.sp,
                self.cseq.wrapping_add(off),
                self.sseq,
                "PA",
                data,
            ),
        );
    }

    /// Moves the client's next sequence number on by `n` (bytes sent with
    /// [`Tcp::client_at`]).
    pub fn client_sent(&mut self, n: u32) {
        self.cseq = self.cseq.wrapping_add(n);
    }

    /// A request and its response, 2 ms apart.
    pub fn exchange(&mut self, w: &mut PcapWriter, t: i64, req: &[u8], resp: &[u8]) {
        self.exchange_after(w, t, req, resp, 2000);
    }

    /// A request and, `gap_us` later, its response (none when empty).
    pub fn exchange_after(
        &mut self,
        w: &mut PcapWriter,
        t: i64,
        req: &[u8],
        resp: &[u8],
        gap_us: i64,
    ) {
        self.client(w, t, req);
        if !resp.is_empty() {
            self.server(w, t + gap_us, resp);
        }
    }

    /// FIN from each side and the last ACK.
    pub fn close(&mut self, w: &mut PcapWriter, t: i64) {
        let (c, cp, s, sp) = (self.c, self.cp, self.s, self.sp);
        w.packet(t, &tcp4(c, cp, s, sp, self.cseq, self.sseq, "FA", &[]));
        self.cseq = self.cseq.wrapping_add(1);
        w.packet(
            t + 100,
            &tcp4(s, sp, c, cp, self.sseq, self.cseq, "FA", &[]),
        );
        self.sseq = self.sseq.wrapping_add(1);
        w.packet(t + 200, &tcp4(c, cp, s, sp, self.cseq, self.sseq, "A", &[]));
    }

    /// A Modbus request PDU and its response PDU, framed with MBAP.
    pub fn modbus(&mut self, w: &mut PcapWriter, t: i64, unit: u8, req: &[u8], resp: &[u8]) {
        self.tid += 1;
        let a = mbap(self.tid, unit, req);
        // No response: none sent (not an empty MBAP frame).
        let b = if resp.is_empty() {
            Vec::new()
        } else {
            mbap(self.tid, unit, resp)
        };
        self.exchange(w, t, &a, &b);
    }
}

pub fn mbap(tid: u16, unit: u8, pdu: &[u8]) -> Vec<u8> {
    let mut v = tid.to_be_bytes().to_vec();
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(&(pdu.len() as u16 + 1).to_be_bytes());
    v.push(unit);
    v.extend_from_slice(pdu);
    v
}

pub fn read(fc: u8, addr: u16, qty: u16) -> (Vec<u8>, Vec<u8>) {
    let mut req = vec![fc];
    req.extend_from_slice(&addr.to_be_bytes());
    req.extend_from_slice(&qty.to_be_bytes());
    let mut resp = vec![fc, (qty * 2) as u8];
    resp.extend(std::iter::repeat_n(0u8, usize::from(qty) * 2));
    (req, resp)
}

/// An EtherNet/IP encapsulation message of `command` on `session`
/// (sender context `ctx00001`).
pub fn encap_on(command: u16, session: u32, data: &[u8]) -> Vec<u8> {
    let mut v = command.to_le_bytes().to_vec();
    v.extend_from_slice(&(data.len() as u16).to_le_bytes());
    v.extend_from_slice(&session.to_le_bytes());
    v.extend_from_slice(&[0; 4]);
    v.extend_from_slice(b"ctx00001");
    v.extend_from_slice(&[0; 4]);
    v.extend_from_slice(data);
    v
}

/// An encapsulation message on session 0x1234.
pub fn encap(command: u16, data: &[u8]) -> Vec<u8> {
    encap_on(command, 0x1234, data)
}

/// A SendRRData carrying one unconnected CIP message (null address item,
/// unconnected data item), on session 0x1234.
pub fn send_rr(cip: &[u8]) -> Vec<u8> {
    let mut d = vec![0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0xB2, 0];
    d.extend_from_slice(&(cip.len() as u16).to_le_bytes());
    d.extend_from_slice(cip);
    encap(0x6F, &d)
}

/// A microsecond count of one second.
pub const SEC: i64 = 1_000_000;

/// A class-1 (cyclic I/O) CIP datagram on UDP 2222: a sequenced-address
/// item for connection `id` and sequence `seq`, then four bytes of data.
pub fn cip_io(id: u32, seq: u32) -> Vec<u8> {
    let mut v = vec![2, 0, 0x02, 0x80, 8, 0];
    v.extend_from_slice(&id.to_le_bytes());
    v.extend_from_slice(&seq.to_le_bytes());
    v.extend_from_slice(&[0xB1, 0, 4, 0, 1, 0, 0x42, 0x42]);
    v
}

/// The deviations an alert.log record folds in: (note, what it saw), the
/// leading one first.
pub fn folded(alert: &serde_json::Value) -> Vec<(String, String)> {
    let list = |k: &str| -> Vec<String> {
        alert[k]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    list("deviations")
        .into_iter()
        .zip(list("details"))
        .collect()
}

/// The sids of the rules an alert.log record lists (`sid:rev msg`), in
/// the order they matched.
pub fn rule_sids(alert: &serde_json::Value) -> Vec<u64> {
    alert["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            r.as_str()
                .unwrap()
                .split(':')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}

/// A 64 KiB file system mounted on `dir` (which must exist): it fills up
/// like a full disk. Unmounted when the guard goes. Needs root, as CI runs.
pub struct SmallDisk(PathBuf);

impl SmallDisk {
    pub fn mount(dir: &Path) -> SmallDisk {
        let o = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "otwatch-test"])
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "mounting a small tmpfs needs root (CI runs as root): {}",
            String::from_utf8_lossy(&o.stderr)
        );
        SmallDisk(dir.to_path_buf())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}
