//! Writes `eve.json` (`--eve FILE`): one Suricata alert record per rule
//! match (`crate::logs::eve`), JSON lines, to one file for the run.
//!
//! Invariants: every record handed to [`EveWriter::write`] is written or
//! the run fails with the file's name (a full disk is an error, never a
//! silent drop); [`EveWriter::flush`] puts what was written on the file
//! (the pipeline calls it after every tick that wrote records, so a live
//! sensor's alerts reach the file promptly); the file is created (or
//! truncated) when the run starts, in a directory that must exist.

use super::WriteError;
use crate::event::RuleMatch;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct EveWriter {
    path: PathBuf,
    out: BufWriter<File>,
    records: u64,
    /// Records written since the last flush.
    pending: bool,
}

impl EveWriter {
    /// Creates (or truncates) the file.
    pub fn create(path: &Path) -> Result<EveWriter, WriteError> {
        let file = File::create(path).map_err(|source| WriteError {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(EveWriter {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(64 * 1024, file),
            records: 0,
            pending: false,
        })
    }

    fn error(&self, source: std::io::Error) -> WriteError {
        WriteError {
            path: self.path.clone(),
            source,
        }
    }

    /// Writes the record of one rule match.
    pub fn write(&mut self, m: &RuleMatch) -> Result<(), WriteError> {
        let Some(mut line) = crate::logs::eve::line(m) else {
            return Ok(());
        };
        line.push('\n');
        self.out
            .write_all(line.as_bytes())
            .map_err(|e| self.error(e))?;
        self.records += 1;
        self.pending = true;
        Ok(())
    }

    /// Puts the records written since the last flush on the file.
    pub fn flush(&mut self) -> Result<(), WriteError> {
        if self.pending {
            self.out.flush().map_err(|e| self.error(e))?;
            self.pending = false;
        }
        Ok(())
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Flushes and syncs the file; the records written.
    pub fn finish(mut self) -> Result<u64, WriteError> {
        self.out.flush().map_err(|e| self.error(e))?;
        self.out.get_ref().sync_data().map_err(|e| self.error(e))?;
        Ok(self.records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Finding, MatchedOn, NoticeKind, RuleHit, Severity};
    use crate::time::Ts;

    fn a_match() -> RuleMatch {
        let mut f = Finding::deviation(Ts(0), NoticeKind::Rule, Severity::Low, String::new());
        f.src = Some("10.0.0.1".parse().unwrap());
        f.rule = Some(Box::new(RuleHit {
            sid: 7,
            rev: 1,
            msg: "m".into(),
            priority: 3,
            classtype: None,
            techniques: vec![],
            references: vec![],
            matched: String::new(),
        }));
        RuleMatch {
            finding: f,
            app_proto: None,
            on: MatchedOn::Other,
        }
    }

    #[test]
    fn records_are_lines_on_the_file_after_a_flush() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eve.json");
        let mut w = EveWriter::create(&path).unwrap();
        w.write(&a_match()).unwrap();
        w.write(&a_match()).unwrap();
        w.flush().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert_eq!(w.finish().unwrap(), 2);
    }

    /// A full disk fails the write (at the latest when flushed), naming
    /// the file: nothing is dropped silently.
    #[test]
    fn a_full_disk_is_an_error_naming_the_file() {
        let path = Path::new("/dev/full");
        if !path.exists() {
            eprintln!("SKIPPED: no /dev/full here");
            return;
        }
        let mut w = EveWriter::create(path).unwrap();
        let mut res = Ok(());
        for _ in 0..2000 {
            res = w.write(&a_match());
            if res.is_err() {
                break;
            }
        }
        let e = res.and_then(|_| w.flush()).unwrap_err();
        assert!(e.to_string().starts_with("cannot write /dev/full: "), "{e}");
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_file() {
        let e = EveWriter::create(Path::new("/nonexistent-otwatch-dir/eve.json"))
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .starts_with("cannot write /nonexistent-otwatch-dir/eve.json: "),
            "{e}"
        );
    }
}
