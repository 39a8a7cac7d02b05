//! What a plan is computed from: the part of the catalogue one event reaches.
//!
//! Freezing stores exactly this subset; computing reads nothing else. Keeping the subset
//! minimal means an edit to an unrelated recipe does not make a plan stale.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::catalog::{BundleLine, Catalog, Event, Slug, Stocked, Target};

/// Identity of a frozen plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanMeta {
    /// Plan id in the database (0 before freezing).
    pub id: i64,
    /// When it was frozen (RFC 3339).
    pub created_at: String,
    /// Hash of the canonical inputs.
    pub input_hash: String,
    /// Version of the engine that froze it.
    pub engine_version: String,
}

/// A frozen plan's inputs: its identity and the catalogue subset (holding one event).
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Identity.
    pub plan: PlanMeta,
    /// Everything the computation reads; `events` holds exactly the planned event.
    pub catalog: Catalog,
}

impl Snapshot {
    /// The planned event.
    pub fn event(&self) -> Option<&Event> {
        self.catalog.events.values().next()
    }
}

/// The part of `catalog` that planning `event` reads.
pub fn subset(catalog: &Catalog, event: &Event) -> Catalog {
    let mut bundles: BTreeSet<Slug> = BTreeSet::new();
    let mut items: BTreeSet<Slug> = BTreeSet::new();
    let mut recipes: BTreeSet<Slug> = BTreeSet::new();
    let mut materials: BTreeSet<Slug> = BTreeSet::new();
    let mut pending: Vec<Slug> = Vec::new();
    for target in &event.targets {
        match target {
            Target::Bundle { bundle, .. } => pending.push(bundle.clone()),
            Target::Item { item, .. } => {
                items.insert(item.clone());
            }
            Target::Recipe { recipe, .. } => {
                recipes.insert(recipe.clone());
            }
        }
    }
    items.extend(event.decisions.iter().map(|d| d.item.clone()));
    while let Some(slug) = pending.pop() {
        if !bundles.insert(slug.clone()) {
            continue;
        }
        for line in catalog
            .bundles
            .get(&slug)
            .map_or(&[][..], |b| b.contents.as_slice())
        {
            match line {
                BundleLine::Item { item, .. } => {
                    items.insert(item.clone());
                }
                BundleLine::Bundle { bundle, .. } => pending.push(bundle.clone()),
                BundleLine::Material { material, .. } => {
                    materials.insert(material.clone());
                }
            }
        }
    }
    for item in &items {
        if let Some((recipe, _)) = catalog.item(item) {
            recipes.insert(recipe.slug.clone());
        }
    }
    let mut pending: Vec<Slug> = recipes.iter().cloned().collect();
    while let Some(slug) = pending.pop() {
        for component in catalog
            .recipes
            .get(&slug)
            .map_or(&[][..], |r| r.components.as_slice())
        {
            if recipes.insert(component.recipe.clone()) {
                pending.push(component.recipe.clone());
            }
        }
    }
    let ingredients: BTreeSet<&str> = recipes
        .iter()
        .filter_map(|r| catalog.recipes.get(r))
        .flat_map(|r| r.ingredients.iter().map(|l| l.ingredient.as_str()))
        .collect();
    // Every finished item of a reached recipe may come from stock or count as surplus.
    let reached_items: BTreeSet<&str> = recipes
        .iter()
        .filter_map(|r| catalog.recipes.get(r))
        .flat_map(|r| r.yields.iter().map(|y| y.slug.as_str()))
        .collect();
    let wanted = |of: &Stocked| match of {
        Stocked::Ingredient(s) => ingredients.contains(s.as_str()),
        Stocked::Material(s) => materials.contains(s),
        Stocked::Item(s) => reached_items.contains(s.as_str()),
        Stocked::Bundle(s) => bundles.contains(s),
    };
    Catalog {
        settings: catalog.settings.clone(),
        ingredients: catalog
            .ingredients
            .iter()
            .filter(|(k, _)| ingredients.contains(k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        materials: catalog
            .materials
            .iter()
            .filter(|(k, _)| materials.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        products: catalog
            .products
            .iter()
            .filter(|p| wanted(&p.of))
            .cloned()
            .collect(),
        inventory: catalog
            .inventory
            .iter()
            .filter(|s| wanted(&s.of))
            .cloned()
            .collect(),
        recipes: catalog
            .recipes
            .iter()
            .filter(|(k, _)| recipes.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        bundles: catalog
            .bundles
            .iter()
            .filter(|(k, _)| bundles.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        events: std::iter::once((event.slug.clone(), event.clone())).collect(),
    }
}
