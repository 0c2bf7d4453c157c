//! Outputs: Zeek-style log writers (JSON lines by default, TSV on request).
//! Each log record type lives with the module that owns its meaning (the
//! conn record in `flow`, the weird record in `weird`) and implements
//! [`LogRecord`]; this module only knows how to write rows.

mod disk;
mod eve;
pub mod manifest;
pub mod retention;
mod value;
mod writer;

use crate::time::Ts;

pub use eve::EveWriter;
pub use value::{
    bytes_text, hex_pair, push_hex_bytes, push_json_string, tsv_unescape, Field, FieldType, Value,
};
pub use writer::{
    json_line, json_line_into, stamp, tsv_file, LogFormat, LogWriter, RowCache, WriteError,
};

pub mod cloudwatch;

/// Takes the lock file at `path` for as long as the returned file lives
/// (an advisory lock the kernel drops when the process ends, however it
/// ends); `busy` says who holds it when another process does.
pub(crate) fn hold_lock(path: &std::path::Path, busy: &str) -> Result<std::fs::File, String> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(busy.to_string()),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("{}: {e}", path.display())),
    }
}

/// Every log otwatch writes (the names `--cloudwatch-logs` accepts).
pub const LOG_NAMES: &[&str] = &[
    "alert",
    "cip",
    "cip_identity",
    "cip_io",
    "conn",
    "cotp",
    "enip",
    "known_devices",
    "modbus",
    "modbus_detailed",
    "modbus_mask_write_register",
    "modbus_read_device_identification",
    "modbus_read_write_multiple_registers",
    "notice",
    "opcua_binary",
    "opcua_binary_activate_session",
    "opcua_binary_browse",
    "opcua_binary_browse_description",
    "opcua_binary_browse_response_references",
    "opcua_binary_browse_result",
    "opcua_binary_call",
    "opcua_binary_close_session",
    "opcua_binary_create_monitored_items",
    "opcua_binary_create_monitored_items_create_item",
    "opcua_binary_create_session",
    "opcua_binary_create_session_endpoints",
    "opcua_binary_create_session_user_token",
    "opcua_binary_create_subscription",
    "opcua_binary_get_endpoints",
    "opcua_binary_get_endpoints_description",
    "opcua_binary_get_endpoints_user_token",
    "opcua_binary_opensecure_channel",
    "opcua_binary_publish",
    "opcua_binary_publish_data_change",
    "opcua_binary_read",
    "opcua_binary_read_nodes_to_read",
    "opcua_binary_read_results",
    "opcua_binary_status_code_detail",
    "opcua_binary_write",
    "otwatch_capture_loss",
    "otwatch_stats",
    "profinet_dcp",
    "profinet_io_cm",
    "profinet_rt",
    "s7comm",
    "s7comm_known_devices",
    "s7comm_plus",
    "s7comm_read_szl",
    "s7comm_upload_download",
    "weird",
];

/// A record of a Zeek-style log.
pub trait LogRecord {
    /// The log's name: the file is `<path>.log`.
    const PATH: &'static str;
    /// The columns, in order.
    fn fields() -> &'static [Field];
    /// Appends one value per column, in the order of [`LogRecord::fields`].
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>);
    /// The record's time (its `ts` column).
    fn ts(&self) -> Ts;
}

/// Where a record's values go, one per column in order: straight into a
/// JSON or TSV line as they come (no vector of values per row), or into a
/// vector (tests, rows kept for later).
pub trait Sink<'a> {
    fn push(&mut self, v: Value<'a>);
    /// `columns` values that `key` fully determines, pushed by `values`:
    /// a sink may write them once per key and reuse the text.
    fn group(&mut self, key: GroupKey, columns: usize, values: &mut dyn FnMut(&mut dyn Sink<'a>));
}

/// What fully determines a group of columns that repeats row after row —
/// a connection's uid and endpoints, as one side sees them: equal keys
/// give equal values. `site` tells apart the column groups of different
/// callers (and sides).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupKey {
    pub site: u8,
    pub uid: crate::id::Id,
    pub orig: (std::net::IpAddr, u16),
    pub resp: (std::net::IpAddr, u16),
}

impl<'a> Sink<'a> for Vec<Value<'a>> {
    fn push(&mut self, v: Value<'a>) {
        Vec::push(self, v);
    }
    fn group(&mut self, _: GroupKey, _: usize, values: &mut dyn FnMut(&mut dyn Sink<'a>)) {
        values(self);
    }
}

impl<'a> dyn Sink<'a> + '_ {
    pub fn extend(&mut self, values: impl IntoIterator<Item = Value<'a>>) {
        for v in values {
            self.push(v);
        }
    }
}

/// Any log record, as an object: what the merge stage hands the writer.
pub trait DynLog: Send + std::fmt::Debug {
    fn path(&self) -> &'static str;
    fn fields(&self) -> &'static [Field];
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>);
    fn ts(&self) -> Ts;
}

impl<T: LogRecord + Send + std::fmt::Debug> DynLog for T {
    fn path(&self) -> &'static str {
        T::PATH
    }
    fn fields(&self) -> &'static [Field] {
        T::fields()
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        LogRecord::values(self, out)
    }
    fn ts(&self) -> Ts {
        LogRecord::ts(self)
    }
}

/// The columns Zeek's connection-level logs start with: the time, the
/// connection uid and its 4-tuple.
pub const CONN_HEAD: [Field; 6] = [
    field("ts", FieldType::Time),
    field("uid", FieldType::String),
    field("id.orig_h", FieldType::Addr),
    field("id.orig_p", FieldType::Port),
    field("id.resp_h", FieldType::Addr),
    field("id.resp_p", FieldType::Port),
];

/// Shorthand for building the static column lists.
pub const fn field(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        json_key: value::JsonKey::of(name),
    }
}

/// Declares a static column list made of a shared head (`$head`, an array
/// of `$n` fields) followed by a log's own columns.
#[macro_export]
macro_rules! columns_after {
    ($name:ident, $head:expr, $n:literal, [$($f:expr),* $(,)?]) => {
        // Evaluated at compile time: an index out of bounds here is a build
        // error, never a run-time panic.
        #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
        static $name: [$crate::output::Field; $n + [$($f),*].len()] = {
            let head = $head;
            let tail = [$($f),*];
            let mut all = [head[0]; $n + [$($f),*].len()];
            let mut i = 0;
            while i < $n {
                all[i] = head[i];
                i += 1;
            }
            let mut j = 0;
            while j < tail.len() {
                all[$n + j] = tail[j];
                j += 1;
            }
            all
        };
    };
}
