//! Values read, written, passed to methods and returned, as log text. The
//! reference keeps them in separate variant logs; an engineer looking at a
//! Write wants the value next to the node, so otwatch adds a type and a
//! value column to the rows that carry one (bounded: long strings and
//! arrays are cut, with what was cut counted).

use super::hex;
use crate::output::Value;
use otwatch_parsers::opcua::{Scalar, Variant};
use std::fmt::Write;

/// Array elements shown; the rest are counted.
pub const MAX_ELEMENTS: usize = 16;
/// Characters of one string or byte string shown.
pub const MAX_TEXT: usize = 256;

/// The (type, value) columns of a Variant.
pub fn columns(v: &Variant<'_>) -> (Value<'static>, Value<'static>) {
    match v {
        Variant::Scalar(Scalar::Null) => (Value::Ref("Null"), Value::Unset),
        Variant::Scalar(s) => (Value::Ref(type_name(s)), Value::Str(scalar(s))),
        Variant::Array {
            element, values, ..
        } => {
            let ty = Value::Str(format!("{}[]", element.name()));
            let Some(values) = values else {
                return (ty, Value::Unset);
            };
            let mut out = String::from("[");
            for (i, s) in values.iter().take(MAX_ELEMENTS).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&scalar(s));
            }
            if values.len() > MAX_ELEMENTS {
                let _ = write!(out, ",...(+{})", values.len().saturating_sub(MAX_ELEMENTS));
            }
            out.push(']');
            (ty, Value::Str(out))
        }
    }
}

fn type_name(s: &Scalar<'_>) -> &'static str {
    match s {
        Scalar::Null => "Null",
        Scalar::Boolean(_) => "Boolean",
        Scalar::SByte(_) => "SByte",
        Scalar::Byte(_) => "Byte",
        Scalar::Int16(_) => "Int16",
        Scalar::UInt16(_) => "UInt16",
        Scalar::Int32(_) => "Int32",
        Scalar::UInt32(_) => "UInt32",
        Scalar::Int64(_) => "Int64",
        Scalar::UInt64(_) => "UInt64",
        Scalar::Float(_) => "Float",
        Scalar::Double(_) => "Double",
        Scalar::String(_) => "String",
        Scalar::DateTime(_) => "DateTime",
        Scalar::Guid(_) => "Guid",
        Scalar::ByteString(_) => "ByteString",
        Scalar::XmlElement(_) => "XmlElement",
        Scalar::NodeId(_) => "NodeId",
        Scalar::ExpandedNodeId(_) => "ExpandedNodeId",
        Scalar::StatusCode(_) => "StatusCode",
        Scalar::QualifiedName(_) => "QualifiedName",
        Scalar::LocalizedText(_) => "LocalizedText",
        Scalar::ExtensionObject(_) => "ExtensionObject",
        Scalar::DataValue(_) => "DataValue",
        Scalar::Variant(_) => "Variant",
        Scalar::DiagnosticInfo(_) => "DiagnosticInfo",
    }
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(MAX_TEXT) {
        Some((at, _)) => format!(
            "{}...(+{} bytes)",
            s.get(..at).unwrap_or_default(),
            s.len().saturating_sub(at)
        ),
        None => s.to_string(),
    }
}

fn scalar(s: &Scalar<'_>) -> String {
    match s {
        Scalar::Null => "null".into(),
        Scalar::Boolean(b) => b.to_string(),
        Scalar::SByte(n) => n.to_string(),
        Scalar::Byte(n) => n.to_string(),
        Scalar::Int16(n) => n.to_string(),
        Scalar::UInt16(n) => n.to_string(),
        Scalar::Int32(n) => n.to_string(),
        Scalar::UInt32(n) => n.to_string(),
        Scalar::Int64(n) => n.to_string(),
        Scalar::UInt64(n) => n.to_string(),
        Scalar::Float(n) => n.to_string(),
        Scalar::Double(n) => n.to_string(),
        Scalar::String(t) => cut(&t.text()),
        Scalar::DateTime(t) => {
            let ts = super::ts_of(*t);
            format!(
                "{}.{:06}",
                ts.0.div_euclid(1_000_000),
                ts.0.rem_euclid(1_000_000)
            )
        }
        Scalar::Guid(g) => g.to_string().to_lowercase(),
        Scalar::ByteString(b) | Scalar::XmlElement(b) => {
            let bytes = b.bytes().unwrap_or_default();
            let (shown, rest) = bytes.split_at(bytes.len().min(MAX_TEXT / 2));
            let mut h = hex(shown);
            if !rest.is_empty() {
                let _ = write!(h, "...(+{} bytes)", rest.len());
            }
            h
        }
        Scalar::NodeId(n) => n.to_string(),
        Scalar::ExpandedNodeId(n) => n.node_id.to_string(),
        Scalar::StatusCode(c) => format!("0x{c:08x}"),
        Scalar::QualifiedName(q) => format!("{}:{}", q.namespace, cut(&q.name.text())),
        Scalar::LocalizedText(t) => cut(&t.text.map(|t| t.text()).unwrap_or_default()),
        Scalar::ExtensionObject(x) => format!("ExtensionObject({})", x.type_id),
        Scalar::DataValue(d) => match &d.value {
            Some(v) => match columns(v).1 {
                Value::Str(s) => s,
                _ => "null".into(),
            },
            None => "null".into(),
        },
        Scalar::Variant(v) => match columns(v).1 {
            Value::Str(s) => s,
            _ => "null".into(),
        },
        Scalar::DiagnosticInfo(_) => "DiagnosticInfo".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otwatch_parsers::opcua::{BuiltinType, UaString};

    #[test]
    fn scalars_and_arrays_render_with_their_type() {
        let (t, v) = columns(&Variant::Scalar(Scalar::Int32(42)));
        assert_eq!((t, v), (Value::Ref("Int32"), Value::Str("42".into())));
        let values = (0..20).map(Scalar::UInt16).collect();
        let (t, v) = columns(&Variant::Array {
            element: BuiltinType::UInt16,
            values: Some(values),
            dimensions: None,
        });
        assert_eq!(t, Value::Str("UInt16[]".into()));
        assert_eq!(
            v,
            Value::Str("[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,...(+4)]".into())
        );
        let long = "x".repeat(300);
        let (_, v) = columns(&Variant::Scalar(Scalar::String(UaString(Some(
            long.as_bytes(),
        )))));
        assert_eq!(v, Value::Str(format!("{}...(+44 bytes)", "x".repeat(256))));
    }
}
