//! Events CloudWatch refused for good (`parked.jsonl` in the spool
//! directory, a JSON line each: stream, time, message), and sending them
//! again once the cause is fixed (`otwatch ship --parked`).

#[cfg(feature = "cloudwatch")]
use super::batch::LogEvent;
use super::{is_alert, open_spools, ShipConfig};
use std::io::Write;
use std::path::Path;

const PARKED: &str = "parked.jsonl";
/// Where `requeue_parked` moves the file while it spools it again.
const ASIDE: &str = "parked.resending.jsonl";

/// Keeps a refused batch beside the spool for the operator; an error
/// (a full disk) says the batch was not set aside.
#[cfg(feature = "cloudwatch")]
pub(super) fn park(cfg: &ShipConfig, stream: &str, events: &[LogEvent]) -> Result<(), String> {
    let path = cfg.spool_dir.join(PARKED);
    let mut text = String::new();
    for e in events {
        text.push_str(
            &serde_json::json!({"stream": stream, "ts_ms": e.ts_ms, "message": e.message})
                .to_string(),
        );
        text.push('\n');
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Spools the parked events again, in their streams, before a shipper
/// starts (so nothing parks while the file is read); returns how many.
/// The file is moved aside first and removed only once its events are
/// spooled and synced: a run cut short leaves it aside, and the next one
/// takes it too. A line that is not a parked event stays in
/// `parked.jsonl`, with a warning naming it.
pub fn requeue_parked(cfg: &ShipConfig) -> Result<u64, String> {
    let dir = &cfg.spool_dir;
    let (parked, aside) = (dir.join(PARKED), dir.join(ASIDE));
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    // The lock first: no shipper parks while the file is moved.
    let (mut alerts, mut logs, _lock) = open_spools(cfg)?;
    if parked.exists() {
        if aside.exists() {
            // Left by an interrupted resend: the new refusals join it.
            let text = std::fs::read_to_string(&parked).map_err(|e| io(&parked, e))?;
            append(&aside, &text)?;
            std::fs::remove_file(&parked).map_err(|e| io(&parked, e))?;
        } else {
            std::fs::rename(&parked, &aside).map_err(|e| io(&parked, e))?;
        }
    }
    if !aside.exists() {
        return Ok(0);
    }
    let text = std::fs::read_to_string(&aside).map_err(|e| io(&aside, e))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let (mut again, mut unreadable) = (0u64, String::new());
    for (n, line) in text.lines().enumerate() {
        match event(line) {
            Some((stream, message)) => {
                let log = stream.rsplit('/').next().unwrap_or(&stream);
                let spool = if is_alert(log) {
                    &mut alerts
                } else {
                    &mut logs
                };
                if !spool.push(&stream, now, &message) {
                    return Err(format!(
                        "{}:{}: the spool refused the event (full or not writable); \
                         the file is kept",
                        aside.display(),
                        n + 1
                    ));
                }
                again += 1;
            }
            None => {
                tracing::warn!(
                    "{}:{}: not a parked event; kept in {PARKED}",
                    aside.display(),
                    n + 1
                );
                unreadable.push_str(line);
                unreadable.push('\n');
            }
        }
    }
    alerts.sync();
    logs.sync();
    if !unreadable.is_empty() {
        append(&parked, &unreadable)?;
    }
    std::fs::remove_file(&aside).map_err(|e| io(&aside, e))?;
    Ok(again)
}

/// A parked line's stream and message.
fn event(line: &str) -> Option<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    Some((
        v.get("stream")?.as_str()?.to_string(),
        v.get("message")?.as_str()?.to_string(),
    ))
}

fn append(path: &Path, text: &str) -> Result<(), String> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))
}
