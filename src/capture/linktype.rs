//! The link-layer types otwatch decodes, mapped from libpcap's DLT numbers.

use std::fmt;

/// A supported link-layer header type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// DLT_EN10MB: Ethernet II, with any number of 802.1Q/802.1ad tags.
    Ethernet,
    /// DLT_LINUX_SLL: Linux "cooked" capture v1 (16-byte header).
    LinuxSll,
    /// DLT_LINUX_SLL2: Linux "cooked" capture v2 (20-byte header).
    LinuxSll2,
    /// DLT_RAW / LINKTYPE_IPV4 / LINKTYPE_IPV6: the packet starts with the IP header.
    RawIp,
    /// DLT_NULL: BSD loopback, 4-byte address family in the capturing host's byte order.
    Null,
    /// DLT_LOOP: OpenBSD loopback, 4-byte address family in network byte order.
    Loop,
}

/// A link type otwatch does not decode; the number and libpcap's name for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsupportedLinkType {
    pub dlt: i32,
    pub name: String,
}

impl fmt::Display for UnsupportedLinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unsupported link type {} ({}); otwatch reads Ethernet, Linux cooked v1/v2, raw IPv4/IPv6 and BSD loopback",
            self.dlt, self.name
        )
    }
}

impl LinkType {
    /// Maps a libpcap DLT number to a link type.
    pub fn from_dlt(dlt: i32) -> Result<LinkType, UnsupportedLinkType> {
        Ok(match dlt {
            1 => LinkType::Ethernet,
            113 => LinkType::LinuxSll,
            276 => LinkType::LinuxSll2,
            // DLT_RAW has the value 12 on most systems, 14 on OpenBSD, and the
            // LINKTYPE_RAW value 101 in files; 228/229 are the per-version forms.
            12 | 14 | 101 | 228 | 229 => LinkType::RawIp,
            0 => LinkType::Null,
            108 => LinkType::Loop,
            other => {
                let name = pcap::Linktype(other)
                    .get_name()
                    .unwrap_or_else(|_| "unknown".to_string());
                return Err(UnsupportedLinkType { dlt: other, name });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_link_types() {
        assert_eq!(LinkType::from_dlt(1), Ok(LinkType::Ethernet));
        assert_eq!(LinkType::from_dlt(276), Ok(LinkType::LinuxSll2));
        assert_eq!(LinkType::from_dlt(229), Ok(LinkType::RawIp));
        let err = LinkType::from_dlt(105).unwrap_err();
        assert_eq!(err.dlt, 105);
        assert!(err.to_string().contains("IEEE802_11"), "{err}");
    }
}
