//! The durable spool: every event to ship is written here first and
//! removed only after CloudWatch accepted it, so nothing is lost while the
//! link is down or the sensor restarts (at-least-once: a crash between an
//! accepted batch and the cursor update sends that batch again).
//!
//! Format (one directory per spool): segment files `NNNNNNNNNNNNNNNN.seg`
//! of records `[u32 length][u32 CRC-32 of the payload][payload]`
//! (little-endian), payload = `[u8 n][n bytes: stream][i64 timestamp ms]
//! [message]`; a segment is closed past 4 MiB. `cursor` holds
//! `<segment> <offset>` of the first record not yet delivered, replaced
//! atomically. A record whose CRC does not match (a torn write, a bad
//! disk) ends its segment: the rest of it is skipped and counted, the next
//! segments are read. The spool is bounded: past its cap new events are
//! refused and counted.

use super::batch::LogEvent;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Bytes per segment file.
pub const SEGMENT_BYTES: u64 = 4 << 20;
/// A record longer than this is not a record (corruption).
const MAX_RECORD: u32 = 8 << 20;
/// Messages are cut to this many bytes, with a marker (a log line this
/// long would be split into 30 CloudWatch events already).
pub const MAX_MESSAGE: usize = (MAX_RECORD as usize) - 1024;

/// Where the next undelivered record is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub segment: u64,
    pub offset: u64,
}

#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    cap: u64,
    writer: Option<(u64, File, u64)>,
    cursor: Position,
    /// Bytes of the segments on disk.
    pub bytes: u64,
    /// Events refused because the spool was at its cap.
    pub dropped_full: u64,
    /// Events that could not be written (disk full, I/O error).
    pub dropped_error: u64,
    /// Segments cut short by a corrupt or torn record.
    pub corrupt: u64,
    /// Messages cut to [`MAX_MESSAGE`] bytes (marked in the message).
    pub truncated: u64,
    /// The first write error, for the operator.
    pub last_error: Option<String>,
}

fn seg_name(n: u64) -> String {
    format!("{n:016}.seg")
}

impl Spool {
    /// Opens (or creates) the spool in `dir`, bounded to `cap` bytes.
    pub fn open(dir: &Path, cap: u64) -> Result<Spool, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut s = Spool {
            dir: dir.to_path_buf(),
            cap,
            writer: None,
            cursor: Position::default(),
            bytes: 0,
            dropped_full: 0,
            dropped_error: 0,
            corrupt: 0,
            truncated: 0,
            last_error: None,
        };
        let segs = s.segments()?;
        s.bytes = segs
            .iter()
            .filter_map(|n| std::fs::metadata(s.dir.join(seg_name(*n))).ok())
            .map(|m| m.len())
            .sum();
        s.cursor = match std::fs::read_to_string(s.dir.join("cursor")) {
            Ok(t) => {
                let mut it = t.split_whitespace().map(|x| x.parse::<u64>());
                match (it.next(), it.next()) {
                    (Some(Ok(segment)), Some(Ok(offset))) => Position { segment, offset },
                    _ => {
                        return Err(format!(
                            "{}: corrupt cursor file",
                            s.dir.join("cursor").display()
                        ))
                    }
                }
            }
            Err(_) => Position {
                segment: segs.first().copied().unwrap_or(0),
                offset: 0,
            },
        };
        Ok(s)
    }

    fn segments(&self) -> Result<Vec<u64>, String> {
        let mut v: Vec<u64> = std::fs::read_dir(&self.dir)
            .map_err(|e| format!("{}: {e}", self.dir.display()))?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".seg")?.parse().ok()
            })
            .collect();
        v.sort_unstable();
        Ok(v)
    }

    /// Whether every event has been delivered.
    pub fn is_empty(&mut self) -> bool {
        self.peek(1).0.is_empty()
    }

    /// Appends an event; false when it was refused (cap or I/O error,
    /// counted).
    pub fn push(&mut self, stream: &str, ts_ms: i64, message: &str) -> bool {
        let cut;
        let message = if message.len() > MAX_MESSAGE {
            let mut at = MAX_MESSAGE;
            while !message.is_char_boundary(at) {
                at -= 1;
            }
            self.truncated += 1;
            cut = format!(
                "{}[otwatch truncated {} bytes]",
                &message[..at],
                message.len() - at
            );
            cut.as_str()
        } else {
            message
        };
        let mut payload = Vec::with_capacity(stream.len() + message.len() + 9);
        payload.push(stream.len().min(255) as u8);
        payload.extend_from_slice(&stream.as_bytes()[..stream.len().min(255)]);
        payload.extend_from_slice(&ts_ms.to_le_bytes());
        payload.extend_from_slice(message.as_bytes());
        let size = payload.len() as u64 + 8;
        if self.bytes + size > self.cap {
            self.dropped_full += 1;
            return false;
        }
        let mut rec = Vec::with_capacity(payload.len() + 8);
        rec.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        rec.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        rec.extend_from_slice(&payload);
        match self.append(&rec) {
            Ok(()) => {
                self.bytes += size;
                true
            }
            Err(e) => {
                self.dropped_error += 1;
                self.last_error.get_or_insert(e);
                false
            }
        }
    }

    fn append(&mut self, rec: &[u8]) -> Result<(), String> {
        let full = self
            .writer
            .as_ref()
            .is_some_and(|(_, _, len)| *len + rec.len() as u64 > SEGMENT_BYTES);
        if self.writer.is_none() || full {
            let next = match &self.writer {
                Some((n, ..)) => n + 1,
                None => self
                    .segments()?
                    .last()
                    .map_or(self.cursor.segment, |n| n + 1),
            };
            let path = self.dir.join(seg_name(next));
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            self.writer = Some((next, f, 0));
        }
        let Some((n, f, len)) = self.writer.as_mut() else {
            return Err("spool writer missing".into());
        };
        if let Err(e) = f.write_all(rec) {
            // A partial write: the reader skips it by its CRC; start a new
            // segment for what follows.
            let path = self.dir.join(seg_name(*n));
            self.writer = None;
            return Err(format!("{}: {e}", path.display()));
        }
        *len += rec.len() as u64;
        Ok(())
    }

    /// Makes what was appended durable (fsync).
    pub fn sync(&mut self) {
        if let Some((_, f, _)) = self.writer.as_mut() {
            let _ = f.sync_data();
        }
    }

    /// Up to `max` undelivered events (stream, event, position after it)
    /// from the cursor.
    pub fn records(&mut self, max: usize) -> Vec<(String, LogEvent, Position)> {
        self.peek_from(self.cursor, max).0
    }

    /// Up to `max` undelivered events (stream, event) from the cursor, and
    /// the position after the last one.
    pub fn peek(&mut self, max: usize) -> (Vec<(String, LogEvent)>, Position) {
        let (recs, pos) = self.peek_from(self.cursor, max);
        (recs.into_iter().map(|(s, e, _)| (s, e)).collect(), pos)
    }

    #[allow(clippy::type_complexity)]
    fn peek_from(
        &mut self,
        from: Position,
        max: usize,
    ) -> (Vec<(String, LogEvent, Position)>, Position) {
        let mut out = Vec::new();
        let mut pos = from;
        let segs = self.segments().unwrap_or_default();
        let start = pos.segment;
        for seg in segs.into_iter().filter(|s| *s >= start) {
            if seg > pos.segment {
                pos = Position {
                    segment: seg,
                    offset: 0,
                };
            }
            let path = self.dir.join(seg_name(seg));
            let Ok(mut f) = File::open(&path) else {
                continue;
            };
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            if f.seek(SeekFrom::Start(pos.offset)).is_err() {
                continue;
            }
            let writing = self.writer.as_ref().is_some_and(|(n, ..)| *n == seg);
            loop {
                if out.len() >= max {
                    return (out, pos);
                }
                let mut head = [0u8; 8];
                if pos.offset + 8 > len || f.read_exact(&mut head).is_err() {
                    break;
                }
                let n = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
                let crc = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
                if n > MAX_RECORD || pos.offset + 8 + u64::from(n) > len {
                    if !writing {
                        // A torn tail in a closed segment.
                        self.corrupt += 1;
                        pos.offset = len;
                    }
                    break;
                }
                let mut payload = vec![0u8; n as usize];
                if f.read_exact(&mut payload).is_err() {
                    break;
                }
                if crc32fast::hash(&payload) != crc {
                    self.corrupt += 1;
                    pos.offset = len;
                    break;
                }
                pos.offset += 8 + u64::from(n);
                let slen = usize::from(payload.first().copied().unwrap_or(0));
                if payload.len() < 1 + slen + 8 {
                    self.corrupt += 1;
                    continue;
                }
                let stream = String::from_utf8_lossy(&payload[1..1 + slen]).into_owned();
                let mut ts = [0u8; 8];
                ts.copy_from_slice(&payload[1 + slen..9 + slen]);
                let message = String::from_utf8_lossy(&payload[9 + slen..]).into_owned();
                out.push((
                    stream,
                    LogEvent {
                        ts_ms: i64::from_le_bytes(ts),
                        message,
                    },
                    pos,
                ));
            }
            if writing {
                break;
            }
        }
        (out, pos)
    }

    /// How many records are undelivered (their headers are walked, the
    /// payloads are not read).
    pub fn count(&mut self) -> u64 {
        let mut n = 0;
        let start = self.cursor;
        for seg in self.segments().unwrap_or_default() {
            if seg < start.segment {
                continue;
            }
            let Ok(mut f) = File::open(self.dir.join(seg_name(seg))) else {
                continue;
            };
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let mut off = if seg == start.segment {
                start.offset
            } else {
                0
            };
            let mut head = [0u8; 8];
            while off + 8 <= len
                && f.seek(SeekFrom::Start(off)).is_ok()
                && f.read_exact(&mut head).is_ok()
            {
                let size = u64::from(u32::from_le_bytes([head[0], head[1], head[2], head[3]]));
                if size > u64::from(MAX_RECORD) || off + 8 + size > len {
                    break;
                }
                n += 1;
                off += 8 + size;
            }
        }
        n
    }

    /// Marks everything before `pos` delivered: the cursor moves
    /// (atomically, durably) and fully delivered segments are removed.
    pub fn commit(&mut self, pos: Position) -> Result<(), String> {
        let tmp = self.dir.join("cursor.tmp");
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            writeln!(f, "{} {}", pos.segment, pos.offset)?;
            f.sync_data()?;
            std::fs::rename(&tmp, self.dir.join("cursor"))
        };
        write().map_err(|e| format!("{}: {e}", tmp.display()))?;
        self.cursor = pos;
        for seg in self.segments()?.into_iter().filter(|s| *s < pos.segment) {
            let path = self.dir.join(seg_name(seg));
            let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            if std::fs::remove_file(&path).is_ok() {
                self.bytes = self.bytes.saturating_sub(len);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_survive_a_restart_and_leave_once_delivered() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), 1 << 20).unwrap();
        for i in 0..10 {
            assert!(s.push("sensor/alert", i, &format!("event {i}")));
        }
        s.sync();
        let (ev, pos) = s.peek(4);
        assert_eq!(ev.len(), 4);
        assert_eq!(ev[0].0, "sensor/alert");
        s.commit(pos).unwrap();
        drop(s);
        // A new process: the six undelivered events, in order.
        let mut s = Spool::open(d.path(), 1 << 20).unwrap();
        let (ev, pos) = s.peek(100);
        let msgs: Vec<&str> = ev.iter().map(|e| e.1.message.as_str()).collect();
        assert_eq!(
            msgs,
            ["event 4", "event 5", "event 6", "event 7", "event 8", "event 9"]
        );
        s.commit(pos).unwrap();
        assert!(s.is_empty());
    }

    #[test]
    fn a_huge_message_is_cut_with_a_marker_not_lost() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), 1 << 30).unwrap();
        assert!(s.push("s", 1, &"z".repeat(MAX_MESSAGE + 10)));
        let (ev, _) = s.peek(10);
        assert_eq!(s.truncated, 1);
        assert_eq!(s.corrupt, 0);
        assert!(ev[0].1.message.ends_with("[otwatch truncated 10 bytes]"));
    }

    #[test]
    fn the_cap_refuses_and_counts() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), 200).unwrap();
        let accepted = (0..20)
            .filter(|i| s.push("s", *i, "0123456789abcdef0123"))
            .count();
        assert!(accepted > 0 && accepted < 20);
        assert_eq!(s.dropped_full, 20 - accepted as u64);
    }

    #[test]
    fn a_corrupt_record_ends_its_segment_and_the_rest_is_read() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), 1 << 30).unwrap();
        // Two segments: fill the first past its size.
        let big = "x".repeat(600_000);
        for i in 0..8 {
            s.push("s", i, &big);
        }
        s.push("s", 100, "in the second segment");
        drop(s);
        let first = d.path().join(seg_name(0));
        let mut bytes = std::fs::read(&first).unwrap();
        bytes[20] ^= 0xFF;
        std::fs::write(&first, bytes).unwrap();
        let mut s = Spool::open(d.path(), 1 << 30).unwrap();
        let (ev, _) = s.peek(100);
        assert_eq!(s.corrupt, 1);
        assert_eq!(ev.last().unwrap().1.message, "in the second segment");
    }
}
