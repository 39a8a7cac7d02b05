//! `plans show`: one plan as a baker reads it — from the stored plan result tables when
//! `run` stored them, else computed now.

use bakeplan::plan::kinds::Verdict;
use bakeplan::plan::{self, PlanResult};
use bakeplan::store::{self, Store};

use super::Failure;
use super::plans::computed;

/// `plans show`: the stored results of plan `id` when it has them (or `stored` is asked
/// for), else the plan computed now.
pub(super) fn show(
    store: &Store,
    id: i64,
    json: bool,
    stored: bool,
    recompute: bool,
) -> Result<(), Failure> {
    let computations = store::results::computations_of(store.conn(), id)?;
    if stored || (!json && !recompute && !computations.is_empty()) {
        return show_stored(store, id, &computations, json);
    }
    let result = computed(store, id)?;
    if json {
        super::safe::out_line(&super::safe::json(serde_json::to_string(&result)?));
        return Ok(());
    }
    let mut text = summary(&result);
    text.push_str(&amendment_chain(store, id, &result.event.slug)?);
    text.push_str(if computations.is_empty() {
        "\ncomputed now; no stored results yet (`bakeplan run` stores them)\n"
    } else {
        "\ncomputed now by this engine; `--stored` shows the stored results\n"
    });
    super::safe::out_bytes(super::safe::clean(&text).as_bytes());
    Ok(())
}

/// The amendment chain that led to plan `id`, newest first.
fn amendment_chain(store: &Store, id: i64, event: &str) -> Result<String, Failure> {
    let amendments = store::journal::amendments(store.conn(), Some(event))?;
    let mut text = String::new();
    let mut at = id;
    while let Some(a) = amendments.iter().find(|a| a.plan_id == at) {
        text.push_str(&format!(
            "\nplan {} amends plan {} ({}): {}",
            a.plan_id, a.previous_plan_id, a.at, a.reason
        ));
        at = a.previous_plan_id;
    }
    if at != id {
        text.push('\n');
    }
    Ok(text)
}

/// `plans show` from the plan result tables: every stored computation of plan `id`, the
/// latest in full (text) or all of them (JSON).
fn show_stored(
    store: &Store,
    id: i64,
    computations: &[store::results::StoredComputation],
    json: bool,
) -> Result<(), Failure> {
    // This engine's latest computation, else whatever was stored last.
    let latest = computations
        .iter()
        .rev()
        .find(|c| c.engine_version == store::ENGINE_VERSION)
        .or(computations.last());
    let Some(latest) = latest else {
        return Err(Failure::Usage(format!(
            "plan {id} has no stored results; `bakeplan run` stores them, \
             `bakeplan plans show {id}` computes it now"
        )));
    };
    if json {
        let mut list = Vec::with_capacity(computations.len());
        for c in computations {
            if let Some(s) = store::results::load(store.conn(), c.id)? {
                list.push(stored_json(&s));
            }
        }
        let value = serde_json::json!({ "plan": id, "computations": list });
        super::safe::out_line(&super::safe::json(serde_json::to_string(&value)?));
        return Ok(());
    }
    let stored = store::results::load(store.conn(), latest.id)?
        .ok_or_else(|| Failure::Usage(format!("computation {} of plan {id} is gone", latest.id)))?;
    let snapshot = store::load_snapshot(store.conn(), id)?;
    let mut text = stored_summary(&stored, &Names::of(&snapshot.catalog));
    text.push_str(&amendment_chain(store, id, &stored.computation.event)?);
    text.push('\n');
    for c in computations {
        text.push_str(&format!(
            "stored results: computation {} ({}, {}, {}){}\n",
            c.id,
            c.computed_at,
            c.engine_version,
            c.status,
            if c.with_journal {
                " — the remaining work against recorded kitchen work"
            } else {
                ""
            }
        ));
    }
    super::safe::out_bytes(super::safe::clean(&text).as_bytes());
    Ok(())
}

/// A stored SQL value as JSON.
fn value_json(value: &rusqlite::types::Value) -> serde_json::Value {
    use rusqlite::types::Value;
    match value {
        Value::Null | Value::Blob(_) => serde_json::Value::Null,
        Value::Integer(n) => (*n).into(),
        Value::Real(x) => {
            serde_json::Number::from_f64(*x).map_or(serde_json::Value::Null, Into::into)
        }
        Value::Text(t) => t.clone().into(),
    }
}

/// A stored computation as JSON: its headline and every table's rows as objects.
fn stored_json(s: &store::results::StoredPlan) -> serde_json::Value {
    let c = &s.computation;
    let tables: serde_json::Map<String, serde_json::Value> = s
        .tables
        .iter()
        .map(|(table, rows)| {
            let rows: Vec<serde_json::Value> = rows
                .iter()
                .map(|row| {
                    table
                        .columns()
                        .iter()
                        .zip(row)
                        .map(|(name, v)| ((*name).to_owned(), value_json(v)))
                        .collect::<serde_json::Map<_, _>>()
                        .into()
                })
                .collect();
            (table.name().to_owned(), rows.into())
        })
        .collect();
    serde_json::json!({
        "id": s.id,
        "plan_id": c.plan_id,
        "event": c.event,
        "event_date": c.event_date,
        "engine_version": c.engine_version,
        "journal_hash": c.journal_hash,
        "computed_at": c.computed_at,
        "status": c.status,
        "feasible": c.feasible,
        "currency": c.currency,
        "cost_total": c.cost_total.1,
        "shopping_total": c.shopping_total.1,
        "unpriced_lines": c.unpriced_lines,
        "tables": tables,
    })
}

/// A stored value as text (exact decimals are stored as TEXT).
/// The value of `column` in a stored `row` of `table`.
fn value<'r>(
    row: &'r [rusqlite::types::Value],
    table: store::results::ResultTable,
    column: &str,
) -> Option<&'r rusqlite::types::Value> {
    let at = table.columns().iter().position(|c| *c == column)?;
    row.get(at)
}

fn cell(
    row: &[rusqlite::types::Value],
    table: store::results::ResultTable,
    column: &str,
) -> String {
    use rusqlite::types::Value;
    match value(row, table, column) {
        Some(Value::Text(t)) => t.clone(),
        Some(Value::Integer(n)) => n.to_string(),
        Some(Value::Real(x)) => x.to_string(),
        _ => String::new(),
    }
}

/// Display names by slug, from a plan's snapshot (the result tables hold slugs).
struct Names<'a> {
    event: Option<(&'a str, &'a str)>,
    items: std::collections::HashMap<&'a str, &'a str>,
}

impl<'a> Names<'a> {
    fn of(catalog: &'a bakeplan::catalog::model::Catalog) -> Self {
        let mut items = std::collections::HashMap::new();
        for r in catalog.recipes.values() {
            items.insert(r.slug.as_str(), r.name.as_str());
            for y in &r.yields {
                items.insert(y.slug.as_str(), y.name.as_str());
            }
        }
        for i in catalog.ingredients.values() {
            items.insert(i.slug.as_str(), i.name.as_str());
        }
        for m in catalog.materials.values() {
            items.insert(m.slug.as_str(), m.name.as_str());
        }
        Self {
            event: catalog
                .events
                .values()
                .next()
                .map(|e| (e.slug.as_str(), e.name.as_str())),
            items,
        }
    }

    /// The name of `slug`, or the slug.
    fn of_slug(&self, slug: String) -> String {
        self.items
            .get(slug.as_str())
            .map_or(slug, |n| (*n).to_owned())
    }
}

/// A human summary of a stored computation: batches, what to buy and the verdict.
fn stored_summary(s: &store::results::StoredPlan, names: &Names<'_>) -> String {
    use store::results::ResultTable as T;
    let c = &s.computation;
    let short = |exact: String| {
        exact
            .parse::<rust_decimal::Decimal>()
            .map_or(exact, |d| d.round_dp(3).normalize().to_string())
    };
    let mut out = format!(
        "plan {} — {} ({}), stored computation {} by engine {}, computed {}\n\nBatches\n",
        c.plan_id,
        names
            .event
            .filter(|(slug, _)| *slug == c.event)
            .map_or(c.event.as_str(), |(_, name)| name),
        c.event_date,
        s.id,
        c.engine_version,
        c.computed_at
    );
    for b in s.rows(T::Batches) {
        let item = cell(b, T::Batches, "item");
        out.push_str(&format!(
            "  {:<34} {:>6} {:<7}  need {:>5}  make {:>5}  surplus {:>4}{}\n",
            names.of_slug(if item.is_empty() {
                cell(b, T::Batches, "recipe")
            } else {
                item
            }),
            short(cell(b, T::Batches, "batches_exact")),
            batches_word(&short(cell(b, T::Batches, "batches_exact"))),
            cell(b, T::Batches, "need"),
            cell(b, T::Batches, "produced"),
            cell(b, T::Batches, "surplus"),
            if cell(b, T::Batches, "decided") == "1" {
                "  (decided)"
            } else {
                ""
            }
        ));
    }
    out.push_str("\nTo buy\n");
    for l in s
        .rows(T::Shopping)
        .iter()
        .filter(|l| cell(l, T::Shopping, "status") == "buy")
    {
        let cost = cell(l, T::Shopping, "cost_exact");
        out.push_str(&format!(
            "  {:<34} {:>10} {:<6} {}{}\n",
            names.of_slug(cell(l, T::Shopping, "item")),
            short(cell(l, T::Shopping, "to_buy_exact")),
            cell(l, T::Shopping, "unit"),
            match value(l, T::Shopping, "packs") {
                Some(rusqlite::types::Value::Integer(p)) => {
                    bakeplan::nightly::plural(
                        usize::try_from(*p).unwrap_or(usize::MAX),
                        "pack",
                        "packs",
                    )
                }
                _ => String::new(),
            },
            if cost.is_empty() {
                String::new()
            } else {
                format!("  {} {}", short(cost), c.currency)
            }
        ));
    }
    out.push_str(&format!(
        "\n{} — shopping {} {}, ingredients at cost {} {}\n",
        c.status,
        short(c.shopping_total.1.clone()),
        c.currency,
        short(c.cost_total.1.clone()),
        c.currency
    ));
    for b in s.rows(T::Blockers) {
        out.push_str(&format!(
            "  [{}] {}\n",
            cell(b, T::Blockers, "kind"),
            cell(b, T::Blockers, "message")
        ));
    }
    out
}

/// "batch" for exactly one, "batches" otherwise (2, 0.5, 1.25).
fn batches_word(amount: &str) -> &'static str {
    if amount == "1" { "batch" } else { "batches" }
}

fn amount(n: &plan::result::Num) -> String {
    n.0.round_dp(3).normalize().to_string()
}

/// A human summary of a plan: batches, what to buy, assembly and the verdict.
fn summary(r: &PlanResult) -> String {
    let mut out = format!(
        "plan {} — {} ({}), frozen {}\n\nBatches\n",
        r.plan.id, r.event.name, r.event.date, r.plan.created_at
    );
    for b in &r.batches {
        out.push_str(&format!(
            "  {:<34} {:>6} {:<7}  need {:>5}  make {:>5}  surplus {:>4}{}\n",
            b.item_name.as_deref().unwrap_or(&b.recipe_name),
            amount(&b.batches),
            batches_word(&amount(&b.batches)),
            b.need,
            b.produced,
            b.surplus,
            if b.decided { "  (decided)" } else { "" }
        ));
    }
    out.push_str("\nTo buy\n");
    for s in r
        .shopping
        .iter()
        .filter(|s| s.status == plan::kinds::ShoppingStatus::Buy)
    {
        out.push_str(&format!(
            "  {:<34} {:>10} {:<6} {}{}\n",
            s.name,
            amount(&s.to_buy),
            s.unit,
            s.packs
                .map(|p| format!("{p} × {}", s.pack_size.as_deref().unwrap_or("")))
                .unwrap_or_default(),
            s.cost
                .map(|c| format!("  {} {}", c.0.round_dp(2), r.costs.currency))
                .unwrap_or_default()
        ));
    }
    out.push_str("\nAssembly\n");
    for a in &r.assembly {
        out.push_str(&format!(
            "  {:<34} {:>4} of {:<4} {}\n",
            a.name, a.assemblable, a.target, a.status
        ));
    }
    let to_buy = r
        .shopping
        .iter()
        .filter(|s| s.status == bakeplan::plan::kinds::ShoppingStatus::Buy)
        .count();
    out.push_str(&format!(
        "\n{}\n",
        match r.feasibility.status {
            Verdict::Ready => "Ready: everything is on hand.".to_owned(),
            Verdict::NeedsShopping => format!(
                "Needs shopping: {}, {} {}:",
                bakeplan::nightly::plural(to_buy, "item", "items"),
                r.costs.shopping_total.0.round_dp(2),
                r.costs.currency
            ),
            Verdict::Blocked => "Blocked: buying alone cannot make this event:".to_owned(),
        }
    ));
    for b in &r.feasibility.blockers {
        out.push_str(&format!("  [{}] {}\n", b.kind, b.message));
    }
    for w in &r.warnings {
        out.push_str(&format!("  warning: {w}\n"));
    }
    out
}
