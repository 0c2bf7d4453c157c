//! MAC vendor names from the IEEE MA-L (OUI) registry.
//!
//! `oui.tsv` is the IEEE's public listing (standards-oui.ieee.org,
//! `oui.csv`): the 24-bit assignments, hex prefix and organization name,
//! as compiled in the `manuf` file of Wireshark 4.0.17 (Debian
//! `wireshark-common`), sorted by prefix. Smaller (MA-M, MA-S) blocks are
//! not included: their owners' 24-bit prefix names the IEEE.

use std::sync::OnceLock;

static TABLE: &str = include_str!("oui.tsv");

fn index() -> &'static [(u32, &'static str)] {
    static INDEX: OnceLock<Vec<(u32, &'static str)>> = OnceLock::new();
    INDEX.get_or_init(|| {
        TABLE
            .lines()
            .filter_map(|l| {
                let (prefix, name) = l.split_once('\t')?;
                Some((u32::from_str_radix(prefix, 16).ok()?, name))
            })
            .collect()
    })
}

/// The organization the MAC's OUI is assigned to. Locally administered
/// addresses (bit 1 of the first byte) have none.
pub fn vendor(mac: [u8; 6]) -> Option<&'static str> {
    if mac[0] & 0x02 != 0 {
        return None;
    }
    let key = u32::from_be_bytes([0, mac[0], mac[1], mac[2]]);
    let t = index();
    t.binary_search_by_key(&key, |&(k, _)| k)
        .ok()
        .map(|i| t[i].1)
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
        assert!(
            index().windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, unique"
        );
        assert!(index().len() > 30_000);
    }
}
