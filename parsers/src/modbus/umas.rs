//! Function 90 (0x5A), Schneider Electric UMAS, a vendor protocol carried
//! in Modbus PDUs: 90 is unassigned in the public code table (Modbus
//! Application Protocol V1.1b3, 5.1) and UMAS has no public specification.
//!
//! Layout as the public dissectors read it (Wireshark's UMAS dissector and
//! the write-ups it cites): function code 0x5A, a one-byte pairing
//! (session) key, the UMAS function code, then data. Responses carry 0xFE
//! (OK) or 0xFD (error) in the UMAS code position. Only the two header
//! bytes are parsed; the data is kept as bytes.

use super::util::{end, need, PResult};
use nom::number::complete::be_u8;

/// UMAS code of a successful response (vendor protocol, see the module doc).
pub const UMAS_RESPONSE_OK: u8 = 0xFE;
/// UMAS code of an error response (vendor protocol, see the module doc).
pub const UMAS_RESPONSE_ERROR: u8 = 0xFD;

/// A UMAS message (function 90; vendor protocol without a public spec,
/// layout per the public dissectors, see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Umas<'a> {
    /// Pairing (session) key: 0 before a reservation, then the key the PLC
    /// handed out with TAKE_PLC_RESERVATION.
    pub pairing_key: u8,
    /// The UMAS function code (the sub-function of Modbus function 90);
    /// 0xFE/0xFD in responses.
    pub code: u8,
    /// Everything after the UMAS code, as sent.
    pub data: &'a [u8],
}

impl Umas<'_> {
    /// True for a response carrying the OK code 0xFE.
    pub fn is_response_ok(&self) -> bool {
        self.code == UMAS_RESPONSE_OK
    }

    /// True for a response carrying the error code 0xFD.
    pub fn is_response_error(&self) -> bool {
        self.code == UMAS_RESPONSE_ERROR
    }
}

/// Parses the UMAS body after the function code (both directions).
pub(crate) fn parse<'a>(msg: &[u8], i: &'a [u8]) -> PResult<'a, Umas<'a>> {
    need(msg, i, 2)?;
    let (i, pairing_key) = be_u8(i)?;
    let (data, code) = be_u8(i)?;
    Ok((
        end(data),
        Umas {
            pairing_key,
            code,
            data,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_key_code_and_data() {
        let msg = [0x5A, 0x00, 0x02, 0xAA];
        let Ok((rest, u)) = parse(&msg, &msg[1..]) else {
            panic!("did not parse");
        };
        assert!(rest.is_empty());
        assert_eq!(u.pairing_key, 0);
        assert_eq!(u.code, 0x02);
        assert_eq!(u.data, &[0xAA]);
        assert!(!u.is_response_ok());
        assert!(parse(&msg, &msg[3..]).is_err());
    }
}
