//! The rows of the OPC UA service logs: one row type that borrows its
//! values from the event, the buffer that builds them one after the other,
//! and the column groups the logs share (a NodeId is always six columns,
//! a LocalizedText three). Each log module declares its columns once and
//! pushes its values in that order; a row is padded to its columns with
//! unset values.

use super::names;
use crate::event::opcua::{
    DateTime, ExpandedNodeId, Identifier, LocalizedText, QualifiedName, WireNodeId,
};
use crate::event::Head;
use crate::logs::head_values_linked;
use crate::output::{DynLog, Field, Sink, Value};
use crate::time::Ts;

/// A log: its file name and columns (the 12 of the message head first).
#[derive(Debug)]
pub struct Log {
    pub path: &'static str,
    pub fields: &'static [Field],
}

/// The columns of the message head.
const HEAD: usize = 12;

/// The values of one row after its head.
#[derive(Debug, Default)]
pub struct Cells<'e>(Vec<Value<'e>>);

impl<'e> Cells<'e> {
    /// Appends one value.
    pub fn push(&mut self, v: Value<'e>) -> &mut Self {
        self.0.push(v);
        self
    }

    /// Appends `n` unset values (the columns of the other half of a
    /// request/response log).
    pub fn unset(&mut self, n: usize) -> &mut Self {
        self.0.extend(std::iter::repeat_n(Value::Unset, n));
        self
    }
}

/// One row of a service log: the message head (with `link` in its id
/// column) and the values after it, borrowed from the event.
#[derive(Debug)]
struct Row<'r, 'e> {
    log: &'static Log,
    head: &'e Head,
    link: &'e str,
    cells: &'r [Value<'e>],
}

impl DynLog for Row<'_, '_> {
    fn path(&self) -> &'static str {
        self.log.path
    }
    fn fields(&self) -> &'static [Field] {
        self.log.fields
    }
    fn values<'a>(&'a self, out: &mut dyn Sink<'a>) {
        head_values_linked(self.head, self.link, out);
        out.extend(self.cells.iter().map(Value::borrowed));
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
}

/// Where the projection of one event puts its rows: the message head they
/// share, and one buffer of values reused row after row.
pub struct Rows<'e, 'f> {
    pub head: &'e Head,
    cells: Cells<'e>,
    out: &'f mut dyn FnMut(&dyn DynLog),
}

impl<'e, 'f> Rows<'e, 'f> {
    pub fn new(head: &'e Head, out: &'f mut dyn FnMut(&dyn DynLog)) -> Self {
        Rows {
            head,
            cells: Cells::default(),
            out,
        }
    }

    /// Starts a row: the values pushed next are its columns after the
    /// head.
    pub fn start(&mut self) -> &mut Cells<'e> {
        self.cells.0.clear();
        // Room for the widest row at once (no buffer for an event whose
        // rows are all of their own type, like a response's status rows).
        self.cells.0.reserve(48);
        &mut self.cells
    }

    /// Writes the row started last to `log`, with `link` in its id
    /// column, its missing columns unset.
    pub fn emit(&mut self, log: &'static Log, link: &'e str) {
        let have = self.cells.0.len().saturating_add(HEAD);
        debug_assert!(
            have <= log.fields.len(),
            "{}: {have} values for {} columns",
            log.path,
            log.fields.len()
        );
        self.cells.unset(log.fields.len().saturating_sub(have));
        (self.out)(&Row {
            log,
            head: self.head,
            link,
            cells: &self.cells.0,
        });
    }

    /// Writes the row started last to `log`, a row of the message half
    /// itself (its link in the id column).
    pub fn emit_message(&mut self, log: &'static Log) {
        let head = self.head;
        self.emit(log, &head.link);
    }

    /// Writes a row that is its own type.
    pub fn write(&mut self, row: &dyn DynLog) {
        (self.out)(row);
    }
}

/// Text of a String; null is unset, empty is `(empty)`.
pub fn text(s: &Option<String>) -> Value<'_> {
    s.as_deref().map_or(Value::Unset, Value::Ref)
}

/// Text of a String; null and empty are both unset (the reference leaves
/// optional URIs and locales out when they are empty).
pub fn nonempty(s: &Option<String>) -> Value<'_> {
    match s.as_deref() {
        Some(t) if !t.is_empty() => Value::Ref(t),
        _ => Value::Unset,
    }
}

/// Hex of a ByteString; null and empty are unset.
pub fn hex_value(b: &Option<Vec<u8>>) -> Value<'_> {
    match b.as_deref() {
        Some(b) if !b.is_empty() => Value::HexBytes(b),
        _ => Value::Unset,
    }
}

/// Size of a ByteString; null and empty are unset.
pub fn size(b: &Option<Vec<u8>>) -> Value<'static> {
    match b.as_deref() {
        Some(b) if !b.is_empty() => Value::Count(b.len() as u64),
        _ => Value::Unset,
    }
}

pub fn count(n: impl Into<u64>) -> Value<'static> {
    Value::Count(n.into())
}

/// `0x` and two hex digits, the form of every encoding-byte column.
pub fn byte(b: u8) -> Value<'static> {
    Value::Hex {
        value: u64::from(b),
        digits: 2,
    }
}

/// `0x` and eight hex digits, the form of a StatusCode.
pub fn status_hex(code: u32) -> Value<'static> {
    Value::Hex {
        value: u64::from(code),
        digits: 8,
    }
}

/// A name from a table, unset where the table has none.
pub fn name(n: Option<&'static str>) -> Value<'static> {
    n.map_or(Value::Unset, Value::Plain)
}

/// The six columns of a NodeId: encoding byte, namespace (unset for the
/// two-byte form, which has none), and the identifier in the column of
/// its kind. GUIDs are in the registry form (OPC 10000-6, 5.1.3).
pub fn node_id<'e>(row: &mut Cells<'e>, n: &'e WireNodeId) {
    row.push(byte(n.encoding));
    row.push(if n.encoding & 0x0f == 0 {
        Value::Unset
    } else {
        count(n.node_id.namespace)
    });
    identifier(row, &n.node_id.identifier);
}

fn identifier<'e>(row: &mut Cells<'e>, id: &'e Identifier) {
    let (mut numeric, mut string, mut guid, mut opaque) =
        (Value::Unset, Value::Unset, Value::Unset, Value::Unset);
    match id {
        Identifier::Numeric(n) => numeric = count(*n),
        Identifier::String(s) => string = text(s),
        Identifier::Guid(g) => guid = Value::Str(g.to_string().to_lowercase()),
        Identifier::Opaque(b) => opaque = hex_value(b),
    }
    row.push(numeric).push(string).push(guid).push(opaque);
}

/// The eight columns of an ExpandedNodeId: those of the NodeId (the
/// encoding byte as sent, flags included), then the namespace URI and
/// server index when their flags are set.
pub fn expanded_node_id<'e>(row: &mut Cells<'e>, n: &'e ExpandedNodeId) {
    row.push(byte(n.encoding));
    row.push(if n.encoding & 0x0f == 0 {
        Value::Unset
    } else {
        count(n.node_id.namespace)
    });
    identifier(row, &n.node_id.identifier);
    row.push(text(&n.namespace_uri));
    row.push(n.server_index.map_or(Value::Unset, count));
}

/// The three columns of a LocalizedText: its encoding byte, locale and
/// text (each unset when absent or empty).
pub fn localized_text<'e>(row: &mut Cells<'e>, mask: u8, t: &'e LocalizedText) {
    row.push(count(mask));
    row.push(nonempty(&t.locale));
    row.push(nonempty(&t.text));
}

/// The two columns of a QualifiedName's namespace and name, both unset
/// when they are 0 and null or empty.
pub fn qualified_name<'e>(row: &mut Cells<'e>, q: &'e QualifiedName, zero_unset: bool) {
    row.push(if zero_unset && q.namespace == 0 {
        Value::Unset
    } else {
        count(q.namespace)
    });
    row.push(nonempty(&q.name));
}

/// Zeek's TimestampsToReturn names.
pub fn timestamps_to_return(n: u32) -> Value<'static> {
    name(names::timestamps_to_return(n))
}

/// An OPC UA DateTime as a log time; the zero DateTime ("not set") and
/// times before 1970 are unset.
pub fn time(t: DateTime) -> Value<'static> {
    t.after_epoch().map_or(Value::Unset, Value::Time)
}
