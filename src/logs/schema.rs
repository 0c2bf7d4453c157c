//! Machine-readable schemas of every log otwatch writes: one JSON Schema
//! (draft 2020-12) per log, made from the same column tables the writers
//! use, for the JSON form (`--log-format json`, Zeek's JSON writer: unset
//! columns left out, times and intervals in seconds). `docs/schemas/`
//! holds them, and a test checks every row of every bundled capture's
//! logs against them (`tests/schemas.rs`).

use crate::output::{Field, FieldType, LogRecord};
use serde_json::{json, Map, Value};

/// Every log written from a column table, with its columns.
pub fn tables() -> Vec<(&'static str, &'static [Field])> {
    let mut v: Vec<(&'static str, &'static [Field])> = vec![
        (crate::event::Alert::PATH, crate::event::Alert::fields()),
        (crate::event::Conn::PATH, crate::event::Conn::fields()),
        (
            super::notice::NoticeRow::PATH,
            super::notice::NoticeRow::fields(),
        ),
        (
            crate::stats::StatsRecord::PATH,
            crate::stats::StatsRecord::fields(),
        ),
        (
            crate::stats::CaptureLoss::PATH,
            crate::stats::CaptureLoss::fields(),
        ),
        (crate::event::Weird::PATH, crate::event::Weird::fields()),
    ];
    v.extend(super::modbus::logs());
    v.extend(super::enip::logs());
    v.extend(super::opcua::logs());
    v.extend(super::s7::logs());
    v.extend(super::profinet::logs());
    v
}

/// The JSON Schema of one value of a column type, as Zeek's JSON writer
/// writes it.
fn value_schema(t: FieldType) -> Value {
    match t {
        FieldType::Time | FieldType::Interval | FieldType::Double => json!({"type": "number"}),
        FieldType::String | FieldType::Enum => json!({"type": "string"}),
        FieldType::Addr => {
            json!({"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]})
        }
        FieldType::Port => json!({"type": "integer", "minimum": 0, "maximum": 65535}),
        FieldType::Count => json!({"type": "integer", "minimum": 0}),
        FieldType::Int => json!({"type": "integer"}),
        FieldType::Bool => json!({"type": "boolean"}),
        FieldType::SetString => json!({"type": "array", "items": {"type": "string"}}),
        FieldType::VectorCount => {
            json!({"type": "array", "items": {"type": "integer", "minimum": 0}})
        }
    }
}

/// The schema of a log written from a column table: exactly its columns,
/// each of its type; `ts` always present.
pub fn of_table(name: &str, fields: &[Field]) -> Value {
    let mut props = Map::new();
    for f in fields {
        let mut s = value_schema(f.ty);
        if let Value::Object(o) = &mut s {
            o.insert("x-zeek-type".into(), json!(f.ty.zeek_name()));
        }
        props.insert(f.name.to_string(), s);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("https://otwatch.invalid/schemas/{name}.json"),
        "title": format!("{name}.log"),
        "description": "One row of the log in otwatch's JSON form (Zeek's JSON writer: unset columns are left out).",
        "type": "object",
        "properties": props,
        "required": ["ts"],
        "additionalProperties": false,
        "x-columns": fields.iter().map(|f| f.name).collect::<Vec<_>>(),
    })
}

/// The schema of `known_devices.log`, the inventory (its records are
/// nested objects, written by serde rather than from a column table).
pub fn known_devices() -> Value {
    let count = value_schema(FieldType::Count);
    let strings = value_schema(FieldType::SetString);
    let revision = json!({
        "type": "object",
        "properties": {
            "first_seen_us": {"type": "integer"},
            "source": {"type": "string"},
            "revision": {"type": "string"}
        },
        "required": ["first_seen_us", "source", "revision"]
    });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://otwatch.invalid/schemas/known_devices.json",
        "title": "known_devices.log",
        "description": "One device of the inventory (docs/detection.md#inventory).",
        "type": "object",
        "properties": {
            "ts": {"type": "number"},
            "vendors": strings,
            "roles": strings,
            "role_evidence": {"type": "object", "additionalProperties": {"type": "string"}},
            "purdue_level": {"type": ["integer", "null"], "minimum": 0, "maximum": 5},
            "purdue_reason": {"type": "string"},
            "firmware": {"anyOf": [revision, {"type": "null"}]},
            "mode": {"type": ["string", "null"]},
            "ip": value_schema(FieldType::Addr),
            "macs": strings,
            "vlans": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 4095}},
            "first_seen_us": {"type": "integer"},
            "last_seen_us": {"type": "integer"},
            "packets_sent": count,
            "bytes_sent": count,
            "packets_received": count,
            "bytes_received": count,
            "activity": {"type": "object"},
            "cip_identity": {"type": ["object", "null"]},
            "modbus_identity": {"type": "object", "additionalProperties": {"type": "string"}},
            "opcua_identity": {"type": "array", "items": {"type": "object"}},
            "s7_identity": {"type": "object"},
            "profinet_identity": {
                "type": "object",
                "properties": {
                    "name_of_station": {"type": "string"},
                    "type_of_station": {"type": "string"},
                    "vendor_id": {"type": "string", "pattern": "^0x[0-9a-f]{4}$"},
                    "device_id": {"type": "string", "pattern": "^0x[0-9a-f]{4}$"},
                    "role": {"type": "string"}
                },
                "additionalProperties": false
            },
            "revisions": {"type": "array", "items": revision}
        },
        "required": ["ts", "roles", "first_seen_us", "last_seen_us", "activity"],
        // A device seen only at layer 2 has no address: its MAC names it.
        "anyOf": [
            {"required": ["ip"]},
            {"required": ["macs"], "properties": {"macs": {"minItems": 1}}}
        ],
        "additionalProperties": false
    })
}

/// Every schema, by log name (`conn` for `conn.log`).
pub fn all() -> Vec<(String, Value)> {
    let mut v: Vec<(String, Value)> = tables()
        .into_iter()
        .map(|(name, fields)| (name.to_string(), of_table(name, fields)))
        .collect();
    v.push(("known_devices".into(), known_devices()));
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_log_has_a_schema_and_every_schema_a_log() {
        let names: Vec<String> = all().into_iter().map(|(n, _)| n).collect();
        let mut known: Vec<String> = crate::output::LOG_NAMES
            .iter()
            .map(|s| s.to_string())
            .collect();
        known.sort();
        assert_eq!(names, known);
    }

    #[test]
    fn a_table_schema_lists_its_columns_in_order() {
        let s = of_table("conn", crate::event::Conn::fields());
        assert_eq!(s["x-columns"][0], "ts");
        assert_eq!(s["properties"]["id.orig_p"]["maximum"], 65535);
        assert_eq!(s["properties"]["ts"]["x-zeek-type"], "time");
        assert_eq!(s["additionalProperties"], false);
    }
}
