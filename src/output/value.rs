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
}

/// One cell of a log row.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Unset,
    Time(Ts),
    Interval(Micros),
    Str(String),
    Static(&'static str),
    Addr(IpAddr),
    Port(u16),
    Count(u64),
    Int(i64),
    Bool(bool),
    Double(f64),
    StrSet(Vec<String>),
    Counts(Vec<u64>),
    /// Raw bytes shown as a string: valid UTF-8 as text, other bytes as `\xNN`.
    Bytes(Vec<u8>),
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

impl Value {
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
            Value::Static(s) => push_tsv_string(out, s, false),
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
            Value::Counts(v) => {
                if v.is_empty() {
                    out.push_str("(empty)");
                }
                for (i, c) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{c}");
                }
            }
            Value::Bytes(b) => match std::str::from_utf8(b) {
                Ok(s) => push_tsv_string(out, s, false),
                Err(_) if b.is_empty() => out.push_str("(empty)"),
                Err(_) => out.push_str(&bytes_text(b)),
            },
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
    pub fn write_json(&self, out: &mut String) -> bool {
        match self {
            Value::Unset => return false,
            Value::Time(t) => push_json_f64(out, t.as_secs_f64()),
            Value::Interval(d) => push_json_f64(out, d.as_secs_f64()),
            Value::Str(s) => push_json_string(out, s),
            Value::Static(s) => push_json_string(out, s),
            Value::Addr(a) => {
                out.push('"');
                push_addr(out, a);
                out.push('"');
            }
            Value::Port(p) => push_u64(out, u64::from(*p)),
            Value::Count(c) => push_u64(out, *c),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Double(d) => push_json_f64(out, *d),
            Value::Counts(v) => {
                out.push('[');
                for (i, c) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_u64(out, *c);
                }
                out.push(']');
            }
            Value::Bytes(b) => match std::str::from_utf8(b) {
                Ok(s) => push_json_string(out, s),
                Err(_) => push_json_string(out, &bytes_text(b)),
            },
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

fn push_json_f64(out: &mut String, v: f64) {
    if v.is_finite() {
        // serde_json prints the shortest representation that round-trips,
        // as Zeek's JSON writer does (1224804548.73974, not ...739740).
        let n = serde_json::Number::from_f64(v).map(|n| n.to_string());
        match n {
            Some(s) if s.contains('.') || s.contains('e') => out.push_str(&s),
            Some(s) => {
                out.push_str(&s);
                out.push_str(".0");
            }
            None => out.push_str("null"),
        }
    } else {
        out.push_str("null");
    }
}

/// JSON string with Zeek's escaping of control bytes (`\xNN`, shown as `\\xNN`).
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    // Most strings need no escape: copy the runs between escapes whole.
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b'"' || b == b'\\' || b < 0x20 || b == 0x7f {
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
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// Decimal digits without the formatting machinery (the log writer's
/// hottest path).
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

/// An address as its Display writes it; IPv4 without the formatter.
pub fn push_addr(out: &mut String, a: &std::net::IpAddr) {
    match a {
        std::net::IpAddr::V4(v4) => {
            for (i, o) in v4.octets().iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                push_u64(out, u64::from(*o));
            }
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

    #[test]
    fn tsv_markers_and_escapes() {
        assert_eq!(tsv(Value::Unset), "-");
        assert_eq!(tsv(Value::Str(String::new())), "(empty)");
        assert_eq!(tsv(Value::Static("-")), "\\x2d");
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
