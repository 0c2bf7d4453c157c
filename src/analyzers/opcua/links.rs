//! The ids that tie rows together (a message half's `opcua_link_id`, the
//! link of a list's rows, of a status row): drawn per connection, in the
//! order the rows are written, when the analyzer builds an event.

use crate::analyzers::ConnId;
use crate::id::Id;

/// Ids tying rows together, unique within a connection.
pub struct Links<'a> {
    uid: &'a str,
    n: &'a mut u64,
}

impl<'a> Links<'a> {
    pub fn new(id: &'a ConnId, n: &'a mut u64) -> Links<'a> {
        Links { uid: &id.uid, n }
    }

    pub fn next(&mut self) -> Id {
        *self.n = self.n.wrapping_add(1);
        crate::analyzers::message_id(self.uid, *self.n)
    }
}
