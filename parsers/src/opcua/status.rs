//! StatusCode (OPC 10000-4, 7.39): its bit fields. (The symbolic names
//! of the codes are the logs' business.)

/// A StatusCode split into the fields of its 32 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusCode(pub u32);

/// What the low bits of a StatusCode describe (bits 10-11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InfoType {
    /// 0: the info bits are not used.
    NotUsed,
    /// 1: the info bits describe a DataValue (limit, overflow, historian).
    DataValue,
    /// 2 or 3.
    Reserved(u8),
}

impl StatusCode {
    /// Bits 30-31: 0 good, 1 uncertain, 2 bad, 3 reserved.
    pub fn severity(self) -> u8 {
        (self.0 >> 30) as u8
    }
    /// Bits 16-27, the code proper.
    pub fn sub_code(self) -> u16 {
        ((self.0 >> 16) & 0x0fff) as u16
    }
    /// Bit 15.
    pub fn structure_changed(self) -> bool {
        self.0 & 0x8000 != 0
    }
    /// Bit 14.
    pub fn semantics_changed(self) -> bool {
        self.0 & 0x4000 != 0
    }
    /// Bits 10-11.
    pub fn info_type(self) -> InfoType {
        match (self.0 >> 10) & 0x3 {
            0 => InfoType::NotUsed,
            1 => InfoType::DataValue,
            n => InfoType::Reserved(n as u8),
        }
    }
    /// Bits 8-9: 0 none, 1 low, 2 high, 3 constant.
    pub fn limit_bits(self) -> u8 {
        ((self.0 >> 8) & 0x3) as u8
    }
    /// Bit 7.
    pub fn overflow(self) -> bool {
        self.0 & 0x80 != 0
    }
    /// Bits 0-1: 0 raw, 1 calculated, 2 interpolated, 3 reserved.
    pub fn historian_bits(self) -> u8 {
        (self.0 & 0x3) as u8
    }
    /// Bit 2.
    pub fn historian_partial(self) -> bool {
        self.0 & 0x4 != 0
    }
    /// Bit 3.
    pub fn historian_extra_data(self) -> bool {
        self.0 & 0x8 != 0
    }
    /// Bit 4.
    pub fn historian_multi_value(self) -> bool {
        self.0 & 0x10 != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_split_into_their_fields() {
        let c = StatusCode(0x8079_0000);
        assert_eq!(c.severity(), 2);
        assert_eq!(c.sub_code(), 121);
        assert_eq!(c.info_type(), InfoType::NotUsed);
        let v = StatusCode(0x4092_0000 | 0x0400 | 0x0200 | 0x80 | 0x1d);
        assert_eq!(v.info_type(), InfoType::DataValue);
        assert_eq!(v.limit_bits(), 2);
        assert!(v.overflow());
        assert_eq!(v.historian_bits(), 1);
        assert!(v.historian_partial() && v.historian_extra_data() && v.historian_multi_value());
    }
}
