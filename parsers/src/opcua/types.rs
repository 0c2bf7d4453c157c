//! The built-in types of OPC UA (OPC 10000-6, 5.1.2 and 5.2.2), as borrowed
//! views of the message bytes. Decoding lives in [`super::Decoder`].

use std::borrow::Cow;
use std::fmt;

/// A String (5.2.2.4): `None` is the null string (length -1), distinct
/// from the empty string. The bytes should be UTF-8; when they are not,
/// [`UaString::text`] replaces the bad sequences instead of failing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct UaString<'a>(pub Option<&'a [u8]>);

impl<'a> UaString<'a> {
    /// The null string.
    pub const NULL: UaString<'static> = UaString(None);

    /// The bytes, `None` for the null string.
    pub fn bytes(&self) -> Option<&'a [u8]> {
        self.0
    }

    /// Whether this is the null string.
    pub fn is_null(&self) -> bool {
        self.0.is_none()
    }

    /// The text (lossy for bytes that are not UTF-8); empty for null.
    pub fn text(&self) -> Cow<'a, str> {
        match self.0 {
            Some(b) => String::from_utf8_lossy(b),
            None => Cow::Borrowed(""),
        }
    }
}

/// A ByteString (5.2.2.7); also the wire form of XmlElement (5.2.2.8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ByteString<'a>(pub Option<&'a [u8]>);

impl<'a> ByteString<'a> {
    /// The bytes, `None` for the null ByteString.
    pub fn bytes(&self) -> Option<&'a [u8]> {
        self.0
    }

    /// Length in bytes (0 for null).
    pub fn len(&self) -> usize {
        self.0.map_or(0, <[u8]>::len)
    }

    /// Whether null or empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A Guid (5.2.2.6): Data1–Data3 little-endian, Data4 as 8 bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Guid {
    /// Data1.
    pub data1: u32,
    /// Data2.
    pub data2: u16,
    /// Data3.
    pub data3: u16,
    /// Data4.
    pub data4: [u8; 8],
}

impl fmt::Display for Guid {
    /// The registry form, `C496578A-0DFE-4B8F-870A-745238C6AEAE`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.data4;
        write!(
            f,
            "{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
            self.data1, self.data2, self.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
        )
    }
}

/// The identifier part of a NodeId (5.2.2.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Identifier<'a> {
    /// Numeric (two-byte, four-byte and full numeric encodings).
    Numeric(u32),
    /// String.
    String(UaString<'a>),
    /// Guid.
    Guid(Guid),
    /// Opaque (ByteString).
    Opaque(ByteString<'a>),
}

/// A NodeId (5.2.2.9), whatever its wire encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeId<'a> {
    /// Namespace index.
    pub namespace: u16,
    /// Identifier.
    pub identifier: Identifier<'a>,
}

impl NodeId<'_> {
    /// The null NodeId (ns=0;i=0).
    pub const NULL: NodeId<'static> = NodeId {
        namespace: 0,
        identifier: Identifier::Numeric(0),
    };

    /// The numeric identifier in namespace 0 — how service and data type
    /// ids are compared — or `None`.
    pub fn ns0_numeric(&self) -> Option<u32> {
        match (self.namespace, self.identifier) {
            (0, Identifier::Numeric(n)) => Some(n),
            _ => None,
        }
    }
}

impl fmt::Display for NodeId<'_> {
    /// The standard string form (OPC 10000-6, 5.3.1.10): `i=631`,
    /// `ns=2;s=Tag`, `ns=1;g=…`, `ns=3;b=<hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace != 0 {
            write!(f, "ns={};", self.namespace)?;
        }
        match self.identifier {
            Identifier::Numeric(n) => write!(f, "i={n}"),
            Identifier::String(s) => write!(f, "s={}", s.text()),
            Identifier::Guid(g) => write!(f, "g={g}"),
            Identifier::Opaque(b) => {
                f.write_str("b=")?;
                for byte in b.bytes().unwrap_or_default() {
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
        }
    }
}

/// An ExpandedNodeId (5.2.2.10): a NodeId with an optional namespace URI
/// (which replaces the index when present) and server index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExpandedNodeId<'a> {
    /// The wire encoding byte, flags included.
    pub encoding: u8,
    /// The NodeId.
    pub node_id: NodeId<'a>,
    /// NamespaceUri, when the encoding flag 0x80 is set.
    pub namespace_uri: Option<UaString<'a>>,
    /// ServerIndex, when the encoding flag 0x40 is set.
    pub server_index: Option<u32>,
}

/// A NodeId and the encoding byte it was sent with (0x00 two-byte, 0x01
/// four-byte, 0x02 numeric, 0x03 string, 0x04 GUID, 0x05 opaque).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WireNodeId<'a> {
    /// The encoding byte.
    pub encoding: u8,
    /// The NodeId.
    pub node_id: NodeId<'a>,
}

/// A QualifiedName (5.2.2.13).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct QualifiedName<'a> {
    /// Namespace index.
    pub namespace: u16,
    /// Name.
    pub name: UaString<'a>,
}

/// A LocalizedText (5.2.2.14): each part present only when its mask bit is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LocalizedText<'a> {
    /// Locale (mask 0x01).
    pub locale: Option<UaString<'a>>,
    /// Text (mask 0x02).
    pub text: Option<UaString<'a>>,
}

/// The body of an ExtensionObject (5.2.2.15); kept as bytes — the service
/// layer decodes the bodies whose type it knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExtensionBody<'a> {
    /// Encoding 0x00: no body.
    None,
    /// Encoding 0x01: binary-encoded body.
    Binary(ByteString<'a>),
    /// Encoding 0x02: XML-encoded body.
    Xml(ByteString<'a>),
}

/// An ExtensionObject (5.2.2.15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExtensionObject<'a> {
    /// The NodeId of the body's encoding (e.g. i=324 for a binary
    /// UserNameIdentityToken).
    pub type_id: NodeId<'a>,
    /// The wire encoding byte of `type_id` (which the reference logs).
    pub type_id_encoding: u8,
    /// The body.
    pub body: ExtensionBody<'a>,
}

/// A DiagnosticInfo (5.2.2.12); fields present only when their mask bit is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiagnosticInfo<'a> {
    /// SymbolicId, an index into the response's string table (0x01).
    pub symbolic_id: Option<i32>,
    /// NamespaceUri index (0x02).
    pub namespace_uri: Option<i32>,
    /// Locale index (0x08; on the wire before LocalizedText).
    pub locale: Option<i32>,
    /// LocalizedText index (0x04).
    pub localized_text: Option<i32>,
    /// AdditionalInfo (0x10).
    pub additional_info: Option<UaString<'a>>,
    /// InnerStatusCode (0x20).
    pub inner_status_code: Option<u32>,
    /// InnerDiagnosticInfo (0x40), nested to at most [`super::MAX_DEPTH`].
    pub inner: Option<Box<DiagnosticInfo<'a>>>,
}

/// The built-in type ids (5.1.2, Table 1), as used in Variant encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BuiltinType {
    Null = 0,
    Boolean = 1,
    SByte = 2,
    Byte = 3,
    Int16 = 4,
    UInt16 = 5,
    Int32 = 6,
    UInt32 = 7,
    Int64 = 8,
    UInt64 = 9,
    Float = 10,
    Double = 11,
    String = 12,
    DateTime = 13,
    Guid = 14,
    ByteString = 15,
    XmlElement = 16,
    NodeId = 17,
    ExpandedNodeId = 18,
    StatusCode = 19,
    QualifiedName = 20,
    LocalizedText = 21,
    ExtensionObject = 22,
    DataValue = 23,
    Variant = 24,
    DiagnosticInfo = 25,
}

impl BuiltinType {
    /// The type with this id, `None` for ids above 25 (reserved).
    pub fn from_id(id: u8) -> Option<BuiltinType> {
        use BuiltinType::*;
        const ALL: [BuiltinType; 26] = [
            Null,
            Boolean,
            SByte,
            Byte,
            Int16,
            UInt16,
            Int32,
            UInt32,
            Int64,
            UInt64,
            Float,
            Double,
            String,
            DateTime,
            Guid,
            ByteString,
            XmlElement,
            NodeId,
            ExpandedNodeId,
            StatusCode,
            QualifiedName,
            LocalizedText,
            ExtensionObject,
            DataValue,
            Variant,
            DiagnosticInfo,
        ];
        ALL.get(usize::from(id)).copied()
    }

    /// The type id.
    pub fn id(self) -> u8 {
        self as u8
    }
}

/// One value of a built-in type.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Scalar<'a> {
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
    String(UaString<'a>),
    /// 100-ns intervals since 1601-01-01 UTC (5.2.2.5).
    DateTime(i64),
    Guid(Guid),
    ByteString(ByteString<'a>),
    XmlElement(ByteString<'a>),
    NodeId(NodeId<'a>),
    ExpandedNodeId(ExpandedNodeId<'a>),
    StatusCode(u32),
    QualifiedName(QualifiedName<'a>),
    LocalizedText(LocalizedText<'a>),
    ExtensionObject(ExtensionObject<'a>),
    DataValue(Box<DataValue<'a>>),
    /// Only inside arrays (5.2.2.16: a scalar Variant cannot hold a Variant).
    Variant(Box<Variant<'a>>),
    DiagnosticInfo(Box<DiagnosticInfo<'a>>),
}

/// A Variant (5.2.2.16).
#[derive(Clone, Debug, PartialEq)]
pub enum Variant<'a> {
    /// A single value (type Null is the empty Variant).
    Scalar(Scalar<'a>),
    /// An array of one type; `dimensions` when the 0x40 flag is set (the
    /// values are then the flattened multi-dimensional array).
    Array {
        /// The element type.
        element: BuiltinType,
        /// The values; `None` for a null array (length -1).
        values: Option<Vec<Scalar<'a>>>,
        /// ArrayDimensions.
        dimensions: Option<Vec<i32>>,
    },
}

/// A DataValue (5.2.2.17); fields present only when their mask bit is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DataValue<'a> {
    /// Value (0x01).
    pub value: Option<Variant<'a>>,
    /// Status (0x02).
    pub status: Option<u32>,
    /// SourceTimestamp (0x04).
    pub source_timestamp: Option<i64>,
    /// SourcePicoseconds (0x10).
    pub source_picoseconds: Option<u16>,
    /// ServerTimestamp (0x08).
    pub server_timestamp: Option<i64>,
    /// ServerPicoseconds (0x20).
    pub server_picoseconds: Option<u16>,
}
