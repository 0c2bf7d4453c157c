//! The Common Packet Format (CIP Vol 2, 2-6): an item count, then items of
//! type id, length and data. Items are borrowed and walked lazily; the
//! parser walks them once to flag malformed ones, and the iterators stop at
//! the first item whose header does not fit.

use super::identity::{
    read_list_identity, read_service_item, read_sockaddr, ListIdentityItem, ServiceItem, SockAddr,
    SOCKADDR_LEN,
};
use super::util::{end, finish, shift, split_upto, Cursor};
use super::Violations;
use crate::{Error, IResult, Layer};
use std::iter::FusedIterator;

/// CPF item type ids (CIP Vol 2, 2-6.1, Table 2-6.3).
pub mod item_type {
    /// Null address item (2-6.2.1): no data; unconnected messages.
    pub const NULL_ADDRESS: u16 = 0x0000;
    /// ListIdentity reply item (2-4.2.3).
    pub const LIST_IDENTITY: u16 = 0x000C;
    /// Connected address item (2-6.2.2): connection id.
    pub const CONNECTED_ADDRESS: u16 = 0x00A1;
    /// Connected data item (2-6.3.2).
    pub const CONNECTED_DATA: u16 = 0x00B1;
    /// Unconnected data item (2-6.3.1).
    pub const UNCONNECTED_DATA: u16 = 0x00B2;
    /// ListServices reply item (2-4.6.3).
    pub const LIST_SERVICES: u16 = 0x0100;
    /// Sockaddr info, originator to target (2-6.3.3).
    pub const SOCKADDR_O_T: u16 = 0x8000;
    /// Sockaddr info, target to originator (2-6.3.3).
    pub const SOCKADDR_T_O: u16 = 0x8001;
    /// Sequenced address item (2-6.2.3): connection id and sequence number.
    pub const SEQUENCED_ADDRESS: u16 = 0x8002;
}

/// One CPF item as sent: type id and data (CIP Vol 2, 2-6.1, Table 2-6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawItem<'a> {
    /// Item type id ([`item_type`]).
    pub type_id: u16,
    /// The length field as sent.
    pub length: u16,
    /// The item data: `length` bytes, or fewer when the item was cut short
    /// (flagged `TRUNCATED_ITEM` on the [`Cpf`]).
    pub data: &'a [u8],
    /// Offset of the data from the start of the CPF (the item count).
    pub offset: usize,
}

/// A typed CPF item (CIP Vol 2, 2-6.2 address items, 2-6.3 data items,
/// 2-4.2.3 and 2-4.6.3 reply items). Unknown item types are data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// 0x0000 Null address (2-6.2.1).
    NullAddress,
    /// 0x00A1 Connected address (2-6.2.2).
    ConnectedAddress {
        /// The connection id the target chose in Forward Open.
        connection_id: u32,
    },
    /// 0x8002 Sequenced address (2-6.2.3), used by implicit I/O.
    SequencedAddress {
        /// The connection id.
        connection_id: u32,
        /// The encapsulation sequence number.
        sequence: u32,
    },
    /// 0x00B1 Connected data (2-6.3.2): for class 3 messaging a 16-bit
    /// sequence count then a CIP message; for I/O, the I/O data.
    ConnectedData(&'a [u8]),
    /// 0x00B2 Unconnected data (2-6.3.1): a CIP message.
    UnconnectedData(&'a [u8]),
    /// 0x8000 Sockaddr info, originator to target (2-6.3.3).
    SockaddrOToT(SockAddr),
    /// 0x8001 Sockaddr info, target to originator (2-6.3.3).
    SockaddrTToO(SockAddr),
    /// 0x000C ListIdentity reply item (2-4.2.3).
    ListIdentity(ListIdentityItem<'a>),
    /// 0x0100 ListServices reply item (2-4.6.3).
    ListServices(ServiceItem),
    /// Any other type id (ListInterfaces items, vendor items, ...).
    Unknown {
        /// Item type id.
        type_id: u16,
        /// Item data.
        data: &'a [u8],
    },
}

impl<'a> Item<'a> {
    /// The item type id.
    pub fn type_id(&self) -> u16 {
        match self {
            Item::NullAddress => item_type::NULL_ADDRESS,
            Item::ConnectedAddress { .. } => item_type::CONNECTED_ADDRESS,
            Item::SequencedAddress { .. } => item_type::SEQUENCED_ADDRESS,
            Item::ConnectedData(_) => item_type::CONNECTED_DATA,
            Item::UnconnectedData(_) => item_type::UNCONNECTED_DATA,
            Item::SockaddrOToT(_) => item_type::SOCKADDR_O_T,
            Item::SockaddrTToO(_) => item_type::SOCKADDR_T_O,
            Item::ListIdentity(_) => item_type::LIST_IDENTITY,
            Item::ListServices(_) => item_type::LIST_SERVICES,
            Item::Unknown { type_id, .. } => *type_id,
        }
    }
}

impl<'a> RawItem<'a> {
    /// Parses the item's data by its type (CIP Vol 2, 2-6). An item too
    /// short for its type's fixed fields is `Truncated` (layer `EnipCpf`,
    /// offset from the start of the CPF); longer ones are flagged on the
    /// [`Cpf`] (`ITEM_LENGTH_MISMATCH`), not here.
    pub fn parse(&self) -> Result<Item<'a>, Error> {
        let mut ignored = Violations::NONE;
        self.parse_flagged(&mut ignored)
    }

    fn parse_flagged(&self, v: &mut Violations) -> Result<Item<'a>, Error> {
        let mut c = Cursor::new(Layer::EnipCpf, self.data);
        let fixed = |len: usize, v: &mut Violations| {
            v.set_if(self.data.len() != len, Violations::ITEM_LENGTH_MISMATCH);
        };
        let item = match self.type_id {
            item_type::NULL_ADDRESS => {
                fixed(0, v);
                Ok(Item::NullAddress)
            }
            item_type::CONNECTED_ADDRESS => c.u32().map(|connection_id| {
                fixed(4, v);
                Item::ConnectedAddress { connection_id }
            }),
            item_type::SEQUENCED_ADDRESS => c.need(8).and_then(|()| {
                let connection_id = c.u32()?;
                let sequence = c.u32()?;
                fixed(8, v);
                Ok(Item::SequencedAddress {
                    connection_id,
                    sequence,
                })
            }),
            item_type::CONNECTED_DATA => Ok(Item::ConnectedData(self.data)),
            item_type::UNCONNECTED_DATA => Ok(Item::UnconnectedData(self.data)),
            item_type::SOCKADDR_O_T | item_type::SOCKADDR_T_O => {
                read_sockaddr(&mut c, v).map(|s| {
                    fixed(SOCKADDR_LEN, v);
                    if self.type_id == item_type::SOCKADDR_O_T {
                        Item::SockaddrOToT(s)
                    } else {
                        Item::SockaddrTToO(s)
                    }
                })
            }
            item_type::LIST_IDENTITY => read_list_identity(&mut c, v).map(|li| {
                v.set_if(!c.rest().is_empty(), Violations::ITEM_LENGTH_MISMATCH);
                Item::ListIdentity(li)
            }),
            item_type::LIST_SERVICES => read_service_item(&mut c, v).map(|s| {
                v.set_if(!c.rest().is_empty(), Violations::ITEM_LENGTH_MISMATCH);
                Item::ListServices(s)
            }),
            type_id => Ok(Item::Unknown {
                type_id,
                data: self.data,
            }),
        };
        item.map_err(|e| shift(e, self.offset))
    }
}

/// A Common Packet Format (CIP Vol 2, 2-6.1, Table 2-6.1): the item count
/// and the items, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cpf<'a> {
    /// The item count as sent.
    pub item_count: u16,
    /// The bytes after the item count.
    items: &'a [u8],
    /// Spec violations of the CPF and its items.
    pub violations: Violations,
}

/// Parses a Common Packet Format (CIP Vol 2, 2-6.1) and walks its items
/// once to flag what is malformed: fewer items than counted
/// (`ITEM_COUNT_MISMATCH`), an item running past the data
/// (`TRUNCATED_ITEM`), a wrong length for the type
/// (`ITEM_LENGTH_MISMATCH`), bytes after the last counted item
/// (`TRAILING_BYTES`), and the items' own flags. Only a missing item count
/// is an error (`Truncated`, layer `EnipCpf`). Uses all the input.
pub fn parse_cpf(i: &[u8]) -> IResult<'_, Cpf<'_>> {
    let mut c = Cursor::new(Layer::EnipCpf, i);
    let r = c.u16().map(|item_count| {
        let mut cpf = Cpf {
            item_count,
            items: c.rest(),
            violations: Violations::NONE,
        };
        cpf.violations = cpf.check();
        cpf
    });
    finish(i, r)
}

impl<'a> Cpf<'a> {
    fn check(&self) -> Violations {
        let mut v = Violations::NONE;
        let mut it = self.raw_items();
        let mut seen = 0usize;
        for raw in it.by_ref() {
            seen = seen.saturating_add(1);
            v.set_if(
                raw.data.len() < usize::from(raw.length),
                Violations::TRUNCATED_ITEM,
            );
            if raw.parse_flagged(&mut v).is_err() {
                v.insert(Violations::ITEM_LENGTH_MISMATCH);
            }
        }
        v.set_if(
            seen < usize::from(self.item_count),
            Violations::ITEM_COUNT_MISMATCH,
        );
        if seen == usize::from(self.item_count) {
            v.set_if(!it.rest.is_empty(), Violations::TRAILING_BYTES);
        } else {
            // Some counted item was missing or had only part of a header.
            v.set_if(!it.rest.is_empty(), Violations::TRUNCATED_ITEM);
        }
        v
    }

    /// The items after the count, as sent.
    pub fn items_bytes(&self) -> &'a [u8] {
        self.items
    }

    /// The items as sent, at most `item_count` of them; stops at the first
    /// item whose 4-byte header does not fit, and ends with an item cut
    /// short when its length runs past the data.
    pub fn raw_items(&self) -> RawItems<'a> {
        RawItems {
            rest: self.items,
            left: self.item_count,
            offset: 2,
        }
    }

    /// The items parsed by type (see [`RawItem::parse`]).
    pub fn items(&self) -> Items<'a> {
        Items {
            raw: self.raw_items(),
        }
    }

    /// The first item of type `type_id`, as sent.
    pub fn find(&self, type_id: u16) -> Option<RawItem<'a>> {
        self.raw_items().find(|r| r.type_id == type_id)
    }

    /// The data of the first Connected data item (2-6.3.2).
    pub fn connected_data(&self) -> Option<&'a [u8]> {
        self.find(item_type::CONNECTED_DATA).map(|r| r.data)
    }

    /// The data of the first Unconnected data item (2-6.3.1).
    pub fn unconnected_data(&self) -> Option<&'a [u8]> {
        self.find(item_type::UNCONNECTED_DATA).map(|r| r.data)
    }

    /// The connection id of the first Connected or Sequenced address item
    /// (2-6.2.2, 2-6.2.3).
    pub fn connection_id(&self) -> Option<u32> {
        self.items().find_map(|i| match i {
            Ok(Item::ConnectedAddress { connection_id })
            | Ok(Item::SequencedAddress { connection_id, .. }) => Some(connection_id),
            _ => None,
        })
    }

    /// The connection id and sequence number of the first Sequenced
    /// address item (2-6.2.3).
    pub fn sequenced_address(&self) -> Option<(u32, u32)> {
        self.items().find_map(|i| match i {
            Ok(Item::SequencedAddress {
                connection_id,
                sequence,
            }) => Some((connection_id, sequence)),
            _ => None,
        })
    }

    /// The type ids of the first two items, for checking a command's
    /// address/data pair (2-6.1: an address item, then a data item).
    pub(crate) fn first_two_types(&self) -> (Option<u16>, Option<u16>) {
        let mut it = self.raw_items().map(|r| r.type_id);
        (it.next(), it.next())
    }
}

/// Iterator over a CPF's [`RawItem`]s (CIP Vol 2, 2-6.1).
#[derive(Clone, Debug)]
pub struct RawItems<'a> {
    rest: &'a [u8],
    left: u16,
    offset: usize,
}

impl<'a> Iterator for RawItems<'a> {
    type Item = RawItem<'a>;

    fn next(&mut self) -> Option<RawItem<'a>> {
        if self.left == 0 {
            return None;
        }
        let (type_id, length) = match self.rest.get(..4) {
            Some([t0, t1, l0, l1]) => (
                u16::from_le_bytes([*t0, *t1]),
                u16::from_le_bytes([*l0, *l1]),
            ),
            _ => {
                self.left = 0;
                return None;
            }
        };
        let body = self.rest.get(4..).unwrap_or_default();
        let (data, rest) = split_upto(body, usize::from(length));
        let item = RawItem {
            type_id,
            length,
            data,
            offset: self.offset.saturating_add(4),
        };
        self.offset = item.offset.saturating_add(data.len());
        self.left = self.left.saturating_sub(1);
        if data.len() < usize::from(length) {
            // Cut short: nothing can follow it.
            self.left = 0;
            self.rest = end(rest);
        } else {
            self.rest = rest;
        }
        Some(item)
    }
}

impl FusedIterator for RawItems<'_> {}

/// Iterator over a CPF's typed items (CIP Vol 2, 2-6): each item parsed,
/// or the error that stopped it.
#[derive(Clone, Debug)]
pub struct Items<'a> {
    raw: RawItems<'a>,
}

impl<'a> Iterator for Items<'a> {
    type Item = Result<Item<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.raw.next().map(|r| r.parse())
    }
}

impl FusedIterator for Items<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_item_stops_iteration_and_is_flagged() {
        let b = [
            0x02, 0x00, // item count 2
            0xB2, 0x00, 0x06, 0x00, // unconnected data, length 6
            0x01, 0x02, 0x03, // only 3 bytes
        ];
        let Ok((_, cpf)) = parse_cpf(&b) else {
            panic!("CPF did not parse");
        };
        let raw: Vec<_> = cpf.raw_items().collect();
        assert_eq!(raw.len(), 1);
        assert_eq!(raw[0].data, &[1, 2, 3]);
        assert_eq!(raw[0].offset, 6);
        assert_eq!(
            cpf.violations,
            Violations::TRUNCATED_ITEM | Violations::ITEM_COUNT_MISMATCH
        );
    }

    #[test]
    fn a_short_fixed_item_is_an_error_with_the_cpf_offset() {
        let b = [
            0x01, 0x00, // item count 1
            0xA1, 0x00, 0x02, 0x00, // connected address, length 2
            0x01, 0x02, // half a connection id
        ];
        let Ok((_, cpf)) = parse_cpf(&b) else {
            panic!("CPF did not parse");
        };
        assert_eq!(cpf.violations, Violations::ITEM_LENGTH_MISMATCH);
        let Some(Err(e)) = cpf.items().next() else {
            panic!("expected an item error");
        };
        assert_eq!(
            e.to_string(),
            "EtherNet/IP common packet format: truncated at offset 6: needed 4 bytes, got 2"
        );
        assert_eq!(cpf.connection_id(), None);
    }
}
