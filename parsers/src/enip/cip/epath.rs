//! EPATH, the CIP path (CIP Vol 1, appendix C-1), read by the spec in its
//! padded form as EtherNet/IP carries it (C-1.2: 16- and 32-bit values and
//! odd-length segments are padded to an even number of bytes). The
//! reference's reading of a request path is [`Path`](super::Path).
//!
//! An [`EPath`] borrows the path bytes and walks them lazily; building one
//! walks it once to flag malformed segments. The walk stops at the first
//! segment that does not fit, is of a reserved type, or cannot be sized
//! (data type segments end the walk as [`Segment::Other`]).

use super::super::util::{end, Cursor};
use super::super::Violations;
use crate::{Error, IResult, Layer};
use std::iter::FusedIterator;

/// The logical segment types (CIP Vol 1, C-1.4.2, bits 4–2 of the segment
/// byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogicalType {
    /// 0x20/0x21/0x22: class id.
    Class,
    /// 0x24/0x25/0x26: instance id.
    Instance,
    /// 0x28/0x29/0x2A: member id (also the Logix array element).
    Member,
    /// 0x2C/0x2D/0x2E: connection point.
    ConnectionPoint,
    /// 0x30/0x31/0x32: attribute id.
    Attribute,
    /// 0x34: special (the electronic key, [`Segment::ElectronicKey`]).
    Special,
    /// 0x38: service id (8-bit only).
    ServiceId,
    /// 0x3C/0x3D/0x3E: extended logical (read as [`Segment::Other`]).
    ExtendedLogical,
}

impl LogicalType {
    fn from_bits(bits: u8) -> LogicalType {
        match bits & 0x07 {
            0 => LogicalType::Class,
            1 => LogicalType::Instance,
            2 => LogicalType::Member,
            3 => LogicalType::ConnectionPoint,
            4 => LogicalType::Attribute,
            5 => LogicalType::Special,
            6 => LogicalType::ServiceId,
            _ => LogicalType::ExtendedLogical,
        }
    }
}

/// An electronic key segment, key format 4 (CIP Vol 1, C-1.4.2.2): what the
/// originator expects the target to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ElectronicKey {
    /// Vendor id (0: any).
    pub vendor_id: u16,
    /// Device type (0: any).
    pub device_type: u16,
    /// Product code (0: any).
    pub product_code: u16,
    /// Major revision with the compatibility bit 7.
    pub major_revision: u8,
    /// Minor revision.
    pub minor_revision: u8,
}

impl ElectronicKey {
    /// The compatibility bit (bit 7 of the major revision byte).
    pub fn compatibility(&self) -> bool {
        self.major_revision & 0x80 != 0
    }
}

/// One EPATH segment (CIP Vol 1, C-1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Segment<'a> {
    /// Port segment, 0x00–0x1F (C-1.4.1): a port and a link address (one
    /// byte, or `link_address` bytes when the extended link address bit
    /// 0x10 is set; port 15 means a 16-bit port follows).
    Port {
        /// Port number (1 is the backplane on most devices).
        port: u16,
        /// Link address (a slot number, or an IP address as ASCII).
        link_address: &'a [u8],
    },
    /// Logical segment, 0x20–0x3F (C-1.4.2): class, instance, member,
    /// connection point, attribute or service id, 8, 16 or 32 bits.
    Logical {
        /// Which id.
        kind: LogicalType,
        /// The value.
        value: u32,
        /// Its width in bytes on the wire (1, 2 or 4).
        width: u8,
    },
    /// Logical special segment 0x34, electronic key (C-1.4.2.2).
    ElectronicKey(ElectronicKey),
    /// Network segment, 0x40–0x5F (C-1.4.3): opaque data (one byte for
    /// subtypes 0x40–0x4F, a word count and words for 0x50–0x5F).
    Network {
        /// The segment byte.
        subtype: u8,
        /// The data.
        data: &'a [u8],
    },
    /// Symbolic segment, 0x61–0x7F (C-1.4.4): ASCII name of 1–31 bytes.
    Symbolic(&'a [u8]),
    /// Symbolic segment 0x60 with an extended string (C-1.4.4): double-
    /// or triple-byte characters or a numeric symbol.
    ExtendedSymbol {
        /// The extended format byte (0x20 | n double-byte, 0x40 | n
        /// triple-byte, 0xC6/0xC7/0xC8 numeric USINT/UINT/UDINT).
        format: u8,
        /// The characters or number as sent.
        data: &'a [u8],
    },
    /// Simple data segment 0x80 (C-1.4.5): a word count and words.
    SimpleData(&'a [u8]),
    /// ANSI extended symbol segment 0x91 (C-1.4.5): a byte count and the
    /// name (the Logix tag-name form).
    AnsiSymbol(&'a [u8]),
    /// A segment we cannot size (extended logical, data type segments
    /// 0xA0–0xDF, other data segments): the segment byte and the rest of
    /// the path, which ends the walk.
    Other {
        /// The segment byte.
        segment: u8,
        /// The rest of the path, segment byte included.
        rest: &'a [u8],
    },
}

/// A padded EPATH (CIP Vol 1, C-1), borrowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EPath<'a> {
    bytes: &'a [u8],
    /// `INVALID_PATH_SEGMENT` when some segment is malformed.
    pub violations: Violations,
}

/// Parses a padded EPATH that fills all of `i` (CIP Vol 1, C-1): never an
/// error; a malformed segment is flagged `INVALID_PATH_SEGMENT` and ends
/// the walk.
pub fn parse_path(i: &[u8]) -> IResult<'_, EPath<'_>> {
    Ok((end(i), EPath::new(i)))
}

impl<'a> EPath<'a> {
    /// The path over `bytes`, walked once to flag malformed segments.
    pub fn new(bytes: &'a [u8]) -> EPath<'a> {
        let mut v = Violations::NONE;
        let mut segments = Segments::new(bytes);
        for s in segments.by_ref() {
            v.set_if(s.is_err(), Violations::INVALID_PATH_SEGMENT);
        }
        EPath {
            bytes,
            violations: v,
        }
    }

    /// The path bytes as sent.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// True for an empty path.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The segments in order; an `Err` ends the walk (offsets count from
    /// the start of the path, layer `Cip`).
    pub fn segments(&self) -> Segments<'a> {
        Segments::new(self.bytes)
    }

    fn logical(&self, want: LogicalType) -> Option<u32> {
        self.segments().map_while(Result::ok).find_map(|s| match s {
            Segment::Logical { kind, value, .. } if kind == want => Some(value),
            _ => None,
        })
    }

    /// The first class id.
    pub fn class(&self) -> Option<u32> {
        self.logical(LogicalType::Class)
    }

    /// The first instance id.
    pub fn instance(&self) -> Option<u32> {
        self.logical(LogicalType::Instance)
    }

    /// The first attribute id.
    pub fn attribute(&self) -> Option<u32> {
        self.logical(LogicalType::Attribute)
    }

    /// The first member id.
    pub fn member(&self) -> Option<u32> {
        self.logical(LogicalType::Member)
    }

    /// The first connection point.
    pub fn connection_point(&self) -> Option<u32> {
        self.logical(LogicalType::ConnectionPoint)
    }

    /// The symbolic names in order (0x61–0x7F symbolic and 0x91 ANSI
    /// extended symbol segments): a Logix tag `Program:Main.Counter` is
    /// sent as one name per dotted part.
    pub fn symbols(&self) -> impl Iterator<Item = &'a [u8]> {
        self.segments()
            .map_while(Result::ok)
            .filter_map(|s| match s {
                Segment::Symbolic(n) | Segment::AnsiSymbol(n) => Some(n),
                _ => None,
            })
    }

    /// True when the path addresses by name (its first segment is
    /// symbolic), as Logix tag services do.
    pub fn is_symbolic(&self) -> bool {
        matches!(
            self.segments().next(),
            Some(Ok(Segment::Symbolic(_) | Segment::AnsiSymbol(_)))
        )
    }
}

/// Iterator over the segments of a [`EPath`] (CIP Vol 1, C-1.4).
#[derive(Clone, Debug)]
pub struct Segments<'a> {
    c: Cursor<'a>,
    done: bool,
}

impl<'a> Segments<'a> {
    fn new(bytes: &'a [u8]) -> Segments<'a> {
        Segments {
            c: Cursor::new(Layer::Cip, bytes),
            done: false,
        }
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = Result<Segment<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.c.rest().is_empty() {
            return None;
        }
        let r = segment(&mut self.c);
        if matches!(r, Err(_) | Ok(Segment::Other { .. })) {
            self.done = true;
        }
        Some(r)
    }
}

impl FusedIterator for Segments<'_> {}

/// Skips the pad byte that keeps the path even after `used` bytes.
fn pad(c: &mut Cursor<'_>, used: usize) -> Result<(), Error> {
    if used & 1 == 1 {
        c.take(1)?;
    }
    Ok(())
}

fn segment<'a>(c: &mut Cursor<'a>) -> Result<Segment<'a>, Error> {
    let start = c.offset();
    let rest = c.rest();
    let seg = c.u8()?;
    match seg >> 5 {
        0 => port(c, seg),
        1 => logical(c, seg, start, rest),
        2 => {
            let data = if seg & 0x10 == 0 {
                c.take(1)?
            } else {
                let words = c.u8()?;
                c.take(usize::from(words).saturating_mul(2))?
            };
            Ok(Segment::Network { subtype: seg, data })
        }
        3 => {
            let size = usize::from(seg & 0x1F);
            if size != 0 {
                let name = c.take(size)?;
                pad(c, size.saturating_add(1))?;
                return Ok(Segment::Symbolic(name));
            }
            let format = c.u8()?;
            let n = usize::from(format & 0x1F);
            let len = match format >> 5 {
                1 => n.saturating_mul(2),
                2 => n.saturating_mul(3),
                6 => match format {
                    0xC6 => 1,
                    0xC7 => 2,
                    0xC8 => 4,
                    _ => {
                        return Err(Error::invalid(
                            Layer::Cip,
                            start,
                            "symbol format",
                            format.into(),
                        ))
                    }
                },
                _ => {
                    return Err(Error::invalid(
                        Layer::Cip,
                        start,
                        "symbol format",
                        format.into(),
                    ))
                }
            };
            let data = c.take(len)?;
            pad(c, len.saturating_add(2))?;
            Ok(Segment::ExtendedSymbol { format, data })
        }
        4 => match seg {
            0x80 => {
                let words = c.u8()?;
                let data = c.take(usize::from(words).saturating_mul(2))?;
                Ok(Segment::SimpleData(data))
            }
            0x91 => {
                let len = usize::from(c.u8()?);
                let name = c.take(len)?;
                pad(c, len)?;
                Ok(Segment::AnsiSymbol(name))
            }
            _ => Ok(other(c, seg, rest)),
        },
        5 | 6 => Ok(other(c, seg, rest)),
        _ => Err(Error::invalid(
            Layer::Cip,
            start,
            "segment type",
            seg.into(),
        )),
    }
}

fn other<'a>(c: &mut Cursor<'a>, segment: u8, rest: &'a [u8]) -> Segment<'a> {
    c.take_rest();
    Segment::Other { segment, rest }
}

fn port<'a>(c: &mut Cursor<'a>, seg: u8) -> Result<Segment<'a>, Error> {
    let extended = seg & 0x10 != 0;
    let link_len = if extended { usize::from(c.u8()?) } else { 1 };
    let port = match seg & 0x0F {
        15 => c.u16()?,
        p => u16::from(p),
    };
    let link_address = c.take(link_len)?;
    let used = 1usize
        .saturating_add(usize::from(extended))
        .saturating_add(if seg & 0x0F == 15 { 2 } else { 0 })
        .saturating_add(link_len);
    pad(c, used)?;
    Ok(Segment::Port { port, link_address })
}

fn logical<'a>(
    c: &mut Cursor<'a>,
    seg: u8,
    start: usize,
    rest: &'a [u8],
) -> Result<Segment<'a>, Error> {
    let kind = LogicalType::from_bits(seg >> 2);
    let format = seg & 0x03;
    match kind {
        LogicalType::Special => {
            let key_format = c.u8()?;
            if format != 0 || key_format != 4 {
                return Err(Error::invalid(
                    Layer::Cip,
                    start,
                    "electronic key format",
                    key_format.into(),
                ));
            }
            c.need(8)?;
            return Ok(Segment::ElectronicKey(ElectronicKey {
                vendor_id: c.u16()?,
                device_type: c.u16()?,
                product_code: c.u16()?,
                major_revision: c.u8()?,
                minor_revision: c.u8()?,
            }));
        }
        LogicalType::ExtendedLogical => return Ok(other(c, seg, rest)),
        LogicalType::ServiceId if format != 0 => {
            return Err(Error::invalid(
                Layer::Cip,
                start,
                "logical format",
                seg.into(),
            ));
        }
        _ => {}
    }
    let (value, width) = match format {
        0 => (u32::from(c.u8()?), 1),
        1 => {
            c.take(1)?;
            (u32::from(c.u16()?), 2)
        }
        2 => {
            c.take(1)?;
            (c.u32()?, 4)
        }
        _ => {
            return Err(Error::invalid(
                Layer::Cip,
                start,
                "logical format",
                seg.into(),
            ))
        }
    };
    Ok(Segment::Logical { kind, value, width })
}
