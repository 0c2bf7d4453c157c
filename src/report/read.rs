//! Reading a log of a run, JSON lines or Zeek TSV, into rows of values.

use serde_json::{Map, Value};
use std::path::Path;

pub type Row = Map<String, Value>;

/// The rows of `<dir>/<name>.log`; a missing log has none, and so has a
/// log the run's manifest does not list (another run left it).
pub fn read_log(dir: &Path, name: &str) -> Result<Vec<Row>, String> {
    if !crate::output::manifest::has_log(dir, name)? {
        return Ok(Vec::new());
    }
    let path = dir.join(format!("{name}.log"));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut fields: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        if let Some(f) = line.strip_prefix("#fields\t") {
            fields = f.split('\t').map(str::to_string).collect();
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with('{') {
            let v: Value = serde_json::from_str(line)
                .map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
            if let Value::Object(m) = v {
                rows.push(m);
            }
            continue;
        }
        let mut m = Map::new();
        for (k, v) in fields.iter().zip(line.split('\t')) {
            if v != "-" {
                m.insert(k.clone(), Value::String(v.to_string()));
            }
        }
        rows.push(m);
    }
    Ok(rows)
}
