//! `run`, `report` and `reports list`: rendering reports.

use std::path::Path;

use bakeplan::nightly::{self, Events, RunError, RunOptions, RunReport, Step, plural};
use bakeplan::plan::kinds::Verdict;
use bakeplan::plan::{Computed, Engine, Job, PlanError, rollup};
use bakeplan::report::{Per, Reports, RunContext, RunInfo};
use bakeplan::store::{self, Store};
use indicatif::{ProgressBar, ProgressStyle};

use super::{Context, Failure};

/// Arguments of `bakeplan run`.
pub struct RunArgs<'a> {
    pub dir: &'a Path,
    pub out: &'a Path,
    pub event: Option<&'a str>,
    pub all: bool,
    pub reports: Option<&'a Path>,
    pub report: &'a [String],
    pub strict: bool,
    pub fail_on_infeasible: bool,
    pub fail_on_shopping: bool,
    pub prune: bool,
    pub shard: Option<&'a str>,
}

impl From<RunError> for Failure {
    fn from(error: RunError) -> Self {
        match error {
            RunError::Store(e) => e.into(),
            RunError::Report(e) => Failure::Report(e),
            unknown @ RunError::UnknownEvent { .. } => Failure::Usage(unknown.to_string()),
            other => Failure::Internal(other.to_string()),
        }
    }
}

/// `bakeplan run DIR --out OUT`.
pub fn run(ctx: &Context, db: &Path, args: RunArgs<'_>) -> Result<(), Failure> {
    let options = run_options(ctx, db, &args)?;
    let bar = ctx.interactive().then(|| {
        let bar = ProgressBar::new(1);
        bar.set_style(
            ProgressStyle::with_template("{prefix:>8} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar
    });
    let on_step = |step: Step| match (&bar, step) {
        (Some(bar), Step::Stage { name, total }) => {
            bar.set_prefix(name);
            bar.set_length(total as u64);
            bar.set_position(0);
        }
        (Some(bar), Step::Done(message)) => {
            bar.inc(1);
            bar.set_message(message);
        }
        (None, Step::Stage { name, total }) => ctx.say(&format!(
            "{name}: {total} step{}",
            if total == 1 { "" } else { "s" }
        )),
        (None, Step::Done(message)) => ctx.say(&format!("  {message}")),
    };
    let result = nightly::run(&options, &on_step);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = match result {
        Ok(report) => report,
        Err(RunError::Input(diagnostics)) => {
            return Err(Failure::Input(diagnostics, args.dir.to_owned()));
        }
        Err(other) => return Err(other.into()),
    };
    say_summary(ctx, &report, args.out);
    if let Some(reason) = report.exit_reason() {
        return Err(Failure::Exit(report.exit_code, reason));
    }
    Ok(())
}

/// The nightly job's options from the command line.
fn run_options(ctx: &Context, db: &Path, args: &RunArgs<'_>) -> Result<RunOptions, Failure> {
    let shard = args
        .shard
        .map(nightly::Shard::parse)
        .transpose()
        .map_err(Failure::Usage)?;
    Ok(RunOptions {
        catalogue: args.dir.to_owned(),
        db: db.to_owned(),
        out: args.out.to_owned(),
        events: match (args.event, args.all) {
            (Some(event), _) => Events::One(event.to_owned()),
            (None, true) => Events::All,
            (None, false) => Events::Upcoming,
        },
        now: ctx.now,
        reports_dir: args.reports.map(Path::to_owned),
        report_names: args.report.to_vec(),
        load: ctx.load,
        prune: args.prune,
        fail_on: nightly::FailOn {
            infeasible: args.fail_on_infeasible,
            shopping: args.fail_on_shopping,
            warnings: args.strict,
        },
        shard,
    })
}

/// What the night did, a line per event: events skipped, each plan's verdict, files
/// written.
fn say_summary(ctx: &Context, report: &RunReport, out: &Path) {
    if !report.skipped.is_empty() {
        let names: Vec<String> = report
            .skipped
            .iter()
            .map(|s| format!("{} {}", s.event, s.date))
            .collect();
        ctx.say(&format!(
            "skipped {} (dated before {}): {}; plan {} with --all or --event",
            plural(report.skipped.len(), "past event", "past events"),
            ctx.now.date_naive(),
            names.join(", "),
            if report.skipped.len() == 1 {
                "it"
            } else {
                "them"
            }
        ));
    }
    for event in &report.events {
        let to_buy = event.counts.get("to_buy").copied().unwrap_or(0);
        ctx.say(&format!(
            "{} ({}): plan {}{} — {}, {} to buy, {}",
            event.event,
            event.date,
            event.plan_id,
            if event.reused { " reused" } else { "" },
            match event.verdict {
                Verdict::Ready => "ready",
                Verdict::NeedsShopping => "needs shopping",
                Verdict::Blocked => "BLOCKED",
            },
            plural(to_buy, "line", "lines"),
            plural(
                event.blockers.len() + event.blockers_omitted,
                "blocker",
                "blockers"
            ),
        ));
    }
    let files: usize =
        report.events.iter().map(|e| e.files.len()).sum::<usize>() + report.run_files.len() + 1;
    ctx.say(&format!(
        "wrote {} to {} (run-report.json lists them){}",
        plural(files, "file", "files"),
        out.display(),
        if report.removed_files.is_empty() {
            String::new()
        } else {
            format!(
                "; removed {} an earlier run wrote",
                plural(report.removed_files.len(), "file", "files")
            )
        }
    ));
}

/// `bakeplan report`.
pub fn report(
    ctx: &Context,
    db: &Path,
    plan: Option<i64>,
    event: Option<&str>,
    names: &[String],
    reports_dir: Option<&Path>,
    out: &Path,
) -> Result<(), Failure> {
    let reports = Reports::load(reports_dir).map_err(Failure::Report)?;
    let selected = reports.select(names).map_err(Failure::Report)?;
    let store = Store::open_for_reading(db)?;
    let id = match (plan, event) {
        (Some(id), _) => id,
        (None, Some(event)) => match store::current_plan(store.conn(), event)? {
            Some(plan) => plan.id,
            None => {
                let live = store::load_live(store.conn())?;
                return Err(if live.events.contains_key(event) {
                    Failure::Usage(format!(
                        "event {event} has no plan yet; run: bakeplan plan {event}"
                    ))
                } else {
                    Failure::Usage(format!(
                        "no event {event:?} in the database (events: {})",
                        live.events.keys().cloned().collect::<Vec<_>>().join(", ")
                    ))
                });
            }
        },
        (None, None) => return Err(Failure::Usage("give --plan ID or --event EVENT".to_owned())),
    };
    let snapshot = store::load_snapshot(store.conn(), id)?;
    let engine = Engine::new(&snapshot.catalog);
    let event = snapshot.event().ok_or(PlanError::NoEvent)?;
    let mut computed = engine.compute_batch(&[Job {
        event,
        plan: snapshot.plan.clone(),
    }])?;
    let Some(Computed { result, needs }) = computed.pop() else {
        return Err(PlanError::NoEvent.into());
    };
    let mut written = Vec::new();
    for manifest in &selected {
        let rendered = match manifest.per {
            Per::Plan => reports.render_plan(manifest, &result).map(|r| vec![r]),
            Per::Run | Per::Supplier => {
                let plans = vec![std::sync::Arc::new(result.clone())];
                let context = RunContext::new(
                    rollup::rollup(
                        engine.index(),
                        std::slice::from_ref(&result.event.slug),
                        &needs,
                    ),
                    &engine.index().catalog.suppliers,
                    RunInfo {
                        now: ctx.now_text(),
                        events: vec![result.event.slug.clone()],
                        currency: result.settings.currency.clone(),
                        decimals: result.settings.decimals,
                        paper: result.settings.paper,
                    },
                    plans,
                );
                reports.render_run(manifest, &context).collect()
            }
        }
        .map_err(Failure::Report)?;
        for (path, bytes) in rendered {
            let target = bakeplan::write_inside(out, &path, &bytes)?;
            written.push(target.display().to_string());
        }
    }
    ctx.say(&format!("plan {id}: wrote {}", written.join(", ")));
    Ok(())
}

/// `bakeplan reports list`.
pub fn list_reports(reports_dir: Option<&Path>) -> Result<(), Failure> {
    let reports = Reports::load(reports_dir).map_err(Failure::Report)?;
    let rows: Vec<(&str, String, String, &str, &str)> = reports
        .manifests()
        .iter()
        .map(|m| {
            (
                m.name.as_str(),
                format!("{:?}", m.format).to_lowercase(),
                format!("{:?}", m.per).to_lowercase(),
                m.description.as_str(),
                m.origin.as_str(),
            )
        })
        .collect();
    // Columns as wide as their longest entry, so a long report name never shifts a row.
    let name_width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let per_width = rows.iter().map(|r| r.2.len()).max().unwrap_or(0);
    let indent = name_width + 1 + 4 + 1 + per_width + 1;
    for (name, format, per, description, origin) in rows {
        outln!(
            "{name:<name_width$} {format:<4} {per:<per_width$} {description}\n{:<indent$}from {origin}",
            ""
        );
    }
    Ok(())
}
