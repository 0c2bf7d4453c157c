//! The thread that hands the log files' full buffers to the operating
//! system, so that the merge thread, which fills them, never waits in
//! write(2): a gigabyte of logs is a third of a second of system time, on
//! the one thread every record passes through.
//!
//! Buffers go over a bounded queue (the merge thread waits when the disk
//! falls behind: nothing is dropped) and come back to be filled again. A
//! failed write is kept, with its file, and returned by the next call of
//! the merge thread; [`Disk::settle`] waits until everything sent is
//! written (before a flush is reported done, a rotation, the end).

use crossbeam_channel::{bounded, Receiver, Sender};
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Buffers waiting to be written; past this the merge thread waits.
const QUEUE: usize = 8;

/// An open log file, shared by its writer and the disk thread.
#[derive(Debug)]
pub struct Target {
    pub path: PathBuf,
    pub file: File,
}

enum Job {
    Write(Arc<Target>, Vec<u8>),
    /// Answered once every job sent before it is done.
    Settle(Sender<()>),
}

/// The first write that failed: its file, and the error (its OS code when
/// it has one, so that the message reads as the system's).
type Failure = Arc<Mutex<Option<(PathBuf, std::io::ErrorKind, Option<i32>, String)>>>;

pub struct Disk {
    jobs: Option<Sender<Job>>,
    spare: Receiver<Vec<u8>>,
    failed: Failure,
    thread: Option<JoinHandle<()>>,
}

impl Disk {
    /// Starts the thread (None when it cannot be started: the caller
    /// writes itself).
    pub fn start() -> Option<Disk> {
        let (jobs, rx) = bounded::<Job>(QUEUE);
        let (back, spare) = bounded::<Vec<u8>>(QUEUE);
        let failed: Failure = Arc::default();
        let f = Arc::clone(&failed);
        let thread = std::thread::Builder::new()
            .name("otwatch-disk".into())
            .spawn(move || {
                for job in rx {
                    match job {
                        Job::Write(t, mut data) => {
                            if let Err(e) = (&t.file).write_all(&data) {
                                if let Ok(mut f) = f.lock() {
                                    f.get_or_insert_with(|| {
                                        (t.path.clone(), e.kind(), e.raw_os_error(), e.to_string())
                                    });
                                }
                            }
                            data.clear();
                            let _ = back.try_send(data);
                        }
                        Job::Settle(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            })
            .ok()?;
        Some(Disk {
            jobs: Some(jobs),
            spare,
            failed,
            thread: Some(thread),
        })
    }

    /// An empty buffer of at least `capacity` bytes (one that came back
    /// when there is one).
    pub fn buffer(&self, capacity: usize) -> Vec<u8> {
        match self.spare.try_recv() {
            Ok(mut b) => {
                b.reserve(capacity);
                b
            }
            Err(_) => Vec::with_capacity(capacity),
        }
    }

    /// Queues `data` to be appended to `target`; returns it when the
    /// thread is gone (the caller writes it).
    pub fn send(&self, target: &Arc<Target>, data: Vec<u8>) -> Result<(), Vec<u8>> {
        match &self.jobs {
            Some(j) => {
                j.send(Job::Write(Arc::clone(target), data))
                    .map_err(|e| match e.into_inner() {
                        Job::Write(_, d) => d,
                        Job::Settle(_) => Vec::new(),
                    })
            }
            None => Err(data),
        }
    }

    /// Waits until everything sent so far is written; then the first
    /// failure, if a write failed.
    pub fn settle(&self) -> Result<(), (PathBuf, std::io::Error)> {
        if let Some(j) = &self.jobs {
            let (tx, rx) = bounded(1);
            if j.send(Job::Settle(tx)).is_ok() {
                let _ = rx.recv();
            }
        }
        self.failure()
    }

    /// The first failed write so far.
    pub fn failure(&self) -> Result<(), (PathBuf, std::io::Error)> {
        let Ok(f) = self.failed.lock() else {
            return Ok(());
        };
        match f.as_ref() {
            None => Ok(()),
            Some((path, kind, code, msg)) => {
                let e = match code {
                    Some(c) => std::io::Error::from_raw_os_error(*c),
                    None => std::io::Error::new(*kind, msg.clone()),
                };
                Err((path.clone(), e))
            }
        }
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        // The thread writes what is queued and ends with the queue.
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_sent_is_written_in_order_by_settle() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("a.log");
        let t = Arc::new(Target {
            path: path.clone(),
            file: File::create(&path).unwrap(),
        });
        let disk = Disk::start().unwrap();
        for i in 0..100 {
            let mut b = disk.buffer(16);
            b.extend_from_slice(format!("{i}\n").as_bytes());
            disk.send(&t, b).unwrap();
        }
        disk.settle().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let expected: String = (0..100).map(|i| format!("{i}\n")).collect();
        assert_eq!(text, expected);
    }

    #[test]
    fn a_failed_write_is_returned_with_its_file() {
        let t = Arc::new(Target {
            path: PathBuf::from("/dev/full"),
            file: std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        });
        let disk = Disk::start().unwrap();
        disk.send(&t, b"x\n".to_vec()).unwrap();
        let (path, e) = disk.settle().unwrap_err();
        assert_eq!(path, PathBuf::from("/dev/full"));
        assert!(e.to_string().contains("No space left on device"), "{e}");
        // And again, for whoever asks next.
        assert!(disk.failure().is_err());
    }
}
