//! Loading a catalogue directory: find the table sources, read them into located trees,
//! attach CSV line tables to their parents, convert every record, then check references,
//! cycles and uniqueness. Every problem is collected; nothing stops at the first.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::diag::{Diagnostic, Loc, did_you_mean};
use super::fields::{Bound, Fields};
use super::model::fields;
use super::model::*;
use super::tree::{self, Key, Node, NodeKind};
use super::units::{Density, Unit, UnitKind};

/// Options for loading.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Largest accepted file, in bytes.
    pub max_file_bytes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_file_bytes: tree::DEFAULT_MAX_FILE_BYTES,
        }
    }
}

/// Where records and lines were written, for errors found after loading (decisions).
#[derive(Debug, Clone, Default)]
pub struct Locations(BTreeMap<String, Loc>);

impl Locations {
    /// The location stored under `key` (`events/SLUG/decisions/N`, `recipes/SLUG`, …).
    pub fn get(&self, key: &str) -> Option<&Loc> {
        self.0.get(key)
    }

    fn put(&mut self, key: String, loc: &Loc) {
        self.0.entry(key).or_insert_with(|| loc.clone());
    }
}

/// A loaded, valid catalogue and where its records came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The catalogue.
    pub catalog: Catalog,
    /// Record locations for later diagnostics.
    pub locations: Locations,
    /// The files read, relative to the directory, sorted.
    pub files: Vec<String>,
}

/// Deepest nesting of sub-recipes or of bundles in bundles that a catalogue may have.
pub const MAX_NESTING: usize = 64;

/// The record tables of a catalogue, in dependency order.
pub const MAIN_TABLES: &[&str] = &[
    "settings",
    "ingredients",
    "materials",
    "products",
    "inventory",
    "recipes",
    "bundles",
    "events",
];

/// Line tables (CSV form of nested lists): table, parent table, parent key column, list field.
const LINE_TABLES: &[(&str, &str, &str, &str)] = &[
    ("recipe_yields", "recipes", "recipe", "yields"),
    ("recipe_lines", "recipes", "recipe", "ingredients"),
    ("recipe_components", "recipes", "recipe", "components"),
    ("bundle_contents", "bundles", "bundle", "contents"),
    ("targets", "events", "event", "targets"),
    ("decisions", "events", "event", "decisions"),
];

fn table_name(name: &str) -> Option<&'static str> {
    MAIN_TABLES
        .iter()
        .copied()
        .chain(LINE_TABLES.iter().map(|t| t.0))
        .find(|t| *t == name)
}

fn all_table_names() -> impl Iterator<Item = &'static str> {
    MAIN_TABLES
        .iter()
        .copied()
        .chain(LINE_TABLES.iter().map(|t| t.0))
}

/// Loads and validates the catalogue in `dir`.
pub fn load(dir: &Path, options: LoadOptions) -> Result<Loaded, Vec<Diagnostic>> {
    let mut loader = Loader::default();
    let tables = loader.read_sources(dir, options);
    let catalog = loader.convert(tables);
    loader.errors.sort();
    loader.errors.dedup();
    if loader.errors.is_empty() {
        Ok(Loaded {
            catalog,
            locations: loader.locations,
            files: loader.files,
        })
    } else {
        Err(loader.errors)
    }
}

#[derive(Default)]
struct Loader {
    errors: Vec<Diagnostic>,
    locations: Locations,
    files: Vec<String>,
    refs: Vec<PendingRef>,
    /// Tables with a file that could not be read: references into them are not checked,
    /// so one broken file does not bury the real error under follow-on ones.
    broken_tables: BTreeSet<&'static str>,
    /// Records (table, slug) that exist but failed to convert, for the same reason.
    broken_records: BTreeSet<(&'static str, String)>,
}

/// A reference to check once every table is read.
struct PendingRef {
    to: &'static str,
    slug: String,
    loc: Loc,
    table: &'static str,
    record: Option<String>,
    field: String,
}

impl Loader {
    /// Reads every table source into rows of mapping nodes, keyed by table.
    fn read_sources(
        &mut self,
        dir: &Path,
        options: LoadOptions,
    ) -> BTreeMap<&'static str, Vec<Node>> {
        let mut tables: BTreeMap<&'static str, Vec<Node>> = BTreeMap::new();
        let dir_name: Arc<str> = Arc::from(dir.display().to_string());
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.errors.push(
                    Diagnostic::new(
                        &Loc::file(&dir_name),
                        "catalogue",
                        "io",
                        format!("cannot read the catalogue directory: {e}"),
                    )
                    .hint("pass the directory that holds ingredients.yaml, recipes.yaml, …"),
                );
                return tables;
            }
        };
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let Some(file_name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned)
            else {
                continue;
            };
            if file_name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                let Some(table) = self.table_for(&file_name, &file_name, &dir_name) else {
                    continue;
                };
                let mut inner: Vec<_> = std::fs::read_dir(&path)
                    .into_iter()
                    .flatten()
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .collect();
                inner.sort();
                for file in inner {
                    let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
                        continue;
                    };
                    if matches!(
                        file.extension().and_then(|e| e.to_str()),
                        Some("yaml" | "yml")
                    ) && !name.starts_with('.')
                    {
                        let rel: Arc<str> = Arc::from(format!("{file_name}/{name}"));
                        self.read_file(&file, &rel, table, false, options, &mut tables);
                    }
                }
                continue;
            }
            let (stem, csv) = match path.extension().and_then(|e| e.to_str()) {
                Some("yaml" | "yml") => (path.file_stem(), false),
                Some("csv") => (path.file_stem(), true),
                _ => continue,
            };
            let Some(stem) = stem.and_then(|s| s.to_str()) else {
                continue;
            };
            let rel: Arc<str> = Arc::from(file_name.as_str());
            let Some(table) = self.table_for(stem, &file_name, &rel) else {
                continue;
            };
            self.read_file(&path, &rel, table, csv, options, &mut tables);
        }
        tables
    }

    fn table_for(&mut self, stem: &str, file_name: &str, file: &Arc<str>) -> Option<&'static str> {
        let table = table_name(stem);
        if table.is_none() {
            self.errors.push(
                Diagnostic::new(
                    &Loc::file(file),
                    "catalogue",
                    "unknown-table",
                    format!("{file_name} is not a catalogue table"),
                )
                .hint(did_you_mean(stem, all_table_names()).unwrap_or_else(|| {
                    format!(
                        "tables are: {}",
                        all_table_names().collect::<Vec<_>>().join(", ")
                    )
                })),
            );
        }
        table
    }

    fn read_file(
        &mut self,
        path: &Path,
        rel: &Arc<str>,
        table: &'static str,
        csv: bool,
        options: LoadOptions,
        tables: &mut BTreeMap<&'static str, Vec<Node>>,
    ) {
        self.files.push(rel.to_string());
        let read = if csv {
            tree::read_csv(path, rel, table, options.max_file_bytes)
        } else {
            tree::read_yaml(path, rel, table, options.max_file_bytes)
        };
        let root = match read {
            Ok(root) => root,
            Err(e) => {
                self.errors.push(e);
                self.broken_tables.insert(table);
                if table == "recipes" || table == "recipe_yields" {
                    self.broken_tables.insert("items");
                }
                return;
            }
        };
        let rows = tables.entry(table).or_default();
        match root.kind {
            NodeKind::Seq(items) => rows.extend(items),
            NodeKind::Map(_) => rows.push(root),
            _ => self.errors.push(
                Diagnostic::new(
                    &root.loc,
                    table,
                    "wrong-type",
                    format!("expected a list of records, found {}", root.describe()),
                )
                .hint("start each record with `- slug: ...`"),
            ),
        }
    }

    /// Moves CSV line-table rows into their parent records' list fields.
    fn attach_lines(&mut self, tables: &mut BTreeMap<&'static str, Vec<Node>>) {
        for &(line_table, parent_table, parent_key, list_field) in LINE_TABLES {
            let Some(lines) = tables.remove(line_table) else {
                continue;
            };
            let parents = tables.entry(parent_table).or_default();
            let index: HashMap<String, usize> = parents
                .iter()
                .enumerate()
                .filter_map(|(i, node)| scalar_field(node, "slug").map(|s| (s.to_owned(), i)))
                .collect();
            for line in lines {
                let NodeKind::Map(mut entries) = line.kind else {
                    self.errors.push(Diagnostic::new(
                        &line.loc,
                        line_table,
                        "wrong-type",
                        format!("expected a record, found {}", line.describe()),
                    ));
                    continue;
                };
                let Some(position) = entries.iter().position(|(k, _)| k.name == parent_key) else {
                    self.errors.push(
                        Diagnostic::new(
                            &line.loc,
                            line_table,
                            "missing-field",
                            format!("missing required field `{parent_key}`"),
                        )
                        .field(parent_key)
                        .hint(format!(
                            "say which {} this line belongs to",
                            &parent_table[..parent_table.len() - 1]
                        )),
                    );
                    continue;
                };
                let (key, parent_node) = entries.remove(position);
                let parent_slug = match &parent_node.kind {
                    NodeKind::Scalar(s) => s.clone(),
                    _ => String::new(),
                };
                let Some(&parent) = index.get(&parent_slug) else {
                    self.errors.push(
                        Diagnostic::new(
                            &key.loc,
                            line_table,
                            "unknown-reference",
                            format!(
                                "unknown {} {parent_slug:?}",
                                &parent_table[..parent_table.len() - 1]
                            ),
                        )
                        .field(parent_key)
                        .maybe_hint(did_you_mean(&parent_slug, index.keys().map(String::as_str))),
                    );
                    continue;
                };
                if let Err(e) = rename_line_columns(line_table, &line.loc, &mut entries) {
                    self.errors.push(e);
                    continue;
                }
                let line = Node {
                    loc: line.loc,
                    kind: NodeKind::Map(entries),
                };
                push_to_list(&mut parents[parent], list_field, line);
            }
        }
    }

    fn convert(&mut self, mut tables: BTreeMap<&'static str, Vec<Node>>) -> Catalog {
        self.attach_lines(&mut tables);
        let mut catalog = Catalog::default();
        let rows = |name: &str, tables: &mut BTreeMap<&'static str, Vec<Node>>| {
            tables.remove(name).unwrap_or_default()
        };

        let settings = rows("settings", &mut tables);
        if let Some(first) = settings.first() {
            for extra in settings.iter().skip(1) {
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
                catalog.settings = settings;
            }
        }
        for node in rows("ingredients", &mut tables) {
            match self.ingredient(&node) {
                Some((record, loc)) => {
                    self.insert_unique(
                        &mut catalog.ingredients,
                        record.slug.clone(),
                        record,
                        "ingredients",
                        &loc,
                    );
                }
                None => self.mark_broken("ingredients", &node),
            }
        }
        for node in rows("materials", &mut tables) {
            match self.material(&node) {
                Some((record, loc)) => {
                    self.insert_unique(
                        &mut catalog.materials,
                        record.slug.clone(),
                        record,
                        "materials",
                        &loc,
                    );
                }
                None => self.mark_broken("materials", &node),
            }
        }
        let mut product_keys: BTreeMap<String, Loc> = BTreeMap::new();
        let mut preferred: BTreeMap<Stocked, Loc> = BTreeMap::new();
        for node in rows("products", &mut tables) {
            if let Some(product) = self.product(&node) {
                let key = product.key();
                if let Some(first) = product_keys.get(&key) {
                    self.errors.push(
                        Diagnostic::new(&node.loc, "products", "duplicate-record", format!("product {:?}{} of {} {} is listed twice", product.name, product.brand.as_deref().map(|b| format!(" by {b}")).unwrap_or_default(), product.of.kind(), product.of.slug()))
                            .record(Some(&product.name))
                            .hint(format!("first listed at {first}; remove one, or tell them apart by name or brand")),
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
                catalog.products.push(product);
            }
        }
        for node in rows("inventory", &mut tables) {
            if let Some(row) = self.stock_row(&node) {
                catalog.inventory.push(row);
            }
        }
        let mut item_locs: BTreeMap<String, (String, Loc)> = BTreeMap::new();
        let mut component_edges: Vec<(String, String, Loc)> = Vec::new();
        for node in rows("recipes", &mut tables) {
            let converted = self.recipe(&node, &mut component_edges);
            if converted
                .as_ref()
                .is_none_or(|(recipe, _)| recipe.yields.len() < list_len(&node, "yields"))
            {
                self.mark_broken("recipes", &node);
            }
            if let Some((recipe, loc)) = converted {
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
                if !self.insert_unique(
                    &mut catalog.recipes,
                    recipe.slug.clone(),
                    recipe,
                    "recipes",
                    &loc,
                ) {
                    self.mark_broken("recipes", &node);
                }
            }
        }
        let mut bundle_edges: Vec<(String, String, Loc)> = Vec::new();
        for node in rows("bundles", &mut tables) {
            match self.bundle(&node, &mut bundle_edges) {
                Some((bundle, loc)) => {
                    self.insert_unique(
                        &mut catalog.bundles,
                        bundle.slug.clone(),
                        bundle,
                        "bundles",
                        &loc,
                    );
                }
                None => self.mark_broken("bundles", &node),
            }
        }
        for node in rows("events", &mut tables) {
            if let Some((event, loc)) = self.event(&node) {
                self.insert_unique(
                    &mut catalog.events,
                    event.slug.clone(),
                    event,
                    "events",
                    &loc,
                );
            }
        }
        self.check_refs(&catalog);
        self.check_units(&catalog);
        for (table, what, edges) in [
            ("recipes", "recipe", &component_edges),
            ("bundles", "bundle", &bundle_edges),
        ] {
            if self.check_cycles(table, what, edges) {
                self.check_depth(table, what, edges);
            }
        }
        resolve_reporting_units(&mut catalog);
        catalog
    }

    /// Remembers a record that failed to convert (and, for recipes, the items it yields) so
    /// that references to it are not reported as unknown.
    fn mark_broken(&mut self, table: &'static str, node: &Node) {
        if let Some(slug) = scalar_field(node, "slug") {
            self.broken_records.insert((table, slug.to_owned()));
        }
        if table == "recipes"
            && let NodeKind::Map(entries) = &node.kind
        {
            {
                for (_, value) in entries.iter().filter(|(k, _)| k.name == "yields") {
                    if let NodeKind::Seq(items) = &value.kind {
                        for item in items {
                            if let Some(slug) = scalar_field(item, "slug") {
                                self.broken_records.insert(("items", slug.to_owned()));
                            }
                        }
                    }
                }
            }
        }
    }

    fn insert_unique<T>(
        &mut self,
        map: &mut BTreeMap<Slug, T>,
        slug: Slug,
        record: T,
        table: &'static str,
        loc: &Loc,
    ) -> bool {
        let key = format!("{table}/{slug}");
        if let Some(first) = self
            .locations
            .get(&key)
            .filter(|first| *first != loc)
            .cloned()
        {
            self.errors.push(
                Diagnostic::new(
                    loc,
                    table,
                    "duplicate-slug",
                    format!("slug {slug:?} is used twice"),
                )
                .record(Some(&slug))
                .field("slug")
                .hint(format!("first defined at {first}; rename one of them")),
            );
            return false;
        }
        self.locations.put(key, loc);
        map.insert(slug, record);
        true
    }

    fn reference(
        &mut self,
        fields: &mut Fields<'_>,
        name: &str,
        to: &'static str,
    ) -> Option<String> {
        let (slug, loc) = fields.req_slug(name)?;
        self.refs.push(PendingRef {
            to,
            slug: slug.clone(),
            loc,
            table: fields.table(),
            record: fields.record().map(str::to_owned),
            field: fields.path(name),
        });
        Some(slug)
    }

    fn finish(&mut self, fields: Fields<'_>) {
        self.errors.extend(fields.finish());
    }

    fn settings(&mut self, node: &Node) -> Option<Settings> {
        let mut f = Fields::open(
            node,
            "settings",
            fields::SETTINGS,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let defaults = Settings::default();
        let currency = f.opt_text("currency").unwrap_or(defaults.currency);
        let waste_warn_pct = f
            .decimal("waste_warn_pct", Bound::NonNegative)
            .unwrap_or(defaults.waste_warn_pct);
        let decimals = match f.whole("decimals", 0) {
            Some(d) if d > 9 => {
                let loc = f.loc().clone();
                f.error(
                    &loc,
                    "decimals",
                    "out-of-range",
                    format!("{d} decimals is more than 9"),
                    None,
                );
                defaults.decimals
            }
            Some(d) => d as u32,
            None => defaults.decimals,
        };
        self.finish(f);
        Some(Settings {
            currency,
            waste_warn_pct,
            decimals,
        })
    }

    fn ingredient(&mut self, node: &Node) -> Option<(Ingredient, Loc)> {
        let mut f = Fields::open(
            node,
            "ingredients",
            fields::INGREDIENTS,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let slug = f.req_slug("slug");
        if let Some((slug, _)) = &slug {
            f.set_record(slug);
        }
        let name = f.req_text("name", "Flour, all-purpose");
        let category = f
            .opt_text("category")
            .unwrap_or_else(|| "Uncategorized".to_owned());
        let density = f
            .text("density")
            .and_then(|(text, loc)| match Density::parse(&text) {
                Ok(d) => Some(d),
                Err(message) => {
                    f.error(
                        &loc,
                        "density",
                        "bad-density",
                        message,
                        Some("write it as \"1 cup = 4.25 oz\": a volume = a mass".to_owned()),
                    );
                    None
                }
            });
        let unit = f.unit("unit");
        let loc = f.loc().clone();
        self.finish(f);
        let (slug, _) = slug?;
        Some((
            Ingredient {
                slug,
                name: name?,
                category,
                density,
                reporting_unit: unit.unwrap_or(Unit::G),
                unit,
            },
            loc,
        ))
    }

    fn material(&mut self, node: &Node) -> Option<(Material, Loc)> {
        let mut f = Fields::open(
            node,
            "materials",
            fields::MATERIALS,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let slug = f.req_slug("slug");
        if let Some((slug, _)) = &slug {
            f.set_record(slug);
        }
        let name = f.req_text("name", "Holiday tin");
        let category = f
            .opt_text("category")
            .unwrap_or_else(|| "Packaging".to_owned());
        let unit = match f.text("unit") {
            None => Some(Unit::Each),
            Some((text, loc)) => {
                let unit = f.unit("unit");
                if let Some(u) = unit.filter(|u| {
                    !matches!(
                        u.kind(),
                        UnitKind::Count | UnitKind::Length | UnitKind::Area
                    )
                }) {
                    f.error(&loc, "unit", "bad-unit-kind", format!("{text:?} is a {:?} unit; packaging is counted (each) or measured in length or area", u.kind()), Some("use each, cm, m, in, ft, yd, cm2, in2 or ft2".to_owned()));
                    None
                } else {
                    unit
                }
            }
        };
        let loc = f.loc().clone();
        self.finish(f);
        let (slug, _) = slug?;
        Some((
            Material {
                slug,
                name: name?,
                category,
                unit: unit?,
            },
            loc,
        ))
    }

    fn stocked(&mut self, f: &mut Fields<'_>, choices: &[&'static str]) -> Option<Stocked> {
        let kind = f.one_of(choices)?;
        let to = match kind {
            "ingredient" => "ingredients",
            "material" => "materials",
            "item" => "items",
            _ => "bundles",
        };
        let slug = self.reference(f, kind, to)?;
        Some(match kind {
            "ingredient" => Stocked::Ingredient(slug),
            "material" => Stocked::Material(slug),
            "item" => Stocked::Item(slug),
            _ => Stocked::Bundle(slug),
        })
    }

    fn product(&mut self, node: &Node) -> Option<Product> {
        let mut f = Fields::open(
            node,
            "products",
            fields::PRODUCTS,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let name = f.req_text("name", "All-purpose flour 25 lb");
        if let Some(name) = &name {
            f.set_record(name);
        }
        let of = self.stocked(&mut f, &["ingredient", "material"]);
        let brand = f.opt_text("brand");
        let pack = f.quantity("pack", "pack_unit", Bound::Positive, None);
        let price = f.decimal("price", Bound::NonNegative);
        let preferred = f.flag("preferred");
        let min_packs = f
            .whole("min_packs", 1)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        self.finish(f);
        Some(Product {
            of: of?,
            name: name?,
            brand,
            pack: pack?,
            price,
            preferred,
            min_packs,
        })
    }

    fn stock_row(&mut self, node: &Node) -> Option<StockRow> {
        let mut f = Fields::open(
            node,
            "inventory",
            fields::INVENTORY,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let of = self.stocked(&mut f, &["ingredient", "material", "item", "bundle"]);
        if let Some(of) = &of {
            f.set_record(&format!("{} {}", of.kind(), of.slug()));
        }
        let counted = matches!(of, Some(Stocked::Item(_) | Stocked::Bundle(_)));
        let qty = f.quantity(
            "qty",
            "unit",
            Bound::NonNegative,
            counted.then_some(Unit::Each),
        );
        if let (true, Some(q)) = (counted, qty)
            && (q.unit.kind() != UnitKind::Count || !(q.value * q.unit.factor()).fract().is_zero())
        {
            {
                let loc = f.loc().clone();
                f.error(
                    &loc,
                    "qty",
                    "not-whole",
                    format!("baked items and bundles are counted in whole pieces, not {q}"),
                    Some("write a whole number of pieces".to_owned()),
                );
            }
        }
        let expires = f.date("expires");
        let location = f.opt_text("location");
        self.finish(f);
        Some(StockRow {
            of: of?,
            qty: qty?,
            expires,
            location,
        })
    }

    fn recipe(
        &mut self,
        node: &Node,
        edges: &mut Vec<(String, String, Loc)>,
    ) -> Option<(Recipe, Loc)> {
        let mut f = Fields::open(
            node,
            "recipes",
            fields::RECIPES,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let slug = f.req_slug("slug");
        if let Some((slug, _)) = &slug {
            f.set_record(slug);
        }
        let name = f.req_text("name", "Chocolate chip cookies");
        let category = f
            .opt_text("category")
            .unwrap_or_else(|| "Uncategorized".to_owned());
        let notes = f.opt_text("notes");
        let time_minutes = f
            .whole("time_minutes", 0)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        let loss_pct = f
            .decimal("loss_pct", Bound::PercentBelowHundred)
            .unwrap_or(Decimal::ZERO);
        let record = f.record().map(str::to_owned);
        let mut yields = Vec::new();
        for (i, line) in f.list("yields").iter().enumerate() {
            let Some(mut lf) = Fields::open(
                line,
                "recipes",
                &["slug", "name", "per_batch", "portion_pct"],
                format!("yields[{}].", i + 1),
                record.clone(),
                &mut self.errors,
            ) else {
                continue;
            };
            let item = lf.req_slug("slug");
            let item_name = lf.opt_text("name");
            let size = match lf.one_of(&["per_batch", "portion_pct"]) {
                Some("per_batch") => lf
                    .decimal("per_batch", Bound::Positive)
                    .map(YieldSize::PerBatch),
                Some(_) => lf
                    .decimal("portion_pct", Bound::PercentOfWhole)
                    .map(YieldSize::PortionPct),
                None => None,
            };
            if let Some((item, loc)) = &item {
                self.locations.put(format!("items/{item}"), loc);
            }
            let item_name = item_name.or_else(|| name.clone());
            self.finish(lf);
            if let (Some((slug, _)), Some(size), Some(name)) = (item, size, item_name) {
                yields.push(Yield { slug, name, size });
            }
        }
        let mut ingredients = Vec::new();
        for (i, line) in f.list("ingredients").iter().enumerate() {
            let Some(mut lf) = Fields::open(
                line,
                "recipes",
                &["ingredient", "qty", "unit", "note"],
                format!("ingredients[{}].", i + 1),
                record.clone(),
                &mut self.errors,
            ) else {
                continue;
            };
            let ingredient = self.reference(&mut lf, "ingredient", "ingredients");
            let qty = lf.quantity("qty", "unit", Bound::Positive, None);
            if let Some(q) =
                qty.filter(|q| matches!(q.unit.kind(), UnitKind::Length | UnitKind::Area))
            {
                let loc = lf.loc().clone();
                lf.error(
                    &loc,
                    "unit",
                    "bad-unit-kind",
                    format!("{} is a packaging unit, not a kitchen measure", q.unit),
                    Some("measure ingredients by mass, volume or count".to_owned()),
                );
            }
            let note = lf.opt_text("note");
            self.finish(lf);
            if let (Some(ingredient), Some(qty)) = (ingredient, qty) {
                ingredients.push(RecipeLine {
                    ingredient,
                    qty,
                    note,
                });
            }
        }
        let mut components = Vec::new();
        for (i, line) in f.list("components").iter().enumerate() {
            let Some(mut lf) = Fields::open(
                line,
                "recipes",
                &["recipe", "batches", "note"],
                format!("components[{}].", i + 1),
                record.clone(),
                &mut self.errors,
            ) else {
                continue;
            };
            let child = self.reference(&mut lf, "recipe", "recipes");
            let batches = lf.req_decimal("batches", Bound::Positive);
            let note = lf.opt_text("note");
            let loc = lf.loc().clone();
            self.finish(lf);
            if let (Some(child), Some(batches), Some((parent, _))) = (child, batches, &slug) {
                edges.push((parent.clone(), child.clone(), loc));
                components.push(Component {
                    recipe: child,
                    batches,
                    note,
                });
            }
        }
        let loc = f.loc().clone();
        self.finish(f);
        let (slug, _) = slug?;
        Some((
            Recipe {
                slug,
                name: name?,
                category,
                notes,
                time_minutes,
                loss_pct,
                yields,
                ingredients,
                components,
            },
            loc,
        ))
    }

    fn bundle(
        &mut self,
        node: &Node,
        edges: &mut Vec<(String, String, Loc)>,
    ) -> Option<(Bundle, Loc)> {
        let mut f = Fields::open(
            node,
            "bundles",
            fields::BUNDLES,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let slug = f.req_slug("slug");
        if let Some((slug, _)) = &slug {
            f.set_record(slug);
        }
        let name = f.req_text("name", "Holiday tin");
        let instructions = f.opt_text("instructions");
        let record = f.record().map(str::to_owned);
        let lines = f.list("contents");
        if lines.is_empty() {
            let loc = f.loc().clone();
            f.error(
                &loc,
                "contents",
                "empty-bundle",
                "a bundle needs at least one content line",
                Some("add `contents:` with `- item: SLUG` and `qty: N` lines".to_owned()),
            );
        }
        let mut contents = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let Some(mut lf) = Fields::open(
                line,
                "bundles",
                &["item", "bundle", "material", "qty"],
                format!("contents[{}].", i + 1),
                record.clone(),
                &mut self.errors,
            ) else {
                continue;
            };
            let content = match lf.one_of(&["item", "bundle", "material"]) {
                Some("material") => {
                    let material = self.reference(&mut lf, "material", "materials");
                    let qty = lf.req_decimal("qty", Bound::Positive);
                    material
                        .zip(qty)
                        .map(|(material, qty)| BundleLine::Material { material, qty })
                }
                Some(kind) => {
                    let slug_ref = self.reference(
                        &mut lf,
                        kind,
                        if kind == "item" { "items" } else { "bundles" },
                    );
                    let qty = lf.req_whole("qty", 1);
                    let loc = lf.loc().clone();
                    match (kind, slug_ref, qty) {
                        ("item", Some(item), Some(qty)) => Some(BundleLine::Item { item, qty }),
                        (_, Some(bundle), Some(qty)) => {
                            if let Some((parent, _)) = &slug {
                                edges.push((parent.clone(), bundle.clone(), loc));
                            }
                            Some(BundleLine::Bundle { bundle, qty })
                        }
                        _ => None,
                    }
                }
                None => None,
            };
            self.finish(lf);
            contents.extend(content);
        }
        let loc = f.loc().clone();
        self.finish(f);
        let (slug, _) = slug?;
        Some((
            Bundle {
                slug,
                name: name?,
                instructions,
                contents,
            },
            loc,
        ))
    }

    fn event(&mut self, node: &Node) -> Option<(Event, Loc)> {
        let mut f = Fields::open(
            node,
            "events",
            fields::EVENTS,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let slug = f.req_slug("slug");
        if let Some((slug, _)) = &slug {
            f.set_record(slug);
        }
        let name = f.req_text("name", "Holiday market");
        let date = f.date("date");
        if date.is_none() && !f.has("date") {
            let loc = f.loc().clone();
            f.error(
                &loc,
                "date",
                "missing-field",
                "missing required field `date`",
                Some("add `date: 2026-12-24`".to_owned()),
            );
        }
        let overage_pct = f
            .decimal("overage_pct", Bound::NonNegative)
            .unwrap_or(Decimal::ZERO);
        let record = f.record().map(str::to_owned);
        let mut targets = Vec::new();
        for (i, line) in f.list("targets").iter().enumerate() {
            let Some(mut lf) = Fields::open(
                line,
                "events",
                &["bundle", "item", "recipe", "qty", "batches"],
                format!("targets[{}].", i + 1),
                record.clone(),
                &mut self.errors,
            ) else {
                continue;
            };
            let target = match lf.one_of(&["bundle", "item", "recipe"]) {
                Some("recipe") => {
                    let recipe = self.reference(&mut lf, "recipe", "recipes");
                    let batches = lf.req_decimal("batches", Bound::Positive);
                    recipe
                        .zip(batches)
                        .map(|(recipe, batches)| Target::Recipe { recipe, batches })
                }
                Some("item") => {
                    let item = self.reference(&mut lf, "item", "items");
                    let qty = lf.req_whole("qty", 1);
                    item.zip(qty).map(|(item, qty)| Target::Item { item, qty })
                }
                Some(_) => {
                    let bundle = self.reference(&mut lf, "bundle", "bundles");
                    let qty = lf.req_whole("qty", 1);
                    bundle
                        .zip(qty)
                        .map(|(bundle, qty)| Target::Bundle { bundle, qty })
                }
                None => None,
            };
            if let (Some(event), Some(_)) = (&record, &target) {
                self.locations.put(
                    format!("events/{event}/targets/{}", targets.len()),
                    lf.loc(),
                );
            }
            self.finish(lf);
            targets.extend(target);
        }
        let mut decisions = Vec::new();
        for (i, line) in f.list("decisions").iter().enumerate() {
            let Some(mut lf) = Fields::open(
                line,
                "events",
                &["item", "batches", "confirm_shortfall"],
                format!("decisions[{}].", i + 1),
                record.clone(),
                &mut self.errors,
            ) else {
                continue;
            };
            let item = self.reference(&mut lf, "item", "items");
            let batches = lf.req_whole("batches", 0);
            let confirm_shortfall = lf.flag("confirm_shortfall");
            if let (Some(event), Some(_), Some(_)) = (&record, &item, &batches) {
                self.locations.put(
                    format!("events/{event}/decisions/{}", decisions.len()),
                    lf.loc(),
                );
            }
            self.finish(lf);
            if let (Some(item), Some(batches)) = (item, batches) {
                if decisions.iter().any(|d: &Decision| d.item == item) {
                    let loc = line.loc.clone();
                    self.errors.push(
                        Diagnostic::new(
                            &loc,
                            "events",
                            "duplicate-decision",
                            format!("item {item} has two decisions"),
                        )
                        .record(record.as_deref())
                        .field(&format!("decisions[{}].item", i + 1))
                        .hint("keep one decision per finished item"),
                    );
                    continue;
                }
                decisions.push(Decision {
                    item,
                    batches,
                    confirm_shortfall,
                });
            }
        }
        let loc = f.loc().clone();
        self.finish(f);
        let (slug, _) = slug?;
        Some((
            Event {
                slug,
                name: name?,
                date: date?,
                overage_pct,
                targets,
                decisions,
            },
            loc,
        ))
    }

    fn check_refs(&mut self, catalog: &Catalog) {
        let items = catalog.items();
        let known = |to: &str| -> Vec<&str> {
            match to {
                "ingredients" => catalog.ingredients.keys().map(String::as_str).collect(),
                "materials" => catalog.materials.keys().map(String::as_str).collect(),
                "recipes" => catalog.recipes.keys().map(String::as_str).collect(),
                "bundles" => catalog.bundles.keys().map(String::as_str).collect(),
                _ => items.keys().copied().collect(),
            }
        };
        for r in std::mem::take(&mut self.refs) {
            let candidates = known(r.to);
            if candidates.binary_search(&r.slug.as_str()).is_ok()
                || self.broken_tables.contains(r.to)
                || self.broken_records.contains(&(r.to, r.slug.clone()))
            {
                continue;
            }
            let what = match r.to {
                "items" => "finished item",
                other => &other[..other.len() - 1],
            };
            let mut hint = did_you_mean(&r.slug, candidates.iter().copied());
            if hint.is_none() && r.to == "items" && catalog.recipes.contains_key(&r.slug) {
                hint = Some(format!(
                    "{:?} is a recipe; name one of the finished items it yields",
                    r.slug
                ));
            }
            let hint = hint.unwrap_or_else(|| {
                format!(
                    "add the {what} to {}, or fix the slug",
                    if r.to == "items" {
                        "a recipe's yields"
                    } else {
                        r.to
                    }
                )
            });
            self.errors.push(
                Diagnostic::new(
                    &r.loc,
                    r.table,
                    "unknown-reference",
                    format!("unknown {what} {:?}", r.slug),
                )
                .record(r.record.as_deref())
                .field(&r.field)
                .hint(hint),
            );
        }
    }

    /// Products and stock of materials must be in the material's kind of unit.
    fn check_units(&mut self, catalog: &Catalog) {
        let mut problems = Vec::new();
        let material_kind = |slug: &str| catalog.materials.get(slug).map(|m| m.unit.kind());
        for product in &catalog.products {
            match &product.of {
                Stocked::Material(m)
                    if material_kind(m).is_some_and(|k| k != product.pack.unit.kind()) =>
                {
                    problems.push((format!("products/{}", product.key()), "products", product.name.clone(), "pack", format!("pack {} cannot be measured against material {m}, which is counted in {}", product.pack, catalog.materials[m].unit)));
                }
                Stocked::Ingredient(_)
                    if matches!(product.pack.unit.kind(), UnitKind::Length | UnitKind::Area) =>
                {
                    problems.push((
                        format!("products/{}", product.key()),
                        "products",
                        product.name.clone(),
                        "pack",
                        format!(
                            "pack {} is a packaging measure, not an ingredient amount",
                            product.pack
                        ),
                    ));
                }
                _ => {}
            }
        }
        for (key, table, record, field, message) in problems {
            let loc = self
                .locations
                .get(&key)
                .cloned()
                .unwrap_or_else(|| Loc::file(&Arc::from("products")));
            self.errors.push(
                Diagnostic::new(&loc, table, "bad-unit-kind", message)
                    .record(Some(&record))
                    .field(field)
                    .hint("write the pack in the material's unit (or a convertible one)"),
            );
        }
    }

    /// Reports every cycle in a graph of (parent, child, edge location) once, with its path.
    /// Nesting deeper than [`MAX_NESTING`] levels is an error (only called on a graph
    /// without cycles): deeper trees are no real bakery's and would risk the stack.
    fn check_depth(&mut self, table: &'static str, what: &str, edges: &[(String, String, Loc)]) {
        let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (parent, child, _) in edges {
            graph.entry(parent).or_default().push(child);
        }
        // Longest chain below each node, children first (iterative post-order).
        let mut depth: HashMap<&str, usize> = HashMap::new();
        for &start in graph.keys() {
            let mut stack = vec![(start, false)];
            while let Some((node, expanded)) = stack.pop() {
                if depth.contains_key(node) {
                    continue;
                }
                let children = graph.get(node).map_or(&[][..], Vec::as_slice);
                if expanded {
                    let below = children
                        .iter()
                        .map(|c| depth.get(c).copied().unwrap_or(0))
                        .max()
                        .map_or(0, |d| d + 1);
                    depth.insert(node, below);
                } else {
                    stack.push((node, true));
                    stack.extend(
                        children
                            .iter()
                            .filter(|c| !depth.contains_key(*c))
                            .map(|c| (*c, false)),
                    );
                }
            }
        }
        let mut reported = std::collections::HashSet::new();
        for (parent, _, loc) in edges {
            if depth.get(parent.as_str()).copied().unwrap_or(0) > MAX_NESTING
                && graph
                    .values()
                    .all(|children| !children.contains(&parent.as_str()))
                && reported.insert(parent.as_str())
            {
                self.errors.push(
                    Diagnostic::new(
                        loc,
                        table,
                        "too-deep",
                        format!("{what} {parent} nests more than {MAX_NESTING} levels deep"),
                    )
                    .record(Some(parent))
                    .field(if table == "recipes" {
                        "components"
                    } else {
                        "contents"
                    })
                    .hint(format!(
                        "flatten the {what}s: at most {MAX_NESTING} levels of nesting"
                    )),
                );
            }
        }
    }

    /// Reports every cycle once with its path; true when there is none.
    fn check_cycles(
        &mut self,
        table: &'static str,
        what: &str,
        edges: &[(String, String, Loc)],
    ) -> bool {
        let before = self.errors.len();
        let mut graph: BTreeMap<&str, Vec<(&str, &Loc)>> = BTreeMap::new();
        for (parent, child, loc) in edges {
            graph.entry(parent).or_default().push((child, loc));
        }
        // Iterative depth-first search; 0 unvisited, 1 on the stack, 2 done.
        let mut state: HashMap<&str, u8> = HashMap::new();
        let mut seen_cycles: BTreeSet<Vec<&str>> = BTreeSet::new();
        for &start in graph.keys() {
            if state.get(start).copied().unwrap_or(0) != 0 {
                continue;
            }
            let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
            state.insert(start, 1);
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let children = graph.get(node).map_or(&[][..], Vec::as_slice);
                if let Some(&(child, loc)) = children.get(*next) {
                    *next += 1;
                    match state.get(child).copied().unwrap_or(0) {
                        0 => {
                            state.insert(child, 1);
                            stack.push((child, 0));
                        }
                        1 => {
                            let begin = stack.iter().position(|(n, _)| *n == child).unwrap_or(0);
                            let mut cycle: Vec<&str> =
                                stack[begin..].iter().map(|(n, _)| *n).collect();
                            let mut key = cycle.clone();
                            key.sort_unstable();
                            if seen_cycles.insert(key) {
                                cycle.push(child);
                                self.errors.push(
                                    Diagnostic::new(loc, table, "cycle", format!("{what} cycle: {}", cycle.join(" → ")))
                                        .record(Some(node))
                                        .field(if table == "recipes" { "components" } else { "contents" })
                                        .hint(format!("a {what} cannot contain itself; remove the {child} line from {node}")),
                                );
                            }
                        }
                        _ => {}
                    }
                } else {
                    state.insert(node, 2);
                    stack.pop();
                }
            }
        }
        self.errors.len() == before
    }
}

fn scalar_field<'a>(node: &'a Node, name: &str) -> Option<&'a str> {
    match &node.kind {
        NodeKind::Map(entries) => {
            entries
                .iter()
                .find(|(k, _)| k.name == name)
                .and_then(|(_, v)| match &v.kind {
                    NodeKind::Scalar(s) => Some(s.as_str()),
                    _ => None,
                })
        }
        _ => None,
    }
}

fn list_len(node: &Node, field: &str) -> usize {
    match &node.kind {
        NodeKind::Map(entries) => {
            entries
                .iter()
                .find(|(k, _)| k.name == field)
                .map_or(0, |(_, v)| match &v.kind {
                    NodeKind::Seq(items) => items.len(),
                    NodeKind::Map(_) => 1,
                    _ => 0,
                })
        }
        _ => 0,
    }
}

fn push_to_list(parent: &mut Node, field: &str, line: Node) {
    let NodeKind::Map(entries) = &mut parent.kind else {
        return;
    };
    if let Some((_, existing)) = entries.iter_mut().find(|(k, _)| k.name == field) {
        match &mut existing.kind {
            NodeKind::Seq(items) => items.push(line),
            _ => {
                *existing = Node {
                    loc: existing.loc.clone(),
                    kind: NodeKind::Seq(vec![line]),
                }
            }
        }
        return;
    }
    let loc = line.loc.clone();
    entries.push((
        Key {
            name: field.to_owned(),
            loc: loc.clone(),
        },
        Node {
            loc,
            kind: NodeKind::Seq(vec![line]),
        },
    ));
}

/// Rewrites CSV line columns into the YAML field names: `component` → `recipe`,
/// `kind` + `item` → `item`/`bundle`/`material`/`recipe`, recipe targets' `qty` → `batches`.
fn rename_line_columns(
    table: &'static str,
    line_loc: &Loc,
    entries: &mut Vec<(Key, Node)>,
) -> Result<(), Diagnostic> {
    let rename = |entries: &mut Vec<(Key, Node)>, from: &str, to: &str| {
        if let Some((key, _)) = entries.iter_mut().find(|(k, _)| k.name == from) {
            key.name = to.to_owned();
        }
    };
    match table {
        "recipe_components" => rename(entries, "component", "recipe"),
        "bundle_contents" | "targets" => {
            let allowed: &[&str] = if table == "targets" {
                &["item", "bundle", "recipe"]
            } else {
                &["item", "bundle", "material"]
            };
            let Some(index) = entries.iter().position(|(k, _)| k.name == "kind") else {
                return Err(Diagnostic::new(
                    line_loc,
                    table,
                    "missing-field",
                    "missing required field `kind`",
                )
                .field("kind")
                .hint(format!("kind is one of {}", allowed.join(", "))));
            };
            let (key, value) = entries.remove(index);
            let kind = match &value.kind {
                NodeKind::Scalar(s) => s.trim().to_ascii_lowercase(),
                _ => String::new(),
            };
            if !allowed.contains(&kind.as_str()) {
                return Err(Diagnostic::new(
                    &key.loc,
                    table,
                    "bad-kind",
                    format!("unknown kind {kind:?}"),
                )
                .field("kind")
                .hint(
                    did_you_mean(&kind, allowed.iter().copied())
                        .unwrap_or_else(|| format!("kind is one of {}", allowed.join(", "))),
                ));
            }
            rename(entries, "item", &kind);
            if kind == "recipe" {
                rename(entries, "qty", "batches");
            }
        }
        _ => {}
    }
    Ok(())
}

/// Fills in each ingredient's reporting unit: its own `unit`, else the unit most of the
/// catalogue's recipe lines use (ties: mass > volume > count, then the larger unit).
pub fn resolve_reporting_units(catalog: &mut Catalog) {
    let mut counts: BTreeMap<&str, BTreeMap<Unit, usize>> = BTreeMap::new();
    for recipe in catalog.recipes.values() {
        for line in &recipe.ingredients {
            *counts
                .entry(&line.ingredient)
                .or_default()
                .entry(line.qty.unit)
                .or_default() += 1;
        }
    }
    let kind_rank = |kind: UnitKind| match kind {
        UnitKind::Mass => 0,
        UnitKind::Volume => 1,
        _ => 2,
    };
    let chosen: BTreeMap<String, Unit> = counts
        .into_iter()
        .filter_map(|(slug, units)| {
            units
                .into_iter()
                .max_by(|(a, na), (b, nb)| {
                    na.cmp(nb)
                        .then(kind_rank(b.kind()).cmp(&kind_rank(a.kind())))
                        .then(a.factor().cmp(&b.factor()))
                })
                .map(|(unit, _)| (slug.to_owned(), unit))
        })
        .collect();
    for ingredient in catalog.ingredients.values_mut() {
        ingredient.reporting_unit = ingredient
            .unit
            .or_else(|| chosen.get(&ingredient.slug).copied())
            .unwrap_or(Unit::G);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn load_files(files: &[(&str, &[u8])]) -> Result<Loaded, Vec<Diagnostic>> {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        load(dir.path(), LoadOptions::default())
    }

    /// Text made of the characters that matter to YAML and CSV, in any order.
    fn noisy() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "- ", "slug: ", "x", ": ", "\n", "  ", "[", "]", "{", "}", ",", "\"", "'", "&a ",
                "*a", "qty: ", "1.5", "-3", "cup", "#", "|", ">", "\t", "é", "\u{feff}",
            ]),
            0..60,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn no_input_panics(yaml in noisy(), csv in noisy(), bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let outcome = load_files(&[("recipes.yaml", yaml.as_bytes()), ("ingredients.csv", csv.as_bytes()), ("events.yaml", &bytes)]);
            if let Err(errors) = outcome {
                prop_assert!(!errors.is_empty());
                prop_assert!(errors.iter().all(|e| !e.message.is_empty() && !e.loc.file.is_empty()));
            }
        }
    }
}
