//! Short identifiers — connection uids (`C` and 17 base-62 digits) and
//! the message ids that tie log rows together (18 hex digits) — held
//! inline. Every log row carries one or two of them and several records
//! are made per message, so a copy must not allocate: as `String`s, their
//! clones and frees were about a twentieth of a run.

use std::fmt;

/// A byte's two lowercase hex digits, as ASCII (message ids, MACs, and the
/// hex the logs write).
pub fn hex_pair(b: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digit = |n: u8| DIGITS.get(usize::from(n & 0xf)).copied().unwrap_or(b'0');
    [digit(b >> 4), digit(b)]
}

/// `aa:bb:cc:dd:ee:ff` (without `format!`, which cost ~2,800
/// instructions a MAC: the inventory formats one at every connection's
/// start and end).
pub fn format_mac(m: [u8; 6]) -> String {
    let mut s = String::with_capacity(17);
    for (i, b) in m.into_iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        for d in hex_pair(b) {
            s.push(char::from(d));
        }
    }
    s
}

/// The most bytes an [`Id`] holds.
pub const MAX_LEN: usize = 23;

/// A string of at most [`MAX_LEN`] bytes, stored inline (`Copy`); it
/// compares, hashes, orders and prints as its text.
#[derive(Clone, Copy, Default)]
pub struct Id {
    len: u8,
    bytes: [u8; MAX_LEN],
}

impl Id {
    /// The id of `s`; longer text is cut at the last character boundary
    /// within [`MAX_LEN`] bytes (ours never are: uids and message ids are
    /// 18 bytes).
    pub fn new(s: &str) -> Id {
        let mut end = s.len().min(MAX_LEN);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let mut bytes = [0u8; MAX_LEN];
        bytes[..end].copy_from_slice(&s.as_bytes()[..end]);
        Id {
            len: end as u8,
            bytes,
        }
    }

    pub fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // SAFETY: `from_utf8_unchecked` needs UTF-8. The fields are
        // private and only `new` writes them, with a copy of a `&str` cut
        // at a character boundary, so `bytes[..len]` is UTF-8 (`Default`
        // makes `len` 0: the empty string); `get` keeps a `len` beyond the
        // array from reading past it. (Checked again on every use, it cost
        // ~170 instructions a time, and every row reads its uid and message
        // id, every lookup hashes them.)
        #[allow(unsafe_code)]
        unsafe {
            std::str::from_utf8_unchecked(bytes)
        }
    }
}

impl std::ops::Deref for Id {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Id {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Id {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Id {
    fn eq(&self, other: &Id) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Id {}

impl PartialOrd for Id {
    fn partial_cmp(&self, other: &Id) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Id {
    fn cmp(&self, other: &Id) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// As `str` hashes (what `Borrow<str>` requires).
impl std::hash::Hash for Id {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialEq<str> for Id {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Id {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Id {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Id> for &str {
    fn eq(&self, other: &Id) -> bool {
        *self == other.as_str()
    }
}

impl From<&str> for Id {
    fn from(s: &str) -> Id {
        Id::new(s)
    }
}

impl From<&String> for Id {
    fn from(s: &String) -> Id {
        Id::new(s)
    }
}

impl From<String> for Id {
    fn from(s: String) -> Id {
        Id::new(&s)
    }
}

impl From<Id> for String {
    fn from(id: Id) -> String {
        id.as_str().to_string()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for Id {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(Id::new(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_compares_and_prints_as_its_text() {
        let a = Id::new("CHhAvVGS1DHFjwGM9");
        assert_eq!(a.as_str(), "CHhAvVGS1DHFjwGM9");
        assert_eq!(a, "CHhAvVGS1DHFjwGM9");
        assert_eq!(a.to_string(), "CHhAvVGS1DHFjwGM9");
        assert_eq!(format!("{a:?}"), "\"CHhAvVGS1DHFjwGM9\"");
        assert!(Id::new("C1") < Id::new("C2"));
        assert_eq!(Id::default().as_str(), "");
        let mut set = std::collections::HashSet::new();
        set.insert(a);
        assert!(set.contains("CHhAvVGS1DHFjwGM9"));
    }

    #[test]
    fn longer_text_is_cut_at_a_character_boundary() {
        assert_eq!(Id::new(&"x".repeat(40)).len(), MAX_LEN);
        // 22 ASCII bytes then a 2-byte character: the character is dropped.
        let s = format!("{}é", "y".repeat(22));
        assert_eq!(Id::new(&s).as_str(), "y".repeat(22));
    }
}
