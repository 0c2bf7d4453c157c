//! A stand-in for the flow layer in analyzer unit tests: a connection
//! identity, an emitter, and helpers to feed data and read the rows back.

use super::{Analyzer, ConnFacts, ConnId, Context, Shared, WeirdTally};
use crate::event::{Emitter, Event};
use crate::flow::Dir;
use crate::output::Value;
use crate::time::Ts;

pub struct Harness {
    pub id: ConnId,
    pub em: Emitter,
    pub services: Vec<&'static str>,
    pub weirds: WeirdTally,
    pub facts: ConnFacts,
    pub limited: u64,
    pub shared: Shared,
}

impl Harness {
    pub fn new() -> Harness {
        Harness {
            id: ConnId {
                uid: "Ctest".into(),
                orig_h: "10.0.0.1".parse().unwrap(),
                orig_p: 40000,
                resp_h: "10.0.0.2".parse().unwrap(),
                resp_p: 502,
                ip_proto: 6,
                vlan: None,
                inner_vlan: None,
            },
            em: Emitter::default(),
            services: Vec::new(),
            weirds: WeirdTally::default(),
            facts: ConnFacts::default(),
            limited: 0,
            shared: Shared::default(),
        }
    }

    pub fn feed(&mut self, a: &mut dyn Analyzer, dir: Dir, bytes: &[u8]) {
        let mut cx = Context {
            ts: Ts(1),
            id: &self.id,
            facts: self.facts,
            emitter: &mut self.em,
            services: &mut self.services,
            weirds: &mut self.weirds,
            rows_limited: &mut self.limited,
            shared: &mut self.shared,
        };
        a.on_data(dir, bytes, &mut cx);
    }

    pub fn gap(&mut self, a: &mut dyn Analyzer, dir: Dir) {
        let mut cx = Context {
            ts: Ts(1),
            id: &self.id,
            facts: self.facts,
            emitter: &mut self.em,
            services: &mut self.services,
            weirds: &mut self.weirds,
            rows_limited: &mut self.limited,
            shared: &mut self.shared,
        };
        a.on_gap(dir, 10, &mut cx);
    }

    pub fn eof(&mut self, a: &mut dyn Analyzer) {
        let mut cx = Context {
            ts: Ts(1),
            id: &self.id,
            facts: self.facts,
            emitter: &mut self.em,
            services: &mut self.services,
            weirds: &mut self.weirds,
            rows_limited: &mut self.limited,
            shared: &mut self.shared,
        };
        a.on_eof(&mut cx);
    }

    /// The rows written to `log`, each as its cells' TSV text.
    pub fn rows(&self, log: &str) -> Vec<Vec<String>> {
        self.em
            .records
            .iter()
            .flat_map(|(_, r)| {
                let mut rows = Vec::new();
                crate::logs::rows(r, &mut |l| {
                    if l.path() != log {
                        return;
                    }
                    let mut v = Vec::new();
                    l.values(&mut v);
                    rows.push(
                        v.iter()
                            .map(|x: &Value| {
                                let mut s = String::new();
                                x.write_tsv(&mut s);
                                s
                            })
                            .collect(),
                    );
                });
                rows
            })
            .collect()
    }

    pub fn weird_names(&self) -> Vec<&'static str> {
        self.em
            .records
            .iter()
            .filter_map(|(_, r)| match r {
                Event::Weird(w) => Some(w.name),
                _ => None,
            })
            .collect()
    }
}
