//! A bounds-checked reader for the OPC UA binary encoding (OPC 10000-6,
//! 5.2). Every read checks the length first; every length or count is
//! checked against the bytes left before anything is allocated; nesting
//! has a depth cap. Nothing here can panic, and a hostile length near 2^31
//! costs one comparison.

use super::types::*;
use crate::{Error, Layer};

/// Deepest nesting of Variants, DataValues and DiagnosticInfos we decode
/// (5.2.2.12 and 5.2.2.16 allow unbounded nesting; real servers use one or
/// two levels, and a decoder must stop somewhere — open stacks pick values
/// of this order).
pub const MAX_DEPTH: u8 = 16;

/// Longest array we decode. Every encoded element takes at least one byte,
/// so the bytes left already bound a length; this cap bounds one array in
/// a large reassembled message.
pub const MAX_ARRAY_LEN: usize = 1 << 20;

const LAYER: Layer = Layer::OpcUaEncoding;

/// A read position in one encoded message body.
#[derive(Clone, Debug)]
pub struct Decoder<'a> {
    len: usize,
    rest: &'a [u8],
    depth: u8,
}

impl<'a> Decoder<'a> {
    /// A decoder at the start of `body`; errors count offsets from there.
    pub fn new(body: &'a [u8]) -> Decoder<'a> {
        Decoder {
            len: body.len(),
            rest: body,
            depth: 0,
        }
    }

    /// Offset of the next byte from the start of the body.
    pub fn offset(&self) -> usize {
        self.len.saturating_sub(self.rest.len())
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Takes exactly `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        match self.rest.split_at_checked(n) {
            Some((head, tail)) => {
                self.rest = tail;
                Ok(head)
            }
            None => Err(Error::truncated(LAYER, self.offset(), n, self.rest.len())),
        }
    }

    fn array_of<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let b = self.take(N)?;
        // `take` returned exactly N bytes.
        b.try_into()
            .map_err(|_| Error::truncated(LAYER, self.offset(), N, b.len()))
    }

    /// Byte.
    pub fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.array_of::<1>()?[0])
    }
    /// UInt16.
    pub fn u16(&mut self) -> Result<u16, Error> {
        self.array_of().map(u16::from_le_bytes)
    }
    /// UInt32.
    pub fn u32(&mut self) -> Result<u32, Error> {
        self.array_of().map(u32::from_le_bytes)
    }
    /// Int32.
    pub fn i32(&mut self) -> Result<i32, Error> {
        self.array_of().map(i32::from_le_bytes)
    }
    /// UInt64.
    pub fn u64(&mut self) -> Result<u64, Error> {
        self.array_of().map(u64::from_le_bytes)
    }
    /// Int64.
    pub fn i64(&mut self) -> Result<i64, Error> {
        self.array_of().map(i64::from_le_bytes)
    }
    /// Double.
    pub fn f64(&mut self) -> Result<f64, Error> {
        self.array_of().map(f64::from_le_bytes)
    }
    /// Boolean (5.2.2.1: any non-zero byte is true).
    pub fn bool(&mut self) -> Result<bool, Error> {
        Ok(self.u8()? != 0)
    }
    /// DateTime (5.2.2.5): 100-ns ticks since 1601-01-01 UTC.
    pub fn date_time(&mut self) -> Result<i64, Error> {
        self.i64()
    }
    /// StatusCode (5.2.2.11).
    pub fn status_code(&mut self) -> Result<u32, Error> {
        self.u32()
    }

    /// The Int32 length prefix of Strings, ByteStrings and arrays: `None`
    /// for -1 (null); an error for other negatives (5.2.2.4 says only -1 is
    /// null, but lets decoders treat any negative as null — we flag them,
    /// since no stack writes one) and for lengths past the bytes left.
    fn length(&mut self, field: &'static str, max: usize) -> Result<Option<usize>, Error> {
        let at = self.offset();
        let n = self.i32()?;
        if n == -1 {
            return Ok(None);
        }
        let n = usize::try_from(n).map_err(|_| Error::invalid(LAYER, at, field, n as u64))?;
        let max = max.min(self.rest.len());
        if n > max {
            return Err(Error::too_long(LAYER, at, field, n as u64, max as u64));
        }
        Ok(Some(n))
    }

    fn bytes(&mut self, field: &'static str) -> Result<Option<&'a [u8]>, Error> {
        match self.length(field, usize::MAX)? {
            Some(n) => self.take(n).map(Some),
            None => Ok(None),
        }
    }

    /// String (5.2.2.4).
    pub fn string(&mut self) -> Result<UaString<'a>, Error> {
        self.bytes("string length").map(UaString)
    }
    /// ByteString (5.2.2.7) and XmlElement (5.2.2.8).
    pub fn byte_string(&mut self) -> Result<ByteString<'a>, Error> {
        self.bytes("byte string length").map(ByteString)
    }

    /// An array (5.2.5): Int32 length (-1 null), then the elements.
    pub fn array<T>(
        &mut self,
        mut element: impl FnMut(&mut Self) -> Result<T, Error>,
    ) -> Result<Option<Vec<T>>, Error> {
        let Some(n) = self.length("array length", MAX_ARRAY_LEN)? else {
            return Ok(None);
        };
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(element(self)?);
        }
        Ok(Some(v))
    }

    /// An array where null and empty mean the same (most service fields).
    pub fn array_or_empty<T>(
        &mut self,
        element: impl FnMut(&mut Self) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        Ok(self.array(element)?.unwrap_or_default())
    }

    /// Guid (5.2.2.6).
    pub fn guid(&mut self) -> Result<Guid, Error> {
        Ok(Guid {
            data1: self.u32()?,
            data2: self.u16()?,
            data3: self.u16()?,
            data4: self.array_of()?,
        })
    }

    /// The NodeId body after its encoding byte (5.2.2.9, Table 16).
    fn node_id_body(&mut self, encoding: u8, at: usize) -> Result<NodeId<'a>, Error> {
        let (namespace, identifier) = match encoding & 0x3F {
            0x00 => (0, Identifier::Numeric(self.u8()?.into())),
            0x01 => (self.u8()?.into(), Identifier::Numeric(self.u16()?.into())),
            0x02 => (self.u16()?, Identifier::Numeric(self.u32()?)),
            0x03 => (self.u16()?, Identifier::String(self.string()?)),
            0x04 => (self.u16()?, Identifier::Guid(self.guid()?)),
            0x05 => (self.u16()?, Identifier::Opaque(self.byte_string()?)),
            e => return Err(Error::invalid(LAYER, at, "NodeId encoding", e.into())),
        };
        Ok(NodeId {
            namespace,
            identifier,
        })
    }

    /// NodeId (5.2.2.9), every encoding. The ExpandedNodeId flags are not
    /// allowed here.
    pub fn node_id(&mut self) -> Result<NodeId<'a>, Error> {
        let at = self.offset();
        let encoding = self.u8()?;
        if encoding & 0xC0 != 0 {
            return Err(Error::invalid(
                LAYER,
                at,
                "NodeId encoding",
                encoding.into(),
            ));
        }
        self.node_id_body(encoding, at)
    }

    /// NodeId with the encoding byte it had on the wire, which the logs
    /// show (and which decides whether a namespace was sent at all).
    pub fn wire_node_id(&mut self) -> Result<WireNodeId<'a>, Error> {
        let encoding = self.rest.first().copied().unwrap_or(0);
        Ok(WireNodeId {
            encoding,
            node_id: self.node_id()?,
        })
    }

    /// ExpandedNodeId (5.2.2.10).
    pub fn expanded_node_id(&mut self) -> Result<ExpandedNodeId<'a>, Error> {
        let at = self.offset();
        let encoding = self.u8()?;
        let node_id = self.node_id_body(encoding, at)?;
        let namespace_uri = if encoding & 0x80 != 0 {
            Some(self.string()?)
        } else {
            None
        };
        let server_index = if encoding & 0x40 != 0 {
            Some(self.u32()?)
        } else {
            None
        };
        Ok(ExpandedNodeId {
            encoding,
            node_id,
            namespace_uri,
            server_index,
        })
    }

    /// QualifiedName (5.2.2.13).
    pub fn qualified_name(&mut self) -> Result<QualifiedName<'a>, Error> {
        Ok(QualifiedName {
            namespace: self.u16()?,
            name: self.string()?,
        })
    }

    /// LocalizedText (5.2.2.14).
    pub fn localized_text(&mut self) -> Result<LocalizedText<'a>, Error> {
        let mask = self.u8()?;
        Ok(LocalizedText {
            locale: self.string_if(mask & 0x01 != 0)?,
            text: self.string_if(mask & 0x02 != 0)?,
        })
    }

    fn string_if(&mut self, present: bool) -> Result<Option<UaString<'a>>, Error> {
        if present {
            self.string().map(Some)
        } else {
            Ok(None)
        }
    }

    fn if_set<T>(
        &mut self,
        present: bool,
        f: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        if present {
            f(self).map(Some)
        } else {
            Ok(None)
        }
    }

    /// ExtensionObject (5.2.2.15); the body stays bytes.
    pub fn extension_object(&mut self) -> Result<ExtensionObject<'a>, Error> {
        let type_id_encoding = self.rest.first().copied().unwrap_or(0);
        let type_id = self.node_id()?;
        let at = self.offset();
        let body = match self.u8()? {
            0x00 => ExtensionBody::None,
            0x01 => ExtensionBody::Binary(self.byte_string()?),
            0x02 => ExtensionBody::Xml(self.byte_string()?),
            e => {
                return Err(Error::invalid(
                    LAYER,
                    at,
                    "ExtensionObject encoding",
                    e.into(),
                ))
            }
        };
        Ok(ExtensionObject {
            type_id,
            type_id_encoding,
            body,
        })
    }

    /// Runs `f` one nesting level deeper, failing past [`MAX_DEPTH`].
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, Error>) -> Result<T, Error> {
        if self.depth >= MAX_DEPTH {
            return Err(Error::too_long(
                LAYER,
                self.offset(),
                "nesting depth",
                u64::from(self.depth) + 1,
                MAX_DEPTH.into(),
            ));
        }
        self.depth = self.depth.saturating_add(1);
        let r = f(self);
        self.depth = self.depth.saturating_sub(1);
        r
    }

    /// DiagnosticInfo (5.2.2.12), inner infos nested up to [`MAX_DEPTH`].
    pub fn diagnostic_info(&mut self) -> Result<DiagnosticInfo<'a>, Error> {
        self.nested(|d| {
            let mask = d.u8()?;
            Ok(DiagnosticInfo {
                symbolic_id: d.if_set(mask & 0x01 != 0, Self::i32)?,
                namespace_uri: d.if_set(mask & 0x02 != 0, Self::i32)?,
                locale: d.if_set(mask & 0x08 != 0, Self::i32)?,
                localized_text: d.if_set(mask & 0x04 != 0, Self::i32)?,
                additional_info: d.if_set(mask & 0x10 != 0, Self::string)?,
                inner_status_code: d.if_set(mask & 0x20 != 0, Self::status_code)?,
                inner: d
                    .if_set(mask & 0x40 != 0, Self::diagnostic_info)?
                    .map(Box::new),
            })
        })
    }

    /// DataValue (5.2.2.17).
    pub fn data_value(&mut self) -> Result<DataValue<'a>, Error> {
        self.nested(|d| {
            let mask = d.u8()?;
            Ok(DataValue {
                value: d.if_set(mask & 0x01 != 0, Self::variant)?,
                status: d.if_set(mask & 0x02 != 0, Self::status_code)?,
                source_timestamp: d.if_set(mask & 0x04 != 0, Self::date_time)?,
                source_picoseconds: d.if_set(mask & 0x10 != 0, Self::u16)?,
                server_timestamp: d.if_set(mask & 0x08 != 0, Self::date_time)?,
                server_picoseconds: d.if_set(mask & 0x20 != 0, Self::u16)?,
            })
        })
    }

    /// One value of a built-in type.
    pub fn scalar(&mut self, ty: BuiltinType) -> Result<Scalar<'a>, Error> {
        use BuiltinType as T;
        Ok(match ty {
            T::Null => Scalar::Null,
            T::Boolean => Scalar::Boolean(self.bool()?),
            T::SByte => Scalar::SByte(i8::from_le_bytes(self.array_of()?)),
            T::Byte => Scalar::Byte(self.u8()?),
            T::Int16 => Scalar::Int16(i16::from_le_bytes(self.array_of()?)),
            T::UInt16 => Scalar::UInt16(self.u16()?),
            T::Int32 => Scalar::Int32(self.i32()?),
            T::UInt32 => Scalar::UInt32(self.u32()?),
            T::Int64 => Scalar::Int64(self.i64()?),
            T::UInt64 => Scalar::UInt64(self.u64()?),
            T::Float => Scalar::Float(f32::from_le_bytes(self.array_of()?)),
            T::Double => Scalar::Double(self.f64()?),
            T::String => Scalar::String(self.string()?),
            T::DateTime => Scalar::DateTime(self.date_time()?),
            T::Guid => Scalar::Guid(self.guid()?),
            T::ByteString => Scalar::ByteString(self.byte_string()?),
            T::XmlElement => Scalar::XmlElement(self.byte_string()?),
            T::NodeId => Scalar::NodeId(self.node_id()?),
            T::ExpandedNodeId => Scalar::ExpandedNodeId(self.expanded_node_id()?),
            T::StatusCode => Scalar::StatusCode(self.status_code()?),
            T::QualifiedName => Scalar::QualifiedName(self.qualified_name()?),
            T::LocalizedText => Scalar::LocalizedText(self.localized_text()?),
            T::ExtensionObject => Scalar::ExtensionObject(self.extension_object()?),
            T::DataValue => Scalar::DataValue(Box::new(self.data_value()?)),
            T::Variant => Scalar::Variant(Box::new(self.variant()?)),
            T::DiagnosticInfo => Scalar::DiagnosticInfo(Box::new(self.diagnostic_info()?)),
        })
    }

    /// Variant (5.2.2.16): mask bits 0–5 type id, 0x80 array, 0x40 array
    /// dimensions.
    pub fn variant(&mut self) -> Result<Variant<'a>, Error> {
        self.nested(|d| {
            let at = d.offset();
            let mask = d.u8()?;
            let ty = BuiltinType::from_id(mask & 0x3F)
                .ok_or_else(|| Error::invalid(LAYER, at, "Variant type", (mask & 0x3F).into()))?;
            if mask & 0x80 == 0 {
                // A scalar Variant never holds a Variant (5.2.2.16), and
                // the dimensions flag means nothing without an array.
                if ty == BuiltinType::Variant || mask & 0x40 != 0 {
                    return Err(Error::invalid(LAYER, at, "Variant encoding", mask.into()));
                }
                return Ok(Variant::Scalar(d.scalar(ty)?));
            }
            // Null elements take no bytes, so only an empty null-typed
            // array keeps the "elements ≤ bytes left" bound.
            let len_at = d.offset();
            let values = d.array(|d| d.scalar(ty))?;
            if ty == BuiltinType::Null && values.as_ref().is_some_and(|v| !v.is_empty()) {
                return Err(Error::invalid(LAYER, len_at, "Null array length", 1));
            }
            let dimensions = if mask & 0x40 != 0 {
                d.array(Self::i32)?
            } else {
                None
            };
            Ok(Variant::Array {
                element: ty,
                values,
                dimensions,
            })
        })
    }
}
