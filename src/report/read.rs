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
    let mut types: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        if let Some(f) = line.strip_prefix("#fields\t") {
            fields = f.split('\t').map(str::to_string).collect();
            continue;
        }
        if let Some(t) = line.strip_prefix("#types\t") {
            types = t.split('\t').map(str::to_string).collect();
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
        for (j, (k, v)) in fields.iter().zip(line.split('\t')).enumerate() {
            if v != "-" {
                let ty = types.get(j).map_or("string", String::as_str);
                m.insert(k.clone(), tsv_value(ty, v));
            }
        }
        rows.push(m);
    }
    Ok(rows)
}

/// A TSV cell as the JSON writer would have written it, by its Zeek type.
fn tsv_value(ty: &str, cell: &str) -> Value {
    if let Some(inner) = ty
        .strip_prefix("set[")
        .or_else(|| ty.strip_prefix("vector["))
        .and_then(|t| t.strip_suffix(']'))
    {
        if cell == "(empty)" {
            return Value::Array(Vec::new());
        }
        return Value::Array(cell.split(',').map(|c| tsv_value(inner, c)).collect());
    }
    if cell == "(empty)" && ty == "string" {
        return Value::String(String::new());
    }
    let number = |n: Option<serde_json::Number>| n.map(Value::Number);
    let typed = match ty {
        "count" | "port" => number(cell.parse::<u64>().ok().map(Into::into)),
        "int" => number(cell.parse::<i64>().ok().map(Into::into)),
        "double" | "time" | "interval" => number(
            cell.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64),
        ),
        "bool" => match cell {
            "T" => Some(Value::Bool(true)),
            "F" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => None,
    };
    typed.unwrap_or_else(|| Value::String(crate::output::tsv_unescape(cell)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_cells_read_as_their_types() {
        assert_eq!(tsv_value("count", "12"), serde_json::json!(12));
        assert_eq!(tsv_value("time", "1.5"), serde_json::json!(1.5));
        assert_eq!(tsv_value("bool", "T"), serde_json::json!(true));
        assert_eq!(
            tsv_value("set[string]", "a,b\\x2cc"),
            serde_json::json!(["a", "b,c"])
        );
        assert_eq!(tsv_value("set[string]", "(empty)"), serde_json::json!([]));
        assert_eq!(tsv_value("string", "a\\x09b"), serde_json::json!("a\tb"));
        assert_eq!(tsv_value("vector[count]", "1,2"), serde_json::json!([1, 2]));
    }
}
