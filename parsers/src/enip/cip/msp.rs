//! Multiple_Service_Packet, service 0x0A (CIP Vol 1, A-4.10): a count, a
//! table of offsets (from the count field) and the embedded requests or
//! replies. The parser checks the table once; the iterators parse each
//! embedded message on demand, so nesting costs nothing until used.

use super::super::util::{shift, Cursor};
use super::super::Violations;
use super::request::{self, Request};
use super::response::{self, Response};
use crate::{Error, Layer};
use std::iter::FusedIterator;

/// The shared layout of a Multiple_Service_Packet request and reply
/// (Vol 1, A-4.10.1, A-4.10.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Table<'a> {
    /// From the count field to the end of the data.
    data: &'a [u8],
    /// Offset of the count field in the enclosing CIP message.
    base: usize,
}

impl<'a> Table<'a> {
    fn parse(data: &'a [u8], base: usize, v: &mut Violations) -> Result<Table<'a>, Error> {
        let mut c = Cursor::new(Layer::Cip, data);
        let count = c.u16().map_err(|e| shift(e, base))?;
        let t = Table { data, base };
        v.set_if(count == 0, Violations::MSP_NO_SERVICES);
        let table_end = t.table_end();
        v.set_if(table_end > data.len(), Violations::LENGTH_EXCEEDS_DATA);
        let mut prev = table_end;
        for off in t.offsets() {
            let off = usize::from(off);
            v.set_if(
                off < prev || off > data.len(),
                Violations::MSP_INVALID_OFFSET,
            );
            prev = off.max(prev);
        }
        Ok(t)
    }

    fn count(&self) -> u16 {
        match self.data {
            [lo, hi, ..] => u16::from_le_bytes([*lo, *hi]),
            _ => 0,
        }
    }

    /// End of the offset table (2 + 2 × count).
    fn table_end(&self) -> usize {
        usize::from(self.count())
            .saturating_mul(2)
            .saturating_add(2)
    }

    /// The offsets present (fewer than `count` when the table is cut).
    fn offsets(&self) -> impl Iterator<Item = u16> + 'a {
        let n = usize::from(self.count());
        self.data
            .get(2..)
            .unwrap_or_default()
            .chunks_exact(2)
            .take(n)
            .map(|w| match w {
                [lo, hi] => u16::from_le_bytes([*lo, *hi]),
                _ => 0,
            })
    }

    /// How many services the iterators visit: every service whose offset
    /// is present, plus one error for the first missing offset (a cut
    /// table cannot hold the rest, so 65,535 announced services in a short
    /// message cost one error, not 65,535).
    fn visits(&self) -> usize {
        let present = self.data.len().saturating_sub(2) / 2;
        let count = usize::from(self.count());
        count.min(present.saturating_add(1))
    }

    fn offset_at(&self, index: usize) -> Option<usize> {
        let at = index.checked_mul(2)?.checked_add(2)?;
        match self.data.get(at..at.checked_add(2)?)? {
            [lo, hi] => Some(usize::from(u16::from_le_bytes([*lo, *hi]))),
            _ => None,
        }
    }

    /// The bytes of service `index`: from its offset to the next valid
    /// offset, or to the end of the data.
    fn slice(&self, index: usize) -> Result<(&'a [u8], usize), Error> {
        let entry = index.saturating_mul(2).saturating_add(2);
        let Some(start) = self.offset_at(index) else {
            // The table was cut before this entry: report it where the
            // data ends, never past it.
            return Err(Error::truncated(
                Layer::Cip,
                self.base.saturating_add(entry.min(self.data.len())),
                2,
                self.data.len().saturating_sub(entry),
            ));
        };
        if start < self.table_end() || start > self.data.len() {
            return Err(Error::invalid(
                Layer::Cip,
                self.base.saturating_add(entry),
                "service offset",
                u64::try_from(start).unwrap_or(u64::MAX),
            ));
        }
        let next = index
            .checked_add(1)
            .filter(|n| *n < usize::from(self.count()));
        let stop = next
            .and_then(|n| self.offset_at(n))
            .filter(|s| *s >= start && *s <= self.data.len())
            .unwrap_or(self.data.len());
        let bytes = self.data.get(start..stop).unwrap_or_default();
        Ok((bytes, self.base.saturating_add(start)))
    }
}

macro_rules! msp_list {
    ($(#[$doc:meta])* $name:ident, $iter:ident, $item:ident, $parse:path, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name<'a> {
            table: Table<'a>,
        }

        impl<'a> $name<'a> {
            /// The number of services as sent.
            pub fn count(&self) -> u16 {
                self.table.count()
            }

            /// The offsets as sent, from the count field (fewer than
            /// `count` when the table was cut short).
            pub fn offsets(&self) -> impl Iterator<Item = u16> + 'a {
                self.table.offsets()
            }

            /// The bytes of each embedded message, in order, or why it
            /// cannot be located (offset missing or out of range).
            pub fn slices(&self) -> impl Iterator<Item = Result<&'a [u8], Error>> + 'a {
                let t = self.table;
                (0..t.visits()).map(move |i| t.slice(i).map(|(b, _)| b))
            }

            #[doc = concat!("The embedded ", $what, "s, each parsed or the error that stopped it (offsets count from the start of the enclosing CIP message). When the offset table is cut short, one error stands for all the services whose offsets are missing.")]
            pub fn iter(&self) -> $iter<'a> {
                $iter {
                    table: self.table,
                    next: 0,
                }
            }
        }

        impl<'a> IntoIterator for $name<'a> {
            type Item = Result<$item<'a>, Error>;
            type IntoIter = $iter<'a>;
            fn into_iter(self) -> $iter<'a> {
                self.iter()
            }
        }

        #[doc = concat!("Iterator over the embedded ", $what, "s of a Multiple_Service_Packet (CIP Vol 1, A-4.10).")]
        #[derive(Clone, Debug)]
        pub struct $iter<'a> {
            table: Table<'a>,
            next: usize,
        }

        impl<'a> Iterator for $iter<'a> {
            type Item = Result<$item<'a>, Error>;

            fn next(&mut self) -> Option<Self::Item> {
                if self.next >= self.table.visits() {
                    return None;
                }
                let i = self.next;
                self.next = self.next.saturating_add(1);
                Some(
                    self.table
                        .slice(i)
                        .and_then(|(b, at)| $parse(b).map_err(|e| shift(e, at))),
                )
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                let n = self.table.visits().saturating_sub(self.next);
                (n, Some(n))
            }
        }

        impl FusedIterator for $iter<'_> {}
        impl ExactSizeIterator for $iter<'_> {}
    };
}

fn parse_request(b: &[u8]) -> Result<Request<'_>, Error> {
    request::request(b)
}

fn parse_reply(b: &[u8]) -> Result<Response<'_>, Error> {
    response::response(b, None)
}

msp_list!(
    /// The embedded requests of a Multiple_Service_Packet request (CIP
    /// Vol 1, A-4.10.1).
    MultipleServiceRequests,
    MultipleServiceRequestIter,
    Request,
    parse_request,
    "request"
);

msp_list!(
    /// The embedded replies of a Multiple_Service_Packet reply (CIP Vol 1,
    /// ), typed without context; pair them with the requests by
    /// position and use [`slices`](Self::slices) with
    /// [`parse_cip_reply_to`](super::parse_cip_reply_to) for class-specific
    /// replies.
    MultipleServiceReplies,
    MultipleServiceReplyIter,
    Response,
    parse_reply,
    "reply"
);

/// Checks a request's Multiple_Service_Packet data (`at`: its offset in
/// the CIP message). Only a missing count is an error.
pub(crate) fn requests<'a>(
    data: &'a [u8],
    at: usize,
    v: &mut Violations,
) -> Result<MultipleServiceRequests<'a>, Error> {
    Table::parse(data, at, v).map(|table| MultipleServiceRequests { table })
}

/// Checks a reply's Multiple_Service_Packet data (`at`: its offset in the
/// CIP message). An empty reply (an error without data) has no services.
pub(crate) fn replies<'a>(
    data: &'a [u8],
    at: usize,
    v: &mut Violations,
) -> Result<MultipleServiceReplies<'a>, Error> {
    if data.is_empty() {
        return Ok(MultipleServiceReplies {
            table: Table { data, base: at },
        });
    }
    Table::parse(data, at, v).map(|table| MultipleServiceReplies { table })
}
