//! Typed views of the values a PDU carries, borrowed from the message:
//! bit-packed coils and discrete inputs, big-endian 16-bit registers.
//! Nothing is copied unless the caller asks for a `Vec`.

use std::iter::FusedIterator;
use std::slice::ChunksExact;

/// Bit-packed coil or discrete-input values (Modbus Application Protocol
/// V1.1b3, 6.1, 6.2, 6.11): the LSB of the first byte is the first coil.
///
/// `len()` is the number of meaningful bits: the quantity where the message
/// says it (Write Multiple Coils), else every bit of the bytes (a Read Coils
/// response only gives a byte count; narrow it with [`Coils::limit`] to the
/// quantity of the matching request, the rest is [`Coils::padding`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coils<'a> {
    bytes: &'a [u8],
    count: usize,
}

impl<'a> Coils<'a> {
    /// Every bit of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Coils<'a> {
        Coils {
            bytes,
            count: bytes.len().saturating_mul(8),
        }
    }

    /// The first `quantity` bits of `bytes` (fewer if the bytes are short).
    pub fn with_quantity(bytes: &'a [u8], quantity: u16) -> Coils<'a> {
        Coils::new(bytes).limit(quantity)
    }

    /// The same bytes with at most `quantity` meaningful bits.
    pub fn limit(self, quantity: u16) -> Coils<'a> {
        Coils {
            bytes: self.bytes,
            count: self.count.min(usize::from(quantity)),
        }
    }

    /// The packed bytes as sent.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Number of meaningful bits.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when there is no meaningful bit.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bit `index` (0 = first coil), if meaningful.
    pub fn get(&self, index: usize) -> Option<bool> {
        if index >= self.count {
            return None;
        }
        bit(self.bytes, index)
    }

    /// The meaningful bits in Modbus order.
    pub fn iter(&self) -> CoilIter<'a> {
        CoilIter {
            bytes: self.bytes,
            pos: 0,
            end: self.count,
        }
    }

    /// The bits after the meaningful ones up to the end of the last byte
    /// (ICSNPP logs them as `response_data`).
    pub fn padding(&self) -> CoilIter<'a> {
        CoilIter {
            bytes: self.bytes,
            pos: self.count,
            end: self.bytes.len().saturating_mul(8),
        }
    }

    /// The meaningful bits, collected.
    pub fn to_vec(&self) -> Vec<bool> {
        self.iter().collect()
    }
}

impl<'a> IntoIterator for Coils<'a> {
    type Item = bool;
    type IntoIter = CoilIter<'a>;
    fn into_iter(self) -> CoilIter<'a> {
        self.iter()
    }
}

fn bit(bytes: &[u8], index: usize) -> Option<bool> {
    let byte = bytes.get(index / 8)?;
    Some((byte >> (index % 8)) & 1 == 1)
}

/// Iterator over coil bits, LSB of the first byte first (V1.1b3, 6.1).
#[derive(Clone, Debug)]
pub struct CoilIter<'a> {
    bytes: &'a [u8],
    pos: usize,
    end: usize,
}

impl Iterator for CoilIter<'_> {
    type Item = bool;

    fn next(&mut self) -> Option<bool> {
        if self.pos >= self.end {
            return None;
        }
        let b = bit(self.bytes, self.pos)?;
        self.pos = self.pos.saturating_add(1);
        Some(b)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end.saturating_sub(self.pos);
        (n, Some(n))
    }
}

impl ExactSizeIterator for CoilIter<'_> {}
impl FusedIterator for CoilIter<'_> {}

/// 16-bit big-endian register values (Modbus Application Protocol V1.1b3,
/// 4.2 data encoding; 6.3, 6.4, 6.12, 6.17, 6.18). An odd last byte is not a
/// register (the message is flagged `ODD_REGISTER_BYTE_COUNT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Registers<'a> {
    bytes: &'a [u8],
}

impl<'a> Registers<'a> {
    /// Registers packed in `bytes`.
    pub fn new(bytes: &'a [u8]) -> Registers<'a> {
        Registers { bytes }
    }

    /// The bytes as sent (including an odd last byte).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Number of whole registers.
    pub fn len(&self) -> usize {
        self.bytes.len() / 2
    }

    /// True when there is no whole register.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Register `index`.
    pub fn get(&self, index: usize) -> Option<u16> {
        let start = index.checked_mul(2)?;
        let end = start.checked_add(2)?;
        word(self.bytes.get(start..end)?)
    }

    /// The registers in order.
    pub fn iter(&self) -> RegisterIter<'a> {
        RegisterIter(self.bytes.chunks_exact(2))
    }

    /// The registers, collected (where an analyzer must keep them).
    pub fn to_vec(&self) -> Vec<u16> {
        self.iter().collect()
    }
}

impl<'a> IntoIterator for Registers<'a> {
    type Item = u16;
    type IntoIter = RegisterIter<'a>;
    fn into_iter(self) -> RegisterIter<'a> {
        self.iter()
    }
}

fn word(pair: &[u8]) -> Option<u16> {
    match pair {
        [hi, lo] => Some(u16::from_be_bytes([*hi, *lo])),
        _ => None,
    }
}

/// Iterator over big-endian registers (V1.1b3, 4.2: big-endian encoding).
#[derive(Clone, Debug)]
pub struct RegisterIter<'a>(ChunksExact<'a, u8>);

impl Iterator for RegisterIter<'_> {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        self.0.next().and_then(word)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for RegisterIter<'_> {}
impl FusedIterator for RegisterIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coils_come_lsb_first() {
        // Spec 6.1 example: read 19 coils from 20, status CD 6B 05. Coil 20
        // is the LSB of 0xCD (1100 1101); the last byte 0x05 holds coils
        // 36..38 = 1, 0, 1 and five padding zeros.
        let bytes = [0xCD, 0x6B, 0x05];
        let c = Coils::with_quantity(&bytes, 19);
        assert_eq!(c.len(), 19);
        let bits: Vec<bool> = c.iter().collect();
        assert_eq!(
            &bits[..8],
            &[true, false, true, true, false, false, true, true]
        );
        assert_eq!(&bits[16..], &[true, false, true]);
        assert_eq!(c.get(18), Some(true));
        assert_eq!(c.get(19), None);
        assert_eq!(c.iter().len(), 19);
        assert_eq!(c.padding().collect::<Vec<_>>(), vec![false; 5]);
        assert_eq!(c.to_vec().len(), 19);
    }

    #[test]
    fn coils_never_read_past_their_bytes() {
        let c = Coils::with_quantity(&[0xFF], 2000);
        assert_eq!(c.len(), 8);
        assert_eq!(c.iter().count(), 8);
        assert_eq!(c.padding().count(), 0);
        let all = Coils::new(&[0x01, 0x80]);
        assert_eq!(all.len(), 16);
        assert_eq!(all.get(0), Some(true));
        assert_eq!(all.get(15), Some(true));
        assert_eq!(all.get(1), Some(false));
        assert!(Coils::new(&[]).is_empty());
    }

    #[test]
    fn registers_are_big_endian_and_ignore_an_odd_byte() {
        let r = Registers::new(&[0x02, 0x2B, 0x00, 0x00, 0x00, 0x64, 0x99]);
        assert_eq!(r.len(), 3);
        assert_eq!(r.to_vec(), vec![0x022B, 0x0000, 0x0064]);
        assert_eq!(r.get(2), Some(0x64));
        assert_eq!(r.get(3), None);
        assert_eq!(r.get(usize::MAX), None);
        assert_eq!(r.iter().len(), 3);
        assert_eq!(r.as_bytes().len(), 7);
        assert!(Registers::new(&[1]).is_empty());
    }
}
