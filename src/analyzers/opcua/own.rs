//! Owned copies of the parsers' borrowed built-in types, for the events
//! (`crate::event::opcua`): strings keep null apart from empty (their
//! text is lossy where the bytes are not UTF-8, as the logs show it).

use crate::event::opcua as ev;
use otwatch_parsers::opcua::{
    ByteString, DiagnosticInfo, ExpandedNodeId, ExtensionBody, ExtensionObject, Identifier,
    LocalizedText, NodeId, QualifiedName, UaString, WireNodeId,
};

/// A String's text; `None` for null.
pub fn text(s: UaString<'_>) -> Option<String> {
    s.bytes().map(|_| s.text().into_owned())
}

/// A ByteString's bytes; `None` for null.
pub fn bytes(b: ByteString<'_>) -> Option<Vec<u8>> {
    b.bytes().map(<[u8]>::to_vec)
}

pub fn node_id(n: &NodeId<'_>) -> ev::NodeId {
    ev::NodeId {
        namespace: n.namespace,
        identifier: match n.identifier {
            Identifier::Numeric(i) => ev::Identifier::Numeric(i),
            Identifier::String(s) => ev::Identifier::String(text(s)),
            Identifier::Guid(g) => ev::Identifier::Guid(g),
            Identifier::Opaque(b) => ev::Identifier::Opaque(bytes(b)),
        },
    }
}

pub fn wire_node_id(n: &WireNodeId<'_>) -> ev::WireNodeId {
    ev::WireNodeId {
        encoding: n.encoding,
        node_id: node_id(&n.node_id),
    }
}

pub fn expanded_node_id(n: &ExpandedNodeId<'_>) -> ev::ExpandedNodeId {
    ev::ExpandedNodeId {
        encoding: n.encoding,
        node_id: node_id(&n.node_id),
        namespace_uri: n.namespace_uri.and_then(text),
        server_index: n.server_index,
    }
}

pub fn qualified_name(q: &QualifiedName<'_>) -> ev::QualifiedName {
    ev::QualifiedName {
        namespace: q.namespace,
        name: text(q.name),
    }
}

pub fn localized_text(t: &LocalizedText<'_>) -> ev::LocalizedText {
    ev::LocalizedText {
        locale: t.locale.and_then(text),
        text: t.text.and_then(text),
    }
}

pub fn diagnostic_info(d: &DiagnosticInfo<'_>) -> ev::DiagnosticInfo {
    ev::DiagnosticInfo {
        symbolic_id: d.symbolic_id,
        namespace_uri: d.namespace_uri,
        locale: d.locale,
        localized_text: d.localized_text,
        additional_info: d.additional_info.and_then(text),
        inner_status_code: d.inner_status_code,
        inner: d.inner.as_deref().map(|i| Box::new(diagnostic_info(i))),
    }
}

/// An ExtensionObject's body encoding: 0 none, 1 binary, 2 XML.
pub fn body_encoding(b: &ExtensionBody<'_>) -> u8 {
    match b {
        ExtensionBody::None => 0,
        ExtensionBody::Binary(_) => 1,
        ExtensionBody::Xml(_) => 2,
    }
}

pub fn extension_type(x: &ExtensionObject<'_>) -> ev::ExtensionType {
    ev::ExtensionType {
        type_id: ev::WireNodeId {
            encoding: x.type_id_encoding,
            node_id: node_id(&x.type_id),
        },
        body_encoding: body_encoding(&x.body),
    }
}

/// A NodeId's numeric identifier, 0 for the other kinds (as the logs
/// show type ids).
pub fn numeric(n: &NodeId<'_>) -> u32 {
    match n.identifier {
        Identifier::Numeric(i) => i,
        _ => 0,
    }
}

pub fn signature(s: &otwatch_parsers::opcua::services::SignatureData<'_>) -> ev::Signature {
    ev::Signature {
        algorithm: text(s.algorithm),
        signature: bytes(s.signature),
    }
}

/// The form of a session's authentication token (its value is a secret
/// and is not kept).
pub fn token_kind(id: &Identifier<'_>) -> ev::TokenKind {
    match id {
        Identifier::Numeric(0) => ev::TokenKind::Null,
        Identifier::Numeric(_) => ev::TokenKind::Numeric,
        Identifier::String(_) => ev::TokenKind::String,
        Identifier::Guid(_) => ev::TokenKind::Guid,
        Identifier::Opaque(_) => ev::TokenKind::Opaque,
    }
}

pub fn token_form(t: &WireNodeId<'_>) -> ev::TokenForm {
    ev::TokenForm {
        encoding: t.encoding,
        namespace: t.node_id.namespace,
        kind: token_kind(&t.node_id.identifier),
    }
}
