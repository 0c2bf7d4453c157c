use super::*;
use crate::event::modbus;
use crate::event::ConnId;
use crate::time::Ts;
use ast::Uint;
use std::net::IpAddr;

fn vars() -> Vars {
    Vars::parse(
        "HOME_NET = [10.0.0.0/8, !10.9.0.0/16]\nENG = [10.0.0.5]\nportvar MB 502\nNONE = []\n",
    )
    .unwrap()
}

fn one(text: &str) -> Result<Rule, RuleError> {
    let (mut r, mut e) = RuleSet::parse(text, std::path::Path::new("t.rules"), &vars());
    match (r.pop(), e.pop()) {
        (Some(r), None) => Ok(r),
        (_, Some(e)) => Err(e),
        _ => panic!("no rule"),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn headers_lists_negations_and_variables() {
    let r = one("alert modbus $HOME_NET any -> ![10.0.0.5, 10.0.0.6] [502, 1000:1010] (msg:\"m\"; sid:1; rev:3;)").unwrap();
    assert!(r.src.matches(&ip("10.1.2.3")));
    assert!(!r.src.matches(&ip("10.9.1.1")), "negated inside the list");
    assert!(!r.src.matches(&ip("192.168.1.1")));
    assert!(!r.dst.matches(&ip("10.0.0.5")) && r.dst.matches(&ip("10.0.0.7")));
    assert!(r.dport.matches(502) && r.dport.matches(1005) && !r.dport.matches(503));
    assert_eq!((r.sid, r.rev, r.priority), (1, 3, 3));
    let any = one("alert ip any any <> $NONE any (msg:\"m\"; sid:2;)").unwrap();
    assert!(any.bidirectional);
    assert!(!any.dst.matches(&ip("1.2.3.4")), "[] names no host");
    let not_none = one("alert ip !$NONE any -> any any (msg:\"m\"; sid:3;)").unwrap();
    assert!(not_none.src.matches(&ip("1.2.3.4")), "![] is every host");
}

#[test]
fn keywords_parse_into_conditions() {
    let r = one("alert modbus any any -> any $MB (msg:\"a \\\"quoted\\\"; text\"; modbus: function 8, subfunction 4; modbus: access write holding, address 100<>200; modbus: unit 1; sid:4;)").unwrap();
    assert_eq!(r.msg, "a \"quoted\"; text");
    assert_eq!(
        r.conds,
        vec![
            Cond::Modbus(super::modbus::parse("function 8, subfunction 4").unwrap()),
            Cond::Modbus(super::modbus::parse("access write holding, address 100<>200").unwrap()),
            Cond::Modbus(super::modbus::parse("unit 1").unwrap()),
        ]
    );
    let r = one("alert enip any any -> any any (msg:\"m\"; cip_service: 0x4b,0x67,3; enip_command: 99; threshold: type both, track by_dst, count 3, seconds 60; metadata: mitre_attack_ics T0858, created 2026; priority:1; sid:5;)").unwrap();
    assert_eq!(
        r.conds[0],
        Cond::CipService {
            service: 0x4B,
            class: Some(0x67),
            attribute: Some(3)
        }
    );
    assert_eq!(
        r.conds[1],
        Cond::EnipCommand(Uint::parse("99", 65535).unwrap())
    );
    assert_eq!(
        r.threshold,
        Some(Threshold {
            kind: ThresholdKind::Both,
            by_dst: true,
            count: 3,
            seconds: 60
        })
    );
    assert_eq!(r.techniques(), ["T0858"]);
    assert_eq!(r.severity(), "critical");
    let r = one("alert ip any any -> any any (msg:\"m\"; baseline: new_edge, role_change; sid:6;)")
        .unwrap();
    assert_eq!(
        r.conds,
        vec![Cond::Baseline(vec![
            "new_edge".into(),
            "role_change".into()
        ])]
    );
}

#[test]
fn errors_say_where_and_what() {
    let e = one("alert modbus any any -> any 502 (msg:\"m\"; modbus: access erase; sid:9;)")
        .unwrap_err();
    assert_eq!((e.line, e.column, e.sid), (1, 43, Some(9)));
    assert!(e.message.contains("access expects read or write"), "{e}");
    let e = one("alert modbus any any -> any 502 (msg:\"m\"; baseline: new_thing; sid:10;)")
        .unwrap_err();
    assert!(e.message.contains("unknown deviation \"new_thing\""), "{e}");
    let e = one("alert modbus any any -> 10.0.0.300 502 (msg:\"m\"; sid:11;)").unwrap_err();
    assert_eq!(e.column, 25);
    assert!(
        e.to_string()
            .starts_with("t.rules:1:25: sid 11: expected an address"),
        "{e}"
    );
    let e =
        one("alert modbus any any -> any 502 (msg:\"m\"; threshold: type limit, count 1; sid:12;)")
            .unwrap_err();
    assert!(e.message.contains("threshold:"), "{e}");
    // A rule continued over lines: the error is on its second line.
    let e =
        one("alert modbus any any -> any 502 (msg:\"m\"; \\\n    modbus: function 999; sid:13;)")
            .unwrap_err();
    assert_eq!((e.line, e.column), (2, 5));
}

#[test]
fn dcp_services_by_name_or_code() {
    let r = one("alert profinet_dcp any any -> any any (msg:\"m\"; profinet_dcp.service: Set, hello, 0x03; sid:1;)").unwrap();
    assert_eq!(r.proto, ast::Proto::ProfinetDcp);
    assert!(matches!(&r.conds[..], [ast::Cond::DcpService(s)] if s == &[4, 6, 3]));
    let e = one(
        "alert profinet_dcp any any -> any any (msg:\"m\"; profinet_dcp.service: rename; sid:2;)",
    )
    .unwrap_err();
    assert!(
        e.message
            .contains("expected get, set, identify, hello or a code (0-255), found \"rename\""),
        "{e}"
    );
}

/// A write of holding register 7 from `client` at `ts` (seconds 1e-6).
struct WriteReq {
    ts: i64,
    id: ConnId,
}

fn write_req(ts: i64, client: &str) -> WriteReq {
    WriteReq {
        ts,
        id: ConnId::tcp("C1", (ip(client), 40000), (ip("10.0.0.20"), 502)),
    }
}

fn alerts(rule: &str, window: u64, obs: &[WriteReq]) -> (usize, EngineStats) {
    let r = one(rule).unwrap();
    let mut e = Engine::new(RuleSet::of(vec![r]), window);
    let mut out: Vec<crate::event::Finding> = Vec::new();
    for o in obs {
        let t = modbus_tx(
            o.ts,
            &o.id,
            6,
            Some(modbus::Request::WriteSingleRegister {
                address: 7,
                value: 1,
            }),
            None,
        );
        e.modbus(&t, &mut out);
    }
    (out.len(), e.stats)
}

/// A Modbus transaction of unit 1: a request of `function` with `body`
/// (none: only the response was seen) and a response body.
fn modbus_tx(
    ts: i64,
    id: &ConnId,
    function: u8,
    body: Option<modbus::Request>,
    response: Option<modbus::Response>,
) -> modbus::Transaction {
    use crate::event::modbus::{Content, Message};
    modbus::Transaction {
        id: id.clone(),
        tid: 1,
        request: body.map(|b| Message {
            ts: Ts(ts),
            unit: 1,
            function,
            body: Content::Read(b),
        }),
        response: response.map(|b| Message {
            ts: Ts(ts),
            unit: 1,
            function,
            body: Content::Read(b),
        }),
        first: crate::event::Dir::Orig,
        matched: Some(true),
        link: None,
    }
}

#[test]
fn thresholds_filters_and_suppression() {
    let obs: Vec<WriteReq> = (0..10)
        .map(|i| write_req(i * 1_000_000, "10.0.0.9"))
        .collect();
    let base = "alert modbus !$ENG any -> any 502 (msg:\"w\"; modbus: access write; sid:20;";
    // No window: every match.
    assert_eq!(alerts(&format!("{base})"), 0, &obs).0, 10);
    // A 60 s suppression window: one alert, nine counted repeats.
    let (n, s) = alerts(&format!("{base})"), 60, &obs);
    assert_eq!((n, s.suppressed), (1, 9));
    // From an engineering workstation: nothing.
    let eng: Vec<WriteReq> = (0..3).map(|i| write_req(i, "10.0.0.5")).collect();
    assert_eq!(alerts(&format!("{base})"), 0, &eng).0, 0);
    let t = |kind: &str| alerts(&format!("{base} {kind};)"), 0, &obs).0;
    assert_eq!(
        t("threshold: type limit, track by_src, count 2, seconds 60"),
        2
    );
    assert_eq!(
        t("threshold: type threshold, track by_src, count 3, seconds 60"),
        3
    );
    assert_eq!(
        t("threshold: type both, track by_src, count 3, seconds 60"),
        1
    );
    assert_eq!(t("detection_filter: track by_src, count 7, seconds 60"), 3);
    // Windows restart: 5 s windows hold 5 matches each.
    assert_eq!(
        t("threshold: type both, track by_src, count 5, seconds 5"),
        2
    );
}

/// Every deviation kind is a `baseline:` value and is listed in the rule
/// pack's README; an unknown one is refused with the list.
#[test]
fn every_deviation_kind_is_a_baseline_keyword() {
    let readme = include_str!("../../rules/README.md");
    for k in crate::rules::baseline_kinds() {
        let rule = format!("alert ip any any -> any any (msg:\"x\"; baseline: {k}; sid:1;)");
        assert!(one(&rule).is_ok(), "{k}");
        assert!(
            readme.contains(&format!("`{k}`")),
            "{k} not in rules/README.md"
        );
    }
    let e = one("alert ip any any -> any any (msg:\"x\"; baseline: new_thing; sid:1;)")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown deviation \"new_thing\"") && e.contains("new_client_write"),
        "{e}"
    );
}

/// Whether `modbus: KW` matches a transaction of `function` with request
/// `body` (or, with `resp`, only that response).
fn mb(
    kw: &str,
    function: u8,
    body: Option<modbus::Request>,
    resp: Option<modbus::Response>,
) -> bool {
    let id = ConnId::tcp("C1", (ip("10.0.0.9"), 40000), (ip("10.0.0.20"), 502));
    let t = modbus_tx(0, &id, function, body, resp);
    let k = super::modbus::parse(kw).unwrap_or_else(|e| panic!("{kw}: {e}"));
    super::modbus::Msg::of(&t).is_some_and(|m| k.matches(&m))
}

/// sawp's categories: the codes it names are assigned whatever the
/// standard's table says (9, 10, 13, 14), Diagnostics and MEI by their
/// sub-function and type; `public` is assigned or unassigned; `!` is the
/// other categories (so a code with none matches neither).
#[test]
fn modbus_function_categories_are_sawps() {
    use modbus::Request as Q;
    let f = |kw: &str, code: u8| {
        mb(
            &format!("function {kw}"),
            code,
            Some(Q::ReadFifo { start: 0 }),
            None,
        )
    };
    for (code, cat) in [
        (1, "assigned"),
        (9, "assigned"),
        (14, "assigned"),
        (24, "assigned"),
        (25, "unassigned"),
        (40, "unassigned"),
        (41, "reserved"),
        (42, "reserved"),
        (44, "unassigned"),
        (65, "user"),
        (72, "user"),
        (73, "unassigned"),
        (90, "reserved"),
        (91, "reserved"),
        (100, "user"),
        (110, "user"),
        (111, "unassigned"),
        (125, "reserved"),
        (127, "reserved"),
    ] {
        assert!(f(cat, code), "{code} {cat}");
        assert!(f("all", code), "{code} all");
        assert!(!f(&format!("!{cat}"), code), "{code} !{cat}");
        let public = cat == "assigned" || cat == "unassigned";
        assert_eq!(f("public", code), public, "{code} public");
    }
    // A function byte of 128 and up that is no exception of a named code
    // has no category: even `!reserved` and `all` miss it.
    assert!(!f("all", 0xC1) && !f("!reserved", 0xC1));
    assert!(f("assigned", 0x81), "the exception bit of a named code");
    let diag = |sub: u16, kw: &str| {
        mb(
            kw,
            8,
            Some(Q::Diagnostics {
                sub,
                data: vec![0, 0],
            }),
            None,
        )
    };
    assert!(diag(4, "function assigned") && diag(0x15, "function assigned"));
    assert!(diag(5, "function reserved") && diag(9, "function reserved"));
    assert!(diag(0x16, "function reserved") && !diag(0x16, "function public"));
    let mei = |mei: u8, kw: &str| mb(kw, 43, Some(Q::Encap { mei, data: vec![] }), None);
    assert!(mei(0x0E, "function assigned") && mei(0x0D, "function assigned"));
    assert!(mei(0, "function reserved") && mei(0x0F, "function reserved"));
}

/// A code is matched exactly; a subfunction only on Diagnostics; function
/// 0 and a negated code are refused as Suricata refuses them.
#[test]
fn modbus_function_codes_and_subfunctions() {
    use modbus::Request as Q;
    let diag = Some(Q::Diagnostics {
        sub: 4,
        data: vec![0, 0],
    });
    assert!(mb("function 8", 8, diag.clone(), None));
    assert!(mb("function 8, subfunction 4", 8, diag.clone(), None));
    assert!(!mb("function 8, subfunction 1", 8, diag.clone(), None));
    assert!(!mb("function 3", 8, diag, None));
    let read = Some(Q::ReadRegisters {
        start: 0,
        quantity: 1,
    });
    assert!(mb("function 3", 3, read.clone(), None));
    assert!(
        !mb("function 3, subfunction 0", 3, read, None),
        "not Diagnostics"
    );
    for bad in [
        "function 0",
        "function !3",
        "function 256",
        "function 0x08",
        "function everything",
    ] {
        assert!(super::modbus::parse(bad).is_err(), "{bad}");
    }
    let e =
        one("alert modbus any any -> any 502 (msg:\"m\"; modbus: function 0; sid:1;)").unwrap_err();
    assert!(e.message.contains("invalid function 0"), "{e}");
}

/// Access flags by function (23 reads and writes holding registers),
/// 1-based address ranges met as Suricata's `check_match_range` meets
/// them, the value written at the signature's address, and the forms
/// Suricata refuses.
#[test]
fn modbus_access_addresses_and_values() {
    use modbus::Request as Q;
    let read = |start, quantity| Some(Q::ReadRegisters { start, quantity });
    // PDU addresses 9..=18 are registers 10..=19.
    let r = |kw: &str| mb(kw, 3, read(9, 10), None);
    assert!(r("access read") && r("access read holding") && !r("access read input"));
    assert!(!r("access write"));
    assert!(r("access read, address 10") && r("access read, address 19"));
    assert!(!r("access read, address 9") && !r("access read, address 20"));
    assert!(r("access read, address <11") && !r("access read, address <10"));
    assert!(r("access read, address >18") && !r("access read, address >19"));
    assert!(r("access read, address 18<>30") && !r("access read, address 19<>30"));
    assert!(r("access read, address 1<>11") && !r("access read, address 1<>10"));
    assert!(mb("access read input", 4, read(0, 1), None));
    assert!(mb(
        "access read discretes",
        2,
        Some(Q::ReadBits {
            start: 0,
            quantity: 8
        }),
        None
    ));
    let rw = Some(Q::ReadWriteMultiple {
        read_start: 0,
        read_quantity: 2,
        write_start: 99,
        write: vec![5, 6],
    });
    for kw in [
        "access read holding",
        "access write holding",
        "access write, address 101, value 6",
    ] {
        assert!(mb(kw, 23, rw.clone(), None), "{kw}");
    }
    assert!(
        !mb("access read, address 1", 23, rw, None),
        "the write half is addressed"
    );
    let reg = Some(Q::WriteSingleRegister {
        address: 499,
        value: 300,
    });
    assert!(mb(
        "access write holding, address 500, value >200",
        6,
        reg.clone(),
        None
    ));
    assert!(mb(
        "access write holding, address 500, value 300",
        6,
        reg.clone(),
        None
    ));
    assert!(!mb(
        "access write holding, address 500, value <300",
        6,
        reg.clone(),
        None
    ));
    assert!(!mb("access write coils", 6, reg, None));
    let coil = Some(Q::WriteSingleCoil {
        address: 0,
        value: true,
    });
    assert!(mb("access write coils, address 1, value 1", 5, coil, None));
    let regs = Some(Q::WriteMultipleRegisters {
        start: 10,
        registers: vec![1, 2, 3],
    });
    assert!(mb(
        "access write holding, address 12, value 2",
        16,
        regs.clone(),
        None
    ));
    assert!(!mb(
        "access write holding, address 14, value 2",
        16,
        regs,
        None
    ));
    let coils = Some(Q::WriteMultipleCoils {
        start: 0,
        coils: vec![false, true],
    });
    assert!(mb(
        "access write coils, address 2, value 1",
        15,
        coils.clone(),
        None
    ));
    assert!(mb(
        "access write coils, address 1, value 0",
        15,
        coils,
        None
    ));
    // A mask write is a write of holding registers with no value.
    let mask = Some(Q::MaskWrite {
        address: 4,
        and_mask: 0,
        or_mask: 1,
    });
    assert!(mb(
        "access write holding, address 5",
        22,
        mask.clone(),
        None
    ));
    assert!(!mb(
        "access write holding, address 5, value 1",
        22,
        mask,
        None
    ));
    for bad in [
        "access write discretes",
        "access write input",
        "access read holding, address 5, value 1",
        "access write holding, address 1<>9, value 1",
        "access write holding, address <9, value 1",
        "access erase",
        "access read holding, address 70000",
    ] {
        assert!(super::modbus::parse(bad).is_err(), "{bad}");
    }
}

/// `unit` alone and before a function or access; the response is judged
/// when no request was seen.
#[test]
fn modbus_units_and_responses_alone() {
    use modbus::{Request as Q, Response as P};
    let read = Some(Q::ReadRegisters {
        start: 0,
        quantity: 1,
    });
    assert!(mb("unit 1", 3, read.clone(), None));
    assert!(mb("unit <2, function 3", 3, read.clone(), None));
    assert!(!mb("unit >1, function 3", 3, read.clone(), None));
    assert!(mb("unit 0<>5, access read holding", 3, read.clone(), None));
    assert!(!mb("unit 1, access write", 3, read, None));
    let echo = Some(P::WriteSingleRegister {
        address: 9,
        value: 42,
    });
    assert!(mb(
        "access write holding, address 10, value 42",
        6,
        None,
        echo
    ));
    let multi = Some(P::WriteMultiple {
        start: 9,
        quantity: 3,
    });
    assert!(mb(
        "access write holding, address 10",
        16,
        None,
        multi.clone()
    ));
    assert!(
        !mb("access write holding, address 11", 16, None, multi.clone()),
        "the echo names one address"
    );
    assert!(!mb(
        "access write holding, address 10, value 3",
        16,
        None,
        multi
    ));
    assert!(mb(
        "function 16",
        0x90,
        None,
        Some(P::Exception { code: 2 })
    ));
    // A response of a function ICSNPP never pairs: its request was judged
    // on its own (Suricata would have paired them), so it is not.
    let id = ConnId::tcp("C1", (ip("10.0.0.9"), 40000), (ip("10.0.0.20"), 502));
    let mut t = modbus_tx(0, &id, 17, None, Some(P::Exception { code: 1 }));
    t.matched = None;
    assert!(super::modbus::Msg::of(&t).is_none());
}

/// Suricata's integer syntax: exclusive ranges both ways, negations,
/// masks, units, widths, and the names of its enumerations.
#[test]
fn suricata_integers() {
    let m = |s: &str, v: u64| Uint::parse(s, 65535).unwrap().matches(v);
    assert!(m("5", 5) && m("=5", 5) && !m("5", 6));
    assert!(m("!5", 6) && !m("!=5", 5));
    assert!(m("<5", 4) && !m("<5", 5) && m("<=5", 5) && m(">=5", 5) && !m(">5", 5));
    assert!(m("1-5", 2) && m("1-5", 4) && !m("1-5", 1) && !m("1-5", 5));
    assert!(m("1<>5", 4) && !m("1<>5", 5));
    assert!(m("!1-5", 1) && m("!1-5", 5) && !m("!1-5", 3));
    assert!(m("&0xf0=0x10", 0x1F) && !m("&0xf0=0x10", 0x2F) && m("&0xf0!=0x10", 0x2F));
    assert!(m("0x63", 99) && m("1kb", 1024));
    for bad in [
        "<0",
        ">65535",
        "65536",
        "5-6",
        "6-5",
        "&0x0f=0x10",
        "5x",
        "",
        "-1",
    ] {
        assert!(Uint::parse(bad, 65535).is_err(), "{bad}");
    }
    assert!(Uint::parse("255", 255).is_ok() && Uint::parse("256", 255).is_err());
    let cmd = |s: &str| Uint::parse_enum(s, 65535, &super::enip::COMMANDS).map(|u| (u.mode, u.a));
    use super::uint::Mode;
    assert_eq!(cmd("list_identity"), Ok((Mode::Eq, 0x63)));
    assert_eq!(cmd("LIST_IDENTITY"), Ok((Mode::Eq, 0x63)));
    assert_eq!(cmd("!send_r_r_data"), Ok((Mode::Ne, 0x6F)));
    assert_eq!(cmd(">100"), Ok((Mode::Gt, 100)));
    assert!(cmd("send_rr_data").is_err());
    let st =
        |s: &str| Uint::parse_enum(s, u64::from(u32::MAX), &super::enip::STATUSES).map(|u| u.a);
    assert_eq!(st("invalid_cmd"), Ok(1));
    assert_eq!(st("unsupported_prot_rev"), Ok(0x69));
    assert_eq!(st("encap_header_error"), Ok(0x6A));
}

/// The multi-integer form of the CIP path keywords.
#[test]
fn suricata_multi_integers() {
    use super::uint::Multi;
    let m = |s: &str, l: &[Option<u64>]| Multi::parse(s, u64::from(u32::MAX)).unwrap().matches(l);
    let path = [Some(2), None, Some(7)];
    assert!(m("7", &path) && m("2", &path) && !m("3", &path));
    assert!(m("2,0", &path) && !m("7,0", &path) && m("7,-1", &path) && !m("2,1", &path));
    assert!(!m("2,5", &path) && m("2,oob_or 5", &path));
    assert!(m(">1,all", &path) && !m(">2,all", &path) && !m("1,all", &[None]));
    assert!(m("1,all_or_absent", &[None]) && m("1,or_absent", &[]));
    assert!(m("7,nb 1", &path) && m(">0,nb >1", &path));
    assert!(m("count 2", &path) && !m("count 3", &path));
    assert!(m("2,any,0:1", &path) && !m("7,any,0:1", &path));
    for bad in ["1,2,3,4", "1,every", "1,any,3:1", "x"] {
        assert!(Multi::parse(bad, 100).is_err(), "{bad}");
    }
}

/// The ENIP keywords parse with their width and names, into conditions.
#[test]
fn enip_keywords_parse() {
    let r = one("alert enip any any -> any any (msg:\"m\"; enip_command: list_identity; enip.status: !success; enip.revision: >0x0200; enip.state: 3; enip.serial: >1; enip.identity_status: &0x0001=1; enip.protocol_version: 1; enip.cip_status: 5; enip.cip_extendedstatus: 0x0100; enip.cip_class: 0x6b; enip.cip_instance: 1,0; enip.cip_attribute: >3,all; sid:7;)").unwrap();
    assert_eq!(r.conds.len(), 12);
    for bad in [
        "enip.state: 256",
        "enip.cip_status: 300",
        "enip_command: talk",
        "enip.status: <0",
        "enip.vendor_id: 70000",
        "enip.cip_class: 1,2,3,4",
        "enip.capability: 1",
        "enip.capabilities: 70000",
    ] {
        let rule = format!("alert enip any any -> any any (msg:\"m\"; {bad}; sid:8;)");
        assert!(one(&rule).is_err(), "{bad}");
    }
}

/// `enip.protocol_version` reads RegisterSession and ListServices
/// messages too, `enip.capabilities` a ListServices reply's flags (as
/// Suricata's `tx_get_protocol_version` and `tx_get_capabilities`).
#[test]
fn enip_version_and_capabilities_read_encapsulation_messages() {
    use crate::event::enip::Encapsulation;
    use crate::event::{Dir, Head};
    let message = |command: u16, version: Option<u16>, capabilities: Option<u16>| Encapsulation {
        head: Head {
            ts: Ts(1_000_000),
            id: ConnId::tcp("C1", (ip("10.0.0.9"), 40000), (ip("10.0.0.20"), 44818)),
            dir: Dir::Resp,
            link: crate::id::Id::new("x"),
        },
        command,
        length: 4,
        session_handle: 1,
        status: 0,
        sender_context: [0; 8],
        options: 0,
        protocol_version: version,
        capabilities,
    };
    let hits = |rule: &str, m: &Encapsulation| {
        let mut e = Engine::new(RuleSet::of(vec![one(rule).unwrap()]), 0);
        let mut out = Vec::new();
        e.enip(m, &mut out);
        out.len()
    };
    let version = "alert enip any any -> any any (enip.protocol_version: 1; sid:1;)";
    let tcp_cip = "alert enip any any -> any any (enip.capabilities: &0x0020=0x0020; sid:2;)";
    let register = message(0x65, Some(1), None);
    let services = message(0x04, Some(1), Some(0x0120));
    let plain = message(0x6F, None, None);
    assert_eq!(hits(version, &register), 1);
    assert_eq!(hits(version, &services), 1);
    assert_eq!(hits(version, &plain), 0);
    assert_eq!(hits(tcp_cip, &services), 1);
    assert_eq!(hits(tcp_cip, &message(0x04, Some(1), Some(0x0100))), 0);
    assert_eq!(hits(tcp_cip, &register), 0);
}
