//! Import: make the live tables equal to a catalogue, in one transaction, writing nothing
//! when nothing changed; and read the live tables back into a catalogue.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{Connection, Transaction, params};
use serde::Serialize;

use super::StoreError;
use super::records::{RecordRow, Records, StoredRecord, catalog_from_rows};
use crate::catalog::Catalog;

/// The live tables, in the order they are written.
pub const LIVE_TABLES: &[&str] = crate::catalog::load::MAIN_TABLES;

/// Counts of what an import did (or would do) to one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TableChanges {
    /// Records new in the catalogue.
    pub added: usize,
    /// Records whose content changed.
    pub changed: usize,
    /// Records no longer in the catalogue.
    pub removed: usize,
    /// Records left as they were.
    pub unchanged: usize,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Changes per table, in [`LIVE_TABLES`] order (in JSON: an object keyed by table).
    #[serde(serialize_with = "tables_as_object")]
    pub tables: Vec<(String, TableChanges)>,
    /// Whether anything was written.
    pub written: bool,
}

fn tables_as_object<S: serde::Serializer>(
    tables: &[(String, TableChanges)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(tables.iter().map(|(table, changes)| (table, changes)))
}

/// (table, key) → hash of every live record.
fn stored_hashes(conn: &Connection) -> Result<HashMap<(&'static str, String), String>, StoreError> {
    let mut hashes = HashMap::new();
    for table in LIVE_TABLES {
        let mut statement = conn.prepare_cached(&format!("SELECT key, hash FROM {table}"))?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (key, hash) = row?;
            hashes.insert((*table, key), hash);
        }
    }
    Ok(hashes)
}

/// Rows to write and rows to delete, with counts per table.
struct Changes<'r> {
    tables: Vec<(String, TableChanges)>,
    upserts: Vec<&'r StoredRecord>,
    removals: Vec<(&'static str, String)>,
}

/// The difference between stored and wanted records, per table.
fn diff<'r>(
    stored: &HashMap<(&'static str, String), String>,
    wanted: &'r [StoredRecord],
) -> Changes<'r> {
    let mut counts: BTreeMap<&str, TableChanges> = LIVE_TABLES
        .iter()
        .map(|t| (*t, TableChanges::default()))
        .collect();
    let mut upserts = Vec::new();
    let mut wanted_keys: HashSet<(&str, &str)> = HashSet::with_capacity(wanted.len());
    for row in wanted {
        wanted_keys.insert((row.table, row.key.as_str()));
        let entry = counts.entry(row.table).or_default();
        match stored.get(&(row.table, row.key.clone())) {
            None => {
                entry.added += 1;
                upserts.push(row);
            }
            Some(hash) if *hash != row.hash => {
                entry.changed += 1;
                upserts.push(row);
            }
            Some(_) => entry.unchanged += 1,
        }
    }
    let mut removals: Vec<(&'static str, String)> = stored
        .keys()
        .filter(|(table, key)| !wanted_keys.contains(&(*table, key.as_str())))
        .cloned()
        .collect();
    removals.sort();
    for (table, _) in &removals {
        if let Some(entry) = counts.get_mut(table) {
            entry.removed += 1;
        }
    }
    let tables = LIVE_TABLES
        .iter()
        .map(|t| ((*t).to_owned(), counts[t]))
        .collect();
    Changes {
        tables,
        upserts,
        removals,
    }
}

/// Makes the live tables equal to `records` inside `tx`; writes nothing when they already
/// are. `now` is stamped on changed rows.
pub fn import_records(
    tx: &Transaction<'_>,
    records: &Records,
    now: &str,
    prune: bool,
) -> Result<ImportSummary, StoreError> {
    let stored = stored_hashes(tx)?;
    let Changes {
        tables,
        upserts,
        removals,
    } = diff(&stored, &records.list);
    guard_prune(removals.len(), stored.len(), prune)?;
    if upserts.is_empty() && removals.is_empty() {
        return Ok(ImportSummary {
            tables,
            written: false,
        });
    }
    tracing::debug!(
        upserts = upserts.len(),
        removals = removals.len(),
        "import writes"
    );
    for row in &upserts {
        tx.prepare_cached(&format!(
            "INSERT INTO {} (key, name, body, hash, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(key) DO UPDATE SET name = excluded.name, body = excluded.body, hash = excluded.hash, updated_at = excluded.updated_at",
            row.table
        ))?
        .execute(params![row.key, row.name, row.body, row.hash, now])?;
    }
    for (table, key) in &removals {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE key = ?1"))?
            .execute([key])?;
    }
    Ok(ImportSummary {
        tables,
        written: true,
    })
}

/// Refuses an import that would remove more than half of the live records, or all of
/// them, unless `prune`: an empty or mistyped catalogue directory must not wipe the database.
fn guard_prune(removing: usize, live: usize, prune: bool) -> Result<(), StoreError> {
    if !prune && removing > 0 && (removing * 2 > live || removing == live) {
        return Err(StoreError::WouldPrune { removing, live });
    }
    Ok(())
}

/// Makes the live tables equal to `catalog` in one transaction; writes nothing when they
/// already are. `now` is stamped on changed rows; `prune` allows removing most of them.
pub fn import(
    conn: &mut Connection,
    catalog: &Catalog,
    now: &str,
    prune: bool,
) -> Result<ImportSummary, StoreError> {
    let records = Records::of(catalog)?;
    // Decide outside a write lock whether anything changes, so that an unchanged import
    // never waits for (or blocks) another run.
    let stored = stored_hashes(conn)?;
    let changes = diff(&stored, &records.list);
    guard_prune(changes.removals.len(), stored.len(), prune)?;
    if changes.upserts.is_empty() && changes.removals.is_empty() {
        return Ok(ImportSummary {
            tables: changes.tables,
            written: false,
        });
    }
    let tx = super::write_transaction(conn)?;
    let summary = import_records(&tx, &records, now, prune)?;
    tx.commit()?;
    Ok(summary)
}

/// Reads the live tables back into a catalogue.
pub fn load_live(conn: &Connection) -> Result<Catalog, StoreError> {
    let mut rows = Vec::new();
    for table in LIVE_TABLES {
        let mut statement =
            conn.prepare_cached(&format!("SELECT key, body FROM {table} ORDER BY key"))?;
        let found = statement.query_map([], |row| {
            Ok(RecordRow {
                table: (*table).to_owned(),
                key: row.get(0)?,
                body: row.get(1)?,
            })
        })?;
        for row in found {
            rows.push(row?);
        }
    }
    catalog_from_rows(rows)
}

/// When each ingredient's and material's stock was last counted: the latest `updated_at`
/// of its live inventory rows, keyed by (`ingredient`|`material`, slug).
pub fn inventory_counted(
    conn: &Connection,
) -> Result<std::collections::BTreeMap<(String, String), String>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT json_extract(body, '$.of.kind'), json_extract(body, '$.of.slug'), max(updated_at)
         FROM inventory WHERE json_extract(body, '$.of.kind') IN ('ingredient', 'material')
         GROUP BY 1, 2",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            (row.get::<_, String>(0)?, row.get::<_, String>(1)?),
            row.get::<_, String>(2)?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
