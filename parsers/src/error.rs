//! Parse errors with context: which protocol layer, at which offset of the
//! message, and — for truncation — how many bytes were needed and present.
//! `Incomplete` is never used for framed messages: framing reads the length
//! first and parses the body from a bounded slice, so "too short" inside a
//! frame is a real error, reported here as [`ErrorKind::Truncated`].

use std::fmt;

/// The protocol layer a parser works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    ModbusMbap,
    ModbusPdu,
    EnipEncapsulation,
    EnipCpf,
    Cip,
    OpcUaTransport,
    OpcUaSecureConversation,
    OpcUaEncoding,
    OpcUaService,
    Tpkt,
    Cotp,
    S7comm,
    S7commPlus,
    DceRpc,
    ProfinetDcp,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::ModbusMbap => "Modbus MBAP header",
            Layer::ModbusPdu => "Modbus PDU",
            Layer::EnipEncapsulation => "EtherNet/IP encapsulation",
            Layer::EnipCpf => "EtherNet/IP common packet format",
            Layer::Cip => "CIP",
            Layer::OpcUaTransport => "OPC UA transport",
            Layer::OpcUaSecureConversation => "OPC UA secure conversation",
            Layer::OpcUaEncoding => "OPC UA binary encoding",
            Layer::OpcUaService => "OPC UA service",
            Layer::Tpkt => "TPKT",
            Layer::Cotp => "COTP",
            Layer::S7comm => "S7comm",
            Layer::S7commPlus => "S7comm-plus",
            Layer::DceRpc => "DCE/RPC",
            Layer::ProfinetDcp => "PROFINET DCP",
        })
    }
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The message ended before a field: `needed` bytes from `offset`, `got` present.
    Truncated { needed: usize, got: usize },
    /// A field holds a value the format does not allow.
    Invalid { field: &'static str, value: u64 },
    /// A length or count field exceeds what the frame or our caps allow.
    TooLong {
        field: &'static str,
        value: u64,
        max: u64,
    },
    /// A nom combinator failed (the inner kind, for parsers built from nom pieces).
    Nom(nom::error::ErrorKind),
}

/// A parse error: layer, offset from the start of the message, and kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub layer: Option<Layer>,
    pub offset: usize,
    pub kind: ErrorKind,
}

impl Error {
    pub fn truncated(layer: Layer, offset: usize, needed: usize, got: usize) -> Error {
        Error {
            layer: Some(layer),
            offset,
            kind: ErrorKind::Truncated { needed, got },
        }
    }

    pub fn invalid(layer: Layer, offset: usize, field: &'static str, value: u64) -> Error {
        Error {
            layer: Some(layer),
            offset,
            kind: ErrorKind::Invalid { field, value },
        }
    }

    pub fn too_long(
        layer: Layer,
        offset: usize,
        field: &'static str,
        value: u64,
        max: u64,
    ) -> Error {
        Error {
            layer: Some(layer),
            offset,
            kind: ErrorKind::TooLong { field, value, max },
        }
    }

    /// Sets the layer where a nom-level error lacks one.
    pub fn in_layer(mut self, layer: Layer) -> Error {
        self.layer.get_or_insert(layer);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = self.layer {
            write!(f, "{l}: ")?;
        }
        match &self.kind {
            ErrorKind::Truncated { needed, got } => write!(
                f,
                "truncated at offset {}: needed {needed} bytes, got {got}",
                self.offset
            ),
            ErrorKind::Invalid { field, value } => {
                write!(f, "invalid {field} {value} at offset {}", self.offset)
            }
            ErrorKind::TooLong { field, value, max } => write!(
                f,
                "{field} {value} at offset {} exceeds the limit of {max}",
                self.offset
            ),
            ErrorKind::Nom(k) => write!(f, "parse error at offset {} ({k:?})", self.offset),
        }
    }
}

impl std::error::Error for Error {}

impl<'a> nom::error::ParseError<&'a [u8]> for Error {
    fn from_error_kind(input: &'a [u8], kind: nom::error::ErrorKind) -> Self {
        // nom only sees the remaining input; the offset from the message start
        // is filled in by the framing parser, which knows the whole message.
        Error {
            layer: None,
            offset: 0,
            kind: match kind {
                nom::error::ErrorKind::Eof => ErrorKind::Truncated {
                    needed: 1,
                    got: input.len(),
                },
                k => ErrorKind::Nom(k),
            },
        }
    }

    fn append(_: &'a [u8], _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_layer_offset_and_sizes() {
        let e = Error::truncated(Layer::ModbusMbap, 4, 7, 5);
        assert_eq!(
            e.to_string(),
            "Modbus MBAP header: truncated at offset 4: needed 7 bytes, got 5"
        );
        let e = Error::too_long(Layer::OpcUaTransport, 4, "message size", 1 << 31, 16 << 20);
        assert_eq!(
            e.to_string(),
            "OPC UA transport: message size 2147483648 at offset 4 exceeds the limit of 16777216"
        );
        let e = Error::invalid(Layer::Cip, 2, "path size", 200);
        assert_eq!(e.to_string(), "CIP: invalid path size 200 at offset 2");
    }

    #[test]
    fn nom_errors_convert_and_take_a_layer() {
        use nom::error::ParseError;
        let e =
            Error::from_error_kind(&[1u8, 2][..], nom::error::ErrorKind::Tag).in_layer(Layer::Cip);
        assert_eq!(e.layer, Some(Layer::Cip));
        assert_eq!(e.to_string(), "CIP: parse error at offset 0 (Tag)");
    }
}
