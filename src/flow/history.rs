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

/// The letters, inline while they fit (nearly every connection's do): a
/// history costs no allocation of its own.
#[derive(Clone, Debug)]
enum Letters {
    Inline { len: u8, buf: [u8; INLINE] },
    Spilled(String),
}

/// Letters kept inline: 14 and a length fit beside a `String`'s niche, so
/// the enum is a `String`'s 24 bytes (most histories, like `ShADadFf`, fit).
const INLINE: usize = 14;

impl Default for Letters {
    fn default() -> Letters {
        Letters::Inline {
            len: 0,
            buf: [0; INLINE],
        }
    }
}

impl Letters {
    fn as_str(&self) -> &str {
        match self {
            // Only ASCII letters are ever pushed.
            Letters::Inline { len, buf } => buf
                .get(..usize::from(*len))
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default(),
            Letters::Spilled(s) => s,
        }
    }

    /// The letters without the text check `as_str` makes: what every
    /// packet reads (the string itself is only read for the log).
    fn as_bytes(&self) -> &[u8] {
        match self {
            Letters::Inline { len, buf } => buf.get(..usize::from(*len)).unwrap_or_default(),
            Letters::Spilled(s) => s.as_bytes(),
        }
    }

    fn len(&self) -> usize {
        self.as_bytes().len()
    }

    fn push(&mut self, c: u8) {
        if let Letters::Inline { len, buf } = self {
            if let Some(slot) = buf.get_mut(usize::from(*len)) {
                *slot = c;
                *len = len.saturating_add(1);
                return;
            }
            let mut s = String::with_capacity(2 * INLINE);
            s.push_str(self.as_str());
            *self = Letters::Spilled(s);
        }
        if let Letters::Spilled(s) = self {
            s.push(char::from(c));
        }
    }

    fn set(&mut self, text: &str) {
        *self = Letters::default();
        text.bytes().for_each(|c| self.push(c));
    }
}

#[derive(Clone, Debug, Default)]
pub struct History {
    letters: Letters,
    /// Seen bit per (direction slot, letter); S and H share one bit. Zeek does
    /// not swap these on a role flip, and neither do we.
    seen: u64,
    /// The relative sequence number of each direction's last S/H, F and R,
    /// valid where its bit in `flag_set` is (`FLAG_BITS`).
    last_flag_seq: [[u64; 3]; 2],
    flag_set: u8,
    /// Occurrences of each scaled letter per direction; its letter goes in
    /// at 1, 10, 100, ...
    counts: [[u32; 4]; 2],
}

fn bit(dir: Dir, upper: u8) -> u64 {
    let upper = if upper == b'H' { b'S' } else { upper };
    let i = u64::from(upper.wrapping_sub(b'A') % 26);
    // The responder's bits are the upper word (`i` < 32).
    1 << (i | if dir == Dir::Orig { 0 } else { 32 })
}

fn letter(dir: Dir, upper: u8) -> u8 {
    match dir {
        Dir::Orig => upper,
        Dir::Resp => upper.to_ascii_lowercase(),
    }
}

/// The bit of `flag_set` per direction and flag kind.
const FLAG_BITS: [[u8; 3]; 2] = [[1, 2, 4], [8, 16, 32]];

fn is_power_of_ten(n: u32) -> bool {
    std::iter::successors(Some(1u32), |p| p.checked_mul(10)).any(|p| p == n)
}

impl History {
    pub fn as_str(&self) -> &str {
        self.letters.as_str()
    }

    fn push(&mut self, c: u8) {
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
        let set = FLAG_BITS
            .get(dir.idx())
            .and_then(|d| d.get(kind as usize))
            .copied()
            .unwrap_or(0);
        let b = bit(dir, upper);
        let first = self.seen & b == 0;
        let repeat = first || self.flag_set & set == 0 || *slot != rel_seq;
        *slot = rel_seq;
        self.flag_set |= set;
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
        let Some(count) = self
            .counts
            .get_mut(dir.idx())
            .and_then(|d| d.get_mut(kind as usize))
        else {
            return;
        };
        // Saturates past 4e9 occurrences, where the next letter (the
        // 10,000,000,000th) could not come in any real capture anyway.
        *count = count.saturating_add(1);
        if is_power_of_ten(*count) {
            self.push(letter(dir, upper));
        }
    }

    /// Marks a role flip ('^').
    pub fn flipped(&mut self) {
        self.push(b'^');
    }

    /// True when the history is exactly "H": the connection began with a
    /// SYN-ACK that was not flipped at creation.
    pub fn is_lone_syn_ack(&self) -> bool {
        self.letters.as_bytes() == b"H"
    }

    /// Zeek's late flip of such a connection: the history becomes "^h".
    pub fn flip_lone_syn_ack(&mut self) {
        self.letters.set("^h");
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
    fn a_long_history_spills_out_of_line_and_keeps_every_letter() {
        let mut h = History::default();
        let mut want = String::new();
        for seq in 0..40u64 {
            h.flag(Dir::Orig, Flag::Fin, b'F', seq);
            want.push('F');
            assert_eq!(h.as_str(), want);
        }
        assert!(matches!(h.letters, Letters::Spilled(_)));
        assert_eq!(
            std::mem::size_of::<Letters>(),
            std::mem::size_of::<String>()
        );
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
