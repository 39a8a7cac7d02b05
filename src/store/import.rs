//! Import: make the live tables equal to a catalogue, in one transaction, writing nothing
//! when nothing changed; and read the live tables back into a catalogue.

use std::collections::BTreeMap;

use rusqlite::{Connection, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;
use crate::catalog::{Catalog, Settings};

/// The live tables, in the order they are written.
pub const LIVE_TABLES: &[&str] = crate::catalog::load::MAIN_TABLES;

/// One record as stored: key, display name, canonical JSON body and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// Table.
    pub table: &'static str,
    /// Key within the table.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Canonical JSON of the record.
    pub body: String,
    /// blake3 of the body, hex.
    pub hash: String,
}

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
    /// Changes per table, in [`LIVE_TABLES`] order.
    pub tables: Vec<(String, TableChanges)>,
    /// Whether anything was written.
    pub written: bool,
}

/// Canonical JSON of a record: keys sorted (serde_json maps are ordered), decimals
/// normalised at load, no timestamps.
pub fn canonical_json<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .map(|v| v.to_string())
        .unwrap_or_default()
}

fn record<T: Serialize>(table: &'static str, key: String, name: &str, value: &T) -> StoredRecord {
    let body = canonical_json(value);
    let hash = blake3::hash(body.as_bytes()).to_hex().to_string();
    StoredRecord {
        table,
        key,
        name: name.to_owned(),
        body,
        hash,
    }
}

/// The catalogue as the rows of the live tables.
pub fn catalog_records(catalog: &Catalog) -> Vec<StoredRecord> {
    let mut rows = vec![record(
        "settings",
        "settings".to_owned(),
        "settings",
        &catalog.settings,
    )];
    rows.extend(
        catalog
            .ingredients
            .values()
            .map(|r| record("ingredients", r.slug.clone(), &r.name, r)),
    );
    rows.extend(
        catalog
            .materials
            .values()
            .map(|r| record("materials", r.slug.clone(), &r.name, r)),
    );
    rows.extend(
        catalog
            .products
            .iter()
            .map(|r| record("products", r.key(), &r.name, r)),
    );
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for row in &catalog.inventory {
        let base = format!("{}:{}", row.of.kind(), row.of.slug());
        let n = seen.entry(base.clone()).or_default();
        *n += 1;
        rows.push(record(
            "inventory",
            format!("{base}#{n:04}"),
            row.of.slug(),
            row,
        ));
    }
    rows.extend(
        catalog
            .recipes
            .values()
            .map(|r| record("recipes", r.slug.clone(), &r.name, r)),
    );
    rows.extend(
        catalog
            .bundles
            .values()
            .map(|r| record("bundles", r.slug.clone(), &r.name, r)),
    );
    rows.extend(
        catalog
            .events
            .values()
            .map(|r| record("events", r.slug.clone(), &r.name, r)),
    );
    rows
}

fn stored_hashes(conn: &Connection) -> Result<BTreeMap<(String, String), String>, StoreError> {
    let mut hashes = BTreeMap::new();
    for table in LIVE_TABLES {
        let mut statement = conn.prepare_cached(&format!("SELECT key, hash FROM {table}"))?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (key, hash) = row?;
            hashes.insert(((*table).to_owned(), key), hash);
        }
    }
    Ok(hashes)
}

/// Per-table counts, rows to write and (table, key) rows to delete.
type Diff<'a> = (
    Vec<(String, TableChanges)>,
    Vec<&'a StoredRecord>,
    Vec<(String, String)>,
);

/// The difference between stored and wanted records, per table.
fn diff<'a>(stored: &BTreeMap<(String, String), String>, wanted: &'a [StoredRecord]) -> Diff<'a> {
    let mut counts: BTreeMap<&str, TableChanges> = LIVE_TABLES
        .iter()
        .map(|t| (*t, TableChanges::default()))
        .collect();
    let mut upserts = Vec::new();
    let mut wanted_keys = std::collections::BTreeSet::new();
    for row in wanted {
        wanted_keys.insert((row.table.to_owned(), row.key.clone()));
        let entry = counts.entry(row.table).or_default();
        match stored.get(&(row.table.to_owned(), row.key.clone())) {
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
    let removals: Vec<(String, String)> = stored
        .keys()
        .filter(|k| !wanted_keys.contains(*k))
        .cloned()
        .collect();
    for (table, _) in &removals {
        if let Some(entry) = counts.get_mut(table.as_str()) {
            entry.removed += 1;
        }
    }
    let tables = LIVE_TABLES
        .iter()
        .map(|t| ((*t).to_owned(), counts[t]))
        .collect();
    (tables, upserts, removals)
}

/// Makes the live tables equal to `catalog` in one transaction; writes nothing when they
/// already are. `now` is stamped on changed rows.
pub fn import(
    conn: &mut Connection,
    catalog: &Catalog,
    now: &str,
) -> Result<ImportSummary, StoreError> {
    let wanted = catalog_records(catalog);
    let (tables, upserts, removals) = diff(&stored_hashes(conn)?, &wanted);
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
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another run may have imported between the read above and taking the write lock.
    let (tables, upserts, removals) = diff(&stored_hashes(&tx)?, &wanted);
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
    tx.commit()?;
    Ok(ImportSummary {
        tables,
        written: true,
    })
}

fn parse<T: DeserializeOwned>(table: &str, key: &str, body: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|source| StoreError::Corrupt {
        table: table.to_owned(),
        key: key.to_owned(),
        source,
    })
}

/// Builds a catalogue from stored (table, key, body) rows, in key order per table.
pub fn catalog_from_rows(rows: Vec<(String, String, String)>) -> Result<Catalog, StoreError> {
    let mut catalog = Catalog::default();
    for (table, key, body) in rows {
        match table.as_str() {
            "settings" => catalog.settings = parse::<Settings>(&table, &key, &body)?,
            "ingredients" => {
                catalog
                    .ingredients
                    .insert(key.clone(), parse(&table, &key, &body)?);
            }
            "materials" => {
                catalog
                    .materials
                    .insert(key.clone(), parse(&table, &key, &body)?);
            }
            "products" => catalog.products.push(parse(&table, &key, &body)?),
            "inventory" => catalog.inventory.push(parse(&table, &key, &body)?),
            "recipes" => {
                catalog
                    .recipes
                    .insert(key.clone(), parse(&table, &key, &body)?);
            }
            "bundles" => {
                catalog
                    .bundles
                    .insert(key.clone(), parse(&table, &key, &body)?);
            }
            "events" => {
                catalog
                    .events
                    .insert(key.clone(), parse(&table, &key, &body)?);
            }
            _ => {}
        }
    }
    Ok(catalog)
}

/// Reads the live tables back into a catalogue.
pub fn load_live(conn: &Connection) -> Result<Catalog, StoreError> {
    let mut rows = Vec::new();
    for table in LIVE_TABLES {
        let mut statement =
            conn.prepare_cached(&format!("SELECT key, body FROM {table} ORDER BY key"))?;
        let found = statement.query_map([], |row| {
            Ok((
                (*table).to_owned(),
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
            ))
        })?;
        for row in found {
            rows.push(row?);
        }
    }
    catalog_from_rows(rows)
}
