//! The consumer of the merged event stream: hands every event (and each
//! request it carries) to the deviation detector, the rule engine, the
//! inventory and the baseline being learned, in that order, and makes the
//! detector's deviations and the rules' matches into alerts (one per
//! action, `super::alerts`) to be written.

use super::alerts::{ActionSketch, AlertStats, Alerter, Who};
use super::opcua::SessionChannels;
use super::{requests, FunctionClass, OpcUaActivate, OpcUaChannel, Request};
use crate::baseline::{Baseline, DetectConfig, Detector, EdgeChecks, Learner, RequestFacts};
use crate::event::{ConnId, Event, Finding, MatchedOn, NoticeKind, RuleMatch, Scope, Severity};
use crate::inventory::{Inventory, RoleConfig};
use crate::rules::{Engine, EngineStats, RuleChecks, RuleSet};
use crate::time::Ts;

/// What a run learns and checks besides its logs.
#[derive(Clone, Debug, Default)]
pub struct ObserveConfig {
    /// Learn a baseline (returned by the run).
    pub learn: bool,
    /// Detect deviations from this baseline.
    pub baseline: Option<Baseline>,
    pub detect: DetectConfig,
    pub roles: RoleConfig,
    /// Rewrite `known_devices.log` in this directory every this many
    /// seconds of traffic (live sensors; the end of a run writes it
    /// anyway).
    pub inventory_every: Option<(std::path::PathBuf, u64)>,
    /// The format of `known_devices.log` (the run's log format).
    pub inventory_format: crate::output::LogFormat,
    /// Rules to evaluate, and the window (seconds) within which a rule's
    /// repeats for the same source and destination are suppressed.
    pub rules: Option<(RuleSet, u64)>,
    /// Learn for this many seconds of traffic, save the baseline to this
    /// file, then detect with it.
    pub learn_for: Option<(u64, std::path::PathBuf)>,
}

/// What the observer has to say to the operator (the run prints it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Info(String),
    /// Something went wrong and the run goes on.
    Problem(String),
}

/// The periodic rewrite of `known_devices.log`.
#[derive(Debug)]
struct Snapshots {
    dir: std::path::PathBuf,
    format: crate::output::LogFormat,
    every_us: i64,
    next: Option<i64>,
    written: u64,
    error: Option<String>,
}

impl Snapshots {
    fn due(&mut self, ts: i64) -> bool {
        match self.next {
            None => {
                self.next = Some(ts + self.every_us);
                false
            }
            Some(n) if ts >= n => {
                self.next = Some(ts + self.every_us);
                true
            }
            Some(_) => false,
        }
    }

    /// Writes beside the log and renames, so readers never see half a file.
    fn write(&mut self, inv: &Inventory, roles: &RoleConfig) {
        let tmp = self.dir.join(".known_devices.log.tmp");
        let res = crate::inventory::write_log(&tmp, inv.devices.values(), roles, self.format)
            .and_then(|_| std::fs::rename(&tmp, self.dir.join("known_devices.log")));
        match res {
            Ok(()) => self.written += 1,
            Err(e) => {
                self.error
                    .get_or_insert_with(|| format!("{}: {e}", tmp.display()));
            }
        }
    }
}

pub struct Observer {
    pub inventory: Inventory,
    learner: Option<Learner>,
    detector: Option<Detector>,
    pub roles: RoleConfig,
    snapshots: Option<Snapshots>,
    rules: Option<Engine>,
    /// What the detector found in the current event...
    deviations: Vec<Finding>,
    /// ... what the rules matched...
    matches: Vec<Finding>,
    /// ... and, once the rules saw the deviations, all of it.
    found: Vec<Finding>,
    /// The rule matches handed on while reading the current event, each
    /// with what it matched on (eve.json), to go out with its alerts.
    handed_on: Vec<Event>,
    alerter: Alerter,
    learn_for: Option<(i64, std::path::PathBuf)>,
    detect: DetectConfig,
    first_ts: Option<i64>,
    /// Messages for the operator (baseline saved, switched to detection).
    pub messages: Vec<Message>,
    /// Edges and functions a finished `--learn-for` did not learn (caps).
    learned_dropped: u64,
    /// Deviations repeated by detectors a reload replaced.
    replaced_detectors: u64,
    /// State resets of rule engines a reload replaced.
    replaced_resets: u64,
    /// ... and their matches.
    replaced_matches: u64,
    /// OPC UA secure channels waiting to carry a session, whose security
    /// the baseline learns and checks then.
    channels: SessionChannels,
    /// The workers learn the requests, connections and sessions of the
    /// edges (this learner gets their shares at the end).
    learn_in_workers: bool,
}

/// The checks a worker runs on its events for the observer, and its
/// share of the baseline being learned (given back at the end,
/// [`Observer::absorb`]).
#[derive(Default)]
pub struct WorkerChecks {
    pub edges: Option<EdgeChecks>,
    pub rules: Option<RuleChecks>,
    pub learner: Option<Learner>,
}

impl WorkerChecks {
    /// Learns what an event teaches about its edges (as the observer
    /// would: its requests, its end, an OPC UA session's identity).
    pub fn learn(l: &mut Learner, e: &Event) {
        requests(e, &mut |r| l.request(r));
        match e {
            Event::Conn(c) => l.conn_end(c),
            Event::OpcUaRequest(r) => {
                if let Some(a) = OpcUaActivate::of(r) {
                    l.opcua_activate(&a);
                }
            }
            _ => {}
        }
    }
}

/// What a worker's checks found for one event: per request, the
/// baseline's per-edge checks; the rules that matched each check.
#[derive(Clone, Copy, Debug, Default)]
pub struct Checked<'a> {
    pub requests: Option<&'a [RequestFacts]>,
    pub rules: Option<&'a [u32]>,
}

/// What remains when the input ends.
pub struct Observed {
    pub inventory: Inventory,
    pub baseline: Option<Baseline>,
    pub roles: RoleConfig,
    /// Edges and functions not learned because of the caps.
    pub edges_dropped: u64,
    /// The caps of the inventory, the baseline, the detector and the rules
    /// reached (otwatch_stats.log).
    pub caps: crate::stats::ObserveCounters,
    /// Periodic rewrites of `known_devices.log`, and the first that failed.
    pub snapshots: u64,
    pub snapshot_error: Option<String>,
    /// The rule engine's counters, when rules were loaded.
    pub rules: Option<EngineStats>,
    /// The alerts made.
    pub alerts: AlertStats,
}

impl Observer {
    pub fn new(cfg: &ObserveConfig) -> Observer {
        Observer {
            inventory: Inventory::default(),
            learner: (cfg.learn || cfg.learn_for.is_some()).then(Learner::default),
            detector: cfg.baseline.clone().map(|b| Detector::new(b, cfg.detect)),
            roles: cfg.roles,
            rules: cfg
                .rules
                .clone()
                .map(|(set, window)| Engine::new(set, window)),
            deviations: Vec::new(),
            matches: Vec::new(),
            found: Vec::new(),
            handed_on: Vec::new(),
            alerter: Alerter::default(),
            learn_for: cfg
                .learn_for
                .as_ref()
                .map(|(secs, path)| (*secs as i64 * 1_000_000, path.clone())),
            detect: cfg.detect,
            first_ts: None,
            messages: Vec::new(),
            learned_dropped: 0,
            replaced_detectors: 0,
            replaced_resets: 0,
            replaced_matches: 0,
            channels: SessionChannels::default(),
            learn_in_workers: false,
            snapshots: cfg.inventory_every.as_ref().map(|(dir, secs)| Snapshots {
                dir: dir.clone(),
                format: cfg.inventory_format,
                every_us: (*secs as i64).max(1) * 1_000_000,
                next: None,
                written: 0,
                error: None,
            }),
        }
    }

    /// The checks for a worker to run on its events: the baseline's
    /// per-edge checks and the matching of rules, when there are a
    /// baseline and rules. What they find is given back to
    /// [`Observer::read`] with each event.
    pub fn worker_checks(&mut self) -> WorkerChecks {
        // A whole run's edges are learned by the workers; learning for a
        // set time ends on the merged clock, here.
        self.learn_in_workers = self.learner.is_some() && self.learn_for.is_none();
        WorkerChecks {
            edges: self.detector.as_ref().map(Detector::worker_checks),
            rules: self.rules.as_ref().map(Engine::worker_checks),
            learner: self.learn_in_workers.then(Learner::default),
        }
    }

    /// What the workers learned, at the end of the input.
    pub fn absorb(&mut self, learned: Vec<Learner>) {
        if let Some(l) = self.learner.as_mut() {
            for w in learned {
                l.absorb(w);
            }
        }
    }

    /// Reads one event; the alerts it completes go to `alerts`.
    /// Every rule match handed on goes there too, as a
    /// [`Event::RuleMatch`] (before the alerts of the event). `checked`:
    /// what a worker's checks found for it (used while the detector and
    /// the engine they were made for are).
    pub fn read(&mut self, e: &Event, checked: Checked<'_>, alerts: &mut Vec<Event>) {
        let at = alerts.len();
        let requests = checked
            .requests
            .filter(|_| self.detector.as_ref().is_some_and(Detector::shared));
        if let Some(r) = self.rules.as_mut() {
            r.given(checked.rules.filter(|_| r.shared()));
        }
        let last = self.event(e, requests, alerts);
        if let Some(r) = self.rules.as_mut() {
            r.given(None);
        }
        // Most events hand nothing on (a splice is not free even then).
        if !self.handed_on.is_empty() {
            alerts.splice(at..at, self.handed_on.drain(..));
        }
        self.after(last.map(|t| t.0));
    }

    /// Time passes for the detector (an event it has nothing else to say
    /// about).
    fn tick(&mut self, ts: Ts, alerts: &mut Vec<Event>) {
        if let Some(d) = self.detector.as_mut() {
            d.tick(ts, &mut self.deviations);
            self.deviations(alerts);
        }
    }

    /// One request, to every reader in turn.
    fn request(
        &mut self,
        r: &Request<'_>,
        checked: Option<&RequestFacts>,
        alerts: &mut Vec<Event>,
    ) {
        if let Some(d) = self.detector.as_mut() {
            d.request_checked(r, checked, &mut self.deviations);
            self.deviations(alerts);
        }
        if let Some(e) = self.rules.as_mut() {
            e.request(r, &mut self.matches);
            self.matches(&|| on_request(r));
        }
        self.inventory.request(r);
        if let Some(l) = self.learner.as_mut().filter(|_| !self.learn_in_workers) {
            l.request(r);
        }
    }

    /// Reads one event; returns its time when a reader looked at it.
    fn event(
        &mut self,
        e: &Event,
        checked: Option<&[RequestFacts]>,
        alerts: &mut Vec<Event>,
    ) -> Option<Ts> {
        let mut last = None;
        match e {
            Event::ConnStart(s) => {
                if let Some(d) = self.detector.as_mut() {
                    d.conn_start(s, &mut self.deviations);
                    self.deviations(alerts);
                }
                self.inventory.conn_start(s);
                last = Some(s.ts);
            }
            Event::Conn(c) => {
                if let Some(d) = self.detector.as_mut() {
                    d.conn_end(c, &mut self.deviations);
                    self.deviations(alerts);
                }
                if let Some(r) = self.rules.as_mut() {
                    r.conn(c, &mut self.matches);
                    self.matches(&|| (app_proto(&c.service), MatchedOn::Other));
                }
                self.inventory.conn_end(c);
                self.channels.close(&c.id);
                if let Some(l) = self.learner.as_mut().filter(|_| !self.learn_in_workers) {
                    l.conn_end(c);
                }
                last = Some(c.ts);
            }
            Event::Enip(m) => {
                self.tick(m.head.ts, alerts);
                if let Some(r) = self.rules.as_mut() {
                    r.enip(m, &mut self.matches);
                    let command = m.command;
                    self.matches(&|| (Some("enip"), MatchedOn::Enip { command }));
                }
                last = Some(m.head.ts);
            }
            Event::Cip(m) => {
                if let Some(r) = self.rules.as_mut() {
                    r.cip(m, &mut self.matches);
                    self.matches(&|| on_cip(m));
                }
            }
            Event::ModbusTransaction(t) => {
                if let Some(r) = self.rules.as_mut() {
                    r.modbus_exception(t, &mut self.matches);
                    self.matches(&|| on_exception(t));
                }
            }
            Event::CipIo(io) => {
                self.tick(io.head.ts, alerts);
                self.inventory.cip_io(io);
                last = Some(io.head.ts);
            }
            Event::CipIdentity(i) => {
                if let Some(d) = self.detector.as_mut() {
                    d.cip_identity(i, &mut self.deviations);
                    self.deviations(alerts);
                }
                if let Some(r) = self.rules.as_mut() {
                    r.cip_identity(i, &mut self.matches);
                    // A List Identity reply.
                    self.matches(&|| (Some("enip"), MatchedOn::Enip { command: 0x63 }));
                }
                self.inventory.cip_identity(i);
                last = Some(i.head.ts);
            }
            Event::Dcp(f) => {
                self.tick(f.ts, alerts);
                self.dcp(f, alerts);
                self.inventory.dcp(f);
                if let Some(l) = self.learner.as_mut() {
                    l.dcp(f);
                }
                last = Some(f.ts);
            }
            Event::S7Identity(i) => {
                // The answer's event is the news; the connection's end
                // repeats it for the log.
                let news = i.moment == crate::event::s7::Moment::Answer;
                if let Some(d) = self.detector.as_mut().filter(|_| news) {
                    d.s7_identity(i, &mut self.deviations);
                    self.deviations(alerts);
                }
                self.inventory.s7_identity(i);
                last = Some(i.sent.ts);
            }
            Event::ModbusDeviceId(d) => {
                if let crate::event::modbus::DeviceId::Object { head, .. } = d.as_ref() {
                    if let Some(det) = self.detector.as_mut() {
                        det.modbus_object(d, &mut self.deviations);
                        self.deviations(alerts);
                    }
                    self.inventory.modbus_object(d);
                    last = Some(head.ts);
                }
            }
            Event::PayloadMatch(m) => {
                self.tick(m.ts, alerts);
                if let Some(r) = self.rules.as_mut() {
                    r.payload(m, &mut self.matches);
                    let services: Vec<&str> = m.service.into_iter().collect();
                    self.matches(&|| (app_proto(&services), MatchedOn::Other));
                }
                last = Some(m.ts);
            }
            Event::ModbusUmas(u) => {
                self.tick(u.ts, alerts);
                if let Some(r) = self.rules.as_mut() {
                    r.umas(u, &mut self.matches);
                    let on = MatchedOn::Modbus {
                        unit: u.unit,
                        // Function 90 carries UMAS; its code is the sub-function.
                        function: 0x5A,
                        sub: Some(u16::from(u.code)),
                        range: None,
                        exception: None,
                    };
                    self.matches(&|| (Some("modbus"), on.clone()));
                }
                last = Some(u.ts);
            }
            Event::OpcUaRequest(r) => {
                if let Some(a) = OpcUaActivate::of(r) {
                    self.tick(a.ts, alerts);
                    if let Some(d) = self.detector.as_mut() {
                        d.opcua_activate(&a, &mut self.deviations);
                        self.deviations(alerts);
                    }
                    if let Some(rules) = self.rules.as_mut() {
                        rules.opcua_activate(&a, &mut self.matches);
                        self.matches(&|| opcua("ActivateSession"));
                    }
                    if let Some(l) = self.learner.as_mut().filter(|_| !self.learn_in_workers) {
                        l.opcua_activate(&a);
                    }
                    last = Some(a.ts);
                }
            }
            Event::OpcUaApplication(a) => {
                if let Some(d) = self.detector.as_mut() {
                    d.opcua_application(a, &mut self.deviations);
                    self.deviations(alerts);
                }
                self.inventory.opcua_application(a);
                last = Some(a.ts);
            }
            Event::CaptureLoss(c) if c.percent_lost > c.threshold => {
                self.found.push(Finding {
                    sub: format!("threshold {:.2}%", c.threshold),
                    scope: Scope::Alone,
                    ..Finding::deviation(
                        c.ts,
                        NoticeKind::CaptureLoss,
                        Severity::Low,
                        format!(
                            "{:.2}% of packets lost by the capture in the last interval",
                            c.percent_lost
                        ),
                    )
                });
            }
            Event::SpoolLoss(l) => {
                self.found.push(Finding {
                    sub: format!("{} events dropped so far", l.dropped),
                    scope: Scope::Alone,
                    ..Finding::deviation(
                        l.ts,
                        NoticeKind::SpoolLoss,
                        if l.alerts {
                            Severity::High
                        } else {
                            Severity::Medium
                        },
                        l.describe(),
                    )
                });
            }
            _ => {}
        }
        // The connection of the event's first request that acts (not a
        // session set-up), when findings wait for it.
        let mut acted: Option<Option<ConnId>> = None;
        let mut checked = checked.map(<[RequestFacts]>::iter);
        requests(e, &mut |r| {
            self.request(r, checked.as_mut().and_then(Iterator::next), alerts);
            if acted.is_none() && !matches!(r.class, FunctionClass::Session | FunctionClass::Other)
            {
                acted = Some(self.alerter.waits().then(|| r.id.clone()));
            }
            last = Some(r.ts);
        });
        // Suricata's `modbus:` judges the transaction (its request, or its
        // response alone): after the request's other readers.
        if let (Event::ModbusTransaction(t), Some(r)) = (e, self.rules.as_mut()) {
            r.modbus(t, &mut self.matches);
            self.matches(&|| match super::modbus_request(t) {
                Some(q) => on_request(&q),
                None => on_exception(t),
            });
        }
        // After its request: the secure channel a message opens (the
        // rules judge it now; the baseline when it carries a session).
        if let Event::OpcUaMessage(m) = e {
            if let Some(c) = OpcUaChannel::of(m) {
                self.tick(c.ts, alerts);
                if let Some(r) = self.rules.as_mut() {
                    r.opcua_channel(&c, &mut self.matches);
                    self.matches(&|| opcua("OpenSecureChannel"));
                }
                if self.detector.is_some() || self.learner.is_some() {
                    self.channels.open(&c);
                }
                last = Some(c.ts);
            }
            if let Some(open) = self.channels.used(m) {
                let c = open.on(&m.id);
                if let Some(d) = self.detector.as_mut() {
                    d.opcua_channel(&c, &mut self.deviations);
                    self.deviations(alerts);
                }
                if let Some(l) = self.learner.as_mut() {
                    l.opcua_channel(&c);
                }
            }
        }
        let who = Who {
            inventory: &self.inventory,
            roles: &self.roles,
        };
        self.alerter.event(
            &mut self.found,
            acted.as_ref().and_then(Option::as_ref),
            acted.is_some(),
            &mut || {
                let mut sketch = ActionSketch::default();
                requests(e, &mut |r| sketch.add(r));
                sketch.action
            },
            &who,
            alerts,
        );
        if let Event::Conn(c) = e {
            self.alerter.conn_end(&c.id, &who, alerts);
        }
        if let Some(ts) = last {
            self.alerter.tick(ts, &who, alerts);
        }
        last
    }

    /// After an event a reader looked at (at `last`): the periodic
    /// inventory snapshot, and the end of a set learning time.
    fn after(&mut self, last: Option<i64>) {
        if let (Some(s), Some(ts)) = (self.snapshots.as_mut(), last) {
            if s.due(ts) {
                s.write(&self.inventory, &self.roles);
                // While learning for a set time: a checkpoint of the
                // baseline beside the file it will be saved to.
                if let (Some(l), Some((_, path))) = (&self.learner, &self.learn_for) {
                    let tmp = path.with_extension("partial.json");
                    if let Err(e) = l.checkpoint(&self.inventory).save(&tmp) {
                        s.error.get_or_insert(e.to_string());
                    }
                }
            }
        }
        if let Some(ts) = last {
            let first = *self.first_ts.get_or_insert(ts);
            if self
                .learn_for
                .as_ref()
                .is_some_and(|(d, _)| ts - first >= *d)
            {
                self.end_learning();
            }
        }
    }

    /// `--learn-for` elapsed: saves the baseline learned so far and starts
    /// detecting with it.
    fn end_learning(&mut self) {
        let Some((_, path)) = self.learn_for.take() else {
            return;
        };
        let Some(l) = self.learner.take() else { return };
        self.learned_dropped += l.dropped;
        let b = l.finish(&self.inventory);
        match b.save(&path) {
            Ok(()) => self.messages.push(Message::Info(format!(
                "learned {} devices and {} edges; baseline saved to {}; detecting",
                b.devices.len(),
                b.edges.len(),
                path.display()
            ))),
            Err(e) => self.messages.push(Message::Problem(format!(
                "baseline not saved ({e}); detecting with it"
            ))),
        }
        if let Some(d) = &self.detector {
            d.retire();
        }
        self.detector = Some(Detector::new(b, self.detect));
    }

    /// Replaces the rules (a reload); the old ones stay if `set` is None.
    pub fn set_rules(&mut self, set: RuleSet, window: u64) {
        if let Some(r) = &self.rules {
            self.replaced_resets += r.stats.state_resets;
            self.replaced_matches += r.stats.matches;
            r.retire();
        }
        self.rules = Some(Engine::new(set, window));
    }

    /// Replaces the baseline deviations are detected against.
    pub fn set_baseline(&mut self, b: Baseline) {
        if let Some(d) = &self.detector {
            self.replaced_detectors += d.repeated();
            d.retire();
        }
        self.detector = Some(Detector::new(b, self.detect));
    }

    /// The detector's deviations, each with the rules that match it: a
    /// deviation about a device or an edge as a whole is an alert now,
    /// the others join the event's findings.
    /// A PROFINET DCP frame before the detector and the rules, its sender
    /// and receiver named by the addresses the inventory knows their MACs
    /// by: what they find of it is one alert.
    fn dcp(&mut self, f: &crate::event::profinet::Dcp, alerts: &mut Vec<Event>) {
        let src = self.inventory.ip_of_mac(&f.src);
        let dst = self.inventory.ip_of_mac(&f.dst);
        let start = self.found.len();
        if let Some(d) = self.detector.as_mut() {
            d.dcp(f, src, dst, &mut self.deviations);
            for n in self.deviations.drain(..) {
                if let Some(r) = self.rules.as_mut() {
                    r.deviation(&n, &mut self.matches);
                }
                self.found.push(n);
            }
        }
        if let Some(r) = self.rules.as_mut() {
            r.dcp(f, src, dst, &mut self.matches);
        }
        let on = MatchedOn::ProfinetDcp {
            src_mac: f.src,
            dst_mac: f.dst,
            service: f.header.service_id,
        };
        self.matches(&|| (Some("profinet_dcp"), on.clone()));
        if self.found.len() > start {
            let group: Vec<Finding> = self.found.drain(start..).collect();
            let set = f.is_set_request();
            let d = &f.device;
            let mut objects: Vec<String> = d
                .name_of_station
                .iter()
                .map(|n| format!("name of station {}", String::from_utf8_lossy(n)))
                .collect();
            objects.extend(d.ip.map(|ip| format!("IP {}", std::net::Ipv4Addr::from(ip.address))));
            let action = crate::event::Action {
                protocol: Some("profinet_dcp"),
                functions: vec![crate::logs::profinet::service_name(f.header.service_id).into()],
                class: Some(if set { "engineering" } else { "identification" }),
                objects,
                requests: 1,
            };
            let who = Who {
                inventory: &self.inventory,
                roles: &self.roles,
            };
            let before = alerts.len();
            self.alerter.act(group, action, &who, alerts);
            // A party the inventory knows no address for is named by the
            // frame's MAC address.
            for e in alerts.iter_mut().skip(before) {
                if let Event::Alert(a) = e {
                    if a.src.is_none() {
                        a.client = who.of_mac(f.src);
                    }
                    if a.dst.is_none() {
                        a.server = who.of_mac(f.dst);
                    }
                }
            }
        }
    }

    fn deviations(&mut self, alerts: &mut Vec<Event>) {
        if self.deviations.is_empty() {
            return;
        }
        let mut found = std::mem::take(&mut self.deviations);
        for n in found.drain(..) {
            if let Some(r) = self.rules.as_mut() {
                r.deviation(&n, &mut self.matches);
            }
            let start = self.found.len();
            self.found.push(n);
            self.matches(&|| (None, MatchedOn::Other));
            if self.found[start].scope == Scope::Alone {
                let group: Vec<Finding> = self.found.drain(start..).collect();
                let who = Who {
                    inventory: &self.inventory,
                    roles: &self.roles,
                };
                self.alerter.group(group, &who, alerts);
            }
        }
        self.deviations = found;
    }

    /// The rules' matches: learned when learning, dropped when the
    /// baseline learned them (counted), else found and handed on with
    /// what they matched on (`on`, asked only when there is a match).
    fn matches(&mut self, on: &dyn Fn() -> (Option<&'static str>, MatchedOn)) {
        if self.matches.is_empty() {
            return;
        }
        for f in self.matches.drain(..) {
            if let (Some(rule), Some(src)) = (&f.rule, f.src) {
                if let Some(l) = self.learner.as_mut() {
                    l.rule_match(f.ts, rule, src, f.dst);
                }
                if self
                    .detector
                    .as_ref()
                    .is_some_and(|d| d.knows_rule(rule.sid, src, f.dst))
                {
                    self.alerter.stats.rules_baselined += 1;
                    continue;
                }
            }
            if f.rule.is_some() {
                let (app_proto, on) = on();
                self.handed_on.push(Event::RuleMatch(Box::new(RuleMatch {
                    finding: f.clone(),
                    app_proto,
                    on,
                })));
            }
            self.found.push(f);
        }
    }

    /// The rule engine's counters so far (for periodic metrics).
    pub fn rule_stats(&self) -> Option<&crate::rules::EngineStats> {
        self.rules.as_ref().map(|r| &r.stats)
    }

    /// The alerts made so far (for periodic metrics).
    pub fn alert_stats(&self) -> &AlertStats {
        &self.alerter.stats
    }

    /// The end of the input at `last`: the last deviations (silent edges)
    /// and the findings still waiting for their connection to act.
    pub fn finish(mut self, last: Ts, alerts: &mut Vec<Event>) -> Observed {
        if let Some(d) = self.detector.as_mut() {
            d.finish(last, &mut self.deviations);
            self.deviations(alerts);
        }
        alerts.append(&mut self.handed_on);
        {
            let who = Who {
                inventory: &self.inventory,
                roles: &self.roles,
            };
            self.alerter.finish(&who, alerts);
        }
        // Stopped while learning for a set time: what was learned is saved
        // where the baseline would go, so that a restart can use it.
        if let Some((_, path)) = self.learn_for.take() {
            if let Some(l) = self.learner.take() {
                self.learned_dropped += l.dropped;
                let b = l.finish(&self.inventory);
                match b.save(&path) {
                    Ok(()) => tracing::info!(
                        "stopped while learning: baseline so far ({} devices, {} edges) saved to {}",
                        b.devices.len(),
                        b.edges.len(),
                        path.display()
                    ),
                    Err(e) => {
                        tracing::error!("stopped while learning: baseline not saved: {e}")
                    }
                }
            }
        }
        let (baseline, edges_dropped) = match self.learner {
            Some(l) => {
                let dropped = l.dropped;
                (Some(l.finish(&self.inventory)), dropped)
            }
            None => (None, 0),
        };
        let (snapshots, snapshot_error) =
            self.snapshots.map_or((0, None), |s| (s.written, s.error));
        let repeated = self.replaced_detectors + self.detector.as_ref().map_or(0, |d| d.repeated());
        let caps = crate::stats::ObserveCounters {
            devices_dropped: self.inventory.dropped,
            baseline_dropped: edges_dropped + self.learned_dropped + self.channels.dropped,
            deviations_repeated: repeated,
            rule_state_resets: self.replaced_resets
                + self.rules.as_ref().map_or(0, |r| r.stats.state_resets),
            rule_matches: self.replaced_matches
                + self.rules.as_ref().map_or(0, |r| r.stats.matches),
            alerts: self.alerter.stats.alerts,
            alerts_flushed_early: self.alerter.stats.flushed_early,
            peers_dropped: self.inventory.peers_dropped(),
        };
        Observed {
            inventory: self.inventory,
            baseline,
            roles: self.roles,
            edges_dropped,
            caps,
            snapshots,
            snapshot_error,
            rules: self.rules.map(|r| r.stats),
            alerts: self.alerter.stats,
        }
    }
}

/// Suricata's name of a connection's application protocol, from the
/// name `conn.log`'s `service` column gives it.
fn app_proto(service: &[&str]) -> Option<&'static str> {
    service.iter().find_map(|s| match *s {
        "modbus" => Some("modbus"),
        "enip" | "cip" => Some("enip"),
        "opcua" | "opcua-binary" => Some("opcua"),
        "s7comm" => Some("s7comm"),
        _ => None,
    })
}

fn opcua(service: &'static str) -> (Option<&'static str>, MatchedOn) {
    (Some("opcua"), MatchedOn::OpcUa { service })
}

/// What a request rule matched on.
fn on_request(r: &Request<'_>) -> (Option<&'static str>, MatchedOn) {
    use super::{Detail, Function};
    match (r.function, r.detail) {
        (Function::Modbus(function, sub), detail) => {
            let unit = match (detail, r.modbus) {
                (Detail::Modbus { unit, .. }, _) => unit,
                (_, Some(m)) => m.unit,
                _ => 0,
            };
            let on = MatchedOn::Modbus {
                unit,
                function,
                sub,
                range: r.modbus.map(|m| (m.start, m.count)),
                exception: None,
            };
            (Some("modbus"), on)
        }
        (
            Function::Cip {
                service,
                class,
                naming_class,
            },
            detail,
        ) => {
            let (instance, attribute, tag) = match detail {
                Detail::Cip {
                    instance,
                    attribute,
                    tag,
                } => (instance, attribute, tag.map(|t| super::tag_name(&t))),
                _ => (None, None, None),
            };
            let on = MatchedOn::Cip {
                service,
                class,
                naming_class,
                instance,
                attribute,
                tag,
            };
            (Some("enip"), on)
        }
        (Function::Enip(command), _) => (Some("enip"), MatchedOn::Enip { command }),
        (Function::OpcUa(service), _) => opcua(service),
        (Function::S7 { function, pi }, _) => (
            Some("s7comm"),
            MatchedOn::S7 {
                function: Some(function),
                pi_service: pi.map(|p| p.as_str()),
                userdata: None,
            },
        ),
        (Function::S7Userdata { group, subfunction }, _) => (
            Some("s7comm"),
            MatchedOn::S7 {
                function: None,
                pi_service: None,
                userdata: Some((group, subfunction)),
            },
        ),
    }
}

/// What a rule on a CIP message matched on: the request it sends (an
/// Unconnected Send's, the one it carries).
fn on_cip(m: &crate::event::enip::Cip) -> (Option<&'static str>, MatchedOn) {
    let path = m.path.unwrap_or_default();
    let on = MatchedOn::Cip {
        service: m.service,
        class: path.class,
        naming_class: m.naming_class.or(path.target_class()),
        instance: path.instance,
        attribute: path.attribute,
        tag: path.tag.map(|t| super::tag_name(&t)),
    };
    (Some("enip"), on)
}

/// What a rule on a Modbus exception matched on.
fn on_exception(t: &crate::event::modbus::Transaction) -> (Option<&'static str>, MatchedOn) {
    use crate::event::modbus::{Response, EXCEPTION_BIT};
    let Some(r) = &t.response else {
        return (Some("modbus"), MatchedOn::Other);
    };
    let exception = match r.body.get() {
        Some(&Response::Exception { code }) => Some(code),
        _ => None,
    };
    let on = MatchedOn::Modbus {
        unit: r.unit,
        function: r.function & !EXCEPTION_BIT,
        sub: None,
        range: None,
        exception,
    };
    (Some("modbus"), on)
}
