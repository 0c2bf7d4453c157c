//! Zeek's default notion of a local address (conn.log's `local_orig` and
//! `local_resp`).

use std::net::IpAddr;

/// Zeek's default notion of "local": `Site::local_nets` is empty, and
/// `Site::private_address_space_is_local` adds Zeek's private address space
/// (base/utils/site.zeek), listed here as (network, prefix length).
const PRIVATE_V4: &[([u8; 4], u8)] = &[
    ([0, 0, 0, 0], 8),
    ([10, 0, 0, 0], 8),
    ([100, 64, 0, 0], 10),
    ([127, 0, 0, 0], 8),
    ([169, 254, 0, 0], 16),
    ([172, 16, 0, 0], 12),
    ([192, 0, 0, 0], 24),
    ([192, 0, 2, 0], 24),
    ([192, 168, 0, 0], 16),
    ([198, 18, 0, 0], 15),
    ([198, 51, 100, 0], 24),
    ([203, 0, 113, 0], 24),
    ([224, 0, 0, 0], 24),
    ([239, 0, 0, 0], 8),
    ([240, 0, 0, 0], 4),
    ([255, 255, 255, 255], 32),
];

const PRIVATE_V6: &[(u128, u8)] = &[
    (0, 128),                               // ::/128
    (1, 128),                               // ::1/128
    (0x0064_ff9b_0001 << 80, 48),           // 64:ff9b:1::/48
    (0x0100 << 112, 64),                    // 100::/64
    (0x2001 << 112, 23),                    // 2001::/23
    ((0x2001 << 112) | (0x0002 << 96), 48), // 2001:2::/48
    ((0x2001 << 112) | (0x0db8 << 96), 32), // 2001:db8::/32
    (0xfc00 << 112, 7),                     // fc00::/7
    (0xfe80 << 112, 10),                    // fe80::/10
    (0xfec0 << 112, 10),                    // fec0::/10
];

fn in_v4(a: [u8; 4], net: [u8; 4], len: u8) -> bool {
    // The top `len` bits (a shift by 32 or more leaves none clear).
    let mask = !u32::MAX.checked_shr(u32::from(len)).unwrap_or(0);
    u32::from_be_bytes(a) & mask == u32::from_be_bytes(net) & mask
}

fn in_v6(a: u128, net: u128, len: u8) -> bool {
    let mask = !u128::MAX.checked_shr(u32::from(len)).unwrap_or(0);
    a & mask == net & mask
}

pub fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => PRIVATE_V4.iter().any(|&(n, l)| in_v4(a.octets(), n, l)),
        IpAddr::V6(a) => {
            let v = u128::from(a);
            if PRIVATE_V6.iter().any(|&(n, l)| in_v6(v, n, l)) {
                return true;
            }
            // 6to4 (2002::/16) images of the private IPv4 ranges.
            if v >> 112 == 0x2002 {
                let embedded = ((v >> 80) as u32).to_be_bytes();
                return PRIVATE_V4.iter().any(|&(n, l)| in_v4(embedded, n, l));
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_are_local() {
        for a in [
            "10.0.0.9",
            "192.168.10.111",
            "127.0.0.1",
            "172.16.0.1",
            "239.192.1.1",
            "224.0.0.251",
            "255.255.255.255",
            "::1",
            "fe80::1",
            "2001:db8::1",
            "fd00::2",
            "2002:c0a8:0101::1",
        ] {
            assert!(is_local(a.parse().unwrap()), "{a}");
        }
        for a in [
            "87.236.176.106",
            "3.15.227.20",
            "172.32.0.1",
            "224.0.1.1",
            "2a00:1450::1",
            "2002:0808:0808::1",
        ] {
            assert!(!is_local(a.parse().unwrap()), "{a}");
        }
    }
}
