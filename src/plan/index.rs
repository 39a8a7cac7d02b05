//! Lookups built once per catalogue and shared by every event computed from it.
//!
//! The catalogue stores what a baker wrote (recipes by slug, products and stock in file
//! order); computing needs the other direction too: the recipe that makes an item, the
//! products and stock rows of an ingredient, dense ids for table work. Building them once
//! keeps every per-event step linear in what the event reaches.

use foldhash::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::kinds::LineKind;
use crate::catalog::{
    Catalog, Density, Ingredient, Material, Product, Recipe, StockRow, Stocked, Unit, Yield,
};

/// Lookups over one catalogue (a snapshot, or the catalogue a run froze its snapshots from).
pub struct Index<'a> {
    /// The catalogue.
    pub catalog: &'a Catalog,
    items: HashMap<&'a str, (&'a Recipe, &'a Yield)>,
    recipe_ids: HashMap<&'a str, u32>,
    recipes: Vec<&'a Recipe>,
    ingredient_ids: HashMap<&'a str, u32>,
    ingredients: Vec<&'a Ingredient>,
    material_ids: HashMap<&'a str, u32>,
    materials: Vec<&'a Material>,
    ingredient_products: Vec<Vec<&'a Product>>,
    material_products: Vec<Vec<&'a Product>>,
    ingredient_stock: Vec<Vec<&'a StockRow>>,
    material_stock: Vec<Vec<&'a StockRow>>,
    finished_stock: HashMap<&'a Stocked, Vec<&'a StockRow>>,
    recipe_stock: HashMap<&'a str, Vec<&'a StockRow>>,
}

impl<'a> Index<'a> {
    /// Indexes `catalog`: O(records).
    pub fn new(catalog: &'a Catalog) -> Index<'a> {
        let recipes: Vec<&Recipe> = catalog.recipes.values().collect();
        let ingredients: Vec<&Ingredient> = catalog.ingredients.values().collect();
        let materials: Vec<&Material> = catalog.materials.values().collect();
        let ingredient_ids = ids(ingredients.iter().map(|i| i.slug.as_str()));
        let material_ids = ids(materials.iter().map(|m| m.slug.as_str()));
        let mut ingredient_products = vec![Vec::new(); ingredients.len()];
        let mut material_products = vec![Vec::new(); materials.len()];
        for product in &catalog.products {
            match &product.of {
                Stocked::Ingredient(s) => ingredient_ids
                    .get(s.as_str())
                    .map(|&i| ingredient_products[i as usize].push(product)),
                Stocked::Material(s) => material_ids
                    .get(s.as_str())
                    .map(|&i| material_products[i as usize].push(product)),
                _ => None,
            };
        }
        for list in ingredient_products.iter_mut().chain(&mut material_products) {
            list.sort_by_cached_key(|p: &&Product| p.key());
        }
        let mut ingredient_stock = vec![Vec::new(); ingredients.len()];
        let mut material_stock = vec![Vec::new(); materials.len()];
        let mut finished_stock: HashMap<&Stocked, Vec<&StockRow>> = HashMap::default();
        let mut recipe_stock: HashMap<&str, Vec<&StockRow>> = HashMap::default();
        for row in &catalog.inventory {
            match &row.of {
                Stocked::Ingredient(s) => {
                    if let Some(&i) = ingredient_ids.get(s.as_str()) {
                        ingredient_stock[i as usize].push(row);
                    }
                }
                Stocked::Material(s) => {
                    if let Some(&i) = material_ids.get(s.as_str()) {
                        material_stock[i as usize].push(row);
                    }
                }
                Stocked::Item(_) | Stocked::Bundle(_) => {
                    finished_stock.entry(&row.of).or_default().push(row);
                }
                Stocked::Recipe(s) => recipe_stock.entry(s.as_str()).or_default().push(row),
            }
        }
        Index {
            catalog,
            items: catalog
                .recipes
                .values()
                .flat_map(|r| r.yields.iter().map(move |y| (y.slug.as_str(), (r, y))))
                .collect(),
            recipe_ids: ids(recipes.iter().map(|r| r.slug.as_str())),
            recipes,
            ingredient_ids,
            ingredients,
            material_ids,
            materials,
            ingredient_products,
            material_products,
            ingredient_stock,
            material_stock,
            finished_stock,
            recipe_stock,
        }
    }

    /// The recipe and yield that make a finished item.
    pub fn item(&self, slug: &str) -> Option<(&'a Recipe, &'a Yield)> {
        self.items.get(slug).copied()
    }

    /// A finished item's display name (its slug when unknown).
    pub fn item_name(&self, slug: &str) -> String {
        self.item(slug)
            .map_or_else(|| slug.to_owned(), |(_, y)| y.name.clone())
    }

    /// A bundle's display name (its slug when unknown).
    pub fn bundle_name(&self, slug: &str) -> String {
        self.catalog
            .bundles
            .get(slug)
            .map_or_else(|| slug.to_owned(), |b| b.name.clone())
    }

    /// A recipe by slug.
    pub fn recipe(&self, slug: &str) -> Option<&'a Recipe> {
        // Hashed, not the catalogue's ordered map: a plan looks recipes up by slug for
        // every component of every recipe it makes.
        self.recipe_id(slug).map(|id| self.recipe_at(id))
    }

    /// Dense id of a recipe (slug order).
    pub fn recipe_id(&self, slug: &str) -> Option<u32> {
        self.recipe_ids.get(slug).copied()
    }

    /// The recipe with dense id `id`.
    pub fn recipe_at(&self, id: u32) -> &'a Recipe {
        self.recipes[id as usize]
    }

    /// Number of recipes.
    pub fn recipe_count(&self) -> usize {
        self.recipes.len()
    }

    /// Dense id of an ingredient (slug order).
    pub fn ingredient_id(&self, slug: &str) -> Option<u32> {
        self.ingredient_ids.get(slug).copied()
    }

    /// The ingredient with dense id `id`.
    pub fn ingredient_at(&self, id: u32) -> &'a Ingredient {
        self.ingredients[id as usize]
    }

    /// Dense id of a material (slug order).
    pub fn material_id(&self, slug: &str) -> Option<u32> {
        self.material_ids.get(slug).copied()
    }

    /// The material with dense id `id`.
    pub fn material_at(&self, id: u32) -> &'a Material {
        self.materials[id as usize]
    }

    /// Number of ingredients.
    pub fn ingredient_count(&self) -> usize {
        self.ingredients.len()
    }

    /// Number of packaging materials.
    pub fn material_count(&self) -> usize {
        self.materials.len()
    }

    /// Every ingredient and material, as (kind, dense id): ingredients first.
    pub fn stocked(&self) -> impl Iterator<Item = (LineKind, u32)> + use<> {
        let ingredients = (0..self.ingredients.len() as u32).map(|id| (LineKind::Ingredient, id));
        let materials = (0..self.materials.len() as u32).map(|id| (LineKind::Material, id));
        ingredients.chain(materials)
    }

    /// The unit an ingredient's or material's totals are reported in.
    pub fn reporting_unit(&self, kind: LineKind, id: u32) -> Unit {
        match kind {
            LineKind::Ingredient => self.ingredient_at(id).reporting_unit,
            LineKind::Material => self.material_at(id).unit,
        }
    }

    /// An ingredient's density (a material has none).
    pub fn density(&self, kind: LineKind, id: u32) -> Option<&'a Density> {
        match kind {
            LineKind::Ingredient => self.ingredient_at(id).density.as_ref(),
            LineKind::Material => None,
        }
    }

    /// Products of an ingredient or material (by kind and dense id), in key order.
    pub fn products(&self, kind: LineKind, id: u32) -> &[&'a Product] {
        match kind {
            LineKind::Ingredient => &self.ingredient_products[id as usize],
            LineKind::Material => &self.material_products[id as usize],
        }
    }

    /// Stock rows of an ingredient or material (by kind and dense id), in file order.
    pub fn stock(&self, kind: LineKind, id: u32) -> &[&'a StockRow] {
        match kind {
            LineKind::Ingredient => &self.ingredient_stock[id as usize],
            LineKind::Material => &self.material_stock[id as usize],
        }
    }

    /// Batches of recipe `slug` made ahead and usable on `date` (rows that expire before it
    /// do not count).
    pub fn recipe_stock(&self, slug: &str, date: chrono::NaiveDate) -> Decimal {
        self.recipe_stock.get(slug).map_or(Decimal::ZERO, |rows| {
            rows.iter()
                .filter(|row| row.expires.is_none_or(|d| d >= date))
                .fold(Decimal::ZERO, |sum, row| {
                    sum.checked_add(row.qty.value).unwrap_or(Decimal::MAX)
                })
        })
    }

    /// Whole units of finished stock of `of` (an item or a bundle) usable on `date`: rows
    /// that expire before it do not count. A lookup per stocked thing an event reaches, so
    /// an event never walks the whole inventory.
    pub fn finished_count(&self, of: &Stocked, date: NaiveDate) -> u64 {
        let rows = self.finished_stock.get(of).map_or(&[][..], Vec::as_slice);
        rows.iter()
            .filter(|row| row.expires.is_none_or(|d| d >= date))
            .map(|row| {
                (row.qty.value * row.qty.unit.factor())
                    .floor()
                    .to_u64()
                    .unwrap_or(u64::MAX)
            })
            .fold(0u64, u64::saturating_add)
    }
}

fn ids<'a>(slugs: impl Iterator<Item = &'a str>) -> HashMap<&'a str, u32> {
    slugs.enumerate().map(|(i, s)| (s, i as u32)).collect()
}
