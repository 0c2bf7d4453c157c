//! Zeek's `likely_server_ports`: the ports its default scripts register as
//! server ports, plus the OT protocols' well-known ports (as the ICSNPP
//! plugins register them). A connection first seen mid-stream, or a UDP
//! flow, whose source port is in this set is taken to start at the server,
//! so the roles are flipped (see conn.rs).

/// TCP server ports (sorted).
const TCP: &[u16] = &[
    21, 22, 25, 53, 79, 80, 81, 88, 102, 135, 139, 143, 389, 443, 445, 465, 502, 514, 563, 585,
    587, 614, 631, 636, 989, 990, 992, 993, 995, 1080, 1434, 1883, 2404, 2811, 3128, 3268, 3306,
    3389, 4840, 4843, 5222, 5223, 5269, 5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888,
    20000, 44818,
];

/// UDP server ports (sorted).
const UDP: &[u16] = &[
    53, 67, 88, 123, 137, 161, 162, 389, 443, 514, 1812, 2123, 2152, 2222, 3389, 3544, 4011, 4754,
    4789, 5060, 5072, 5353, 5355, 6081, 20000, 44818, 47808,
];

pub fn likely_server_port(ip_proto: u8, port: u16) -> bool {
    match ip_proto {
        6 => TCP.binary_search(&port).is_ok(),
        17 => UDP.binary_search(&port).is_ok(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_answer() {
        assert!(TCP.windows(2).all(|w| w[0] < w[1]));
        assert!(UDP.windows(2).all(|w| w[0] < w[1]));
        assert!(likely_server_port(6, 502));
        assert!(likely_server_port(6, 44818));
        assert!(!likely_server_port(6, 3033));
        assert!(likely_server_port(17, 2222));
        assert!(!likely_server_port(1, 8));
    }
}
