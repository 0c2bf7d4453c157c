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

/// A time a person reads: ISO 8601 in UTC to the second
/// (`2026-12-07T01:15:00Z`).
pub fn iso8601(ts: Ts) -> String {
    let secs = ts.0.div_euclid(1_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_are_utc() {
        assert_eq!(iso8601(Ts(1_381_967_744_663_686)), "2013-10-16T23:55:44Z");
        assert_eq!(iso8601(Ts(0)), "1970-01-01T00:00:00Z");
    }

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
