//! What the fuzz targets share: a handful of observations of every
//! protocol, for the rule engine and the baseline detector to evaluate.

use otwatch::observe::{Detail, EnipMessage, ModbusRange, Obs, OpcUaActivate, Request};
use otwatch::time::Ts;
use std::net::{IpAddr, Ipv4Addr};

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
}

fn request(ts: i64, protocol: &'static str, function: &str, write: bool, detail: Detail) -> Obs {
    Obs::Request(Box::new(Request {
        ts: Ts(ts),
        uid: "Cfuzz".into(),
        client: ip(9),
        client_port: 40000,
        server: ip(20),
        port: 502,
        protocol,
        function: function.to_string().into(),
        write,
        modbus: (protocol == "modbus").then_some(ModbusRange {
            unit: 1,
            table: "holding_registers",
            start: 7,
            count: 3,
        }),
        engineering: write,
        identification: !write,
        detail,
    }))
}

/// Requests, messages and session activations between 10.0.0.9 and
/// 10.0.0.20, one second apart.
pub fn observations() -> Vec<Obs> {
    let modbus = |f: u8, e| Detail::Modbus {
        unit: 1,
        function: f,
        subfunction: (f == 8).then_some(1),
        exception: e,
    };
    vec![
        request(
            1_000_000,
            "modbus",
            "WRITE_SINGLE_REGISTER",
            true,
            modbus(6, false),
        ),
        request(2_000_000, "modbus", "DIAGNOSTICS", false, modbus(8, true)),
        request(
            3_000_000,
            "cip",
            "Set_Attribute_Single/0x01",
            true,
            Detail::Cip {
                service: 0x10,
                class: Some(1),
                instance: Some(1),
                attribute: Some(7),
            },
        ),
        request(
            4_000_000,
            "enip",
            "ListIdentity",
            false,
            Detail::Enip { command: 0x63 },
        ),
        request(5_000_000, "opcua-binary", "Write", true, Detail::None),
        Obs::Enip(Box::new(EnipMessage {
            ts: Ts(6_000_000),
            uid: "Cfuzz".into(),
            src: ip(9),
            sport: 40001,
            dst: ip(20),
            dport: 44818,
            command: 0x65,
            status: 0,
        })),
        Obs::OpcUaActivate(Box::new(OpcUaActivate {
            ts: Ts(7_000_000),
            uid: "Cfuzz".into(),
            client: ip(9),
            client_port: 40002,
            server: ip(20),
            port: 4840,
            token: "username",
            user_name: Some("operator".into()),
            secret: true,
            encrypted: false,
        })),
    ]
}
