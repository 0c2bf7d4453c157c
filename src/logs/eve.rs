//! `eve.json` alert records: one per rule match ([`RuleMatch`]), in the
//! shape Suricata's eve output gives them, so that a pipeline built for
//! Suricata takes otwatch's rule alerts unchanged: the header (time,
//! `flow_id`, `event_type`, the 5-tuple of the packet that matched, `proto`
//! in capitals), the `alert` object (`signature_id`, `signature`, the
//! classtype's description as `category`, the priority as `severity`) and
//! the protocol object named by `app_proto` (`modbus`, `enip`, `opcua`).
//!
//! The field names are Suricata's where Suricata has the field; the values
//! of the protocol objects are otwatch's names (those of its Zeek / ICSNPP
//! logs), with the raw codes beside them.

use crate::event::{Dir, MatchedOn, RuleMatch};
use crate::time::Ts;
use serde::Serialize;
use std::collections::BTreeMap;

/// Suricata's generator id of rule alerts.
const GID: u32 = 1;

/// The description of a standard classtype (the classification table
/// that Suricata and Snort ship), which eve.json writes as `category`.
pub fn class_description(classtype: &str) -> Option<&'static str> {
    Some(match classtype {
        "not-suspicious" => "Not Suspicious Traffic",
        "unknown" => "Unknown Traffic",
        "bad-unknown" => "Potentially Bad Traffic",
        "attempted-recon" => "Attempted Information Leak",
        "successful-recon-limited" => "Information Leak",
        "successful-recon-largescale" => "Large Scale Information Leak",
        "attempted-dos" => "Attempted Denial of Service",
        "successful-dos" => "Denial of Service",
        "attempted-user" => "Attempted User Privilege Gain",
        "unsuccessful-user" => "Unsuccessful User Privilege Gain",
        "successful-user" => "Successful User Privilege Gain",
        "attempted-admin" => "Attempted Administrator Privilege Gain",
        "successful-admin" => "Successful Administrator Privilege Gain",
        "rpc-portmap-decode" => "Decode of an RPC Query",
        "shellcode-detect" => "Executable code was detected",
        "string-detect" => "A suspicious string was detected",
        "suspicious-filename-detect" => "A suspicious filename was detected",
        "suspicious-login" => "An attempted login using a suspicious username was detected",
        "system-call-detect" => "A system call was detected",
        "tcp-connection" => "A TCP connection was detected",
        "trojan-activity" => "A Network Trojan was detected",
        "unusual-client-port-connection" => "A client was using an unusual port",
        "network-scan" => "Detection of a Network Scan",
        "denial-of-service" => "Detection of a Denial of Service Attack",
        "non-standard-protocol" => "Detection of a non-standard protocol or event",
        "protocol-command-decode" => "Generic Protocol Command Decode",
        "web-application-activity" => "access to a potentially vulnerable web application",
        "web-application-attack" => "Web Application Attack",
        "misc-activity" => "Misc activity",
        "misc-attack" => "Misc Attack",
        "icmp-event" => "Generic ICMP event",
        "inappropriate-content" => "Inappropriate Content was Detected",
        "policy-violation" => "Potential Corporate Privacy Violation",
        "default-login-attempt" => "Attempt to login by a default username and password",
        "targeted-activity" => "Targeted Malicious Activity was Detected",
        "exploit-kit" => "Exploit Kit Activity Detected",
        "external-ip-check" => "Device Retrieving External IP Address Detected",
        "domain-c2" => "Domain Observed Used for C2 Detected",
        "pup-activity" => "Possibly Unwanted Program Detected",
        "credential-theft" => "Successful Credential Theft Detected",
        "social-engineering" => "Possible Social Engineering Attempted",
        "coin-mining" => "Crypto Currency Mining Activity Detected",
        "command-and-control" => "Malware Command and Control Activity Detected",
        _ => return None,
    })
}

/// A connection's `flow_id`: the same for every record of the connection,
/// different across connections (a 64-bit FNV-1a hash of its uid), kept
/// to 51 bits as Suricata keeps its own, so JSON readers that hold numbers
/// as doubles read it exactly. Never 0.
pub fn flow_id(uid: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in uid.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h & 0x7_ffff_ffff_ffff).max(1)
}

/// Suricata's timestamp: `2026-01-01T00:00:00.000000+0000` (UTC here).
pub fn timestamp(ts: Ts) -> String {
    let secs = ts.0.div_euclid(1_000_000);
    let micros = ts.0.rem_euclid(1_000_000);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = crate::time::civil_from_days(secs.div_euclid(86_400));
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}+0000",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Suricata's name of an IP protocol.
fn proto_name(ip_proto: u8) -> String {
    match ip_proto {
        6 => "TCP".into(),
        17 => "UDP".into(),
        1 => "ICMP".into(),
        58 => "IPv6-ICMP".into(),
        n => n.to_string(),
    }
}

/// Suricata's `ether` object: the frame's MAC addresses.
#[derive(Serialize)]
struct Ether {
    src_mac: String,
    dest_mac: String,
}

/// A PROFINET DCP match (otwatch's own object).
#[derive(Serialize)]
struct ProfinetDcp {
    service: &'static str,
    service_raw: u8,
}

#[derive(Serialize)]
struct Record<'a> {
    timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    flow_id: Option<u64>,
    event_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proto: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip_v: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ether: Option<Ether>,
    pkt_src: &'static str,
    alert: AlertObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_proto: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    direction: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    modbus: Option<Modbus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enip: Option<Enip>,
    #[serde(skip_serializing_if = "Option::is_none")]
    opcua: Option<OpcUa>,
    #[serde(skip_serializing_if = "Option::is_none")]
    s7comm: Option<S7comm>,
    #[serde(skip_serializing_if = "Option::is_none")]
    profinet_dcp: Option<ProfinetDcp>,
}

#[derive(Serialize)]
struct AlertObject<'a> {
    action: &'static str,
    gid: u32,
    signature_id: u32,
    rev: u32,
    signature: &'a str,
    category: &'a str,
    severity: u8,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: BTreeMap<&'static str, &'a [String]>,
}

#[derive(Serialize)]
struct Modbus {
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<ModbusMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<ModbusMessage>,
}

#[derive(Serialize)]
struct ModbusMessage {
    unit_id: u8,
    function_raw: u8,
    function_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    read: Option<Range>,
    #[serde(skip_serializing_if = "Option::is_none")]
    write: Option<Range>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diagnostic: Option<Coded>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mei: Option<Coded>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exception: Option<Coded>,
}

#[derive(Serialize)]
struct Range {
    address: u64,
    quantity: u64,
}

/// A code and its name.
#[derive(Serialize)]
struct Coded {
    raw: u16,
    code: String,
}

#[derive(Serialize)]
struct Enip {
    request: EnipRequest,
}

#[derive(Serialize)]
struct EnipRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    command_raw: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cip: Option<CipRequest>,
}

#[derive(Serialize)]
struct CipRequest {
    service: String,
    service_raw: u8,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    path: Vec<Segment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    class_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
}

#[derive(Serialize)]
struct Segment {
    segment_type: &'static str,
    value: u32,
}

#[derive(Serialize)]
struct OpcUa {
    request: OpcUaRequest,
}

#[derive(Serialize)]
struct OpcUaRequest {
    service: &'static str,
}

/// otwatch's own: Suricata has no S7comm parser.
#[derive(Serialize)]
struct S7comm {
    request: S7commRequest,
}

#[derive(Serialize)]
struct S7commRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    function: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    function_raw: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pi_service: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    userdata_group: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    userdata_subfunction: Option<String>,
}

/// Whether a Modbus function writes the range it names (else reads it).
fn writes(function: u8) -> bool {
    matches!(function, 0x05 | 0x06 | 0x0F | 0x10 | 0x15 | 0x16)
}

fn modbus(unit: u8, function: u8, sub: Option<u16>, range: Option<(u64, u64)>) -> ModbusMessage {
    use super::modbus::names as n;
    let range = range.map(|(address, quantity)| Range { address, quantity });
    let (read, write) = if writes(function) {
        (None, range)
    } else {
        (range, None)
    };
    let coded = |raw: u16, code: String| Some(Coded { raw, code });
    let (diagnostic, mei) = match (function, sub) {
        (0x08, Some(s)) => (coded(s, n::diagnostic_subfunction_name(s).into()), None),
        (0x2B, Some(s)) => (None, coded(s, n::mei_type_name(s as u8, true).into())),
        // UMAS (function 90): the UMAS function code.
        (_, Some(s)) => (None, coded(s, format!("umas-0x{s:02x}"))),
        _ => (None, None),
    };
    ModbusMessage {
        unit_id: unit,
        function_raw: function,
        function_code: n::func_name(function).into(),
        read,
        write,
        diagnostic,
        mei,
        exception: None,
    }
}

/// The eve.json line of a rule match (no newline); `None` for a finding
/// that is not a rule's.
pub fn line(m: &RuleMatch) -> Option<String> {
    let f = &m.finding;
    let rule = f.rule.as_deref()?;
    let conn = f.conn.as_ref();
    // The endpoints of the packet that matched, as Suricata's alert
    // writes them; without them (an identity reply, a deviation), the
    // source and destination the rule saw.
    let (src, sport, dst, dport, direction) = match conn.zip(f.endpoints) {
        Some((c, d)) => {
            let (sh, sp, dh, dp) = c.endpoints(d);
            let dir = match d {
                Dir::Orig => "to_server",
                Dir::Resp => "to_client",
            };
            (Some(sh), Some(sp), Some(dh), Some(dp), Some(dir))
        }
        // A layer-2 frame's sender may be known by its MAC only.
        None => (f.src, None, f.dst, f.p, None),
    };
    if src.is_none() && !matches!(m.on, MatchedOn::ProfinetDcp { .. }) {
        return None;
    }
    let mut rec = Record {
        timestamp: timestamp(f.ts),
        flow_id: conn.map(|c| flow_id(c.uid.as_str())),
        event_type: "alert",
        src_ip: src.map(|s| s.to_string()),
        src_port: sport,
        dest_ip: dst.map(|d| d.to_string()),
        dest_port: dport,
        proto: conn.map(|c| proto_name(c.ip_proto)),
        ip_v: src.map(|s| if s.is_ipv4() { 4 } else { 6 }),
        ether: None,
        pkt_src: "wire/pcap",
        alert: AlertObject {
            action: "allowed",
            gid: GID,
            signature_id: rule.sid,
            rev: rule.rev,
            signature: &rule.msg,
            category: rule
                .classtype
                .as_deref()
                .map_or("", |c| class_description(c).unwrap_or(c)),
            severity: rule.priority,
            metadata: if rule.techniques.is_empty() {
                BTreeMap::new()
            } else {
                BTreeMap::from([("mitre_technique_id", rule.techniques.as_slice())])
            },
        },
        app_proto: m.app_proto,
        direction,
        modbus: None,
        enip: None,
        opcua: None,
        s7comm: None,
        profinet_dcp: None,
    };
    match &m.on {
        MatchedOn::Other => {}
        &MatchedOn::Modbus {
            unit,
            function,
            sub,
            range,
            exception: None,
        } => {
            rec.modbus = Some(Modbus {
                request: Some(modbus(unit, function, sub, range)),
                response: None,
            })
        }
        &MatchedOn::Modbus {
            unit,
            function,
            exception: Some(e),
            ..
        } => {
            let mut answer = modbus(unit, function | 0x80, None, None);
            answer.exception = Some(Coded {
                raw: e.into(),
                code: super::modbus::names::exception_name(e).into(),
            });
            rec.modbus = Some(Modbus {
                request: None,
                response: Some(answer),
            })
        }
        &MatchedOn::Enip { command } => {
            rec.enip = Some(Enip {
                request: EnipRequest {
                    command: Some(super::enip::names::command_name(command)),
                    command_raw: Some(command),
                    cip: None,
                },
            })
        }
        MatchedOn::Cip {
            service,
            class,
            naming_class,
            instance,
            attribute,
            tag,
        } => {
            let path = [
                ("class", *class),
                ("instance", *instance),
                ("attribute", *attribute),
            ]
            .into_iter()
            .filter_map(|(segment_type, v)| {
                v.map(|value| Segment {
                    segment_type,
                    value,
                })
            })
            .collect();
            rec.enip = Some(Enip {
                request: EnipRequest {
                    command: None,
                    command_raw: None,
                    cip: Some(CipRequest {
                        service: super::enip::service_name(*naming_class, *service).into(),
                        service_raw: *service,
                        path,
                        class_name: naming_class.map(super::enip::names::class_name),
                        tag: tag.clone(),
                    }),
                },
            })
        }
        &MatchedOn::OpcUa { service } => {
            rec.opcua = Some(OpcUa {
                request: OpcUaRequest { service },
            })
        }
        &MatchedOn::S7 {
            function,
            pi_service,
            userdata,
        } => {
            use super::s7::names;
            rec.s7comm = Some(S7comm {
                request: S7commRequest {
                    function: function.map(names::function_name),
                    function_raw: function,
                    pi_service,
                    userdata_group: userdata.map(|(g, _)| names::userdata_group_name(g)),
                    userdata_subfunction: userdata
                        .map(|(g, f)| names::subfunction_name(g, f).into_owned()),
                },
            })
        }
        &MatchedOn::ProfinetDcp {
            src_mac,
            dst_mac,
            service,
        } => {
            rec.ether = Some(Ether {
                src_mac: crate::id::format_mac(src_mac),
                dest_mac: crate::id::format_mac(dst_mac),
            });
            rec.profinet_dcp = Some(ProfinetDcp {
                service: super::profinet::service_name(service),
                service_raw: service,
            });
        }
    }
    serde_json::to_string(&rec).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ConnId, Finding, NoticeKind, RuleHit, Severity};
    use serde_json::Value as J;

    fn hit(sid: u32, classtype: Option<&str>, techniques: &[&str]) -> Box<RuleHit> {
        Box::new(RuleHit {
            sid,
            rev: 2,
            msg: "OT Modbus \"write\" from outside".into(),
            priority: 2,
            classtype: classtype.map(str::to_string),
            techniques: techniques.iter().map(|t| t.to_string()).collect(),
            references: vec![],
            matched: String::new(),
        })
    }

    fn finding(conn: Option<ConnId>, dir: Option<Dir>, rule: Option<Box<RuleHit>>) -> Finding {
        let mut f = Finding::deviation(
            Ts(1_767_225_600_000_042),
            NoticeKind::Rule,
            Severity::High,
            String::new(),
        );
        f.src = Some("10.0.0.1".parse().unwrap());
        f.dst = Some("10.0.0.2".parse().unwrap());
        f.p = Some(502);
        f.conn = conn;
        f.endpoints = dir;
        f.rule = rule;
        f
    }

    fn conn(uid: &str) -> ConnId {
        ConnId::tcp(
            uid,
            ("10.0.0.1".parse().unwrap(), 40000),
            ("10.0.0.2".parse().unwrap(), 502),
        )
    }

    fn parse(m: &RuleMatch) -> J {
        serde_json::from_str(&line(m).expect("a rule match has a line")).unwrap()
    }

    /// The keys of a record, in the order written and documented.
    const KEYS: [&str; 19] = [
        "timestamp",
        "flow_id",
        "event_type",
        "src_ip",
        "src_port",
        "dest_ip",
        "dest_port",
        "proto",
        "ip_v",
        "ether",
        "pkt_src",
        "alert",
        "app_proto",
        "direction",
        "modbus",
        "enip",
        "opcua",
        "s7comm",
        "profinet_dcp",
    ];

    /// docs/logs.md documents every key of a record, in order, and a
    /// record writes them in that order.
    #[test]
    fn eve_keys_are_documented_in_order() {
        let doc = include_str!("../../docs/logs.md");
        let at = doc.find("### eve.json").expect("an eve.json section");
        let section = &doc[at..];
        let section = &section[..section[4..].find("\n### ").map_or(section.len(), |e| e + 4)];
        let mut from = 0;
        for k in KEYS {
            let cell = format!("| `{k}` |");
            match section[from..].find(&cell) {
                Some(i) => from += i + cell.len(),
                None => panic!("eve.json: {k} missing or out of order in docs/logs.md"),
            }
        }
        let m = RuleMatch {
            finding: finding(
                Some(conn("C4")),
                Some(Dir::Orig),
                Some(hit(4, None, &["T0855"])),
            ),
            app_proto: Some("modbus"),
            on: MatchedOn::Modbus {
                unit: 1,
                function: 3,
                sub: None,
                range: Some((0, 1)),
                exception: None,
            },
        };
        let text = line(&m).unwrap();
        let written: Vec<usize> = KEYS
            .iter()
            .filter_map(|k| text.find(&format!("\"{k}\":")))
            .collect();
        assert_eq!(written.len(), 14, "{text}");
        assert!(written.windows(2).all(|w| w[0] < w[1]), "{text}");
    }

    #[test]
    fn timestamps_are_suricatas() {
        assert_eq!(
            timestamp(Ts(1_767_225_600_000_042)),
            "2026-01-01T00:00:00.000042+0000"
        );
        assert_eq!(timestamp(Ts(-1)), "1969-12-31T23:59:59.999999+0000");
    }

    #[test]
    fn flow_ids_are_stable_per_connection_and_fit_51_bits() {
        assert_eq!(flow_id("CabcDEF123"), flow_id("CabcDEF123"));
        assert_ne!(flow_id("CabcDEF123"), flow_id("CabcDEF124"));
        for u in ["", "C1", "Cxxxxxxxxxxxxxxxxx"] {
            assert!((1..1 << 51).contains(&flow_id(u)), "{u}");
        }
    }

    #[test]
    fn a_modbus_write_is_one_suricata_alert_record() {
        let m = RuleMatch {
            finding: finding(
                Some(conn("CmodbusA")),
                Some(Dir::Orig),
                Some(hit(9_000_001, Some("attempted-admin"), &["T0836"])),
            ),
            app_proto: Some("modbus"),
            on: MatchedOn::Modbus {
                unit: 1,
                function: 0x10,
                sub: None,
                range: Some((100, 4)),
                exception: None,
            },
        };
        let text = line(&m).unwrap();
        assert!(!text.contains('\n'));
        let j = parse(&m);
        assert_eq!(j["timestamp"], "2026-01-01T00:00:00.000042+0000");
        assert_eq!(j["flow_id"], flow_id("CmodbusA"));
        assert_eq!(j["event_type"], "alert");
        assert_eq!(j["src_ip"], "10.0.0.1");
        assert_eq!(j["src_port"], 40000);
        assert_eq!(j["dest_ip"], "10.0.0.2");
        assert_eq!(j["dest_port"], 502);
        assert_eq!(j["proto"], "TCP");
        assert_eq!(j["direction"], "to_server");
        let a = &j["alert"];
        assert_eq!(a["action"], "allowed");
        assert_eq!(a["gid"], 1);
        assert_eq!(a["signature_id"], 9_000_001);
        assert_eq!(a["rev"], 2);
        assert_eq!(a["signature"], "OT Modbus \"write\" from outside");
        assert_eq!(a["category"], "Attempted Administrator Privilege Gain");
        assert_eq!(a["severity"], 2);
        assert_eq!(a["metadata"]["mitre_technique_id"][0], "T0836");
        assert_eq!(j["app_proto"], "modbus");
        let r = &j["modbus"]["request"];
        assert_eq!(r["unit_id"], 1);
        assert_eq!(r["function_raw"], 16);
        assert_eq!(r["function_code"], "WRITE_MULTIPLE_REGISTERS");
        assert_eq!(r["write"]["address"], 100);
        assert_eq!(r["write"]["quantity"], 4);
        assert!(r.get("read").is_none());
    }

    #[test]
    fn a_modbus_exception_is_the_response() {
        let m = RuleMatch {
            finding: finding(Some(conn("C1")), Some(Dir::Orig), Some(hit(1, None, &[]))),
            app_proto: Some("modbus"),
            on: MatchedOn::Modbus {
                unit: 3,
                function: 0x03,
                sub: None,
                range: None,
                exception: Some(2),
            },
        };
        let j = parse(&m);
        assert_eq!(j["alert"]["category"], "");
        assert!(j["alert"].get("metadata").is_none());
        let r = &j["modbus"]["response"];
        assert_eq!(r["function_raw"], 0x83);
        assert_eq!(r["exception"]["raw"], 2);
        assert_eq!(r["exception"]["code"], "ILLEGAL_DATA_ADDRESS");
    }

    #[test]
    fn a_cip_request_names_service_path_and_class() {
        let m = RuleMatch {
            finding: finding(
                Some(conn("C2")),
                Some(Dir::Orig),
                Some(hit(2, Some("my-own-class"), &[])),
            ),
            app_proto: Some("enip"),
            on: MatchedOn::Cip {
                service: 0x05,
                class: Some(0x01),
                naming_class: Some(0x01),
                instance: Some(1),
                attribute: None,
                tag: None,
            },
        };
        let j = parse(&m);
        // A classtype without a standard description is written as is.
        assert_eq!(j["alert"]["category"], "my-own-class");
        let c = &j["enip"]["request"]["cip"];
        assert_eq!(c["service_raw"], 5);
        assert_eq!(c["path"][0]["segment_type"], "class");
        assert_eq!(c["path"][0]["value"], 1);
        assert_eq!(c["path"][1]["segment_type"], "instance");
        assert_eq!(c["class_name"], "Identity");
        assert!(c["service"].is_string());
    }

    #[test]
    fn without_endpoints_the_rules_source_and_destination_are_written() {
        let m = RuleMatch {
            finding: finding(Some(conn("C3")), None, Some(hit(3, None, &[]))),
            app_proto: Some("enip"),
            on: MatchedOn::Enip { command: 0x63 },
        };
        let j = parse(&m);
        assert_eq!(j["src_ip"], "10.0.0.1");
        assert!(j.get("src_port").is_none());
        assert_eq!(j["dest_port"], 502);
        assert_eq!(j["enip"]["request"]["command"], "List Identity");
        assert_eq!(j["flow_id"], flow_id("C3"));
        let none = RuleMatch {
            finding: finding(None, None, None),
            app_proto: None,
            on: MatchedOn::Other,
        };
        assert_eq!(line(&none), None, "not a rule's finding");
    }
}
