//! PROFINET IO events: the connectionless DCE/RPC PDUs of context
//! management (IEC 61158-6-10: Connect, Write, Control, Read, Release on
//! UDP). Codes and numbers only: the names are the logs'
//! (`crate::logs::profinet`).

pub use otwatch_parsers::dcerpc::{Fack, Fields, Header};

pub use super::Sent;

/// One connectionless DCE/RPC PDU of PNIO-CM: `profinet_io_cm.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rpc {
    pub sent: Sent,
    /// Its header (and a FACK's body).
    pub header: Header,
}

pub use otwatch_parsers::profinet::dcp::{Header as DcpHeader, IpParameters};

/// A PROFINET DCP frame (discovery and basic configuration, layer 2):
/// `profinet_dcp.log`; responses and hellos also feed the inventory, Set
/// requests the detection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dcp {
    pub ts: crate::time::Ts,
    pub src: [u8; 6],
    pub dst: [u8; 6],
    /// The VLAN id (0: untagged or priority-tagged).
    pub vlan: u16,
    pub frame_id: u16,
    pub header: DcpHeader,
    /// The (option, suboption) of each block, or of each pair a Get
    /// request asks for.
    pub options: Vec<(u8, u8)>,
    /// Blocks past the parser's cap (counted, not read).
    pub more_blocks: usize,
    /// The frame holds less than its data length says.
    pub truncated: bool,
    pub device: DcpDevice,
}

/// What a DCP frame's blocks say of a device (the frame's sender for
/// responses and hellos, its receiver for Set requests).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DcpDevice {
    pub name_of_station: Option<Vec<u8>>,
    pub type_of_station: Option<Vec<u8>>,
    pub ip: Option<IpParameters>,
    pub vendor_id: Option<u16>,
    pub device_id: Option<u16>,
    /// Role bits: 0x01 IO device, 0x02 IO controller, 0x04 IO
    /// multidevice, 0x08 supervisor.
    pub role: Option<u8>,
}

impl DcpDevice {
    pub fn is_empty(&self) -> bool {
        *self == DcpDevice::default()
    }
}

impl Dcp {
    /// A device telling of itself: an Identify or Get response, or a
    /// Hello.
    pub fn is_self_description(&self) -> bool {
        use otwatch_parsers::profinet::dcp::SERVICE_HELLO;
        self.header.is_response() || self.header.service_id == SERVICE_HELLO
    }

    /// A Set request (any: changing the device, or only signalling).
    pub fn is_set_request(&self) -> bool {
        use otwatch_parsers::profinet::dcp::SERVICE_SET;
        self.header.service_id == SERVICE_SET && !self.header.is_response()
    }

    /// A Set request that changes the device: its name, IP parameters,
    /// DHCP, role or other properties, or a factory reset — anything but
    /// the Control blocks that only frame a transaction or flash the
    /// device's LED (Signal).
    pub fn changes_device(&self) -> bool {
        use otwatch_parsers::profinet::dcp::OPTION_CONTROL;
        self.is_set_request()
            && (self.more_blocks > 0
                || self
                    .options
                    .iter()
                    .any(|&(o, s)| !(o == OPTION_CONTROL && matches!(s, 1..=3))))
    }
}

/// One stream of PROFINET cyclic real-time I/O frames (a provider's frame
/// id to one consumer) over one summary interval: `profinet_rt.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtSummary {
    /// The first frame of the interval, and the last.
    pub ts: crate::time::Ts,
    pub last: crate::time::Ts,
    pub src: [u8; 6],
    pub dst: [u8; 6],
    pub vlan: u16,
    pub frame_id: u16,
    pub frames: u64,
    /// Octets after the frame id (I/O data and the trailer).
    pub bytes: u64,
    /// The cycle counter of the first and the last frame.
    pub cycle_first: u16,
    pub cycle_last: u16,
    /// The counter's step between consecutive frames (the send clock
    /// times the reduction ratio, in 31.25 µs units), once seen.
    pub cycle_step: Option<u16>,
    /// Frames the cycle counter says were sent and not seen.
    pub missed: u64,
    /// The data status of the last frame, and how often it changed.
    pub data_status: u8,
    pub status_changes: u64,
    /// Frames whose provider was in STOP, and frames whose data were not
    /// valid.
    pub provider_stopped: u64,
    pub data_invalid: u64,
}
