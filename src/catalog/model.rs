//! The typed catalogue: what a bakery's files say, after loading and validation.
//!
//! These are plain values: the store writes them as canonical JSON, snapshots freeze them,
//! and the plan stage computes over them. Maps are `BTreeMap`s so iteration is sorted and
//! output deterministic.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::units::{Density, Quantity, Unit};

/// A record key: lowercase ASCII letters, digits, `-` and `_`.
pub type Slug = String;

/// A whole catalogue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Catalogue-wide settings.
    pub settings: Settings,
    /// Ingredients by slug.
    pub ingredients: BTreeMap<Slug, Ingredient>,
    /// Packaging materials by slug.
    pub materials: BTreeMap<Slug, Material>,
    /// Suppliers by name.
    pub suppliers: BTreeMap<String, Supplier>,
    /// Purchasable packs, in file order.
    pub products: Vec<Product>,
    /// Stock on hand, in file order.
    pub inventory: Vec<StockRow>,
    /// Recipes by slug.
    pub recipes: BTreeMap<Slug, Recipe>,
    /// Bundles (gift boxes, trays) by slug.
    pub bundles: BTreeMap<Slug, Bundle>,
    /// Events by slug.
    pub events: BTreeMap<Slug, Event>,
}

/// Catalogue-wide settings (`settings.yaml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Currency of product prices.
    pub currency: String,
    /// Waste share above which a batch plan warns.
    pub waste_warn_pct: Decimal,
    /// Decimal places shown for quantities.
    pub decimals: u32,
    /// Working minutes the kitchen has per day, for the production schedule (none: no
    /// limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_minutes_per_day: Option<u32>,
    /// Paper the printable sheets are laid out for (none: US Letter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper: Option<Paper>,
    /// How the sheets show amounts (none: by weight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kitchen_units: Option<KitchenUnits>,
    /// US or metric units on the sheets (none: US).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_system: Option<UnitSystem>,
}

/// How the sheets show amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KitchenUnits {
    /// Weighed wherever a mass or density is known.
    Weight,
    /// Measured by volume wherever a volume or density is known.
    Volume,
    /// As the recipes write them.
    AsWritten,
}

impl KitchenUnits {
    /// Every choice.
    pub const ALL: [KitchenUnits; 3] = [
        KitchenUnits::Weight,
        KitchenUnits::Volume,
        KitchenUnits::AsWritten,
    ];

    /// The word the catalogue spells it with (as serde does).
    pub fn name(self) -> &'static str {
        match self {
            KitchenUnits::Weight => "weight",
            KitchenUnits::Volume => "volume",
            KitchenUnits::AsWritten => "as-written",
        }
    }

    /// Parses `weight`, `volume` or `as-written` (any case, `_` for `-`).
    pub fn parse(text: &str) -> Option<KitchenUnits> {
        let text = text.trim().to_ascii_lowercase().replace('_', "-");
        KitchenUnits::ALL.into_iter().find(|k| k.name() == text)
    }
}

/// The family of units the sheets use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitSystem {
    /// Ounces, pounds, teaspoons, cups.
    Us,
    /// Grams, kilograms, millilitres, litres.
    Metric,
}

impl UnitSystem {
    /// Every unit system.
    pub const ALL: [UnitSystem; 2] = [UnitSystem::Us, UnitSystem::Metric];

    /// The word the catalogue spells it with (as serde does).
    pub fn name(self) -> &'static str {
        match self {
            UnitSystem::Us => "us",
            UnitSystem::Metric => "metric",
        }
    }

    /// Parses `us` or `metric` (any case).
    pub fn parse(text: &str) -> Option<UnitSystem> {
        let text = text.trim().to_ascii_lowercase();
        UnitSystem::ALL.into_iter().find(|u| u.name() == text)
    }
}

/// Paper size of the printable sheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// US Letter, 8.5 × 11 in.
    Letter,
    /// ISO A4, 210 × 297 mm.
    A4,
}

impl Paper {
    /// Every paper size.
    pub const ALL: [Paper; 2] = [Paper::Letter, Paper::A4];

    /// The word the catalogue spells it with (as serde does).
    pub fn name(self) -> &'static str {
        match self {
            Paper::Letter => "letter",
            Paper::A4 => "a4",
        }
    }

    /// Parses `letter` or `a4` (any case).
    pub fn parse(text: &str) -> Option<Paper> {
        let text = text.trim().to_ascii_lowercase();
        Paper::ALL.into_iter().find(|p| p.name() == text)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            currency: "USD".to_owned(),
            waste_warn_pct: Decimal::from(15),
            decimals: 3,
            work_minutes_per_day: None,
            paper: None,
            kitchen_units: None,
            unit_system: None,
        }
    }
}

/// Something bought and measured into recipes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ingredient {
    /// Key.
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// Shopping-list grouping.
    pub category: String,
    /// How its volume relates to its mass, when known.
    pub density: Option<Density>,
    /// The unit written in the catalogue for totals, if any.
    pub unit: Option<Unit>,
    /// The unit totals are reported in: `unit`, else the unit most recipe lines use.
    pub reporting_unit: Unit,
}

/// Packaging: tins, bags, ribbon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    /// Key.
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// Shopping-list grouping (default `Packaging`).
    pub category: String,
    /// `each`, or a length or area unit.
    pub unit: Unit,
}

/// Someone the bakery buys from (`suppliers.yaml`): what a purchase order needs beyond the
/// products' own fields. Products name it in their `supplier` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supplier {
    /// Key: the name products give in `supplier`.
    pub name: String,
    /// Who to send the order to: an address, a phone number, a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// Days between ordering and delivery, for products that do not give their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_days: Option<u32>,
    /// Smallest order the supplier accepts, in the settings' currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_order: Option<Decimal>,
}

/// What a product, stock row or need refers to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "slug", rename_all = "lowercase")]
pub enum Stocked {
    /// An ingredient.
    Ingredient(Slug),
    /// A packaging material.
    Material(Slug),
    /// A finished item already baked.
    Item(Slug),
    /// A bundle already assembled.
    Bundle(Slug),
    /// Batches of a recipe made ahead (a ganache in the fridge); the quantity counts
    /// batches.
    Recipe(Slug),
}

impl Stocked {
    /// The table name of the kind (`ingredient`, `material`, `item`, `bundle`, `recipe`).
    pub fn kind(&self) -> &'static str {
        match self {
            Stocked::Ingredient(_) => "ingredient",
            Stocked::Material(_) => "material",
            Stocked::Item(_) => "item",
            Stocked::Bundle(_) => "bundle",
            Stocked::Recipe(_) => "recipe",
        }
    }

    /// The slug referred to.
    pub fn slug(&self) -> &str {
        match self {
            Stocked::Ingredient(s)
            | Stocked::Material(s)
            | Stocked::Item(s)
            | Stocked::Bundle(s)
            | Stocked::Recipe(s) => s,
        }
    }
}

/// A purchasable pack of an ingredient or material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// The ingredient or material it contains.
    pub of: Stocked,
    /// Display name.
    pub name: String,
    /// Brand, if any.
    pub brand: Option<String>,
    /// Contents of one pack.
    pub pack: Quantity,
    /// Price of one pack, in the settings' currency.
    pub price: Option<Decimal>,
    /// The pack to buy when several exist.
    pub preferred: bool,
    /// Smallest number of packs a supplier sells.
    pub min_packs: Option<u32>,
    /// Days between ordering and delivery (none: same day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_days: Option<u32>,
    /// Who sells it (purchase orders are grouped by supplier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// The supplier's article number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
}

impl Product {
    /// The key the store uses: owner, brand and product name.
    pub fn key(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.of.kind(),
            self.of.slug(),
            self.brand.as_deref().unwrap_or(""),
            self.name
        )
    }
}

/// One row of stock on hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockRow {
    /// What is in stock.
    pub of: Stocked,
    /// How much (items and bundles: a count in `each`).
    pub qty: Quantity,
    /// Use-by date; stock expiring before an event does not count for it.
    pub expires: Option<NaiveDate>,
    /// Where it is kept.
    pub location: Option<String>,
    /// When it was counted (the end of that day); purchases recorded after it add to it.
    /// Absent: when the row last changed in an import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted_at: Option<NaiveDate>,
    /// The bakery's own name for this row (a lot or bin number), unique in the inventory:
    /// the row's key, so that reordering or re-sorting the file changes nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
}

/// A recipe: what one batch takes and turns into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipe {
    /// Key.
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// Grouping.
    pub category: String,
    /// Method text for the production sheet.
    pub notes: Option<String>,
    /// Working time per batch.
    pub time_minutes: Option<u32>,
    /// Share of a batch lost (breakage, tasting), percent.
    pub loss_pct: Decimal,
    /// Finished items one batch makes.
    pub yields: Vec<Yield>,
    /// Ingredient lines per batch.
    pub ingredients: Vec<RecipeLine>,
    /// Sub-recipes per batch.
    pub components: Vec<Component>,
    /// Days before the event it is made (none: on the day, or the day before the recipe
    /// that uses it, for a sub-recipe).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub make_ahead_days: Option<u32>,
    /// Days it keeps once made (none: as long as needed); it is never scheduled earlier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keeps_days: Option<u32>,
}

/// How many finished items one batch makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YieldSize {
    /// Items per batch.
    PerBatch(Decimal),
    /// One item takes this percent of a batch.
    PortionPct(Decimal),
}

impl YieldSize {
    /// Items one batch makes.
    pub fn items_per_batch(self) -> Decimal {
        match self {
            YieldSize::PerBatch(n) => n,
            YieldSize::PortionPct(p) => Decimal::ONE_HUNDRED / p,
        }
    }
}

/// A finished item a recipe makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Yield {
    /// Key of the finished item (unique across all recipes).
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// Items per batch.
    pub size: YieldSize,
    /// Selling price of one item, in the settings' currency (for the margin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Decimal>,
}

/// One ingredient line of a recipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipeLine {
    /// The ingredient.
    pub ingredient: Slug,
    /// Amount per batch.
    pub qty: Quantity,
    /// Remark shown on the production sheet.
    pub note: Option<String>,
}

/// A sub-recipe used by a recipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// The sub-recipe.
    pub recipe: Slug,
    /// Batches of it per batch of the parent (may be fractional).
    pub batches: Decimal,
    /// Remark ("make the day before").
    pub note: Option<String>,
}

/// A finished good assembled from items, other bundles and packaging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// Key.
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// Packing text.
    pub instructions: Option<String>,
    /// Selling price of one bundle, in the settings' currency (for the margin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Decimal>,
    /// What goes in one bundle.
    pub contents: Vec<BundleLine>,
}

/// One content line of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum BundleLine {
    /// Whole finished items.
    Item {
        /// The finished item.
        item: Slug,
        /// How many per bundle.
        qty: u64,
    },
    /// A nested bundle.
    Bundle {
        /// The nested bundle.
        bundle: Slug,
        /// How many per bundle.
        qty: u64,
    },
    /// Packaging, in the material's unit.
    Material {
        /// The material.
        material: Slug,
        /// Amount per bundle.
        qty: Decimal,
    },
}

/// A date to produce for, with what must be ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Key.
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// The day it must be ready.
    pub date: NaiveDate,
    /// Spare finished items for breakage, percent.
    pub overage_pct: Decimal,
    /// What to deliver, in the order listed.
    pub targets: Vec<Target>,
    /// Manual batch counts.
    pub decisions: Vec<Decision>,
}

/// One thing an event must deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Target {
    /// Assemble `qty` bundles.
    Bundle {
        /// The bundle.
        bundle: Slug,
        /// How many.
        qty: u64,
    },
    /// `qty` loose finished items.
    Item {
        /// The finished item.
        item: Slug,
        /// How many.
        qty: u64,
    },
    /// Bake `batches` of a recipe outright.
    Recipe {
        /// The recipe.
        recipe: Slug,
        /// How many batches.
        batches: Decimal,
    },
}

/// A baker's override of the computed batch count of one finished item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The finished item.
    pub item: Slug,
    /// Batches to bake.
    pub batches: u64,
    /// Required when the batches make fewer items than needed.
    pub confirm_shortfall: bool,
}

impl Catalog {
    /// The recipe and yield that make a finished item.
    pub fn item(&self, slug: &str) -> Option<(&Recipe, &Yield)> {
        self.recipes.values().find_map(|recipe| {
            recipe
                .yields
                .iter()
                .find(|y| y.slug == slug)
                .map(|y| (recipe, y))
        })
    }

    /// The store key of each inventory row, in row order: `kind:slug@lot` for a row with a
    /// `lot`, else `kind:slug#n`, numbering the item's rows without a lot from 1.
    pub fn inventory_keys(&self) -> Vec<String> {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        self.inventory
            .iter()
            .map(|row| {
                let base = format!("{}:{}", row.of.kind(), row.of.slug());
                if let Some(lot) = &row.lot {
                    return format!("{base}@{lot}");
                }
                let n = seen.entry(base.clone()).or_default();
                *n += 1;
                format!("{base}#{n:04}")
            })
            .collect()
    }

    /// Every finished item by slug, with the recipe that makes it.
    pub fn items(&self) -> BTreeMap<&str, (&Recipe, &Yield)> {
        self.recipes
            .values()
            .flat_map(|recipe| {
                recipe
                    .yields
                    .iter()
                    .map(move |y| (y.slug.as_str(), (recipe, y)))
            })
            .collect()
    }
}

/// The fields each table's records may have. The first fields of each list are also the
/// columns of the table's CSV form (the rest are nested lists or alternative spellings).
pub mod fields {
    /// Fields of `settings` records.
    pub const SETTINGS: &[&str] = &[
        "currency",
        "waste_warn_pct",
        "decimals",
        "work_minutes_per_day",
        "paper",
        "kitchen_units",
        "unit_system",
        "csv_delimiter",
        "date_format",
    ];
    /// Fields of `ingredients` records.
    pub const INGREDIENTS: &[&str] = &["slug", "name", "category", "density", "unit"];
    /// Fields of `materials` records.
    pub const MATERIALS: &[&str] = &["slug", "name", "category", "unit"];
    /// Fields of `suppliers` records.
    pub const SUPPLIERS: &[&str] = &["name", "contact", "lead_days", "min_order"];
    /// Fields of `products` records.
    pub const PRODUCTS: &[&str] = &[
        "ingredient",
        "material",
        "name",
        "brand",
        "pack",
        "price",
        "preferred",
        "min_packs",
        "lead_days",
        "supplier",
        "sku",
        "pack_unit",
    ];
    /// Fields of `inventory` records.
    pub const INVENTORY: &[&str] = &[
        "ingredient",
        "material",
        "item",
        "bundle",
        "qty",
        "unit",
        "expires",
        "location",
        "counted_at",
        "recipe",
        "lot",
    ];
    /// Fields of `recipes` records.
    pub const RECIPES: &[&str] = &[
        "slug",
        "name",
        "category",
        "notes",
        "time_minutes",
        "loss_pct",
        "make_ahead_days",
        "keeps_days",
        "yields",
        "ingredients",
        "components",
    ];
    /// Fields of `bundles` records.
    pub const BUNDLES: &[&str] = &["slug", "name", "instructions", "price", "contents"];
    /// Fields of `events` records.
    pub const EVENTS: &[&str] = &[
        "slug",
        "name",
        "date",
        "overage_pct",
        "targets",
        "decisions",
    ];

    /// The CSV columns of a main table.
    pub fn csv_columns(table: &str) -> &'static [&'static str] {
        match table {
            "settings" => &SETTINGS[..7],
            "ingredients" => &INGREDIENTS[..5],
            "materials" => &MATERIALS[..4],
            "suppliers" => SUPPLIERS,
            "products" => &PRODUCTS[..11],
            "inventory" => &INVENTORY[..11],
            "recipes" => &RECIPES[..8],
            "bundles" => &BUNDLES[..4],
            "events" => &EVENTS[..4],
            _ => &[],
        }
    }
}
