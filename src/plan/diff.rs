//! What changed: between two versions of stored records (plan staleness) and between two
//! computed plans (`plans diff`). Both compare JSON field by field, so every message names
//! the record, the field and old → new.

use std::collections::BTreeMap;

use serde::Serialize;
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

/// How a record or row differs between the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Only on the new side.
    Added,
    /// Only on the old side.
    Removed,
    /// On both sides, with this field different.
    Changed,
}

/// One difference: a record or plan row added or removed, or one field of it changed
/// (`plans diff --json`, `plans status --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Plan section (`batches`, `shopping`, …) or catalogue table (`recipes`, …).
    pub section: String,
    /// The row or record: its identifying fields, space-separated.
    pub key: String,
    /// Added, removed or changed.
    pub kind: ChangeKind,
    /// The changed field's path (`ingredients[0].qty.value`), for `changed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The old value (absent when the field is new).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The new value (absent when the field was removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

impl Change {
    fn whole(section: &str, key: &str, kind: ChangeKind) -> Change {
        Change {
            section: section.to_owned(),
            key: key.to_owned(),
            kind,
            field: None,
            old: None,
            new: None,
        }
    }

    fn fields(section: &str, key: &str, old: &Value, new: &Value) -> Vec<Change> {
        field_changes(old, new)
            .into_iter()
            .map(|(field, old, new)| Change {
                section: section.to_owned(),
                key: key.to_owned(),
                kind: ChangeKind::Changed,
                field: Some(field),
                old,
                new,
            })
            .collect()
    }

    fn field_text(&self) -> String {
        format!(
            "{} {} → {}",
            self.field.as_deref().unwrap_or_default(),
            self.old.as_deref().unwrap_or("—"),
            self.new.as_deref().unwrap_or("—")
        )
    }

    /// The line `plans diff` prints: `batches: + cookies`, `shopping: ~ flour: qty 2 → 3`.
    pub fn plan_line(&self) -> String {
        let (section, key) = (&self.section, &self.key);
        match self.kind {
            ChangeKind::Added => format!("{section}: + {key}"),
            ChangeKind::Removed => format!("{section}: - {key}"),
            ChangeKind::Changed if key.is_empty() => format!("{section}: ~ {}", self.field_text()),
            ChangeKind::Changed => format!("{section}: ~ {key}: {}", self.field_text()),
        }
    }

    /// The line `plans status` prints: `recipe cookies changed: yields[0].qty 24 → 30`.
    pub fn record_line(&self) -> String {
        let what = format!("{} {}", singular(&self.section), self.key);
        match self.kind {
            ChangeKind::Added => format!("{what} added"),
            ChangeKind::Removed => format!("{what} removed"),
            ChangeKind::Changed => format!("{what} changed: {}", self.field_text()),
        }
    }
}

/// Field-level differences: (path, old, new), a missing side as `None`.
fn field_changes(old: &Value, new: &Value) -> Vec<(String, Option<String>, Option<String>)> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten("", old, &mut a);
    flatten("", new, &mut b);
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| (k.clone(), a.get(k).cloned(), b.get(k).cloned()))
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
pub fn record_changes(old: &[RecordRow], new: &[RecordRow]) -> Vec<Change> {
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
        let (table, record) = (&key.0, &key.1);
        match (a.get(key), b.get(key)) {
            (None, Some(_)) => out.push(Change::whole(table, record, ChangeKind::Added)),
            (Some(_), None) => out.push(Change::whole(table, record, ChangeKind::Removed)),
            (Some(x), Some(y)) if x != y => out.extend(Change::fields(table, record, x, y)),
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
pub fn plan_changes(a: &PlanResult, b: &PlanResult) -> Vec<Change> {
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
                (None, Some(_)) => out.push(Change::whole(section, key, ChangeKind::Added)),
                (Some(_), None) => out.push(Change::whole(section, key, ChangeKind::Removed)),
                (Some(old), Some(new)) if old != new => {
                    out.extend(Change::fields(section, key, old, new));
                }
                _ => {}
            }
        }
    }
    let feasible = |plan: &Value| plan.pointer("/feasibility/feasible").map(scalar);
    if feasible(&a) != feasible(&b) {
        out.push(Change {
            section: "feasibility".to_owned(),
            key: String::new(),
            kind: ChangeKind::Changed,
            field: Some("feasible".to_owned()),
            old: feasible(&a),
            new: feasible(&b),
        });
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
            record_changes(&old, &new)
                .iter()
                .map(Change::record_line)
                .collect::<Vec<_>>(),
            vec![
                "bundle tin added",
                "recipe cookies changed: ingredients[0].qty.value 2.25 → 2.5"
            ]
        );
    }
}
