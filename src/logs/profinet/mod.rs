//! The PROFINET logs: `profinet_dcp.log` and `profinet_rt.log`
//! (otwatch's own, `dcp` and `rt`), and
//! `profinet_io_cm.log` of CISA ICSNPP-profinet-io-cm: one row per
//! connectionless DCE/RPC PDU of PROFINET IO context management, columns
//! in the reference's order (docs/logs.md), projected from the PROFINET
//! events. The reference's spellings (packet types, operations,
//! encodings) live here.

mod dcp;
mod rt;

pub use dcp::{option_name, service_name, summary};

use crate::event::profinet::{Dcp, Rpc, RtSummary};
use crate::output::{field, Field, FieldType as T, LogRecord, Sink, Value};
use crate::time::Ts;
use otwatch_parsers::dcerpc::{flags1 as f1, flags2 as f2};

/// The PROFINET logs and their columns (for their schemas).
pub(crate) fn logs() -> [(&'static str, &'static [Field]); 3] {
    [
        (Rpc::PATH, <Rpc as LogRecord>::fields()),
        (Dcp::PATH, &dcp::FIELDS),
        (RtSummary::PATH, &rt::FIELDS),
    ]
}

// The connection's columns, then the sender and receiver without
// `is_orig`.
crate::columns_after!(
    FIELDS,
    super::message_head_fields(""),
    6,
    [
        field("source_h", T::Addr),
        field("source_p", T::Port),
        field("destination_h", T::Addr),
        field("destination_p", T::Port),
        field("proto", T::Enum),
        field("rpc_version", T::Count),
        field("packet_type", T::String),
        field("reserved_for_impl_1", T::Bool),
        field("last_fragment", T::Bool),
        field("fragment", T::Bool),
        field("no_fragment_requested", T::Bool),
        field("maybe", T::Bool),
        field("idempotent", T::Bool),
        field("broadcast", T::Bool),
        field("reserved_for_impl_2", T::Bool),
        field("cancel_was_pending_at_call_end", T::Bool),
        field("integer_encoding", T::String),
        field("character_encoding", T::String),
        field("floating_point_encoding", T::String),
        field("serial_high", T::Count),
        field("object_uuid", T::String),
        field("interface_uuid", T::String),
        field("activity_uuid", T::String),
        field("server_boot_time", T::Count),
        field("interface_vers_major", T::Count),
        field("interface_vers_minor", T::Count),
        field("sequence_num", T::Count),
        field("operation_num", T::String),
        field("interface_hint", T::Count),
        field("activity_hint", T::Count),
        field("len_of_body", T::Count),
        field("fragment_num", T::Count),
        field("auth_protocol", T::Count),
        field("serial_low", T::Count),
        field("vers_fack", T::String),
        field("window_size", T::Count),
        field("max_tsdu", T::Count),
        field("max_frag_size", T::Count),
        field("serial_number", T::Count),
        field("sel_ack_len", T::Count),
        field("array_of_sel_ack", T::VectorCount),
    ]
);

/// The layer-2 columns of the PROFINET logs: sender and receiver MAC
/// addresses, and the VLAN (unset when untagged or priority-tagged).
fn layer2_values(src: [u8; 6], dst: [u8; 6], vlan: u16, out: &mut dyn Sink<'_>) {
    out.push(Value::Str(crate::id::format_mac(src)));
    out.push(Value::Str(crate::id::format_mac(dst)));
    out.push(match vlan {
        0 => Value::Unset,
        v => Value::Count(u64::from(v)),
    });
}

/// ICSNPP's name of a connectionless packet type (`PDU_TYPE`, its typo
/// kept), `unknown` otherwise.
pub fn packet_type_name(ptype: u8) -> &'static str {
    match ptype {
        0 => "Request",
        1 => "Ping",
        2 => "Response",
        3 => "Fault",
        4 => "Working",
        5 => "No call Response to Ping",
        6 => "Reject",
        7 => "Acknowledge",
        8 => "Connectionless Canel",
        9 => "Fragment Acknowledge",
        10 => "Cancel Acknowledge",
        _ => "unknown",
    }
}

/// ICSNPP's name of a PNIO-CM operation (`PNIO_SERVICES_VALUE`),
/// `unknown` otherwise.
pub fn operation_name(opnum: u16) -> &'static str {
    match opnum {
        0 => "Connect",
        1 => "Release",
        2 => "Read",
        3 => "Write",
        4 => "Control",
        5 => "Read Implicit",
        _ => "unknown",
    }
}

fn integer_encoding(drep0: u8) -> &'static str {
    match drep0 >> 4 {
        0 => "Big Endian",
        1 => "Little Endian",
        _ => "unknown",
    }
}

fn character_encoding(drep0: u8) -> &'static str {
    match drep0 & 0x0F {
        0 => "ASCII",
        1 => "EBCDIC",
        _ => "unknown",
    }
}

fn float_encoding(drep1: u8) -> &'static str {
    match drep1 & 0x07 {
        0 => "IEEE",
        1 => "VAX",
        2 => "CRAY",
        3 => "IBM",
        _ => "unknown",
    }
}

/// A UUID's sixteen octets in wire order, upper-case hex grouped 4-2-2-2-6
/// (as the reference prints them: a little-endian PDU's UUID reads with
/// its first three fields byte-swapped).
pub fn uuid_text(b: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{byte:02X}"));
    }
    s
}

/// A row of `profinet_io_cm.log`: one connectionless DCE/RPC PDU.
impl LogRecord for Rpc {
    const PATH: &'static str = "profinet_io_cm";
    fn fields() -> &'static [Field] {
        &FIELDS
    }
    fn ts(&self) -> Ts {
        self.sent.ts
    }
    fn values<'a>(&'a self, out: &mut dyn Sink<'a>) {
        let s = &self.sent;
        super::conn_values(s.ts, &s.id, out);
        let (sh, sp, dh, dp) = s.id.endpoints(s.dir);
        out.push(Value::Addr(sh));
        out.push(Value::Port(sp));
        out.push(Value::Addr(dh));
        out.push(Value::Port(dp));
        out.push(Value::Plain(s.id.transport()));
        let h = &self.header;
        out.push(Value::Count(u64::from(h.version)));
        out.push(Value::Plain(packet_type_name(h.packet_type())));
        for (byte, bit) in [
            (h.flags1, f1::RESERVED_80),
            (h.flags1, f1::LAST_FRAG),
            (h.flags1, f1::FRAG),
            (h.flags1, f1::NO_FACK),
            (h.flags1, f1::MAYBE),
            (h.flags1, f1::IDEMPOTENT),
            (h.flags1, f1::BROADCAST),
            (h.flags1, f1::RESERVED_01),
            (h.flags2, f2::CANCEL_PENDING),
        ] {
            out.push(Value::Bool(byte & bit != 0));
        }
        let [d0, d1, _] = h.drep;
        out.push(Value::Plain(integer_encoding(d0)));
        out.push(Value::Plain(character_encoding(d0)));
        out.push(Value::Plain(float_encoding(d1)));
        match &h.fields {
            Some(f) => {
                let count = |v: u32| Value::Count(u64::from(v));
                out.push(count(u32::from(f.serial_high)));
                out.push(Value::Str(uuid_text(&f.object)));
                out.push(Value::Str(uuid_text(&f.interface)));
                out.push(Value::Str(uuid_text(&f.activity)));
                out.push(count(f.server_boot));
                out.push(count(f.interface_version >> 16));
                out.push(count(f.interface_version & 0xFFFF));
                out.push(count(f.sequence));
                out.push(Value::Plain(operation_name(f.opnum)));
                out.push(count(u32::from(f.interface_hint)));
                out.push(count(u32::from(f.activity_hint)));
                out.push(count(u32::from(f.body_length)));
                out.push(count(u32::from(f.fragment_number)));
                out.push(count(u32::from(f.auth_protocol)));
                out.push(count(u32::from(f.serial_low)));
            }
            None => {
                for _ in 0..15 {
                    out.push(Value::Unset);
                }
            }
        }
        match (&h.fack, &h.fields) {
            (Some(k), Some(_)) => {
                out.push(Value::Plain(match k.version {
                    0 => "Initial version",
                    1 => "Default version",
                    _ => "unknown",
                }));
                out.push(Value::Count(u64::from(k.window_size)));
                out.push(Value::Count(u64::from(k.max_tsdu)));
                out.push(Value::Count(u64::from(k.max_frag_size)));
                out.push(Value::Count(u64::from(k.serial_number)));
                out.push(Value::Count(u64::from(k.selective_ack_count)));
                out.push(Value::Counts(
                    k.selective_acks.iter().map(|&w| u64::from(w)).collect(),
                ));
            }
            _ => {
                for _ in 0..7 {
                    out.push(Value::Unset);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_print_in_wire_order() {
        let b = [
            0x00, 0x00, 0xA0, 0xDE, 0x97, 0x6C, 0xD1, 0x11, 0x82, 0x71, 0x00, 0x01, 0x00, 0x03,
            0x01, 0x5A,
        ];
        assert_eq!(super::uuid_text(&b), "0000A0DE-976C-D111-8271-00010003015A");
    }

    #[test]
    fn names_need_no_escaping() {
        for b in 0..=255u8 {
            crate::logs::assert_plain(super::packet_type_name(b));
            crate::logs::assert_plain(super::operation_name(u16::from(b)));
        }
    }
}
