//! Assembly (SPEC §5.6): how many of each bundle target can be assembled from what is
//! produced and in stock, shared between targets in event order, the bundles packed only
//! inside others, and a blocker for every part a target is short of.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::PlanError;
use super::aggregate::from_fixed;
use super::explode::{BundleDemand, Bundles, Content, Needs};
use super::index::Index;
use super::kinds::{AssemblyStatus, BlockerKind, LineKind, TargetKind};
use super::result::{AssemblyRow, Blocker, ContentRow, InsideRow};
use super::stock::Stock;
use crate::catalog::{BundleLine, Event, Stocked, Target, Unit};

/// A thing a bundle needs, for assembly: a finished item or a material.
type Part = (TargetKind, String);

fn part(index: &Index<'_>, content: Content<'_>) -> Part {
    match content {
        Content::Item(item) => (TargetKind::Item, item.to_owned()),
        Content::Material(id) => (TargetKind::Material, index.material_at(id).slug.clone()),
    }
}

/// Assembly of each bundle target: finished items produced plus baked stock, and packaging
/// in stock, allocated to the targets in the order the event lists them; then the bundles
/// that go inside others counted, and the rows ordered inner bundles first.
pub fn assembly_rows(
    index: &Index<'_>,
    bundles: &Bundles<'_>,
    event: &Event,
    needs: &Needs,
    produced: &BTreeMap<&str, (u64, u64)>,
    stock: &Stock,
) -> Result<Vec<AssemblyRow>, PlanError> {
    let mut available = available_parts(index, event, needs, produced, stock);
    let mut rows = Vec::new();
    let mut demands = needs.bundles.iter();
    for target in &event.targets {
        match target {
            Target::Item { item, qty } => {
                let entry = available
                    .entry((TargetKind::Item, item.clone()))
                    .or_default();
                *entry -= Decimal::from(*qty).min(*entry);
            }
            Target::Recipe { .. } => {}
            Target::Bundle { bundle, .. } => {
                let Some(demand) = demands.next() else {
                    continue;
                };
                rows.push(assemble(index, bundles, (bundle, demand), &mut available)?);
            }
        }
    }
    with_inner_bundles(index, rows)
}

/// What bundles can be assembled from: the items produced and in baked stock, and the
/// packaging in stock (in the material's own unit).
fn available_parts(
    index: &Index<'_>,
    event: &Event,
    needs: &Needs,
    produced: &BTreeMap<&str, (u64, u64)>,
    stock: &Stock,
) -> BTreeMap<Part, Decimal> {
    let mut available: BTreeMap<Part, Decimal> = BTreeMap::new();
    for (item, (made, _)) in produced {
        *available
            .entry((TargetKind::Item, (*item).to_owned()))
            .or_default() += Decimal::from(*made);
    }
    // Baked stock of the items the targets reach (`needs` lists every one, from item targets
    // and bundle contents), looked up per item: an event never walks the whole inventory.
    for item in needs.items.keys() {
        let count = index.finished_count(&Stocked::Item(item.clone()), event.date);
        if count > 0 {
            *available
                .entry((TargetKind::Item, item.clone()))
                .or_default() += Decimal::from(count);
        }
    }
    for (&(kind, id, unit), &qty) in &stock.usable {
        if kind == LineKind::Material && index.material_at(id).unit == unit {
            *available
                .entry((TargetKind::Material, index.material_at(id).slug.clone()))
                .or_default() += from_fixed(qty);
        }
    }
    available
}

/// The display name and unit of an item or material.
fn display(index: &Index<'_>, kind: TargetKind, slug: &str) -> (String, Unit) {
    match kind {
        TargetKind::Material => index
            .material_id(slug)
            .map(|id| index.material_at(id))
            .map_or_else(
                || (slug.to_owned(), Unit::Each),
                |m| (m.name.clone(), m.unit),
            ),
        _ => (index.item_name(slug), Unit::Each),
    }
}

/// One bundle target (its slug and demand): as many as `available` makes (taking what they
/// use from it), and a blocker per part short of the whole target.
fn assemble(
    index: &Index<'_>,
    bundles: &Bundles<'_>,
    (bundle, demand): (&String, &BundleDemand),
    available: &mut BTreeMap<Part, Decimal>,
) -> Result<AssemblyRow, PlanError> {
    let per_bundle: Vec<(Part, Decimal)> = bundles
        .totals(bundle)?
        .into_iter()
        .map(|(content, qty)| (part(index, content), qty))
        .collect();
    let can_make = per_bundle
        .iter()
        .map(|(key, per)| {
            if per.is_zero() {
                demand.to_assemble
            } else {
                (available.get(key).copied().unwrap_or_default() / per)
                    .floor()
                    .to_u64()
                    .unwrap_or(0)
            }
        })
        .min()
        .unwrap_or(demand.to_assemble)
        .min(demand.to_assemble);
    let mut blockers = Vec::new();
    for (key, per) in &per_bundle {
        let have = available.get(key).copied().unwrap_or_default();
        let wanted = *per * Decimal::from(demand.to_assemble);
        if wanted > have {
            blockers.push(part_short(index, demand, key, wanted, have));
        }
        available.insert(key.clone(), have - *per * Decimal::from(can_make));
    }
    let assemblable = demand.from_stock + can_make;
    Ok(AssemblyRow {
        target: demand.qty,
        in_stock: demand.from_stock,
        to_assemble: demand.to_assemble,
        assemblable,
        status: status(assemblable, demand.qty),
        blockers,
        ..described(index, bundle)
    })
}

/// Whether `assemblable` bundles make the `wanted` ones.
fn status(assemblable: u64, wanted: u64) -> AssemblyStatus {
    if assemblable >= wanted {
        AssemblyStatus::Ok
    } else if assemblable > 0 {
        AssemblyStatus::Partial
    } else {
        AssemblyStatus::Blocked
    }
}

/// A bundle's row as the catalogue describes it (name, instructions, contents), with
/// nothing to assemble yet.
fn described(index: &Index<'_>, bundle: &str) -> AssemblyRow {
    let record = index.catalog.bundles.get(bundle);
    AssemblyRow {
        bundle: bundle.to_owned(),
        name: index.bundle_name(bundle),
        instructions: record.and_then(|b| b.instructions.clone()),
        target: 0,
        in_stock: 0,
        inside: 0,
        inside_of: Vec::new(),
        to_assemble: 0,
        unit_cost: None,
        margin: super::result::Margin::default(),
        assemblable: 0,
        status: AssemblyStatus::Blocked,
        contents: record.map_or_else(Vec::new, |b| {
            b.contents
                .iter()
                .map(|line| content_row(index, line))
                .collect()
        }),
        blockers: Vec::new(),
    }
}

/// The blocker of a part a bundle target is short of: `wanted` for the whole target,
/// `have` available.
fn part_short(
    index: &Index<'_>,
    demand: &BundleDemand,
    (kind, slug): &Part,
    wanted: Decimal,
    have: Decimal,
) -> Blocker {
    let (name, unit) = display(index, *kind, slug);
    Blocker {
        kind: if *kind == TargetKind::Material {
            BlockerKind::Material
        } else {
            BlockerKind::Stock
        },
        item: slug.clone(),
        needed: wanted.into(),
        available: have.into(),
        unit,
        message: format!(
            "{}: need {}{} more {}",
            demand.bundle,
            (wanted - have).normalize(),
            if unit == Unit::Each {
                String::new()
            } else {
                format!(" {unit}")
            },
            name
        ),
    }
}

/// Adds what bundles being assembled hold to the rows: the count on a target's row, and a
/// row of its own for a bundle that only goes inside others; then orders the rows inner
/// bundles first (otherwise in event order).
fn with_inner_bundles(
    index: &Index<'_>,
    mut rows: Vec<AssemblyRow>,
) -> Result<Vec<AssemblyRow>, PlanError> {
    let assembling: Vec<(String, u64)> = rows
        .iter()
        .map(|r| (r.bundle.clone(), r.to_assemble))
        .collect();
    let inside = super::nesting::inside(index.catalog, &assembling)?;
    // What the holders can be assembled from: their count beyond stock, per inner bundle.
    let can_make: BTreeMap<String, u64> = rows
        .iter()
        .map(|r| (r.bundle.clone(), r.assemblable.saturating_sub(r.in_stock)))
        .collect();
    let mut extra = Vec::new();
    for (inner, holders) in &inside.held_in {
        let total = inside.total(inner);
        let inside_of: Vec<InsideRow> = holders
            .iter()
            .map(|(holder, qty)| InsideRow {
                bundle: holder.clone(),
                name: index.bundle_name(holder),
                qty: *qty,
            })
            .collect();
        if let Some(row) = rows.iter_mut().find(|r| &r.bundle == inner) {
            row.inside = total;
            row.inside_of = inside_of;
            row.to_assemble = row.to_assemble.saturating_add(total);
            continue;
        }
        // Only inside others: as many can be packed as their holders can.
        let assemblable = holders
            .iter()
            .map(|(holder, qty)| {
                let per = held_per_bundle(index, holder, inner);
                can_make
                    .get(holder)
                    .map_or(*qty, |n| n.saturating_mul(per).min(*qty))
            })
            .fold(0u64, u64::saturating_add);
        extra.push(AssemblyRow {
            inside: total,
            inside_of,
            to_assemble: total,
            assemblable,
            status: status(assemblable, total),
            ..described(index, inner)
        });
    }
    rows.extend(extra);
    Ok(in_nesting_order(rows, &inside.order))
}

/// How many `inner` bundles one `holder` bundle holds.
fn held_per_bundle(index: &Index<'_>, holder: &str, inner: &str) -> u64 {
    index
        .catalog
        .bundles
        .get(holder)
        .and_then(|b| {
            b.contents.iter().find_map(|l| match l {
                BundleLine::Bundle { bundle, qty } if bundle == inner => Some(*qty),
                _ => None,
            })
        })
        .unwrap_or(0)
}

/// The rows in the order bundles are assembled (`order`: inner bundles before their
/// holders), stable; bundles not in it last.
fn in_nesting_order(rows: Vec<AssemblyRow>, order: &[String]) -> Vec<AssemblyRow> {
    let rank: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(n, b)| (b.as_str(), n))
        .collect();
    let mut ranked: Vec<(usize, AssemblyRow)> = rows
        .into_iter()
        .map(|r| {
            (
                rank.get(r.bundle.as_str()).copied().unwrap_or(usize::MAX),
                r,
            )
        })
        .collect();
    ranked.sort_by_key(|(rank, _)| *rank);
    ranked.into_iter().map(|(_, r)| r).collect()
}

fn content_row(index: &Index<'_>, line: &BundleLine) -> ContentRow {
    match line {
        BundleLine::Item { item, qty } => ContentRow {
            kind: TargetKind::Item,
            slug: item.clone(),
            name: display(index, TargetKind::Item, item).0,
            qty: (*qty).into(),
            unit: Unit::Each,
        },
        BundleLine::Bundle { bundle, qty } => ContentRow {
            kind: TargetKind::Bundle,
            slug: bundle.clone(),
            name: index.bundle_name(bundle),
            qty: (*qty).into(),
            unit: Unit::Each,
        },
        BundleLine::Material { material, qty } => {
            let (name, unit) = display(index, TargetKind::Material, material);
            ContentRow {
                kind: TargetKind::Material,
                slug: material.clone(),
                name,
                qty: (*qty).into(),
                unit,
            }
        }
    }
}
