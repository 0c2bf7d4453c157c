//! Attribute services (OPC 10000-4, 5.10): Read and Write.

use crate::opcua::types::{DataValue, DiagnosticInfo, QualifiedName, UaString, WireNodeId};
use crate::opcua::Decoder;
use crate::Error;

/// ReadValueId (OPC 10000-4, 7.29): one attribute of one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadValueId<'a> {
    /// NodeId.
    pub node_id: WireNodeId<'a>,
    /// AttributeId (13: Value).
    pub attribute_id: u32,
    /// IndexRange.
    pub index_range: UaString<'a>,
    /// DataEncoding.
    pub data_encoding: QualifiedName<'a>,
}

impl<'a> ReadValueId<'a> {
    /// Decodes one ReadValueId.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(ReadValueId {
            node_id: d.wire_node_id()?,
            attribute_id: d.u32()?,
            index_range: d.string()?,
            data_encoding: d.qualified_name()?,
        })
    }
}

/// ReadRequest (OPC 10000-4, 5.10.2.2), after its header.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadRequest<'a> {
    /// MaxAge in milliseconds.
    pub max_age: f64,
    /// TimestampsToReturn: 0 source, 1 server, 2 both, 3 neither.
    pub timestamps_to_return: u32,
    /// NodesToRead.
    pub nodes_to_read: Vec<ReadValueId<'a>>,
}

impl<'a> ReadRequest<'a> {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(ReadRequest {
            max_age: d.f64()?,
            timestamps_to_return: d.u32()?,
            nodes_to_read: d.array_or_empty(ReadValueId::decode)?,
        })
    }
}

/// ReadResponse (OPC 10000-4, 5.10.2.2), after its header.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadResponse<'a> {
    /// Results, one per node read, with their DataValue encoding bytes.
    pub results: Vec<(u8, DataValue<'a>)>,
    /// DiagnosticInfos.
    pub diagnostic_infos: Vec<DiagnosticInfo<'a>>,
}

impl<'a> ReadResponse<'a> {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(ReadResponse {
            results: d.array_or_empty(wire_data_value)?,
            diagnostic_infos: d.array_or_empty(Decoder::diagnostic_info)?,
        })
    }
}

/// A DataValue and its encoding byte, which the logs show.
fn wire_data_value<'a>(d: &mut Decoder<'a>) -> Result<(u8, DataValue<'a>), Error> {
    let mask = d.rest().first().copied().unwrap_or(0);
    Ok((mask, d.data_value()?))
}

/// WriteValue (OPC 10000-4, 5.10.4.2).
#[derive(Clone, Debug, PartialEq)]
pub struct WriteValue<'a> {
    /// NodeId.
    pub node_id: WireNodeId<'a>,
    /// AttributeId.
    pub attribute_id: u32,
    /// IndexRange.
    pub index_range: UaString<'a>,
    /// The DataValue encoding byte.
    pub value_mask: u8,
    /// Value.
    pub value: DataValue<'a>,
}

/// WriteRequest (OPC 10000-4, 5.10.4.2), after its header.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteRequest<'a> {
    /// NodesToWrite.
    pub nodes_to_write: Vec<WriteValue<'a>>,
}

impl<'a> WriteRequest<'a> {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(WriteRequest {
            nodes_to_write: d.array_or_empty(|d| {
                let node_id = d.wire_node_id()?;
                let attribute_id = d.u32()?;
                let index_range = d.string()?;
                let (value_mask, value) = wire_data_value(d)?;
                Ok(WriteValue {
                    node_id,
                    attribute_id,
                    index_range,
                    value_mask,
                    value,
                })
            })?,
        })
    }
}

/// WriteResponse (OPC 10000-4, 5.10.4.2), after its header.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteResponse<'a> {
    /// Results, one per value written.
    pub results: Vec<u32>,
    /// DiagnosticInfos.
    pub diagnostic_infos: Vec<DiagnosticInfo<'a>>,
}

impl<'a> WriteResponse<'a> {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(WriteResponse {
            results: d.array_or_empty(Decoder::status_code)?,
            diagnostic_infos: d.array_or_empty(Decoder::diagnostic_info)?,
        })
    }
}
