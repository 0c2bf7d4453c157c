//! Alerts from findings: one action, one alert. The findings of one event
//! (the deviations of a request, the rules that match it and the rules
//! that match those deviations) make one alert; what is found on a
//! connection before it acts (a new device, a new edge, a session set up
//! anonymously, a channel opened with another security) waits for the
//! connection's next action and joins its alert, or becomes an alert of
//! its own when that action is unremarkable, when the connection ends, or
//! [`HOLD`] later.

use crate::event::alert::MAX_LISTED;
use crate::event::{
    Action, Alert, ConnId, Event, Finding, NoticeKind, Party, RuleHit, Scope, Severity,
};
use crate::id::Id;
use crate::inventory::{Inventory, RoleConfig};
use crate::observe::{FunctionClass, Request};
use crate::time::{Micros, Ts};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// How long what was found on a connection waits for its next action.
pub const HOLD: Micros = Micros(10_000_000);

/// Connections with findings waiting; past this the oldest waiting one
/// becomes an alert early (counted).
pub const MAX_WAITING: usize = 65_536;

/// Counters of the alerts made, as `notice.log`, `alert.log`, the run
/// summary and the CloudWatch metrics count them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertStats {
    pub alerts: u64,
    /// By severity: critical, high, medium, low.
    pub by_severity: [u64; 4],
    /// Alerts each rule took part in, by sid, in first-seen order.
    pub by_rule: Vec<(u32, u64)>,
    /// Rule matches not alerted because the baseline learned them.
    pub rules_baselined: u64,
    /// Waiting findings made into an alert early because [`MAX_WAITING`]
    /// connections were waiting.
    pub flushed_early: u64,
}

/// What an event's requests did, gathered when it has findings.
#[derive(Debug, Default)]
pub struct ActionSketch {
    pub action: Action,
    class: Option<FunctionClass>,
}

impl ActionSketch {
    /// Adds one request: its protocol, function, class and objects.
    pub fn add(&mut self, r: &Request<'_>) {
        let a = &mut self.action;
        a.requests += 1;
        a.protocol.get_or_insert(r.function.edge_protocol());
        let name = r.function.name();
        if !a.functions.iter().any(|f| *f == name) && a.functions.len() < MAX_LISTED {
            a.functions.push(name.into_owned());
        }
        // The class that says most: a write in a packet of reads.
        let rank = |c: FunctionClass| match c {
            FunctionClass::Engineering => 0,
            FunctionClass::Restart => 1,
            FunctionClass::Write => 2,
            FunctionClass::Diagnostics => 3,
            FunctionClass::Identification => 4,
            FunctionClass::Read => 5,
            FunctionClass::Other => 6,
            FunctionClass::Session => 7,
        };
        if self.class.is_none_or(|c| rank(r.class) < rank(c)) {
            self.class = Some(r.class);
            a.class = Some(r.class.name());
        }
        for o in objects(r) {
            if a.objects.len() >= MAX_LISTED {
                break;
            }
            if !a.objects.contains(&o) {
                a.objects.push(o);
            }
        }
    }
}

/// What a request touches: a Modbus range, a CIP object, OPC UA nodes.
fn objects(r: &Request<'_>) -> Vec<String> {
    use crate::observe::{Detail, Function};
    if let Some(m) = &r.modbus {
        let end = m.start.saturating_add(m.count.saturating_sub(1));
        let range = if end == m.start {
            m.start.to_string()
        } else {
            format!("{}-{end}", m.start)
        };
        return vec![format!("unit {} {} {range}", m.unit, m.table.as_str())];
    }
    if let (
        Function::Cip { class, .. },
        Detail::Cip {
            instance,
            attribute,
            tag,
        },
    ) = (r.function, r.detail)
    {
        if let Some(t) = tag {
            return vec![format!("tag {}", crate::observe::tag_name(&t))];
        }
        let mut parts = Vec::new();
        for (what, v) in [
            ("class", class),
            ("instance", instance),
            ("attribute", attribute),
        ] {
            if let Some(v) = v {
                parts.push(format!("{what} 0x{v:02x}"));
            }
        }
        return if parts.is_empty() {
            Vec::new()
        } else {
            vec![parts.join(" ")]
        };
    }
    let (written, methods) = r.opcua_objects();
    written
        .into_iter()
        .chain(methods.into_iter().map(|m| format!("call {m}")))
        .collect()
}

/// Findings of a connection waiting for its next action.
#[derive(Debug)]
struct Waiting {
    since: Ts,
    findings: Vec<Finding>,
}

/// Makes alerts of findings.
#[derive(Debug, Default)]
pub struct Alerter {
    waiting: HashMap<Id, Waiting>,
    /// Waiting connections in the order they started waiting (entries of
    /// connections whose findings left already are skipped).
    order: VecDeque<(Ts, Id)>,
    pub stats: AlertStats,
}

impl Alerter {
    /// The findings of one event. `acted`: the event carried a request
    /// that does something (not a session set-up), on `conn`; `sketch`
    /// describes it when asked.
    pub fn event(
        &mut self,
        findings: &mut Vec<Finding>,
        conn: Option<&ConnId>,
        acted: bool,
        sketch: &mut dyn FnMut() -> Action,
        who: &Who<'_>,
        out: &mut Vec<Event>,
    ) {
        let waiting = match conn {
            Some(c) if acted && !self.waiting.is_empty() => self.waiting.remove(&c.uid),
            _ => None,
        };
        if findings.is_empty() && waiting.is_none() {
            return;
        }
        let mut group = waiting.map(|w| w.findings).unwrap_or_default();
        for f in findings.drain(..) {
            match f.scope {
                Scope::Alone => self.alert(vec![f], None, who, out),
                Scope::Action => group.push(f),
            }
        }
        if group.is_empty() {
            return;
        }
        if acted {
            let action = sketch();
            self.alert(group, Some(action), who, out);
            return;
        }
        // Found before the connection acted: it waits (what has no
        // connection is an alert now).
        let mut by_conn: Vec<(Id, Ts, Vec<Finding>)> = Vec::new();
        for f in group {
            let Some(uid) = f.conn.as_ref().map(|c| c.uid) else {
                self.alert(vec![f], None, who, out);
                continue;
            };
            match by_conn.iter_mut().find(|(u, _, _)| *u == uid) {
                Some((_, _, v)) => v.push(f),
                None => by_conn.push((uid, f.ts, vec![f])),
            }
        }
        for (uid, ts, fs) in by_conn {
            if let Some(w) = self.waiting.get_mut(&uid) {
                w.findings.extend(fs);
                continue;
            }
            if self.waiting.len() >= MAX_WAITING {
                if let Some(w) = self.oldest() {
                    self.stats.flushed_early += 1;
                    self.alert(w.findings, None, who, out);
                }
            }
            self.order.push_back((ts, uid));
            self.waiting.insert(
                uid,
                Waiting {
                    since: ts,
                    findings: fs,
                },
            );
        }
    }

    /// Whether findings wait for a connection to act.
    pub fn waits(&self) -> bool {
        !self.waiting.is_empty()
    }

    /// Findings that make one alert now.
    pub fn group(&mut self, findings: Vec<Finding>, who: &Who<'_>, out: &mut Vec<Event>) {
        self.alert(findings, None, who, out);
    }

    /// The findings of one action without a connection (a layer-2 frame)
    /// that make one alert now.
    pub fn act(
        &mut self,
        findings: Vec<Finding>,
        action: Action,
        who: &Who<'_>,
        out: &mut Vec<Event>,
    ) {
        self.alert(findings, Some(action), who, out);
    }

    /// The waiting findings of the connection that started waiting first.
    fn oldest(&mut self) -> Option<Waiting> {
        while let Some((since, uid)) = self.order.pop_front() {
            if self.waiting.get(&uid).is_some_and(|w| w.since == since) {
                return self.waiting.remove(&uid);
            }
        }
        None
    }

    /// A connection ended: what it had waiting is an alert.
    pub fn conn_end(&mut self, c: &ConnId, who: &Who<'_>, out: &mut Vec<Event>) {
        if let Some(w) = self.waiting.remove(&c.uid) {
            self.alert(w.findings, None, who, out);
        }
    }

    /// Time passes: what waited [`HOLD`] is an alert.
    pub fn tick(&mut self, now: Ts, who: &Who<'_>, out: &mut Vec<Event>) {
        while let Some(&(since, uid)) = self.order.front() {
            // An entry whose findings left already is dropped first, so
            // that the time compared is a live one's.
            if self.waiting.get(&uid).is_none_or(|w| w.since != since) {
                self.order.pop_front();
                continue;
            }
            if now.0.saturating_sub(since.0) < HOLD.0 {
                break;
            }
            self.order.pop_front();
            if let Some(w) = self.waiting.remove(&uid) {
                self.alert(w.findings, None, who, out);
            }
        }
    }

    /// The end of the input: everything waiting is an alert, oldest first.
    pub fn finish(&mut self, who: &Who<'_>, out: &mut Vec<Event>) {
        while let Some(w) = self.oldest() {
            self.alert(w.findings, None, who, out);
        }
    }

    fn alert(
        &mut self,
        findings: Vec<Finding>,
        action: Option<Action>,
        who: &Who<'_>,
        out: &mut Vec<Event>,
    ) {
        let Some(a) = fold(findings, action, who) else {
            return;
        };
        let s = &mut self.stats;
        s.alerts += 1;
        s.by_severity[a.severity.index()] += 1;
        for r in &a.rules {
            match s.by_rule.iter_mut().find(|(sid, _)| *sid == r.sid) {
                Some((_, n)) => *n += 1,
                None => s.by_rule.push((r.sid, 1)),
            }
        }
        out.push(Event::Alert(Box::new(a)));
    }
}

/// Where the alerts learn who the devices are.
pub struct Who<'a> {
    pub inventory: &'a Inventory,
    pub roles: &'a RoleConfig,
}

impl Who<'_> {
    fn party(&self, ip: Option<IpAddr>) -> Party {
        ip.and_then(|ip| self.inventory.devices.get(&ip))
            .map_or_else(Party::default, |d| self.described(d))
    }

    /// A party known by its MAC address only (a layer-2 frame's): the
    /// device kept by that MAC, if any, else the address and its vendor.
    pub fn of_mac(&self, mac: [u8; 6]) -> Party {
        match self.inventory.devices.by_mac(&mac) {
            Some(d) => self.described(d),
            None => Party {
                mac: Some(crate::id::format_mac(mac)),
                vendor: crate::inventory::oui::vendor(mac).map(str::to_string),
                ..Party::default()
            },
        }
    }

    fn described(&self, d: &crate::inventory::Device) -> Party {
        Party {
            mac: d.macs.iter().next().cloned(),
            vendor: d.vendors().first().map(|v| v.to_string()),
            role: crate::inventory::roles(d, self.roles)
                .first()
                .map(|(r, _)| r.name()),
            identity: d.identity(),
        }
    }
}

/// The alert of a group of findings: led by its most severe deviation
/// (the most specific kind among equals), or by its most severe rule.
fn fold(findings: Vec<Finding>, action: Option<Action>, who: &Who<'_>) -> Option<Alert> {
    let lead = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.is_deviation())
        .max_by(|(_, a), (_, b)| a.severity.cmp(&b.severity).then(b.kind.cmp(&a.kind)))
        .or_else(|| {
            findings
                .iter()
                .enumerate()
                .max_by(|(i, a), (j, b)| a.severity.cmp(&b.severity).then(j.cmp(i)))
        })
        .map(|(i, _)| i)?;
    let l = &findings[lead];
    let mut deviations: Vec<NoticeKind> = vec![];
    let mut details: Vec<String> = vec![];
    let mut facts: Vec<String> = vec![];
    let mut techniques: Vec<String> = vec![];
    let mut rules: Vec<RuleHit> = vec![];
    let ordered = std::iter::once(l).chain(
        findings
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != lead)
            .map(|(_, f)| f),
    );
    for f in ordered {
        if let Some(t) = f.technique {
            if !techniques.iter().any(|x| x == t) {
                techniques.push(t.to_string());
            }
        }
        if f.is_deviation() {
            let seen = deviations
                .iter()
                .zip(&details)
                .any(|(k, m)| *k == f.kind && *m == f.msg);
            if !seen {
                deviations.push(f.kind);
                details.push(f.msg.clone());
            }
            if !f.sub.is_empty() && !facts.contains(&f.sub) {
                facts.push(f.sub.clone());
            }
        }
        if let Some(r) = &f.rule {
            for t in &r.techniques {
                if !techniques.contains(t) {
                    techniques.push(t.clone());
                }
            }
            if !rules.iter().any(|x| x.sid == r.sid) {
                rules.push((**r).clone());
            }
        }
    }
    let severity = findings
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Low);
    let ts = findings.iter().map(|f| f.ts).min().unwrap_or(l.ts);
    let last = findings.iter().map(|f| f.ts).max().unwrap_or(l.ts);
    // The lead's connection, or the first one a finding has.
    let (conn, endpoints) = match &l.conn {
        Some(c) => (Some(c.clone()), l.endpoints),
        None => findings
            .iter()
            .find_map(|f| f.conn.as_ref().map(|c| (Some(c.clone()), f.endpoints)))
            .unwrap_or((None, None)),
    };
    let mut action = action.unwrap_or_default();
    if action.requests == 0 {
        action.requests = 1;
    }
    Some(Alert {
        ts,
        last,
        kind: l.kind,
        severity,
        techniques,
        conn,
        endpoints,
        proto: l.proto,
        msg: l.msg.clone(),
        sub: l.sub.clone(),
        src: l.src,
        dst: l.dst,
        p: l.p,
        client: who.party(l.src),
        server: who.party(l.dst),
        action,
        deviations,
        details,
        facts,
        rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(uid: &str) -> ConnId {
        ConnId::tcp(
            uid,
            ([10, 0, 0, 9].into(), 40000),
            ([10, 0, 0, 20].into(), 502),
        )
    }

    fn found(t: i64, kind: NoticeKind, severity: Severity, on: Option<&ConnId>) -> Finding {
        let mut f = Finding::deviation(Ts(t), kind, severity, format!("{kind:?} at {t}"));
        f.conn = on.cloned();
        f.sub = format!("fact of {kind:?}");
        f
    }

    fn rule(t: i64, sid: u32, priority: u8, on: Option<&ConnId>) -> Finding {
        let mut f = found(t, NoticeKind::Rule, Severity::of_priority(priority), on);
        f.rule = Some(Box::new(RuleHit {
            sid,
            rev: 1,
            msg: format!("rule {sid}"),
            priority,
            classtype: None,
            techniques: vec![format!("T{sid}")],
            references: vec![],
            matched: String::new(),
        }));
        f
    }

    struct Run {
        alerter: Alerter,
        inventory: Inventory,
        roles: RoleConfig,
        out: Vec<Event>,
    }

    impl Run {
        fn new() -> Run {
            Run {
                alerter: Alerter::default(),
                inventory: Inventory::default(),
                roles: RoleConfig::default(),
                out: Vec::new(),
            }
        }

        fn event(&mut self, mut findings: Vec<Finding>, on: Option<&ConnId>, acted: bool) {
            let who = Who {
                inventory: &self.inventory,
                roles: &self.roles,
            };
            let mut sketch = || Action {
                protocol: Some("modbus"),
                functions: vec!["WRITE_SINGLE_COIL".into()],
                class: Some("write"),
                objects: vec![],
                requests: 1,
            };
            self.alerter
                .event(&mut findings, on, acted, &mut sketch, &who, &mut self.out);
        }

        fn with_who(&mut self, f: impl FnOnce(&mut Alerter, &Who<'_>, &mut Vec<Event>)) {
            let who = Who {
                inventory: &self.inventory,
                roles: &self.roles,
            };
            f(&mut self.alerter, &who, &mut self.out);
        }

        /// (lead note, severity, deviations, rules) of each alert so far.
        fn alerts(&mut self) -> Vec<(NoticeKind, Severity, Vec<NoticeKind>, Vec<u32>)> {
            self.out
                .drain(..)
                .map(|e| match e {
                    Event::Alert(a) => (
                        a.kind,
                        a.severity,
                        a.deviations.clone(),
                        a.rules.iter().map(|r| r.sid).collect(),
                    ),
                    other => panic!("not an alert: {other:?}"),
                })
                .collect()
        }
    }

    /// An action's deviations and rules are one alert, led by the most
    /// severe deviation, at the highest severity of all.
    #[test]
    fn an_action_s_findings_are_one_alert() {
        let c = conn("C1");
        let mut r = Run::new();
        r.event(
            vec![
                found(1, NoticeKind::NewFunction, Severity::High, Some(&c)),
                rule(1, 7, 1, Some(&c)),
                found(1, NoticeKind::WriteOnReadOnlyEdge, Severity::High, Some(&c)),
                rule(1, 8, 3, Some(&c)),
            ],
            Some(&c),
            true,
        );
        let a = r.alerts();
        assert_eq!(
            a,
            vec![(
                NoticeKind::WriteOnReadOnlyEdge,
                Severity::Critical,
                vec![NoticeKind::WriteOnReadOnlyEdge, NoticeKind::NewFunction],
                vec![7, 8],
            )]
        );
        assert_eq!(r.alerter.stats.alerts, 1);
        assert_eq!(r.alerter.stats.by_severity, [1, 0, 0, 0]);
        assert_eq!(r.alerter.stats.by_rule, vec![(7, 1), (8, 1)]);
    }

    /// What a connection raised before it acted (a new device and edge at
    /// its start) joins the alert of its first action; another
    /// connection's waiting findings stay apart.
    #[test]
    fn findings_wait_for_their_connection_s_action() {
        let (c, d) = (conn("C1"), conn("C2"));
        let mut r = Run::new();
        r.event(
            vec![
                found(1, NoticeKind::NewDevice, Severity::Medium, Some(&c)),
                found(1, NoticeKind::NewEdge, Severity::Medium, Some(&c)),
            ],
            Some(&c),
            false,
        );
        r.event(
            vec![found(2, NoticeKind::NewEdge, Severity::Medium, Some(&d))],
            Some(&d),
            false,
        );
        assert!(r.alerts().is_empty() && r.alerter.waits());
        r.event(
            vec![found(
                3,
                NoticeKind::NewClientWrite,
                Severity::High,
                Some(&c),
            )],
            Some(&c),
            true,
        );
        let a = r.alerts();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].0, NoticeKind::NewClientWrite);
        assert_eq!(
            a[0].2,
            vec![
                NoticeKind::NewClientWrite,
                NoticeKind::NewDevice,
                NoticeKind::NewEdge
            ]
        );
        // An unremarkable action of the other connection: its waiting
        // findings are an alert of their own.
        r.event(vec![], Some(&d), true);
        assert_eq!(r.alerts()[0].2, vec![NoticeKind::NewEdge]);
        assert!(!r.alerter.waits());
    }

    /// Waiting ends at the connection's end, after HOLD of traffic time,
    /// or at the end of the input; findings about a device or an edge as a
    /// whole never wait.
    #[test]
    fn waiting_ends_at_conn_end_hold_or_finish() {
        let (c, d, e) = (conn("C1"), conn("C2"), conn("C3"));
        let mut r = Run::new();
        for (t, on) in [(0, &c), (HOLD.0 / 2, &d), (HOLD.0 - 1, &e)] {
            r.event(
                vec![found(t, NoticeKind::NewEdge, Severity::Medium, Some(on))],
                Some(on),
                false,
            );
        }
        r.with_who(|a, who, out| a.conn_end(&c, who, out));
        assert_eq!(r.alerts().len(), 1);
        // C1's entry left already: the tick must not take C2 before its
        // time.
        r.with_who(|a, who, out| a.tick(Ts(HOLD.0), who, out));
        assert!(r.alerts().is_empty());
        r.with_who(|a, who, out| a.tick(Ts(HOLD.0 / 2 + HOLD.0), who, out));
        assert_eq!(r.alerts().len(), 1);
        r.with_who(|a, who, out| a.finish(who, out));
        assert_eq!(r.alerts().len(), 1);
        let mut silent = found(9, NoticeKind::EdgeSilent, Severity::Medium, Some(&c));
        silent.scope = Scope::Alone;
        r.event(vec![silent], None, false);
        assert_eq!(r.alerts()[0].0, NoticeKind::EdgeSilent);
        assert_eq!(r.alerter.stats.alerts, 4);
    }

    /// At MAX_WAITING connections waiting, the oldest becomes an alert
    /// early, counted; nothing is lost.
    #[test]
    fn the_waiting_table_is_capped_and_counted() {
        let mut r = Run::new();
        let n = MAX_WAITING + 3;
        for i in 0..n {
            let c = conn(&format!("C{i}"));
            r.event(
                vec![found(1, NoticeKind::NewEdge, Severity::Medium, Some(&c))],
                Some(&c),
                false,
            );
        }
        assert_eq!(r.alerter.stats.flushed_early, 3);
        assert_eq!(r.alerts().len(), 3);
        r.with_who(|a, who, out| a.finish(who, out));
        assert_eq!(r.alerts().len(), MAX_WAITING);
    }
}
