//! The nightly job: check, import, freeze, compute and render in one call (SPEC §8).
//!
//! Everything between the catalogue directory and the files in the output directory. The
//! caller gets progress events to show (the library never prints) and a [`RunReport`],
//! which is also written as `run-report.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, SecondsFormat, Utc};
use rayon::prelude::*;

use crate::catalog::{Catalog, Diagnostic, Event, LoadOptions};
use crate::plan::rollup::RollupRow;
use crate::plan::{Engine, Job, PlanError, PlanResult};
use crate::report::{Manifest, Per, ReportError, Reports, RunContext, RunInfo};
use crate::store::{self, Frozen, ImportSummary, Store, StoreError};

mod held;
mod outputs;
mod planning;
mod results;
mod verdict;

pub use verdict::{
    EventReport, FailOn, RUN_REPORT_VERSION, RunReport, RunStatus, SkipReason, Skipped, plural,
};

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

/// One of `count` shards of a catalogue's events (`--shard index/count`, 0 ≤ index <
/// count): an event belongs to the shard its slug hashes to, the same on every machine and
/// whatever other events there are, so N runs with shards 0/N … N−1/N plan every event
/// exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl Shard {
    /// Parses `I/N` with 0 ≤ I < N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard {text:?}: write I/N, e.g. 0/3"))?;
        let index: u32 = i
            .trim()
            .parse()
            .map_err(|_| format!("--shard {text:?}: {i:?} is not a shard number"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("--shard {text:?}: {n:?} is not a number of shards"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "--shard {text:?}: the shard is counted from 0 and must be below the number of shards (0/{count} … {}/{count})",
                count.saturating_sub(1)
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether `event` (a slug) belongs to this shard.
    pub fn holds(self, event: &str) -> bool {
        let hash = blake3::hash(event.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&hash.as_bytes()[..8]);
        u64::from_le_bytes(first) % u64::from(self.count) == u64::from(self.index)
    }
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
    /// Allow the import to remove more than half of the live records.
    pub prune: bool,
    /// Which plan verdicts make the run exit 1.
    pub fail_on: FailOn,
    /// Plan only the events of this shard.
    pub shard: Option<Shard>,
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
    /// `--event` names no event of the catalogue (nothing was imported).
    #[error("no event {event:?} in the catalogue ({known}){}", hint.as_ref().map(|h| format!("; {h}")).unwrap_or_default())]
    UnknownEvent {
        /// The slug asked for.
        event: String,
        /// The catalogue's events, comma-separated.
        known: String,
        /// "did you mean …?"
        hint: Option<String>,
    },
    /// A report manifest or template is wrong.
    #[error("{0}")]
    Report(#[from] ReportError),
    /// A report failed to render after the catalogue was imported and the plans frozen
    /// (the database keeps them; rerunning after fixing the report reuses the plans).
    #[error(
        "{0}\nthe catalogue was imported and the plans frozen; fix the report and run again (the plans are reused)"
    )]
    Render(ReportError),
    /// The database failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Computing a plan failed.
    #[error("{0}")]
    Plan(#[from] PlanError),
    /// Writing an output file failed (the error names the path).
    #[error("cannot write {0}")]
    Write(std::io::Error),
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

fn ms(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

fn write(out: &Path, relative: &Path, bytes: &[u8]) -> Result<(), RunError> {
    crate::write_inside(out, relative, bytes)
        .map(drop)
        .map_err(RunError::Write)
}

/// The events a run plans, in date order; an unknown `--event` is an input error before
/// anything is imported.
fn select_events<'c>(
    catalog: &'c Catalog,
    which: &Events,
    today: chrono::NaiveDate,
    skipped: &mut Vec<Skipped>,
) -> Result<Vec<&'c Event>, RunError> {
    if *which == Events::Upcoming {
        skipped.extend(
            catalog
                .events
                .values()
                .filter(|e| e.date < today)
                .map(|e| Skipped {
                    event: e.slug.clone(),
                    date: e.date,
                    reason: SkipReason::Past,
                }),
        );
        skipped.sort_by(|a, b| (a.date, &a.event).cmp(&(b.date, &b.event)));
    }
    let mut events: Vec<&Event> = catalog
        .events
        .values()
        .filter(|e| match which {
            Events::All => true,
            Events::Upcoming => e.date >= today,
            Events::One(slug) => &e.slug == slug,
        })
        .collect();
    if let Events::One(slug) = which
        && events.is_empty()
    {
        let known: Vec<&str> = catalog.events.keys().map(String::as_str).collect();
        return Err(RunError::UnknownEvent {
            event: slug.clone(),
            hint: crate::catalog::diag::did_you_mean(slug, known.iter().copied()),
            known: if known.is_empty() {
                "it has none".to_owned()
            } else {
                format!("events: {}", known.join(", "))
            },
        });
    }
    events.sort_by(|a, b| (a.date, &a.slug).cmp(&(b.date, &b.slug)));
    Ok(events)
}

/// The reports of a run, split by what they are rendered from.
struct Selected<'r> {
    per_plan: Vec<&'r Manifest>,
    per_run: Vec<&'r Manifest>,
    /// Whether a `per: run` report reads every plan (then plans are kept for it).
    keep_plans: bool,
}

/// Runs the nightly job and writes `run-report.json` — also when the run stops on bad input
/// or a failure, with the errors in it. Files an earlier run wrote that this one no longer
/// produces are removed (see the `outputs` module).
pub fn run(options: &RunOptions, progress: &(dyn Fn(Step) + Sync)) -> Result<RunReport, RunError> {
    let now = options.now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut report = RunReport::started(now, [&options.catalogue, &options.db, &options.out]);
    let previous = outputs::previous_files(&options.out);
    let mut result = run_stages(options, progress, &mut report);
    if result.is_ok() {
        let current: std::collections::BTreeSet<String> = report
            .events
            .iter()
            .flat_map(|e| e.files.iter().cloned())
            .chain(report.run_files.iter().cloned())
            .collect();
        match outputs::remove_stale(&options.out, &previous, &current) {
            Ok(removed) => report.removed_files = removed,
            Err(e) => result = Err(RunError::Write(e)),
        }
    }
    if result.is_err() {
        report.earlier_files = previous.into_iter().collect();
    }
    match &result {
        Ok(()) => report.conclude(options.fail_on),
        Err(RunError::Input(errors)) => {
            report.errors = errors.clone();
            report.stopped(RunStatus::InputError);
        }
        Err(
            error @ (RunError::UnknownEvent { .. } | RunError::Store(StoreError::NoFolder { .. })),
        ) => {
            report.failure = Some(error.to_string());
            report.stopped(RunStatus::InputError);
        }
        Err(RunError::Report(error) | RunError::Render(error)) => {
            report.errors = error.0.clone();
            report.stopped(RunStatus::InputError);
        }
        Err(other) => {
            report.failure = Some(other.to_string());
            report.stopped(RunStatus::Failed);
        }
    }
    let written = serde_json::to_vec_pretty(&report)
        .map_err(std::io::Error::other)
        .and_then(|json| crate::write_inside(&options.out, Path::new("run-report.json"), &json));
    match (result, written) {
        (Ok(()), Ok(_)) => Ok(report),
        (Ok(()), Err(e)) => Err(RunError::Io {
            path: options.out.join("run-report.json"),
            source: e,
        }),
        (Err(error), Ok(_)) => Err(error),
        (Err(error), Err(e)) => {
            tracing::warn!("could not write run-report.json: {e}");
            Err(error)
        }
    }
}

/// The stages of the run, filling `out` as they go.
fn run_stages(
    options: &RunOptions,
    progress: &(dyn Fn(Step) + Sync),
    out: &mut RunReport,
) -> Result<(), RunError> {
    let mut timings = BTreeMap::new();
    let now = out.now.clone();

    let started = Instant::now();
    progress(Step::Stage {
        name: "check",
        total: 1,
    });
    let reports = Reports::load(options.reports_dir.as_deref())?;
    let selected = Selected::of(&reports, &options.report_names)?;
    let loaded = crate::catalog::load(&options.catalogue, options.load).map_err(RunError::Input)?;
    // One engine over the catalogue checks the events now and plans them after the import.
    let indexed = Instant::now();
    let engine = Engine::new(&loaded.catalog);
    timings.insert("index", ms(indexed));
    crate::check_events(&loaded, &engine).map_err(RunError::Input)?;
    let events = events_to_plan(options, &loaded.catalog, out)?;
    progress(Step::Done(format!(
        "{} checked",
        options.catalogue.display()
    )));
    timings.insert("check", ms(started));

    let (import, frozen) = import_and_freeze(
        options,
        &loaded.catalog,
        &events,
        &now,
        &mut timings,
        progress,
    )?;

    let jobs: Vec<Job<'_>> = events
        .iter()
        .zip(&frozen)
        .map(|(event, f)| Job {
            event,
            plan: f.plan.clone(),
        })
        .collect();
    progress(Step::Stage {
        name: "plan",
        total: jobs.len(),
    });
    let held = held::HeldChanges::of(options, &loaded.catalog, &frozen)?;
    let started = Instant::now();
    let planned = planning::plan_all(
        &planning::Stage {
            options,
            progress,
            reports: &reports,
            selected: &selected,
            engine: &engine,
            frozen: &frozen,
            held: &held,
            now: &now,
        },
        &jobs,
    )?;
    timings.insert("plan", ms(started));
    out.stored_results += planned.stored_results;
    timings.insert("compute", planned.compute_ms);
    timings.insert("store", planned.store_ms);
    timings.insert("render", planned.render_ms);

    let started = Instant::now();
    let (plans, event_reports): (Vec<_>, Vec<_>) = planned
        .outcomes
        .into_iter()
        .map(|outcome| (outcome.plan, outcome.report))
        .unzip();
    log_slowest(&event_reports);
    let run_files = if selected.per_run.is_empty() {
        Vec::new()
    } else {
        let slugs: Vec<String> = events.iter().map(|e| e.slug.clone()).collect();
        let plans = plans.into_iter().flatten().collect();
        let rollup = planned.rollup.finish(engine.index(), &slugs);
        let context = run_context(&loaded.catalog, slugs, rollup, plans, &now);
        write_run_reports(options, &reports, &selected.per_run, &context, progress)?
    };
    timings.insert("run_reports", ms(started));
    out.import = import;
    out.events = event_reports;
    out.run_files = run_files;
    out.timings_ms = timings;
    Ok(())
}

impl<'r> Selected<'r> {
    /// The reports named (all when none is), per plan and per run.
    fn of(reports: &'r Reports, names: &[String]) -> Result<Selected<'r>, RunError> {
        let chosen = reports.select(names)?;
        Ok(Selected {
            per_plan: chosen
                .iter()
                .copied()
                .filter(|m| m.per == Per::Plan)
                .collect(),
            per_run: chosen
                .iter()
                .copied()
                .filter(|m| m.per != Per::Plan)
                .collect(),
            keep_plans: chosen
                .iter()
                .any(|m| m.per != Per::Plan && reports.reads(m, "plans")),
        })
    }
}

/// The events this run plans: those asked for, within this machine's shard (the others are
/// listed as skipped in `out`).
fn events_to_plan<'c>(
    options: &RunOptions,
    catalog: &'c Catalog,
    out: &mut RunReport,
) -> Result<Vec<&'c Event>, RunError> {
    let mut events = select_events(
        catalog,
        &options.events,
        options.now.date_naive(),
        &mut out.skipped,
    )?;
    if let Some(shard) = options.shard {
        events.retain(|e| shard.holds(&e.slug));
        out.skipped.retain(|s| shard.holds(&s.event));
        out.shard = Some(shard);
    }
    Ok(events)
}

/// The context of the run's own reports: the purchase roll-up, the suppliers, the plans
/// kept for them, and the run's settings.
fn run_context(
    catalog: &Catalog,
    events: Vec<String>,
    rollup: Vec<Arc<RollupRow>>,
    plans: Vec<Arc<PlanResult>>,
    now: &str,
) -> RunContext {
    RunContext::new(
        rollup,
        &catalog.suppliers,
        RunInfo {
            now: now.to_owned(),
            events,
            currency: catalog.settings.currency.clone(),
            decimals: catalog.settings.decimals,
            paper: catalog
                .settings
                .paper
                .unwrap_or(crate::catalog::Paper::Letter),
        },
        plans,
    )
}

/// Renders and writes the run's own reports, side by side (a chain's roll-up and orders are
/// tens of megabytes each), each file written as it is made: their paths, in manifest order.
fn write_run_reports(
    options: &RunOptions,
    reports: &Reports,
    per_run: &[&Manifest],
    context: &RunContext,
    progress: &(dyn Fn(Step) + Sync),
) -> Result<Vec<String>, RunError> {
    let written: Vec<Result<Vec<String>, RunError>> = per_run
        .par_iter()
        .map(|manifest| {
            let mut paths = Vec::new();
            for rendered in reports.render_run(manifest, context) {
                let (path, bytes) = rendered.map_err(RunError::Render)?;
                write(&options.out, &path, &bytes)?;
                paths.push(path.display().to_string());
            }
            Ok(paths)
        })
        .collect();
    let mut run_files = Vec::new();
    for paths in written {
        for path in paths? {
            progress(Step::Done(path.clone()));
            run_files.push(path);
        }
    }
    Ok(run_files)
}

/// Names the events whose reports took longest (`-v`), to see where a night's time goes.
fn log_slowest(reports: &[EventReport]) {
    let render = |r: &EventReport| r.timings_ms.get("render").copied().unwrap_or(0.0);
    let mut slowest: Vec<&EventReport> = reports.iter().collect();
    slowest.sort_by(|a, b| render(b).total_cmp(&render(a)).then(a.event.cmp(&b.event)));
    for r in slowest.into_iter().take(5) {
        tracing::info!(
            event = %r.event,
            render_ms = render(r),
            batches = r.counts.get("batches").copied().unwrap_or(0),
            "slowest events"
        );
    }
}

/// Imports the catalogue and freezes the run's events in one write transaction: the plans
/// hold exactly what this run imported, whatever another run does meanwhile.
fn import_and_freeze(
    options: &RunOptions,
    catalog: &Catalog,
    events: &[&Event],
    now: &str,
    timings: &mut BTreeMap<&'static str, f64>,
    progress: &(dyn Fn(Step) + Sync),
) -> Result<(ImportSummary, Vec<Frozen>), RunError> {
    let started = Instant::now();
    progress(Step::Stage {
        name: "import",
        total: 1,
    });
    let mut db = Store::open(&options.db)?;
    let records = store::Records::of(catalog)?;
    let tx = store::write_transaction(db.conn_mut())?;
    let import = store::import_records(&tx, &records, now, options.prune)?;
    progress(Step::Done(if import.written {
        "imported".to_owned()
    } else {
        "database unchanged".to_owned()
    }));
    timings.insert("import", ms(started));
    let started = Instant::now();
    progress(Step::Stage {
        name: "freeze",
        total: events.len(),
    });
    let slugs: Vec<String> = events.iter().map(|e| e.slug.clone()).collect();
    let frozen = store::freeze_records(&tx, catalog, &records, &slugs, now, false)?;
    tx.commit().map_err(StoreError::from)?;
    for f in &frozen {
        tracing::info!(event = %f.event, plan = f.plan.id, reused = f.reused, "frozen");
        progress(Step::Done(format!(
            "{}: plan {}{}",
            f.event,
            f.plan.id,
            match (f.held, f.changed) {
                (true, true) => " (in production; the catalogue changed, see its warnings)",
                (true, false) => " (in production)",
                _ if f.reused => " (unchanged)",
                _ => "",
            }
        )));
    }
    timings.insert("freeze", ms(started));
    Ok((import, frozen))
}
