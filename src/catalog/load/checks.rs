//! Whole-catalogue checks after conversion: references, units, nesting depth and cycles.

use super::*;

impl Loader {
    pub(super) fn check_refs(&mut self, catalog: &Catalog) {
        let items = catalog.items();
        // Each table's sorted slugs, listed once (not once per reference).
        let lists: [Vec<&str>; 5] = [
            catalog.ingredients.keys().map(String::as_str).collect(),
            catalog.materials.keys().map(String::as_str).collect(),
            catalog.recipes.keys().map(String::as_str).collect(),
            catalog.bundles.keys().map(String::as_str).collect(),
            items.keys().copied().collect(),
        ];
        let known = |to: &str| -> &[&str] {
            match to {
                "ingredients" => &lists[0],
                "materials" => &lists[1],
                "recipes" => &lists[2],
                "bundles" => &lists[3],
                _ => &lists[4],
            }
        };
        for r in std::mem::take(&mut self.refs) {
            let candidates = known(r.to);
            if candidates.binary_search(&r.slug.as_str()).is_ok()
                || self.broken_tables.contains(r.to)
                || self.broken_records.contains(&(r.to, r.slug.clone()))
            {
                continue;
            }
            let what = match r.to {
                "items" => "finished item",
                other => &other[..other.len() - 1],
            };
            let mut hint = did_you_mean(&r.slug, candidates.iter().copied());
            if hint.is_none() && r.to == "items" && catalog.recipes.contains_key(&r.slug) {
                hint = Some(format!(
                    "{:?} is a recipe; name one of the finished items it yields",
                    r.slug
                ));
            }
            let hint = hint.unwrap_or_else(|| {
                format!(
                    "add the {what} to {}, or fix the slug",
                    if r.to == "items" {
                        "a recipe's yields"
                    } else {
                        r.to
                    }
                )
            });
            self.errors.push(
                Diagnostic::new(
                    &r.loc,
                    r.table,
                    "unknown-reference",
                    format!("unknown {what} {:?}", r.slug),
                )
                .record(r.record.as_deref())
                .field(&r.field)
                .hint(hint),
            );
        }
    }

    /// Products and stock of materials must be in the material's kind of unit.
    pub(super) fn check_units(&mut self, catalog: &Catalog) {
        let mut problems = Vec::new();
        let material_kind = |slug: &str| catalog.materials.get(slug).map(|m| m.unit.kind());
        for product in &catalog.products {
            match &product.of {
                Stocked::Material(m)
                    if material_kind(m).is_some_and(|k| k != product.pack.unit.kind()) =>
                {
                    problems.push((format!("products/{}", product.key()), "products", product.name.clone(), "pack", format!("pack {} cannot be measured against material {m}, which is counted in {}", product.pack, catalog.materials[m].unit)));
                }
                Stocked::Ingredient(_)
                    if matches!(product.pack.unit.kind(), UnitKind::Length | UnitKind::Area) =>
                {
                    problems.push((
                        format!("products/{}", product.key()),
                        "products",
                        product.name.clone(),
                        "pack",
                        format!(
                            "pack {} is a packaging measure, not an ingredient amount",
                            product.pack
                        ),
                    ));
                }
                _ => {}
            }
        }
        for (key, table, record, field, message) in problems {
            let loc = self
                .locations
                .get(&key)
                .cloned()
                .unwrap_or_else(|| Loc::file(&Arc::from("products")));
            self.errors.push(
                Diagnostic::new(&loc, table, "bad-unit-kind", message)
                    .record(Some(&record))
                    .field(field)
                    .hint("write the pack in the material's unit (or a convertible one)"),
            );
        }
    }

    /// Reports every cycle in a graph of (parent, child, edge location) once, with its path.
    /// Nesting deeper than [`MAX_NESTING`] levels is an error (only called on a graph
    /// without cycles): deeper trees are no real bakery's and would risk the stack.
    pub(super) fn check_depth(
        &mut self,
        table: &'static str,
        what: &str,
        edges: &[(String, String, Loc)],
    ) {
        let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (parent, child, _) in edges {
            graph.entry(parent).or_default().push(child);
        }
        // Longest chain below each node, children first (iterative post-order).
        let mut depth: HashMap<&str, usize> = HashMap::new();
        for &start in graph.keys() {
            let mut stack = vec![(start, false)];
            while let Some((node, expanded)) = stack.pop() {
                if depth.contains_key(node) {
                    continue;
                }
                let children = graph.get(node).map_or(&[][..], Vec::as_slice);
                if expanded {
                    let below = children
                        .iter()
                        .map(|c| depth.get(c).copied().unwrap_or(0))
                        .max()
                        .map_or(0, |d| d + 1);
                    depth.insert(node, below);
                } else {
                    stack.push((node, true));
                    stack.extend(
                        children
                            .iter()
                            .filter(|c| !depth.contains_key(*c))
                            .map(|c| (*c, false)),
                    );
                }
            }
        }
        let mut reported = std::collections::HashSet::new();
        for (parent, _, loc) in edges {
            if depth.get(parent.as_str()).copied().unwrap_or(0) > MAX_NESTING
                && graph
                    .values()
                    .all(|children| !children.contains(&parent.as_str()))
                && reported.insert(parent.as_str())
            {
                self.errors.push(
                    Diagnostic::new(
                        loc,
                        table,
                        "too-deep",
                        format!("{what} {parent} nests more than {MAX_NESTING} levels deep"),
                    )
                    .record(Some(parent))
                    .field(if table == "recipes" {
                        "components"
                    } else {
                        "contents"
                    })
                    .hint(format!(
                        "flatten the {what}s: at most {MAX_NESTING} levels of nesting"
                    )),
                );
            }
        }
    }

    /// Reports every cycle once with its path; true when there is none.
    pub(super) fn check_cycles(
        &mut self,
        table: &'static str,
        what: &str,
        edges: &[(String, String, Loc)],
    ) -> bool {
        let before = self.errors.len();
        let mut graph: BTreeMap<&str, Vec<(&str, &Loc)>> = BTreeMap::new();
        for (parent, child, loc) in edges {
            graph.entry(parent).or_default().push((child, loc));
        }
        // Iterative depth-first search; 0 unvisited, 1 on the stack, 2 done.
        let mut state: HashMap<&str, u8> = HashMap::new();
        let mut seen_cycles: BTreeSet<Vec<&str>> = BTreeSet::new();
        for &start in graph.keys() {
            if state.get(start).copied().unwrap_or(0) != 0 {
                continue;
            }
            let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
            state.insert(start, 1);
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let children = graph.get(node).map_or(&[][..], Vec::as_slice);
                if let Some(&(child, loc)) = children.get(*next) {
                    *next += 1;
                    match state.get(child).copied().unwrap_or(0) {
                        0 => {
                            state.insert(child, 1);
                            stack.push((child, 0));
                        }
                        1 => {
                            let begin = stack.iter().position(|(n, _)| *n == child).unwrap_or(0);
                            let mut cycle: Vec<&str> =
                                stack[begin..].iter().map(|(n, _)| *n).collect();
                            let mut key = cycle.clone();
                            key.sort_unstable();
                            if seen_cycles.insert(key) {
                                cycle.push(child);
                                self.errors.push(
                                    Diagnostic::new(loc, table, "cycle", format!("{what} cycle: {}", cycle.join(" → ")))
                                        .record(Some(node))
                                        .field(if table == "recipes" { "components" } else { "contents" })
                                        .hint(format!("a {what} cannot contain itself; remove the {child} line from {node}")),
                                );
                            }
                        }
                        _ => {}
                    }
                } else {
                    state.insert(node, 2);
                    stack.pop();
                }
            }
        }
        self.errors.len() == before
    }
}

/// Fills in each ingredient's reporting unit: its own `unit`, else the unit most of the
/// catalogue's recipe lines use (ties: mass > volume > count, then the larger unit).
pub fn resolve_reporting_units(catalog: &mut Catalog) {
    let mut counts: BTreeMap<&str, BTreeMap<Unit, usize>> = BTreeMap::new();
    for recipe in catalog.recipes.values() {
        for line in &recipe.ingredients {
            *counts
                .entry(&line.ingredient)
                .or_default()
                .entry(line.qty.unit)
                .or_default() += 1;
        }
    }
    let kind_rank = |kind: UnitKind| match kind {
        UnitKind::Mass => 0,
        UnitKind::Volume => 1,
        _ => 2,
    };
    let chosen: BTreeMap<String, Unit> = counts
        .into_iter()
        .filter_map(|(slug, units)| {
            units
                .into_iter()
                .max_by(|(a, na), (b, nb)| {
                    na.cmp(nb)
                        .then(kind_rank(b.kind()).cmp(&kind_rank(a.kind())))
                        .then(a.factor().cmp(&b.factor()))
                })
                .map(|(unit, _)| (slug.to_owned(), unit))
        })
        .collect();
    for ingredient in catalog.ingredients.values_mut() {
        ingredient.reporting_unit = ingredient
            .unit
            .or_else(|| chosen.get(&ingredient.slug).copied())
            .unwrap_or(Unit::G);
    }
}
