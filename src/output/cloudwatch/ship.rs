//! The shipper thread: reads the spools (alerts first), sends batches with
//! PutLogEvents, creates the group and streams when missing, retries what
//! can succeed later and parks what cannot.

use super::batch::{next_batch, split, LogEvent};
use super::parked::park;
use super::retry::{classify, Action, Failure};
use super::spool::Position;
use super::{Destination, ShipConfig, ShipStats, Spools};
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_cloudwatchlogs::Client;
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) fn run(cfg: ShipConfig, dest: Destination, spools: Arc<Mutex<Spools>>) -> ShipStats {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(ship(cfg, dest, spools)),
        Err(e) => ShipStats {
            errors: vec![format!("cannot start the CloudWatch runtime: {e}")],
            ..ShipStats::default()
        },
    }
}

fn failure<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> Failure
where
    R: HasStatus,
{
    match e {
        SdkError::DispatchFailure(d) if d.is_timeout() => Failure::Timeout,
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_) => Failure::Connect,
        SdkError::TimeoutError(_) => Failure::Timeout,
        SdkError::ResponseError(r) => Failure::Http {
            status: r.raw().status_code(),
            code: None,
        },
        SdkError::ServiceError(s) => Failure::Http {
            status: s.raw().status_code(),
            code: s.err().code().map(str::to_string),
        },
        _ => Failure::Connect,
    }
}

/// The HTTP status of a raw response.
pub(crate) trait HasStatus {
    fn status_code(&self) -> u16;
}

impl HasStatus for aws_sdk_cloudwatchlogs::config::http::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

fn jitter() -> f64 {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    f64::from(n % 1000) / 1000.0
}

/// What stops shipping, said once each (in one line, as it happens, and
/// among the run's errors) while the events wait in the spool.
#[derive(Default)]
struct Health {
    said: HashSet<String>,
    /// The settings lack a region or credentials: the calls' own failures
    /// only repeat it.
    unset: bool,
}

impl Health {
    fn say(&mut self, stats: &mut ShipStats, why: String) {
        if self.said.insert(why.clone()) {
            tracing::warn!("CloudWatch: {why}; events wait in the spool");
            stats.error(format!("CloudWatch: {why}"));
        }
    }
}

/// What the standard AWS settings lack before any call: a region, or
/// credentials (with the provider chain's own reason).
async fn health_check(conf: &aws_config::SdkConfig) -> Option<String> {
    use aws_sdk_cloudwatchlogs::config::ProvideCredentials;
    if conf.region().is_none() {
        return Some("no AWS region (set AWS_REGION, or a region in the profile)".to_string());
    }
    let provider = conf.credentials_provider()?;
    match provider.provide_credentials().await {
        Ok(_) => None,
        Err(e) => Some(format!(
            "no AWS credentials (an instance or task role, AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY, or a profile): {e}"
        )),
    }
}

/// A failed call, in words an operator can act on, for the failures whose
/// cause is outside otwatch.
fn explain(f: &Failure, cfg: &Destination) -> Option<String> {
    let endpoint = cfg.endpoint.as_deref().unwrap_or("the region's endpoint");
    match f {
        Failure::Connect => Some(format!("cannot reach {endpoint}")),
        Failure::Timeout => Some(format!("{endpoint} does not answer in time")),
        Failure::Http { code, .. } if f.denied() => Some(format!(
            "access denied ({}) on log group {}: the policy must allow \
             logs:CreateLogStream and logs:PutLogEvents on it",
            code.as_deref().unwrap_or("HTTP 403"),
            cfg.group
        )),
        Failure::Http { code: Some(c), .. }
            if c == "InvalidSignatureException" || c == "SignatureDoesNotMatch" =>
        {
            Some(format!(
                "the request signature was refused ({c}): check the secret key, \
                 and this machine's clock (a signature more than 5 minutes off \
                 is refused)"
            ))
        }
        Failure::Http { code: Some(c), .. } if c == "UnrecognizedClientException" => {
            Some("the access key is not known to AWS (UnrecognizedClientException)".to_string())
        }
        _ => None,
    }
}

/// What the shipper knows of the group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Group {
    /// Not tried yet (or vanished since).
    #[default]
    Unknown,
    /// Made, found existing, or taken to exist.
    Ready,
    /// CreateLogGroup was refused: a group made by its owner is used as
    /// it is; if it is missing, only its owner can make it.
    NotOurs,
}

/// Creates the group (and its retention) and a stream; "already exists"
/// is success. A policy that grants only CreateLogStream and PutLogEvents
/// on a group a cloud team made is normal: CreateLogGroup and
/// PutRetentionPolicy refused by IAM are said once and shipping goes on.
async fn ensure(
    client: &Client,
    cfg: &Destination,
    stream: &str,
    group: &mut Group,
) -> Result<(), Failure> {
    if *group == Group::Unknown {
        match client
            .create_log_group()
            .log_group_name(&cfg.group)
            .send()
            .await
        {
            Ok(_) => {
                *group = Group::Ready;
                if let Some(days) = cfg.retention_days {
                    if let Err(e) = client
                        .put_retention_policy()
                        .log_group_name(&cfg.group)
                        .retention_in_days(days)
                        .send()
                        .await
                    {
                        let f = failure(&e);
                        if !f.denied() {
                            return Err(f);
                        }
                        tracing::warn!(
                            "CloudWatch: PutRetentionPolicy on {} refused \
                             (access denied): the group keeps its retention",
                            cfg.group
                        );
                    }
                }
            }
            Err(e)
                if e.as_service_error().and_then(|s| s.code())
                    == Some("ResourceAlreadyExistsException") =>
            {
                *group = Group::Ready
            }
            Err(e) => {
                let f = failure(&e);
                if !f.denied() {
                    return Err(f);
                }
                tracing::warn!(
                    "CloudWatch: CreateLogGroup on {} refused (access \
                     denied): shipping into the group as its owner made it",
                    cfg.group
                );
                *group = Group::NotOurs;
            }
        }
    }
    match client
        .create_log_stream()
        .log_group_name(&cfg.group)
        .log_stream_name(stream)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error().and_then(|s| s.code())
                == Some("ResourceAlreadyExistsException") =>
        {
            Ok(())
        }
        Err(e) => Err(failure(&e)),
    }
}

/// Records read from one spool at a time: at most this many...
const WINDOW_RECORDS: usize = 20_000;
/// ...and about this many bytes (a record is at most 1 MiB).
const WINDOW_BYTES: usize = 8 << 20;

/// A window of spooled records, cut into per-stream batches. The spool's
/// cursor moves past the window only when every batch of it was accepted
/// (or parked): records of different logs interleave in the spool, and
/// grouping them by stream keeps batches full.
struct Window {
    alerts: bool,
    /// (stream, events) in send order.
    batches: VecDeque<(String, Vec<LogEvent>)>,
    commit: Position,
    records: u64,
}

/// The next window: alerts first, streams renamed `<prefix>/<log>` when
/// `rename` is given.
fn take(spools: &Arc<Mutex<Spools>>, rename: Option<&str>) -> Option<Window> {
    let mut s = spools.lock().ok()?;
    for alerts in [true, false] {
        let spool = if alerts { &mut s.alerts } else { &mut s.logs };
        let recs = spool.records(WINDOW_RECORDS);
        let Some(first) = recs.first() else {
            continue;
        };
        let mut commit = first.2;
        let mut bytes = 0;
        let mut records = 0;
        let mut streams: Vec<(String, Vec<LogEvent>)> = Vec::new();
        for (stream, e, pos) in recs {
            let stream = match rename {
                Some(prefix) => {
                    let log = stream.rsplit('/').next().unwrap_or(&stream);
                    format!("{prefix}/{log}")
                }
                None => stream,
            };
            if bytes > 0 && bytes + e.message.len() > WINDOW_BYTES {
                break;
            }
            bytes += e.message.len();
            records += 1;
            commit = pos;
            let parts = split(e.ts_ms, &e.message);
            match streams.iter_mut().find(|(s, _)| *s == stream) {
                Some((_, v)) => v.extend(parts),
                None => streams.push((stream, parts)),
            }
        }
        let mut batches = VecDeque::new();
        for (stream, mut events) in streams {
            while !events.is_empty() {
                let n = next_batch(&events);
                let rest = events.split_off(n);
                batches.push_back((stream.clone(), events));
                events = rest;
            }
        }
        return Some(Window {
            alerts,
            batches,
            commit,
            records,
        });
    }
    None
}

async fn ship(cfg: ShipConfig, dest: Destination, spools: Arc<Mutex<Spools>>) -> ShipStats {
    // A hung endpoint must not stall the spool forever: every attempt is
    // bounded, and the retry policy (ours, not the SDK's) decides what next.
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(30))
        .operation_attempt_timeout(Duration::from_secs(60))
        .build();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(aws_config::retry::RetryConfig::disabled());
    if let Some(e) = &dest.endpoint {
        loader = loader.endpoint_url(e);
    }
    let conf = loader.load().await;
    let client = Client::new(&conf);
    let mut stats = ShipStats::default();
    let mut health = Health::default();
    if let Some(why) = health_check(&conf).await {
        health.say(&mut stats, why);
        health.unset = true;
    }
    let mut group = Group::Unknown;
    let mut streams: HashSet<String> = HashSet::new();
    let mut attempt = 0u32;
    let mut deadline: Option<Instant> = None;
    let mut window: Option<Window> = None;
    loop {
        let closing = spools.lock().map(|s| s.closing).unwrap_or(true);
        if closing && deadline.is_none() {
            deadline = Some(Instant::now() + dest.drain_timeout);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if window.as_ref().is_some_and(|w| w.batches.is_empty()) {
            if let Some(w) = window.take() {
                commit(&spools, &w, &mut stats);
            }
        }
        if window.is_none() {
            window = take(&spools, dest.rename_streams.as_deref());
        }
        let Some((stream, events)) = window.as_ref().and_then(|w| w.batches.front()) else {
            if closing {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let result = async {
            if !streams.contains(stream) {
                ensure(&client, &dest, stream, &mut group).await?;
                streams.insert(stream.clone());
            }
            let input: Vec<InputLogEvent> = events
                .iter()
                .filter_map(|e| {
                    InputLogEvent::builder()
                        .timestamp(e.ts_ms)
                        .message(e.message.clone())
                        .build()
                        .ok()
                })
                .collect();
            client
                .put_log_events()
                .log_group_name(&dest.group)
                .log_stream_name(stream)
                .set_log_events(Some(input))
                .send()
                .await
                .map_err(|e| failure(&e))
        }
        .await;
        let n = events.len() as u64;
        if let Err(f) = &result {
            tracing::debug!("CloudWatch: {n} events into {stream} failed: {f:?}");
            if let Some(why) = explain(f, &dest).filter(|_| !health.unset) {
                health.say(&mut stats, why);
            }
        }
        match result {
            Ok(out) => {
                tracing::debug!("CloudWatch: {n} events into {stream}");
                attempt = 0;
                if let Some(r) = out.rejected_log_events_info() {
                    stats.rejected += rejected(r, n);
                }
                stats.sent += n;
                stats.batches += 1;
                window.as_mut().map(|w| w.batches.pop_front());
            }
            Err(f) => match classify(&f, attempt, jitter()) {
                Action::Retry(d) => {
                    stats.retries += 1;
                    attempt = attempt.saturating_add(1);
                    pause(d, deadline).await;
                }
                Action::Recreate if group == Group::NotOurs => {
                    // The group is missing and only its owner may make it:
                    // the events wait in the spool, tried again later.
                    streams.clear();
                    stats.retries += 1;
                    attempt = attempt.saturating_add(1);
                    pause(super::retry::backoff(attempt, jitter()), deadline).await;
                }
                Action::Recreate => {
                    streams.clear();
                    group = Group::Unknown;
                    stats.retries += 1;
                }
                Action::Park => match park(&cfg, stream, events) {
                    Ok(()) => {
                        stats.error(format!(
                            "CloudWatch refused a batch of {stream} ({f:?}); parked"
                        ));
                        stats.parked += n;
                        window.as_mut().map(|w| w.batches.pop_front());
                    }
                    // Not set aside: the batch stays in the spool, tried
                    // again later; nothing is dropped.
                    Err(e) => {
                        health.say(
                            &mut stats,
                            format!("a refused batch could not be set aside ({e})"),
                        );
                        stats.retries += 1;
                        attempt = attempt.saturating_add(1);
                        pause(super::retry::backoff(attempt, jitter()), deadline).await;
                    }
                },
            },
        }
    }
    if let Ok(mut s) = spools.lock() {
        s.tally(&mut stats);
    }
    stats
}

/// Waits `d` before the next attempt, cut short at the drain deadline.
async fn pause(d: Duration, deadline: Option<Instant>) {
    let wait = match deadline {
        Some(dl) => d.min(dl.saturating_duration_since(Instant::now())),
        None => d,
    };
    tokio::time::sleep(wait).await;
}

/// Events CloudWatch reported rejected in a batch of `n`.
fn rejected(r: &aws_sdk_cloudwatchlogs::types::RejectedLogEventsInfo, n: u64) -> u64 {
    let upto = |i: Option<i32>| i.map_or(0, |x| u64::try_from(x).map_or(0, |x| x + 1));
    let old = upto(r.too_old_log_event_end_index()).max(upto(r.expired_log_event_end_index()));
    let new = r
        .too_new_log_event_start_index()
        .map_or(0, |i| n.saturating_sub(u64::try_from(i).unwrap_or(0)));
    old + new
}

fn commit(spools: &Arc<Mutex<Spools>>, w: &Window, stats: &mut ShipStats) {
    if let Ok(mut s) = spools.lock() {
        let spool = if w.alerts { &mut s.alerts } else { &mut s.logs };
        if let Err(e) = spool.commit(w.commit) {
            stats.error(format!("spool cursor: {e}"));
        }
        s.pending = s.pending.saturating_sub(w.records);
    }
}
