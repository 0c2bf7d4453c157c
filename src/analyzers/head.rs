//! The columns the ICSNPP message logs (EtherNet/IP, OPC UA) start with:
//! the connection, whether the originator sent the message, its sender and
//! receiver, and the id that ties together the rows made from it.

use super::ConnId;
use crate::flow::Dir;
use crate::output::{field, Field, FieldType as T, Value};
use crate::time::Ts;

/// The first 12 columns of a message log; the last one, the message id,
/// is named by the log (`packet_correlation_id`, `opcua_link_id`).
pub const fn message_head_fields(id_column: &'static str) -> [Field; 12] {
    [
        field("ts", T::Time),
        field("uid", T::String),
        field("id.orig_h", T::Addr),
        field("id.orig_p", T::Port),
        field("id.resp_h", T::Addr),
        field("id.resp_p", T::Port),
        field("is_orig", T::Bool),
        field("source_h", T::Addr),
        field("source_p", T::Port),
        field("destination_h", T::Addr),
        field("destination_p", T::Port),
        field(id_column, T::String),
    ]
}

/// The values of those columns for one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageHead {
    pub ts: Ts,
    pub id: ConnId,
    /// Who sent the message.
    pub dir: Dir,
    /// Ties the rows made from one message together.
    pub link: crate::id::Id,
}

impl MessageHead {
    pub fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        out.push(Value::Time(self.ts));
        // The same on every row of the connection in this direction.
        let key = crate::output::GroupKey {
            site: if self.dir == Dir::Orig { 1 } else { 2 },
            uid: self.id.uid,
            orig: (self.id.orig_h, self.id.orig_p),
            resp: (self.id.resp_h, self.id.resp_p),
        };
        out.group(key, 10, &mut |out| {
            out.push(Value::Plain(&self.id.uid));
            out.push(Value::Addr(self.id.orig_h));
            out.push(Value::Port(self.id.orig_p));
            out.push(Value::Addr(self.id.resp_h));
            out.push(Value::Port(self.id.resp_p));
            out.push(Value::Bool(self.dir == Dir::Orig));
            let (sh, sp, dh, dp) = self.id.endpoints(self.dir);
            out.push(Value::Addr(sh));
            out.push(Value::Port(sp));
            out.push(Value::Addr(dh));
            out.push(Value::Port(dp));
        });
        out.push(Value::Plain(&self.link));
    }
}
