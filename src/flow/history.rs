//! Zeek's connection `history` string: one letter per event kind and
//! direction (upper case for the originator's current role). Most letters
//! are recorded once per direction; S/H, F and R again when they come with
//! a new sequence number; the scaled ones (bad checksum C, retransmission T,
//! zero window W, gap G) at the 1st, 10th, 100th, ... occurrence.

use super::key::Dir;

/// Longest history kept. Zeek has no limit; a hostile peer repeating FINs or
/// RSTs with new sequence numbers would grow the string without end.
pub const HISTORY_CAP: usize = 256;

/// The packets whose letter repeats when their sequence number changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    Syn,
    Fin,
    Rst,
}

/// The scaled letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scaled {
    Checksum,
    Retransmit,
    ZeroWindow,
    Gap,
}

#[derive(Clone, Debug, Default)]
pub struct History {
    letters: String,
    /// Seen bit per (direction slot, letter); S and H share one bit. Zeek does
    /// not swap these on a role flip, and neither do we.
    seen: u64,
    last_flag_seq: [[Option<u64>; 3]; 2],
    counts: [[(u64, u64); 4]; 2],
}

fn bit(dir: Dir, upper: u8) -> u64 {
    let upper = if upper == b'H' { b'S' } else { upper };
    let i = u64::from(upper.wrapping_sub(b'A') % 26);
    // The responder's bits are the upper word (`i` < 32).
    1 << (i | if dir == Dir::Orig { 0 } else { 32 })
}

fn letter(dir: Dir, upper: u8) -> char {
    match dir {
        Dir::Orig => upper as char,
        Dir::Resp => upper.to_ascii_lowercase() as char,
    }
}

impl History {
    pub fn as_str(&self) -> &str {
        &self.letters
    }

    fn push(&mut self, c: char) {
        if self.letters.len() < HISTORY_CAP {
            self.letters.push(c);
        }
    }

    /// Records `upper` (the originator's form of the letter) once per direction.
    pub fn once(&mut self, dir: Dir, upper: u8) {
        let b = bit(dir, upper);
        if self.seen & b == 0 {
            self.seen |= b;
            self.push(letter(dir, upper));
        }
    }

    /// Records the letter of a SYN, FIN or RST: the first time, and again
    /// whenever its sequence number differs from the previous one.
    pub fn flag(&mut self, dir: Dir, kind: Flag, upper: u8, rel_seq: u64) {
        let Some(slot) = self
            .last_flag_seq
            .get_mut(dir.idx())
            .and_then(|d| d.get_mut(kind as usize))
        else {
            return;
        };
        let b = bit(dir, upper);
        let first = self.seen & b == 0;
        let repeat = first || *slot != Some(rel_seq);
        *slot = Some(rel_seq);
        if repeat {
            self.seen |= b;
            self.push(letter(dir, upper));
        }
    }

    /// Records a scaled letter at the 1st, 10th, 100th, ... occurrence.
    pub fn scaled(&mut self, dir: Dir, kind: Scaled) {
        let upper = match kind {
            Scaled::Checksum => b'C',
            Scaled::Retransmit => b'T',
            Scaled::ZeroWindow => b'W',
            Scaled::Gap => b'G',
        };
        let Some((count, threshold)) = self
            .counts
            .get_mut(dir.idx())
            .and_then(|d| d.get_mut(kind as usize))
        else {
            return;
        };
        *count = count.saturating_add(1);
        if *threshold == 0 {
            *threshold = 1;
        }
        if *count == *threshold {
            *threshold = threshold.saturating_mul(10);
            self.push(letter(dir, upper));
        }
    }

    /// Marks a role flip ('^').
    pub fn flipped(&mut self) {
        self.push('^');
    }

    /// True when the history is exactly "H": the connection began with a
    /// SYN-ACK that was not flipped at creation.
    pub fn is_lone_syn_ack(&self) -> bool {
        self.letters == "H"
    }

    /// Zeek's late flip of such a connection: the history becomes "^h".
    pub fn flip_lone_syn_ack(&mut self) {
        self.letters.clear();
        self.letters.push_str("^h");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_once_per_direction() {
        let mut h = History::default();
        h.flag(Dir::Orig, Flag::Syn, b'S', 0);
        h.flag(Dir::Resp, Flag::Syn, b'H', 0);
        h.once(Dir::Orig, b'A');
        h.once(Dir::Orig, b'A');
        h.once(Dir::Orig, b'D');
        h.once(Dir::Resp, b'D');
        h.once(Dir::Orig, b'D');
        assert_eq!(h.as_str(), "ShADd");
    }

    #[test]
    fn flags_repeat_only_with_a_new_sequence_number() {
        let mut h = History::default();
        h.flag(Dir::Orig, Flag::Syn, b'S', 0);
        h.flag(Dir::Orig, Flag::Syn, b'S', 0);
        assert_eq!(h.as_str(), "S");
        h.flag(Dir::Orig, Flag::Syn, b'S', 77);
        assert_eq!(h.as_str(), "SS");
    }

    #[test]
    fn scaled_letters_at_powers_of_ten() {
        let mut h = History::default();
        for _ in 0..100 {
            h.scaled(Dir::Orig, Scaled::Retransmit);
        }
        h.scaled(Dir::Resp, Scaled::ZeroWindow);
        assert_eq!(h.as_str(), "TTTw");
    }

    #[test]
    fn history_is_capped() {
        let mut h = History::default();
        for i in 0..10_000u64 {
            h.flag(Dir::Orig, Flag::Fin, b'F', i);
        }
        assert_eq!(h.as_str().len(), HISTORY_CAP);
    }

    #[test]
    fn lone_syn_ack_flip() {
        let mut h = History::default();
        h.flag(Dir::Orig, Flag::Syn, b'H', 0);
        assert!(h.is_lone_syn_ack());
        h.flip_lone_syn_ack();
        h.once(Dir::Orig, b'A');
        assert_eq!(h.as_str(), "^hA");
    }
}
