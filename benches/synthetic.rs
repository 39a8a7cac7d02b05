//! A synthetic catalogue generator for benchmarks at sizes no hand-written catalogue has:
//! a chain bakery with many recipes, nested sub-recipes, bundles and events.

use bakeplan::catalog::*;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A deterministic pseudo-random sequence (no dependency, same numbers on every machine).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }
}

/// A catalogue with `recipes` recipes (every fourth uses up to two earlier ones as
/// sub-recipes), 5 × `recipes` / 4 ingredients, one bundle per 10 recipes, and one event
/// targeting every bundle and item.
pub fn catalogue(recipes: usize) -> Catalog {
    let mut rng = Lcg(42);
    let mut c = Catalog::default();
    let units = [
        Unit::Cup,
        Unit::G,
        Unit::Oz,
        Unit::Tbsp,
        Unit::Tsp,
        Unit::Each,
        Unit::Lb,
    ];
    let ingredient_count = (recipes * 5 / 4).max(8);
    for i in 0..ingredient_count {
        let unit = units[i % units.len()];
        c.ingredients.insert(
            format!("ing-{i:05}"),
            Ingredient {
                slug: format!("ing-{i:05}"),
                name: format!("Ingredient {i}"),
                category: format!("Category {}", i % 12),
                density: (i % 3 != 0).then(|| Density {
                    volume: Quantity::new(Decimal::ONE, Unit::Cup),
                    mass: Quantity::new(Decimal::new(300 + (i as i64 % 500), 2), Unit::Oz),
                }),
                unit: None,
                reporting_unit: if unit == Unit::Each {
                    Unit::Each
                } else {
                    Unit::G
                },
            },
        );
        c.products.push(Product {
            of: Stocked::Ingredient(format!("ing-{i:05}")),
            name: format!("Pack {i}"),
            brand: None,
            pack: Quantity::new(
                Decimal::from(5 + i as u64 % 20),
                if unit == Unit::Each {
                    Unit::Each
                } else {
                    Unit::Lb
                },
            ),
            price: Some(Decimal::new(999 + i as i64, 2)),
            preferred: false,
            min_packs: None,
        });
        c.inventory.push(StockRow {
            of: Stocked::Ingredient(format!("ing-{i:05}")),
            qty: Quantity::new(
                Decimal::from(rng.next(40)),
                if unit == Unit::Each {
                    Unit::Each
                } else {
                    Unit::Lb
                },
            ),
            expires: None,
            location: None,
        });
    }
    for r in 0..recipes {
        let slug = format!("rec-{r:05}");
        let lines = (0..8 + rng.next(8))
            .map(|_| {
                let i = rng.next(ingredient_count as u64) as usize;
                let unit = units[i % units.len()];
                RecipeLine {
                    ingredient: format!("ing-{i:05}"),
                    qty: Quantity::new(Decimal::new(1 + rng.next(400) as i64, 2), unit),
                    note: None,
                }
            })
            .collect();
        let components = if r % 4 == 3 && r > 4 {
            (0..2)
                .map(|_| Component {
                    recipe: format!("rec-{:05}", rng.next(r as u64 - 1)),
                    batches: Decimal::new(25 * (1 + rng.next(4) as i64), 2),
                    note: None,
                })
                .collect()
        } else {
            Vec::new()
        };
        c.recipes.insert(
            slug.clone(),
            Recipe {
                slug: slug.clone(),
                name: format!("Recipe {r}"),
                category: "Synthetic".into(),
                notes: None,
                time_minutes: Some(30),
                loss_pct: Decimal::from(rng.next(6)),
                yields: vec![Yield {
                    slug: format!("item-{r:05}"),
                    name: format!("Item {r}"),
                    size: YieldSize::PerBatch(Decimal::from(12 + rng.next(48))),
                }],
                ingredients: lines,
                components,
            },
        );
    }
    for b in 0..(recipes / 10).max(1) {
        let contents = (0..6)
            .map(|k| BundleLine::Item {
                item: format!("item-{:05}", (b * 10 + k) % recipes),
                qty: 1 + rng.next(6),
            })
            .collect();
        c.bundles.insert(
            format!("box-{b:04}"),
            Bundle {
                slug: format!("box-{b:04}"),
                name: format!("Box {b}"),
                instructions: None,
                contents,
            },
        );
    }
    let mut targets: Vec<Target> = c
        .bundles
        .keys()
        .map(|b| Target::Bundle {
            bundle: b.clone(),
            qty: 20 + rng.next(200),
        })
        .collect();
    targets.extend((0..recipes).step_by(3).map(|r| Target::Item {
        item: format!("item-{r:05}"),
        qty: 10 + rng.next(300),
    }));
    c.events.insert(
        "chain-week".into(),
        Event {
            slug: "chain-week".into(),
            name: "Chain week".into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap_or_default(),
            overage_pct: Decimal::from(3),
            targets,
            decisions: vec![],
        },
    );
    c
}
