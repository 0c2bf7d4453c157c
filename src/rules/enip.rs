//! Suricata's EtherNet/IP and CIP integer keywords (its `enip/detect.rs`):
//! the names its `EnipCommand` and `EnipStatus` enumerations give (snake
//! case of the variant, case-insensitive), the width of each keyword, and
//! the lists the multi-integer CIP path keywords read.

use super::uint::{Multi, Uint};
use crate::event::enip::{Carried, Cip, Embedded, Path};

/// `enip_command` names (Suricata's `EnipCommand`).
pub const COMMANDS: [(&str, u64); 10] = [
    ("nop", 0x00),
    ("list_services", 0x04),
    ("list_identity", 0x63),
    ("list_interfaces", 0x64),
    ("register_session", 0x65),
    ("unregister_session", 0x66),
    // `SendRRData` in snake case, letter by letter.
    ("send_r_r_data", 0x6F),
    ("send_unit_data", 0x70),
    ("indicate_status", 0x72),
    ("cancel", 0x73),
];

/// `enip.status` names (Suricata's `EnipStatus`).
pub const STATUSES: [(&str, u64); 8] = [
    ("success", 0x00),
    ("invalid_cmd", 0x01),
    ("no_resources", 0x02),
    ("incorrect_data", 0x03),
    ("invalid_session", 0x64),
    ("invalid_length", 0x65),
    ("unsupported_prot_rev", 0x69),
    ("encap_header_error", 0x6A),
];

pub const U8: u64 = u8::MAX as u64;
pub const U16: u64 = u16::MAX as u64;
pub const U32: u64 = u32::MAX as u64;

/// A field of a List Identity reply item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityField {
    VendorId,
    DeviceType,
    ProductCode,
    /// Major revision in the high byte, minor in the low (Suricata's
    /// `tx_get_revision`).
    Revision,
    /// The item's device status (not the encapsulation status).
    Status,
    State,
    Serial,
    /// The item's encapsulation protocol version.
    ProtocolVersion,
}

/// The `enip.*` keyword of a List Identity field, and its width.
pub fn identity_keyword(name: &str) -> Option<(IdentityField, u64)> {
    Some(match name {
        "enip.vendor_id" => (IdentityField::VendorId, U16),
        "enip.device_type" => (IdentityField::DeviceType, U16),
        "enip.product_code" => (IdentityField::ProductCode, U16),
        "enip.revision" => (IdentityField::Revision, U16),
        "enip.identity_status" => (IdentityField::Status, U16),
        "enip.state" => (IdentityField::State, U8),
        "enip.serial" => (IdentityField::Serial, U32),
        "enip.protocol_version" => (IdentityField::ProtocolVersion, U16),
        _ => return None,
    })
}

impl IdentityField {
    pub fn of(self, i: &crate::event::enip::Identity) -> u64 {
        match self {
            IdentityField::VendorId => u64::from(i.vendor_id),
            IdentityField::DeviceType => u64::from(i.device_type),
            IdentityField::ProductCode => u64::from(i.product_code),
            IdentityField::Revision => (u64::from(i.revision.0) << 8) | u64::from(i.revision.1),
            IdentityField::Status => u64::from(i.device_status),
            IdentityField::State => u64::from(i.device_state),
            IdentityField::Serial => u64::from(i.serial_number),
            IdentityField::ProtocolVersion => u64::from(i.encapsulation_version),
        }
    }
}

/// A segment kind of a request path the multi-integer keywords read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    Class,
    Instance,
    Attribute,
}

/// The values `kind` reads from a request, in Suricata's order. Class and
/// instance: the path as Suricata's segment list, as far as the event
/// keeps it (its class, instance and attribute segments in that order, a
/// position with no value of `kind` being `None`). Attribute: the path's
/// attribute, then the ids a Get/Set_Attribute_List names.
fn values(p: &Path, attributes: &[u16], kind: Segment) -> Vec<Option<u64>> {
    if kind == Segment::Attribute {
        return p
            .attribute
            .map(u64::from)
            .into_iter()
            .chain(attributes.iter().map(|a| u64::from(*a)))
            .map(Some)
            .collect();
    }
    [
        (Segment::Class, p.class),
        (Segment::Instance, p.instance),
        (Segment::Attribute, p.attribute),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_some())
    .map(|(k, v)| if k == kind { v.map(u64::from) } else { None })
    .collect()
}

/// `enip.cip_class`, `enip.cip_instance`, `enip.cip_attribute` on a CIP
/// request: its own values, or those of one request a Multiple Service
/// Packet packs (each list judged on its own).
pub fn cip_segment(m: &Cip, kind: Segment, x: &Multi) -> bool {
    if m.is_response() {
        return false;
    }
    if x.matches(&values(&m.path.unwrap_or_default(), &m.attributes, kind)) {
        return true;
    }
    match &m.carried {
        Carried::Multiple(services) => services.iter().any(|e| match e {
            Embedded::Request {
                path, attributes, ..
            } => x.matches(&values(path, attributes, kind)),
            Embedded::Reply { .. } => false,
        }),
        _ => false,
    }
}

/// `enip.cip_status` on a CIP reply: its general status, or one of a
/// Multiple Service Packet reply's.
pub fn cip_status(m: &Cip, u: &Uint) -> bool {
    let Some(s) = m.status else { return false };
    if u.matches(u64::from(s.general)) {
        return true;
    }
    match &m.carried {
        Carried::Multiple(services) => services.iter().any(|e| {
            matches!(e, Embedded::Reply { general_status, .. } if u.matches(u64::from(*general_status)))
        }),
        _ => false,
    }
}

/// `enip.cip_extendedstatus` on a CIP reply: Suricata reads it only when
/// it is one word, little-endian (the event folds the words big-endian:
/// a value of 16 bits is taken for one word and swapped back).
pub fn cip_extended_status(m: &Cip, u: &Uint) -> bool {
    let Some(x) = m.status.and_then(|s| s.extended) else {
        return false;
    };
    x <= 0xFFFF && u.matches(u64::from(((x & 0xFF) << 8) | (x >> 8)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_values_are_the_path_then_the_list() {
        let p = Path {
            class: Some(1),
            instance: Some(1),
            attribute: Some(7),
            ..Path::default()
        };
        assert_eq!(
            values(&p, &[3, 4], Segment::Attribute),
            vec![Some(7), Some(3), Some(4)]
        );
        // A list request's path usually stops at the instance: index 0 is
        // the list's first id, as in Suricata.
        let list = Path {
            attribute: None,
            ..p
        };
        assert_eq!(values(&list, &[3], Segment::Attribute), vec![Some(3)]);
        let first = Multi::parse("3,0", u64::from(u32::MAX)).unwrap();
        assert!(first.matches(&values(&list, &[3, 9], Segment::Attribute)));
        assert!(!first.matches(&values(&list, &[9, 3], Segment::Attribute)));
        // Class and instance keep the segment positions.
        assert_eq!(
            values(&p, &[3], Segment::Instance),
            vec![None, Some(1), None]
        );
    }
}
