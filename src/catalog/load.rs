//! Loading a catalogue directory: find the table sources, read them into located trees,
//! attach CSV line tables to their parents, convert every record, then check references,
//! cycles and uniqueness. Every problem is collected; nothing stops at the first.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use foldhash::HashSet;
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::diag::{Diagnostic, Loc, did_you_mean};
use super::dialect::{self, Delimiter, Dialect};
use super::fields::{Bound, Fields};
use super::model::fields;
use super::model::*;
use super::tree::{self, Key, Node, NodeKind};
use super::units::{Density, Unit, UnitKind};

mod checks;
mod events;
mod lines;
mod recipes;
mod records;
mod tables;

pub use checks::resolve_reporting_units;
use lines::{list_len, scalar_field};

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
    "suppliers",
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

/// How one table file is written.
#[derive(Clone, Copy)]
enum Source<'a> {
    Yaml,
    Csv(&'a Dialect),
}

/// A file of a table, to read.
struct TableFile<'a> {
    path: PathBuf,
    /// The path as errors name it, relative to the catalogue.
    rel: Arc<str>,
    table: &'static str,
    source: Source<'a>,
}

/// The YAML files of a table's directory (`recipes/*.yaml`), in name order, hidden files
/// left out.
fn yaml_files_in<'a>(dir: &Path, dir_name: &str, table: &'static str) -> Vec<TableFile<'a>> {
    let mut inner: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    inner.sort();
    inner
        .into_iter()
        .filter_map(|file| {
            let name = file.file_name().and_then(|n| n.to_str())?;
            let yaml = matches!(
                file.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            );
            (yaml && !name.starts_with('.')).then(|| TableFile {
                rel: Arc::from(format!("{dir_name}/{name}")),
                path: file.clone(),
                table,
                source: Source::Yaml,
            })
        })
        .collect()
}

/// The CSV dialect the settings file asks for (`csv_delimiter`, `date_format`). Read
/// leniently before the other tables: a bad value here is reported by the settings
/// conversion, with its location, and the default (detection, ISO dates) is used.
fn csv_dialect(paths: &[PathBuf], options: LoadOptions) -> Dialect {
    let mut dialect = Dialect::default();
    let Some(path) = paths.iter().find(|p| {
        p.file_stem().is_some_and(|s| s == "settings")
            && matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "csv")
            )
    }) else {
        return dialect;
    };
    let file: Arc<str> = Arc::from("settings");
    let read = if path.extension().is_some_and(|e| e == "csv") {
        tree::read_csv(path, &file, "settings", options.max_file_bytes, &dialect)
    } else {
        tree::read_yaml(path, &file, "settings", options.max_file_bytes)
    };
    let Ok(root) = read else { return dialect };
    let record = match root.kind {
        NodeKind::Seq(mut rows) if !rows.is_empty() => rows.swap_remove(0),
        NodeKind::Map(_) => root,
        _ => return dialect,
    };
    let NodeKind::Map(entries) = record.kind else {
        return dialect;
    };
    for (key, value) in entries {
        let NodeKind::Scalar(text) = value.kind else {
            continue;
        };
        match &*key.name {
            "csv_delimiter" => dialect.delimiter = Delimiter::parse(&text),
            "date_format" if dialect::check_date_format(&text).is_ok() => {
                dialect.date_format = Some(text);
            }
            _ => {}
        }
    }
    dialect
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

/// Edges of the recipe (or bundle) graph: parent, child, where the child is named.
type Edges = Vec<(String, String, Loc)>;

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
    /// The slugs of each table already converted in full (ingredients, materials, then
    /// recipes and their items, then bundles): a reference found among them is resolved on
    /// the spot instead of being kept for [`Loader::check_refs`] (a chain's catalogue makes
    /// hundreds of thousands of references, nearly all of them into finished tables).
    complete: HashMap<&'static str, HashSet<String>>,
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
        let dialect = csv_dialect(&paths, options);
        // In directory order.
        let mut pending: Vec<TableFile<'_>> = Vec::new();
        for path in paths {
            let Some(file_name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned)
            else {
                continue;
            };
            if file_name.starts_with('.') {
                continue;
            }
            if path.is_dir() && file_name == "journal" {
                // The kitchen journal `bakeplan export` writes; read by `record --file`.
                continue;
            }
            if path.is_dir() {
                if let Some(table) = self.table_for(&file_name, &file_name, &dir_name) {
                    pending.extend(yaml_files_in(&path, &file_name, table));
                }
                continue;
            }
            let (stem, source) = match path.extension().and_then(|e| e.to_str()) {
                Some("yaml" | "yml") => (path.file_stem(), Source::Yaml),
                Some("csv") => (path.file_stem(), Source::Csv(&dialect)),
                _ => continue,
            };
            let Some(stem) = stem.and_then(|s| s.to_str()) else {
                continue;
            };
            let rel: Arc<str> = Arc::from(file_name.as_str());
            let Some(table) = self.table_for(stem, &file_name, &rel) else {
                continue;
            };
            pending.push(TableFile {
                path,
                rel,
                table,
                source,
            });
        }
        // The files are parsed in parallel (a chain's catalogue has two files of 6 MB), and
        // taken in the order listed, so that the rows and errors do not depend on timing.
        let read: Vec<Result<Node, Diagnostic>> = pending
            .par_iter()
            .map(|f| match f.source {
                Source::Csv(dialect) => {
                    tree::read_csv(&f.path, &f.rel, f.table, options.max_file_bytes, dialect)
                }
                Source::Yaml => tree::read_yaml(&f.path, &f.rel, f.table, options.max_file_bytes),
            })
            .collect();
        for (file, read) in pending.iter().zip(read) {
            self.take_file(&file.rel, file.table, read, &mut tables);
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

    /// Takes the rows of a file read as `table` (or its error).
    fn take_file(
        &mut self,
        rel: &Arc<str>,
        table: &'static str,
        read: Result<Node, Diagnostic>,
        tables: &mut BTreeMap<&'static str, Vec<Node>>,
    ) {
        self.files.push(rel.to_string());
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

    fn convert(&mut self, mut tables: BTreeMap<&'static str, Vec<Node>>) -> Catalog {
        self.attach_lines(&mut tables);
        let mut rows = |name: &str| tables.remove(name).unwrap_or_default();
        let mut catalog = Catalog::default();
        self.convert_settings(rows("settings"), &mut catalog.settings);
        self.convert_keyed(
            rows("ingredients"),
            ("ingredients", &mut catalog.ingredients),
            Self::ingredient,
            |r| r.slug.clone(),
        );
        self.completed(
            "ingredients",
            catalog.ingredients.keys().map(String::as_str),
        );
        self.convert_keyed(
            rows("materials"),
            ("materials", &mut catalog.materials),
            Self::material,
            |r| r.slug.clone(),
        );
        self.completed("materials", catalog.materials.keys().map(String::as_str));
        self.convert_keyed(
            rows("suppliers"),
            ("suppliers", &mut catalog.suppliers),
            Self::supplier,
            |r| r.name.clone(),
        );
        catalog.products = self.convert_products(rows("products"), &catalog.suppliers);
        catalog.inventory = self.convert_inventory(rows("inventory"));
        let component_edges = self.convert_recipes(rows("recipes"), &mut catalog.recipes);
        self.completed("recipes", catalog.recipes.keys().map(String::as_str));
        self.completed("items", catalog.items().into_keys());
        let mut bundle_edges: Edges = Vec::new();
        self.convert_keyed(
            rows("bundles"),
            ("bundles", &mut catalog.bundles),
            |loader, node| loader.bundle(node, &mut bundle_edges),
            |r| r.slug.clone(),
        );
        self.completed("bundles", catalog.bundles.keys().map(String::as_str));
        for node in rows("events") {
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
                for (_, value) in entries.iter().filter(|(k, _)| &*k.name == "yields") {
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
        if self
            .complete
            .get(to)
            .is_some_and(|known| known.contains(&slug))
        {
            return Some(slug);
        }
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

    /// Records that every record of `table` is converted: these are its slugs.
    fn completed<'s>(&mut self, table: &'static str, slugs: impl Iterator<Item = &'s str>) {
        let slugs = slugs.map(str::to_owned).collect();
        self.complete.insert(table, slugs);
    }

    /// The fields of line `i` of list `list` of a `table` record (its errors named
    /// `list[i+1].field`).
    fn open_line<'n>(
        &mut self,
        line: &'n Node,
        table: &'static str,
        known: &'static [&'static str],
        list: &str,
        i: usize,
        record: Option<String>,
    ) -> Option<Fields<'n>> {
        Fields::open(
            line,
            table,
            known,
            format!("{list}[{}].", i + 1),
            record,
            &mut self.errors,
        )
    }

    fn finish(&mut self, fields: Fields<'_>) {
        self.errors.extend(fields.finish());
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
