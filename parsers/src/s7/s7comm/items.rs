//! The item lists of Read Var and Write Var (Wireshark `packet-s7comm.c`,
//! "Item" and "Data" trees): request items with their variable
//! specification, and data items with return code, transport size and
//! value.
//!
//! Both lists are walked once when the PDU is parsed, so the flags are
//! known up front; [`Items`] and [`DataItems`] keep the bytes of the
//! whole items only and iterate them again on demand, borrowing.

use super::super::util::Reader;
use super::super::Violations;
use super::codes::{Area, DataTransportSize, ReturnCode, SyntaxId, TransportSize};

/// The variable specification every request item starts with.
pub const VARIABLE_SPEC: u8 = 0x12;
/// Length of an S7ANY address after its length byte: syntax id,
/// transport size, length, DB number, area, 3-byte address.
pub const S7ANY_LEN: u8 = 10;

/// An S7ANY address (`packet-s7comm.c`, syntax id 0x10): what a Read or
/// Write Var item reads or writes, e.g. DB1.DBX10.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AnyAddress {
    /// Element type, as sent.
    pub transport_size: u8,
    /// Number of elements.
    pub length: u16,
    /// DB number (0 outside DB and DI).
    pub db_number: u16,
    /// Memory area, as sent.
    pub area: u8,
    /// The 24-bit address: byte address times 8 plus bit address.
    pub address: u32,
}

impl AnyAddress {
    /// The element type.
    pub fn transport(&self) -> TransportSize {
        TransportSize::from(self.transport_size)
    }

    /// The memory area.
    pub fn area(&self) -> Area {
        Area::from(self.area)
    }

    /// The byte address.
    pub fn byte_address(&self) -> u32 {
        self.address >> 3
    }

    /// The bit address within the byte (0..=7).
    pub fn bit_address(&self) -> u8 {
        u8::try_from(self.address & 7).unwrap_or(0)
    }
}

/// A request item whose address is not S7ANY (DBREAD, 1200 symbolic,
/// NCK, ...), kept raw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawItem<'a> {
    /// Variable specification (0x12 when well-formed).
    pub spec_type: u8,
    /// Syntax id, as sent.
    pub syntax_id: u8,
    /// The address bytes after the syntax id, borrowed.
    pub address: &'a [u8],
}

impl RawItem<'_> {
    /// The syntax id.
    pub fn syntax(&self) -> SyntaxId {
        SyntaxId::from(self.syntax_id)
    }
}

/// One request item of Read Var or Write Var (`packet-s7comm.c`,
/// `s7comm_decode_param_item`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// Syntax id 0x10 with a 10-byte address.
    Any(AnyAddress),
    /// Any other address.
    Raw(RawItem<'a>),
}

/// Reads one request item; `None` when it does not fit.
fn next_item<'a>(r: &mut Reader<'a>) -> Option<Item<'a>> {
    let mut probe = *r;
    let spec_type = probe.u8().ok()?;
    let len = probe.u8().ok()?;
    let body = probe.take(usize::from(len)).ok()?;
    let mut b = Reader::new(body, 0);
    let syntax_id = b.u8().ok()?;
    *r = probe;
    if syntax_id == SyntaxId::S7Any.code() && len == S7ANY_LEN {
        let transport_size = b.u8().ok()?;
        let length = b.u16().ok()?;
        let db_number = b.u16().ok()?;
        let area = b.u8().ok()?;
        let [hi, mid, lo] = b.array::<3>().ok()?;
        return Some(Item::Any(AnyAddress {
            transport_size,
            length,
            db_number,
            area,
            address: u32::from_be_bytes([0, hi, mid, lo]),
        }));
    }
    Some(Item::Raw(RawItem {
        spec_type,
        syntax_id,
        address: b.rest(),
    }))
}

/// The request items of a Read Var or Write Var job, borrowed: only whole
/// items, in order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Items<'a> {
    bytes: &'a [u8],
    count: usize,
}

impl<'a> Items<'a> {
    /// Walks the items in `i` (the parameter block after the item count),
    /// flagging a count that differs from `announced`, a bad variable
    /// specification and an item that does not fit. Takes all of `i`.
    pub(crate) fn walk(i: &mut Reader<'a>, announced: u8, v: &mut Violations) -> Items<'a> {
        let all = i.rest();
        let mut count = 0usize;
        while !i.is_empty() {
            let spec = i.rest().first().copied();
            let Some(_) = next_item(i) else {
                v.insert(Violations::S7_TRUNCATED_ITEM);
                break;
            };
            v.set_if(
                spec != Some(VARIABLE_SPEC),
                Violations::S7_INVALID_VARIABLE_SPEC,
            );
            count = count.saturating_add(1);
        }
        let used = all.len().saturating_sub(i.len());
        i.take_rest();
        v.set_if(
            count != usize::from(announced),
            Violations::S7_ITEM_COUNT_MISMATCH,
        );
        Items {
            bytes: all.get(..used).unwrap_or_default(),
            count,
        }
    }

    /// Number of whole items.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when no whole item is present.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The items, in order.
    pub fn iter(&self) -> ItemIter<'a> {
        ItemIter(Reader::new(self.bytes, 0))
    }
}

impl<'a> IntoIterator for Items<'a> {
    type Item = Item<'a>;
    type IntoIter = ItemIter<'a>;
    fn into_iter(self) -> ItemIter<'a> {
        self.iter()
    }
}

/// Iterator over [`Items`].
#[derive(Clone, Debug)]
pub struct ItemIter<'a>(Reader<'a>);

impl<'a> Iterator for ItemIter<'a> {
    type Item = Item<'a>;
    fn next(&mut self) -> Option<Item<'a>> {
        next_item(&mut self.0)
    }
}

/// One data item of a Read Var response or Write Var request
/// (`packet-s7comm.c`, `s7comm_decode_response_read_data`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataItem<'a> {
    /// Return code, as sent (0x00 in a write request).
    pub return_code: u8,
    /// Data transport size, as sent.
    pub transport_size: u8,
    /// Length, in bits or bytes by the transport size.
    pub length: u16,
    /// The value bytes, borrowed (fill byte excluded; empty when the
    /// return code reports a failure).
    pub data: &'a [u8],
}

impl DataItem<'_> {
    /// The return code.
    pub fn return_code(&self) -> ReturnCode {
        ReturnCode::from(self.return_code)
    }

    /// The data transport size.
    pub fn transport(&self) -> DataTransportSize {
        DataTransportSize::from(self.transport_size)
    }
}

/// True when an item with this return code carries the data its length
/// announces. PLCs answer a failed read with the 4-byte item head alone,
/// its length field still set (0x0A 0x00 0x0004 is common), so data
/// follows only success, the reserved code of a write request and 0x05,
/// as Wireshark reads it.
fn carries_data(return_code: u8) -> bool {
    matches!(
        ReturnCode::from(return_code),
        ReturnCode::Success | ReturnCode::Reserved | ReturnCode::InvalidAddress
    )
}

/// Reads data item `index` of `expected`; `None` when it does not fit.
/// Every item but the last is padded to an even length by a fill byte.
fn next_data_item<'a>(r: &mut Reader<'a>, index: usize, expected: usize) -> Option<DataItem<'a>> {
    let mut probe = *r;
    let return_code = probe.u8().ok()?;
    let transport_size = probe.u8().ok()?;
    let length = probe.u16().ok()?;
    let n = if carries_data(return_code) {
        DataTransportSize::from(transport_size).byte_len(length)
    } else {
        0
    };
    let data = probe.take(n).ok()?;
    if n % 2 == 1 && index.saturating_add(1) < expected {
        probe.take_upto(1);
    }
    *r = probe;
    Some(DataItem {
        return_code,
        transport_size,
        length,
        data,
    })
}

/// The data items of a Read Var response or Write Var request, borrowed:
/// only whole items, in order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DataItems<'a> {
    bytes: &'a [u8],
    count: usize,
    expected: usize,
}

impl<'a> DataItems<'a> {
    /// Walks the data block `i`, `expected` items long (the parameter's
    /// item count), flagging an item that does not fit and a count that
    /// differs. Takes all of `i`.
    pub(crate) fn walk(i: &mut Reader<'a>, expected: u8, v: &mut Violations) -> DataItems<'a> {
        let expected = usize::from(expected);
        let all = i.rest();
        let mut count = 0usize;
        while !i.is_empty() {
            if next_data_item(i, count, expected).is_none() {
                v.insert(Violations::S7_TRUNCATED_ITEM);
                break;
            }
            count = count.saturating_add(1);
        }
        let used = all.len().saturating_sub(i.len());
        i.take_rest();
        v.set_if(count != expected, Violations::S7_ITEM_COUNT_MISMATCH);
        DataItems {
            bytes: all.get(..used).unwrap_or_default(),
            count,
            expected,
        }
    }

    /// Number of whole data items.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when no whole data item is present.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The data items, in order.
    pub fn iter(&self) -> DataItemIter<'a> {
        DataItemIter {
            r: Reader::new(self.bytes, 0),
            index: 0,
            expected: self.expected,
        }
    }
}

impl<'a> IntoIterator for DataItems<'a> {
    type Item = DataItem<'a>;
    type IntoIter = DataItemIter<'a>;
    fn into_iter(self) -> DataItemIter<'a> {
        self.iter()
    }
}

/// Iterator over [`DataItems`].
#[derive(Clone, Debug)]
pub struct DataItemIter<'a> {
    r: Reader<'a>,
    index: usize,
    expected: usize,
}

impl<'a> Iterator for DataItemIter<'a> {
    type Item = DataItem<'a>;
    fn next(&mut self) -> Option<DataItem<'a>> {
        let item = next_data_item(&mut self.r, self.index, self.expected)?;
        self.index = self.index.saturating_add(1);
        Some(item)
    }
}
