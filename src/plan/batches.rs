//! Batches per finished item (SPEC §5.3): never short unless a confirmed decision says so.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use super::PlanError;
use super::explode::Needs;
use super::index::Index;
use super::result::BatchRow;
use crate::catalog::{Decision, Event, Recipe, Target, Yield};

/// The batch plan of one finished item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemBatches {
    /// Items to bake.
    pub need: u64,
    /// Batches the rule computes.
    pub computed_batches: u64,
    /// Batches to bake (the decision's, when there is one).
    pub batches: u64,
    /// Usable items the batches make.
    pub produced: u64,
    /// Produced beyond the need (0 when short).
    pub surplus: u64,
    /// Items short of the need (only with a confirmed decision).
    pub shortfall: u64,
    /// Surplus as a share of produced, percent.
    pub waste_pct: Decimal,
    /// Whether a decision set the count.
    pub decided: bool,
}

/// Usable items per batch: items per batch less the recipe's loss.
pub fn usable_per_batch(recipe: &Recipe, item: &Yield) -> Decimal {
    item.size.items_per_batch() * (Decimal::ONE - recipe.loss_pct / Decimal::ONE_HUNDRED)
}

fn too_large(item: &Yield) -> PlanError {
    PlanError::TooLarge(format!(
        "{}: the batch count does not fit exact arithmetic",
        item.slug
    ))
}

/// Smallest batch count whose usable items cover `need` (`None`: beyond exact counting).
pub fn batches_for(need: u64, usable: Decimal) -> Option<u64> {
    if need == 0 || usable <= Decimal::ZERO {
        return Some(0);
    }
    let mut batches = Decimal::from(need).checked_div(usable)?.ceil().to_u64()?;
    // Division rounds at 28 digits; make sure rounding never leaves us short.
    while produced_by(batches, usable)? < need {
        batches = batches.checked_add(1)?;
    }
    Some(batches)
}

/// Usable items `batches` make (`None`: beyond exact counting).
pub fn produced_by(batches: u64, usable: Decimal) -> Option<u64> {
    Decimal::from(batches).checked_mul(usable)?.floor().to_u64()
}

/// Plans the batches of one finished item needing `need`, honouring a decision.
pub fn plan_item(
    recipe: &Recipe,
    item: &Yield,
    need: u64,
    decision: Option<&Decision>,
) -> Result<ItemBatches, PlanError> {
    let usable = usable_per_batch(recipe, item);
    let computed_batches = batches_for(need, usable).ok_or_else(|| too_large(item))?;
    let batches = decision.map_or(computed_batches, |d| d.batches);
    let produced = produced_by(batches, usable).ok_or_else(|| too_large(item))?;
    let surplus = produced.saturating_sub(need);
    let waste_pct = if produced == 0 {
        Decimal::ZERO
    } else {
        Decimal::from(surplus) * Decimal::ONE_HUNDRED / Decimal::from(produced)
    };
    Ok(ItemBatches {
        need,
        computed_batches,
        batches,
        produced,
        surplus,
        shortfall: need.saturating_sub(produced),
        waste_pct,
        decided: decision.is_some(),
    })
}

/// A planned finished item.
#[derive(Debug, Clone)]
pub struct ItemPlan<'a> {
    /// The recipe that makes it.
    pub recipe: &'a Recipe,
    /// The item.
    pub item: &'a Yield,
    /// Needed before stock and overage.
    pub gross: u64,
    /// Baked stock used.
    pub in_stock: u64,
    /// The batches.
    pub batches: ItemBatches,
}

/// Where a recipe's batches come from: a finished item's plan or a direct recipe target.
#[derive(Debug, Clone)]
pub struct Root<'a> {
    /// The recipe.
    pub recipe: &'a Recipe,
    /// Batches of it (fractional for a direct target).
    pub batches: Decimal,
    /// The finished item it is baked for (`None`: a direct recipe target).
    pub item: Option<&'a Yield>,
}

/// The batch plan of an event (SPEC §5.3).
#[derive(Debug, Clone, Default)]
pub struct Batches<'a> {
    /// Planned finished items, by (recipe, item).
    pub items: Vec<ItemPlan<'a>>,
    /// Needed items no recipe yields: (item, count to bake).
    pub missing: Vec<(String, u64)>,
    /// Direct recipe targets, in event order.
    pub direct: Vec<(&'a Recipe, Decimal)>,
}

impl<'a> Batches<'a> {
    /// What recipe batches are baked for: items with batches, then direct targets.
    pub fn roots(&self) -> Vec<Root<'a>> {
        let mut roots: Vec<Root<'a>> = self
            .items
            .iter()
            .filter(|p| p.batches.batches > 0)
            .map(|p| Root {
                recipe: p.recipe,
                batches: Decimal::from(p.batches.batches),
                item: Some(p.item),
            })
            .collect();
        roots.extend(self.direct.iter().map(|(recipe, batches)| Root {
            recipe,
            batches: *batches,
            item: None,
        }));
        roots
    }
}

/// Plans the batches of every finished item an event needs, and its direct recipe targets.
pub fn plan_batches<'a>(
    index: &Index<'a>,
    event: &Event,
    needs: &Needs,
) -> Result<Batches<'a>, PlanError> {
    let mut plan = Batches::default();
    for (slug, need) in &needs.items {
        let Some((recipe, item)) = index.item(slug) else {
            plan.missing.push((slug.clone(), need.to_bake));
            continue;
        };
        let decision = event.decisions.iter().find(|d| &d.item == slug);
        plan.items.push(ItemPlan {
            recipe,
            item,
            gross: need.gross,
            in_stock: need.from_stock,
            batches: plan_item(recipe, item, need.to_bake, decision)?,
        });
    }
    plan.items
        .sort_by(|a, b| (&a.recipe.slug, &a.item.slug).cmp(&(&b.recipe.slug, &b.item.slug)));
    plan.direct = event
        .targets
        .iter()
        .filter_map(|t| match t {
            Target::Recipe { recipe, batches } => index.recipe(recipe).map(|r| (r, *batches)),
            _ => None,
        })
        .collect();
    Ok(plan)
}

/// Batch rows: finished items by (recipe, item), then direct recipe targets in event order.
pub fn batch_rows(plan: &Batches<'_>) -> Vec<BatchRow> {
    let mut rows: Vec<BatchRow> = plan
        .items
        .iter()
        .map(|p| BatchRow {
            recipe: p.recipe.slug.clone(),
            recipe_name: p.recipe.name.clone(),
            item: Some(p.item.slug.clone()),
            item_name: Some(p.item.name.clone()),
            gross: p.gross,
            in_stock: p.in_stock,
            need: p.batches.need,
            batches: p.batches.batches.into(),
            computed_batches: p.batches.computed_batches.into(),
            produced: p.batches.produced,
            surplus: p.batches.surplus,
            shortfall: p.batches.shortfall,
            waste_pct: p.batches.waste_pct.into(),
            decided: p.batches.decided,
        })
        .collect();
    for (recipe, batches) in &plan.direct {
        let produced = recipe.yields.first().map_or(0, |y| {
            produced_by_fraction(*batches, usable_per_batch(recipe, y))
        });
        rows.push(BatchRow {
            recipe: recipe.slug.clone(),
            recipe_name: recipe.name.clone(),
            item: None,
            item_name: None,
            gross: 0,
            in_stock: 0,
            need: 0,
            batches: (*batches).into(),
            computed_batches: (*batches).into(),
            produced,
            surplus: produced,
            shortfall: 0,
            waste_pct: Decimal::ZERO.into(),
            decided: false,
        });
    }
    rows
}

/// Items a fractional batch count makes (whole batches use the exact rule).
fn produced_by_fraction(batches: Decimal, usable: Decimal) -> u64 {
    if batches.fract().is_zero() {
        return batches
            .to_u64()
            .and_then(|b| produced_by(b, usable))
            .unwrap_or(0);
    }
    batches
        .checked_mul(usable)
        .and_then(|n| n.floor().to_u64())
        .unwrap_or(0)
}

/// `batch` for exactly one, `batches` for any other amount (½ batches, 2 batches).
fn batch_word(batches: Decimal) -> &'static str {
    if batches == Decimal::ONE {
        "batch"
    } else {
        "batches"
    }
}

/// High waste and confirmed shortfalls, per batch row.
pub fn batch_warnings(rows: &[BatchRow], waste_warn: Decimal) -> Vec<String> {
    let mut warnings = Vec::new();
    for row in rows {
        if row.item.is_some() && row.waste_pct.0 > waste_warn {
            warnings.push(format!(
                "{}: {} {} make {} for a need of {} — {}% waste (above {}%)",
                row.item_name.as_deref().unwrap_or(&row.recipe),
                row.batches.0,
                batch_word(row.batches.0),
                row.produced,
                row.need,
                row.waste_pct
                    .0
                    .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                    .normalize(),
                waste_warn.normalize()
            ));
        }
        if row.shortfall > 0 {
            warnings.push(format!(
                "{}: decided {} {}, {} short (confirmed)",
                row.item_name.as_deref().unwrap_or(&row.recipe),
                row.batches.0,
                batch_word(row.batches.0),
                row.shortfall
            ));
        }
    }
    warnings
}

/// Items made and surplus per finished item: planned items, and what direct recipe targets
/// make of their recipe's first item.
pub fn produced_items<'c>(
    index: &Index<'c>,
    plan: &Batches<'c>,
    rows: &[BatchRow],
) -> BTreeMap<&'c str, (u64, u64)> {
    let mut produced: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for p in &plan.items {
        let entry = produced.entry(p.item.slug.as_str()).or_default();
        entry.0 = entry.0.saturating_add(p.batches.produced);
        entry.1 = entry.1.saturating_add(p.batches.surplus);
    }
    for row in rows.iter().filter(|r| r.item.is_none()) {
        if let Some(first) = index.recipe(&row.recipe).and_then(|r| r.yields.first()) {
            let entry = produced.entry(first.slug.as_str()).or_default();
            entry.0 = entry.0.saturating_add(row.produced);
            entry.1 = entry.1.saturating_add(row.produced);
        }
    }
    produced
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::YieldSize;
    use crate::plan::testing::recipe_yielding;

    fn plan(size: YieldSize, need: u64) -> ItemBatches {
        let recipe = recipe_yielding("r", "x", size);
        plan_item(&recipe, &recipe.yields[0], need, None).unwrap()
    }

    #[test]
    fn spec_examples_yield_48() {
        let per = |n| YieldSize::PerBatch(Decimal::from(n));
        let cases = [
            (48, 1, 48, 0, "0"),
            (49, 2, 96, 47, "48.958"),
            (300, 7, 336, 36, "10.714"),
            (100, 3, 144, 44, "30.556"),
            (1, 1, 48, 47, "97.917"),
            (0, 0, 0, 0, "0"),
        ];
        for (need, batches, produced, surplus, waste) in cases {
            let p = plan(per(48), need);
            assert_eq!(
                (p.batches, p.produced, p.surplus),
                (batches, produced, surplus),
                "need {need}"
            );
            assert_eq!(
                p.waste_pct.round_dp(3).normalize().to_string(),
                waste,
                "need {need}"
            );
        }
        assert_eq!(plan(per(3), 10).batches, 4);
    }

    #[test]
    fn portions() {
        let p = plan(YieldSize::PortionPct(Decimal::from(25)), 10);
        assert_eq!((p.batches, p.produced), (3, 12));
    }

    #[test]
    fn loss_reduces_usable_items() {
        let mut recipe = recipe_yielding("r", "x", YieldSize::PerBatch(Decimal::from(10)));
        recipe.loss_pct = Decimal::from(10);
        let p = plan_item(&recipe, &recipe.yields[0], 18, None).unwrap();
        assert_eq!((p.batches, p.produced), (2, 18));
        let p = plan_item(&recipe, &recipe.yields[0], 19, None).unwrap();
        assert_eq!((p.batches, p.produced), (3, 27));
    }

    #[test]
    fn decisions_replace_the_count() {
        let recipe = recipe_yielding("r", "x", YieldSize::PerBatch(Decimal::from(48)));
        let decision = Decision {
            item: "x".into(),
            batches: 1,
            confirm_shortfall: true,
        };
        let p = plan_item(&recipe, &recipe.yields[0], 60, Some(&decision)).unwrap();
        assert_eq!(
            (
                p.computed_batches,
                p.batches,
                p.produced,
                p.shortfall,
                p.decided
            ),
            (2, 1, 48, 12, true)
        );
    }
}
