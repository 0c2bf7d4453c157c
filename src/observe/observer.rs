//! The consumer of the merged record stream: feeds every observation to
//! the inventory, to the baseline being learned, and to the deviation
//! detector, and hands the detector's notices back to be written.

use super::observations;
use crate::baseline::{Baseline, DetectConfig, Detector, Learner};
use crate::inventory::{Inventory, RoleConfig};
use crate::notice::Notice;
use crate::record::Record;
use crate::time::Ts;

/// What a run learns and checks besides its logs.
#[derive(Clone, Debug, Default)]
pub struct ObserveConfig {
    /// Learn a baseline (returned by the run).
    pub learn: bool,
    /// Detect deviations from this baseline.
    pub baseline: Option<Baseline>,
    pub detect: DetectConfig,
    pub roles: RoleConfig,
}

pub struct Observer {
    pub inventory: Inventory,
    learner: Option<Learner>,
    detector: Option<Detector>,
    pub roles: RoleConfig,
}

/// What remains when the input ends.
pub struct Observed {
    pub inventory: Inventory,
    pub baseline: Option<Baseline>,
    pub roles: RoleConfig,
    /// Edges and functions not learned because of the caps.
    pub edges_dropped: u64,
}

impl Observer {
    pub fn new(cfg: &ObserveConfig) -> Observer {
        Observer {
            inventory: Inventory::default(),
            learner: cfg.learn.then(Learner::default),
            detector: cfg.baseline.clone().map(|b| Detector::new(b, cfg.detect)),
            roles: cfg.roles,
        }
    }

    /// Reads one record; deviations go to `alerts`.
    pub fn record(&mut self, rec: &Record, alerts: &mut Vec<Notice>) {
        for o in observations(rec) {
            if let Some(d) = self.detector.as_mut() {
                d.check(&o, alerts);
            }
            self.inventory.apply(&o);
            if let Some(l) = self.learner.as_mut() {
                l.apply(&o);
            }
        }
    }

    /// The end of the input at `last`: the last deviations (silent edges).
    pub fn finish(mut self, last: Ts, alerts: &mut Vec<Notice>) -> Observed {
        if let Some(d) = self.detector.as_mut() {
            d.finish(last, alerts);
        }
        let (baseline, edges_dropped) = match self.learner {
            Some(l) => {
                let dropped = l.dropped;
                (Some(l.finish(&self.inventory)), dropped)
            }
            None => (None, 0),
        };
        Observed {
            inventory: self.inventory,
            baseline,
            roles: self.roles,
            edges_dropped,
        }
    }
}
