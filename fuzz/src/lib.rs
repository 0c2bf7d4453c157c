//! What the fuzz targets share: a handful of events of every protocol,
//! for the rule engine and the baseline detector to read.

use otwatch::event::enip::{Carried, Cip, Encapsulation, Path, Routed, Status};
use otwatch::event::modbus::{Content, Message, Request, Response, Transaction};
use otwatch::event::opcua::{
    ChunkKind, Half, Message as OpcUaMessage, MessageType, OpenHeader, ServiceId,
};
use otwatch::event::{Conn, ConnId, ConnStart, Dir, Event, Head};
use otwatch::time::Ts;
use std::net::{IpAddr, Ipv4Addr};

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
}

/// The TCP connection from 10.0.0.9 to 10.0.0.20 on `port`.
pub fn conn(port: u16) -> ConnId {
    ConnId::tcp("Cfuzz", (ip(9), 40000 + port % 1000), (ip(20), port))
}

fn head(ts: i64, port: u16, dir: Dir) -> Head {
    Head {
        ts: Ts(ts),
        id: conn(port),
        dir,
        link: "0123456789abcdef00".into(),
    }
}

fn modbus(ts: i64, function: u8, request: Request, exception: Option<u8>) -> Event {
    Event::ModbusTransaction(Box::new(Transaction {
        id: conn(502),
        tid: 1,
        request: Some(Message {
            ts: Ts(ts),
            unit: 1,
            function,
            body: Content::Read(request),
        }),
        response: exception.map(|code| Message {
            ts: Ts(ts + 1000),
            unit: 1,
            function: function | 0x80,
            body: Content::Read(Response::Exception { code }),
        }),
        first: Dir::Orig,
        matched: Some(true),
        link: None,
    }))
}

fn cip(ts: i64, service: u8, path: Path, carried: Carried) -> Event {
    Event::Cip(Box::new(Cip {
        head: head(ts, 44818, Dir::Orig),
        sequence_count: None,
        service,
        path: Some(path),
        // A Get_Attribute_List's ids, so rules on them have one to read.
        attributes: if service == 0x03 {
            vec![1, 7]
        } else {
            Vec::new()
        },
        status: None,
        naming_class: path.target_class(),
        carried,
    }))
}

/// Connections, requests and messages between 10.0.0.9 and 10.0.0.20,
/// one second apart.
pub fn events() -> Vec<Event> {
    let path = |class, instance, attribute| Path {
        class,
        instance,
        attribute,
        symbolic: false,
        tag: None,
    };
    let tag = Path {
        symbolic: true,
        tag: otwatch::event::enip::Tag::of(&[0x91, 0x04, b'T', b'a', b'g', b'1']),
        ..Path::default()
    };
    vec![
        Event::ConnStart(Box::new(ConnStart {
            ts: Ts(500_000),
            id: conn(502),
            mac: Some([2, 0, 0, 0, 0, 9]),
            first: Dir::Orig,
        })),
        modbus(
            1_000_000,
            6,
            Request::WriteSingleRegister {
                address: 7,
                value: 42,
            },
            None,
        ),
        modbus(
            2_000_000,
            8,
            Request::Diagnostics {
                sub: 1,
                data: vec![0, 0],
            },
            Some(1),
        ),
        cip(
            3_000_000,
            0x10,
            path(Some(1), Some(1), Some(7)),
            Carried::None,
        ),
        cip(
            3_500_000,
            0x52,
            path(Some(6), Some(1), None),
            Carried::Routed(Routed {
                service: 0x4D,
                path: tag,
            }),
        ),
        Event::Cip(Box::new(Cip {
            head: head(3_600_000, 44818, Dir::Resp),
            sequence_count: None,
            service: 0x4D,
            path: None,
            attributes: Vec::new(),
            status: Some(Status {
                general: 0,
                extended: None,
            }),
            naming_class: Some(0x6B),
            carried: Carried::None,
        })),
        Event::Enip(Box::new(Encapsulation {
            head: head(4_000_000, 44818, Dir::Orig),
            command: 0x63,
            length: 0,
            session_handle: 0,
            status: 0,
            sender_context: [0; 8],
            options: 0,
            protocol_version: Some(1),
            capabilities: Some(0x0120),
        })),
        Event::OpcUaMessage(Box::new(OpcUaMessage {
            ts: Ts(5_000_000),
            id: conn(4840),
            message_type: MessageType::Open,
            chunk: ChunkKind::Final,
            total_size: 132,
            error: None,
            reason: None,
            hello: None,
            secure_channel_ids: vec![1],
            open: Some(OpenHeader {
                security_policy_uri: Some("http://opcfoundation.org/UA/SecurityPolicy#None".into()),
                security_policy_uri_len: 47,
                sender_certificate: None,
                receiver_certificate_thumbprint: None,
            }),
            request_id: Some(1),
            request: Some(Half {
                service: Some(ServiceId {
                    encoding_mask: 1,
                    namespace: 0,
                    identifier: 446,
                }),
                ..Half::new("0123456789abcdef01".into(), 132, Some(1))
            }),
            response: None,
        })),
        Event::OpcUaMessage(Box::new(OpcUaMessage {
            ts: Ts(6_000_000),
            id: conn(4840),
            message_type: MessageType::Message,
            chunk: ChunkKind::Final,
            total_size: 80,
            error: None,
            reason: None,
            hello: None,
            secure_channel_ids: vec![1],
            open: None,
            request_id: Some(2),
            request: Some(Half {
                service: Some(ServiceId {
                    encoding_mask: 1,
                    namespace: 0,
                    identifier: 673,
                }),
                ..Half::new("0123456789abcdef02".into(), 80, Some(2))
            }),
            response: None,
        })),
        Event::Conn(Box::new(Conn {
            ts: Ts(500_000),
            id: conn(502),
            service: vec!["modbus"],
            duration: None,
            orig_bytes: None,
            resp_bytes: None,
            conn_state: "S1",
            local_orig: true,
            local_resp: true,
            missed_bytes: 0,
            history: "ShAD".into(),
            orig_pkts: 3,
            orig_ip_bytes: 180,
            resp_pkts: 2,
            resp_ip_bytes: 120,
            orig_mac: Some([2, 0, 0, 0, 0, 9]),
            resp_mac: Some([2, 0, 0, 0, 0, 20]),
        })),
    ]
}

/// Reads [`events`] `rounds` times with an observer made from `cfg`, as a
/// run does, and returns every row of what it raised and the baseline it
/// learned, as JSON lines. `in_workers`: the checks a worker makes (the
/// baseline's per-edge checks, the matching of rules, the learning of
/// edges) are made here, beside the observer, and given to it, as the
/// pipeline does; otherwise the observer makes them itself. Both must give
/// the same lines.
pub fn observe(
    cfg: &otwatch::observe::ObserveConfig,
    in_workers: bool,
    rounds: usize,
) -> Vec<String> {
    use otwatch::baseline::RequestFacts;
    use otwatch::observe::{requests, Checked, Observer, WorkerChecks};
    let mut observer = Observer::new(cfg);
    let mut checks = in_workers.then(|| observer.worker_checks());
    let mut out = Vec::new();
    let (mut facts, mut hits) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for e in events() {
            facts.clear();
            hits.clear();
            let (mut edges, mut rules) = (false, false);
            if let Some(c) = checks.as_mut() {
                if let Some(checks) = c.edges.as_mut() {
                    requests(&e, &mut |r| {
                        let mut f = RequestFacts::default();
                        checks.request(r, &mut f);
                        facts.push(f);
                    });
                    edges = true;
                }
                if let Some(m) = c.rules.as_ref() {
                    m.event(&e, &mut hits);
                    rules = true;
                }
                if let Some(l) = c.learner.as_mut() {
                    WorkerChecks::learn(l, &e);
                }
            }
            let checked = Checked {
                requests: edges.then_some(&facts[..]),
                rules: rules.then_some(&hits[..]),
            };
            observer.read(&e, checked, &mut out);
        }
    }
    if let Some(l) = checks.and_then(|c| c.learner) {
        observer.absorb(vec![l]);
    }
    let observed = observer.finish(Ts(3_600_000_000), &mut out);
    let mut lines = Vec::new();
    for e in &out {
        otwatch::logs::rows(e, &mut |row| lines.push(otwatch::output::json_line(row)));
    }
    if let Some(b) = observed.baseline {
        lines.push(b.to_json());
    }
    lines
}
