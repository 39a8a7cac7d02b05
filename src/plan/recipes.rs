//! Recipes to make (SPEC §5.3, §7.2 `recipes[]`): the production order (sub-recipes before
//! what uses them), total batches per recipe multiplied down the tree, and the scaled rows
//! of the production sheet.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use foldhash::HashSet;
use rust_decimal::Decimal;

use super::PlanError;
use super::batches::Root;
use super::index::Index;
use super::kitchen::Kitchen;
use super::result::{ComponentRow, RecipeLineRow, RecipeRow, YieldRow};
use crate::catalog::units::convert;
use crate::catalog::{Component, Recipe, RecipeLine, Unit};

/// The recipes of a plan in production order, with their total batches.
pub struct Production<'a> {
    /// Sub-recipes before the recipes that use them (depth-first post-order from the roots,
    /// in slug order).
    pub order: Vec<&'a Recipe>,
    /// Batches to make per recipe slug (what is needed less batches made ahead).
    pub totals: BTreeMap<&'a str, Decimal>,
    /// Batches taken from recipes made ahead (stock rows of the recipe), per recipe slug.
    pub from_stock: BTreeMap<&'a str, Decimal>,
}

impl Production<'_> {
    /// The share of a recipe's needed batches still to make (`None`: all of them, nothing
    /// came from stock). Its ingredients, and its sub-recipes', scale by it.
    pub fn share_to_make(&self, slug: &str) -> Option<Decimal> {
        let used = *self.from_stock.get(slug)?;
        let make = self.totals.get(slug).copied().unwrap_or_default();
        let needed = make.checked_add(used)?;
        (needed > Decimal::ZERO).then(|| make / needed)
    }
}

/// Orders the recipes the roots reach and totals their batches, using batches made ahead
/// that are still good on `date`.
pub fn production<'a>(
    index: &Index<'a>,
    roots: &[Root<'a>],
    date: NaiveDate,
) -> Result<Production<'a>, PlanError> {
    let order = production_order(index, roots);
    let (totals, from_stock) = recipe_totals(index, roots, &order, date)?;
    Ok(Production {
        order,
        totals,
        from_stock,
    })
}

fn production_order<'a>(index: &Index<'a>, roots: &[Root<'a>]) -> Vec<&'a Recipe> {
    let mut starts: Vec<&str> = roots.iter().map(|r| r.recipe.slug.as_str()).collect();
    starts.sort_unstable();
    starts.dedup();
    let mut done: HashSet<&str> = HashSet::default();
    let mut order = Vec::new();
    for start in starts {
        // Iterative post-order; the catalogue has no cycles (checked at load).
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        while let Some((slug, next)) = stack.pop() {
            if done.contains(slug) {
                continue;
            }
            let Some(recipe) = index.recipe(slug) else {
                continue;
            };
            if let Some(component) = recipe.components.get(next) {
                stack.push((slug, next + 1));
                if !done.contains(component.recipe.as_str()) && stack.len() <= index.recipe_count()
                {
                    stack.push((component.recipe.as_str(), 0));
                }
            } else {
                done.insert(slug);
                order.push(recipe);
            }
        }
    }
    order
}

/// Batches per recipe, parents before their sub-recipes: a recipe's batches made ahead
/// cover its need first, and only the batches still to make ask for sub-recipes.
fn recipe_totals<'a>(
    index: &Index<'a>,
    roots: &[Root<'a>],
    order: &[&'a Recipe],
    date: NaiveDate,
) -> Result<Totals<'a>, PlanError> {
    let too_large = |recipe: &str| {
        PlanError::TooLarge(format!(
            "recipe {recipe}: the batch count does not fit exact arithmetic"
        ))
    };
    let mut totals: BTreeMap<&str, Decimal> = BTreeMap::new();
    for root in roots {
        let total = totals.entry(root.recipe.slug.as_str()).or_default();
        *total = total
            .checked_add(root.batches)
            .ok_or_else(|| too_large(&root.recipe.slug))?;
    }
    let mut from_stock = BTreeMap::new();
    for recipe in order.iter().rev() {
        let needed = totals
            .get(recipe.slug.as_str())
            .copied()
            .unwrap_or_default();
        let made = index.recipe_stock(&recipe.slug, date).min(needed);
        let parent = needed - made;
        if made > Decimal::ZERO {
            from_stock.insert(recipe.slug.as_str(), made);
            totals.insert(recipe.slug.as_str(), parent);
        }
        for component in &recipe.components {
            if index.recipe(&component.recipe).is_some() {
                let add = parent
                    .checked_mul(component.batches)
                    .ok_or_else(|| too_large(&component.recipe))?;
                let total = totals.entry(component.recipe.as_str()).or_default();
                *total = total
                    .checked_add(add)
                    .ok_or_else(|| too_large(&component.recipe))?;
            }
        }
    }
    Ok((totals, from_stock))
}

/// Batches to make and batches from stock, per recipe slug.
type Totals<'a> = (BTreeMap<&'a str, Decimal>, BTreeMap<&'a str, Decimal>);

/// A total moved to the largest kitchen unit of its family that gives at least one and a
/// measurable amount (at most 3 decimals): tsp → tbsp → cup, oz → lb, g → kg, ml → l.
/// 30 tbsp becomes 1.875 cup; 5 tsp stays 5 tsp rather than 1.667 tbsp.
pub fn kitchen_total(value: Decimal, unit: Unit) -> (Decimal, Unit) {
    let ladder: &[Unit] = match unit {
        Unit::Tsp | Unit::Tbsp | Unit::Cup => &[Unit::Cup, Unit::Tbsp, Unit::Tsp],
        Unit::Oz | Unit::Lb => &[Unit::Lb, Unit::Oz],
        Unit::G | Unit::Kg => &[Unit::Kg, Unit::G],
        Unit::Ml | Unit::L => &[Unit::L, Unit::Ml],
        _ => return (value, unit),
    };
    let start = ladder.iter().position(|u| *u == unit).unwrap_or(0);
    ladder[..=start]
        .iter()
        .find_map(|bigger| {
            convert(value, unit, *bigger, None)
                .ok()
                .filter(|v| *v >= Decimal::ONE && (*v * Decimal::ONE_THOUSAND).fract().is_zero())
                .map(|v| (v.normalize(), *bigger))
        })
        .unwrap_or((value, unit))
}

/// Rows of the production sheet, in production order; `produced` holds (made, surplus) per
/// finished item.
pub fn recipe_rows(
    index: &Index<'_>,
    production: &Production<'_>,
    produced: &BTreeMap<&str, (u64, u64)>,
) -> Vec<RecipeRow> {
    let kitchen = Kitchen::of(&index.catalog.settings);
    let components: HashSet<&str> = production
        .order
        .iter()
        .flat_map(|r| r.components.iter().map(|k| k.recipe.as_str()))
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
            RecipeRow {
                recipe: recipe.slug.clone(),
                name: recipe.name.clone(),
                category: recipe.category.clone(),
                batches: total.into(),
                notes: recipe.notes.clone(),
                time_minutes: recipe.time_minutes,
                is_component: components.contains(recipe.slug.as_str()),
                made_ahead: production
                    .from_stock
                    .get(recipe.slug.as_str())
                    .map(|b| (*b).into()),
                batch_cost: None,
                total_cost: None,
                made_on: Vec::new(),
                yields: recipe
                    .yields
                    .iter()
                    .map(|y| {
                        let (made, surplus) =
                            produced.get(y.slug.as_str()).copied().unwrap_or_default();
                        YieldRow {
                            item: y.slug.clone(),
                            name: y.name.clone(),
                            per_batch: y.size.items_per_batch().round_dp(6).into(),
                            produced: made,
                            surplus,
                            unit_cost: None,
                            margin: super::result::Margin::default(),
                        }
                    })
                    .collect(),
                ingredients: recipe
                    .ingredients
                    .iter()
                    .map(|l| line_row(index, kitchen, l, total))
                    .collect(),
                components: recipe
                    .components
                    .iter()
                    .map(|k| component_row(index, k, total))
                    .collect(),
            }
        })
        .collect()
}

/// An ingredient line of a recipe made `total` batches: per batch and in all, as written
/// and in kitchen units.
fn line_row(index: &Index<'_>, kitchen: Kitchen, l: &RecipeLine, total: Decimal) -> RecipeLineRow {
    let all = l.qty.value.checked_mul(total);
    let (total_qty, total_unit) =
        all.map_or((l.qty.value, l.qty.unit), |v| kitchen_total(v, l.qty.unit));
    let record = index
        .ingredient_id(&l.ingredient)
        .map(|i| index.ingredient_at(i));
    let density = record.and_then(|i| i.density.as_ref());
    let (kitchen_per_batch, kitchen_per_batch_unit) =
        kitchen.amount(l.qty.value, l.qty.unit, density);
    let (kitchen_qty, kitchen_unit) =
        kitchen.amount(all.unwrap_or(l.qty.value), l.qty.unit, density);
    RecipeLineRow {
        ingredient: l.ingredient.clone(),
        name: record.map_or_else(|| l.ingredient.clone(), |i| i.name.clone()),
        per_batch: l.qty.value.into(),
        per_batch_unit: l.qty.unit,
        kitchen_per_batch: kitchen_per_batch.into(),
        kitchen_per_batch_unit,
        kitchen_qty: kitchen_qty.into(),
        kitchen_unit,
        qty: total_qty.into(),
        unit: total_unit,
        note: l.note.clone(),
    }
}

/// A sub-recipe of a recipe made `total` batches.
fn component_row(index: &Index<'_>, k: &Component, total: Decimal) -> ComponentRow {
    ComponentRow {
        recipe: k.recipe.clone(),
        name: index
            .recipe(&k.recipe)
            .map_or_else(|| k.recipe.clone(), |r| r.name.clone()),
        per_batch: k.batches.into(),
        batches: k.batches.checked_mul(total).unwrap_or_default().into(),
        note: k.note.clone(),
    }
}
