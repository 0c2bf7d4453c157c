//! Reading the payload keywords of a rule, in order: each modifier applies
//! to the `content` before it, each sticky buffer to the items after it.

use super::*;

/// The keywords read here.
pub const PAYLOAD_KEYWORDS: [&str; 24] = [
    "content",
    "nocase",
    "rawbytes",
    "fast_pattern",
    "offset",
    "depth",
    "distance",
    "within",
    "startswith",
    "endswith",
    "pcre",
    "dsize",
    "byte_test",
    "byte_jump",
    "isdataat",
    "flow",
    "flowbits",
    "pkt_data",
    "enip.product_name",
    "noalert",
    "tag",
    "stream_size",
    "app-layer-event",
    "byte_extract",
];

/// Keywords listed above that are refused with a reason.
const REFUSED: [(&str, &str); 4] = [
    ("tag", "tag is not supported (no packet logging)"),
    ("stream_size", "stream_size is not supported"),
    ("app-layer-event", "app-layer-event is not supported"),
    (
        "byte_extract",
        "byte_extract is not supported (its variables neither)",
    ),
];

/// The payload part of one rule as its options are read.
#[derive(Default)]
pub struct Builder {
    program: Program,
    /// The buffer the next items go to: None for the packet payload.
    sticky: Option<Buffer>,
    buffers: Vec<(Buffer, Inspection)>,
}

fn need<'a>(name: &str, raw: Option<&'a str>, what: &str) -> Result<&'a str, String> {
    raw.map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("{name}: expected {what}"))
}

fn int<T: TryFrom<i64>>(name: &str, s: &str) -> Result<T, String> {
    let s = s.trim();
    let v = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => i64::from_str_radix(h, 16).ok(),
        None => s.parse::<i64>().ok(),
    };
    v.and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| format!("{name}: expected a number in range, found {s:?}"))
}

/// A quoted value, its quotes removed (`!` before them: negated).
fn quoted<'a>(name: &str, raw: &'a str) -> Result<(bool, &'a str), String> {
    let t = raw.trim();
    let (neg, t) = match t.strip_prefix('!') {
        Some(r) => (true, r.trim_start()),
        None => (false, t),
    };
    let inner = t
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(t);
    if inner.is_empty() {
        return Err(format!("{name}: empty value"));
    }
    Ok((neg, inner))
}

/// A content string: text with `|hex bytes|` and escapes (`\"`, `\;`,
/// `\\`, `\:`).
pub fn content_bytes(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut hex = false;
    let mut nibble: Option<u8> = None;
    let mut chars = s.bytes();
    while let Some(c) = chars.next() {
        if hex {
            match c {
                b'|' => {
                    if nibble.is_some() {
                        return Err("content: odd number of hex digits".into());
                    }
                    hex = false;
                }
                b' ' | b'\t' => {
                    if nibble.is_some() {
                        return Err("content: a hex byte needs two digits".into());
                    }
                }
                _ => {
                    let d = (c as char)
                        .to_digit(16)
                        .ok_or_else(|| format!("content: {:?} is not a hex digit", c as char))?
                        as u8;
                    match nibble.take() {
                        Some(h) => out.push(h << 4 | d),
                        None => nibble = Some(d),
                    }
                }
            }
            continue;
        }
        match c {
            b'|' => hex = true,
            b'\\' => match chars.next() {
                Some(e @ (b'"' | b';' | b'\\' | b':' | b'|')) => out.push(e),
                Some(e) => {
                    return Err(format!(
                        "content: unknown escape \\{}; use |hex| bytes",
                        e as char
                    ))
                }
                None => return Err("content: ends with a backslash".into()),
            },
            _ => out.push(c),
        }
    }
    if hex {
        return Err("content: a |hex| part is not closed".into());
    }
    if out.is_empty() {
        return Err("content: empty pattern".into());
    }
    Ok(out)
}

/// `pcre:"/re/flags"` as the `regex` crate reads it.
fn pcre(raw: &str) -> Result<Pcre, String> {
    let (negated, body) = quoted("pcre", raw)?;
    let source = body.to_string();
    let body = body
        .strip_prefix('/')
        .ok_or_else(|| "pcre: expected /regex/flags".to_string())?;
    let slash = body
        .rfind('/')
        .ok_or_else(|| "pcre: expected /regex/flags".to_string())?;
    let (re, flags) = (&body[..slash], &body[slash + 1..]);
    // The rule syntax escapes ; and " with a backslash; the regex sees
    // them bare.
    let mut pattern = String::with_capacity(re.len());
    let mut it = re.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some(e @ (';' | '"')) => pattern.push(e),
                Some(e) => {
                    pattern.push('\\');
                    pattern.push(e);
                }
                None => pattern.push('\\'),
            }
        } else {
            pattern.push(c);
        }
    }
    let mut relative = false;
    let mut anchored = false;
    let (mut i, mut s, mut m, mut x, mut g) = (false, false, false, false, false);
    for f in flags.chars() {
        match f {
            'i' => i = true,
            's' => s = true,
            'm' => m = true,
            'x' => x = true,
            'A' => anchored = true,
            'E' | 'B' | 'O' => {}
            'G' => g = true,
            'R' => relative = true,
            other => {
                return Err(format!(
                "pcre: the /{other} flag (an HTTP buffer or a PCRE-only option) is not supported"
            ))
            }
        }
    }
    if anchored {
        pattern = format!("^(?:{pattern})");
    }
    let re = regex::bytes::RegexBuilder::new(&pattern)
        .unicode(false)
        .case_insensitive(i)
        .dot_matches_new_line(s)
        .multi_line(m)
        .ignore_whitespace(x)
        .swap_greed(g)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            let why = e.to_string();
            let line = why.lines().last().unwrap_or("").trim().to_string();
            format!("pcre: the regex crate cannot use this expression (a PCRE feature it lacks?): {line}")
        })?;
    Ok(Pcre {
        source,
        re,
        negated,
        relative,
    })
}

/// The comma list of `byte_test`/`byte_jump` after the fixed fields:
/// the shared options.
fn extract_opts(
    name: &str,
    nbytes: &str,
    offset: &str,
    rest: &[&str],
) -> Result<(Extract, Vec<String>), String> {
    let nbytes: u8 = int(name, nbytes)?;
    let mut x = Extract {
        nbytes,
        offset: int(name, offset)?,
        relative: false,
        little: false,
        base: None,
        bitmask: None,
    };
    let mut others = Vec::new();
    let mut string = false;
    for opt in rest {
        let o = opt.trim();
        match o {
            "relative" => x.relative = true,
            "little" => x.little = true,
            "big" => x.little = false,
            "string" => string = true,
            "hex" => x.base = Some(16),
            "dec" => x.base = Some(10),
            "oct" => x.base = Some(8),
            "dce" => return Err(format!("{name}: dce is not supported (DCE/RPC only)")),
            _ if o.starts_with("bitmask") => {
                let v = o.trim_start_matches("bitmask").trim();
                x.bitmask = Some(int::<i64>(name, v)? as u64);
            }
            _ => others.push(o.to_string()),
        }
    }
    if string {
        x.base = Some(x.base.unwrap_or(10));
        if !(1..=20).contains(&nbytes) {
            return Err(format!(
                "{name}: a string holds 1 to 20 bytes, found {nbytes}"
            ));
        }
    } else if x.base.is_some() {
        return Err(format!("{name}: hex, dec and oct need string"));
    } else if !(1..=8).contains(&nbytes) {
        return Err(format!("{name}: reads 1 to 8 bytes, found {nbytes}"));
    }
    Ok((x, others))
}

fn byte_test(v: &str) -> Result<ByteTest, String> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    if parts.len() < 4 {
        return Err("byte_test: expected bytes, operator, value, offset[, options]".into());
    }
    let (negated, op) = match parts[1].strip_prefix('!') {
        Some("") => (true, "="),
        Some(o) => (true, o.trim()),
        None => (false, parts[1]),
    };
    let op = match op {
        "<" => Op::Lt,
        ">" => Op::Gt,
        "=" => Op::Eq,
        "<=" => Op::Le,
        ">=" => Op::Ge,
        "&" => Op::And,
        "^" => Op::Xor,
        o => return Err(format!("byte_test: unknown operator {o:?}")),
    };
    let value = int::<i64>("byte_test", parts[2])? as u64;
    let (extract, others) = extract_opts("byte_test", parts[0], parts[3], &parts[4..])?;
    if let Some(o) = others.first() {
        return Err(format!("byte_test: unknown option {o:?}"));
    }
    Ok(ByteTest {
        extract,
        op,
        negated,
        value,
    })
}

fn byte_jump(v: &str) -> Result<ByteJump, String> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    if parts.len() < 2 {
        return Err("byte_jump: expected bytes, offset[, options]".into());
    }
    let (extract, others) = extract_opts("byte_jump", parts[0], parts[1], &parts[2..])?;
    let mut j = ByteJump {
        extract,
        multiplier: 1,
        align: false,
        from_beginning: false,
        from_end: false,
        post_offset: 0,
    };
    for o in others {
        let (k, val) = o.split_once(char::is_whitespace).unwrap_or((&o, ""));
        match k {
            "align" => j.align = true,
            "from_beginning" => j.from_beginning = true,
            "from_end" => j.from_end = true,
            "multiplier" => j.multiplier = int::<i64>("byte_jump", val)? as u64,
            "post_offset" => j.post_offset = int("byte_jump", val)?,
            _ => return Err(format!("byte_jump: unknown option {o:?}")),
        }
    }
    if j.from_beginning && j.from_end {
        return Err("byte_jump: from_beginning and from_end exclude each other".into());
    }
    Ok(j)
}

impl Builder {
    /// The inspection the next items go to.
    fn target(&mut self) -> &mut Inspection {
        match self.sticky {
            None => &mut self.program.payload,
            Some(buf) => match self.buffers.iter().position(|(b, _)| *b == buf) {
                Some(i) => &mut self.buffers[i].1,
                None => {
                    self.buffers.push((buf, Inspection::default()));
                    let last = self.buffers.len() - 1;
                    &mut self.buffers[last].1
                }
            },
        }
    }

    /// The content a modifier applies to.
    fn last_content(&mut self, name: &str) -> Result<&mut Content, String> {
        match self.target().items.last_mut() {
            Some(Item::Content(c)) => Ok(c),
            _ => Err(format!("{name}: must follow a content")),
        }
    }

    /// Whether an item before the last can anchor a relative one.
    fn has_anchor(&mut self) -> bool {
        self.target().items.len() > 1
    }

    /// Reads one payload option (`raw`: its value as written, escapes
    /// kept).
    pub fn option(&mut self, name: &str, raw: Option<&str>) -> Result<(), String> {
        if let Some((_, why)) = REFUSED.iter().find(|(k, _)| *k == name) {
            return Err((*why).to_string());
        }
        match name {
            "content" => {
                let (negated, text) = quoted(name, need(name, raw, "a pattern")?)?;
                let pattern = content_bytes(text)?;
                self.target().items.push(Item::Content(Content {
                    pattern,
                    nocase: false,
                    negated,
                    offset: 0,
                    depth: None,
                    distance: None,
                    within: None,
                    endswith: false,
                    fast_pattern: false,
                }));
            }
            "nocase" => self.last_content(name)?.nocase = true,
            "rawbytes" => {}
            "fast_pattern" => self.last_content(name)?.fast_pattern = true,
            "offset" | "depth" => {
                let v: u32 = int(name, need(name, raw, "a number")?)?;
                let c = self.last_content(name)?;
                if c.relative() {
                    return Err(format!(
                        "{name}: cannot be combined with distance or within on one content"
                    ));
                }
                if name == "offset" {
                    c.offset = v;
                } else {
                    if v == 0 {
                        return Err("depth: must be above 0".into());
                    }
                    c.depth = Some(v);
                }
            }
            "distance" | "within" => {
                let v: i32 = int(name, need(name, raw, "a number")?)?;
                let anchored = self.has_anchor();
                let c = self.last_content(name)?;
                if c.depth.is_some() || c.offset != 0 {
                    return Err(format!(
                        "{name}: cannot be combined with offset or depth on one content"
                    ));
                }
                if !anchored {
                    return Err(format!(
                        "{name}: needs an earlier content to be relative to"
                    ));
                }
                if name == "distance" {
                    c.distance = Some(v);
                } else {
                    if v <= 0 || (v as usize) < c.pattern.len() {
                        return Err("within: must be at least the pattern's length".into());
                    }
                    c.within = Some(v);
                }
            }
            "startswith" => {
                let c = self.last_content(name)?;
                if c.relative() || c.depth.is_some() || c.offset != 0 {
                    return Err(
                        "startswith: cannot be combined with offset, depth, distance or within"
                            .into(),
                    );
                }
                c.depth = Some(c.pattern.len() as u32);
            }
            "endswith" => self.last_content(name)?.endswith = true,
            "pcre" => {
                let p = pcre(need(name, raw, "/regex/flags")?)?;
                if p.relative && self.target().items.is_empty() {
                    return Err("pcre: /R needs an earlier item to be relative to".into());
                }
                self.target().items.push(Item::Pcre(Box::new(p)));
            }
            "dsize" => {
                if self.sticky.is_some() {
                    return Err("dsize: applies to the packet payload, not a sticky buffer".into());
                }
                self.program.payload.dsize = Some(
                    Uint::parse(need(name, raw, "a size")?, u64::from(u16::MAX))
                        .map_err(|e| format!("dsize: {e}"))?,
                );
            }
            "byte_test" => {
                let t = byte_test(need(name, raw, "bytes, operator, value, offset")?)?;
                self.target().items.push(Item::ByteTest(t));
            }
            "byte_jump" => {
                let j = byte_jump(need(name, raw, "bytes, offset")?)?;
                self.target().items.push(Item::ByteJump(j));
            }
            "isdataat" => {
                let v = need(name, raw, "a position")?;
                let mut parts = v.split(',').map(str::trim);
                let first = parts.next().unwrap_or_default();
                let (negated, at) = match first.strip_prefix('!') {
                    Some(a) => (true, a),
                    None => (false, first),
                };
                let mut d = IsDataAt {
                    at: int(name, at)?,
                    relative: false,
                    negated,
                };
                for p in parts {
                    match p {
                        "relative" => d.relative = true,
                        "rawbytes" => {}
                        o => return Err(format!("isdataat: unknown option {o:?}")),
                    }
                }
                self.target().items.push(Item::IsDataAt(d));
            }
            "flow" => {
                for o in need(name, raw, "options")?.split(',').map(str::trim) {
                    let f = &mut self.program.flow;
                    match o {
                        "established" => f.established = Some(true),
                        "not_established" => f.established = Some(false),
                        "to_server" | "from_client" => f.to_server = Some(true),
                        "to_client" | "from_server" => f.to_server = Some(false),
                        // Payload is inspected once per in-order chunk:
                        // there is no separate packet and stream pass.
                        "stateless" | "only_stream" | "no_stream" | "no_frag" | "only_frag" => {}
                        _ => return Err(format!("flow: unknown option {o:?}")),
                    }
                }
            }
            "flowbits" => {
                let v = need(name, raw, "a command and a name")?;
                let (cmd, names) = v.split_once(',').unwrap_or((v, ""));
                let cmd = match cmd.trim() {
                    "noalert" if names.trim().is_empty() => {
                        self.program.noalert = true;
                        return Ok(());
                    }
                    "set" => BitCmd::Set,
                    "unset" => BitCmd::Unset,
                    "toggle" => BitCmd::Toggle,
                    "isset" => BitCmd::IsSet,
                    "isnotset" => BitCmd::IsNotSet,
                    c => return Err(format!("flowbits: unknown command {c:?}")),
                };
                let names = names.trim();
                let any = names.contains('|');
                let list: Vec<String> = names
                    .split(['|', '&'])
                    .map(|n| n.trim().to_string())
                    .collect();
                if list
                    .iter()
                    .any(|n| n.is_empty() || n.contains(char::is_whitespace))
                {
                    return Err(format!("flowbits: expected a bit name, found {names:?}"));
                }
                if any && names.contains('&') {
                    return Err("flowbits: mixes | and &".into());
                }
                self.program.bits.push(BitOp {
                    cmd,
                    names: list,
                    any,
                });
            }
            "noalert" => self.program.noalert = true,
            "pkt_data" => self.sticky = None,
            "enip.product_name" => self.sticky = Some(Buffer::EnipProductName),
            other => return Err(format!("{other}: not a payload keyword")),
        }
        Ok(())
    }

    /// The program read, and the sticky buffers with what they must hold.
    pub fn finish(self) -> (Program, Vec<(Buffer, Inspection)>) {
        let mut buffers = self.buffers;
        buffers.retain(|(_, i)| !i.is_empty());
        (self.program, buffers)
    }

    /// Whether the sticky buffer keyword was used with nothing after it.
    pub fn dangling_buffer(&self) -> Option<Buffer> {
        self.sticky
            .filter(|b| !self.buffers.iter().any(|(x, i)| x == b && !i.is_empty()))
    }
}
