//! What the three layers share: a bounds-checked cursor whose errors carry
//! the offset from the start of the message, and the open-code macro.
//!
//! Errors built here leave `layer` empty: each layer's public parser sets
//! its own (`Error::in_layer`), so a nested block's error names the layer
//! whose parser was called.

use crate::{Error, ErrorKind};

pub(crate) type PResult<T> = Result<T, nom::Err<Error>>;

/// `Truncated` at `offset`: `needed` bytes from there, `got` present.
pub(crate) fn truncated(offset: usize, needed: usize, got: usize) -> nom::Err<Error> {
    nom::Err::Error(Error {
        layer: None,
        offset,
        kind: ErrorKind::Truncated { needed, got },
    })
}

/// `Invalid` for a field whose name starts with its layer.
pub(crate) fn invalid(offset: usize, field: &'static str, value: u64) -> Error {
    Error {
        layer: None,
        offset,
        kind: ErrorKind::Invalid { field, value },
    }
}

/// `TooLong` for a field whose name starts with its layer.
pub(crate) fn too_long(offset: usize, field: &'static str, value: u64, max: u64) -> Error {
    Error {
        layer: None,
        offset,
        kind: ErrorKind::TooLong { field, value, max },
    }
}

/// Unwraps nom's wrapper (framed input never asks for more bytes).
pub(crate) fn plain(e: nom::Err<Error>, end: usize) -> Error {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        nom::Err::Incomplete(_) => Error {
            layer: None,
            offset: end,
            kind: ErrorKind::Truncated { needed: 1, got: 0 },
        },
    }
}

/// A cursor over a bounded slice. `pos` is the offset of the unread bytes
/// from the start of the message, so errors of a nested block still point
/// into the whole message.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A cursor over `i`, which starts `pos` bytes into the message.
    pub(crate) fn new(i: &'a [u8], pos: usize) -> Reader<'a> {
        Reader { rest: i, pos }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.rest
    }

    pub(crate) fn len(&self) -> usize {
        self.rest.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next `n` bytes, or `Truncated` naming what was missing.
    pub(crate) fn take(&mut self, n: usize) -> PResult<&'a [u8]> {
        match self.rest.split_at_checked(n) {
            Some((head, tail)) => {
                self.rest = tail;
                self.pos = self.pos.saturating_add(n);
                Ok(head)
            }
            None => Err(truncated(self.pos, n, self.rest.len())),
        }
    }

    /// Up to `n` bytes: all of them, or what is left. The caller flags the
    /// shortfall.
    pub(crate) fn take_upto(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.rest.len());
        self.take(n).unwrap_or_default()
    }

    /// Everything left.
    pub(crate) fn take_rest(&mut self) -> &'a [u8] {
        self.take_upto(self.rest.len())
    }

    pub(crate) fn array<const N: usize>(&mut self) -> PResult<[u8; N]> {
        let at = self.pos;
        let got = self.rest.len();
        self.take(N)?.try_into().map_err(|_| truncated(at, N, got))
    }

    pub(crate) fn u8(&mut self) -> PResult<u8> {
        self.array::<1>().map(|[b]| b)
    }

    pub(crate) fn u16(&mut self) -> PResult<u16> {
        self.array::<2>().map(u16::from_be_bytes)
    }

    pub(crate) fn u32(&mut self) -> PResult<u32> {
        self.array::<4>().map(u32::from_be_bytes)
    }

    /// A string prefixed by its one-byte length; a length past the end
    /// yields what is there and `false`.
    pub(crate) fn counted_upto(&mut self) -> PResult<(&'a [u8], bool)> {
        let n = usize::from(self.u8()?);
        let s = self.take_upto(n);
        Ok((s, s.len() == n))
    }
}

/// Declares an open protocol code: one variant per known byte and
/// `Unknown(u8)` for the rest, with `From<u8>` and `code()`.
macro_rules! open_code {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// Any other byte: data, not an error.
            Unknown(u8),
        }

        impl From<u8> for $name {
            fn from(code: u8) -> $name {
                match code {
                    $( $value => $name::$variant, )+
                    other => $name::Unknown(other),
                }
            }
        }

        impl $name {
            /// The byte as sent.
            pub fn code(self) -> u8 {
                match self {
                    $( $name::$variant => $value, )+
                    $name::Unknown(b) => b,
                }
            }
        }
    };
}

pub(crate) use open_code;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reports_offset_needed_and_got() {
        let mut r = Reader::new(&[1, 2, 3], 10);
        assert_eq!(r.u16(), Ok(0x0102));
        assert_eq!(r.pos(), 12);
        let Err(nom::Err::Error(e)) = r.u16() else {
            panic!("expected an error");
        };
        assert_eq!(e.offset, 12);
        assert_eq!(e.kind, ErrorKind::Truncated { needed: 2, got: 1 });
        assert_eq!(r.take_upto(5), &[3]);
        assert!(r.is_empty());
    }

    #[test]
    fn counted_string_keeps_what_there_is() {
        let mut r = Reader::new(&[3, b'a', b'b'], 0);
        assert_eq!(r.counted_upto(), Ok((&b"ab"[..], false)));
        let mut r = Reader::new(&[2, b'a', b'b', 9], 0);
        assert_eq!(r.counted_upto(), Ok((&b"ab"[..], true)));
        assert_eq!(r.rest(), &[9]);
    }
}
