//! Function 43, Encapsulated Interface Transport (Modbus Application
//! Protocol V1.1b3, 6.19): MEI type 13, CANopen General Reference (6.20),
//! kept as bytes; MEI type 14, Read Device Identification (6.21), parsed
//! with every object of the response.

use super::util::{byte, end, need, PResult};
use super::Violations;
use std::iter::FusedIterator;

/// MEI type 13, CANopen General Reference (V1.1b3, 6.20).
pub const MEI_CANOPEN: u8 = 0x0D;
/// MEI type 14, Read Device Identification (V1.1b3, 6.21).
pub const MEI_READ_DEVICE_ID: u8 = 0x0E;

/// An Encapsulated Interface Transport request (6.19).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeiRequest<'a> {
    /// MEI 13, CANopen General Reference request (6.20): the bytes after the MEI type.
    CanOpen(&'a [u8]),
    /// MEI 14, Read Device Identification request (6.21).
    ReadDeviceId {
        /// Read device id code: 1 basic, 2 regular, 3 extended, 4 one object.
        read_device_id_code: u8,
        /// First object to read (or the one object for code 4).
        object_id: u8,
    },
    /// Any other MEI type, with the bytes after it.
    Unknown { mei_type: u8, data: &'a [u8] },
}

impl MeiRequest<'_> {
    /// The MEI type byte.
    pub fn mei_type(&self) -> u8 {
        match self {
            MeiRequest::CanOpen(_) => MEI_CANOPEN,
            MeiRequest::ReadDeviceId { .. } => MEI_READ_DEVICE_ID,
            MeiRequest::Unknown { mei_type, .. } => *mei_type,
        }
    }
}

/// An Encapsulated Interface Transport response (6.19).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeiResponse<'a> {
    /// MEI 13, CANopen General Reference response (6.20): the bytes after the MEI type.
    CanOpen(&'a [u8]),
    /// MEI 14, Read Device Identification response (6.21).
    ReadDeviceId(DeviceIdentification<'a>),
    /// Any other MEI type, with the bytes after it.
    Unknown { mei_type: u8, data: &'a [u8] },
}

impl MeiResponse<'_> {
    /// The MEI type byte.
    pub fn mei_type(&self) -> u8 {
        match self {
            MeiResponse::CanOpen(_) => MEI_CANOPEN,
            MeiResponse::ReadDeviceId(_) => MEI_READ_DEVICE_ID,
            MeiResponse::Unknown { mei_type, .. } => *mei_type,
        }
    }
}

/// A Read Device Identification response (6.21).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceIdentification<'a> {
    /// Read device id code echoed from the request (1..=4).
    pub read_device_id_code: u8,
    /// Conformity level (0x01–0x03, 0x81–0x83).
    pub conformity_level: u8,
    /// 0xFF when more objects follow in another transaction, else 0x00.
    pub more_follows: u8,
    /// The object id to ask for next when `more_follows` is 0xFF.
    pub next_object_id: u8,
    /// The "number of objects" field, as sent.
    pub number_of_objects: u8,
    /// The objects present (all of them; the count may differ, flagged).
    pub objects: DeviceObjects<'a>,
}

/// One device identification object (6.21): id and value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceObject<'a> {
    /// Object id (V1.1b3, 6.21: 0x00 VendorName, ..., 0x06
    /// UserApplicationName; 0x80–0xFF private).
    pub id: u8,
    /// The value, usually ASCII text.
    pub value: &'a [u8],
}

/// The object list of a Read Device Identification response (6.21).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceObjects<'a> {
    bytes: &'a [u8],
}

impl<'a> DeviceObjects<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> DeviceObjects<'a> {
        DeviceObjects { bytes }
    }

    /// The bytes as sent.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The whole objects in order.
    pub fn iter(&self) -> DeviceObjectIter<'a> {
        DeviceObjectIter { rest: self.bytes }
    }
}

impl<'a> IntoIterator for DeviceObjects<'a> {
    type Item = DeviceObject<'a>;
    type IntoIter = DeviceObjectIter<'a>;
    fn into_iter(self) -> DeviceObjectIter<'a> {
        self.iter()
    }
}

/// Iterator over [`DeviceObject`]s (V1.1b3, 6.21).
#[derive(Clone, Debug)]
pub struct DeviceObjectIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for DeviceObjectIter<'a> {
    type Item = DeviceObject<'a>;

    fn next(&mut self) -> Option<DeviceObject<'a>> {
        let id = *self.rest.first()?;
        let len = usize::from(*self.rest.get(1)?);
        let value_end = len.checked_add(2)?;
        let value = self.rest.get(2..value_end)?;
        self.rest = self.rest.get(value_end..)?;
        Some(DeviceObject { id, value })
    }
}

impl FusedIterator for DeviceObjectIter<'_> {}

fn check_code(code: u8, v: &mut Violations) {
    v.set_if(
        !(1..=4).contains(&code),
        Violations::INVALID_DEVICE_ID_FIELD,
    );
}

/// Parses an MEI request body after the function code (6.19–6.21).
pub(crate) fn parse_request<'a>(
    msg: &[u8],
    i: &'a [u8],
    v: &mut Violations,
) -> PResult<'a, MeiRequest<'a>> {
    let (i, mei_type) = byte(msg, i)?;
    let req = match mei_type {
        MEI_CANOPEN => MeiRequest::CanOpen(i),
        MEI_READ_DEVICE_ID => {
            need(msg, i, 2)?;
            let (i, read_device_id_code) = byte(msg, i)?;
            let (rest, object_id) = byte(msg, i)?;
            check_code(read_device_id_code, v);
            v.set_if(!rest.is_empty(), Violations::TRAILING_BYTES);
            MeiRequest::ReadDeviceId {
                read_device_id_code,
                object_id,
            }
        }
        mei_type => MeiRequest::Unknown { mei_type, data: i },
    };
    Ok((end(i), req))
}

/// Parses an MEI response body after the function code (6.19–6.21).
pub(crate) fn parse_response<'a>(
    msg: &[u8],
    i: &'a [u8],
    v: &mut Violations,
) -> PResult<'a, MeiResponse<'a>> {
    let (i, mei_type) = byte(msg, i)?;
    let resp = match mei_type {
        MEI_CANOPEN => MeiResponse::CanOpen(i),
        MEI_READ_DEVICE_ID => MeiResponse::ReadDeviceId(device_identification(msg, i, v)?),
        mei_type => MeiResponse::Unknown { mei_type, data: i },
    };
    Ok((end(i), resp))
}

fn device_identification<'a>(
    msg: &[u8],
    i: &'a [u8],
    v: &mut Violations,
) -> Result<DeviceIdentification<'a>, nom::Err<crate::Error>> {
    need(msg, i, 5)?;
    let (i, read_device_id_code) = byte(msg, i)?;
    let (i, conformity_level) = byte(msg, i)?;
    let (i, more_follows) = byte(msg, i)?;
    let (i, next_object_id) = byte(msg, i)?;
    let (i, number_of_objects) = byte(msg, i)?;
    check_code(read_device_id_code, v);
    v.set_if(
        !matches!(conformity_level, 0x01..=0x03 | 0x81..=0x83),
        Violations::INVALID_DEVICE_ID_FIELD,
    );
    v.set_if(
        !matches!(more_follows, 0x00 | 0xFF),
        Violations::INVALID_DEVICE_ID_FIELD,
    );
    let objects = DeviceObjects::new(i);
    let mut it = objects.iter();
    let count = it.by_ref().count();
    v.set_if(!it.rest.is_empty(), Violations::TRUNCATED_ITEM);
    v.set_if(
        count != usize::from(number_of_objects),
        Violations::OBJECT_COUNT_MISMATCH,
    );
    Ok(DeviceIdentification {
        read_device_id_code,
        conformity_level,
        more_follows,
        next_object_id,
        number_of_objects,
        objects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_all_listed_and_counted() {
        // After function 0x2B: MEI 14, code 1, conformity 0x01, more 0,
        // next 0, 2 objects declared but 3 present.
        let msg = [
            0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x02, //
            0x00, 0x01, b'A', // VendorName "A"
            0x01, 0x02, b'P', b'1', // ProductCode "P1"
            0x02, 0x00, // MajorMinorRevision ""
        ];
        let mut v = Violations::NONE;
        let Ok((_, MeiResponse::ReadDeviceId(d))) = parse_response(&msg, &msg[1..], &mut v) else {
            panic!("did not parse");
        };
        let objs: Vec<_> = d.objects.iter().collect();
        assert_eq!(objs.len(), 3);
        assert_eq!(
            objs[1],
            DeviceObject {
                id: 1,
                value: b"P1"
            }
        );
        assert_eq!(v, Violations::OBJECT_COUNT_MISMATCH);
    }

    #[test]
    fn request_code_out_of_range_is_flagged() {
        let msg = [0x2B, 0x0E, 0x05, 0x00];
        let mut v = Violations::NONE;
        let Ok((_, r)) = parse_request(&msg, &msg[1..], &mut v) else {
            panic!("did not parse");
        };
        assert_eq!(r.mei_type(), MEI_READ_DEVICE_ID);
        assert_eq!(v, Violations::INVALID_DEVICE_ID_FIELD);
    }
}
