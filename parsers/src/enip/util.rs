//! A bounds-checked little-endian reader shared by the EtherNet/IP and CIP
//! parsers. Every read checks the length first and fails with a
//! `Truncated` error that names the layer, the offset from the start of the
//! message and the bytes needed and present; nothing here can panic.

use super::Violations;
use crate::{Error, Layer};

/// A read position in one message (CIP Vol 2, 2-3: every field is
/// little-endian unless a section says otherwise).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cursor<'a> {
    layer: Layer,
    len: usize,
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `msg`; errors count offsets from there.
    pub(crate) fn new(layer: Layer, msg: &'a [u8]) -> Cursor<'a> {
        Cursor {
            layer,
            len: msg.len(),
            rest: msg,
        }
    }

    /// A cursor on `msg` at `at` (or at its end when `at` is past it);
    /// errors count offsets from the start of `msg`.
    pub(crate) fn new_at(layer: Layer, msg: &'a [u8], at: usize) -> Cursor<'a> {
        Cursor {
            layer,
            len: msg.len(),
            rest: msg.get(at..).unwrap_or_else(|| end(msg)),
        }
    }

    /// Offset of the next byte from the start of the message.
    pub(crate) fn offset(&self) -> usize {
        self.len.saturating_sub(self.rest.len())
    }

    /// The bytes not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// Fails with `Truncated` unless `n` more bytes are there.
    pub(crate) fn need(&self, n: usize) -> Result<(), Error> {
        if self.rest.len() < n {
            Err(Error::truncated(
                self.layer,
                self.offset(),
                n,
                self.rest.len(),
            ))
        } else {
            Ok(())
        }
    }

    /// Takes exactly `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        self.need(n)?;
        let (head, tail) = self
            .rest
            .split_at_checked(n)
            .ok_or_else(|| Error::truncated(self.layer, self.offset(), n, self.rest.len()))?;
        self.rest = tail;
        Ok(head)
    }

    /// Takes `n` bytes or all that is left, whichever is less; flags
    /// `LENGTH_EXCEEDS_DATA` (with `flag`) when fewer than `n` were left.
    pub(crate) fn take_upto(&mut self, n: usize, v: &mut Violations, flag: Violations) -> &'a [u8] {
        let (head, tail) = split_upto(self.rest, n);
        v.set_if(head.len() < n, flag);
        self.rest = tail;
        head
    }

    /// Takes everything that is left.
    pub(crate) fn take_rest(&mut self) -> &'a [u8] {
        let all = self.rest;
        self.rest = end(all);
        all
    }

    /// Reads `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let b = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    /// Reads one byte.
    pub(crate) fn u8(&mut self) -> Result<u8, Error> {
        let [b] = self.array::<1>()?;
        Ok(b)
    }

    /// Reads a little-endian u16.
    pub(crate) fn u16(&mut self) -> Result<u16, Error> {
        self.array::<2>().map(u16::from_le_bytes)
    }

    /// Reads a little-endian u32.
    pub(crate) fn u32(&mut self) -> Result<u32, Error> {
        self.array::<4>().map(u32::from_le_bytes)
    }

    /// Reads a big-endian u16 (sockaddr fields, Vol 2, 2-6.3.3).
    pub(crate) fn be_u16(&mut self) -> Result<u16, Error> {
        self.array::<2>().map(u16::from_be_bytes)
    }

    /// Reads a big-endian u32 (sockaddr fields, Vol 2, 2-6.3.3).
    pub(crate) fn be_u32(&mut self) -> Result<u32, Error> {
        self.array::<4>().map(u32::from_be_bytes)
    }
}

/// Splits `i` at `n` or at its end, whichever comes first.
pub(crate) fn split_upto(i: &[u8], n: usize) -> (&[u8], &[u8]) {
    i.split_at_checked(n.min(i.len())).unwrap_or((i, &[]))
}

/// The empty tail of `i` (what a parser that used all of `i` returns).
pub(crate) fn end(i: &[u8]) -> &[u8] {
    i.get(i.len()..).unwrap_or_default()
}

/// Moves an error's offset by `by` bytes: a nested parser counts from its
/// own start, the caller from the start of the enclosing message.
pub(crate) fn shift(mut e: Error, by: usize) -> Error {
    e.offset = e.offset.saturating_add(by);
    e
}

/// Turns a plain result into the crate's nom result, the input used up.
pub(crate) fn finish<O>(input: &[u8], r: Result<O, Error>) -> crate::IResult<'_, O> {
    r.map(|o| (end(input), o)).map_err(nom::Err::Error)
}

/// Turns the crate's nom result back into a plain one.
pub(crate) fn plain<O>(r: crate::IResult<'_, O>, layer: Layer, len: usize) -> Result<O, Error> {
    r.map(|(_, o)| o).map_err(|e| match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        // Framed input is complete: nothing here asks for more. Report it
        // as truncation at the end rather than panic.
        nom::Err::Incomplete(_) => Error::truncated(layer, len, 1, 0),
    })
}

/// `n` 16-bit words as a byte count (CIP sizes count words).
pub(crate) fn words(n: u8) -> usize {
    usize::from(n).saturating_mul(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn reads_little_endian_and_reports_truncation_with_context() {
        let msg = [0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xFF];
        let mut c = Cursor::new(Layer::Cip, &msg);
        assert_eq!(c.u16(), Ok(0x1234));
        assert_eq!(c.u32(), Ok(0x1234_5678));
        assert_eq!(c.offset(), 6);
        let e = c.u16().err();
        assert_eq!(e, Some(Error::truncated(Layer::Cip, 6, 2, 1)));
        // A failed read consumes nothing.
        assert_eq!(c.u8(), Ok(0xFF));
        assert_eq!(c.rest(), &[] as &[u8]);
        let Some(e) = Cursor::new(Layer::EnipCpf, &msg).take(9).err() else {
            panic!("expected an error");
        };
        assert_eq!(e.kind, ErrorKind::Truncated { needed: 9, got: 7 });
        assert_eq!(
            e.to_string(),
            "EtherNet/IP common packet format: truncated at offset 0: needed 9 bytes, got 7"
        );
    }

    #[test]
    fn big_endian_reads_and_take_upto() {
        let msg = [0x00, 0x02, 0xAF, 0x12, 0x0A, 0x01, 0x01, 0xA4];
        let mut c = Cursor::new(Layer::EnipCpf, &msg);
        assert_eq!(c.be_u16(), Ok(2));
        assert_eq!(c.be_u16(), Ok(44818));
        assert_eq!(c.be_u32(), Ok(0x0A01_01A4));
        let mut c = Cursor::new(Layer::Cip, &msg);
        let mut v = Violations::NONE;
        assert_eq!(
            c.take_upto(3, &mut v, Violations::LENGTH_EXCEEDS_DATA),
            &msg[..3]
        );
        assert!(v.is_empty());
        assert_eq!(
            c.take_upto(9, &mut v, Violations::LENGTH_EXCEEDS_DATA)
                .len(),
            5
        );
        assert_eq!(v, Violations::LENGTH_EXCEEDS_DATA);
        assert_eq!(words(0xFF), 510);
        assert_eq!(shift(Error::truncated(Layer::Cip, 3, 1, 0), 24).offset, 27);
    }
}
