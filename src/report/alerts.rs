//! The report's alerts: rows of alert.log grouped by what happened and who
//! did it, ranked by severity, each group's action said in words.

use super::read::Row;
use super::{n, s, strings};
use serde::Serialize;
use std::collections::BTreeMap;

/// Severities from the most to the least urgent; anything else ranks last.
pub const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

pub fn rank(severity: &str) -> usize {
    SEVERITIES
        .iter()
        .position(|s| *s == severity)
        .unwrap_or(SEVERITIES.len())
}

/// Alerts of one kind raised by one device (the actor), with every device
/// they were raised against.
#[derive(Debug, Serialize)]
pub struct Group {
    /// `rule` or `baseline`.
    pub kind: String,
    pub severity: String,
    /// The rule's message with its sid, or the deviation's name.
    pub title: String,
    /// Who did it (the source; the destination when an alert has no source).
    pub src: String,
    /// Against whom, with how many alerts each, most first.
    pub targets: Vec<(String, u64)>,
    /// Alerts (rows of alert.log), as the summary counts them.
    pub count: u64,
    /// Occurrences: an alert row stands for its repeats too.
    pub occurrences: u64,
    pub first: f64,
    pub last: f64,
    /// Who did what to whom, in words.
    pub action: String,
    /// What matched, and what the baseline expected.
    pub detail: String,
    /// MITRE ATT&CK for ICS techniques.
    pub techniques: Vec<String>,
}

/// The inventory's roles as people say them: the alerts' words here, and
/// the page's (it receives this table), so both always agree.
pub const ROLE_WORDS: [(&str, &str); 8] = [
    ("controller", "controller"),
    ("io_adapter", "I/O adapter"),
    ("hmi_scada", "HMI/SCADA"),
    ("engineering_workstation", "engineering workstation"),
    ("historian", "historian"),
    ("scanner", "scanner"),
    ("opcua_server", "OPC UA server"),
    ("opcua_client", "OPC UA client"),
];

/// A role as people say it.
fn role_words(role: &str) -> String {
    ROLE_WORDS
        .iter()
        .find(|(r, _)| *r == role)
        .map_or_else(|| role.replace('_', " "), |(_, w)| (*w).to_string())
}

fn who(ip: &str, role: &str) -> String {
    if role.is_empty() {
        ip.to_string()
    } else {
        format!("{ip} ({})", role_words(role))
    }
}

/// "10.0.0.5 (HMI/SCADA) wrote to 10.0.0.9 (controller): modbus
/// WRITE_SINGLE_REGISTER, unit 1 holding_registers 10".
pub fn action(r: &Row) -> String {
    let (src, dst) = endpoints(r);
    let actor = who(&src, &s(r, "src_role"));
    let verb = match s(r, "function_class").as_str() {
        "write" => "wrote to",
        "read" => "read from",
        "identification" => "identified",
        "program" | "download" | "upload" => "changed the program of",
        "control" => "controlled",
        _ => "talked to",
    };
    let what: Vec<String> = [s(r, "protocol"), s(r, "function"), s(r, "object")]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect();
    let what = if what.is_empty() {
        s(r, "msg")
    } else {
        what.join(" ")
    };
    if dst.is_empty() {
        format!("{actor}: {what}")
    } else {
        format!("{actor} {verb} {}: {what}", who(&dst, &s(r, "dst_role")))
    }
}

/// Source and destination of an alert row (notices from the spine carry
/// only the connection's addresses; a layer-2 frame's sender may be known
/// by its MAC only).
fn endpoints(r: &Row) -> (String, String) {
    let or_mac = |ip: String, mac: &str| if ip.is_empty() { s(r, mac) } else { ip };
    match (s(r, "src"), s(r, "dst")) {
        (src, dst) if !src.is_empty() => (src, or_mac(dst, "dst_mac")),
        (_, dst) if !s(r, "src_mac").is_empty() => (s(r, "src_mac"), or_mac(dst, "dst_mac")),
        _ => (s(r, "id.orig_h"), s(r, "id.resp_h")),
    }
}

fn title_of(r: &Row) -> (&'static str, String) {
    let note = s(r, "note");
    if note == "OTWatch::Rule" {
        ("rule", format!("[{}] {}", s(r, "sid"), s(r, "msg")))
    } else {
        let title = note.trim_start_matches("OTWatch::").replace('_', " ");
        ("baseline", title)
    }
}

fn detail_of(r: &Row, kind: &str) -> String {
    let mut detail = if kind == "rule" {
        s(r, "matched")
    } else {
        s(r, "msg")
    };
    let facts = s(r, "baseline");
    if !facts.is_empty() {
        detail.push_str(&format!(" (expected: {facts})"));
    }
    let rules = s(r, "rules");
    if kind == "baseline" && !rules.is_empty() {
        detail.push_str(&format!("; rules: {rules}"));
    }
    detail
}

/// The groups, most severe first, then the latest first; and each alert's
/// time with its severity's rank (for the timeline).
pub fn group(rows: &[Row]) -> (Vec<Group>, Vec<(f64, usize)>) {
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    let mut times = Vec::with_capacity(rows.len());
    for r in rows {
        let (kind, title) = title_of(r);
        let (src, dst) = endpoints(r);
        let (actor, target) = if src.is_empty() {
            (dst, src)
        } else {
            (src, dst)
        };
        let ts = n(r, "ts");
        let last = n(r, "last_ts").max(ts);
        let occurrences = (n(r, "count") as u64).max(1);
        let severity = s(r, "severity");
        times.push((ts, rank(&severity)));
        let g = groups
            .entry((title.clone(), actor.clone()))
            .or_insert_with(|| Group {
                kind: kind.into(),
                severity: severity.clone(),
                title,
                src: actor,
                targets: Vec::new(),
                count: 0,
                occurrences: 0,
                first: ts,
                last,
                action: action(r),
                detail: detail_of(r, kind),
                techniques: strings(r.get("mitre_attack_ics")),
            });
        // The group says what its most severe alert did.
        if rank(&severity) < rank(&g.severity) {
            g.severity = severity;
            g.action = action(r);
            g.detail = detail_of(r, kind);
            g.techniques = strings(r.get("mitre_attack_ics"));
        }
        g.count += 1;
        g.occurrences += occurrences;
        g.first = g.first.min(ts);
        g.last = g.last.max(last);
        if !target.is_empty() {
            match g.targets.iter_mut().find(|(ip, _)| *ip == target) {
                Some(t) => t.1 += 1,
                None => g.targets.push((target, 1)),
            }
        }
    }
    let mut list: Vec<Group> = groups.into_values().collect();
    for g in &mut list {
        g.targets
            .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        if g.targets.len() > 1 {
            let others = g.targets.len() - 1;
            g.action
                .push_str(&format!(" (and {others} other device{})", plural(others)));
        }
    }
    list.sort_by(|a, b| {
        rank(&a.severity)
            .cmp(&rank(&b.severity))
            .then(b.last.total_cmp(&a.last))
            .then_with(|| a.title.cmp(&b.title))
            .then_with(|| a.src.cmp(&b.src))
    });
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    (list, times)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: serde_json::Value) -> Row {
        v.as_object().unwrap().clone()
    }

    fn write(ts: f64, src: &str, dst: &str, severity: &str) -> Row {
        row(json!({"ts": ts, "note": "OTWatch::Rule", "sid": 9000105,
            "msg": "Modbus write from a host that is not an engineering workstation",
            "severity": severity, "src": src, "src_role": "hmi_scada", "dst": dst,
            "dst_role": "controller", "protocol": "modbus", "function": ["WRITE_SINGLE_REGISTER"],
            "function_class": "write", "object": ["unit 3 holding_registers 3000"], "count": 1,
            "mitre_attack_ics": ["T0855"]}))
    }

    #[test]
    fn the_action_says_who_did_what_to_whom() {
        assert_eq!(
            action(&write(1.0, "10.0.0.5", "10.0.0.9", "high")),
            "10.0.0.5 (HMI/SCADA) wrote to 10.0.0.9 (controller): modbus \
             WRITE_SINGLE_REGISTER unit 3 holding_registers 3000"
        );
        let notice = row(json!({"ts": 1.0, "note": "OTWatch::New_Edge",
            "msg": "10.0.0.7 talked modbus to 10.0.0.9 for the first time",
            "id.orig_h": "10.0.0.7", "id.resp_h": "10.0.0.9"}));
        assert_eq!(
            action(&notice),
            "10.0.0.7 talked to 10.0.0.9: 10.0.0.7 talked modbus to 10.0.0.9 for the first time"
        );
    }

    #[test]
    fn groups_are_per_kind_and_actor_most_severe_first() {
        let rows = vec![
            write(5.0, "10.0.0.5", "10.0.0.9", "high"),
            write(1.0, "10.0.0.5", "10.0.0.8", "high"),
            write(2.0, "10.0.0.5", "10.0.0.9", "high"),
            write(9.0, "10.0.0.6", "10.0.0.9", "medium"),
            write(3.0, "10.0.0.7", "10.0.0.9", "critical"),
            write(4.0, "10.0.0.6", "10.0.0.9", "medium"),
        ];
        let mut rows = rows;
        rows[5].insert("count".into(), json!(4));
        // A later, worse alert of the same kind and actor names the group.
        let mut worse = write(6.0, "10.0.0.6", "10.0.0.4", "high");
        worse.insert("object".into(), json!(["unit 9 coils 1"]));
        rows.push(worse);
        let (groups, times) = group(&rows);
        let summary: Vec<(&str, &str, u64)> = groups
            .iter()
            .map(|g| (g.severity.as_str(), g.src.as_str(), g.count))
            .collect();
        assert_eq!(
            summary,
            [
                ("critical", "10.0.0.7", 1),
                ("high", "10.0.0.6", 3),
                ("high", "10.0.0.5", 3),
            ]
        );
        let g = &groups[1];
        assert_eq!(g.occurrences, 6, "a row with count 4 stands for 4");
        assert!(
            g.action.contains("10.0.0.4") && g.action.contains("unit 9 coils 1"),
            "{}",
            g.action
        );
        let g = &groups[2];
        assert_eq!((g.first, g.last), (1.0, 5.0));
        assert_eq!(
            g.targets,
            [("10.0.0.9".to_string(), 2), ("10.0.0.8".to_string(), 1)]
        );
        assert!(g.action.ends_with("(and 1 other device)"), "{}", g.action);
        assert_eq!(g.techniques, ["T0855"]);
        assert_eq!(
            times,
            [
                (1.0, 1),
                (2.0, 1),
                (3.0, 0),
                (4.0, 2),
                (5.0, 1),
                (6.0, 1),
                (9.0, 2)
            ]
        );
    }
}
