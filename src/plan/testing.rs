//! Small catalogue builders for the plan stage's unit tests.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::catalog::*;

/// A recipe with ingredient lines `(ingredient, qty, unit)` and components `(recipe, batches)`.
pub fn recipe(slug: &str, lines: &[(&str, &str, Unit)], components: &[(&str, &str)]) -> Recipe {
    let dec = |text: &str| Decimal::from_str_exact(text).unwrap_or_default();
    Recipe {
        slug: slug.into(),
        name: slug.into(),
        category: "Test".into(),
        notes: None,
        time_minutes: None,
        make_ahead_days: None,
        keeps_days: None,
        loss_pct: Decimal::ZERO,
        yields: vec![],
        ingredients: lines
            .iter()
            .map(|(i, q, u)| RecipeLine {
                ingredient: (*i).into(),
                qty: Quantity::new(dec(q), *u),
                note: None,
            })
            .collect(),
        components: components
            .iter()
            .map(|(r, b)| Component {
                recipe: (*r).into(),
                batches: dec(b),
                note: None,
            })
            .collect(),
    }
}

/// A recipe making one finished item.
pub fn recipe_yielding(slug: &str, item: &str, size: YieldSize) -> Recipe {
    Recipe {
        yields: vec![Yield {
            slug: item.into(),
            name: item.into(),
            size,
            price: None,
        }],
        ..recipe(slug, &[], &[])
    }
}

/// A catalogue with one recipe per (item, per_batch).
pub fn catalog_with_items(items: &[(&str, u32)]) -> Catalog {
    let mut c = Catalog::default();
    for (item, per_batch) in items {
        let slug = format!("{item}-recipe");
        c.recipes.insert(
            slug.clone(),
            recipe_yielding(&slug, item, YieldSize::PerBatch(Decimal::from(*per_batch))),
        );
    }
    c
}

/// Adds a bundle of items and nested bundles.
pub fn add_bundle(c: &mut Catalog, slug: &str, items: &[(&str, u64)], bundles: &[(&str, u64)]) {
    let mut contents: Vec<BundleLine> = items
        .iter()
        .map(|(i, q)| BundleLine::Item {
            item: (*i).into(),
            qty: *q,
        })
        .collect();
    contents.extend(bundles.iter().map(|(b, q)| BundleLine::Bundle {
        bundle: (*b).into(),
        qty: *q,
    }));
    c.bundles.insert(
        slug.into(),
        Bundle {
            slug: slug.into(),
            name: slug.into(),
            instructions: None,
            price: None,
            contents,
        },
    );
}

/// Adds finished stock.
pub fn add_stock(c: &mut Catalog, of: Stocked, count: u64) {
    c.inventory.push(StockRow {
        counted_at: None,
        lot: None,
        of,
        qty: Quantity::new(Decimal::from(count), Unit::Each),
        expires: None,
        location: None,
    });
}

/// A stock row of ingredient `slug`: `qty` in `unit`, good until `expires`.
pub fn ingredient_stock(
    slug: &str,
    qty: Decimal,
    unit: Unit,
    expires: Option<NaiveDate>,
) -> StockRow {
    StockRow {
        counted_at: None,
        lot: None,
        of: Stocked::Ingredient(slug.into()),
        qty: Quantity::new(qty, unit),
        expires,
        location: None,
    }
}

/// An event on 2026-12-20 with these targets.
pub fn event(targets: Vec<Target>) -> Event {
    Event {
        slug: "e".into(),
        name: "E".into(),
        date: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap_or_default(),
        overage_pct: Decimal::ZERO,
        targets,
        decisions: vec![],
    }
}

/// A bundle target.
pub fn bundle_target(bundle: &str, qty: u64) -> Target {
    Target::Bundle {
        bundle: bundle.into(),
        qty,
    }
}

/// A shopping line of `item` in lb with every optional field empty, for tests that set the
/// few fields they are about.
pub fn shopping_line(
    kind: super::kinds::LineKind,
    item: &str,
    status: super::kinds::ShoppingStatus,
) -> super::result::ShoppingRow {
    use super::result::Num;
    super::result::ShoppingRow {
        kind,
        item: item.into(),
        name: item.into(),
        category: String::new(),
        needed: Num::default(),
        on_hand: Num::default(),
        to_buy: Num::default(),
        unit: Unit::Lb,
        status,
        product: None,
        brand: None,
        packs: None,
        pack_size: None,
        pack_in_unit: None,
        price: None,
        min_packs: None,
        cost: None,
        bought_surplus: None,
        needed_by: None,
        order_by: None,
        lead_days: None,
        supplier: None,
        sku: None,
        note: String::new(),
    }
}
