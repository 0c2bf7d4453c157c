//! Small helpers shared by the PDU parsers: length checks that produce a
//! `Truncated` error with context, and byte-count handling that flags
//! instead of failing.

use super::Violations;
use crate::{Error, Layer};
use nom::number::complete::{be_u16, be_u8};

pub(crate) type PResult<'a, O> = Result<(&'a [u8], O), nom::Err<Error>>;

/// Offset of `rest` inside `msg` (`rest` is always a suffix of `msg`).
pub(crate) fn offset(msg: &[u8], rest: &[u8]) -> usize {
    msg.len().saturating_sub(rest.len())
}

/// Fails with `Truncated` unless `i` (a suffix of the PDU `msg`) holds `n` bytes.
pub(crate) fn need(msg: &[u8], i: &[u8], n: usize) -> Result<(), nom::Err<Error>> {
    if i.len() < n {
        Err(nom::Err::Error(Error::truncated(
            Layer::ModbusPdu,
            offset(msg, i),
            n,
            i.len(),
        )))
    } else {
        Ok(())
    }
}

/// Reads one byte after checking that it is there.
pub(crate) fn byte<'a>(msg: &[u8], i: &'a [u8]) -> PResult<'a, u8> {
    need(msg, i, 1)?;
    be_u8(i)
}

/// Reads `N` big-endian u16 fields after checking that all are there.
pub(crate) fn words<'a, const N: usize>(msg: &[u8], i: &'a [u8]) -> PResult<'a, [u16; N]> {
    need(msg, i, N.saturating_mul(2))?;
    let mut out = [0u16; N];
    let mut rest = i;
    for w in out.iter_mut() {
        let (r, v) = be_u16(rest)?;
        *w = v;
        rest = r;
    }
    Ok((rest, out))
}

/// Splits `i` at `n` or at its end, whichever comes first.
pub(crate) fn split_upto(i: &[u8], n: usize) -> (&[u8], &[u8]) {
    i.split_at_checked(n.min(i.len())).unwrap_or((i, &[]))
}

/// The empty tail of `i` (what a parser that used all of `i` returns).
pub(crate) fn end(i: &[u8]) -> &[u8] {
    i.get(i.len()..).unwrap_or_default()
}

/// Takes the `count` bytes a byte-count field announced: flags
/// `LENGTH_EXCEEDS_PDU` (and keeps what there is) when fewer remain, and
/// `TRAILING_BYTES` when more remain. Returns the data; the PDU is used up.
pub(crate) fn counted<'a>(i: &'a [u8], count: usize, v: &mut Violations) -> &'a [u8] {
    let (data, rest) = split_upto(i, count);
    v.set_if(data.len() < count, Violations::LENGTH_EXCEEDS_PDU);
    trailing(rest, v);
    data
}

/// Flags `TRAILING_BYTES` when `rest` is not empty.
pub(crate) fn trailing(rest: &[u8], v: &mut Violations) {
    v.set_if(!rest.is_empty(), Violations::TRAILING_BYTES);
}

/// Flags `ADDRESS_OVERFLOW` when `address + quantity` passes 0x10000.
pub(crate) fn check_range(address: u16, quantity: u32, v: &mut Violations) {
    let end = u32::from(address).checked_add(quantity);
    v.set_if(
        end.is_none_or(|e| e > 0x1_0000),
        Violations::ADDRESS_OVERFLOW,
    );
}

/// Flags `QUANTITY_OUT_OF_RANGE` unless `1 <= quantity <= max`.
pub(crate) fn check_quantity(quantity: u16, max: u16, v: &mut Violations) {
    v.set_if(
        quantity == 0 || quantity > max,
        Violations::QUANTITY_OUT_OF_RANGE,
    );
}

/// Number of bytes that hold `quantity` packed bits.
pub(crate) fn packed_len(quantity: u16) -> usize {
    usize::from(quantity).div_ceil(8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn need_reports_offset_needed_and_got() {
        let msg = [1u8, 2, 3];
        let rest = msg.get(1..).unwrap_or_default();
        let Err(nom::Err::Error(e)) = need(&msg, rest, 4) else {
            panic!("expected an error");
        };
        assert_eq!(e.offset, 1);
        assert_eq!(e.layer, Some(Layer::ModbusPdu));
        assert_eq!(e.kind, ErrorKind::Truncated { needed: 4, got: 2 });
        assert!(need(&msg, rest, 2).is_ok());
    }

    #[test]
    fn counted_flags_short_and_long_data() {
        let mut v = Violations::NONE;
        assert_eq!(counted(&[1, 2, 3], 2, &mut v), &[1, 2]);
        assert_eq!(v, Violations::TRAILING_BYTES);
        let mut v = Violations::NONE;
        assert_eq!(counted(&[1, 2, 3], 5, &mut v), &[1, 2, 3]);
        assert_eq!(v, Violations::LENGTH_EXCEEDS_PDU);
        let mut v = Violations::NONE;
        assert_eq!(counted(&[1, 2], 2, &mut v), &[1, 2]);
        assert!(v.is_empty());
    }

    #[test]
    fn range_and_quantity_checks() {
        let mut v = Violations::NONE;
        check_range(0xFFFF, 1, &mut v);
        assert!(v.is_empty());
        check_range(0xFFFF, 2, &mut v);
        assert_eq!(v, Violations::ADDRESS_OVERFLOW);
        let mut v = Violations::NONE;
        check_quantity(125, 125, &mut v);
        assert!(v.is_empty());
        check_quantity(0, 125, &mut v);
        assert_eq!(v, Violations::QUANTITY_OUT_OF_RANGE);
        assert_eq!(packed_len(0), 0);
        assert_eq!(packed_len(9), 2);
        assert_eq!(packed_len(2000), 250);
    }

    #[test]
    fn words_reads_big_endian() {
        let msg = [0x12, 0x34, 0xAB, 0xCD, 0xFF];
        let (rest, [a, b]) = words::<2>(&msg, &msg).unwrap_or((&[], [0, 0]));
        assert_eq!((a, b), (0x1234, 0xABCD));
        assert_eq!(rest, &[0xFF]);
        assert!(words::<3>(&msg, &msg).is_err());
    }
}
