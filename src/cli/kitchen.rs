//! `record`, `progress` and `plans lock|start|complete`: following an event through the
//! kitchen. Every entry is checked against the event's current plan before anything is
//! written; a batch of entries (a file, a shopping list) is written all or nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use bakeplan::catalog::units::parse_amount;
use bakeplan::plan::record::{self, Problem};
use bakeplan::plan::{PlanResult, progress};
use bakeplan::store::journal::{self, Entry, PlanState, PurchaseKind, StateChange};
use bakeplan::store::{self, Store};
use rust_decimal::Decimal;

use super::args::RecordCommand;
use super::{Context, Failure, parse_now};

/// The event's latest plan, computed; a located "no plan yet" otherwise.
fn current_plan(store: &Store, event: &str) -> Result<PlanResult, Failure> {
    let known: bool = store
        .conn()
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM events WHERE key = ?1)",
            [event],
            |row| row.get(0),
        )
        .map_err(store::StoreError::from)?;
    if !known {
        // Names the events the database has.
        store::snapshot_records(&store::load_live(store.conn())?, event)?;
    }
    let Some(latest) = store::current_plan(store.conn(), event)? else {
        return Err(Failure::Usage(format!(
            "event {event:?} has no plan yet; freeze one first: bakeplan plan --event {event}"
        )));
    };
    super::plans::computed(store, latest.id)
}

fn when(ctx: &Context, at: Option<&str>) -> Result<String, Failure> {
    match at {
        None => Ok(ctx.now_text()),
        Some(text) => parse_now(text)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .ok_or_else(|| {
                Failure::Usage(format!(
                    "--at {text:?} is neither an RFC 3339 timestamp nor a date (YYYY-MM-DD)"
                ))
            }),
    }
}

fn refused(problem: Problem) -> Failure {
    Failure::Usage(format!(
        "--{}: {}{}",
        problem.field.replace('_', "-"),
        problem.message,
        problem
            .hint
            .map(|h| format!("\n  hint: {h}"))
            .unwrap_or_default()
    ))
}

fn amount(text: &str, option: &str) -> Result<Decimal, Failure> {
    parse_amount(text).ok_or_else(|| {
        Failure::Usage(format!(
            "--{option} {text:?} is not a number (write 2, 0.5 or 1/2)"
        ))
    })
}

/// `bakeplan record …`.
pub fn record(
    ctx: &Context,
    db: &Path,
    file: Option<&Path>,
    what: Option<&RecordCommand>,
) -> Result<(), Failure> {
    let mut store = Store::open(db)?;
    let (entries, warnings) = {
        let mut plans = Plans {
            store: &store,
            computed: BTreeMap::new(),
        };
        let entries = match (file, what) {
            (Some(file), _) => from_file(ctx, &mut plans, file)?,
            (None, Some(what)) => from_command(ctx, &mut plans, what)?,
            (None, None) => {
                return Err(Failure::Usage(
                    "say what to record: production, assembly, purchase, shopping-done or --file FILE"
                        .into(),
                ));
            }
        };
        let warnings = packing_warnings(&mut plans, &entries)?;
        (entries, warnings)
    };
    if entries.is_empty() {
        ctx.say("nothing to record");
        return Ok(());
    }
    for warning in warnings {
        ctx.say(&format!("warning: {warning}"));
    }
    journal::append(store.conn_mut(), &entries, &ctx.now_text())?;
    for entry in &entries {
        outln!("recorded {}", describe(entry));
    }
    Ok(())
}

/// The current plans of the events one `record` call names, each computed once.
struct Plans<'s> {
    store: &'s Store,
    computed: BTreeMap<String, Arc<PlanResult>>,
}

impl Plans<'_> {
    fn get(&mut self, event: &str) -> Result<Arc<PlanResult>, Failure> {
        if let Some(plan) = self.computed.get(event) {
            return Ok(Arc::clone(plan));
        }
        let plan = Arc::new(current_plan(self.store, event)?);
        self.computed.insert(event.to_owned(), Arc::clone(&plan));
        Ok(plan)
    }
}

fn from_command(
    ctx: &Context,
    plans: &mut Plans<'_>,
    what: &RecordCommand,
) -> Result<Vec<Entry>, Failure> {
    let store = plans.store;
    Ok(match what {
        RecordCommand::Production {
            event,
            recipe,
            batches,
            actual_yield,
            loss_reason,
            at,
        } => {
            let plan = plans.get(event)?;
            let at = when(ctx, at.as_deref())?;
            let batches = amount(batches, "batches")?;
            vec![Entry::Production(
                record::production(
                    &plan,
                    recipe,
                    batches,
                    *actual_yield,
                    loss_reason.clone(),
                    &at,
                )
                .map_err(refused)?,
            )]
        }
        RecordCommand::Assembly {
            event,
            bundle,
            qty,
            at,
        } => {
            let plan = plans.get(event)?;
            let at = when(ctx, at.as_deref())?;
            vec![Entry::Assembly(
                record::assembly(&plan, bundle, *qty, &at).map_err(refused)?,
            )]
        }
        RecordCommand::Purchase {
            ingredient,
            material,
            qty,
            cost,
            event,
            at,
        } => {
            let live = store::load_live(store.conn())?;
            let at = when(ctx, at.as_deref())?;
            let cost = cost.as_deref().map(|c| amount(c, "cost")).transpose()?;
            if let Some(event) = event
                && !live.events.contains_key(event)
            {
                store::snapshot_records(&live, event)?;
            }
            let (kind, item) = match (ingredient, material) {
                (Some(i), _) => (PurchaseKind::Ingredient, i),
                (None, Some(m)) => (PurchaseKind::Material, m),
                (None, None) => {
                    return Err(Failure::Usage(
                        "--ingredient or --material is required".into(),
                    ));
                }
            };
            vec![Entry::Purchase(
                record::purchase(&live, kind, item, qty, cost, event.clone(), &at)
                    .map_err(refused)?,
            )]
        }
        RecordCommand::ShoppingDone { event, at } => {
            let plan = plans.get(event)?;
            let at = when(ctx, at.as_deref())?;
            record::shopping_done(&plan, &at)
                .into_iter()
                .map(Entry::Purchase)
                .collect()
        }
    })
}

/// The database as a journal file sees it.
struct FileLookup<'p, 's> {
    plans: &'p mut Plans<'s>,
}

impl record::Lookup for FileLookup<'_, '_> {
    fn plan(&mut self, event: &str) -> Result<Arc<PlanResult>, String> {
        self.plans.get(event).map_err(|failure| match failure {
            Failure::Usage(message) | Failure::Internal(message) => message,
            _ => format!("cannot compute the plan of {event:?}"),
        })
    }

    fn state(&mut self, event: &str) -> Result<PlanState, String> {
        journal::state(self.plans.store.conn(), event)
            .map(|(state, _)| state)
            .map_err(|e| e.to_string())
    }
}

fn from_file(ctx: &Context, plans: &mut Plans<'_>, file: &Path) -> Result<Vec<Entry>, Failure> {
    let live = store::load_live(plans.store.conn())?;
    let mut lookup = FileLookup { plans };
    record::entries_from_file(file, &live, &ctx.now_text(), &mut lookup)
        .map_err(|diagnostics| Failure::Input(diagnostics, file.to_owned()))
}

/// The journal of one event as packing sees it: what it has, plus entries being recorded.
struct Kitchen {
    plan: Arc<PlanResult>,
    production: Vec<journal::Production>,
    assembly: Vec<journal::Assembly>,
}

/// Packing recorded beyond what the journal shows on hand (earlier entries of the same
/// batch included): recorded all the same — the shelf may hold what nobody recorded — but
/// said, so the missing production or purchase gets recorded too.
fn packing_warnings(plans: &mut Plans<'_>, entries: &[Entry]) -> Result<Vec<String>, Failure> {
    if !entries.iter().any(|e| matches!(e, Entry::Assembly(_))) {
        return Ok(Vec::new());
    }
    let conn = plans.store.conn();
    let mut purchases = journal::purchases(conn, None)?;
    let mut kitchens: BTreeMap<String, Kitchen> = BTreeMap::new();
    let mut earlier: Vec<&journal::Production> = Vec::new();
    let mut warnings = Vec::new();
    for entry in entries {
        match entry {
            Entry::Purchase(p) => purchases.push(p.clone()),
            Entry::Production(p) => {
                if let Some(k) = kitchens.get_mut(&p.event) {
                    k.production.push(p.clone());
                }
                earlier.push(p);
            }
            Entry::Assembly(a) => {
                if !kitchens.contains_key(&a.event) {
                    let mut production = journal::production(conn, Some(&a.event))?;
                    // Production recorded earlier in this batch counts too.
                    production.extend(
                        earlier
                            .iter()
                            .filter(|p| p.event == a.event)
                            .map(|p| (*p).clone()),
                    );
                    let kitchen = Kitchen {
                        plan: plans.get(&a.event)?,
                        production,
                        assembly: journal::assembly(conn, Some(&a.event))?,
                    };
                    kitchens.insert(a.event.clone(), kitchen);
                }
                let Some(k) = kitchens.get_mut(&a.event) else {
                    continue;
                };
                if let Some((can, waiting)) =
                    progress::packable(&k.plan, &k.production, &k.assembly, &purchases, &a.bundle)
                    && a.qty > can
                {
                    warnings.push(format!(
                        "{} × {} recorded for {}, but the journal shows enough for {can} ({}); \
                         record the production or purchases that made the rest",
                        a.qty,
                        a.bundle,
                        a.event,
                        waiting.join(", ")
                    ));
                }
                k.assembly.push(a.clone());
            }
            Entry::State(_) => {}
        }
    }
    Ok(warnings)
}

fn describe(entry: &Entry) -> String {
    match entry {
        Entry::Production(p) => format!(
            "production: {} batch{} of {} for {} (plan {}){}",
            p.batches,
            if p.batches == Decimal::ONE { "" } else { "es" },
            p.recipe,
            p.event,
            p.plan_id,
            match (p.expected_yield, p.actual_yield) {
                (Some(e), Some(a)) if a < e => format!(", {a} of {e} expected ({} lost)", e - a),
                (Some(e), Some(a)) => format!(", {a} made ({e} expected)"),
                (Some(e), None) => format!(", {e} made"),
                _ => String::new(),
            }
        ),
        Entry::Assembly(a) => format!(
            "assembly: {} × {} for {} (plan {})",
            a.qty, a.bundle, a.event, a.plan_id
        ),
        Entry::Purchase(p) => format!(
            "purchase: {} {} of {} {}{}{}",
            p.qty.round_dp(3).normalize(),
            p.unit,
            p.kind.name(),
            p.item,
            p.packs
                .map(|n| format!(" ({n} pack{})", if n == 1 { "" } else { "s" }))
                .unwrap_or_default(),
            p.event
                .as_ref()
                .map(|e| format!(" for {e}"))
                .unwrap_or_default()
        ),
        Entry::State(s) => format!("plan {} of {}: {}", s.plan_id, s.event, s.state.name()),
    }
}

/// `bakeplan plans lock|start|complete EVENT`.
pub fn change_state(ctx: &Context, db: &Path, event: &str, to: PlanState) -> Result<(), Failure> {
    let mut store = Store::open(db)?;
    let plan = current_plan(&store, event)?;
    let (from, _) = journal::state(store.conn(), event)?;
    from.check_transition(event, to).map_err(Failure::Usage)?;
    let entry = Entry::State(StateChange {
        event: event.to_owned(),
        plan_id: plan.plan.id,
        state: to,
        at: ctx.now_text(),
    });
    journal::append(
        store.conn_mut(),
        std::slice::from_ref(&entry),
        &ctx.now_text(),
    )?;
    outln!("{}", describe(&entry));
    Ok(())
}

/// `bakeplan plans amend EVENT --reason TEXT`: the live catalogue's plan replaces the one
/// in production, unless it would make fewer batches of a recipe than are already made.
pub fn amend(ctx: &Context, db: &Path, event: &str, reason: &str) -> Result<(), Failure> {
    if reason.trim().is_empty() {
        return Err(Failure::Usage(
            "--reason is blank; say why the plan changes".into(),
        ));
    }
    let mut store = Store::open(db)?;
    let (state, _) = journal::state(store.conn(), event)?;
    if state != PlanState::InProduction {
        return Err(Failure::Usage(format!(
            "the plan of {event} is {}; only a plan in production is amended (a draft or locked plan is replaced by `bakeplan plan`)",
            state.name()
        )));
    }
    let made = journal::production(store.conn(), Some(event))?;
    let now = ctx.now_text();
    let tx = store::write_transaction(store.conn_mut())?;
    let Some(held) = store::held_plan(&tx, event)? else {
        return Err(Failure::Internal(format!(
            "{event} is in production without a plan"
        )));
    };
    let live = store::load_live(&tx)?;
    let records = store::Records::of(&live)?;
    let new = store::freeze_amendment(&tx, &live, &records, event, &now)?;
    if new.input_hash == held.input_hash {
        return Err(Failure::Usage(format!(
            "nothing changed since plan {} of {event}; there is nothing to amend",
            held.id
        )));
    }
    let plan = bakeplan::plan::compute(&store::load_snapshot(&tx, new.id)?)?;
    let mut done: BTreeMap<&str, Decimal> = BTreeMap::new();
    for p in &made {
        *done.entry(p.recipe.as_str()).or_default() += p.batches;
    }
    for (recipe, batches) in done {
        let planned = plan
            .recipes
            .iter()
            .find(|r| r.recipe == recipe)
            .map_or(Decimal::ZERO, |r| r.batches.0);
        if planned < batches {
            return Err(Failure::Usage(format!(
                "the amended plan makes {} batch{} of {recipe}, but {} {} already made; change the catalogue so it keeps at least what was made",
                planned.normalize(),
                if planned == Decimal::ONE { "" } else { "es" },
                batches.normalize(),
                if batches == Decimal::ONE { "is" } else { "are" }
            )));
        }
    }
    let amendment = journal::Amendment {
        event: event.to_owned(),
        plan_id: new.id,
        previous_plan_id: held.id,
        reason: reason.trim().to_owned(),
        at: now.clone(),
    };
    journal::amend_in(&tx, &amendment, &now)?;
    tx.commit().map_err(store::StoreError::from)?;
    outln!(
        "plan {} of {event} amends plan {}: {}",
        new.id,
        held.id,
        amendment.reason
    );
    Ok(())
}

/// `bakeplan progress EVENT [--json]`.
pub fn show_progress(db: &Path, event: &str, json: bool) -> Result<(), Failure> {
    let store = Store::open_for_reading(db)?;
    let plan = current_plan(&store, event)?;
    let conn = store.conn();
    let (state, _) = journal::state(conn, event)?;
    let made = journal::production(conn, Some(event))?;
    let packed = journal::assembly(conn, Some(event))?;
    let bought = journal::purchases(conn, None)?;
    let p = progress::progress(&plan, state, &made, &packed, &bought);
    if json {
        super::safe::out_line(&super::safe::json(serde_json::to_string_pretty(&p)?));
        return Ok(());
    }
    let status = |s: progress::Status| match s {
        progress::Status::NotStarted => "not started",
        progress::Status::InProgress => "in progress",
        progress::Status::Complete => "complete",
    };
    let mut out = format!(
        "{} — plan {} ({}): {}% overall, {}\n  shopping {}, production {} ({}%), assembly {} ({}%)\n",
        plan.event.name,
        p.plan,
        p.state.name(),
        p.overall_pct.0,
        status(p.status),
        status(p.phases.shopping),
        status(p.phases.production),
        p.production_pct.0,
        status(p.phases.assembly),
        p.assembly_pct.0,
    );
    out.push_str("\nproduction (batches)          planned   made  remaining      %\n");
    for r in &p.production {
        out.push_str(&format!(
            "  {:<28} {:>7} {:>6} {:>10} {:>6}{}\n",
            r.name,
            r.planned_batches.0.normalize(),
            r.made_batches.0.normalize(),
            r.remaining_batches.0.normalize(),
            r.pct.0.normalize(),
            if r.overage_batches.0 > Decimal::ZERO {
                format!("  (+{} over)", r.overage_batches.0.normalize())
            } else {
                String::new()
            }
        ));
    }
    if !p.assembly.is_empty() {
        out.push_str("\nassembly                     target packed remaining can pack now\n");
        for b in &p.assembly {
            out.push_str(&format!(
                "  {:<28} {:>5} {:>6} {:>9} {:>12}{}\n",
                b.name,
                b.target,
                b.assembled,
                b.remaining,
                b.available_now,
                if b.waiting_for.is_empty() || b.remaining == 0 {
                    String::new()
                } else {
                    format!("  {}", b.waiting_for.join(", "))
                }
            ));
        }
    }
    super::safe::out_bytes(super::safe::clean(&out).as_bytes());
    Ok(())
}
