//! The encapsulation header and stream framing (CIP Vol 2, EtherNet/IP
//! Adaptation of CIP, 2-3).
//!
//! Framing reads the length field first and hands out the command data as
//! a bounded slice, so a command parser never sees bytes of the next
//! packet and `NeedMore` only ever means "the stream has not delivered the
//! rest yet".

use super::names;
use super::util::Cursor;
use super::Violations;
use crate::{Error, IResult, Layer};

/// Size of the encapsulation header (Vol 2, 2-3.1).
pub const HEADER_LEN: usize = 24;
/// Largest `length` field we accept: the data of a packet that, with its
/// header, fits in 65,535 bytes (Vol 2, 2-3.1: the length "shall be the
/// size of the data portion"; 2-3.1 limits a packet to 65,535 bytes).
pub const MAX_DATA_LEN: u16 = 65_511;

/// An encapsulation command (Vol 2, 2-3.2, Table 2-3.2).
///
/// Build it with `Command::from(code)`: every defined code has its own
/// variant, any other is `Unknown(code)` (so `Unknown(0x65)` is never
/// produced). The codes 0x0001–0x0003 are reserved for legacy use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// 0x0000, 2-4.1: no reply, data ignored.
    Nop,
    /// 0x0004, 2-4.6.
    ListServices,
    /// 0x0063, 2-4.2.
    ListIdentity,
    /// 0x0064, 2-4.3.
    ListInterfaces,
    /// 0x0065, 2-4.4.
    RegisterSession,
    /// 0x0066, 2-4.5.
    UnRegisterSession,
    /// 0x006F, 2-4.7: unconnected (request/reply) CIP messages.
    SendRRData,
    /// 0x0070, 2-4.8: connected (class 3) CIP messages.
    SendUnitData,
    /// 0x0072: no public layout; data kept as is.
    IndicateStatus,
    /// 0x0073: no public layout; data kept as is.
    Cancel,
    /// Any other code.
    Unknown(u16),
}

impl From<u16> for Command {
    fn from(code: u16) -> Command {
        match code {
            0x0000 => Command::Nop,
            0x0004 => Command::ListServices,
            0x0063 => Command::ListIdentity,
            0x0064 => Command::ListInterfaces,
            0x0065 => Command::RegisterSession,
            0x0066 => Command::UnRegisterSession,
            0x006F => Command::SendRRData,
            0x0070 => Command::SendUnitData,
            0x0072 => Command::IndicateStatus,
            0x0073 => Command::Cancel,
            c => Command::Unknown(c),
        }
    }
}

impl Command {
    /// The command code on the wire.
    pub fn code(self) -> u16 {
        match self {
            Command::Nop => 0x0000,
            Command::ListServices => 0x0004,
            Command::ListIdentity => 0x0063,
            Command::ListInterfaces => 0x0064,
            Command::RegisterSession => 0x0065,
            Command::UnRegisterSession => 0x0066,
            Command::SendRRData => 0x006F,
            Command::SendUnitData => 0x0070,
            Command::IndicateStatus => 0x0072,
            Command::Cancel => 0x0073,
            Command::Unknown(c) => c,
        }
    }

    /// The reference's name ([`names::command_name`]; `unknown` for
    /// `Unknown`).
    pub fn name(self) -> &'static str {
        names::command_name(self.code())
    }
}

/// The encapsulation header (Vol 2, 2-3.1, Table 2-3.1); all fields
/// little-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// Encapsulation command code (see [`Header::command`]).
    pub command: u16,
    /// Length in bytes of the data after the header.
    pub length: u16,
    /// Session handle (0 before RegisterSession, 2-4.4).
    pub session_handle: u32,
    /// Status (2-3.3; 0 in every request).
    pub status: u32,
    /// Sender context, echoed by the target.
    pub sender_context: [u8; 8],
    /// Options (must be 0).
    pub options: u32,
}

impl Header {
    /// The command.
    pub fn command(&self) -> Command {
        Command::from(self.command)
    }

    /// Violations of the header itself (`OPTIONS_NONZERO`).
    pub fn violations(&self) -> Violations {
        let mut v = Violations::NONE;
        v.set_if(self.options != 0, Violations::OPTIONS_NONZERO);
        v
    }

    /// Length of the whole packet this header announces (24 + `length`).
    pub fn packet_len(&self) -> usize {
        HEADER_LEN.saturating_add(usize::from(self.length))
    }

    /// The reference's name of the status ([`names::encap_status_name`]).
    pub fn status_name(&self) -> std::borrow::Cow<'static, str> {
        names::encap_status_name(self.status)
    }
}

/// Parses the 24-byte encapsulation header (Vol 2, 2-3.1). Checks nothing
/// but presence; [`frame`] checks the length field.
pub fn parse_header(i: &[u8]) -> IResult<'_, Header> {
    let mut c = Cursor::new(Layer::EnipEncapsulation, i);
    let header = read_header(&mut c).map_err(nom::Err::Error)?;
    Ok((c.rest(), header))
}

fn read_header(c: &mut Cursor<'_>) -> Result<Header, Error> {
    c.need(HEADER_LEN)?;
    Ok(Header {
        command: c.u16()?,
        length: c.u16()?,
        session_handle: c.u32()?,
        status: c.u32()?,
        sender_context: c.array::<8>()?,
        options: c.u32()?,
    })
}

/// One framed encapsulation packet whose data is not parsed yet (Vol 2,
/// 2-3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawPacket<'a> {
    /// The header.
    pub header: Header,
    /// The command data, exactly `header.length` bytes.
    pub data: &'a [u8],
    /// Bytes of the buffer this packet used (24 + data length).
    pub consumed: usize,
}

/// The outcome of [`frame`] on the start of a stream buffer (Vol 2, 2-3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A whole packet is at the start of the buffer.
    Complete(RawPacket<'a>),
    /// At least this many more bytes are needed (exactly this many once the
    /// length field has arrived).
    NeedMore(usize),
    /// The length field is above [`MAX_DATA_LEN`]: the stream is not
    /// EtherNet/IP here, or lost sync.
    Invalid(Error),
}

/// Frames the packet at the start of `buf` (Vol 2, 2-3.1: the length field
/// bounds the data). Never panics, never reads past the announced length.
pub fn frame(buf: &[u8]) -> Frame<'_> {
    // The length field is bytes 2..4; until the whole header is there the
    // header is all we can ask for.
    let length = match buf.get(2..4) {
        Some([lo, hi]) => u16::from_le_bytes([*lo, *hi]),
        _ => return Frame::NeedMore(HEADER_LEN.saturating_sub(buf.len())),
    };
    if length > MAX_DATA_LEN {
        return Frame::Invalid(Error::too_long(
            Layer::EnipEncapsulation,
            2,
            "length",
            u64::from(length),
            u64::from(MAX_DATA_LEN),
        ));
    }
    let total = HEADER_LEN.saturating_add(usize::from(length));
    let Some(packet) = buf.get(..total) else {
        return Frame::NeedMore(total.saturating_sub(buf.len()));
    };
    let mut c = Cursor::new(Layer::EnipEncapsulation, packet);
    match read_header(&mut c) {
        Ok(header) => Frame::Complete(RawPacket {
            header,
            data: c.rest(),
            consumed: total,
        }),
        // Unreachable: `total` >= 24 bytes are present.
        Err(e) => Frame::Invalid(e),
    }
}

/// A cheap test of whether `buf` starts with a plausible encapsulation
/// header (Vol 2, 2-3), for resynchronizing after a gap or for protocol
/// detection: a defined command, a length within [`MAX_DATA_LEN`] that
/// fits the command (0 for UnRegisterSession and for requests of the List
/// commands is allowed; RegisterSession needs 4), a status the reference
/// names, and options 0. Needs the 24-byte header.
pub fn probe(buf: &[u8]) -> bool {
    let Ok((_, h)) = parse_header(buf) else {
        return false;
    };
    let length_fits = match h.command() {
        Command::Unknown(_) => return false,
        Command::RegisterSession => h.length == 4,
        Command::UnRegisterSession => h.length == 0,
        Command::SendRRData | Command::SendUnitData => h.length >= 8,
        _ => true,
    };
    length_fits
        && h.length <= MAX_DATA_LEN
        && h.options == 0
        && !names::encap_status_name(h.status).starts_with("Unknown")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    // RegisterSession request (Vol 2, 2-4.4).
    const REGISTER: [u8; 28] = [
        0x65, 0x00, // command: RegisterSession
        0x04, 0x00, // length 4
        0x00, 0x00, 0x00, 0x00, // session handle 0
        0x00, 0x00, 0x00, 0x00, // status 0
        b'_', b'p', b'y', b'c', b'o', b'm', b'm', b'_', // sender context
        0x00, 0x00, 0x00, 0x00, // options 0
        0x01, 0x00, // protocol version 1
        0x00, 0x00, // options flags 0
    ];

    #[test]
    fn parses_the_header_fields() {
        let Ok((rest, h)) = parse_header(&REGISTER) else {
            panic!("header did not parse");
        };
        assert_eq!(
            h,
            Header {
                command: 0x65,
                length: 4,
                session_handle: 0,
                status: 0,
                sender_context: *b"_pycomm_",
                options: 0,
            }
        );
        assert_eq!(h.command(), Command::RegisterSession);
        assert_eq!(h.command().name(), "Register Session");
        assert_eq!(h.status_name(), "Success");
        assert_eq!(h.packet_len(), 28);
        assert_eq!(rest, &[1, 0, 0, 0]);
        assert!(h.violations().is_empty());
    }

    #[test]
    fn short_header_is_truncated_with_context() {
        let Err(nom::Err::Error(e)) = parse_header(&REGISTER[..23]) else {
            panic!("expected an error");
        };
        assert_eq!(
            e.kind,
            ErrorKind::Truncated {
                needed: 24,
                got: 23
            }
        );
        assert_eq!(
            e.to_string(),
            "EtherNet/IP encapsulation: truncated at offset 0: needed 24 bytes, got 23"
        );
    }

    #[test]
    fn command_codes_round_trip() {
        for code in 0..=0x100u16 {
            let c = Command::from(code);
            assert_eq!(c.code(), code);
            if let Command::Unknown(u) = c {
                assert_eq!(c.name(), "unknown", "{u:#x}");
            }
        }
        assert_eq!(Command::from(0x70), Command::SendUnitData);
        assert_eq!(Command::from(0x01), Command::Unknown(1));
    }

    #[test]
    fn frames_a_whole_packet_and_bounds_the_data() {
        let mut buf = REGISTER.to_vec();
        buf.extend_from_slice(&[0x6F, 0x00]); // start of the next packet
        let Frame::Complete(p) = frame(&buf) else {
            panic!("expected a complete packet");
        };
        assert_eq!(p.consumed, 28);
        assert_eq!(p.data, &[1, 0, 0, 0]);
    }

    #[test]
    fn every_prefix_needs_exactly_the_missing_bytes() {
        for n in 0..REGISTER.len() {
            match frame(&REGISTER[..n]) {
                Frame::NeedMore(k) if n >= 4 => assert_eq!(k, REGISTER.len() - n, "prefix {n}"),
                Frame::NeedMore(k) => assert!(k >= 1 && n + k <= REGISTER.len(), "prefix {n}"),
                other => panic!("prefix {n}: {other:?}"),
            }
        }
    }

    #[test]
    fn lengths_above_the_cap_are_invalid_as_soon_as_seen() {
        let mut buf = REGISTER;
        buf[2..4].copy_from_slice(&65_512u16.to_le_bytes());
        let Frame::Invalid(e) = frame(&buf[..4]) else {
            panic!("length 65512 must be invalid");
        };
        assert_eq!(
            e.to_string(),
            "EtherNet/IP encapsulation: length 65512 at offset 2 exceeds the limit of 65511"
        );
        // The largest packet frames.
        let mut big = vec![0u8; HEADER_LEN + usize::from(MAX_DATA_LEN)];
        big[2..4].copy_from_slice(&MAX_DATA_LEN.to_le_bytes());
        let Frame::Complete(p) = frame(&big) else {
            panic!("expected a complete packet");
        };
        assert_eq!(p.consumed, 65_535);
    }

    #[test]
    fn nonzero_options_is_a_flag_not_an_error() {
        let mut buf = REGISTER;
        buf[20] = 1;
        let Frame::Complete(p) = frame(&buf) else {
            panic!("expected a complete packet");
        };
        assert_eq!(p.header.violations(), Violations::OPTIONS_NONZERO);
        assert!(!probe(&buf));
    }

    #[test]
    fn probe_accepts_enip_and_rejects_other_traffic() {
        assert!(probe(&REGISTER));
        assert!(!probe(&REGISTER[..23]));
        assert!(!probe(b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"));
        let mut unknown = REGISTER;
        unknown[0] = 0x01;
        assert!(!probe(&unknown));
        let mut bad_length = REGISTER;
        bad_length[2] = 5;
        assert!(!probe(&bad_length));
        let mut bad_status = REGISTER;
        bad_status[8] = 0x42;
        assert!(!probe(&bad_status));
    }
}
