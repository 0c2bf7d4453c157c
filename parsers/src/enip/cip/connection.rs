//! Connection Manager connection services (CIP Vol 1, 3-5.5):
//! Forward_Open (0x54), Large_Forward_Open (0x5B) and Forward_Close (0x4E),
//! requests and replies, success and failure forms.

use super::super::util::{words, Cursor};
use super::super::Violations;
use super::epath::EPath;
use crate::{Error, Layer};

/// The connection triad that identifies a connection to its target
/// (CIP Vol 1, 3-5.5.2: connection serial number, originator vendor id,
/// originator serial number).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConnectionTriad {
    /// Connection serial number.
    pub connection_serial: u16,
    /// Originator vendor id.
    pub vendor_id: u16,
    /// Originator serial number.
    pub originator_serial: u32,
}

fn triad(c: &mut Cursor<'_>) -> Result<ConnectionTriad, Error> {
    Ok(ConnectionTriad {
        connection_serial: c.u16()?,
        vendor_id: c.u16()?,
        originator_serial: c.u32()?,
    })
}

/// Connection type of the network connection parameters (CIP Vol 1,
/// 3-5.5.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConnectionType {
    /// 0: null (a configuration-only or matching Forward_Open).
    Null,
    /// 1: multicast.
    Multicast,
    /// 2: point to point.
    PointToPoint,
    /// 3: reserved.
    Reserved,
}

/// Network connection parameters (CIP Vol 1, 3-5.5.1.1): 16 bits for
/// Forward_Open, 32 bits for Large_Forward_Open (the same fields, moved up
/// 16 bits, and a 16-bit size).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NetworkParameters {
    /// The word as sent.
    pub raw: u32,
    /// True for the 32-bit Large_Forward_Open form.
    pub large: bool,
}

impl NetworkParameters {
    /// The fields of the 16-bit form (high 16 bits of the 32-bit form).
    fn high(&self) -> u32 {
        if self.large {
            self.raw >> 16
        } else {
            self.raw
        }
    }

    /// Redundant owner (bit 15 / 31).
    pub fn redundant_owner(&self) -> bool {
        self.high() & 0x8000 != 0
    }

    /// Connection type (bits 14–13 / 30–29).
    pub fn connection_type(&self) -> ConnectionType {
        match (self.high() >> 13) & 0x3 {
            0 => ConnectionType::Null,
            1 => ConnectionType::Multicast,
            2 => ConnectionType::PointToPoint,
            _ => ConnectionType::Reserved,
        }
    }

    /// Priority (bits 11–10 / 27–26): 0 low, 1 high, 2 scheduled, 3 urgent.
    pub fn priority(&self) -> u8 {
        ((self.high() >> 10) & 0x3) as u8
    }

    /// Variable (true) or fixed (false) size (bit 9 / 25).
    pub fn variable_size(&self) -> bool {
        self.high() & 0x0200 != 0
    }

    /// Connection size in bytes (bits 8–0, or 15–0 for the large form).
    pub fn size(&self) -> u16 {
        if self.large {
            (self.raw & 0xFFFF) as u16
        } else {
            (self.raw & 0x01FF) as u16
        }
    }

    /// True when a reserved value or bit is used (connection type 3; bit
    /// 12 / 28; bits 24–16 of the large form).
    pub fn has_reserved(&self) -> bool {
        let reserved_bits = if self.large {
            self.raw & 0x11FF_0000 != 0
        } else {
            self.raw & 0x1000 != 0
        };
        reserved_bits || self.connection_type() == ConnectionType::Reserved
    }
}

/// Transport class and trigger byte (CIP Vol 1, 3-4.4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TransportTrigger(pub u8);

impl TransportTrigger {
    /// Direction bit 7: true for a server (target) transport.
    pub fn is_server(&self) -> bool {
        self.0 & 0x80 != 0
    }

    /// Production trigger (bits 6–4): 0 cyclic, 1 change of state, 2
    /// application object.
    pub fn trigger(&self) -> u8 {
        (self.0 >> 4) & 0x07
    }

    /// Transport class (bits 3–0): 0 and 1 for I/O, 3 for explicit
    /// messaging.
    pub fn class(&self) -> u8 {
        self.0 & 0x0F
    }
}

/// A Forward_Open or Large_Forward_Open request (CIP Vol 1, 3-5.5.2,
/// Tables 3-5.16 and 3-5.17).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForwardOpen<'a> {
    /// True for Large_Forward_Open (0x5B: 32-bit network parameters).
    pub large: bool,
    /// Priority and time tick.
    pub priority_time_tick: u8,
    /// Timeout in ticks.
    pub timeout_ticks: u8,
    /// O->T network connection id (chosen by the target in the reply).
    pub o_t_connection_id: u32,
    /// T->O network connection id (chosen by the originator).
    pub t_o_connection_id: u32,
    /// The connection triad.
    pub triad: ConnectionTriad,
    /// Connection timeout multiplier (0–7: ×4 to ×512).
    pub timeout_multiplier: u8,
    /// Reserved bytes.
    pub reserved: [u8; 3],
    /// O->T requested packet interval in microseconds.
    pub o_t_rpi: u32,
    /// O->T network connection parameters.
    pub o_t_parameters: NetworkParameters,
    /// T->O requested packet interval in microseconds.
    pub t_o_rpi: u32,
    /// T->O network connection parameters.
    pub t_o_parameters: NetworkParameters,
    /// Transport class and trigger.
    pub transport: TransportTrigger,
    /// Connection path size in words, as sent.
    pub connection_path_size: u8,
    /// The connection path (ports, electronic key, application paths).
    pub connection_path: EPath<'a>,
}

/// Parses Forward_Open (`large` false, 36 fixed bytes) or
/// Large_Forward_Open (40 fixed bytes) request data.
pub(crate) fn forward_open<'a>(
    data: &'a [u8],
    large: bool,
    v: &mut Violations,
) -> Result<ForwardOpen<'a>, Error> {
    let mut c = Cursor::new(Layer::Cip, data);
    c.need(if large { 40 } else { 36 })?;
    let params = |c: &mut Cursor<'_>| -> Result<NetworkParameters, Error> {
        let raw = if large { c.u32()? } else { u32::from(c.u16()?) };
        Ok(NetworkParameters { raw, large })
    };
    let f = ForwardOpen {
        large,
        priority_time_tick: c.u8()?,
        timeout_ticks: c.u8()?,
        o_t_connection_id: c.u32()?,
        t_o_connection_id: c.u32()?,
        triad: triad(&mut c)?,
        timeout_multiplier: c.u8()?,
        reserved: c.array::<3>()?,
        o_t_rpi: c.u32()?,
        o_t_parameters: params(&mut c)?,
        t_o_rpi: c.u32()?,
        t_o_parameters: params(&mut c)?,
        transport: TransportTrigger(c.u8()?),
        connection_path_size: c.u8()?,
        connection_path: EPath::default(),
    };
    let path = EPath::new(c.take_upto(
        words(f.connection_path_size),
        v,
        Violations::LENGTH_EXCEEDS_DATA,
    ));
    *v |= path.violations;
    v.set_if(
        f.timeout_multiplier > 7,
        Violations::INVALID_TIMEOUT_MULTIPLIER,
    );
    v.set_if(
        f.o_t_parameters.has_reserved() || f.t_o_parameters.has_reserved(),
        Violations::INVALID_CONNECTION_PARAMETERS,
    );
    v.set_if(!c.rest().is_empty(), Violations::TRAILING_BYTES);
    Ok(ForwardOpen {
        connection_path: path,
        ..f
    })
}

/// A successful (Large_)Forward_Open reply (CIP Vol 1, 3-5.5.2,
/// Table 3-5.18).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForwardOpenReply<'a> {
    /// O->T network connection id (the target's choice).
    pub o_t_connection_id: u32,
    /// T->O network connection id.
    pub t_o_connection_id: u32,
    /// The connection triad.
    pub triad: ConnectionTriad,
    /// O->T actual packet interval in microseconds.
    pub o_t_api: u32,
    /// T->O actual packet interval in microseconds.
    pub t_o_api: u32,
    /// Application reply size in words, as sent.
    pub application_reply_size: u8,
    /// Reserved byte.
    pub reserved: u8,
    /// The application reply.
    pub application_reply: &'a [u8],
}

/// Parses successful (Large_)Forward_Open reply data (26 fixed bytes).
pub(crate) fn forward_open_reply<'a>(
    data: &'a [u8],
    v: &mut Violations,
) -> Result<ForwardOpenReply<'a>, Error> {
    let mut c = Cursor::new(Layer::Cip, data);
    c.need(26)?;
    let o_t_connection_id = c.u32()?;
    let t_o_connection_id = c.u32()?;
    let triad = triad(&mut c)?;
    let o_t_api = c.u32()?;
    let t_o_api = c.u32()?;
    let (application_reply_size, reserved, application_reply) = application_reply(&mut c, v)?;
    Ok(ForwardOpenReply {
        o_t_connection_id,
        t_o_connection_id,
        triad,
        o_t_api,
        t_o_api,
        application_reply_size,
        reserved,
        application_reply,
    })
}

/// The tail both successful replies end with: application reply size in
/// words, a reserved byte, the application reply; flags a short reply, a
/// non-zero reserved byte and bytes after the reply.
fn application_reply<'a>(
    c: &mut Cursor<'a>,
    v: &mut Violations,
) -> Result<(u8, u8, &'a [u8]), Error> {
    let size = c.u8()?;
    let reserved = c.u8()?;
    let reply = c.take_upto(words(size), v, Violations::LENGTH_EXCEEDS_DATA);
    v.set_if(reserved != 0, Violations::RESERVED_NONZERO);
    v.set_if(!c.rest().is_empty(), Violations::TRAILING_BYTES);
    Ok((size, reserved, reply))
}

/// A failed (Large_)Forward_Open or Forward_Close reply (CIP Vol 1,
/// 3-5.5.2 Table 3-5.19, 3-5.5.3 Table 3-5.22): the triad, and the
/// remaining path size when the failure was in routing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConnectionFailure {
    /// The connection triad.
    pub triad: ConnectionTriad,
    /// Remaining path size in words (present for routing errors).
    pub remaining_path_size: Option<u8>,
    /// Reserved byte after it.
    pub reserved: Option<u8>,
}

/// Parses failed connection reply data (8 fixed bytes).
pub(crate) fn failure(data: &[u8], v: &mut Violations) -> Result<ConnectionFailure, Error> {
    let mut c = Cursor::new(Layer::Cip, data);
    c.need(8)?;
    let f = ConnectionFailure {
        triad: triad(&mut c)?,
        remaining_path_size: c.u8().ok(),
        reserved: c.u8().ok(),
    };
    v.set_if(
        f.reserved.is_some_and(|r| r != 0),
        Violations::RESERVED_NONZERO,
    );
    v.set_if(!c.rest().is_empty(), Violations::TRAILING_BYTES);
    Ok(f)
}

/// A Forward_Close request (CIP Vol 1, 3-5.5.3, Table 3-5.20).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForwardClose<'a> {
    /// Priority and time tick.
    pub priority_time_tick: u8,
    /// Timeout in ticks.
    pub timeout_ticks: u8,
    /// The connection triad of the connection to close.
    pub triad: ConnectionTriad,
    /// Connection path size in words, as sent.
    pub connection_path_size: u8,
    /// Reserved byte.
    pub reserved: u8,
    /// The connection path.
    pub connection_path: EPath<'a>,
}

/// Parses Forward_Close request data (12 fixed bytes).
pub(crate) fn forward_close<'a>(
    data: &'a [u8],
    v: &mut Violations,
) -> Result<ForwardClose<'a>, Error> {
    let mut c = Cursor::new(Layer::Cip, data);
    c.need(12)?;
    let f = ForwardClose {
        priority_time_tick: c.u8()?,
        timeout_ticks: c.u8()?,
        triad: triad(&mut c)?,
        connection_path_size: c.u8()?,
        reserved: c.u8()?,
        connection_path: EPath::default(),
    };
    let path = EPath::new(c.take_upto(
        words(f.connection_path_size),
        v,
        Violations::LENGTH_EXCEEDS_DATA,
    ));
    *v |= path.violations;
    v.set_if(f.reserved != 0, Violations::RESERVED_NONZERO);
    v.set_if(!c.rest().is_empty(), Violations::TRAILING_BYTES);
    Ok(ForwardClose {
        connection_path: path,
        ..f
    })
}

/// A successful Forward_Close reply (CIP Vol 1, 3-5.5.3, Table 3-5.21).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForwardCloseReply<'a> {
    /// The connection triad.
    pub triad: ConnectionTriad,
    /// Application reply size in words, as sent.
    pub application_reply_size: u8,
    /// Reserved byte.
    pub reserved: u8,
    /// The application reply.
    pub application_reply: &'a [u8],
}

/// Parses successful Forward_Close reply data (10 fixed bytes).
pub(crate) fn forward_close_reply<'a>(
    data: &'a [u8],
    v: &mut Violations,
) -> Result<ForwardCloseReply<'a>, Error> {
    let mut c = Cursor::new(Layer::Cip, data);
    c.need(10)?;
    let triad = triad(&mut c)?;
    let (application_reply_size, reserved, application_reply) = application_reply(&mut c, v)?;
    Ok(ForwardCloseReply {
        triad,
        application_reply_size,
        reserved,
        application_reply,
    })
}
