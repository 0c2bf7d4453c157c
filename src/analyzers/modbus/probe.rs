//! Modbus detection on ports other than 502: a connection is taken to be
//! Modbus/TCP when the first bytes of both directions are plausible MBAP
//! headers (protocol id 0, a sane length, a plausible function code) and
//! the server's first ADU carries the transaction and unit ids of one of
//! the client's. Until then at most [`PROBE_LIMIT`] bytes of each side are
//! held; then they are replayed into a [`Modbus`] analyzer (their rows take
//! the time of the packet that decided), and the probe steps aside.

use super::Modbus;
use crate::analyzers::{Analyzer, Context};
use crate::flow::Dir;
use otwatch_parsers::modbus::probe;

/// Client bytes held while waiting for the server's first bytes.
pub const PROBE_LIMIT: usize = 1024;

#[derive(Debug)]
enum State {
    /// Waiting: the client's bytes so far.
    Probing {
        client: Vec<u8>,
        server: Vec<u8>,
    },
    Modbus(Box<Modbus>),
    NotModbus,
}

#[derive(Debug)]
pub struct ModbusProbe {
    state: State,
}

impl Default for ModbusProbe {
    fn default() -> Self {
        ModbusProbe {
            state: State::Probing {
                client: Vec::new(),
                server: Vec::new(),
            },
        }
    }
}

impl ModbusProbe {
    pub fn new() -> ModbusProbe {
        ModbusProbe::default()
    }

    /// True once the connection was recognised as Modbus.
    pub fn is_modbus(&self) -> bool {
        matches!(self.state, State::Modbus(_))
    }
}

/// The (transaction, unit) ids of the plausible ADUs at the start of `b`,
/// or `None` if its first bytes are not a plausible MBAP header.
fn all_ids(b: &[u8]) -> Option<Vec<(u16, u8)>> {
    let mut out = vec![ids(b)?];
    let mut at = 0usize;
    while let Some(&[hi, lo]) = b
        .get(at.saturating_add(4)..)
        .and_then(<[u8]>::first_chunk::<2>)
    {
        at = at.saturating_add(6 + usize::from(u16::from_be_bytes([hi, lo])));
        match b.get(at..).and_then(ids) {
            Some(i) => out.push(i),
            None => break,
        }
    }
    Some(out)
}

/// The transaction and unit ids of a plausible MBAP header at `b`'s start.
fn ids(b: &[u8]) -> Option<(u16, u8)> {
    if !probe(b) {
        return None;
    }
    let [t0, t1, _, _, _, _, unit, fc, ..] = *b else {
        return None;
    };
    // Requests and responses use the public codes (or their exceptions).
    if fc & 0x7f == 0 || (fc & 0x7f) > 0x64 && fc & 0x7f != 0x5a {
        return None;
    }
    Some((u16::from_be_bytes([t0, t1]), unit))
}

impl Analyzer for ModbusProbe {
    fn on_data(&mut self, dir: Dir, data: &[u8], cx: &mut Context<'_>) {
        let next = match &mut self.state {
            State::Modbus(m) => return m.on_data(dir, data, cx),
            State::NotModbus => return,
            State::Probing { client, server } => {
                let mine = match dir {
                    Dir::Orig => &mut *client,
                    Dir::Resp => &mut *server,
                };
                mine.extend_from_slice(data);
                if mine.len() > PROBE_LIMIT || (mine.len() >= 8 && ids(mine).is_none()) {
                    State::NotModbus
                } else if client.len() < 8 || server.len() < 8 {
                    // The client speaks first; wait for a whole header of each.
                    if server.len() >= 8 && client.is_empty() {
                        State::NotModbus
                    } else {
                        return;
                    }
                } else {
                    // The server's first ADU answers one of the client's.
                    let answered = match (all_ids(client), ids(server)) {
                        (Some(asked), Some(got)) => asked.contains(&got),
                        _ => false,
                    };
                    if !answered {
                        State::NotModbus
                    } else {
                        let mut m = Box::new(Modbus::new());
                        let (c, s) = (std::mem::take(client), std::mem::take(server));
                        m.on_data(Dir::Orig, &c, cx);
                        m.on_data(Dir::Resp, &s, cx);
                        State::Modbus(m)
                    }
                }
            }
        };
        if matches!(next, State::NotModbus) {
            // Nothing held any more.
            self.state = State::NotModbus;
        } else {
            self.state = next;
        }
    }

    fn on_gap(&mut self, dir: Dir, len: u64, cx: &mut Context<'_>) {
        match &mut self.state {
            State::Modbus(m) => m.on_gap(dir, len, cx),
            State::Probing { .. } => self.state = State::NotModbus,
            State::NotModbus => {}
        }
    }

    fn on_eof(&mut self, cx: &mut Context<'_>) {
        if let State::Modbus(m) = &mut self.state {
            m.on_eof(cx);
        }
    }
}
