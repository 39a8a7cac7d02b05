//! Feasibility (SPEC §5.6): whether stock covers each recipe in production order, how many
//! of each bundle target can be assembled from what is produced and in stock (shared
//! between targets in event order), and the event's verdict with every blocker named.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::PlanError;
use super::aggregate::{fixed_product, from_fixed};
use super::explode::{BundleDemand, Bundles, Content, Needs};
use super::index::Index;
use super::kinds::{
    AssemblyStatus, BlockerKind, LineKind, ProductionStatus, ShoppingStatus, TargetKind, Verdict,
};
use super::recipes::Production;
use super::result::{
    AssemblyRow, BatchRow, Blocker, ContentRow, Feasibility, InsideRow, Num, ProductionRow,
    ShoppingRow,
};
use super::stock::Stock;
use crate::catalog::{BundleLine, Event, Stocked, Target, Unit};

/// Whether stock covers each recipe's own ingredient lines, recipes in production order,
/// each consuming what it uses before the next.
pub fn production_rows(
    index: &Index<'_>,
    production: &Production<'_>,
    stock: &Stock,
) -> Result<Vec<ProductionRow>, PlanError> {
    let mut remaining: BTreeMap<(u32, Unit), i64> = stock
        .usable
        .iter()
        .filter(|((kind, _, _), _)| *kind == LineKind::Ingredient)
        .map(|(&(_, id, unit), &qty)| ((id, unit), qty))
        .collect();
    production
        .order
        .iter()
        .map(|recipe| {
            let total = production
                .totals
                .get(recipe.slug.as_str())
                .copied()
                .unwrap_or_default();
            // What this recipe's own lines use, per (ingredient, unit).
            let mut uses: BTreeMap<(u32, Unit), i64> = BTreeMap::new();
            for line in &recipe.ingredients {
                let Some(id) = index.ingredient_id(&line.ingredient) else {
                    continue;
                };
                let ingredient = index.ingredient_at(id);
                let (unit, per_batch) = match crate::catalog::units::convert_unrounded(
                    line.qty.value,
                    line.qty.unit,
                    ingredient.reporting_unit,
                    ingredient.density.as_ref(),
                ) {
                    Ok(value) => (ingredient.reporting_unit, value),
                    Err(_) => (line.qty.unit, line.qty.value),
                };
                let qty = fixed_product(per_batch, total).ok_or_else(|| {
                    PlanError::TooLarge(format!("{}: {}", recipe.slug, ingredient.slug))
                })?;
                let entry = uses.entry((id, unit)).or_default();
                *entry = entry.saturating_add(qty);
            }
            let mut shortages = Vec::new();
            for ((id, unit), needed) in uses {
                let ingredient = index.ingredient_at(id);
                if unit != ingredient.reporting_unit {
                    shortages.push(Blocker {
                        kind: BlockerKind::Unconvertible,
                        item: ingredient.slug.clone(),
                        needed: from_fixed(needed).into(),
                        available: Num::default(),
                        unit,
                        message: format!(
                            "{} in {unit} cannot be converted to {} for {}",
                            ingredient.name, ingredient.reporting_unit, recipe.name
                        ),
                    });
                    continue;
                }
                let available = remaining.get(&(id, unit)).copied().unwrap_or(0);
                if needed > available {
                    shortages.push(Blocker {
                        kind: BlockerKind::Stock,
                        item: ingredient.slug.clone(),
                        needed: from_fixed(needed).into(),
                        available: from_fixed(available).into(),
                        unit,
                        message: format!(
                            "need {} {unit} more {} for {}",
                            from_fixed(needed - available).round_dp(3).normalize(),
                            ingredient.name,
                            recipe.name
                        ),
                    });
                }
                remaining.insert((id, unit), (available - needed).max(0));
            }
            Ok(ProductionRow {
                recipe: recipe.slug.clone(),
                name: recipe.name.clone(),
                status: if shortages.is_empty() {
                    ProductionStatus::Ok
                } else {
                    ProductionStatus::Short
                },
                shortages,
            })
        })
        .collect()
}

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
    let status = if assemblable >= demand.qty {
        AssemblyStatus::Ok
    } else if assemblable > 0 {
        AssemblyStatus::Partial
    } else {
        AssemblyStatus::Blocked
    };
    let record = index.catalog.bundles.get(bundle);
    Ok(AssemblyRow {
        bundle: bundle.clone(),
        name: record.map_or_else(|| bundle.clone(), |b| b.name.clone()),
        instructions: record.and_then(|b| b.instructions.clone()),
        target: demand.qty,
        in_stock: demand.from_stock,
        inside: 0,
        inside_of: Vec::new(),
        to_assemble: demand.to_assemble,
        unit_cost: None,
        margin: super::result::Margin::default(),
        assemblable,
        status,
        contents: record.map_or_else(Vec::new, |b| {
            b.contents
                .iter()
                .map(|line| content_row(index, line))
                .collect()
        }),
        blockers,
    })
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
    let name = |slug: &str| {
        index
            .catalog
            .bundles
            .get(slug)
            .map_or_else(|| slug.to_owned(), |b| b.name.clone())
    };
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
                name: name(holder),
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
                let per = index
                    .catalog
                    .bundles
                    .get(holder)
                    .and_then(|b| {
                        b.contents.iter().find_map(|l| match l {
                            BundleLine::Bundle { bundle, qty } if bundle == inner => Some(*qty),
                            _ => None,
                        })
                    })
                    .unwrap_or(0);
                can_make
                    .get(holder)
                    .map_or(*qty, |n| n.saturating_mul(per).min(*qty))
            })
            .fold(0u64, u64::saturating_add);
        let record = index.catalog.bundles.get(inner);
        extra.push(AssemblyRow {
            bundle: inner.clone(),
            name: name(inner),
            instructions: record.and_then(|b| b.instructions.clone()),
            target: 0,
            in_stock: 0,
            inside: total,
            inside_of,
            to_assemble: total,
            unit_cost: None,
            margin: super::result::Margin::default(),
            assemblable,
            status: if assemblable >= total {
                AssemblyStatus::Ok
            } else if assemblable > 0 {
                AssemblyStatus::Partial
            } else {
                AssemblyStatus::Blocked
            },
            contents: record.map_or_else(Vec::new, |b| {
                b.contents
                    .iter()
                    .map(|line| content_row(index, line))
                    .collect()
            }),
            blockers: Vec::new(),
        });
    }
    rows.extend(extra);
    let rank: BTreeMap<&str, usize> = inside
        .order
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
    Ok(ranked.into_iter().map(|(_, r)| r).collect())
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
            name: index
                .catalog
                .bundles
                .get(bundle)
                .map_or_else(|| bundle.clone(), |b| b.name.clone()),
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

/// The verdict: every blocker by kind (stock to buy, missing yields, unconvertible lines,
/// confirmed shortfalls, short assembly), and whether the event is feasible.
pub fn verdict(
    shopping: &[ShoppingRow],
    production: &[ProductionRow],
    assembly: &[AssemblyRow],
    batches: &[BatchRow],
    missing_yields: &[(String, u64)],
) -> Feasibility {
    let mut blockers: Vec<Blocker> = production
        .iter()
        .flat_map(|r| &r.shortages)
        .filter(|b| b.kind == BlockerKind::Unconvertible)
        .cloned()
        .collect();
    for row in shopping
        .iter()
        .filter(|r| r.kind == LineKind::Ingredient && r.status == ShoppingStatus::Buy)
    {
        blockers.push(Blocker {
            kind: BlockerKind::Stock,
            item: row.item.clone(),
            needed: row.needed,
            available: row.on_hand,
            unit: row.unit,
            message: format!(
                "buy {}{} more {}",
                row.to_buy.0.round_dp(3).normalize(),
                if row.unit == Unit::Each {
                    String::new()
                } else {
                    format!(" {}", row.unit)
                },
                row.name
            ),
        });
    }
    for (item, to_bake) in missing_yields {
        blockers.push(Blocker {
            kind: BlockerKind::Yield,
            item: item.clone(),
            needed: (*to_bake).into(),
            available: Num::default(),
            unit: Unit::Each,
            message: format!("no recipe yields {item}"),
        });
    }
    for row in batches.iter().filter(|r| r.shortfall > 0) {
        blockers.push(Blocker {
            kind: BlockerKind::ShortfallDecision,
            item: row.item.clone().unwrap_or_default(),
            needed: row.need.into(),
            available: row.produced.into(),
            unit: Unit::Each,
            message: format!(
                "decided to make {} fewer {} than needed",
                row.shortfall,
                row.item_name.clone().unwrap_or_default()
            ),
        });
    }
    for row in assembly {
        blockers.extend(row.blockers.iter().cloned());
    }
    blockers.sort_by(|a, b| (a.kind, &a.item).cmp(&(b.kind, &b.item)));
    blockers.dedup();
    let feasible = assembly.iter().all(|a| a.status == AssemblyStatus::Ok)
        && production.iter().all(|p| p.status == ProductionStatus::Ok)
        && !blockers
            .iter()
            .any(|b| matches!(b.kind, BlockerKind::ShortfallDecision | BlockerKind::Yield));
    // Assembly counts what production makes, so an item short for a bundle is short after
    // production: buying does not fix it.
    let short_after_production = assembly
        .iter()
        .flat_map(|a| &a.blockers)
        .any(|b| b.kind == BlockerKind::Stock);
    // A shortfall decision is confirmed (an unconfirmed one is an input error): the baker
    // accepted making fewer, so it is listed but neither blocks nor needs buying.
    let status = if short_after_production
        || blockers
            .iter()
            .any(|b| matches!(b.kind, BlockerKind::Yield | BlockerKind::Unconvertible))
    {
        Verdict::Blocked
    } else if blockers
        .iter()
        .any(|b| matches!(b.kind, BlockerKind::Stock | BlockerKind::Material))
        || !feasible && production.iter().any(|p| p.status != ProductionStatus::Ok)
    {
        Verdict::NeedsShopping
    } else {
        Verdict::Ready
    };
    Feasibility {
        feasible,
        status,
        blockers,
    }
}
