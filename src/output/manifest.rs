//! The run manifest, `otwatch_run.json` in a run's log directory: what the
//! run was (otwatch's version, its command line, its inputs, when it
//! started and ended, in ISO 8601 UTC) and which logs it wrote. Readers of
//! a directory (`otwatch report`, `otwatch inventory`) read only the logs
//! the manifest lists, so a file another run left can never mix in; a
//! directory without a manifest (an older otwatch) is read whole.
//!
//! One run, one directory: `analyze` removes, before it writes, every file
//! otwatch owns in the directory (each log otwatch can write, and the
//! manifest), as Zeek replaces its logs; other files stay. A live sensor
//! keeps the logs it finds (renamed aside as a rotated period) and removes
//! only the manifest, written again when it stops.

use super::{WriteError, LOG_NAMES};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "otwatch_run.json";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// `otwatch --version`'s line.
    pub otwatch: String,
    /// The command line.
    pub argv: Vec<String>,
    /// Capture files, or interfaces for a live run.
    pub inputs: Vec<String>,
    pub started: String,
    pub ended: String,
    /// The logs written (`conn` for `conn.log`).
    pub logs: Vec<String>,
    /// Capture files that could not be read to the end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub damaged: Vec<String>,
}

fn io(path: PathBuf) -> impl FnOnce(std::io::Error) -> WriteError {
    move |source| WriteError { path, source }
}

/// Removes what an earlier run left in `dir`: every log otwatch writes and
/// the manifest (`logs` too), or the manifest alone. Returns how many files
/// went.
pub fn clear_previous(dir: &Path, logs: bool) -> Result<usize, WriteError> {
    let mut names: Vec<String> = vec![MANIFEST.to_string()];
    if logs {
        names.extend(LOG_NAMES.iter().map(|l| format!("{l}.log")));
    }
    let mut removed = 0;
    for name in names {
        let path = dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(path)(e)),
        }
    }
    Ok(removed)
}

/// Locks the run directory for this run (`.otwatch.lock`, held while the
/// returned file lives): a second run into a directory a run still writes
/// (a live sensor's) is refused.
pub fn claim(dir: &Path) -> Result<std::fs::File, String> {
    super::hold_lock(
        &dir.join(".otwatch.lock"),
        &format!(
            "{}: another otwatch run writes its logs there (a live sensor?); give another --out",
            dir.display()
        ),
    )
}

/// Writes the manifest into `dir` (atomically: a reader sees the old one
/// or the new one).
pub fn write(dir: &Path, m: &Manifest) -> Result<(), WriteError> {
    let path = dir.join(MANIFEST);
    let tmp = dir.join(format!(".{MANIFEST}.tmp"));
    let mut text = serde_json::to_string_pretty(m).map_err(|e| io(tmp.clone())(e.into()))?;
    text.push('\n');
    std::fs::write(&tmp, text).map_err(io(tmp.clone()))?;
    std::fs::rename(&tmp, &path).map_err(io(path))
}

/// The manifest of `dir`, if the run wrote one.
pub fn read(dir: &Path) -> Result<Option<Manifest>, String> {
    let path = dir.join(MANIFEST);
    match std::fs::read_to_string(&path) {
        Ok(t) => serde_json::from_str(&t)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Whether `log` belongs to the run in `dir`: listed by its manifest, or
/// present in a directory without one.
pub fn has_log(dir: &Path, log: &str) -> Result<bool, String> {
    Ok(match read(dir)? {
        Some(m) => m.logs.iter().any(|l| l == log),
        None => dir.join(format!("{log}.log")).exists(),
    })
}

/// The logs listed, as a set.
pub fn logs(m: &Manifest) -> BTreeSet<&str> {
    m.logs.iter().map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_earlier_runs_logs_go_and_other_files_stay() {
        let d = tempfile::tempdir().unwrap();
        for f in ["conn.log", "notice.log", "alert.log", MANIFEST, "notes.txt"] {
            std::fs::write(d.path().join(f), "x").unwrap();
        }
        assert_eq!(clear_previous(d.path(), true).unwrap(), 4);
        let left: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["notes.txt"]);
    }

    #[test]
    fn a_directory_has_one_run_at_a_time() {
        let d = tempfile::tempdir().unwrap();
        let held = claim(d.path()).unwrap();
        let e = claim(d.path()).unwrap_err();
        assert!(e.contains("another otwatch run"), "{e}");
        drop(held);
        assert!(claim(d.path()).is_ok());
    }

    #[test]
    fn the_manifest_names_the_runs_logs() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("notice.log"), "left by another run").unwrap();
        std::fs::write(d.path().join("conn.log"), "{}").unwrap();
        assert!(has_log(d.path(), "notice").unwrap());
        let m = Manifest {
            logs: vec!["conn".into()],
            ..Manifest::default()
        };
        write(d.path(), &m).unwrap();
        assert_eq!(read(d.path()).unwrap(), Some(m));
        assert!(has_log(d.path(), "conn").unwrap());
        assert!(!has_log(d.path(), "notice").unwrap());
    }
}
