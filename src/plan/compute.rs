//! From a snapshot to a [`PlanResult`]: batches, ingredient expansion with provenance,
//! shopping, feasibility and cost (SPEC §5.3–§5.7).
//!
//! Pure: no I/O, no database, no clock. Independent parts run on rayon, and every parallel
//! step collects in input order, while sums are exact integers, so the result is the same
//! bytes whatever the thread count.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::batches::{ItemBatches, plan_item, produced_by, usable_per_batch};
use super::explode::{Needs, explode};
use super::result::*;
use super::snapshot::Snapshot;
use super::table::{self, Line, from_nano, to_nano};
use crate::catalog::units::convert;
use crate::catalog::{BundleLine, Catalog, Event, Product, Recipe, Stocked, Target, Unit, Yield};

/// Version recorded with every frozen plan.
pub const ENGINE_VERSION: &str = concat!("bakeplan ", env!("CARGO_PKG_VERSION"));

/// Why a plan could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The snapshot holds no event.
    #[error("the plan snapshot holds no event")]
    NoEvent,
    /// The table engine failed.
    #[error("table computation failed: {0}")]
    Table(#[from] polars::prelude::PolarsError),
}

fn unit_id(unit: Unit) -> u32 {
    Unit::ALL.iter().position(|u| *u == unit).unwrap_or(0) as u32
}

fn unit_of(id: u32) -> Unit {
    Unit::ALL.get(id as usize).copied().unwrap_or(Unit::Each)
}

/// A planned finished item.
struct ItemPlan<'a> {
    recipe: &'a Recipe,
    item: &'a Yield,
    gross: u64,
    in_stock: u64,
    batches: ItemBatches,
}

/// Where recipe batches come from: a finished item's plan or a direct recipe target.
struct Root<'a> {
    recipe: &'a Recipe,
    batches: Decimal,
    path: Vec<String>,
}

/// One ingredient use before aggregation.
struct Contribution<'a> {
    ingredient: &'a str,
    holder: &'a str,
    /// Shared by every line of one recipe node of the expansion.
    path: std::sync::Arc<[String]>,
    qty: Decimal,
    unit: Unit,
}

/// Computes the plan of the snapshot's event.
pub fn compute(snapshot: &Snapshot) -> Result<PlanResult, PlanError> {
    let c = &snapshot.catalog;
    let event = snapshot.event().ok_or(PlanError::NoEvent)?;
    let needs = explode(c, event);
    let mut warnings = Vec::new();

    // §5.3 batches per finished item, in parallel.
    let items = c.items();
    let need_list: Vec<(&String, &super::explode::ItemNeed)> = needs.items.iter().collect();
    let item_plans: Vec<Option<ItemPlan<'_>>> = need_list
        .par_iter()
        .map(|(slug, need)| {
            let (recipe, item) = items.get(slug.as_str()).copied()?;
            let decision = event.decisions.iter().find(|d| &d.item == *slug);
            Some(ItemPlan {
                recipe,
                item,
                gross: need.gross,
                in_stock: need.from_stock,
                batches: plan_item(recipe, item, need.to_bake, decision),
            })
        })
        .collect();
    let mut yield_blockers = Vec::new();
    for ((slug, need), plan) in need_list.iter().zip(&item_plans) {
        if plan.is_none() {
            yield_blockers.push(Blocker {
                kind: "yield",
                item: (*slug).clone(),
                needed: need.to_bake.into(),
                available: Num::default(),
                unit: "each".into(),
                message: format!("no recipe yields {slug}"),
            });
        }
    }
    let mut item_plans: Vec<ItemPlan<'_>> = item_plans.into_iter().flatten().collect();
    item_plans.sort_by(|a, b| (&a.recipe.slug, &a.item.slug).cmp(&(&b.recipe.slug, &b.item.slug)));

    let recipe_targets: Vec<(&Recipe, Decimal)> = event
        .targets
        .iter()
        .filter_map(|t| match t {
            Target::Recipe { recipe, batches } => c.recipes.get(recipe).map(|r| (r, *batches)),
            _ => None,
        })
        .collect();

    let mut roots: Vec<Root<'_>> = item_plans
        .iter()
        .filter(|p| p.batches.batches > 0)
        .map(|p| Root {
            recipe: p.recipe,
            batches: Decimal::from(p.batches.batches),
            path: vec![
                event.slug.clone(),
                p.item.slug.clone(),
                p.recipe.slug.clone(),
            ],
        })
        .collect();
    roots.extend(recipe_targets.iter().map(|(r, b)| Root {
        recipe: r,
        batches: *b,
        path: vec![event.slug.clone(), r.slug.clone()],
    }));

    let order = production_order(c, &roots);
    let totals = recipe_totals(c, &roots, &order);

    // §5.4 expansion with provenance, in parallel per root.
    let contributions: Vec<Contribution<'_>> = roots
        .par_iter()
        .map(|root| expand(c, root))
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect();

    let ingredient_ids: HashMap<&str, u32> = c
        .ingredients
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i as u32))
        .collect();
    let ingredient_list: Vec<&crate::catalog::Ingredient> = c.ingredients.values().collect();
    let mut path_ids: HashMap<Vec<String>, u32> = HashMap::new();
    let mut paths: Vec<Vec<String>> = Vec::new();
    let mut reasons: BTreeMap<(u32, u32), String> = BTreeMap::new();
    let mut lines = Vec::with_capacity(contributions.len());
    let mut last_path: Option<(std::sync::Arc<[String]>, u32)> = None;
    let mut holder_lines: BTreeMap<&str, BTreeMap<(u32, u32), i64>> = BTreeMap::new();
    for contribution in &contributions {
        let Some(&key) = ingredient_ids.get(contribution.ingredient) else {
            continue;
        };
        let ingredient = ingredient_list[key as usize];
        let (unit, qty) = match convert(
            contribution.qty,
            contribution.unit,
            ingredient.reporting_unit,
            ingredient.density.as_ref(),
        ) {
            Ok(value) => (ingredient.reporting_unit, value),
            Err(error) => {
                reasons
                    .entry((key, unit_id(contribution.unit)))
                    .or_insert_with(|| error.to_string());
                (contribution.unit, contribution.qty)
            }
        };
        // Lines of one expansion node share their path: look it up once per node.
        let path = match last_path
            .as_ref()
            .filter(|(shared, _)| std::sync::Arc::ptr_eq(shared, &contribution.path))
        {
            Some((_, id)) => *id,
            None => {
                let id = *path_ids
                    .entry(contribution.path.to_vec())
                    .or_insert_with(|| {
                        paths.push(contribution.path.to_vec());
                        (paths.len() - 1) as u32
                    });
                last_path = Some((std::sync::Arc::clone(&contribution.path), id));
                id
            }
        };
        let line = Line {
            key,
            unit: unit_id(unit),
            path,
            qty: to_nano(qty),
        };
        *holder_lines
            .entry(contribution.holder)
            .or_default()
            .entry((key, line.unit))
            .or_default() += line.qty;
        lines.push(line);
    }
    let aggregated = table::aggregate(&lines)?;

    let source_groups = group_sources(&aggregated);
    let mut ingredients: Vec<IngredientRow> = aggregated
        .totals
        .iter()
        .zip(&source_groups)
        .map(|(&(key, unit, qty), group)| {
            let ingredient = ingredient_list[key as usize];
            IngredientRow {
                ingredient: ingredient.slug.clone(),
                name: ingredient.name.clone(),
                category: ingredient.category.clone(),
                qty: from_nano(qty).into(),
                unit: unit_of(unit).to_string(),
                unconvertible: reasons.get(&(key, unit)).cloned(),
                sources: sources(group, &paths),
            }
        })
        .collect();
    ingredients.sort_by(|a, b| {
        (
            &a.category,
            &a.name,
            &a.ingredient,
            a.unconvertible.is_some(),
            &a.unit,
        )
            .cmp(&(
                &b.category,
                &b.name,
                &b.ingredient,
                b.unconvertible.is_some(),
                &b.unit,
            ))
    });
    for row in ingredients.iter().filter(|r| r.unconvertible.is_some()) {
        warnings.push(format!(
            "{} {} {} kept apart: {}",
            row.name,
            row.qty.0.normalize(),
            row.unit,
            row.unconvertible.as_deref().unwrap_or_default()
        ));
    }

    let materials = material_rows(c, event, &needs)?;

    // §5.5 shopping.
    let stock = StockPlan::new(c, event, &ingredients, &materials);
    warnings.extend(stock.notes.values().flatten().cloned());
    let products = ProductIndex::new(c);
    let mut shopping = shopping_rows(c, &products, &ingredients, &materials, &stock)?;
    shopping.sort_by(|a, b| {
        (a.kind != "ingredient", &a.category, &a.name).cmp(&(
            b.kind != "ingredient",
            &b.category,
            &b.name,
        ))
    });
    for row in shopping
        .iter()
        .filter(|r| r.status == "buy" && r.product.is_none())
    {
        warnings.push(format!("no product to buy {} from", row.name));
    }

    // Batch rows.
    let waste_warn = c.settings.waste_warn_pct;
    let mut batches: Vec<BatchRow> = item_plans
        .iter()
        .map(|p| BatchRow {
            recipe: p.recipe.slug.clone(),
            recipe_name: p.recipe.name.clone(),
            item: Some(p.item.slug.clone()),
            item_name: Some(p.item.name.clone()),
            gross: p.gross,
            in_stock: p.in_stock,
            need: p.batches.need,
            batches: p.batches.batches.into(),
            computed_batches: p.batches.computed_batches.into(),
            produced: p.batches.produced,
            surplus: p.batches.surplus,
            shortfall: p.batches.shortfall,
            waste_pct: p.batches.waste_pct.into(),
            decided: p.batches.decided,
        })
        .collect();
    for (recipe, b) in &recipe_targets {
        let first = recipe.yields.first();
        let produced = first.map_or(0, |y| produced_by_fraction(*b, usable_per_batch(recipe, y)));
        batches.push(BatchRow {
            recipe: recipe.slug.clone(),
            recipe_name: recipe.name.clone(),
            item: None,
            item_name: None,
            gross: 0,
            in_stock: 0,
            need: 0,
            batches: (*b).into(),
            computed_batches: (*b).into(),
            produced,
            surplus: produced,
            shortfall: 0,
            waste_pct: Decimal::ZERO.into(),
            decided: false,
        });
    }
    for row in &batches {
        if row.item.is_some() && row.waste_pct.0 > waste_warn {
            warnings.push(format!(
                "{}: {} batches make {} for a need of {} — {}% waste (above {}%)",
                row.item_name.as_deref().unwrap_or(&row.recipe),
                row.batches.0,
                row.produced,
                row.need,
                row.waste_pct.0.round_dp(1).normalize(),
                waste_warn.normalize()
            ));
        }
        if row.shortfall > 0 {
            warnings.push(format!(
                "{}: decided {} batches, {} short (confirmed)",
                row.item_name.as_deref().unwrap_or(&row.recipe),
                row.batches.0,
                row.shortfall
            ));
        }
    }

    // Produced items per slug (for assembly and recipe rows).
    let mut produced: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for p in &item_plans {
        let entry = produced.entry(p.item.slug.as_str()).or_default();
        entry.0 += p.batches.produced;
        entry.1 += p.batches.surplus;
    }
    for row in batches.iter().filter(|r| r.item.is_none()) {
        if let Some(first) = c.recipes.get(&row.recipe).and_then(|r| r.yields.first()) {
            let entry = produced.entry(first.slug.as_str()).or_default();
            entry.0 += row.produced;
            entry.1 += row.produced;
        }
    }

    let recipes = recipe_rows(c, &order, &totals, &produced);
    let production = production_rows(c, &order, &holder_lines, &stock, &ingredient_list);
    let assembly = assembly_rows(c, event, &needs, &produced, &stock);

    // §5.6 verdict.
    let mut blockers = Vec::new();
    for row in production
        .iter()
        .flat_map(|r| &r.shortages)
        .filter(|b| b.kind == "unconvertible")
    {
        blockers.push(row.clone());
    }
    for row in shopping
        .iter()
        .filter(|r| r.kind == "ingredient" && r.status == "buy")
    {
        blockers.push(Blocker {
            kind: "stock",
            item: row.item.clone(),
            needed: row.needed,
            available: row.on_hand,
            unit: row.unit.clone(),
            message: format!(
                "buy {} {} more {}",
                row.to_buy.0.round_dp(3).normalize(),
                row.unit,
                row.name
            ),
        });
    }
    blockers.extend(yield_blockers);
    for row in batches.iter().filter(|r| r.shortfall > 0) {
        blockers.push(Blocker {
            kind: "shortfall-decision",
            item: row.item.clone().unwrap_or_default(),
            needed: row.need.into(),
            available: row.produced.into(),
            unit: "each".into(),
            message: format!(
                "decided to make {} fewer {} than needed",
                row.shortfall,
                row.item_name.clone().unwrap_or_default()
            ),
        });
    }
    for row in &assembly {
        blockers.extend(row.blockers.iter().cloned());
    }
    blockers.sort_by(|a, b| (blocker_rank(a.kind), &a.item).cmp(&(blocker_rank(b.kind), &b.item)));
    blockers.dedup();
    let feasible = assembly.iter().all(|a| a.status == "ok")
        && production.iter().all(|p| p.status == "ok")
        && !blockers
            .iter()
            .any(|b| b.kind == "shortfall-decision" || b.kind == "yield");

    let costs = costs(
        c,
        &products,
        &ingredients,
        &materials,
        &shopping,
        &order,
        &totals,
    );
    Ok(PlanResult {
        schema_version: SCHEMA_VERSION,
        plan: snapshot.plan.clone(),
        event: EventInfo {
            slug: event.slug.clone(),
            name: event.name.clone(),
            date: event.date,
            overage_pct: event.overage_pct.into(),
        },
        settings: SettingsInfo {
            currency: c.settings.currency.clone(),
            decimals: c.settings.decimals,
            waste_warn_pct: c.settings.waste_warn_pct.into(),
        },
        targets: event.targets.iter().map(|t| target_row(c, t)).collect(),
        warnings,
        batches,
        recipes,
        ingredients,
        materials,
        shopping,
        production,
        assembly,
        feasibility: Feasibility { feasible, blockers },
        costs,
    })
}

/// The sources of each total, in total order (both lists are sorted by key and unit).
fn group_sources(aggregated: &table::Aggregated) -> Vec<&[(u32, u32, u32, i64)]> {
    let mut groups = Vec::with_capacity(aggregated.totals.len());
    let mut start = 0;
    for &(key, unit, _) in &aggregated.totals {
        let end = start
            + aggregated.sources[start..]
                .iter()
                .take_while(|s| s.0 == key && s.1 == unit)
                .count();
        groups.push(&aggregated.sources[start..end]);
        start = end;
    }
    groups
}

/// A total moved to the largest kitchen unit of its family that gives at least one and a
/// measurable amount (at most 3 decimals): tsp → tbsp → cup, oz → lb, g → kg, ml → l.
/// 30 tbsp becomes 1.875 cup; 5 tsp stays 5 tsp rather than 1.667 tbsp.
fn kitchen_total(value: Decimal, unit: Unit) -> (Decimal, Unit) {
    let ladder: &[Unit] = match unit {
        Unit::Tsp | Unit::Tbsp | Unit::Cup => &[Unit::Cup, Unit::Tbsp, Unit::Tsp],
        Unit::Oz | Unit::Lb => &[Unit::Lb, Unit::Oz],
        Unit::G | Unit::Kg => &[Unit::Kg, Unit::G],
        Unit::Ml | Unit::L => &[Unit::L, Unit::Ml],
        _ => return (value, unit),
    };
    let start = ladder.iter().position(|u| *u == unit).unwrap_or(0);
    ladder[..=start]
        .iter()
        .find_map(|bigger| {
            convert(value, unit, *bigger, None)
                .ok()
                .filter(|v| *v >= Decimal::ONE && (*v * Decimal::ONE_THOUSAND).fract().is_zero())
                .map(|v| (v.normalize(), *bigger))
        })
        .unwrap_or((value, unit))
}

/// Provenance rows of one total.
fn sources(group: &[(u32, u32, u32, i64)], paths: &[Vec<String>]) -> Vec<Source> {
    group
        .iter()
        .map(|s| Source {
            path: paths[s.2 as usize].clone(),
            qty: from_nano(s.3).into(),
            unit: unit_of(s.1).to_string(),
        })
        .collect()
}

fn blocker_rank(kind: &str) -> u8 {
    match kind {
        "stock" => 0,
        "yield" => 1,
        "unconvertible" => 2,
        "shortfall-decision" => 3,
        _ => 4,
    }
}

fn produced_by_fraction(batches: Decimal, usable: Decimal) -> u64 {
    if batches.fract().is_zero() {
        return produced_by(batches.to_u64().unwrap_or(0), usable);
    }
    (batches * usable).floor().to_u64().unwrap_or(0)
}

fn target_row(c: &Catalog, target: &Target) -> TargetRow {
    match target {
        Target::Bundle { bundle, qty } => TargetRow {
            kind: "bundle",
            slug: bundle.clone(),
            name: c
                .bundles
                .get(bundle)
                .map_or_else(|| bundle.clone(), |b| b.name.clone()),
            qty: (*qty).into(),
        },
        Target::Item { item, qty } => TargetRow {
            kind: "item",
            slug: item.clone(),
            name: c
                .item(item)
                .map_or_else(|| item.clone(), |(_, y)| y.name.clone()),
            qty: (*qty).into(),
        },
        Target::Recipe { recipe, batches } => TargetRow {
            kind: "recipe",
            slug: recipe.clone(),
            name: c
                .recipes
                .get(recipe)
                .map_or_else(|| recipe.clone(), |r| r.name.clone()),
            qty: (*batches).into(),
        },
    }
}

/// Recipes with batches, sub-recipes before the recipes that use them (depth-first
/// post-order from the roots, in slug order).
fn production_order<'a>(c: &'a Catalog, roots: &[Root<'a>]) -> Vec<&'a Recipe> {
    let mut starts: Vec<&str> = roots.iter().map(|r| r.recipe.slug.as_str()).collect();
    starts.sort_unstable();
    starts.dedup();
    let mut done: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut order = Vec::new();
    for start in starts {
        // Iterative post-order; the catalogue has no cycles (checked at load).
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        while let Some((slug, next)) = stack.pop() {
            if done.contains(slug) {
                continue;
            }
            let Some(recipe) = c.recipes.get(slug) else {
                continue;
            };
            if let Some(component) = recipe.components.get(next) {
                stack.push((slug, next + 1));
                if !done.contains(component.recipe.as_str()) && stack.len() <= c.recipes.len() {
                    stack.push((component.recipe.as_str(), 0));
                }
            } else {
                done.insert(slug);
                order.push(recipe);
            }
        }
    }
    order
}

/// Total batches per recipe: own batches plus what parents need, multiplied down the tree.
fn recipe_totals<'a>(
    c: &'a Catalog,
    roots: &[Root<'a>],
    order: &[&'a Recipe],
) -> BTreeMap<&'a str, Decimal> {
    let mut totals: BTreeMap<&str, Decimal> = BTreeMap::new();
    for root in roots {
        *totals.entry(root.recipe.slug.as_str()).or_default() += root.batches;
    }
    for recipe in order.iter().rev() {
        let parent = totals
            .get(recipe.slug.as_str())
            .copied()
            .unwrap_or_default();
        for component in &recipe.components {
            if c.recipes.contains_key(&component.recipe) {
                *totals.entry(component.recipe.as_str()).or_default() += parent * component.batches;
            }
        }
    }
    totals
}

/// Every ingredient use of one root, with its path; multipliers multiply down the tree.
fn expand<'a>(c: &'a Catalog, root: &Root<'a>) -> Vec<Contribution<'a>> {
    let mut out = Vec::new();
    let mut stack: Vec<(&'a Recipe, Decimal, Vec<String>)> =
        vec![(root.recipe, root.batches, root.path.clone())];
    while let Some((recipe, batches, path)) = stack.pop() {
        let shared: std::sync::Arc<[String]> = path.clone().into();
        for line in &recipe.ingredients {
            out.push(Contribution {
                ingredient: &line.ingredient,
                holder: &recipe.slug,
                path: std::sync::Arc::clone(&shared),
                qty: line.qty.value * batches,
                unit: line.qty.unit,
            });
        }
        for component in recipe.components.iter().rev() {
            if let Some(child) = c.recipes.get(&component.recipe)
                && path.len() <= c.recipes.len() + 2
            {
                let mut child_path = path.clone();
                child_path.push(child.slug.clone());
                stack.push((child, batches * component.batches, child_path));
            }
        }
    }
    out
}

fn recipe_rows(
    c: &Catalog,
    order: &[&Recipe],
    totals: &BTreeMap<&str, Decimal>,
    produced: &BTreeMap<&str, (u64, u64)>,
) -> Vec<RecipeRow> {
    let components: std::collections::HashSet<&str> = order
        .iter()
        .flat_map(|r| r.components.iter().map(|k| k.recipe.as_str()))
        .collect();
    order
        .iter()
        .map(|recipe| {
            let total = totals
                .get(recipe.slug.as_str())
                .copied()
                .unwrap_or_default();
            RecipeRow {
                recipe: recipe.slug.clone(),
                name: recipe.name.clone(),
                category: recipe.category.clone(),
                batches: total.into(),
                notes: recipe.notes.clone(),
                time_minutes: recipe.time_minutes,
                is_component: components.contains(recipe.slug.as_str()),
                yields: recipe
                    .yields
                    .iter()
                    .map(|y| {
                        let (made, surplus) =
                            produced.get(y.slug.as_str()).copied().unwrap_or_default();
                        YieldRow {
                            item: y.slug.clone(),
                            name: y.name.clone(),
                            per_batch: y.size.items_per_batch().round_dp(6).into(),
                            produced: made,
                            surplus,
                        }
                    })
                    .collect(),
                ingredients: recipe
                    .ingredients
                    .iter()
                    .map(|l| {
                        let (total_qty, total_unit) =
                            kitchen_total(l.qty.value * total, l.qty.unit);
                        RecipeLineRow {
                            ingredient: l.ingredient.clone(),
                            name: c
                                .ingredients
                                .get(&l.ingredient)
                                .map_or_else(|| l.ingredient.clone(), |i| i.name.clone()),
                            per_batch: l.qty.value.into(),
                            per_batch_unit: l.qty.unit.to_string(),
                            qty: total_qty.into(),
                            unit: total_unit.to_string(),
                            note: l.note.clone(),
                        }
                    })
                    .collect(),
                components: recipe
                    .components
                    .iter()
                    .map(|k| ComponentRow {
                        recipe: k.recipe.clone(),
                        name: c
                            .recipes
                            .get(&k.recipe)
                            .map_or_else(|| k.recipe.clone(), |r| r.name.clone()),
                        per_batch: k.batches.into(),
                        batches: (k.batches * total).into(),
                        note: k.note.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Packaging per material, with the bundle path of each use.
fn material_rows(c: &Catalog, event: &Event, needs: &Needs) -> Result<Vec<MaterialRow>, PlanError> {
    let material_ids: HashMap<&str, u32> = c
        .materials
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i as u32))
        .collect();
    let material_list: Vec<&crate::catalog::Material> = c.materials.values().collect();
    let mut paths: Vec<Vec<String>> = Vec::new();
    let mut lines = Vec::new();
    fn walk(
        c: &Catalog,
        bundle: &str,
        count: Decimal,
        path: &mut Vec<String>,
        ids: &HashMap<&str, u32>,
        paths: &mut Vec<Vec<String>>,
        lines: &mut Vec<Line>,
    ) {
        let Some(b) = c.bundles.get(bundle) else {
            return;
        };
        path.push(bundle.to_owned());
        for line in &b.contents {
            match line {
                BundleLine::Material { material, qty } => {
                    if let (Some(&key), Some(m)) =
                        (ids.get(material.as_str()), c.materials.get(material))
                    {
                        let id = paths.iter().position(|p| p == path).unwrap_or_else(|| {
                            paths.push(path.clone());
                            paths.len() - 1
                        }) as u32;
                        lines.push(Line {
                            key,
                            unit: unit_id(m.unit),
                            path: id,
                            qty: to_nano(count * qty),
                        });
                    }
                }
                BundleLine::Bundle { bundle, qty } if path.len() <= c.bundles.len() => walk(
                    c,
                    bundle,
                    count * Decimal::from(*qty),
                    path,
                    ids,
                    paths,
                    lines,
                ),
                _ => {}
            }
        }
        path.pop();
    }
    for demand in &needs.bundles {
        let mut path = vec![event.slug.clone()];
        walk(
            c,
            &demand.bundle,
            Decimal::from(demand.to_assemble),
            &mut path,
            &material_ids,
            &mut paths,
            &mut lines,
        );
    }
    let aggregated = table::aggregate(&lines)?;
    let groups = group_sources(&aggregated);
    Ok(aggregated
        .totals
        .iter()
        .zip(&groups)
        .map(|(&(key, unit, qty), group)| {
            let m = material_list[key as usize];
            MaterialRow {
                material: m.slug.clone(),
                name: m.name.clone(),
                qty: from_nano(qty).into(),
                unit: unit_of(unit).to_string(),
                sources: sources(group, &paths),
            }
        })
        .collect())
}

/// Stock usable for the event, assigned to the shopping rows it can be counted against.
struct StockPlan {
    /// (kind, slug, unit) → usable amount in that unit, nano-units.
    usable: BTreeMap<(&'static str, String, Unit), i64>,
    /// Remarks per (kind, slug): expired rows, rows that cannot be converted.
    notes: BTreeMap<(&'static str, String), Vec<String>>,
}

impl StockPlan {
    fn new(
        c: &Catalog,
        event: &Event,
        ingredients: &[IngredientRow],
        materials: &[MaterialRow],
    ) -> StockPlan {
        let mut units: BTreeMap<(&'static str, String), Vec<Unit>> = BTreeMap::new();
        for row in ingredients {
            units
                .entry(("ingredient", row.ingredient.clone()))
                .or_default()
                .push(Unit::parse(&row.unit).unwrap_or(Unit::Each));
        }
        for row in materials {
            units
                .entry(("material", row.material.clone()))
                .or_default()
                .push(Unit::parse(&row.unit).unwrap_or(Unit::Each));
        }
        let mut plan = StockPlan {
            usable: BTreeMap::new(),
            notes: BTreeMap::new(),
        };
        for row in &c.inventory {
            let (kind, slug, density) = match &row.of {
                Stocked::Ingredient(s) => (
                    "ingredient",
                    s,
                    c.ingredients.get(s).and_then(|i| i.density.as_ref()),
                ),
                Stocked::Material(s) => ("material", s, None),
                _ => continue,
            };
            let Some(row_units) = units.get(&(kind, slug.clone())) else {
                continue;
            };
            let name = match kind {
                "ingredient" => c
                    .ingredients
                    .get(slug)
                    .map_or(slug.as_str(), |i| i.name.as_str()),
                _ => c
                    .materials
                    .get(slug)
                    .map_or(slug.as_str(), |m| m.name.as_str()),
            };
            if let Some(expires) = row.expires.filter(|d| *d < event.date) {
                plan.notes
                    .entry((kind, slug.clone()))
                    .or_default()
                    .push(format!(
                        "{name}: {} expiring {expires} not counted (event {})",
                        row.qty, event.date
                    ));
                continue;
            }
            let counted = row_units.iter().find_map(|unit| {
                convert(row.qty.value, row.qty.unit, *unit, density)
                    .ok()
                    .map(|v| (*unit, v))
            });
            match counted {
                Some((unit, value)) => {
                    *plan.usable.entry((kind, slug.clone(), unit)).or_default() += to_nano(value)
                }
                None => plan
                    .notes
                    .entry((kind, slug.clone()))
                    .or_default()
                    .push(format!(
                        "{name}: {} in stock not counted ({})",
                        row.qty,
                        convert(row.qty.value, row.qty.unit, row_units[0], density)
                            .err()
                            .map(|e| e.to_string())
                            .unwrap_or_default()
                    )),
            }
        }
        plan
    }
}

/// Products per ingredient or material, each list in key order.
struct ProductIndex<'a>(HashMap<&'a Stocked, Vec<&'a Product>>);

impl<'a> ProductIndex<'a> {
    fn new(c: &'a Catalog) -> Self {
        let mut index: HashMap<&Stocked, Vec<&Product>> = HashMap::new();
        for product in &c.products {
            index.entry(&product.of).or_default().push(product);
        }
        for list in index.values_mut() {
            list.sort_by_key(|p| p.key());
        }
        ProductIndex(index)
    }

    fn of(&self, of: &Stocked) -> &[&'a Product] {
        self.0.get(of).map_or(&[], Vec::as_slice)
    }
}

/// The product to buy `amount` (in `unit`) of: the preferred one, else the cheapest per
/// unit among priced ones, else the pack that fits the amount best — the fewest packs
/// among those that buy at most twice the amount, else the least bought beyond it — else
/// the first listed.
fn choose_product<'a>(
    products: &[&'a Product],
    unit: Unit,
    density: Option<&crate::catalog::Density>,
    amount: Decimal,
) -> Option<&'a Product> {
    if let Some(preferred) = products.iter().find(|p| p.preferred) {
        return Some(preferred);
    }
    let pack_in_unit = |p: &Product| {
        convert(p.pack.value, p.pack.unit, unit, density)
            .ok()
            .filter(|v| !v.is_zero())
    };
    let cheapest = products
        .iter()
        .filter_map(|p| Some((p.price? / pack_in_unit(p)?, *p)))
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, p)| p);
    let best_fit = || {
        products
            .iter()
            .filter_map(|p| {
                let pack = pack_in_unit(p)?;
                let packs = (amount / pack).ceil().max(Decimal::ONE);
                let bought = packs * pack;
                let wasteful = bought > amount * Decimal::TWO;
                Some((
                    (wasteful, if wasteful { bought - amount } else { packs }),
                    *p,
                ))
            })
            .min_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, p)| p)
    };
    cheapest
        .or_else(best_fit)
        .or_else(|| products.first().copied())
}

/// Price of one `unit` of something through its chosen product, when known.
fn unit_price(
    products: &[&Product],
    unit: Unit,
    density: Option<&crate::catalog::Density>,
) -> Option<Decimal> {
    let product = choose_product(products, unit, density, Decimal::ONE)?;
    let one_in_pack_units = convert(Decimal::ONE, unit, product.pack.unit, density).ok()?;
    Some(product.price? * one_in_pack_units / product.pack.value)
}

fn shopping_rows(
    c: &Catalog,
    products: &ProductIndex<'_>,
    ingredients: &[IngredientRow],
    materials: &[MaterialRow],
    stock: &StockPlan,
) -> Result<Vec<ShoppingRow>, PlanError> {
    // Needs per (row index, unit) netted against stock with a join.
    struct Need<'a> {
        kind: &'static str,
        slug: &'a str,
        name: &'a str,
        category: &'a str,
        unit: Unit,
        unconvertible: Option<&'a str>,
    }
    let mut rows: Vec<Need<'_>> = ingredients
        .iter()
        .map(|r| Need {
            kind: "ingredient",
            slug: &r.ingredient,
            name: &r.name,
            category: &r.category,
            unit: Unit::parse(&r.unit).unwrap_or(Unit::Each),
            unconvertible: r.unconvertible.as_deref(),
        })
        .collect();
    rows.extend(materials.iter().map(|r| {
        Need {
            kind: "material",
            slug: &r.material,
            name: &r.name,
            category: c
                .materials
                .get(&r.material)
                .map_or("Packaging", |m| m.category.as_str()),
            unit: Unit::parse(&r.unit).unwrap_or(Unit::Each),
            unconvertible: None,
        }
    }));
    let amounts: Vec<i64> = ingredients
        .iter()
        .map(|r| to_nano(r.qty.0))
        .chain(materials.iter().map(|r| to_nano(r.qty.0)))
        .collect();
    let needs: Vec<(u32, u32, i64)> = amounts
        .iter()
        .enumerate()
        .map(|(i, qty)| (i as u32, unit_id(rows[i].unit), *qty))
        .collect();
    let stock_lines: Vec<(u32, u32, i64)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            stock
                .usable
                .get(&(r.kind, r.slug.to_owned(), r.unit))
                .map(|qty| (i as u32, unit_id(r.unit), *qty))
        })
        .collect();
    let netted = table::net(&needs, &stock_lines)?;
    Ok(netted
        .into_iter()
        .map(
            |table::NetRow {
                 key: index,
                 needed,
                 on_hand,
                 to_buy,
                 ..
             }| {
                let need = &rows[index as usize];
                let of = if need.kind == "ingredient" {
                    Stocked::Ingredient(need.slug.to_owned())
                } else {
                    Stocked::Material(need.slug.to_owned())
                };
                let density = c
                    .ingredients
                    .get(need.slug)
                    .filter(|_| need.kind == "ingredient")
                    .and_then(|i| i.density.as_ref());
                let mut notes: Vec<String> = Vec::new();
                if let Some(reason) = need.unconvertible {
                    notes.push(format!("unconvertible: {reason}"));
                }
                if need.unconvertible.is_none()
                    && let Some(stock_notes) = stock.notes.get(&(need.kind, need.slug.to_owned()))
                {
                    notes.extend(stock_notes.iter().cloned());
                }
                let to_buy_value = from_nano(to_buy);
                let mut row = ShoppingRow {
                    kind: need.kind,
                    item: need.slug.to_owned(),
                    name: need.name.to_owned(),
                    category: need.category.to_owned(),
                    needed: from_nano(needed).into(),
                    on_hand: from_nano(on_hand).into(),
                    to_buy: to_buy_value.into(),
                    unit: need.unit.to_string(),
                    status: if to_buy > 0 { "buy" } else { "sufficient" },
                    product: None,
                    brand: None,
                    packs: None,
                    pack_size: None,
                    pack_in_unit: None,
                    price: None,
                    min_packs: None,
                    cost: None,
                    bought_surplus: None,
                    note: String::new(),
                };
                if to_buy > 0 {
                    match choose_product(products.of(&of), need.unit, density, to_buy_value) {
                        None => notes.push("no product listed".to_owned()),
                        Some(product) => {
                            row.product = Some(product.name.clone());
                            row.brand = product.brand.clone();
                            row.pack_size = Some(product.pack.to_string());
                            row.price = product.price.map(Num);
                            row.min_packs = product.min_packs;
                            row.pack_in_unit =
                                convert(product.pack.value, product.pack.unit, need.unit, density)
                                    .ok()
                                    .map(Num);
                            match convert(to_buy_value, need.unit, product.pack.unit, density) {
                                Ok(in_pack_units) => {
                                    let packs = (in_pack_units / product.pack.value)
                                        .ceil()
                                        .to_u64()
                                        .unwrap_or(u64::MAX)
                                        .max(u64::from(product.min_packs.unwrap_or(1)));
                                    row.packs = Some(packs);
                                    row.cost = product
                                        .price
                                        .map(|price| Num(price * Decimal::from(packs)));
                                    if product.price.is_none() {
                                        notes.push("no price".to_owned());
                                    }
                                    let bought = convert(
                                        Decimal::from(packs) * product.pack.value,
                                        product.pack.unit,
                                        need.unit,
                                        density,
                                    )
                                    .unwrap_or_default();
                                    row.bought_surplus = Some(
                                        (bought - to_buy_value)
                                            .round_dp(crate::catalog::units::WORKING_SCALE)
                                            .into(),
                                    );
                                }
                                Err(error) => notes.push(format!(
                                    "pack {} cannot be compared: {error}",
                                    product.pack
                                )),
                            }
                        }
                    }
                } else {
                    row.packs = Some(0);
                    row.cost = Some(Num::default());
                }
                row.note = notes.join("; ");
                row
            },
        )
        .collect())
}

fn production_rows(
    c: &Catalog,
    order: &[&Recipe],
    holder_lines: &BTreeMap<&str, BTreeMap<(u32, u32), i64>>,
    stock: &StockPlan,
    ingredient_list: &[&crate::catalog::Ingredient],
) -> Vec<ProductionRow> {
    let mut remaining: BTreeMap<(u32, u32), i64> = BTreeMap::new();
    for (key, ingredient) in ingredient_list.iter().enumerate() {
        for unit in Unit::ALL {
            if let Some(qty) = stock
                .usable
                .get(&("ingredient", ingredient.slug.clone(), *unit))
            {
                remaining.insert((key as u32, unit_id(*unit)), *qty);
            }
        }
    }
    let _ = c;
    order
        .iter()
        .map(|recipe| {
            let mut shortages = Vec::new();
            for (&(key, unit), &needed) in
                holder_lines.get(recipe.slug.as_str()).into_iter().flatten()
            {
                let ingredient = ingredient_list[key as usize];
                let unit_value = unit_of(unit);
                if unit_value != ingredient.reporting_unit {
                    shortages.push(Blocker {
                        kind: "unconvertible",
                        item: ingredient.slug.clone(),
                        needed: from_nano(needed).into(),
                        available: Num::default(),
                        unit: unit_value.to_string(),
                        message: format!(
                            "{} in {unit_value} cannot be converted to {} for {}",
                            ingredient.name, ingredient.reporting_unit, recipe.name
                        ),
                    });
                    continue;
                }
                let available = remaining.get(&(key, unit)).copied().unwrap_or(0);
                if needed > available {
                    shortages.push(Blocker {
                        kind: "stock",
                        item: ingredient.slug.clone(),
                        needed: from_nano(needed).into(),
                        available: from_nano(available).into(),
                        unit: unit_value.to_string(),
                        message: format!(
                            "need {} {unit_value} more {} for {}",
                            from_nano(needed - available).round_dp(3).normalize(),
                            ingredient.name,
                            recipe.name
                        ),
                    });
                }
                remaining.insert((key, unit), (available - needed).max(0));
            }
            ProductionRow {
                recipe: recipe.slug.clone(),
                name: recipe.name.clone(),
                status: if shortages.is_empty() { "ok" } else { "short" },
                shortages,
            }
        })
        .collect()
}

/// Per-bundle requirements with nested bundles flattened: (kind, slug) → amount.
fn flatten_bundle(
    c: &Catalog,
    bundle: &str,
    count: Decimal,
    out: &mut BTreeMap<(&'static str, String), Decimal>,
    depth: usize,
) {
    let Some(b) = c.bundles.get(bundle) else {
        return;
    };
    for line in &b.contents {
        match line {
            BundleLine::Item { item, qty } => {
                *out.entry(("item", item.clone())).or_default() += count * Decimal::from(*qty)
            }
            BundleLine::Material { material, qty } => {
                *out.entry(("material", material.clone())).or_default() += count * qty
            }
            BundleLine::Bundle { bundle, qty } if depth <= c.bundles.len() => {
                flatten_bundle(c, bundle, count * Decimal::from(*qty), out, depth + 1)
            }
            BundleLine::Bundle { .. } => {}
        }
    }
}

/// Flattened per-bundle requirements, for tests of the explosion invariants.
#[cfg(test)]
pub(crate) fn flatten_for_tests(
    c: &Catalog,
    bundle: &str,
    out: &mut BTreeMap<(&'static str, String), Decimal>,
) {
    flatten_bundle(c, bundle, Decimal::ONE, out, 0);
}

fn assembly_rows(
    c: &Catalog,
    event: &Event,
    needs: &Needs,
    produced: &BTreeMap<&str, (u64, u64)>,
    stock: &StockPlan,
) -> Vec<AssemblyRow> {
    let baked = super::explode::finished_stock(c, event);
    let mut available: BTreeMap<(&'static str, String), Decimal> = BTreeMap::new();
    for (item, (made, _)) in produced {
        *available.entry(("item", (*item).to_owned())).or_default() += Decimal::from(*made);
    }
    for (of, count) in &baked {
        if let Stocked::Item(item) = of {
            *available.entry(("item", item.clone())).or_default() += Decimal::from(*count);
        }
    }
    for ((kind, slug, unit), qty) in &stock.usable {
        if *kind == "material" && c.materials.get(slug).is_some_and(|m| m.unit == *unit) {
            *available.entry(("material", slug.clone())).or_default() += from_nano(*qty);
        }
    }
    let display = |kind: &str, slug: &str| -> (String, String) {
        match kind {
            "item" => (
                c.item(slug)
                    .map_or_else(|| slug.to_owned(), |(_, y)| y.name.clone()),
                "each".to_owned(),
            ),
            _ => c.materials.get(slug).map_or_else(
                || (slug.to_owned(), String::new()),
                |m| (m.name.clone(), m.unit.to_string()),
            ),
        }
    };
    let mut rows = Vec::new();
    let mut demands = needs.bundles.iter();
    for target in &event.targets {
        match target {
            Target::Item { item, qty } => {
                let entry = available.entry(("item", item.clone())).or_default();
                *entry -= Decimal::from(*qty).min(*entry);
            }
            Target::Recipe { .. } => {}
            Target::Bundle { bundle, .. } => {
                let Some(demand) = demands.next() else {
                    continue;
                };
                let mut per_bundle = BTreeMap::new();
                flatten_bundle(c, bundle, Decimal::ONE, &mut per_bundle, 0);
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
                        let (name, unit) = display(key.0, &key.1);
                        let kind = if key.0 == "material" {
                            "material"
                        } else {
                            "stock"
                        };
                        blockers.push(Blocker {
                            kind,
                            item: key.1.clone(),
                            needed: wanted.into(),
                            available: have.into(),
                            unit: unit.clone(),
                            message: format!(
                                "{}: need {} more {}{}",
                                demand.bundle,
                                (wanted - have).normalize(),
                                if unit == "each" {
                                    String::new()
                                } else {
                                    format!("{unit} ")
                                },
                                name
                            ),
                        });
                    }
                    available.insert(key.clone(), have - *per * Decimal::from(can_make));
                }
                let assemblable = demand.from_stock + can_make;
                let status = if assemblable >= demand.qty {
                    "ok"
                } else if assemblable > 0 {
                    "partial"
                } else {
                    "blocked"
                };
                let contents = c
                    .bundles
                    .get(bundle)
                    .map(|b| {
                        b.contents
                            .iter()
                            .map(|line| match line {
                                BundleLine::Item { item, qty } => ContentRow {
                                    kind: "item",
                                    slug: item.clone(),
                                    name: display("item", item).0,
                                    qty: (*qty).into(),
                                    unit: "each".into(),
                                },
                                BundleLine::Bundle { bundle, qty } => ContentRow {
                                    kind: "bundle",
                                    slug: bundle.clone(),
                                    name: c
                                        .bundles
                                        .get(bundle)
                                        .map_or_else(|| bundle.clone(), |b| b.name.clone()),
                                    qty: (*qty).into(),
                                    unit: "each".into(),
                                },
                                BundleLine::Material { material, qty } => {
                                    let (name, unit) = display("material", material);
                                    ContentRow {
                                        kind: "material",
                                        slug: material.clone(),
                                        name,
                                        qty: (*qty).into(),
                                        unit,
                                    }
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                rows.push(AssemblyRow {
                    bundle: bundle.clone(),
                    name: c
                        .bundles
                        .get(bundle)
                        .map_or_else(|| bundle.clone(), |b| b.name.clone()),
                    instructions: c.bundles.get(bundle).and_then(|b| b.instructions.clone()),
                    target: demand.qty,
                    in_stock: demand.from_stock,
                    assemblable,
                    status,
                    contents,
                    blockers,
                });
            }
        }
    }
    rows
}

fn costs(
    c: &Catalog,
    products: &ProductIndex<'_>,
    ingredients: &[IngredientRow],
    materials: &[MaterialRow],
    shopping: &[ShoppingRow],
    order: &[&Recipe],
    totals: &BTreeMap<&str, Decimal>,
) -> Costs {
    // Unit prices are looked up once per (ingredient, unit).
    let prices: std::cell::RefCell<HashMap<(String, Unit), Option<Decimal>>> = Default::default();
    let ingredient_price = |slug: &str, unit: Unit| -> Option<Decimal> {
        if let Some(known) = prices.borrow().get(&(slug.to_owned(), unit)) {
            return *known;
        }
        let ingredient = c.ingredients.get(slug)?;
        let price = unit_price(
            products.of(&Stocked::Ingredient(slug.to_owned())),
            unit,
            ingredient.density.as_ref(),
        );
        prices.borrow_mut().insert((slug.to_owned(), unit), price);
        price
    };
    let material_price = |slug: &str| -> Option<Decimal> {
        let material = c.materials.get(slug)?;
        unit_price(
            products.of(&Stocked::Material(slug.to_owned())),
            material.unit,
            None,
        )
    };
    let mut total = Decimal::ZERO;
    let mut unknown_lines = 0;
    for row in ingredients {
        match Unit::parse(&row.unit).and_then(|u| ingredient_price(&row.ingredient, u)) {
            Some(price) => total += price * row.qty.0,
            None => unknown_lines += 1,
        }
    }
    for row in materials {
        match material_price(&row.material) {
            Some(price) => total += price * row.qty.0,
            None => unknown_lines += 1,
        }
    }
    // Batch cost per recipe, sub-recipes first (production order guarantees children first).
    let mut batch_cost: BTreeMap<&str, Option<Decimal>> = BTreeMap::new();
    for recipe in order {
        let mut cost = Some(Decimal::ZERO);
        for line in &recipe.ingredients {
            cost = cost
                .zip(ingredient_price(&line.ingredient, line.qty.unit))
                .map(|(sum, price)| sum + price * line.qty.value);
        }
        for component in &recipe.components {
            cost = cost
                .zip(batch_cost.get(component.recipe.as_str()).copied().flatten())
                .map(|(sum, child)| sum + child * component.batches);
        }
        batch_cost.insert(&recipe.slug, cost);
    }
    let money = |d: Decimal| Num(d.round_dp(6));
    let per_recipe = order
        .iter()
        .map(|r| {
            let cost = batch_cost.get(r.slug.as_str()).copied().flatten();
            RecipeCost {
                recipe: r.slug.clone(),
                name: r.name.clone(),
                batch_cost: cost.map(money),
                total: cost
                    .map(|b| money(b * totals.get(r.slug.as_str()).copied().unwrap_or_default())),
            }
        })
        .collect();
    let mut item_cost: BTreeMap<&str, Option<Decimal>> = BTreeMap::new();
    let mut per_item = Vec::new();
    for recipe in order {
        for y in &recipe.yields {
            let usable = usable_per_batch(recipe, y);
            let cost = batch_cost
                .get(recipe.slug.as_str())
                .copied()
                .flatten()
                .filter(|_| !usable.is_zero())
                .map(|b| b / usable);
            item_cost.insert(&y.slug, cost);
            per_item.push(ItemCost {
                item: y.slug.clone(),
                name: y.name.clone(),
                unit_cost: cost.map(money),
            });
        }
    }
    fn bundle_cost(
        c: &Catalog,
        slug: &str,
        items: &BTreeMap<&str, Option<Decimal>>,
        material_price: &dyn Fn(&str) -> Option<Decimal>,
        depth: usize,
    ) -> Option<Decimal> {
        let b = c.bundles.get(slug)?;
        let mut sum = Decimal::ZERO;
        for line in &b.contents {
            let part = match line {
                BundleLine::Item { item, qty } => items
                    .get(item.as_str())
                    .copied()
                    .flatten()
                    .map(|p| p * Decimal::from(*qty)),
                BundleLine::Bundle { bundle, qty } if depth < c.bundles.len() => {
                    bundle_cost(c, bundle, items, material_price, depth + 1)
                        .map(|p| p * Decimal::from(*qty))
                }
                BundleLine::Bundle { .. } => None,
                BundleLine::Material { material, qty } => material_price(material).map(|p| p * qty),
            };
            sum += part?;
        }
        Some(sum)
    }
    let per_bundle = c
        .bundles
        .values()
        .map(|b| BundleCost {
            bundle: b.slug.clone(),
            name: b.name.clone(),
            unit_cost: bundle_cost(c, &b.slug, &item_cost, &material_price, 0).map(money),
        })
        .collect();
    let shopping_total = shopping.iter().filter_map(|r| r.cost.map(|n| n.0)).sum();
    Costs {
        currency: c.settings.currency.clone(),
        total: money(total),
        shopping_total: Num(shopping_total),
        unknown_lines,
        per_recipe,
        per_item,
        per_bundle,
    }
}
