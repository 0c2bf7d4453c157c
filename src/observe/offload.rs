//! The flag between a reader of the merged stream (the deviation
//! detector, the rule engine) and the checks it hands the workers: set
//! when it hands them out, cleared when the reader is replaced (a reload,
//! the end of `--learn-for`), after which the workers stop running them
//! and the new reader, which handed none out, checks by itself.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct Offload(Arc<AtomicBool>);

impl Offload {
    /// The workers' side of the flag, which is now set.
    pub fn hand_out(&self) -> Offload {
        self.0.store(true, Ordering::Relaxed);
        self.clone()
    }

    /// Whether the workers' checks are in use.
    pub fn on(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The reader is replaced: its workers' checks are no longer used.
    pub fn retire(&self) {
        self.0.store(false, Ordering::Relaxed);
    }
}
