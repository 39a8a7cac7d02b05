//! Bundle explosion and finished stock (SPEC §5.1, §5.2): from an event's targets to how
//! many of each finished item and how much of each material are needed.
//!
//! Each bundle is flattened once per catalogue ([`Bundles`]): nested bundles multiply down,
//! the same sub-bundle in several branches costs one visit, and counts are checked, so a
//! box of 10¹⁰ boxes is an error instead of a wrapped number.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use super::PlanError;
use super::index::Index;
use super::memo::{self, Dag, Expansion, Line, Memo, Use};
use crate::catalog::{BundleLine, Event, Slug, Stocked, Target};

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
    /// Bundle targets in event order.
    pub bundles: Vec<BundleDemand>,
}

/// What a bundle holds: a finished item or a material (by dense id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Content<'a> {
    /// A finished item, by slug.
    Item(&'a str),
    /// A packaging material, by dense id.
    Material(u32),
}

/// Every bundle of a catalogue flattened once: what one bundle holds, nested bundles
/// multiplied in, with the path of nested bundles each line was reached through.
pub struct Bundles<'a> {
    slugs: Vec<&'a str>,
    ids: foldhash::HashMap<&'a str, u32>,
    memo: Memo<Content<'a>>,
    /// Packaging alone, for the provenance order of material lines.
    materials: Memo<Content<'a>>,
}

struct BundleDag<'a, 'b> {
    index: &'b Index<'a>,
    /// Only packaging lines (their provenance order is that of packaging alone).
    materials_only: bool,
    bundles: &'b [&'a crate::catalog::Bundle],
    ids: &'b foldhash::HashMap<&'a str, u32>,
}

impl<'a> Dag for BundleDag<'a, '_> {
    type Key = Content<'a>;

    fn children(&self, node: u32) -> Vec<(u32, Decimal)> {
        self.bundles[node as usize]
            .contents
            .iter()
            .filter_map(|line| match line {
                BundleLine::Bundle { bundle, qty } => {
                    Some((*self.ids.get(bundle.as_str())?, Decimal::from(*qty)))
                }
                _ => None,
            })
            .collect()
    }

    fn own(&self, node: u32) -> Vec<Use<Content<'a>>> {
        self.bundles[node as usize]
            .contents
            .iter()
            .filter_map(|line| match line {
                BundleLine::Item { .. } if self.materials_only => None,
                BundleLine::Item { item, qty } => Some(Use {
                    key: Content::Item(item.as_str()),
                    qty: Decimal::from(*qty),
                }),
                BundleLine::Material { material, qty } => Some(Use {
                    key: Content::Material(self.index.material_id(material)?),
                    qty: *qty,
                }),
                BundleLine::Bundle { .. } => None,
            })
            .collect()
    }

    /// Contents in listed order: a nested bundle's lines come where the bundle is listed,
    /// as a baker packing the box meets them.
    fn lines(&self, node: u32) -> Vec<Line<Content<'a>>> {
        let bundle = self.bundles[node as usize];
        let own = self.own(node);
        let mut own = own.into_iter();
        let mut lines = Vec::with_capacity(bundle.contents.len());
        for line in &bundle.contents {
            match line {
                BundleLine::Bundle { bundle, qty } => {
                    if let Some(&id) = self.ids.get(bundle.as_str()) {
                        lines.push(Line::Child(id, Decimal::from(*qty)));
                    }
                }
                BundleLine::Item { .. } if self.materials_only => {}
                BundleLine::Material { material, .. }
                    if self.index.material_id(material).is_none() => {}
                _ => lines.extend(own.next().map(Line::Own)),
            }
        }
        lines
    }
}

impl<'a> Bundles<'a> {
    /// Flattens every bundle of the index's catalogue.
    pub fn new(index: &Index<'a>) -> Bundles<'a> {
        let bundles: Vec<&crate::catalog::Bundle> = index.catalog.bundles.values().collect();
        let slugs: Vec<&str> = bundles.iter().map(|b| b.slug.as_str()).collect();
        let ids = slugs
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, i as u32))
            .collect();
        let mut dag = BundleDag {
            index,
            materials_only: false,
            bundles: &bundles,
            ids: &ids,
        };
        let memo = memo::expand_all(&dag, bundles.len(), 0..bundles.len() as u32);
        dag.materials_only = true;
        let materials = memo::expand_all(&dag, bundles.len(), 0..bundles.len() as u32);
        Bundles {
            slugs,
            ids,
            memo,
            materials,
        }
    }

    /// One bundle flattened, or why it cannot be (unknown, or amounts too large).
    pub fn flat(&self, bundle: &str) -> Result<Option<&Expansion<Content<'a>>>, PlanError> {
        self.lookup(&self.memo, bundle)
    }

    /// One bundle's packaging alone, flattened.
    pub fn packaging(&self, bundle: &str) -> Result<Option<&Expansion<Content<'a>>>, PlanError> {
        self.lookup(&self.materials, bundle)
    }

    fn lookup<'m>(
        &self,
        memo: &'m Memo<Content<'a>>,
        bundle: &str,
    ) -> Result<Option<&'m Expansion<Content<'a>>>, PlanError> {
        let Some(&id) = self.ids.get(bundle) else {
            return Ok(None);
        };
        match &memo[id as usize] {
            Some(Ok(expansion)) => Ok(Some(expansion)),
            Some(Err(overflow)) => Err(PlanError::TooLarge(format!(
                "bundle {} holds too many items to count exactly",
                self.slugs[overflow.node as usize]
            ))),
            None => Ok(None),
        }
    }

    /// The slugs of a relative path of nested bundles.
    pub fn path_slugs<'p>(&'p self, path: &'p [u32]) -> impl Iterator<Item = &'a str> + 'p {
        path.iter().map(|id| self.slugs[*id as usize])
    }

    /// What one bundle holds in total: items and materials, summed over nesting, in
    /// (items by slug, then materials by id) order.
    pub fn totals(&self, bundle: &str) -> Result<BTreeMap<Content<'a>, Decimal>, PlanError> {
        let mut out = BTreeMap::new();
        if let Some(flat) = self.flat(bundle)? {
            for used in flat.groups.iter().flat_map(|g| &g.uses) {
                let entry = out.entry(used.key).or_insert(Decimal::ZERO);
                *entry = entry
                    .checked_add(used.qty)
                    .ok_or_else(|| too_large(bundle))?;
            }
        }
        Ok(out)
    }
}

fn too_large(what: &str) -> PlanError {
    PlanError::TooLarge(format!("{what}: amounts beyond exact counting"))
}

/// Explodes an event's bundle and item targets into needs per finished item, using
/// assembled and baked stock first and applying the event's overage.
pub fn explode(
    index: &Index<'_>,
    bundles: &Bundles<'_>,
    event: &Event,
) -> Result<Needs, PlanError> {
    // Assembled bundles left for later targets of the same bundle.
    let mut bundle_stock: BTreeMap<&str, u64> = BTreeMap::new();
    let mut needs = Needs::default();
    let overflow = |what: &str| too_large(&format!("event {}: {what}", event.slug));
    for (position, target) in event.targets.iter().enumerate() {
        match target {
            Target::Bundle { bundle, qty } => {
                let available = bundle_stock.entry(bundle.as_str()).or_insert_with(|| {
                    index.finished_count(&Stocked::Bundle(bundle.clone()), event.date)
                });
                let from_stock = (*available).min(*qty);
                *available -= from_stock;
                let to_assemble = qty - from_stock;
                for (content, per) in bundles.totals(bundle)? {
                    if let Content::Item(item) = content {
                        let count = per
                            .checked_mul(Decimal::from(to_assemble))
                            .and_then(|n| n.to_u64())
                            .ok_or_else(|| overflow(bundle))?;
                        let need = needs.items.entry(item.to_owned()).or_default();
                        need.gross = need
                            .gross
                            .checked_add(count)
                            .ok_or_else(|| overflow(item))?;
                    }
                }
                needs.bundles.push(BundleDemand {
                    target: position,
                    bundle: bundle.clone(),
                    qty: *qty,
                    from_stock,
                    to_assemble,
                });
            }
            Target::Item { item, qty } => {
                let need = needs.items.entry(item.clone()).or_default();
                need.gross = need.gross.checked_add(*qty).ok_or_else(|| overflow(item))?;
            }
            Target::Recipe { .. } => {}
        }
    }
    let factor = Decimal::ONE + event.overage_pct / Decimal::ONE_HUNDRED;
    for (item, need) in &mut needs.items {
        need.with_overage = Decimal::from(need.gross)
            .checked_mul(factor)
            .map(|n| n.ceil())
            .and_then(|n| n.to_u64())
            .ok_or_else(|| overflow(item))?;
        let in_stock = index.finished_count(&Stocked::Item(item.clone()), event.date);
        need.from_stock = in_stock.min(need.with_overage);
        need.to_bake = need.with_overage - need.from_stock;
    }
    Ok(needs)
}

/// One packaging line of an event's bundle targets.
#[derive(Debug, Clone, PartialEq)]
pub struct MaterialUse<'a> {
    /// The material, by dense id.
    pub material: u32,
    /// From the event through the nested bundles.
    pub path: Vec<&'a str>,
    /// How much, in the material's unit.
    pub qty: Decimal,
}

/// Packaging lines of an event's bundle targets, in target order.
pub fn material_uses<'a>(
    bundles: &Bundles<'a>,
    event: &'a Event,
    needs: &'a Needs,
) -> Result<Vec<MaterialUse<'a>>, PlanError> {
    let mut out = Vec::new();
    for demand in &needs.bundles {
        let Some(flat) = bundles.packaging(&demand.bundle)? else {
            continue;
        };
        let count = Decimal::from(demand.to_assemble);
        for group in &flat.groups {
            for used in &group.uses {
                if let Content::Material(material) = used.key {
                    let qty = used
                        .qty
                        .checked_mul(count)
                        .ok_or_else(|| too_large(&demand.bundle))?;
                    let mut path = vec![event.slug.as_str(), demand.bundle.as_str()];
                    path.extend(bundles.path_slugs(&group.path));
                    out.push(MaterialUse {
                        material,
                        path,
                        qty,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// A bundle's contents with nested bundles flattened, for tests of the explosion
/// invariants: (kind, slug) → amount per bundle.
#[cfg(test)]
pub(crate) fn flatten_for_tests(
    catalog: &crate::catalog::Catalog,
    bundle: &str,
) -> BTreeMap<(&'static str, String), Decimal> {
    let index = Index::new(catalog);
    let bundles = Bundles::new(&index);
    bundles
        .totals(bundle)
        .unwrap_or_default()
        .into_iter()
        .map(|(content, qty)| match content {
            Content::Item(item) => (("item", item.to_owned()), qty),
            Content::Material(id) => (("material", index.material_at(id).slug.clone()), qty),
        })
        .collect()
}

/// Explodes against a fresh index, for tests.
#[cfg(test)]
pub(crate) fn explode_for_tests(catalog: &crate::catalog::Catalog, event: &Event) -> Needs {
    let index = Index::new(catalog);
    let bundles = Bundles::new(&index);
    explode(&index, &bundles, event).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testing::*;

    fn explode(c: &crate::catalog::Catalog, e: &Event) -> Needs {
        explode_for_tests(c, e)
    }

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

    #[test]
    fn bundle_stock_serves_targets_in_order_and_expired_stock_does_not_count() {
        let mut c = catalog_with_items(&[("cookie", 48)]);
        add_bundle(&mut c, "bag", &[("cookie", 6)], &[]);
        add_stock(&mut c, Stocked::Bundle("bag".into()), 3);
        add_stock(&mut c, Stocked::Bundle("bag".into()), 2);
        add_stock(&mut c, Stocked::Item("cookie".into()), 7);
        add_stock(&mut c, Stocked::Item("cookie".into()), 100);
        // The event is on 2026-12-20: the 100 cookies expire the day before.
        c.inventory[3].expires = chrono::NaiveDate::from_ymd_opt(2026, 12, 19);
        let needs = explode(
            &c,
            &event(vec![bundle_target("bag", 4), bundle_target("bag", 3)]),
        );
        let from_stock: Vec<u64> = needs.bundles.iter().map(|b| b.from_stock).collect();
        assert_eq!(from_stock, vec![4, 1]);
        assert_eq!(needs.items["cookie"].gross, 12);
        assert_eq!(needs.items["cookie"].from_stock, 7);
        assert_eq!(needs.items["cookie"].to_bake, 5);
    }

    #[test]
    fn too_many_items_is_an_error_not_a_wrapped_count() {
        let mut c = catalog_with_items(&[("cookie", 48)]);
        add_bundle(&mut c, "crate", &[("cookie", 10_000_000_000)], &[]);
        let e = event(vec![bundle_target("crate", 10_000_000_000)]);
        let index = Index::new(&c);
        let bundles = Bundles::new(&index);
        assert!(matches!(
            super::explode(&index, &bundles, &e),
            Err(PlanError::TooLarge(_))
        ));
    }
}
