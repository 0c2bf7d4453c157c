//! `known_devices.log` lines and the `otwatch inventory` views of them.

use super::device::{Device, Revision};
use super::roles::{purdue, roles, RoleConfig};
use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// One line of `known_devices.log`: the device record, and what is
/// derived from it (vendors, roles with evidence, Purdue level).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeviceLine {
    /// Last seen, epoch seconds (the `ts` of Zeek's logs).
    pub ts: f64,
    pub vendors: Vec<String>,
    pub roles: Vec<String>,
    pub role_evidence: BTreeMap<String, String>,
    pub purdue_level: Option<u8>,
    pub purdue_reason: String,
    /// The latest revision seen and where it came from.
    pub firmware: Option<Revision>,
    /// The controller's state, where the traffic shows it (CIP identity).
    pub mode: Option<String>,
    #[serde(flatten)]
    pub device: Device,
}

impl DeviceLine {
    pub fn new(d: &Device, cfg: &RoleConfig) -> DeviceLine {
        let r = roles(d, cfg);
        let (level, reason) = purdue(d, &r);
        DeviceLine {
            ts: d.last_seen_us as f64 / 1e6,
            vendors: d.vendors().into_iter().map(str::to_string).collect(),
            roles: r.iter().map(|(x, _)| x.name().to_string()).collect(),
            role_evidence: r
                .iter()
                .map(|(x, e)| (x.name().to_string(), e.clone()))
                .collect(),
            purdue_level: level,
            purdue_reason: reason,
            firmware: d.revision().cloned(),
            mode: d.cip_identity.as_ref().map(|i| i.state.clone()),
            device: d.clone(),
        }
    }
}

/// Writes `known_devices.log` in the run's log format: one JSON object per
/// device, by address; or Zeek's TSV with flat columns for Zeek pipelines
/// and the whole record, as JSON, in its last column (`record`), which is
/// what otwatch's readers take.
pub fn write_log<'a>(
    path: &Path,
    devices: impl Iterator<Item = &'a Device>,
    cfg: &RoleConfig,
    format: crate::output::LogFormat,
) -> std::io::Result<()> {
    let text = match format {
        crate::output::LogFormat::Json => log_text(devices, cfg)?,
        crate::output::LogFormat::Tsv => tsv_text(devices, cfg)?,
    };
    std::fs::write(path, text)
}

static TSV_FIELDS: [Field; 20] = [
    field("ts", T::Time),
    field("ip", T::Addr),
    field("macs", T::SetString),
    field("vendors", T::SetString),
    field("vlans", T::VectorCount),
    field("roles", T::SetString),
    field("purdue_level", T::Count),
    field("purdue_reason", T::String),
    field("identity", T::String),
    field("firmware", T::String),
    field("mode", T::String),
    field("first_seen", T::Time),
    field("last_seen", T::Time),
    field("packets_sent", T::Count),
    field("bytes_sent", T::Count),
    field("packets_received", T::Count),
    field("bytes_received", T::Count),
    field("served", T::SetString),
    field("used", T::SetString),
    field("record", T::String),
];

/// A device as a TSV row: its line and that line's JSON.
#[derive(Debug)]
struct TsvDevice {
    line: DeviceLine,
    json: String,
}

/// Each protocol with its ports, `protocol/port<sep>port`.
fn port_list(m: &BTreeMap<String, std::collections::BTreeSet<u16>>, sep: &str) -> Vec<String> {
    m.iter()
        .map(|(p, ports)| {
            let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
            format!("{p}/{}", ports.join(sep))
        })
        .collect()
}

impl LogRecord for TsvDevice {
    const PATH: &'static str = "known_devices";
    fn fields() -> &'static [Field] {
        &TSV_FIELDS
    }
    fn ts(&self) -> Ts {
        Ts(self.line.device.last_seen_us)
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        let (l, d) = (&self.line, &self.line.device);
        out.push(Value::Time(Ts(d.last_seen_us)));
        out.push(d.ip.map_or(Value::Unset, Value::Addr));
        out.push(Value::StrSet(d.macs.iter().cloned().collect()));
        out.push(Value::StrSet(l.vendors.clone()));
        out.push(Value::Counts(
            d.vlans.iter().map(|v| u64::from(*v)).collect(),
        ));
        out.push(Value::StrSet(l.roles.clone()));
        out.push(
            l.purdue_level
                .map_or(Value::Unset, |p| Value::Count(u64::from(p))),
        );
        out.push(Value::Ref(&l.purdue_reason));
        out.push(d.identity().map_or(Value::Unset, Value::Str));
        out.push(
            l.firmware
                .as_ref()
                .map_or(Value::Unset, |r| Value::Ref(&r.revision)),
        );
        out.push(l.mode.as_deref().map_or(Value::Unset, Value::Ref));
        out.push(Value::Time(Ts(d.first_seen_us)));
        out.push(Value::Time(Ts(d.last_seen_us)));
        for n in [
            d.packets_sent,
            d.bytes_sent,
            d.packets_received,
            d.bytes_received,
        ] {
            out.push(Value::Count(n));
        }
        out.push(Value::StrSet(port_list(&d.activity.served, "+")));
        out.push(Value::StrSet(port_list(&d.activity.used, "+")));
        out.push(Value::Ref(&self.json));
    }
}

/// `known_devices.log` in Zeek's TSV (stamped with the first and last time
/// a device was seen, so the same input gives the same bytes).
fn tsv_text<'a>(
    devices: impl Iterator<Item = &'a Device>,
    cfg: &RoleConfig,
) -> std::io::Result<String> {
    let rows: Vec<TsvDevice> = devices
        .map(|d| {
            let line = DeviceLine::new(d, cfg);
            serde_json::to_string(&line)
                .map(|json| TsvDevice { line, json })
                .map_err(std::io::Error::other)
        })
        .collect::<Result<_, _>>()?;
    let open = rows
        .iter()
        .map(|r| r.line.device.first_seen_us)
        .min()
        .unwrap_or(0);
    let close = rows
        .iter()
        .map(|r| r.line.device.last_seen_us)
        .max()
        .unwrap_or(0);
    let refs: Vec<&dyn crate::output::DynLog> = rows
        .iter()
        .map(|r| r as &dyn crate::output::DynLog)
        .collect();
    Ok(crate::output::tsv_file(
        TsvDevice::PATH,
        TsvDevice::fields(),
        &refs,
        Ts(open),
        Ts(close),
    ))
}

/// The device records of a `known_devices.log`, JSON or TSV, as JSON
/// objects (with the roles and levels the run gave them).
pub fn read_records(file: &Path) -> Result<Vec<serde_json::Value>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    records_of(&text, file)
}

/// The device records of the text of `file`, a `known_devices.log`.
fn records_of(text: &str, file: &Path) -> Result<Vec<serde_json::Value>, String> {
    let at = |i: usize| format!("{}:{}", file.display(), i + 1);
    let mut record_col = None;
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if let Some(f) = l.strip_prefix("#fields\t") {
            record_col = f.split('\t').position(|c| c == "record");
            continue;
        }
        if l.starts_with('#') || l.trim().is_empty() {
            continue;
        }
        let json = match record_col {
            Some(c) => crate::output::tsv_unescape(
                l.split('\t')
                    .nth(c)
                    .ok_or_else(|| format!("{}: no record column", at(i)))?,
            ),
            None => l.to_string(),
        };
        out.push(serde_json::from_str(&json).map_err(|e| format!("{}: {e}", at(i)))?);
    }
    Ok(out)
}

/// The lines of `known_devices.log` (JSON, one device per line).
pub fn log_text<'a>(
    devices: impl Iterator<Item = &'a Device>,
    cfg: &RoleConfig,
) -> std::io::Result<String> {
    let mut out = String::new();
    for d in devices {
        let line =
            serde_json::to_string(&DeviceLine::new(d, cfg)).map_err(std::io::Error::other)?;
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// Devices from a log directory (its `known_devices.log`), a
/// `known_devices.log` itself, or a baseline file.
pub fn read_devices(path: &Path) -> Result<Vec<Device>, String> {
    let file = if path.is_dir() {
        if !crate::output::manifest::has_log(path, "known_devices")? {
            return Err(format!(
                "{}: the run in this directory wrote no known_devices.log",
                path.display()
            ));
        }
        path.join("known_devices.log")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    if text.trim_start().starts_with('{') && !text.trim_start().starts_with("{\"ts\"") {
        let b = crate::baseline::Baseline::from_json(&text)
            .map_err(|e| format!("{}: {e}", file.display()))?;
        return Ok(b.devices.into_values().collect());
    }
    records_of(&text, &file)?
        .into_iter()
        .map(|v| {
            serde_json::from_value::<DeviceLine>(v)
                .map(|d| d.device)
                .map_err(|e| format!("{}: {e}", file.display()))
        })
        .collect()
}

/// How `otwatch inventory` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

const HEADER: [&str; 9] = [
    "ip",
    "mac_vendor",
    "roles",
    "purdue",
    "identity",
    "firmware",
    "served",
    "used",
    "last_seen",
];

fn cells(l: &DeviceLine) -> [String; 9] {
    let d = &l.device;
    let identity = d.identity().unwrap_or_default();
    let protocols =
        |m: &BTreeMap<String, std::collections::BTreeSet<u16>>| port_list(m, ",").join(" ");
    [
        d.name(),
        l.vendors.join("; "),
        l.roles.join(","),
        l.purdue_level.map_or("-".into(), |p| format!("L{p}")),
        identity,
        l.firmware
            .as_ref()
            .map_or(String::new(), |r| r.revision.clone()),
        protocols(&d.activity.served),
        protocols(&d.activity.used),
        crate::time::iso8601(crate::time::Ts(d.last_seen_us)),
    ]
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Prints devices in `format` to a string.
pub fn print(devices: &[Device], format: Format, cfg: &RoleConfig) -> String {
    let lines: Vec<DeviceLine> = devices.iter().map(|d| DeviceLine::new(d, cfg)).collect();
    let mut out = String::new();
    match format {
        Format::Json => {
            for l in &lines {
                out.push_str(&serde_json::to_string(l).unwrap_or_default());
                out.push('\n');
            }
        }
        Format::Csv => {
            out.push_str(&HEADER.join(","));
            out.push('\n');
            for l in &lines {
                let row: Vec<String> = cells(l).iter().map(|c| csv_cell(c)).collect();
                out.push_str(&row.join(","));
                out.push('\n');
            }
        }
        Format::Table => {
            let rows: Vec<[String; 9]> = lines.iter().map(cells).collect();
            let mut widths: Vec<usize> = HEADER.iter().map(|h| h.len()).collect();
            for r in &rows {
                for (w, c) in widths.iter_mut().zip(r) {
                    *w = (*w).max(c.chars().count()).min(48);
                }
            }
            let line = |cells: &[String]| {
                let parts: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| {
                        let c: String = c.chars().take(*w).collect();
                        format!("{c:<w$}", w = *w)
                    })
                    .collect();
                parts.join("  ").trim_end().to_string() + "\n"
            };
            out.push_str(&line(&HEADER.map(String::from)));
            for r in &rows {
                out.push_str(&line(r));
            }
        }
    }
    out
}
