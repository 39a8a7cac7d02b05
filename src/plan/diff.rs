//! What changed: between two versions of stored records (plan staleness) and between two
//! computed plans (`plans diff`). Both compare JSON field by field, so every message names
//! the record, the field and old → new.

use std::collections::BTreeMap;

use serde_json::Value;

use super::PlanResult;
use crate::store::RecordRow;

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".to_owned(),
        other => other.to_string(),
    }
}

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{index}]"), inner, out);
            }
        }
        other => {
            out.insert(prefix.to_owned(), scalar(other));
        }
    }
}

/// Field-level differences: `path old → new` (a missing side shows as `—`).
pub fn field_changes(old: &Value, new: &Value) -> Vec<String> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten("", old, &mut a);
    flatten("", new, &mut b);
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| {
            format!(
                "{k} {} → {}",
                a.get(k).map_or("—", String::as_str),
                b.get(k).map_or("—", String::as_str)
            )
        })
        .collect()
}

fn singular(table: &str) -> &str {
    match table {
        "inventory" => "inventory",
        "settings" => "settings",
        other => other.strip_suffix('s').unwrap_or(other),
    }
}

/// Changes from `old` to `new` stored records: one line per added or removed record and per
/// changed field (a body that is not JSON compares as `null`).
pub fn record_changes(old: &[RecordRow], new: &[RecordRow]) -> Vec<String> {
    let index = |rows: &[RecordRow]| -> BTreeMap<(String, String), Value> {
        rows.iter()
            .map(|r| {
                (
                    (r.table.clone(), r.key.clone()),
                    serde_json::from_str(&r.body).unwrap_or(Value::Null),
                )
            })
            .collect()
    };
    let (a, b) = (index(old), index(new));
    let mut keys: Vec<&(String, String)> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        let what = format!("{} {}", singular(&key.0), key.1);
        match (a.get(key), b.get(key)) {
            (None, Some(_)) => out.push(format!("{what} added")),
            (Some(_), None) => out.push(format!("{what} removed")),
            (Some(x), Some(y)) if x != y => out.extend(
                field_changes(x, y)
                    .into_iter()
                    .map(|c| format!("{what} changed: {c}")),
            ),
            _ => {}
        }
    }
    out
}

/// Sections of a PlanResult compared by `plans diff`, with the fields that identify a row.
const SECTIONS: &[(&str, &[&str])] = &[
    ("targets", &["kind", "slug"]),
    ("batches", &["recipe", "item"]),
    ("ingredients", &["ingredient", "unit"]),
    ("materials", &["material"]),
    ("shopping", &["kind", "item", "unit"]),
    ("assembly", &["bundle"]),
    ("blockers", &["kind", "item"]),
];

fn rows<'a>(plan: &'a Value, section: &str) -> Vec<&'a Value> {
    let list = if section == "blockers" {
        plan.pointer("/feasibility/blockers")
    } else {
        plan.get(section)
    };
    list.and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// Differences between two plans, section by section: `+ added`, `- removed`,
/// `~ changed field old → new`.
pub fn plan_changes(a: &PlanResult, b: &PlanResult) -> Vec<String> {
    let (a, b) = (
        serde_json::to_value(a).unwrap_or(Value::Null),
        serde_json::to_value(b).unwrap_or(Value::Null),
    );
    let mut out = Vec::new();
    for (section, key_fields) in SECTIONS {
        let keyed = |plan: &Value| -> BTreeMap<String, Value> {
            rows(plan, section)
                .into_iter()
                .map(|row| {
                    let key = key_fields
                        .iter()
                        .map(|f| row.get(*f).map(scalar).unwrap_or_default())
                        .filter(|k| k != "null")
                        .collect::<Vec<_>>()
                        .join(" ");
                    let mut row = row.clone();
                    if let Some(map) = row.as_object_mut() {
                        map.remove("sources");
                    }
                    (key, row)
                })
                .collect()
        };
        let (x, y) = (keyed(&a), keyed(&b));
        let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            match (x.get(key), y.get(key)) {
                (None, Some(_)) => out.push(format!("{section}: + {key}")),
                (Some(_), None) => out.push(format!("{section}: - {key}")),
                (Some(old), Some(new)) if old != new => out.extend(
                    field_changes(old, new)
                        .into_iter()
                        .map(|c| format!("{section}: ~ {key}: {c}")),
                ),
                _ => {}
            }
        }
    }
    if a.pointer("/feasibility/feasible") != b.pointer("/feasibility/feasible") {
        out.push(format!(
            "feasibility: ~ feasible {} → {}",
            a.pointer("/feasibility/feasible")
                .map(scalar)
                .unwrap_or_default(),
            b.pointer("/feasibility/feasible")
                .map(scalar)
                .unwrap_or_default()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_record_field_and_values() {
        let row = |table: &str, key: &str, body: &str| RecordRow {
            table: table.to_owned(),
            key: key.to_owned(),
            body: body.to_owned(),
        };
        let old = vec![row(
            "recipes",
            "cookies",
            r#"{"ingredients":[{"qty":{"value":"2.25"}}]}"#,
        )];
        let new = vec![
            row(
                "recipes",
                "cookies",
                r#"{"ingredients":[{"qty":{"value":"2.5"}}]}"#,
            ),
            row("bundles", "tin", "{}"),
        ];
        assert_eq!(
            record_changes(&old, &new),
            vec![
                "bundle tin added",
                "recipe cookies changed: ingredients[0].qty.value 2.25 → 2.5"
            ]
        );
    }
}
