//! Writes log records to `<dir>/<path>.log`, one file per log, created on the
//! first record (as Zeek does). Write failures (disk full, permissions) are
//! returned with the file name, never swallowed.
//!
//! Determinism: the TSV `#open`/`#close` stamps use the packet clock (the
//! first and last packet times of the run), not the wall clock, so the same
//! input always gives the same bytes.

use super::disk::{Disk, Target};
use super::{DynLog, GroupKey, Sink, Value};
use crate::time::Ts;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The on-disk format of the logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Zeek's JSON style: one object per line, unset fields left out.
    #[default]
    Json,
    /// Zeek's TSV with `#separator`/`#fields`/`#types` header.
    Tsv,
}

/// A log file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Logs whose lines reach the disk as they are written: what an operator
/// or a forwarder must see at once, and must not lose to a crash.
const AT_ONCE: [&str; 2] = ["alert", "notice"];

/// Bytes of a file's lines gathered before they are handed on.
const CHUNK: usize = 256 * 1024;

struct LogFile {
    target: Arc<Target>,
    /// Lines not yet handed to the disk thread (or, for [`AT_ONCE`] logs,
    /// written).
    buf: Vec<u8>,
    rows: u64,
    /// One of [`AT_ONCE`]: written by the caller after every line.
    at_once: bool,
}

impl LogFile {
    fn error(&self, source: std::io::Error) -> WriteError {
        WriteError {
            path: self.target.path.clone(),
            source,
        }
    }

    /// Hands the gathered lines on: to the disk thread, or written here
    /// (a log that must reach the disk at once, or no thread).
    fn emit(&mut self, disk: Option<&Disk>) -> Result<(), WriteError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if let Some(d) = disk.filter(|_| !self.at_once) {
            let next = d.buffer(CHUNK);
            let full = std::mem::replace(&mut self.buf, next);
            match d.send(&self.target, full) {
                Ok(()) => return d.failure().map_err(failed),
                // The thread is gone: written here.
                Err(data) => self.buf = data,
            }
        }
        let res = (&self.target.file).write_all(&self.buf);
        self.buf.clear();
        res.map_err(|e| self.error(e))
    }
}

/// A write the disk thread could not make, as the error of its file.
fn failed((path, source): (PathBuf, std::io::Error)) -> WriteError {
    WriteError { path, source }
}

/// A log's name as the map of its files keys it: the same name is found
/// by its address first (each row names its log with the same static
/// text), by its text otherwise.
#[derive(Clone, Copy, Debug)]
struct LogName(&'static str);

impl PartialEq for LogName {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0) || self.0 == other.0
    }
}

impl Eq for LogName {}

impl std::hash::Hash for LogName {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.hash(h);
    }
}

impl std::borrow::Borrow<str> for LogName {
    fn borrow(&self) -> &str {
        self.0
    }
}

/// The open files of a run, by their log's name. A row names its log with
/// the same static text as the log's other rows, so a small table keyed by
/// the text's address answers nearly every lookup; the map by text answers
/// the rest (hashing the name was most of a line's lookup).
#[derive(Default)]
struct Files {
    open: Vec<(LogName, LogFile)>,
    by_name: HashMap<LogName, usize, foldhash::fast::RandomState>,
    /// (address, length, index in `open`) of names looked up lately, in
    /// a slot from the address; a slot is replaced by the next name that
    /// maps to it.
    by_address: [(usize, usize, usize); ADDRESS_SLOTS],
}

const ADDRESS_SLOTS: usize = 32;

impl Files {
    fn slot(log: &'static str) -> usize {
        // Fibonacci hashing: the multiply's top bits mix every address bit.
        let h = (log.as_ptr() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> 32) as usize % ADDRESS_SLOTS
    }

    fn index(&mut self, log: &'static str) -> Option<usize> {
        let slot = Files::slot(log);
        let (at, len, i) = self.by_address.get(slot).copied().unwrap_or_default();
        if at == log.as_ptr() as usize && len == log.len() && at != 0 {
            return Some(i);
        }
        let i = *self.by_name.get(&LogName(log))?;
        if let Some(s) = self.by_address.get_mut(slot) {
            *s = (log.as_ptr() as usize, log.len(), i);
        }
        Some(i)
    }

    fn get(&self, log: &str) -> Option<&LogFile> {
        let i = *self.by_name.get(log)?;
        self.open.get(i).map(|(_, f)| f)
    }

    /// The file of `log`, made by `make` if it is not open.
    fn get_or_make<E>(
        &mut self,
        log: &'static str,
        make: impl FnOnce() -> Result<LogFile, E>,
    ) -> Result<&mut LogFile, E> {
        let i = match self.index(log) {
            Some(i) => i,
            None => {
                let f = make()?;
                self.by_name.insert(LogName(log), self.open.len());
                self.open.push((LogName(log), f));
                self.open.len() - 1
            }
        };
        // `by_name` and `by_address` only hold positions in `open`.
        Ok(&mut self.open[i].1)
    }

    /// Every file, in name order, leaving none open.
    fn take_sorted(&mut self) -> Vec<(LogName, LogFile)> {
        let mut files = std::mem::take(self).open;
        files.sort_by_key(|(log, _)| log.0);
        files
    }

    /// Every file, in name order.
    fn sorted_mut(&mut self) -> impl Iterator<Item = &mut LogFile> {
        self.open.sort_by_key(|(log, _)| log.0);
        self.by_address = Default::default();
        for (i, (log, _)) in self.open.iter().enumerate() {
            self.by_name.insert(*log, i);
        }
        self.values_mut()
    }

    fn iter(&self) -> impl Iterator<Item = (&'static str, &LogFile)> {
        self.open.iter().map(|(n, f)| (n.0, f))
    }

    fn values_mut(&mut self) -> impl Iterator<Item = &mut LogFile> {
        self.open.iter_mut().map(|(_, f)| f)
    }
}

/// The set of log files of one run.
pub struct LogWriter {
    dir: PathBuf,
    format: LogFormat,
    /// Every row looks its file up; ordered by name wherever the order
    /// shows.
    files: Files,
    line: String,
    open_ts: Option<Ts>,
    /// Rows counted but not written (a run that only learns a baseline).
    discarded: Option<BTreeMap<&'static str, u64>>,
    /// Bytes written since the files were opened (for size rotation).
    written: u64,
    /// Rows of the files already rotated, per log: the run's counts are
    /// these and the open files'.
    rotated: BTreeMap<&'static str, u64>,
    /// A `<log>.log` a previous run left is kept under a rotated name
    /// rather than emptied (a sensor restarted after a crash, an upgrade).
    keep_previous: bool,
    cache: RowCache,
    /// Writes the files' full buffers (None: they are written here).
    disk: Option<Disk>,
}

impl LogWriter {
    /// Prepares writing into `dir`, creating it if needed.
    pub fn new(dir: &Path, format: LogFormat) -> Result<LogWriter, WriteError> {
        std::fs::create_dir_all(dir).map_err(|source| WriteError {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(LogWriter {
            dir: dir.to_path_buf(),
            format,
            files: Files::default(),
            line: String::with_capacity(512),
            open_ts: None,
            discarded: None,
            written: 0,
            rotated: BTreeMap::new(),
            keep_previous: false,
            cache: RowCache::default(),
            disk: Disk::start(),
        })
    }

    /// Keeps the `<log>.log` files a previous run left (renamed as a
    /// rotated period, from their modification time) instead of emptying
    /// them: what a live sensor wants, where `analyze` starts afresh.
    pub fn keep_previous(&mut self) {
        self.keep_previous = true;
    }

    /// A writer that counts rows and writes none.
    pub fn discard() -> LogWriter {
        LogWriter {
            dir: PathBuf::new(),
            format: LogFormat::Json,
            files: Files::default(),
            line: String::new(),
            open_ts: None,
            discarded: Some(BTreeMap::new()),
            written: 0,
            rotated: BTreeMap::new(),
            keep_previous: false,
            cache: RowCache::default(),
            disk: None,
        }
    }

    /// Bytes written since the files were opened or last rotated.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Closes every file as Zeek rotates: each `<log>.log` becomes
    /// `<log>.<open>_<close>.log` (UTC stamps of the traffic clock) and the
    /// next record opens a new one. Returns the rotated files.
    pub fn rotate(&mut self, close_ts: Ts) -> Result<Vec<PathBuf>, WriteError> {
        let open = stamp(self.open_ts.unwrap_or(close_ts));
        let close = stamp(close_ts);
        let mut done = Vec::new();
        let format = self.format;
        let mut files = self.files.take_sorted();
        for (_, f) in files.iter_mut() {
            if format == LogFormat::Tsv {
                f.buf
                    .extend_from_slice(format!("#close\t{close}\n").as_bytes());
            }
            f.emit(self.disk.as_ref())?;
        }
        self.settle()?;
        // On disk before it is set aside: a live sensor's rotated files
        // never see the closing sync, and an error writing them back
        // would otherwise go unreported.
        sync_all(files.iter().map(|(_, f)| f))?;
        for (LogName(log), f) in files {
            *self.rotated.entry(log).or_default() += f.rows;
            let to = rename_aside(&f.target.path, &self.dir, log, &open, &close)?;
            done.push(to);
        }
        self.open_ts = Some(close_ts);
        self.written = 0;
        Ok(done)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The packet time used for TSV `#open` stamps (the run's first packet).
    pub fn set_open_time(&mut self, ts: Ts) {
        self.open_ts.get_or_insert(ts);
    }

    /// Rows written so far in the whole run (rotated files included), per
    /// log, in name order.
    pub fn row_counts(&self) -> Vec<(String, u64)> {
        if let Some(d) = &self.discarded {
            return d.iter().map(|(k, n)| (k.to_string(), *n)).collect();
        }
        let mut counts = self.rotated.clone();
        for (log, f) in self.files.iter() {
            *counts.entry(log).or_default() += f.rows;
        }
        counts
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect()
    }

    /// Number of rows written to `<path>.log` (and its rotated files) so
    /// far.
    pub fn rows(&self, path: &str) -> u64 {
        self.files.get(path).map_or(0, |f| f.rows) + self.rotated.get(path).copied().unwrap_or(0)
    }

    /// Writes one record.
    pub fn write(&mut self, rec: &dyn DynLog) -> Result<(), WriteError> {
        if let Some(d) = self.discarded.as_mut() {
            *d.entry(rec.path()).or_default() += 1;
            return Ok(());
        }
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        match self.format {
            LogFormat::Json => json_line_into(rec, &mut line, Some(&mut self.cache)),
            LogFormat::Tsv => {
                rec.values(&mut TsvRow {
                    line: &mut line,
                    first: true,
                });
                line.push('\n');
            }
        }
        let res = self.write_line(rec.path(), rec.fields(), &line);
        self.line = line;
        res
    }

    /// Writes a JSON line a worker already rendered for a row of `log`
    /// (with its newline).
    pub fn write_json_line(&mut self, log: &'static str, line: &str) -> Result<(), WriteError> {
        debug_assert!(self.format == LogFormat::Json);
        self.write_line(log, &[], line)
    }

    fn write_line(
        &mut self,
        log: &'static str,
        fields: &[super::Field],
        line: &str,
    ) -> Result<(), WriteError> {
        if let Some(d) = self.discarded.as_mut() {
            *d.entry(log).or_default() += 1;
            return Ok(());
        }
        self.written += line.len() as u64;
        let disk = self.disk.as_ref();
        let (dir, format, keep, open) = (&self.dir, self.format, self.keep_previous, self.open_ts);
        let file = self
            .files
            .get_or_make(log, || make_file(dir, format, keep, open, log, fields))?;
        file.rows += 1;
        // Handed on before the line would grow the buffer (a copy of it).
        if file.buf.len() + line.len() > file.buf.capacity().max(CHUNK) {
            file.emit(disk)?;
        }
        file.buf.extend_from_slice(line.as_bytes());
        if file.at_once {
            file.emit(disk)?;
        }
        Ok(())
    }

    /// Waits until the disk thread wrote everything handed to it.
    fn settle(&self) -> Result<(), WriteError> {
        self.disk
            .as_ref()
            .map_or(Ok(()), |d| d.settle().map_err(failed))
    }

    /// Hands every file's buffered lines to the operating system: what a
    /// reader sees, and what a killed process does not lose.
    pub fn flush(&mut self) -> Result<(), WriteError> {
        for f in self.files.values_mut() {
            f.emit(self.disk.as_ref())?;
        }
        self.settle()
    }

    /// Writes TSV footers and flushes every file to disk.
    pub fn finish(mut self, close_ts: Ts) -> Result<(), WriteError> {
        let format = self.format;
        let disk = self.disk.as_ref();
        for f in self.files.sorted_mut() {
            if format == LogFormat::Tsv {
                let close = format!("#close\t{}\n", stamp(close_ts));
                f.buf.extend_from_slice(close.as_bytes());
            }
            f.emit(disk)?;
        }
        self.settle()?;
        sync_all(self.files.iter().map(|(_, f)| f))
    }
}

/// Syncs every file's data to disk (each, even after one fails); the
/// first failure, with its file.
fn sync_all<'f>(files: impl Iterator<Item = &'f LogFile>) -> Result<(), WriteError> {
    let mut first = Ok(());
    for f in files {
        if let Err(e) = f.target.file.sync_data() {
            first = first.and(Err(f.error(e)));
        }
    }
    first
}

impl Drop for LogWriter {
    /// A writer dropped unfinished (the run failed) still hands on what
    /// it gathered, as a buffered file would; errors are left to the
    /// failure already reported.
    fn drop(&mut self) {
        for f in self.files.values_mut() {
            let _ = f.emit(self.disk.as_ref());
        }
    }
}

/// A new file for `log`, a previous run's set aside when kept.
fn make_file(
    dir: &Path,
    format: LogFormat,
    keep_previous: bool,
    open_ts: Option<Ts>,
    log: &'static str,
    fields: &[super::Field],
) -> Result<LogFile, WriteError> {
    let path = dir.join(format!("{}.log", log));
    let err = |source| WriteError {
        path: path.clone(),
        source,
    };
    if keep_previous {
        if let Some(mtime) = std::fs::metadata(&path)
            .ok()
            .filter(|m| m.len() > 0)
            .and_then(|m| m.modified().ok())
        {
            let at = mtime
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(Ts(0), |d| Ts(i64::try_from(d.as_micros()).unwrap_or(0)));
            let s = stamp(at);
            rename_aside(&path, dir, log, &s, &s)?;
        }
    }
    let created = File::create(&path).map_err(err)?;
    let mut buf = Vec::with_capacity(CHUNK);
    if format == LogFormat::Tsv {
        let h = tsv_header(log, fields, open_ts.unwrap_or_default());
        buf.extend_from_slice(h.as_bytes());
    }
    Ok(LogFile {
        target: Arc::new(Target::new(path, created)),
        buf,
        rows: 0,
        at_once: AT_ONCE.contains(&log),
    })
}

/// Column groups already written as JSON (see [`Sink::group`]), in a
/// direct-mapped table: a key whose slot is taken replaces what is there.
/// It only saves work (a connection's uid and endpoints take ~1,000
/// instructions to write, a copy of their text ~50); nothing is lost when
/// a slot is replaced.
#[derive(Debug)]
pub struct RowCache {
    slots: Vec<Option<CachedGroup>>,
}

#[derive(Debug)]
struct CachedGroup {
    key: GroupKey,
    /// The column list and the position of the group's first column:
    /// the names written with the values.
    names: (usize, usize),
    text: String,
}

/// Slots of a [`RowCache`]: room for the column groups of a few thousand
/// live connections (with 512, conflicts cost the synthesized plant 2 %
/// more instructions; 16,384 gain 0.4 % on 4,096),
/// ~0.5 MB with their text.
const ROW_CACHE_SLOTS: usize = 4096;

impl Default for RowCache {
    fn default() -> Self {
        RowCache {
            slots: (0..ROW_CACHE_SLOTS).map(|_| None).collect(),
        }
    }
}

impl RowCache {
    /// A group's slot, from what sets groups apart: the connection's uid
    /// (random text, so its last eight bytes spread the slots), the
    /// caller's site and the column list and position. Equal keys get
    /// equal slots; a hit still compares the whole key. (Hashing every
    /// field of the key took ~100 instructions a row.)
    fn slot(key: &GroupKey, names: (usize, usize)) -> usize {
        let uid = key.uid.as_bytes();
        let tail = uid
            .len()
            .checked_sub(8)
            .and_then(|from| uid.get(from..))
            .and_then(|t| <[u8; 8]>::try_from(t).ok())
            .map_or_else(
                || uid.iter().fold(0u64, |w, &b| w << 8 | u64::from(b)),
                u64::from_le_bytes,
            );
        let x = tail ^ u64::from(key.site) << 56 ^ (names.1 as u64) << 40 ^ names.0 as u64;
        // Fibonacci hashing: the multiply's top bits mix every input bit.
        let h = (x ^ x >> 29).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> 32) as usize % ROW_CACHE_SLOTS
    }
}

/// A row being written as one Zeek JSON object: each value goes into the
/// line as the record gives it, under its column's name; unset values
/// leave their key out.
struct JsonRow<'l> {
    line: &'l mut String,
    all: &'static [super::Field],
    fields: std::slice::Iter<'static, super::Field>,
    first: bool,
    cache: Option<&'l mut RowCache>,
}

impl<'a> Sink<'a> for JsonRow<'_> {
    fn push(&mut self, v: Value<'a>) {
        let Some(f) = self.fields.next() else {
            debug_assert!(false, "more values than columns");
            return;
        };
        if matches!(v, Value::Unset) {
            // Owns nothing: forgotten rather than dropped (a call per
            // unset column otherwise).
            std::mem::forget(v);
            return;
        }
        // Column names are our identifiers (letters, digits, `.`, `_`):
        // the key was made with the column list, without an escape scan.
        f.json_key.push(self.line, self.first);
        self.first = false;
        v.write_json(self.line);
    }

    fn group(&mut self, key: GroupKey, columns: usize, values: &mut dyn FnMut(&mut dyn Sink<'a>)) {
        let at = self.all.len() - self.fields.len();
        let names = (self.all.as_ptr() as usize, at);
        let slot = RowCache::slot(&key, names);
        let hit = self
            .cache
            .as_deref()
            .and_then(|c| c.slots.get(slot))
            .and_then(Option::as_ref)
            .filter(|g| g.key == key && g.names == names);
        if let Some(g) = hit {
            if !g.text.is_empty() {
                if !self.first {
                    self.line.push(',');
                }
                self.first = false;
                self.line.push_str(&g.text);
            }
            if columns > 0 {
                self.fields.nth(columns - 1);
            }
            return;
        }
        let (mark, was_first, left) = (self.line.len(), self.first, self.fields.len());
        values(self);
        debug_assert_eq!(left - self.fields.len(), columns, "a group's column count");
        let Some(cache) = self.cache.as_deref_mut() else {
            return;
        };
        let written = self.line.get(mark..).unwrap_or_default();
        let text = if was_first {
            written
        } else {
            written.strip_prefix(',').unwrap_or(written)
        };
        if let Some(s) = cache.slots.get_mut(slot) {
            match s {
                Some(g) => {
                    g.key = key;
                    g.names = names;
                    g.text.clear();
                    g.text.push_str(text);
                }
                None => {
                    *s = Some(CachedGroup {
                        key,
                        names,
                        text: text.to_string(),
                    })
                }
            }
        }
    }
}

/// A row being written as Zeek TSV, tab-separated as the values come.
struct TsvRow<'l> {
    line: &'l mut String,
    first: bool,
}

impl<'a> Sink<'a> for TsvRow<'_> {
    fn push(&mut self, v: Value<'a>) {
        if !self.first {
            self.line.push('\t');
        }
        self.first = false;
        v.write_tsv(self.line);
    }
    fn group(&mut self, _: GroupKey, _: usize, values: &mut dyn FnMut(&mut dyn Sink<'a>)) {
        values(self);
    }
}

/// Zeek's TSV header of a log: separators, path, `#open` stamp, columns
/// and their types.
fn tsv_header(log: &str, fields: &[super::Field], open: Ts) -> String {
    let mut h = String::new();
    h.push_str("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n");
    h.push_str(&format!("#path\t{log}\n"));
    h.push_str(&format!("#open\t{}\n", stamp(open)));
    h.push_str("#fields");
    for f in fields {
        h.push('\t');
        h.push_str(f.name);
    }
    h.push_str("\n#types");
    for f in fields {
        h.push('\t');
        h.push_str(f.ty.zeek_name());
    }
    h.push('\n');
    h
}

/// A whole log file in Zeek's TSV (for a log written at once, such as the
/// inventory): header, one line per record, `#close`.
pub fn tsv_file(
    log: &str,
    fields: &[super::Field],
    rows: &[&dyn DynLog],
    open: Ts,
    close: Ts,
) -> String {
    let mut text = tsv_header(log, fields, open);
    for r in rows {
        r.values(&mut TsvRow {
            line: &mut text,
            first: true,
        });
        text.push('\n');
    }
    text.push_str(&format!("#close\t{}\n", stamp(close)));
    text
}

/// A record's JSON log line, with its newline, appended to `line`;
/// repeated column groups are taken from and kept in `cache`.
pub fn json_line_into(rec: &dyn DynLog, line: &mut String, cache: Option<&mut RowCache>) {
    line.push('{');
    rec.values(&mut JsonRow {
        line,
        all: rec.fields(),
        fields: rec.fields().iter(),
        first: true,
        cache,
    });
    line.push_str("}\n");
}

/// A record as the JSON line the logs hold (without the newline): what is
/// shipped to CloudWatch whatever the local format.
pub fn json_line(rec: &dyn DynLog) -> String {
    let mut line = String::with_capacity(256);
    json_line_into(rec, &mut line, None);
    line.pop();
    line
}

/// Renames `from` to `<log>.<open>_<close>.log` in `dir`, or, when a file
/// has that name (a second rotation within one second), to
/// `<log>.<open>_<close>-N.log`: never over a file.
fn rename_aside(
    from: &Path,
    dir: &Path,
    log: &str,
    open: &str,
    close: &str,
) -> Result<PathBuf, WriteError> {
    let taken = |p: &Path| p.exists() || PathBuf::from(format!("{}.gz", p.display())).exists();
    let mut to = dir.join(format!("{log}.{open}_{close}.log"));
    let mut n = 0;
    while taken(&to) {
        n += 1;
        to = dir.join(format!("{log}.{open}_{close}-{n}.log"));
    }
    std::fs::rename(from, &to).map_err(|source| WriteError {
        path: to.clone(),
        source,
    })?;
    Ok(to)
}

/// Zeek's `#open`/`#close` stamp, `YYYY-MM-DD-HH-MM-SS` in UTC, which
/// also names rotated files (and sorts as time).
pub fn stamp(ts: Ts) -> String {
    let secs = ts.0.div_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = crate::time::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}-{:02}-{:02}-{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One file per name, whatever the address of the text naming it.
    #[test]
    fn a_log_name_is_its_text() {
        let here: &'static str = "modbus";
        let elsewhere: &'static str = String::from("modbus").leak();
        assert!(!std::ptr::eq(here, elsewhere));
        let mut m: HashMap<LogName, u32, foldhash::fast::RandomState> = HashMap::default();
        *m.entry(LogName(here)).or_default() += 1;
        *m.entry(LogName(elsewhere)).or_default() += 1;
        *m.entry(LogName("modbus_detailed")).or_default() += 1;
        assert_eq!(m.len(), 2);
        assert_eq!(m.get("modbus"), Some(&2));
    }

    /// Every file is synced even after one fails; the first failure comes
    /// back with its file (devices refuse fdatasync).
    #[test]
    fn syncing_reports_the_first_file_that_fails() {
        let d = tempfile::tempdir().unwrap();
        let open = |path: PathBuf| {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .unwrap();
            LogFile {
                target: Arc::new(Target::new(path, file)),
                buf: Vec::new(),
                rows: 0,
                at_once: false,
            }
        };
        let files = [
            open(d.path().join("a.log")),
            open(PathBuf::from("/dev/null")),
            open(PathBuf::from("/dev/full")),
            open(d.path().join("b.log")),
        ];
        let e = sync_all(files.iter()).unwrap_err();
        assert_eq!(e.path, PathBuf::from("/dev/null"));
        assert!(sync_all(files.iter().take(1)).is_ok());
        assert!(sync_all(files.iter().skip(3)).is_ok());
    }

    /// More names than address slots, each also named by a second copy
    /// of its text, looked up in runs and at random: every lookup finds
    /// its own file, made once, also after the files are sorted or taken.
    #[test]
    fn files_are_found_by_address_or_by_text() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<&'static str> = (0..3 * ADDRESS_SLOTS)
            .map(|i| &*format!("log_{i}").leak())
            .collect();
        let copies: Vec<&'static str> = names.iter().map(|n| &*n.to_string().leak()).collect();
        let mut files = Files::default();
        let mut made = 0;
        let mut want = vec![0u64; names.len()];
        let mut lookup = |files: &mut Files, i: usize, by_copy: bool| {
            let log = if by_copy { copies[i] } else { names[i] };
            let f = files
                .get_or_make(log, || {
                    made += 1;
                    make_file(dir.path(), LogFormat::Json, false, None, log, &[])
                })
                .unwrap();
            f.rows += 1;
            want[i] += 1;
        };
        // Runs of one name (the table answers), then a pseudo-random walk
        // over all of them (names push each other out of their slots).
        let mut x = 7usize;
        let mut last = (0, false);
        for step in 0..2000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let i = if step < 400 {
                step / 5 % names.len()
            } else {
                (x >> 33) % names.len()
            };
            last = (i, x >> 13 & 3 == 0);
            lookup(&mut files, last.0, last.1);
            if step == 1000 {
                // Sorting moves every file: the positions are made again.
                let _ = files.sorted_mut().count();
            }
        }
        // The last name looked up is answered by its address alone.
        let last = if last.1 {
            copies[last.0]
        } else {
            names[last.0]
        };
        let by_name = std::mem::take(&mut files.by_name);
        assert!(
            files.index(last).is_some(),
            "the address table answers {last}"
        );
        files.by_name = by_name;
        assert_eq!(made, names.len());
        for (name, want) in names.iter().zip(&want) {
            assert_eq!(files.get(name).map(|f| f.rows), Some(*want), "{name}");
        }
        let taken = files.take_sorted();
        let mut expected = names.clone();
        expected.sort();
        let sorted: Vec<&str> = taken.iter().map(|(n, _)| n.0).collect();
        assert_eq!(sorted, expected);
        // Taken, none is left to be found, by address or by text.
        assert!(names.iter().all(|n| files.index(n).is_none()));
    }

    #[test]
    fn stamps_are_utc_calendar_dates() {
        assert_eq!(stamp(Ts(0)), "1970-01-01-00-00-00");
        assert_eq!(stamp(Ts(1_595_660_608_237_857)), "2020-07-25-07-03-28");
        assert_eq!(stamp(Ts(951_782_400_000_000)), "2000-02-29-00-00-00");
    }

    /// A record whose columns 2 and 3 are a group (as a connection's uid
    /// and endpoints are), placed first or not, with unset values.
    #[derive(Debug)]
    struct Grouped {
        group_first: bool,
        site: u8,
        uid: &'static str,
        port: u16,
        second: Option<u16>,
    }

    static GROUPED: [super::super::Field; 3] = [
        super::super::field("a", super::super::FieldType::String),
        super::super::field("b", super::super::FieldType::Count),
        super::super::field("c", super::super::FieldType::Count),
    ];

    impl super::super::LogRecord for Grouped {
        const PATH: &'static str = "grouped";
        fn fields() -> &'static [super::super::Field] {
            &GROUPED
        }
        fn ts(&self) -> Ts {
            Ts(0)
        }
        fn values<'a>(&'a self, out: &mut dyn Sink<'a>) {
            let key = GroupKey {
                site: self.site,
                uid: self.uid.into(),
                orig: ([10, 0, 0, 1].into(), self.port),
                resp: ([10, 0, 0, 2].into(), 502),
            };
            let mut group = |out: &mut dyn Sink<'a>| {
                out.push(Value::Count(u64::from(self.port)));
                out.push(
                    self.second
                        .map_or(Value::Unset, |s| Value::Count(u64::from(s))),
                );
            };
            if self.group_first {
                out.group(key, 2, &mut group);
                out.push(Value::Plain(self.uid));
            } else {
                out.push(Value::Plain(self.uid));
                out.group(key, 2, &mut group);
            }
        }
    }

    /// Rows written with the group cache are the rows written without it,
    /// whatever repeats, changes or is unset, and wherever the group is.
    #[test]
    fn cached_groups_write_what_uncached_ones_do() {
        let mut cache = RowCache::default();
        let mut n = 0u64;
        for round in 0..3 {
            for group_first in [false, true] {
                for (uid, port, second) in [
                    ("C1", 1, Some(7)),
                    ("C1", 1, Some(7)),
                    ("C1", 2, None),
                    ("C2", 1, Some(7)),
                    ("C1", 1, Some(7)),
                ] {
                    for site in [0, 1] {
                        n += 1;
                        // The second value depends on the key only, as a
                        // group's values must.
                        let second = second.map(|s| s + u16::from(site) + port);
                        let rec = Grouped {
                            group_first,
                            site,
                            uid,
                            port,
                            second,
                        };
                        let (mut cached, mut plain) = (String::new(), String::new());
                        json_line_into(&rec, &mut cached, Some(&mut cache));
                        json_line_into(&rec, &mut plain, None);
                        assert_eq!(cached, plain, "round {round}, row {n}");
                    }
                }
            }
        }
        assert!(cache.slots.iter().flatten().count() >= 4);
    }

    fn grouped() -> Grouped {
        Grouped {
            group_first: false,
            site: 0,
            uid: "C1",
            port: 1,
            second: None,
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// Two rotations within one second make two files, never one over the
    /// other.
    #[test]
    fn rotations_in_one_second_keep_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = LogWriter::new(dir.path(), LogFormat::Json).unwrap();
        w.set_open_time(Ts(1_000_000));
        for _ in 0..3 {
            w.write(&grouped()).unwrap();
            w.rotate(Ts(1_000_000)).unwrap();
        }
        let n = names(dir.path());
        assert_eq!(n.len(), 3, "{n:?}");
        assert_eq!(w.rows("grouped"), 3);
    }

    /// A live writer keeps what a previous run left in `<log>.log`; an
    /// offline one starts it afresh.
    #[test]
    fn a_previous_runs_file_is_kept_by_a_live_writer() {
        for keep in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("grouped.log"), "{\"old\":1}\n").unwrap();
            let mut w = LogWriter::new(dir.path(), LogFormat::Json).unwrap();
            if keep {
                w.keep_previous();
            }
            w.write(&grouped()).unwrap();
            w.finish(Ts(2_000_000)).unwrap();
            let n = names(dir.path());
            let old: Vec<&String> = n
                .iter()
                .filter(|f| f.starts_with("grouped.") && *f != "grouped.log")
                .collect();
            assert_eq!(old.len(), usize::from(keep), "{n:?}");
            if let Some(o) = old.first() {
                assert_eq!(
                    std::fs::read_to_string(dir.path().join(o)).unwrap(),
                    "{\"old\":1}\n"
                );
            }
            let now = std::fs::read_to_string(dir.path().join("grouped.log")).unwrap();
            assert!(!now.contains("old"), "{now}");
        }
    }
}
