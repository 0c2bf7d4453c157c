//! OPC UA Binary (opc.tcp): the UA Connection Protocol, secure-conversation
//! chunk headers and the binary encoding of the built-in types (OPC 10000-6,
//! "Mappings": 5.2 binary encoding, 6.7 secure conversation, 7.1 UACP).
//!
//! The module owns the wire format only: no state, no I/O, no reassembly of
//! multi-chunk messages and no pairing of requests with responses (the
//! analyzer does those, with its own caps).
//!
//! * Frame first, then parse: [`frame`] reads the 8-byte message header and
//!   hands out the chunk as a bounded slice; [`parse_chunk`] types it
//!   (Hello, Acknowledge, Error, ReverseHello, or a secure-conversation
//!   chunk with its security and sequence headers and a borrowed body).
//! * Built-in types are read with a [`Decoder`]: every read checks the
//!   length first, array lengths are checked against the bytes left, and
//!   nesting (Variant in Variant, DataValue, DiagnosticInfo) has a depth
//!   cap, so hostile lengths near 2^31 fail cleanly instead of allocating.
//! * Strings and byte strings are borrowed ([`UaString`], [`ByteString`]);
//!   a String that is not UTF-8 is data, not an error.
#![warn(missing_docs)]

mod decoder;
mod header;
mod kinds;
pub mod services;
pub mod status;
mod transport;
mod types;

#[cfg(test)]
mod tests;

pub use decoder::{Decoder, MAX_ARRAY_LEN, MAX_DEPTH};
pub use header::{RequestHeader, ResponseHeader};
pub use kinds::{service_kind, ServiceKind};
pub use transport::{
    frame, parse_chunk, probe, resync, Acknowledge, AsymmetricSecurityHeader, Chunk, ChunkKind,
    ErrorMessage, Frame, Hello, MessageHeader, MessageType, RawChunk, ReverseHello, SecureChunk,
    SecurityHeader, SequenceHeader, HEADER_LEN, MAX_CHUNK_LEN, POLICY_NONE, RESYNC_KEEP,
};
pub use types::{
    BuiltinType, ByteString, DataValue, DiagnosticInfo, ExpandedNodeId, ExtensionBody,
    ExtensionObject, Guid, Identifier, LocalizedText, NodeId, QualifiedName, Scalar, UaString,
    Variant, WireNodeId,
};
