//! The columns the ICSNPP message logs (EtherNet/IP, OPC UA) start with:
//! the connection, whether the originator sent the message, its sender and
//! receiver, and the id that ties together the rows made from it.

use crate::event::{ConnId, Dir, Head};
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
pub fn head_values<'a>(head: &'a Head, out: &mut dyn crate::output::Sink<'a>) {
    head_values_linked(head, &head.link, out);
}

/// The values of those columns for a row of a group made from a message
/// (the nodes it reads, the status codes of a response): `link`, the
/// group's id, in the id column.
pub fn head_values_linked<'a>(
    head: &'a Head,
    link: &'a str,
    out: &mut dyn crate::output::Sink<'a>,
) {
    sent_values(head.ts, &head.id, head.dir, out);
    out.push(Value::Plain(link));
}

/// The values of the first 11 of those columns (the logs without a
/// message id, such as ICSNPP's S7 logs): when, on which connection, sent
/// by whom to whom.
#[inline]
pub fn sent_values<'a>(ts: Ts, id: &'a ConnId, dir: Dir, out: &mut dyn crate::output::Sink<'a>) {
    out.push(Value::Time(ts));
    // The same on every row of the connection in this direction.
    let key = crate::output::GroupKey {
        site: if dir == Dir::Orig { 1 } else { 2 },
        uid: id.uid,
        orig: (id.orig_h, id.orig_p),
        resp: (id.resp_h, id.resp_p),
    };
    out.group(key, 10, &mut |out| {
        out.push(Value::Plain(&id.uid));
        out.push(Value::Addr(id.orig_h));
        out.push(Value::Port(id.orig_p));
        out.push(Value::Addr(id.resp_h));
        out.push(Value::Port(id.resp_p));
        out.push(Value::Bool(dir == Dir::Orig));
        let (sh, sp, dh, dp) = id.endpoints(dir);
        out.push(Value::Addr(sh));
        out.push(Value::Port(sp));
        out.push(Value::Addr(dh));
        out.push(Value::Port(dp));
    });
}

/// `ts`, `uid` and the connection's four `id` columns (the logs whose
/// next columns are not the message head's: `profinet_io_cm.log`,
/// `s7comm_known_devices.log`).
pub fn conn_values<'a>(ts: Ts, id: &'a ConnId, out: &mut dyn crate::output::Sink<'a>) {
    out.push(Value::Time(ts));
    out.push(Value::Plain(&id.uid));
    out.push(Value::Addr(id.orig_h));
    out.push(Value::Port(id.orig_p));
    out.push(Value::Addr(id.resp_h));
    out.push(Value::Port(id.resp_p));
}
