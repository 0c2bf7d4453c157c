//! Suricata's `modbus:` keyword (its `modbus/detect.rs`, with the function
//! categories and access types of the `sawp-modbus` crate it parses
//! with): `function N[, subfunction S]`, `function [!]CATEGORY`, `access
//! read|write [TABLE][, address A[, value V]]`, each optionally after
//! `unit U,`. A transaction is judged by its request, or by its response
//! when no request was seen.
//!
//! Ranges (`unit`, `address`, `value`) are Suricata's, not the integer
//! keywords': `N`, `<N`, `>N`, `A<>B`, all of them exclusive, and an
//! address is the 1-based register or coil number (PDU address + 1).

use crate::event::modbus::{Request, Response, Transaction, EXCEPTION_BIT};

/// sawp's access flags (`AccessType`).
const READ: u8 = 0x01;
const WRITE: u8 = 0x02;
const DISCRETES: u8 = 0x04;
const COILS: u8 = 0x08;
const INPUT: u8 = 0x10;
const HOLDING: u8 = 0x20;
const SINGLE: u8 = 0x40;
const MULTIPLE: u8 = 0x80;
const TABLES: u8 = DISCRETES | COILS | INPUT | HOLDING;

/// sawp's function code categories (`CodeCategory`).
pub const ASSIGNED: u8 = 0x01;
pub const UNASSIGNED: u8 = 0x02;
pub const USER: u8 = 0x04;
pub const RESERVED: u8 = 0x08;
const CATEGORIES: u8 = ASSIGNED | UNASSIGNED | USER | RESERVED;

/// A range of a signature, as Suricata's `parse_range` builds it:
/// `N` is `N..N`, `<N` is `0..N`, `>N` is `N..65535`, `A<>B` is `A..B`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: u16,
    pub end: u16,
}

impl Span {
    /// Suricata's `check_match`: equal, below, above, or strictly between.
    pub fn matches(&self, v: u16) -> bool {
        if self.start == self.end {
            v == self.start
        } else if self.start == 0 {
            v < self.end
        } else if self.end == u16::MAX {
            v > self.start
        } else {
            self.start < v && v < self.end
        }
    }

    /// Suricata's `check_match_range`: the span meets the inclusive range
    /// `lo..=hi` (a single number inside it; bounds exclusive otherwise).
    pub fn meets(&self, lo: u16, hi: u16) -> bool {
        if self.start == self.end {
            lo <= self.start && self.start <= hi
        } else if self.start == 0 {
            self.end > lo
        } else if self.end == u16::MAX {
            self.start < hi
        } else {
            self.start < hi && lo < self.end
        }
    }
}

/// What a `modbus:` keyword asks besides the unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum What {
    /// `unit U` alone.
    Any,
    Function {
        code: u8,
        sub: Option<u16>,
    },
    /// A set of categories (a negation is the complement).
    Category(u8),
    Access {
        /// READ or WRITE, and a table flag or none.
        flags: u8,
        address: Option<Span>,
        value: Option<Span>,
    },
}

/// One `modbus:` keyword.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Modbus {
    pub unit: Option<Span>,
    pub what: What,
}

/// Reads `word` at the start of `s` (after spaces).
fn word<'a>(s: &'a str, w: &str) -> Option<&'a str> {
    s.trim_start().strip_prefix(w)
}

/// `[<>]?\d+(<>\d+)?`, then what follows.
fn span(s: &str) -> Result<(Span, &str), String> {
    let (sign, t) = match s.chars().next() {
        Some(c @ ('<' | '>')) => (Some(c), &s[1..]),
        _ => (None, s),
    };
    let n = t.bytes().take_while(u8::is_ascii_digit).count();
    let num = |d: &str| -> Result<u16, String> {
        d.parse()
            .map_err(|_| format!("expected a number from 0 to 65535, found {d:?}"))
    };
    let a = num(&t[..n])?;
    let rest = &t[n..];
    if sign.is_none() {
        if let Some(r) = rest.strip_prefix("<>") {
            let m = r.bytes().take_while(u8::is_ascii_digit).count();
            let b = num(&r[..m])?;
            return Ok((Span { start: a, end: b }, &r[m..]));
        }
    }
    let sp = match sign {
        Some('<') => Span { start: 0, end: a },
        Some(_) => Span {
            start: a,
            end: u16::MAX,
        },
        None => Span { start: a, end: a },
    };
    Ok((sp, rest))
}

/// Parses the value of a `modbus:` keyword.
pub fn parse(v: &str) -> Result<Modbus, String> {
    let v = v.trim();
    if let Some(rest) = word(v, "unit") {
        if !rest.starts_with(char::is_whitespace) {
            return Err(format!("modbus: expected unit N, found {v:?}"));
        }
        let (unit, rest) = span(rest.trim_start())?;
        let rest = rest.trim();
        let what = match rest.strip_prefix(',') {
            None if rest.is_empty() => What::Any,
            None => return Err(format!("modbus: unexpected {rest:?} after the unit")),
            Some(more) => {
                let more = more.trim();
                function(more).or_else(|| access(more)).unwrap_or_else(|| {
                    Err(format!(
                        "modbus: expected function or access after the unit, found {more:?}"
                    ))
                })?
            }
        };
        return Ok(Modbus {
            unit: Some(unit),
            what,
        });
    }
    let what = function(v).or_else(|| access(v)).unwrap_or_else(|| {
        Err(format!(
            "modbus: expected function, access or unit, found {v:?}"
        ))
    })?;
    Ok(Modbus { unit: None, what })
}

/// `function N[, subfunction S]` or `function [!]CATEGORY`; `None` when
/// the text is no function form.
fn function(v: &str) -> Option<Result<What, String>> {
    let rest = word(v, "function")?.trim_start();
    let n = rest
        .char_indices()
        .take_while(|(i, c)| c.is_ascii_alphanumeric() || *c == '_' || *i == 0 && *c == '!')
        .count();
    let (f, tail) = rest.split_at(n);
    let tail = tail.trim();
    let sub = match tail.strip_prefix(',') {
        None if tail.is_empty() => None,
        None => return None,
        Some(s) => {
            let s = word(s, "subfunction")?;
            if !s.starts_with(char::is_whitespace) {
                return None;
            }
            let s = s.trim();
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(
                s.parse::<u16>()
                    .map_err(|_| format!("modbus: invalid subfunction {s:?} (0 to 65535)")),
            )
        }
    };
    Some((|| {
        // A number is a code (never 0, as Suricata refuses it); anything
        // else a category, the only form `!` negates.
        if let Ok(code) = f.parse::<u8>() {
            if code == 0 {
                return Err("modbus: invalid function 0".to_string());
            }
            let sub = sub.transpose()?;
            return Ok(What::Function { code, sub });
        }
        let (neg, name) = match f.strip_prefix('!') {
            Some(n) => (true, n),
            None => (false, f),
        };
        let set = match name {
            "assigned" => ASSIGNED,
            "unassigned" => UNASSIGNED,
            "public" => ASSIGNED | UNASSIGNED,
            "user" => USER,
            "reserved" => RESERVED,
            "all" => CATEGORIES,
            _ => {
                return Err(format!(
                    "modbus: expected a function code (1-255) or [!]assigned, unassigned, public, user, reserved, all; found {f:?}"
                ))
            }
        };
        Ok(What::Category(if neg { !set & CATEGORIES } else { set }))
    })())
}

/// `access read|write [TABLE][, address A[, value V]]`; `None` when the
/// text is no access form.
fn access(v: &str) -> Option<Result<What, String>> {
    let rest = word(v, "access")?.trim_start();
    let (mut flags, rest) = if let Some(r) = rest.strip_prefix("read") {
        (READ, r)
    } else if let Some(r) = rest.strip_prefix("write") {
        (WRITE, r)
    } else {
        return Some(Err(format!(
            "modbus: access expects read or write, found {rest:?}"
        )));
    };
    let rest = rest.trim_start();
    let tables = [
        ("discretes", DISCRETES),
        ("coils", COILS),
        ("input", INPUT),
        ("holding", HOLDING),
    ];
    let mut rest = rest;
    for (name, t) in tables {
        if let Some(r) = rest.strip_prefix(name) {
            // Discrete inputs and input registers cannot be written.
            if flags == WRITE && (t == DISCRETES || t == INPUT) {
                return Some(Err(format!("modbus: {name} can only be read")));
            }
            flags |= t;
            rest = r;
            break;
        }
    }
    Some((|| {
        let mut address = None;
        let mut value = None;
        let rest = rest.trim();
        if let Some(r) = rest.strip_prefix(',') {
            let r = word(r, "address")
                .filter(|r| r.starts_with(char::is_whitespace))
                .ok_or_else(|| format!("modbus: expected address after the access, found {r:?}"))?;
            let (a, r) = span(r.trim_start())?;
            address = Some(a);
            let r = r.trim();
            if let Some(r) = r.strip_prefix(',') {
                let r = word(r, "value")
                    .filter(|r| r.starts_with(char::is_whitespace))
                    .ok_or_else(|| {
                        format!("modbus: expected value after the address, found {r:?}")
                    })?;
                if a.start != a.end {
                    return Err("modbus: value needs a single address, not an address range".into());
                }
                if flags & READ != 0 {
                    return Err("modbus: value only goes with write access".into());
                }
                let (x, r) = span(r.trim_start())?;
                value = Some(x);
                if !r.trim().is_empty() {
                    return Err(format!("modbus: unexpected {:?} after the value", r.trim()));
                }
            } else if !r.is_empty() {
                return Err(format!("modbus: unexpected {r:?} after the address"));
            }
        } else if !rest.is_empty() {
            return Err(format!(
                "modbus: access expects discretes, coils, input or holding, found {rest:?}"
            ));
        }
        Ok(What::Access {
            flags,
            address,
            value,
        })
    })())
}

/// A Modbus message as the keyword reads it (sawp's `Message`): unit,
/// function byte, and the data that addresses and values come from.
#[derive(Clone, Copy, Debug)]
pub struct Msg<'a> {
    pub unit: u8,
    pub function: u8,
    pub data: Data<'a>,
}

/// The data of a message, as sawp sorts it.
#[derive(Clone, Copy, Debug)]
pub enum Data<'a> {
    Diagnostic(u16),
    Mei(u8),
    /// A read request (or the read half of a read/write request).
    Read {
        address: u16,
        quantity: u16,
    },
    /// A single write, or the echo of one: the value as sent.
    Single {
        address: u16,
        value: u16,
    },
    /// A Write Multiple response: the address alone counts.
    Echo {
        address: u16,
    },
    Mask {
        address: u16,
    },
    Registers {
        address: u16,
        values: &'a [u16],
    },
    Coils {
        address: u16,
        values: &'a [bool],
    },
    Other,
}

impl<'a> Msg<'a> {
    /// The message Suricata judges a transaction by: the request, or the
    /// response when no request was seen.
    pub fn of(t: &'a Transaction) -> Option<Msg<'a>> {
        if let Some(q) = &t.request {
            let data = match q.body.get() {
                Some(Request::ReadBits { start, quantity })
                | Some(Request::ReadRegisters { start, quantity }) => Data::Read {
                    address: *start,
                    quantity: *quantity,
                },
                Some(Request::WriteSingleCoil { address, value }) => Data::Single {
                    address: *address,
                    value: if *value { 0xFF00 } else { 0 },
                },
                Some(Request::WriteSingleRegister { address, value }) => Data::Single {
                    address: *address,
                    value: *value,
                },
                Some(Request::Diagnostics { sub, .. }) => Data::Diagnostic(*sub),
                Some(Request::Encap { mei, .. }) => Data::Mei(*mei),
                Some(Request::WriteMultipleCoils { start, coils }) => Data::Coils {
                    address: *start,
                    values: coils,
                },
                Some(Request::WriteMultipleRegisters { start, registers }) => Data::Registers {
                    address: *start,
                    values: registers,
                },
                // sawp's address range of a read/write request is its
                // write half.
                Some(Request::ReadWriteMultiple {
                    write_start, write, ..
                }) => Data::Registers {
                    address: *write_start,
                    values: write,
                },
                Some(Request::MaskWrite { address, .. }) => Data::Mask { address: *address },
                _ => Data::Other,
            };
            return Some(Msg {
                unit: q.unit,
                function: q.function,
                data,
            });
        }
        // A response of a function ICSNPP never pairs (`matched` none)
        // had its request judged in a transaction of its own, as Suricata,
        // which pairs by transaction id, would have judged the pair.
        t.matched?;
        let r = t.response.as_ref()?;
        let data = match r.body.get() {
            Some(Response::WriteSingleCoil { address, value }) => Data::Single {
                address: *address,
                value: if *value { 0xFF00 } else { 0 },
            },
            Some(Response::WriteSingleRegister { address, value }) => Data::Single {
                address: *address,
                value: *value,
            },
            Some(Response::WriteMultiple { start, .. }) => Data::Echo { address: *start },
            Some(Response::MaskWrite { address, .. }) => Data::Mask { address: *address },
            Some(Response::Diagnostics { sub, .. }) => Data::Diagnostic(*sub),
            Some(Response::Encap { mei, .. }) => Data::Mei(*mei),
            _ => Data::Other,
        };
        Some(Msg {
            unit: r.unit,
            function: r.function,
            data,
        })
    }

    /// The function code without the exception bit.
    pub fn code(&self) -> u8 {
        self.function & !EXCEPTION_BIT
    }

    /// sawp's access flags of the function.
    pub fn access(&self) -> u8 {
        match self.code() {
            1 => COILS | READ,
            2 => DISCRETES | READ,
            3 => HOLDING | READ,
            4 => INPUT | READ,
            5 => COILS | WRITE | SINGLE,
            6 => HOLDING | WRITE | SINGLE,
            15 => COILS | WRITE | MULTIPLE,
            16 => HOLDING | WRITE | MULTIPLE,
            22 => HOLDING | WRITE,
            // Read/Write Multiple Registers reads and writes.
            23 => HOLDING | READ | WRITE | MULTIPLE,
            _ => 0,
        }
    }

    /// sawp's category: the codes it names are assigned (Diagnostics and
    /// MEI by their sub-function or type), the others by its table; a
    /// function byte of 0 or of 128 and up (not an exception of a named
    /// code) has none.
    pub fn category(&self) -> u8 {
        match (self.code(), self.data) {
            (8, Data::Diagnostic(sub)) => {
                if (5..=9).contains(&sub) || sub >= 0x16 {
                    RESERVED
                } else {
                    ASSIGNED
                }
            }
            (43, Data::Mei(mei)) => {
                if mei == 0x0D || mei == 0x0E {
                    ASSIGNED
                } else {
                    RESERVED
                }
            }
            (8 | 43, _) => 0,
            (1..=24, _) => ASSIGNED,
            _ => match self.function {
                0 | 128..=255 => 0,
                1..=8 | 15..=40 | 43..=64 | 73..=89 | 92..=99 | 111..=124 => UNASSIGNED,
                9..=14 | 41 | 42 | 90 | 91 | 125..=127 => RESERVED,
                65..=72 | 100..=110 => USER,
            },
        }
    }

    /// sawp's `get_address_range`: the 1-based numbers the message
    /// touches (none when the quantity is 0 or runs past 65535).
    pub fn address_range(&self) -> Option<(u16, u16)> {
        let (address, quantity) = match self.data {
            Data::Single { address, .. } | Data::Echo { address } | Data::Mask { address } => {
                return address.checked_add(1).map(|a| (a, a))
            }
            Data::Read { address, quantity } => (address, quantity),
            Data::Registers { address, values } => (address, values.len() as u16),
            Data::Coils { address, values } => (address, values.len() as u16),
            _ => return None,
        };
        (quantity > 0 && quantity <= u16::MAX - address).then(|| (address + 1, address + quantity))
    }

    /// sawp's `get_write_value_at_address`: the value written at the
    /// 1-based `address` (a coil as 0 or 1).
    pub fn value_at(&self, address: u16) -> Option<u16> {
        let (lo, hi) = self.address_range()?;
        if !(lo..=hi).contains(&address) {
            return None;
        }
        let access = self.access();
        let i = usize::from(address - lo);
        match self.data {
            Data::Single { value, .. } if access & SINGLE != 0 => Some(if access & COILS != 0 {
                u16::from(value != 0)
            } else {
                value
            }),
            Data::Registers { values, .. } if access & MULTIPLE != 0 => values.get(i).copied(),
            Data::Coils { values, .. } if access & MULTIPLE != 0 => {
                values.get(i).map(|b| u16::from(*b))
            }
            _ => None,
        }
    }
}

impl Modbus {
    /// Suricata's `modbus_inspect`.
    pub fn matches(&self, m: &Msg<'_>) -> bool {
        if self.unit.is_some_and(|u| !u.matches(u16::from(m.unit))) {
            return false;
        }
        match &self.what {
            What::Any => true,
            What::Category(set) => m.category() & set != 0,
            What::Function { code, sub } => {
                m.code() == *code
                    && sub.is_none_or(|s| matches!(m.data, Data::Diagnostic(d) if d == s))
            }
            What::Access {
                flags,
                address,
                value,
            } => {
                let have = m.access();
                if have & flags & (READ | WRITE) == 0
                    || flags & TABLES != 0 && have & flags & TABLES == 0
                {
                    return false;
                }
                let Some(address) = address else { return true };
                let Some((lo, hi)) = m.address_range() else {
                    return false;
                };
                if !address.meets(lo, hi) {
                    return false;
                }
                value.is_none_or(|v| m.value_at(address.start).is_some_and(|x| v.matches(x)))
            }
        }
    }
}
