//! COTP, the connection-oriented transport protocol of ISO 8073 / ITU-T
//! X.224 (11/1995), as ISO-on-TCP carries it: class 0 over a TPKT (RFC
//! 1006, 5), one TPDU per TPKT packet.
//!
//! The parser takes one TPKT payload: the length indicator bounds the
//! header (fixed part, then variable-part parameters) and the rest is user
//! data, borrowed. Every TPDU type has its fixed part read; codes are open
//! (an unknown TPDU type or parameter is data).

use super::util::{invalid, open_code, too_long, Reader};
use super::Violations;
use crate::{IResult, Layer};

open_code! {
    /// A TPDU type: the high nibble of the second header octet (X.224,
    /// 13.1, table 8). The low nibble is the credit (CR, CC, AK, RJ) or 0.
    pub enum PduType {
        /// ED, expedited data (13.8).
        ExpeditedData = 0x10,
        /// EA, expedited data acknowledgement (13.10).
        ExpeditedDataAck = 0x20,
        /// RJ, reject (13.11).
        Reject = 0x50,
        /// AK, data acknowledgement (13.9).
        DataAck = 0x60,
        /// ER, TPDU error (13.12).
        Error = 0x70,
        /// DR, disconnect request (13.5).
        DisconnectRequest = 0x80,
        /// DC, disconnect confirm (13.6).
        DisconnectConfirm = 0xC0,
        /// CC, connection confirm (13.4).
        ConnectionConfirm = 0xD0,
        /// CR, connection request (13.3).
        ConnectionRequest = 0xE0,
        /// DT, data (13.7).
        Data = 0xF0,
    }
}

open_code! {
    /// A variable-part parameter code (X.224, 13.2.3; per TPDU in 13.3.4,
    /// 13.5.3, 13.12.3). ISO-on-TCP peers use the first three.
    pub enum ParamCode {
        /// TPDU size: the value is log2 of the size in octets (13.3.4 b).
        TpduSize = 0xC0,
        /// Calling transport selector, the initiator's TSAP (13.3.4 a); in
        /// an ER, the same code carries the rejected header (13.12.3).
        CallingTsap = 0xC1,
        /// Called transport selector, the responder's TSAP (13.3.4 a).
        CalledTsap = 0xC2,
        /// Checksum, class 4 only (13.3.4 h).
        Checksum = 0xC3,
        /// Version number (13.3.4 d).
        Version = 0xC4,
        /// Protection parameters (13.3.4 e).
        Protection = 0xC5,
        /// Additional option selection (13.3.4 i).
        AdditionalOptions = 0xC6,
        /// Alternative protocol classes (13.3.4 j).
        AlternativeClasses = 0xC7,
        /// Preferred maximum TPDU size (13.3.4 c).
        PreferredTpduSize = 0xF0,
        /// Additional information on a disconnect (13.5.3).
        DisconnectInfo = 0xE0,
    }
}

/// The fixed part of a CR or CC TPDU (X.224, 13.3.3 and 13.4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Connection {
    /// DST-REF: 0 in a CR, the peer's reference in a CC.
    pub dst_ref: u16,
    /// SRC-REF: the sender's reference.
    pub src_ref: u16,
    /// Class and options octet: class in the high nibble, options below.
    pub class_options: u8,
}

impl Connection {
    /// The protocol class (0 for ISO-on-TCP, RFC 1006, 5).
    pub fn class(&self) -> u8 {
        self.class_options >> 4
    }

    /// Extended formats (7-bit or 31-bit TPDU numbers) asked for (13.3.3 f).
    pub fn extended_formats(&self) -> bool {
        self.class_options & 0x02 != 0
    }

    /// No explicit flow control in class 2 (13.3.3 f).
    pub fn no_explicit_flow_control(&self) -> bool {
        self.class_options & 0x01 != 0
    }
}

/// The fixed part of a TPDU, by type (X.224, 13.3 to 13.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// CR (13.3).
    ConnectionRequest(Connection),
    /// CC (13.4).
    ConnectionConfirm(Connection),
    /// DR (13.5).
    DisconnectRequest {
        /// DST-REF.
        dst_ref: u16,
        /// SRC-REF.
        src_ref: u16,
        /// Reason (13.5.3 e).
        reason: u8,
    },
    /// DC (13.6).
    DisconnectConfirm {
        /// DST-REF.
        dst_ref: u16,
        /// SRC-REF.
        src_ref: u16,
    },
    /// DT (13.7). Class 0 (length indicator 2) has no DST-REF; the other
    /// classes' normal format does.
    Data {
        /// DST-REF, absent in class 0.
        dst_ref: Option<u16>,
        /// EOT: this TPDU ends its TSDU.
        eot: bool,
        /// TPDU-NR (0 in class 0).
        number: u8,
    },
    /// ED (13.8), normal format.
    ExpeditedData {
        /// DST-REF.
        dst_ref: u16,
        /// EOT.
        eot: bool,
        /// ED-TPDU-NR.
        number: u8,
    },
    /// AK (13.9), normal format.
    DataAck {
        /// DST-REF.
        dst_ref: u16,
        /// YR-TU-NR: the next expected TPDU number.
        number: u8,
    },
    /// EA (13.10), normal format.
    ExpeditedDataAck {
        /// DST-REF.
        dst_ref: u16,
        /// YR-TU-NR.
        number: u8,
    },
    /// RJ (13.11), normal format.
    Reject {
        /// DST-REF.
        dst_ref: u16,
        /// YR-TU-NR.
        number: u8,
    },
    /// ER (13.12).
    Error {
        /// DST-REF.
        dst_ref: u16,
        /// Reject cause (13.12.3 c).
        cause: u8,
    },
    /// A TPDU type this module does not know: the header after the type
    /// octet is all in [`Tpdu::params`]'s bytes, unread.
    Unknown,
}

/// One variable-part parameter (X.224, 13.2.3): code, length, value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param<'a> {
    /// The parameter code as sent.
    pub code: u8,
    /// The value, borrowed.
    pub value: &'a [u8],
}

impl Param<'_> {
    /// The code, open.
    pub fn kind(&self) -> ParamCode {
        ParamCode::from(self.code)
    }
}

/// The variable part of a TPDU header (X.224, 13.2.3), read lazily. The
/// iterator stops before a parameter whose length runs past the header
/// (the TPDU is flagged `COTP_PARAMETER_TRUNCATED`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params<'a>(&'a [u8]);

impl<'a> Params<'a> {
    /// The raw bytes of the variable part.
    pub fn bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The parameters, in order.
    pub fn iter(&self) -> ParamIter<'a> {
        ParamIter(self.0)
    }

    /// The value of the first parameter with this code.
    pub fn get(&self, code: ParamCode) -> Option<&'a [u8]> {
        self.iter().find(|p| p.kind() == code).map(|p| p.value)
    }

    /// Calling TSAP (13.3.4 a), e.g. 01 00 for a PG connection.
    pub fn calling_tsap(&self) -> Option<&'a [u8]> {
        self.get(ParamCode::CallingTsap)
    }

    /// Called TSAP (13.3.4 a): for S7, connection type and rack/slot.
    pub fn called_tsap(&self) -> Option<&'a [u8]> {
        self.get(ParamCode::CalledTsap)
    }

    /// The TPDU size code (13.3.4 b: 0x07 is 128 octets ... 0x0D is 8192).
    pub fn tpdu_size(&self) -> Option<u8> {
        match self.get(ParamCode::TpduSize) {
            Some([code]) => Some(*code),
            _ => None,
        }
    }

    /// The TPDU size in octets, when the code is one X.224 defines.
    pub fn tpdu_size_octets(&self) -> Option<u32> {
        self.tpdu_size()
            .filter(|c| (7..=13).contains(c))
            .and_then(|c| 1u32.checked_shl(u32::from(c)))
    }

    /// True when the last parameter fits in the header.
    fn is_whole(&self) -> bool {
        let mut it = self.iter();
        it.by_ref().for_each(drop);
        it.0.is_empty()
    }
}

impl<'a> IntoIterator for Params<'a> {
    type Item = Param<'a>;
    type IntoIter = ParamIter<'a>;
    fn into_iter(self) -> ParamIter<'a> {
        self.iter()
    }
}

/// Iterator over [`Params`]; what it could not read stays in `.0`.
#[derive(Clone, Debug)]
pub struct ParamIter<'a>(&'a [u8]);

impl<'a> Iterator for ParamIter<'a> {
    type Item = Param<'a>;
    fn next(&mut self) -> Option<Param<'a>> {
        let mut r = Reader::new(self.0, 0);
        let code = r.u8().ok()?;
        let len = r.u8().ok()?;
        let value = r.take(usize::from(len)).ok()?;
        self.0 = r.rest();
        Some(Param { code, value })
    }
}

/// A COTP TPDU (X.224, 13): header fields, parameters and user data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tpdu<'a> {
    /// LI: header length in octets, excluding itself (13.2.1).
    pub length_indicator: u8,
    /// The type octet as sent: type in the high nibble, credit below.
    pub code: u8,
    /// The fixed part.
    pub body: Body,
    /// The variable part.
    pub params: Params<'a>,
    /// The user data after the header (the S7comm PDU in a DT), borrowed.
    pub user_data: &'a [u8],
    /// Spec violations of this TPDU.
    pub violations: Violations,
}

impl Tpdu<'_> {
    /// The TPDU type.
    pub fn pdu_type(&self) -> PduType {
        PduType::from(self.code & 0xF0)
    }

    /// CDT, the credit of a CR, CC, AK or RJ (13.3.3 c).
    pub fn credit(&self) -> u8 {
        self.code & 0x0F
    }

    /// True for a DT that ends its TSDU (its user data completes the
    /// message the S7comm layer reads).
    pub fn is_last_data(&self) -> bool {
        matches!(self.body, Body::Data { eot: true, .. })
    }
}

/// Splits an EOT / TPDU-NR octet (13.7.3, normal format).
fn eot_number(b: u8) -> (bool, u8) {
    (b & 0x80 != 0, b & 0x7F)
}

/// Parses the COTP TPDU that fills `i`, one TPKT payload (X.224, 13.2:
/// the length indicator bounds the header; the rest is user data). Errors:
/// a length indicator of 255 (reserved, 13.2.1) or past the payload, or a
/// header too short for its type's fixed part.
pub fn parse_tpdu(i: &[u8]) -> IResult<'_, Tpdu<'_>> {
    tpdu(i).map_err(|e| e.map(|e| e.in_layer(Layer::Cotp)))
}

fn tpdu(i: &[u8]) -> IResult<'_, Tpdu<'_>> {
    let mut r = Reader::new(i, 0);
    let li = r.u8()?;
    if li == 0xFF {
        return Err(nom::Err::Error(invalid(0, "length indicator", 255)));
    }
    let Some(header) = r.rest().get(..usize::from(li)) else {
        return Err(nom::Err::Error(too_long(
            0,
            "length indicator",
            u64::from(li),
            u64::try_from(r.len()).unwrap_or(u64::MAX),
        )));
    };
    let user_data = r.rest().get(header.len()..).unwrap_or_default();
    let mut h = Reader::new(header, 1);
    let code = h.u8()?;
    let body = match PduType::from(code & 0xF0) {
        PduType::ConnectionRequest => Body::ConnectionRequest(connection(&mut h)?),
        PduType::ConnectionConfirm => Body::ConnectionConfirm(connection(&mut h)?),
        PduType::DisconnectRequest => Body::DisconnectRequest {
            dst_ref: h.u16()?,
            src_ref: h.u16()?,
            reason: h.u8()?,
        },
        PduType::DisconnectConfirm => Body::DisconnectConfirm {
            dst_ref: h.u16()?,
            src_ref: h.u16()?,
        },
        PduType::Data => {
            // Class 0's DT is exactly 2 header octets (13.7.3); a longer
            // header is another class's normal format, DST-REF first.
            let dst_ref = if li == 2 { None } else { Some(h.u16()?) };
            let (eot, number) = eot_number(h.u8()?);
            Body::Data {
                dst_ref,
                eot,
                number,
            }
        }
        PduType::ExpeditedData => {
            let dst_ref = h.u16()?;
            let (eot, number) = eot_number(h.u8()?);
            Body::ExpeditedData {
                dst_ref,
                eot,
                number,
            }
        }
        PduType::DataAck => Body::DataAck {
            dst_ref: h.u16()?,
            number: h.u8()? & 0x7F,
        },
        PduType::ExpeditedDataAck => Body::ExpeditedDataAck {
            dst_ref: h.u16()?,
            number: h.u8()? & 0x7F,
        },
        PduType::Reject => Body::Reject {
            dst_ref: h.u16()?,
            number: h.u8()? & 0x7F,
        },
        PduType::Error => Body::Error {
            dst_ref: h.u16()?,
            cause: h.u8()?,
        },
        PduType::Unknown(_) => Body::Unknown,
    };
    let params = Params(h.rest());
    let mut violations = Violations::NONE;
    violations.set_if(
        body != Body::Unknown && !params.is_whole(),
        Violations::COTP_PARAMETER_TRUNCATED,
    );
    let rest = i.get(i.len()..).unwrap_or_default();
    Ok((
        rest,
        Tpdu {
            length_indicator: li,
            code,
            body,
            params,
            user_data,
            violations,
        },
    ))
}

fn connection(h: &mut Reader<'_>) -> Result<Connection, nom::Err<crate::Error>> {
    Ok(Connection {
        dst_ref: h.u16()?,
        src_ref: h.u16()?,
        class_options: h.u8()?,
    })
}
