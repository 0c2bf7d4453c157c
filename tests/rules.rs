//! The rule engine end to end: `otwatch rules check`, errors that name
//! file, line, column and sid, every default rule firing on a capture that
//! shows its attack (crafted, or real) and staying quiet on known-good
//! captures, and match counts of Suricata's keywords on the corpus traces.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const ATTACKER: [u8; 4] = [10, 9, 9, 9];
const PLC: [u8; 4] = [10, 0, 0, 20];

/// A CIP request in an unconnected SendRRData: service, class, instance.
fn cip(service: u8, class: u8, extra: &[u8]) -> Vec<u8> {
    let mut c = vec![service, 2, 0x20, class, 0x24, 0x01];
    c.extend_from_slice(extra);
    send_rr(&c)
}

/// The attacks of the Modbus and EtherNet/IP rules, one after the other,
/// from 10.9.9.9 against a PLC.
fn attacks(path: &Path) {
    let mut w = PcapWriter::new(1, 65535);
    let mut t = 1_700_200_000 * SEC;
    let mut m = Tcp::open(&mut w, t, ATTACKER, 41000, PLC, 502);
    fn step(t: &mut i64, m: &mut Tcp, w: &mut PcapWriter, req: &[u8], resp: &[u8]) {
        *t += SEC;
        m.modbus(w, *t, 1, req, resp);
    }
    for sub in [1u8, 4, 10] {
        let pdu = [8, 0, sub, 0, 0];
        let resp: &[u8] = if sub == 4 { &[] } else { &pdu };
        step(&mut t, &mut m, &mut w, &pdu, resp);
    }
    for _ in 0..3 {
        step(
            &mut t,
            &mut m,
            &mut w,
            &[0x2B, 0x0E, 1, 0],
            &[0x2B, 0x0E, 1, 1, 0, 0, 1, 0, 4, b'A', b'c', b'm', b'e'],
        );
    }
    step(&mut t, &mut m, &mut w, &[6, 0, 1, 0, 7], &[6, 0, 1, 0, 7]);
    // A point scan: eleven reads refused within a second.
    for _ in 0..11 {
        t += 80_000;
        m.modbus(&mut w, t, 1, &[3, 0x10, 0, 0, 1], &[0x83, 2]);
    }
    for code in [0x41u8, 0x40, 0x33] {
        step(
            &mut t,
            &mut m,
            &mut w,
            &[0x5A, 0, code, 0],
            &[0x5A, 0, 0xFE],
        );
    }
    step(&mut t, &mut m, &mut w, &[0x7D, 0, 0], &[0x7D, 0, 0]);
    let mut e = Tcp::open(&mut w, t + SEC, ATTACKER, 41001, PLC, 44818);
    for (service, class) in [
        (7u8, 0x8Eu8),
        (6, 0x8E),
        (5, 0x01),
        (0x4B, 0x67),
        (0x4C, 0x37),
        (0x4B, 0x37),
        (0x50, 0x37),
    ] {
        t += SEC;
        e.exchange(&mut w, t, &cip(service, class, &[]), &[]);
    }
    t += SEC;
    e.exchange(&mut w, t, &cip(0x10, 0x01, &[0x30, 0x07, 1, 0]), &[]);
    for (i, host) in [[10, 0, 0, 21], [10, 0, 0, 22], [10, 0, 0, 23]]
        .into_iter()
        .enumerate()
    {
        let mut s = Tcp::open(
            &mut w,
            t + SEC * (i as i64 + 2),
            ATTACKER,
            42000 + i as u16,
            host,
            44818,
        );
        s.exchange(
            &mut w,
            t + SEC * (i as i64 + 2) + 500_000,
            &encap(0x63, &[]),
            &[],
        );
    }
    w.write(path);
}

fn run(args: &[&str], pcaps: &[PathBuf]) -> (tempfile::TempDir, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let out = analyze(dir.path(), args, pcaps);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let alerts = dir.path().join("alert.log");
    let v = if alerts.exists() {
        read_json_log(&alerts)
    } else {
        Vec::new()
    };
    (dir, v)
}

/// sid → the alerts it took part in (an alert lists every rule that
/// matched its action, the leading one in `sid`).
fn sids(alerts: &[Value]) -> BTreeMap<u64, usize> {
    let mut m = BTreeMap::new();
    for a in alerts {
        for sid in rule_sids(a) {
            *m.entry(sid).or_default() += 1;
        }
    }
    m
}

fn default_rules() -> Vec<&'static str> {
    vec!["--rules", "rules"]
}

#[test]
fn the_default_pack_checks() {
    let out = otwatch()
        .args(["rules", "check", "rules"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "rules: 37 rules OK\n");
}

#[test]
fn modbus_and_cip_attacks_fire_their_rules() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("attacks.pcap");
    attacks(&cap);
    let (_d, alerts) = run(&default_rules(), std::slice::from_ref(&cap));
    let got = sids(&alerts);
    for sid in (9_000_101..=9_000_110).chain(9_000_201..=9_000_209) {
        assert!(got.contains_key(&sid), "sid {sid} did not fire: {got:?}");
    }
    let by = |sid: u64| alerts.iter().find(|a| a["sid"] == sid).unwrap();
    assert_eq!(
        by(9_000_101)["matched"],
        "modbus unit 1 function 8 (DIAGNOSTICS/Restart Communications Option) subfunction 1"
    );
    assert_eq!(
        by(9_000_107)["matched"],
        "modbus unit 1 function 90 umas 0x41 (STOP_PLC)"
    );
    assert_eq!(
        by(9_000_201)["matched"],
        "cip service 0x07 (Stop/unknown) class 0x8e instance 0x01"
    );
    assert_eq!(by(9_000_201)["severity"], "critical");
    // The Stop is a CIP write too (9000208): one alert, both techniques.
    assert_eq!(
        by(9_000_201)["mitre_attack_ics"],
        serde_json::json!(["T0881", "T0836"])
    );
    assert_eq!(
        by(9_000_106)["msg"],
        "Modbus exception burst (function or point scan)"
    );
    // Thresholds: the sweep rules fire once, at the third request; the
    // exception burst at the eleventh exception, then not again within
    // the suppression window.
    assert_eq!(got[&9_000_104], 1);
    assert_eq!(got[&9_000_209], 1);
    assert_eq!(got[&9_000_106], 1);
}

#[test]
fn opcua_network_and_baseline_rules_fire_on_real_traffic() {
    let (_d, a) = run(
        &default_rules(),
        &[pcap("open62541_client-server_mainloop.pcap")],
    );
    let got = sids(&a);
    for sid in [9_000_301, 9_000_303, 9_000_304, 9_000_305] {
        assert!(got.contains_key(&sid), "mainloop: {sid}: {got:?}");
    }
    let pw = a.iter().find(|x| x["sid"] == 9_000_303).unwrap();
    assert_eq!(
        pw["matched"],
        "opcua ActivateSession token username, secret in clear"
    );
    let (_d, a) = run(
        &default_rules(),
        &[pcap("open62541_create_monitored_items.pcap")],
    );
    assert!(sids(&a).contains_key(&9_000_302), "anonymous session");
    let (_d, a) = run(&default_rules(), &[pcap("modbus-and-non-modbus-p502.pcap")]);
    assert_eq!(
        sids(&a)[&9_000_401],
        5,
        "the five scanners that talked on 502"
    );
    let (_d, a) = run(
        &default_rules(),
        &[pcap("set_attribute_single_service_cip.pcapng")],
    );
    assert_eq!(sids(&a)[&9_000_208], 1);
    // Baseline rules: the plant example.
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b.json");
    learn_baseline(&pcap("plant-good.pcap"), &b);
    let (_d, a) = run(
        &["--rules", "rules", "--baseline", b.to_str().unwrap()],
        &[pcap("plant-anomalies.pcap")],
    );
    let got = sids(&a);
    for sid in [9_000_501, 9_000_502, 9_000_503, 9_000_504] {
        assert!(got.contains_key(&sid), "baseline rule {sid}: {got:?}");
    }
    // A new device that only reads is medium, its new-device rule
    // included.
    let rogue = a.iter().find(|x| x["src"] == "10.0.0.99").unwrap();
    assert_eq!(rogue["note"], "OTWatch::New_Client_Read", "{rogue}");
    assert_eq!(rogue["severity"], "medium", "{rogue}");
    let write = a.iter().find(|x| x["sid"] == 9_000_502).unwrap();
    assert_eq!(
        write["matched"],
        "baseline OTWatch::Write_On_Read_Only_Edge"
    );
    assert!(write["baseline"]
        .as_str()
        .unwrap()
        .contains("the baseline saw only reads on this edge"));
}

#[test]
fn the_default_pack_is_quiet_on_known_good_traffic() {
    let vars = repo().join("tests/rules/known-good.vars");
    for cap in [
        pcap("plant-good.pcap"),
        pcap("modbusBig.pcap"),
        pcap("enip_cip_example.pcap"),
        pcap("open62541_client-server_encrypted.pcap"),
        pcap("opcua-traces/python_opcua-client-server_encrypted.pcap"),
        pcap("opcua-traces/open62541_client-server-getEndpoints.pcap"),
    ] {
        let (_d, a) = run(
            &["--rules", "rules", "--vars", vars.to_str().unwrap()],
            std::slice::from_ref(&cap),
        );
        assert!(a.is_empty(), "{}: {a:#?}", cap.display());
    }
}

/// Matches of one rule with no suppression window (otwatch_stats.log
/// `rule_matches`; the alerts fold the matches of one action into one).
fn count(rule: &str, caps: &[PathBuf]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.rules");
    std::fs::write(&path, rule).unwrap();
    let (d, _) = run(
        &["--rules", path.to_str().unwrap(), "--alert-window", "0"],
        caps,
    );
    let stats = read_json_log(&d.path().join("otwatch_stats.log"));
    stats[0]["rule_matches"].as_u64().unwrap() as usize
}

#[test]
fn suricata_keywords_count_what_suricata_counts() {
    // Suricata matches these keywords once per PDU: per ENIP message (either
    // direction) for enip_command, per CIP message for cip_service (a
    // Multiple Service Packet once, whatever it packs; requests and, by
    // their service, replies, as Suricata 8 and 9: rules/README.md), per
    // Modbus request for modbus: function. The same PDUs are the rows of
    // enip.log, cip.log and modbus.log, golden-tested against ICSNPP and
    // Zeek.
    let enip = pcap("enip_cip_example.pcap");
    assert_eq!(
        count(
            "alert enip any any -> any any (msg:\"x\"; enip_command:99; sid:1;)",
            std::slice::from_ref(&enip)
        ),
        2
    );
    assert_eq!(
        count(
            "alert enip any any -> any any (msg:\"x\"; cip_service:3; sid:1;)",
            std::slice::from_ref(&enip)
        ),
        // 133 requests and 132 replies (the last request is unanswered).
        265
    );
    assert_eq!(
        count(
            "alert enip any any -> any any (msg:\"x\"; cip_service:3,1; sid:1;)",
            &[enip]
        ),
        41
    );
    // Suricata 8's enip.* keywords: the one List Identity reply of the
    // trace (a 1756-ENBT/A: vendor 1, device type 12, product code 58),
    // and the status of every encapsulation message (all 269 Success).
    for (kw, n) in [
        ("enip.vendor_id: 1", 1),
        ("enip.device_type: 12", 1),
        ("enip.product_code: 58", 1),
        ("enip.product_code: 59", 0),
        ("enip.status: 0", 269),
        ("enip.status: >0", 0),
        // Names of Suricata's enumerations, its exclusive ranges.
        ("enip.status: success", 269),
        ("enip_command: list_identity", 2),
        ("enip_command: 98-100", 2),
        ("enip_command: 99-100", 0),
        // `>=0` is always true: refused (the rule skipped), as Suricata.
        ("enip.state: >=0", 0),
        ("enip.state: !=256", 0),
        ("enip.protocol_version: 1", 1),
        ("enip.revision: >0x0100", 1),
        // The general status of every CIP reply (and none of a request).
        ("enip.cip_status: 0", 133),
        ("enip.cip_class: 1", 41),
    ] {
        let rule = format!("alert enip any any -> any any (msg:\"x\"; {kw}; sid:1;)");
        assert_eq!(count(&rule, &[pcap("enip_cip_example.pcap")]), n, "{kw}");
    }
    let mb = pcap("modbus_example.pcap");
    assert_eq!(
        count(
            "alert modbus any any -> any any (msg:\"x\"; modbus: function 3; sid:1;)",
            std::slice::from_ref(&mb)
        ),
        3
    );
    assert_eq!(
        count(
            "alert modbus any any -> any any (msg:\"x\"; modbus: access write; sid:1;)",
            std::slice::from_ref(&mb)
        ),
        8
    );
    // Issue 21: Suricata's categories, access tables and 1-based addresses
    // on the same trace; each count is the transactions modbus.log shows.
    for (kw, n) in [
        ("function public", 24),
        ("function assigned", 24),
        ("function !user", 24),
        ("function user", 0),
        ("access read holding", 5),
        ("access write coils", 2),
        ("access write holding", 6),
        ("access read, address >0", 11),
        ("unit >0, function all", 24),
    ] {
        let rule = format!("alert modbus any any -> any any (msg:\"x\"; modbus: {kw}; sid:1;)");
        assert_eq!(count(&rule, std::slice::from_ref(&mb)), n, "{kw}");
    }
}

#[test]
fn broken_rules_are_errors_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "alert modbus any any -> any 502 (msg:\"a\"; modbus_fn: 8; sid:7;)",
            "bad.rules:1:43: sid 7: unknown keyword \"modbus_fn\"",
        ),
        (
            "\n\nalert modbus $NOPE any -> any 502 (msg:\"a\"; sid:8;)",
            "bad.rules:3:14: sid 8: undefined variable $NOPE",
        ),
        (
            "alert modbus any any -> any 99999 (msg:\"a\"; sid:9;)",
            "bad.rules:1:29: sid 9: expected a port, range, list, $VARIABLE or any",
        ),
        (
            "alert modbus any any -> any 502 (msg:\"a\";)",
            "bad.rules:1:1: the rule has no sid",
        ),
        (
            "alert modbus any any -> any 502 (msg:\"a\"; modbus: function 300; sid:10;)",
            "bad.rules:1:43: sid 10: modbus: expected a function code (1-255)",
        ),
        (
            "alert http any any -> any 502 (msg:\"a\"; sid:11;)",
            "bad.rules:1:7: expected a protocol",
        ),
        (
            "alert modbus any any -> any 502 (msg:\"a\"; sid:12;",
            "bad.rules:1:50: expected ) at the end of the rule",
        ),
    ];
    for (text, expected) in cases {
        let path = dir.path().join("bad.rules");
        std::fs::write(&path, text).unwrap();
        let out = otwatch()
            .args(["rules", "check"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{text}\nexpected {expected}\n{err}");
        // analyze --strict-rules refuses to start on it, as suricata -T.
        let logs = dir.path().join("logs");
        let out = analyze(
            &logs,
            &["--rules", path.to_str().unwrap(), "--strict-rules"],
            &[pcap("modbus_example.pcap")],
        );
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{text}\nexpected {expected}\n{err}");
        assert!(!logs.join("conn.log").exists());
    }
}

/// As Suricata loads a rule file: the rules that cannot be used are
/// reported with their place and skipped, the others run; the summary
/// counts both; `--strict-rules` (and the `strict_rules` key) refuse the
/// file; `rules check` lists every error and exits 1.
#[test]
fn a_file_with_unusable_rules_runs_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.rules");
    std::fs::write(
        &path,
        "alert modbus any any -> any any (msg:\"writes\"; modbus: access write; sid:1;)\n\
         alert tcp any any -> any any (msg:\"web\"; http.uri; content:\"/admin\"; sid:2;)\n\
         alert modbus any any -> any any (modbus: function 3; sid:3;)\n\
         alert modbus any any -> any any (msg:\"again\"; modbus: function 3; sid:1;)\n\
         alert tcp any any -> any any (msg:\"backref\"; content:\"a\"; pcre:\"/(a)\\1/\"; sid:5;)\n\
         alert tcp any any -> any 502 (msg:\"payload\"; content:\"|00 00|\"; offset:2; depth:2; sid:6;)\n",
    )
    .unwrap();
    let logs = dir.path().join("logs");
    let mut c = otwatch();
    c.args(["analyze", "--no-progress", "--out"])
        .arg(&logs)
        .arg("--rules")
        .arg(&path)
        .arg(pcap("modbus_example.pcap"));
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let skipped: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("otwatch: warning: rule skipped: "))
        .collect();
    assert_eq!(skipped.len(), 3, "{err}");
    assert!(
        skipped[0].contains("mixed.rules:2:")
            && skipped[0].contains("sid 2: unknown keyword \"http.uri\""),
        "{skipped:?}"
    );
    assert!(
        skipped[1].contains("mixed.rules:4:1: sid 1: duplicate sid, first used at"),
        "{skipped:?}"
    );
    assert!(
        skipped[2].contains("mixed.rules:5:")
            && skipped[2].contains("sid 5: pcre: the regex crate cannot use this expression"),
        "{skipped:?}"
    );
    assert!(err.contains("rules: 3 loaded, 3 skipped,"), "{err}");
    // The usable rules ran: the writes of the trace, and sid 3 (no msg,
    // as Suricata allows).
    let alerts = read_json_log(&logs.join("alert.log"));
    let sids = sids(&alerts);
    assert!(
        sids.contains_key(&1) && sids.contains_key(&3) && sids.contains_key(&6),
        "{sids:?}"
    );
    let no_msg = alerts.iter().find(|a| a["sid"] == 3).unwrap();
    assert_eq!(no_msg["msg"], "", "{no_msg}");

    // Strict: refused, every error listed, nothing analyzed.
    let strict = dir.path().join("strict");
    let out = analyze(
        &strict,
        &["--rules", path.to_str().unwrap(), "--strict-rules"],
        &[pcap("modbus_example.pcap")],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mixed.rules:2:") && err.contains("mixed.rules:4:1"),
        "{err}"
    );
    assert!(!strict.join("conn.log").exists());
    let conf = dir.path().join("site.toml");
    std::fs::write(
        &conf,
        format!(
            "rules = {:?}\nstrict_rules = true\n",
            path.display().to_string()
        ),
    )
    .unwrap();
    let out = analyze(
        &strict,
        &["--config", conf.to_str().unwrap()],
        &[pcap("modbus_example.pcap")],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "the configuration file's strict_rules"
    );
    let out = otwatch()
        .args(["rules", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// The default pack is built into the binary: a run from any folder loads
/// it (the same rules as `rules/`), `--rules-add` adds a file to it,
/// `--rules` replaces it, `--no-rules` turns it off, and `rules check`
/// with no path checks it.
#[test]
fn the_default_pack_is_built_in() {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local.rules");
    std::fs::write(
        &local,
        "alert modbus any any -> any any (msg:\"local reads\"; modbus: function 3; sid:77;)\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = otwatch()
            .current_dir(dir.path())
            .args(["analyze", "--no-progress", "--out", "logs"])
            .args(args)
            .arg(pcap("modbus_example.pcap"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{err}");
        let alerts = dir.path().join("logs/alert.log");
        let sids = if alerts.exists() {
            sids(&read_json_log(&alerts))
        } else {
            BTreeMap::new()
        };
        std::fs::remove_dir_all(dir.path().join("logs")).unwrap();
        (err, sids)
    };
    let (err, builtin) = run(&[]);
    assert!(err.contains("rules: 37 loaded, 0 skipped"), "{err}");
    assert!(builtin.contains_key(&9_000_105), "{builtin:?}");
    let (err, added) = run(&["--rules-add", local.to_str().unwrap()]);
    assert!(err.contains("rules: 38 loaded, 0 skipped"), "{err}");
    assert!(
        added.contains_key(&77) && added.contains_key(&9_000_105),
        "{added:?}"
    );
    let (err, only) = run(&["--rules", local.to_str().unwrap()]);
    assert!(err.contains("rules: 1 loaded"), "{err}");
    assert_eq!(only.keys().collect::<Vec<_>>(), [&77]);
    let (err, none) = run(&["--no-rules"]);
    assert!(!err.contains("rules:") && none.is_empty(), "{err}");
    let out = otwatch()
        .current_dir(dir.path())
        .args(["rules", "check"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "builtin: 37 rules OK\n"
    );
}

/// Payload rules on a real trace, one eve.json record per match: the
/// counts are Suricata 9's on the same capture with `flow:no_stream`
/// (packet inspection, what otwatch does; tests/suricata/ holds the
/// whole comparison).
#[test]
fn payload_rules_match_each_segment_once() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("payload.rules");
    std::fs::write(
        &rules,
        r#"alert tcp any any -> any 502 (msg:"read holding"; flow:to_server,established; content:"|03|"; offset:7; depth:1; sid:1;)
alert tcp any any -> any 502 (msg:"long request"; byte_test:2,>,6,4; sid:3;)
alert tcp any any -> any 502 (msg:"request"; content:"|00 00|"; offset:2; depth:2; flowbits:set,asked; flowbits:noalert; sid:4;)
alert tcp any 502 -> any any (msg:"answer after a request"; flowbits:isset,asked; content:"|00 00|"; offset:2; depth:2; sid:5;)
alert tcp any any -> any any (msg:"MBAP"; pcre:"/^\x00[\x00-\xff]\x00\x00/"; sid:6;)
alert tcp any any -> any any (msg:"12 bytes"; dsize:12; sid:7;)
alert tcp any any -> any 502 (msg:"14 bytes or more"; content:"|00 00|"; offset:2; depth:2; isdataat:10,relative; sid:8;)
"#,
    )
    .unwrap();
    let eve = dir.path().join("eve.json");
    let out = analyze(
        &dir.path().join("logs"),
        &[
            "--rules",
            rules.to_str().unwrap(),
            "--alert-window",
            "0",
            "--eve",
            eve.to_str().unwrap(),
        ],
        &[pcap("modbus_example.pcap")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
    for e in read_json_log(&eve) {
        *counts
            .entry(e["alert"]["signature_id"].as_u64().unwrap())
            .or_default() += 1;
    }
    let want: BTreeMap<u64, usize> = [(1, 3), (3, 6), (5, 24), (6, 48), (7, 18), (8, 6)]
        .into_iter()
        .collect();
    assert_eq!(counts, want, "sid 4 sets a bit without an alert");
}
