//! Layer 2–4 decoding. Turns a raw captured frame into a compact, copyable
//! [`Decoded`] summary — flow key fields, TCP header fields and the offset of
//! the L4 payload inside the frame — so that the frame is parsed once, in the
//! capture thread, and workers slice the payload out of the same bytes.
//!
//! Everything from the wire is hostile: each malformation is reported as a
//! [`DecodeError`] carrying a Zeek-style weird name, never a panic.
// No panics by construction: frames come from the wire and from capture
// files, so outside tests this module may not unwrap, index or slice
// unchecked, or overflow (enforced by clippy in `make lint`).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

use crate::capture::LinkType;
use etherparse::err::{packet::SliceError, Layer};
use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, LenSource, TransportSlice};
use std::net::IpAddr;

/// An IP address stored as 16 bytes (IPv4 mapped into the low 4 bytes with the
/// `v6` flag off), so that keys hash and compare without branching on version.
/// Ordered by its bytes, then the flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Addr {
    pub bytes: [u8; 16],
    pub v6: bool,
}

impl Ord for Addr {
    /// The bytes' order, compared as one number (every packet's flow key
    /// orders its two ends).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        u128::from_be_bytes(self.bytes)
            .cmp(&u128::from_be_bytes(other.bytes))
            .then(self.v6.cmp(&other.v6))
    }
}

impl PartialOrd for Addr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Addr {
    pub fn from_ip(ip: IpAddr) -> Addr {
        match ip {
            IpAddr::V4(a) => {
                let mut bytes = [0u8; 16];
                bytes[12..].copy_from_slice(&a.octets());
                Addr { bytes, v6: false }
            }
            IpAddr::V6(a) => Addr {
                bytes: a.octets(),
                v6: true,
            },
        }
    }

    pub fn to_ip(self) -> IpAddr {
        if self.v6 {
            IpAddr::from(self.bytes)
        } else {
            IpAddr::from([
                self.bytes[12],
                self.bytes[13],
                self.bytes[14],
                self.bytes[15],
            ])
        }
    }
}

/// TCP flag bits, as in the header's flags byte.
pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
}

/// The transport layer of a decoded packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp {
        sport: u16,
        dport: u16,
        seq: u32,
        ack: u32,
        flags: u8,
        window: u16,
    },
    Udp {
        sport: u16,
        dport: u16,
        /// The UDP header's length field (header included).
        ulen: u16,
    },
    /// ICMP or ICMPv6; Zeek logs these as connections keyed by type and code.
    Icmp { icmp_type: u8, code: u8, v6: bool },
    /// Any other IP protocol (tracked by address pair only).
    Other,
}

/// A decoded IP packet. Offsets index the captured frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub src: Addr,
    pub dst: Addr,
    /// Outer and inner 802.1Q/802.1ad VLAN ids (0 = absent).
    pub vlan: u16,
    pub inner_vlan: u16,
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    pub ip_proto: u8,
    /// IP length from the header (IPv4 total length; IPv6 payload length + 40).
    pub ip_len: u32,
    pub transport: Transport,
    /// Offset and captured length of the L4 payload in the frame.
    pub payload_off: u32,
    pub payload_len: u32,
    /// Payload length the headers claim; larger than `payload_len` when the
    /// snaplen cut the packet.
    pub payload_claimed: u32,
    /// Set when this packet is a fragment of an IP datagram; the payload
    /// is then the fragment's data, not a transport segment.
    pub frag: Option<Frag>,
    /// Offsets of the IP header and of the transport header in the frame.
    pub ip_off: u32,
    pub l4_off: u32,
    /// The transport checksum was checked and is wrong (`--verify-checksums`).
    pub bad_checksum: bool,
    /// A TCP header whose fixed 20 bytes were captured but whose options
    /// the snaplen cut (its payload is then wholly cut too).
    pub tcp_header_cut: bool,
}

/// Where a fragment belongs in its datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frag {
    /// IPv4 identification (16 bits) or IPv6 fragment header identification.
    pub id: u32,
    /// Offset of this fragment's data in the datagram, in bytes.
    pub offset: u32,
    /// More fragments follow.
    pub more: bool,
}

impl Decoded {
    pub fn payload<'a>(&self, frame: &'a [u8]) -> &'a [u8] {
        let start = self.payload_off as usize;
        let end = start.saturating_add(self.payload_len as usize);
        frame.get(start..end).unwrap_or(&[])
    }

    pub fn is_truncated(&self) -> bool {
        // A cut TCP header is cut even without payload (its checksum
        // cannot be checked).
        self.payload_len < self.payload_claimed || self.tcp_header_cut
    }

    /// The IP header (with options) in the frame.
    pub fn ip_header<'a>(&self, frame: &'a [u8]) -> &'a [u8] {
        frame
            .get(self.ip_off as usize..self.l4_off as usize)
            .unwrap_or(&[])
    }

    /// The captured part of the transport segment (header and payload, no
    /// link-layer padding).
    pub fn segment<'a>(&self, frame: &'a [u8]) -> &'a [u8] {
        let hdr = self.l4_off.saturating_sub(self.ip_off);
        let end = (self.l4_off as usize).saturating_add(self.ip_len.saturating_sub(hdr) as usize);
        frame
            .get(self.l4_off as usize..end.min(frame.len()))
            .unwrap_or(&[])
    }
}

/// Why a frame did not decode to an IP packet with a transport header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Not IP (ARP, LLDP, STP, PROFINET, ...): counted, not a weird.
    NotIp,
    /// A malformed or truncated frame: the weird to log (Zeek's name where
    /// Zeek has one) and the layer that found it.
    Weird(&'static str, &'static str),
}

/// Zeek's weird name and source for where the lax parser stopped.
fn stop_weird(err: &SliceError, layer: Layer) -> DecodeError {
    let w = match err {
        SliceError::Len(l) => {
            let captured = l.len_source == LenSource::Slice;
            match l.layer {
                Layer::VlanHeader => ("truncated_VLAN_header", "VLAN"),
                Layer::TcpHeader | Layer::UdpHeader | Layer::Icmpv4 | Layer::Icmpv6 => {
                    let src = match l.layer {
                        Layer::TcpHeader => "TCP",
                        Layer::UdpHeader => "UDP",
                        _ => "ICMP",
                    };
                    if captured {
                        ("internally_truncated_header", src)
                    } else {
                        ("truncated_header", src)
                    }
                }
                Layer::Ipv6ExtHeader
                | Layer::Ipv6HopByHopHeader
                | Layer::Ipv6DestOptionsHeader
                | Layer::Ipv6RouteHeader
                | Layer::Ipv6FragHeader
                | Layer::IpAuthHeader => ("truncated_IPv6_option", "IP"),
                _ => ("truncated_IP", "IP"),
            }
        }
        SliceError::Ip(etherparse::err::ip::HeaderError::Ipv4HeaderLengthSmallerThanHeader {
            ..
        }) => ("IPv4_min_header_size", "IP"),
        SliceError::Ip(_) | SliceError::Ipv6(_) => ("unknown_ip_version", "IP"),
        SliceError::Ipv4(etherparse::err::ipv4::HeaderError::HeaderLengthSmallerThanHeader {
            ..
        }) => ("IPv4_min_header_size", "IP"),
        SliceError::Ipv4(_) => ("unknown_ip_version", "IP"),
        SliceError::Ipv4Exts(_) | SliceError::Ipv6Exts(_) => ("bad_IP_extension_header", "IP"),
        SliceError::Tcp(_) => ("bad_TCP_header_len", "TCP"),
        SliceError::LinuxSll(_) | SliceError::Macsec(_) => {
            let _ = layer;
            ("truncated_link_header", "Ethernet")
        }
    };
    DecodeError::Weird(w.0, w.1)
}

/// A non-IP Ethernet frame: its addresses, VLAN tag and EtherType, and
/// what follows (industrial layer-2 protocols: PROFINET).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layer2<'a> {
    pub src: [u8; 6],
    pub dst: [u8; 6],
    /// The outer 802.1Q/802.1ad VLAN id (0 = absent or priority-tagged).
    pub vlan: u16,
    pub ether_type: u16,
    pub payload: &'a [u8],
    /// The snaplen cut the frame (its end is missing).
    pub cut: bool,
}

/// The layer-2 view of an Ethernet frame (`None` for other link types and
/// frames too short for their headers), after at most two VLAN tags.
pub fn layer2(link: LinkType, frame: &[u8]) -> Option<Layer2<'_>> {
    if link != LinkType::Ethernet {
        return None;
    }
    let (&h, mut rest) = frame.split_first_chunk::<14>()?;
    let [d0, d1, d2, d3, d4, d5, s0, s1, s2, s3, s4, s5, t0, t1] = h;
    let mut ether_type = u16::from_be_bytes([t0, t1]);
    let mut vlan = None;
    for _ in 0..2 {
        if !matches!(ether_type, 0x8100 | 0x88A8 | 0x9100) {
            break;
        }
        let (&[c0, c1, e0, e1], tail) = rest.split_first_chunk::<4>()?;
        vlan.get_or_insert(u16::from_be_bytes([c0, c1]) & 0x0FFF);
        ether_type = u16::from_be_bytes([e0, e1]);
        rest = tail;
    }
    Some(Layer2 {
        src: [s0, s1, s2, s3, s4, s5],
        dst: [d0, d1, d2, d3, d4, d5],
        vlan: vlan.unwrap_or(0),
        ether_type,
        payload: rest,
        cut: false,
    })
}

/// Decodes one frame of the given link type.
pub fn decode(link: LinkType, frame: &[u8]) -> Result<Decoded, DecodeError> {
    if link == LinkType::Ethernet {
        if let Some(d) = plain_ethernet_ipv4(frame) {
            return Ok(d);
        }
    }
    decode_general(link, frame)
}

/// Any frame of any link type, through etherparse's lax slicing.
fn decode_general(link: LinkType, frame: &[u8]) -> Result<Decoded, DecodeError> {
    let (macs, sliced) = match link {
        LinkType::Ethernet => {
            let Some((&h, rest)) = frame.split_first_chunk::<14>() else {
                return Err(DecodeError::Weird("truncated_ethernet_frame", "Ethernet"));
            };
            let [d0, d1, d2, d3, d4, d5, s0, s1, s2, s3, s4, s5, t0, t1] = h;
            let (dst, src) = ([d0, d1, d2, d3, d4, d5], [s0, s1, s2, s3, s4, s5]);
            let et = u16::from_be_bytes([t0, t1]);
            if et < 0x0600 {
                // 802.3 length field: LLC/SNAP frames (STP, ...), never IP here.
                return Err(DecodeError::NotIp);
            }
            (
                Some((src, dst)),
                LaxSlicedPacket::from_ether_type(EtherType(et), rest),
            )
        }
        LinkType::LinuxSll => {
            let Some((h, rest)) = frame.split_first_chunk::<16>() else {
                return Err(DecodeError::Weird("truncated_link_header", "Ethernet"));
            };
            let et = u16::from_be_bytes([h[14], h[15]]);
            (None, LaxSlicedPacket::from_ether_type(EtherType(et), rest))
        }
        LinkType::LinuxSll2 => {
            let Some((h, rest)) = frame.split_first_chunk::<20>() else {
                return Err(DecodeError::Weird("truncated_link_header", "Ethernet"));
            };
            let et = u16::from_be_bytes([h[0], h[1]]);
            (None, LaxSlicedPacket::from_ether_type(EtherType(et), rest))
        }
        LinkType::RawIp => (None, from_ip(frame)?),
        LinkType::Null | LinkType::Loop => {
            let Some((&raw, rest)) = frame.split_first_chunk::<4>() else {
                return Err(DecodeError::Weird("truncated_link_header", "Ethernet"));
            };
            // DLT_NULL uses the writer's byte order; AF values are small, so the
            // order is the one that gives a small number.
            let family = if link == LinkType::Loop || (raw[0] == 0 && raw[1] == 0) {
                u32::from_be_bytes(raw)
            } else {
                u32::from_le_bytes(raw)
            };
            match family {
                // AF_INET everywhere; AF_INET6 on Linux, the BSDs and macOS.
                2 | 10 | 24 | 28 | 30 => (None, from_ip(rest)?),
                _ => return Err(DecodeError::NotIp),
            }
        }
    };
    finish(frame, macs, sliced)
}

/// The frames nearly all of a plant's traffic is, read directly:
/// Ethernet with at most one 802.1Q tag, IPv4 that is not a fragment,
/// TCP or UDP, every header whole and the IP length within the frame
/// (UDP's length equal to what IP carries). Anything else is `None`, for
/// the general path; where this answers it gives what the general path
/// gives (a test compares them over every bundled capture and over
/// mutated frames). etherparse's lax slicing cost ~700 instructions a
/// packet, about a tenth of the whole analysis.
fn plain_ethernet_ipv4(frame: &[u8]) -> Option<Decoded> {
    let be16 = |b: &[u8], at: usize| -> Option<u16> {
        Some(u16::from_be_bytes(*b.get(at..)?.first_chunk::<2>()?))
    };
    let be32 = |b: &[u8], at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(*b.get(at..)?.first_chunk::<4>()?))
    };
    let dst_mac = *frame.first_chunk::<6>()?;
    let src_mac = *frame.get(6..)?.first_chunk::<6>()?;
    let (vlan, ip_off) = match be16(frame, 12)? {
        0x0800 => (0, 14),
        0x8100 if be16(frame, 16)? == 0x0800 => (be16(frame, 14)? & 0x0fff, 18),
        _ => return None,
    };
    let ip = frame.get(ip_off..)?;
    let version_ihl = *ip.first()?;
    let ihl = usize::from(version_ihl & 0x0f) * 4;
    let total = usize::from(be16(ip, 2)?);
    // Version 4, a whole header, the length within the frame, and neither
    // more fragments nor an offset (don't-fragment is fine).
    if version_ihl >> 4 != 4 || ihl < 20 || total < ihl || total > ip.len() {
        return None;
    }
    if be16(ip, 6)? & 0x3fff != 0 {
        return None;
    }
    let ip_proto = *ip.get(9)?;
    let src = *ip.get(12..)?.first_chunk::<4>()?;
    let dst = *ip.get(16..)?.first_chunk::<4>()?;
    let segment = ip.get(ihl..total)?;
    let (transport, header) = match ip_proto {
        6 => {
            let header = usize::from(*segment.get(12)? >> 4) * 4;
            if header < 20 || header > segment.len() {
                return None;
            }
            let tcp = Transport::Tcp {
                sport: be16(segment, 0)?,
                dport: be16(segment, 2)?,
                seq: be32(segment, 4)?,
                ack: be32(segment, 8)?,
                flags: *segment.get(13)?,
                window: be16(segment, 14)?,
            };
            (tcp, header)
        }
        17 => {
            let ulen = be16(segment, 4)?;
            if segment.len() < 8 || usize::from(ulen) != segment.len() {
                return None;
            }
            let udp = Transport::Udp {
                sport: be16(segment, 0)?,
                dport: be16(segment, 2)?,
                ulen,
            };
            (udp, 8)
        }
        _ => return None,
    };
    // Both within the frame (`segment` was sliced from it), so neither
    // check can fail.
    let l4_off = ip_off.checked_add(ihl)?;
    let payload_len = segment.len().checked_sub(header)? as u32;
    Some(Decoded {
        src: Addr::from_ip(IpAddr::from(src)),
        dst: Addr::from_ip(IpAddr::from(dst)),
        vlan,
        inner_vlan: 0,
        src_mac: Some(src_mac),
        dst_mac: Some(dst_mac),
        ip_proto,
        ip_len: total as u32,
        transport,
        payload_off: l4_off.checked_add(header)? as u32,
        payload_len,
        payload_claimed: payload_len,
        frag: None,
        ip_off: ip_off as u32,
        l4_off: l4_off as u32,
        bad_checksum: false,
        tcp_header_cut: false,
    })
}

fn from_ip(bytes: &[u8]) -> Result<LaxSlicedPacket<'_>, DecodeError> {
    use etherparse::err::ip::LaxHeaderSliceError as E;
    LaxSlicedPacket::from_ip(bytes).map_err(|e| match e {
        E::Len(_) => DecodeError::Weird("truncated_IP", "IP"),
        E::Content(etherparse::err::ip::HeaderError::UnsupportedIpVersion { .. }) => {
            DecodeError::Weird("unknown_ip_version", "IP")
        }
        E::Content(_) => DecodeError::Weird("IPv4_min_header_size", "IP"),
    })
}

fn finish(
    frame: &[u8],
    macs: Option<([u8; 6], [u8; 6])>,
    sliced: LaxSlicedPacket<'_>,
) -> Result<Decoded, DecodeError> {
    let vlans = sliced.vlan_ids();
    let vlan = vlans.first().map(|v| v.value()).unwrap_or(0);
    let inner_vlan = vlans.get(1).map(|v| v.value()).unwrap_or(0);

    let (src, dst, ip_len, payload) = match &sliced.net {
        Some(LaxNetSlice::Ipv4(v4)) => {
            let h = v4.header();
            (
                Addr::from_ip(IpAddr::V4(h.source_addr())),
                Addr::from_ip(IpAddr::V4(h.destination_addr())),
                u32::from(h.total_len()),
                v4.payload(),
            )
        }
        Some(LaxNetSlice::Ipv6(v6)) => {
            let h = v6.header();
            (
                Addr::from_ip(IpAddr::V6(h.source_addr())),
                Addr::from_ip(IpAddr::V6(h.destination_addr())),
                u32::from(h.payload_length()) + 40,
                v6.payload(),
            )
        }
        Some(LaxNetSlice::Arp(_)) => return Err(DecodeError::NotIp),
        None => {
            return Err(match &sliced.stop_err {
                Some((e, layer)) => stop_weird(e, *layer),
                None => DecodeError::NotIp,
            })
        }
    };

    let ip_proto = payload.ip_number.0;
    let payload_base = offset_in(frame, payload.payload);
    // What the IP header says the transport segment measures. The lax parser
    // falls back to the captured length when the header's length is too big,
    // so use the header's own numbers here.
    let ip_claimed = if payload.incomplete {
        // Header length unknown to us beyond what was captured; recompute from ip_len.
        let hdr_len = payload_base.saturating_sub(ip_header_start(frame, &sliced));
        ip_len.saturating_sub(hdr_len)
    } else {
        payload.payload.len() as u32
    };

    let mut d = Decoded {
        src,
        dst,
        vlan,
        inner_vlan,
        src_mac: macs.map(|m| m.0),
        dst_mac: macs.map(|m| m.1),
        ip_proto,
        ip_len,
        transport: Transport::Other,
        payload_off: payload_base,
        payload_len: payload.payload.len() as u32,
        payload_claimed: ip_claimed,
        frag: None,
        ip_off: ip_header_start(frame, &sliced),
        l4_off: payload_base,
        bad_checksum: false,
        tcp_header_cut: false,
    };
    if payload.fragmented {
        d.frag = match &sliced.net {
            Some(LaxNetSlice::Ipv4(v4)) => {
                let h = v4.header();
                Some(Frag {
                    id: u32::from(h.identification()),
                    offset: u32::from(h.fragments_offset().byte_offset()),
                    more: h.more_fragments(),
                })
            }
            Some(LaxNetSlice::Ipv6(v6)) => {
                v6.extensions().clone().into_iter().find_map(|e| match e {
                    etherparse::Ipv6ExtensionSlice::Fragment(f) => Some(Frag {
                        id: f.identification(),
                        offset: u32::from(f.fragment_offset().byte_offset()),
                        more: f.more_fragments(),
                    }),
                    _ => None,
                })
            }
            _ => None,
        };
        return Ok(d);
    }

    match &sliced.transport {
        Some(TransportSlice::Tcp(t)) => {
            // A TCP header slice holds at least the fixed 20 bytes.
            let flags = t.header_slice().get(13).copied().unwrap_or(0);
            let hdr = t.header_slice().len() as u32;
            d.transport = Transport::Tcp {
                sport: t.source_port(),
                dport: t.destination_port(),
                seq: t.sequence_number(),
                ack: t.acknowledgment_number(),
                flags,
                window: t.window_size(),
            };
            d.payload_off = offset_in(frame, t.payload());
            d.payload_len = t.payload().len() as u32;
            d.payload_claimed = ip_claimed.saturating_sub(hdr).max(d.payload_len);
        }
        Some(TransportSlice::Udp(u)) => {
            d.transport = Transport::Udp {
                sport: u.source_port(),
                dport: u.destination_port(),
                ulen: u.length(),
            };
            d.payload_off = offset_in(frame, u.payload());
            d.payload_len = u.payload().len() as u32;
            d.payload_claimed = ip_claimed.saturating_sub(8).max(d.payload_len);
        }
        Some(TransportSlice::Icmpv4(i)) => {
            d.transport = Transport::Icmp {
                icmp_type: i.type_u8(),
                code: i.code_u8(),
                v6: false,
            };
        }
        Some(TransportSlice::Icmpv6(i)) => {
            d.transport = Transport::Icmp {
                icmp_type: i.type_u8(),
                code: i.code_u8(),
                v6: true,
            };
        }
        Some(TransportSlice::Igmp(_)) | None => {
            if let Some((e, layer)) = &sliced.stop_err {
                if !cut_tcp_header(&mut d, e, payload.payload) {
                    return Err(stop_weird(e, *layer));
                }
            }
        }
    }
    Ok(d)
}

/// A TCP header of which the snaplen kept the fixed 20 bytes but cut the
/// options (a 64-byte snaplen does that to every TCP/IPv4 packet carrying
/// timestamps). Those 20 bytes hold all that connection tracking reads, so
/// `d` becomes that TCP packet, with its whole payload cut, instead of a
/// malformed frame that would lose the connection. False when the error
/// is anything else.
fn cut_tcp_header(d: &mut Decoded, err: &SliceError, segment: &[u8]) -> bool {
    let SliceError::Len(l) = err else {
        return false;
    };
    let Some(h) = segment.first_chunk::<20>() else {
        return false;
    };
    let hdr_len = u32::from(h[12] >> 4) * 4;
    if d.ip_proto != 6
        || l.layer != Layer::TcpHeader
        || l.len_source != LenSource::Slice
        || hdr_len < 20
    {
        return false;
    }
    let be16 = |a: u8, b: u8| u16::from_be_bytes([a, b]);
    let be32 = |a: u8, b: u8, c: u8, e: u8| u32::from_be_bytes([a, b, c, e]);
    d.transport = Transport::Tcp {
        sport: be16(h[0], h[1]),
        dport: be16(h[2], h[3]),
        seq: be32(h[4], h[5], h[6], h[7]),
        ack: be32(h[8], h[9], h[10], h[11]),
        flags: h[13],
        window: be16(h[14], h[15]),
    };
    d.tcp_header_cut = true;
    d.payload_off = d.l4_off.saturating_add(segment.len() as u32);
    d.payload_len = 0;
    d.payload_claimed = d.payload_claimed.saturating_sub(hdr_len);
    true
}

fn ip_header_start(frame: &[u8], sliced: &LaxSlicedPacket<'_>) -> u32 {
    match &sliced.net {
        Some(LaxNetSlice::Ipv4(v4)) => offset_in(frame, v4.header().slice()),
        Some(LaxNetSlice::Ipv6(v6)) => offset_in(frame, v6.header().slice()),
        _ => 0,
    }
}

/// Offset of `inner` inside `outer`; both come from the same frame.
fn offset_in(outer: &[u8], inner: &[u8]) -> u32 {
    let o = outer.as_ptr() as usize;
    let i = inner.as_ptr() as usize;
    i.saturating_sub(o).min(outer.len()) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer2_frames_read_through_their_vlan_tags() {
        let mut f = vec![0x01, 0x0e, 0xcf, 0, 0, 0, 0xac, 0x64, 0x17, 1, 2, 3];
        f.extend_from_slice(&[0x81, 0x00, 0xa0, 0x05, 0x88, 0x92, 0xfe, 0xfe]);
        let l2 = layer2(LinkType::Ethernet, &f).unwrap();
        assert_eq!(l2.dst, [0x01, 0x0e, 0xcf, 0, 0, 0]);
        assert_eq!(l2.src, [0xac, 0x64, 0x17, 1, 2, 3]);
        assert_eq!(
            (l2.vlan, l2.ether_type, l2.payload),
            (5, 0x8892, &[0xfe, 0xfe][..])
        );
        // A tag cut short, and another link type: nothing.
        assert_eq!(layer2(LinkType::Ethernet, &f[..15]), None);
        assert_eq!(layer2(LinkType::RawIp, &f), None);
    }
    use proptest::prelude::*;

    fn eth_tcp(payload: &[u8]) -> Vec<u8> {
        let b = etherparse::PacketBuilder::ethernet2([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12])
            .ipv4([192, 168, 1, 10], [192, 168, 1, 20], 64)
            .tcp(49152, 502, 1000, 8192)
            .ack(77)
            .psh();
        let mut v = Vec::new();
        b.write(&mut v, payload).unwrap();
        v
    }

    fn eth_udp(payload: &[u8]) -> Vec<u8> {
        let b = etherparse::PacketBuilder::ethernet2([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12])
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .udp(2222, 2222);
        let mut v = Vec::new();
        b.write(&mut v, payload).unwrap();
        v
    }

    /// The frame with an 802.1Q tag (VLAN 42) after its MACs.
    fn with_vlan(f: &[u8]) -> Vec<u8> {
        let mut v = f[..12].to_vec();
        v.extend_from_slice(&[0x81, 0x00, 0x20, 0x2a]);
        v.extend_from_slice(&f[12..]);
        v
    }

    /// Every packet of every bundled capture decodes the same through the
    /// plain-frame path as through the general one, and the plain path
    /// takes most of them.
    #[test]
    fn the_plain_frame_path_agrees_on_every_bundled_capture() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pcaps");
        let (mut plain, mut all) = (0u64, 0u64);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let Ok(mut src) = crate::capture::FileSource::open(&path) else {
                continue;
            };
            while let Ok(Some(p)) = src.next_packet() {
                all += 1;
                if p.link != LinkType::Ethernet {
                    continue;
                }
                if let Some(d) = plain_ethernet_ipv4(p.data) {
                    plain += 1;
                    let general = decode_general(LinkType::Ethernet, p.data);
                    assert_eq!(Ok(d), general, "{}", path.display());
                }
            }
        }
        assert!(all > 10_000 && plain * 10 > all * 8, "{plain} of {all}");
    }

    #[test]
    fn ethernet_ipv4_tcp_fields() {
        let f = eth_tcp(b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x0a");
        let d = decode(LinkType::Ethernet, &f).unwrap();
        assert_eq!(d.src.to_ip().to_string(), "192.168.1.10");
        assert_eq!(d.dst.to_ip().to_string(), "192.168.1.20");
        assert_eq!(d.src_mac, Some([1, 2, 3, 4, 5, 6]));
        assert_eq!(d.dst_mac, Some([7, 8, 9, 10, 11, 12]));
        assert_eq!(d.ip_proto, 6);
        assert_eq!(d.ip_len, 20 + 20 + 12);
        assert_eq!(
            d.transport,
            Transport::Tcp {
                sport: 49152,
                dport: 502,
                seq: 1000,
                ack: 77,
                flags: tcp_flags::ACK | tcp_flags::PSH,
                window: 8192
            }
        );
        assert_eq!(
            d.payload(&f),
            b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x0a"
        );
        assert!(!d.is_truncated());
    }

    #[test]
    fn snaplen_cut_payload_keeps_the_claimed_length() {
        let f = eth_tcp(&[0x55; 100]);
        let d = decode(LinkType::Ethernet, &f[..64]).unwrap();
        assert_eq!(d.ip_len, 140);
        assert_eq!(d.payload_len, 64 - 54);
        assert_eq!(d.payload_claimed, 100);
        assert!(d.is_truncated());
    }

    #[test]
    fn short_and_foreign_frames() {
        let f = eth_tcp(b"");
        let weird = |n, s| Err(DecodeError::Weird(n, s));
        let eth = |b: &[u8]| decode(LinkType::Ethernet, b);
        assert_eq!(eth(&f[..10]), weird("truncated_ethernet_frame", "Ethernet"));
        assert_eq!(eth(&f[..20]), weird("truncated_IP", "IP"));
        assert_eq!(eth(&f[..40]), weird("internally_truncated_header", "TCP"));
        // The IP header says the segment is shorter than a TCP header.
        let mut short = f.clone();
        short[16..18].copy_from_slice(&30u16.to_be_bytes());
        assert_eq!(eth(&short), weird("truncated_header", "TCP"));
        let mut bad_off = f.clone();
        bad_off[14 + 20 + 12] = 0x20;
        assert_eq!(eth(&bad_off), weird("bad_TCP_header_len", "TCP"));
        let mut ihl = f.clone();
        ihl[14] = 0x43;
        assert_eq!(eth(&ihl), weird("IPv4_min_header_size", "IP"));
        let mut vlan = f[..12].to_vec();
        vlan.extend_from_slice(&[0x81, 0x00, 0x00]);
        assert_eq!(eth(&vlan), weird("truncated_VLAN_header", "VLAN"));
        assert_eq!(
            decode(LinkType::RawIp, &[0x50; 30]),
            weird("unknown_ip_version", "IP")
        );
        let mut arp = f.clone();
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        assert_eq!(eth(&arp), Err(DecodeError::NotIp));
        let mut llc = f.clone();
        llc[12..14].copy_from_slice(&[0x00, 0x26]);
        assert_eq!(eth(&llc), Err(DecodeError::NotIp));
        assert_eq!(decode(LinkType::RawIp, &[]), weird("truncated_IP", "IP"));
        assert_eq!(
            decode(LinkType::Null, &[2, 0]),
            weird("truncated_link_header", "Ethernet")
        );
    }

    #[test]
    fn fragments_are_flagged() {
        let mut f = eth_tcp(&[1; 40]);
        // More-fragments bit in the IPv4 flags.
        f[14 + 6] |= 0x20;
        f[14 + 7] = 3; // offset 3 * 8 bytes
        let d = decode(LinkType::Ethernet, &f).unwrap();
        assert_eq!(
            d.frag,
            Some(Frag {
                id: 0,
                offset: 24,
                more: true
            })
        );
        assert_eq!(d.payload_len, 60);
    }

    proptest! {
        #[test]
        fn addresses_order_by_their_bytes_then_the_flag(
            a in any::<[u8; 16]>(), b in any::<[u8; 16]>(), va: bool, vb: bool, same: bool,
        ) {
            let b = if same { a } else { b };
            let (x, y) = (Addr { bytes: a, v6: va }, Addr { bytes: b, v6: vb });
            prop_assert_eq!(x.cmp(&y), (a, va).cmp(&(b, vb)));
        }

        #[test]
        fn never_panics_on_arbitrary_frames(bytes in proptest::collection::vec(any::<u8>(), 0..200), link in 0usize..6) {
            let link = [LinkType::Ethernet, LinkType::LinuxSll, LinkType::LinuxSll2, LinkType::RawIp, LinkType::Null, LinkType::Loop][link];
            if let Ok(d) = decode(link, &bytes) {
                prop_assert!(d.payload(&bytes).len() <= bytes.len());
                prop_assert!(d.payload_len <= d.payload_claimed || d.frag.is_some());
            }
        }

        /// Where the direct reading of plain frames answers, it gives
        /// what the general path gives, however the frame is mutated.
        #[test]
        fn the_plain_frame_path_agrees_with_the_general_one(
            kind in 0usize..4,
            edits in proptest::collection::vec((0usize..80, any::<u8>()), 0..4),
            cut in 0usize..90,
        ) {
            let mut f = match kind {
                0 => eth_tcp(&[7; 12]),
                1 => eth_udp(&[9; 10]),
                2 => with_vlan(&eth_tcp(b"")),
                _ => with_vlan(&eth_udp(&[1, 2, 3])),
            };
            for (pos, val) in edits {
                if let Some(b) = f.get_mut(pos) {
                    *b = val;
                }
            }
            let f = &f[..cut.min(f.len())];
            if let Some(d) = plain_ethernet_ipv4(f) {
                prop_assert_eq!(Ok(d), decode_general(LinkType::Ethernet, f));
            }
        }

        #[test]
        fn never_panics_on_mutated_real_frames(pos in 0usize..66, val in any::<u8>(), cut in 0usize..66) {
            let mut f = eth_tcp(&[7; 12]);
            f[pos] = val;
            let _ = decode(LinkType::Ethernet, &f[..cut.min(f.len())]);
            let _ = decode(LinkType::Ethernet, &f);
        }
    }
}
