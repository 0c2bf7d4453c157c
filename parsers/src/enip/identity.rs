//! Device identity as EtherNet/IP and CIP carry it: the Identity object's
//! attributes 1–7 (CIP Vol 1, 5A-2.2), which both the ListIdentity reply
//! item (CIP Vol 2, 2-4.2.3) and the Identity object's Get_Attributes_All
//! reply (Vol 1, 5A-2.3) start from; the ListServices reply item (Vol 2,
//! 2-4.6.3); and the socket address both List replies carry (Vol 2,
//! 2-6.3.3). One reader per structure serves the view (the reference reads
//! these items field by field as the spec lays them out) and the checked
//! form, which adds the flags (protocol version, sockaddr family and zero,
//! a product name longer than the data).

use super::util::{finish, Cursor};
use super::Violations;
use crate::{Error, IResult, Layer};
use std::borrow::Cow;
use std::fmt;
use std::net::Ipv4Addr;

/// A revision, major.minor (CIP Vol 1, 5A-2.2.1.4: USINT major, USINT minor).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Revision {
    /// Major revision (bit 7 is the compatibility bit in electronic keys).
    pub major: u8,
    /// Minor revision.
    pub minor: u8,
}

impl fmt::Display for Revision {
    /// `major.minor` in decimal, as the reference prints it (`4.3`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The Identity object's attributes 1–7 (CIP Vol 1, 5A-2.2): what every CIP
/// device reports about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Identity<'a> {
    /// Attribute 1: vendor id (ODVA's vendor list).
    pub vendor_id: u16,
    /// Attribute 2: device type, the profile (CIP Vol 1, 6-1).
    pub device_type: u16,
    /// Attribute 3: vendor-assigned product code.
    pub product_code: u16,
    /// Attribute 4: revision.
    pub revision: Revision,
    /// Attribute 5: status word (5A-2.2.1.5).
    pub status: u16,
    /// Attribute 6: serial number.
    pub serial_number: u32,
    /// Attribute 7: product name, a SHORT_STRING's characters (at most 32
    /// by the spec; whatever the length byte says here, up to the data).
    pub product_name: &'a [u8],
}

impl<'a> Identity<'a> {
    /// The product name as text, with invalid UTF-8 replaced (allocates
    /// only then).
    pub fn product_name_lossy(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.product_name)
    }
}

/// Reads attributes 1–7; a product name longer than the data is kept
/// short and flagged `LENGTH_EXCEEDS_DATA`.
pub(crate) fn read_identity<'a>(
    c: &mut Cursor<'a>,
    v: &mut Violations,
) -> Result<Identity<'a>, Error> {
    c.need(15)?;
    let vendor_id = c.u16()?;
    let device_type = c.u16()?;
    let product_code = c.u16()?;
    let [major, minor] = c.array::<2>()?;
    let status = c.u16()?;
    let serial_number = c.u32()?;
    let name_len = c.u8()?;
    let product_name = c.take_upto(usize::from(name_len), v, Violations::LENGTH_EXCEEDS_DATA);
    Ok(Identity {
        vendor_id,
        device_type,
        product_code,
        revision: Revision { major, minor },
        status,
        serial_number,
        product_name,
    })
}

/// The reply data of Get_Attributes_All (0x01) on an Identity object
/// instance (CIP Vol 1, 5A-2.3): attributes 1–7, then optionally the state
/// (attribute 8) and further attributes the device chose to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IdentityAttributes<'a> {
    /// Attributes 1–7.
    pub identity: Identity<'a>,
    /// Attribute 8, state, when present.
    pub state: Option<u8>,
    /// Anything after the state (configuration consistency value,
    /// heartbeat interval, ...), as sent.
    pub rest: &'a [u8],
    /// Spec violations (`LENGTH_EXCEEDS_DATA` for a short product name).
    pub violations: Violations,
}

/// Parses the reply data of an Identity Get_Attributes_All (CIP Vol 1,
/// 5A-2.3). Fewer than the 15 bytes of attributes 1–7 is `Truncated`
/// (layer `Cip`, offset from the start of the data). Uses all the input.
pub fn parse_identity(data: &[u8]) -> IResult<'_, IdentityAttributes<'_>> {
    let mut c = Cursor::new(Layer::Cip, data);
    let mut v = Violations::NONE;
    let r = read_identity(&mut c, &mut v).map(|identity| {
        let state = c.u8().ok();
        IdentityAttributes {
            identity,
            state,
            rest: c.take_rest(),
            violations: v,
        }
    });
    finish(data, r)
}

/// An IPv4 socket address as the encapsulation carries it, struct
/// `sockaddr_in` in network byte order (CIP Vol 2, 2-6.3.3) — the only
/// big-endian fields of EtherNet/IP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SockAddr {
    /// sin_family: 2 (AF_INET).
    pub family: u16,
    /// sin_port.
    pub port: u16,
    /// sin_addr.
    pub addr: Ipv4Addr,
    /// sin_zero: must be zero.
    pub zero: [u8; 8],
}

/// Length of a sockaddr (Vol 2, 2-6.3.3).
pub const SOCKADDR_LEN: usize = 16;

impl SockAddr {
    /// True when the family is AF_INET and sin_zero is zero.
    pub fn is_valid(&self) -> bool {
        self.family == 2 && self.zero == [0; 8]
    }
}

pub(crate) fn read_sockaddr(c: &mut Cursor<'_>, v: &mut Violations) -> Result<SockAddr, Error> {
    c.need(SOCKADDR_LEN)?;
    let s = SockAddr {
        family: c.be_u16()?,
        port: c.be_u16()?,
        addr: Ipv4Addr::from(c.be_u32()?),
        zero: c.array::<8>()?,
    };
    v.set_if(!s.is_valid(), Violations::INVALID_SOCKADDR);
    Ok(s)
}

/// The ListIdentity reply item, type 0x000C (CIP Vol 2, 2-4.2.3,
/// Table 2-4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListIdentityItem<'a> {
    /// Encapsulation protocol version (1).
    pub protocol_version: u16,
    /// The address and port the device listens on.
    pub socket_address: SockAddr,
    /// Identity attributes 1–7.
    pub identity: Identity<'a>,
    /// Identity attribute 8, state.
    pub state: u8,
}

/// Reads a ListIdentity item; the protocol version and the sockaddr are
/// flagged in `v`, a product name past the data is `Truncated` at the
/// state (the reference reads the name whole or fails).
pub(crate) fn read_list_identity<'a>(
    c: &mut Cursor<'a>,
    v: &mut Violations,
) -> Result<ListIdentityItem<'a>, Error> {
    let protocol_version = c.u16()?;
    v.set_if(
        protocol_version != 1,
        Violations::UNSUPPORTED_PROTOCOL_VERSION,
    );
    let socket_address = read_sockaddr(c, v)?;
    let identity = read_identity(c, v)?;
    let state = c.u8()?;
    Ok(ListIdentityItem {
        protocol_version,
        socket_address,
        identity,
        state,
    })
}

/// Capability flag: the service supports CIP encapsulation over TCP
/// (CIP Vol 2, 2-4.6.3, bit 5).
pub const CAPABILITY_CIP_TCP: u16 = 1 << 5;
/// Capability flag: the service supports CIP class 0/1 I/O over UDP
/// (CIP Vol 2, 2-4.6.3, bit 8).
pub const CAPABILITY_CIP_UDP: u16 = 1 << 8;

/// The ListServices reply item, type 0x0100 (CIP Vol 2, 2-4.6.3,
/// Table 2-4.11): 20 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServiceItem {
    /// Encapsulation protocol version (1).
    pub protocol_version: u16,
    /// Capability flags ([`CAPABILITY_CIP_TCP`], [`CAPABILITY_CIP_UDP`]).
    pub capability_flags: u16,
    /// Name of the service, NUL-terminated ASCII ("Communications").
    pub name: [u8; 16],
}

impl ServiceItem {
    /// The name up to its first NUL.
    pub fn name_bytes(&self) -> &[u8] {
        let n = self.name.iter().position(|b| *b == 0).unwrap_or(16);
        self.name.get(..n).unwrap_or_default()
    }
}

pub(crate) fn read_service_item(
    c: &mut Cursor<'_>,
    v: &mut Violations,
) -> Result<ServiceItem, Error> {
    c.need(20)?;
    let s = ServiceItem {
        protocol_version: c.u16()?,
        capability_flags: c.u16()?,
        name: c.array::<16>()?,
    };
    v.set_if(
        s.protocol_version != 1,
        Violations::UNSUPPORTED_PROTOCOL_VERSION,
    );
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    // Identity Get_Attributes_All reply data of a 1756-ENBT/A: the
    // attributes of the ListIdentity reply in enip_cip_example.pcap,
    // frame 372, followed by the state.
    const IDENTITY: [u8; 27] = [
        0x01, 0x00, // vendor 1: Rockwell Automation/Allen-Bradley
        0x0C, 0x00, // device type 12: Communications Adapter
        0x3A, 0x00, // product code 58
        0x04, 0x03, // revision 4.3
        0x30, 0x00, // status 0x0030
        0x8E, 0x4D, 0x52, 0x00, // serial number 0x00524D8E
        0x0B, // product name: 11 characters
        b'1', b'7', b'5', b'6', b'-', b'E', b'N', b'B', b'T', b'/', b'A', //
        0x03, // state 3: operational
    ];

    #[test]
    fn identity_get_attributes_all_reply() {
        let Ok((rest, a)) = parse_identity(&IDENTITY) else {
            panic!("identity did not parse");
        };
        assert!(rest.is_empty());
        let id = a.identity;
        assert_eq!(id.vendor_id, 1);
        assert_eq!(id.device_type, 12);
        assert_eq!(id.product_code, 58);
        assert_eq!(id.revision.to_string(), "4.3");
        assert_eq!(id.status, 0x0030);
        assert_eq!(id.serial_number, 0x0052_4D8E);
        assert_eq!(id.product_name_lossy(), "1756-ENBT/A");
        assert_eq!(a.state, Some(3));
        assert!(a.rest.is_empty());
        assert!(a.violations.is_empty());
    }

    #[test]
    fn every_prefix_fails_cleanly_or_flags() {
        for n in 0..IDENTITY.len() {
            match parse_identity(&IDENTITY[..n]) {
                Err(nom::Err::Error(e)) => {
                    assert!(n < 15, "prefix {n}: {e}");
                    assert_eq!(e.layer, Some(Layer::Cip));
                    assert!(matches!(e.kind, ErrorKind::Truncated { .. }));
                }
                Ok((_, a)) => {
                    // A cut product name is flagged; a missing state is optional.
                    assert!(n >= 15);
                    assert_eq!(
                        a.violations.contains(Violations::LENGTH_EXCEEDS_DATA),
                        n < 26,
                        "prefix {n}"
                    );
                }
                Err(e) => panic!("prefix {n}: {e:?}"),
            }
        }
    }

    #[test]
    fn sockaddr_is_big_endian_and_checked() {
        let b = [
            0x00, 0x02, 0xAF, 0x12, 10, 1, 1, 164, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let mut v = Violations::NONE;
        let s = read_sockaddr(&mut Cursor::new(Layer::EnipCpf, &b), &mut v);
        assert_eq!(
            s,
            Ok(SockAddr {
                family: 2,
                port: 44818,
                addr: Ipv4Addr::new(10, 1, 1, 164),
                zero: [0; 8]
            })
        );
        assert!(v.is_empty());
        // A little-endian family is a common mistake.
        let mut le = b;
        le[0..2].copy_from_slice(&[0x02, 0x00]);
        read_sockaddr(&mut Cursor::new(Layer::EnipCpf, &le), &mut v).ok();
        assert_eq!(v, Violations::INVALID_SOCKADDR);
    }

    #[test]
    fn service_item_name_stops_at_nul() {
        let mut b = vec![0x01, 0x00, 0x20, 0x01];
        b.extend_from_slice(b"Communications\0\0");
        let mut v = Violations::NONE;
        let Ok(s) = read_service_item(&mut Cursor::new(Layer::EnipCpf, &b), &mut v) else {
            panic!("service item did not parse");
        };
        assert_eq!(s.name_bytes(), b"Communications");
        assert_eq!(s.capability_flags, CAPABILITY_CIP_TCP | CAPABILITY_CIP_UDP);
        assert!(v.is_empty());
        let full = ServiceItem {
            name: *b"0123456789abcdef",
            ..s
        };
        assert_eq!(full.name_bytes().len(), 16);
    }
}
