//! MAC vendor names from the IEEE MA-L (OUI) registry.
//!
//! `oui.tsv` is the IEEE's public listing (standards-oui.ieee.org,
//! `oui.csv`): the 24-bit assignments, hex prefix and organization name,
//! as compiled in the `manuf` file of Wireshark 4.0.17 (Debian
//! `wireshark-common`), sorted by prefix. Smaller (MA-M, MA-S) blocks are
//! not included: their owners' 24-bit prefix names the IEEE.

static TABLE: &str = include_str!("oui.tsv");

/// The organization the MAC's OUI is assigned to. Locally administered
/// addresses (bit 1 of the first byte) have none.
///
/// A binary search over the sorted lines of the table as compiled in
/// (`PREFIX<TAB>name`): no index to build (that took ~20 M instructions
/// and 0.8 MB at the first lookup), ~17 lines read per lookup.
pub fn vendor(mac: [u8; 6]) -> Option<&'static str> {
    if mac[0] & 0x02 != 0 {
        return None;
    }
    let key = u32::from_be_bytes([0, mac[0], mac[1], mac[2]]);
    let bytes = TABLE.as_bytes();
    // [lo, hi) always starts at a line start and ends after a newline.
    let (mut lo, mut hi) = (0, bytes.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = bytes[lo..mid]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(lo, |i| lo + i + 1);
        let end = bytes[start..hi]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(hi, |i| start + i);
        let (prefix, name) = TABLE.get(start..end)?.split_once('\t')?;
        match u32::from_str_radix(prefix, 16).ok()?.cmp(&key) {
            std::cmp::Ordering::Equal => return Some(name),
            std::cmp::Ordering::Less => lo = end + 1,
            std::cmp::Ordering::Greater => hi = start,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_prefixes_name_their_vendor() {
        assert_eq!(
            vendor([0x00, 0x00, 0xbc, 1, 2, 3]),
            Some("Rockwell Automation")
        );
        assert_eq!(vendor([0x00, 0x01, 0xe3, 0, 0, 0]), Some("Siemens AG"));
        assert_eq!(
            vendor([0x02, 0x00, 0xbc, 1, 2, 3]),
            None,
            "locally administered"
        );
        // The search needs every line `PREFIX<TAB>name`, sorted, unique;
        // then it finds each of them.
        let lines: Vec<(u32, &str)> = TABLE
            .lines()
            .map(|l| {
                let (p, n) = l.split_once('\t').unwrap();
                (u32::from_str_radix(p, 16).unwrap(), n)
            })
            .collect();
        assert!(lines.len() > 30_000);
        assert!(lines.windows(2).all(|w| w[0].0 < w[1].0), "sorted, unique");
        for &(k, name) in &lines {
            let [_, a, b, c] = k.to_be_bytes();
            if a & 0x02 == 0 {
                assert_eq!(vendor([a, b, c, 0, 0, 0]), Some(name), "{k:06x}");
            }
        }
        assert_eq!(vendor([0x00, 0x00, 0x00, 0, 0, 0]), None);
        assert_eq!(vendor([0xfc, 0xff, 0xff, 0, 0, 0]), None);
    }
}
