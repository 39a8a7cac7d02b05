//! The nightly job: check, import, freeze, compute and render in one call (SPEC §8).
//!
//! Everything between the catalogue directory and the files in the output directory. The
//! caller gets progress events to show (the library never prints) and a [`RunReport`],
//! which is also written as `run-report.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, SecondsFormat, Utc};
use rayon::prelude::*;
use serde::Serialize;

use crate::catalog::{Diagnostic, LoadOptions};
use crate::plan::{self, ENGINE_VERSION, PlanError, PlanResult};
use crate::report::{self, Per, ReportError, Reports, RunContext, RunInfo};
use crate::store::{self, ImportSummary, Store, StoreError};

/// Which events a run plans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Events {
    /// Events dated today or later (by the run's clock).
    Upcoming,
    /// Every event.
    All,
    /// One event.
    One(String),
}

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Catalogue directory.
    pub catalogue: PathBuf,
    /// Database file.
    pub db: PathBuf,
    /// Output directory.
    pub out: PathBuf,
    /// Events to plan.
    pub events: Events,
    /// The run's clock.
    pub now: DateTime<Utc>,
    /// User reports directory.
    pub reports_dir: Option<PathBuf>,
    /// Reports to render (empty: all).
    pub report_names: Vec<String>,
    /// Catalogue loading limits.
    pub load: LoadOptions,
}

/// A step of the run, for progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A stage begins; `total` units of work follow.
    Stage {
        /// Stage name.
        name: &'static str,
        /// Units of work in it.
        total: usize,
    },
    /// One unit of work done.
    Done(String),
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The catalogue has errors (nothing was imported).
    #[error("the catalogue has {} error(s)", .0.len())]
    Input(Vec<Diagnostic>),
    /// A report manifest or template is wrong.
    #[error("{0}")]
    Report(#[from] ReportError),
    /// The database failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Computing a plan failed.
    #[error("{0}")]
    Plan(#[from] PlanError),
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Per-event outcome of a run.
#[derive(Debug, Clone, Serialize)]
pub struct EventReport {
    /// Event slug.
    pub event: String,
    /// Event name.
    pub name: String,
    /// Event date.
    pub date: chrono::NaiveDate,
    /// The plan used.
    pub plan_id: i64,
    /// Whether the plan was reused (inputs unchanged).
    pub reused: bool,
    /// Hash of the plan's inputs.
    pub input_hash: String,
    /// Whether every target can be met.
    pub feasible: bool,
    /// Sizes of the plan.
    pub counts: BTreeMap<&'static str, usize>,
    /// Warnings of the plan.
    pub warnings: Vec<String>,
    /// Blockers, as messages.
    pub blockers: Vec<String>,
    /// Files written for it, relative to the output directory.
    pub files: Vec<String>,
    /// Milliseconds spent computing and rendering it.
    pub timings_ms: BTreeMap<&'static str, f64>,
}

/// What a run did; written as `run-report.json`.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Engine version.
    pub engine_version: &'static str,
    /// The run's clock.
    pub now: String,
    /// Catalogue directory.
    pub catalogue: String,
    /// Database file.
    pub database: String,
    /// What the import changed.
    pub import: ImportSummary,
    /// One entry per planned event, date order.
    pub events: Vec<EventReport>,
    /// Files written for the whole run.
    pub run_files: Vec<String>,
    /// Milliseconds per stage.
    pub timings_ms: BTreeMap<&'static str, f64>,
}

impl RunReport {
    /// Whether any planned event is infeasible.
    pub fn any_infeasible(&self) -> bool {
        self.events.iter().any(|e| !e.feasible)
    }

    /// Whether any plan has warnings.
    pub fn any_warnings(&self) -> bool {
        self.events.iter().any(|e| !e.warnings.is_empty())
    }
}

fn ms(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

fn write(out: &Path, relative: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let path = out.join(relative);
    let io = |source| RunError::Io {
        path: path.clone(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    crate::write_atomically(&path, bytes).map_err(io)
}

/// Runs the nightly job.
pub fn run(options: &RunOptions, progress: &mut dyn FnMut(Step)) -> Result<RunReport, RunError> {
    let mut timings = BTreeMap::new();
    let now = options.now.to_rfc3339_opts(SecondsFormat::Secs, true);

    let started = Instant::now();
    progress(Step::Stage {
        name: "check",
        total: 1,
    });
    let reports = Reports::load(options.reports_dir.as_deref())?;
    let selected = reports.select(&options.report_names)?;
    let loaded = crate::check(&options.catalogue, options.load).map_err(RunError::Input)?;
    progress(Step::Done(format!(
        "{} checked",
        options.catalogue.display()
    )));
    timings.insert("check", ms(started));

    let started = Instant::now();
    progress(Step::Stage {
        name: "import",
        total: 1,
    });
    let mut db = Store::open(&options.db)?;
    let import = store::import(db.conn_mut(), &loaded.catalog, &now)?;
    progress(Step::Done(if import.written {
        "imported".to_owned()
    } else {
        "database unchanged".to_owned()
    }));
    timings.insert("import", ms(started));

    let started = Instant::now();
    let today = options.now.date_naive();
    let mut events: Vec<&crate::catalog::Event> = loaded
        .catalog
        .events
        .values()
        .filter(|e| match &options.events {
            Events::All => true,
            Events::Upcoming => e.date >= today,
            Events::One(slug) => &e.slug == slug,
        })
        .collect();
    if let Events::One(slug) = &options.events
        && events.is_empty()
    {
        return Err(StoreError::UnknownEvent {
            event: slug.clone(),
            known: loaded
                .catalog
                .events
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        }
        .into());
    }
    events.sort_by(|a, b| (a.date, &a.slug).cmp(&(b.date, &b.slug)));
    let slugs: Vec<String> = events.iter().map(|e| e.slug.clone()).collect();
    progress(Step::Stage {
        name: "freeze",
        total: slugs.len(),
    });
    let frozen = store::freeze(db.conn_mut(), &slugs, &now, false)?;
    for f in &frozen {
        tracing::info!(event = %f.event, plan = f.plan_id, reused = f.reused, "frozen");
        progress(Step::Done(format!(
            "{}: plan {}{}",
            f.event,
            f.plan_id,
            if f.reused { " (unchanged)" } else { "" }
        )));
    }
    timings.insert("freeze", ms(started));

    let started = Instant::now();
    progress(Step::Stage {
        name: "compute",
        total: frozen.len(),
    });
    let snapshots = frozen
        .iter()
        .map(|f| store::load_snapshot(db.conn(), f.plan_id))
        .collect::<Result<Vec<_>, _>>()?;
    let computed: Vec<(Result<PlanResult, PlanError>, f64)> = snapshots
        .par_iter()
        .map(|s| {
            let started = Instant::now();
            (plan::compute(s), ms(started))
        })
        .collect();
    let mut plans = Vec::new();
    let mut compute_ms = Vec::new();
    for (result, took) in computed {
        let result = result?;
        tracing::debug!(event = %result.event.slug, ms = took, feasible = result.feasibility.feasible, "computed");
        progress(Step::Done(format!("{} computed", result.event.slug)));
        plans.push(result);
        compute_ms.push(took);
    }
    timings.insert("compute", ms(started));

    let started = Instant::now();
    let per_plan: Vec<&report::Manifest> = selected
        .iter()
        .copied()
        .filter(|m| m.per == Per::Plan)
        .collect();
    let per_run: Vec<&report::Manifest> = selected
        .iter()
        .copied()
        .filter(|m| m.per == Per::Run)
        .collect();
    progress(Step::Stage {
        name: "render",
        total: plans.len() * per_plan.len() + per_run.len(),
    });
    let rendered: Vec<(Vec<report::Rendered>, f64)> = plans
        .par_iter()
        .map(|p| {
            let started = Instant::now();
            let files = per_plan
                .iter()
                .map(|m| reports.render_plan(m, p))
                .collect::<Result<Vec<_>, _>>();
            files.map(|f| (f, ms(started)))
        })
        .collect::<Result<_, _>>()?;
    let mut event_reports = Vec::new();
    for (((p, f), (files, render_ms)), took) in
        plans.iter().zip(&frozen).zip(rendered).zip(compute_ms)
    {
        let mut names = Vec::new();
        for (path, bytes) in &files {
            write(&options.out, path, bytes)?;
            names.push(path.display().to_string());
            progress(Step::Done(path.display().to_string()));
        }
        event_reports.push(EventReport {
            event: p.event.slug.clone(),
            name: p.event.name.clone(),
            date: p.event.date,
            plan_id: f.plan_id,
            reused: f.reused,
            input_hash: f.input_hash.clone(),
            feasible: p.feasibility.feasible,
            counts: BTreeMap::from([
                ("batches", p.batches.len()),
                ("recipes", p.recipes.len()),
                ("ingredients", p.ingredients.len()),
                ("shopping_lines", p.shopping.len()),
                (
                    "to_buy",
                    p.shopping.iter().filter(|s| s.status == "buy").count(),
                ),
                ("bundle_targets", p.assembly.len()),
                ("blockers", p.feasibility.blockers.len()),
                ("warnings", p.warnings.len()),
            ]),
            warnings: p.warnings.clone(),
            blockers: p
                .feasibility
                .blockers
                .iter()
                .map(|b| format!("[{}] {}", b.kind, b.message))
                .collect(),
            files: names,
            timings_ms: BTreeMap::from([("compute", took), ("render", render_ms)]),
        });
    }
    let mut run_files = Vec::new();
    if !per_run.is_empty() {
        let first = plans.first();
        let context = RunContext {
            rollup: report::rollup::rollup(&plans).map_err(PlanError::from)?,
            run: RunInfo {
                now: now.clone(),
                events: slugs.clone(),
                currency: first.map_or_else(|| "USD".to_owned(), |p| p.settings.currency.clone()),
                decimals: first.map_or(3, |p| p.settings.decimals),
            },
            plans,
        };
        for manifest in per_run {
            let (path, bytes) = reports.render_run(manifest, &context)?;
            write(&options.out, &path, &bytes)?;
            progress(Step::Done(path.display().to_string()));
            run_files.push(path.display().to_string());
        }
    }
    timings.insert("render", ms(started));

    let report = RunReport {
        engine_version: ENGINE_VERSION,
        now,
        catalogue: options.catalogue.display().to_string(),
        database: options.db.display().to_string(),
        import,
        events: event_reports,
        run_files,
        timings_ms: timings,
    };
    let json = serde_json::to_vec_pretty(&report).unwrap_or_default();
    write(&options.out, Path::new("run-report.json"), &json)?;
    Ok(report)
}
