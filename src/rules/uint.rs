//! Suricata's integer keyword syntax (its `detect/uint.rs`), which every
//! `enip.*` keyword and `enip_command` take: `N`, `=N`, `!N`, `!=N`, `<N`,
//! `<=N`, `>N`, `>=N`, `A-B` and `A<>B` (both *exclusive*: `1-5` is 2, 3
//! or 4), `!A-B` (outside), `&M=V` and `&M!=V` (bit masks), values in
//! decimal, `0x` hex or with a `kb`/`mb`/`gb` (`kib`/`mib`/`gib`) unit;
//! names of a keyword's enumeration (`list_identity`, `!invalid_cmd`);
//! and the multi-integer form of keywords that read a list
//! (`VALUE[,INDEX[,START:END]]`, `count N`).
//!
//! Invariants: a parsed value fits the keyword's width (`max`); a
//! comparison that can never be true for that width (`<0`, `>MAX`) is
//! refused, as Suricata refuses it.

/// How a value is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Strictly between `a` and `b`.
    Range,
    /// At or outside either bound.
    NotRange,
    /// `v & a == b`.
    Mask,
    NotMask,
}

/// One integer comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Uint {
    pub mode: Mode,
    pub a: u64,
    pub b: u64,
}

impl Uint {
    pub fn matches(&self, v: u64) -> bool {
        let (a, b) = (self.a, self.b);
        match self.mode {
            Mode::Eq => v == a,
            Mode::Ne => v != a,
            Mode::Lt => v < a,
            Mode::Le => v <= a,
            Mode::Gt => v > a,
            Mode::Ge => v >= a,
            Mode::Range => a < v && v < b,
            Mode::NotRange => v <= a || v >= b,
            Mode::Mask => v & a == b,
            Mode::NotMask => v & a != b,
        }
    }

    /// Parses `s` for a keyword whose values go up to `max` (the width's
    /// largest value).
    pub fn parse(s: &str, max: u64) -> Result<Uint, String> {
        let bad = || {
            format!("expected an integer comparison (N, !N, <N, >=N, A-B, &M=V) up to {max}, found {s:?}")
        };
        let s = s.trim_start_matches(' ');
        // The first form that reads wins; then only spaces may follow
        // (Suricata's `alt` then `all_consuming`).
        let (rest, u) = mask(s, max)
            .or_else(|| interval(s, max))
            .or_else(|| equal(s, max))
            .or_else(|| symbol(s, max))
            .ok_or_else(bad)?;
        if rest.trim_start_matches(' ').is_empty() {
            Ok(u)
        } else {
            Err(bad())
        }
    }

    /// Parses `s` as a number or comparison, else as a name of `names`
    /// (case-insensitive, optionally negated by `!`), as Suricata's
    /// `detect_parse_uint_enum`.
    pub fn parse_enum(s: &str, max: u64, names: &[(&str, u64)]) -> Result<Uint, String> {
        if let Ok(u) = Uint::parse(s, max) {
            return Ok(u);
        }
        let (mode, name) = match s.strip_prefix('!') {
            Some(n) => (Mode::Ne, n),
            None => (Mode::Eq, s),
        };
        match names.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some(&(_, a)) => Ok(Uint { mode, a, b: 0 }),
            None => Err(format!(
                "expected a number, a comparison or one of {}; found {s:?}",
                names.iter().map(|n| n.0).collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

/// A value: `0x` hex, or decimal with an optional size unit.
fn value(s: &str, max: u64) -> Option<(&str, u64)> {
    if let Some(h) = s.strip_prefix("0x") {
        let n = h.bytes().take_while(u8::is_ascii_hexdigit).count();
        let v = u64::from_str_radix(h.get(..n).filter(|d| !d.is_empty())?, 16).ok()?;
        return (v <= max).then_some((&h[n..], v));
    }
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    let v: u64 = s.get(..n).filter(|d| !d.is_empty())?.parse().ok()?;
    if v > max {
        return None;
    }
    let rest = &s[n..];
    let lower = rest.get(..3).unwrap_or(rest).to_ascii_lowercase();
    let units: [(&str, u64); 6] = [
        ("kib", 1 << 10),
        ("kb", 1 << 10),
        ("mib", 1 << 20),
        ("mb", 1 << 20),
        ("gib", 1 << 30),
        ("gb", 1 << 30),
    ];
    for (u, mul) in units {
        if lower.starts_with(u) {
            let rest = &rest[u.len()..];
            if v == 0 {
                return Some((rest, 0));
            }
            return v.checked_mul(mul).filter(|x| *x <= max).map(|x| (rest, x));
        }
    }
    Some((rest, v))
}

fn spaces(s: &str) -> &str {
    s.trim_start_matches(' ')
}

/// `&M=V`, `&M!=V`; a V with bits outside M could never match.
fn mask(s: &str, max: u64) -> Option<(&str, Uint)> {
    let s = spaces(s).strip_prefix('&')?;
    let (s, m) = value(spaces(s), max)?;
    let s = spaces(s);
    let (s, neg) = match s.strip_prefix('!') {
        Some(s) => (s, true),
        None => (s, false),
    };
    let (s, v) = value(spaces(s.strip_prefix('=')?), max)?;
    if v & m != v {
        return None;
    }
    let mode = if neg { Mode::NotMask } else { Mode::Mask };
    Some((s, Uint { mode, a: m, b: v }))
}

/// `[!]A-B`, `[!]A<>B`: B must leave a value strictly between.
fn interval(s: &str, max: u64) -> Option<(&str, Uint)> {
    let (s, neg) = match s.strip_prefix('!') {
        Some(s) => (s, true),
        None => (s, false),
    };
    let (s, a) = value(s, max)?;
    let s = spaces(s);
    let s = s.strip_prefix('-').or_else(|| s.strip_prefix("<>"))?;
    let (s, b) = value(spaces(s), max)?;
    if b <= a || b - a <= 1 {
        return None;
    }
    let mode = if neg { Mode::NotRange } else { Mode::Range };
    Some((s, Uint { mode, a, b }))
}

/// `[=]N`.
fn equal(s: &str, max: u64) -> Option<(&str, Uint)> {
    let s = spaces(s.strip_prefix('=').unwrap_or(s));
    let (s, a) = value(s, max)?;
    Some((
        s,
        Uint {
            mode: Mode::Eq,
            a,
            b: 0,
        },
    ))
}

/// `>=N`, `<=N`, `>N`, `<N`, `!=N`, `!N`; comparisons that no value of
/// the width satisfies are refused.
fn symbol(s: &str, max: u64) -> Option<(&str, Uint)> {
    let ops = [
        (">=", Mode::Ge),
        ("<=", Mode::Le),
        (">", Mode::Gt),
        ("<", Mode::Lt),
        ("!=", Mode::Ne),
        ("!", Mode::Ne),
    ];
    let (s, mode) = ops
        .iter()
        .find_map(|(op, m)| s.strip_prefix(op).map(|r| (r, *m)))?;
    let (s, a) = value(spaces(s), max)?;
    let never = match mode {
        Mode::Lt | Mode::Ge => a == 0,
        Mode::Le | Mode::Gt => a == max,
        _ => false,
    };
    (!never).then_some((s, Uint { mode, a, b: 0 }))
}

/// Which elements of a list a multi-integer keyword compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    /// One element matches (the default).
    Any,
    /// Every element matches, and there is one.
    All,
    /// Every element matches, or there is none.
    AllOrAbsent,
    /// One element matches, or there is none.
    OrAbsent,
    /// The element at this position (from the end when negative); `oob`:
    /// a list too short matches too.
    At { oob: bool, i: i32 },
    /// The number of matching elements compares so.
    Matches(Uint),
    /// The number of elements compares so (the value is ignored).
    Count(Uint),
}

/// A multi-integer: a comparison, the elements it applies to, and the
/// slice of the list considered (`start:end`, `0:0` for all of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Multi {
    pub value: Uint,
    pub index: Index,
    pub start: i32,
    pub end: i32,
}

impl Multi {
    /// Parses Suricata's multi-integer syntax (`detect_parse_array_uint`).
    pub fn parse(s: &str, max: u64) -> Result<Multi, String> {
        let parts: Vec<&str> = s.split(',').collect();
        if parts.len() > 3 {
            return Err(format!("expected VALUE[,INDEX[,START:END]], found {s:?}"));
        }
        let bad_index = |p: &str| {
            format!("expected an index (any, all, all_or_absent, or_absent, N, oob_or N, nb N), found {p:?}")
        };
        let index = match parts.get(1) {
            Some(&"all") => Index::All,
            Some(&"all_or_absent") => Index::AllOrAbsent,
            Some(&"any") => Index::Any,
            Some(&"or_absent") => Index::OrAbsent,
            Some(p) => index_value(p).ok_or_else(|| bad_index(p))?,
            None => match parts[0].strip_prefix("count") {
                Some(c) => {
                    let count = Uint::parse(c, u64::from(u32::MAX))?;
                    return Ok(Multi {
                        value: Uint {
                            mode: Mode::Eq,
                            a: 0,
                            b: 0,
                        },
                        index: Index::Count(count),
                        start: 0,
                        end: 0,
                    });
                }
                None => Index::Any,
            },
        };
        let value = Uint::parse(parts[0], max)?;
        let (start, end) = match parts.get(2) {
            None => (0, 0),
            Some(p) => {
                let bad = || format!("expected a slice START:END, found {p:?}");
                let (a, b) = p.split_once(':').ok_or_else(bad)?;
                let a: i32 = a.parse().map_err(|_| bad())?;
                let b: i32 = b.parse().map_err(|_| bad())?;
                if (a > 0 && b > 0 || a < 0 && b < 0) && b <= a {
                    return Err(format!("the slice must end after it starts: {p:?}"));
                }
                (a, b)
            }
        };
        Ok(Multi {
            value,
            index,
            start,
            end,
        })
    }

    /// Whether the list matches; `None` elements are positions that hold
    /// no value of this kind. The whole list is known (a message is
    /// matched once it is read), so `all` and counts decide at once.
    pub fn matches(&self, list: &[Option<u64>]) -> bool {
        let len = list.len() as i64;
        let start = if self.start >= 0 {
            i64::from(self.start)
        } else {
            len + i64::from(self.start)
        };
        let end = if self.end > 0 {
            i64::from(self.end)
        } else {
            len + i64::from(self.end)
        };
        let slice: &[Option<u64>] = if end > len || start >= end || start < 0 {
            &[]
        } else {
            &list[start as usize..end as usize]
        };
        let present = || slice.iter().flatten().copied();
        match self.index {
            Index::Any => present().any(|v| self.value.matches(v)),
            Index::OrAbsent => {
                present().next().is_none() || present().any(|v| self.value.matches(v))
            }
            Index::All => present().next().is_some() && present().all(|v| self.value.matches(v)),
            Index::AllOrAbsent => present().all(|v| self.value.matches(v)),
            Index::At { oob, i } => {
                let at = if i < 0 {
                    slice.len() as i64 + i64::from(i)
                } else {
                    i64::from(i)
                };
                match usize::try_from(at).ok().and_then(|at| slice.get(at)) {
                    Some(v) => v.is_some_and(|v| self.value.matches(v)),
                    // Past either end (Suricata's index wraps below zero).
                    None => oob,
                }
            }
            Index::Matches(n) => {
                n.matches(present().filter(|v| self.value.matches(*v)).count() as u64)
            }
            Index::Count(n) => n.matches(present().count() as u64),
        }
    }
}

/// `[oob_or][ ]N` or `nb[ ]COMPARISON`.
fn index_value(p: &str) -> Option<Index> {
    if let Some(n) = p.strip_prefix("nb") {
        return Uint::parse(n, u64::from(u32::MAX)).ok().map(Index::Matches);
    }
    let (oob, n) = match p.strip_prefix("oob_or") {
        Some(n) => (true, n),
        None => (false, p),
    };
    let n = spaces(n);
    let digits = n
        .char_indices()
        .take_while(|(i, c)| c.is_ascii_digit() || *i == 0 && (*c == '-' || *c == '+'))
        .count();
    let i: i32 = n.get(..digits)?.parse().ok()?;
    Some(Index::At { oob, i })
}
