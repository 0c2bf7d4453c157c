//! Typed log values and their rendering in Zeek's TSV and JSON styles
//! (../shared/corpus/SCHEMAS.md, "How Zeek writes the values").

use crate::time::{Micros, SixDecimals, Ts};
use std::fmt::Write as _;
use std::net::IpAddr;

/// The Zeek type of a log column, as written in a `#types` header line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Time,
    Interval,
    String,
    Addr,
    Port,
    Count,
    Int,
    Bool,
    Enum,
    Double,
    SetString,
    VectorCount,
}

impl FieldType {
    pub fn zeek_name(self) -> &'static str {
        match self {
            FieldType::Time => "time",
            FieldType::Interval => "interval",
            FieldType::String => "string",
            FieldType::Addr => "addr",
            FieldType::Port => "port",
            FieldType::Count => "count",
            FieldType::Int => "int",
            FieldType::Bool => "bool",
            FieldType::Enum => "enum",
            FieldType::Double => "double",
            FieldType::SetString => "set[string]",
            FieldType::VectorCount => "vector[count]",
        }
    }
}

/// A column of a log: its name (dots included, e.g. `id.orig_h`) and type.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
    /// `,"name":`, made once with the column list: a JSON value's key is
    /// then one fixed-size copy.
    pub(crate) json_key: JsonKey,
}

/// Room for a column's JSON key: `,"` + a name of up to 76 bytes + `":`
/// (the longest, OPC UA's, have 63).
pub(crate) const JSON_KEY_ROOM: usize = 80;

/// A column's JSON key with its leading comma, padded to a fixed size.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JsonKey {
    bytes: [u8; JSON_KEY_ROOM],
    len: u8,
}

impl JsonKey {
    /// The key of a column named `name`; a name that is too long or not
    /// one of our plain identifiers stops the build (every column list is
    /// a constant).
    pub(crate) const fn of(name: &str) -> JsonKey {
        let name = name.as_bytes();
        assert!(name.len() + 4 <= JSON_KEY_ROOM, "a column name is too long");
        let mut bytes = [0u8; JSON_KEY_ROOM];
        bytes[0] = b',';
        bytes[1] = b'"';
        let mut i = 0;
        while i < name.len() {
            let b = name[i];
            assert!(
                b.is_ascii_graphic() && b != b'"' && b != b'\\',
                "a column name needs no escaping"
            );
            bytes[i + 2] = b;
            i += 1;
        }
        bytes[i + 2] = b'"';
        bytes[i + 3] = b':';
        JsonKey {
            bytes,
            len: (i + 4) as u8,
        }
    }

    /// Appends the key, without its comma when it is the row's first.
    pub(crate) fn push(&self, out: &mut String, first: bool) {
        let len = usize::from(self.len);
        if first {
            // Once a row: its bytes appended as they are.
            if let Some(key) = self.bytes.get(1..len) {
                // SAFETY: the bytes are ASCII (checked by `of`): the text
                // stays UTF-8 without a validation per row.
                #[allow(unsafe_code)]
                unsafe {
                    out.as_mut_vec().extend_from_slice(key)
                }
            }
            return;
        }
        // SAFETY: the bytes are ASCII (checked by `of`) and `len` is at
        // most the array's size.
        #[allow(unsafe_code)]
        unsafe {
            push_padded(out, &self.bytes, len)
        }
    }
}

/// Appends `s`. Text of up to 16 bytes (names, numbers, ids, the most
/// common values of a row) is staged with fixed-size copies and appended
/// with one, instead of a call to `memcpy` for each value.
pub fn push_short(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let n = b.len();
    let mut buf = [0u8; 16];
    match n {
        0 => return,
        1..=3 => {
            buf[0] = b[0];
            buf[n / 2] = b[n / 2];
            buf[n - 1] = b[n - 1];
        }
        4..=7 => {
            buf[..4].copy_from_slice(&b[..4]);
            buf[n - 4..n].copy_from_slice(&b[n - 4..]);
        }
        8..=16 => {
            buf[..8].copy_from_slice(&b[..8]);
            buf[n - 8..n].copy_from_slice(&b[n - 8..]);
        }
        _ => return out.push_str(s),
    }
    // SAFETY: `buf[..n]` is a copy of `s`'s bytes, UTF-8, and n <= 16.
    #[allow(unsafe_code)]
    unsafe {
        push_padded(out, &buf, n)
    };
}

/// Appends `padded[..len]` with one copy of the whole array into the
/// line's spare room (a copy of a size known when compiling, made without
/// a call to `memcpy`).
///
/// # Safety
///
/// `padded[..len]` must be UTF-8 and `len <= N`.
#[allow(unsafe_code)]
unsafe fn push_padded<const N: usize>(out: &mut String, padded: &[u8; N], len: usize) {
    debug_assert!(len <= N);
    debug_assert!(std::str::from_utf8(&padded[..len]).is_ok());
    // SAFETY: the line stays UTF-8: the bytes that become part of it are
    // `padded[..len]`, UTF-8 by the contract; the rest of the copy lands in
    // the vector's spare capacity, past its length.
    let v = unsafe { out.as_mut_vec() };
    v.reserve(N);
    let at = v.len();
    // SAFETY: `reserve(N)` made room for N bytes past `at`; the array and
    // the line do not overlap; `at + len` bytes are then initialized.
    unsafe {
        std::ptr::copy_nonoverlapping(padded.as_ptr(), v.as_mut_ptr().add(at), N);
        v.set_len(at + len);
    }
}

/// One cell of a log row. A row's values borrow from its record where
/// they can (`Ref`, `BytesRef`, `HexBytes`) and numbers shown in hex stay
/// numbers (`Hex`): rendering a row then allocates nothing.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Unset,
    Time(Ts),
    Interval(Micros),
    Str(String),
    Ref(&'a str),
    /// Text with nothing to escape in either format (ids, names from our
    /// protocol tables): written without the escape scan.
    Plain(&'a str),
    /// A number as `0x` and at least `digits` lowercase hex digits.
    Hex {
        value: u64,
        digits: u8,
    },
    /// Bytes as lowercase hex digits, two per byte.
    HexBytes(&'a [u8]),
    Addr(IpAddr),
    Port(u16),
    Count(u64),
    Int(i64),
    Bool(bool),
    Double(f64),
    StrSet(Vec<String>),
    Counts(Vec<u64>),
    CountsRef(&'a [u64]),
    /// 16-bit words (Modbus registers) written as counts.
    Words(&'a [u16]),
    /// Bits (Modbus coils) written as counts, 0 or 1.
    Bits(&'a [bool]),
    /// Raw bytes shown as a string: valid UTF-8 as text, other bytes as `\xNN`.
    Bytes(Vec<u8>),
    BytesRef(&'a [u8]),
}

/// Appends `0x` and `value` in at least `digits` lowercase hex digits.
pub fn push_hex(out: &mut String, value: u64, digits: u8) {
    let used = (64 - value.leading_zeros()).div_ceil(4).max(1);
    let n = used.max(u32::from(digits.min(16))) as usize;
    // Staged on the stack and copied once (CIP and EtherNet/IP rows write
    // several of these, up to 16 digits each).
    let mut buf = [0u8; 18];
    buf[0] = b'0';
    buf[1] = b'x';
    for (i, d) in buf[2..2 + n].iter_mut().rev().enumerate() {
        let nibble = value.checked_shr(i as u32 * 4).unwrap_or(0) & 0xf;
        *d = HEX_DIGITS[nibble as usize];
    }
    // SAFETY: `buf[..n + 2]` is "0x" and hex digits, ASCII; n + 2 <= 18.
    #[allow(unsafe_code)]
    unsafe {
        push_padded(out, &buf, n + 2)
    };
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

pub use crate::id::hex_pair;

/// Appends the bytes in lowercase hex, two digits each.
pub fn push_hex_bytes(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        for d in hex_pair(b) {
            out.push(char::from(d));
        }
    }
}

/// Text of raw protocol bytes: valid UTF-8 passes through (control
/// characters are escaped later like any string), other bytes become `\xNN`.
pub fn bytes_text(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let mut out = String::with_capacity(b.len() * 2);
            for &c in b {
                if (0x20..0x7f).contains(&c) && c != b'\\' {
                    out.push(c as char);
                } else {
                    let _ = write!(out, "\\x{c:02x}");
                }
            }
            out
        }
    }
}

/// Undoes Zeek's TSV escaping (`\xNN` for the bytes it escapes; a
/// backslash itself is always escaped, so the form is unambiguous).
pub fn tsv_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\\x") {
        out.push_str(&rest[..i]);
        match rest
            .get(i + 2..i + 4)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            Some(b) if b < 0x80 => {
                out.push(char::from(b));
                rest = &rest[i + 4..];
            }
            _ => {
                out.push_str("\\x");
                rest = &rest[i + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Escapes a string the way Zeek's ASCII writer does: non-printable bytes as
/// `\xNN`, valid printable UTF-8 unchanged; `sep` (TAB or `,`) escaped too.
fn push_escaped(out: &mut String, s: &str, escape_comma: bool) {
    for c in s.chars() {
        let needs = c.is_control() || c == '\\' || c == '\t' || (escape_comma && c == ',');
        if needs && (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            out.push(c);
        }
    }
}

fn push_tsv_string(out: &mut String, s: &str, in_set: bool) {
    if s.is_empty() {
        out.push_str("(empty)");
    } else if s == "-" {
        out.push_str("\\x2d");
    } else if s == "(empty)" {
        out.push_str("\\x28empty)");
    } else {
        push_escaped(out, s, in_set);
    }
}

/// Zeek's `double` rendering: fixed notation, at most 6 decimals, trailing
/// zeros dropped, `.0` kept on whole numbers.
fn push_double(out: &mut String, v: f64) {
    let mut s = format!("{v:.6}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.push('0');
    }
    out.push_str(&s);
}

impl Value<'static> {
    /// A name from a protocol's table: plain text (`Value::Plain`), owned
    /// when the table formatted it for a code it does not know.
    pub fn name(n: std::borrow::Cow<'static, str>) -> Self {
        match n {
            std::borrow::Cow::Borrowed(s) => Value::Plain(s),
            std::borrow::Cow::Owned(s) => Value::Str(s),
        }
    }
}

impl<'a> Value<'a> {
    /// The value owning what it borrowed (for rows kept beyond their
    /// record).
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Unset => Value::Unset,
            Value::Time(t) => Value::Time(t),
            Value::Interval(d) => Value::Interval(d),
            Value::Str(s) => Value::Str(s),
            Value::Ref(s) | Value::Plain(s) => Value::Str(s.to_string()),
            Value::Hex { value, digits } => Value::Hex { value, digits },
            Value::HexBytes(b) => {
                let mut s = String::new();
                push_hex_bytes(&mut s, b);
                Value::Str(s)
            }
            Value::Addr(a) => Value::Addr(a),
            Value::Port(p) => Value::Port(p),
            Value::Count(c) => Value::Count(c),
            Value::Int(i) => Value::Int(i),
            Value::Bool(b) => Value::Bool(b),
            Value::Double(d) => Value::Double(d),
            Value::StrSet(v) => Value::StrSet(v),
            Value::Counts(v) => Value::Counts(v),
            Value::CountsRef(v) => Value::Counts(v.to_vec()),
            Value::Words(v) => Value::Counts(v.iter().map(|&w| u64::from(w)).collect()),
            Value::Bits(v) => Value::Counts(v.iter().map(|&b| u64::from(b)).collect()),
            Value::Bytes(b) => Value::Bytes(b),
            Value::BytesRef(b) => Value::Bytes(b.to_vec()),
        }
    }

    /// The value borrowing what it owns (rendering a kept row).
    pub fn borrowed(&self) -> Value<'_> {
        match self {
            Value::Str(s) => Value::Ref(s),
            Value::Bytes(b) => Value::BytesRef(b),
            Value::Counts(v) => Value::CountsRef(v),
            Value::CountsRef(v) => Value::CountsRef(v),
            Value::Ref(s) => Value::Ref(s),
            Value::Plain(s) => Value::Plain(s),
            Value::HexBytes(b) => Value::HexBytes(b),
            Value::BytesRef(b) => Value::BytesRef(b),
            other => other.clone(),
        }
    }
}

impl Value<'_> {
    /// Appends the TSV cell text.
    pub fn write_tsv(&self, out: &mut String) {
        match self {
            Value::Unset => out.push('-'),
            Value::Time(t) => {
                let _ = write!(out, "{}", SixDecimals(t.0));
            }
            Value::Interval(d) => {
                let _ = write!(out, "{}", SixDecimals(d.0));
            }
            Value::Str(s) => push_tsv_string(out, s, false),
            Value::Ref(s) | Value::Plain(s) => push_tsv_string(out, s, false),
            Value::Hex { value, digits } => push_hex(out, *value, *digits),
            Value::HexBytes([]) => out.push_str("(empty)"),
            Value::HexBytes(b) => push_hex_bytes(out, b),
            Value::Addr(a) => {
                let _ = write!(out, "{a}");
            }
            Value::Port(p) => {
                let _ = write!(out, "{p}");
            }
            Value::Count(c) => {
                let _ = write!(out, "{c}");
            }
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Bool(b) => out.push(if *b { 'T' } else { 'F' }),
            Value::Double(d) => push_double(out, *d),
            Value::Counts(v) => write_tsv_counts(out, v.iter().copied()),
            Value::CountsRef(v) => write_tsv_counts(out, v.iter().copied()),
            Value::Words(v) => write_tsv_counts(out, v.iter().map(|&w| u64::from(w))),
            Value::Bits(v) => write_tsv_counts(out, v.iter().map(|&b| u64::from(b))),
            Value::Bytes(b) => write_tsv_bytes(out, b),
            Value::BytesRef(b) => write_tsv_bytes(out, b),
            Value::StrSet(v) => {
                if v.is_empty() {
                    out.push_str("(empty)");
                }
                for (i, s) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_tsv_string(out, s, true);
                }
            }
        }
    }

    /// Appends the JSON value; returns false for an unset value (key omitted).
    /// Consumed: a row's values are written once, and dropping each in its
    /// own arm costs nothing for the many that own no memory.
    pub fn write_json(self, out: &mut String) -> bool {
        match self {
            Value::Unset => return false,
            Value::Time(t) => push_json_micros(out, t.0),
            Value::Interval(d) => push_json_micros(out, d.0),
            Value::Str(s) => push_json_string(out, &s),
            Value::Ref(s) => push_json_string(out, s),
            Value::Plain(s) => {
                debug_assert!(!s.bytes().any(needs_escape), "{s:?} needs escaping");
                out.push('"');
                push_short(out, s);
                out.push('"');
            }
            Value::Hex { value, digits } => {
                out.push('"');
                push_hex(out, value, digits);
                out.push('"');
            }
            Value::HexBytes(b) => {
                out.push('"');
                push_hex_bytes(out, b);
                out.push('"');
            }
            Value::Addr(a) => {
                out.push('"');
                push_addr(out, &a);
                out.push('"');
            }
            Value::Port(p) => push_u64(out, u64::from(p)),
            Value::Count(c) => push_u64(out, c),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Value::Double(d) => push_json_f64(out, d),
            Value::Counts(v) => write_json_counts(out, v.iter().copied()),
            Value::CountsRef(v) => write_json_counts(out, v.iter().copied()),
            Value::Words(v) => write_json_counts(out, v.iter().map(|&w| u64::from(w))),
            Value::Bits(v) => write_json_counts(out, v.iter().map(|&b| u64::from(b))),
            Value::Bytes(b) => write_json_bytes(out, &b),
            Value::BytesRef(b) => write_json_bytes(out, b),
            Value::StrSet(v) => {
                out.push('[');
                for (i, s) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_json_string(out, s);
                }
                out.push(']');
            }
        }
        true
    }
}

fn write_tsv_bytes(out: &mut String, b: &[u8]) {
    match std::str::from_utf8(b) {
        Ok(s) => push_tsv_string(out, s, false),
        Err(_) if b.is_empty() => out.push_str("(empty)"),
        Err(_) => out.push_str(&bytes_text(b)),
    }
}

fn write_json_bytes(out: &mut String, b: &[u8]) {
    match std::str::from_utf8(b) {
        Ok(s) => push_json_string(out, s),
        Err(_) => push_json_string(out, &bytes_text(b)),
    }
}

/// Microseconds as seconds, the text `push_json_f64(us / 1e6)` gives,
/// without the float formatter for times and durations of a second to
/// 2^32 seconds: there doubles lie less than 5e-7 apart, so the six-decimal
/// value without its trailing zeros is the one decimal of the fewest
/// digits that reads back as the same double (what ryu prints); elsewhere
/// (`1e-6`, far times) the float formatter decides.
fn push_json_micros(out: &mut String, us: i64) {
    const FAST: std::ops::Range<u64> = 1_000_000..(1u64 << 32) * 1_000_000;
    let mag = us.unsigned_abs();
    if !FAST.contains(&mag) {
        return push_json_f64(out, us as f64 / 1e6);
    }
    // Built in a stack buffer and copied into the line once: a time
    // starts every row, and pushing it piece by piece cost ~330
    // instructions.
    let mut buf = [0u8; 28];
    let mut n = 0;
    if us < 0 {
        buf[0] = b'-';
        n = 1;
    }
    let mut ib = itoa::Buffer::new();
    let secs = ib.format(mag / 1_000_000).as_bytes();
    buf[n..n + secs.len()].copy_from_slice(secs);
    n += secs.len();
    let frac = mag % 1_000_000;
    buf[n] = b'.';
    if frac == 0 {
        buf[n + 1] = b'0';
        n += 2;
    } else {
        for (i, pair) in [frac / 10_000, frac / 100, frac].into_iter().enumerate() {
            let at = n + 1 + 2 * i;
            buf[at..at + 2].copy_from_slice(&digit_pair(pair as u32));
        }
        n += 7;
        while buf[n - 1] == b'0' {
            n -= 1;
        }
    }
    // SAFETY: `push_padded` needs `buf[..n]` UTF-8 and `n` within the
    // array; it holds itoa's digits, '-' and '.', all ASCII.
    #[allow(unsafe_code)]
    unsafe {
        push_padded(out, &buf, n)
    };
}

fn push_json_f64(out: &mut String, v: f64) {
    if v.is_finite() {
        // The shortest representation that round-trips (ryu, as serde_json
        // prints it), as Zeek's JSON writer does (1224804548.73974, not
        // ...739740); without serde_json's intermediate String.
        let mut buf = ryu::Buffer::new();
        let s = buf.format_finite(v);
        match s.split_once('e') {
            // serde_json signs positive exponents (1e+20).
            Some((m, e)) if !e.starts_with('-') => {
                out.push_str(m);
                out.push_str("e+");
                out.push_str(e);
            }
            Some(_) => out.push_str(s),
            None => {
                out.push_str(s);
                if !s.contains('.') {
                    out.push_str(".0");
                }
            }
        }
    } else {
        out.push_str("null");
    }
}

/// Whether a byte needs escaping in a JSON string (Zeek also escapes DEL).
fn needs_escape(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20 || b == 0x7f
}

/// Whether any of eight bytes needs escaping (exact: a byte-wise
/// subtraction borrows into a high bit only from a byte below the bound).
fn word_needs_escape(w: u64) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u64| x.wrapping_sub(LO * n) & !x & HI != 0;
    below(w, 0x20)
        || below(w ^ (LO * u64::from(b'"')), 1)
        || below(w ^ (LO * u64::from(b'\\')), 1)
        || below(w ^ (LO * 0x7f), 1)
}

/// JSON string with Zeek's escaping of control bytes (`\xNN`, shown as `\\xNN`).
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    // Most strings need no escape: skip clean words eight bytes at a time
    // and copy the runs between escapes whole.
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(word) = bytes.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            if !word_needs_escape(u64::from_le_bytes(w)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if needs_escape(b) {
            out.push_str(&s[run..i]);
            match b {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                _ => {
                    let _ = write!(out, "\\\\x{b:02x}");
                }
            }
            run = i + 1;
        }
        i += 1;
    }
    push_short(out, &s[run..]);
    out.push('"');
}

fn write_tsv_counts(out: &mut String, v: impl ExactSizeIterator<Item = u64>) {
    if v.len() == 0 {
        out.push_str("(empty)");
    }
    push_u64_list(out, v);
}

fn write_json_counts(out: &mut String, v: impl Iterator<Item = u64>) {
    out.push('[');
    push_u64_list(out, v);
    out.push(']');
}

/// The numbers, comma-separated (the same in both formats). Register and
/// coil lists are long (a read of 125 registers is one row): the text is
/// staged on the stack and each number under 100,000 is written as one
/// eight-byte store, so a number costs no call of its own.
fn push_u64_list(out: &mut String, v: impl Iterator<Item = u64>) {
    const STAGE: usize = 256;
    // Room for a comma, the widest number (20 digits) and the store's
    // eight bytes past a short number.
    const ROOM: usize = 1 + 20 + 8;
    let mut buf = [0u8; STAGE];
    let mut n = 0;
    for (i, c) in v.enumerate() {
        if n > STAGE - ROOM {
            // SAFETY: `buf[..n]` holds ASCII digits and commas only.
            #[allow(unsafe_code)]
            unsafe {
                push_staged(out, &buf[..n])
            };
            n = 0;
        }
        if i > 0 {
            buf[n] = b',';
            n += 1;
        }
        if c < 100_000 {
            let (word, len) = short_digits(c as u32);
            buf[n..n + 8].copy_from_slice(&word.to_le_bytes());
            n += len;
        } else {
            let mut ib = itoa::Buffer::new();
            let s = ib.format(c).as_bytes();
            buf[n..n + s.len()].copy_from_slice(s);
            n += s.len();
        }
    }
    // SAFETY: as above.
    #[allow(unsafe_code)]
    unsafe {
        push_staged(out, &buf[..n])
    };
}

/// The decimal digits of `x` (under 100,000) as the low bytes of a word,
/// first digit lowest, and how many there are: the five digits from two
/// table lookups, the leading zeros shifted out.
fn short_digits(x: u32) -> (u64, usize) {
    debug_assert!(x < 100_000);
    let len = 1
        + usize::from(x >= 10)
        + usize::from(x >= 100)
        + usize::from(x >= 1000)
        + usize::from(x >= 10_000);
    let pair = |p: u32| u64::from(u16::from_le_bytes(digit_pair(p)));
    let rest = x % 10_000;
    let five = u64::from(b'0' + (x / 10_000 % 10) as u8) | pair(rest / 100) << 8 | pair(rest) << 24;
    (five >> (8 * (5 - len)), len)
}

/// The two decimal digits of `p % 100`, tens first.
fn digit_pair(p: u32) -> [u8; 2] {
    let i = (p % 100) as usize * 2;
    [DIGIT_PAIRS[i], DIGIT_PAIRS[i + 1]]
}

/// "00", "01", ... "99".
static DIGIT_PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Appends text of any length staged on the stack (a list of counts) in
/// one copy, without validating it as UTF-8 or pushing it byte by byte.
/// Text no longer than a small fixed bound goes through [`push_padded`]
/// instead; a list's 256-byte stage is mostly short, and copying all of
/// it every time would cost more than this copy of what it holds.
///
/// # Safety
///
/// `text` must be UTF-8; callers stage only ASCII digits and punctuation.
#[allow(unsafe_code)]
unsafe fn push_staged(out: &mut String, text: &[u8]) {
    debug_assert!(text.is_ascii());
    // SAFETY: `from_utf8_unchecked` needs UTF-8, which the caller promises
    // (the contract above); a `String` then stays UTF-8 when it is pushed.
    out.push_str(unsafe { std::str::from_utf8_unchecked(text) });
}

/// Decimal digits without the formatting machinery (the log writer's
/// hottest path).
pub fn push_u64(out: &mut String, n: u64) {
    // One digit (coils, units, counts) without the buffer and copy.
    if n < 10 {
        out.push(char::from(b'0' + n as u8));
        return;
    }
    push_short(out, itoa::Buffer::new().format(n));
}

/// An address as its Display writes it; IPv4 without the formatter.
pub fn push_addr(out: &mut String, a: &std::net::IpAddr) {
    match a {
        std::net::IpAddr::V4(v4) => {
            // Into a stack buffer, one copy into the line.
            let mut buf = [0u8; 15];
            let mut n = 0;
            for (i, o) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    buf[n] = b'.';
                    n += 1;
                }
                if o >= 100 {
                    buf[n] = b'0' + o / 100;
                    n += 1;
                }
                if o >= 10 {
                    buf[n] = b'0' + (o / 10) % 10;
                    n += 1;
                }
                buf[n] = b'0' + o % 10;
                n += 1;
            }
            // SAFETY: `push_padded` needs `buf[..n]` UTF-8 and `n` within
            // the array; it holds digits and '.', all ASCII.
            #[allow(unsafe_code)]
            unsafe {
                push_padded(out, &buf, n)
            };
        }
        std::net::IpAddr::V6(_) => {
            let _ = write!(out, "{a}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tsv(v: Value) -> String {
        let mut s = String::new();
        v.write_tsv(&mut s);
        s
    }

    fn json(v: Value) -> Option<String> {
        let mut s = String::new();
        v.write_json(&mut s).then_some(s)
    }

    proptest::proptest! {
        #[test]
        fn a_list_of_counts_is_the_numbers_joined_by_commas(
            v in proptest::collection::vec(
                proptest::prop_oneof![0u64..20, 0u64..200_000, proptest::num::u64::ANY],
                0..300,
            )
        ) {
            let joined = v.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
            proptest::prop_assert_eq!(json(Value::CountsRef(&v)), Some(format!("[{joined}]")));
        }
    }

    #[test]
    fn a_json_key_is_the_quoted_name_after_a_comma_unless_first() {
        let key = JsonKey::of("id.orig_h");
        // Exactly full, so that the key's copy has to grow the line.
        let mut s = String::with_capacity(1);
        s.push('{');
        key.push(&mut s, true);
        assert_eq!(s, "{\"id.orig_h\":");
        key.push(&mut s, false);
        assert_eq!(s, "{\"id.orig_h\":,\"id.orig_h\":");
        let longest = "n".repeat(JSON_KEY_ROOM - 4);
        let mut s = String::new();
        JsonKey::of(&longest).push(&mut s, false);
        assert_eq!(s, format!(",\"{longest}\":"));
    }

    proptest::proptest! {
        #[test]
        fn short_text_is_appended_as_it_is(before in ".{0,5}", s in ".{0,24}") {
            let mut got = before.clone();
            push_short(&mut got, &s);
            proptest::prop_assert_eq!(got, before + &s);
        }
    }

    proptest::proptest! {
        #[test]
        fn hex_is_0x_and_at_least_the_digits_asked(value: u64, digits in 0u8..20) {
            let mut s = String::from("=");
            push_hex(&mut s, value, digits);
            let width = usize::from(digits.clamp(1, 16));
            proptest::prop_assert_eq!(s, format!("=0x{value:0width$x}"));
        }
    }

    #[test]
    fn counts_at_the_edges_of_the_short_form() {
        let v = [0, 9, 10, 99, 100, 9_999, 10_000, 99_999, 100_000, u64::MAX];
        assert_eq!(
            json(Value::Counts(v.to_vec())).as_deref(),
            Some("[0,9,10,99,100,9999,10000,99999,100000,18446744073709551615]")
        );
        // Past the stage's size (here ~1.2 KB of text), flushed in parts.
        let long = vec![u64::MAX; 60];
        let text = json(Value::CountsRef(&long)).unwrap();
        assert_eq!(text.matches("18446744073709551615").count(), 60);
        assert_eq!(text.len(), 2 + 60 * 20 + 59);
    }

    #[test]
    fn micros_at_the_edges_of_the_fast_range_print_as_doubles() {
        let top = (1i64 << 32) * 1_000_000;
        for us in [
            0,
            1,
            999_999,
            1_000_000,
            1_000_001,
            1_500_000,
            1_767_592_800_016_642,
            top - 1,
            top,
            top + 1,
            -1_000_000,
            -top + 1,
            i64::MAX,
            i64::MIN,
        ] {
            let mut got = String::new();
            push_json_micros(&mut got, us);
            let mut want = String::new();
            push_json_f64(&mut want, us as f64 / 1e6);
            assert_eq!(got, want, "{us}");
        }
    }

    proptest::proptest! {
        /// The word-at-a-time scan escapes exactly what a byte-by-byte
        /// one does, wherever the bytes to escape fall.
        #[test]
        fn json_strings_escape_as_byte_by_byte(s in "[a-z\"\\\\\\x00-\\x1f\\x7f\\u{e9}\\u{1F600} ]{0,40}", n in 0u64..u64::MAX) {
            let mut want = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => want.push_str("\\\""),
                    '\\' => want.push_str("\\\\"),
                    c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                        want.push_str(&format!("\\\\x{:02x}", c as u32))
                    }
                    c => want.push(c),
                }
            }
            want.push('"');
            let mut got = String::new();
            push_json_string(&mut got, &s);
            proptest::prop_assert_eq!(got, want);
            let mut digits = String::new();
            push_u64(&mut digits, n);
            proptest::prop_assert_eq!(digits, n.to_string());
        }

        /// Arrays of numbers print as serde_json prints them, however long.
        #[test]
        fn counts_print_as_serde_json_does(v in proptest::collection::vec(proptest::prop_oneof![0u64..100_000, proptest::num::u64::ANY], 0..120)) {
            let mut got = String::new();
            write_json_counts(&mut got, v.iter().copied());
            proptest::prop_assert_eq!(got, serde_json::to_string(&v).unwrap());
        }

        /// Times and durations print as their seconds in a double would.
        #[test]
        fn micros_print_as_their_seconds_as_doubles(
            us in proptest::prop_oneof![
                proptest::num::i64::ANY,
                -5_000_000_000_000_000i64..5_000_000_000_000_000,
                -5_000_000i64..5_000_000,
                proptest::strategy::Strategy::prop_map(0i64..4_400_000_000, |s| s * 1_000_000),
            ]
        ) {
            let mut got = String::new();
            push_json_micros(&mut got, us);
            let mut want = String::new();
            push_json_f64(&mut want, us as f64 / 1e6);
            proptest::prop_assert_eq!(got, want);
        }

        /// Hex values print as `format!` would.
        #[test]
        fn hex_prints_as_format_does(v in proptest::num::u64::ANY, digits in 0u8..20, bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
            let mut got = String::new();
            push_hex(&mut got, v, digits);
            let width = usize::from(digits.min(16));
            proptest::prop_assert_eq!(got, format!("0x{v:0width$x}"));
            let mut got = String::new();
            push_hex_bytes(&mut got, &bytes);
            let want: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            proptest::prop_assert_eq!(got, want);
        }

        /// IPv4 addresses print as their Display does.
        #[test]
        fn ipv4_prints_as_display(o in proptest::prelude::any::<[u8; 4]>()) {
            let a = std::net::IpAddr::from(o);
            let mut got = String::new();
            push_addr(&mut got, &a);
            proptest::prop_assert_eq!(got, a.to_string());
        }

        /// Doubles print as serde_json prints them, `.0` added to integers.
        #[test]
        fn doubles_print_as_serde_json_does(v in proptest::num::f64::ANY) {
            let mut got = String::new();
            push_json_f64(&mut got, v);
            let want = match serde_json::Number::from_f64(v).map(|n| n.to_string()) {
                Some(s) if s.contains('.') || s.contains('e') => s,
                Some(s) => s + ".0",
                None => "null".into(),
            };
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn tsv_markers_and_escapes() {
        assert_eq!(tsv(Value::Unset), "-");
        assert_eq!(tsv(Value::Str(String::new())), "(empty)");
        assert_eq!(tsv(Value::Ref("-")), "\\x2d");
        assert_eq!(tsv(Value::Str("a\tb\u{0}".into())), "a\\x09b\\x00");
        assert_eq!(
            tsv(Value::StrSet(vec!["a,b".into(), "c".into()])),
            "a\\x2cb,c"
        );
        assert_eq!(tsv(Value::StrSet(vec![])), "(empty)");
        assert_eq!(tsv(Value::Bool(true)), "T");
        assert_eq!(
            tsv(Value::Time(Ts(1_595_660_608_237_857))),
            "1595660608.237857"
        );
        assert_eq!(tsv(Value::Interval(Micros(6_324))), "0.006324");
        assert_eq!(tsv(Value::Addr("::1".parse().unwrap())), "::1");
    }

    #[test]
    fn vectors_and_bytes() {
        assert_eq!(tsv(Value::Counts(vec![170, 187])), "170,187");
        assert_eq!(tsv(Value::Counts(vec![])), "(empty)");
        assert_eq!(json(Value::Counts(vec![1, 0])).unwrap(), "[1,0]");
        assert_eq!(json(Value::CountsRef(&[1, 0])).unwrap(), "[1,0]");
        assert_eq!(tsv(Value::CountsRef(&[170, 187])), "170,187");
        assert_eq!(tsv(Value::CountsRef(&[])), "(empty)");
        assert_eq!(json(Value::Words(&[65535, 0, 10])).unwrap(), "[65535,0,10]");
        assert_eq!(tsv(Value::Words(&[7])), "7");
        assert_eq!(tsv(Value::Words(&[])), "(empty)");
        assert_eq!(json(Value::Bits(&[true, false])).unwrap(), "[1,0]");
        assert_eq!(json(Value::Bits(&[])).unwrap(), "[]");
        assert_eq!(tsv(Value::Bits(&[false, true])), "0,1");
        assert_eq!(tsv(Value::Bytes(vec![0, 0])), "\\x00\\x00");
        assert_eq!(tsv(Value::Bytes(b"1.2.3".to_vec())), "1.2.3");
        assert_eq!(tsv(Value::Bytes(vec![0xff, b'a'])), "\\xffa");
        assert_eq!(json(Value::Bytes(vec![0xff])).unwrap(), "\"\\\\xff\"");
    }

    #[test]
    fn tsv_doubles_like_zeek() {
        assert_eq!(tsv(Value::Double(250.0)), "250.0");
        assert_eq!(tsv(Value::Double(0.0)), "0.0");
        assert_eq!(tsv(Value::Double(1.25)), "1.25");
        assert_eq!(tsv(Value::Double(1.0 / 3.0)), "0.333333");
    }

    #[test]
    fn json_values() {
        assert_eq!(json(Value::Unset), None);
        assert_eq!(
            json(Value::Time(Ts(1_224_804_548_739_740))).unwrap(),
            "1224804548.73974"
        );
        assert_eq!(json(Value::Time(Ts(5_000_000))).unwrap(), "5.0");
        assert_eq!(json(Value::Port(502)).unwrap(), "502");
        assert_eq!(
            json(Value::Str("\u{1}\"".into())).unwrap(),
            "\"\\\\x01\\\"\""
        );
        assert_eq!(json(Value::StrSet(vec![])).unwrap(), "[]");
        assert_eq!(json(Value::Double(f64::NAN)).unwrap(), "null");
    }
}
