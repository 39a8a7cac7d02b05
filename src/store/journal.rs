//! The kitchen journal: production, assembly, purchases and plan states recorded after
//! planning (migration 004).
//!
//! The catalogue files stay the source of truth for definitions and the stock count; what
//! happens in the kitchen afterwards is appended here, so `import` never touches it and a
//! frozen plan is never rewritten. Entries are validated against a plan by the caller (the
//! plan layer knows what a plan holds); this module only stores and reads them, each batch
//! of entries in one transaction.

use rusqlite::{Connection, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::catalog::Unit;

/// Where an event's plan is in the kitchen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    /// Frozen, still replaced freely by later runs.
    Draft,
    /// Agreed; still replaced by later runs.
    Locked,
    /// Production has started: changes need `plans amend`.
    InProduction,
    /// Done.
    Completed,
}

impl PlanState {
    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            PlanState::Draft => "draft",
            PlanState::Locked => "locked",
            PlanState::InProduction => "in_production",
            PlanState::Completed => "completed",
        }
    }

    /// The state named `text` (`draft`, `locked`, `in_production`, `completed`).
    pub fn parse(text: &str) -> Option<PlanState> {
        [
            PlanState::Draft,
            PlanState::Locked,
            PlanState::InProduction,
            PlanState::Completed,
        ]
        .into_iter()
        .find(|s| s.name() == text)
    }

    /// `Ok` when `self → to` is allowed; otherwise why not, naming the current state.
    pub fn check_transition(self, event: &str, to: PlanState) -> Result<(), String> {
        if self.may_become(to) {
            Ok(())
        } else {
            Err(format!(
                "the plan of {event} is {}; it cannot become {} (draft → locked → in_production → completed)",
                self.name(),
                to.name()
            ))
        }
    }

    /// Whether `self → to` is an allowed transition: draft → locked → in_production →
    /// completed, one step at a time (draft may go straight to in_production).
    pub fn may_become(self, to: PlanState) -> bool {
        matches!(
            (self, to),
            (
                PlanState::Draft,
                PlanState::Locked | PlanState::InProduction
            ) | (PlanState::Locked, PlanState::InProduction)
                | (PlanState::InProduction, PlanState::Completed)
        )
    }
}

/// Batches of a recipe made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Production {
    /// Event slug.
    pub event: String,
    /// The plan it was recorded against.
    pub plan_id: i64,
    /// Recipe slug.
    pub recipe: String,
    /// Batches made (> 0).
    pub batches: Decimal,
    /// The plan's count for these batches (`None`: the recipe yields no counted item).
    pub expected_yield: Option<u64>,
    /// What came out, when recorded (`None`: as expected).
    pub actual_yield: Option<u64>,
    /// Why fewer came out.
    pub loss_reason: Option<String>,
    /// When it happened (RFC 3339).
    pub at: String,
}

impl Production {
    /// Units that came out: the actual yield, else the expected one.
    pub fn made(&self) -> Option<u64> {
        self.actual_yield.or(self.expected_yield)
    }

    /// Expected minus actual, when both are known and actual is lower.
    pub fn loss(&self) -> u64 {
        match (self.expected_yield, self.actual_yield) {
            (Some(e), Some(a)) => e.saturating_sub(a),
            _ => 0,
        }
    }
}

/// Bundles packed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assembly {
    /// Event slug.
    pub event: String,
    /// The plan it was recorded against.
    pub plan_id: i64,
    /// Bundle slug.
    pub bundle: String,
    /// How many (> 0).
    pub qty: u64,
    /// When it happened.
    pub at: String,
}

/// What a purchase bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseKind {
    /// An ingredient.
    Ingredient,
    /// A packaging material.
    Material,
}

impl PurchaseKind {
    /// `ingredient` or `material`.
    pub fn name(self) -> &'static str {
        match self {
            PurchaseKind::Ingredient => "ingredient",
            PurchaseKind::Material => "material",
        }
    }
}

/// Ingredients or packaging bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Purchase {
    /// The event whose list it was bought for, if any.
    pub event: Option<String>,
    /// Ingredient or material.
    pub kind: PurchaseKind,
    /// Its slug.
    pub item: String,
    /// Amount bought (> 0), in `unit`.
    pub qty: Decimal,
    /// Unit of `qty`.
    pub unit: Unit,
    /// Whole packs, when bought as packs of a product.
    pub packs: Option<u64>,
    /// What it cost.
    pub cost: Option<Decimal>,
    /// When it happened.
    pub at: String,
}

/// A plan state change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateChange {
    /// Event slug.
    pub event: String,
    /// The plan.
    pub plan_id: i64,
    /// The new state.
    pub state: PlanState,
    /// When.
    pub at: String,
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// Batches made.
    Production(Production),
    /// Bundles packed.
    Assembly(Assembly),
    /// Something bought.
    Purchase(Purchase),
    /// A plan state change.
    State(StateChange),
}

/// Appends `entries` in one transaction (all or nothing); returns their ids in order.
pub fn append(
    conn: &mut Connection,
    entries: &[Entry],
    recorded_at: &str,
) -> Result<Vec<i64>, StoreError> {
    let tx = super::write_transaction(conn)?;
    let ids = append_in(&tx, entries, recorded_at)?;
    tx.commit()?;
    Ok(ids)
}

/// A plan frozen during production, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Amendment {
    /// Event slug.
    pub event: String,
    /// The new plan.
    pub plan_id: i64,
    /// The plan it replaces.
    pub previous_plan_id: i64,
    /// Why (never blank).
    pub reason: String,
    /// When.
    pub at: String,
}

/// Records an amendment and moves the event's production to the new plan, inside `tx`.
pub fn amend_in(
    conn: &Connection,
    amendment: &Amendment,
    recorded_at: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO journal_amendments (event, plan_id, previous_plan_id, reason, at, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        amendment.event,
        amendment.plan_id,
        amendment.previous_plan_id,
        amendment.reason,
        amendment.at,
        recorded_at
    ])?;
    let state = Entry::State(StateChange {
        event: amendment.event.clone(),
        plan_id: amendment.plan_id,
        state: PlanState::InProduction,
        at: amendment.at.clone(),
    });
    append_in(conn, &[state], recorded_at)?;
    Ok(())
}

/// Every amendment, oldest first (`event`: only that event's).
pub fn amendments(conn: &Connection, event: Option<&str>) -> Result<Vec<Amendment>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT event, plan_id, previous_plan_id, reason, at FROM journal_amendments
         WHERE ?1 IS NULL OR event = ?1 ORDER BY id",
    )?;
    let rows = statement.query_map([event], |row| {
        Ok(Amendment {
            event: row.get(0)?,
            plan_id: row.get(1)?,
            previous_plan_id: row.get(2)?,
            reason: row.get(3)?,
            at: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Appends `entries` inside the caller's transaction.
pub fn append_in(
    tx: &Connection,
    entries: &[Entry],
    recorded_at: &str,
) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::with_capacity(entries.len());
    for entry in entries {
        match entry {
            Entry::Production(p) => tx
                .prepare_cached(
                    "INSERT INTO journal_production (event, plan_id, recipe, batches,
                     expected_yield, actual_yield, loss_reason, at, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    p.event,
                    p.plan_id,
                    p.recipe,
                    p.batches.normalize().to_string(),
                    p.expected_yield.map(to_sql_int),
                    p.actual_yield.map(to_sql_int),
                    p.loss_reason,
                    p.at,
                    recorded_at
                ])?,
            Entry::Assembly(a) => tx
                .prepare_cached(
                    "INSERT INTO journal_assembly (event, plan_id, bundle, qty, at, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    a.event,
                    a.plan_id,
                    a.bundle,
                    to_sql_int(a.qty),
                    a.at,
                    recorded_at
                ])?,
            Entry::Purchase(p) => tx
                .prepare_cached(
                    "INSERT INTO journal_purchases (event, kind, item, qty, unit, packs, cost,
                     at, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    p.event,
                    p.kind.name(),
                    p.item,
                    p.qty.normalize().to_string(),
                    p.unit.symbol(),
                    p.packs.map(to_sql_int),
                    p.cost.map(|c| c.normalize().to_string()),
                    p.at,
                    recorded_at
                ])?,
            Entry::State(s) => tx
                .prepare_cached(
                    "INSERT INTO journal_states (event, plan_id, state, at, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    s.event,
                    s.plan_id,
                    s.state.name(),
                    s.at,
                    recorded_at
                ])?,
        };
        ids.push(tx.last_insert_rowid());
    }
    Ok(ids)
}

/// SQLite integers are i64; counts beyond that are clamped (they were refused earlier).
fn to_sql_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn corrupt(table: &str, id: i64, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table: table.to_owned(),
        key: id.to_string(),
        source: serde_json::Error::io(std::io::Error::other(detail.to_string())),
    }
}

fn decimal(table: &str, id: i64, text: &str) -> Result<Decimal, StoreError> {
    text.parse::<Decimal>()
        .map_err(|e| corrupt(table, id, format!("{text:?}: {e}")))
}

fn count(value: Option<i64>) -> Option<u64> {
    value.and_then(|v| u64::try_from(v).ok())
}

/// Production recorded for `event` (every event's with `None`), oldest first.
pub fn production(conn: &Connection, event: Option<&str>) -> Result<Vec<Production>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, plan_id, recipe, batches, expected_yield, actual_yield, loss_reason, at,
         event FROM journal_production WHERE ?1 IS NULL OR event = ?1 ORDER BY id",
    )?;
    let rows = statement.query_map([event], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, Option<i64>>(4)?,
            row.get::<_, Option<i64>>(5)?,
            row.get::<_, Option<String>>(6)?,
            row.get::<_, String>(7)?,
            row.get::<_, String>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, plan_id, recipe, batches, expected, actual, loss_reason, at, event) = row?;
        out.push(Production {
            event,
            plan_id,
            recipe,
            batches: decimal("journal_production", id, &batches)?,
            expected_yield: count(expected),
            actual_yield: count(actual),
            loss_reason,
            at,
        });
    }
    Ok(out)
}

/// Assembly recorded for `event` (every event's with `None`), oldest first.
pub fn assembly(conn: &Connection, event: Option<&str>) -> Result<Vec<Assembly>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT plan_id, bundle, qty, at, event FROM journal_assembly
         WHERE ?1 IS NULL OR event = ?1 ORDER BY id",
    )?;
    let rows = statement.query_map([event], |row| {
        Ok(Assembly {
            event: row.get(4)?,
            plan_id: row.get(0)?,
            bundle: row.get(1)?,
            qty: count(row.get(2)?).unwrap_or(0),
            at: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every purchase, oldest first (`event`: only those bought for that event's list).
pub fn purchases(conn: &Connection, event: Option<&str>) -> Result<Vec<Purchase>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, event, kind, item, qty, unit, packs, cost, at FROM journal_purchases
         WHERE ?1 IS NULL OR event = ?1 ORDER BY id",
    )?;
    let rows = statement.query_map([event], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, Option<String>>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, String>(4)?,
            row.get::<_, String>(5)?,
            row.get::<_, Option<i64>>(6)?,
            row.get::<_, Option<String>>(7)?,
            row.get::<_, String>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, event, kind, item, qty, unit, packs, cost, at) = row?;
        let table = "journal_purchases";
        out.push(Purchase {
            event,
            kind: match kind.as_str() {
                "material" => PurchaseKind::Material,
                _ => PurchaseKind::Ingredient,
            },
            item,
            qty: decimal(table, id, &qty)?,
            unit: Unit::parse(&unit).ok_or_else(|| corrupt(table, id, format!("unit {unit:?}")))?,
            packs: count(packs),
            cost: cost.map(|c| decimal(table, id, &c)).transpose()?,
            at,
        });
    }
    Ok(out)
}

/// Plan state changes of `event` (every event's with `None`), oldest first.
pub fn states(conn: &Connection, event: Option<&str>) -> Result<Vec<StateChange>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, event, plan_id, state, at FROM journal_states
         WHERE ?1 IS NULL OR event = ?1 ORDER BY id",
    )?;
    let rows = statement.query_map([event], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, event, plan_id, state, at) = row?;
        out.push(StateChange {
            event,
            plan_id,
            state: PlanState::parse(&state)
                .ok_or_else(|| corrupt("journal_states", id, format!("state {state:?}")))?,
            at,
        });
    }
    Ok(out)
}

/// The event's plan state (draft when nothing was recorded) and the plan it names.
pub fn state(conn: &Connection, event: &str) -> Result<(PlanState, Option<i64>), StoreError> {
    let latest: Option<(i64, i64, String)> = conn
        .prepare_cached(
            "SELECT id, plan_id, state FROM journal_states WHERE event = ?1
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([event], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    match latest {
        None => Ok((PlanState::Draft, None)),
        Some((id, plan, text)) => PlanState::parse(&text)
            .map(|s| (s, Some(plan)))
            .ok_or_else(|| corrupt("journal_states", id, format!("state {text:?}"))),
    }
}

/// Whether any journal entry points at `plan_id` (such a plan cannot be deleted).
pub fn references_plan(conn: &Connection, plan_id: i64) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM journal_production WHERE plan_id = ?1)
             OR EXISTS (SELECT 1 FROM journal_assembly WHERE plan_id = ?1)
             OR EXISTS (SELECT 1 FROM journal_states WHERE plan_id = ?1)
             OR EXISTS (SELECT 1 FROM journal_amendments WHERE plan_id = ?1 OR previous_plan_id = ?1)",
        [plan_id],
        |row| row.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_move_forward_one_step_at_a_time() {
        use PlanState::*;
        assert!(Draft.may_become(Locked));
        assert!(Draft.may_become(InProduction));
        assert!(Locked.may_become(InProduction));
        assert!(InProduction.may_become(Completed));
        for (from, to) in [
            (Draft, Completed),
            (Locked, Draft),
            (Completed, InProduction),
            (InProduction, Locked),
            (Locked, Locked),
        ] {
            assert!(!from.may_become(to), "{from:?} → {to:?}");
        }
    }
}
