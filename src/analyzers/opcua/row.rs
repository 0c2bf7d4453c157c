//! The rows of the OPC UA service logs that list things (endpoints,
//! references, nodes read, items monitored, status codes): one generic row
//! type, and the column groups the logs share (a NodeId is always six
//! columns, a LocalizedText three). Each log module declares its columns
//! once and pushes its values in that order; a test checks every row has
//! one value per column.

use super::hex;
use crate::analyzers::{ConnId, MessageHead};
use crate::flow::Dir;
use crate::output::{DynLog, Field, Value};
use crate::time::Ts;
use otwatch_parsers::opcua::{
    ByteString, ExpandedNodeId, Identifier, LocalizedText, UaString, WireNodeId,
};

/// A log: its file name and columns.
#[derive(Debug)]
pub struct Log {
    pub path: &'static str,
    pub fields: &'static [Field],
}

/// One row of a service log.
#[derive(Debug)]
pub struct Row {
    log: &'static Log,
    ts: Ts,
    values: Vec<Value<'static>>,
}

impl Row {
    /// A row of `log` that starts with the message head; its id column
    /// holds `link`.
    pub fn new(log: &'static Log, head: &MessageHead, link: &str) -> Row {
        let mut borrowed = Vec::with_capacity(12);
        crate::analyzers::head_values(head, &mut borrowed);
        borrowed.pop();
        let mut values = Vec::with_capacity(log.fields.len());
        values.extend(borrowed.into_iter().map(Value::into_owned));
        values.push(Value::Str(link.to_string()));
        Row {
            log,
            ts: head.ts,
            values,
        }
    }

    /// Appends one value.
    pub fn push(&mut self, v: Value<'static>) -> &mut Self {
        self.values.push(v);
        self
    }

    /// Appends `n` unset values (the columns of the other half of a
    /// request/response log).
    pub fn unset(&mut self, n: usize) -> &mut Self {
        self.values.extend(std::iter::repeat_n(Value::Unset, n));
        self
    }

    /// The columns still to fill.
    pub fn missing(&self) -> usize {
        self.log.fields.len().saturating_sub(self.values.len())
    }

    /// Fills the remaining columns with unset values.
    pub fn finish(mut self) -> Box<dyn DynLog> {
        let n = self.missing();
        debug_assert!(
            self.values.len() <= self.log.fields.len(),
            "{}: {} values for {} columns",
            self.log.path,
            self.values.len(),
            self.log.fields.len()
        );
        self.unset(n);
        Box::new(self)
    }
}

impl DynLog for Row {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn path(&self) -> &'static str {
        self.log.path
    }
    fn fields(&self) -> &'static [Field] {
        self.log.fields
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        out.extend(self.values.iter().map(Value::borrowed));
    }
    fn ts(&self) -> Ts {
        self.ts
    }
}

/// Ids tying rows together, unique within a connection.
pub struct Links<'a> {
    uid: &'a str,
    n: &'a mut u64,
}

impl<'a> Links<'a> {
    pub fn new(id: &'a ConnId, n: &'a mut u64) -> Links<'a> {
        Links { uid: &id.uid, n }
    }
    pub fn next(&mut self) -> String {
        *self.n = self.n.wrapping_add(1);
        crate::analyzers::message_id(self.uid, *self.n).to_string()
    }
}

/// A message head for rows made in direction `dir` at `ts`.
pub fn head(ts: Ts, id: &ConnId, dir: Dir, link: String) -> MessageHead {
    MessageHead {
        ts,
        id: id.clone(),
        dir,
        link: link.into(),
    }
}

/// Text of a String; null is unset, empty is `(empty)`.
pub fn text(s: UaString<'_>) -> Value<'static> {
    s.bytes()
        .map_or(Value::Unset, |_| Value::Str(s.text().into_owned()))
}

/// Text of a String; null and empty are both unset (the reference leaves
/// optional URIs and locales out when they are empty).
pub fn nonempty(s: UaString<'_>) -> Value<'static> {
    match s.bytes() {
        Some(b) if !b.is_empty() => Value::Str(s.text().into_owned()),
        _ => Value::Unset,
    }
}

/// Hex of a ByteString; null and empty are unset.
pub fn hex_value(b: ByteString<'_>) -> Value<'static> {
    match b.bytes() {
        Some(b) if !b.is_empty() => Value::Str(hex(b)),
        _ => Value::Unset,
    }
}

/// Size of a ByteString; null and empty are unset.
pub fn size(b: ByteString<'_>) -> Value<'static> {
    match b.bytes() {
        Some(b) if !b.is_empty() => Value::Count(b.len() as u64),
        _ => Value::Unset,
    }
}

pub fn count(n: impl Into<u64>) -> Value<'static> {
    Value::Count(n.into())
}

/// `0x` and two hex digits, the form of every encoding-byte column.
pub fn byte(b: u8) -> Value<'static> {
    Value::Str(format!("0x{b:02x}"))
}

/// The six columns of a NodeId: encoding byte, namespace (unset for the
/// two-byte form, which has none), and the identifier in the column of
/// its kind. GUIDs are in the registry form (OPC 10000-6, 5.1.3).
pub fn node_id(row: &mut Row, n: &WireNodeId<'_>) {
    row.push(byte(n.encoding));
    row.push(if n.encoding & 0x0f == 0 {
        Value::Unset
    } else {
        count(n.node_id.namespace)
    });
    identifier(row, &n.node_id.identifier);
}

fn identifier(row: &mut Row, id: &Identifier<'_>) {
    let (mut numeric, mut string, mut guid, mut opaque) =
        (Value::Unset, Value::Unset, Value::Unset, Value::Unset);
    match id {
        Identifier::Numeric(n) => numeric = count(*n),
        Identifier::String(s) => string = text(*s),
        Identifier::Guid(g) => guid = Value::Str(g.to_string().to_lowercase()),
        Identifier::Opaque(b) => opaque = hex_value(*b),
    }
    row.push(numeric).push(string).push(guid).push(opaque);
}

/// The eight columns of an ExpandedNodeId: those of the NodeId, then the
/// namespace URI and server index when their flags are set.
pub fn expanded_node_id(row: &mut Row, n: &ExpandedNodeId<'_>) {
    node_id(
        row,
        &WireNodeId {
            encoding: n.encoding & 0x3f,
            node_id: n.node_id,
        },
    );
    // The encoding column shows the byte as sent, flags included.
    if let Some(v) = row
        .values
        .len()
        .checked_sub(6)
        .and_then(|at| row.values.get_mut(at))
    {
        *v = byte(n.encoding);
    }
    row.push(n.namespace_uri.map_or(Value::Unset, text));
    row.push(n.server_index.map_or(Value::Unset, count));
}

/// The three columns of a LocalizedText: its encoding byte, locale and
/// text (each unset when absent or empty).
pub fn localized_text(row: &mut Row, mask: u8, t: &LocalizedText<'_>) {
    row.push(count(mask));
    row.push(t.locale.map_or(Value::Unset, nonempty));
    row.push(t.text.map_or(Value::Unset, nonempty));
}

/// Zeek's TimestampsToReturn names.
pub fn timestamps_to_return(n: u32) -> Value<'static> {
    match n {
        0 => Value::Ref("Source"),
        1 => Value::Ref("Server"),
        2 => Value::Ref("Both"),
        3 => Value::Ref("Neither"),
        _ => Value::Unset,
    }
}

/// Attribute names (OPC 10000-6 A.1; the reference spells 22
/// `UserExcutable`, and so do we, for the logs to join).
pub fn attribute_name(id: u32) -> Value<'static> {
    const NAMES: [&str; 28] = [
        "Unknown",
        "NodeId",
        "NodeClass",
        "BrowseName",
        "DisplayName",
        "Description",
        "WriteMask",
        "UserWriteMask",
        "IsAbstract",
        "Symmetric",
        "InverseName",
        "ContainsNoLoops",
        "EventNotifier",
        "Value",
        "DataType",
        "ValueRank",
        "ArrayDimensions",
        "AccessLevel",
        "UserAccessLevel",
        "MinimumSamplingInterval",
        "Historizing",
        "Executable",
        "UserExcutable",
        "DataTypeDefinition",
        "RolePermissions",
        "UserRolePermissions",
        "AccessRestrictions",
        "AccessLevelEx",
    ];
    NAMES
        .get(id as usize)
        .map_or(Value::Unset, |n| Value::Ref(n))
}

/// Node class names, looked up by exact value (0 is `All`).
pub fn node_class_name(mask: u32) -> Value<'static> {
    let name = match mask {
        0 => "All",
        1 => "ObjectNodeClass",
        2 => "VariableNodeClass",
        4 => "MethodNodeClass",
        8 => "ObjectTypeNodeClass",
        16 => "VariableTypeNodeClass",
        32 => "ReferenceTypeNodeClass",
        64 => "DataTypeNodeClass",
        128 => "ViewNodeClass",
        _ => return Value::Unset,
    };
    Value::Ref(name)
}

/// An OPC UA DateTime as a log time; the zero DateTime ("not set") and
/// times before 1970 are unset.
pub fn time(ticks: i64) -> Value<'static> {
    if ticks <= super::EPOCH_TICKS {
        Value::Unset
    } else {
        Value::Time(super::ts_of(ticks))
    }
}
