//! How events are collected where they are made, with the key that orders
//! them so the merged stream is the same whatever the number of workers.

use super::Event;

/// Position of a record in the run's output order.
///
/// `seq` is the number of the packet that caused the record (or of the last
/// packet before a timeout sweep); `class` separates per-packet records (0)
/// from sweep and end-of-run records (1); `conn` orders the connections
/// finished by one sweep (their first packet's number; 0 for per-packet
/// records); `sub` is the emission order within that context. None of these
/// depend on which worker made the record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct OrderKey {
    pub seq: u64,
    pub class: u8,
    pub conn: u64,
    pub sub: u32,
}

/// Collects events with their order keys.
#[derive(Debug, Default)]
pub struct Emitter {
    pub records: Vec<(OrderKey, Event)>,
    key: OrderKey,
}

impl Emitter {
    /// Following records are caused by packet `seq`.
    pub fn at_packet(&mut self, seq: u64) {
        self.key = OrderKey {
            seq,
            class: 0,
            conn: 0,
            sub: 0,
        };
    }

    /// Following records come from a sweep (timeouts, end of input) after
    /// packet `seq`; each connection it finishes opens its own context.
    pub fn at_sweep(&mut self, seq: u64) {
        self.key = OrderKey {
            seq,
            class: 1,
            conn: 0,
            sub: 0,
        };
    }

    /// Within a sweep, following records belong to the connection whose
    /// first packet was `first_seq`.
    pub fn for_conn(&mut self, first_seq: u64) {
        if self.key.class == 1 {
            self.key.conn = first_seq;
            self.key.sub = 0;
        }
    }

    /// Adds a record in emission order.
    pub fn emit(&mut self, r: Event) {
        self.records.push((self.key, r));
        self.key.sub = self.key.sub.saturating_add(1);
    }

    pub fn take(&mut self) -> Vec<(OrderKey, Event)> {
        std::mem::take(&mut self.records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weird(name: &'static str) -> Event {
        Event::Weird(Box::new(crate::event::Weird {
            ts: crate::time::Ts(0),
            scope: crate::event::WeirdScope::None,
            name,
            addl: None,
            source: "test",
        }))
    }

    #[test]
    fn keys_order_packets_then_sweeps_by_connection() {
        let mut e = Emitter::default();
        e.at_sweep(10);
        e.for_conn(7);
        e.emit(weird("c7a"));
        e.emit(weird("c7b"));
        e.for_conn(3);
        e.emit(weird("c3"));
        e.at_packet(10);
        e.emit(weird("p10"));
        e.at_packet(11);
        e.emit(weird("p11"));
        let mut r = e.take();
        r.sort_by_key(|x| x.0);
        let names: Vec<_> = r
            .iter()
            .map(|(_, r)| match r {
                Event::Weird(w) => w.name,
                _ => "",
            })
            .collect();
        assert_eq!(names, vec!["p10", "c3", "c7a", "c7b", "p11"]);
    }
}
