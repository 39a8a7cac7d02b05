//! Cost (SPEC §5.7): what the plan's ingredients and packaging cost at product prices, per
//! recipe batch, finished item, bundle and event. A line without a price is counted as
//! unknown, never priced at 0.

use std::collections::BTreeMap;
use std::sync::OnceLock;

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
use crate::catalog::{BundleLine, Recipe, Unit};

/// Unit prices and recipe batch costs: they depend on the catalogue only, so an engine works
/// each out once (on whichever thread first needs it) for all the events it plans, instead
/// of once per plan.
pub struct PriceBook {
    /// Where the price of each (ingredient or material, unit) a plan can total or a recipe
    /// line names is kept in `units`: its reporting unit, its recipe lines' units, a
    /// material's unit. Other pairs are priced each time they are asked for.
    slots: HashMap<(LineKind, u32, Unit), usize>,
    units: Vec<OnceLock<Option<Decimal>>>,
    /// Per recipe (dense id): the cost of one batch, sub-recipes included.
    batches: Vec<OnceLock<Option<Decimal>>>,
}

impl PriceBook {
    /// An empty book for the catalogue of `index`.
    pub fn new(index: &Index<'_>) -> PriceBook {
        let mut slots: HashMap<(LineKind, u32, Unit), usize> = HashMap::default();
        let mut slot = |key| {
            let next = slots.len();
            slots.entry(key).or_insert(next);
        };
        for (kind, id) in index.stocked() {
            slot((kind, id, index.reporting_unit(kind, id)));
        }
        for recipe in (0..index.recipe_count() as u32).map(|id| index.recipe_at(id)) {
            for line in &recipe.ingredients {
                if let Some(id) = index.ingredient_id(&line.ingredient) {
                    slot((LineKind::Ingredient, id, line.qty.unit));
                }
            }
        }
        let cells = |n: usize| (0..n).map(|_| OnceLock::new()).collect();
        PriceBook {
            units: cells(slots.len()),
            slots,
            batches: cells(index.recipe_count()),
        }
    }

    /// The price of one `unit` of `kind` `id`, kept in the book when it has a place there.
    fn price(&self, index: &Index<'_>, kind: LineKind, id: u32, unit: Unit) -> Option<Decimal> {
        let work = || unit_price(index.products(kind, id), unit, index.density(kind, id));
        match self.slots.get(&(kind, id, unit)) {
            Some(&slot) => *self.units[slot].get_or_init(work),
            None => work(),
        }
    }

    /// Price of one `unit` of ingredient `slug` (`None`: no product price reaches it).
    fn ingredient(&self, index: &Index<'_>, slug: &str, unit: Unit) -> Option<Decimal> {
        let id = index.ingredient_id(slug)?;
        self.price(index, LineKind::Ingredient, id, unit)
    }

    /// Price of one unit of packaging material `slug`.
    fn material(&self, index: &Index<'_>, slug: &str) -> Option<Decimal> {
        let id = index.material_id(slug)?;
        self.price(
            index,
            LineKind::Material,
            id,
            index.reporting_unit(LineKind::Material, id),
        )
    }

    /// Cost of one batch of `recipe`; its sub-recipes' costs must be known already (they are
    /// when recipes are taken in production order), or it has none.
    fn batch(&self, index: &Index<'_>, recipe: &Recipe) -> Option<Decimal> {
        let cell = self.batches.get(index.recipe_id(&recipe.slug)? as usize)?;
        *cell.get_or_init(|| {
            let mut cost = Some(Decimal::ZERO);
            for line in &recipe.ingredients {
                cost = cost
                    .zip(self.ingredient(index, &line.ingredient, line.qty.unit))
                    .and_then(|(sum, price)| sum.checked_add(price.checked_mul(line.qty.value)?));
            }
            for component in &recipe.components {
                let child = index
                    .recipe_id(&component.recipe)
                    .and_then(|id| self.batches.get(id as usize))
                    .and_then(|cell| cell.get().copied().flatten());
                cost = cost.zip(child).and_then(|(sum, child)| {
                    sum.checked_add(child.checked_mul(component.batches)?)
                });
            }
            cost
        })
    }
}

/// The plan's costs; `bundles_reached` are the event's bundles, nested ones included, in
/// slug order.
pub fn costs<'a>(
    index: &Index<'a>,
    prices: &PriceBook,
    bundles_reached: &[&'a str],
    ingredients: &[IngredientRow],
    materials: &[MaterialRow],
    shopping: &[ShoppingRow],
    production: &Production<'_>,
) -> Costs {
    let (total, unknown_lines) = lines_total(index, prices, ingredients, materials);
    // Batch cost per recipe, sub-recipes first (production order guarantees children first).
    let batch_cost: Vec<Option<Decimal>> = production
        .order
        .iter()
        .map(|recipe| prices.batch(index, recipe))
        .collect();
    let (per_item, item_cost) = per_item(production, &batch_cost);
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
        per_recipe: per_recipe(production, &batch_cost),
        per_item,
        per_bundle: per_bundle(index, prices, bundles_reached, &item_cost),
    }
}

/// Money kept to six places.
fn money(d: Decimal) -> Num {
    Num(d.round_dp(6))
}

/// What every ingredient and material total costs, and how many have no known price.
fn lines_total(
    index: &Index<'_>,
    prices: &PriceBook,
    ingredients: &[IngredientRow],
    materials: &[MaterialRow],
) -> (Decimal, usize) {
    let mut total = Decimal::ZERO;
    let mut unknown_lines = 0;
    let mut add = |price: Option<Decimal>, qty: Decimal| match price
        .and_then(|p| p.checked_mul(qty))
        .and_then(|v| total.checked_add(v))
    {
        Some(sum) => total = sum,
        None => unknown_lines += 1,
    };
    for row in ingredients {
        add(
            prices.ingredient(index, &row.ingredient, row.unit),
            row.qty.0,
        );
    }
    for row in materials {
        add(prices.material(index, &row.material), row.qty.0);
    }
    (total, unknown_lines)
}

/// Each recipe's cost per batch and for all its batches, in production order.
fn per_recipe(production: &Production<'_>, batch_cost: &[Option<Decimal>]) -> Vec<RecipeCost> {
    production
        .order
        .iter()
        .zip(batch_cost)
        .map(|(r, &cost)| {
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
        .collect()
}

/// Each finished item's unit cost (its recipe's batch cost over the usable items of a
/// batch) and margin; the unit costs by item slug too, for the bundles.
fn per_item<'a>(
    production: &Production<'a>,
    batch_cost: &[Option<Decimal>],
) -> (Vec<ItemCost>, BTreeMap<&'a str, Option<Decimal>>) {
    let mut item_cost: BTreeMap<&str, Option<Decimal>> = BTreeMap::new();
    let mut per_item = Vec::new();
    for (recipe, batch) in production.order.iter().zip(batch_cost) {
        for y in &recipe.yields {
            let usable = usable_per_batch(recipe, y);
            let cost = batch.and_then(|b| b.checked_div(usable));
            item_cost.insert(&y.slug, cost);
            per_item.push(ItemCost {
                item: y.slug.clone(),
                name: y.name.clone(),
                unit_cost: cost.map(money),
                margin: Margin::of(y.price, cost.map(|c| money(c).0)),
            });
        }
    }
    (per_item, item_cost)
}

/// Each bundle the event reaches: its unit cost from its contents, and margin.
fn per_bundle<'a>(
    index: &Index<'a>,
    prices: &PriceBook,
    bundles_reached: &[&'a str],
    item_cost: &BTreeMap<&str, Option<Decimal>>,
) -> Vec<BundleCost> {
    let unit_costs = bundle_costs(index, bundles_reached, item_cost, prices);
    bundles_reached
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
        .collect()
}

/// Each bundle's contents at item and material prices (nested bundles through their own
/// cost, each computed once); `None` when anything in it has no known price.
fn bundle_costs<'a>(
    index: &Index<'a>,
    roots: &[&'a str],
    items: &BTreeMap<&str, Option<Decimal>>,
    prices: &PriceBook,
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
                    BundleLine::Material { material, qty } => prices
                        .material(index, material)
                        .and_then(|p| p.checked_mul(*qty)),
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
