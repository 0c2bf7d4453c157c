//! A worker owns one shard of the flow table: no locks on the hot path.

use super::batch::Batch;
use crate::flow::{FlowConfig, FlowCounters, FlowTable};
use crate::record::{Emitter, OrderKey, Record};
use crossbeam_channel::{Receiver, Sender};

/// What a worker is told to do next.
pub enum Work {
    Batch(Batch),
    /// End of input: close every connection.
    Finish {
        last_seq: u64,
    },
}

/// The records of one tick, sorted by key.
pub struct Output {
    pub tick: u64,
    pub records: Vec<(OrderKey, Record)>,
}

/// Processes work until told to finish; returns the shard's counters.
pub fn run(cfg: FlowConfig, input: Receiver<Work>, output: Sender<Output>) -> FlowCounters {
    let mut table = FlowTable::new(cfg);
    let mut em = Emitter::default();
    let mut tick = 0;
    while let Ok(work) = input.recv() {
        match work {
            Work::Batch(batch) => {
                tick = batch.tick;
                for p in &batch.packets {
                    em.at_packet(p.seq);
                    table.packet(p.seq, p.ts, &p.decoded, batch.payload(p), &mut em);
                }
                em.at_sweep(batch.last_seq);
                table.sweep(batch.now, &mut em);
                let mut records = em.take();
                records.sort_by_key(|r| r.0);
                if output.send(Output { tick, records }).is_err() {
                    return table.counters();
                }
            }
            Work::Finish { last_seq } => {
                em.at_sweep(last_seq.saturating_add(1));
                table.finish(&mut em);
                let mut records = em.take();
                records.sort_by_key(|r| r.0);
                let _ = output.send(Output {
                    tick: tick + 1,
                    records,
                });
                return table.counters();
            }
        }
    }
    table.counters()
}
