//! The S7comm header: protocol id 0x32, ROSCTR, PDU reference, the
//! lengths of the parameter and data blocks, and for acknowledgements the
//! error class and code (Wireshark `packet-s7comm.c`, "S7 Communication"
//! header; Siemens publishes no specification of S7comm).

use super::super::util::{invalid, open_code, truncated, Reader};
use crate::{IResult, Layer};

/// The protocol id that opens every S7comm PDU (S7comm-plus uses 0x72).
pub const PROTOCOL_ID: u8 = 0x32;
/// Header size of Job and Userdata PDUs.
pub const SHORT_HEADER_LEN: usize = 10;
/// Header size of Ack and Ack_Data PDUs (error class and code added).
pub const LONG_HEADER_LEN: usize = 12;

open_code! {
    /// ROSCTR, the PDU type (Wireshark `packet-s7comm.c`, `rosctr_names`).
    pub enum Rosctr {
        /// A request: a job with acknowledgement.
        Job = 0x01,
        /// An acknowledgement without data.
        Ack = 0x02,
        /// A response: an acknowledgement with data.
        AckData = 0x03,
        /// Userdata: the extended protocol (SZL, block functions, time, ...).
        Userdata = 0x07,
    }
}

impl Rosctr {
    /// True for the two acknowledgement types, whose header carries the
    /// error class and code.
    pub fn is_ack(self) -> bool {
        matches!(self, Rosctr::Ack | Rosctr::AckData)
    }
}

/// The error class and code of an Ack or Ack_Data header (Wireshark
/// `packet-s7comm.c`, `errcls_names`: 0x00 no error, 0x81 application
/// relationship, 0x82 object definition, 0x83 no resources, 0x84 service
/// processing, 0x85 supplies, 0x87 access).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HeaderError {
    /// Error class.
    pub class: u8,
    /// Error code within the class.
    pub code: u8,
}

impl HeaderError {
    /// Class and code as the one 16-bit number tools print (0xD241, ...).
    pub fn combined(&self) -> u16 {
        u16::from_be_bytes([self.class, self.code])
    }
}

/// The S7comm header (Wireshark `packet-s7comm.c`, header fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// The ROSCTR byte as sent.
    pub rosctr: u8,
    /// Redundancy identification (Wireshark: "reserved"), 0 in practice.
    pub redundancy_id: u16,
    /// PDU reference: pairs a response with its request.
    pub pdu_reference: u16,
    /// Length of the parameter block after the header.
    pub parameter_length: u16,
    /// Length of the data block after the parameter block.
    pub data_length: u16,
    /// Error class and code: present in Ack and Ack_Data only.
    pub error: Option<HeaderError>,
}

impl Header {
    /// The PDU type.
    pub fn rosctr(&self) -> Rosctr {
        Rosctr::from(self.rosctr)
    }

    /// Size of this header: 12 with the error fields, else 10.
    pub fn header_len(&self) -> usize {
        if self.error.is_some() {
            LONG_HEADER_LEN
        } else {
            SHORT_HEADER_LEN
        }
    }

    /// Length of the whole PDU the header announces.
    pub fn pdu_len(&self) -> usize {
        self.header_len()
            .saturating_add(usize::from(self.parameter_length))
            .saturating_add(usize::from(self.data_length))
    }
}

/// Parses the S7comm header (Wireshark `packet-s7comm.c`): 10 bytes, 12
/// for Ack and Ack_Data. A first byte other than 0x32 is an error (the
/// payload is not S7comm); an unknown ROSCTR is data.
pub fn parse_header(i: &[u8]) -> IResult<'_, Header> {
    header(i).map_err(|e| e.map(|e| e.in_layer(Layer::S7comm)))
}

fn header(i: &[u8]) -> IResult<'_, Header> {
    let Some(&id) = i.first() else {
        return Err(truncated(0, SHORT_HEADER_LEN, 0));
    };
    if id != PROTOCOL_ID {
        return Err(nom::Err::Error(invalid(0, "protocol id", u64::from(id))));
    }
    let rosctr = i.get(1).copied().map(Rosctr::from);
    let need = match rosctr {
        Some(r) if r.is_ack() => LONG_HEADER_LEN,
        _ => SHORT_HEADER_LEN,
    };
    if i.len() < need {
        return Err(truncated(0, need, i.len()));
    }
    let mut r = Reader::new(i.get(1..).unwrap_or_default(), 1);
    let rosctr = r.u8()?;
    let redundancy_id = r.u16()?;
    let pdu_reference = r.u16()?;
    let parameter_length = r.u16()?;
    let data_length = r.u16()?;
    let error = if Rosctr::from(rosctr).is_ack() {
        Some(HeaderError {
            class: r.u8()?,
            code: r.u8()?,
        })
    } else {
        None
    };
    Ok((
        r.rest(),
        Header {
            rosctr,
            redundancy_id,
            pdu_reference,
            parameter_length,
            data_length,
            error,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn ack_header_has_error_fields() {
        // snap7.pcap frame 44: Ack refusing Start Upload of OB0.
        let ack = [
            0x32, // protocol id
            0x02, // ROSCTR Ack
            0x00, 0x00, // redundancy id
            0x00, 0x15, // PDU reference 21
            0x00, 0x00, // parameter length 0
            0x00, 0x00, // data length 0
            0xD2, 0x0C, // error class 0xD2, code 0x0C
        ];
        let Ok((rest, h)) = parse_header(&ack) else {
            panic!("header did not parse");
        };
        assert!(rest.is_empty());
        assert_eq!(h.rosctr(), Rosctr::Ack);
        assert_eq!(h.pdu_reference, 21);
        assert_eq!(h.error.map(|e| e.combined()), Some(0xD20C));
        assert_eq!(h.header_len(), 12);
        assert_eq!(h.pdu_len(), 12);
    }

    #[test]
    fn wrong_protocol_id_and_short_header_are_errors() {
        let Err(nom::Err::Error(e)) = parse_header(&[0x72, 0x01]) else {
            panic!("S7comm-plus is not S7comm");
        };
        assert_eq!(e.to_string(), "S7comm: invalid protocol id 114 at offset 0");
        let Err(nom::Err::Error(e)) = parse_header(&[0x32, 0x03, 0, 0, 0, 0, 0, 0, 0, 0]) else {
            panic!("an Ack_Data header needs 12 bytes");
        };
        assert_eq!(
            e.kind,
            ErrorKind::Truncated {
                needed: 12,
                got: 10
            }
        );
        assert_eq!(open_rosctr(0x09), Rosctr::Unknown(9));
    }

    fn open_rosctr(b: u8) -> Rosctr {
        Rosctr::from(b)
    }
}
