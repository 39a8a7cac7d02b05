//! The plan stage of a night: the events computed a batch at a time, each plan's reports
//! rendered and its results stored.
//!
//! SQLite writes on one core. A batch's results are stored while the next batch is computed
//! and rendered (`rayon::join`), so the cores do not wait for the write at the end of every
//! batch; the writing is a task of the same thread pool, so `RAYON_NUM_THREADS=N` is the
//! number of cores the stage uses (a writer thread of its own took a core more). At most two
//! batches of plans are held: the one being stored and the one being made.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use super::held::HeldChanges;
use super::{EventReport, RunError, RunOptions, Selected, Step, ms, results, verdict};
use crate::plan::compute::BATCH;
use crate::plan::rollup::Rollup;
use crate::plan::{Engine, Job, PlanResult};
use crate::report::{self, RenderFailure, Reports};
use crate::store::{Frozen, Store, StoreError};

/// What the run keeps of one plan once its reports are written.
pub(super) struct Outcome {
    /// The event's entry in `run-report.json`.
    pub(super) report: EventReport,
    /// The plan, when a `per: run` report reads every plan.
    pub(super) plan: Option<Arc<PlanResult>>,
}

/// What the plan stage reads, besides the jobs.
pub(super) struct Stage<'a> {
    pub(super) options: &'a RunOptions,
    pub(super) progress: &'a (dyn Fn(Step) + Sync),
    pub(super) reports: &'a Reports,
    pub(super) selected: &'a Selected<'a>,
    pub(super) engine: &'a Engine<'a>,
    pub(super) frozen: &'a [Frozen],
    pub(super) held: &'a HeldChanges,
    pub(super) now: &'a str,
}

/// The plan stage's results.
pub(super) struct Planned {
    /// One per job, in job order.
    pub(super) outcomes: Vec<Outcome>,
    /// Every event's needs, for the purchase roll-up.
    pub(super) rollup: Rollup,
    /// How many plans' results were new to the database.
    pub(super) stored_results: usize,
    /// Milliseconds spent computing.
    pub(super) compute_ms: f64,
    /// Milliseconds the writer's thread spent storing (overlapping the other two).
    pub(super) store_ms: f64,
    /// Milliseconds spent rendering.
    pub(super) render_ms: f64,
}

/// The store's side of the stage: each plan's computation id, in job order.
struct Stored {
    ids: Vec<i64>,
    new: usize,
    ms: f64,
}

/// Computes, renders and stores every job, a batch at a time.
pub(super) fn plan_all(stage: &Stage<'_>, jobs: &[Job<'_>]) -> Result<Planned, RunError> {
    let mut db = Store::open(&stage.options.db)?;
    let mut stored = Stored {
        ids: Vec::with_capacity(jobs.len()),
        new: 0,
        ms: 0.0,
    };
    let mut planned = Planned {
        outcomes: Vec::with_capacity(jobs.len()),
        rollup: Rollup::default(),
        stored_results: 0,
        compute_ms: 0.0,
        store_ms: 0.0,
        render_ms: 0.0,
    };
    let mut previous: Vec<Arc<PlanResult>> = Vec::new();
    for (batch, chunk) in jobs.chunks(BATCH).enumerate() {
        let (written, made) = rayon::join(
            || {
                store_batch(
                    &mut db,
                    std::mem::take(&mut previous),
                    stage.now,
                    &mut stored,
                )
            },
            || {
                let plans = compute(stage, batch, chunk, &mut planned)?;
                let started = Instant::now();
                let rendered = render_batch(stage, batch, plans.clone());
                planned.render_ms += ms(started);
                rendered.map(|outcomes| (plans, outcomes))
            },
        );
        written?;
        let (plans, outcomes) = made?;
        planned.outcomes.extend(outcomes);
        previous = plans;
    }
    store_batch(&mut db, previous, stage.now, &mut stored)?;
    for (outcome, id) in planned.outcomes.iter_mut().zip(&stored.ids) {
        outcome.report.computation_id = *id;
    }
    planned.stored_results = stored.new;
    planned.store_ms = stored.ms;
    Ok(planned)
}

/// Renders the reports of one batch's plans, in parallel, in job order.
fn render_batch(
    stage: &Stage<'_>,
    batch: usize,
    plans: Vec<Arc<PlanResult>>,
) -> Result<Vec<Outcome>, RunError> {
    plans
        .into_par_iter()
        .zip(&stage.frozen[batch * BATCH..])
        .map(|(plan, frozen)| {
            let outcome = render_plan(stage, plan, frozen)?;
            (stage.progress)(Step::Done(format!("{} planned", outcome.report.event)));
            Ok(outcome)
        })
        .collect()
}

/// Stores one batch's plan results (nothing for an empty batch).
fn store_batch(
    db: &mut Store,
    plans: Vec<Arc<PlanResult>>,
    now: &str,
    stored: &mut Stored,
) -> Result<(), StoreError> {
    if plans.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    let known = results::known(db, &plans)?;
    let (ids, new) = results::write(db, plans, known, now)?;
    stored.ids.extend(ids);
    stored.new += new;
    stored.ms += ms(started);
    Ok(())
}

/// Computes one batch of jobs (events held in production from their remaining work) and
/// adds their needs to the roll-up.
fn compute(
    stage: &Stage<'_>,
    batch: usize,
    chunk: &[Job<'_>],
    planned: &mut Planned,
) -> Result<Vec<Arc<PlanResult>>, RunError> {
    let started = Instant::now();
    let held = stage.held;
    let mut computed = stage.engine.compute_batch(chunk)?;
    for (offset, slot) in computed.iter_mut().enumerate() {
        let position = batch * BATCH + offset;
        if let Some(snapshot) = held.snapshots.get(&position) {
            *slot = crate::plan::compute_held(snapshot, stage.engine.index())?;
        }
        let event = &stage.frozen[position].event;
        if let Some(warning) = held.warnings.get(event) {
            slot.result.warnings.insert(0, warning.clone());
        }
        slot.result.progress = held.progress.get(event).cloned();
    }
    // The roll-up takes each event's needs as it is computed (batches and the plans in
    // them are in date order); the plans are freed batch by batch.
    let mut plans = Vec::with_capacity(computed.len());
    for (offset, c) in computed.into_iter().enumerate() {
        let position = u32::try_from(batch * BATCH + offset).unwrap_or(u32::MAX);
        for mut need in c.needs {
            need.event = position;
            planned.rollup.add(need);
        }
        plans.push(Arc::new(c.result));
    }
    planned.compute_ms += ms(started);
    Ok(plans)
}

/// Renders and writes the `per: plan` reports of one computed plan.
fn render_plan(
    stage: &Stage<'_>,
    plan: Arc<PlanResult>,
    frozen: &Frozen,
) -> Result<Outcome, RunError> {
    let (options, reports, selected) = (stage.options, stage.reports, stage.selected);
    let started = Instant::now();
    let context = report::plan_context(Arc::clone(&plan));
    let mut files = Vec::new();
    for manifest in &selected.per_plan {
        let path = reports
            .output_path(manifest, &context)
            .map_err(RunError::Render)?;
        let file =
            crate::AtomicFile::create_inside(&options.out, &path).map_err(RunError::Write)?;
        reports
            .render_into(manifest, context.clone(), file)
            .map_err(|failure| match failure {
                RenderFailure::Report(error) => RunError::Render(error),
                RenderFailure::Write(error) => RunError::Write(error),
            })?
            .commit()
            .map_err(RunError::Write)?;
        files.push(path.display().to_string());
    }
    drop(context);
    let p = &*plan;
    let report = EventReport {
        event: p.event.slug.clone(),
        name: p.event.name.clone(),
        date: p.event.date,
        plan_id: frozen.plan.id,
        // Set once the results are stored (they are written while this renders).
        computation_id: 0,
        reused: frozen.reused,
        held: frozen.held,
        input_hash: frozen.plan.input_hash.clone(),
        feasible: p.feasibility.feasible,
        verdict: p.feasibility.status,
        counts: BTreeMap::from([
            ("batches", p.batches.len()),
            ("recipes", p.recipes.len()),
            ("ingredients", p.ingredients.len()),
            ("shopping_lines", p.shopping.len()),
            (
                "to_buy",
                p.shopping
                    .iter()
                    .filter(|s| s.status == crate::plan::kinds::ShoppingStatus::Buy)
                    .count(),
            ),
            ("bundle_targets", p.assembly.len()),
            ("blockers", p.feasibility.blockers.len()),
            ("warnings", p.warnings.len()),
        ]),
        // The plan's warnings, and what the run's day says about its schedule (plan.json
        // stays a function of the plan: it does not know the day it is read on).
        warnings: p
            .warnings
            .iter()
            .cloned()
            .chain(crate::plan::purchase_dates::overdue(
                &p.schedule,
                &p.shopping,
                options.now.date_naive(),
            ))
            .collect(),
        blockers: p
            .feasibility
            .blockers
            .iter()
            .take(verdict::BLOCKERS_LISTED)
            .cloned()
            .collect(),
        blockers_omitted: p
            .feasibility
            .blockers
            .len()
            .saturating_sub(verdict::BLOCKERS_LISTED),
        files,
        timings_ms: BTreeMap::from([("render", ms(started))]),
    };
    Ok(Outcome {
        report,
        plan: selected.keep_plans.then_some(plan),
    })
}
