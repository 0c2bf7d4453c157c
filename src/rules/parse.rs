//! The rule language: Suricata's rule syntax (header, options), read with
//! `nom`. Errors carry the byte offset in the rule text; the caller turns
//! it into a line and column.

use super::ast::*;
use super::payload;
use super::vars::Vars;
use nom::branch::alt;
use nom::bytes::complete::take_while1;
use nom::character::complete::{char, multispace0};
use nom::combinator::opt;
use nom::sequence::preceded;
use nom::{IResult, Parser};
use std::net::IpAddr;
use std::path::Path;

/// Why a rule does not parse: where (offset in the rule text), what was
/// expected, and the sid when it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

/// The offset of `rest` inside `all`.
fn at(all: &str, rest: &str) -> usize {
    all.len() - rest.len()
}

fn token(i: &str) -> IResult<&str, &str> {
    preceded(
        multispace0,
        take_while1(|c: char| !c.is_whitespace() && c != '('),
    )
    .parse(i)
}

/// A bracketed or plain header field (brackets may hold spaces).
fn field(i: &str) -> IResult<&str, &str> {
    let (i, _) = multispace0(i)?;
    if i.starts_with('[') || i.starts_with("![") {
        let mut depth = 0;
        for (n, c) in i.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok((&i[n + 1..], &i[..n + 1]));
                    }
                }
                _ => {}
            }
        }
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Char,
        )));
    }
    token(i)
}

/// The shape addresses and ports share: `any`, `$VAR`, `!x`, `[a, !b]`,
/// or a leaf value; variables expand to the same shape (8 levels deep).
fn expr<T>(
    text: &str,
    vars: &Vars,
    depth: u8,
    any: fn() -> T,
    list: fn(Vec<(bool, T)>) -> T,
    leaf: &dyn Fn(&str) -> Result<T, String>,
) -> Result<T, String> {
    let t = text.trim();
    if depth > 8 {
        return Err(format!("variables nest too deep at {t}"));
    }
    if t == "any" {
        return Ok(any());
    }
    if let Some(name) = t.strip_prefix('$') {
        let v = vars
            .get(name)
            .ok_or_else(|| format!("undefined variable ${name}"))?;
        return expr(v, vars, depth + 1, any, list, leaf);
    }
    if let Some(inner) = t.strip_prefix('!') {
        return Ok(list(vec![(
            true,
            expr(inner, vars, depth, any, list, leaf)?,
        )]));
    }
    if let Some(inner) = t.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        let mut items = Vec::new();
        for part in split_list(inner) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (neg, p) = match part.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, part),
            };
            items.push((neg, expr(p, vars, depth, any, list, leaf)?));
        }
        return Ok(list(items));
    }
    leaf(t)
}

/// Parses addresses (`any`, `$VAR`, `!x`, `[a, b]`, `10.0.0.0/8`).
pub fn addrs(text: &str, vars: &Vars, depth: u8) -> Result<Addrs, String> {
    expr(text, vars, depth, || Addrs::Any, Addrs::List, &|t| {
        let (ip, prefix) = match t.split_once('/') {
            Some((ip, p)) => (ip, Some(p)),
            None => (t, None),
        };
        let addr: IpAddr = ip.parse().map_err(|_| {
            format!("expected an address, network, list, $VARIABLE or any; found {t:?}")
        })?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("bad prefix length in {t:?}"))?,
            None => max,
        };
        Ok(Addrs::Net(Net { addr, prefix }))
    })
}

/// Parses ports (`any`, `$VAR`, `!x`, `[a, b]`, `502`, `1:1024`, `1024:`).
pub fn ports(text: &str, vars: &Vars, depth: u8) -> Result<Ports, String> {
    expr(text, vars, depth, || Ports::Any, Ports::List, &|t| {
        let num = |s: &str| -> Result<u16, String> {
            s.parse()
                .map_err(|_| format!("expected a port, range, list, $VARIABLE or any; found {t:?}"))
        };
        match t.split_once(':') {
            Some((a, b)) => {
                let a = if a.is_empty() { 0 } else { num(a)? };
                let b = if b.is_empty() { u16::MAX } else { num(b)? };
                if a > b {
                    return Err(format!("empty port range {t:?}"));
                }
                Ok(Ports::Range(a, b))
            }
            None => {
                let p = num(t)?;
                Ok(Ports::Range(p, p))
            }
        }
    })
}

/// Splits a list on the commas of its top level.
fn split_list(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// One `name[:value];` option: its name, its value (quotes removed, `\\`,
/// `\"` and `\;` unescaped) and the value as written (the payload
/// keywords read their own escapes).
fn option(i: &str) -> IResult<&str, (&str, Option<String>, &str)> {
    let (i, _) = multispace0(i)?;
    let (i, name) = take_while1(|c: char| c.is_alphanumeric() || "_.-".contains(c))(i)?;
    let (i, _) = multispace0(i)?;
    let start = i.strip_prefix(':').unwrap_or(i);
    let (i, v) = opt(preceded(
        (char(':'), multispace0),
        alt((quoted_value, raw_value)),
    ))
    .parse(i)?;
    let raw = if v.is_some() {
        start[..start.len() - i.len()].trim()
    } else {
        ""
    };
    let (i, _) = (multispace0, char(';')).parse(i)?;
    Ok((i, (name, v, raw)))
}

/// A quoted value: `\\`, `\"` and `\;` unescaped, other escapes (`\d`
/// in a pcre) kept as written.
fn quoted_value(i: &str) -> IResult<&str, String> {
    let Some(body) = i.strip_prefix('"') else {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Char,
        )));
    };
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((n, c)) = chars.next() {
        match c {
            '"' => return Ok((&body[n + 1..], out)),
            '\\' => match chars.next() {
                Some((_, e @ ('\\' | '"' | ';'))) => out.push(e),
                Some((_, e)) => {
                    out.push('\\');
                    out.push(e);
                }
                None => break,
            },
            _ => out.push(c),
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(
        i,
        nom::error::ErrorKind::Char,
    )))
}

/// An unquoted value (or a negated quoted one, `!"..."`): up to the `;`
/// that is not escaped or inside quotes.
fn raw_value(i: &str) -> IResult<&str, String> {
    let mut quoted = false;
    let mut escaped = false;
    for (n, c) in i.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                if n == 0 {
                    break;
                }
                return Ok((&i[n..], i[..n].trim().to_string()));
            }
            _ => {}
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(
        i,
        nom::error::ErrorKind::IsNot,
    )))
}

fn int(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Suricata's EtherNet/IP and CIP integer keywords: `None` for another
/// keyword.
fn enip(name: &str, v: &str) -> Option<Result<Cond, String>> {
    use super::enip::{identity_keyword, Segment, COMMANDS, STATUSES, U16, U32, U8};
    let r = match name {
        "enip_command" => Uint::parse_enum(v, U16, &COMMANDS).map(Cond::EnipCommand),
        "enip.status" => Uint::parse_enum(v, U32, &STATUSES).map(Cond::EnipStatus),
        "enip.cip_status" => Uint::parse(v, U8).map(Cond::CipStatus),
        "enip.cip_extendedstatus" => Uint::parse(v, U16).map(Cond::CipExtendedStatus),
        "enip.capabilities" => Uint::parse(v, U16).map(Cond::EnipCapabilities),
        "enip.cip_class" | "enip.cip_instance" | "enip.cip_attribute" => {
            let kind = match name {
                "enip.cip_class" => Segment::Class,
                "enip.cip_instance" => Segment::Instance,
                _ => Segment::Attribute,
            };
            Multi::parse(v, U32).map(|value| Cond::CipSegment { kind, value })
        }
        _ => {
            let (field, max) = identity_keyword(name)?;
            Uint::parse(v, max).map(|value| Cond::EnipIdentity { field, value })
        }
    };
    Some(r.map_err(|m| format!("{name}: {m}")))
}

/// The kinds `baseline:` selects (the notes without their prefix).
pub fn baseline_kinds() -> impl Iterator<Item = String> {
    crate::event::NoticeKind::DEVIATIONS
        .iter()
        .map(|k| k.rule_name().to_ascii_lowercase())
}

fn threshold(v: &str, kind: Option<ThresholdKind>) -> Result<Threshold, String> {
    let mut t = Threshold {
        kind: kind.unwrap_or(ThresholdKind::Limit),
        by_dst: false,
        count: 0,
        seconds: 0,
    };
    let mut seen_type = kind.is_some();
    for part in v.split(',').map(str::trim) {
        let (k, val) = part.split_once(char::is_whitespace).unwrap_or((part, ""));
        let val = val.trim();
        match k {
            "type" if kind.is_none() => {
                seen_type = true;
                t.kind = match val {
                    "limit" => ThresholdKind::Limit,
                    "threshold" => ThresholdKind::Threshold,
                    "both" => ThresholdKind::Both,
                    _ => {
                        return Err(format!(
                            "threshold: type is limit, threshold or both, found {val:?}"
                        ))
                    }
                }
            }
            "track" => {
                t.by_dst = match val {
                    "by_src" => false,
                    "by_dst" => true,
                    _ => return Err(format!("expected track by_src or by_dst, found {val:?}")),
                }
            }
            "count" => {
                t.count = int(val).ok_or_else(|| format!("expected a count, found {val:?}"))?
            }
            "seconds" => {
                t.seconds = int(val).ok_or_else(|| format!("expected seconds, found {val:?}"))?
            }
            _ => {
                return Err(format!(
                    "expected type, track, count or seconds, found {k:?}"
                ))
            }
        }
    }
    if !seen_type || t.count == 0 || t.seconds == 0 {
        return Err("expected type, track, count and seconds (count and seconds above 0)".into());
    }
    Ok(t)
}

/// The keywords a rule may use.
pub const KEYWORDS: [&str; 47] = [
    "msg",
    "sid",
    "rev",
    "priority",
    "classtype",
    "metadata",
    "reference",
    "threshold",
    "detection_filter",
    "flow",
    "modbus",
    "modbus.exception",
    "modbus.umas",
    "enip_command",
    "enip.status",
    "enip.vendor_id",
    "enip.device_type",
    "enip.product_code",
    "enip.revision",
    "enip.identity_status",
    "enip.state",
    "enip.serial",
    "enip.protocol_version",
    "enip.capabilities",
    "enip.cip_status",
    "enip.cip_extendedstatus",
    "enip.cip_class",
    "enip.cip_instance",
    "enip.cip_attribute",
    "cip_service",
    "cip.service",
    "cip.write",
    "opcua.service",
    "opcua.security_policy",
    "opcua.security_mode",
    "opcua.identity_token",
    "opcua.secret",
    "s7comm.function",
    "s7comm.pi_service",
    "s7comm.userdata",
    "s7comm.write",
    "profinet_dcp.service",
    "profinet_dcp.changes",
    "baseline",
    "app-layer-protocol",
    "gid",
    "target",
];

/// A keyword's comma-separated list of one-byte codes (`0x29`, `41`).
fn codes(keyword: &str, value: &str) -> Result<Vec<u8>, String> {
    value
        .split(',')
        .map(|c| {
            int(c)
                .filter(|c| *c <= 255)
                .map(|c| c as u8)
                .ok_or_else(|| format!("{keyword}: expected a code (0-255), found {:?}", c.trim()))
        })
        .collect()
}

fn unknown(name: &str) -> String {
    format!(
        "unknown keyword {name:?}; expected one of {}",
        KEYWORDS.join(", ")
    )
}

/// Parses one rule (header and options) with `vars`.
pub fn rule(
    text: &str,
    vars: &Vars,
    file: &Path,
    line: usize,
) -> Result<Rule, (ParseError, Option<u32>)> {
    let fail = |offset: usize, m: String| (ParseError { offset, message: m }, None);
    let rest = text;
    let (rest, action) = token(rest).map_err(|_| fail(0, "expected a rule".into()))?;
    if action != "alert" {
        return Err(fail(
            at(text, rest) - action.len(),
            format!("expected the action alert, found {action:?}"),
        ));
    }
    let (rest, proto_s) =
        token(rest).map_err(|_| fail(at(text, rest), "expected a protocol".into()))?;
    let proto = match proto_s {
        "ip" | "any" => Proto::Any,
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        "modbus" => Proto::Modbus,
        "enip" => Proto::Enip,
        "cip" => Proto::Cip,
        "opcua" => Proto::OpcUa,
        "s7comm" => Proto::S7comm,
        "profinet_dcp" => Proto::ProfinetDcp,
        p => {
            return Err(fail(
                at(text, rest) - p.len(),
                format!(
                "expected a protocol (ip, tcp, udp, modbus, enip, cip, opcua, s7comm, profinet_dcp), found {p:?}"
            ),
            ))
        }
    };
    let mut header = Vec::new();
    let mut rest = rest;
    for what in [
        "source address",
        "source port",
        "direction",
        "destination address",
        "destination port",
    ] {
        match field(rest) {
            Ok((r, f)) => {
                header.push((at(text, r) - f.len(), f));
                rest = r;
            }
            Err(_) => return Err(fail(at(text, rest), format!("expected the {what}"))),
        }
    }
    let addr = |(o, f): (usize, &str)| addrs(f, vars, 0).map_err(|m| fail(o, m));
    let port = |(o, f): (usize, &str)| ports(f, vars, 0).map_err(|m| fail(o, m));
    let bidirectional = match header[2].1 {
        "->" => false,
        "<>" => true,
        d => return Err(fail(header[2].0, format!("expected -> or <>, found {d:?}"))),
    };
    let rest_t = rest.trim_start();
    let Some(body) = rest_t.strip_prefix('(') else {
        return Err(fail(
            at(text, rest_t),
            "expected ( and the rule options".into(),
        ));
    };
    let mut r = Rule {
        proto,
        src: Addrs::Any,
        sport: Ports::Any,
        dst: Addrs::Any,
        dport: Ports::Any,
        bidirectional,
        msg: String::new(),
        sid: 0,
        rev: 1,
        priority: 3,
        classtype: None,
        metadata: Vec::new(),
        references: Vec::new(),
        conds: Vec::new(),
        threshold: None,
        payload: None,
        file: file.to_path_buf(),
        line,
    };
    // Options first, so that errors in them carry the sid.
    let mut opts = Vec::new();
    let mut b = body;
    loop {
        let trimmed = b.trim_start();
        if let Some(after) = trimmed.strip_prefix(')') {
            if !after.trim().is_empty() {
                return Err(fail(
                    at(text, after),
                    "expected the end of the rule after )".into(),
                ));
            }
            break;
        }
        if trimmed.is_empty() {
            return Err(fail(text.len(), "expected ) at the end of the rule".into()));
        }
        match option(b) {
            Ok((next, (name, v, raw))) => {
                opts.push((at(text, b.trim_start()), name, v, raw));
                b = next;
            }
            Err(_) => {
                return Err(fail(
                    at(text, trimmed),
                    "expected an option: keyword[:value];".into(),
                ))
            }
        }
    }
    for (_, name, v, _) in &opts {
        if *name == "sid" {
            r.sid = v.as_deref().and_then(int).unwrap_or(0) as u32;
        }
    }
    let sid = (r.sid != 0).then_some(r.sid);
    let with_sid = |e: (ParseError, Option<u32>)| (e.0, sid);
    r.src = addr(header[0]).map_err(with_sid)?;
    r.sport = port(header[1]).map_err(with_sid)?;
    r.dst = addr(header[3]).map_err(with_sid)?;
    r.dport = port(header[4]).map_err(with_sid)?;
    let mut payload = payload::Builder::default();
    for (o, name, v, raw) in opts {
        let val = || v.clone().unwrap_or_default();
        let need = |what: &str| -> Result<String, (ParseError, Option<u32>)> {
            v.clone().filter(|s| !s.is_empty()).ok_or_else(|| {
                (
                    ParseError {
                        offset: o,
                        message: format!("{name}: expected {what}"),
                    },
                    sid,
                )
            })
        };
        let bad = |m: String| {
            (
                ParseError {
                    offset: o,
                    message: m,
                },
                sid,
            )
        };
        if payload::PAYLOAD_KEYWORDS.contains(&name) {
            payload.option(name, v.as_ref().map(|_| raw)).map_err(bad)?;
            continue;
        }
        match name {
            "msg" => r.msg = need("a message")?,
            "sid" => {
                if r.sid == 0 {
                    return Err(bad("sid: expected a positive number".into()));
                }
            }
            "rev" => {
                r.rev = int(&need("a number")?)
                    .ok_or_else(|| bad("rev: expected a number".into()))?
                    as u32
            }
            "priority" => {
                r.priority = int(&need("1 to 4")?)
                    .filter(|p| (1..=4).contains(p))
                    .ok_or_else(|| bad("priority: expected 1 to 4".into()))?
                    as u8
            }
            "classtype" => r.classtype = Some(need("a class type")?),
            "metadata" => r.metadata.extend(
                need("key value pairs")?
                    .split(',')
                    .map(|m| m.trim().to_string()),
            ),
            "reference" => r.references.push(need("type,id")?),
            "threshold" => {
                r.threshold = Some(
                    threshold(&need("type, track, count, seconds")?, None)
                        .map_err(|m| bad(format!("threshold: {m}")))?,
                )
            }
            "detection_filter" => {
                r.threshold = Some(
                    threshold(
                        &need("track, count, seconds")?,
                        Some(ThresholdKind::DetectionFilter),
                    )
                    .map_err(|m| bad(format!("detection_filter: {m}")))?,
                )
            }
            "gid" | "target" => {}
            "modbus" => r.conds.push(Cond::Modbus(
                super::modbus::parse(&need("function, access or unit")?).map_err(bad)?,
            )),
            "modbus.exception" => r.conds.push(Cond::ModbusException),
            "modbus.umas" => r.conds.push(Cond::ModbusUmas(
                codes(name, &need("UMAS function codes")?).map_err(bad)?,
            )),
            "cip_service" | "cip.service" => {
                let s = need("service[,class[,attribute]]")?;
                let n: Vec<Option<u64>> = s.split(',').map(int).collect();
                if n.is_empty() || n.len() > 3 || n.iter().any(Option::is_none) || n[0] > Some(255)
                {
                    return Err(bad(format!(
                        "{name}: expected service[,class[,attribute]], found {s:?}"
                    )));
                }
                let service = n[0].unwrap_or(0) as u8;
                let class = n.get(1).copied().flatten().map(|c| c as u32);
                let attribute = n.get(2).copied().flatten().map(|c| c as u32);
                r.conds.push(if name == "cip_service" {
                    Cond::CipService {
                        service,
                        class,
                        attribute,
                    }
                } else {
                    Cond::CipRequest {
                        service,
                        class,
                        attribute,
                    }
                });
            }
            "cip.write" => r.conds.push(Cond::CipWrite),
            "opcua.service" => r.conds.push(Cond::OpcUaService(
                need("service names")?
                    .split(',')
                    .map(|s| s.trim().trim_end_matches("Request").to_string())
                    .collect(),
            )),
            "opcua.security_policy" => r.conds.push(Cond::OpcUaPolicy(need("a policy name")?)),
            "opcua.security_mode" => {
                r.conds
                    .push(Cond::OpcUaMode(match val().to_lowercase().as_str() {
                        "none" => 1,
                        "sign" => 2,
                        "signandencrypt" => 3,
                        m => {
                            return Err(bad(format!(
                        "opcua.security_mode: expected none, sign or signandencrypt, found {m:?}"
                    )))
                        }
                    }))
            }
            "opcua.identity_token" => {
                let t = val().to_lowercase();
                if !["anonymous", "username", "certificate", "issued"].contains(&t.as_str()) {
                    return Err(bad(format!("opcua.identity_token: expected anonymous, username, certificate or issued, found {t:?}")));
                }
                r.conds.push(Cond::OpcUaToken(t));
            }
            "opcua.secret" => r.conds.push(Cond::OpcUaSecret {
                encrypted: match val().as_str() {
                    "clear" => false,
                    "encrypted" => true,
                    s => {
                        return Err(bad(format!(
                            "opcua.secret: expected clear or encrypted, found {s:?}"
                        )))
                    }
                },
            }),
            "s7comm.function" => r.conds.push(Cond::S7Function(
                codes(name, &need("function codes")?).map_err(bad)?,
            )),
            "s7comm.pi_service" => r.conds.push(Cond::S7PiService(
                need("PI service names")?
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .collect(),
            )),
            "s7comm.userdata" => {
                let s = need("group[,subfunction]")?;
                let n: Vec<Option<u64>> = s.split(',').map(int).collect();
                match n.as_slice() {
                    [Some(g @ 0..=15)] => r.conds.push(Cond::S7Userdata {
                        group: *g as u8,
                        subfunction: None,
                    }),
                    [Some(g @ 0..=15), Some(f @ 0..=255)] => r.conds.push(Cond::S7Userdata {
                        group: *g as u8,
                        subfunction: Some(*f as u8),
                    }),
                    _ => {
                        return Err(bad(format!(
                        "s7comm.userdata: expected group (0-15)[,subfunction (0-255)], found {s:?}"
                    )))
                    }
                }
            }
            "s7comm.write" => r.conds.push(Cond::S7Write),
            "profinet_dcp.service" => {
                let names = need("DCP services")?;
                let services = names
                    .split(',')
                    .map(|s| match s.trim().to_ascii_lowercase().as_str() {
                        "get" => Ok(3),
                        "set" => Ok(4),
                        "identify" => Ok(5),
                        "hello" => Ok(6),
                        _ => codes(name, s)
                            .ok()
                            .and_then(|c| c.first().copied())
                            .ok_or_else(|| {
                                format!(
                                    "profinet_dcp.service: expected get, set, identify, hello or a code (0-255), found {:?}",
                                    s.trim()
                                )
                            }),
                    })
                    .collect::<Result<Vec<u8>, String>>()
                    .map_err(bad)?;
                r.conds.push(Cond::DcpService(services));
            }
            "profinet_dcp.changes" => r.conds.push(Cond::DcpChanges),
            "baseline" => {
                let kinds: Vec<String> = need("deviation kinds")?
                    .split(',')
                    .map(|k| k.trim().to_lowercase())
                    .collect();
                if let Some(k) = kinds
                    .iter()
                    .find(|k| *k != "any" && !baseline_kinds().any(|b| b == **k))
                {
                    return Err(bad(format!(
                        "baseline: unknown deviation {k:?}; expected any or one of {}",
                        baseline_kinds().collect::<Vec<_>>().join(", ")
                    )));
                }
                r.conds.push(Cond::Baseline(kinds));
            }
            "app-layer-protocol" => {
                let s = need("a protocol name")?;
                let (neg, n) = match s.strip_prefix('!') {
                    Some(n) => (true, n.trim().to_string()),
                    None => (false, s.trim().to_string()),
                };
                r.conds.push(Cond::AppLayer { neg, name: n });
            }
            other if other.starts_with("enip") => match enip(other, &need("a value")?) {
                Some(c) => r.conds.push(c.map_err(bad)?),
                None => return Err(bad(unknown(other))),
            },
            other => return Err(bad(unknown(other))),
        }
    }
    if r.sid == 0 {
        return Err((
            ParseError {
                offset: 0,
                message: "the rule has no sid".into(),
            },
            None,
        ));
    }
    if let Some(b) = payload.dangling_buffer() {
        return Err((
            ParseError {
                offset: 0,
                message: format!(
                    "{}: a sticky buffer with nothing to match after it",
                    b.keyword()
                ),
            },
            sid,
        ));
    }
    let (program, buffers) = payload.finish();
    for (buffer, inspection) in buffers {
        r.conds.push(Cond::Buffer(buffer, inspection));
    }
    if program.on_payload() {
        // Suricata would match both on one transaction; otwatch matches
        // payload keywords on the stream and protocol keywords on its
        // events, which are not joined.
        if let Some(c) = r.conds.iter().find(|c| !matches!(c, Cond::AppLayer { .. })) {
            return Err((
                ParseError {
                    offset: 0,
                    message: format!(
                        "payload keywords (content, pcre, byte_test, flowbits...) cannot be combined with the protocol keyword of {}",
                        c.keyword()
                    ),
                },
                sid,
            ));
        }
        r.payload = Some(Box::new(program));
    }
    // A rule without msg is valid, as in Suricata: its alerts have an
    // empty message.
    Ok(r)
}
