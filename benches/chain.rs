//! A chain bakery's catalogue at any scale, written as CSV the way a spreadsheet would:
//! the input of the scale benches and of `cargo run --release --example chain-catalogue`.
//!
//! At scale 1: 3,000 ingredients (one product each, half with stock), 20,000 recipes (5–15
//! ingredient lines, 0–3 sub-recipes, 1–2 yields), 5,000 bundles (3–8 lines, some holding
//! bundles, 2–3 levels), 500 events with 400 targets each from a menu of 100–250 recipes
//! (items, recipe batches and bundles mixed), dates spread over a month. Every count scales
//! linearly; the same scale writes the same bytes on every machine.

use std::path::Path;

/// Appends one formatted line to a CSV buffer.
macro_rules! row {
    ($out:expr, $($arg:tt)*) => {{
        $out.push_str(&format!($($arg)*));
        $out.push('\n');
    }};
}

/// A deterministic pseudo-random sequence (same numbers on every machine).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }

    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next(high - low + 1)
    }
}

/// Sizes of a chain catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Ingredients (one product each, every other one in stock).
    pub ingredients: usize,
    /// Recipes.
    pub recipes: usize,
    /// Bundles.
    pub bundles: usize,
    /// Events.
    pub events: usize,
    /// Targets per event.
    pub targets: usize,
    /// Ingredients one kitchen's recipes draw their lines from: `None` draws from the whole
    /// list (the default, so an event reaches more ingredients as the catalogue grows),
    /// `Some(n)` from a pool of `n` of its own (what one event reaches stays the same at
    /// every scale).
    pub pool: Option<usize>,
}

impl Shape {
    /// The chain at `scale` (1.0 = 20,000 recipes and 500 events).
    pub fn at(scale: f64) -> Shape {
        let n = |full: f64, least: usize| ((full * scale).round() as usize).max(least);
        Shape {
            ingredients: n(3000.0, 40),
            recipes: n(20000.0, 60),
            bundles: n(5000.0, 10),
            events: n(500.0, 1),
            targets: 400,
            pool: None,
        }
    }

    /// The same chain with every kitchen drawing from a pool of `pool` ingredients.
    pub fn pooled(self, pool: usize) -> Shape {
        Shape {
            pool: Some(pool.clamp(1, self.ingredients)),
            ..self
        }
    }
}

const UNITS: [&str; 7] = ["cup", "g", "oz", "tbsp", "tsp", "each", "lb"];
const CATEGORIES: [&str; 8] = [
    "Flour & grains",
    "Dairy",
    "Sugars",
    "Spices",
    "Nuts & fruit",
    "Chocolate",
    "Flavorings",
    "Leaveners",
];
const MATERIALS: [(&str, &str, &str); 6] = [
    ("tin", "Holiday tin", "each"),
    ("box", "Kraft box", "each"),
    ("bag", "Cellophane bag", "each"),
    ("ribbon", "Satin ribbon", "m"),
    ("tissue", "Tissue paper", "each"),
    ("tag", "Gift tag", "each"),
];

/// Recipes of one kitchen share bundles and events; an event's menu is one kitchen.
const KITCHEN: usize = 400;

fn csv_text(out: &mut String, value: &str) {
    if value.contains([',', '"', '\n']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// The CSV files of the catalogue: (file name, contents).
pub fn files(shape: Shape) -> Vec<(&'static str, String)> {
    let mut rng = Lcg(0x0bac_e1a4);
    let mut ingredients = String::from("slug,name,category,density,unit\n");
    let mut products =
        String::from("ingredient,material,name,brand,pack,price,preferred,min_packs\n");
    let mut inventory = String::from("ingredient,material,item,bundle,qty,unit,expires,location\n");
    let mut materials = String::from("slug,name,category,unit\n");
    for i in 0..shape.ingredients {
        let unit = UNITS[i % UNITS.len()];
        let density = if unit != "each" && i % 3 != 0 {
            format!("1 cup = {}.{:02} oz", 3 + i % 5, i % 100)
        } else {
            String::new()
        };
        row!(
            ingredients,
            "ing-{i:05},Ingredient {i},{},{density},",
            CATEGORIES[i % CATEGORIES.len()]
        );
        let (pack, stock_unit) = if unit == "each" {
            (format!("{} each", 12 + i % 48), "each")
        } else {
            (format!("{} lb", 5 + i % 20), "lb")
        };
        row!(
            products,
            "ing-{i:05},,Pack of ingredient {i},Brand {},{pack},{}.{:02},,",
            i % 40,
            4 + i % 30,
            i % 100
        );
        if i % 2 == 0 {
            row!(
                inventory,
                "ing-{i:05},,,,{},{stock_unit},,store {}",
                rng.range(1, 40),
                i % 4
            );
        }
    }
    for (slug, name, unit) in MATERIALS {
        row!(materials, "{slug},{name},Packaging,{unit}");
        let pack = if unit == "m" { "25 m" } else { "50 each" };
        row!(products, ",{slug},{name} pack,,{pack},19.99,,");
        row!(
            inventory,
            ",{slug},,,{},{unit},,packing room",
            rng.range(5, 60)
        );
    }

    let mut recipes = String::from("slug,name,category,notes,time_minutes,loss_pct\n");
    let mut yields = String::from("recipe,slug,name,per_batch,portion_pct\n");
    let mut lines = String::from("recipe,ingredient,qty,unit,note\n");
    let mut components = String::from("recipe,component,batches,note\n");
    // Item slugs per recipe, for bundles and targets.
    let mut items: Vec<Vec<String>> = Vec::with_capacity(shape.recipes);
    for r in 0..shape.recipes {
        let kitchen_start = r / KITCHEN * KITCHEN;
        let kitchen_end = (kitchen_start + KITCHEN).min(shape.recipes);
        let position = r - kitchen_start;
        recipes.push_str(&format!("rec-{r:05},Recipe {r},Kitchen {},", r / KITCHEN));
        if r % 5 == 0 {
            csv_text(
                &mut recipes,
                "Cream the butter and sugar, add the eggs one by one, fold in the dry ingredients.",
            );
        }
        row!(
            recipes,
            ",{},{}",
            rng.range(20, 180),
            if r % 7 == 0 { "5" } else { "" }
        );
        let mut own = Vec::new();
        for y in 0..rng.range(1, 2) {
            let slug = format!("item-{r:05}-{y}");
            if y == 1 && r % 2 == 0 {
                row!(
                    yields,
                    "rec-{r:05},{slug},Item {r} mini,,{}",
                    [25, 10, 5][r % 3]
                );
            } else {
                row!(yields, "rec-{r:05},{slug},Item {r},{},", rng.range(6, 60));
            }
            own.push(slug);
        }
        items.push(own);
        for _ in 0..rng.range(5, 15) {
            let i = match shape.pool {
                None => rng.next(shape.ingredients as u64) as usize,
                // Kitchens' pools start 60 ingredients apart, so neighbours share some.
                Some(pool) => {
                    (r / KITCHEN * 60 + rng.next(pool as u64) as usize) % shape.ingredients
                }
            };
            let unit = UNITS[i % UNITS.len()];
            let qty = if unit == "each" {
                format!("{}", rng.range(1, 12))
            } else {
                format!("{}.{:02}", rng.range(0, 6), rng.next(100) + 1)
            };
            row!(lines, "rec-{r:05},ing-{i:05},{qty},{unit},");
        }
        // Sub-recipes come from later in the same kitchen, so there are no cycles and
        // trees are 2–3 levels deep.
        let later = kitchen_end - r - 1;
        if later > 0 && position < KITCHEN * 4 / 5 {
            let mut used = Vec::new();
            for _ in 0..rng.next(4) {
                let child = r + 1 + rng.next(later as u64) as usize;
                if !used.contains(&child) {
                    used.push(child);
                    let note = if rng.next(4) == 0 {
                        "make the day before"
                    } else {
                        ""
                    };
                    row!(
                        components,
                        "rec-{r:05},rec-{child:05},{},{note}",
                        ["0.25", "0.5", "1", "0.75", "2"][rng.next(5) as usize]
                    );
                }
            }
        }
    }

    let mut bundles = String::from("slug,name,instructions\n");
    let mut contents = String::from("bundle,kind,item,qty\n");
    let kitchens = shape.recipes.div_ceil(KITCHEN);
    let per_kitchen = shape.bundles.div_ceil(kitchens);
    for b in 0..shape.bundles {
        let kitchen = (b / per_kitchen).min(kitchens - 1);
        let first_recipe = kitchen * KITCHEN;
        let recipes_here = (shape.recipes - first_recipe).min(KITCHEN);
        row!(bundles, "box-{b:05},Gift box {b},Pack with care");
        let count = rng.range(3, 8);
        let mut nested = 0;
        for k in 0..count {
            let within = b % per_kitchen;
            // Every fourth bundle holds one or two earlier bundles of its kitchen (which may
            // themselves hold bundles): 2–3 levels.
            if b % 4 == 0 && within > 0 && k < 2 && nested < 2 {
                nested += 1;
                let inner = b - 1 - rng.next(within.min(8) as u64) as usize;
                row!(
                    contents,
                    "box-{b:05},bundle,box-{inner:05},{}",
                    rng.range(1, 2)
                );
            } else if k == count - 1 {
                let (slug, _, unit) = MATERIALS[b % MATERIALS.len()];
                let qty = if unit == "m" { "0.9" } else { "1" };
                row!(contents, "box-{b:05},material,{slug},{qty}");
            } else {
                let r = first_recipe + rng.next(recipes_here as u64) as usize;
                row!(
                    contents,
                    "box-{b:05},item,{},{}",
                    items[r][0],
                    rng.range(1, 6)
                );
            }
        }
        if b % 3 == 0 {
            row!(
                inventory,
                ",,,box-{b:05},{},each,,packing room",
                rng.next(4)
            );
        }
    }

    let mut events = String::from("slug,name,date,overage_pct\n");
    let mut targets = String::from("event,kind,item,qty\n");
    for e in 0..shape.events {
        let kitchen = e % kitchens;
        let first_recipe = kitchen * KITCHEN;
        let recipes_here = (shape.recipes - first_recipe).min(KITCHEN);
        let menu_size = (rng.range(100, 250) as usize).min(recipes_here);
        let menu_start = first_recipe + rng.next((recipes_here - menu_size + 1) as u64) as usize;
        let first_bundle = kitchen * per_kitchen;
        let bundles_here = per_kitchen.min(shape.bundles.saturating_sub(first_bundle));
        row!(
            events,
            "event-{e:04},Event {e},2027-01-{:02},{}",
            1 + e % 30,
            [0, 3, 5][e % 3]
        );
        for _ in 0..shape.targets {
            let r = menu_start + rng.next(menu_size as u64) as usize;
            match rng.next(10) {
                0..=5 => {
                    row!(
                        targets,
                        "event-{e:04},item,{},{}",
                        items[r][0],
                        rng.range(6, 120)
                    );
                }
                6 => {
                    row!(
                        targets,
                        "event-{e:04},recipe,rec-{r:05},{}",
                        rng.range(1, 3)
                    );
                }
                _ if bundles_here > 0 => {
                    let b = first_bundle + rng.next(bundles_here as u64) as usize;
                    row!(
                        targets,
                        "event-{e:04},bundle,box-{b:05},{}",
                        rng.range(2, 40)
                    );
                }
                _ => {
                    row!(
                        targets,
                        "event-{e:04},item,{},{}",
                        items[r][0],
                        rng.range(6, 120)
                    );
                }
            }
        }
    }
    vec![
        (
            "settings.csv",
            "currency,waste_warn_pct,decimals\nUSD,25,2\n".to_owned(),
        ),
        ("ingredients.csv", ingredients),
        ("materials.csv", materials),
        ("products.csv", products),
        ("inventory.csv", inventory),
        ("recipes.csv", recipes),
        ("recipe_yields.csv", yields),
        ("recipe_lines.csv", lines),
        ("recipe_components.csv", components),
        ("bundles.csv", bundles),
        ("bundle_contents.csv", contents),
        ("events.csv", events),
        ("targets.csv", targets),
    ]
}

/// Writes the catalogue of `shape` into `dir` (created if needed); returns the bytes written.
pub fn write(dir: &Path, shape: Shape) -> std::io::Result<u64> {
    std::fs::create_dir_all(dir)?;
    let mut total = 0;
    for (name, text) in files(shape) {
        total += text.len() as u64;
        std::fs::write(dir.join(name), text)?;
    }
    Ok(total)
}
