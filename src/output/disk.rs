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
//!
//! Every few megabytes of a file it also asks the kernel to start writing
//! them out, so that the sync of every log at the end of a run (or of a
//! rotated file) waits for the last of them only, not for all of them.

use crossbeam_channel::{bounded, Receiver, Sender};
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Buffers waiting to be written; past this the merge thread waits.
const QUEUE: usize = 8;

/// Bytes of a file after which its write-out is started.
const WRITE_OUT_EVERY: u64 = 8 << 20;

/// An open log file, shared by its writer and the disk thread.
#[derive(Debug)]
pub struct Target {
    pub path: PathBuf,
    pub file: File,
    /// Bytes the disk thread appended since it last started the file's
    /// write-out (only that thread uses it).
    pending: AtomicU64,
}

impl Target {
    pub fn new(path: PathBuf, file: File) -> Target {
        Target {
            path,
            file,
            pending: AtomicU64::new(0),
        }
    }

    /// Counts `n` more bytes appended; past [`WRITE_OUT_EVERY`], starts
    /// writing the file's dirty pages out without waiting for them. A
    /// failure is left to the sync of the file when it is rotated or the
    /// run ends, which reports it with the file's name.
    fn appended(&self, n: usize) {
        let pending = self
            .pending
            .load(Ordering::Relaxed)
            .saturating_add(n as u64);
        if pending < WRITE_OUT_EVERY {
            self.pending.store(pending, Ordering::Relaxed);
            return;
        }
        self.pending.store(0, Ordering::Relaxed);
        let _ = start_write_out(&self.file);
    }
}

/// Starts writing out every dirty page of `file` (sync_file_range(2),
/// SYNC_FILE_RANGE_WRITE: it does not wait for the disk).
#[cfg(target_os = "linux")]
fn start_write_out(file: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is open for as long as `file` is borrowed;
    // the call reads no memory of ours.
    #[allow(unsafe_code)]
    let r = unsafe { libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn start_write_out(_: &File) -> std::io::Result<()> {
    Ok(())
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
                            match (&t.file).write_all(&data) {
                                Ok(()) => t.appended(data.len()),
                                Err(e) => {
                                    if let Ok(mut f) = f.lock() {
                                        f.get_or_insert_with(|| {
                                            let (kind, code) = (e.kind(), e.raw_os_error());
                                            (t.path.clone(), kind, code, e.to_string())
                                        });
                                    }
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
        let t = Arc::new(Target::new(path.clone(), File::create(&path).unwrap()));
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
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let t = Arc::new(Target::new(PathBuf::from("/dev/full"), full));
        let disk = Disk::start().unwrap();
        disk.send(&t, b"x\n".to_vec()).unwrap();
        let (path, e) = disk.settle().unwrap_err();
        assert_eq!(path, PathBuf::from("/dev/full"));
        assert!(e.to_string().contains("No space left on device"), "{e}");
        // And again, for whoever asks next.
        assert!(disk.failure().is_err());
    }

    #[test]
    fn a_file_past_the_write_out_size_is_started_and_stays_whole() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("big.log");
        let t = Arc::new(Target::new(path.clone(), File::create(&path).unwrap()));
        // The call itself works on a log file (a pipe has no pages).
        start_write_out(&t.file).unwrap();
        #[cfg(target_os = "linux")]
        {
            let (r, _w) = std::io::pipe().unwrap();
            assert!(start_write_out(&File::from(std::os::fd::OwnedFd::from(r))).is_err());
        }
        let disk = Disk::start().unwrap();
        let chunk = vec![b'x'; 1 << 20];
        let n = WRITE_OUT_EVERY / (1 << 20) * 2 + 3;
        for _ in 0..n {
            let mut b = disk.buffer(chunk.len());
            b.extend_from_slice(&chunk);
            disk.send(&t, b).unwrap();
        }
        disk.settle().unwrap();
        // Started twice; what came after the second start is pending.
        assert_eq!(t.pending.load(Ordering::Relaxed), 3 << 20);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), n << 20);
    }
}
