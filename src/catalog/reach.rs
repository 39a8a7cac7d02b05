//! What an event reaches: the part of the catalogue its plan is computed from.
//!
//! Freezing stores exactly this subset and computing reads nothing else, so it lives with
//! the catalogue where both the store and the plan stage can use it. Keeping the subset
//! minimal means an edit to an unrelated recipe does not make a plan stale. [`Owners`] is
//! built once per catalogue so that finding an event's subset costs what the event reaches,
//! not the size of the catalogue.

use foldhash::{HashMap, HashSet};

use super::{Bundle, BundleLine, Catalog, Event, Recipe, Slug, Stocked, Target};

/// What a product or stock row is of, as a lookup key: kind and slug.
type StockKey<'c> = (&'static str, &'c str);

fn stock_key(of: &Stocked) -> StockKey<'_> {
    (of.kind(), of.slug())
}

/// Reverse and hashed lookups over a catalogue: who makes an item, which products and stock
/// rows belong to what, and each record by slug.
pub struct Owners<'c> {
    items: HashMap<&'c str, &'c Recipe>,
    products: HashMap<StockKey<'c>, Vec<usize>>,
    inventory: HashMap<StockKey<'c>, Vec<usize>>,
    ingredients: HashSet<&'c str>,
    materials: HashSet<&'c str>,
    recipes: HashMap<&'c str, &'c Recipe>,
    bundles: HashMap<&'c str, &'c Bundle>,
}

impl<'c> Owners<'c> {
    /// Indexes `catalog`: O(records).
    pub fn new(catalog: &'c Catalog) -> Owners<'c> {
        let mut products: HashMap<StockKey<'c>, Vec<usize>> = HashMap::default();
        for (i, p) in catalog.products.iter().enumerate() {
            products.entry(stock_key(&p.of)).or_default().push(i);
        }
        let mut inventory: HashMap<StockKey<'c>, Vec<usize>> = HashMap::default();
        for (i, s) in catalog.inventory.iter().enumerate() {
            inventory.entry(stock_key(&s.of)).or_default().push(i);
        }
        Owners {
            items: catalog
                .recipes
                .values()
                .flat_map(|r| r.yields.iter().map(move |y| (y.slug.as_str(), r)))
                .collect(),
            products,
            inventory,
            ingredients: catalog.ingredients.keys().map(String::as_str).collect(),
            materials: catalog.materials.keys().map(String::as_str).collect(),
            recipes: catalog
                .recipes
                .iter()
                .map(|(k, r)| (k.as_str(), r))
                .collect(),
            bundles: catalog
                .bundles
                .iter()
                .map(|(k, b)| (k.as_str(), b))
                .collect(),
        }
    }

    /// The recipe that makes a finished item.
    pub fn recipe_of(&self, item: &str) -> Option<&'c Recipe> {
        self.items.get(item).copied()
    }

    fn recipe(&self, slug: &str) -> Option<(&'c str, &'c Recipe)> {
        self.recipes.get_key_value(slug).map(|(k, r)| (*k, *r))
    }
}

/// The records one event reaches, by key; products and stock rows by position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach<'c> {
    /// Ingredient slugs.
    pub ingredients: HashSet<&'c str>,
    /// Material slugs.
    pub materials: HashSet<&'c str>,
    /// Recipe slugs (with every sub-recipe).
    pub recipes: HashSet<&'c str>,
    /// Bundle slugs (with every nested bundle).
    pub bundles: HashSet<&'c str>,
    /// Positions in `catalog.products`, ascending.
    pub products: Vec<usize>,
    /// Names of the listed suppliers those products name.
    pub suppliers: HashSet<&'c str>,
    /// Positions in `catalog.inventory`, ascending.
    pub inventory: Vec<usize>,
}

/// What planning `event` reads from `catalog` (sets: callers order what they need).
pub fn reach<'c>(catalog: &'c Catalog, owners: &Owners<'c>, event: &'c Event) -> Reach<'c> {
    let mut out = Reach::default();
    let items = targets_down(owners, event, &mut out);
    for item in &items {
        if let Some(recipe) = owners.recipe_of(item) {
            out.recipes.insert(&recipe.slug);
        }
    }
    sub_recipes(owners, &mut out);
    // Every finished item of a reached recipe may come from stock or count as surplus.
    let mut reached_items: Vec<&str> = Vec::new();
    for (_, recipe) in out.recipes.iter().filter_map(|r| owners.recipe(r)) {
        for line in &recipe.ingredients {
            if let Some(slug) = owners.ingredients.get(line.ingredient.as_str()) {
                out.ingredients.insert(slug);
            }
        }
        reached_items.extend(recipe.yields.iter().map(|y| y.slug.as_str()));
    }
    stock_and_products(catalog, owners, &reached_items, &mut out);
    out
}

/// Walks the event's targets and the bundles they hold (into `out`: bundles, materials,
/// recipes targeted directly): the finished items they name, with the items of decisions.
fn targets_down<'c>(
    owners: &Owners<'c>,
    event: &'c Event,
    out: &mut Reach<'c>,
) -> HashSet<&'c str> {
    let mut items: HashSet<&str> = HashSet::default();
    let mut pending: Vec<&str> = Vec::new();
    for target in &event.targets {
        match target {
            Target::Bundle { bundle, .. } => pending.push(bundle),
            Target::Item { item, .. } => {
                items.insert(item);
            }
            Target::Recipe { recipe, .. } => {
                if let Some((slug, _)) = owners.recipe(recipe) {
                    out.recipes.insert(slug);
                }
            }
        }
    }
    items.extend(event.decisions.iter().map(|d| d.item.as_str()));
    while let Some(slug) = pending.pop() {
        let Some((key, bundle)) = owners.bundles.get_key_value(slug) else {
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
                    if let Some(slug) = owners.materials.get(material.as_str()) {
                        out.materials.insert(slug);
                    }
                }
            }
        }
    }
    items
}

/// Adds every sub-recipe of the recipes in `out`, all the way down.
fn sub_recipes<'c>(owners: &Owners<'c>, out: &mut Reach<'c>) {
    let mut pending: Vec<&str> = out.recipes.iter().copied().collect();
    while let Some(slug) = pending.pop() {
        let Some((_, recipe)) = owners.recipe(slug) else {
            continue;
        };
        for component in &recipe.components {
            if let Some((key, _)) = owners.recipe(&component.recipe)
                && out.recipes.insert(key)
            {
                pending.push(key);
            }
        }
    }
}

/// The products (of ingredients and materials) and stock rows (of everything reached) of
/// `out`, by position in the catalogue, and the suppliers of those products.
fn stock_and_products<'c>(
    catalog: &'c Catalog,
    owners: &Owners<'c>,
    reached_items: &[&'c str],
    out: &mut Reach<'c>,
) {
    let mut products = Vec::new();
    let mut inventory = Vec::new();
    let mut collect = |of: StockKey<'_>, with_products: bool| {
        if with_products && let Some(found) = owners.products.get(&of) {
            products.extend_from_slice(found);
        }
        if let Some(found) = owners.inventory.get(&of) {
            inventory.extend_from_slice(found);
        }
    };
    for slug in &out.ingredients {
        collect(("ingredient", slug), true);
    }
    for slug in &out.materials {
        collect(("material", slug), true);
    }
    for slug in reached_items {
        collect(("item", slug), false);
    }
    for slug in &out.bundles {
        collect(("bundle", slug), false);
    }
    for slug in &out.recipes {
        collect(("recipe", slug), false);
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
}

/// The part of `catalog` that planning `event` reads, as a catalogue of its own.
pub fn subset(catalog: &Catalog, event: &Event) -> Catalog {
    let owners = Owners::new(catalog);
    let reached = reach(catalog, &owners, event);
    let pick =
        |slugs: &HashSet<&str>| -> Vec<Slug> { slugs.iter().map(|s| (*s).to_owned()).collect() };
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
