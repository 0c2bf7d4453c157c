//! Cutting events into PutLogEvents batches within every limit of the API
//! (which test servers do not enforce, so the invariants are tested here):
//! at most 10,000 events and 1,048,576 bytes per batch counting 26 bytes
//! per event, events in chronological order, a batch spanning at most 24
//! hours, and no event over 256 KiB (longer ones are split, each part
//! marked, never dropped).

/// Events per batch.
pub const MAX_EVENTS: usize = 10_000;
/// Bytes per batch, messages plus [`OVERHEAD`] per event.
pub const MAX_BATCH_BYTES: usize = 1_048_576;
/// What CloudWatch counts for each event besides its message.
pub const OVERHEAD: usize = 26;
/// Largest message of one event (256 KiB minus the overhead).
pub const MAX_EVENT_BYTES: usize = 262_144 - OVERHEAD;
/// Widest time span of one batch.
pub const MAX_SPAN_MS: i64 = 24 * 3600 * 1000;

/// One event: CloudWatch timestamp (ms) and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEvent {
    pub ts_ms: i64,
    pub message: String,
}

/// A message longer than [`MAX_EVENT_BYTES`] as several events, each
/// prefixed `[otwatch part i/n] ` (cut at character boundaries).
pub fn split(ts_ms: i64, message: &str) -> Vec<LogEvent> {
    if message.len() <= MAX_EVENT_BYTES {
        return vec![LogEvent {
            ts_ms,
            message: message.to_string(),
        }];
    }
    let room = MAX_EVENT_BYTES - 32;
    let mut parts = Vec::new();
    let mut rest = message;
    while !rest.is_empty() {
        let mut cut = room.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        parts.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| LogEvent {
            ts_ms,
            message: format!("[otwatch part {}/{n}] {p}", i + 1),
        })
        .collect()
}

/// The next batch from the front of `events` (sorted by time); returns
/// how many events it takes (at least one when `events` is not empty).
pub fn next_batch(events: &[LogEvent]) -> usize {
    let mut bytes = 0;
    let Some(first) = events.first() else {
        return 0;
    };
    for (i, e) in events.iter().enumerate() {
        let size = e.message.len() + OVERHEAD;
        if i == MAX_EVENTS
            || bytes + size > MAX_BATCH_BYTES
            || e.ts_ms - first.ts_ms > MAX_SPAN_MS
            || e.ts_ms < events[i.saturating_sub(1)].ts_ms
        {
            return i.max(1);
        }
        bytes += size;
    }
    events.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(batch: &[LogEvent]) {
        assert!(!batch.is_empty() && batch.len() <= MAX_EVENTS);
        let bytes: usize = batch.iter().map(|e| e.message.len() + OVERHEAD).sum();
        assert!(bytes <= MAX_BATCH_BYTES, "{bytes} bytes");
        assert!(
            batch.windows(2).all(|w| w[0].ts_ms <= w[1].ts_ms),
            "chronological"
        );
        assert!(batch.last().unwrap().ts_ms - batch[0].ts_ms <= MAX_SPAN_MS);
        assert!(batch.iter().all(|e| e.message.len() <= MAX_EVENT_BYTES));
    }

    proptest! {
        #[test]
        fn every_batch_keeps_every_limit(
            sizes in proptest::collection::vec((0usize..300_000, 0i64..20_000_000), 1..60),
            many in 0usize..25_000,
        ) {
            let mut ts = 0;
            let mut events = Vec::new();
            for (size, gap) in sizes {
                ts += gap * 10;
                events.extend(split(ts, &"x".repeat(size)));
            }
            for _ in 0..many {
                events.push(LogEvent { ts_ms: ts, message: "y".into() });
            }
            let total = events.len();
            let mut rest = &events[..];
            let mut sent = 0;
            while !rest.is_empty() {
                let n = next_batch(rest);
                check(&rest[..n]);
                sent += n;
                rest = &rest[n..];
            }
            prop_assert_eq!(sent, total, "nothing dropped");
        }
    }

    #[test]
    fn long_messages_are_split_and_marked() {
        let m = "é".repeat(200_000);
        let parts = split(5, &m);
        assert_eq!(parts.len(), 2);
        assert!(parts[0].message.starts_with("[otwatch part 1/2] "));
        let back: String = parts
            .iter()
            .map(|p| p.message.split_once("] ").unwrap().1)
            .collect();
        assert_eq!(back, m, "nothing lost");
        assert_eq!(split(5, "short").len(), 1);
    }

    #[test]
    fn limits_cut_batches() {
        let e = |ts, n: usize| LogEvent {
            ts_ms: ts,
            message: "a".repeat(n),
        };
        assert_eq!(next_batch(&vec![e(0, 1); 20_000]), MAX_EVENTS);
        assert_eq!(next_batch(&vec![e(0, 200_000); 10]), 5);
        assert_eq!(next_batch(&[e(0, 1), e(MAX_SPAN_MS + 1, 1)]), 1);
        assert_eq!(next_batch(&[]), 0);
    }
}
