//! `known_devices.log` lines and the `otwatch inventory` views of them.

use super::device::{Device, Revision};
use super::roles::{purdue, roles, RoleConfig};
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

/// Writes `known_devices.log`: one JSON object per device, by address.
pub fn write_log<'a>(
    path: &Path,
    devices: impl Iterator<Item = &'a Device>,
    cfg: &RoleConfig,
) -> std::io::Result<()> {
    std::fs::write(path, log_text(devices, cfg)?)
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
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str::<DeviceLine>(l)
                .map(|d| d.device)
                .map_err(|e| format!("{}:{}: {e}", file.display(), i + 1))
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
    let protocols = |m: &BTreeMap<String, std::collections::BTreeSet<u16>>| {
        m.iter()
            .map(|(p, ports)| {
                let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
                format!("{p}/{}", ports.join(","))
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    [
        d.ip.to_string(),
        l.vendors.join("; "),
        l.roles.join(","),
        l.purdue_level.map_or("-".into(), |p| format!("L{p}")),
        identity,
        l.firmware
            .as_ref()
            .map_or(String::new(), |r| r.revision.clone()),
        protocols(&d.activity.served),
        protocols(&d.activity.used),
        crate::output::iso8601(crate::time::Ts(d.last_seen_us)),
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
