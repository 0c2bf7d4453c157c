//! DCP, the Discovery and basic Configuration Protocol of PROFINET
//! (IEC 61158-6-10, "DCP"; Wireshark `packet-pn-dcp.c`): an engineering
//! tool or IO controller identifies devices (multicast Identify, frame id
//! 0xFEFE, answered by 0xFEFF), reads (Get) and writes (Set, 0xFEFD) a
//! device's name of station and IP parameters, and a device announces
//! itself (Hello, 0xFEFC).
//!
//! After the frame id: service id, service type, transaction id (Xid),
//! response delay (or reserved), data length, then the data: in most
//! frames a list of blocks (option, suboption, block length, the block's
//! data, padded to an even length); in a Get request a list of
//! (option, suboption) pairs. A response's blocks start with two octets
//! of BlockInfo, a Set request's with two of BlockQualifier; a Set or Get
//! response reports each block's result in a Control/Response block.

use crate::{Error, Layer};

/// DCP frame ids.
pub const HELLO: u16 = 0xFEFC;
pub const GET_SET: u16 = 0xFEFD;
pub const IDENTIFY_REQUEST: u16 = 0xFEFE;
pub const IDENTIFY_RESPONSE: u16 = 0xFEFF;

/// Service ids.
pub const SERVICE_GET: u8 = 3;
pub const SERVICE_SET: u8 = 4;
pub const SERVICE_IDENTIFY: u8 = 5;
pub const SERVICE_HELLO: u8 = 6;

/// Options.
pub const OPTION_IP: u8 = 1;
pub const OPTION_DEVICE: u8 = 2;
pub const OPTION_DHCP: u8 = 3;
pub const OPTION_CONTROL: u8 = 5;
pub const OPTION_INITIATIVE: u8 = 6;
pub const OPTION_ALL: u8 = 0xFF;

/// The most blocks a frame's event keeps (a device answers an Identify
/// with about ten).
pub const MAX_BLOCKS: usize = 32;

/// The header after the frame id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub service_id: u8,
    /// 0 request; bit 0 set: response (bit 2 also: not supported).
    pub service_type: u8,
    pub xid: u32,
    /// Identify requests: the response delay factor; else reserved.
    pub response_delay: u16,
    pub data_length: u16,
}

impl Header {
    pub fn is_response(&self) -> bool {
        self.service_type & 0x01 != 0
    }
}

/// One block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block<'a> {
    pub option: u8,
    pub suboption: u8,
    /// The block's data as sent (with BlockInfo or BlockQualifier first
    /// where the frame has one), borrowed.
    pub data: &'a [u8],
}

/// A DCP frame's blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Data<'a> {
    /// Blocks (at most [`MAX_BLOCKS`] kept; `more` counts the rest).
    Blocks { blocks: Vec<Block<'a>>, more: usize },
    /// A Get request: the (option, suboption) pairs asked for.
    Get(Vec<(u8, u8)>),
}

/// A DCP frame (after the frame id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub frame_id: u16,
    pub header: Header,
    pub data: Data<'a>,
    /// The data length says more than the frame holds (what is there is
    /// read).
    pub truncated: bool,
}

fn be16(b: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes(*b.first_chunk::<2>()?))
}

/// Parses the DCP frame `frame_id` whose octets after the frame id are
/// `i`. Errors: fewer than the ten octets of the header.
pub fn parse(frame_id: u16, i: &[u8]) -> Result<Frame<'_>, Error> {
    let Some((head, rest)) = i.split_first_chunk::<10>() else {
        return Err(Error::truncated(Layer::ProfinetDcp, 0, 10, i.len()));
    };
    let [service_id, service_type, x0, x1, x2, x3, d0, d1, l0, l1] = *head;
    let header = Header {
        service_id,
        service_type,
        xid: u32::from_be_bytes([x0, x1, x2, x3]),
        response_delay: u16::from_be_bytes([d0, d1]),
        data_length: u16::from_be_bytes([l0, l1]),
    };
    let wanted = usize::from(header.data_length);
    let truncated = rest.len() < wanted;
    let mut data = rest.get(..wanted).unwrap_or(rest);
    let get_request = service_id == SERVICE_GET && !header.is_response();
    let data = if get_request {
        let mut pairs = Vec::new();
        while let Some((pair, tail)) = data.split_first_chunk::<2>() {
            let [option, suboption] = *pair;
            if pairs.len() < MAX_BLOCKS {
                pairs.push((option, suboption));
            }
            data = tail;
        }
        Data::Get(pairs)
    } else {
        let mut blocks = Vec::new();
        let mut more = 0usize;
        while let Some((h, tail)) = data.split_first_chunk::<4>() {
            let [option, suboption, n0, n1] = *h;
            let n = usize::from(u16::from_be_bytes([n0, n1]));
            let block = tail.get(..n).unwrap_or(tail);
            if blocks.len() < MAX_BLOCKS {
                blocks.push(Block {
                    option,
                    suboption,
                    data: block,
                });
            } else {
                more = more.saturating_add(1);
            }
            // Blocks are padded to an even length.
            let padded = n.saturating_add(n % 2);
            data = tail.get(padded..).unwrap_or_default();
        }
        Data::Blocks { blocks, more }
    };
    Ok(Frame {
        frame_id,
        header,
        data,
        truncated,
    })
}

/// IP parameters (option 1, suboption 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpParameters {
    pub address: [u8; 4],
    pub netmask: [u8; 4],
    pub gateway: [u8; 4],
}

/// What a frame's blocks say of a device, as far as this module reads
/// them (the rest stays in [`Block::data`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Device<'a> {
    pub name_of_station: Option<&'a [u8]>,
    /// The "type of station" text (option 2, suboption 1).
    pub type_of_station: Option<&'a [u8]>,
    pub ip: Option<IpParameters>,
    pub vendor_id: Option<u16>,
    pub device_id: Option<u16>,
    /// Role bits: 0x01 IO device, 0x02 IO controller, 0x04 IO
    /// multidevice, 0x08 supervisor.
    pub role: Option<u8>,
}

/// The names of the role bits of a Device role block (IEC 61158-6-10).
pub fn role_names(role: u8) -> impl Iterator<Item = &'static str> {
    [
        (0x01, "IO device"),
        (0x02, "IO controller"),
        (0x04, "IO multidevice"),
        (0x08, "PN supervisor"),
    ]
    .into_iter()
    .filter(move |(bit, _)| role & bit != 0)
    .map(|(_, name)| name)
}

/// Reads the device facts of `frame`'s blocks. The blocks of responses
/// and hellos start with two octets of BlockInfo, those of Set requests
/// with two of BlockQualifier, before their value; Identify request
/// filters have none.
pub fn device<'a>(frame: &Frame<'a>) -> Device<'a> {
    let Data::Blocks { blocks, .. } = &frame.data else {
        return Device::default();
    };
    let prefixed = frame.header.is_response()
        || frame.header.service_id == SERVICE_HELLO
        || frame.header.service_id == SERVICE_SET;
    let mut d = Device::default();
    for b in blocks {
        let value = if prefixed {
            b.data.get(2..).unwrap_or_default()
        } else {
            b.data
        };
        match (b.option, b.suboption) {
            (OPTION_IP, 2) => {
                if let Some(&[a0, a1, a2, a3, m0, m1, m2, m3, g0, g1, g2, g3]) =
                    value.first_chunk::<12>()
                {
                    d.ip = Some(IpParameters {
                        address: [a0, a1, a2, a3],
                        netmask: [m0, m1, m2, m3],
                        gateway: [g0, g1, g2, g3],
                    });
                }
            }
            (OPTION_DEVICE, 1) => d.type_of_station = Some(value),
            (OPTION_DEVICE, 2) => d.name_of_station = Some(value),
            (OPTION_DEVICE, 3) => {
                d.vendor_id = be16(value);
                d.device_id = value.get(2..).and_then(be16);
            }
            (OPTION_DEVICE, 4) => d.role = value.first().copied(),
            _ => {}
        }
    }
    d
}
