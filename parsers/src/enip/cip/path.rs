//! A request path as the reference reads it: the class, instance and
//! attribute ids of its leading logical segments (CIP Vol 1, appendix
//! C-1.4.2), decoded with ICSNPP-enip's `parse_request_path` rules, quirks
//! included. The spec's reading of a path, segment by segment, is
//! [`EPath`](super::EPath).

use super::class;
use super::epath::EPath;

/// Class, instance and attribute of a request path's logical segments, as
/// the reference decodes them (CIP Vol 1, C-1.4.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Path {
    /// The last class id (logical type 0) before the first segment that is
    /// not logical.
    pub class: Option<u32>,
    /// The last instance id (logical type 1).
    pub instance: Option<u32>,
    /// The last attribute id (logical type 4).
    pub attribute: Option<u32>,
    /// The path starts with an ANSI extended symbol segment (0x91, C-1.4.5):
    /// it names a tag, and the service goes to the Logix symbol class.
    pub symbolic: bool,
    /// The tag a path that starts with a symbolic segment names (not part
    /// of the reference's reading: what an analyst reads of the request).
    pub tag: Option<Tag>,
}

/// A tag name: the symbolic segments of a path (0x91 ANSI extended symbol,
/// 0x61-0x7F symbolic; C-1.4.4, C-1.4.5) joined by `.`, as Logix writes
/// `Program:Main.Counter`; kept inline so that a path stays `Copy`. A name
/// longer than [`Tag::MAX`] bytes is cut there and says so.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag {
    len: u8,
    cut: bool,
    bytes: [u8; Tag::MAX],
}

impl Tag {
    /// Bytes of a name kept: one Logix name segment is at most 40.
    pub const MAX: usize = 48;

    /// The name of the symbolic path in `path`, when it starts with one.
    pub fn of(path: &[u8]) -> Option<Tag> {
        if !matches!(path.first(), Some(0x91 | 0x61..=0x7F)) {
            return None;
        }
        let mut t = Tag {
            len: 0,
            cut: false,
            bytes: [0; Tag::MAX],
        };
        for (i, name) in EPath::new(path).symbols().enumerate() {
            if i > 0 {
                t.push(b".");
            }
            t.push(name);
        }
        (t.len > 0).then_some(t)
    }

    fn push(&mut self, b: &[u8]) {
        let at = usize::from(self.len);
        let room = Tag::MAX.saturating_sub(at);
        let n = b.len().min(room);
        let end = at.saturating_add(n);
        if let (Some(dst), Some(src)) = (self.bytes.get_mut(at..end), b.get(..n)) {
            dst.copy_from_slice(src);
        }
        // At most MAX (48): fits.
        self.len = u8::try_from(end).unwrap_or(u8::MAX);
        self.cut |= n < b.len();
    }

    /// The name's bytes (as sent: usually ASCII).
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// Whether the name was longer than [`Tag::MAX`] bytes.
    pub fn is_cut(&self) -> bool {
        self.cut
    }
}

impl core::fmt::Debug for Tag {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Tag({:?}", String::from_utf8_lossy(self.as_bytes()))?;
        if self.cut {
            f.write_str(", cut")?;
        }
        f.write_str(")")
    }
}

impl Path {
    /// The class a class-specific service is addressed to: the path's
    /// class, or the Logix symbol class 0x6B for a tag.
    pub fn target_class(&self) -> Option<u32> {
        self.class.or(self.symbolic.then_some(class::SYMBOL))
    }
}

/// Decodes the path in `d[start..end]` the reference's way (CIP Vol 1,
/// C-1.4.2): logical segments (0x20–0x3F) one after the other until a
/// segment of another type; an 8-bit value follows the segment byte, 16-
/// and 32-bit values a pad byte. Reference quirks, reproduced:
///
/// * the 32-bit form shifts its third byte by 13 instead of 16;
/// * a segment is read while its first byte is before `end - 1`, and its
///   value may run past `end` into the bytes after the path (which are
///   read from `d`); past the end of `d` it reads zeros;
/// * a reserved format (3) sets no value but still moves on 4 bytes.
pub(crate) fn decode(d: &[u8], start: usize, end: usize) -> Path {
    let byte = |i: usize| u32::from(d.get(i).copied().unwrap_or(0));
    // Offsets saturate: a path running past the buffer reads zeros and
    // ends, it never wraps.
    let after = |x: usize, k: usize| byte(x.saturating_add(k));
    let mut p = Path {
        symbolic: start < end && byte(start) == 0x91,
        tag: d.get(start..end).and_then(Tag::of),
        ..Path::default()
    };
    let mut x = start;
    while x.saturating_add(1) < end {
        let seg = byte(x);
        if seg >> 5 != 1 {
            break;
        }
        let logical_type = (seg >> 2) & 7;
        let format = seg & 3;
        x = x.saturating_add(if format > 0 { 2 } else { 1 });
        let value = match format {
            0 => Some(byte(x)),
            1 => Some(byte(x) | after(x, 1) << 8),
            2 => Some(byte(x) | after(x, 1) << 8 | after(x, 2) << 13 | after(x, 3) << 24),
            _ => None,
        };
        match logical_type {
            0 => p.class = value,
            1 => p.instance = value,
            4 => p.attribute = value,
            _ => {}
        }
        x = x.saturating_add(match format {
            0 => 1,
            1 => 2,
            _ => 4,
        });
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(b: &[u8]) -> Path {
        decode(b, 0, b.len())
    }

    #[test]
    fn eight_and_sixteen_bit_logical_segments() {
        assert_eq!(
            path(&[0x20, 0x06, 0x24, 0x01, 0x30, 0x07]),
            Path {
                class: Some(6),
                instance: Some(1),
                attribute: Some(7),
                symbolic: false,
                tag: None,
            }
        );
        // 16-bit class and instance: a pad byte after the segment byte.
        let p = path(&[0x21, 0x00, 0x34, 0x12, 0x25, 0x00, 0x01, 0x02]);
        assert_eq!((p.class, p.instance), (Some(0x1234), Some(0x0201)));
    }

    #[test]
    fn the_32_bit_form_shifts_its_third_byte_by_13() {
        // Reference quirk: 0x00030000 reads as 3 << 13.
        let p = path(&[0x26, 0x00, 0x00, 0x00, 0x03, 0x00]);
        assert_eq!(p.instance, Some(3 << 13));
        let p = path(&[0x22, 0x00, 0x01, 0x02, 0x03, 0x04]);
        assert_eq!(p.class, Some(0x01 | 0x02 << 8 | 0x03 << 13 | 0x04 << 24));
    }

    #[test]
    fn the_walk_stops_at_the_first_segment_that_is_not_logical() {
        // A port segment first: nothing is decoded.
        assert_eq!(path(&[0x01, 0x00, 0x20, 0x06]), Path::default());
        // A symbolic segment after the class ends the walk.
        let p = path(&[0x20, 0x6B, 0x91, 0x01, b'A', 0x00]);
        assert_eq!(p.class, Some(0x6B));
        assert!(!p.symbolic);
    }

    #[test]
    fn a_tag_goes_to_the_symbol_class() {
        let p = path(&[0x91, 0x04, b'T', b'e', b'm', b'p']);
        assert!(p.symbolic);
        assert_eq!(p.tag.map(|t| t.as_bytes().to_vec()), Some(b"Temp".to_vec()));
        assert_eq!(p.class, None);
        assert_eq!(p.target_class(), Some(class::SYMBOL));
        assert_eq!(path(&[0x20, 0x02]).target_class(), Some(2));
        assert_eq!(Path::default().target_class(), None);
    }

    #[test]
    fn values_run_past_the_path_and_read_zeros_past_the_buffer() {
        // A one-word path holding a 16-bit segment byte and its pad: the
        // value is read from the two bytes after the path.
        let d = [0x21, 0x00, 0x06, 0x00];
        assert_eq!(decode(&d, 0, 2).class, Some(6));
        // Past the end of the buffer: zeros, no panic.
        assert_eq!(decode(&[0x22, 0x00, 0x05], 0, 3).class, Some(5));
        assert_eq!(decode(&[0x24], 0, 1), Path::default());
        assert_eq!(decode(&[], 5, usize::MAX).class, None);
        // A reserved format sets nothing and moves on 4 bytes.
        let p = path(&[0x23, 0x00, 1, 2, 3, 4, 0x24, 0x09]);
        assert_eq!((p.class, p.instance), (None, Some(9)));
    }

    /// A tag's symbolic segments joined by dots (a pad byte after an odd
    /// name); a long name is cut at Tag::MAX and says so; a path that
    /// does not start with a name has none.
    #[test]
    fn tag_names() {
        let p = path(&[
            0x91, 0x0C, b'P', b'r', b'o', b'g', b'r', b'a', b'm', b':', b'M', b'a', b'i', b'n',
            0x91, 0x07, b'C', b'o', b'u', b'n', b't', b'e', b'r', 0x00,
        ]);
        let t = p.tag.unwrap();
        assert_eq!(t.as_bytes(), b"Program:Main.Counter");
        assert!(!t.is_cut());
        let mut long = vec![0x91, 40];
        long.extend([b'a'; 40]);
        long.extend([0x91, 20]);
        long.extend([b'b'; 20]);
        let t = path(&long).tag.unwrap();
        assert_eq!(t.as_bytes().len(), Tag::MAX);
        assert!(t.is_cut());
        assert_eq!(path(&[0x20, 0x6B, 0x91, 0x01, b'A', 0x00]).tag, None);
        assert_eq!(Tag::of(&[]), None);
        // A truncated name segment gives what was there, or nothing.
        assert_eq!(Tag::of(&[0x91, 0x09, b'x']), None);
    }
}
