//! Writing a catalogue back to files, in the same format the loader reads.
//!
//! Each record becomes a row of named cells; YAML nests line lists under their record,
//! CSV writes them to their own line tables (`recipe_lines.csv`, …). Both forms load back
//! to an equal catalogue, which the round-trip tests check.

use rust_decimal::Decimal;

use super::model::*;
use super::units::Quantity;

/// Output format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One YAML file per table, lines nested.
    Yaml,
    /// One CSV file per table and per line table.
    Csv,
}

/// One cell of an exported row.
enum Cell {
    Text(String),
    Lines(&'static str, Vec<Row>),
}

type Row = Vec<(&'static str, Cell)>;

fn text(value: impl ToString) -> Cell {
    Cell::Text(value.to_string())
}

fn num(value: Decimal) -> Cell {
    Cell::Text(value.normalize().to_string())
}

fn push_opt(row: &mut Row, name: &'static str, value: Option<impl ToString>) {
    if let Some(value) = value {
        row.push((name, text(value)));
    }
}

fn qty(row: &mut Row, value: &Quantity) {
    row.push(("qty", num(value.value)));
    row.push(("unit", text(value.unit)));
}

/// Tables in file order, each with its parent-key column name for CSV line tables.
fn tables(c: &Catalog) -> Vec<(&'static str, Vec<Row>)> {
    vec![
        ("settings", vec![settings_row(&c.settings)]),
        (
            "ingredients",
            c.ingredients.values().map(ingredient_row).collect(),
        ),
        (
            "materials",
            c.materials.values().map(material_row).collect(),
        ),
        (
            "suppliers",
            c.suppliers.values().map(supplier_row).collect(),
        ),
        ("products", c.products.iter().map(product_row).collect()),
        ("inventory", c.inventory.iter().map(stock_row).collect()),
        ("recipes", c.recipes.values().map(recipe_row).collect()),
        ("bundles", c.bundles.values().map(bundle_row).collect()),
        ("events", c.events.values().map(event_row).collect()),
    ]
}

/// The settings record.
fn settings_row(s: &Settings) -> Row {
    let mut row: Row = vec![
        ("currency", text(&s.currency)),
        ("waste_warn_pct", num(s.waste_warn_pct)),
        ("decimals", text(s.decimals)),
    ];
    push_opt(&mut row, "work_minutes_per_day", s.work_minutes_per_day);
    push_opt(
        &mut row,
        "kitchen_units",
        s.kitchen_units.map(crate::catalog::KitchenUnits::name),
    );
    push_opt(
        &mut row,
        "unit_system",
        s.unit_system.map(crate::catalog::UnitSystem::name),
    );
    push_opt(&mut row, "paper", s.paper.map(crate::catalog::Paper::name));
    row
}

/// An ingredient record.
fn ingredient_row(i: &Ingredient) -> Row {
    let mut row: Row = vec![
        ("slug", text(&i.slug)),
        ("name", text(&i.name)),
        ("category", text(&i.category)),
    ];
    push_opt(&mut row, "density", i.density);
    push_opt(&mut row, "unit", i.unit);
    row
}

/// A material record.
fn material_row(m: &Material) -> Row {
    vec![
        ("slug", text(&m.slug)),
        ("name", text(&m.name)),
        ("category", text(&m.category)),
        ("unit", text(m.unit)),
    ]
}

/// A supplier record.
fn supplier_row(s: &Supplier) -> Row {
    let mut row: Row = vec![("name", text(&s.name))];
    push_opt(&mut row, "contact", s.contact.as_ref());
    push_opt(&mut row, "lead_days", s.lead_days);
    push_opt(&mut row, "min_order", s.min_order.map(|d| d.normalize()));
    row
}

/// A product record.
fn product_row(p: &Product) -> Row {
    let mut row: Row = vec![(p.of.kind(), text(p.of.slug())), ("name", text(&p.name))];
    push_opt(&mut row, "brand", p.brand.as_ref());
    row.push(("pack", text(p.pack)));
    push_opt(&mut row, "price", p.price.map(|d| d.normalize()));
    if p.preferred {
        row.push(("preferred", text(true)));
    }
    push_opt(&mut row, "min_packs", p.min_packs);
    push_opt(&mut row, "lead_days", p.lead_days);
    push_opt(&mut row, "supplier", p.supplier.as_ref());
    push_opt(&mut row, "sku", p.sku.as_ref());
    row
}

/// A stock row.
fn stock_row(s: &StockRow) -> Row {
    let mut row: Row = vec![(s.of.kind(), text(s.of.slug()))];
    qty(&mut row, &s.qty);
    push_opt(&mut row, "expires", s.expires);
    push_opt(&mut row, "location", s.location.as_ref());
    push_opt(&mut row, "counted_at", s.counted_at);
    push_opt(&mut row, "lot", s.lot.as_ref());
    row
}

/// A recipe with its yields, ingredient lines and sub-recipes as line tables.
fn recipe_row(r: &Recipe) -> Row {
    let mut row: Row = vec![
        ("slug", text(&r.slug)),
        ("name", text(&r.name)),
        ("category", text(&r.category)),
    ];
    push_opt(&mut row, "notes", r.notes.as_ref());
    push_opt(&mut row, "time_minutes", r.time_minutes);
    push_opt(&mut row, "make_ahead_days", r.make_ahead_days);
    push_opt(&mut row, "keeps_days", r.keeps_days);
    if !r.loss_pct.is_zero() {
        row.push(("loss_pct", num(r.loss_pct)));
    }
    let yields = r.yields.iter().map(|y| {
        let size = match y.size {
            YieldSize::PerBatch(n) => ("per_batch", num(n)),
            YieldSize::PortionPct(p) => ("portion_pct", num(p)),
        };
        let mut line: Row = vec![("slug", text(&y.slug)), ("name", text(&y.name)), size];
        push_opt(&mut line, "price", y.price.map(|d| d.normalize()));
        line
    });
    row.push(("yields", Cell::Lines("recipe_yields", yields.collect())));
    let lines = r.ingredients.iter().map(|l| {
        let mut line: Row = vec![("ingredient", text(&l.ingredient))];
        qty(&mut line, &l.qty);
        push_opt(&mut line, "note", l.note.as_ref());
        line
    });
    row.push(("ingredients", Cell::Lines("recipe_lines", lines.collect())));
    let components = r.components.iter().map(|k| {
        let mut line: Row = vec![("recipe", text(&k.recipe)), ("batches", num(k.batches))];
        push_opt(&mut line, "note", k.note.as_ref());
        line
    });
    row.push((
        "components",
        Cell::Lines("recipe_components", components.collect()),
    ));
    row
}

/// A bundle with its contents as a line table.
fn bundle_row(b: &Bundle) -> Row {
    let mut row: Row = vec![("slug", text(&b.slug)), ("name", text(&b.name))];
    push_opt(&mut row, "instructions", b.instructions.as_ref());
    push_opt(&mut row, "price", b.price.map(|d| d.normalize()));
    let contents = b.contents.iter().map(|line| match line {
        BundleLine::Item { item, qty } => vec![("item", text(item)), ("qty", text(qty))],
        BundleLine::Bundle { bundle, qty } => {
            vec![("bundle", text(bundle)), ("qty", text(qty))]
        }
        BundleLine::Material { material, qty } => {
            vec![("material", text(material)), ("qty", num(*qty))]
        }
    });
    row.push((
        "contents",
        Cell::Lines("bundle_contents", contents.collect()),
    ));
    row
}

/// An event with its targets and decisions as line tables.
fn event_row(e: &Event) -> Row {
    let mut row: Row = vec![
        ("slug", text(&e.slug)),
        ("name", text(&e.name)),
        ("date", text(e.date)),
    ];
    if !e.overage_pct.is_zero() {
        row.push(("overage_pct", num(e.overage_pct)));
    }
    let targets = e.targets.iter().map(|t| match t {
        Target::Bundle { bundle, qty } => vec![("bundle", text(bundle)), ("qty", text(qty))],
        Target::Item { item, qty } => vec![("item", text(item)), ("qty", text(qty))],
        Target::Recipe { recipe, batches } => {
            vec![("recipe", text(recipe)), ("batches", num(*batches))]
        }
    });
    row.push(("targets", Cell::Lines("targets", targets.collect())));
    let decisions = e.decisions.iter().map(|d| {
        let mut line: Row = vec![("item", text(&d.item)), ("batches", text(d.batches))];
        if d.confirm_shortfall {
            line.push(("confirm_shortfall", text(true)));
        }
        line
    });
    row.push(("decisions", Cell::Lines("decisions", decisions.collect())));
    row
}

/// Writes `catalog` as files: (file name, contents), in a fixed order.
pub fn export(catalog: &Catalog, format: Format) -> Result<Vec<(String, Vec<u8>)>, csv::Error> {
    match format {
        Format::Yaml => Ok(tables(catalog)
            .into_iter()
            .filter(|(name, rows)| *name == "settings" || !rows.is_empty())
            .map(|(name, rows)| {
                let mut out = String::new();
                if name == "settings" {
                    write_yaml_fields(&mut out, rows.first().map_or(&[][..], Vec::as_slice), "");
                } else {
                    write_yaml_list(&mut out, &rows, "");
                }
                (format!("{name}.yaml"), out.into_bytes())
            })
            .collect()),
        Format::Csv => export_csv(catalog),
    }
}

fn write_yaml_list(out: &mut String, rows: &[Row], indent: &str) {
    for row in rows {
        out.push_str(indent);
        out.push_str("- ");
        let inner = format!("{indent}  ");
        let mut first = true;
        for (name, cell) in row {
            if matches!(cell, Cell::Lines(_, lines) if lines.is_empty()) {
                continue;
            }
            if !first {
                out.push_str(&inner);
            }
            first = false;
            write_yaml_field(out, name, cell, &inner);
        }
    }
}

fn write_yaml_fields(out: &mut String, row: &[(&'static str, Cell)], indent: &str) {
    for (name, cell) in row {
        out.push_str(indent);
        write_yaml_field(out, name, cell, indent);
    }
}

fn write_yaml_field(out: &mut String, name: &str, cell: &Cell, indent: &str) {
    match cell {
        Cell::Text(value) => {
            out.push_str(name);
            out.push_str(": ");
            out.push_str(&yaml_scalar(value));
            out.push('\n');
        }
        Cell::Lines(_, lines) => {
            out.push_str(name);
            out.push_str(":\n");
            write_yaml_list(out, lines, &format!("{indent}  "));
        }
    }
}

/// A YAML scalar, double-quoted (JSON escaping is valid YAML) unless plainly safe.
fn yaml_scalar(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " ._/-()&'".contains(c))
        && !value.starts_with(['-', ' ', '.', '\'', '&'])
        && !value.ends_with(' ')
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "null" | "on" | "off" | "y" | "n"
        );
    if plain {
        value.to_owned()
    } else {
        serde_json::to_string(value).unwrap_or_default()
    }
}

fn export_csv(catalog: &Catalog) -> Result<Vec<(String, Vec<u8>)>, csv::Error> {
    let mut files = Vec::new();
    for (name, rows) in tables(catalog) {
        let parent_key = match name {
            "recipes" => "recipe",
            "bundles" => "bundle",
            _ => "event",
        };
        let mut line_tables: Vec<(&'static str, Vec<Row>)> = Vec::new();
        let mut flat_rows = Vec::new();
        for row in rows {
            let slug = row
                .iter()
                .find(|(k, _)| *k == "slug")
                .and_then(|(_, c)| match c {
                    Cell::Text(t) => Some(t.clone()),
                    Cell::Lines(..) => None,
                });
            let mut flat = Vec::new();
            for (key, cell) in row {
                match cell {
                    Cell::Text(_) => flat.push((key, cell)),
                    Cell::Lines(table, lines) => {
                        let index = line_tables
                            .iter()
                            .position(|(t, _)| *t == table)
                            .unwrap_or_else(|| {
                                line_tables.push((table, Vec::new()));
                                line_tables.len() - 1
                            });
                        for line in lines {
                            let mut csv_line: Row =
                                vec![(parent_key, text(slug.clone().unwrap_or_default()))];
                            csv_line.extend(csv_line_columns(table, line));
                            line_tables[index].1.push(csv_line);
                        }
                    }
                }
            }
            flat_rows.push(flat);
        }
        if name == "settings" || !flat_rows.is_empty() {
            files.push((
                format!("{name}.csv"),
                write_csv(&flat_rows, table_columns(name))?,
            ));
        }
        for (table, lines) in line_tables {
            if !lines.is_empty() {
                files.push((
                    format!("{table}.csv"),
                    write_csv(&lines, table_columns(table))?,
                ));
            }
        }
    }
    Ok(files)
}

/// Renames YAML line fields into the CSV line tables' columns (SPEC §2.1).
fn csv_line_columns(table: &str, line: Row) -> Row {
    let kind_of = |line: &Row| line.first().map(|(k, _)| *k).unwrap_or("item");
    match table {
        "recipe_components" => line
            .into_iter()
            .map(|(k, c)| (if k == "recipe" { "component" } else { k }, c))
            .collect(),
        "bundle_contents" | "targets" => {
            let kind = kind_of(&line);
            let mut out: Row = vec![("kind", text(kind))];
            out.extend(line.into_iter().map(|(k, c)| match k {
                "bundle" | "material" | "recipe" => ("item", c),
                "batches" => ("qty", c),
                _ => (k, c),
            }));
            out
        }
        _ => line,
    }
}

fn table_columns(table: &str) -> &'static [&'static str] {
    match table {
        "recipe_yields" => &[
            "recipe",
            "slug",
            "name",
            "per_batch",
            "portion_pct",
            "price",
        ],
        "recipe_lines" => &["recipe", "ingredient", "qty", "unit", "note"],
        "recipe_components" => &["recipe", "component", "batches", "note"],
        "bundle_contents" => &["bundle", "kind", "item", "qty"],
        "targets" => &["event", "kind", "item", "qty"],
        "decisions" => &["event", "item", "batches", "confirm_shortfall"],
        main => super::model::fields::csv_columns(main),
    }
}

/// One CSV table, with the byte-order mark spreadsheets need to read it as UTF-8 (the
/// reports' CSV files carry it too; the loader accepts it).
fn write_csv(rows: &[Row], columns: &[&str]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    writer.write_record(columns)?;
    for row in rows {
        let record = columns.iter().map(|column| {
            row.iter()
                .find(|(k, _)| k == column)
                .map_or(String::new(), |(_, c)| match c {
                    Cell::Text(t) => t.clone(),
                    Cell::Lines(..) => String::new(),
                })
        });
        writer.write_record(record)?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}
