//! Freezing plans: the inputs of an event's plan written as immutable snapshot rows with
//! an input hash, in one transaction; and reading, comparing and deleting them.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::StoreError;
use super::import::{StoredRecord, catalog_from_rows, catalog_records};
use crate::catalog::Catalog;
use crate::plan::{ENGINE_VERSION, PlanMeta, Snapshot, snapshot};

/// What `freeze` did for one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Frozen {
    /// Event slug.
    pub event: String,
    /// The plan id (new or reused).
    pub plan_id: i64,
    /// True when the latest plan already had these inputs.
    pub reused: bool,
    /// Hash of the inputs.
    pub input_hash: String,
}

/// A plan record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanRecord {
    /// Identity.
    #[serde(flatten)]
    pub meta: PlanMeta,
    /// Event slug.
    pub event: String,
    /// Number of snapshot rows.
    pub rows: usize,
}

/// The snapshot records of `event` in `live`, sorted by (table, key).
pub fn snapshot_records(live: &Catalog, event: &str) -> Result<Vec<StoredRecord>, StoreError> {
    let event = live
        .events
        .get(event)
        .ok_or_else(|| StoreError::UnknownEvent {
            event: event.to_owned(),
            known: live.events.keys().cloned().collect::<Vec<_>>().join(", "),
        })?;
    let mut records = catalog_records(&snapshot::subset(live, event));
    records.sort_by(|a, b| (a.table, &a.key).cmp(&(b.table, &b.key)));
    Ok(records)
}

/// blake3 over the canonical records: one `table \t key \t body \n` line each, sorted.
pub fn input_hash(records: &[StoredRecord]) -> String {
    let mut hasher = blake3::Hasher::new();
    for record in records {
        for part in [record.table, "\t", &record.key, "\t", &record.body, "\n"] {
            hasher.update(part.as_bytes());
        }
    }
    hasher.finalize().to_hex().to_string()
}

/// The newest plan of an event: (id, input hash).
pub fn latest_plan(conn: &Connection, event: &str) -> Result<Option<(i64, String)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, input_hash FROM plans WHERE event = ?1 ORDER BY id DESC LIMIT 1",
            [event],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}

/// Freezes the plans of `events` from the live catalogue in one transaction: all or none.
/// An event whose latest plan has the same input hash is reused unless `force`.
pub fn freeze(
    conn: &mut Connection,
    events: &[String],
    now: &str,
    force: bool,
) -> Result<Vec<Frozen>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let live = super::load_live(&tx)?;
    let mut outcomes = Vec::new();
    for event in events {
        let records = snapshot_records(&live, event)?;
        let hash = input_hash(&records);
        if !force
            && let Some((id, latest)) = latest_plan(&tx, event)?
            && latest == hash
        {
            outcomes.push(Frozen {
                event: event.clone(),
                plan_id: id,
                reused: true,
                input_hash: hash,
            });
            continue;
        }
        tx.execute("INSERT INTO plans (event, created_at, engine_version, input_hash) VALUES (?1, ?2, ?3, ?4)", params![event, now, ENGINE_VERSION, hash])?;
        let id = tx.last_insert_rowid();
        let mut insert = tx.prepare_cached(
            "INSERT INTO plan_rows (plan_id, tbl, key, body, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for record in &records {
            insert.execute(params![
                id,
                record.table,
                record.key,
                record.body,
                record.hash
            ])?;
        }
        outcomes.push(Frozen {
            event: event.clone(),
            plan_id: id,
            reused: false,
            input_hash: hash,
        });
    }
    tx.commit()?;
    Ok(outcomes)
}

/// Plans, newest first, optionally of one event.
pub fn list_plans(conn: &Connection, event: Option<&str>) -> Result<Vec<PlanRecord>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT p.id, p.event, p.created_at, p.engine_version, p.input_hash, (SELECT COUNT(*) FROM plan_rows r WHERE r.plan_id = p.id)
         FROM plans p WHERE ?1 IS NULL OR p.event = ?1 ORDER BY p.id DESC",
    )?;
    let rows = statement.query_map([event], |row| {
        Ok(PlanRecord {
            meta: PlanMeta {
                id: row.get(0)?,
                created_at: row.get(2)?,
                engine_version: row.get(3)?,
                input_hash: row.get(4)?,
            },
            event: row.get(1)?,
            rows: row.get::<_, i64>(5)? as usize,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Reads a frozen plan back.
pub fn load_snapshot(conn: &Connection, id: i64) -> Result<Snapshot, StoreError> {
    let meta = conn
        .query_row(
            "SELECT id, created_at, engine_version, input_hash FROM plans WHERE id = ?1",
            [id],
            |row| {
                Ok(PlanMeta {
                    id: row.get(0)?,
                    created_at: row.get(1)?,
                    engine_version: row.get(2)?,
                    input_hash: row.get(3)?,
                })
            },
        )
        .optional()?
        .ok_or(StoreError::UnknownPlan(id))?;
    Ok(Snapshot {
        plan: meta,
        catalog: catalog_from_rows(plan_records(conn, id)?)?,
    })
}

/// The stored snapshot records of a plan.
pub fn plan_records(
    conn: &Connection,
    id: i64,
) -> Result<Vec<(String, String, String)>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT tbl, key, body FROM plan_rows WHERE plan_id = ?1 ORDER BY tbl, key",
    )?;
    let rows = statement
        .query_map([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Deletes a plan and its snapshot rows in one transaction (the only way the triggers allow).
pub fn delete_plan(conn: &mut Connection, id: i64) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let exists: Option<i64> = tx
        .query_row("SELECT id FROM plans WHERE id = ?1", [id], |row| row.get(0))
        .optional()?;
    if exists.is_none() {
        return Err(StoreError::UnknownPlan(id));
    }
    tx.execute("INSERT INTO plan_deletions (plan_id) VALUES (?1)", [id])?;
    tx.execute("DELETE FROM plan_rows WHERE plan_id = ?1", [id])?;
    tx.execute("DELETE FROM plans WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM plan_deletions WHERE plan_id = ?1", [id])?;
    tx.commit()?;
    Ok(())
}
