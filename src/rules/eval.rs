//! Matching rules against events, the requests they carry and baseline
//! deviations, with thresholds, detection filters and suppression of
//! repeats.

use super::ast::{Cond, IdentityField, Proto, Rule, ThresholdKind};
use super::modbus::Msg;
use super::payload::Buffer;
use super::RuleSet;
use crate::event::enip::{Carried, Cip, Embedded, Encapsulation, Identity, Path};
use crate::event::modbus::{Response, Transaction, Umas};
use crate::event::profinet::Dcp;
use crate::event::{
    Conn, ConnId, Dir, Finding, NoticeKind, PayloadMatch, RuleHit, Scope, Severity,
};
use crate::observe::{Detail, Function, Offload, OpcUaActivate, OpcUaChannel, Request};
use crate::time::Ts;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Threshold windows and suppression entries kept; past this the table
/// is cleared (counted) rather than grown.
pub const MAX_STATE: usize = 100_000;

/// What is matched, by kind.
pub(super) enum Kind<'a> {
    Request(&'a Request<'a>),
    Conn(&'a Conn),
    Channel(&'a OpcUaChannel<'a>),
    Activate(&'a OpcUaActivate<'a>),
    Enip(&'a Encapsulation),
    /// A CIP message (Suricata's `cip_service` and path keywords read
    /// requests, its status keywords replies).
    Cip(&'a Cip),
    /// A Modbus transaction, as Suricata's `modbus:` judges it.
    ModbusTx(&'a Transaction),
    /// A Modbus exception response: its transaction, (unit, function,
    /// exception code).
    ModbusException(&'a Transaction, u8, u8, u8),
    Umas(&'a Umas),
    /// A List Identity reply.
    Identity(&'a Identity),
    /// A payload rule's match in a connection's stream.
    Payload(&'a PayloadMatch),
    Baseline(&'a Finding),
    /// A PROFINET DCP frame (its sender and receiver by the addresses the
    /// inventory knows their MACs by).
    Dcp(&'a Dcp),
}

/// What an event is, as far as a rule's protocol and baseline gate can
/// tell: rules are indexed by it, so each event is matched only against
/// the rules that can match its class (the rule pack's ~30 rules would
/// otherwise all be tried for every request).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    RequestModbus,
    RequestEnip,
    RequestCip,
    RequestOpcUa,
    RequestS7,
    RequestOther,
    ConnTcp,
    ConnUdp,
    ConnOther,
    OpcUa,
    Enip,
    Identity,
    Umas,
    CipMessage,
    ModbusException,
    ModbusTx,
    Baseline,
    Dcp,
}

impl Class {
    /// Every class, at its own position (`class as usize`), as the
    /// engine's index is laid out.
    const ALL: [Class; 18] = [
        Class::RequestModbus,
        Class::RequestEnip,
        Class::RequestCip,
        Class::RequestOpcUa,
        Class::RequestS7,
        Class::RequestOther,
        Class::ConnTcp,
        Class::ConnUdp,
        Class::ConnOther,
        Class::OpcUa,
        Class::Enip,
        Class::Identity,
        Class::Umas,
        Class::CipMessage,
        Class::ModbusException,
        Class::ModbusTx,
        Class::Baseline,
        Class::Dcp,
    ];

    fn of(kind: &Kind<'_>) -> Class {
        match kind {
            Kind::Request(r) => match r.function {
                Function::Modbus(..) => Class::RequestModbus,
                Function::Enip(_) => Class::RequestEnip,
                Function::Cip { .. } => Class::RequestCip,
                Function::OpcUa(_) => Class::RequestOpcUa,
                Function::S7 { .. } | Function::S7Userdata { .. } => Class::RequestS7,
            },
            Kind::Conn(c) => match c.id.ip_proto {
                6 => Class::ConnTcp,
                17 => Class::ConnUdp,
                _ => Class::ConnOther,
            },
            Kind::Channel(_) | Kind::Activate(_) => Class::OpcUa,
            Kind::Enip(_) => Class::Enip,
            Kind::Identity(..) => Class::Identity,
            // Found by sid, not by class.
            Kind::Payload(_) => Class::RequestOther,
            Kind::Umas(_) => Class::Umas,
            Kind::Cip(_) => Class::CipMessage,
            Kind::ModbusException(..) => Class::ModbusException,
            Kind::ModbusTx(_) => Class::ModbusTx,
            Kind::Baseline(_) => Class::Baseline,
            Kind::Dcp(_) => Class::Dcp,
        }
    }
}

/// What a rule is matched against: a time, a source and a destination
/// (ports when the event has them) and what happened.
pub(super) struct Subject<'a> {
    ts: Ts,
    /// The connection and the side whose message it is, when there is one.
    conn: Option<(&'a ConnId, Dir)>,
    src: IpAddr,
    sport: Option<u16>,
    dst: Option<IpAddr>,
    dport: Option<u16>,
    kind: Kind<'a>,
}

impl<'a> Subject<'a> {
    /// The source that thresholds and suppression count by: its address,
    /// or for a layer-2 frame's sender known by its MAC only, the
    /// link-local IPv6 address made from that MAC (so that two such
    /// senders are two sources).
    fn tracked(&self) -> IpAddr {
        match self.kind {
            Kind::Dcp(f) if self.src.is_unspecified() => {
                let m = f.src;
                IpAddr::V6(std::net::Ipv6Addr::from([
                    0xfe,
                    0x80,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    m[0] ^ 0x02,
                    m[1],
                    m[2],
                    0xff,
                    0xfe,
                    m[3],
                    m[4],
                    m[5],
                ]))
            }
            _ => self.src,
        }
    }

    /// An event of a connection, seen from the sender of `dir`.
    fn conn(ts: Ts, id: &'a ConnId, dir: Dir, kind: Kind<'a>) -> Self {
        let (src, sport, dst, dport) = id.endpoints(dir);
        Subject {
            ts,
            conn: Some((id, dir)),
            src,
            sport: Some(sport),
            dst: Some(dst),
            dport: Some(dport),
            kind,
        }
    }
}

/// Counters of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    pub rules: usize,
    /// Rules of the set that could not be used and were skipped.
    pub skipped: usize,
    /// Matches handed on (each joins an alert, unless the baseline knows
    /// it).
    pub matches: u64,
    /// Matches not alerted because the same rule alerted for the same
    /// source and destination within the suppression window.
    pub suppressed: u64,
    /// Matches held back by a threshold or detection filter.
    pub thresholded: u64,
    /// Times a state table reached [`MAX_STATE`] and was cleared.
    pub state_resets: u64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Window {
    start: i64,
    count: u64,
    alerted: u64,
}

/// The rules and, for each [`Class`] (by position in `Class::ALL`), the
/// rules that can match it, in rule order: whether a rule matches an event
/// needs nothing else, so the workers find the matches of their events
/// ([`super::checks`]) and the engine keeps the state of what matched.
pub(super) struct Matcher {
    rules: Vec<Rule>,
    index: Vec<Vec<usize>>,
}

impl Matcher {
    /// Calls `f` with each rule that matches `e`, in rule order.
    pub(super) fn find(&self, e: &Subject<'_>, f: &mut dyn FnMut(usize)) {
        let class = Class::of(&e.kind) as usize;
        for &i in &self.index[class] {
            if matches(&self.rules[i], e) {
                f(i);
            }
        }
    }
}

/// Matches found by a worker for the checks of one event, in the order
/// the engine makes them: per check, the count of rules that matched,
/// then their numbers.
#[derive(Debug, Default)]
struct Given {
    hits: Vec<u32>,
    at: usize,
    /// Set while the current event's matches were found by a worker.
    on: bool,
}

pub struct Engine {
    matcher: Arc<Matcher>,
    /// Set while workers find matches for this engine.
    shared: Offload,
    given: Given,
    /// Scratch for the rules that matched a subject.
    found: Vec<usize>,
    window_us: i64,
    /// The payload rules by sid (their matches come from the workers).
    by_sid: HashMap<u32, usize>,
    windows: HashMap<(u32, IpAddr), Window>,
    last_alert: HashMap<(u32, IpAddr, Option<IpAddr>), i64>,
    pub stats: EngineStats,
}

impl Engine {
    /// An engine for `set`; repeats of a rule for the same source and
    /// destination within `window_secs` are suppressed (counted).
    pub fn new(set: RuleSet, window_secs: u64) -> Engine {
        Engine {
            stats: EngineStats {
                rules: set.rules.len(),
                skipped: set.skipped.len(),
                ..EngineStats::default()
            },
            by_sid: set
                .rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.payload.is_some())
                .map(|(i, r)| (r.sid, i))
                .collect(),
            matcher: Arc::new(Matcher {
                index: Class::ALL
                    .iter()
                    .map(|&c| {
                        let rules = set.rules.iter().enumerate();
                        rules
                            .filter(|(_, r)| admits(r, c))
                            .map(|(i, _)| i)
                            .collect()
                    })
                    .collect(),
                rules: set.rules,
            }),
            shared: Offload::default(),
            given: Given::default(),
            found: Vec::new(),
            window_us: window_secs as i64 * 1_000_000,
            windows: HashMap::new(),
            last_alert: HashMap::new(),
        }
    }

    /// The matcher of rules for a worker, whose matches this engine takes
    /// ([`Engine::given`]) while it is not replaced.
    pub fn worker_checks(&self) -> super::RuleChecks {
        super::RuleChecks::new(Arc::clone(&self.matcher), self.shared.hand_out())
    }

    /// Whether workers find matches for this engine.
    pub fn shared(&self) -> bool {
        self.shared.on()
    }

    /// This engine is replaced: workers stop finding matches for it.
    pub fn retire(&self) {
        self.shared.retire();
    }

    /// The matches a worker found for the checks of the next event
    /// (None: the engine finds them itself).
    pub fn given(&mut self, hits: Option<&[u32]>) {
        self.given.hits.clear();
        self.given.at = 0;
        self.given.on = hits.is_some();
        if let Some(h) = hits {
            self.given.hits.extend_from_slice(h);
        }
    }

    /// Checks a request; alerts (alert.log and notice.log events) go to
    /// `out`.
    pub fn request(&mut self, r: &Request<'_>, out: &mut Vec<Finding>) {
        self.check(&of_request(r), out);
    }

    /// Checks a connection that ended.
    pub fn conn(&mut self, c: &Conn, out: &mut Vec<Finding>) {
        self.check(&of_conn(c), out);
    }

    /// Checks an EtherNet/IP encapsulation message.
    pub fn enip(&mut self, m: &Encapsulation, out: &mut Vec<Finding>) {
        self.check(&of_enip(m), out);
    }

    /// Checks a CIP message, request or reply, from its sender.
    pub fn cip(&mut self, m: &Cip, out: &mut Vec<Finding>) {
        self.check(&of_cip(m), out);
    }

    /// Checks a Modbus transaction (Suricata's `modbus:` keyword, seen
    /// from the client): after its request, as the request's rules.
    pub fn modbus(&mut self, t: &Transaction, out: &mut Vec<Finding>) {
        if let Some(s) = of_modbus(t) {
            self.check(&s, out);
        }
    }

    /// Checks the exception a Modbus server answered a request with (seen
    /// from the client, whose request it refuses).
    pub fn modbus_exception(&mut self, t: &Transaction, out: &mut Vec<Finding>) {
        if let Some(s) = of_modbus_exception(t) {
            self.check(&s, out);
        }
    }

    /// Checks a UMAS request.
    pub fn umas(&mut self, u: &Umas, out: &mut Vec<Finding>) {
        self.check(&of_umas(u), out);
    }

    /// Checks a List Identity reply: from the replying host to who asked.
    pub fn cip_identity(&mut self, i: &Identity, out: &mut Vec<Finding>) {
        self.check(&of_identity(i), out);
    }

    /// Checks an OPC UA OpenSecureChannel request.
    pub fn opcua_channel(&mut self, c: &OpcUaChannel<'_>, out: &mut Vec<Finding>) {
        self.check(&of_channel(c), out);
    }

    /// Checks an OPC UA ActivateSession request.
    pub fn opcua_activate(&mut self, a: &OpcUaActivate<'_>, out: &mut Vec<Finding>) {
        self.check(&of_activate(a), out);
    }

    /// Checks a PROFINET DCP frame, its sender and receiver by the
    /// addresses the inventory knows their MACs by.
    pub fn dcp(
        &mut self,
        f: &Dcp,
        src: Option<IpAddr>,
        dst: Option<IpAddr>,
        out: &mut Vec<Finding>,
    ) {
        self.check(&of_dcp(f, src, dst), out);
    }

    /// Checks a baseline deviation.
    pub fn deviation(&mut self, n: &Finding, out: &mut Vec<Finding>) {
        // A layer-2 frame's sender may be known by its MAC only.
        let unnamed = (n.proto == Some("profinet_dcp"))
            .then_some(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let Some(src) = n.src.or(unnamed) else {
            return;
        };
        let e = Subject {
            ts: n.ts,
            conn: n
                .conn
                .as_ref()
                .map(|c| (c, n.endpoints.unwrap_or(Dir::Orig))),
            src,
            sport: None,
            dst: n.dst,
            dport: n.p,
            kind: Kind::Baseline(n),
        };
        self.check(&e, out);
    }

    /// Checks a payload rule's match (found by a flow worker).
    pub fn payload(&mut self, m: &PayloadMatch, out: &mut Vec<Finding>) {
        let Some(&i) = self.by_sid.get(&m.sid) else {
            // A match of a rule replaced by a reload meanwhile.
            return;
        };
        let e = Subject::conn(m.ts, &m.id, m.dir, Kind::Payload(m));
        self.hit(i, &e, out);
    }

    fn check(&mut self, e: &Subject<'_>, out: &mut Vec<Finding>) {
        // A worker's matches, unless the subject is a deviation (made
        // here) or the worker's checks ran out (which they never do: the
        // same subjects in the same order).
        let given = !matches!(e.kind, Kind::Baseline(_) | Kind::Dcp(_)) && self.given.on;
        if let Some(n) = given
            .then(|| self.given.hits.get(self.given.at).copied())
            .flatten()
        {
            let from = self.given.at.saturating_add(1);
            let to = from.saturating_add(n as usize);
            self.given.at = to;
            let hits = std::mem::take(&mut self.given.hits);
            if let Some(found) = hits.get(from..to) {
                #[cfg(debug_assertions)]
                {
                    let mut own = Vec::new();
                    self.matcher.find(e, &mut |i| own.push(i as u32));
                    debug_assert_eq!(own.as_slice(), found, "a worker's rule matches differ");
                }
                for &i in found {
                    self.hit(i as usize, e, out);
                }
            }
            self.given.hits = hits;
            return;
        }
        let mut found = std::mem::take(&mut self.found);
        self.matcher.find(e, &mut |i| found.push(i));
        for i in found.drain(..) {
            self.hit(i, e, out);
        }
        self.found = found;
    }

    /// Rule `i` matched `e`: an alert, unless a threshold or the
    /// suppression window holds it back.
    fn hit(&mut self, i: usize, e: &Subject<'_>, out: &mut Vec<Finding>) {
        if !self.threshold_passes(i, e) {
            self.stats.thresholded += 1;
            return;
        }
        let r = &self.matcher.rules[i];
        let key = (r.sid, e.tracked(), e.dst);
        if let Some(last) = self.last_alert.get(&key) {
            if e.ts.0 - last < self.window_us {
                self.stats.suppressed += 1;
                return;
            }
        }
        if self.last_alert.len() >= MAX_STATE {
            self.last_alert.clear();
            self.stats.state_resets += 1;
        }
        self.last_alert.insert(key, e.ts.0);
        self.stats.matches += 1;
        let (matched, baseline) = describe(e);
        // The notice shows the connection's endpoints when the event
        // has both ports (a deviation or an identity reply has not).
        let shown = e.sport.is_some() && e.dst.is_some() && e.dport.is_some();
        out.push(Finding {
            ts: e.ts,
            kind: NoticeKind::Rule,
            severity: Severity::of_priority(r.priority),
            technique: None,
            scope: match &e.kind {
                Kind::Baseline(n) => n.scope,
                _ => Scope::Action,
            },
            conn: e.conn.map(|(c, _)| c.clone()),
            endpoints: e.conn.filter(|_| shown).map(|(_, d)| d),
            proto: None,
            msg: format!("[{}:{}] {}", r.sid, r.rev, r.msg),
            sub: match &baseline {
                Some(b) => format!("{matched}; {b}"),
                None => matched.clone(),
            },
            src: Some(e.src).filter(|ip| !ip.is_unspecified()),
            dst: e.dst,
            p: e.dport,
            rule: Some(Box::new(RuleHit {
                sid: r.sid,
                rev: r.rev,
                msg: r.msg.clone(),
                priority: r.priority,
                classtype: r.classtype.clone(),
                techniques: r.techniques(),
                references: r.references.clone(),
                matched,
            })),
        });
    }

    fn threshold_passes(&mut self, i: usize, e: &Subject<'_>) -> bool {
        let r = &self.matcher.rules[i];
        let Some(t) = r.threshold else { return true };
        let track = if t.by_dst {
            e.dst.unwrap_or_else(|| e.tracked())
        } else {
            e.tracked()
        };
        if self.windows.len() >= MAX_STATE && !self.windows.contains_key(&(r.sid, track)) {
            self.windows.clear();
            self.stats.state_resets += 1;
        }
        let w = self.windows.entry((r.sid, track)).or_default();
        let span = t.seconds as i64 * 1_000_000;
        if w.count == 0 || e.ts.0 - w.start >= span {
            *w = Window {
                start: e.ts.0,
                count: 0,
                alerted: 0,
            };
        }
        w.count += 1;
        let pass = match t.kind {
            ThresholdKind::Limit => w.alerted < t.count,
            ThresholdKind::Threshold => w.count.is_multiple_of(t.count),
            ThresholdKind::Both => w.count == t.count,
            ThresholdKind::DetectionFilter => w.count > t.count,
        };
        if pass {
            w.alerted += 1;
        }
        pass
    }
}

/// The subject of a request (from its client).
pub(super) fn of_request<'a>(r: &'a Request<'a>) -> Subject<'a> {
    Subject::conn(r.ts, r.id, Dir::Orig, Kind::Request(r))
}

/// The subject of a connection that ended.
pub(super) fn of_conn(c: &Conn) -> Subject<'_> {
    Subject::conn(c.ts, &c.id, Dir::Orig, Kind::Conn(c))
}

pub(super) fn of_enip(m: &Encapsulation) -> Subject<'_> {
    Subject::conn(m.head.ts, &m.head.id, m.head.dir, Kind::Enip(m))
}

pub(super) fn of_cip(m: &Cip) -> Subject<'_> {
    Subject::conn(m.head.ts, &m.head.id, m.head.dir, Kind::Cip(m))
}

/// A Modbus transaction's subject, at its request's time (or its
/// response's).
pub(super) fn of_modbus(t: &Transaction) -> Option<Subject<'_>> {
    let ts = (t.request.as_ref().map(|q| q.ts)).or(t.response.as_ref().map(|r| r.ts))?;
    Some(Subject::conn(ts, &t.id, Dir::Orig, Kind::ModbusTx(t)))
}

/// A Modbus transaction's exception response, when it has one.
pub(super) fn of_modbus_exception(t: &Transaction) -> Option<Subject<'_>> {
    let r = t.response.as_ref()?;
    let &Response::Exception { code } = r.body.get()? else {
        return None;
    };
    let function = r.function & !crate::event::modbus::EXCEPTION_BIT;
    let kind = Kind::ModbusException(t, r.unit, function, code);
    Some(Subject::conn(r.ts, &t.id, Dir::Orig, kind))
}

pub(super) fn of_umas(u: &Umas) -> Subject<'_> {
    Subject::conn(u.ts, &u.id, Dir::Orig, Kind::Umas(u))
}

pub(super) fn of_identity(i: &Identity) -> Subject<'_> {
    let (host, _, asker, _) = i.head.id.endpoints(i.head.dir);
    Subject {
        ts: i.head.ts,
        conn: Some((&i.head.id, Dir::Resp)),
        src: host,
        sport: None,
        dst: Some(asker),
        dport: None,
        kind: Kind::Identity(i),
    }
}

/// A DCP frame's subject: from its sender to its receiver, by the
/// addresses the inventory knows their MACs by; a sender it knows none
/// for is `0.0.0.0` (in no address list: no alert names it).
pub(super) fn of_dcp(f: &Dcp, src: Option<IpAddr>, dst: Option<IpAddr>) -> Subject<'_> {
    Subject {
        ts: f.ts,
        conn: None,
        src: src.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)),
        sport: None,
        dst,
        dport: None,
        kind: Kind::Dcp(f),
    }
}

pub(super) fn of_channel<'a>(c: &'a OpcUaChannel<'a>) -> Subject<'a> {
    Subject::conn(c.ts, c.id, Dir::Orig, Kind::Channel(c))
}

pub(super) fn of_activate<'a>(a: &'a OpcUaActivate<'a>) -> Subject<'a> {
    Subject::conn(a.ts, a.id, Dir::Orig, Kind::Activate(a))
}

fn proto_ok(p: Proto, class: Class, has_protocol_conds: bool) -> bool {
    use Class as C;
    match class {
        C::RequestModbus
        | C::RequestEnip
        | C::RequestCip
        | C::RequestOpcUa
        | C::RequestS7
        | C::RequestOther => match p {
            Proto::Any | Proto::Tcp => has_protocol_conds,
            Proto::Udp => false,
            Proto::Modbus => class == C::RequestModbus,
            Proto::Enip => matches!(class, C::RequestEnip | C::RequestCip),
            Proto::Cip => class == C::RequestCip,
            Proto::OpcUa => class == C::RequestOpcUa,
            Proto::S7comm => class == C::RequestS7,
            Proto::ProfinetDcp => false,
        },
        C::OpcUa => match p {
            Proto::Any | Proto::Tcp => has_protocol_conds,
            Proto::OpcUa => true,
            _ => false,
        },
        C::Enip => match p {
            Proto::Any | Proto::Tcp | Proto::Udp => has_protocol_conds,
            Proto::Enip => true,
            _ => false,
        },
        C::Identity => match p {
            Proto::Any | Proto::Tcp | Proto::Udp => has_protocol_conds,
            Proto::Enip | Proto::Cip => true,
            _ => false,
        },
        C::Umas => match p {
            Proto::Any | Proto::Tcp => has_protocol_conds,
            Proto::Modbus => true,
            _ => false,
        },
        C::ModbusException | C::ModbusTx => match p {
            Proto::Any | Proto::Tcp => has_protocol_conds,
            Proto::Modbus => true,
            _ => false,
        },
        C::CipMessage => match p {
            Proto::Any | Proto::Tcp | Proto::Udp => has_protocol_conds,
            Proto::Enip | Proto::Cip => true,
            _ => false,
        },
        C::ConnTcp | C::ConnUdp | C::ConnOther => {
            !has_protocol_conds
                && match p {
                    Proto::Any => true,
                    Proto::Tcp => class == C::ConnTcp,
                    Proto::Udp => class == C::ConnUdp,
                    _ => false,
                }
        }
        C::Baseline => true,
        C::Dcp => match p {
            Proto::Any => has_protocol_conds,
            Proto::ProfinetDcp => true,
            _ => false,
        },
    }
}

/// Whether `r` can match an event of `class`: its baseline gate and its
/// protocol (what the index is built from; the rest is per event).
fn admits(r: &Rule, class: Class) -> bool {
    if r.payload.is_some() {
        return false;
    }
    let baseline_rule = r.conds.iter().any(|c| matches!(c, Cond::Baseline(_)));
    if (class == Class::Baseline) != baseline_rule {
        return false;
    }
    // Suricata's CIP keywords are matched on CIP messages,
    // `modbus.exception` on exception responses, `modbus:` on
    // transactions, which nothing else is.
    let message_rule = r.conds.iter().any(|c| {
        matches!(
            c,
            Cond::CipService { .. }
                | Cond::CipSegment { .. }
                | Cond::CipStatus(_)
                | Cond::CipExtendedStatus(_)
        )
    });
    if (class == Class::CipMessage) != message_rule {
        return false;
    }
    let exception_rule = r.conds.iter().any(|c| matches!(c, Cond::ModbusException));
    if (class == Class::ModbusException) != exception_rule {
        return false;
    }
    let transaction_rule = !exception_rule && r.conds.iter().any(|c| matches!(c, Cond::Modbus(_)));
    if (class == Class::ModbusTx) != transaction_rule {
        return false;
    }
    let protocol_conds = r
        .conds
        .iter()
        .any(|c| !matches!(c, Cond::AppLayer { .. } | Cond::Baseline(_)));
    proto_ok(
        r.proto,
        class,
        protocol_conds || r.proto != Proto::Any && r.proto != Proto::Tcp && r.proto != Proto::Udp,
    )
}

/// Whether `r` matches `e`, a rule the index admits for `e`'s class:
/// addresses, ports and conditions.
fn matches(r: &Rule, e: &Subject<'_>) -> bool {
    // Conditions first: most are a comparison of a number the event
    // carries, and most rules fail on them; address lists take longer.
    if !r.conds.iter().all(|c| cond(c, e)) {
        return false;
    }
    let port_ok = |ports: &super::ast::Ports, p: Option<u16>| p.is_none_or(|p| ports.matches(p));
    let forward = r.src.matches(&e.src)
        && port_ok(&r.sport, e.sport)
        && e.dst.is_none_or(|d| r.dst.matches(&d))
        && port_ok(&r.dport, e.dport);
    forward
        || r.bidirectional
            && e.dst.is_some_and(|d| r.src.matches(&d))
            && port_ok(&r.sport, e.dport)
            && r.dst.matches(&e.src)
            && port_ok(&r.dport, e.sport)
}

fn cond(c: &Cond, e: &Subject<'_>) -> bool {
    match c {
        Cond::Modbus(m) => match e.kind {
            Kind::ModbusTx(t) | Kind::ModbusException(t, ..) => {
                Msg::of(t).is_some_and(|x| m.matches(&x))
            }
            _ => false,
        },
        Cond::ModbusException => matches!(e.kind, Kind::ModbusException(..)),
        Cond::ModbusUmas(codes) => matches!(&e.kind, Kind::Umas(u) if codes.contains(&u.code)),
        Cond::EnipCommand(u) => matches!(&e.kind, Kind::Enip(m) if u.matches(u64::from(m.command))),
        Cond::EnipStatus(u) => matches!(&e.kind, Kind::Enip(m) if u.matches(u64::from(m.status))),
        Cond::EnipIdentity { field, value } => match e.kind {
            Kind::Identity(i) => value.matches(field.of(i)),
            // Suricata reads the version of RegisterSession and
            // ListServices messages too.
            Kind::Enip(m) => {
                *field == IdentityField::ProtocolVersion
                    && m.protocol_version
                        .is_some_and(|v| value.matches(u64::from(v)))
            }
            _ => false,
        },
        Cond::EnipCapabilities(u) => {
            matches!(e.kind, Kind::Enip(m) if m.capabilities.is_some_and(|c| u.matches(u64::from(c))))
        }
        Cond::CipSegment { kind, value } => {
            matches!(e.kind, Kind::Cip(m) if super::enip::cip_segment(m, *kind, value))
        }
        Cond::CipStatus(u) => matches!(e.kind, Kind::Cip(m) if super::enip::cip_status(m, u)),
        Cond::CipExtendedStatus(u) => {
            matches!(e.kind, Kind::Cip(m) if super::enip::cip_extended_status(m, u))
        }
        Cond::Buffer(Buffer::EnipProductName, inspection) => match e.kind {
            Kind::Identity(i) => inspection.matches(&i.product_name),
            _ => false,
        },
        Cond::CipService {
            service,
            class,
            attribute,
        } => match &e.kind {
            // Suricata 9's `cip_service` reads both directions: a reply
            // by its service (without the reply bit), which has no path.
            Kind::Cip(m) => suricata_cip_service(m, *service, *class, *attribute).is_some(),
            _ => false,
        },
        Cond::CipRequest {
            service,
            class,
            attribute,
        } => match &e.kind {
            Kind::Request(r) => match (r.function, r.detail) {
                (
                    Function::Cip {
                        service: s,
                        naming_class: c,
                        ..
                    },
                    Detail::Cip { attribute: a, .. },
                ) => {
                    s == *service
                        && class.is_none_or(|x| c == Some(x))
                        && attribute.is_none_or(|x| a == Some(x))
                }
                _ => false,
            },
            _ => false,
        },
        Cond::CipWrite => matches!(&e.kind,
            Kind::Request(r) if matches!(r.function, Function::Cip { .. }) && r.write),
        Cond::OpcUaService(names) => matches!(&e.kind,
            Kind::Request(r) if matches!(r.function, Function::OpcUa(f) if names.iter().any(|n| n == f))),
        Cond::OpcUaPolicy(name) => matches!(&e.kind, Kind::Channel(c)
            if c.policy.is_some_and(|p| p.rsplit('#').next().is_some_and(|f| f.eq_ignore_ascii_case(name)))),
        Cond::OpcUaMode(m) => matches!(&e.kind, Kind::Channel(c) if c.mode == Some(*m)),
        Cond::OpcUaToken(t) => matches!(&e.kind, Kind::Activate(a) if a.token == t),
        Cond::OpcUaSecret { encrypted } => {
            matches!(&e.kind, Kind::Activate(a) if a.secret && a.encrypted == *encrypted)
        }
        Cond::S7Function(codes) => matches!(&e.kind,
            Kind::Request(r) if matches!(r.function, Function::S7 { function, .. } if codes.contains(&function))),
        Cond::S7PiService(names) => matches!(&e.kind,
            Kind::Request(r) if matches!(r.function, Function::S7 { pi: Some(pi), .. }
                if names.iter().any(|n| n.as_str() == pi.as_str()))),
        Cond::S7Userdata { group, subfunction } => matches!(&e.kind,
            Kind::Request(r) if matches!(r.function, Function::S7Userdata { group: g, subfunction: f }
                if g == *group && subfunction.is_none_or(|s| s == f))),
        Cond::S7Write => matches!(&e.kind,
            Kind::Request(r) if matches!(r.function, Function::S7 { .. } | Function::S7Userdata { .. }) && r.write),
        Cond::DcpService(services) => matches!(&e.kind,
            Kind::Dcp(f) if !f.header.is_response() && services.contains(&f.header.service_id)),
        Cond::DcpChanges => matches!(&e.kind, Kind::Dcp(f) if f.changes_device()),
        Cond::Baseline(kinds) => match &e.kind {
            Kind::Baseline(n) => {
                let kind = n.kind.rule_name().to_lowercase();
                kinds.iter().any(|k| k == "any" || *k == kind)
            }
            _ => false,
        },
        Cond::AppLayer { neg, name } => match &e.kind {
            Kind::Conn(c) => {
                c.established()
                    && c.orig_bytes.unwrap_or(0) + c.resp_bytes.unwrap_or(0) > 0
                    && c.service.iter().any(|s| s == name) != *neg
            }
            _ => false,
        },
    }
}

/// The service of a CIP request message `cip_service: S[,C[,A]]` matches,
/// as Suricata 8 visits them: the message's own service when it is `S`,
/// else, in a Multiple Service Packet, the first packed service that is
/// (class and attribute compared with those of the service's path).
fn suricata_cip_service(
    m: &Cip,
    service: u8,
    class: Option<u32>,
    attribute: Option<u32>,
) -> Option<(u8, Path)> {
    // The attribute is the path's, or one a Get/Set_Attribute_List names.
    let hit = |s: u8, p: &Path, attributes: &[u16]| {
        s == service
            && class.is_none_or(|c| p.class == Some(c))
            && attribute.is_none_or(|a| {
                p.attribute == Some(a) || attributes.iter().any(|x| u32::from(*x) == a)
            })
    };
    // A reply carries no path: with a class asked for, it never matches.
    let reply = m.is_response();
    let hit = |s: u8, p: &Path, attributes: &[u16]| {
        if reply {
            s == service && class.is_none()
        } else {
            hit(s, p, attributes)
        }
    };
    let top = m.path.unwrap_or_default();
    if m.service == service {
        return hit(m.service, &top, &m.attributes).then_some((m.service, top));
    }
    let Carried::Multiple(services) = &m.carried else {
        return None;
    };
    services.iter().find_map(|e| match e {
        Embedded::Request {
            service: s,
            path,
            attributes,
        } if hit(*s, path, attributes) => Some((*s, *path)),
        Embedded::Reply { service: s, .. } if hit(*s, &Path::default(), &[]) => {
            Some((*s, Path::default()))
        }
        _ => None,
    })
}

/// What matched, as text; and the baseline context of a deviation.
fn describe(e: &Subject<'_>) -> (String, Option<String>) {
    match &e.kind {
        Kind::Request(r) => {
            let name = r.function.name();
            let d = match (r.function, r.detail) {
                (Function::Modbus(function, _), Detail::Modbus { unit, subfunction }) => {
                    let mut s = format!("modbus unit {unit} function {function} ({name})");
                    if let Some(x) = subfunction {
                        s.push_str(&format!(" subfunction {x}"));
                    }
                    if let Some(m) = r.modbus {
                        s.push_str(&format!(" {} {}+{}", m.table.as_str(), m.start, m.count));
                    }
                    s
                }
                (
                    Function::Cip { service, class, .. },
                    Detail::Cip {
                        instance,
                        attribute,
                        tag,
                    },
                ) => {
                    let mut s = format!("cip service 0x{service:02x} ({name})");
                    for (w, v) in [
                        ("class", class),
                        ("instance", instance),
                        ("attribute", attribute),
                    ] {
                        if let Some(v) = v {
                            s.push_str(&format!(" {w} 0x{v:02x}"));
                        }
                    }
                    if let Some(t) = tag {
                        s.push_str(" tag ");
                        s.push_str(&crate::observe::tag_name(&t));
                    }
                    s
                }
                (Function::Enip(command), _) => format!("enip command 0x{command:04x} ({name})"),
                _ => format!("{} {name}", r.protocol()),
            };
            (d, None)
        }
        Kind::Conn(c) => (
            format!(
                "{} connection, services {}",
                c.id.transport(),
                if c.service.is_empty() {
                    "none".to_string()
                } else {
                    c.service.join(",")
                }
            ),
            None,
        ),
        Kind::Channel(c) => (
            format!("opcua OpenSecureChannel policy {}", c.policy.unwrap_or("-")),
            None,
        ),
        Kind::Activate(a) => (
            format!(
                "opcua ActivateSession token {}{}",
                a.token,
                if a.secret {
                    if a.encrypted {
                        ", secret encrypted"
                    } else {
                        ", secret in clear"
                    }
                } else {
                    ""
                }
            ),
            None,
        ),
        Kind::Enip(m) => (
            format!("enip command 0x{:04x} status 0x{:x}", m.command, m.status),
            None,
        ),
        Kind::Identity(i) => (
            format!(
                "enip List Identity reply: vendor {}, device type {}, product code {}",
                i.vendor_id, i.device_type, i.product_code
            ),
            None,
        ),
        Kind::Payload(m) => (
            format!(
                "{} payload from the {}, {} bytes",
                m.id.transport(),
                match m.dir {
                    Dir::Orig => "client",
                    Dir::Resp => "server",
                },
                m.len
            ),
            None,
        ),
        Kind::Cip(m) => {
            let path = m.path.unwrap_or_default();
            let name = crate::logs::enip::service_name(path.target_class(), m.service);
            let mut s = format!("cip service 0x{:02x} ({name})", m.service);
            for (w, v) in [
                ("class", path.class),
                ("instance", path.instance),
                ("attribute", path.attribute),
            ] {
                if let Some(v) = v {
                    s.push_str(&format!(" {w} 0x{v:02x}"));
                }
            }
            if let Carried::Multiple(services) = &m.carried {
                let packed: Vec<String> = services
                    .iter()
                    .filter_map(|e| match e {
                        Embedded::Request { service, .. } => Some(format!("0x{service:02x}")),
                        Embedded::Reply { .. } => None,
                    })
                    .collect();
                s.push_str(&format!(" packing services {}", packed.join(",")));
            }
            (s, None)
        }
        Kind::ModbusTx(t) => match crate::observe::modbus_request(t) {
            Some(r) => describe(&Subject {
                kind: Kind::Request(&r),
                ..*e
            }),
            None => {
                let (unit, function) = t.response.as_ref().map_or((0, 0), |r| (r.unit, r.function));
                (
                    format!(
                        "modbus unit {unit} function {function} ({}) response without its request",
                        Function::Modbus(function & !crate::event::modbus::EXCEPTION_BIT, None)
                            .name()
                    ),
                    None,
                )
            }
        },
        Kind::ModbusException(_, unit, function, code) => (
            format!(
                "modbus unit {unit} function {function} ({}) exception {}",
                Function::Modbus(*function, None).name(),
                crate::logs::modbus::names::exception_name(*code)
            ),
            None,
        ),
        Kind::Umas(u) => (
            format!(
                "modbus unit {} function 90 umas 0x{:02x} ({})",
                u.unit,
                u.code,
                crate::logs::modbus::names::umas_function_name(u.code).unwrap_or("unknown")
            ),
            None,
        ),
        Kind::Baseline(n) => (
            format!("baseline {}", n.kind.note()),
            Some(format!("{} (expected: {})", n.msg, n.sub)),
        ),
        Kind::Dcp(f) => (
            format!("profinet_dcp {}", crate::logs::profinet::summary(f)),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::Class;

    /// The index is looked up by `class as usize`: `Class::ALL` must hold
    /// every class at that position.
    #[test]
    fn every_class_is_listed_at_its_position() {
        assert_eq!(Class::ALL.len(), Class::Dcp as usize + 1);
        for (i, c) in Class::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i, "{c:?}");
        }
    }
}
