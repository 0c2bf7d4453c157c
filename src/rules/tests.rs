use super::*;
use crate::event::ConnId;
use crate::observe::{Detail, Function, ModbusRange, ModbusTable, Request};
use crate::time::Ts;
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
            Cond::ModbusFunction {
                neg: false,
                code: 8,
                sub: Some(4)
            },
            Cond::ModbusAccess {
                write: true,
                table: Some("holding_registers"),
                address: Some(Num::Between(100, 200))
            },
            Cond::ModbusUnit(Num::Eq(1)),
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
    assert_eq!(r.conds[1], Cond::EnipCommand(99));
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
        let req = Request {
            ts: Ts(o.ts),
            id: &o.id,
            function: Function::Modbus(6, None),
            class: crate::observe::FunctionClass::Write,
            opcua: None,
            write: true,
            modbus: Some(ModbusRange {
                unit: 1,
                table: ModbusTable::HoldingRegisters,
                start: 7,
                count: 1,
            }),
            engineering: false,
            identification: false,
            detail: Detail::Modbus {
                unit: 1,
                subfunction: None,
            },
        };
        e.request(&req, &mut out);
    }
    (out.len(), e.stats)
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
