//! Payload keywords: what a rule asks of the bytes themselves (`content`,
//! `pcre`, `byte_test`, `byte_jump`, `isdataat`, `dsize`), of the flow
//! (`flow`) and of the flow's bits (`flowbits`), with Suricata's
//! semantics.
//!
//! A rule made of these (and no protocol keyword) is a payload rule: it is
//! matched by the flow workers on every in-order chunk of a TCP stream (a
//! segment's new bytes, once, after reassembly) and on every UDP datagram,
//! and a match becomes a [`crate::event::PayloadMatch`] event that the rule
//! engine turns into an alert. The same inspection serves the sticky
//! buffers of the protocol keywords (`enip.product_name; content:...`).
//!
//! Inspection follows Suricata's content inspection: items are tried in
//! rule order against one buffer with a detection pointer (the end of the
//! last match); a relative item is placed from that pointer; when an item
//! that a following `within` depends on matched but the rest did not, its
//! next occurrence is tried, up to [`RECURSION_LIMIT`] steps.

use super::uint::Uint;

mod inspect;
mod parse;
mod prefilter;
mod set;

pub use parse::{Builder, PAYLOAD_KEYWORDS};
pub use set::{Chunk, Handle, PayloadSet, Scratch};

/// Steps one inspection may take (Suricata's default
/// `inspection_recursion_limit`).
pub const RECURSION_LIMIT: u32 = 3000;

/// `content` and its modifiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    pub pattern: Vec<u8>,
    pub nocase: bool,
    pub negated: bool,
    /// Absolute: where the search starts (`offset`) and how far it goes
    /// from there (`depth`).
    pub offset: u32,
    pub depth: Option<u32>,
    /// Relative to the previous match's end: `distance` and `within`.
    pub distance: Option<i32>,
    pub within: Option<i32>,
    pub endswith: bool,
    /// `fast_pattern`: the pattern the prefilter looks for.
    pub fast_pattern: bool,
}

impl Content {
    pub fn relative(&self) -> bool {
        self.distance.is_some() || self.within.is_some()
    }
}

/// `pcre:"/re/flags"`.
#[derive(Clone, Debug)]
pub struct Pcre {
    pub source: String,
    pub re: regex::bytes::Regex,
    pub negated: bool,
    /// `R`: matched from the end of the previous match.
    pub relative: bool,
}

impl PartialEq for Pcre {
    fn eq(&self, o: &Pcre) -> bool {
        self.source == o.source && self.negated == o.negated && self.relative == o.relative
    }
}

/// How `byte_test` and `byte_jump` read their number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extract {
    pub nbytes: u8,
    pub offset: i32,
    pub relative: bool,
    pub little: bool,
    /// `string, hex|dec|oct`: the bytes are digits in this base.
    pub base: Option<u32>,
    pub bitmask: Option<u64>,
}

/// `byte_test`'s comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Lt,
    Gt,
    Eq,
    Le,
    Ge,
    And,
    Xor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteTest {
    pub extract: Extract,
    pub op: Op,
    pub negated: bool,
    pub value: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteJump {
    pub extract: Extract,
    pub multiplier: u64,
    pub align: bool,
    pub from_beginning: bool,
    pub from_end: bool,
    pub post_offset: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsDataAt {
    pub at: u32,
    pub relative: bool,
    pub negated: bool,
}

/// One inspection step, in rule order.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Content(Content),
    Pcre(Box<Pcre>),
    ByteTest(ByteTest),
    ByteJump(ByteJump),
    IsDataAt(IsDataAt),
}

impl Item {
    /// Placed from the previous match's end.
    fn relative(&self) -> bool {
        match self {
            Item::Content(c) => c.relative(),
            Item::Pcre(p) => p.relative,
            Item::ByteTest(b) => b.extract.relative,
            Item::ByteJump(b) => b.extract.relative,
            Item::IsDataAt(i) => i.relative,
        }
    }
}

/// `flow:` options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowOpts {
    /// `established` (true) or `not_established` (false).
    pub established: Option<bool>,
    /// `to_server`/`from_client` (true) or `to_client`/`from_server`.
    pub to_server: Option<bool>,
}

/// What a `flowbits` option does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitCmd {
    Set,
    Unset,
    Toggle,
    IsSet,
    IsNotSet,
}

/// `flowbits:CMD,NAME` (`a|b`: any of them, `a&b`: all of them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BitOp {
    pub cmd: BitCmd,
    pub names: Vec<String>,
    pub any: bool,
}

/// The buffers a sticky-buffer keyword selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Buffer {
    /// `enip.product_name`: a List Identity reply's product name.
    EnipProductName,
}

impl Buffer {
    pub fn keyword(&self) -> &'static str {
        match self {
            Buffer::EnipProductName => "enip.product_name",
        }
    }
}

/// What one buffer must hold: the items in order, and a size.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inspection {
    pub items: Vec<Item>,
    /// `dsize`, in Suricata's unsigned integer syntax.
    pub dsize: Option<Uint>,
}

impl Inspection {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.dsize.is_none()
    }

    /// Whether `buf` satisfies every item (Suricata's content inspection).
    pub fn matches(&self, buf: &[u8]) -> bool {
        if let Some(d) = self.dsize {
            if !d.matches(buf.len() as u64) {
                return false;
            }
        }
        inspect::run(&self.items, buf)
    }

    /// The pattern the prefilter looks for: the `fast_pattern` content,
    /// else the longest positive content (Suricata's choice, in short).
    pub fn fast_pattern(&self) -> Option<&Content> {
        let positive = || {
            self.items.iter().filter_map(|i| match i {
                Item::Content(c) if !c.negated => Some(c),
                _ => None,
            })
        };
        positive()
            .find(|c| c.fast_pattern)
            .or_else(|| positive().max_by_key(|c| c.pattern.len()))
    }
}

/// The payload part of a rule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    /// The packet payload's items (those before any sticky buffer).
    pub payload: Inspection,
    /// Sticky buffers and what they must hold.
    pub buffers: Vec<(Buffer, Inspection)>,
    pub flow: FlowOpts,
    pub bits: Vec<BitOp>,
    /// `flowbits:noalert`: a match sets bits but raises no alert.
    pub noalert: bool,
}

impl Program {
    /// Whether the rule is matched on payloads (rather than on protocol
    /// events).
    pub fn on_payload(&self) -> bool {
        !self.payload.is_empty() || !self.bits.is_empty()
    }
}

#[cfg(test)]
mod tests;
