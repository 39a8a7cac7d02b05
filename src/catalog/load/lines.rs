//! CSV line tables (`recipe_lines.csv` and friends): attach each line to its parent record,
//! renaming the flat columns to the nested YAML shape.

use super::*;

impl Loader {
    /// Moves CSV line-table rows into their parent records' list fields.
    pub(super) fn attach_lines(&mut self, tables: &mut BTreeMap<&'static str, Vec<Node>>) {
        for &(line_table, parent_table, parent_key, list_field) in LINE_TABLES {
            let Some(lines) = tables.remove(line_table) else {
                continue;
            };
            let parents = tables.entry(parent_table).or_default();
            let index: HashMap<String, usize> = parents
                .iter()
                .enumerate()
                .filter_map(|(i, node)| scalar_field(node, "slug").map(|s| (s.to_owned(), i)))
                .collect();
            for line in lines {
                let NodeKind::Map(mut entries) = line.kind else {
                    self.errors.push(Diagnostic::new(
                        &line.loc,
                        line_table,
                        "wrong-type",
                        format!("expected a record, found {}", line.describe()),
                    ));
                    continue;
                };
                let Some(position) = entries.iter().position(|(k, _)| *k.name == *parent_key)
                else {
                    self.errors.push(
                        Diagnostic::new(
                            &line.loc,
                            line_table,
                            "missing-field",
                            format!("missing required field `{parent_key}`"),
                        )
                        .field(parent_key)
                        .hint(format!(
                            "say which {} this line belongs to",
                            &parent_table[..parent_table.len() - 1]
                        )),
                    );
                    continue;
                };
                let (key, parent_node) = entries.remove(position);
                let parent_slug = match &parent_node.kind {
                    NodeKind::Scalar(s) => s.clone(),
                    _ => String::new(),
                };
                let Some(&parent) = index.get(&parent_slug) else {
                    self.errors.push(
                        Diagnostic::new(
                            &key.loc,
                            line_table,
                            "unknown-reference",
                            format!(
                                "unknown {} {parent_slug:?}",
                                &parent_table[..parent_table.len() - 1]
                            ),
                        )
                        .field(parent_key)
                        .maybe_hint(did_you_mean(&parent_slug, index.keys().map(String::as_str))),
                    );
                    continue;
                };
                if let Err(e) = rename_line_columns(line_table, &line.loc, &mut entries) {
                    self.errors.push(e);
                    continue;
                }
                let line = Node {
                    loc: line.loc,
                    kind: NodeKind::Map(entries),
                };
                push_to_list(&mut parents[parent], list_field, line);
            }
        }
    }
}

pub(super) fn scalar_field<'a>(node: &'a Node, name: &str) -> Option<&'a str> {
    match &node.kind {
        NodeKind::Map(entries) => {
            entries
                .iter()
                .find(|(k, _)| *k.name == *name)
                .and_then(|(_, v)| match &v.kind {
                    NodeKind::Scalar(s) => Some(s.as_str()),
                    _ => None,
                })
        }
        _ => None,
    }
}

pub(super) fn list_len(node: &Node, field: &str) -> usize {
    match &node.kind {
        NodeKind::Map(entries) => {
            entries
                .iter()
                .find(|(k, _)| *k.name == *field)
                .map_or(0, |(_, v)| match &v.kind {
                    NodeKind::Seq(items) => items.len(),
                    NodeKind::Map(_) => 1,
                    _ => 0,
                })
        }
        _ => 0,
    }
}

pub(super) fn push_to_list(parent: &mut Node, field: &str, line: Node) {
    let NodeKind::Map(entries) = &mut parent.kind else {
        return;
    };
    if let Some((_, existing)) = entries.iter_mut().find(|(k, _)| *k.name == *field) {
        match &mut existing.kind {
            NodeKind::Seq(items) => items.push(line),
            _ => {
                *existing = Node {
                    loc: existing.loc.clone(),
                    kind: NodeKind::Seq(vec![line]),
                }
            }
        }
        return;
    }
    let loc = line.loc.clone();
    entries.push((
        Key {
            name: std::sync::Arc::from(field),
            loc: loc.clone(),
        },
        Node {
            loc,
            kind: NodeKind::Seq(vec![line]),
        },
    ));
}

/// Rewrites CSV line columns into the YAML field names: `component` → `recipe`,
/// `kind` + `item` → `item`/`bundle`/`material`/`recipe`, recipe targets' `qty` → `batches`.
pub(super) fn rename_line_columns(
    table: &'static str,
    line_loc: &Loc,
    entries: &mut Vec<(Key, Node)>,
) -> Result<(), Diagnostic> {
    let rename = |entries: &mut Vec<(Key, Node)>, from: &str, to: &str| {
        if let Some((key, _)) = entries.iter_mut().find(|(k, _)| *k.name == *from) {
            key.name = std::sync::Arc::from(to);
        }
    };
    match table {
        "recipe_components" => rename(entries, "component", "recipe"),
        "bundle_contents" | "targets" => {
            let allowed: &[&str] = if table == "targets" {
                &["item", "bundle", "recipe"]
            } else {
                &["item", "bundle", "material"]
            };
            let Some(index) = entries.iter().position(|(k, _)| &*k.name == "kind") else {
                return Err(Diagnostic::new(
                    line_loc,
                    table,
                    "missing-field",
                    "missing required field `kind`",
                )
                .field("kind")
                .hint(format!("kind is one of {}", allowed.join(", "))));
            };
            let (key, value) = entries.remove(index);
            let kind = match &value.kind {
                NodeKind::Scalar(s) => s.trim().to_ascii_lowercase(),
                _ => String::new(),
            };
            if !allowed.contains(&kind.as_str()) {
                return Err(Diagnostic::new(
                    &key.loc,
                    table,
                    "bad-kind",
                    format!("unknown kind {kind:?}"),
                )
                .field("kind")
                .hint(
                    did_you_mean(&kind, allowed.iter().copied())
                        .unwrap_or_else(|| format!("kind is one of {}", allowed.join(", "))),
                ));
            }
            rename(entries, "item", &kind);
            if kind == "recipe" {
                rename(entries, "qty", "batches");
            }
        }
        _ => {}
    }
    Ok(())
}
