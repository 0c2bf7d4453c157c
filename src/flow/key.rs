//! The connection key: 5-tuple plus VLAN ids, stored in a canonical order so
//! both directions of a connection map to the same key.

use crate::decode::{Addr, Decoded, Transport};

pub use crate::event::{Dir, PerDir};

/// Canonical connection key: endpoint `a` is the lower (address, port) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlowKey {
    pub a: Addr,
    pub b: Addr,
    pub a_port: u16,
    pub b_port: u16,
    pub proto: u8,
    pub vlan: u16,
    pub inner_vlan: u16,
}

/// Fed to a (seeded) hasher as six words: the derived hash wrote each
/// field and every address byte on its own (~130 instructions a lookup in
/// the flow table, one per packet).
impl std::hash::Hash for FlowKey {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        let (a, b) = (words(&self.a), words(&self.b));
        h.write_u64(a.0);
        h.write_u64(a.1);
        h.write_u64(b.0);
        h.write_u64(b.1);
        h.write_u64(
            u64::from(self.a_port) << 48
                | u64::from(self.b_port) << 32
                | u64::from(self.vlan) << 16
                | u64::from(self.inner_vlan),
        );
        h.write_u64(u64::from(self.proto));
    }
}

/// The sending side of a packet, as seen in the canonical key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

/// Ports (or ICMP type/code, Zeek-style) of a decoded packet, source first.
pub fn ports(d: &Decoded) -> (u16, u16) {
    match d.transport {
        Transport::Tcp { sport, dport, .. } | Transport::Udp { sport, dport, .. } => (sport, dport),
        Transport::Icmp {
            icmp_type,
            code,
            v6,
            ..
        } => icmp_ports(icmp_type, code, v6),
        Transport::Other => (0, 0),
    }
}

fn icmp_is_pair(t: u8, v6: bool) -> bool {
    let (_, p) = icmp_ports(t, 0, v6);
    // For pairs the second "port" is the counterpart type, which differs
    // from the code 0 passed in for every pair type.
    icmp_ports(t, 1, v6).1 == p && p != 1
}

/// Zeek keys ICMP "connections" by (type, counterpart type): a request and
/// its reply share a key. The responder port is the reply type for the
/// request/reply pairs, otherwise the code.
fn icmp_ports(t: u8, code: u8, v6: bool) -> (u16, u16) {
    let counterpart = if v6 {
        match t {
            128 => Some(129),
            129 => Some(128),
            133 => Some(134),
            134 => Some(133),
            135 => Some(136),
            136 => Some(135),
            130 => Some(131),
            131 => Some(130),
            139 => Some(140),
            140 => Some(139),
            144 => Some(145),
            145 => Some(144),
            _ => None,
        }
    } else {
        match t {
            8 => Some(0),
            0 => Some(8),
            13 => Some(14),
            14 => Some(13),
            15 => Some(16),
            16 => Some(15),
            17 => Some(18),
            18 => Some(17),
            10 => Some(9),
            9 => Some(10),
            _ => None,
        }
    };
    match counterpart {
        Some(c) => (u16::from(t), c),
        None => (u16::from(t), u16::from(code)),
    }
}

impl FlowKey {
    /// The key of a packet and which side of the key sent it.
    pub fn of(d: &Decoded) -> (FlowKey, Side) {
        let (sp, dp) = ports(d);
        let src = (d.src, sp);
        let dst = (d.dst, dp);
        // One-way ICMP messages (unreachable, time exceeded, ...) are keyed
        // by direction, as in Zeek: A to B and B to A are two connections.
        // Request/reply pairs map to the same ports both ways.
        let one_way = matches!(d.transport, Transport::Icmp { icmp_type, v6, .. } if !icmp_is_pair(icmp_type, v6));
        let (lo, hi, side) = if one_way || src <= dst {
            (src, dst, Side::A)
        } else {
            (dst, src, Side::B)
        };
        (
            FlowKey {
                a: lo.0,
                b: hi.0,
                a_port: lo.1,
                b_port: hi.1,
                proto: d.ip_proto,
                vlan: d.vlan,
                inner_vlan: d.inner_vlan,
            },
            side,
        )
    }

    /// A hash of the two hosts (and VLANs) only, the same both ways and
    /// for every run: it picks the virtual shard.
    pub fn host_pair_hash(&self) -> u64 {
        let (a, b) = (words(&self.a), words(&self.b));
        let vlans = u64::from(self.vlan) << 16 | u64::from(self.inner_vlan);
        fold3(a, b, vlans, 0)
    }

    /// FNV-1a of the whole key: a connection's uid is made from it, so it
    /// is kept as it was when uids were first written (once per
    /// connection, where its speed does not matter).
    fn uid_hash(&self) -> u64 {
        let mut h = Fnv::default();
        h.bytes(&self.a.bytes);
        h.bytes(&self.b.bytes);
        h.bytes(&self.a_port.to_be_bytes());
        h.bytes(&self.b_port.to_be_bytes());
        h.bytes(&[self.proto]);
        h.bytes(&self.vlan.to_be_bytes());
        h.bytes(&self.inner_vlan.to_be_bytes());
        mix(h.0)
    }
}

/// An address as two words, in a fixed byte order (the hashes must not
/// depend on the platform).
fn words(a: &Addr) -> (u64, u64) {
    let (hi, lo) = a.bytes.split_at(8);
    let w = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
    (w(hi), w(lo) ^ u64::from(a.v6))
}

/// The 128-bit product of two words folded to 64 bits.
fn fold(x: u64, y: u64) -> u64 {
    // Never wraps: a product of two 64-bit words fits in 128 bits.
    let p = u128::from(x).wrapping_mul(u128::from(y));
    (p as u64) ^ (p >> 64) as u64
}

/// Two addresses and two more words hashed with folded multiplies: the
/// two products of the addresses are independent, so this is a few
/// cycles where FNV-1a's one multiply per byte was a chain of ~40 (the
/// shard is picked for every packet). Fixed constants keep it stable
/// across runs, so a flow's shard, and what a cap evicts, never change.
fn fold3(a: (u64, u64), b: (u64, u64), rest: u64, more: u64) -> u64 {
    const K: [u64; 5] = [
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
        0x4528_21e6_38d0_1377,
    ];
    let x = fold(a.0 ^ K[0], a.1 ^ K[1]);
    let y = fold(b.0 ^ K[2], b.1 ^ K[3]);
    mix(fold(x ^ rest, y ^ more ^ K[4]))
}

/// FNV-1a, stable across platforms and Rust versions.
#[derive(Clone, Copy)]
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= u64::from(x);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// splitmix64 finaliser: spreads FNV's weak low bits.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A Zeek-style connection uid ("C" + 17 base62 characters), derived from
/// the key and the number of the connection's first packet, so it is
/// unique within a run and identical for any thread count.
pub fn make_uid(key: &FlowKey, first_packet: u64) -> crate::id::Id {
    let h1 = key.uid_hash();
    let h2 = mix(h1 ^ mix(first_packet.wrapping_add(0x9e37_79b9_7f4a_7c15)));
    let mut n = (u128::from(h1) << 64) | u128::from(h2);
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = [b'C'; 18];
    for d in out[1..].iter_mut() {
        *d = DIGITS.get((n % 62) as usize).copied().unwrap_or(b'0');
        n /= 62;
    }
    crate::id::Id::new(std::str::from_utf8(&out).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Addr;

    fn dec(src: &str, sp: u16, dst: &str, dp: u16) -> Decoded {
        Decoded {
            src: Addr::from_ip(src.parse().unwrap()),
            dst: Addr::from_ip(dst.parse().unwrap()),
            vlan: 0,
            inner_vlan: 0,
            src_mac: None,
            dst_mac: None,
            ip_proto: 6,
            ip_len: 40,
            transport: Transport::Tcp {
                sport: sp,
                dport: dp,
                seq: 0,
                ack: 0,
                flags: 0,
                window: 0,
            },
            payload_off: 0,
            payload_len: 0,
            payload_claimed: 0,
            frag: None,
            ip_off: 0,
            l4_off: 0,
            bad_checksum: false,
            tcp_header_cut: false,
        }
    }

    #[test]
    fn both_directions_share_a_key_and_hash() {
        let (k1, s1) = FlowKey::of(&dec("10.0.0.9", 3082, "10.0.0.3", 502));
        let (k2, s2) = FlowKey::of(&dec("10.0.0.3", 502, "10.0.0.9", 3082));
        assert_eq!(k1, k2);
        assert_ne!(s1, s2);
        assert_eq!(k1.host_pair_hash(), k2.host_pair_hash());
    }

    /// Host pairs shaped like a plant's (clients polling a few hundred
    /// servers, and many adapters of one scanner) spread evenly over the
    /// virtual shards; the hash ignores ports and protocol, so a session
    /// and its I/O connections share a shard.
    #[test]
    fn host_pairs_spread_and_ignore_ports() {
        let mut by_key = vec![0u32; 256];
        let mut by_hosts = vec![0u32; 256];
        for i in 0u32..25_600 {
            let client = format!("10.10.{}.{}", 2 + i % 3, 10 + i % 50);
            let server = format!("10.10.1.{}", i / 150 % 250);
            let (k, _) = FlowKey::of(&dec(&client, 49152 + (i % 4000) as u16, &server, 502));
            by_key[(k.host_pair_hash() % 256) as usize] += 1;
            let (h, _) = FlowKey::of(&dec(
                &format!("10.{}.{}.1", i / 250, i % 250),
                2222,
                "10.0.0.1",
                2222,
            ));
            by_hosts[(h.host_pair_hash() % 256) as usize] += 1;
        }
        // 100 per shard on average; a fair hash stays well inside 50..200.
        for counts in [&by_key, &by_hosts] {
            assert!(counts.iter().all(|&c| (50..200).contains(&c)), "{counts:?}");
        }
        let (a, _) = FlowKey::of(&dec("10.0.0.9", 3082, "10.0.0.3", 44818));
        let (mut b, _) = FlowKey::of(&dec("10.0.0.3", 2222, "10.0.0.9", 2222));
        b.proto = 17;
        assert_eq!(a.host_pair_hash(), b.host_pair_hash());
    }

    /// Uids are a function of the key and the first packet's number alone,
    /// unchanged from version to version (runs can be compared by uid).
    #[test]
    fn uids_are_stable_across_versions() {
        let (k, _) = FlowKey::of(&dec("10.0.0.9", 3082, "10.0.0.3", 502));
        assert_eq!(make_uid(&k, 1).as_str(), "C3N54WNqbNhRppGXq5");
    }

    #[test]
    fn uids_look_like_zeek_and_differ_per_connection() {
        let (k, _) = FlowKey::of(&dec("10.0.0.9", 3082, "10.0.0.3", 502));
        let u1 = make_uid(&k, 1);
        let u2 = make_uid(&k, 2);
        assert_eq!(u1.len(), 18);
        assert!(u1.starts_with('C'));
        assert_ne!(u1, u2);
        assert_eq!(u1, make_uid(&k, 1));
    }

    #[test]
    fn one_way_icmp_is_keyed_by_direction() {
        let mut a = dec("10.0.0.1", 0, "10.0.0.2", 0);
        a.ip_proto = 1;
        a.transport = Transport::Icmp {
            icmp_type: 3,
            code: 3,
            v6: false,
        };
        let mut b = dec("10.0.0.2", 0, "10.0.0.1", 0);
        b.ip_proto = 1;
        b.transport = Transport::Icmp {
            icmp_type: 3,
            code: 3,
            v6: false,
        };
        assert_ne!(FlowKey::of(&a).0, FlowKey::of(&b).0);
        assert_eq!(FlowKey::of(&a).1, Side::A);
        assert_eq!(FlowKey::of(&b).1, Side::A);
        assert!(icmp_is_pair(8, false) && icmp_is_pair(0, false) && icmp_is_pair(128, true));
        assert!(!icmp_is_pair(3, false) && !icmp_is_pair(11, false) && !icmp_is_pair(1, true));
    }

    #[test]
    fn icmp_echo_request_and_reply_share_a_key() {
        let mut a = dec("10.0.0.1", 0, "10.0.0.2", 0);
        a.ip_proto = 1;
        a.transport = Transport::Icmp {
            icmp_type: 8,
            code: 0,
            v6: false,
        };
        let mut b = dec("10.0.0.2", 0, "10.0.0.1", 0);
        b.ip_proto = 1;
        b.transport = Transport::Icmp {
            icmp_type: 0,
            code: 0,
            v6: false,
        };
        assert_eq!(FlowKey::of(&a).0, FlowKey::of(&b).0);
    }
}
