//! Values read, written, passed to methods and returned, as the events
//! keep them: bounded, since a value can be as large as its message
//! (arrays keep [`MAX_ELEMENTS`] elements, strings [`MAX_TEXT`]
//! characters and byte strings half as many bytes, each with the length
//! of what was cut).

use super::own;
use crate::event::opcua::{self as ev, Bytes, Elements, Text, MAX_ELEMENTS, MAX_TEXT};
use otwatch_parsers::opcua::{ByteString, DataValue, Scalar, UaString, Variant};

/// The first [`MAX_ELEMENTS`] items of a list, converted, and its length.
pub fn elements<T, U>(items: &[T], f: impl Fn(&T) -> U) -> Elements<U> {
    Elements {
        shown: items.iter().take(MAX_ELEMENTS).map(f).collect(),
        len: items.len(),
    }
}

/// The first [`MAX_TEXT`] characters of a text, and the bytes left out.
fn cut(s: &str) -> Text {
    match s.char_indices().nth(MAX_TEXT) {
        Some((at, _)) => Text {
            text: s.get(..at).unwrap_or_default().to_string(),
            cut: s.len().saturating_sub(at),
        },
        None => Text {
            text: s.to_string(),
            cut: 0,
        },
    }
}

fn text(s: UaString<'_>) -> Option<Text> {
    s.bytes().map(|_| cut(&s.text()))
}

fn bytes(b: ByteString<'_>) -> Option<Bytes> {
    b.bytes().map(|b| {
        let (shown, rest) = b.split_at(b.len().min(MAX_TEXT / 2));
        Bytes {
            bytes: shown.to_vec(),
            cut: rest.len(),
        }
    })
}

pub fn variant(v: &Variant<'_>) -> ev::Variant {
    match v {
        Variant::Scalar(s) => ev::Variant::Scalar(scalar(s)),
        Variant::Array {
            element, values, ..
        } => ev::Variant::Array {
            element: *element,
            values: values.as_deref().map(|v| elements(v, scalar)),
        },
    }
}

pub fn data_value(d: &DataValue<'_>) -> ev::DataValue {
    ev::DataValue {
        value: d.value.as_ref().map(variant),
        status: d.status,
        source_timestamp: d.source_timestamp.map(ev::DateTime),
        source_picoseconds: d.source_picoseconds,
        server_timestamp: d.server_timestamp.map(ev::DateTime),
        server_picoseconds: d.server_picoseconds,
    }
}

fn scalar(s: &Scalar<'_>) -> ev::Scalar {
    match s {
        Scalar::Null => ev::Scalar::Null,
        Scalar::Boolean(b) => ev::Scalar::Boolean(*b),
        Scalar::SByte(n) => ev::Scalar::SByte(*n),
        Scalar::Byte(n) => ev::Scalar::Byte(*n),
        Scalar::Int16(n) => ev::Scalar::Int16(*n),
        Scalar::UInt16(n) => ev::Scalar::UInt16(*n),
        Scalar::Int32(n) => ev::Scalar::Int32(*n),
        Scalar::UInt32(n) => ev::Scalar::UInt32(*n),
        Scalar::Int64(n) => ev::Scalar::Int64(*n),
        Scalar::UInt64(n) => ev::Scalar::UInt64(*n),
        Scalar::Float(n) => ev::Scalar::Float(*n),
        Scalar::Double(n) => ev::Scalar::Double(*n),
        Scalar::String(t) => ev::Scalar::String(text(*t)),
        Scalar::DateTime(t) => ev::Scalar::DateTime(ev::DateTime(*t)),
        Scalar::Guid(g) => ev::Scalar::Guid(*g),
        Scalar::ByteString(b) => ev::Scalar::ByteString(bytes(*b)),
        Scalar::XmlElement(b) => ev::Scalar::XmlElement(bytes(*b)),
        Scalar::NodeId(n) => ev::Scalar::NodeId(own::node_id(n)),
        Scalar::ExpandedNodeId(n) => ev::Scalar::ExpandedNodeId(own::expanded_node_id(n)),
        Scalar::StatusCode(c) => ev::Scalar::StatusCode(*c),
        Scalar::QualifiedName(q) => ev::Scalar::QualifiedName {
            namespace: q.namespace,
            name: text(q.name),
        },
        Scalar::LocalizedText(t) => ev::Scalar::LocalizedText(t.text.and_then(text)),
        Scalar::ExtensionObject(x) => ev::Scalar::ExtensionObject(own::node_id(&x.type_id)),
        Scalar::DataValue(d) => ev::Scalar::DataValue(Box::new(data_value(d))),
        Scalar::Variant(v) => ev::Scalar::Variant(Box::new(variant(v))),
        Scalar::DiagnosticInfo(_) => ev::Scalar::DiagnosticInfo,
    }
}
