//! A private moto server per test, on a free port of 127.0.0.1, from
//! `.venv-moto` (installed by `make test-deps`); and the counters of a
//! run's CloudWatch summary line.

use super::repo;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A program of `.venv-moto/bin`; panics naming `make test-deps` when it
/// is missing, so the test fails instead of skipping.
pub fn venv(program: &str) -> PathBuf {
    let bin = repo().join(".venv-moto/bin").join(program);
    assert!(
        bin.exists(),
        "{} is missing: run `make test-deps` (it installs moto[server] and cfn-lint in .venv-moto)",
        bin.display()
    );
    bin
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A moto server, stopped on drop.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    /// `moto_server` as installed.
    pub fn start() -> Moto {
        let bin = venv("moto_server");
        Moto::start_with(|| Command::new(&bin))
    }

    /// The server `command()` runs, given `-H 127.0.0.1 -p PORT`.
    pub fn start_with(command: impl Fn() -> Command) -> Moto {
        for _ in 0..5 {
            let port = free_port();
            let child = command()
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut m = Moto { child, port };
            let until = Instant::now() + Duration::from_secs(30);
            while Instant::now() < until {
                if http_ok(port) {
                    return m;
                }
                if m.child.try_wait().unwrap().is_some() {
                    break; // the port was taken meanwhile: another one
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = m.child.kill();
        }
        panic!("moto_server did not start");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_ok(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}

/// A counter from the `cloudwatch:` summary line, by the words after it.
pub fn counter(err: &str, what: &str) -> u64 {
    let line = err
        .lines()
        .find(|l| l.trim_start().starts_with("cloudwatch:"))
        .unwrap_or_else(|| panic!("no cloudwatch summary in:\n{err}"));
    let at = line
        .find(what)
        .unwrap_or_else(|| panic!("no {what:?} in {line}"));
    let before = line[..at].split_whitespace().last().unwrap();
    before
        .trim_start_matches(['(', ';', ','])
        .parse()
        .unwrap_or_else(|_| panic!("no number before {what:?} in {line}"))
}
