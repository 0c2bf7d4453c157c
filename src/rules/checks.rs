//! Which rules match an event, found in a worker: matching needs only the
//! rules and the event, so each worker matches the events of its shards
//! in parallel, and the merge thread's [`super::Engine`] keeps what
//! depends on what matched before (thresholds, detection filters,
//! suppression) and the rules on baseline deviations, which it makes.

use super::eval::{self, Matcher, Subject};
use crate::event::Event;
use crate::observe::{requests, Offload, OpcUaActivate, OpcUaChannel};
use std::sync::Arc;

/// A worker's matcher of the rules of one engine.
pub struct RuleChecks {
    matcher: Arc<Matcher>,
    /// Cleared when the engine is replaced (a reload): the worker stops.
    wanted: Offload,
}

impl RuleChecks {
    pub(super) fn new(matcher: Arc<Matcher>, wanted: Offload) -> RuleChecks {
        RuleChecks { matcher, wanted }
    }

    /// Whether the engine still takes what this finds.
    pub fn wanted(&self) -> bool {
        self.wanted.on()
    }

    /// The matches of every check the engine makes of `e`, in the order
    /// the observer makes them (what the event is, each request it
    /// carries, then a Modbus transaction and an OPC UA secure channel
    /// after their request), appended to `out`: per check the count of
    /// rules that matched, then their numbers.
    pub fn event(&self, e: &Event, out: &mut Vec<u32>) {
        let mut check = |s: &Subject<'_>| {
            let at = out.len();
            out.push(0);
            self.matcher.find(s, &mut |i| out.push(i as u32));
            let n = out.len() - at - 1;
            if let Some(count) = out.get_mut(at) {
                *count = n as u32;
            }
        };
        match e {
            Event::Conn(c) => check(&eval::of_conn(c)),
            Event::Enip(m) => check(&eval::of_enip(m)),
            Event::Cip(m) => check(&eval::of_cip(m)),
            Event::ModbusTransaction(t) => {
                if let Some(s) = eval::of_modbus_exception(t) {
                    check(&s);
                }
            }
            Event::CipIdentity(i) => check(&eval::of_identity(i)),
            Event::ModbusUmas(u) => check(&eval::of_umas(u)),
            Event::OpcUaRequest(r) => {
                if let Some(a) = OpcUaActivate::of(r) {
                    check(&eval::of_activate(&a));
                }
            }
            _ => {}
        }
        requests(e, &mut |r| check(&eval::of_request(r)));
        match e {
            Event::ModbusTransaction(t) => {
                if let Some(s) = eval::of_modbus(t) {
                    check(&s);
                }
            }
            Event::OpcUaMessage(m) => {
                if let Some(c) = OpcUaChannel::of(m) {
                    check(&eval::of_channel(&c));
                }
            }
            _ => {}
        }
    }
}
