//! The store stage: one SQLite file holding the live catalogue and the frozen plans.
//!
//! Opening applies the versioned migrations (an older binary refuses a newer schema), turns
//! on WAL, foreign keys and a busy timeout so that two nightly runs wait for each other
//! instead of failing. Records are stored as canonical JSON with a content hash, which makes
//! "did anything change?" a comparison of hashes; frozen snapshots store each distinct
//! record once ([`freeze`]).

mod freeze;
mod import;
pub mod journal;
pub mod journal_csv;
mod records;
pub mod results;
mod snapshot;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use rusqlite_migration::{HookError, M, Migrations};

pub use freeze::{
    CHUNKS, Frozen, PlanRecord, current_plan, delete_plan, freeze, freeze_amendment,
    freeze_records, held_plan, latest_plan, list_plans, load_snapshot, plan_records,
    snapshot_records,
};
pub use import::{
    ImportSummary, LIVE_TABLES, TableChanges, import, import_records, inventory_counted, load_live,
};
pub use records::{
    RecordRow, Records, StoredRecord, canonical_json, catalog_from_rows, catalog_records,
    input_hash,
};
pub use snapshot::{ENGINE_VERSION, PlanMeta, Snapshot};

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database's folder does not exist (a mistyped `--db`, or a folder not made yet).
    #[error(
        "cannot open the database {}: the folder {} does not exist; create it, or give --db a path in an existing folder",
        path.display(),
        path.parent().unwrap_or(path).display()
    )]
    NoFolder {
        /// The database path given.
        path: std::path::PathBuf,
    },
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// The database was written by a newer bakeplan.
    #[error(
        "the database schema is version {found}, newer than this bakeplan understands (up to {known}); use a newer bakeplan"
    )]
    TooNew {
        /// Version found in the file.
        found: i64,
        /// Newest version this binary knows.
        known: usize,
    },
    /// No such event in the live catalogue.
    #[error("no event {event:?} in the database (events: {known}); import the catalogue first")]
    UnknownEvent {
        /// The slug asked for.
        event: String,
        /// Slugs that exist.
        known: String,
    },
    /// The file's tables do not match the schema version it claims.
    #[error(
        "the database says it is schema version {found} but its tables do not match ({detail}); it is damaged or not a bakeplan database"
    )]
    Unexpected {
        /// Version found in the file.
        found: i64,
        /// What SQLite said.
        detail: String,
    },
    /// No such plan.
    #[error("no plan {0}")]
    UnknownPlan(i64),
    /// A plan the kitchen journal records against cannot be deleted.
    #[error(
        "plan {0} has production, assembly or state changes recorded against it; it is kept as the kitchen's record"
    )]
    PlanInUse(i64),
    /// A read-only database written by an older version: it needs upgrading first.
    #[error(
        "the database is read-only and at schema version {found}; this version of bakeplan needs {known}: run any bakeplan command on a writable copy to upgrade it"
    )]
    ReadOnlyOld {
        /// The database's schema version.
        found: i64,
        /// The schema version this build needs.
        known: usize,
    },
    /// The import would remove most of the live catalogue.
    #[error(
        "the import would remove {removing} of the {live} records in the database (is the catalogue directory right?); nothing was imported. Use --prune to remove them"
    )]
    WouldPrune {
        /// Records the import would remove.
        removing: usize,
        /// Records in the database.
        live: usize,
    },
    /// A record could not be serialised.
    #[error("cannot serialise a record: {0}")]
    Serialize(serde_json::Error),
    /// A stored record could not be read back.
    #[error("stored record {table}/{key} is unreadable: {source}")]
    Corrupt {
        /// Table.
        table: String,
        /// Record key.
        key: String,
        /// Parse error.
        source: serde_json::Error,
    },
}

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/001-live.sql")),
        M::up(include_str!("../../migrations/002-plans.sql")),
        M::up_with_hook(
            include_str!("../../migrations/003-snapshots.sql"),
            |tx: &Transaction<'_>| {
                freeze::migrate_v2_rows(tx).map_err(|e| HookError::Hook(e.to_string()))
            },
        ),
        M::up(include_str!("../../migrations/004-journal.sql")),
        M::up(include_str!("../../migrations/005-views.sql")),
        M::up(include_str!("../../migrations/006-results.sql")),
        M::up(include_str!("../../migrations/007-suppliers.sql")),
        M::up(include_str!("../../migrations/008-ingredient-rows.sql")),
    ])
}

/// Number of schema versions this binary knows (one per file in `migrations/`).
pub fn schema_version() -> usize {
    MIGRATION_FILES
}

/// How many migrations [`migrations`] lists; a test checks it against `migrations/`.
const MIGRATION_FILES: usize = 8;

/// Begins a write transaction: it takes the write lock at once (waiting for another run's
/// to end), so that what it reads stays true until it commits.
pub fn write_transaction(conn: &mut Connection) -> Result<Transaction<'_>, StoreError> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

/// An open database.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if path
            .parent()
            .is_some_and(|folder| !folder.as_os_str().is_empty() && !folder.is_dir())
        {
            return Err(StoreError::NoFolder {
                path: path.to_owned(),
            });
        }
        let conn = Connection::open(path)?;
        Store::setup(conn)
    }

    /// Opens a database for the read-only commands: like [`Store::open`], except that a
    /// database that cannot be written (a read-only file, directory or mount, such as a
    /// backup) is opened read-only instead of failing. It must then already exist and be
    /// at this version's schema, since it cannot be upgraded.
    pub fn open_for_reading(path: &Path) -> Result<Store, StoreError> {
        match Store::open(path) {
            Err(error) if path.is_file() && is_read_only(&error) => Store::open_read_only(path),
            other => other,
        }
    }

    /// Opens an existing database strictly read-only.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        use rusqlite::OpenFlags;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        // A WAL database whose directory cannot hold the shared-memory file still reads
        // when opened as immutable (nothing can be writing it: nobody can write there).
        let (conn, found) = match version(&conn) {
            Ok(found) => (conn, found),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) => {
                let uri = format!("file:{}?immutable=1", uri_path(path));
                let conn = Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)?;
                let found = version(&conn)?;
                (conn, found)
            }
            Err(e) => return Err(e.into()),
        };
        let known = schema_version();
        if found > known as i64 {
            return Err(StoreError::TooNew { found, known });
        }
        if found < known as i64 {
            return Err(StoreError::ReadOnlyOld { found, known });
        }
        Ok(Store { conn })
    }

    /// An in-memory database, for tests and benches.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Store, StoreError> {
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Two processes creating a new database at once race to switch it to WAL (which
        // does not wait on the busy timeout) and to migrate it (the loser's migration fails:
        // table exists, or its snapshot went stale). Retry until someone has done both.
        // Anything else — a file that is not what its version claims — fails at once.
        let mut attempt = 0;
        loop {
            let before = version(&conn).ok();
            match Store::prepare(&mut conn) {
                Ok(()) => break,
                Err(error @ StoreError::TooNew { .. }) => return Err(error),
                Err(error) if attempt >= 50 => return Err(error),
                Err(error) if !is_busy(&error) && version(&conn).ok() == before => {
                    return Err(match error {
                        StoreError::Migration(rusqlite_migration::Error::RusqliteError {
                            err,
                            ..
                        }) => StoreError::Unexpected {
                            found: before.unwrap_or(0),
                            detail: first_clause(&err.to_string()),
                        },
                        other => other,
                    });
                }
                Err(_) => {}
            }
            attempt += 1;
            std::thread::sleep(Duration::from_millis(10 * attempt));
        }
        Ok(Store { conn })
    }

    /// Switches to WAL and migrates the schema to the current version.
    fn prepare(conn: &mut Connection) -> Result<(), StoreError> {
        // Where WAL is impossible (some network filesystems) SQLite keeps its rollback
        // journal: slower under concurrency, still correct.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if found > schema_version() as i64 {
            return Err(StoreError::TooNew {
                found,
                known: schema_version(),
            });
        }
        if found < schema_version() as i64 {
            migrations().to_latest(conn)?;
        }
        Ok(())
    }

    /// The underlying connection.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The underlying connection, mutably (for transactions).
    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// The schema version recorded in the file.
fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// SQLite's error code behind a store error, if there is one.
fn sqlite_code(error: &StoreError) -> Option<rusqlite::ErrorCode> {
    match error {
        StoreError::Sqlite(e) => e.sqlite_error_code(),
        StoreError::Migration(rusqlite_migration::Error::RusqliteError { err, .. }) => {
            err.sqlite_error_code()
        }
        _ => None,
    }
}

/// Whether an error says the database (or its directory) cannot be written.
fn is_read_only(error: &StoreError) -> bool {
    matches!(
        sqlite_code(error),
        Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
    )
}

/// A path as a SQLite URI path (percent-encoding what a URI reserves).
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'%' | b'?' | b'#' | b' ' => out.push_str(&format!("%{byte:02X}")),
            _ => out.push(byte as char),
        }
    }
    out
}

/// Whether an error is another connection holding the database (worth retrying).
fn is_busy(error: &StoreError) -> bool {
    matches!(
        sqlite_code(error),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// SQLite's message without the statement it quotes.
fn first_clause(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message);
    line.split(" in ").next().unwrap_or(line).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
            .expect("migrations dir")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
            })
            .count();
        assert_eq!(
            files, MIGRATION_FILES,
            "schema_version() must count every migration"
        );
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let error = Store::open(&path).err().unwrap();
        assert!(
            error.to_string().contains("newer than this bakeplan"),
            "{error}"
        );
    }
}
