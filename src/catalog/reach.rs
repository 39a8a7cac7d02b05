//! What an event reaches: the part of the catalogue its plan is computed from.
//!
//! Freezing stores exactly this subset and computing reads nothing else, so it lives with
//! the catalogue where both the store and the plan stage can use it. Keeping the subset
//! minimal means an edit to an unrelated recipe does not make a plan stale. [`Owners`] is
//! built once per catalogue so that finding an event's subset costs what the event reaches,
//! not the size of the catalogue.

use std::collections::BTreeSet;

use foldhash::HashMap;

use super::{BundleLine, Catalog, Event, Recipe, Slug, Stocked, Target};

/// Reverse lookups over a catalogue: who makes an item, which products and stock rows
/// belong to what.
pub struct Owners<'c> {
    items: HashMap<&'c str, &'c Recipe>,
    products: HashMap<&'c Stocked, Vec<usize>>,
    inventory: HashMap<&'c Stocked, Vec<usize>>,
}

impl<'c> Owners<'c> {
    /// Indexes `catalog`: O(records).
    pub fn new(catalog: &'c Catalog) -> Owners<'c> {
        let mut products: HashMap<&Stocked, Vec<usize>> = HashMap::default();
        for (i, p) in catalog.products.iter().enumerate() {
            products.entry(&p.of).or_default().push(i);
        }
        let mut inventory: HashMap<&Stocked, Vec<usize>> = HashMap::default();
        for (i, s) in catalog.inventory.iter().enumerate() {
            inventory.entry(&s.of).or_default().push(i);
        }
        Owners {
            items: catalog
                .recipes
                .values()
                .flat_map(|r| r.yields.iter().map(move |y| (y.slug.as_str(), r)))
                .collect(),
            products,
            inventory,
        }
    }

    /// The recipe that makes a finished item.
    pub fn recipe_of(&self, item: &str) -> Option<&'c Recipe> {
        self.items.get(item).copied()
    }
}

/// The records one event reaches, by key; products and stock rows by position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach<'c> {
    /// Ingredient slugs.
    pub ingredients: BTreeSet<&'c str>,
    /// Material slugs.
    pub materials: BTreeSet<&'c str>,
    /// Recipe slugs (with every sub-recipe).
    pub recipes: BTreeSet<&'c str>,
    /// Bundle slugs (with every nested bundle).
    pub bundles: BTreeSet<&'c str>,
    /// Positions in `catalog.products`, ascending.
    pub products: Vec<usize>,
    /// Names of the listed suppliers those products name.
    pub suppliers: BTreeSet<&'c str>,
    /// Positions in `catalog.inventory`, ascending.
    pub inventory: Vec<usize>,
}

/// What planning `event` reads from `catalog`.
pub fn reach<'c>(catalog: &'c Catalog, owners: &Owners<'c>, event: &'c Event) -> Reach<'c> {
    let mut out = Reach::default();
    let mut items: BTreeSet<&str> = BTreeSet::new();
    let mut pending: Vec<&str> = Vec::new();
    for target in &event.targets {
        match target {
            Target::Bundle { bundle, .. } => pending.push(bundle),
            Target::Item { item, .. } => {
                items.insert(item);
            }
            Target::Recipe { recipe, .. } => {
                if let Some((slug, _)) = catalog.recipes.get_key_value(recipe) {
                    out.recipes.insert(slug);
                }
            }
        }
    }
    items.extend(event.decisions.iter().map(|d| d.item.as_str()));
    while let Some(slug) = pending.pop() {
        let Some((key, bundle)) = catalog.bundles.get_key_value(slug) else {
            continue;
        };
        if !out.bundles.insert(key) {
            continue;
        }
        for line in &bundle.contents {
            match line {
                BundleLine::Item { item, .. } => {
                    items.insert(item);
                }
                BundleLine::Bundle { bundle, .. } => pending.push(bundle),
                BundleLine::Material { material, .. } => {
                    if let Some((slug, _)) = catalog.materials.get_key_value(material) {
                        out.materials.insert(slug);
                    }
                }
            }
        }
    }
    for item in &items {
        if let Some(recipe) = owners.recipe_of(item) {
            out.recipes.insert(&recipe.slug);
        }
    }
    let mut pending: Vec<&str> = out.recipes.iter().copied().collect();
    while let Some(slug) = pending.pop() {
        let Some(recipe) = catalog.recipes.get(slug) else {
            continue;
        };
        for component in &recipe.components {
            if let Some((key, _)) = catalog.recipes.get_key_value(&component.recipe)
                && out.recipes.insert(key)
            {
                pending.push(key);
            }
        }
    }
    // Every finished item of a reached recipe may come from stock or count as surplus.
    let mut reached_items: Vec<&str> = Vec::new();
    for recipe in out.recipes.iter().filter_map(|r| catalog.recipes.get(*r)) {
        for line in &recipe.ingredients {
            if let Some((slug, _)) = catalog.ingredients.get_key_value(&line.ingredient) {
                out.ingredients.insert(slug);
            }
        }
        reached_items.extend(recipe.yields.iter().map(|y| y.slug.as_str()));
    }
    let mut products = Vec::new();
    let mut inventory = Vec::new();
    let mut collect = |of: Stocked, with_products: bool| {
        if with_products && let Some(found) = owners.products.get(&of) {
            products.extend_from_slice(found);
        }
        if let Some(found) = owners.inventory.get(&of) {
            inventory.extend_from_slice(found);
        }
    };
    for slug in &out.ingredients {
        collect(Stocked::Ingredient((*slug).to_owned()), true);
    }
    for slug in &out.materials {
        collect(Stocked::Material((*slug).to_owned()), true);
    }
    for slug in reached_items {
        collect(Stocked::Item(slug.to_owned()), false);
    }
    for slug in &out.bundles {
        collect(Stocked::Bundle((*slug).to_owned()), false);
    }
    for slug in &out.recipes {
        collect(Stocked::Recipe((*slug).to_owned()), false);
    }
    products.sort_unstable();
    inventory.sort_unstable();
    out.suppliers = products
        .iter()
        .filter_map(|&i| catalog.products[i].supplier.as_deref())
        .filter_map(|name| {
            catalog
                .suppliers
                .get_key_value(name)
                .map(|(k, _)| k.as_str())
        })
        .collect();
    out.products = products;
    out.inventory = inventory;
    out
}

/// The part of `catalog` that planning `event` reads, as a catalogue of its own.
pub fn subset(catalog: &Catalog, event: &Event) -> Catalog {
    let owners = Owners::new(catalog);
    let reached = reach(catalog, &owners, event);
    let pick =
        |slugs: &BTreeSet<&str>| -> Vec<Slug> { slugs.iter().map(|s| (*s).to_owned()).collect() };
    Catalog {
        settings: catalog.settings.clone(),
        ingredients: pick(&reached.ingredients)
            .into_iter()
            .filter_map(|s| catalog.ingredients.get(&s).map(|v| (s, v.clone())))
            .collect(),
        materials: pick(&reached.materials)
            .into_iter()
            .filter_map(|s| catalog.materials.get(&s).map(|v| (s, v.clone())))
            .collect(),
        suppliers: reached
            .suppliers
            .iter()
            .filter_map(|s| catalog.suppliers.get_key_value(*s))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        products: reached
            .products
            .iter()
            .map(|&i| catalog.products[i].clone())
            .collect(),
        inventory: reached
            .inventory
            .iter()
            .map(|&i| catalog.inventory[i].clone())
            .collect(),
        recipes: pick(&reached.recipes)
            .into_iter()
            .filter_map(|s| catalog.recipes.get(&s).map(|v| (s, v.clone())))
            .collect(),
        bundles: pick(&reached.bundles)
            .into_iter()
            .filter_map(|s| catalog.bundles.get(&s).map(|v| (s, v.clone())))
            .collect(),
        events: std::iter::once((event.slug.clone(), event.clone())).collect(),
    }
}
