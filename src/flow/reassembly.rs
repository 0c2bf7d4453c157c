//! TCP reassembly of one direction of a connection, on relative sequence
//! offsets (the endpoint's `relative()` has already handled wrap-around).
//!
//! Invariants:
//! - `pos` is the offset of the next byte to hand on; everything before it
//!   was delivered as data or reported as a gap, exactly once. Offsets start
//!   at 1 (offset 0 is the SYN, real or assumed), as in Zeek.
//! - `pending` holds out-of-order bytes at offsets > `pos`, as
//!   non-overlapping segments; `buffered` is the sum of their lengths plus
//!   [`SEGMENT_OVERHEAD`] per segment (so a flood of 1-byte segments is
//!   charged for the memory it really takes), and never exceeds `cap` when
//!   a call returns.
//! - Overlaps: the first copy of a byte wins; a later copy that differs is
//!   reported (`SegmentOutcome::inconsistent`).
//! - Gaps are declared only when the peer acknowledges bytes we never saw
//!   (capture loss), when the buffer cap forces it, or at the end.

use std::collections::BTreeMap;

/// Bytes charged per buffered segment for its map node and allocation.
pub const SEGMENT_OVERHEAD: usize = 64;

/// Receives the ordered stream of one direction.
pub trait StreamSink {
    fn data(&mut self, bytes: &[u8]);
    /// `len` bytes of the stream were never seen (capture loss, or buffer cap).
    fn gap(&mut self, len: u64);
}

/// What one segment did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SegmentOutcome {
    /// A buffered byte was sent again with different content.
    pub inconsistent: bool,
    /// Bytes skipped because the out-of-order buffer was full.
    pub cap_gap: u64,
}

/// The relative offset of a stream's first byte (the SYN takes offset 0):
/// where a new reassembler's position and trim point stand.
pub const FIRST_OFFSET: u64 = 1;

#[derive(Debug)]
pub struct Reassembler {
    pos: u64,
    /// Everything below this offset was acknowledged and is dropped on arrival.
    trim: u64,
    pending: BTreeMap<u64, Vec<u8>>,
    buffered: usize,
    cap: usize,
    delivered: u64,
}

impl Reassembler {
    pub fn new(cap: usize) -> Reassembler {
        Reassembler {
            pos: FIRST_OFFSET,
            trim: FIRST_OFFSET,
            pending: BTreeMap::new(),
            buffered: 0,
            cap,
            delivered: 0,
        }
    }

    /// Bytes handed on as data.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Bytes waiting in the out-of-order buffer.
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// True while bytes wait behind a hole.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Offset of the next byte to hand on.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Adds a segment's payload that starts at relative offset `rel`.
    pub fn segment(&mut self, rel: u64, data: &[u8], sink: &mut dyn StreamSink) -> SegmentOutcome {
        let mut out = SegmentOutcome::default();
        let floor = self.pos.max(self.trim);
        let end = rel.saturating_add(data.len() as u64);
        if data.is_empty() || end <= floor {
            return out;
        }
        let (start, data) = if rel < floor {
            // Within `data`: it ends past `floor`.
            let seen = floor.saturating_sub(rel) as usize;
            (floor, data.get(seen..).unwrap_or_default())
        } else {
            (rel, data)
        };
        if start == self.pos && self.pending.is_empty() {
            self.deliver(data, sink);
            return out;
        }
        // Slow path: merge into the out-of-order buffer, first copy wins.
        out.inconsistent = self.insert(start, data);
        while self.buffered > self.cap {
            let gap = self.skip_to_first_pending(sink);
            out.cap_gap = out.cap_gap.saturating_add(gap);
        }
        self.drain(sink);
        out
    }

    /// The peer acknowledged everything below `ack`: bytes in between that
    /// never arrived are a gap. Returns the gap bytes declared.
    pub fn acked(&mut self, ack: u64, sink: &mut dyn StreamSink) -> u64 {
        if ack <= self.trim {
            return 0;
        }
        let mut gaps: u64 = 0;
        while ack > self.pos {
            let len = match self.pending.keys().next().copied() {
                Some(k) if k < ack => self.skip_to_first_pending(sink),
                _ => {
                    let len = ack.saturating_sub(self.pos);
                    sink.gap(len);
                    self.pos = ack;
                    len
                }
            };
            gaps = gaps.saturating_add(len);
        }
        self.trim = ack;
        gaps
    }

    /// End of the stream: hands on whatever is buffered, the holes as gaps.
    /// Returns the gap bytes declared.
    pub fn finish(&mut self, sink: &mut dyn StreamSink) -> u64 {
        let mut gaps: u64 = 0;
        while !self.pending.is_empty() {
            gaps = gaps.saturating_add(self.skip_to_first_pending(sink));
        }
        gaps
    }

    fn deliver(&mut self, data: &[u8], sink: &mut dyn StreamSink) {
        sink.data(data);
        self.pos = self.pos.saturating_add(data.len() as u64);
        self.delivered = self.delivered.saturating_add(data.len() as u64);
    }

    /// Declares the hole before the first buffered segment a gap and delivers
    /// the contiguous run that follows it. Returns the gap length.
    fn skip_to_first_pending(&mut self, sink: &mut dyn StreamSink) -> u64 {
        let Some(&k) = self.pending.keys().next() else {
            return 0;
        };
        let len = k.saturating_sub(self.pos);
        if len > 0 {
            sink.gap(len);
            self.pos = k;
        }
        self.drain(sink);
        len
    }

    fn drain(&mut self, sink: &mut dyn StreamSink) {
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() > self.pos {
                break;
            }
            let k = *entry.key();
            let seg = entry.remove();
            self.buffered = self
                .buffered
                .saturating_sub(seg.len().saturating_add(SEGMENT_OVERHEAD));
            let skip = self.pos.saturating_sub(k) as usize;
            if let Some(rest) = seg.get(skip..).filter(|rest| !rest.is_empty()) {
                self.deliver(rest, sink);
            }
        }
    }

    /// Inserts the parts of `data` not yet buffered; true if an overlapping
    /// part differs from the buffered copy.
    fn insert(&mut self, start: u64, data: &[u8]) -> bool {
        let end = start.saturating_add(data.len() as u64);
        let reach = |k: u64, v: &Vec<u8>| k.saturating_add(v.len() as u64);
        let mut inconsistent = false;
        // Buffered segments never overlap each other, so at most one starts
        // before `start` and reaches into the new range.
        let mut overlapping: Vec<(u64, u64)> = Vec::new();
        if let Some((&k, v)) = self.pending.range(..start).next_back() {
            if reach(k, v) > start {
                overlapping.push((k, reach(k, v)));
            }
        }
        overlapping.extend(
            self.pending
                .range(start..end)
                .map(|(&k, v)| (k, reach(k, v))),
        );
        let mut cursor = start;
        let mut pieces: Vec<(u64, u64)> = Vec::new();
        for &(ks, ke) in &overlapping {
            if ks > cursor {
                pieces.push((cursor, ks));
            }
            let (os, oe) = (ks.max(start), ke.min(end));
            if os < oe {
                // [os, oe) lies within both the old segment and `data`.
                if let Some(old) = self.pending.get(&ks) {
                    let in_old = |x: u64| x.saturating_sub(ks) as usize;
                    let in_new = |x: u64| x.saturating_sub(start) as usize;
                    let a = old.get(in_old(os)..in_old(oe));
                    let b = data.get(in_new(os)..in_new(oe));
                    inconsistent |= a != b;
                }
            }
            cursor = cursor.max(ke);
        }
        if cursor < end {
            pieces.push((cursor, end));
        }
        for (s, e) in pieces {
            // Each piece lies within [start, end).
            let at = |x: u64| x.saturating_sub(start) as usize;
            let Some(piece) = data.get(at(s)..at(e)) else {
                continue;
            };
            let charge = piece.len().saturating_add(SEGMENT_OVERHEAD);
            self.buffered = self.buffered.saturating_add(charge);
            self.pending.insert(s, piece.to_vec());
        }
        inconsistent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect {
        bytes: Vec<u8>,
        events: Vec<String>,
    }

    impl StreamSink for Collect {
        fn data(&mut self, b: &[u8]) {
            self.bytes.extend_from_slice(b);
            self.events.push(format!("D{}", b.len()));
        }
        fn gap(&mut self, len: u64) {
            self.events.push(format!("G{len}"));
        }
    }

    #[test]
    fn in_order_segments_pass_straight_through() {
        let mut r = Reassembler::new(1024);
        let mut s = Collect::default();
        assert_eq!(r.segment(1, b"abc", &mut s), SegmentOutcome::default());
        r.segment(4, b"def", &mut s);
        assert_eq!(s.bytes, b"abcdef");
        assert_eq!(r.delivered(), 6);
    }

    #[test]
    fn out_of_order_is_buffered_then_delivered_in_order() {
        let mut r = Reassembler::new(1024);
        let mut s = Collect::default();
        r.segment(4, b"def", &mut s);
        assert!(s.bytes.is_empty());
        assert_eq!(r.buffered(), 3 + SEGMENT_OVERHEAD);
        r.segment(1, b"abc", &mut s);
        assert_eq!(s.bytes, b"abcdef");
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn retransmission_is_not_delivered_twice() {
        let mut r = Reassembler::new(1024);
        let mut s = Collect::default();
        r.segment(1, b"abcd", &mut s);
        r.segment(1, b"abcd", &mut s);
        // Partly new: only the new tail is delivered.
        r.segment(3, b"cdef", &mut s);
        assert_eq!(s.bytes, b"abcdef");
    }

    #[test]
    fn overlap_first_copy_wins_and_differences_are_reported() {
        let mut r = Reassembler::new(1024);
        let mut s = Collect::default();
        r.segment(5, b"EFGH", &mut s);
        let o = r.segment(3, b"cdXXgh", &mut s);
        assert!(o.inconsistent);
        let o = r.segment(5, b"EF", &mut s);
        assert!(!o.inconsistent);
        r.segment(1, b"ab", &mut s);
        assert_eq!(s.bytes, b"abcdEFGH");
    }

    #[test]
    fn ack_above_a_hole_reports_a_gap() {
        let mut r = Reassembler::new(1024);
        let mut s = Collect::default();
        r.segment(1, b"ab", &mut s);
        r.segment(11, b"zz", &mut s);
        assert_eq!(r.acked(13, &mut s), 8);
        assert_eq!(s.events, vec!["D2", "G8", "D2"]);
        // Acked bytes never seen at all are a gap too; old acks change nothing.
        assert_eq!(r.acked(21, &mut s), 8);
        assert_eq!(r.acked(5, &mut s), 0);
        // Data below the acknowledged point is dropped.
        r.segment(15, b"old", &mut s);
        assert_eq!(s.bytes, b"abzz");
    }

    #[test]
    fn buffer_cap_forces_a_gap() {
        let mut r = Reassembler::new(8 + SEGMENT_OVERHEAD);
        let mut s = Collect::default();
        r.segment(11, b"0123", &mut s);
        let o = r.segment(21, b"456789", &mut s);
        assert_eq!(o.cap_gap, 10);
        assert!(r.buffered() <= 8 + SEGMENT_OVERHEAD);
        assert_eq!(s.events[0], "G10");
    }

    #[test]
    fn finish_flushes_with_gaps() {
        let mut r = Reassembler::new(1024);
        let mut s = Collect::default();
        r.segment(6, b"x", &mut s);
        assert_eq!(r.finish(&mut s), 5);
        assert_eq!(s.events, vec!["G5", "D1"]);
    }

    #[test]
    fn one_message_split_and_two_in_one_segment() {
        let mut r = Reassembler::new(1024);
        let mut s = Collect::default();
        r.segment(1, b"hel", &mut s);
        r.segment(4, b"lo|wor", &mut s);
        r.segment(10, b"ld", &mut s);
        assert_eq!(s.bytes, b"hello|world");
    }
}
