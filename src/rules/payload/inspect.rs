//! Suricata's content inspection of one buffer: items in order, a
//! detection pointer, and the retries of a match that a following
//! `within` depends on.

use super::{ByteJump, ByteTest, Content, Extract, IsDataAt, Item, Op, Pcre, RECURSION_LIMIT};

/// The outcome of inspecting from one item on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Match,
    /// No match here; an earlier item may try its next occurrence.
    NoMatch,
    /// No match, and no other occurrence of an earlier item can help.
    Stop,
}

/// Whether `buf` satisfies `items`.
pub fn run(items: &[Item], buf: &[u8]) -> bool {
    let mut budget = RECURSION_LIMIT;
    from(items, buf, 0, &mut budget) == Step::Match
}

fn from(items: &[Item], buf: &[u8], pos: usize, budget: &mut u32) -> Step {
    let Some((item, rest)) = items.split_first() else {
        return Step::Match;
    };
    if *budget == 0 {
        return Step::Stop;
    }
    *budget -= 1;
    match item {
        Item::Content(c) => content(c, rest, buf, pos, budget),
        Item::Pcre(p) => pcre(p, rest, buf, pos, budget),
        Item::ByteTest(t) => match byte_test(t, buf, pos) {
            true => from(rest, buf, pos, budget),
            false => Step::NoMatch,
        },
        Item::ByteJump(j) => match byte_jump(j, buf, pos) {
            Some(to) => from(rest, buf, to, budget),
            None => Step::NoMatch,
        },
        Item::IsDataAt(d) => isdataat(d, rest, buf, pos, budget),
    }
}

/// Whether the next item is placed by `within` from this one's match (the
/// only case where Suricata tries this item's next occurrence).
fn within_next(rest: &[Item]) -> bool {
    matches!(rest.first(), Some(Item::Content(c)) if c.within.is_some())
}

fn content(c: &Content, rest: &[Item], buf: &[u8], pos: usize, budget: &mut u32) -> Step {
    let len = buf.len() as i64;
    let prev = pos as i64;
    let mut retry: i64 = 0;
    loop {
        let (mut start, mut end) = if c.relative() {
            let distance = i64::from(c.distance.unwrap_or(0));
            let start = if distance < 0 && -distance > prev {
                0
            } else {
                prev + distance
            };
            let mut end = len;
            if let Some(w) = c.within {
                end = end.min(prev + i64::from(w) + distance);
            }
            (start.max(i64::from(c.offset)), end)
        } else {
            (
                i64::from(c.offset),
                c.depth.map_or(len, |d| i64::from(c.offset) + i64::from(d)),
            )
        };
        if retry != 0 {
            start = retry;
        }
        end = end.min(len);
        if start > end || end <= 0 {
            return if c.negated {
                from(rest, buf, pos, budget)
            } else {
                Step::NoMatch
            };
        }
        let (s, e) = (start as usize, end as usize);
        let window = buf.get(s..e).unwrap_or_default();
        let found = if c.endswith && e < buf.len() || c.pattern.len() > window.len() {
            None
        } else {
            find(window, &c.pattern, c.nocase).map(|at| s + at)
        };
        let Some(at) = found else {
            if c.negated {
                return from(rest, buf, pos, budget);
            }
            return if c.relative() {
                Step::NoMatch
            } else {
                Step::Stop
            };
        };
        let match_end = at + c.pattern.len();
        if c.negated {
            if c.endswith && window.len() != match_end {
                return from(rest, buf, pos, budget);
            }
            // Suricata gives up at once only on a pattern that stands
            // alone (no placement of its own or of the next item).
            let single = !c.relative()
                && !rest.first().is_some_and(Item::relative)
                && c.offset == 0
                && c.depth.is_none();
            return if !single { Step::NoMatch } else { Step::Stop };
        }
        if !c.endswith || match_end == buf.len() {
            match from(rest, buf, match_end, budget) {
                Step::Match => return Step::Match,
                Step::Stop => return Step::Stop,
                Step::NoMatch if !within_next(rest) => return Step::Stop,
                Step::NoMatch => {}
            }
        }
        if *budget == 0 {
            return Step::Stop;
        }
        *budget -= 1;
        retry = at as i64 + 1;
    }
}

/// The first occurrence of `pat` in `hay`.
fn find(hay: &[u8], pat: &[u8], nocase: bool) -> Option<usize> {
    if !nocase {
        return memchr::memmem::find(hay, pat);
    }
    let first = *pat.first()?;
    let (lo, up) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let last = hay.len().checked_sub(pat.len())?;
    memchr::memchr2_iter(lo, up, hay.get(..=last)?).find(|&i| {
        hay.get(i..i + pat.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(pat))
    })
}

fn pcre(p: &Pcre, rest: &[Item], buf: &[u8], pos: usize, budget: &mut u32) -> Step {
    let base = if p.relative { pos } else { 0 };
    let Some(hay) = buf.get(base..) else {
        return Step::NoMatch;
    };
    let next_relative = rest.first().is_some_and(Item::relative);
    let mut at = 0;
    loop {
        let found = if at <= hay.len() {
            p.re.find_at(hay, at)
        } else {
            None
        };
        match (found, p.negated) {
            (None, false) => return Step::NoMatch,
            (None, true) => return from(rest, buf, pos, budget),
            (Some(_), true) => return Step::NoMatch,
            (Some(m), false) => {
                let r = from(rest, buf, base + m.end(), budget);
                if r != Step::NoMatch || !next_relative {
                    return r;
                }
                if *budget == 0 {
                    return Step::Stop;
                }
                *budget -= 1;
                at = m.start() + 1;
            }
        }
    }
}

fn isdataat(d: &IsDataAt, rest: &[Item], buf: &[u8], pos: usize, budget: &mut u32) -> Step {
    let at = d.at as usize;
    let present = if d.relative {
        pos.saturating_add(at) <= buf.len()
    } else {
        at < buf.len()
    };
    match (present, d.negated) {
        (true, false) | (false, true) => from(rest, buf, pos, budget),
        (true, true) if d.relative => Step::NoMatch,
        _ => Step::Stop,
    }
}

/// The number `x` reads, and where its bytes end; None when they are not
/// all in the buffer or are not a number.
fn extract(x: &Extract, buf: &[u8], pos: usize) -> Option<(u64, usize)> {
    let base = if x.relative { pos as i64 } else { 0 };
    let start = base.checked_add(i64::from(x.offset))?;
    if x.relative && start >= buf.len() as i64 && x.nbytes > 0 {
        return None;
    }
    let start = usize::try_from(start).ok()?;
    let end = start.checked_add(usize::from(x.nbytes))?;
    let bytes = buf.get(start..end)?;
    let mut v: u64 = match x.base {
        Some(radix) => {
            let digits: &[u8] = bytes
                .iter()
                .position(|b| !(*b as char).is_digit(radix))
                .map_or(bytes, |n| bytes.get(..n).unwrap_or_default());
            let text = std::str::from_utf8(digits).ok()?;
            u64::from_str_radix(text, radix).ok()?
        }
        None => {
            let mut v: u64 = 0;
            if x.little {
                for b in bytes.iter().rev() {
                    v = v << 8 | u64::from(*b);
                }
            } else {
                for b in bytes {
                    v = v << 8 | u64::from(*b);
                }
            }
            v
        }
    };
    if let Some(mask) = x.bitmask {
        v &= mask;
        if v != 0 {
            v >>= mask.trailing_zeros().min(63);
        }
    }
    Some((v, end))
}

fn byte_test(t: &ByteTest, buf: &[u8], pos: usize) -> bool {
    if buf.is_empty() {
        return false;
    }
    let Some((v, _)) = extract(&t.extract, buf, pos) else {
        return false;
    };
    let hit = match t.op {
        Op::Lt => v < t.value,
        Op::Gt => v > t.value,
        Op::Eq => v == t.value,
        Op::Le => v <= t.value,
        Op::Ge => v >= t.value,
        Op::And => v & t.value != 0,
        Op::Xor => v ^ t.value != 0,
    };
    hit != t.negated
}

/// Where `byte_jump` moves the detection pointer.
fn byte_jump(j: &ByteJump, buf: &[u8], pos: usize) -> Option<usize> {
    if buf.is_empty() {
        return None;
    }
    let (v, end) = extract(&j.extract, buf, pos)?;
    let mut v = v.wrapping_mul(j.multiplier);
    if j.align && v % 4 != 0 {
        v += 4 - v % 4;
    }
    let v = i64::try_from(v).ok()?.checked_add(j.post_offset)?;
    let from = if j.from_beginning {
        0
    } else if j.from_end {
        buf.len() as i64
    } else {
        end as i64
    };
    let to = from.checked_add(v)?.max(0);
    (to <= buf.len() as i64).then_some(to as usize)
}
