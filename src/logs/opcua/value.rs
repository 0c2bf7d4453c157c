//! Values read, written, passed to methods and returned, as log text. The
//! reference keeps them in separate variant logs; an engineer looking at a
//! Write wants the value next to the node, so otwatch adds a type and a
//! value column to the rows that carry one (bounded: the events keep at
//! most [`MAX_ELEMENTS`] elements and [`MAX_TEXT`] characters, and the
//! text says how much was cut).

use super::names::builtin_type_name;
use crate::event::opcua::{Bytes, Elements, Scalar, Text, Variant, MAX_ELEMENTS};
use crate::output::{push_hex_bytes, Value};
use std::fmt::Write;

/// The (type, value) columns of a Variant.
pub fn columns(v: &Variant) -> (Value<'static>, Value<'static>) {
    match v {
        Variant::Scalar(Scalar::Null) => (Value::Ref("Null"), Value::Unset),
        Variant::Scalar(s) => (Value::Ref(type_name(s)), Value::Str(scalar(s))),
        Variant::Array { element, values } => {
            let ty = Value::Str(format!("{}[]", builtin_type_name(*element)));
            let Some(values) = values else {
                return (ty, Value::Unset);
            };
            let mut out = String::from("[");
            for (i, s) in values.shown.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&scalar(s));
            }
            if values.len > MAX_ELEMENTS {
                let _ = write!(out, ",...(+{})", values.len.saturating_sub(MAX_ELEMENTS));
            }
            out.push(']');
            (ty, Value::Str(out))
        }
    }
}

/// Arguments as `Type value` items joined by `; ` (the rest counted);
/// unset when there are none.
pub fn arguments(args: &Elements<Variant>) -> Value<'static> {
    if args.len == 0 {
        return Value::Unset;
    }
    let mut items: Vec<String> = args
        .shown
        .iter()
        .map(|a| match columns(a) {
            (Value::Ref(t), Value::Str(v)) => format!("{t} {v}"),
            (Value::Str(t), Value::Str(v)) => format!("{t} {v}"),
            _ => "Null".to_string(),
        })
        .collect();
    if args.len > MAX_ELEMENTS {
        items.push(format!("...(+{})", args.len.saturating_sub(MAX_ELEMENTS)));
    }
    Value::Str(items.join("; "))
}

fn type_name(s: &Scalar) -> &'static str {
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
        Scalar::QualifiedName { .. } => "QualifiedName",
        Scalar::LocalizedText(_) => "LocalizedText",
        Scalar::ExtensionObject(_) => "ExtensionObject",
        Scalar::DataValue(_) => "DataValue",
        Scalar::Variant(_) => "Variant",
        Scalar::DiagnosticInfo => "DiagnosticInfo",
    }
}

/// A cut string: what was kept, and how many bytes were not.
fn text(t: &Option<Text>) -> String {
    match t {
        Some(t) if t.cut > 0 => format!("{}...(+{} bytes)", t.text, t.cut),
        Some(t) => t.text.clone(),
        None => String::new(),
    }
}

fn bytes(b: &Option<Bytes>) -> String {
    let Some(b) = b else {
        return String::new();
    };
    let mut h = String::new();
    push_hex_bytes(&mut h, &b.bytes);
    if b.cut > 0 {
        let _ = write!(h, "...(+{} bytes)", b.cut);
    }
    h
}

fn scalar(s: &Scalar) -> String {
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
        Scalar::String(t) => text(t),
        Scalar::DateTime(t) => {
            let ts = t.ts();
            format!(
                "{}.{:06}",
                ts.0.div_euclid(1_000_000),
                ts.0.rem_euclid(1_000_000)
            )
        }
        Scalar::Guid(g) => g.to_string().to_lowercase(),
        Scalar::ByteString(b) | Scalar::XmlElement(b) => bytes(b),
        Scalar::NodeId(n) => n.to_string(),
        Scalar::ExpandedNodeId(n) => n.node_id.to_string(),
        Scalar::StatusCode(c) => format!("0x{c:08x}"),
        Scalar::QualifiedName { namespace, name } => format!("{namespace}:{}", text(name)),
        Scalar::LocalizedText(t) => text(t),
        Scalar::ExtensionObject(type_id) => format!("ExtensionObject({type_id})"),
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
        Scalar::DiagnosticInfo => "DiagnosticInfo".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::opcua::value::variant;
    use crate::event::opcua::MAX_TEXT;
    use otwatch_parsers::opcua::{self as wire, BuiltinType, UaString};

    /// What a wire Variant shows, once the analyzer has kept it.
    fn shown(v: &wire::Variant<'_>) -> (Value<'static>, Value<'static>) {
        columns(&variant(v))
    }

    #[test]
    fn scalars_and_arrays_render_with_their_type() {
        let (t, v) = shown(&wire::Variant::Scalar(wire::Scalar::Int32(42)));
        assert_eq!((t, v), (Value::Ref("Int32"), Value::Str("42".into())));
        let values = (0..20).map(wire::Scalar::UInt16).collect();
        let (t, v) = shown(&wire::Variant::Array {
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
        let (_, v) = shown(&wire::Variant::Scalar(wire::Scalar::String(UaString(
            Some(long.as_bytes()),
        ))));
        assert_eq!(v, Value::Str(format!("{}...(+44 bytes)", "x".repeat(256))));
    }

    /// Byte strings keep half as many bytes as strings keep characters,
    /// and what is cut is counted in every kind of value.
    #[test]
    fn cut_values_say_how_much_was_left_out() {
        let bytes = vec![0xab; 200];
        let (t, v) = shown(&wire::Variant::Scalar(wire::Scalar::ByteString(
            wire::ByteString(Some(&bytes)),
        )));
        assert_eq!(t, Value::Ref("ByteString"));
        assert_eq!(v, Value::Str(format!("{}...(+72 bytes)", "ab".repeat(128))));
        let name = "é".repeat(MAX_TEXT + 1);
        let (_, v) = shown(&wire::Variant::Scalar(wire::Scalar::QualifiedName(
            wire::QualifiedName {
                namespace: 2,
                name: UaString(Some(name.as_bytes())),
            },
        )));
        assert_eq!(
            v,
            Value::Str(format!("2:{}...(+2 bytes)", "é".repeat(MAX_TEXT)))
        );
        let (t, v) = shown(&wire::Variant::Array {
            element: BuiltinType::String,
            values: None,
            dimensions: None,
        });
        assert_eq!((t, v), (Value::Str("String[]".into()), Value::Unset));
    }
}
