//! Feasibility (SPEC §5.6): whether stock covers each recipe in production order, and the
//! event's verdict with every blocker named (assembly, the other half of §5.6, is
//! [`super::assembly`]).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::PlanError;
use super::aggregate::{fixed_product, from_fixed};
use super::index::Index;
use super::kinds::{
    AssemblyStatus, BlockerKind, LineKind, ProductionStatus, ShoppingStatus, Verdict,
};
use super::recipes::Production;
use super::result::{AssemblyRow, BatchRow, Blocker, Feasibility, Num, ProductionRow, ShoppingRow};
use super::stock::Stock;
use crate::catalog::{Recipe, Unit};

/// Whether stock covers each recipe's own ingredient lines, recipes in production order,
/// each consuming what it uses before the next.
pub fn production_rows(
    index: &Index<'_>,
    production: &Production<'_>,
    stock: &Stock,
) -> Result<Vec<ProductionRow>, PlanError> {
    let mut remaining: BTreeMap<(u32, Unit), i64> = stock
        .usable
        .iter()
        .filter(|((kind, _, _), _)| *kind == LineKind::Ingredient)
        .map(|(&(_, id, unit), &qty)| ((id, unit), qty))
        .collect();
    production
        .order
        .iter()
        .map(|recipe| {
            let total = production
                .totals
                .get(recipe.slug.as_str())
                .copied()
                .unwrap_or_default();
            let uses = own_uses(index, recipe, total)?;
            let shortages = shortages(index, recipe, uses, &mut remaining);
            Ok(ProductionRow {
                recipe: recipe.slug.clone(),
                name: recipe.name.clone(),
                status: if shortages.is_empty() {
                    ProductionStatus::Ok
                } else {
                    ProductionStatus::Short
                },
                shortages,
            })
        })
        .collect()
}

/// What `total` batches of a recipe's own lines use, per (ingredient, unit), in fixed point:
/// in the ingredient's reporting unit where the line converts to it, else as written.
fn own_uses(
    index: &Index<'_>,
    recipe: &Recipe,
    total: Decimal,
) -> Result<BTreeMap<(u32, Unit), i64>, PlanError> {
    let mut uses: BTreeMap<(u32, Unit), i64> = BTreeMap::new();
    for line in &recipe.ingredients {
        let Some(id) = index.ingredient_id(&line.ingredient) else {
            continue;
        };
        let ingredient = index.ingredient_at(id);
        let (unit, per_batch) = match crate::catalog::units::convert_unrounded(
            line.qty.value,
            line.qty.unit,
            ingredient.reporting_unit,
            ingredient.density.as_ref(),
        ) {
            Ok(value) => (ingredient.reporting_unit, value),
            Err(_) => (line.qty.unit, line.qty.value),
        };
        let qty = fixed_product(per_batch, total)
            .ok_or_else(|| PlanError::TooLarge(format!("{}: {}", recipe.slug, ingredient.slug)))?;
        let entry = uses.entry((id, unit)).or_default();
        *entry = entry.saturating_add(qty);
    }
    Ok(uses)
}

/// What a recipe's `uses` are short of in the stock `remaining` (which they consume), and
/// the lines that cannot be counted against stock at all.
fn shortages(
    index: &Index<'_>,
    recipe: &Recipe,
    uses: BTreeMap<(u32, Unit), i64>,
    remaining: &mut BTreeMap<(u32, Unit), i64>,
) -> Vec<Blocker> {
    let mut shortages = Vec::new();
    for ((id, unit), needed) in uses {
        let ingredient = index.ingredient_at(id);
        if unit != ingredient.reporting_unit {
            shortages.push(Blocker {
                kind: BlockerKind::Unconvertible,
                item: ingredient.slug.clone(),
                needed: from_fixed(needed).into(),
                available: Num::default(),
                unit,
                message: format!(
                    "{} in {unit} cannot be converted to {} for {}",
                    ingredient.name, ingredient.reporting_unit, recipe.name
                ),
            });
            continue;
        }
        let available = remaining.get(&(id, unit)).copied().unwrap_or(0);
        if needed > available {
            shortages.push(Blocker {
                kind: BlockerKind::Stock,
                item: ingredient.slug.clone(),
                needed: from_fixed(needed).into(),
                available: from_fixed(available).into(),
                unit,
                message: format!(
                    "need {} {unit} more {} for {}",
                    from_fixed(needed - available).round_dp(3).normalize(),
                    ingredient.name,
                    recipe.name
                ),
            });
        }
        remaining.insert((id, unit), (available - needed).max(0));
    }
    shortages
}

/// The verdict: every blocker by kind (stock to buy, missing yields, unconvertible lines,
/// confirmed shortfalls, short assembly), and whether the event is feasible.
pub fn verdict(
    shopping: &[ShoppingRow],
    production: &[ProductionRow],
    assembly: &[AssemblyRow],
    batches: &[BatchRow],
    missing_yields: &[(String, u64)],
) -> Feasibility {
    let blockers = blockers(shopping, production, assembly, batches, missing_yields);
    let feasible = assembly.iter().all(|a| a.status == AssemblyStatus::Ok)
        && production.iter().all(|p| p.status == ProductionStatus::Ok)
        && !blockers
            .iter()
            .any(|b| matches!(b.kind, BlockerKind::ShortfallDecision | BlockerKind::Yield));
    // Assembly counts what production makes, so an item short for a bundle is short after
    // production: buying does not fix it.
    let short_after_production = assembly
        .iter()
        .flat_map(|a| &a.blockers)
        .any(|b| b.kind == BlockerKind::Stock);
    // A shortfall decision is confirmed (an unconfirmed one is an input error): the baker
    // accepted making fewer, so it is listed but neither blocks nor needs buying.
    let status = if short_after_production
        || blockers
            .iter()
            .any(|b| matches!(b.kind, BlockerKind::Yield | BlockerKind::Unconvertible))
    {
        Verdict::Blocked
    } else if blockers
        .iter()
        .any(|b| matches!(b.kind, BlockerKind::Stock | BlockerKind::Material))
        || !feasible && production.iter().any(|p| p.status != ProductionStatus::Ok)
    {
        Verdict::NeedsShopping
    } else {
        Verdict::Ready
    };
    Feasibility {
        feasible,
        status,
        blockers,
    }
}

/// Every blocker of the event, by kind and item, each once: unconvertible lines of
/// production, ingredients to buy, items no recipe yields, confirmed shortfalls, and what
/// assembly is short of.
fn blockers(
    shopping: &[ShoppingRow],
    production: &[ProductionRow],
    assembly: &[AssemblyRow],
    batches: &[BatchRow],
    missing_yields: &[(String, u64)],
) -> Vec<Blocker> {
    let mut blockers: Vec<Blocker> = production
        .iter()
        .flat_map(|r| &r.shortages)
        .filter(|b| b.kind == BlockerKind::Unconvertible)
        .cloned()
        .collect();
    blockers.extend(
        shopping
            .iter()
            .filter(|r| r.kind == LineKind::Ingredient && r.status == ShoppingStatus::Buy)
            .map(to_buy),
    );
    for (item, to_bake) in missing_yields {
        blockers.push(Blocker {
            kind: BlockerKind::Yield,
            item: item.clone(),
            needed: (*to_bake).into(),
            available: Num::default(),
            unit: Unit::Each,
            message: format!("no recipe yields {item}"),
        });
    }
    for row in batches.iter().filter(|r| r.shortfall > 0) {
        blockers.push(Blocker {
            kind: BlockerKind::ShortfallDecision,
            item: row.item.clone().unwrap_or_default(),
            needed: row.need.into(),
            available: row.produced.into(),
            unit: Unit::Each,
            message: format!(
                "decided to make {} fewer {} than needed",
                row.shortfall,
                row.item_name.clone().unwrap_or_default()
            ),
        });
    }
    for row in assembly {
        blockers.extend(row.blockers.iter().cloned());
    }
    blockers.sort_by(|a, b| (a.kind, &a.item).cmp(&(b.kind, &b.item)));
    blockers.dedup();
    blockers
}

/// The blocker of an ingredient to buy.
fn to_buy(row: &ShoppingRow) -> Blocker {
    Blocker {
        kind: BlockerKind::Stock,
        item: row.item.clone(),
        needed: row.needed,
        available: row.on_hand,
        unit: row.unit,
        message: format!(
            "buy {}{} more {}",
            row.to_buy.0.round_dp(3).normalize(),
            if row.unit == Unit::Each {
                String::new()
            } else {
                format!(" {}", row.unit)
            },
            row.name
        ),
    }
}
