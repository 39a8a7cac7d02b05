//! The PlanResult: everything computed for one plan, as a documented, versioned value.
//!
//! It serialises to the JSON object that `plans show --json` prints and that report
//! templates receive as their context (`docs/plan-json.md`). Field names are a public
//! contract: add freely, never rename or drop without bumping [`SCHEMA_VERSION`].

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::kinds::{
    AssemblyStatus, BlockerKind, LineKind, ProductionStatus, ShoppingStatus, TargetKind, Verdict,
};
pub use super::num::Num;
use crate::catalog::Unit;
use crate::store::PlanMeta;

/// Version of the PlanResult JSON layout.
pub const SCHEMA_VERSION: u32 = 3;

/// The computed plan of one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanResult {
    /// Layout version of this object.
    pub schema_version: u32,
    /// Which frozen plan this is.
    pub plan: PlanMeta,
    /// The event planned.
    pub event: EventInfo,
    /// Currency and display settings frozen with the plan.
    pub settings: SettingsInfo,
    /// The event's targets as frozen, in event order.
    pub targets: Vec<TargetRow>,
    /// Things a baker should look at (high waste, expired stock, unconvertible lines, …).
    pub warnings: Vec<String>,
    /// One row per finished item planned and per direct recipe target.
    pub batches: Vec<BatchRow>,
    /// Recipes in production order (sub-recipes before what uses them).
    pub recipes: Vec<RecipeRow>,
    /// Ingredient totals with provenance, sorted by category then name.
    pub ingredients: Vec<IngredientRow>,
    /// Packaging totals with provenance.
    pub materials: Vec<MaterialRow>,
    /// The shopping list: ingredients (by category, name) then materials.
    pub shopping: Vec<ShoppingRow>,
    /// Production check per recipe, in production order.
    pub production: Vec<ProductionRow>,
    /// When to make each batch: days before the event, with minutes per day.
    pub schedule: super::schedule::Schedule,
    /// Assembly per bundle target, in event order.
    pub assembly: Vec<AssemblyRow>,
    /// The event verdict.
    pub feasibility: Feasibility,
    /// Estimated costs.
    pub costs: Costs,
    /// For an event in production: progress against its kept plan (docs/kitchen.md); the
    /// rest of this result is then the remaining work. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<super::progress::Progress>,
}

/// The event planned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventInfo {
    /// Slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Delivery date.
    pub date: NaiveDate,
    /// Spare finished items, percent.
    pub overage_pct: Num,
}

/// Settings frozen with the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingsInfo {
    /// Currency of costs.
    pub currency: String,
    /// Decimal places for quantities in reports.
    pub decimals: u32,
    /// Waste share that triggers a warning.
    pub waste_warn_pct: Num,
    /// Paper the sheets are laid out for: `letter` or `a4`.
    pub paper: crate::catalog::Paper,
}

/// A target as frozen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetRow {
    /// `bundle`, `item` or `recipe`.
    pub kind: TargetKind,
    /// Slug of the bundle, item or recipe.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Count (bundles, items) or batches (recipes).
    pub qty: Num,
}

/// Batches of one finished item, or of one direct recipe target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchRow {
    /// Recipe slug.
    pub recipe: String,
    /// Recipe name.
    pub recipe_name: String,
    /// Finished item slug (null for a direct recipe target).
    pub item: Option<String>,
    /// Finished item name (null for a direct recipe target).
    pub item_name: Option<String>,
    /// Needed by the targets before stock and overage.
    pub gross: u64,
    /// Baked stock used.
    pub in_stock: u64,
    /// Items to bake (after overage and stock).
    pub need: u64,
    /// Batches to bake.
    pub batches: Num,
    /// Batches the rule computes (= batches unless decided).
    pub computed_batches: Num,
    /// Usable items made.
    pub produced: u64,
    /// Made beyond the need.
    pub surplus: u64,
    /// Items short (only with a confirmed decision).
    pub shortfall: u64,
    /// Surplus share of produced, percent.
    pub waste_pct: Num,
    /// Whether a decision set the batches.
    pub decided: bool,
}

/// One recipe to make, with its scaled ingredients.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecipeRow {
    /// Slug.
    pub recipe: String,
    /// Display name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Total batches (may be fractional for sub-recipes).
    pub batches: Num,
    /// Method notes.
    pub notes: Option<String>,
    /// Working time per batch.
    pub time_minutes: Option<u32>,
    /// Whether another recipe of this plan uses it.
    pub is_component: bool,
    /// Batches made ahead (stock of the recipe) used before making `batches`; absent when
    /// none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub made_ahead: Option<Num>,
    /// Cost of one batch at product prices, sub-recipes included (null when a line has no
    /// price), and of all planned batches — as `costs.per_recipe`, here for the sheets.
    pub batch_cost: Option<Num>,
    /// All planned batches.
    pub total_cost: Option<Num>,
    /// The days the production schedule makes it, earliest first.
    pub made_on: Vec<MadeOn>,
    /// What a batch makes and how many are planned.
    pub yields: Vec<YieldRow>,
    /// Ingredient lines: per batch and in total.
    pub ingredients: Vec<RecipeLineRow>,
    /// Sub-recipes used, per batch.
    pub components: Vec<ComponentRow>,
}

/// A recipe's finished item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YieldRow {
    /// Item slug.
    pub item: String,
    /// Item name.
    pub name: String,
    /// Items one batch makes.
    pub per_batch: Num,
    /// Usable items planned (0 when the plan does not bake this item).
    pub produced: u64,
    /// Surplus of those.
    pub surplus: u64,
    /// Cost of one usable item (as `costs.per_item`; null when unknown).
    pub unit_cost: Option<Num>,
    /// Selling price and margin (as `costs.per_item`).
    #[serde(flatten)]
    pub margin: Margin,
}

/// One scaled ingredient line of a recipe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecipeLineRow {
    /// Ingredient slug.
    pub ingredient: String,
    /// Ingredient name.
    pub name: String,
    /// Amount per batch, as written.
    pub per_batch: Num,
    /// Unit of `per_batch`, as written in the recipe.
    pub per_batch_unit: Unit,
    /// One batch's amount in the kitchen's units (`settings.kitchen_units`).
    pub kitchen_per_batch: Num,
    /// Its unit.
    pub kitchen_per_batch_unit: Unit,
    /// All batches in the kitchen's units.
    pub kitchen_qty: Num,
    /// Its unit.
    pub kitchen_unit: Unit,
    /// Amount for all batches, in `unit`.
    pub qty: Num,
    /// The kitchen unit of `qty`: the written unit moved up when the amount is large
    /// (48 tsp → 1 cup, 40 oz → 2.5 lb, 1500 g → 1.5 kg), never across mass and volume.
    pub unit: Unit,
    /// Remark.
    pub note: Option<String>,
}

/// A sub-recipe line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentRow {
    /// Sub-recipe slug.
    pub recipe: String,
    /// Sub-recipe name.
    pub name: String,
    /// Batches of it per batch of the parent.
    pub per_batch: Num,
    /// Batches of it for all batches of the parent.
    pub batches: Num,
    /// Remark.
    pub note: Option<String>,
}

/// Where a quantity came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    /// Slugs from the event down to the recipe that holds the line, shared by every
    /// source reached through the same path (an event's sources outnumber its paths ten to
    /// one on a chain's catalogue, and each path spelled apart was most of a plan's memory).
    pub path: std::sync::Arc<[String]>,
    /// Amount.
    pub qty: Num,
    /// Unit.
    pub unit: Unit,
}

/// Total of one ingredient in one unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngredientRow {
    /// Slug.
    pub ingredient: String,
    /// Display name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Total.
    pub qty: Num,
    /// Reporting unit, or the line's own unit when unconvertible.
    pub unit: Unit,
    /// The total in the kitchen's units (`settings.kitchen_units`), for the sheets.
    pub kitchen_qty: Num,
    /// Its unit.
    pub kitchen_unit: Unit,
    /// Why these lines could not be converted to the reporting unit (null when they could).
    pub unconvertible: Option<String>,
    /// The contributions, one per path; they sum to `qty`.
    pub sources: Vec<Source>,
}

/// Total of one packaging material.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaterialRow {
    /// Slug.
    pub material: String,
    /// Display name.
    pub name: String,
    /// Total.
    pub qty: Num,
    /// The material's unit.
    pub unit: Unit,
    /// Contributions per bundle path.
    pub sources: Vec<Source>,
}

/// One line of the shopping list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShoppingRow {
    /// `ingredient` or `material`.
    pub kind: LineKind,
    /// Slug.
    pub item: String,
    /// Display name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Needed by the plan.
    pub needed: Num,
    /// Usable stock, converted into `unit`.
    pub on_hand: Num,
    /// max(0, needed − on hand).
    pub to_buy: Num,
    /// Unit of the three amounts.
    pub unit: Unit,
    /// `buy` or `sufficient`.
    pub status: ShoppingStatus,
    /// Product chosen to buy (name), if any.
    pub product: Option<String>,
    /// Brand of that product.
    pub brand: Option<String>,
    /// Packs to buy (null when nothing to buy or no product fits).
    pub packs: Option<u64>,
    /// Contents of one pack, e.g. `25 lb`.
    pub pack_size: Option<String>,
    /// Contents of one pack converted into `unit` (null when it does not convert).
    pub pack_in_unit: Option<Num>,
    /// Price of one pack (null when unknown).
    pub price: Option<Num>,
    /// Smallest number of packs the supplier sells.
    pub min_packs: Option<u32>,
    /// packs × price (null when unknown).
    pub cost: Option<Num>,
    /// Bought beyond the need, in `unit`.
    pub bought_surplus: Option<Num>,
    /// The first day of the production schedule that uses it (the event day for
    /// packaging); null when nothing is to buy.
    pub needed_by: Option<chrono::NaiveDate>,
    /// The day to order it by: `needed_by` less the product's `lead_days`.
    pub order_by: Option<chrono::NaiveDate>,
    /// The chosen product's delivery time in days.
    pub lead_days: Option<u32>,
    /// The chosen product's supplier.
    pub supplier: Option<String>,
    /// The supplier's article number.
    pub sku: Option<String>,
    /// Expired, unconvertible or missing-product remarks.
    pub note: String,
}

/// Whether stock covers one recipe's ingredients, in production order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductionRow {
    /// Recipe slug.
    pub recipe: String,
    /// Recipe name.
    pub name: String,
    /// `ok` or `short`.
    pub status: ProductionStatus,
    /// What stock does not cover.
    pub shortages: Vec<Blocker>,
}

/// Assembly of one bundle: a bundle target, or a bundle that only goes inside others. Rows
/// come inner bundles first, so the sheet is worked top to bottom.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssemblyRow {
    /// Bundle slug.
    pub bundle: String,
    /// Bundle name.
    pub name: String,
    /// Packing instructions.
    pub instructions: Option<String>,
    /// Bundles wanted by the event's target (0 for a bundle that only goes inside others).
    pub target: u64,
    /// Already assembled in stock (used first).
    pub in_stock: u64,
    /// More needed inside other bundles of the plan (tins that go into the hampers).
    pub inside: u64,
    /// Where those go, one entry per holding bundle.
    pub inside_of: Vec<InsideRow>,
    /// To assemble: target − in stock + inside.
    pub to_assemble: u64,
    /// Cost of one bundle, contents and packaging (as `costs.per_bundle`; null when unknown).
    pub unit_cost: Option<Num>,
    /// Selling price and margin (as `costs.per_bundle`).
    #[serde(flatten)]
    pub margin: Margin,
    /// Can be delivered: stock plus what the allocated items and materials make.
    pub assemblable: u64,
    /// `ok`, `partial` or `blocked`.
    pub status: AssemblyStatus,
    /// What goes in one bundle, nested bundles flattened.
    pub contents: Vec<ContentRow>,
    /// What is short, by how much.
    pub blockers: Vec<Blocker>,
}

/// Batches of a recipe on one day of the schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MadeOn {
    /// The day.
    pub date: chrono::NaiveDate,
    /// Days before the event.
    pub days_before: u32,
    /// Batches that day (the last may be a fraction).
    pub batches: Num,
    /// First batch number made that day.
    pub first_batch: u32,
    /// Last batch number made that day.
    pub last_batch: u32,
}

/// Bundles of one kind that go inside another bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InsideRow {
    /// The holding bundle.
    pub bundle: String,
    /// Its name.
    pub name: String,
    /// How many go into the holders the plan assembles.
    pub qty: u64,
}

/// One line of what goes in a bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentRow {
    /// `item`, `bundle` or `material`.
    pub kind: TargetKind,
    /// Slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Per bundle.
    pub qty: Num,
    /// Unit (`each` for items and bundles).
    pub unit: Unit,
}

/// Something that stops a target or recipe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blocker {
    /// `stock`, `yield`, `unconvertible`, `shortfall-decision` or `material`.
    pub kind: BlockerKind,
    /// Slug of what is short.
    pub item: String,
    /// Needed.
    pub needed: Num,
    /// Available.
    pub available: Num,
    /// Unit.
    pub unit: Unit,
    /// Plain words: "need 54 more truffles".
    pub message: String,
}

/// The event verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feasibility {
    /// Every target ok and no production blocker: everything is on hand (`status` ready).
    pub feasible: bool,
    /// `ready`, `needs-shopping` (only what the shopping list buys is missing) or `blocked`
    /// (something buying cannot fix).
    pub status: Verdict,
    /// Everything in the way, by kind.
    pub blockers: Vec<Blocker>,
}

/// Estimated costs at product prices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Costs {
    /// Currency.
    pub currency: String,
    /// Ingredients and materials the plan uses, at unit prices (excludes unknown lines).
    pub total: Num,
    /// Cost of the packs on the shopping list.
    pub shopping_total: Num,
    /// Lines with no price (or no convertible product), never priced at 0.
    pub unknown_lines: usize,
    /// Per recipe: one batch and all batches.
    pub per_recipe: Vec<RecipeCost>,
    /// Per finished item.
    pub per_item: Vec<ItemCost>,
    /// Per bundle.
    pub per_bundle: Vec<BundleCost>,
}

/// Cost of a recipe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecipeCost {
    /// Slug.
    pub recipe: String,
    /// Name.
    pub name: String,
    /// One batch, sub-recipes included (null when any line is unknown).
    pub batch_cost: Option<Num>,
    /// All planned batches.
    pub total: Option<Num>,
}

/// Cost of one finished item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemCost {
    /// Slug.
    pub item: String,
    /// Name.
    pub name: String,
    /// Batch cost ÷ usable items per batch.
    pub unit_cost: Option<Num>,
    /// Selling price (the yield's `price`) and margin.
    #[serde(flatten)]
    pub margin: Margin,
}

/// Cost of one bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BundleCost {
    /// Slug.
    pub bundle: String,
    /// Name.
    pub name: String,
    /// Contents and packaging of one bundle.
    pub unit_cost: Option<Num>,
    /// Selling price (the bundle's `price`) and margin.
    #[serde(flatten)]
    pub margin: Margin,
}

/// What one item or bundle sells for and what is left after its cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Margin {
    /// Selling price (null when the catalogue gives none).
    pub price: Option<Num>,
    /// Price − unit cost (null when either is unknown).
    pub margin: Option<Num>,
    /// Margin as a share of the price, percent to one decimal (null when unknown or the
    /// price is 0).
    pub margin_pct: Option<Num>,
}

impl Margin {
    /// The margin of selling at `price` what costs `unit_cost`.
    pub fn of(price: Option<Decimal>, unit_cost: Option<Decimal>) -> Margin {
        let margin = price.zip(unit_cost).and_then(|(p, c)| p.checked_sub(c));
        let margin_pct = price
            .zip(margin)
            .filter(|(p, _)| !p.is_zero())
            .and_then(|(p, m)| m.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(p))
            .map(|pct| pct.round_dp(1));
        Margin {
            price: price.map(Num),
            margin: margin.map(Num),
            margin_pct: margin_pct.map(Num),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().expect("decimal")
    }

    #[test]
    fn a_margin_is_price_less_cost_and_its_share_of_the_price() {
        let m = Margin::of(Some(d("3.50")), Some(d("1.225")));
        assert_eq!(m.price, Some(Num(d("3.50"))));
        assert_eq!(m.margin, Some(Num(d("2.275"))));
        assert_eq!(m.margin_pct, Some(Num(d("65.0"))));
        // Sold below cost: a negative margin, said as it is.
        let loss = Margin::of(Some(d("1")), Some(d("1.5")));
        assert_eq!(loss.margin_pct, Some(Num(d("-50.0"))));
        // No price, no cost or a free item: nothing made up.
        assert_eq!(Margin::of(None, Some(d("1"))), Margin::default());
        let unknown = Margin::of(Some(d("4")), None);
        assert_eq!((unknown.margin, unknown.margin_pct), (None, None));
        assert_eq!(Margin::of(Some(d("0")), Some(d("1"))).margin_pct, None);
    }
}
