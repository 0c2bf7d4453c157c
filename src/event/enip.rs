//! EtherNet/IP and CIP events: encapsulation messages, the CIP requests
//! and replies they carry (with the requests a Multiple Service Packet or
//! an Unconnected Send carries), implicit I/O datagrams and List Identity
//! replies. Codes and numbers only: names belong to the logs.

use super::Head;
pub use otwatch_parsers::enip::cip::Tag;
use std::net::IpAddr;

/// An encapsulation message (CIP Vol 2, 2-3): `enip.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encapsulation {
    pub head: Head,
    pub command: u16,
    /// The length field as sent.
    pub length: u16,
    pub session_handle: u32,
    pub status: u32,
    /// The sender context's eight bytes, in wire order.
    pub sender_context: [u8; 8],
    pub options: u32,
    /// The encapsulation protocol version a RegisterSession request or
    /// reply, or a ListServices reply's first item, gives.
    pub protocol_version: Option<u16>,
    /// A ListServices reply's first item's capability flags.
    pub capabilities: Option<u16>,
}

/// Class, instance and attribute of a path's logical segments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Path {
    pub class: Option<u32>,
    pub instance: Option<u32>,
    pub attribute: Option<u32>,
    /// The path names a tag (ANSI extended symbol segment): the service
    /// goes to the Logix symbol class.
    pub symbolic: bool,
    /// The tag's name, when the path starts with one.
    pub tag: Option<Tag>,
}

/// The Logix symbol class, implied by a symbolic path.
pub const SYMBOL_CLASS: u32 = 0x6B;
/// The Connection Manager class.
pub const CONNECTION_MANAGER: u32 = 0x06;
/// Unconnected Send (service 0x52 of the Connection Manager).
pub const UNCONNECTED_SEND: u8 = 0x52;
/// Multiple Service Packet (service 0x0A of the Message Router).
pub const MULTIPLE_SERVICE_PACKET: u8 = 0x0A;

impl Path {
    /// The class a class-specific service is addressed to: the path's
    /// class, or the symbol class of a tag.
    pub fn target_class(&self) -> Option<u32> {
        self.class.or(self.symbolic.then_some(SYMBOL_CLASS))
    }
}

/// The status of a CIP reply (CIP Vol 1, 2-4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    pub general: u8,
    /// The additional status words, folded into one number, when present.
    pub extended: Option<u32>,
}

/// A request an Unconnected Send carries to its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Routed {
    pub service: u8,
    pub path: Path,
}

/// One service of a Multiple Service Packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Embedded {
    Request {
        service: u8,
        path: Path,
        /// The attribute ids a Get/Set_Attribute_List names.
        attributes: Vec<u16>,
    },
    Reply {
        service: u8,
        general_status: u8,
    },
}

/// What a CIP message is beyond its own service: the requests it carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Carried {
    #[default]
    None,
    /// An Unconnected Send request and the request it carries.
    Routed(Routed),
    /// A Multiple Service Packet's services.
    Multiple(Vec<Embedded>),
}

/// A CIP request or reply (CIP Vol 1, 2-4): `cip.log` (a row, and one per
/// service of a Multiple Service Packet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cip {
    pub head: Head,
    /// The sequence count of connected messaging.
    pub sequence_count: Option<u16>,
    /// The service code without the reply bit.
    pub service: u8,
    /// A request's path (class, instance, attribute).
    pub path: Option<Path>,
    /// The attribute ids a Get_Attribute_List request names, or the first
    /// a Set_Attribute_List names (its values are class specific).
    pub attributes: Vec<u16>,
    /// A reply's status.
    pub status: Option<Status>,
    /// The class that names a class-specific service: a request's target
    /// class; for a reply, the class its request addressed (or, for a
    /// reply that comes back through an Unconnected Send, the class of the
    /// request it carried).
    pub naming_class: Option<u32>,
    pub carried: Carried,
}

impl Cip {
    pub fn is_response(&self) -> bool {
        self.status.is_some()
    }
}

/// An implicit I/O connection a Forward Open set up: who opened it,
/// between whom, how often it sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IoLink {
    /// uid of the connection that carried the Forward Open.
    pub opened_by: crate::id::Id,
    /// The originator (scanner) and target (adapter) of the I/O connection.
    pub origin: IpAddr,
    pub target: IpAddr,
    /// Actual packet interval granted, in microseconds.
    pub api_us: u32,
    /// The O->T id of the pair, the same for both directions' ids.
    pub pair: u32,
}

/// A cyclic (class 0/1) I/O datagram: `cip_io.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Io {
    pub head: Head,
    pub connection_id: u32,
    pub sequence_number: u32,
    pub data: Vec<u8>,
    /// The Forward Open that set the connection up, when it was seen.
    pub link: Option<IoLink>,
}

/// One identity item of a List Identity reply (CIP Vol 2, 2-4.3.2):
/// `cip_identity.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub head: Head,
    pub encapsulation_version: u16,
    pub socket_address: IpAddr,
    pub socket_port: u16,
    pub vendor_id: u16,
    pub device_type: u16,
    pub product_code: u16,
    pub revision: (u8, u8),
    pub device_status: u16,
    pub serial_number: u32,
    pub product_name: Vec<u8>,
    pub device_state: u8,
}
