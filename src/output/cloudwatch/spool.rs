//! The durable spool: every event to ship is written here first and
//! removed only after CloudWatch accepted it, so nothing is lost while the
//! link is down or the sensor restarts (at-least-once: a crash between an
//! accepted batch and the cursor update sends that batch again).
//!
//! Format (one directory per spool): segment files `NNNNNNNNNNNNNNNN.seg`
//! of records `[u32 length][u32 CRC-32 of the payload][payload]`
//! (little-endian), payload = `[u8 n][n bytes: stream][i64 timestamp ms]
//! [message]`; a segment is closed past an eighth of the cap (64 KiB to
//! 4 MiB). `cursor` holds
//! `<segment> <offset>` of the first record not yet delivered, replaced
//! atomically. A record whose CRC does not match (a torn write, a bad
//! disk) ends its segment: the rest of it is skipped and counted, the next
//! segments are read.
//!
//! The spool is bounded by size and by age, and every event it loses is
//! counted. Past its cap a spool that is being sent refuses new events
//! (what it holds leaves as CloudWatch takes it); a spool that is only
//! kept (a one-way site, [`Full::DropOldest`]) is a ring of the latest
//! events, its oldest segments removed to make room. Segments last written
//! longer ago than the age bound are removed ([`Spool::expire`]).
//!
//! A kept spool is carried across as files: its open segment is
//! `NNNNNNNNNNNNNNNN.part` and becomes `.seg` only when closed (full, a
//! minute old, or the run ends), so a copy holds whole segments, and the
//! shipping side reads `.seg` files only. A `.part` a crash left is cut
//! to its last whole record and closed when the spool opens again.
//!
//! `id` names the spool (made once, kept with it when it is carried
//! across): the shipping side of a one-way site keeps, per spool id, the
//! position delivered so far (a delivered record, see [`Spool::remember`]),
//! so a copy of the same spool carried again sends only what is new.
//! Events the shipping side adds to a copy (parked ones sent again) go to
//! segments numbered from [`SHIPPERS_SEGMENTS`], which the sender never
//! reaches, and never move the record.

use super::batch::LogEvent;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Bytes per segment file, at most (a segment is an eighth of the cap
/// where that is between 64 KiB and this), so that removing the oldest
/// one frees a small part of a ring.
pub const SEGMENT_BYTES: u64 = 4 << 20;
const MIN_SEGMENT_BYTES: u64 = 64 << 10;
/// The first segment number of events the shipping side adds to a carried
/// copy.
pub const SHIPPERS_SEGMENTS: u64 = 1 << 62;
/// A kept spool's open segment is closed (made a `.seg` a carrier takes)
/// at least this often.
const CLOSE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);
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

/// What a spool at its cap gives up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Full {
    /// New events (a spool being sent: what it holds leaves first).
    #[default]
    RefuseNew,
    /// Its oldest segments (a spool only kept: the latest events stay).
    DropOldest,
}

#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    cap: u64,
    full: Full,
    segment_bytes: u64,
    writer: Option<(u64, File, u64)>,
    /// When the kept spool's open segment was opened.
    opened: Option<std::time::Instant>,
    cursor: Position,
    /// Where the delivered position is also kept (the shipping side of a
    /// one-way site).
    record: Option<PathBuf>,
    /// Bytes of the segments on disk.
    pub bytes: u64,
    /// Events lost at the cap: refused, or removed undelivered to make room.
    pub dropped_full: u64,
    /// Of those, the events removed to make room (a ring's oldest).
    pub evicted: u64,
    /// Undelivered events removed for their age.
    pub dropped_aged: u64,
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

fn part_name(n: u64) -> String {
    format!("{n:016}.part")
}

/// Walks the whole records of a segment file from `from` by their
/// headers (the payloads are not read): how many, and where they end.
fn walk_records(f: &mut File, from: u64) -> (u64, u64) {
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let (mut n, mut off, mut head) = (0u64, from, [0u8; 8]);
    while off + 8 <= len && f.seek(SeekFrom::Start(off)).is_ok() && f.read_exact(&mut head).is_ok()
    {
        let size = u64::from(u32::from_le_bytes([head[0], head[1], head[2], head[3]]));
        if size > u64::from(MAX_RECORD) || off + 8 + size > len {
            break;
        }
        n += 1;
        off += 8 + size;
    }
    (n, off)
}

/// `<segment> <offset>`, as the cursor and the delivered record hold it.
fn parse_position(text: &str) -> Option<Position> {
    let mut it = text.split_whitespace().map(|x| x.parse::<u64>());
    match (it.next(), it.next()) {
        (Some(Ok(segment)), Some(Ok(offset))) => Some(Position { segment, offset }),
        _ => None,
    }
}

/// Writes `pos` to `path` durably, replacing it atomically.
fn write_position(path: &Path, pos: Position) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        writeln!(f, "{} {}", pos.segment, pos.offset)?;
        f.sync_data()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| format!("{}: {e}", tmp.display()))
}

impl Spool {
    /// Opens (or creates) the spool in `dir`, bounded to `cap` bytes, new
    /// events refused at the cap.
    pub fn open(dir: &Path, cap: u64) -> Result<Spool, String> {
        Spool::open_with(dir, cap, Full::RefuseNew)
    }

    /// Opens (or creates) the spool in `dir`, bounded to `cap` bytes.
    pub fn open_with(dir: &Path, cap: u64, full: Full) -> Result<Spool, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut s = Spool {
            dir: dir.to_path_buf(),
            cap,
            full,
            segment_bytes: (cap / 8).clamp(MIN_SEGMENT_BYTES, SEGMENT_BYTES),
            writer: None,
            opened: None,
            cursor: Position::default(),
            record: None,
            bytes: 0,
            dropped_full: 0,
            evicted: 0,
            dropped_aged: 0,
            dropped_error: 0,
            corrupt: 0,
            truncated: 0,
            last_error: None,
        };
        // Only the sensor's own kept spool: in a carried copy a `.part` is
        // what the sender was still writing, not a crash's leftover.
        if full == Full::DropOldest {
            s.close_leftovers()?;
        }
        let segs = s.segments()?;
        s.bytes = segs
            .iter()
            .filter_map(|n| std::fs::metadata(s.dir.join(seg_name(*n))).ok())
            .map(|m| m.len())
            .sum();
        s.cursor = match std::fs::read_to_string(s.dir.join("cursor")) {
            Ok(t) => parse_position(&t).ok_or_else(|| {
                format!("{}: corrupt cursor file", s.dir.join("cursor").display())
            })?,
            Err(_) => Position {
                segment: segs.first().copied().unwrap_or(0),
                offset: 0,
            },
        };
        Ok(s)
    }

    /// Keeps the delivered position in `record` too, and starts from it
    /// when it is further than the spool's own cursor: a spool carried
    /// across again (a copy with the sender's cursor) sends only what the
    /// record does not hold yet.
    pub fn remember(&mut self, record: PathBuf) -> Result<(), String> {
        match std::fs::read_to_string(&record) {
            Ok(t) => {
                let delivered = parse_position(&t)
                    .ok_or_else(|| format!("{}: corrupt delivered record", record.display()))?;
                self.cursor = self.cursor.max(delivered);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{}: {e}", record.display())),
        }
        self.record = Some(record);
        Ok(())
    }

    /// Cuts each `.part` a stopped run left to its whole records and
    /// closes it (a crash tears at most the last record).
    fn close_leftovers(&mut self) -> Result<(), String> {
        for n in self.numbered(".part")? {
            let part = self.dir.join(part_name(n));
            let io = |e: std::io::Error| format!("{}: {e}", part.display());
            let mut f = OpenOptions::new()
                .read(true)
                .write(true)
                .open(&part)
                .map_err(io)?;
            let (_, whole) = walk_records(&mut f, 0);
            f.set_len(whole).and_then(|()| f.sync_data()).map_err(io)?;
            std::fs::rename(&part, self.dir.join(seg_name(n))).map_err(io)?;
        }
        Ok(())
    }

    /// Where segment `n` is: the open `.part` of a kept spool, else `.seg`.
    fn seg_path(&self, n: u64) -> PathBuf {
        let open_part =
            self.full == Full::DropOldest && self.writer.as_ref().is_some_and(|(w, ..)| *w == n);
        self.dir
            .join(if open_part { part_name(n) } else { seg_name(n) })
    }

    /// Closes a kept spool's open segment (makes it a `.seg`), so that a
    /// carrier takes it.
    pub fn close(&mut self) {
        if self.full != Full::DropOldest {
            return;
        }
        if let Some((n, f, _)) = self.writer.take() {
            let _ = f.sync_data();
            let (part, seg) = (self.dir.join(part_name(n)), self.dir.join(seg_name(n)));
            if let Err(e) = std::fs::rename(&part, &seg) {
                self.last_error
                    .get_or_insert_with(|| format!("{}: {e}", part.display()));
            }
        }
        self.opened = None;
    }

    /// The numbers of the spool's files named `<number><suffix>`.
    fn numbered(&self, suffix: &str) -> Result<Vec<u64>, String> {
        Ok(std::fs::read_dir(&self.dir)
            .map_err(|e| format!("{}: {e}", self.dir.display()))?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(suffix)?.parse().ok()
            })
            .collect())
    }

    /// The spool's segment numbers, in order (a kept spool's open one
    /// included).
    fn segments(&self) -> Result<Vec<u64>, String> {
        let mut v = self.numbered(".seg")?;
        if let (Full::DropOldest, Some((n, ..))) = (self.full, &self.writer) {
            v.push(*n);
        }
        v.sort_unstable();
        v.dedup();
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
        if self.full == Full::DropOldest {
            while self.bytes + size > self.cap && self.drop_oldest() {}
        }
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
            .is_some_and(|(_, _, len)| *len + rec.len() as u64 > self.segment_bytes);
        if full {
            self.close();
        }
        self.close_if_stale();
        if self.writer.is_none() || full {
            let next = match &self.writer {
                Some((n, ..)) => n + 1,
                None => self
                    .segments()?
                    .last()
                    .map_or(self.cursor.segment, |n| n + 1),
            };
            // The shipping side's own events never take a number the
            // sender will use.
            let next = if self.record.is_some() {
                next.max(SHIPPERS_SEGMENTS)
            } else {
                next
            };
            let path = self.dir.join(match self.full {
                Full::DropOldest => part_name(next),
                Full::RefuseNew => seg_name(next),
            });
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            self.writer = Some((next, f, 0));
            self.opened = (self.full == Full::DropOldest).then(std::time::Instant::now);
        }
        let Some((n, f, len)) = self.writer.as_mut() else {
            return Err("spool writer missing".into());
        };
        if let Err(e) = f.write_all(rec) {
            // A partial write: the reader skips it by its CRC; start a new
            // segment for what follows.
            let n = *n;
            let path = self.seg_path(n);
            self.close();
            self.writer = None;
            return Err(format!("{}: {e}", path.display()));
        }
        *len += rec.len() as u64;
        Ok(())
    }

    /// Makes what was appended durable (fsync); a kept spool's segment
    /// open for a minute is closed, so a carrier takes it.
    pub fn sync(&mut self) {
        if let Some((_, f, _)) = self.writer.as_mut() {
            let _ = f.sync_data();
        }
        self.close_if_stale();
    }

    /// Closes a kept spool's segment open for [`CLOSE_AFTER`].
    fn close_if_stale(&mut self) {
        if self.opened.is_some_and(|t| t.elapsed() >= CLOSE_AFTER) {
            self.close();
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
            let path = self.seg_path(seg);
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
        let start = self.cursor;
        self.segments()
            .unwrap_or_default()
            .into_iter()
            .filter(|seg| *seg >= start.segment)
            .map(|seg| self.undelivered_in(seg))
            .sum()
    }

    /// How many records of segment `seg` are at or past the cursor.
    fn undelivered_in(&self, seg: u64) -> u64 {
        let start = self.cursor;
        if seg < start.segment {
            return 0;
        }
        let Ok(mut f) = File::open(self.seg_path(seg)) else {
            return 0;
        };
        let from = if seg == start.segment {
            start.offset
        } else {
            0
        };
        walk_records(&mut f, from).0
    }

    /// Removes the oldest segment, its undelivered events counted as
    /// dropped at the cap; false when there is none or it cannot be
    /// removed (then the new event is refused instead).
    fn drop_oldest(&mut self) -> bool {
        let Some(oldest) = self.segments().ok().and_then(|v| v.first().copied()) else {
            return false;
        };
        match self.remove_through(oldest) {
            Some(lost) => {
                self.dropped_full += lost;
                self.evicted += lost;
                true
            }
            None => false,
        }
    }

    /// Removes the segments last written longer than `max_age` ago, their
    /// undelivered events counted; returns how many were dropped.
    pub fn expire(&mut self, max_age: std::time::Duration) -> u64 {
        let now = std::time::SystemTime::now();
        let old = |seg: &u64| {
            std::fs::metadata(self.seg_path(*seg))
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age > max_age)
        };
        // Segments are written in order: the last old one ends the run.
        let Some(last_old) = self
            .segments()
            .unwrap_or_default()
            .into_iter()
            .take_while(old)
            .last()
        else {
            return 0;
        };
        let n = self.remove_through(last_old).unwrap_or(0);
        self.dropped_aged += n;
        n
    }

    /// Removes every segment up to `seg` (the writer's too, when it is
    /// one of them) and moves the cursor past them; returns the undelivered
    /// events of the segments removed, or `None` when none could be (a
    /// full or read-only disk: nothing changes, nothing is counted).
    fn remove_through(&mut self, seg: u64) -> Option<u64> {
        if self.writer.as_ref().is_some_and(|(n, ..)| *n <= seg) {
            self.close();
            self.writer = None;
        }
        let mut lost = None;
        for s in self.segments().ok()?.into_iter().filter(|s| *s <= seg) {
            let n = self.undelivered_in(s);
            let path = self.seg_path(s);
            let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    self.bytes = self.bytes.saturating_sub(len);
                    *lost.get_or_insert(0) += n;
                }
                Err(e) => {
                    self.last_error
                        .get_or_insert_with(|| format!("{}: {e}", path.display()));
                }
            }
        }
        lost?;
        let next = Position {
            segment: seg + 1,
            offset: 0,
        };
        self.cursor = self.cursor.max(next);
        // The segments are gone whether or not the cursor can be written:
        // a cursor naming a missing segment reads from the next one.
        if let Err(e) = write_position(&self.dir.join("cursor"), self.cursor) {
            self.last_error.get_or_insert(e);
        }
        lost
    }

    /// Marks everything before `pos` delivered: the cursor moves
    /// (atomically, durably) and fully delivered segments are removed.
    pub fn commit(&mut self, pos: Position) -> Result<(), String> {
        // Never back: a segment removed for its age or room may be behind
        // a batch still in flight.
        let pos = pos.max(self.cursor);
        write_position(&self.dir.join("cursor"), pos)?;
        if let Some(record) = &self.record {
            // Past the sender's segments: the record holds the end of what
            // the sender wrote, never a position of the shipping side's own.
            let theirs = if pos.segment < SHIPPERS_SEGMENTS {
                Some(pos)
            } else {
                match self
                    .segments()?
                    .into_iter()
                    .rfind(|n| *n < SHIPPERS_SEGMENTS)
                {
                    Some(n) => Some(Position {
                        segment: n,
                        offset: std::fs::metadata(self.seg_path(n)).map_or(0, |m| m.len()),
                    }),
                    None => (self.cursor.segment < SHIPPERS_SEGMENTS).then_some(self.cursor),
                }
            };
            if let Some(theirs) = theirs {
                write_position(record, theirs)?;
            }
        }
        self.cursor = pos;
        for seg in self.segments()?.into_iter().filter(|s| *s < pos.segment) {
            let path = self.seg_path(seg);
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

    /// Messages of every undelivered event.
    fn messages(s: &mut Spool) -> Vec<String> {
        s.peek(usize::MAX)
            .0
            .into_iter()
            .map(|e| e.1.message)
            .collect()
    }

    #[test]
    fn a_spool_only_kept_drops_its_oldest_events_and_counts_them() {
        let d = tempfile::tempdir().unwrap();
        // 64 KiB segments; the ring holds the latest ~1 MiB.
        let mut s = Spool::open_with(d.path(), 1 << 20, Full::DropOldest).unwrap();
        let body = "y".repeat(1000);
        let n = 3000;
        for i in 0..n {
            assert!(s.push("s", i, &format!("{i:05} {body}")), "{i}");
        }
        assert!(s.bytes <= 1 << 20, "{}", s.bytes);
        assert_eq!(s.dropped_error, 0);
        let kept = messages(&mut s);
        // Every event is either kept or counted, and the kept ones are the
        // latest, in order.
        assert_eq!(kept.len() as u64 + s.dropped_full, n as u64);
        assert!(kept.len() > 800, "{}", kept.len());
        assert!(kept.last().unwrap().starts_with(&format!("{:05}", n - 1)));
        let first: usize = kept[0][..5].parse().unwrap();
        assert_eq!(first as u64, s.dropped_full);
        // A restart resumes the ring where it was.
        drop(s);
        let mut s = Spool::open_with(d.path(), 1 << 20, Full::DropOldest).unwrap();
        assert_eq!(messages(&mut s).len(), kept.len());
        assert!(s.push("s", 0, "after the restart"));
        assert_eq!(messages(&mut s).last().unwrap(), "after the restart");
    }

    #[test]
    fn segments_past_the_age_bound_are_removed_and_counted() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open_with(d.path(), 1 << 20, Full::DropOldest).unwrap();
        let body = "z".repeat(1000);
        for i in 0..400 {
            s.push("s", i, &format!("old {i} {body}"));
        }
        let segs = s.segments().unwrap();
        assert!(segs.len() >= 3, "{segs:?}");
        // The first two segments were last written two days ago.
        let two_days = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
        for seg in &segs[..2] {
            File::options()
                .write(true)
                .open(d.path().join(seg_name(*seg)))
                .unwrap()
                .set_modified(two_days)
                .unwrap();
        }
        let in_first_two: u64 = segs[..2].iter().map(|g| s.undelivered_in(*g)).sum();
        let dropped = s.expire(std::time::Duration::from_secs(86_400));
        assert_eq!(dropped, in_first_two);
        assert_eq!(s.dropped_aged, in_first_two);
        assert_eq!(messages(&mut s).len() as u64, 400 - in_first_two);
        assert_eq!(s.expire(std::time::Duration::from_secs(86_400)), 0);
    }

    #[test]
    fn a_carried_spool_sends_only_what_its_delivered_record_lacks() {
        let sensor = tempfile::tempdir().unwrap();
        let mut s = Spool::open_with(sensor.path(), 1 << 20, Full::DropOldest).unwrap();
        for i in 0..5 {
            s.push("s", i, &format!("event {i}"));
        }
        s.sync();
        let copy = |to: &Path| {
            std::fs::create_dir_all(to).unwrap();
            for e in std::fs::read_dir(sensor.path()).unwrap() {
                let e = e.unwrap();
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        };
        let state = tempfile::tempdir().unwrap();
        let record = state.path().join("id.logs");
        let ship = |dir: &Path| {
            let mut c = Spool::open(dir, 1 << 20).unwrap();
            c.remember(record.clone()).unwrap();
            let (ev, pos) = c.peek(100);
            c.commit(pos).unwrap();
            ev.into_iter().map(|e| e.1.message).collect::<Vec<_>>()
        };
        // The open segment is a .part: a copy taken now sends nothing.
        let early = tempfile::tempdir().unwrap();
        copy(early.path());
        assert!(ship(early.path()).is_empty());
        s.close();
        let carried = tempfile::tempdir().unwrap();
        copy(carried.path());
        assert_eq!(ship(carried.path()).len(), 5);
        // The same spool carried again, and again with two more events.
        copy(carried.path());
        assert!(ship(carried.path()).is_empty());
        s.push("s", 5, "event 5");
        s.push("s", 6, "event 6");
        s.close();
        let again = tempfile::tempdir().unwrap();
        copy(again.path());
        assert_eq!(ship(again.path()), ["event 5", "event 6"]);
        // Events added on the shipping side (parked ones spooled again, by
        // one process; sent by the next) are delivered, and the record
        // never passes what the sender wrote.
        let mut c = Spool::open(again.path(), 1 << 20).unwrap();
        c.remember(record.clone()).unwrap();
        c.push("s", 9, "parked, sent again");
        drop(c);
        assert_eq!(ship(again.path()), ["parked, sent again"]);
        assert!(ship(again.path()).is_empty());
        s.push("s", 7, "event 7");
        s.close();
        drop(s);
        let third = tempfile::tempdir().unwrap();
        copy(third.path());
        assert_eq!(ship(third.path()), ["event 7"]);
        std::fs::write(&record, "not a position").unwrap();
        let mut c = Spool::open(again.path(), 1 << 20).unwrap();
        let e = c.remember(record.clone()).unwrap_err();
        assert!(e.contains("corrupt delivered record"), "{e}");
    }
}
