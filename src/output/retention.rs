//! What happens to rotated logs (`<log>.<open>_<close>.log`): optional gzip
//! compression, and retention by number of periods, age or total size. A
//! period is one rotation's files of every log; retention removes whole
//! periods, oldest first. The work runs off the merge thread, one rotation
//! at a time, so that compressing an hour of logs never holds up capture.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How rotated logs are kept.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Retention {
    /// Keep at most this many periods.
    pub count: Option<usize>,
    /// Remove periods that closed longer ago than this (traffic clock).
    pub age: Option<Duration>,
    /// Keep the rotated files under this many bytes in all.
    pub bytes: Option<u64>,
    /// gzip each rotated file (`.log.gz`).
    pub compress: bool,
}

impl Retention {
    pub fn is_off(&self) -> bool {
        *self == Retention::default()
    }
}

/// A rotated file found in the log directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rotated {
    pub path: PathBuf,
    /// The period's stamps (UTC, `YYYY-MM-DD-HH-MM-SS`: they sort as time).
    pub open: String,
    pub close: String,
    pub bytes: u64,
}

/// A rotated file's period, from its name (`conn.<open>_<close>.log` or
/// `.log.gz`); None for any other file.
fn period(name: &str) -> Option<(String, String)> {
    let stem = name
        .strip_suffix(".log.gz")
        .or_else(|| name.strip_suffix(".log"))?;
    let (_, stamps) = stem.split_once('.')?;
    let (open, close) = stamps.split_once('_')?;
    // A second rotation within one second adds `-N`.
    let close = match close.rsplit_once('-') {
        Some((c, n)) if c.len() == 19 && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            c
        }
        _ => close,
    };
    let stamp = |s: &str| s.len() == 19 && s.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    (stamp(open) && stamp(close)).then(|| (open.to_string(), close.to_string()))
}

/// The files to remove, whole periods oldest first: past the count, closed
/// before `oldest_close` (the stamp of now minus the age), and until the
/// rest fits the size.
pub fn plan(files: &[Rotated], r: &Retention, oldest_close: Option<&str>) -> Vec<PathBuf> {
    let mut periods: Vec<(&str, &str)> = files
        .iter()
        .map(|f| (f.close.as_str(), f.open.as_str()))
        .collect();
    periods.sort_unstable();
    periods.dedup();
    let size = |p: &(&str, &str)| -> u64 {
        files
            .iter()
            .filter(|f| (f.close.as_str(), f.open.as_str()) == *p)
            .map(|f| f.bytes)
            .sum()
    };
    let mut total: u64 = files.iter().map(|f| f.bytes).sum();
    let mut gone = Vec::new();
    for (i, p) in periods.iter().enumerate() {
        let left = periods.len() - i;
        let too_many = r.count.is_some_and(|c| left > c);
        let too_old = oldest_close.is_some_and(|o| p.0 < o);
        let too_big = r.bytes.is_some_and(|b| total > b);
        if !(too_many || too_old || too_big) {
            break;
        }
        total -= size(p);
        gone.push(*p);
    }
    files
        .iter()
        .filter(|f| gone.contains(&(f.close.as_str(), f.open.as_str())))
        .map(|f| f.path.clone())
        .collect()
}

/// The rotated files in `dir`.
pub fn rotated(dir: &Path) -> Vec<Rotated> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let (open, close) = period(&name)?;
            Some(Rotated {
                path: e.path(),
                open,
                close,
                bytes: e.metadata().ok()?.len(),
            })
        })
        .collect()
}

/// gzips `path` into `path.gz` and removes it.
pub fn compress(path: &Path) -> std::io::Result<PathBuf> {
    let to = PathBuf::from(format!("{}.gz", path.display()));
    let mut from = std::fs::File::open(path)?;
    let out = std::fs::File::create_new(&to)?;
    let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    std::io::copy(&mut from, &mut gz)?;
    gz.finish()?.sync_all()?;
    std::fs::remove_file(path)?;
    Ok(to)
}

/// What retention did in a run.
#[derive(Debug, Default)]
pub struct RetentionCounters {
    pub compressed: AtomicU64,
    pub removed: AtomicU64,
    pub errors: Mutex<Vec<String>>,
}

/// Runs compression and retention after each rotation, on its own thread,
/// one rotation at a time.
pub struct Keeper {
    rule: Retention,
    dir: PathBuf,
    pub counters: Arc<RetentionCounters>,
    busy: Option<std::thread::JoinHandle<()>>,
}

impl Keeper {
    pub fn new(dir: &Path, rule: Retention) -> Keeper {
        Keeper {
            rule,
            dir: dir.to_path_buf(),
            counters: Arc::default(),
            busy: None,
        }
    }

    /// After a rotation that made `files`, closing at `oldest_close` minus
    /// the age (the stamp retention compares with).
    pub fn rotated(&mut self, files: Vec<PathBuf>, oldest_close: Option<String>) {
        if self.rule.is_off() {
            return;
        }
        self.wait();
        let (rule, dir, counters) = (self.rule.clone(), self.dir.clone(), self.counters.clone());
        let work = move || {
            let mut errors = Vec::new();
            if rule.compress {
                for f in &files {
                    match compress(f) {
                        Ok(_) => {
                            counters.compressed.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => errors.push(format!("compressing {}: {e}", f.display())),
                    }
                }
            }
            for f in plan(&rotated(&dir), &rule, oldest_close.as_deref()) {
                match std::fs::remove_file(&f) {
                    Ok(()) => {
                        counters.removed.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => errors.push(format!("removing {}: {e}", f.display())),
                }
            }
            if let Ok(mut all) = counters.errors.lock() {
                all.extend(errors);
            }
        };
        match std::thread::Builder::new()
            .name("otwatch-retention".into())
            .spawn(work)
        {
            Ok(h) => self.busy = Some(h),
            Err(e) => {
                if let Ok(mut all) = self.counters.errors.lock() {
                    all.push(format!("cannot start the retention thread: {e}"));
                }
            }
        }
    }

    /// Waits for the work of the last rotation.
    pub fn wait(&mut self) {
        if let Some(h) = self.busy.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(log: &str, open: &str, close: &str, bytes: u64) -> Rotated {
        Rotated {
            path: PathBuf::from(format!("{log}.{open}_{close}.log")),
            open: open.into(),
            close: close.into(),
            bytes,
        }
    }

    const T: [&str; 4] = [
        "2026-12-06-10-00-00",
        "2026-12-06-11-00-00",
        "2026-12-06-12-00-00",
        "2026-12-06-13-00-00",
    ];

    fn three_periods() -> Vec<Rotated> {
        let mut v = Vec::new();
        for i in 0..3 {
            v.push(file("conn", T[i], T[i + 1], 100));
            v.push(file("alert", T[i], T[i + 1], 10));
        }
        v
    }

    fn names(p: Vec<PathBuf>) -> Vec<String> {
        let mut v: Vec<String> = p.iter().map(|p| p.display().to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn names_give_periods_and_other_files_none() {
        assert_eq!(
            period("conn.2026-12-06-10-00-00_2026-12-06-11-00-00.log.gz"),
            Some((T[0].to_string(), T[1].to_string()))
        );
        assert_eq!(
            period("conn.2026-12-06-10-00-00_2026-12-06-11-00-00-2.log"),
            Some((T[0].to_string(), T[1].to_string()))
        );
        assert_eq!(period("conn.log"), None);
        assert_eq!(period("baseline.json"), None);
        assert_eq!(period("conn.x_y.log"), None);
    }

    #[test]
    fn whole_periods_go_oldest_first() {
        let files = three_periods();
        let by_count = Retention {
            count: Some(2),
            ..Retention::default()
        };
        assert_eq!(
            names(plan(&files, &by_count, None)),
            names(vec![files[0].path.clone(), files[1].path.clone()])
        );
        // Age: what closed before 11:30 goes (the first period, at 11:00).
        let by_age = Retention {
            age: Some(Duration::from_secs(1)),
            ..Retention::default()
        };
        assert_eq!(plan(&files, &by_age, Some("2026-12-06-11-30-00")).len(), 2);
        // Size: 330 bytes in all; under 250 the oldest period goes, under
        // 200 two.
        let size = |b| Retention {
            bytes: Some(b),
            ..Retention::default()
        };
        assert_eq!(plan(&files, &size(250), None).len(), 2);
        assert_eq!(plan(&files, &size(200), None).len(), 4);
        assert!(plan(&files, &size(1000), None).is_empty());
        assert!(plan(&files, &Retention::default(), None).is_empty());
    }

    #[test]
    fn compression_keeps_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conn.log");
        let text = "{\"a\":1}\n".repeat(1000);
        std::fs::write(&path, &text).unwrap();
        let gz = compress(&path).unwrap();
        assert!(!path.exists());
        let mut back = String::new();
        use std::io::Read;
        flate2::read::GzDecoder::new(std::fs::File::open(gz).unwrap())
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
    }
}
