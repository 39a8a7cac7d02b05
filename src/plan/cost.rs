//! Cost (SPEC §5.7): what the plan's ingredients and packaging cost at product prices, per
//! recipe batch, finished item, bundle and event. A line without a price is counted as
//! unknown, never priced at 0.

use std::collections::BTreeMap;

use foldhash::HashMap;

use rust_decimal::Decimal;

use super::batches::usable_per_batch;
use super::index::Index;
use super::kinds::LineKind;
use super::recipes::Production;
use super::result::{
    AssemblyRow, BundleCost, Costs, IngredientRow, ItemCost, Margin, MaterialRow, Num, RecipeCost,
    RecipeRow, ShoppingRow,
};
use super::shopping::unit_price;
use crate::catalog::{BundleLine, Unit};

/// Unit prices, looked up once per (ingredient or material, unit).
struct Prices<'i, 'a> {
    index: &'i Index<'a>,
    known: HashMap<(LineKind, u32, Unit), Option<Decimal>>,
}

impl Prices<'_, '_> {
    fn ingredient(&mut self, slug: &str, unit: Unit) -> Option<Decimal> {
        let id = self.index.ingredient_id(slug)?;
        let index = self.index;
        *self
            .known
            .entry((LineKind::Ingredient, id, unit))
            .or_insert_with(|| {
                unit_price(
                    index.products(LineKind::Ingredient, id),
                    unit,
                    index.ingredient_at(id).density.as_ref(),
                )
            })
    }

    fn material(&mut self, slug: &str) -> Option<Decimal> {
        let id = self.index.material_id(slug)?;
        let index = self.index;
        let unit = index.material_at(id).unit;
        *self
            .known
            .entry((LineKind::Material, id, unit))
            .or_insert_with(|| unit_price(index.products(LineKind::Material, id), unit, None))
    }
}

/// The plan's costs; `bundles_reached` are the event's bundles, nested ones included, in
/// slug order.
pub fn costs<'a>(
    index: &Index<'a>,
    bundles_reached: &[&'a str],
    ingredients: &[IngredientRow],
    materials: &[MaterialRow],
    shopping: &[ShoppingRow],
    production: &Production<'_>,
) -> Costs {
    let mut prices = Prices {
        index,
        known: HashMap::default(),
    };
    let mut total = Decimal::ZERO;
    let mut unknown_lines = 0;
    let mut add = |price: Option<Decimal>, qty: Decimal, total: &mut Decimal| match price
        .and_then(|p| p.checked_mul(qty))
        .and_then(|v| total.checked_add(v))
    {
        Some(sum) => *total = sum,
        None => unknown_lines += 1,
    };
    for row in ingredients {
        add(
            prices.ingredient(&row.ingredient, row.unit),
            row.qty.0,
            &mut total,
        );
    }
    for row in materials {
        add(prices.material(&row.material), row.qty.0, &mut total);
    }
    // Batch cost per recipe, sub-recipes first (production order guarantees children first).
    let mut batch_cost: BTreeMap<&str, Option<Decimal>> = BTreeMap::new();
    for recipe in &production.order {
        let mut cost = Some(Decimal::ZERO);
        for line in &recipe.ingredients {
            cost = cost
                .zip(prices.ingredient(&line.ingredient, line.qty.unit))
                .and_then(|(sum, price)| sum.checked_add(price.checked_mul(line.qty.value)?));
        }
        for component in &recipe.components {
            cost = cost
                .zip(batch_cost.get(component.recipe.as_str()).copied().flatten())
                .and_then(|(sum, child)| sum.checked_add(child.checked_mul(component.batches)?));
        }
        batch_cost.insert(&recipe.slug, cost);
    }
    let money = |d: Decimal| Num(d.round_dp(6));
    let per_recipe = production
        .order
        .iter()
        .map(|r| {
            let cost = batch_cost.get(r.slug.as_str()).copied().flatten();
            let batches = production
                .totals
                .get(r.slug.as_str())
                .copied()
                .unwrap_or_default();
            RecipeCost {
                recipe: r.slug.clone(),
                name: r.name.clone(),
                batch_cost: cost.map(money),
                total: cost.and_then(|b| b.checked_mul(batches)).map(money),
            }
        })
        .collect();
    let mut item_cost: BTreeMap<&str, Option<Decimal>> = BTreeMap::new();
    let mut per_item = Vec::new();
    for recipe in &production.order {
        for y in &recipe.yields {
            let usable = usable_per_batch(recipe, y);
            let cost = batch_cost
                .get(recipe.slug.as_str())
                .copied()
                .flatten()
                .and_then(|b| b.checked_div(usable));
            item_cost.insert(&y.slug, cost);
            per_item.push(ItemCost {
                item: y.slug.clone(),
                name: y.name.clone(),
                unit_cost: cost.map(money),
                margin: Margin::of(y.price, cost.map(|c| money(c).0)),
            });
        }
    }
    let unit_costs = bundle_costs(index, bundles_reached, &item_cost, &mut prices);
    let per_bundle = bundles_reached
        .iter()
        .filter_map(|slug| index.catalog.bundles.get(*slug))
        .map(|b| {
            let unit_cost = unit_costs
                .get(b.slug.as_str())
                .copied()
                .flatten()
                .map(money);
            BundleCost {
                bundle: b.slug.clone(),
                name: b.name.clone(),
                unit_cost,
                margin: Margin::of(b.price, unit_cost.map(|c| c.0)),
            }
        })
        .collect();
    let shopping_total = shopping
        .iter()
        .filter_map(|r| r.cost.map(|n| n.0))
        .fold(Decimal::ZERO, |sum, cost| {
            sum.checked_add(cost).unwrap_or(sum)
        });
    Costs {
        currency: index.catalog.settings.currency.clone(),
        total: money(total),
        shopping_total: Num(shopping_total),
        unknown_lines,
        per_recipe,
        per_item,
        per_bundle,
    }
}

/// Each bundle's contents at item and material prices (nested bundles through their own
/// cost, each computed once); `None` when anything in it has no known price.
fn bundle_costs<'a>(
    index: &Index<'a>,
    roots: &[&'a str],
    items: &BTreeMap<&str, Option<Decimal>>,
    prices: &mut Prices<'_, '_>,
) -> HashMap<&'a str, Option<Decimal>> {
    let mut memo: HashMap<&'a str, Option<Decimal>> = HashMap::default();
    let mut visiting: foldhash::HashSet<&'a str> = foldhash::HashSet::default();
    for root in roots {
        let mut stack: Vec<(&'a str, bool)> = vec![(root, false)];
        while let Some((slug, children_done)) = stack.pop() {
            if memo.contains_key(slug) {
                continue;
            }
            let Some(record) = index.catalog.bundles.get(slug) else {
                memo.insert(slug, None);
                continue;
            };
            if !children_done {
                if !visiting.insert(slug) {
                    // A cycle (never in a loaded catalogue): no price.
                    memo.insert(slug, None);
                    continue;
                }
                stack.push((slug, true));
                for line in &record.contents {
                    if let BundleLine::Bundle { bundle, .. } = line
                        && !memo.contains_key(bundle.as_str())
                    {
                        stack.push((bundle.as_str(), false));
                    }
                }
                continue;
            }
            let mut sum = Some(Decimal::ZERO);
            for line in &record.contents {
                let part = match line {
                    BundleLine::Item { item, qty } => items
                        .get(item.as_str())
                        .copied()
                        .flatten()
                        .and_then(|p| p.checked_mul(Decimal::from(*qty))),
                    BundleLine::Bundle { bundle, qty } => memo
                        .get(bundle.as_str())
                        .copied()
                        .flatten()
                        .and_then(|p| p.checked_mul(Decimal::from(*qty))),
                    BundleLine::Material { material, qty } => {
                        prices.material(material).and_then(|p| p.checked_mul(*qty))
                    }
                };
                sum = sum.zip(part).and_then(|(a, b)| a.checked_add(b));
            }
            memo.insert(slug, sum);
        }
    }
    memo
}

/// Copies the costs onto the rows the sheets print: each recipe's batch and total cost, each
/// yield's unit cost and each bundle's unit cost.
pub fn annotate(costs: &Costs, recipes: &mut [RecipeRow], assembly: &mut [AssemblyRow]) {
    let per_recipe: BTreeMap<&str, &RecipeCost> = costs
        .per_recipe
        .iter()
        .map(|c| (c.recipe.as_str(), c))
        .collect();
    let per_item: BTreeMap<&str, &ItemCost> = costs
        .per_item
        .iter()
        .map(|c| (c.item.as_str(), c))
        .collect();
    let per_bundle: BTreeMap<&str, &BundleCost> = costs
        .per_bundle
        .iter()
        .map(|c| (c.bundle.as_str(), c))
        .collect();
    for row in recipes {
        if let Some(c) = per_recipe.get(row.recipe.as_str()) {
            row.batch_cost = c.batch_cost;
            row.total_cost = c.total;
        }
        for y in &mut row.yields {
            if let Some(c) = per_item.get(y.item.as_str()) {
                y.unit_cost = c.unit_cost;
                y.margin = c.margin;
            }
        }
    }
    for row in assembly {
        if let Some(c) = per_bundle.get(row.bundle.as_str()) {
            row.unit_cost = c.unit_cost;
            row.margin = c.margin;
        }
    }
}
