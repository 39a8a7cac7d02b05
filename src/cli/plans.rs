//! `plan` and `plans …`: freezing plans and looking at them.

use std::path::Path;

use bakeplan::plan::{self, PlanResult, diff};
use bakeplan::store::journal::PlanState;
use bakeplan::store::{self, Store};

use super::args::PlansCommand;
use super::{Context, Failure};

/// `bakeplan plan EVENT | --all [--force]`.
pub fn plan(
    ctx: &Context,
    db: &Path,
    event: Option<&str>,
    all: bool,
    force: bool,
) -> Result<(), Failure> {
    let mut store = Store::open(db)?;
    let events: Vec<String> = if all {
        store::load_live(store.conn())?.events.into_keys().collect()
    } else {
        event.map(str::to_owned).into_iter().collect()
    };
    if events.is_empty() {
        return Err(Failure::Usage(format!(
            "no events in {}; import a catalogue first",
            db.display()
        )));
    }
    for frozen in store::freeze(store.conn_mut(), &events, &ctx.now_text(), force)? {
        let short = &frozen.plan.input_hash[..12];
        if frozen.reused {
            ctx.say(&format!(
                "{}: unchanged, plan {} (inputs {short})",
                frozen.event, frozen.plan.id
            ));
        } else {
            ctx.say(&format!(
                "{}: plan {} frozen (inputs {short})",
                frozen.event, frozen.plan.id
            ));
        }
    }
    Ok(())
}

fn latest_id(store: &Store, event: &str) -> Result<i64, Failure> {
    store::current_plan(store.conn(), event)?
        .map(|plan| plan.id)
        .ok_or_else(|| {
            Failure::Usage(format!(
                "event {event} has no plan yet; run: bakeplan plan {event}"
            ))
        })
}

/// Loads and computes a plan.
pub fn computed(store: &Store, id: i64) -> Result<PlanResult, Failure> {
    let snapshot = store::load_snapshot(store.conn(), id)?;
    Ok(plan::compute(&snapshot)?)
}

/// `bakeplan plans …`.
pub fn plans(ctx: &Context, db: &Path, command: &PlansCommand) -> Result<(), Failure> {
    let mut store = match command {
        PlansCommand::Delete { .. } => Store::open(db)?,
        _ => Store::open_for_reading(db)?,
    };
    match command {
        PlansCommand::List { event, json } => return list(&store, event.as_deref(), *json),
        PlansCommand::Show {
            id,
            event,
            json,
            stored,
            recompute,
        } => {
            let id = match (id, event) {
                (Some(id), _) => *id,
                (None, Some(event)) => latest_id(&store, event)?,
                (None, None) => return Err(Failure::Usage("give a plan id or --event".to_owned())),
            };
            super::show::show(&store, id, *json, *stored, *recompute)?;
        }
        PlansCommand::Diff { a, b, json } => return compare(ctx, &store, (*a, *b), *json),
        PlansCommand::Status { event, json } => return status(&store, event, *json),
        PlansCommand::Lock { event } => {
            drop(store);
            return super::kitchen::change_state(ctx, db, event, PlanState::Locked);
        }
        PlansCommand::Start { event } => {
            drop(store);
            return super::kitchen::change_state(ctx, db, event, PlanState::InProduction);
        }
        PlansCommand::Amend { event, reason } => {
            drop(store);
            return super::kitchen::amend(ctx, db, event, reason);
        }
        PlansCommand::Complete { event } => {
            drop(store);
            return super::kitchen::change_state(ctx, db, event, PlanState::Completed);
        }
        PlansCommand::Delete { id } => {
            store::delete_plan(store.conn_mut(), *id)?;
            ctx.say(&format!("plan {id} deleted"));
        }
    }
    Ok(())
}

/// `plans list`: every frozen plan (of `event`), with the plan each amends.
fn list(store: &Store, event: Option<&str>, json: bool) -> Result<(), Failure> {
    let plans = store::list_plans(store.conn(), event)?;
    let amends: std::collections::BTreeMap<i64, store::journal::Amendment> =
        store::journal::amendments(store.conn(), event)?
            .into_iter()
            .map(|a| (a.plan_id, a))
            .collect();
    if json {
        let rows: Vec<serde_json::Value> = plans
            .iter()
            .map(|p| {
                serde_json::json!({
                    "id": p.meta.id,
                    "event": p.event,
                    "created_at": p.meta.created_at,
                    "input_hash": p.meta.input_hash,
                    "rows": p.rows,
                    "engine_version": p.meta.engine_version,
                    "amends": amends.get(&p.meta.id).map(|a| a.previous_plan_id),
                    "reason": amends.get(&p.meta.id).map(|a| a.reason.as_str()),
                })
            })
            .collect();
        super::safe::out_line(&super::safe::json(serde_json::to_string(&rows)?));
        return Ok(());
    }
    outln!(
        "{:>5}  {:<28} {:<21} {:<12} {:>5}  engine",
        "id",
        "event",
        "created",
        "inputs",
        "rows"
    );
    for p in plans {
        outln!(
            "{:>5}  {:<28} {:<21} {:<12} {:>5}  {}{}",
            p.meta.id,
            p.event,
            p.meta.created_at,
            &p.meta.input_hash[..12],
            p.rows,
            p.meta.engine_version,
            amends
                .get(&p.meta.id)
                .map(|a| format!("  amends {}: {}", a.previous_plan_id, a.reason))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// `plans diff A B`.
fn compare(ctx: &Context, store: &Store, (a, b): (i64, i64), json: bool) -> Result<(), Failure> {
    let changes = diff::plan_changes(&computed(store, a)?, &computed(store, b)?);
    if json {
        let value = DiffJson {
            a,
            b,
            same: changes.is_empty(),
            changes: &changes,
        };
        super::safe::out_line(&super::safe::json(serde_json::to_string(&value)?));
        return Ok(());
    }
    if changes.is_empty() {
        ctx.say(&format!("plans {a} and {b} are the same"));
    }
    for change in changes {
        outln!("{}", change.plan_line());
    }
    Ok(())
}

/// `plans diff --json`.
#[derive(serde::Serialize)]
struct DiffJson<'a> {
    a: i64,
    b: i64,
    same: bool,
    changes: &'a [diff::Change],
}

/// `plans status --json`.
#[derive(serde::Serialize)]
struct StatusJson<'a> {
    event: &'a str,
    /// `current`, `stale` or `no-plan`.
    status: &'a str,
    plan: Option<i64>,
    changes: &'a [diff::Change],
}

/// `plans status`: current, stale (with what changed) or no plan yet; exit 1 unless current.
fn status(store: &Store, event: &str, json: bool) -> Result<(), Failure> {
    let live = store::load_live(store.conn())?;
    let current = store::snapshot_records(&live, event)?;
    let latest = store::current_plan(store.conn(), event)?;
    let (state, changes) = match &latest {
        None => ("no-plan", Vec::new()),
        Some(plan) if plan.input_hash == store::input_hash(&current) => ("current", Vec::new()),
        Some(plan) => {
            let frozen = store::plan_records(store.conn(), plan.id)?;
            let now: Vec<store::RecordRow> = current.iter().map(store::RecordRow::from).collect();
            ("stale", diff::record_changes(&frozen, &now))
        }
    };
    let id = latest.as_ref().map(|p| p.id);
    if json {
        let value = StatusJson {
            event,
            status: state,
            plan: id,
            changes: &changes,
        };
        super::safe::out_line(&super::safe::json(serde_json::to_string(&value)?));
    } else {
        match (state, id) {
            ("current", Some(id)) => outln!("{event}: current (plan {id})"),
            ("stale", Some(id)) => {
                outln!("{event}: stale (plan {id}); changed since:");
                for change in &changes {
                    outln!("  {}", change.record_line());
                }
            }
            _ => outln!("{event}: no plan yet"),
        }
    }
    if state == "current" {
        Ok(())
    } else {
        Err(Failure::Reported(1))
    }
}
