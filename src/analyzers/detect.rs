//! Protocol detection by content on TCP ports no analyzer is registered
//! for: a client whose first bytes are an EtherNet/IP encapsulation header
//! (the reference's signature: a known command, a known status, from a
//! client port ≥ 1024) gets the EtherNet/IP analyzer; one whose first
//! bytes are an OPC UA Hello or OpenSecureChannel (client port ≥ 1024, as
//! the reference's signature asks) gets the OPC UA analyzer; otherwise the
//! Modbus probe decides (see [`ModbusProbe`]).

use super::enip::{self, Enip};
use super::modbus::ModbusProbe;
use super::opcua::OpcUa;
use super::{Analyzer, AnalyzerConfig, Context};
use crate::flow::Dir;

enum State {
    Undecided {
        modbus: ModbusProbe,
        cfg: AnalyzerConfig,
    },
    Enip(Box<Enip>),
    OpcUa(Box<OpcUa>),
}

pub struct Detect {
    state: State,
    client_spoke: bool,
    client_port_ok: bool,
}

impl Detect {
    pub fn new(cfg: &AnalyzerConfig, orig_port: u16) -> Detect {
        Detect {
            state: State::Undecided {
                modbus: ModbusProbe::new(),
                cfg: cfg.clone(),
            },
            client_spoke: false,
            client_port_ok: orig_port >= 1024,
        }
    }

    /// The analyzer chosen so far, by name.
    #[cfg(test)]
    pub fn chosen(&self) -> Option<&'static str> {
        match &self.state {
            State::Enip(_) => Some("enip"),
            State::OpcUa(_) => Some("opcua"),
            State::Undecided { modbus, .. } if modbus.is_modbus() => Some("modbus"),
            State::Undecided { .. } => None,
        }
    }
}

impl Analyzer for Detect {
    fn on_data(&mut self, dir: Dir, data: &[u8], cx: &mut Context<'_>) {
        let first_from_client = dir == Dir::Orig && !self.client_spoke;
        if dir == Dir::Orig {
            self.client_spoke = true;
        }
        match &mut self.state {
            State::Enip(e) => e.on_data(dir, data, cx),
            State::OpcUa(o) => o.on_data(dir, data, cx),
            State::Undecided { modbus, cfg } => {
                if first_from_client && self.client_port_ok && enip::looks_like_encapsulation(data)
                {
                    let mut e = Box::new(Enip::new(cfg));
                    e.on_data(dir, data, cx);
                    self.state = State::Enip(e);
                } else if first_from_client
                    && self.client_port_ok
                    && otwatch_parsers::opcua::probe(data)
                {
                    let mut o = Box::new(OpcUa::new());
                    o.on_data(dir, data, cx);
                    self.state = State::OpcUa(o);
                } else {
                    modbus.on_data(dir, data, cx);
                }
            }
        }
    }

    fn on_gap(&mut self, dir: Dir, len: u64, cx: &mut Context<'_>) {
        match &mut self.state {
            State::Enip(e) => e.on_gap(dir, len, cx),
            State::OpcUa(o) => o.on_gap(dir, len, cx),
            State::Undecided { modbus, .. } => modbus.on_gap(dir, len, cx),
        }
    }

    fn on_eof(&mut self, cx: &mut Context<'_>) {
        match &mut self.state {
            State::Enip(e) => e.on_eof(cx),
            State::OpcUa(o) => o.on_eof(cx),
            State::Undecided { modbus, .. } => modbus.on_eof(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::testkit::Harness;

    #[test]
    fn enip_on_an_unusual_port_is_found_by_content() {
        let mut h = Harness::new();
        h.id.resp_p = 4000;
        let mut d = Detect::new(&AnalyzerConfig::default(), 50000);
        // List Identity request: command 0x63, no data.
        let mut msg = vec![0x63, 0, 0, 0];
        msg.extend_from_slice(&[0; 20]);
        h.feed(&mut d, Dir::Orig, &msg);
        assert_eq!(d.chosen(), Some("enip"));
        assert_eq!(h.rows("enip").len(), 1);
        assert_eq!(h.services, vec!["enip"]);
    }

    #[test]
    fn other_traffic_goes_to_the_modbus_probe_or_nowhere() {
        let mut h = Harness::new();
        h.id.resp_p = 8080;
        let mut d = Detect::new(&AnalyzerConfig::default(), 50000);
        h.feed(&mut d, Dir::Orig, b"GET / HTTP/1.1\r\nHost: hmi\r\n\r\n");
        h.feed(&mut d, Dir::Resp, b"HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!(d.chosen(), None);
        assert!(h.services.is_empty());
        // A client port below 1024 is not taken for EtherNet/IP.
        let mut d = Detect::new(&AnalyzerConfig::default(), 800);
        let mut msg = vec![0x63, 0, 0, 0];
        msg.extend_from_slice(&[0; 20]);
        h.feed(&mut d, Dir::Orig, &msg);
        assert_eq!(d.chosen(), None);
    }
}
