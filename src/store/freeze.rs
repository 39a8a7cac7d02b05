//! Freezing plans: the inputs of an event's plan written as immutable, content-addressed
//! snapshot rows with an input hash, in one transaction; and reading, listing and deleting
//! them.
//!
//! A record is stored once however many plans hold it; records are grouped into
//! [`CHUNKS`] chunks per plan by a hash of their key, and a chunk is stored once however many
//! plans share it. A plan row lists its chunks. So re-freezing every event after one stock
//! row changed adds, per event, the one chunk holding that row and the plan's chunk list.

use foldhash::HashMap;

use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::StoreError;
use super::records::{
    RecordRow, Records, StoredRecord, bucket, catalog_from_rows, content_id, first_16, input_hash,
};
use super::snapshot::{ENGINE_VERSION, PlanMeta, Snapshot};
use crate::catalog::Catalog;
use crate::catalog::reach::{Owners, reach};

/// Chunks a plan's records are spread over (by a hash of table and key).
pub const CHUNKS: u8 = 128;

/// What `freeze` did for one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Frozen {
    /// Event slug.
    pub event: String,
    /// The plan (new or reused).
    pub plan: PlanMeta,
    /// True when the latest plan already had these inputs.
    pub reused: bool,
    /// The event is in production (or completed): its plan is kept, whatever changed.
    pub held: bool,
    /// Held, and the live inputs no longer match the held plan (`plans amend` applies them).
    pub changed: bool,
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
    let records = Records::of(live)?;
    let owners = Owners::new(live);
    let found = live
        .events
        .get(event)
        .ok_or_else(|| unknown_event(live, event))?;
    Ok(records
        .of_reach(&reach(live, &owners, found), event)
        .into_iter()
        .map(|i| records.list[i].clone())
        .collect())
}

fn unknown_event(live: &Catalog, event: &str) -> StoreError {
    StoreError::UnknownEvent {
        event: event.to_owned(),
        known: live.events.keys().cloned().collect::<Vec<_>>().join(", "),
    }
}

/// The newest plan of an event.
pub fn latest_plan(conn: &Connection, event: &str) -> Result<Option<PlanMeta>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, created_at, engine_version, input_hash FROM plans
             WHERE event = ?1 ORDER BY id DESC LIMIT 1",
        )?
        .query_row([event], plan_meta)
        .optional()?)
}

fn plan_meta(row: &rusqlite::Row<'_>) -> rusqlite::Result<PlanMeta> {
    Ok(PlanMeta {
        id: row.get(0)?,
        created_at: row.get(1)?,
        engine_version: row.get(2)?,
        input_hash: row.get(3)?,
    })
}

/// Freezes the plans of `events` from the live catalogue in one transaction: all or none.
/// An event whose latest plan has the same input hash is reused unless `force`.
pub fn freeze(
    conn: &mut Connection,
    events: &[String],
    now: &str,
    force: bool,
) -> Result<Vec<Frozen>, StoreError> {
    let tx = super::write_transaction(conn)?;
    let live = super::load_live(&tx)?;
    let records = Records::of(&live)?;
    let frozen = freeze_records(&tx, &live, &records, events, now, force)?;
    tx.commit()?;
    Ok(frozen)
}

/// Freezes `events` of `catalog` inside `tx`, from its already serialised `records` (which
/// must be what the live tables hold in this transaction).
pub fn freeze_records(
    tx: &Transaction<'_>,
    catalog: &Catalog,
    records: &Records,
    events: &[String],
    now: &str,
    force: bool,
) -> Result<Vec<Frozen>, StoreError> {
    let owners = Owners::new(catalog);
    // Reach and hash in parallel: hashing every event's bodies is most of the work.
    let planned: Vec<(Vec<usize>, String)> = events
        .par_iter()
        .map(|event| event_inputs(catalog, &owners, records, event))
        .collect::<Result<_, StoreError>>()?;
    let mut decided = Vec::with_capacity(events.len());
    for (event, (positions, hash)) in events.iter().zip(planned) {
        decided.push(decide(tx, event, positions, hash, force)?);
    }
    let mut writer = Writer::new(tx);
    let mut outcomes = Vec::with_capacity(events.len());
    // The chunks of new plans are made (records grouped, sorted and hashed) in parallel, a
    // window of events at a time so that few plans' members are held at once, on a thread of
    // their own: the next window is made while this one is written (the database work is
    // serial).
    let (sender, windows) = std::sync::mpsc::sync_channel::<Vec<Prepared<'_, '_>>>(1);
    let decided = &decided;
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for window in decided.chunks(WINDOW) {
                let prepared = window.par_iter().map(|d| prepare(d, records)).collect();
                // A closed channel: writing stopped on an error.
                if sender.send(prepared).is_err() {
                    break;
                }
            }
        });
        for prepared in windows {
            for prepared in prepared {
                outcomes.push(match prepared {
                    Prepared::Kept(frozen) => frozen.clone(),
                    Prepared::New {
                        event,
                        hash,
                        chunks,
                    } => Frozen {
                        event: event.clone(),
                        plan: write_plan(&mut writer, &chunks, event, now, hash.clone())?,
                        reused: false,
                        held: false,
                        changed: false,
                    },
                });
            }
        }
        Ok::<(), StoreError>(())
    })?;
    Ok(outcomes)
}

/// A decision with a new plan's chunks made.
fn prepare<'d, 'r>(decision: &'d Decision, records: &'r Records) -> Prepared<'d, 'r> {
    match decision {
        Decision::Kept(frozen) => Prepared::Kept(frozen),
        Decision::New {
            event,
            positions,
            hash,
        } => Prepared::New {
            event,
            hash,
            chunks: chunks(positions.iter().map(|&i| Member::at(records, i))),
        },
    }
}

/// A [`Decision`] with a new plan's chunks made, ready to write.
enum Prepared<'d, 'r> {
    Kept(&'d Frozen),
    New {
        event: &'d String,
        hash: &'d String,
        chunks: Vec<Chunk<'r>>,
    },
}

/// Events whose new plans' chunks are made together.
const WINDOW: usize = 64;

/// Whether an event keeps a plan it has or needs a new one.
enum Decision {
    /// Its plan is held (in production) or already has these inputs.
    Kept(Frozen),
    /// A new plan of these records.
    New {
        event: String,
        positions: Vec<usize>,
        hash: String,
    },
}

/// Which plan `event` gets: the one it is held to, the latest with the same inputs (unless
/// `force`), or a new one.
fn decide(
    tx: &Transaction<'_>,
    event: &str,
    positions: Vec<usize>,
    hash: String,
    force: bool,
) -> Result<Decision, StoreError> {
    if let Some(kept) = held_plan(tx, event)? {
        return Ok(Decision::Kept(Frozen {
            event: event.to_owned(),
            changed: kept.input_hash != hash,
            plan: kept,
            reused: true,
            held: true,
        }));
    }
    if !force
        && let Some(latest) = latest_plan(tx, event)?
        && latest.input_hash == hash
    {
        return Ok(Decision::Kept(Frozen {
            event: event.to_owned(),
            plan: latest,
            reused: true,
            held: false,
            changed: false,
        }));
    }
    Ok(Decision::New {
        event: event.to_owned(),
        positions,
        hash,
    })
}

fn write_plan(
    writer: &mut Writer<'_>,
    chunks: &[Chunk<'_>],
    event: &str,
    now: &str,
    hash: String,
) -> Result<PlanMeta, StoreError> {
    let id = writer.plan(event, now, &hash, chunks)?;
    Ok(PlanMeta {
        id,
        created_at: now.to_owned(),
        engine_version: ENGINE_VERSION.to_owned(),
        input_hash: hash,
    })
}

/// The plan an event in production (or completed) keeps: the one its latest state entry
/// names. `None` for a draft or locked event, whose plan later runs may replace.
pub fn held_plan(conn: &Connection, event: &str) -> Result<Option<PlanMeta>, StoreError> {
    use super::journal::{PlanState, state};
    match state(conn, event)? {
        (PlanState::InProduction | PlanState::Completed, Some(id)) => Ok(conn
            .prepare_cached(
                "SELECT id, created_at, engine_version, input_hash FROM plans WHERE id = ?1",
            )?
            .query_row([id], plan_meta)
            .optional()?),
        _ => Ok(None),
    }
}

/// The plan an event works from: the held plan in production, else the newest.
pub fn current_plan(conn: &Connection, event: &str) -> Result<Option<PlanMeta>, StoreError> {
    match held_plan(conn, event)? {
        Some(plan) => Ok(Some(plan)),
        None => latest_plan(conn, event),
    }
}

/// Freezes a new plan of `event` from the live catalogue whatever its state (an
/// amendment); the caller records why, in the same transaction.
pub fn freeze_amendment(
    tx: &Transaction<'_>,
    catalog: &Catalog,
    records: &Records,
    event: &str,
    now: &str,
) -> Result<PlanMeta, StoreError> {
    let (positions, hash) = event_inputs(catalog, &Owners::new(catalog), records, event)?;
    let chunks = chunks(positions.iter().map(|&i| Member::at(records, i)));
    write_plan(&mut Writer::new(tx), &chunks, event, now, hash)
}

/// The positions in `records` of what `event` reaches, and their input hash.
fn event_inputs(
    catalog: &Catalog,
    owners: &Owners<'_>,
    records: &Records,
    event: &str,
) -> Result<(Vec<usize>, String), StoreError> {
    let found = catalog
        .events
        .get(event)
        .ok_or_else(|| unknown_event(catalog, event))?;
    let positions = records.of_reach(&reach(catalog, owners, found), event);
    let hash = input_hash(positions.iter().map(|&i| &records.list[i]));
    Ok((positions, hash))
}

/// A record about to be frozen.
struct Member<'r> {
    table: &'r str,
    key: &'r str,
    body: &'r str,
    id: [u8; 16],
    bucket: u8,
}

impl<'r> Member<'r> {
    /// The record at `position` of `records`.
    fn at(records: &'r Records, position: usize) -> Member<'r> {
        let record = &records.list[position];
        let (id, bucket) = records.identity(position);
        Member {
            table: record.table,
            key: &record.key,
            body: &record.body,
            id,
            bucket,
        }
    }

    /// A record read back from an older database.
    fn stored(row: &'r RecordRow) -> Member<'r> {
        let body_hash = blake3::hash(row.body.as_bytes()).to_hex().to_string();
        Member {
            table: &row.table,
            key: &row.key,
            body: &row.body,
            id: content_id(&row.table, &row.key, &body_hash),
            bucket: bucket(&row.table, &row.key),
        }
    }
}

/// Writes snapshot rows, remembering which records and chunks exist.
struct Writer<'t> {
    tx: &'t Transaction<'t>,
    records: HashMap<[u8; 16], i64>,
    chunks: HashMap<[u8; 16], i64>,
}

impl<'t> Writer<'t> {
    fn new(tx: &'t Transaction<'t>) -> Writer<'t> {
        Writer {
            tx,
            records: HashMap::default(),
            chunks: HashMap::default(),
        }
    }

    fn record(&mut self, member: &Member<'_>) -> Result<i64, StoreError> {
        if let Some(&id) = self.records.get(&member.id) {
            return Ok(id);
        }
        let found: Option<i64> = self
            .tx
            .prepare_cached("SELECT id FROM snapshot_records WHERE hash = ?1")?
            .query_row([&member.id[..]], |row| row.get(0))
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO snapshot_records (hash, tbl, key, body) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![&member.id[..], member.table, member.key, member.body])?;
                self.tx.last_insert_rowid()
            }
        };
        self.records.insert(member.id, id);
        Ok(id)
    }

    fn chunk(&mut self, chunk: &Chunk<'_>) -> Result<i64, StoreError> {
        if let Some(&id) = self.chunks.get(&chunk.hash) {
            return Ok(id);
        }
        let found: Option<i64> = self
            .tx
            .prepare_cached("SELECT id FROM snapshot_chunks WHERE hash = ?1")?
            .query_row([&chunk.hash[..]], |row| row.get(0))
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                let ids = chunk
                    .members
                    .iter()
                    .map(|m| self.record(m).map(|id| id.to_string()))
                    .collect::<Result<Vec<_>, _>>()?;
                self.tx
                    .prepare_cached("INSERT INTO snapshot_chunks (hash, members) VALUES (?1, ?2)")?
                    .execute(params![&chunk.hash[..], format!("[{}]", ids.join(","))])?;
                self.tx.last_insert_rowid()
            }
        };
        self.chunks.insert(chunk.hash, id);
        Ok(id)
    }

    /// Writes a plan of `chunks` and returns its id.
    fn plan(
        &mut self,
        event: &str,
        now: &str,
        input_hash: &str,
        chunks: &[Chunk<'_>],
    ) -> Result<i64, StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO plans (event, created_at, engine_version, input_hash) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![event, now, ENGINE_VERSION, input_hash])?;
        let plan = self.tx.last_insert_rowid();
        self.link(plan, chunks)?;
        Ok(plan)
    }

    /// Stores `chunks` and lists them under `plan`.
    fn link(&mut self, plan: i64, chunks: &[Chunk<'_>]) -> Result<(), StoreError> {
        let mut chunk_ids = Vec::with_capacity(chunks.len());
        for chunk in chunks {
            chunk_ids.push(self.chunk(chunk)?);
        }
        chunk_ids.sort_unstable();
        chunk_ids.dedup();
        let mut insert = self
            .tx
            .prepare_cached("INSERT INTO plan_chunks (plan_id, chunk) VALUES (?1, ?2)")?;
        for chunk in chunk_ids {
            insert.execute([plan, chunk])?;
        }
        Ok(())
    }
}

/// The records of one of a plan's [`CHUNKS`] groups, sorted by content id, and the hash
/// that names the group (of those ids, in order).
struct Chunk<'r> {
    hash: [u8; 16],
    members: Vec<Member<'r>>,
}

/// `members` grouped into chunks by their bucket, in bucket order (empty buckets left out).
fn chunks<'r>(members: impl Iterator<Item = Member<'r>>) -> Vec<Chunk<'r>> {
    let mut buckets: Vec<Vec<Member<'r>>> = (0..CHUNKS).map(|_| Vec::new()).collect();
    for member in members {
        buckets[usize::from(member.bucket)].push(member);
    }
    buckets
        .into_iter()
        .filter(|b| !b.is_empty())
        .map(|mut members| {
            members.sort_by_key(|m| m.id);
            let mut hasher = blake3::Hasher::new();
            for member in &members {
                hasher.update(&member.id);
            }
            Chunk {
                hash: first_16(hasher.finalize()),
                members,
            }
        })
        .collect()
}

/// Plans, newest first, optionally of one event.
pub fn list_plans(conn: &Connection, event: Option<&str>) -> Result<Vec<PlanRecord>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT p.id, p.event, p.created_at, p.engine_version, p.input_hash,
                (SELECT COALESCE(SUM(json_array_length(c.members)), 0)
                 FROM plan_chunks pc JOIN snapshot_chunks c ON c.id = pc.chunk
                 WHERE pc.plan_id = p.id)
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
            plan_meta,
        )
        .optional()?
        .ok_or(StoreError::UnknownPlan(id))?;
    Ok(Snapshot {
        plan: meta,
        catalog: catalog_from_rows(plan_records(conn, id)?)?,
    })
}

/// The stored snapshot records of a plan, sorted by (table, key).
pub fn plan_records(conn: &Connection, id: i64) -> Result<Vec<RecordRow>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT tbl, key, body FROM plan_rows WHERE plan_id = ?1 ORDER BY tbl, key",
    )?;
    let rows = statement
        .query_map([id], |row| {
            Ok(RecordRow {
                table: row.get(0)?,
                key: row.get(1)?,
                body: row.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Deletes a plan in one transaction (the only way the triggers allow), and the stored
/// records and chunks no other plan uses.
pub fn delete_plan(conn: &mut Connection, id: i64) -> Result<(), StoreError> {
    let tx = super::write_transaction(conn)?;
    let exists: Option<i64> = tx
        .query_row("SELECT id FROM plans WHERE id = ?1", [id], |row| row.get(0))
        .optional()?;
    if exists.is_none() {
        return Err(StoreError::UnknownPlan(id));
    }
    if super::journal::references_plan(&tx, id)? {
        return Err(StoreError::PlanInUse(id));
    }
    tx.execute("INSERT INTO plan_deletions (plan_id) VALUES (?1)", [id])?;
    tx.execute(
        "CREATE TEMP TABLE IF NOT EXISTS gc_chunks (id INTEGER PRIMARY KEY)",
        [],
    )?;
    tx.execute("DELETE FROM temp.gc_chunks", [])?;
    tx.execute(
        "INSERT INTO temp.gc_chunks SELECT chunk FROM plan_chunks WHERE plan_id = ?1",
        [id],
    )?;
    super::results::delete_for_plan(&tx, id)?;
    tx.execute("DELETE FROM plan_chunks WHERE plan_id = ?1", [id])?;
    tx.execute("DELETE FROM plans WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM plan_deletions WHERE plan_id = ?1", [id])?;
    // Chunks no plan lists any more, then records no chunk holds any more.
    tx.execute("INSERT INTO snapshot_gc (active) VALUES (1)", [])?;
    tx.execute(
        "DELETE FROM temp.gc_chunks WHERE id IN (SELECT chunk FROM plan_chunks)",
        [],
    )?;
    tx.execute(
        "CREATE TEMP TABLE IF NOT EXISTS gc_records (id INTEGER PRIMARY KEY)",
        [],
    )?;
    tx.execute("DELETE FROM temp.gc_records", [])?;
    tx.execute(
        "INSERT OR IGNORE INTO temp.gc_records
         SELECT m.value FROM snapshot_chunks c JOIN json_each(c.members) m
         WHERE c.id IN (SELECT id FROM temp.gc_chunks)",
        [],
    )?;
    tx.execute(
        "DELETE FROM snapshot_chunks WHERE id IN (SELECT id FROM temp.gc_chunks)",
        [],
    )?;
    tx.execute(
        "DELETE FROM temp.gc_records WHERE id IN
         (SELECT m.value FROM snapshot_chunks c JOIN json_each(c.members) m)",
        [],
    )?;
    tx.execute(
        "DELETE FROM snapshot_records WHERE id IN (SELECT id FROM temp.gc_records)",
        [],
    )?;
    tx.execute("DELETE FROM snapshot_gc", [])?;
    tx.commit()?;
    Ok(())
}

/// Moves the snapshot rows of a version-2 database (one row per plan and record) into
/// content-addressed storage: the migration to schema 3.
pub(crate) fn migrate_v2_rows(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let plans: Vec<i64> = tx
        .prepare("SELECT id FROM plans ORDER BY id")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut writer = Writer::new(tx);
    for plan in plans {
        let rows: Vec<RecordRow> = tx
            .prepare_cached("SELECT tbl, key, body FROM plan_rows_v2 WHERE plan_id = ?1")?
            .query_map([plan], |row| {
                Ok(RecordRow {
                    table: row.get(0)?,
                    key: row.get(1)?,
                    body: row.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        writer.link(plan, &chunks(rows.iter().map(Member::stored)))?;
    }
    tx.execute_batch(
        "DROP TRIGGER plan_rows_immutable; DROP TRIGGER plan_rows_delete_guard; DROP TABLE plan_rows_v2;",
    )?;
    Ok(())
}
