//! A catalogue as stored records: one canonical JSON body per record, with its key, its
//! content hash and where it sits in the catalogue — serialised once per run and shared by
//! import (which compares hashes) and freeze (which picks an event's records by position).

use foldhash::HashMap;
use rayon::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;
use crate::catalog::reach::Reach;
use crate::catalog::{Catalog, Settings};

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

/// A record's identity in snapshot storage: 16 bytes of blake3 over table, key and body
/// hash. Two plans holding the same record share one stored copy.
pub fn content_id(table: &str, key: &str, body_hash: &str) -> [u8; 16] {
    let mut hasher = blake3::Hasher::new();
    for part in [table, "\0", key, "\0", body_hash] {
        hasher.update(part.as_bytes());
    }
    first_16(hasher.finalize())
}

/// Which snapshot chunk a record falls in: stable for a (table, key), so a changed body
/// changes one chunk.
pub fn bucket(table: &str, key: &str) -> u8 {
    let mut hasher = blake3::Hasher::new();
    for part in [table, "\0", key] {
        hasher.update(part.as_bytes());
    }
    hasher.finalize().as_bytes()[0] % super::freeze::CHUNKS
}

/// The first 16 bytes of a blake3 hash.
pub fn first_16(hash: blake3::Hash) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(&hash.as_bytes()[..16]);
    out
}

/// A stored record read back: table, key and canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordRow {
    /// Table.
    pub table: String,
    /// Key within the table.
    pub key: String,
    /// Canonical JSON.
    pub body: String,
}

impl From<&StoredRecord> for RecordRow {
    fn from(record: &StoredRecord) -> Self {
        RecordRow {
            table: record.table.to_owned(),
            key: record.key.clone(),
            body: record.body.clone(),
        }
    }
}

/// Canonical JSON of a record: keys sorted (serde_json maps are ordered), decimals
/// normalised at load, no timestamps.
pub fn canonical_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_value(value)
        .map(|v| v.to_string())
        .map_err(StoreError::Serialize)
}

fn record<T: Serialize>(
    table: &'static str,
    key: String,
    name: &str,
    value: &T,
) -> Result<StoredRecord, StoreError> {
    let body = canonical_json(value)?;
    let hash = blake3::hash(body.as_bytes()).to_hex().to_string();
    Ok(StoredRecord {
        table,
        key,
        name: name.to_owned(),
        body,
        hash,
    })
}

/// The records of one table, in the order given: serialised and hashed in parallel.
fn all<'a, T: Serialize + Sync + 'a>(
    table: &'static str,
    rows: impl Iterator<Item = (String, &'a str, &'a T)>,
) -> Result<Vec<StoredRecord>, StoreError> {
    let rows: Vec<(String, &str, &T)> = rows.collect();
    rows.into_par_iter()
        .map(|(key, name, value)| record(table, key, name, value))
        .collect()
}

/// A catalogue's records in table order, with lookups from catalogue positions.
#[derive(Debug, Clone, Default)]
pub struct Records {
    /// Every record: settings, ingredients, materials, products, inventory, recipes,
    /// bundles, events.
    pub list: Vec<StoredRecord>,
    /// Position in `list` per table and key.
    by_key: HashMap<&'static str, HashMap<String, usize>>,
    /// Each record's rank in (table name, key) order, the order an input hash reads.
    rank: Vec<u32>,
    /// Each record's [`content_id`] and [`bucket`], made once (every plan that holds the
    /// record needs them).
    identities: Vec<([u8; 16], u8)>,
    products_at: usize,
    inventory_at: usize,
}

impl Records {
    /// Serialises every record of `catalog` once.
    pub fn of(catalog: &Catalog) -> Result<Records, StoreError> {
        let mut list = vec![record(
            "settings",
            "settings".to_owned(),
            "settings",
            &catalog.settings,
        )?];
        list.extend(all(
            "ingredients",
            catalog
                .ingredients
                .values()
                .map(|r| (r.slug.clone(), &*r.name, r)),
        )?);
        list.extend(all(
            "materials",
            catalog
                .materials
                .values()
                .map(|r| (r.slug.clone(), &*r.name, r)),
        )?);
        list.extend(all(
            "suppliers",
            catalog
                .suppliers
                .values()
                .map(|r| (r.name.clone(), &*r.name, r)),
        )?);
        let products_at = list.len();
        list.extend(all(
            "products",
            catalog.products.iter().map(|r| (r.key(), &*r.name, r)),
        )?);
        let inventory_at = list.len();
        list.extend(all(
            "inventory",
            catalog
                .inventory
                .iter()
                .zip(catalog.inventory_keys())
                .map(|(row, key)| (key, row.of.slug(), row)),
        )?);
        list.extend(all(
            "recipes",
            catalog
                .recipes
                .values()
                .map(|r| (r.slug.clone(), &*r.name, r)),
        )?);
        list.extend(all(
            "bundles",
            catalog
                .bundles
                .values()
                .map(|r| (r.slug.clone(), &*r.name, r)),
        )?);
        list.extend(all(
            "events",
            catalog
                .events
                .values()
                .map(|r| (r.slug.clone(), &*r.name, r)),
        )?);
        Ok(Records::indexed(list, products_at, inventory_at))
    }

    /// `list` with its lookups: positions by table and key, ranks in input-hash order, and
    /// each record's content id and bucket.
    fn indexed(list: Vec<StoredRecord>, products_at: usize, inventory_at: usize) -> Records {
        let mut by_key: HashMap<&'static str, HashMap<String, usize>> = HashMap::default();
        for (i, r) in list.iter().enumerate() {
            by_key.entry(r.table).or_default().insert(r.key.clone(), i);
        }
        let mut order: Vec<usize> = (0..list.len()).collect();
        order.sort_by(|&a, &b| (list[a].table, &list[a].key).cmp(&(list[b].table, &list[b].key)));
        let mut rank = vec![0u32; list.len()];
        for (n, i) in order.into_iter().enumerate() {
            rank[i] = n as u32;
        }
        let identities = list
            .par_iter()
            .map(|r| {
                (
                    content_id(r.table, &r.key, &r.hash),
                    bucket(r.table, &r.key),
                )
            })
            .collect();
        Records {
            list,
            by_key,
            rank,
            identities,
            products_at,
            inventory_at,
        }
    }

    /// The content id and bucket (`content_id`, `bucket`) of the record at `position` in `list`.
    pub fn identity(&self, position: usize) -> ([u8; 16], u8) {
        self.identities[position]
    }

    fn position(&self, table: &'static str, key: &str) -> Option<usize> {
        self.by_key.get(table)?.get(key).copied()
    }

    /// The positions of an event's records (what [`Reach`] names, plus the settings and the
    /// event), sorted by (table name, key): the order the input hash reads them in.
    pub fn of_reach(&self, reach: &Reach<'_>, event: &str) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        out.extend(self.position("settings", "settings"));
        for (table, slugs) in [
            ("ingredients", &reach.ingredients),
            ("materials", &reach.materials),
            ("suppliers", &reach.suppliers),
            ("recipes", &reach.recipes),
            ("bundles", &reach.bundles),
        ] {
            out.extend(slugs.iter().filter_map(|s| self.position(table, s)));
        }
        out.extend(reach.products.iter().map(|i| self.products_at + i));
        out.extend(reach.inventory.iter().map(|i| self.inventory_at + i));
        out.extend(self.position("events", event));
        out.sort_unstable_by_key(|&i| self.rank[i]);
        out
    }
}

/// The catalogue as the rows of the live tables.
pub fn catalog_records(catalog: &Catalog) -> Result<Vec<StoredRecord>, StoreError> {
    Ok(Records::of(catalog)?.list)
}

/// blake3 over the canonical records: one `table \t key \t body \n` line each, in order.
///
/// The lines are gathered into blocks of `HASH_BLOCK` bytes before hashing: blake3 hashes a
/// long input many chunks at a time (SIMD), where a record's few hundred bytes go one block at
/// a time. The hash is of the same bytes either way.
pub fn input_hash<'r>(records: impl IntoIterator<Item = &'r StoredRecord>) -> String {
    let mut hasher = blake3::Hasher::new();
    let mut block: Vec<u8> = Vec::with_capacity(HASH_BLOCK);
    for record in records {
        for part in [record.table, "\t", &record.key, "\t", &record.body, "\n"] {
            block.extend_from_slice(part.as_bytes());
        }
        if block.len() >= HASH_BLOCK {
            hasher.update(&block);
            block.clear();
        }
    }
    hasher.update(&block);
    hasher.finalize().to_hex().to_string()
}

/// Bytes of records hashed together by [`input_hash`].
const HASH_BLOCK: usize = 64 * 1024;

fn parse<T: DeserializeOwned>(table: &str, key: &str, body: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|source| StoreError::Corrupt {
        table: table.to_owned(),
        key: key.to_owned(),
        source,
    })
}

/// Builds a catalogue from stored rows, in key order per table.
pub fn catalog_from_rows(rows: Vec<RecordRow>) -> Result<Catalog, StoreError> {
    let mut catalog = Catalog::default();
    for RecordRow { table, key, body } in rows {
        match table.as_str() {
            "settings" => catalog.settings = parse::<Settings>(&table, &key, &body)?,
            "ingredients" => {
                let record = parse(&table, &key, &body)?;
                catalog.ingredients.insert(key, record);
            }
            "materials" => {
                let record = parse(&table, &key, &body)?;
                catalog.materials.insert(key, record);
            }
            "suppliers" => {
                let record = parse(&table, &key, &body)?;
                catalog.suppliers.insert(key, record);
            }
            "products" => catalog.products.push(parse(&table, &key, &body)?),
            "inventory" => catalog.inventory.push(parse(&table, &key, &body)?),
            "recipes" => {
                let record = parse(&table, &key, &body)?;
                catalog.recipes.insert(key, record);
            }
            "bundles" => {
                let record = parse(&table, &key, &body)?;
                catalog.bundles.insert(key, record);
            }
            "events" => {
                let record = parse(&table, &key, &body)?;
                catalog.events.insert(key, record);
            }
            _ => {}
        }
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gathered into blocks or not, the input hash is blake3 of the records' lines written
    /// out one after another (records here span several blocks and cut across their edges).
    #[test]
    fn the_input_hash_is_blake3_of_the_record_lines() {
        let records: Vec<StoredRecord> = (0..300)
            .map(|n| StoredRecord {
                table: "recipes",
                key: format!("recipe-{n}"),
                name: String::new(),
                body: "x".repeat(50 + n * 7),
                hash: String::new(),
            })
            .collect();
        let text: String = records
            .iter()
            .map(|r| format!("{}\t{}\t{}\n", r.table, r.key, r.body))
            .collect();
        assert!(text.len() > 3 * HASH_BLOCK);
        assert_eq!(
            input_hash(&records),
            blake3::hash(text.as_bytes()).to_hex().to_string()
        );
        assert_eq!(
            input_hash(&records[..1]),
            blake3::hash(format!("recipes\trecipe-0\t{}\n", "x".repeat(50)).as_bytes())
                .to_hex()
                .to_string()
        );
    }
}
