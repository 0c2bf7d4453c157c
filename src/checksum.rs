//! Internet checksums (RFC 1071) of IPv4 headers and TCP/UDP/ICMP segments,
//! for `--verify-checksums` (Zeek's default behaviour; off by default here
//! because captures taken on a host carry offloaded, unfilled checksums).

use crate::decode::{Addr, Decoded, Transport};

fn sum16(mut acc: u32, bytes: &[u8]) -> u32 {
    let mut chunks = bytes.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// True when an IPv4 header's checksum is right (the sum over it is 0xffff).
pub fn ipv4_header_ok(header: &[u8]) -> bool {
    fold(sum16(0, header)) == 0xffff
}

fn pseudo(src: &Addr, dst: &Addr, proto: u8, len: u32) -> u32 {
    let mut acc = 0;
    if src.v6 {
        acc = sum16(acc, &src.bytes);
        acc = sum16(acc, &dst.bytes);
        acc = sum16(acc, &len.to_be_bytes());
        acc += u32::from(proto);
    } else {
        acc = sum16(acc, &src.bytes[12..]);
        acc = sum16(acc, &dst.bytes[12..]);
        acc += u32::from(proto);
        acc += len & 0xffff;
    }
    acc
}

/// Checks the transport checksum of a fully captured segment; `segment` is
/// the transport header and payload. `None` when it cannot be checked
/// (truncated capture, fragment, UDP over IPv4 without a checksum).
pub fn transport_ok(d: &Decoded, segment: &[u8]) -> Option<bool> {
    if d.is_truncated() || d.frag.is_some() {
        return None;
    }
    let acc = match d.transport {
        Transport::Tcp { .. } => pseudo(&d.src, &d.dst, 6, segment.len() as u32),
        Transport::Udp { .. } => {
            let stored = segment.get(6..8)?;
            if !d.src.v6 && stored == [0, 0] {
                return None;
            }
            pseudo(&d.src, &d.dst, 17, segment.len() as u32)
        }
        // ICMPv6 has a pseudo-header, ICMPv4 does not.
        Transport::Icmp { v6: true, .. } => pseudo(&d.src, &d.dst, 58, segment.len() as u32),
        Transport::Icmp { v6: false, .. } => 0,
        Transport::Other => return None,
    };
    Some(fold(sum16(acc, segment)) == 0xffff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::LinkType;
    use crate::decode::decode;

    #[test]
    fn built_packets_verify_and_corruption_is_caught() {
        let b = etherparse::PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .tcp(1, 502, 7, 100);
        let mut f = Vec::new();
        b.write(&mut f, b"odd").unwrap();
        let d = decode(LinkType::Ethernet, &f).unwrap();
        assert!(ipv4_header_ok(&f[14..34]));
        assert_eq!(transport_ok(&d, &f[34..]), Some(true));
        f[40] ^= 1;
        assert_eq!(transport_ok(&d, &f[34..]), Some(false));
        f[20] ^= 1;
        assert!(!ipv4_header_ok(&f[14..34]));

        let b = etherparse::PacketBuilder::ipv6([1; 16], [2; 16], 64).udp(5, 6);
        let mut p = Vec::new();
        b.write(&mut p, b"12345").unwrap();
        let d = decode(LinkType::RawIp, &p).unwrap();
        assert_eq!(transport_ok(&d, &p[40..]), Some(true));
    }
}
