//! How events are collected where they are made, with the key that orders
//! them so the merged stream is the same whatever the number of workers.

use super::{enip, modbus, Event};

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
    spare: Spare,
}

/// The boxes of the most frequent records, kept when the records are freed
/// and used again for the next ones: those records then cost no allocation
/// of their own (their contents may).
#[derive(Debug, Default)]
#[allow(clippy::vec_box, reason = "the boxes are what is kept")]
pub struct Spare {
    modbus_headers: Vec<Box<modbus::Header>>,
    modbus_transactions: Vec<Box<modbus::Transaction>>,
    enip: Vec<Box<enip::Encapsulation>>,
    cip: Vec<Box<enip::Cip>>,
}

/// Boxes kept per kind (more are freed).
const MAX_SPARE: usize = 4096;

/// A record whose box the emitter reuses.
pub trait Reused: Sized {
    #[doc(hidden)]
    #[allow(clippy::vec_box, reason = "the boxes are what is kept")]
    fn spares(s: &mut Spare) -> &mut Vec<Box<Self>>;
}

macro_rules! reused {
    ($t:ty, $field:ident) => {
        impl Reused for $t {
            #[allow(clippy::vec_box, reason = "the boxes are what is kept")]
            fn spares(s: &mut Spare) -> &mut Vec<Box<Self>> {
                &mut s.$field
            }
        }
    };
}
reused!(modbus::Header, modbus_headers);
reused!(modbus::Transaction, modbus_transactions);
reused!(enip::Encapsulation, enip);
reused!(enip::Cip, cip);

#[allow(clippy::vec_box, reason = "the boxes are what is kept")]
fn keep<T>(spares: &mut Vec<Box<T>>, b: Box<T>) {
    if spares.len() < MAX_SPARE {
        spares.push(b);
    }
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

    /// `v` in a box: a spare one when there is one.
    pub fn boxed<T: Reused>(&mut self, v: T) -> Box<T> {
        match T::spares(&mut self.spare).pop() {
            Some(mut b) => {
                *b = v;
                b
            }
            None => Box::new(v),
        }
    }

    /// Frees `records` (read, and handed back), keeping their boxes.
    pub fn recycle(&mut self, records: &mut Vec<(OrderKey, Event)>) {
        let s = &mut self.spare;
        for (_, e) in records.drain(..) {
            match e {
                Event::ModbusHeader(b) => keep(&mut s.modbus_headers, b),
                Event::ModbusTransaction(b) => keep(&mut s.modbus_transactions, b),
                Event::Enip(b) => keep(&mut s.enip, b),
                Event::Cip(b) => keep(&mut s.cip, b),
                _ => {}
            }
        }
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

    /// A record's box, freed, carries the next record of its kind; past
    /// the cap boxes are freed.
    #[test]
    fn freed_records_leave_their_boxes_for_the_next() {
        let header = |tid| modbus::Header {
            ts: crate::time::Ts(1),
            id: super::super::ConnId::tcp(
                "C1",
                ([10, 0, 0, 1].into(), 50000),
                ([10, 0, 0, 2].into(), 502),
            ),
            tid,
            unit: 1,
            function: 3,
            dir: super::super::Dir::Orig,
            exception: None,
        };
        let mut e = Emitter::default();
        let b = e.boxed(header(1));
        let at: *const modbus::Header = &*b;
        e.emit(Event::ModbusHeader(b));
        e.emit(weird("other"));
        let mut records = e.take();
        e.recycle(&mut records);
        assert!(records.is_empty());
        let again = e.boxed(header(2));
        assert!(std::ptr::eq(at, &*again));
        assert_eq!(again.tid, 2);
        let mut many: Vec<_> = (0..MAX_SPARE + 10)
            .map(|i| {
                (
                    OrderKey::default(),
                    Event::ModbusHeader(Box::new(header(i as u16))),
                )
            })
            .collect();
        e.recycle(&mut many);
        assert_eq!(e.spare.modbus_headers.len(), MAX_SPARE);
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
