//! Turning what the kitchen reports into journal entries, checked against the event's plan.
//!
//! `bakeplan record …` and `record --file` both come here: a recipe must be one the plan
//! makes, a bundle one it assembles, an ingredient or material one the catalogue knows, in a
//! unit that converts to its own; counts are positive. Nothing is written unless every
//! entry is valid (the caller appends them in one transaction).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::kinds::{LineKind, ShoppingStatus};
use super::result::PlanResult;
use crate::catalog::diag::did_you_mean;
use crate::catalog::fields::{Bound, Fields};
use crate::catalog::tree::{self, NodeKind};
use crate::catalog::units::{convert, split_quantity};
use crate::catalog::{Catalog, Diagnostic, Loc, Unit, dialect::Dialect};
use crate::store::journal::{
    Assembly, Entry, PlanState, Production, Purchase, PurchaseKind, StateChange,
};

/// Why an entry was refused: the field at fault, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The option or column (`recipe`, `batches`, …).
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Problem {
    fn new(field: &'static str, message: String, hint: Option<String>) -> Problem {
        Problem {
            field,
            message,
            hint,
        }
    }
}

/// Production of `batches` of `recipe` for the plan's event. `actual_yield` defaults to the
/// plan's count for that many batches.
pub fn production(
    plan: &PlanResult,
    recipe: &str,
    batches: Decimal,
    actual_yield: Option<u64>,
    loss_reason: Option<String>,
    at: &str,
) -> Result<Production, Problem> {
    let Some(row) = plan.recipes.iter().find(|r| r.recipe == recipe) else {
        let names = plan.recipes.iter().map(|r| r.recipe.as_str());
        return Err(Problem::new(
            "recipe",
            format!(
                "plan {} of {} makes no recipe {recipe:?}",
                plan.plan.id, plan.event.slug
            ),
            did_you_mean(recipe, names).or_else(|| Some("see `bakeplan plans show`".into())),
        ));
    };
    if batches <= Decimal::ZERO {
        return Err(Problem::new(
            "batches",
            format!("batches must be more than 0, found {batches}"),
            None,
        ));
    }
    let expected = row
        .yields
        .iter()
        .filter(|y| y.produced > 0)
        .map(|y| y.per_batch.0 * batches)
        .try_fold(Decimal::ZERO, |sum, n| sum.checked_add(n))
        .and_then(|sum| sum.floor().to_u64());
    let yields_counted = row.yields.iter().any(|y| y.produced > 0);
    if actual_yield.is_some() && !yields_counted {
        return Err(Problem::new(
            "yield",
            format!("{} yields no counted item in this plan", row.name),
            Some("leave out the yield for sub-recipes".into()),
        ));
    }
    if loss_reason.as_deref().is_some_and(|r| r.trim().is_empty()) {
        return Err(Problem::new(
            "loss_reason",
            "the loss reason is blank".into(),
            None,
        ));
    }
    Ok(Production {
        event: plan.event.slug.clone(),
        plan_id: plan.plan.id,
        recipe: recipe.to_owned(),
        batches: batches.normalize(),
        expected_yield: yields_counted.then_some(expected).flatten(),
        actual_yield,
        loss_reason,
        at: at.to_owned(),
    })
}

/// `qty` bundles of `bundle` packed for the plan's event.
pub fn assembly(plan: &PlanResult, bundle: &str, qty: u64, at: &str) -> Result<Assembly, Problem> {
    if !plan.assembly.iter().any(|a| a.bundle == bundle) {
        let names = plan.assembly.iter().map(|a| a.bundle.as_str());
        return Err(Problem::new(
            "bundle",
            format!(
                "plan {} of {} assembles no bundle {bundle:?}",
                plan.plan.id, plan.event.slug
            ),
            did_you_mean(bundle, names),
        ));
    }
    if qty == 0 {
        return Err(Problem::new("qty", "qty must be at least 1".into(), None));
    }
    Ok(Assembly {
        event: plan.event.slug.clone(),
        plan_id: plan.plan.id,
        bundle: bundle.to_owned(),
        qty,
        at: at.to_owned(),
    })
}

/// A purchase of `qty` (`"10 lb"`) of an ingredient or material the catalogue knows.
pub fn purchase(
    catalog: &Catalog,
    kind: PurchaseKind,
    item: &str,
    qty: &str,
    cost: Option<Decimal>,
    event: Option<String>,
    at: &str,
) -> Result<Purchase, Problem> {
    let field = kind.name();
    let (own_unit, density) = match kind {
        PurchaseKind::Ingredient => match catalog.ingredients.get(item) {
            Some(i) => (i.reporting_unit, i.density.as_ref()),
            None => {
                return Err(Problem::new(
                    "ingredient",
                    format!("no ingredient {item:?} in the catalogue"),
                    did_you_mean(item, catalog.ingredients.keys().map(String::as_str)),
                ));
            }
        },
        PurchaseKind::Material => match catalog.materials.get(item) {
            Some(m) => (m.unit, None),
            None => {
                return Err(Problem::new(
                    "material",
                    format!("no material {item:?} in the catalogue"),
                    did_you_mean(item, catalog.materials.keys().map(String::as_str)),
                ));
            }
        },
    };
    let Some((amount, unit_text)) = split_quantity(qty) else {
        return Err(Problem::new(
            "qty",
            format!("expected an amount with a unit such as \"10 lb\", found {qty:?}"),
            None,
        ));
    };
    let unit = if unit_text.is_empty() {
        own_unit
    } else {
        Unit::parse(unit_text).ok_or_else(|| {
            Problem::new(
                "qty",
                format!("unknown unit {unit_text:?}"),
                Unit::nearest(unit_text).map(|u| format!("did you mean {u:?}?")),
            )
        })?
    };
    if amount <= Decimal::ZERO {
        return Err(Problem::new(
            "qty",
            format!("qty must be more than 0, found {amount}"),
            None,
        ));
    }
    if let Err(e) = convert(amount, unit, own_unit, density) {
        return Err(Problem::new(
            "qty",
            format!("{qty} cannot count as {field} {item}: {e}"),
            Some(format!(
                "give it in {own_unit} or a unit that converts to it"
            )),
        ));
    }
    if cost.is_some_and(|c| c < Decimal::ZERO) {
        return Err(Problem::new("cost", "cost cannot be negative".into(), None));
    }
    Ok(Purchase {
        event,
        kind,
        item: item.to_owned(),
        qty: amount.normalize(),
        unit,
        packs: None,
        cost,
        at: at.to_owned(),
    })
}

/// The plan's current to-buy list as bought, in whole packs where a product is known
/// ("mark shopping complete").
pub fn shopping_done(plan: &PlanResult, at: &str) -> Vec<Purchase> {
    plan.shopping
        .iter()
        .filter(|s| s.status == ShoppingStatus::Buy)
        .map(|s| {
            let (qty, packs) = match (s.packs, s.pack_in_unit) {
                (Some(packs), Some(size)) => (size.0 * Decimal::from(packs), Some(packs)),
                _ => (s.to_buy.0, None),
            };
            Purchase {
                event: Some(plan.event.slug.clone()),
                kind: match s.kind {
                    LineKind::Ingredient => PurchaseKind::Ingredient,
                    LineKind::Material => PurchaseKind::Material,
                },
                item: s.item.clone(),
                qty: qty.normalize(),
                unit: s.unit,
                packs,
                cost: s.cost.map(|c| c.0),
                at: at.to_owned(),
            }
        })
        .collect()
}

/// Fields of a row of a journal file.
const FILE_FIELDS: &[&str] = &[
    "kind",
    "event",
    "recipe",
    "batches",
    "yield",
    "loss_reason",
    "bundle",
    "qty",
    "ingredient",
    "material",
    "cost",
    "at",
    "state",
];

/// What checking a journal file needs to know of the database.
pub trait Lookup {
    /// The current plan of an event (or why there is none).
    fn plan(&mut self, event: &str) -> Result<Arc<PlanResult>, String>;
    /// The event's plan state before the file.
    fn state(&mut self, event: &str) -> Result<PlanState, String>;
}

/// Reads a journal file (CSV or YAML rows with a `kind` of production, assembly, purchase or
/// state) into entries, checked against what `lookup` says of the database (state rows
/// against the rows before them). Every problem is returned, located to its row and field;
/// no entry is returned unless all are valid.
pub fn entries_from_file(
    path: &Path,
    catalog: &Catalog,
    default_at: &str,
    lookup: &mut dyn Lookup,
) -> Result<Vec<Entry>, Vec<Diagnostic>> {
    let file: Arc<str> = Arc::from(path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    ));
    let max = crate::catalog::tree::DEFAULT_MAX_FILE_BYTES;
    let read = if path.extension().is_some_and(|e| e == "csv") {
        tree::read_csv(path, &file, "journal", max, &Dialect::default())
    } else {
        tree::read_yaml(path, &file, "journal", max)
    };
    let root = read.map_err(|e| vec![e])?;
    let rows = match root.kind {
        NodeKind::Seq(rows) => rows,
        NodeKind::Map(_) => vec![root],
        _ => {
            return Err(vec![
                Diagnostic::new(
                    &root.loc,
                    "journal",
                    "wrong-type",
                    "expected a list of rows",
                )
                .hint("one row per entry: `- {kind: production, event: …, recipe: …, batches: 2}`"),
            ]);
        }
    };
    let mut errors = Vec::new();
    let mut entries = Vec::new();
    let mut states = BTreeMap::new();
    for node in &rows {
        let Some(mut f) = Fields::open(
            node,
            "journal",
            FILE_FIELDS,
            String::new(),
            None,
            &mut errors,
        ) else {
            continue;
        };
        let entry = file_row(&mut f, catalog, default_at, lookup, &mut states);
        errors.extend(f.finish());
        if let Some(entry) = entry {
            entries.push(entry);
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

/// An RFC 3339 time or a `YYYY-MM-DD` date (its midnight, UTC) as RFC 3339 UTC, the form
/// the journal stores so times compare as text.
pub fn normalize_time(text: &str) -> Option<String> {
    use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// One row of a journal file; problems go into `f`.
fn file_row(
    f: &mut Fields<'_>,
    catalog: &Catalog,
    default_at: &str,
    lookup: &mut dyn Lookup,
    states: &mut BTreeMap<String, PlanState>,
) -> Option<Entry> {
    let kind = f.req_text("kind", "production")?;
    let at = at_field(f, default_at)?;
    let event = f.text("event");
    let entry = match kind.as_str() {
        "production" => {
            let recipe = f.req_text("recipe", "cookies");
            let batches = f.req_decimal("batches", Bound::Positive);
            let actual = f.whole("yield", 0);
            let reason = f.text("loss_reason").map(|(t, _)| t);
            let plan = row_plan(f, event.as_ref(), lookup)?;
            production(&plan, &recipe?, batches?, actual, reason, &at).map(Entry::Production)
        }
        "assembly" => {
            let bundle = f.req_text("bundle", "cookie-tin");
            let qty = f.req_whole("qty", 1);
            let plan = row_plan(f, event.as_ref(), lookup)?;
            assembly(&plan, &bundle?, qty?, &at).map(Entry::Assembly)
        }
        "purchase" => {
            let which = f.one_of(&["ingredient", "material"])?;
            let item = f.text(which).map(|(t, _)| t)?;
            let qty = f.req_text("qty", "10 lb")?;
            let cost = f.decimal("cost", Bound::NonNegative);
            let kind = if which == "material" {
                PurchaseKind::Material
            } else {
                PurchaseKind::Ingredient
            };
            let event = event.map(|(e, _)| e);
            purchase(catalog, kind, &item, &qty, cost, event, &at).map(Entry::Purchase)
        }
        "state" => return state_row(f, event.as_ref(), lookup, states, at),
        other => {
            let loc = f.loc().clone();
            f.error(
                &loc,
                "kind",
                "bad-value",
                format!("unknown kind {other:?}"),
                Some("kind is production, assembly, purchase or state".into()),
            );
            return None;
        }
    };
    match entry {
        Ok(entry) => Some(entry),
        Err(problem) => {
            let loc = f.loc_of(problem.field);
            f.error(
                &loc,
                problem.field,
                "bad-entry",
                problem.message,
                problem.hint,
            );
            None
        }
    }
}

/// The row's `at` (the file's default when absent) as an RFC 3339 timestamp.
fn at_field(f: &mut Fields<'_>, default_at: &str) -> Option<String> {
    let Some((text, loc)) = f.text("at") else {
        return Some(default_at.to_owned());
    };
    let at = normalize_time(&text);
    if at.is_none() {
        f.error(
            &loc,
            "at",
            "bad-value",
            format!("{text:?} is neither an RFC 3339 timestamp nor a date"),
            Some("write 2026-12-05 or 2026-12-05T14:30:00Z".into()),
        );
    }
    at
}

/// The current plan of the row's `event` (an error on the row when it has none).
fn row_plan(
    f: &mut Fields<'_>,
    event: Option<&(String, Loc)>,
    lookup: &mut dyn Lookup,
) -> Option<Arc<PlanResult>> {
    let Some((event, loc)) = event else {
        let loc = f.loc().clone();
        f.error(
            &loc,
            "event",
            "missing-field",
            "missing required field `event`",
            None,
        );
        return None;
    };
    match lookup.plan(event) {
        Ok(plan) => Some(plan),
        Err(message) => {
            f.error(loc, "event", "no-plan", message, None);
            None
        }
    }
}

/// A `state` row: a move of the event's plan to another state, checked against the state
/// it is in (after the file's earlier rows, kept in `states`).
fn state_row(
    f: &mut Fields<'_>,
    event: Option<&(String, Loc)>,
    lookup: &mut dyn Lookup,
    states: &mut BTreeMap<String, PlanState>,
    at: String,
) -> Option<Entry> {
    let name = f.req_text("state", "in_production")?;
    let loc = f.loc_of("state");
    let plan = row_plan(f, event, lookup)?;
    let event = plan.event.slug.clone();
    let Some(to) = PlanState::parse(&name) else {
        f.error(
            &loc,
            "state",
            "bad-value",
            format!("unknown state {name:?}"),
            Some("state is locked, in_production or completed".into()),
        );
        return None;
    };
    let from = match states.get(&event) {
        Some(state) => *state,
        None => match lookup.state(&event) {
            Ok(state) => state,
            Err(message) => {
                f.error(&loc, "state", "bad-entry", message, None);
                return None;
            }
        },
    };
    if let Err(message) = from.check_transition(&event, to) {
        f.error(&loc, "state", "bad-entry", message, None);
        return None;
    }
    states.insert(event.clone(), to);
    Some(Entry::State(StateChange {
        event,
        plan_id: plan.plan.id,
        state: to,
        at,
    }))
}
