//! PROFINET at layer 2 (EtherType 0x8892; IEC 61158-6-10): the frame id
//! that sorts a frame into real-time cyclic data, alarms and DCP
//! (`FrameId`), the cycle counter, data status and transfer status at the
//! end of a cyclic frame ([`RtTrailer`]), and the Discovery and basic
//! Configuration Protocol ([`dcp`]): identify, hello, get and set of a
//! device's name of station, IP parameters, vendor and device id, role.
//!
//! Frames are borrowed; nothing allocates but the list of a DCP frame's
//! blocks (at most [`dcp::MAX_BLOCKS`]).

pub mod dcp;

#[cfg(test)]
mod tests;

/// The PROFINET EtherType.
pub const ETHERTYPE: u16 = 0x8892;

/// What a frame is, by its frame id (IEC 61158-6-10, table "FrameID").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// 0x0100–0x7FFF: isochronous or RT class 3 cyclic data.
    RtClass3,
    /// 0x8000–0xBFFF: RT class 2 cyclic data.
    RtClass2,
    /// 0xC000–0xFBFF: RT class 1 cyclic data (the common case).
    RtClass1,
    /// 0xFC01: a high-priority alarm; 0xFE01: a low-priority alarm.
    Alarm,
    /// 0xFEFC–0xFEFF: DCP (hello, get/set, identify request and response).
    Dcp,
    /// 0x0000–0x00FF (time synchronisation) and the rest.
    Other,
}

impl FrameKind {
    pub fn of(frame_id: u16) -> FrameKind {
        match frame_id {
            0x0100..=0x7FFF => FrameKind::RtClass3,
            0x8000..=0xBFFF => FrameKind::RtClass2,
            0xC000..=0xFBFF => FrameKind::RtClass1,
            0xFC01 | 0xFE01 => FrameKind::Alarm,
            0xFEFC..=0xFEFF => FrameKind::Dcp,
            _ => FrameKind::Other,
        }
    }

    /// Cyclic real-time I/O data.
    pub fn is_cyclic(self) -> bool {
        matches!(
            self,
            FrameKind::RtClass1 | FrameKind::RtClass2 | FrameKind::RtClass3
        )
    }
}

/// The frame id of a PROFINET frame (the first two octets after the
/// EtherType), and the rest.
pub fn frame_id(frame: &[u8]) -> Option<(u16, &[u8])> {
    let (id, rest) = frame.split_first_chunk::<2>()?;
    Some((u16::from_be_bytes(*id), rest))
}

/// The four octets that end a cyclic frame's data: the cycle counter, the
/// data status and the transfer status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtTrailer {
    pub cycle_counter: u16,
    pub data_status: u8,
    pub transfer_status: u8,
}

impl RtTrailer {
    /// Data status bit 4, ProviderState: the provider is in RUN (else
    /// STOP).
    pub fn provider_running(&self) -> bool {
        self.data_status & 0x10 != 0
    }
    /// Data status bit 2, DataValid.
    pub fn data_valid(&self) -> bool {
        self.data_status & 0x04 != 0
    }
}

/// The trailer of a cyclic frame whose payload (after the frame id) is
/// `data`: its last four octets, Ethernet padding excluded when the
/// caller knows the payload's length.
pub fn rt_trailer(data: &[u8]) -> Option<RtTrailer> {
    let (_, tail) = data.split_last_chunk::<4>()?;
    let [c0, c1, data_status, transfer_status] = *tail;
    Some(RtTrailer {
        cycle_counter: u16::from_be_bytes([c0, c1]),
        data_status,
        transfer_status,
    })
}
