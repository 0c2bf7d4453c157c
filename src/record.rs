//! The records workers produce, and the key that orders them so the merged
//! output is the same whatever the number of workers.

use crate::flow::ConnRecord;
use crate::weird::WeirdRecord;

/// Position of a record in the run's output order.
///
/// `seq` is the number of the packet that caused the record (or of the last
/// packet before a timeout sweep); `class` separates per-packet records (0)
/// from sweep and end-of-run records (1); `tiebreak` orders records of the
/// same packet (emission order) or of the same sweep (the connection's first
/// packet number). None of these depend on which worker made the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OrderKey {
    pub seq: u64,
    pub class: u8,
    pub tiebreak: u64,
}

/// A log record on its way to the writers.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Conn(Box<ConnRecord>),
    Weird(Box<WeirdRecord>),
}

/// Collects records with their order keys.
#[derive(Debug, Default)]
pub struct Emitter {
    pub records: Vec<(OrderKey, Record)>,
    seq: u64,
    class: u8,
    counter: u64,
}

impl Emitter {
    /// Following records are caused by packet `seq`.
    pub fn at_packet(&mut self, seq: u64) {
        self.seq = seq;
        self.class = 0;
        self.counter = 0;
    }

    /// Following records come from a sweep after packet `seq`; each is
    /// ordered by the tiebreak passed to [`Emitter::emit_ordered`].
    pub fn at_sweep(&mut self, seq: u64) {
        self.seq = seq;
        self.class = 1;
        self.counter = 0;
    }

    /// Adds a record in emission order (per-packet records).
    pub fn emit(&mut self, r: Record) {
        let key = OrderKey {
            seq: self.seq,
            class: self.class,
            tiebreak: self.counter,
        };
        self.counter += 1;
        self.records.push((key, r));
    }

    /// Adds a record with an explicit tiebreak (sweep records).
    pub fn emit_ordered(&mut self, tiebreak: u64, r: Record) {
        let key = OrderKey {
            seq: self.seq,
            class: self.class,
            tiebreak,
        };
        self.records.push((key, r));
    }

    pub fn take(&mut self) -> Vec<(OrderKey, Record)> {
        std::mem::take(&mut self.records)
    }
}
