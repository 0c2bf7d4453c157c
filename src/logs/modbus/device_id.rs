//! ICSNPP's names for Modbus Read Device Identification (MEI 14) fields,
//! as `modbus_read_device_identification.log` prints them.

/// Conformity level of a Read Device Identification response.
pub fn conformity_level(code: u8) -> &'static str {
    match code {
        0x01 => "Basic Identification (Stream)",
        0x02 => "Regular Identification (Stream)",
        0x04 => "Extended Identification (Stream)",
        0x81 => "Basic Identification (Stream, Individual)",
        0x82 => "Regular Identification (Stream, Individual)",
        0x83 => "Extended Identification (Stream, Individual)",
        _ => "Unknown",
    }
}

/// ICSNPP's names of the device identification objects.
pub fn object_name(id: u8) -> &'static str {
    match id {
        0x00 => "VendorName",
        0x01 => "ProductCode",
        0x02 => "MajorMinorVersion",
        0x03 => "VendorURL",
        0x04 => "ProductName",
        0x05 => "ModelName",
        0x06 => "UserApplicationName",
        _ => "Unknown",
    }
}

/// The object a request asks for, by read-device-id code.
pub fn read_object_name(code: u8) -> &'static str {
    match code {
        0x00 => "Basic Device Identification",
        0x01 => "Regular Device Identification",
        0x02 => "Extended Device Identification",
        0x03 => "Specific Device Identification",
        _ => "Unknown",
    }
}
