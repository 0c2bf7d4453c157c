//! A reader for classic pcap files (the 24-byte file header and 16-byte
//! record headers of pcap-savefile(5)), the format most bulk captures and
//! the synthesizer write.
//!
//! Why not libpcap for these too: libpcap reads a file through stdio with
//! 4 KiB `fread`s, two per packet, copying each packet into its own buffer.
//! That cost ~540 instructions per packet with the `pcap` crate's wrapper,
//! about a tenth of a whole run. This reader takes the file in large reads
//! and hands out packets where they lie in its buffer.
//!
//! It reads what libpcap reads, packet for packet: the same times (32-bit
//! fields taken as signed, nanoseconds cut to microseconds), lengths and
//! bytes (records longer than the header's snaplen cut to it), and the
//! same error at the same record, in libpcap's words. Tests hold it to
//! libpcap on every bundled capture and on damaged files. It only takes
//! the files it is sure of: [`Header::parse`] declines anything else
//! (pcapng, other versions, other link types, and byte-swapped Linux
//! cooked captures, whose CAN headers libpcap rewrites), and those files
//! go to libpcap.

use std::io::Read;

/// The largest captured length libpcap accepts for the link types read
/// here (its `MAXIMUM_SNAPLEN`); a record claiming more is corrupt.
pub const MAX_SNAPLEN: u32 = 262_144;

/// Bytes asked of the file per read: small enough that the records are
/// still in the core's cache when they are decoded (docs/performance.md).
const READ_SIZE: usize = 1 << 17;

/// The link types this reader takes: those otwatch decodes
/// (`LinkType::from_dlt`, which a test holds this list to). Files of
/// other types go to libpcap, which names the type in its error.
pub const LINK_TYPES: [u32; 10] = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];

/// Linux cooked captures v1 and v2: libpcap byte-swaps the CAN ids inside
/// them when the file is of the other byte order.
const COOKED: [u32; 2] = [113, 276];

/// What the file header says, when this reader can take the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The file was written on a machine of the other byte order.
    swapped: bool,
    /// Record times carry nanoseconds (shown as microseconds, as libpcap does).
    nanos: bool,
    /// Records longer than this are cut to it (libpcap's handling of files
    /// whose header understates the snaplen); 0 or more than
    /// [`MAX_SNAPLEN`] in the header means [`MAX_SNAPLEN`], as in libpcap.
    snaplen: u32,
    /// The link type (its number in the file, FCS bits removed).
    pub linktype: u32,
}

impl Header {
    pub const LEN: usize = 24;

    /// The header of a classic pcap file version 2.4 whose link type
    /// otwatch decodes; `None` for anything else (left to libpcap).
    pub fn parse(b: &[u8; Header::LEN]) -> Option<Header> {
        let magic = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let (swapped, nanos) = match magic {
            0xa1b2_c3d4 => (false, false),
            0xd4c3_b2a1 => (true, false),
            0xa1b2_3c4d => (false, true),
            0x4d3c_b2a1 => (true, true),
            _ => return None,
        };
        let version = (half(swapped, [b[4], b[5]]), half(swapped, [b[6], b[7]]));
        if version != (2, 4) {
            return None;
        }
        // The upper bits may say whether frames carry an FCS.
        let linktype = word(swapped, [b[20], b[21], b[22], b[23]]) & 0x03ff_ffff;
        if !LINK_TYPES.contains(&linktype) || (swapped && COOKED.contains(&linktype)) {
            return None;
        }
        let snaplen = match word(swapped, [b[16], b[17], b[18], b[19]]) {
            0 => MAX_SNAPLEN,
            s => s.min(MAX_SNAPLEN),
        };
        Some(Header {
            swapped,
            nanos,
            snaplen,
            linktype,
        })
    }
}

fn half(swapped: bool, b: [u8; 2]) -> u16 {
    let v = u16::from_le_bytes(b);
    if swapped {
        v.swap_bytes()
    } else {
        v
    }
}

fn word(swapped: bool, b: [u8; 4]) -> u32 {
    let v = u32::from_le_bytes(b);
    if swapped {
        v.swap_bytes()
    } else {
        v
    }
}

/// One record: its time as libpcap gives it (the file's 32-bit seconds
/// and fraction taken as signed, the fraction in microseconds), its length
/// on the wire and its captured bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct Record<'a> {
    pub sec: i64,
    pub usec: i64,
    pub wire_len: u32,
    pub data: &'a [u8],
}

/// Reads the records after a file header.
pub struct Reader<R> {
    src: R,
    header: Header,
    buf: Vec<u8>,
    /// The unread bytes are `buf[at..end]`.
    at: usize,
    end: usize,
    eof: bool,
}

impl<R: Read> Reader<R> {
    /// A reader for the records that follow `header` in `src`.
    pub fn new(src: R, header: Header) -> Reader<R> {
        Reader::with_buffer(src, header, READ_SIZE)
    }

    /// The same with a buffer of `size` bytes (grown for a record that does
    /// not fit): tests read through small ones to cross its edges.
    fn with_buffer(src: R, header: Header, size: usize) -> Reader<R> {
        Reader {
            src,
            header,
            buf: vec![0; size.max(16)],
            at: 0,
            end: 0,
            eof: false,
        }
    }

    /// Makes `n` bytes available at `at` if the file has them; returns how
    /// many are. Inlined for the usual case, where they already are.
    #[inline]
    fn fill(&mut self, n: usize) -> std::io::Result<usize> {
        let unread = self.end.saturating_sub(self.at);
        if unread >= n || self.eof {
            return Ok(unread.min(n));
        }
        self.refill(n)
    }

    /// Moves the rest of a record to the front and reads behind it.
    #[cold]
    fn refill(&mut self, n: usize) -> std::io::Result<usize> {
        self.buf.copy_within(self.at..self.end, 0);
        self.end = self.end.saturating_sub(self.at);
        self.at = 0;
        if self.buf.len() < n {
            self.buf.resize(n, 0);
        }
        while self.end < n {
            // The buffer holds `n` bytes, more than `end`.
            let Some(space) = self.buf.get_mut(self.end..) else {
                break;
            };
            let got = match self.src.read(space) {
                Ok(got) => got,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if got == 0 {
                self.eof = true;
                break;
            }
            self.end = self.end.saturating_add(got);
        }
        Ok(self.end.min(n))
    }

    /// The next record, `Ok(None)` at a clean end of the file, or why the
    /// record cannot be read (a cut file, a corrupt length, an I/O error),
    /// in libpcap's words.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>, String> {
        let io = |e: std::io::Error| format!("error reading dump file: {e}");
        let got = self.fill(16).map_err(io)?;
        if got == 0 {
            return Ok(None);
        }
        let Some(h) = self
            .buf
            .get(self.at..self.end)
            .and_then(<[u8]>::first_chunk::<16>)
        else {
            return Err(format!(
                "truncated dump file; tried to read 16 header bytes, only got {got}"
            ));
        };
        let w = |b: [u8; 4]| word(self.header.swapped, b);
        let (sec, frac, caplen, wire_len) = (
            w([h[0], h[1], h[2], h[3]]),
            w([h[4], h[5], h[6], h[7]]),
            w([h[8], h[9], h[10], h[11]]),
            w([h[12], h[13], h[14], h[15]]),
        );
        let snaplen = self.header.snaplen;
        if caplen > MAX_SNAPLEN {
            return Err(format!(
                "invalid packet capture length {caplen}, bigger than snaplen of {snaplen}"
            ));
        }
        // At most 16 + MAX_SNAPLEN; the 16 header bytes stay available.
        let need = (caplen as usize).saturating_add(16);
        let got = self.fill(need).map_err(io)?.saturating_sub(16);
        if got < caplen as usize {
            // libpcap reads the kept part first, then skips the rest; its
            // count is of all the bytes it got.
            let tried = if got < snaplen as usize {
                snaplen.min(caplen)
            } else {
                caplen
            };
            return Err(format!(
                "truncated dump file; tried to read {tried} captured bytes, only got {got}"
            ));
        }
        let start = self.at.saturating_add(16);
        self.at = self.at.saturating_add(need);
        let kept = caplen.min(snaplen) as usize;
        // The fields are `bpf_int32` in libpcap: sign-extended.
        let (sec, frac) = (i64::from(sec as i32), i64::from(frac as i32));
        Ok(Some(Record {
            sec,
            usec: if self.header.nanos { frac / 1000 } else { frac },
            wire_len,
            // Always there: `fill` made the whole record available at `at`.
            data: self
                .buf
                .get(start..start.saturating_add(kept))
                .unwrap_or_default(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::{Path, PathBuf};

    /// Every record read (seconds, microseconds, wire length, data), then
    /// the error that stopped the reading, if any.
    type Outcome = (Vec<(i64, i64, u32, Vec<u8>)>, Option<String>);

    /// What libpcap reads from a file (its errors without the `pcap`
    /// crate's prefix).
    fn with_libpcap(path: &Path) -> Outcome {
        let mut cap = pcap::Capture::from_file(path).unwrap();
        let mut out = Vec::new();
        loop {
            match cap.next_packet() {
                Ok(p) => out.push((
                    p.header.ts.tv_sec,
                    p.header.ts.tv_usec,
                    p.header.len,
                    p.data.to_vec(),
                )),
                Err(pcap::Error::NoMorePackets) => return (out, None),
                Err(e) => {
                    let e = e.to_string();
                    let e = e.strip_prefix("libpcap error: ").unwrap_or(&e).to_string();
                    return (out, Some(e));
                }
            }
        }
    }

    /// A source that hands out at most `most` bytes a read (a pipe, a slow
    /// disk), so records cross the reader's buffer edges.
    struct Trickle<'a> {
        data: &'a [u8],
        most: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.data.len().min(out.len()).min(self.most);
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// What this reader reads from a file's bytes (`None`: not its format),
    /// through a buffer of `buffer` bytes fed `most` bytes a read.
    fn with_reader(bytes: &[u8], buffer: usize, most: usize) -> Option<Outcome> {
        let header = Header::parse(bytes.get(..Header::LEN)?.try_into().ok()?)?;
        let src = Trickle {
            data: bytes.get(Header::LEN..)?,
            most,
        };
        let mut r = Reader::with_buffer(src, header, buffer);
        let mut out = Vec::new();
        loop {
            match r.next_record() {
                Ok(Some(p)) => out.push((p.sec, p.usec, p.wire_len, p.data.to_vec())),
                Ok(None) => return Some((out, None)),
                Err(e) => return Some((out, Some(e))),
            }
        }
    }

    /// The two agree on every record and stop at the same one with the same
    /// words, whether the reader takes the file in its usual reads or through a
    /// 64-byte buffer fed a few bytes at a time.
    fn same_as_libpcap(bytes: &[u8], dir: &Path) -> usize {
        let f = dir.join("t.pcap");
        std::fs::write(&f, bytes).unwrap();
        let Some(ours) = with_reader(bytes, READ_SIZE, usize::MAX) else {
            return 0;
        };
        let theirs = with_libpcap(&f);
        assert_eq!(
            ours.0.len(),
            theirs.0.len(),
            "{:?} / {:?}",
            ours.1,
            theirs.1
        );
        assert!(ours.0 == theirs.0);
        assert_eq!(ours.1, theirs.1);
        for most in [1, 7, 17] {
            assert!(
                with_reader(bytes, 64, most) == Some(ours.clone()),
                "{most} bytes a read"
            );
        }
        ours.0.len()
    }

    fn bundled() -> Vec<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("pcaps");
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
            .collect();
        v.sort();
        v
    }

    /// Where each record of a little-endian file starts, and its captured
    /// length.
    fn records(b: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
        let mut at = Header::LEN;
        std::iter::from_fn(move || {
            let caplen = u32::from_le_bytes(b.get(at + 8..at + 12)?.try_into().ok()?) as usize;
            let record = (at, caplen);
            at += 16 + caplen;
            Some(record)
        })
    }

    /// A small bundled capture (Modbus/TCP) the tests rewrite.
    fn sample() -> Vec<u8> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::read(dir.join("pcaps/modbus_example.pcap")).unwrap()
    }

    #[test]
    fn reads_every_bundled_capture_as_libpcap_does() {
        let d = tempfile::tempdir().unwrap();
        let mut files = 0;
        for p in bundled() {
            let bytes = std::fs::read(&p).unwrap();
            if Header::parse(bytes[..Header::LEN].try_into().unwrap()).is_some() {
                files += 1;
                assert!(same_as_libpcap(&bytes, d.path()) > 0, "{}", p.display());
            }
        }
        assert!(files >= 10, "only {files} classic captures bundled");
    }

    /// A capture rewritten big-endian, and with nanosecond times.
    #[test]
    fn swapped_and_nanosecond_files_read_as_libpcap_reads_them() {
        let d = tempfile::tempdir().unwrap();
        let src = sample();
        for (swap, nanos) in [(true, false), (false, true), (true, true)] {
            let mut b = src.clone();
            let put = |b: &mut Vec<u8>, at: usize, v: u32| {
                let v = if swap { v.swap_bytes() } else { v };
                b[at..at + 4].copy_from_slice(&v.to_le_bytes());
            };
            let get = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
            put(&mut b, 0, if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 });
            // Version 2.4: two 16-bit fields, each in the file's order.
            let version: [u8; 4] = if swap { [0, 2, 0, 4] } else { [2, 0, 4, 0] };
            b[4..8].copy_from_slice(&version);
            for at in [8, 12, 16, 20] {
                let v = get(&src, at);
                put(&mut b, at, v);
            }
            for (at, _) in records(&src) {
                for (i, field) in [0, 4, 8, 12].into_iter().enumerate() {
                    let mut v = get(&src, at + field);
                    if nanos && i == 1 {
                        v = v * 1000 + 999;
                    }
                    put(&mut b, at + field, v);
                }
            }
            assert!(
                same_as_libpcap(&b, d.path()) > 0,
                "swap {swap} nanos {nanos}"
            );
        }
    }

    /// Times whose 32-bit fields have the high bit set (a damaged file, or
    /// one written after 2038) read as libpcap reads them: signed.
    #[test]
    fn times_with_the_high_bit_set_read_as_libpcap_reads_them() {
        let d = tempfile::tempdir().unwrap();
        for magic in [0xa1b2_c3d4u32, 0xa1b2_3c4d] {
            let mut b = sample();
            b[..4].copy_from_slice(&magic.to_le_bytes());
            let at = Header::LEN;
            b[at..at + 4].copy_from_slice(&0x8000_0001u32.to_le_bytes());
            b[at + 4..at + 8].copy_from_slice(&0xffff_f000u32.to_le_bytes());
            assert!(same_as_libpcap(&b, d.path()) > 0, "magic {magic:x}");
            let (records, _) = with_reader(&b, READ_SIZE, usize::MAX).unwrap();
            assert!(records[0].0 < 0 && records[0].1 < 0, "{:?}", &records[0].0);
        }
    }

    /// Files whose header says little: a snaplen of 0 or above the maximum,
    /// or below the records' lengths (libpcap cuts those records).
    #[test]
    fn snaplen_in_the_header_is_handled_as_libpcap_handles_it() {
        let d = tempfile::tempdir().unwrap();
        let src = sample();
        for snaplen in [0u32, 60, 70_000, 1 << 30] {
            let mut b = src.clone();
            b[16..20].copy_from_slice(&snaplen.to_le_bytes());
            assert!(same_as_libpcap(&b, d.path()) > 0, "snaplen {snaplen}");
        }
        // Cut inside a record longer than a snaplen of 60: in the part kept
        // and in the part skipped (libpcap words the two differently).
        let (at, caplen) = records(&src).find(|&(_, c)| c > 70).unwrap();
        for cut in [10, 59, 60, 61, caplen - 1] {
            let mut b = src[..at + 16 + cut].to_vec();
            b[16..20].copy_from_slice(&60u32.to_le_bytes());
            same_as_libpcap(&b, d.path());
        }
    }

    /// Every link type this reader takes is one otwatch decodes.
    #[test]
    fn link_types_taken_are_those_otwatch_decodes() {
        for t in LINK_TYPES {
            assert!(crate::capture::LinkType::from_dlt(t as i32).is_ok(), "{t}");
        }
    }

    #[test]
    fn other_formats_are_left_to_libpcap() {
        let mut h = [0u8; Header::LEN];
        h[..4].copy_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h[4..6].copy_from_slice(&2u16.to_le_bytes());
        h[6..8].copy_from_slice(&4u16.to_le_bytes());
        h[20..24].copy_from_slice(&1u32.to_le_bytes());
        assert!(Header::parse(&h).is_some());
        // With an FCS flag in the link type's upper bits: still Ethernet.
        h[20..24].copy_from_slice(&(1u32 | 0x1000_0000).to_le_bytes());
        assert_eq!(Header::parse(&h).map(|x| x.linktype), Some(1));
        let mut wifi = h;
        wifi[20..24].copy_from_slice(&105u32.to_le_bytes());
        let mut old = h;
        old[6..8].copy_from_slice(&3u16.to_le_bytes());
        let mut pcapng = h;
        pcapng[..4].copy_from_slice(&0x0a0d_0d0au32.to_le_bytes());
        // Byte-swapped Linux cooked captures: libpcap rewrites their CAN ids.
        let mut cooked = h;
        cooked[..4].copy_from_slice(&0xa1b2_c3d4u32.to_be_bytes());
        cooked[4..8].copy_from_slice(&[0, 2, 0, 4]);
        cooked[20..24].copy_from_slice(&113u32.to_be_bytes());
        let mut native_cooked = h;
        native_cooked[20..24].copy_from_slice(&113u32.to_le_bytes());
        assert!(Header::parse(&native_cooked).is_some());
        for other in [wifi, old, pcapng, cooked] {
            assert_eq!(Header::parse(&other), None);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
        /// Damaged files (bytes flipped anywhere after the file header,
        /// the file cut anywhere) read the same records and fail at the
        /// same one.
        #[test]
        fn damaged_files_read_as_libpcap_reads_them(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let d = tempfile::tempdir().unwrap();
            let mut b = sample();
            for (at, v) in flips {
                let i = Header::LEN + at.index(b.len() - Header::LEN);
                b[i] = v;
            }
            let keep = Header::LEN + cut.index(b.len() - Header::LEN + 1);
            b.truncate(keep);
            same_as_libpcap(&b, d.path());
        }
    }
}
