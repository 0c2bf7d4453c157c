//! File record access, functions 20 and 21 (Modbus Application Protocol
//! V1.1b3, 6.14 and 6.15): lists of sub-requests, sub-responses and
//! sub-records, borrowed and walked lazily. The parser walks each list once
//! to flag malformed items; the iterators stop at the first item that does
//! not fit.

use super::values::Registers;
use super::Violations;
use std::iter::FusedIterator;

/// The only reference type the spec allows (V1.1b3, 6.14, 6.15).
pub const REFERENCE_TYPE: u8 = 6;
/// The highest record number (V1.1b3, 6.14: 0x0000 to 0x270F).
pub const MAX_RECORD_NUMBER: u16 = 0x270F;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    match b.get(at..at.checked_add(2)?)? {
        [hi, lo] => Some(u16::from_be_bytes([*hi, *lo])),
        _ => None,
    }
}

fn check_reference(reference_type: u8, file: u16, record: u16, v: &mut Violations) {
    v.set_if(
        reference_type != REFERENCE_TYPE,
        Violations::INVALID_REFERENCE_TYPE,
    );
    v.set_if(
        file == 0 || record > MAX_RECORD_NUMBER,
        Violations::FILE_RECORD_OUT_OF_RANGE,
    );
}

/// One Read File Record sub-request (6.14): 7 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileSubRequest {
    /// Reference type (must be 6).
    pub reference_type: u8,
    /// File number (1..=0xFFFF).
    pub file_number: u16,
    /// Starting record number (0..=0x270F).
    pub record_number: u16,
    /// Record length, in registers.
    pub record_length: u16,
}

/// The sub-requests of a Read File Record request (6.14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileSubRequests<'a> {
    bytes: &'a [u8],
}

impl<'a> FileSubRequests<'a> {
    pub(crate) fn parse(bytes: &'a [u8], v: &mut Violations) -> FileSubRequests<'a> {
        let list = FileSubRequests { bytes };
        let mut it = list.iter();
        for s in it.by_ref() {
            check_reference(s.reference_type, s.file_number, s.record_number, v);
        }
        v.set_if(!it.rest.is_empty(), Violations::TRUNCATED_ITEM);
        list
    }

    /// The bytes as sent.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The whole sub-requests in order.
    pub fn iter(&self) -> FileSubRequestIter<'a> {
        FileSubRequestIter { rest: self.bytes }
    }
}

impl<'a> IntoIterator for FileSubRequests<'a> {
    type Item = FileSubRequest;
    type IntoIter = FileSubRequestIter<'a>;
    fn into_iter(self) -> FileSubRequestIter<'a> {
        self.iter()
    }
}

/// Iterator over [`FileSubRequest`]s (V1.1b3, 6.14).
#[derive(Clone, Debug)]
pub struct FileSubRequestIter<'a> {
    rest: &'a [u8],
}

impl Iterator for FileSubRequestIter<'_> {
    type Item = FileSubRequest;

    fn next(&mut self) -> Option<FileSubRequest> {
        let item = FileSubRequest {
            reference_type: *self.rest.first()?,
            file_number: u16_at(self.rest, 1)?,
            record_number: u16_at(self.rest, 3)?,
            record_length: u16_at(self.rest, 5)?,
        };
        self.rest = self.rest.get(7..)?;
        Some(item)
    }
}

impl FusedIterator for FileSubRequestIter<'_> {}

/// One Read File Record sub-response (6.14): length, reference type, data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileSubResponse<'a> {
    /// Reference type (must be 6).
    pub reference_type: u8,
    /// The record data (the "file response length" less one byte).
    pub data: &'a [u8],
}

impl<'a> FileSubResponse<'a> {
    /// The record data as registers.
    pub fn registers(&self) -> Registers<'a> {
        Registers::new(self.data)
    }
}

/// The sub-responses of a Read File Record response (6.14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileSubResponses<'a> {
    bytes: &'a [u8],
}

impl<'a> FileSubResponses<'a> {
    pub(crate) fn parse(bytes: &'a [u8], v: &mut Violations) -> FileSubResponses<'a> {
        let list = FileSubResponses { bytes };
        let mut it = list.iter();
        for s in it.by_ref() {
            v.set_if(
                s.reference_type != REFERENCE_TYPE,
                Violations::INVALID_REFERENCE_TYPE,
            );
            v.set_if(s.data.len() & 1 == 1, Violations::ODD_REGISTER_BYTE_COUNT);
        }
        v.set_if(!it.rest.is_empty(), Violations::TRUNCATED_ITEM);
        list
    }

    /// The bytes as sent.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The whole sub-responses in order.
    pub fn iter(&self) -> FileSubResponseIter<'a> {
        FileSubResponseIter { rest: self.bytes }
    }
}

impl<'a> IntoIterator for FileSubResponses<'a> {
    type Item = FileSubResponse<'a>;
    type IntoIter = FileSubResponseIter<'a>;
    fn into_iter(self) -> FileSubResponseIter<'a> {
        self.iter()
    }
}

/// Iterator over [`FileSubResponse`]s (V1.1b3, 6.14).
#[derive(Clone, Debug)]
pub struct FileSubResponseIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for FileSubResponseIter<'a> {
    type Item = FileSubResponse<'a>;

    fn next(&mut self) -> Option<FileSubResponse<'a>> {
        let len = usize::from(*self.rest.first()?);
        // The length counts the reference type; 0 cannot hold it.
        let data_len = len.checked_sub(1)?;
        let reference_type = *self.rest.get(1)?;
        let data_end = data_len.checked_add(2)?;
        let data = self.rest.get(2..data_end)?;
        self.rest = self.rest.get(data_end..)?;
        Some(FileSubResponse {
            reference_type,
            data,
        })
    }
}

impl FusedIterator for FileSubResponseIter<'_> {}

/// One Write File Record sub-record (6.15); a response echoes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileRecord<'a> {
    /// Reference type (must be 6).
    pub reference_type: u8,
    /// File number (1..=0xFFFF).
    pub file_number: u16,
    /// Starting record number (0..=0x270F).
    pub record_number: u16,
    /// Record length, in registers.
    pub record_length: u16,
    /// The record data, `2 * record_length` bytes.
    pub data: &'a [u8],
}

impl<'a> FileRecord<'a> {
    /// The record data as registers.
    pub fn registers(&self) -> Registers<'a> {
        Registers::new(self.data)
    }
}

/// The sub-records of a Write File Record request or response (6.15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileRecords<'a> {
    bytes: &'a [u8],
}

impl<'a> FileRecords<'a> {
    pub(crate) fn parse(bytes: &'a [u8], v: &mut Violations) -> FileRecords<'a> {
        let list = FileRecords { bytes };
        let mut it = list.iter();
        for r in it.by_ref() {
            check_reference(r.reference_type, r.file_number, r.record_number, v);
        }
        v.set_if(!it.rest.is_empty(), Violations::TRUNCATED_ITEM);
        list
    }

    /// The bytes as sent.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The whole sub-records in order.
    pub fn iter(&self) -> FileRecordIter<'a> {
        FileRecordIter { rest: self.bytes }
    }
}

impl<'a> IntoIterator for FileRecords<'a> {
    type Item = FileRecord<'a>;
    type IntoIter = FileRecordIter<'a>;
    fn into_iter(self) -> FileRecordIter<'a> {
        self.iter()
    }
}

/// Iterator over [`FileRecord`]s (V1.1b3, 6.15).
#[derive(Clone, Debug)]
pub struct FileRecordIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for FileRecordIter<'a> {
    type Item = FileRecord<'a>;

    fn next(&mut self) -> Option<FileRecord<'a>> {
        let reference_type = *self.rest.first()?;
        let file_number = u16_at(self.rest, 1)?;
        let record_number = u16_at(self.rest, 3)?;
        let record_length = u16_at(self.rest, 5)?;
        let data_end = usize::from(record_length).checked_mul(2)?.checked_add(7)?;
        let data = self.rest.get(7..data_end)?;
        self.rest = self.rest.get(data_end..)?;
        Some(FileRecord {
            reference_type,
            file_number,
            record_number,
            record_length,
            data,
        })
    }
}

impl FusedIterator for FileRecordIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_requests_stop_at_a_partial_item() {
        let bytes = [
            0x06, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02, // ref 6, file 4, record 1, len 2
            0x06, 0x00, // a partial second one
        ];
        let mut v = Violations::NONE;
        let l = FileSubRequests::parse(&bytes, &mut v);
        assert_eq!(l.iter().count(), 1);
        assert_eq!(v, Violations::TRUNCATED_ITEM);
    }

    #[test]
    fn sub_responses_with_zero_length_are_malformed() {
        let mut v = Violations::NONE;
        let l = FileSubResponses::parse(&[0x00, 0x06], &mut v);
        assert_eq!(l.iter().count(), 0);
        assert_eq!(v, Violations::TRUNCATED_ITEM);
    }

    #[test]
    fn records_check_reference_and_numbers() {
        let bytes = [
            0x05, 0x00, 0x00, 0x27, 0x10, 0x00, 0x01, // ref 5, file 0, record 10000, len 1
            0x12, 0x34, // data
        ];
        let mut v = Violations::NONE;
        let l = FileRecords::parse(&bytes, &mut v);
        let r: Vec<_> = l.iter().collect();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].registers().to_vec(), vec![0x1234]);
        assert_eq!(
            v,
            Violations::INVALID_REFERENCE_TYPE | Violations::FILE_RECORD_OUT_OF_RANGE
        );
    }
}
