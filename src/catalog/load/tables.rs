//! Converting each table's records into the catalogue, in the order the tables depend on
//! each other: settings, ingredients, materials, suppliers, products, inventory, recipes
//! (and the finished items they yield), bundles, events.

use super::*;

impl Loader {
    /// The settings: the first record (a later one is a duplicate).
    pub(super) fn convert_settings(&mut self, nodes: Vec<Node>, into: &mut Settings) {
        let Some(first) = nodes.first() else {
            return;
        };
        for extra in nodes.iter().skip(1) {
            self.errors.push(
                Diagnostic::new(
                    &extra.loc,
                    "settings",
                    "duplicate-record",
                    "settings may be given once",
                )
                .hint(format!("merge it into the settings at {}", first.loc)),
            );
        }
        if let Some(settings) = self.settings(first) {
            *into = settings;
        }
    }

    /// The records of a table keyed by slug (or name): each converted and inserted once, a
    /// record that fails to convert remembered as broken.
    pub(super) fn convert_keyed<T>(
        &mut self,
        nodes: Vec<Node>,
        (table, into): (&'static str, &mut BTreeMap<Slug, T>),
        mut convert: impl FnMut(&mut Self, &Node) -> Option<(T, Loc)>,
        key: impl Fn(&T) -> Slug,
    ) {
        for node in nodes {
            match convert(self, &node) {
                Some((record, loc)) => {
                    self.insert_unique(into, key(&record), record, table, &loc);
                }
                None => self.mark_broken(table, &node),
            }
        }
    }

    /// Products: each (thing, name, brand) once, and at most one preferred per thing.
    pub(super) fn convert_products(
        &mut self,
        nodes: Vec<Node>,
        suppliers: &BTreeMap<String, Supplier>,
    ) -> Vec<Product> {
        let mut products = Vec::new();
        let mut product_keys: BTreeMap<String, Loc> = BTreeMap::new();
        let mut preferred: BTreeMap<Stocked, Loc> = BTreeMap::new();
        for node in nodes {
            let Some(product) = self.product(&node, suppliers) else {
                continue;
            };
            let key = product.key();
            if let Some(first) = product_keys.get(&key) {
                self.errors.push(
                    Diagnostic::new(
                        &node.loc,
                        "products",
                        "duplicate-record",
                        format!(
                            "product {:?}{} of {} {} is listed twice",
                            product.name,
                            product
                                .brand
                                .as_deref()
                                .map(|b| format!(" by {b}"))
                                .unwrap_or_default(),
                            product.of.kind(),
                            product.of.slug()
                        ),
                    )
                    .record(Some(&product.name))
                    .hint(format!(
                        "first listed at {first}; remove one, or tell them apart by name or brand"
                    )),
                );
                continue;
            }
            if product.preferred {
                if let Some(first) = preferred.get(&product.of) {
                    self.errors.push(
                        Diagnostic::new(&node.loc, "products", "two-preferred", format!("{} {} has more than one preferred product", product.of.kind(), product.of.slug()))
                            .record(Some(&product.name))
                            .field("preferred")
                            .hint(format!("the other preferred product is at {first}; keep `preferred: true` on one")),
                    );
                }
                preferred.insert(product.of.clone(), node.loc.clone());
            }
            self.locations.put(format!("products/{key}"), &node.loc);
            product_keys.insert(key, node.loc.clone());
            products.push(product);
        }
        products
    }

    /// Stock rows: each lot once.
    pub(super) fn convert_inventory(&mut self, nodes: Vec<Node>) -> Vec<StockRow> {
        let mut inventory = Vec::new();
        let mut lots: BTreeMap<String, Loc> = BTreeMap::new();
        for node in nodes {
            let Some(row) = self.stock_row(&node) else {
                continue;
            };
            if let Some(lot) = &row.lot {
                if let Some(first) = lots.get(lot) {
                    self.errors.push(
                        Diagnostic::new(
                            &node.loc,
                            "inventory",
                            "duplicate-lot",
                            format!("lot {lot:?} is listed twice"),
                        )
                        .record(Some(&format!("{} {}", row.of.kind(), row.of.slug())))
                        .field("lot")
                        .hint(format!(
                            "first listed at {first}; give each stock row its own lot"
                        )),
                    );
                    continue;
                }
                lots.insert(lot.clone(), node.loc.clone());
            }
            inventory.push(row);
        }
        inventory
    }

    /// Recipes, each finished item made by one recipe only: the sub-recipe edges, for the
    /// cycle and depth checks.
    pub(super) fn convert_recipes(
        &mut self,
        nodes: Vec<Node>,
        into: &mut BTreeMap<Slug, Recipe>,
    ) -> Edges {
        let mut item_locs: BTreeMap<String, (String, Loc)> = BTreeMap::new();
        let mut component_edges: Edges = Vec::new();
        for node in nodes {
            let converted = self.recipe(&node, &mut component_edges);
            if converted
                .as_ref()
                .is_none_or(|(recipe, _)| recipe.yields.len() < list_len(&node, "yields"))
            {
                self.mark_broken("recipes", &node);
            }
            let Some((recipe, loc)) = converted else {
                continue;
            };
            for y in &recipe.yields {
                let yield_loc = self
                    .locations
                    .get(&format!("items/{}", y.slug))
                    .cloned()
                    .unwrap_or_else(|| loc.clone());
                match item_locs.get(&y.slug) {
                    Some((other, first)) if other != &recipe.slug || first != &yield_loc => self.errors.push(
                        Diagnostic::new(&yield_loc, "recipes", "duplicate-slug", format!("finished item {:?} is also made by recipe {other}", y.slug))
                            .record(Some(&recipe.slug))
                            .field("yields.slug")
                            .hint(format!("first defined at {first}; finished item slugs must be unique across recipes")),
                    ),
                    _ => {
                        item_locs.insert(y.slug.clone(), (recipe.slug.clone(), yield_loc));
                    }
                }
            }
            if !self.insert_unique(into, recipe.slug.clone(), recipe, "recipes", &loc) {
                self.mark_broken("recipes", &node);
            }
        }
        component_edges
    }
}
