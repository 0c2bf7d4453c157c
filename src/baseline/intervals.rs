//! The distribution of a request's inter-arrival times (its polling
//! period), as an HDR histogram of milliseconds. Saved as the recorded
//! (value, count) pairs, so the file stays readable JSON and merging two
//! distributions is adding their counts.

use hdrhistogram::Histogram;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest interval recorded: a week, in milliseconds (longer ones are
/// clamped; a link silent that long is an alert of its own).
pub const MAX_MS: u64 = 7 * 24 * 3600 * 1000;

#[derive(Clone, Debug)]
pub struct Intervals(Histogram<u64>);

impl Default for Intervals {
    fn default() -> Self {
        Intervals(Histogram::new_with_bounds(1, MAX_MS, 2).expect("valid histogram bounds"))
    }
}

impl PartialEq for Intervals {
    fn eq(&self, other: &Self) -> bool {
        self.pairs() == other.pairs()
    }
}

impl Intervals {
    /// Records one interval in milliseconds (clamped to 1 ms .. a week).
    pub fn record(&mut self, ms: u64) {
        let _ = self.0.record(ms.clamp(1, MAX_MS));
    }

    pub fn len(&self) -> u64 {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The shortest interval (as `quantile(0.0)`, without the scan).
    pub fn min(&self) -> u64 {
        self.0.min()
    }

    /// The longest interval (as `quantile(1.0)`, without the scan).
    pub fn max(&self) -> u64 {
        self.0.max()
    }

    /// The interval at quantile `q` (0..=1), in milliseconds.
    pub fn quantile(&self, q: f64) -> u64 {
        self.0.value_at_quantile(q)
    }

    pub fn add(&mut self, o: &Intervals) {
        let _ = self.0.add(&o.0);
    }

    fn pairs(&self) -> Vec<(u64, u64)> {
        self.0
            .iter_recorded()
            .map(|v| {
                (
                    self.0.highest_equivalent(v.value_iterated_to()),
                    v.count_at_value(),
                )
            })
            .collect()
    }
}

impl Serialize for Intervals {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.pairs().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Intervals {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(u64, u64)>::deserialize(d)?;
        let mut h = Intervals::default();
        for (v, n) in pairs {
            h.0.record_n(v.clamp(1, MAX_MS), n)
                .map_err(|e| serde::de::Error::custom(format!("interval {v}: {e:?}")))?;
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_and_max_are_the_end_quantiles() {
        let mut i = Intervals::default();
        for ms in [3u64, 1000, 1003, 250, 77_000, 5] {
            i.record(ms);
        }
        assert_eq!(i.min(), i.quantile(0.0));
        assert_eq!(i.max(), i.quantile(1.0));
    }

    #[test]
    fn quantiles_survive_a_round_trip() {
        let mut h = Intervals::default();
        for ms in [1000, 1000, 1010, 990, 1000, 5000] {
            h.record(ms);
        }
        let json = serde_json::to_string(&h).unwrap();
        let back: Intervals = serde_json::from_str(&json).unwrap();
        assert_eq!(back, h);
        assert_eq!(back.len(), 6);
        assert!((980..=1020).contains(&back.quantile(0.5)));
    }
}
