//! The raw limits a run's stages are compared against, measured on the same inputs:
//!
//! ```sh
//! cargo run --release --example chain-catalogue -- 1 /tmp/chain
//! target/release/bakeplan --db /tmp/chain.db --now 2026-12-01 run /tmp/chain --out /tmp/chain-out --all
//! cargo run --release --example raw-limits -- /tmp/chain /tmp/chain.db /tmp/chain-out
//! ```
//!
//! - **CSV parse**: every `*.csv` of the catalogue read into byte records with the `csv`
//!   crate (no typing, no validation) — the floor under `check`.
//! - **SQLite inserts**: the database's live rows inserted again into an empty database with
//!   one prepared statement in one transaction — the floor under `import`.
//! - **Plan result rows**: every row of the plan result tables inserted again into the same
//!   tables, empty, with one prepared statement per table in one transaction — the floor under
//!   `store` (which writes them a batch of plans per transaction, making each row first).
//! - **serde_json**: every `plan.json` under the output directory parsed (untimed) and
//!   written back compact with `serde_json` — the floor under rendering the same plans.

#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

type Failure = Box<dyn std::error::Error>;

fn csv_parse(dir: &Path) -> Result<(usize, u64, f64), Failure> {
    let started = Instant::now();
    let (mut records, mut bytes) = (0usize, 0u64);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
    {
        bytes += std::fs::metadata(path)?.len();
        let mut reader = csv::Reader::from_path(path)?;
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record)? {
            records += 1;
        }
    }
    Ok((records, bytes, started.elapsed().as_secs_f64()))
}

fn sqlite_inserts(db: &Path) -> Result<(usize, f64), Failure> {
    let source = rusqlite::Connection::open(db)?;
    let mut rows: Vec<(String, String, String, String)> = Vec::new();
    for table in bakeplan::catalog::load::MAIN_TABLES {
        let mut statement =
            source.prepare(&format!("SELECT key, name, body, hash FROM {table}"))?;
        let found =
            statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        for row in found {
            rows.push(row?);
        }
    }
    let dir = tempfile::tempdir()?;
    let mut target = rusqlite::Connection::open(dir.path().join("raw.db"))?;
    target.pragma_update(None, "journal_mode", "WAL")?;
    target.pragma_update(None, "synchronous", "NORMAL")?;
    target.execute_batch("CREATE TABLE rows (key TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT")?;
    let started = Instant::now();
    let tx = target.transaction()?;
    {
        let mut insert = tx.prepare("INSERT INTO rows VALUES (?1, ?2, ?3, ?4, '2026-12-01')")?;
        for (n, (key, name, body, hash)) in rows.iter().enumerate() {
            insert.execute((format!("{n}:{key}"), name, body, hash))?;
        }
    }
    tx.commit()?;
    Ok((rows.len(), started.elapsed().as_secs_f64()))
}

fn result_inserts(db: &Path) -> Result<(usize, u64, f64), Failure> {
    use bakeplan::store::results::ResultTable;
    use rusqlite::types::Value;
    let source = rusqlite::Connection::open(db)?;
    let dir = tempfile::tempdir()?;
    let mut target = rusqlite::Connection::open(dir.path().join("raw.db"))?;
    target.pragma_update(None, "journal_mode", "WAL")?;
    target.pragma_update(None, "synchronous", "NORMAL")?;
    // The tables alone, without the computations they reference.
    target.pragma_update(None, "foreign_keys", "OFF")?;
    let mut tables = Vec::new();
    for table in ResultTable::ALL {
        let name = table.name();
        let create: String = source.query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
            |r| r.get(0),
        )?;
        target.execute_batch(&create)?;
        let mut select = source.prepare(&format!("SELECT * FROM {name}"))?;
        let columns = select.column_count();
        let rows = select
            .query_map([], |r| {
                (0..columns)
                    .map(|i| r.get::<_, Value>(i))
                    .collect::<Result<Vec<_>, _>>()
            })?
            .collect::<Result<Vec<_>, _>>()?;
        tables.push((name, columns, rows));
    }
    let bytes = std::fs::metadata(db)?.len();
    let started = Instant::now();
    let tx = target.transaction()?;
    let mut count = 0;
    for (name, columns, rows) in &tables {
        let marks = vec!["?"; *columns].join(", ");
        let mut insert = tx.prepare(&format!("INSERT INTO {name} VALUES ({marks})"))?;
        for row in rows {
            insert.execute(rusqlite::params_from_iter(row.iter()))?;
        }
        count += rows.len();
    }
    tx.commit()?;
    Ok((count, bytes, started.elapsed().as_secs_f64()))
}

fn plans_under(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), Failure> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            plans_under(&path, found)?;
        } else if path.file_name().is_some_and(|n| n == "plan.json") {
            found.push(path);
        }
    }
    Ok(())
}

fn serde_json_writes(out: &Path) -> Result<(usize, u64, u64, f64), Failure> {
    let mut paths = Vec::new();
    plans_under(out, &mut paths)?;
    let mut read_bytes = 0u64;
    let mut plans = Vec::new();
    for path in &paths {
        let text = std::fs::read(path)?;
        read_bytes += text.len() as u64;
        plans.push(serde_json::from_slice::<serde_json::Value>(&text)?);
    }
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let mut written = 0u64;
    for (n, plan) in plans.iter().enumerate() {
        let bytes = serde_json::to_vec(plan)?;
        written += bytes.len() as u64;
        std::fs::write(dir.path().join(format!("{n}.json")), bytes)?;
    }
    Ok((
        plans.len(),
        read_bytes,
        written,
        started.elapsed().as_secs_f64(),
    ))
}

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [catalogue, db, out] = args.as_slice() else {
        eprintln!(
            "usage: raw-limits CATALOGUE DB OUT   (after a run of CATALOGUE into DB and OUT)"
        );
        return ExitCode::from(2);
    };
    let result = (|| -> Result<(), Failure> {
        let (records, bytes, secs) = csv_parse(catalogue)?;
        println!(
            "csv parse:       {records} records, {:.1} MB in {:.0} ms ({:.0} MB/s)",
            bytes as f64 / 1e6,
            secs * 1e3,
            bytes as f64 / 1e6 / secs
        );
        let (rows, secs) = sqlite_inserts(db)?;
        println!(
            "sqlite inserts:  {rows} live rows in {:.0} ms ({:.0} rows/ms)",
            secs * 1e3,
            rows as f64 / secs / 1e3
        );
        let (rows, db_bytes, secs) = result_inserts(db)?;
        println!(
            "result rows:     {rows} plan result rows (database {:.0} MB) in {:.0} ms ({:.0} rows/ms)",
            db_bytes as f64 / 1e6,
            secs * 1e3,
            rows as f64 / secs / 1e3
        );
        let (plans, read, written, secs) = serde_json_writes(out)?;
        println!(
            "serde_json:      {plans} plans ({:.1} MB as written by the run) written compact as {:.1} MB in {:.0} ms ({:.0} MB/s on one core)",
            read as f64 / 1e6,
            written as f64 / 1e6,
            secs * 1e3,
            written as f64 / 1e6 / secs
        );
        Ok(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("raw-limits: {error}");
            ExitCode::from(3)
        }
    }
}
