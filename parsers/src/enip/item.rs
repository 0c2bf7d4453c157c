//! Common Packet Format items (CIP Vol 2, 2-6): an item count, then items
//! of type id, length and data — read two ways over the same item readers.
//!
//! * The lax walk, [`Items`], is the reference's (ICSNPP-enip's
//!   `Common_Packet_Format_Item`): the length field is read but not used;
//!   each item's data is read by its type from where the previous item's
//!   reading stopped (fixed sizes for address and info items, a CIP
//!   message to the end of the delivery for data items, the whole rest for
//!   a type the reference does not know), and reading past the end of the
//!   delivery ends the walk with `Truncated`.
//! * The checked walk ([`check`], used by the checked forms of the
//!   encapsulation message and of the I/O datagram) is the spec's: each
//!   item is its length field's bytes, read by the same readers, and what
//!   disagrees is flagged.

use super::cip;
use super::identity::{
    read_list_identity, read_service_item, read_sockaddr, ListIdentityItem, ServiceItem, SockAddr,
};
use super::util::{shift, split_upto, Cursor};
use super::Violations;
use crate::{Error, Layer};
use std::iter::FusedIterator;

/// CPF item type ids (CIP Vol 2, 2-6.1, Table 2-6.3, and the types the
/// reference reads).
pub mod item_type {
    /// Null address item (2-6.2.1): no data; unconnected messages.
    pub const NULL_ADDRESS: u16 = 0x0000;
    /// ListIdentity reply item, the CIP Identity item (2-4.2.3).
    pub const LIST_IDENTITY: u16 = 0x000C;
    /// CIP Security information item of a ListIdentity reply (5 bytes).
    pub const CIP_SECURITY: u16 = 0x0086;
    /// EtherNet/IP capability item of a ListIdentity reply (4 bytes).
    pub const ENIP_CAPABILITY: u16 = 0x0087;
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
    /// Unconnected message over DTLS: message type, transaction number and
    /// status (8 bytes), then a CIP message.
    pub const UNCONNECTED_DTLS: u16 = 0x8003;
}

/// One CPF item as the reference reads it (CIP Vol 2, 2-6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// 0x0000 Null address (2-6.2.1): nothing read.
    NullAddress,
    /// 0x000C ListIdentity reply item (2-4.2.3).
    ListIdentity(ListIdentityItem<'a>),
    /// 0x00A1 Connected address (2-6.2.2): the connection id.
    ConnectedAddress(u32),
    /// 0x8002 Sequenced address (2-6.2.3).
    SequencedAddress {
        /// The connection id.
        connection_id: u32,
        /// The encapsulation sequence number.
        sequence: u32,
    },
    /// 0x00B1 Connected data (2-6.3.2, Vol 2 3-2.2): a 16-bit sequence
    /// count, then a CIP message.
    ConnectedData {
        /// The connected data sequence count.
        sequence_count: u16,
        /// The CIP message.
        message: cip::Message<'a>,
    },
    /// 0x00B2 Unconnected data (2-6.3.1): a CIP message.
    UnconnectedData(cip::Message<'a>),
    /// 0x8003 Unconnected message over DTLS: 8 bytes (message type,
    /// transaction number, status), then a CIP message.
    UnconnectedDtls {
        /// The 8 bytes before the message.
        header: &'a [u8],
        /// The CIP message.
        message: cip::Message<'a>,
    },
    /// 0x8000 / 0x8001 Sockaddr info (2-6.3.3).
    Sockaddr {
        /// The item type ([`item_type::SOCKADDR_O_T`] or
        /// [`item_type::SOCKADDR_T_O`]).
        type_id: u16,
        /// The socket address.
        address: SockAddr,
    },
    /// 0x0100 ListServices reply item (2-4.6.3).
    ListServices(ServiceItem),
    /// 0x0086 CIP Security (5 bytes) or 0x0087 EtherNet/IP capability (4
    /// bytes) items: read, not typed.
    Info {
        /// The item type.
        type_id: u16,
        /// Its bytes.
        data: &'a [u8],
    },
    /// Any other type: the reference takes the rest of the delivery, so a
    /// counted item after it reads as truncated.
    Unknown {
        /// The item type.
        type_id: u16,
        /// The rest of the delivery.
        rest: &'a [u8],
    },
}

/// Reads the data of an item of type `type_id` at `c` the reference's way
/// (CIP errors count offsets from the start of `c`'s message).
fn read_data<'a>(type_id: u16, c: &mut Cursor<'a>) -> Result<Item<'a>, Error> {
    let cip_message = |c: &mut Cursor<'a>| -> Result<cip::Message<'a>, Error> {
        let at = c.offset();
        let m = cip::Message::new(c.rest()).map_err(|e| shift(e, at))?;
        c.take(m.len())?;
        Ok(m)
    };
    Ok(match type_id {
        item_type::NULL_ADDRESS => Item::NullAddress,
        item_type::LIST_IDENTITY => {
            let mut ignored = Violations::NONE;
            Item::ListIdentity(read_list_identity(c, &mut ignored)?)
        }
        item_type::CIP_SECURITY => Item::Info {
            type_id,
            data: c.take(5)?,
        },
        item_type::ENIP_CAPABILITY => Item::Info {
            type_id,
            data: c.take(4)?,
        },
        item_type::CONNECTED_ADDRESS => Item::ConnectedAddress(c.u32()?),
        item_type::CONNECTED_DATA => {
            let sequence_count = c.u16()?;
            Item::ConnectedData {
                sequence_count,
                message: cip_message(c)?,
            }
        }
        item_type::UNCONNECTED_DATA => Item::UnconnectedData(cip_message(c)?),
        item_type::LIST_SERVICES => {
            let mut ignored = Violations::NONE;
            Item::ListServices(read_service_item(c, &mut ignored)?)
        }
        item_type::SOCKADDR_O_T | item_type::SOCKADDR_T_O => {
            let mut ignored = Violations::NONE;
            Item::Sockaddr {
                type_id,
                address: read_sockaddr(c, &mut ignored)?,
            }
        }
        item_type::SEQUENCED_ADDRESS => {
            c.need(8)?;
            Item::SequencedAddress {
                connection_id: c.u32()?,
                sequence: c.u32()?,
            }
        }
        item_type::UNCONNECTED_DTLS => {
            let header = c.take(8)?;
            Item::UnconnectedDtls {
                header,
                message: cip_message(c)?,
            }
        }
        _ => Item::Unknown {
            type_id,
            rest: c.take_rest(),
        },
    })
}

/// The reference's walk over a CPF (CIP Vol 2, 2-6.1): the item count,
/// then at most that many items, each read by [`Item`]'s rules from where
/// the previous one stopped. The first read past the end of the delivery
/// is yielded as `Truncated` (offsets from the start of the message) and
/// ends the walk; items before it stand.
#[derive(Clone, Debug)]
pub struct Items<'a> {
    c: Cursor<'a>,
    /// The item count, when it is there.
    count: Option<u16>,
    /// Items still to read; `None` before the count is read.
    left: Option<u16>,
    done: bool,
}

impl<'a> Items<'a> {
    /// The walk of the CPF at `at` in `msg`.
    pub(crate) fn new(msg: &'a [u8], at: usize) -> Items<'a> {
        let c = Cursor::new_at(Layer::EnipCpf, msg, at);
        let mut peek = c;
        Items {
            c,
            count: peek.u16().ok(),
            left: None,
            done: false,
        }
    }

    /// The item count, when it is there.
    pub fn item_count(&self) -> Option<u16> {
        self.count
    }

    fn read(&mut self) -> Result<Option<Item<'a>>, Error> {
        let left = match self.left {
            Some(n) => n,
            None => self.c.u16()?,
        };
        if left == 0 {
            self.left = Some(0);
            return Ok(None);
        }
        self.left = Some(left.saturating_sub(1));
        let type_id = self.c.u16()?;
        let _length = self.c.u16()?;
        read_data(type_id, &mut self.c).map(Some)
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = Result<Item<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read() {
            Ok(Some(item)) => Some(Ok(item)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl FusedIterator for Items<'_> {}

/// What a CPF's data items carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Carries {
    /// CIP messages: explicit messaging, SendRRData and SendUnitData
    /// (a Connected data item starts with a sequence count, Vol 2 3-2.2).
    Cip,
    /// I/O data (implicit messaging, Vol 2 3-3.2): not read further.
    Io,
}

/// Which item types a CPF should hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// Any.
    Any,
    /// Only this type (the List replies, Vol 2 2-4.3, 2-4.6).
    All(u16),
    /// An address item then a data item of these types first (Vol 2,
    /// 2-6.1; SendRRData, SendUnitData, I/O).
    Pair(u16, u16),
}

/// The checked walk of the CPF at `at` in `msg` (CIP Vol 2, 2-6.1): each
/// item is its length field's bytes. Flags fewer items than counted
/// (`ITEM_COUNT_MISMATCH`), an item running past the data
/// (`TRUNCATED_ITEM`), an item whose reading by its type does not use its
/// bytes exactly (`ITEM_LENGTH_MISMATCH`), bytes after the last counted
/// item (`TRAILING_BYTES`), items of unexpected types
/// (`UNEXPECTED_ITEMS`) and the items' own violations (protocol version,
/// sockaddr, the CIP messages' checked forms). A missing item count, or a
/// CIP message in a data item too short for its fixed fields, is an
/// error (offsets from the start of `msg`).
pub(crate) fn check(
    msg: &[u8],
    at: usize,
    expect: Expect,
    carries: Carries,
    v: &mut Violations,
) -> Result<(), Error> {
    let mut c = Cursor::new_at(Layer::EnipCpf, msg, at);
    let count = c.u16()?;
    let mut seen = 0u16;
    let mut types = [None, None];
    let mut unexpected = false;
    while seen < count {
        let Ok(header) = c.array::<4>() else {
            break;
        };
        let [t0, t1, l0, l1] = header;
        let type_id = u16::from_le_bytes([t0, t1]);
        let length = usize::from(u16::from_le_bytes([l0, l1]));
        let start = c.offset();
        let (data, _) = split_upto(c.rest(), length);
        let cut = data.len() < length;
        c.take(data.len())?;
        if let Some(slot) = types.get_mut(usize::from(seen)) {
            *slot = Some(type_id);
        }
        unexpected |= matches!(expect, Expect::All(t) if t != type_id);
        seen = seen.saturating_add(1);
        if cut {
            // Nothing can follow an item cut short, and what it holds is
            // not all there to check.
            v.insert(Violations::TRUNCATED_ITEM);
            break;
        }
        let end = start.saturating_add(data.len());
        check_item(msg.get(..end).unwrap_or(msg), start, type_id, carries, v)?;
    }
    v.set_if(seen < count, Violations::ITEM_COUNT_MISMATCH);
    if seen == count {
        v.set_if(!c.rest().is_empty(), Violations::TRAILING_BYTES);
    } else {
        // A counted item was missing or had only part of its header.
        v.set_if(!c.rest().is_empty(), Violations::TRUNCATED_ITEM);
    }
    if let Expect::Pair(a, d) = expect {
        unexpected |= types != [Some(a), Some(d)];
    }
    v.set_if(unexpected, Violations::UNEXPECTED_ITEMS);
    Ok(())
}

/// Checks one item, the bytes of `msg` from `start` to its end.
fn check_item(
    msg: &[u8],
    start: usize,
    type_id: u16,
    carries: Carries,
    v: &mut Violations,
) -> Result<(), Error> {
    let mut c = Cursor::new_at(Layer::EnipCpf, msg, start);
    let cip_at = match (type_id, carries) {
        (item_type::CONNECTED_DATA, Carries::Io) => return Ok(()),
        (item_type::CONNECTED_DATA, Carries::Cip) => Some(2),
        (item_type::UNCONNECTED_DATA, _) => Some(0),
        (item_type::UNCONNECTED_DTLS, _) => Some(8),
        _ => None,
    };
    if let Some(skip) = cip_at {
        // The spec bounds the message by the item: check it on its bytes.
        let Ok(_) = c.take(skip) else {
            v.insert(Violations::ITEM_LENGTH_MISMATCH);
            return Ok(());
        };
        let at = c.offset();
        let checked = super::util::plain(cip::parse_cip(c.rest()), Layer::Cip, c.rest().len());
        *v |= checked.map_err(|e| shift(e, at))?.violations();
        return Ok(());
    }
    let mut own = Violations::NONE;
    let read = match type_id {
        item_type::LIST_IDENTITY => read_list_identity(&mut c, &mut own).map(drop),
        item_type::LIST_SERVICES => read_service_item(&mut c, &mut own).map(drop),
        item_type::SOCKADDR_O_T | item_type::SOCKADDR_T_O => {
            read_sockaddr(&mut c, &mut own).map(drop)
        }
        _ => read_data(type_id, &mut c).map(drop),
    };
    // A reading that fails or leaves bytes over is a length that does not
    // fit the type; the item's own flags count only when it was read.
    match read {
        Ok(()) => {
            *v |= own;
            v.set_if(!c.rest().is_empty(), Violations::ITEM_LENGTH_MISMATCH);
        }
        Err(_) => v.insert(Violations::ITEM_LENGTH_MISMATCH),
    }
    Ok(())
}
