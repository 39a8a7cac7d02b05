//! Bundles inside bundles, for the assembly sheet: how many of each inner bundle the bundles
//! being assembled hold (the tins that go into the hampers), and the order to assemble them
//! in — inner bundles before the bundles that hold them.
//!
//! Explosion (§5.1) already counts the items and packaging of inner bundles through their
//! holders; this counts the inner bundles themselves, so the sheet asks for 37 tins for the
//! order plus 15 for the hampers, not 37.

use std::collections::{BTreeMap, BTreeSet};

use super::compute::PlanError;
use crate::catalog::{BundleLine, Catalog};

/// Inner bundles of what an event assembles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inside {
    /// Inner bundle → (holding bundle, how many go into those holders), holders in order.
    pub held_in: BTreeMap<String, Vec<(String, u64)>>,
    /// Every bundle reached, inner bundles before their holders, otherwise in the order
    /// given.
    pub order: Vec<String>,
}

impl Inside {
    /// How many of `bundle` go inside other bundles.
    pub fn total(&self, bundle: &str) -> u64 {
        self.held_in
            .get(bundle)
            .map_or(0, |v| v.iter().fold(0u64, |n, (_, q)| n.saturating_add(*q)))
    }
}

/// Counts the inner bundles of `assembling` (bundle, how many to assemble for the targets),
/// listed in event order.
pub fn inside(catalog: &Catalog, assembling: &[(String, u64)]) -> Result<Inside, PlanError> {
    let order = inner_first(catalog, assembling.iter().map(|(b, _)| b.as_str()));
    // Totals to assemble, outermost first: a holder's total is final before its contents.
    let mut total: BTreeMap<&str, u64> = BTreeMap::new();
    for (bundle, n) in assembling {
        let t = total.entry(bundle.as_str()).or_default();
        *t = t.checked_add(*n).ok_or_else(|| too_many(bundle))?;
    }
    let mut held_in: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
    for holder in order.iter().rev() {
        let count = total.get(holder.as_str()).copied().unwrap_or(0);
        let Some(record) = catalog.bundles.get(holder) else {
            continue;
        };
        for line in &record.contents {
            let BundleLine::Bundle { bundle, qty } = line else {
                continue;
            };
            let n = count.checked_mul(*qty).ok_or_else(|| too_many(bundle))?;
            if n == 0 {
                continue;
            }
            let list = held_in.entry(bundle.clone()).or_default();
            match list.iter_mut().find(|(h, _)| h == holder) {
                Some((_, q)) => *q = q.checked_add(n).ok_or_else(|| too_many(bundle))?,
                None => list.push((holder.clone(), n)),
            }
            let t = total.entry(bundle.as_str()).or_default();
            *t = t.checked_add(n).ok_or_else(|| too_many(bundle))?;
        }
    }
    Ok(Inside { held_in, order })
}

fn too_many(bundle: &str) -> PlanError {
    PlanError::TooLarge(format!("{bundle}: more bundles than can be counted"))
}

/// Every bundle reached from `roots`, each after the bundles it holds (a depth-first
/// post-order without recursion, so nesting depth costs no stack).
fn inner_first<'a>(catalog: &Catalog, roots: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut order = Vec::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    for root in roots {
        // (bundle, whether its contents were pushed already)
        let mut stack: Vec<(String, bool)> = vec![(root.to_owned(), false)];
        while let Some((bundle, expanded)) = stack.pop() {
            if done.contains(&bundle) {
                continue;
            }
            if expanded {
                done.insert(bundle.clone());
                order.push(bundle);
                continue;
            }
            stack.push((bundle.clone(), true));
            if let Some(record) = catalog.bundles.get(&bundle) {
                for line in record.contents.iter().rev() {
                    if let BundleLine::Bundle { bundle: inner, .. } = line
                        && !done.contains(inner)
                    {
                        stack.push((inner.clone(), false));
                    }
                }
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Bundle;

    fn bundle(slug: &str, inner: &[(&str, u64)]) -> Bundle {
        Bundle {
            slug: slug.into(),
            name: slug.into(),
            instructions: None,
            price: None,
            contents: inner
                .iter()
                .map(|(b, q)| BundleLine::Bundle {
                    bundle: (*b).into(),
                    qty: *q,
                })
                .collect(),
        }
    }

    fn catalog(bundles: &[Bundle]) -> Catalog {
        let mut c = Catalog::default();
        for b in bundles {
            c.bundles.insert(b.slug.clone(), b.clone());
        }
        c
    }

    #[test]
    fn tins_inside_hampers_are_counted_and_assembled_first() {
        let c = catalog(&[
            bundle("tin", &[]),
            bundle("box", &[]),
            bundle("hamper", &[("tin", 1), ("box", 2)]),
        ]);
        let inside = inside(
            &c,
            &[("tin".into(), 37), ("hamper".into(), 15), ("box".into(), 0)],
        )
        .expect("counts");
        assert_eq!(inside.total("tin"), 15);
        assert_eq!(inside.total("box"), 30);
        assert_eq!(inside.total("hamper"), 0);
        assert_eq!(inside.order, ["tin", "box", "hamper"]);
    }

    #[test]
    fn nesting_multiplies_through_levels() {
        // crate holds 2 hampers, each hamper holds 3 tins: 4 crates → 8 hampers → 24 tins.
        let c = catalog(&[
            bundle("tin", &[]),
            bundle("hamper", &[("tin", 3)]),
            bundle("crate", &[("hamper", 2)]),
        ]);
        let inside = inside(&c, &[("crate".into(), 4), ("hamper".into(), 1)]).expect("counts");
        assert_eq!(inside.total("hamper"), 8);
        assert_eq!(inside.total("tin"), 27);
        assert_eq!(inside.held_in["tin"], [("hamper".to_owned(), 27)]);
        assert_eq!(inside.order, ["tin", "hamper", "crate"]);
    }

    #[test]
    fn counts_beyond_u64_are_an_error_not_a_wrap() {
        let c = catalog(&[bundle("tin", &[]), bundle("hamper", &[("tin", u64::MAX)])]);
        assert!(inside(&c, &[("hamper".into(), 2)]).is_err());
    }
}
