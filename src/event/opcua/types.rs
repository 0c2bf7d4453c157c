//! Owned copies of the OPC UA built-in types (OPC 10000-6, 5.1.2 and
//! 5.2.2) as the events keep them, once the message bytes are gone.
//! Strings and byte strings keep null (`None`) apart from empty; values
//! (Variants) are cut as the logs show them: at most [`MAX_ELEMENTS`]
//! elements of an array and [`MAX_TEXT`] characters of a string, with the
//! length of what was left out.

use crate::id::Id;
use crate::time::Ts;
use std::fmt;

pub use otwatch_parsers::opcua::{BuiltinType, Guid};

/// Array elements (and method arguments) a value keeps; the rest are
/// counted.
pub const MAX_ELEMENTS: usize = 16;
/// Characters of one string a value keeps (and half as many bytes of a
/// byte string); the rest are counted.
pub const MAX_TEXT: usize = 256;

/// 100-ns ticks from 1601-01-01 to 1970-01-01 (OPC 10000-6, 5.2.2.5).
pub const EPOCH_TICKS: i64 = 116_444_736_000_000_000;

/// A DateTime (OPC 10000-6, 5.2.2.5): 100-ns ticks since 1601-01-01 UTC,
/// as sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub i64);

impl DateTime {
    /// The time in microseconds since 1970 (negative before).
    pub fn ts(self) -> Ts {
        Ts(self.0.saturating_sub(EPOCH_TICKS) / 10)
    }

    /// The time, unless it is the zero DateTime ("not set") or not after
    /// 1970.
    pub fn after_epoch(self) -> Option<Ts> {
        (self.0 > EPOCH_TICKS).then(|| self.ts())
    }
}

/// The identifier of a NodeId (5.2.2.9).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Identifier {
    /// Two-byte, four-byte and numeric encodings.
    Numeric(u32),
    /// `None`: the null string.
    String(Option<String>),
    Guid(Guid),
    /// `None`: the null ByteString.
    Opaque(Option<Vec<u8>>),
}

/// A NodeId (5.2.2.9).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeId {
    pub namespace: u16,
    pub identifier: Identifier,
}

impl NodeId {
    /// The numeric identifier in namespace 0 (how standard nodes, types
    /// and services are named), or `None`.
    pub fn ns0_numeric(&self) -> Option<u32> {
        match (self.namespace, &self.identifier) {
            (0, Identifier::Numeric(n)) => Some(*n),
            _ => None,
        }
    }
}

impl fmt::Display for NodeId {
    /// The standard string form (OPC 10000-6, 5.3.1.10): `i=631`,
    /// `ns=2;s=Tag`, `ns=1;g=…`, `ns=3;b=<hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace != 0 {
            write!(f, "ns={};", self.namespace)?;
        }
        match &self.identifier {
            Identifier::Numeric(n) => write!(f, "i={n}"),
            Identifier::String(s) => write!(f, "s={}", s.as_deref().unwrap_or_default()),
            Identifier::Guid(g) => write!(f, "g={g}"),
            Identifier::Opaque(b) => {
                f.write_str("b=")?;
                for byte in b.as_deref().unwrap_or_default() {
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
        }
    }
}

/// A NodeId and the encoding byte it was sent with (0x00 two-byte, 0x01
/// four-byte, 0x02 numeric, 0x03 string, 0x04 GUID, 0x05 opaque), which
/// says whether a namespace was sent at all.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WireNodeId {
    pub encoding: u8,
    pub node_id: NodeId,
}

/// An ExpandedNodeId (5.2.2.10).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExpandedNodeId {
    /// The encoding byte, flags included (0x80: a namespace URI
    /// follows, 0x40: a server index).
    pub encoding: u8,
    pub node_id: NodeId,
    /// The namespace URI when sent (and not null).
    pub namespace_uri: Option<String>,
    pub server_index: Option<u32>,
}

/// A QualifiedName (5.2.2.13).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct QualifiedName {
    pub namespace: u16,
    pub name: Option<String>,
}

/// A LocalizedText (5.2.2.14): each part when its bit of the encoding
/// byte (kept beside it) is set and it is not null.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LocalizedText {
    pub locale: Option<String>,
    pub text: Option<String>,
}

/// A DiagnosticInfo (5.2.2.12); fields present when their mask bit is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiagnosticInfo {
    pub symbolic_id: Option<i32>,
    pub namespace_uri: Option<i32>,
    pub locale: Option<i32>,
    pub localized_text: Option<i32>,
    pub additional_info: Option<String>,
    pub inner_status_code: Option<u32>,
    pub inner: Option<Box<DiagnosticInfo>>,
}

impl DiagnosticInfo {
    /// The inner status codes of this info and the infos nested in it,
    /// with their depth (1 for this info's own).
    pub fn inner_codes(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        std::iter::successors(Some((1u32, self)), |(level, d)| {
            d.inner.as_deref().map(|i| (level.saturating_add(1), i))
        })
        .filter_map(|(level, d)| d.inner_status_code.map(|c| (level, c)))
    }
}

/// The DiagnosticInfos of a response's operations, and the link id of
/// the status rows of their inner codes (set only when one holds a code
/// or a nested info).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    pub link: Option<Id>,
    pub infos: Vec<DiagnosticInfo>,
}

/// A StatusCode (OPC 10000-4, 7.39) and the link id of its status row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkedStatus {
    pub link: Id,
    pub code: u32,
}

/// Text cut to at most [`MAX_TEXT`] characters: the characters kept and
/// how many bytes were left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text {
    pub text: String,
    pub cut: usize,
}

/// Bytes cut to at most [`MAX_TEXT`] / 2: the bytes kept and how many
/// were left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bytes {
    pub bytes: Vec<u8>,
    pub cut: usize,
}

/// The first [`MAX_ELEMENTS`] elements of a list and its length.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Elements<T> {
    pub shown: Vec<T>,
    pub len: usize,
}

/// One value of a built-in type (cut as the module says).
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Null,
    Boolean(bool),
    SByte(i8),
    Byte(u8),
    Int16(i16),
    UInt16(u16),
    Int32(i32),
    UInt32(u32),
    Int64(i64),
    UInt64(u64),
    Float(f32),
    Double(f64),
    String(Option<Text>),
    DateTime(DateTime),
    Guid(Guid),
    ByteString(Option<Bytes>),
    XmlElement(Option<Bytes>),
    NodeId(NodeId),
    ExpandedNodeId(ExpandedNodeId),
    StatusCode(u32),
    QualifiedName {
        namespace: u16,
        name: Option<Text>,
    },
    /// The text part.
    LocalizedText(Option<Text>),
    /// The type of the body (the body is not kept).
    ExtensionObject(NodeId),
    DataValue(Box<DataValue>),
    /// Only inside arrays.
    Variant(Box<Variant>),
    /// Not kept: the logs show only that it is one.
    DiagnosticInfo,
}

/// A Variant (5.2.2.16).
#[derive(Clone, Debug, PartialEq)]
pub enum Variant {
    /// A single value (type Null is the empty Variant).
    Scalar(Scalar),
    /// An array of one type; `None` for a null array (length -1).
    Array {
        element: BuiltinType,
        values: Option<Elements<Scalar>>,
    },
}

/// A DataValue (5.2.2.17); fields present when their mask bit is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DataValue {
    pub value: Option<Variant>,
    pub status: Option<u32>,
    pub source_timestamp: Option<DateTime>,
    pub source_picoseconds: Option<u16>,
    pub server_timestamp: Option<DateTime>,
    pub server_picoseconds: Option<u16>,
}

impl DataValue {
    /// The encoding byte its fields say was sent.
    pub fn encoding(&self) -> u8 {
        u8::from(self.value.is_some())
            | u8::from(self.status.is_some()) << 1
            | u8::from(self.source_timestamp.is_some()) << 2
            | u8::from(self.server_timestamp.is_some()) << 3
            | u8::from(self.source_picoseconds.is_some()) << 4
            | u8::from(self.server_picoseconds.is_some()) << 5
    }
}

/// An ExtensionObject's type and encoding (5.2.2.15), without its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensionType {
    pub type_id: WireNodeId,
    /// 0 no body, 1 binary, 2 XML.
    pub body_encoding: u8,
}

/// A SignatureData (OPC 10000-4, 7.37).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Signature {
    pub algorithm: Option<String>,
    pub signature: Option<Vec<u8>>,
}
