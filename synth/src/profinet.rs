//! PROFINET at layer 2 (EtherType 0x8892, IEC 61158-6-10): DCP frames
//! (Identify, Hello, Set, and their responses) and RT class 1 cyclic I/O
//! frames, as whole Ethernet frames, priority-tagged as devices send them
//! (802.1Q, VLAN 0, priority 6).

/// The DCP Identify multicast address.
pub const DCP_MULTICAST: [u8; 6] = [0x01, 0x0E, 0xCF, 0x00, 0x00, 0x00];
/// The Hello multicast address.
pub const HELLO_MULTICAST: [u8; 6] = [0x01, 0x0E, 0xCF, 0x00, 0x00, 0x01];

/// What a station says of itself in DCP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Station {
    pub name: String,
    pub type_of_station: String,
    /// Address, netmask, gateway (all zero: not yet assigned).
    pub ip: [[u8; 4]; 3],
    pub vendor_id: u16,
    pub device_id: u16,
    /// 0x01 IO device, 0x02 IO controller.
    pub role: u8,
}

/// An Ethernet frame to `dst` from `src`, priority-tagged, of EtherType
/// 0x8892 carrying `frame_id` and `data`, padded to the 60-octet minimum.
pub fn frame(dst: [u8; 6], src: [u8; 6], frame_id: u16, data: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(22 + data.len());
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&[0x81, 0x00, 0xC0, 0x00, 0x88, 0x92]);
    f.extend_from_slice(&frame_id.to_be_bytes());
    f.extend_from_slice(data);
    if f.len() < 60 {
        f.resize(60, 0);
    }
    f
}

/// A DCP header and its blocks (`(option, suboption, value)`, each padded
/// to an even length).
fn dcp(
    service: u8,
    service_type: u8,
    xid: u32,
    delay: u16,
    blocks: &[(u8, u8, Vec<u8>)],
) -> Vec<u8> {
    let mut body = Vec::new();
    for (o, s, v) in blocks {
        body.extend_from_slice(&[*o, *s]);
        body.extend_from_slice(&(v.len() as u16).to_be_bytes());
        body.extend_from_slice(v);
        if v.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut d = vec![service, service_type];
    d.extend_from_slice(&xid.to_be_bytes());
    d.extend_from_slice(&delay.to_be_bytes());
    d.extend_from_slice(&(body.len() as u16).to_be_bytes());
    d.extend(body);
    d
}

/// A block value after two octets of BlockInfo or BlockQualifier.
fn with_prefix(prefix: u16, value: &[u8]) -> Vec<u8> {
    let mut v = prefix.to_be_bytes().to_vec();
    v.extend_from_slice(value);
    v
}

fn ip_value(ip: &[[u8; 4]; 3]) -> Vec<u8> {
    ip.iter().flatten().copied().collect()
}

/// The blocks a station describes itself with (Identify response, Hello).
fn station_blocks(s: &Station) -> Vec<(u8, u8, Vec<u8>)> {
    let mut id = s.vendor_id.to_be_bytes().to_vec();
    id.extend_from_slice(&s.device_id.to_be_bytes());
    vec![
        (2, 2, with_prefix(0, s.name.as_bytes())),
        (2, 1, with_prefix(0, s.type_of_station.as_bytes())),
        (2, 3, with_prefix(0, &id)),
        (2, 4, with_prefix(0, &[s.role, 0])),
        (1, 2, with_prefix(1, &ip_value(&s.ip))),
    ]
}

/// An Identify request from `src` for every station (`name` None) or for
/// the one of that name.
pub fn identify_request(src: [u8; 6], xid: u32, name: Option<&str>) -> Vec<u8> {
    let block = match name {
        Some(n) => (2, 2, n.as_bytes().to_vec()),
        None => (0xFF, 0xFF, Vec::new()),
    };
    frame(DCP_MULTICAST, src, 0xFEFE, &dcp(5, 0, xid, 1, &[block]))
}

/// A station's answer to an Identify request of `to`.
pub fn identify_response(station_mac: [u8; 6], to: [u8; 6], xid: u32, s: &Station) -> Vec<u8> {
    frame(
        to,
        station_mac,
        0xFEFF,
        &dcp(5, 1, xid, 0, &station_blocks(s)),
    )
}

/// A station announcing itself.
pub fn hello(station_mac: [u8; 6], xid: u32, s: &Station) -> Vec<u8> {
    frame(
        HELLO_MULTICAST,
        station_mac,
        0xFEFC,
        &dcp(6, 0, xid, 0, &station_blocks(s)),
    )
}

/// A Set request from `src` to the station `to`: a new name of station,
/// new IP parameters, or both, stored permanently.
pub fn set_request(
    src: [u8; 6],
    to: [u8; 6],
    xid: u32,
    name: Option<&str>,
    ip: Option<[[u8; 4]; 3]>,
) -> Vec<u8> {
    let mut blocks = Vec::new();
    if let Some(n) = name {
        blocks.push((2, 2, with_prefix(1, n.as_bytes())));
    }
    if let Some(ip) = ip {
        blocks.push((1, 2, with_prefix(1, &ip_value(&ip))));
    }
    frame(to, src, 0xFEFD, &dcp(4, 0, xid, 0, &blocks))
}

/// A Set request from `src` that only makes the station `to` flash its
/// LED (Control/Signal), as a tool does to find a device in the cabinet.
pub fn signal_request(src: [u8; 6], to: [u8; 6], xid: u32) -> Vec<u8> {
    let blocks = [(5, 3, vec![0x00, 0x00, 0x01, 0x00])];
    frame(to, src, 0xFEFD, &dcp(4, 0, xid, 0, &blocks))
}

/// A station's answer to a Set request of `to`: one Control/Response
/// block per option set, with no error.
pub fn set_response(station_mac: [u8; 6], to: [u8; 6], xid: u32, set: &[(u8, u8)]) -> Vec<u8> {
    let blocks: Vec<(u8, u8, Vec<u8>)> = set.iter().map(|&(o, s)| (5, 4, vec![o, s, 0])).collect();
    frame(to, station_mac, 0xFEFD, &dcp(4, 1, xid, 0, &blocks))
}

/// An RT class 1 cyclic frame of `frame_id` with `data` octets of I/O
/// data (at least 36, so that the frame needs no padding after its
/// trailer), its cycle counter, and a data status of a provider in RUN
/// with valid data (primary, state RUN, valid, no problem).
pub fn rt_cyclic(dst: [u8; 6], src: [u8; 6], frame_id: u16, data: usize, cycle: u16) -> Vec<u8> {
    let mut d = vec![0x80; data.max(36)];
    d.extend_from_slice(&cycle.to_be_bytes());
    d.extend_from_slice(&[0x35, 0x00]);
    frame(dst, src, frame_id, &d)
}
