//! DCE/RPC connectionless (datagram) PDUs, protocol version 4 (The Open
//! Group, *DCE 1.1: Remote Procedure Call*, C706, chapter 12), as
//! PROFINET IO context management carries them over UDP (IEC 61158-6-10,
//! the PNIO-CM interfaces): the 80-byte header, and the body of a
//! fragment acknowledgement (FACK). The PROFINET blocks in a request's or
//! response's body (NDR) are not read here.
//!
//! Integers are in the byte order the header's data representation
//! names (its first octet's high nibble: 0 big-endian, 1 little-endian);
//! a header in another representation has only its first eight octets
//! read. UUIDs are kept as their sixteen wire octets.

#[cfg(test)]
mod tests;

use crate::{Error, Layer};

/// The fixed header's length.
pub const HEADER_LEN: usize = 80;
/// The RPC protocol version of connectionless PDUs.
pub const VERSION: u8 = 4;
/// Packet type of a fragment acknowledgement.
pub const FACK: u8 = 9;
/// The most selective-acknowledgement words a FACK keeps.
pub const MAX_SELECTIVE_ACKS: usize = 64;

/// Flags of the first flags octet (C706, 12.5.3.3).
pub mod flags1 {
    pub const RESERVED_01: u8 = 0x01;
    pub const LAST_FRAG: u8 = 0x02;
    pub const FRAG: u8 = 0x04;
    pub const NO_FACK: u8 = 0x08;
    pub const MAYBE: u8 = 0x10;
    pub const IDEMPOTENT: u8 = 0x20;
    pub const BROADCAST: u8 = 0x40;
    pub const RESERVED_80: u8 = 0x80;
}

/// Flags of the second flags octet (C706, 12.5.3.4).
pub mod flags2 {
    pub const CANCEL_PENDING: u8 = 0x02;
}

/// The PNIO interfaces' UUIDs but their fourth octet (1 device, 2
/// controller, 3 supervisor, 4 parameter server), in big-endian wire
/// order: `DEA0000x-6C97-11D1-8271-00A02442DF7D`.
const PNIO_INTERFACE: [u8; 16] = [
    0xDE, 0xA0, 0x00, 0x00, 0x6C, 0x97, 0x11, 0xD1, 0x82, 0x71, 0x00, 0xA0, 0x24, 0x42, 0xDF, 0x7D,
];

/// Whether a datagram opens like a connectionless DCE/RPC PDU: version
/// 4, a known packet type, no reserved second-flags bit, an ASCII or
/// EBCDIC data representation with a known float format, and a whole
/// header (the reference analyzer's signature, with Wireshark's header
/// checks).
pub fn probe(i: &[u8]) -> bool {
    match i.get(..6) {
        Some(&[VERSION, ptype, _, flags2, drep0, drep1]) => {
            i.len() >= HEADER_LEN
                && ptype <= 0x0A
                && flags2 & 0xFC == 0
                && matches!(drep0, 0x00 | 0x01 | 0x10 | 0x11)
                && drep1 <= 3
        }
        _ => false,
    }
}

/// Whether the header names a PNIO interface (device, controller,
/// supervisor or parameter server), in either byte order.
pub fn is_pnio(i: &[u8]) -> bool {
    let Some(uuid) = i.get(24..40) else {
        return false;
    };
    let big = uuid
        .iter()
        .zip(PNIO_INTERFACE)
        .enumerate()
        .all(|(k, (a, b))| k == 3 || *a == b);
    // Little-endian: the first three fields' octets reversed.
    let mut le = PNIO_INTERFACE;
    le[..4].reverse();
    le[4..6].reverse();
    le[6..8].reverse();
    let little = uuid
        .iter()
        .zip(le)
        .enumerate()
        .all(|(k, (a, b))| k == 0 || *a == b);
    big || little
}

/// The header fields after the data representation, in the order the
/// header carries them (C706, 12.5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fields {
    pub serial_high: u8,
    pub object: [u8; 16],
    pub interface: [u8; 16],
    pub activity: [u8; 16],
    pub server_boot: u32,
    /// Major version in the high half, minor in the low half.
    pub interface_version: u32,
    pub sequence: u32,
    pub opnum: u16,
    pub interface_hint: u16,
    pub activity_hint: u16,
    /// Length of the body that follows the header.
    pub body_length: u16,
    pub fragment_number: u16,
    pub auth_protocol: u8,
    pub serial_low: u8,
}

/// A fragment acknowledgement's body (C706, 12.5.3.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fack {
    pub version: u8,
    pub window_size: u16,
    pub max_tsdu: u32,
    pub max_frag_size: u32,
    pub serial_number: u16,
    /// The number of selective-acknowledgement words announced.
    pub selective_ack_count: u16,
    /// The selective-acknowledgement words (at most
    /// [`MAX_SELECTIVE_ACKS`] kept).
    pub selective_acks: Vec<u32>,
}

/// A connectionless PDU's header, with a FACK's body (owned: small).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub version: u8,
    /// The packet type octet as sent (the type is its low five bits).
    pub ptype: u8,
    pub flags1: u8,
    pub flags2: u8,
    pub drep: [u8; 3],
    /// The rest of the header, when its integer representation is big- or
    /// little-endian.
    pub fields: Option<Fields>,
    pub fack: Option<Fack>,
}

impl Header {
    /// The packet type: 0 request, 1 ping, 2 response, 3 fault, 4
    /// working, 5 nocall, 6 reject, 7 ack, 8 cancel, 9 FACK, 10 cancel ack.
    pub fn packet_type(&self) -> u8 {
        self.ptype & 0x1F
    }

    /// The integer representation: 0 big-endian, 1 little-endian.
    pub fn integer_encoding(&self) -> u8 {
        let [first, _, _] = self.drep;
        first >> 4
    }
}

/// A connectionless PDU: its header and the body after it, borrowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pdu<'a> {
    pub header: Header,
    pub body: &'a [u8],
}

/// A little cursor in one byte order; errors name the offset.
struct Reader<'a> {
    i: &'a [u8],
    at: usize,
    little: bool,
}

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let end = self.at.checked_add(N);
        let bytes = end.and_then(|e| self.i.get(self.at..e));
        match bytes.and_then(|b| <[u8; N]>::try_from(b).ok()) {
            Some(b) => {
                self.at = self.at.saturating_add(N);
                Ok(b)
            }
            None => Err(Error::truncated(
                Layer::DceRpc,
                self.at,
                N,
                self.i.len().saturating_sub(self.at),
            )),
        }
    }
    fn u8(&mut self) -> Result<u8, Error> {
        self.take::<1>().map(|[b]| b)
    }
    fn u16(&mut self) -> Result<u16, Error> {
        let b = self.take::<2>()?;
        Ok(if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }
    fn u32(&mut self) -> Result<u32, Error> {
        let b = self.take::<4>()?;
        Ok(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }
    fn rest_is_empty(&self) -> bool {
        self.at >= self.i.len()
    }
    fn rest(&mut self) -> &'a [u8] {
        let r = self.i.get(self.at..).unwrap_or_default();
        self.at = self.i.len();
        r
    }
}

/// Parses the connectionless PDU that fills `i` (one UDP datagram).
/// Errors: fewer octets than the header (or than a FACK's body) needs.
/// The version is not checked: the caller decides what a datagram is.
pub fn parse_pdu(i: &[u8]) -> Result<Pdu<'_>, Error> {
    let mut r = Reader {
        i,
        at: 0,
        little: false,
    };
    let version = r.u8()?;
    let ptype = r.u8()?;
    let flags1 = r.u8()?;
    let flags2 = r.u8()?;
    let drep = r.take::<3>()?;
    let mut h = Header {
        version,
        ptype,
        flags1,
        flags2,
        drep,
        fields: None,
        fack: None,
    };
    r.little = match h.integer_encoding() {
        0 => false,
        1 => true,
        _ => {
            return Ok(Pdu {
                header: h,
                body: r.rest(),
            })
        }
    };
    let fields = Fields {
        serial_high: r.u8()?,
        object: r.take()?,
        interface: r.take()?,
        activity: r.take()?,
        server_boot: r.u32()?,
        interface_version: r.u32()?,
        sequence: r.u32()?,
        opnum: r.u16()?,
        interface_hint: r.u16()?,
        activity_hint: r.u16()?,
        body_length: r.u16()?,
        fragment_number: r.u16()?,
        auth_protocol: r.u8()?,
        serial_low: r.u8()?,
    };
    h.fields = Some(fields);
    // A FACK may come without a body (C706 12.5.3.5: version 0 senders).
    if h.packet_type() == FACK && fields.body_length != 0 && !r.rest_is_empty() {
        let version = r.u8()?;
        let _pad = r.u8()?;
        let window_size = r.u16()?;
        let max_tsdu = r.u32()?;
        let max_frag_size = r.u32()?;
        let serial_number = r.u16()?;
        let count = r.u16()?;
        let mut selective_acks = Vec::with_capacity(usize::from(count).min(MAX_SELECTIVE_ACKS));
        for _ in 0..count {
            let word = r.u32()?;
            if selective_acks.len() < MAX_SELECTIVE_ACKS {
                selective_acks.push(word);
            }
        }
        h.fack = Some(Fack {
            version,
            window_size,
            max_tsdu,
            max_frag_size,
            serial_number,
            selective_ack_count: count,
            selective_acks,
        });
    }
    Ok(Pdu {
        header: h,
        body: r.rest(),
    })
}
