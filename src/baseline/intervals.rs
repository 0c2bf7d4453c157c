//! The distribution of a request's inter-arrival times (its polling
//! period), as an HDR histogram of milliseconds. Saved as the recorded
//! (value, count) pairs, so the file stays readable JSON and merging two
//! distributions is adding their counts.

use hdrhistogram::Histogram;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest interval recorded: a week, in milliseconds (longer ones are
/// clamped; a link silent that long is an alert of its own).
pub const MAX_MS: u64 = 7 * 24 * 3600 * 1000;

/// Empty until the first interval, so a function seen once (one request
/// of a scan) costs nothing; then an auto-resizing histogram whose counts
/// grow only up to the longest interval recorded (about 5 KB for a 2 s
/// poll, 25 KB at the one-week clamp) instead of a fixed 25 KB each.
#[derive(Clone, Debug, Default)]
pub struct Intervals(Option<Box<Histogram<u64>>>);

impl PartialEq for Intervals {
    fn eq(&self, other: &Self) -> bool {
        self.pairs() == other.pairs()
    }
}

impl Intervals {
    /// The histogram, made on first use (two significant digits, from
    /// 1 ms; the highest trackable value follows what is recorded).
    fn hist(&mut self) -> Option<&mut Histogram<u64>> {
        if self.0.is_none() {
            self.0 = Histogram::new(2).ok().map(Box::new);
        }
        self.0.as_deref_mut()
    }

    /// Records one interval in milliseconds (clamped to 1 ms .. a week).
    pub fn record(&mut self, ms: u64) {
        if let Some(h) = self.hist() {
            let _ = h.record(ms.clamp(1, MAX_MS));
        }
    }

    pub fn len(&self) -> u64 {
        self.0.as_ref().map_or(0, |h| h.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The shortest interval (as `quantile(0.0)`, without the scan).
    pub fn min(&self) -> u64 {
        self.0.as_ref().map_or(0, |h| h.min())
    }

    /// The longest interval (as `quantile(1.0)`, without the scan).
    pub fn max(&self) -> u64 {
        self.0.as_ref().map_or(0, |h| h.max())
    }

    /// The interval at quantile `q` (0..=1), in milliseconds.
    pub fn quantile(&self, q: f64) -> u64 {
        self.0.as_ref().map_or(0, |h| h.value_at_quantile(q))
    }

    pub fn add(&mut self, o: &Intervals) {
        if let Some(other) = o.0.as_deref().filter(|h| !h.is_empty()) {
            if let Some(h) = self.hist() {
                let _ = h.add(other);
            }
        }
    }

    /// The histogram's memory: counts held, 8 bytes each.
    pub fn counts_len(&self) -> usize {
        self.0.as_ref().map_or(0, |h| h.distinct_values())
    }

    fn pairs(&self) -> Vec<(u64, u64)> {
        let Some(h) = self.0.as_deref() else {
            return Vec::new();
        };
        h.iter_recorded()
            .map(|v| {
                (
                    h.highest_equivalent(v.value_iterated_to()),
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
            if let Some(hist) = h.hist() {
                hist.record_n(v.clamp(1, MAX_MS), n)
                    .map_err(|e| serde::de::Error::custom(format!("interval {v}: {e:?}")))?;
            }
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
    fn empty_until_recorded_and_sized_by_what_is_recorded() {
        let mut i = Intervals::default();
        assert!(i.0.is_none(), "no histogram before the first interval");
        assert_eq!((i.len(), i.min(), i.max(), i.quantile(0.5)), (0, 0, 0, 0));
        assert_eq!(serde_json::to_string(&i).unwrap(), "[]");
        i.record(2000);
        let poll = i.counts_len();
        i.record(MAX_MS);
        let week = i.counts_len();
        // A 2 s poll needs a fifth of the counts a week-long interval does.
        assert!(poll * 4 < week, "{poll} vs {week} counts");
        // The same buckets as a fixed-size histogram of the same precision.
        let mut fixed = Histogram::<u64>::new_with_bounds(1, MAX_MS, 2).unwrap();
        fixed.record(2000).unwrap();
        fixed.record(MAX_MS).unwrap();
        assert_eq!(i.min(), fixed.min());
        assert_eq!(i.max(), fixed.max());
        assert_eq!(i.quantile(0.5), fixed.value_at_quantile(0.5));
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
