//! Modbus detection on ports other than 502: a connection is taken to be
//! Modbus/TCP when the first bytes of both directions are plausible MBAP
//! headers (protocol id 0, a sane length, a plausible function code) and
//! the response carries the request's transaction and unit ids. Until then
//! at most [`PROBE_LIMIT`] client bytes are held; then they are replayed
//! into a [`Modbus`] analyzer, and the probe steps aside.

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
            state: State::Probing { client: Vec::new() },
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

/// The transaction and unit ids of a plausible MBAP header at `b`'s start.
fn ids(b: &[u8]) -> Option<(u16, u8)> {
    if !probe(b) {
        return None;
    }
    let fc = *b.get(7)?;
    // Requests and responses use the public codes (or their exceptions).
    if fc & 0x7f == 0 || (fc & 0x7f) > 0x64 && fc & 0x7f != 0x5a {
        return None;
    }
    Some((u16::from_be_bytes([b[0], b[1]]), b[6]))
}

impl Analyzer for ModbusProbe {
    fn on_data(&mut self, dir: Dir, data: &[u8], cx: &mut Context<'_>) {
        let next = match &mut self.state {
            State::Modbus(m) => return m.on_data(dir, data, cx),
            State::NotModbus => return,
            State::Probing { client } => match dir {
                Dir::Orig => {
                    client.extend_from_slice(data);
                    if client.len() > PROBE_LIMIT || (client.len() >= 8 && ids(client).is_none()) {
                        State::NotModbus
                    } else {
                        return;
                    }
                }
                Dir::Resp => {
                    let ok = matches!((ids(client), ids(data)), (Some(a), Some(b)) if a == b);
                    if !ok {
                        State::NotModbus
                    } else {
                        let mut m = Box::new(Modbus::new());
                        let held = std::mem::take(client);
                        m.on_data(Dir::Orig, &held, cx);
                        m.on_data(Dir::Resp, data, cx);
                        State::Modbus(m)
                    }
                }
            },
        };
        self.state = next;
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
