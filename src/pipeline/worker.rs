//! A worker owns some of the virtual shards of the flow table (shard
//! number modulo the worker count): no locks on the hot path.

use super::batch::Batch;
use crate::baseline::{Learner, RequestFacts};
use crate::event::{Emitter, Event, OrderKey};
use crate::flow::{FlowConfig, FlowCounters, FlowTable, VIRTUAL_SHARDS};
use crate::observe::WorkerChecks;
use crate::output::RowCache;
use crate::time::Ts;
use crossbeam_channel::{Receiver, Sender};

/// What a worker is told to do next.
pub enum Work {
    Batch(Batch),
    /// End of input: close every connection.
    Finish {
        last_seq: u64,
    },
}

/// The records of one tick, sorted by key, with their JSON log lines when
/// the worker rendered them (formatting is most of a log row's cost, and
/// workers run in parallel while the merge thread is one).
pub struct Output {
    pub tick: u64,
    pub records: Vec<(OrderKey, Event)>,
    /// The rendered lines of the tick, one after the other (one
    /// allocation per tick, not per row).
    pub text: String,
    /// Empty, or the rendered rows: per row its log and the end of its
    /// line in `text`, in record order...
    pub lines: Vec<(&'static str, u32)>,
    /// ... and per record how many of them it made.
    pub rows: Vec<u32>,
    /// The latest time of a record with rendered rows: the merge thread's
    /// clock for rotation, without reading every record again.
    pub latest: Option<Ts>,
    /// A worker's connection counters so far (none from the capture
    /// thread): a live run's periodic stats rows report them.
    pub flows: Option<FlowCounters>,
    /// More outputs of this tick follow, each sorted after this one (the
    /// end of the input comes in parts, so that every open connection's
    /// record and line are not held at once).
    pub more: bool,
    /// Empty, or what the per-edge checks of the baseline found: per
    /// request of the records, in order...
    pub facts: Vec<RequestFacts>,
    /// ... and per record how many requests it carried.
    pub checked: Vec<u32>,
    /// Empty, or the rules that matched each check of the records
    /// ([`crate::rules::RuleChecks::event`])...
    pub rule_hits: Vec<u32>,
    /// ... and per record how many numbers of them are its.
    pub ruled: Vec<u32>,
}

/// Open connections closed, logged and sent per part at the end of the
/// input.
const FINAL_PART: usize = 512;

impl Output {
    /// The output of a source that renders nothing.
    pub fn unrendered(tick: u64, records: Vec<(OrderKey, Event)>) -> Output {
        Output {
            tick,
            records,
            text: String::new(),
            lines: Vec::new(),
            rows: Vec::new(),
            latest: None,
            flows: None,
            more: false,
            facts: Vec::new(),
            checked: Vec::new(),
            rule_hits: Vec::new(),
            ruled: Vec::new(),
        }
    }
}

/// What `f` appends to `items` for each of `records`, and per record
/// how many (`counts`): the layout of an output's rendered lines and of
/// what its checks found.
fn per_record<T>(
    records: &[(OrderKey, Event)],
    items: &mut Vec<T>,
    counts: &mut Vec<u32>,
    mut f: impl FnMut(&Event, &mut Vec<T>),
) {
    counts.reserve(records.len());
    for (_, e) in records {
        let before = items.len();
        f(e, items);
        counts.push(u32::try_from(items.len() - before).unwrap_or(u32::MAX));
    }
}

/// The checks of `o`'s records, into its buffers: the baseline's per-edge
/// checks of every request and the rules that match (the merge thread's
/// detector and rule engine then only gather them), and the worker's
/// share of a baseline being learned.
fn check(o: &mut Output, checks: &mut WorkerChecks) {
    let Output {
        records,
        facts,
        checked,
        rule_hits,
        ruled,
        ..
    } = o;
    if let Some(edges) = checks.edges.as_mut().filter(|c| c.wanted()) {
        per_record(records, facts, checked, |e, facts| {
            crate::observe::requests(e, &mut |r| {
                let mut f = RequestFacts::default();
                edges.request(r, &mut f);
                facts.push(f);
            });
        });
    }
    if let Some(l) = checks.learner.as_mut() {
        for (_, e) in records.iter() {
            WorkerChecks::learn(l, e);
        }
    }
    if let Some(rules) = checks.rules.as_ref().filter(|c| c.wanted()) {
        per_record(records, rule_hits, ruled, |e, hits| rules.event(e, hits));
    }
}

/// The JSON line of every log row of `o`'s records, into its buffers.
fn render(o: &mut Output, cache: &mut RowCache) {
    let Output {
        records,
        text,
        lines,
        rows,
        latest,
        ..
    } = o;
    text.reserve(records.len() * 512);
    lines.reserve(records.len());
    per_record(records, lines, rows, |r, lines| {
        let before = lines.len();
        crate::logs::rows(r, &mut |row| {
            crate::output::json_line_into(row, text, Some(cache));
            lines.push((row.path(), u32::try_from(text.len()).unwrap_or(u32::MAX)));
        });
        if lines.len() > before {
            *latest = (*latest).max(Some(r.ts()));
        }
    });
}

/// The counters of every shard table so far.
fn totals(tables: &[Option<FlowTable>]) -> FlowCounters {
    let mut c = FlowCounters::default();
    for t in tables.iter().flatten() {
        c.add(&t.counters());
    }
    c
}

/// The output of a tick: the emitter's records, sorted and (`json`)
/// rendered, in an output the merge thread handed back (`back`) when there
/// is one: its records, which the merge thread read, are freed here, where
/// they were made (the emitter keeps their boxes for the next ones), its
/// buffers are used again, and its records vector is the one the emitter
/// fills next.
fn output(
    tick: u64,
    em: &mut Emitter,
    json: bool,
    flows: FlowCounters,
    cache: &mut RowCache,
    checks: &mut WorkerChecks,
    back: Option<Output>,
) -> Output {
    let mut o = back.unwrap_or_else(|| Output::unrendered(tick, Vec::new()));
    em.recycle(&mut o.records);
    o.text.clear();
    o.lines.clear();
    o.rows.clear();
    o.latest = None;
    o.facts.clear();
    o.checked.clear();
    o.rule_hits.clear();
    o.ruled.clear();
    let spare = std::mem::take(&mut o.records);
    o.records = std::mem::replace(&mut em.records, spare);
    o.records.sort_by_key(|r| r.0);
    o.tick = tick;
    o.flows = Some(flows);
    o.more = false;
    if json {
        render(&mut o, cache);
    }
    check(&mut o, checks);
    o
}

/// Processes work until told to finish; returns the shards' counters and
/// what the worker learned of the baseline, when it learned.
/// `back` brings back the outputs the merge thread is done with.
pub fn run(
    cfg: FlowConfig,
    json: bool,
    mut checks: WorkerChecks,
    input: Receiver<Work>,
    out: Sender<Output>,
    spare: Sender<Batch>,
    back: Receiver<Output>,
) -> (FlowCounters, Option<Learner>) {
    let shard_cfg = cfg.per_shard(VIRTUAL_SHARDS);
    let mut tables: Vec<Option<FlowTable>> = (0..VIRTUAL_SHARDS).map(|_| None).collect();
    let mut em = Emitter::default();
    // The rendered uid and endpoints of recent connections, reused row
    // after row.
    let mut cache = RowCache::default();
    let mut tick = 0;
    while let Ok(work) = input.recv() {
        match work {
            Work::Batch(batch) => {
                tick = batch.tick;
                for p in &batch.packets {
                    em.at_packet(p.seq);
                    let table = tables[usize::from(p.shard) % VIRTUAL_SHARDS]
                        .get_or_insert_with(|| FlowTable::new(shard_cfg.clone()));
                    table.packet_keyed(
                        (p.seq, p.ts, p.now),
                        (p.key, p.side),
                        &p.decoded,
                        batch.payload(p),
                        &mut em,
                    );
                }
                em.at_sweep(batch.last_seq);
                for t in tables.iter_mut().flatten() {
                    t.sweep(batch.now, &mut em);
                }
                // Handed back for reuse; freed here if the pool is full.
                let _ = spare.try_send(batch);
                let flows = totals(&tables);
                let o = output(
                    tick,
                    &mut em,
                    json,
                    flows,
                    &mut cache,
                    &mut checks,
                    back.try_recv().ok(),
                );
                if out.send(o).is_err() {
                    break;
                }
            }
            Work::Finish { last_seq } => {
                em.at_sweep(last_seq.saturating_add(1));
                // Every open connection is logged, in the order of its
                // first packet (the records' order), a part at a time.
                let mut open: Vec<(u64, usize, u32)> = Vec::new();
                for (i, t) in tables.iter().enumerate() {
                    if let Some(t) = t {
                        open.extend(t.open().map(|(first, slot)| (first, i, slot)));
                    }
                }
                open.sort_unstable();
                for part in open.chunks(FINAL_PART) {
                    for &(_, shard, slot) in part {
                        if let Some(Some(t)) = tables.get_mut(shard) {
                            t.close(slot, &mut em);
                        }
                    }
                    let flows = totals(&tables);
                    let mut o = output(
                        tick + 1,
                        &mut em,
                        json,
                        flows,
                        &mut cache,
                        &mut checks,
                        back.try_recv().ok(),
                    );
                    o.more = true;
                    if out.send(o).is_err() {
                        break;
                    }
                }
                drop(open);
                let counters = totals(&tables);
                tables.clear();
                let last = output(
                    tick + 1,
                    &mut em,
                    json,
                    counters.clone(),
                    &mut cache,
                    &mut checks,
                    None,
                );
                let _ = out.send(last);
                return (counters, checks.learner);
            }
        }
    }
    (totals(&tables), checks.learner)
}
