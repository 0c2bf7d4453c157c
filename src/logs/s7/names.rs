//! The names the S7 logs print for codes, spelled exactly as
//! cisagov/icsnpp-s7comm `scripts/consts.zeek` prints them (commit
//! 858c0b7, odd spellings included), with the scripts' `&default` texts
//! for codes a table lacks. The baseline and notices show the same names.

use std::borrow::Cow;

/// ICSNPP's name for a COTP TPDU type (`cotp_pdu_types`, by the code's
/// high nibble), else `Unknown COTP PDU-0xNN`.
pub fn cotp_pdu_name(pdu: u8) -> Cow<'static, str> {
    Cow::Borrowed(match pdu {
        0x1 => "ED Expedited Data",
        0x2 => "EA Expedited Data Acknowledgement",
        0x5 => "RJ Reject",
        0x6 => "AK Data Acknowledgement",
        0x7 => "ER TPDU Error",
        0x8 => "DR Disconnect Request",
        0xc => "DC Disconnect Confirm",
        0xd => "CC Connection Confirm",
        0xe => "CR Connection Request",
        0xf => "DT Data",
        _ => return Cow::Owned(format!("Unknown COTP PDU-0x{pdu:02x}")),
    })
}

/// ICSNPP's name for a ROSCTR (`rosctr_types`), `unknown` otherwise.
pub fn rosctr_name(rosctr: u8) -> &'static str {
    match rosctr {
        0x01 => "Job-Request",
        0x02 => "ACK",
        0x03 => "ACK-Data",
        0x07 => "User-Data",
        _ => "unknown",
    }
}

/// ICSNPP's name for an error class (`s7comm_error_class`), else
/// `Unknown error class-0xNN`.
pub fn error_class_name(class: u8) -> Cow<'static, str> {
    Cow::Borrowed(match class {
        0x00 => "No error",
        0x81 => "Application relationship error",
        0x82 => "Object definition error",
        0x83 => "No ressources available error",
        0x84 => "Error on service processing",
        0x85 => "Error on supplies",
        0x87 => "Access error",
        _ => return Cow::Owned(format!("Unknown error class-0x{class:02x}")),
    })
}

/// The name ICSNPP gives a Userdata subfunction: from the table of its
/// function group; groups without a table have none.
pub fn subfunction(group: u8, sub: u8) -> Option<&'static str> {
    Some(match group {
        0x0 => mode_transition(sub),
        0x1 => programmer_controls(sub),
        0x2 => cyclic_services(sub),
        0x3 => block_functions(sub),
        0x4 => cpu_functions(sub),
        0x5 => security(sub),
        0x7 => time_functions(sub),
        _ => return None,
    })
}

/// A Userdata subfunction's name, or `0xNN` for a group without a table
/// (as the baseline and notices show it).
pub fn subfunction_name(group: u8, sub: u8) -> Cow<'static, str> {
    match subfunction(group, sub) {
        Some(n) => Cow::Borrowed(n),
        None => Cow::Owned(format!("0x{sub:02x}")),
    }
}

/// ICSNPP's name for an S7comm-plus opcode (`s7comm_plus_opcodes`), else
/// `Unknown s7comm-plus opcode-0xNN`.
pub fn plus_opcode_name(opcode: u8) -> Cow<'static, str> {
    Cow::Borrowed(match opcode {
        0x31 => "Request",
        0x32 => "Response",
        0x33 => "Notification",
        _ => return Cow::Owned(format!("Unknown s7comm-plus opcode-0x{opcode:02x}")),
    })
}

/// ICSNPP's name for an S7comm-plus function (`s7comm_plus_functions`),
/// else `Unknown s7comm-plus function-0xNNNN`.
pub fn plus_function_name(function: u16) -> Cow<'static, str> {
    Cow::Borrowed(match function {
        0x04bb => "Explore",
        0x04ca => "Create Object",
        0x04d4 => "Delete Object",
        0x04f2 => "Set Variable",
        0x0524 => "Get Link",
        0x0542 => "Set Multi Variables",
        0x054c => "Get Multi Variables",
        0x0556 => "Begin Sequence",
        0x0560 => "End Sequence",
        0x056b => "Invoke",
        0x0586 => "Get Variable Sub Streamed",
        _ => return Cow::Owned(format!("Unknown s7comm-plus function-0x{function:04x}")),
    })
}

/// ICSNPP's name for a Job/Ack_Data function (`s7comm_functions`), `unknown` otherwise.
pub fn function_name(code: u8) -> &'static str {
    match code {
        0x00 => "CPU Services",
        0x04 => "Read Variable",
        0x05 => "Write Variable",
        0x1a => "Request Download",
        0x1b => "Download Block",
        0x1c => "Download Ended",
        0x1d => "Start Upload",
        0x1e => "Upload",
        0x1f => "End Upload",
        0x28 => "PLC Control",
        0x29 => "PLC Stop",
        0xf0 => "Setup Communication",
        _ => "unknown",
    }
}

/// ICSNPP's name for a Userdata function group (`s7comm_userdata_functions`), `unknown` otherwise.
pub fn userdata_group_name(code: u8) -> &'static str {
    match code {
        0x00 => "Mode-Transition",
        0x01 => "Programmer Controls",
        0x02 => "Cyclic Services",
        0x03 => "Block Functions",
        0x04 => "CPU Functions",
        0x05 => "Security",
        0x06 => "PBC BSEND-BRECV",
        0x07 => "Time Functions",
        0x0f => "NC Programming",
        _ => "unknown",
    }
}

/// Subfunctions of the mode transition group, `unknown` otherwise.
pub fn mode_transition(code: u8) -> &'static str {
    match code {
        0x00 => "Stop",
        0x01 => "Warm Restart",
        0x02 => "Run",
        0x03 => "Hot Restart",
        0x04 => "Hold",
        0x06 => "Cold Restart",
        0x09 => "Run_R",
        0x0b => "Link-Up",
        0x0c => "Update",
        _ => "unknown",
    }
}

/// Subfunctions of the programmer controls group, `unknown` otherwise.
pub fn programmer_controls(code: u8) -> &'static str {
    match code {
        0x01 => "Block Status",
        0x02 => "Variable Status",
        0x03 => "Output ISTACK",
        0x04 => "Output BSTACK",
        0x05 => "Output LSTACK",
        0x06 => "Time Measurement",
        0x07 => "Force Selection",
        0x08 => "Modify Variable",
        0x09 => "Force",
        0x0a => "Breakpoint",
        0x0b => "Exit HOLD",
        0x0c => "Memory Reset",
        0x0d => "Disable Job",
        0x0e => "Enable Job",
        0x0f => "Delete Job",
        0x10 => "Read Job List",
        0x11 => "Read Job",
        0x12 => "Replace Job",
        0x13 => "Block Status v2",
        0x16 => "Flash LED",
        _ => "unknown",
    }
}

/// Subfunctions of the cyclic services group, `unknown` otherwise.
pub fn cyclic_services(code: u8) -> &'static str {
    match code {
        0x01 => "Cyclic Transfer",
        0x04 => "Unsubscribe",
        0x05 => "Change Driven Transfer",
        0x07 => "Change Driven Transfer Modify",
        0x08 => "RDREC",
        _ => "unknown",
    }
}

/// Subfunctions of the block functions group, `unknown` otherwise.
pub fn block_functions(code: u8) -> &'static str {
    match code {
        0x01 => "List Blocks",
        0x02 => "List Blocks of Type",
        0x03 => "Get Block Info",
        _ => "unknown",
    }
}

/// Subfunctions of the CPU functions group, `unknown` otherwise.
pub fn cpu_functions(code: u8) -> &'static str {
    match code {
        0x01 => "Read SZL",
        0x02 => "Message Service",
        0x03 => "Diagnostic Message",
        0x04 => "ALARM_8 Indication",
        0x05 => "NOTIFY Indication",
        0x06 => "ALARM_8 Lock",
        0x07 => "ALARM_8 Unlock",
        0x08 => "SCAN Indication",
        0x0b => "ALARM_S Indication",
        0x0c => "ALARM_SQ Indication",
        0x0d => "ALARM Query",
        0x0e => "ALARM ACK",
        0x11 => "ALARM ACK Indication",
        0x12 => "ALARM Lock Indication",
        0x13 => "ALARM Unlock Indication",
        0x16 => "NOTIFY_8 Indication",
        _ => "unknown",
    }
}

/// Subfunctions of the security group, `unknown` otherwise.
pub fn security(code: u8) -> &'static str {
    match code {
        0x01 => "PLC Password",
        _ => "unknown",
    }
}

/// Subfunctions of the time functions group, `unknown` otherwise.
pub fn time_functions(code: u8) -> &'static str {
    match code {
        0x01 => "Read Clock",
        0x02 => "Set Clock",
        0x03 => "Read Clock (Following)",
        0x04 => "Set Clock (2)",
        _ => "unknown",
    }
}

/// ICSNPP's name for a Userdata method (`s7comm_userdata_method`), `Unknown` otherwise.
pub fn method_name(code: u8) -> &'static str {
    match code {
        0x11 => "Request",
        0x12 => "Response",
        _ => "Unknown",
    }
}

/// ICSNPP's name for a Userdata return code (`s7comm_userdata_return_codes`, its spelling kept), `Unknown` otherwise.
pub fn return_code_name(code: u8) -> &'static str {
    match code {
        0x00 => "Reserved",
        0x01 => "Hardware error",
        0x03 => "Accessing the bbject not allowed",
        0x05 => "Invalid address",
        0x06 => "Data type not supported",
        0x07 => "Data type inconsistent",
        0x0a => "Object does not exist",
        0xff => "Success",
        _ => "Unknown",
    }
}

/// ICSNPP's name for an SZL list (`s7comm_szl_id`, by the id's low byte), `Unknown` otherwise.
pub fn szl_name(code: u8) -> &'static str {
    match code {
        0x00 => "List of all the SZL-IDs of a module",
        0x11 => "Module identification",
        0x12 => "CPU characteristics",
        0x13 => "User memory areas",
        0x14 => "System areas",
        0x15 => "Block types",
        0x16 => "Priority classes",
        0x17 => "List of the permitted SDBs with a number < 1000",
        0x18 => "Maximum S7-300 I/O configuration",
        0x19 => "Status of the module LEDs",
        0x1c => "Component Identification",
        0x21 => "Interrupt / error assignment",
        0x22 => "Interrupt status",
        0x23 => "Priority classes",
        0x24 => "Modes",
        0x25 => "Assignment between process image partitions and OBs",
        0x31 => "Communication capability parameters",
        0x32 => "Communication status data",
        0x33 => "Diagnostics: device logon list",
        0x37 => "Ethernet - Details of a Module",
        0x71 => "H CPU group information",
        0x74 => "Status of the module LEDs",
        0x75 => "Switched DP slaves in the H-system",
        0x81 => "Start information list",
        0x82 => "Start event list",
        0x91 => "Module status information",
        0x92 => "Rack / station status information",
        0x94 => "Rack / station status information",
        0x95 => "Extended DP master system information",
        0x96 => "Module status information, PROFINET IO and PROFIBUS DP",
        0xa0 => "Diagnostic buffer of the CPU",
        0xb1 => "Module diagnostic information (data record 0)",
        0xb2 => "Module diagnostic information (data record 1), geographical address",
        0xb3 => "Module diagnostic information (data record 1), logical address",
        0xb4 => "Diagnostic data of a DP slave",
        _ => "Unknown",
    }
}

/// ICSNPP's name for a block type as a file name spells it (`s7comm_block_types`), `Unknown` otherwise.
pub fn block_type_name(name: &[u8]) -> &'static str {
    match name {
        b"08" => "Organization Block",
        b"0A" => "Data Block",
        b"0B" => "System Data Block",
        b"0C" => "Function",
        b"0D" => "System Function",
        b"0E" => "Function Block",
        b"0F" => "System Function Block",
        _ => "Unknown",
    }
}

/// ICSNPP's name for a destination file system (`s7comm_destination_filesystem`), `Unknown` otherwise.
pub fn filesystem_name(name: &[u8]) -> &'static str {
    match name {
        b"P" => "Passive",
        b"A" => "Active",
        _ => "Unknown",
    }
}

/// ICSNPP's description of a PLC Control PI service (`s7comm_plc_control_services`), `unknown` otherwise.
pub fn pi_service_name(name: &[u8]) -> &'static str {
    match name {
        b"_INSE" => "Activates a PLC module",
        b"_INS2" => "Activates a PLC module",
        b"_DELE" => "Removes module from the PLC's passive file system",
        b"P_PROGRAM" => "PLC Start / Stop",
        b"_MODU" => "PLC Copy Ram to Rom",
        b"_GARB" => "Compress PLC memory",
        b"_N_LOGIN_" => "Login",
        b"_N_LOGOUT" => "Logout",
        b"_N_CANCEL" => "Cancels NC alarm",
        b"_N_DASAVE" => "PI-Service for copying data from SRAM to FLASH",
        b"_N_DIGIOF" => "Turns off digitizing",
        b"_N_DIGION" => "Turns on digitizing",
        b"_N_DZERO_" => "Set all D numbers invalid for function",
        b"_N_F_OPER" => "Opens a file read-only",
        b"_N_OST_OF" => "Overstore OFF",
        b"_N_OST_ON" => "Overstore ON",
        b"_N_SCALE_" => "Unit of measurement setting (metric<->INCH)",
        b"_N_SETUFR" => "Activates user frame",
        b"_N_STRTLK" => "The global start disable is set",
        b"_N_STRTUL" => "The global start disable is reset",
        b"_N_TMRASS" => "Resets the Active status",
        b"_N_F_DELE" => "Deletes file",
        b"_N_EXTERN" => "Selects external program for execution",
        b"_N_EXTMOD" => "Selects external program for execution",
        b"_N_F_DELR" => "Delete file even without access rights",
        b"_N_F_XFER" => "Selects file for uploading",
        b"_N_LOCKE_" => "Locks the active file for editing",
        b"_N_SELECT" => "Selects program for execution",
        b"_N_SRTEXT" => "A file is being marked in _N_EXT_DIR",
        b"_N_F_CLOS" => "Closes file",
        b"_N_F_OPEN" => "Opens file",
        b"_N_F_SEEK" => "Position the file search pointer",
        b"_N_ASUP__" => "Assigns interrupt",
        b"_N_CHEKDM" => "Start uniqueness check on D numbers",
        b"_N_CHKDNO" => "Check whether the tools have unique D numbers",
        b"_N_CONFIG" => "Reconfigures machine data",
        b"_N_CRCEDN" => "Creates a cutting edge by specifying an edge number",
        b"_N_DELECE" => "Deletes a cutting edge",
        b"_N_CREACE" => "Creates a cutting edge",
        b"_N_CREATO" => "Creates a tool",
        b"_N_DELETO" => "Deletes tool",
        b"_N_CRTOCE" => "Generate tool with specified edge number",
        b"_N_DELVAR" => "Delete data block",
        b"_N_F_COPY" => "Copies file within the NCK",
        b"_N_F_DMDA" => "Deletes MDA memory",
        b"_N_F_PROT" => "Assigns a protection level to a file",
        b"_N_F_RENA" => "Renames file",
        b"_N_FINDBL" => "Activates search",
        b"_N_IBN_SS" => "Sets the set-up switch",
        b"_N_MMCSEM" => "MMC-Semaphore",
        b"_N_NCKMOD" => "The mode in which the NCK will work is being set",
        b"_N_NEWPWD" => "New password",
        b"_N_SEL_BL" => "Selects a new block",
        b"_N_SETTST" => "Activate tools for replacement tool group",
        b"_N_TMAWCO" => "Set the active wear group in one magazine",
        b"_N_TMCRTC" => "Create tool with specified edge number",
        b"_N_TMCRTO" => "Creates tool in the tool management",
        b"_N_TMFDPL" => "Searches an empty place for loading",
        b"_N_TMFPBP" => "Searches for empty location",
        b"_N_TMGETT" => "Determines T-number for specific toolID with Duplono",
        b"_N_TMMVTL" => "Loads or unloads a tool",
        b"_N_TMPCIT" => "Sets increment value of the piece counter",
        b"_N_TMPOSM" => "Positions a magazine or tool",
        b"_N_TRESMO" => "Reset monitoring values",
        b"_N_TSEARC" => "Complex search via search screenforms",
        _ => "unknown",
    }
}
