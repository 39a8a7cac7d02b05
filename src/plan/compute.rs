//! From frozen snapshots to [`PlanResult`]s (SPEC §5), step by step.
//!
//! Pure: no I/O, no database, no clock. An [`Engine`] is built once per catalogue (lookups,
//! flattened bundles, per-batch recipe expansions); events are computed in batches: the
//! per-event steps run in parallel, and the contribution lines of a whole batch are summed
//! and netted in one polars frame. Every parallel step collects in input order and sums are
//! exact integers, so the result is the same bytes whatever the thread count — and the same
//! whether an event is computed alone from its snapshot or with others from the catalogue it
//! was frozen from.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rayon::prelude::*;

use super::aggregate::{self, Line, Netted, SourceSum, Tables, TotalKey, from_fixed, to_fixed};
use super::batches::{Batches, batch_rows, batch_warnings, plan_batches, produced_items};
use super::bound;
use super::expand::{Expansions, Paths, contributions};
use super::explode::{Bundles, MaterialUse, Needs, explode, material_uses};
use super::index::Index;
use super::kinds::{LineKind, ShoppingStatus, TargetKind};
use super::recipes::{Production, production, recipe_rows};
use super::result::*;
use super::rollup::Need;
use super::schedule::{self, Schedule};
use super::shopping::{remarks, shopping_row, sort_rows, unconvertible};
use super::stock::Stock;
use super::{assembly, cost, feasibility, purchase_dates};
use crate::catalog::{Catalog, Event, Settings, Target, Unit};
use crate::store::{PlanMeta, Snapshot};

/// Events whose contribution lines share one frame. A batch's plans are all in memory at
/// once (a chain event's plan is several megabytes), and the night holds two batches (one
/// being stored while the next is made), so the batch is small; 8 events still give every
/// core several plans to compute and render (16 took 50 MB more on the chain catalogue,
/// and no less time).
pub const BATCH: usize = 8;

/// Why a plan could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The snapshot holds no event.
    #[error("the plan snapshot holds no event")]
    NoEvent,
    /// The table engine failed.
    #[error("table computation failed: {0}")]
    Table(#[from] polars::prelude::PolarsError),
    /// An amount is beyond what bakeplan counts exactly.
    #[error("too large to plan exactly: {0}")]
    TooLarge(String),
}

/// One event to compute, with the frozen plan it belongs to.
#[derive(Debug, Clone)]
pub struct Job<'c> {
    /// The event.
    pub event: &'c Event,
    /// The plan's identity.
    pub plan: PlanMeta,
}

/// A computed plan, and what the run's purchase roll-up needs from it.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The plan.
    pub result: PlanResult,
    /// Its shopping needs for the roll-up (event position 0; the caller renumbers).
    pub needs: Vec<Need>,
}

/// The plan engine over one catalogue: lookups, flattened bundles and per-batch recipe
/// expansions, built once and shared by every event computed from it.
pub struct Engine<'c> {
    index: Index<'c>,
    bundles: Bundles<'c>,
    expansions: Expansions,
    /// Unit prices and batch costs, worked out once for every event.
    prices: cost::PriceBook,
    /// [`bound::catalogue_fits`], proved on first use.
    catalogue_fits: std::sync::OnceLock<bool>,
}

/// Computes one snapshot's plan.
pub fn compute(snapshot: &Snapshot) -> Result<PlanResult, PlanError> {
    let engine = Engine::new(&snapshot.catalog);
    compute_one(&engine, snapshot).map(|c| c.result)
}

/// Computes the plan of `snapshot` with `engine`, built over the snapshot's catalogue.
pub(crate) fn compute_one(engine: &Engine<'_>, snapshot: &Snapshot) -> Result<Computed, PlanError> {
    let event = snapshot.event().ok_or(PlanError::NoEvent)?;
    let job = Job {
        event,
        plan: snapshot.plan.clone(),
    };
    engine
        .compute_batch(&[job])?
        .pop()
        .ok_or(PlanError::NoEvent)
}

/// Everything computed for one event before its lines are summed.
struct Draft<'c> {
    needs: Needs,
    batches: Batches<'c>,
    production: Production<'c>,
    paths: Paths<'c>,
    lines: Vec<Line>,
    stock: Stock,
}

impl<'c> Engine<'c> {
    /// Builds the engine for `catalog`: O(catalogue).
    pub fn new(catalog: &'c Catalog) -> Engine<'c> {
        let index = Index::new(catalog);
        let bundles = Bundles::new(&index);
        let expansions = Expansions::all(&index);
        let prices = cost::PriceBook::new(&index);
        Engine {
            prices,
            index,
            bundles,
            expansions,
            catalogue_fits: std::sync::OnceLock::new(),
        }
    }

    /// The lookups over the catalogue.
    pub fn index(&self) -> &Index<'c> {
        &self.index
    }

    /// §5.1–§5.2 alone: what an event's targets need.
    pub fn needs(&self, event: &Event) -> Result<Needs, PlanError> {
        explode(&self.index, &self.bundles, event)
    }

    /// Whether every amount of an event's plan fits exact arithmetic, given what its targets
    /// need ([`Engine::needs`]). A cheap upper bound clears almost every event; the others
    /// are drafted and summed.
    pub fn bounds(&self, event: &'c Event, needs: &Needs) -> Result<(), PlanError> {
        if self.provably_fits(event, needs) {
            return Ok(());
        }
        self.summed(event)
    }

    /// Whether the cheap bound alone proves that `event`'s plan fits (see [`bound`]).
    pub(super) fn provably_fits(&self, event: &Event, needs: &Needs) -> bool {
        let catalogue_fits = *self
            .catalogue_fits
            .get_or_init(|| bound::catalogue_fits(&self.index));
        bound::fits(
            &self.index,
            &self.bundles,
            &self.expansions,
            event,
            needs,
            catalogue_fits,
        )
    }

    /// Drafts `event` and sums its contribution lines exactly.
    pub(super) fn summed(&self, event: &'c Event) -> Result<(), PlanError> {
        aggregate::check_sums(&self.draft(0, event)?.lines)
    }

    /// Computes a batch of at most [`BATCH`] jobs: the per-event steps in parallel, the
    /// contribution lines of all of them summed and netted in one frame. Results come back
    /// in job order. Callers with more events call it once per [`BATCH`] so that memory holds
    /// one batch of plans at a time.
    pub fn compute_batch(&self, jobs: &[Job<'c>]) -> Result<Vec<Computed>, PlanError> {
        if jobs.len() > aggregate::MAX_EVENTS {
            return Err(PlanError::TooLarge(format!(
                "{} events in one batch (at most {})",
                jobs.len(),
                aggregate::MAX_EVENTS
            )));
        }
        let mut drafts: Vec<Draft<'c>> = jobs
            .par_iter()
            .enumerate()
            .map(|(n, job)| self.draft(n as u32, job.event))
            .collect::<Result<_, PlanError>>()?;
        let lines: Vec<&[Line]> = drafts.iter().map(|d| d.lines.as_slice()).collect();
        let stock: Vec<(TotalKey, i64)> = drafts
            .iter()
            .enumerate()
            .flat_map(|(n, d)| {
                d.stock
                    .usable
                    .iter()
                    .filter_map(move |(&(kind, id, unit), &qty)| {
                        Some((TotalKey::new(n as u32, kind, id, unit)?, qty))
                    })
            })
            .collect();
        let tables = aggregate::aggregate(&lines, &stock)?;
        drop(lines);
        // Their sums are in `tables`: free the lines before the plans are made.
        for draft in &mut drafts {
            draft.lines = Vec::new();
        }
        jobs.par_iter()
            .zip(drafts)
            .enumerate()
            .map(|(n, (job, draft))| self.finish(job, draft, &tables, n as u32))
            .collect()
    }

    /// §5.1–§5.4 for one event: explosion, batches, production order, contribution lines
    /// and usable stock.
    fn draft(&self, n: u32, event: &'c Event) -> Result<Draft<'c>, PlanError> {
        let needs = explode(&self.index, &self.bundles, event)?;
        let batches = plan_batches(&self.index, event, &needs)?;
        let roots = batches.roots();
        let production = production(&self.index, &roots, event.date)?;
        let mut paths = Paths::default();
        let mut lines = contributions(
            &self.index,
            &self.expansions,
            n,
            &roots,
            &production,
            &mut paths,
        )?;
        for MaterialUse {
            material,
            path,
            qty,
        } in material_uses(&self.bundles, event, &needs)?
        {
            let unit = self.index.material_at(material).unit;
            let qty = to_fixed(qty).ok_or_else(|| {
                PlanError::TooLarge(format!(
                    "{} {unit} of {}",
                    qty.normalize(),
                    self.index.material_at(material).slug
                ))
            })?;
            let path = paths.id(path.into_iter().map(str::to_owned).collect());
            lines.push(Line::new(n, LineKind::Material, material, unit, path, qty));
        }
        let stock = Stock::usable(&self.index, event, &self.units(&lines))?;
        Ok(Draft {
            needs,
            batches,
            production,
            paths,
            lines,
            stock,
        })
    }

    /// The units each ingredient and material of `lines` is totalled in (see
    /// [`Stock::units`]).
    fn units(&self, lines: &[Line]) -> BTreeMap<(LineKind, u32), Vec<Unit>> {
        Stock::units(
            &self.index,
            lines
                .iter()
                .filter_map(|l| l.key)
                .map(|key| (key.kind(), key.id(), key.unit())),
        )
    }

    /// §5.4–§5.7 for one event, from its summed lines: totals, shopping, feasibility, cost,
    /// schedule.
    fn finish(
        &self,
        job: &Job<'c>,
        draft: Draft<'c>,
        tables: &Tables,
        n: u32,
    ) -> Result<Computed, PlanError> {
        let (index, event) = (&self.index, job.event);
        let settings = &index.catalog.settings;
        let (sources, totals) = tables.of_event(n);
        let (ingredients, materials) =
            self.total_rows(totals, sources, (&event.slug, &draft.paths));
        let mut warnings = unconvertible_warnings(&ingredients);
        warnings.extend(draft.stock.notes.values().flatten().cloned());
        let (mut shopping, mut needs) = self.shopping(totals, &draft.stock);
        warnings.extend(unbuyable_warnings(&shopping));
        let batches = batch_rows(&draft.batches);
        warnings.extend(batch_warnings(&batches, settings.waste_warn_pct));
        let produced = produced_items(index, &draft.batches, &batches);
        let mut recipes = recipe_rows(index, &draft.production, &produced);
        let production = feasibility::production_rows(index, &draft.production, &draft.stock)?;
        let mut assembly = assembly::assembly_rows(
            index,
            &self.bundles,
            event,
            &draft.needs,
            &produced,
            &draft.stock,
        )?;
        let feasibility = feasibility::verdict(
            &shopping,
            &production,
            &assembly,
            &batches,
            &draft.batches.missing,
        );
        let reached = self.bundles_reached(&draft.needs);
        let costs = cost::costs(
            index,
            &self.prices,
            &reached,
            &ingredients,
            &materials,
            &shopping,
            &draft.production,
        );
        cost::annotate(&costs, &mut recipes, &mut assembly);
        let schedule =
            schedule::schedule(&draft.production, event.date, settings.work_minutes_per_day);
        warnings.extend(schedule.warnings.iter().cloned());
        schedule::in_schedule_order(&schedule, &mut recipes);
        self.date_purchases(
            &schedule,
            &ingredients,
            event.date,
            (&mut shopping, &mut needs),
        );
        Ok(Computed {
            result: PlanResult {
                schema_version: SCHEMA_VERSION,
                plan: job.plan.clone(),
                event: event_info(event),
                settings: settings_info(settings),
                targets: event.targets.iter().map(|t| target_row(index, t)).collect(),
                warnings,
                batches,
                recipes,
                ingredients,
                materials,
                shopping,
                production,
                schedule,
                assembly,
                feasibility,
                costs,
                progress: None,
            },
            needs,
        })
    }

    /// §5.5: the shopping list of an event's netted totals (by category and name), and the
    /// same lines as needs for the run's purchase roll-up (in total order, dated later).
    fn shopping(&self, totals: &[Netted], stock: &Stock) -> (Vec<ShoppingRow>, Vec<Need>) {
        let index = &self.index;
        let mut shopping = Vec::with_capacity(totals.len());
        let mut needs = Vec::with_capacity(totals.len());
        for netted in totals {
            let notes = remarks(index, netted.key, stock);
            needs.push(Need {
                event: 0,
                key: netted.key,
                needed: netted.needed,
                on_hand: netted.on_hand,
                remarks: notes.clone(),
                needed_by: None,
            });
            shopping.push(shopping_row(
                index,
                netted.key,
                [netted.needed, netted.on_hand, netted.to_buy],
                notes,
            ));
        }
        sort_rows(&mut shopping, index);
        (shopping, needs)
    }

    /// Dates what to buy from the schedule: each line by the first day a recipe its sources
    /// pass through is made (packaging by the event day), on the shopping list and the
    /// needs alike.
    fn date_purchases(
        &self,
        schedule: &Schedule,
        ingredients: &[IngredientRow],
        date: NaiveDate,
        (shopping, needs): (&mut [ShoppingRow], &mut [Need]),
    ) {
        let first_needed = purchase_dates::first_needed(schedule, ingredients, date);
        purchase_dates::order_dates(&first_needed, shopping, date);
        for need in needs {
            need.needed_by = Some(match need.key.kind() {
                LineKind::Ingredient => first_needed
                    .get(self.index.ingredient_at(need.key.id()).slug.as_str())
                    .copied()
                    .unwrap_or(date),
                LineKind::Material => date,
            });
        }
    }

    /// Ingredient rows (by category and name, lines kept apart after the converted total)
    /// and material rows (by slug), each with its sources.
    fn total_rows(
        &self,
        totals: &[Netted],
        sources: &[SourceSum],
        (event, paths): (&str, &Paths<'_>),
    ) -> (Vec<IngredientRow>, Vec<MaterialRow>) {
        let index = &self.index;
        let kitchen = super::kitchen::Kitchen::of(&index.catalog.settings);
        let (mut ingredients, mut materials) = (Vec::new(), Vec::new());
        // Each path is spelled once and shared by the sources reached through it.
        let mut spelled: foldhash::HashMap<u32, std::sync::Arc<[String]>> = Default::default();
        let mut at = 0;
        for total in totals {
            let start = at;
            while at < sources.len() && sources[at].key == total.key {
                at += 1;
            }
            let unit = total.key.unit();
            let rows = sources[start..at]
                .iter()
                .map(|s| Source {
                    path: spelled
                        .entry(s.path)
                        .or_insert_with(|| {
                            paths.spell(s.path, event, index, &self.expansions).into()
                        })
                        .clone(),
                    qty: from_fixed(s.qty).into(),
                    unit,
                })
                .collect();
            let id = total.key.id();
            match total.key.kind() {
                LineKind::Ingredient => {
                    let ingredient = index.ingredient_at(id);
                    let qty = from_fixed(total.needed);
                    let (kitchen_qty, kitchen_unit) =
                        kitchen.amount(qty, unit, ingredient.density.as_ref());
                    ingredients.push(IngredientRow {
                        ingredient: ingredient.slug.clone(),
                        name: ingredient.name.clone(),
                        category: ingredient.category.clone(),
                        qty: qty.into(),
                        unit,
                        kitchen_qty: kitchen_qty.into(),
                        kitchen_unit,
                        unconvertible: unconvertible(index, id, unit),
                        sources: rows,
                    });
                }
                LineKind::Material => {
                    let material = index.material_at(id);
                    materials.push(MaterialRow {
                        material: material.slug.clone(),
                        name: material.name.clone(),
                        qty: from_fixed(total.needed).into(),
                        unit,
                        sources: rows,
                    });
                }
            }
        }
        ingredients.sort_by(|a, b| {
            (
                &a.category,
                &a.name,
                &a.ingredient,
                a.unconvertible.is_some(),
                a.unit.symbol(),
            )
                .cmp(&(
                    &b.category,
                    &b.name,
                    &b.ingredient,
                    b.unconvertible.is_some(),
                    b.unit.symbol(),
                ))
        });
        (ingredients, materials)
    }

    /// Every bundle an event's bundle targets reach, nested ones included, by slug.
    fn bundles_reached(&self, needs: &Needs) -> Vec<&'c str> {
        let mut reached: BTreeSet<&'c str> = BTreeSet::new();
        for demand in &needs.bundles {
            let Some((slug, _)) = self.index.catalog.bundles.get_key_value(&demand.bundle) else {
                continue;
            };
            reached.insert(slug);
            if let Ok(Some(flat)) = self.bundles.flat(slug) {
                for group in &flat.groups {
                    reached.extend(self.bundles.path_slugs(&group.path));
                }
            }
        }
        reached.into_iter().collect()
    }
}

/// A warning per ingredient line kept apart because it could not be converted.
fn unconvertible_warnings(ingredients: &[IngredientRow]) -> Vec<String> {
    ingredients
        .iter()
        .filter_map(|row| {
            let reason = row.unconvertible.as_deref()?;
            Some(format!(
                "{} {} {} kept apart: {reason}",
                row.name,
                row.qty.0.normalize(),
                row.unit
            ))
        })
        .collect()
}

/// A warning per line to buy that no product sells.
fn unbuyable_warnings(shopping: &[ShoppingRow]) -> impl Iterator<Item = String> + '_ {
    shopping
        .iter()
        .filter(|r| r.status == ShoppingStatus::Buy && r.product.is_none())
        .map(|r| format!("no product to buy {} from", r.name))
}

/// The event as the plan shows it.
fn event_info(event: &Event) -> EventInfo {
    EventInfo {
        slug: event.slug.clone(),
        name: event.name.clone(),
        date: event.date,
        overage_pct: event.overage_pct.into(),
    }
}

/// The settings the reports format with.
fn settings_info(settings: &Settings) -> SettingsInfo {
    SettingsInfo {
        currency: settings.currency.clone(),
        decimals: settings.decimals,
        waste_warn_pct: settings.waste_warn_pct.into(),
        paper: settings.paper.unwrap_or(crate::catalog::Paper::Letter),
    }
}

fn target_row(index: &Index<'_>, target: &Target) -> TargetRow {
    match target {
        Target::Bundle { bundle, qty } => TargetRow {
            kind: TargetKind::Bundle,
            slug: bundle.clone(),
            name: index.bundle_name(bundle),
            qty: (*qty).into(),
        },
        Target::Item { item, qty } => TargetRow {
            kind: TargetKind::Item,
            slug: item.clone(),
            name: index.item_name(item),
            qty: (*qty).into(),
        },
        Target::Recipe { recipe, batches } => TargetRow {
            kind: TargetKind::Recipe,
            slug: recipe.clone(),
            name: index
                .recipe(recipe)
                .map_or_else(|| recipe.clone(), |r| r.name.clone()),
            qty: (*batches).into(),
        },
    }
}
