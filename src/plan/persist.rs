//! A computed plan as the rows of the plan result tables (`store::results`): the same
//! batches, totals with provenance, shopping lines, blockers and costs `plan.json` holds, one
//! SQL row per line, so that "what did we decide to buy for last year's market" is a query,
//! not a re-run of the engine.

use std::sync::Arc;

use rusqlite::types::Value;
use rust_decimal::Decimal;

use super::result::{Num, PlanResult, Source};
use crate::store::results::{Computation, ResultRows, ResultTable};

/// The `plan_computations` row and result rows of `plan`, computed at `computed_at`.
pub fn rows(plan: &PlanResult, computed_at: &str) -> (Computation, ResultRows) {
    let computation = Computation {
        plan_id: plan.plan.id,
        event: plan.event.slug.clone(),
        event_date: plan.event.date.to_string(),
        engine_version: plan.plan.engine_version.clone(),
        journal_hash: journal_hash(plan),
        computed_at: computed_at.to_owned(),
        status: plan.feasibility.status.name().to_owned(),
        feasible: plan.feasibility.feasible,
        currency: plan.costs.currency.clone(),
        cost_total: pair(plan.costs.total.0),
        shopping_total: pair(plan.costs.shopping_total.0),
        unpriced_lines: i64::try_from(plan.costs.unknown_lines).unwrap_or(i64::MAX),
    };
    let mut paths = PathIds::default();
    let ingredients = ingredients(plan, &mut paths);
    let tables = vec![
        (ResultTable::Batches, batches(plan)),
        (ResultTable::Ingredients, ingredients),
        (ResultTable::Paths, paths.rows()),
        (ResultTable::Shopping, shopping(plan)),
        (ResultTable::Blockers, blockers(plan)),
        (ResultTable::Costs, costs(plan)),
    ];
    (computation, ResultRows { tables })
}

/// What distinguishes two computations of one plan: the kitchen work it was computed
/// against (its `progress`), hashed; empty for a plan computed without any.
pub fn journal_hash(plan: &PlanResult) -> String {
    match &plan.progress {
        None => String::new(),
        Some(progress) => match serde_json::to_vec(progress) {
            Ok(bytes) => blake3::hash(&bytes).to_hex()[..32].to_owned(),
            // Unreachable for plain data; a distinct key still never reuses another's rows.
            Err(_) => "unhashable".to_owned(),
        },
    }
}

/// A decimal as (REAL, exact TEXT).
fn pair(value: Decimal) -> (f64, String) {
    (Num(value).to_f64(), Num(value).exact_text())
}

fn real(value: Num) -> Value {
    Value::Real(value.to_f64())
}

fn exact(value: Num) -> Value {
    Value::Text(value.exact_text())
}

fn maybe(value: Option<Num>) -> [Value; 2] {
    match value {
        Some(v) => [real(v), exact(v)],
        None => [Value::Null, Value::Null],
    }
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

fn opt_text(value: Option<&str>) -> Value {
    value.map_or(Value::Null, text)
}

fn int(value: u64) -> Value {
    Value::Integer(i64::try_from(value).unwrap_or(i64::MAX))
}

fn line(n: usize) -> Value {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

fn batches(plan: &PlanResult) -> Vec<Vec<Value>> {
    plan.batches
        .iter()
        .enumerate()
        .map(|(n, b)| {
            vec![
                line(n),
                text(&b.recipe),
                opt_text(b.item.as_deref()),
                int(b.gross),
                int(b.in_stock),
                int(b.need),
                real(b.batches),
                exact(b.batches),
                int(b.produced),
                int(b.surplus),
                int(b.shortfall),
                real(b.waste_pct),
                Value::Integer(i64::from(b.decided)),
            ]
        })
        .collect()
}

/// The provenance paths of one computation, each numbered once.
#[derive(Default)]
struct PathIds {
    ids: foldhash::HashMap<String, usize>,
    /// Ids by the address of a shared path: sources reached through one path share its
    /// spelling (`Source::path`), so most lookups need not spell it again.
    shared: foldhash::HashMap<usize, usize>,
    spelled: Vec<String>,
    /// The path being looked up, spelled into one reused buffer.
    spelling: String,
}

impl PathIds {
    fn id(&mut self, path: &Arc<[String]>) -> usize {
        // The plan holds every path for as long as its rows are made: an address stays one
        // path's.
        let address = Arc::as_ptr(path).cast::<String>() as usize;
        if let Some(id) = self.shared.get(&address) {
            return *id;
        }
        self.spelling.clear();
        for (n, step) in path.iter().enumerate() {
            if n > 0 {
                self.spelling.push_str(" > ");
            }
            self.spelling.push_str(step);
        }
        let id = match self.ids.get(self.spelling.as_str()) {
            Some(id) => *id,
            None => {
                let id = self.spelled.len();
                self.ids.insert(self.spelling.clone(), id);
                self.spelled.push(self.spelling.clone());
                id
            }
        };
        self.shared.insert(address, id);
        id
    }

    fn rows(self) -> Vec<Vec<Value>> {
        self.spelled
            .into_iter()
            .enumerate()
            .map(|(n, path)| vec![line(n), Value::Text(path)])
            .collect()
    }
}

/// Ingredient totals, then material totals, numbered on from them; each with its sources
/// as JSON `[[path id, exact qty, unit], ...]` (the view `plan_ingredient_sources` unfolds
/// it through `plan_paths`).
fn ingredients(plan: &PlanResult, paths: &mut PathIds) -> Vec<Vec<Value>> {
    let ingredients = plan.ingredients.iter().map(|i| {
        (
            "ingredient",
            &i.ingredient,
            Some(i.category.as_str()),
            i.qty,
            &i.unit,
            i.unconvertible.as_deref(),
            &i.sources,
        )
    });
    let materials = plan.materials.iter().map(|m| {
        (
            "material",
            &m.material,
            None,
            m.qty,
            &m.unit,
            None,
            &m.sources,
        )
    });
    ingredients
        .chain(materials)
        .enumerate()
        .map(
            |(n, (kind, item, category, qty, unit, unconvertible, sources))| {
                vec![
                    line(n),
                    text(kind),
                    text(item),
                    opt_text(category),
                    real(qty),
                    exact(qty),
                    text(unit.symbol()),
                    opt_text(unconvertible),
                    Value::Text(sources_json(sources, paths)),
                ]
            },
        )
        .collect()
}

/// Sources as compact JSON: `[[path id, "1.5", "cup"], ...]`. Written directly: a path id
/// is a number, an exact decimal is digits, a point and a sign, and a unit symbol is plain
/// letters (see the test), so nothing needs escaping.
fn sources_json(sources: &[Source], paths: &mut PathIds) -> String {
    let mut json = String::with_capacity(2 + sources.len() * 24);
    json.push('[');
    for (n, Source { path, qty, unit }) in sources.iter().enumerate() {
        if n > 0 {
            json.push(',');
        }
        json.push('[');
        super::num::push_count(&mut json, paths.id(path) as u64);
        json.push_str(",\"");
        qty.write_exact(&mut json);
        json.push_str("\",\"");
        json.push_str(unit.symbol());
        json.push_str("\"]");
    }
    json.push(']');
    json
}

fn shopping(plan: &PlanResult) -> Vec<Vec<Value>> {
    plan.shopping
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let [price, price_exact] = maybe(s.price);
            let [cost, cost_exact] = maybe(s.cost);
            vec![
                line(n),
                text(s.kind.name()),
                text(&s.item),
                text(&s.category),
                real(s.needed),
                exact(s.needed),
                real(s.on_hand),
                exact(s.on_hand),
                real(s.to_buy),
                exact(s.to_buy),
                text(s.unit.symbol()),
                text(s.status.name()),
                opt_text(s.product.as_deref()),
                s.packs.map_or(Value::Null, int),
                price,
                price_exact,
                cost,
                cost_exact,
                text(&s.note),
            ]
        })
        .collect()
}

fn blockers(plan: &PlanResult) -> Vec<Vec<Value>> {
    plan.feasibility
        .blockers
        .iter()
        .enumerate()
        .map(|(n, b)| {
            vec![
                line(n),
                text(b.kind.name()),
                text(&b.item),
                real(b.needed),
                exact(b.needed),
                real(b.available),
                exact(b.available),
                text(b.unit.symbol()),
                text(&b.message),
            ]
        })
        .collect()
}

/// Per recipe (one batch and all batches), per item, per bundle.
fn costs(plan: &PlanResult) -> Vec<Vec<Value>> {
    let c = &plan.costs;
    let recipes = c
        .per_recipe
        .iter()
        .map(|r| ("recipe", &r.recipe, r.batch_cost, r.total));
    let items = c
        .per_item
        .iter()
        .map(|i| ("item", &i.item, i.unit_cost, None));
    let bundles = c
        .per_bundle
        .iter()
        .map(|b| ("bundle", &b.bundle, b.unit_cost, None));
    recipes
        .chain(items)
        .chain(bundles)
        .enumerate()
        .map(|(n, (kind, slug, unit_cost, total))| {
            let [unit_cost, unit_cost_exact] = maybe(unit_cost);
            let [total, total_exact] = maybe(total);
            vec![
                line(n),
                text(kind),
                text(slug),
                unit_cost,
                unit_cost_exact,
                total,
                total_exact,
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Unit;

    #[test]
    fn sources_are_the_json_serde_would_write() {
        for unit in Unit::ALL {
            let quoted = serde_json::to_string(unit.symbol()).expect("json");
            assert_eq!(
                quoted,
                format!("\"{}\"", unit.symbol()),
                "{unit:?} needs escaping"
            );
        }
        let source = |steps: &[&str], qty: Decimal, unit: Unit| Source {
            path: steps.iter().map(|s| (*s).to_owned()).collect(),
            qty: Num(qty),
            unit,
        };
        let sources = [
            source(
                &["e", "cookie", "dough"],
                Decimal::new(-15000, 4),
                Unit::Cup,
            ),
            source(&["e", "dough"], Decimal::new(2, 0), Unit::FlOz),
            source(&["e", "cookie", "dough"], Decimal::new(1, 9), Unit::G),
        ];
        let mut paths = PathIds::default();
        let json = sources_json(&sources, &mut paths);
        let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(
            parsed,
            serde_json::json!([
                [0, "-1.5", "cup"],
                [1, "2", "fl oz"],
                [0, "0.000000001", "g"]
            ])
        );
        assert_eq!(paths.spelled, ["e > cookie > dough", "e > dough"]);
    }
}
