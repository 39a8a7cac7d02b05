//! Bundle explosion and finished stock (SPEC §5.1, §5.2): from an event's targets to how
//! many of each finished item and how much of each material are needed.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::catalog::{BundleLine, Catalog, Event, Slug, Stocked, Target};

/// How many of one finished item an event needs, and how many are baked already.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ItemNeed {
    /// Needed by the targets, summed across all bundles and loose targets.
    pub gross: u64,
    /// Needed including the event's overage, rounded up.
    pub with_overage: u64,
    /// Baked stock used.
    pub from_stock: u64,
    /// Left to bake.
    pub to_bake: u64,
}

/// What one bundle target needs after assembled stock is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleDemand {
    /// Index of the target in the event.
    pub target: usize,
    /// The bundle.
    pub bundle: Slug,
    /// Target count.
    pub qty: u64,
    /// Assembled bundles taken from stock.
    pub from_stock: u64,
    /// Bundles left to assemble.
    pub to_assemble: u64,
}

/// Everything an event's targets need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Needs {
    /// Finished items by slug.
    pub items: BTreeMap<Slug, ItemNeed>,
    /// Packaging by material slug, in the material's unit.
    pub materials: BTreeMap<Slug, Decimal>,
    /// Bundle targets in event order.
    pub bundles: Vec<BundleDemand>,
}

/// Whole units of finished stock (items or bundles) usable for `event`: rows that expire
/// before the event date do not count.
pub fn finished_stock(catalog: &Catalog, event: &Event) -> BTreeMap<Stocked, u64> {
    let mut stock = BTreeMap::new();
    for row in &catalog.inventory {
        if matches!(row.of, Stocked::Item(_) | Stocked::Bundle(_))
            && row.expires.is_none_or(|d| d >= event.date)
        {
            let count = (row.qty.value * row.qty.unit.factor())
                .floor()
                .to_u64()
                .unwrap_or(0);
            *stock.entry(row.of.clone()).or_insert(0) += count;
        }
    }
    stock
}

fn explode_bundle(catalog: &Catalog, bundle: &str, count: u64, needs: &mut Needs) {
    let Some(bundle) = catalog.bundles.get(bundle) else {
        return;
    };
    for line in &bundle.contents {
        match line {
            BundleLine::Item { item, qty } => {
                needs.items.entry(item.clone()).or_default().gross += count.saturating_mul(*qty)
            }
            BundleLine::Bundle { bundle, qty } => {
                explode_bundle(catalog, bundle, count.saturating_mul(*qty), needs)
            }
            BundleLine::Material { material, qty } => {
                *needs.materials.entry(material.clone()).or_default() += Decimal::from(count) * qty
            }
        }
    }
}

/// Explodes an event's bundle and item targets into needs per finished item and material,
/// using assembled and baked stock first and applying the event's overage.
pub fn explode(catalog: &Catalog, event: &Event) -> Needs {
    let mut stock = finished_stock(catalog, event);
    let mut needs = Needs::default();
    for (index, target) in event.targets.iter().enumerate() {
        match target {
            Target::Bundle { bundle, qty } => {
                let available = stock.entry(Stocked::Bundle(bundle.clone())).or_insert(0);
                let from_stock = (*available).min(*qty);
                *available -= from_stock;
                let to_assemble = qty - from_stock;
                explode_bundle(catalog, bundle, to_assemble, &mut needs);
                needs.bundles.push(BundleDemand {
                    target: index,
                    bundle: bundle.clone(),
                    qty: *qty,
                    from_stock,
                    to_assemble,
                });
            }
            Target::Item { item, qty } => needs.items.entry(item.clone()).or_default().gross += qty,
            Target::Recipe { .. } => {}
        }
    }
    let factor = Decimal::ONE + event.overage_pct / Decimal::ONE_HUNDRED;
    for (item, need) in &mut needs.items {
        need.with_overage = (Decimal::from(need.gross) * factor)
            .ceil()
            .to_u64()
            .unwrap_or(u64::MAX);
        let in_stock = stock
            .get(&Stocked::Item(item.clone()))
            .copied()
            .unwrap_or(0);
        need.from_stock = in_stock.min(need.with_overage);
        need.to_bake = need.with_overage - need.from_stock;
    }
    needs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testing::*;

    #[test]
    fn bags_sum_per_item_across_targets() {
        // 50 × bag A (6 cookies, 3 brownies) + 25 × bag B (12 cookies, 6 truffles).
        let mut c = catalog_with_items(&[("cookie", 48), ("brownie", 24), ("truffle", 30)]);
        add_bundle(&mut c, "bag-a", &[("cookie", 6), ("brownie", 3)], &[]);
        add_bundle(&mut c, "bag-b", &[("cookie", 12), ("truffle", 6)], &[]);
        let e = event(vec![bundle_target("bag-a", 50), bundle_target("bag-b", 25)]);
        let needs = explode(&c, &e);
        assert_eq!(needs.items["cookie"].gross, 600);
        assert_eq!(needs.items["brownie"].gross, 150);
        assert_eq!(needs.items["truffle"].gross, 150);
    }

    #[test]
    fn nested_bundles_multiply() {
        let mut c = catalog_with_items(&[("cookie", 48), ("brownie", 24)]);
        add_bundle(&mut c, "gift-bag", &[("cookie", 3), ("brownie", 2)], &[]);
        add_bundle(&mut c, "mega", &[], &[("gift-bag", 2)]);
        let needs = explode(&c, &event(vec![bundle_target("mega", 5)]));
        assert_eq!(needs.items["cookie"].gross, 30);
        assert_eq!(needs.items["brownie"].gross, 20);
    }

    #[test]
    fn stock_is_used_first() {
        let mut c = catalog_with_items(&[("cookie", 48)]);
        add_bundle(&mut c, "bag", &[("cookie", 6)], &[]);
        add_stock(&mut c, Stocked::Bundle("bag".into()), 4);
        add_stock(&mut c, Stocked::Item("cookie".into()), 10);
        let needs = explode(&c, &event(vec![bundle_target("bag", 10)]));
        assert_eq!(needs.bundles[0].from_stock, 4);
        assert_eq!(needs.items["cookie"].gross, 36);
        assert_eq!(needs.items["cookie"].to_bake, 26);
        // More stock than needed never goes below zero.
        add_stock(&mut c, Stocked::Bundle("bag".into()), 40);
        let needs = explode(&c, &event(vec![bundle_target("bag", 10)]));
        assert_eq!(needs.bundles[0].to_assemble, 0);
        assert_eq!(needs.items.get("cookie").map_or(0, |n| n.to_bake), 0);
    }
}
