//! Packet time. Timestamps are kept as integer microseconds since the Unix
//! epoch, the precision Zeek logs with, so that arithmetic and formatting are
//! exact and identical on every run.

use std::fmt;

/// A point in time, in microseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ts(pub i64);

/// A span of time, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Micros(pub i64);

impl Ts {
    /// The wall clock (live capture only: offline runs use packet time).
    pub fn now() -> Ts {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Ts(d.as_micros() as i64)
    }

    /// The latest time a packet may carry: the end of year 9999. Capture
    /// times are clamped to [-LATEST, LATEST], so adding any interval of
    /// the analysis (days, at most years) to a packet time cannot overflow.
    pub const LATEST: Ts = Ts(253_402_300_799_999_999);

    /// A capture timestamp, clamped to ±[`Ts::LATEST`] (a pcapng block
    /// can say nearly anything; the run counts what was clamped).
    pub fn from_timeval(sec: i64, usec: i64) -> Ts {
        let us = sec.saturating_mul(1_000_000).saturating_add(usec);
        Ts(us.clamp(-Ts::LATEST.0, Ts::LATEST.0))
    }

    /// Whether this time was clamped by [`Ts::from_timeval`].
    pub fn out_of_range(self) -> bool {
        self.0.unsigned_abs() >= Ts::LATEST.0.unsigned_abs()
    }

    /// Time elapsed since `earlier` (negative when the clock went backwards).
    pub fn since(self, earlier: Ts) -> Micros {
        Micros(self.0.saturating_sub(earlier.0))
    }

    pub fn plus(self, d: Micros) -> Ts {
        Ts(self.0.saturating_add(d.0))
    }

    /// Seconds as a float, for JSON output (printed in shortest round-trip form).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
}

impl Micros {
    pub const fn from_secs(s: i64) -> Micros {
        Micros(s.saturating_mul(1_000_000))
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
}

/// Zeek's TSV rendering of `time` and `interval`: seconds with exactly six decimals.
pub struct SixDecimals(pub i64);

impl fmt::Display for SixDecimals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        let sign = if v < 0 { "-" } else { "" };
        let a = v.unsigned_abs();
        write!(f, "{sign}{}.{:06}", a / 1_000_000, a % 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_decimals_are_exact() {
        assert_eq!(
            SixDecimals(1_595_660_608_237_857).to_string(),
            "1595660608.237857"
        );
        assert_eq!(SixDecimals(6_324).to_string(), "0.006324");
        assert_eq!(SixDecimals(0).to_string(), "0.000000");
        assert_eq!(SixDecimals(-1_500_000).to_string(), "-1.500000");
    }

    #[test]
    fn timeval_conversion_and_spans() {
        let a = Ts::from_timeval(10, 5);
        let b = Ts::from_timeval(12, 1);
        assert_eq!(b.since(a), Micros(1_999_996));
        assert_eq!(a.plus(Micros::from_secs(2)), Ts(12_000_005));
        assert_eq!(Ts(1_224_804_548_739_740).as_secs_f64(), 1224804548.73974);
    }
}
