//! Plan results as tables: what a computation decided, written once per plan, engine version
//! and journal state (migration 006), and read back as typed columns for `export plans`.
//!
//! The store knows the tables and their columns, not the engine's types: the plan stage
//! turns a computed plan into [`ResultRows`] (one row of SQL values per line, in column
//! order), so that the store never imports from `plan/`.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params_from_iter};

use super::StoreError;

/// A table of computed results, below `plan_computations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResultTable {
    /// `plan_batches`: one row per batch line.
    Batches,
    /// `plan_ingredients`: one row per ingredient or material total, with its sources as
    /// JSON (the view `plan_ingredient_sources` has a row per source).
    Ingredients,
    /// `plan_paths`: the provenance paths the sources point at, each spelled once.
    Paths,
    /// `plan_shopping`: the shopping list.
    Shopping,
    /// `plan_blockers`: what stands in the way.
    Blockers,
    /// `plan_costs`: costs per recipe, item and bundle.
    Costs,
}

impl ResultTable {
    /// Every result table, in the order they are written and exported.
    pub const ALL: [ResultTable; 6] = [
        ResultTable::Batches,
        ResultTable::Ingredients,
        ResultTable::Paths,
        ResultTable::Shopping,
        ResultTable::Blockers,
        ResultTable::Costs,
    ];

    /// The SQL table name.
    pub fn name(self) -> &'static str {
        match self {
            ResultTable::Batches => "plan_batches",
            ResultTable::Ingredients => "plan_ingredients",
            ResultTable::Paths => "plan_paths",
            ResultTable::Shopping => "plan_shopping",
            ResultTable::Blockers => "plan_blockers",
            ResultTable::Costs => "plan_costs",
        }
    }

    /// Columns after `computation_id`, in the order a row's values come.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            ResultTable::Batches => &[
                "line",
                "recipe",
                "item",
                "gross",
                "in_stock",
                "need",
                "batches",
                "batches_exact",
                "produced",
                "surplus",
                "shortfall",
                "waste_pct",
                "decided",
            ],
            ResultTable::Ingredients => &[
                "line",
                "kind",
                "item",
                "category",
                "qty",
                "qty_exact",
                "unit",
                "unconvertible",
                "sources",
            ],
            ResultTable::Paths => &["path_id", "path"],
            ResultTable::Shopping => &[
                "line",
                "kind",
                "item",
                "category",
                "needed",
                "needed_exact",
                "on_hand",
                "on_hand_exact",
                "to_buy",
                "to_buy_exact",
                "unit",
                "status",
                "product",
                "packs",
                "price",
                "price_exact",
                "cost",
                "cost_exact",
                "note",
            ],
            ResultTable::Blockers => &[
                "line",
                "kind",
                "item",
                "needed",
                "needed_exact",
                "available",
                "available_exact",
                "unit",
                "message",
            ],
            ResultTable::Costs => &[
                "line",
                "kind",
                "slug",
                "unit_cost",
                "unit_cost_exact",
                "total",
                "total_exact",
            ],
        }
    }

    fn insert_sql(self) -> String {
        let columns = self.columns();
        format!(
            "INSERT INTO {} (computation_id, {}) VALUES (?1, {})",
            self.name(),
            columns.join(", "),
            (2..=columns.len() + 1)
                .map(|n| format!("?{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The identity and headline figures of one computation (a `plan_computations` row).
#[derive(Debug, Clone, PartialEq)]
pub struct Computation {
    /// The frozen plan computed.
    pub plan_id: i64,
    /// Its event.
    pub event: String,
    /// The event's date (`YYYY-MM-DD`), what exports partition by.
    pub event_date: String,
    /// The engine that computed it.
    pub engine_version: String,
    /// Hash of the kitchen work it was computed against; empty for none.
    pub journal_hash: String,
    /// When (RFC 3339, the run's clock).
    pub computed_at: String,
    /// Verdict: `ready`, `needs-shopping` or `blocked`.
    pub status: String,
    /// Whether nothing blocks it.
    pub feasible: bool,
    /// Currency of the costs.
    pub currency: String,
    /// Ingredients and materials used, at unit prices: (REAL, exact TEXT).
    pub cost_total: (f64, String),
    /// Packs on the shopping list: (REAL, exact TEXT).
    pub shopping_total: (f64, String),
    /// Lines with no price.
    pub unpriced_lines: i64,
}

/// The rows of one computation, table by table, each row's values in
/// [`ResultTable::columns`] order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultRows {
    /// Rows per table.
    pub tables: Vec<(ResultTable, Vec<Vec<Value>>)>,
}

/// Stores a computation and its rows, unless the same plan was already computed by this
/// engine against the same journal. Returns the computation id and whether it was new.
pub fn save(
    tx: &Transaction<'_>,
    computation: &Computation,
    rows: &ResultRows,
) -> Result<(i64, bool), StoreError> {
    if let Some(id) = computation_id(
        tx,
        computation.plan_id,
        &computation.engine_version,
        &computation.journal_hash,
    )? {
        return Ok((id, false));
    }
    let c = computation;
    tx.prepare_cached(
        "INSERT INTO plan_computations (plan_id, event, event_date, engine_version, journal_hash,
             computed_at, status, feasible, currency, cost_total, cost_total_exact,
             shopping_total, shopping_total_exact, unpriced_lines)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(rusqlite::params![
        c.plan_id,
        c.event,
        c.event_date,
        c.engine_version,
        c.journal_hash,
        c.computed_at,
        c.status,
        c.feasible,
        c.currency,
        c.cost_total.0,
        c.cost_total.1,
        c.shopping_total.0,
        c.shopping_total.1,
        c.unpriced_lines,
    ])?;
    let id = tx.last_insert_rowid();
    for (table, table_rows) in &rows.tables {
        let mut insert = tx.prepare_cached(&table.insert_sql())?;
        for row in table_rows {
            insert.execute(params_from_iter(
                std::iter::once(&Value::Integer(id)).chain(row.iter()),
            ))?;
        }
    }
    Ok((id, true))
}

/// The computation of `plan_id` by `engine_version` against `journal_hash`, if stored.
pub fn computation_id(
    conn: &Connection,
    plan_id: i64,
    engine_version: &str,
    journal_hash: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM plan_computations
             WHERE plan_id = ?1 AND engine_version = ?2 AND journal_hash = ?3",
        )?
        .query_row(
            rusqlite::params![plan_id, engine_version, journal_hash],
            |r| r.get(0),
        )
        .optional()?)
}

/// A stored computation of a plan, as `plans show` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredComputation {
    /// `plan_computations.id`.
    pub id: i64,
    /// When it was computed.
    pub computed_at: String,
    /// By which engine.
    pub engine_version: String,
    /// Whether it was computed against recorded kitchen work (the remaining work).
    pub with_journal: bool,
    /// Its verdict.
    pub status: String,
}

/// The stored computations of `plan_id`, oldest first.
pub fn computations_of(
    conn: &Connection,
    plan_id: i64,
) -> Result<Vec<StoredComputation>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, computed_at, engine_version, journal_hash <> '', status
         FROM plan_computations WHERE plan_id = ?1 ORDER BY id",
    )?;
    let rows = statement.query_map([plan_id], |r| {
        Ok(StoredComputation {
            id: r.get(0)?,
            computed_at: r.get(1)?,
            engine_version: r.get(2)?,
            with_journal: r.get(3)?,
            status: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One stored computation read back: its headline row and, per result table, its rows in
/// line order, each row's values in [`ResultTable::columns`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPlan {
    /// `plan_computations.id`.
    pub id: i64,
    /// The headline row.
    pub computation: Computation,
    /// Rows per table, in [`ResultTable::ALL`] order.
    pub tables: Vec<(ResultTable, Vec<Vec<Value>>)>,
}

impl StoredPlan {
    /// The rows of `table`.
    pub fn rows(&self, table: ResultTable) -> &[Vec<Value>] {
        self.tables
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(&[], |(_, rows)| rows.as_slice())
    }
}

/// Reads computation `id` and its rows, if stored.
pub fn load(conn: &Connection, id: i64) -> Result<Option<StoredPlan>, StoreError> {
    let computation = conn
        .prepare_cached(
            "SELECT plan_id, event, event_date, engine_version, journal_hash, computed_at,
                 status, feasible, currency, cost_total, cost_total_exact, shopping_total,
                 shopping_total_exact, unpriced_lines
             FROM plan_computations WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Computation {
                plan_id: r.get(0)?,
                event: r.get(1)?,
                event_date: r.get(2)?,
                engine_version: r.get(3)?,
                journal_hash: r.get(4)?,
                computed_at: r.get(5)?,
                status: r.get(6)?,
                feasible: r.get(7)?,
                currency: r.get(8)?,
                cost_total: (r.get(9)?, r.get(10)?),
                shopping_total: (r.get(11)?, r.get(12)?),
                unpriced_lines: r.get(13)?,
            })
        })
        .optional()?;
    let Some(computation) = computation else {
        return Ok(None);
    };
    let mut tables = Vec::with_capacity(ResultTable::ALL.len());
    for table in ResultTable::ALL {
        let columns = table.columns();
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {} FROM {} WHERE computation_id = ?1 ORDER BY {}",
            columns.join(", "),
            table.name(),
            columns[0]
        ))?;
        let rows = statement.query_map([id], |r| {
            (0..columns.len())
                .map(|n| r.get::<_, Value>(n))
                .collect::<Result<Vec<_>, _>>()
        })?;
        tables.push((table, rows.collect::<Result<_, _>>()?));
    }
    Ok(Some(StoredPlan {
        id,
        computation,
        tables,
    }))
}

/// Removes the computations of a plan being deleted (its id is in `plan_deletions`).
pub(super) fn delete_for_plan(tx: &Transaction<'_>, plan_id: i64) -> Result<(), StoreError> {
    for table in ResultTable::ALL {
        tx.execute(
            &format!(
                "DELETE FROM {} WHERE computation_id IN
                 (SELECT id FROM plan_computations WHERE plan_id = ?1)",
                table.name()
            ),
            [plan_id],
        )?;
    }
    tx.execute(
        "DELETE FROM plan_computations WHERE plan_id = ?1",
        [plan_id],
    )?;
    Ok(())
}

/// The SQL type of an exported column, as declared in the (STRICT) table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// INTEGER.
    Integer,
    /// REAL.
    Real,
    /// TEXT.
    Text,
}

/// One exported table: column names and types, and the values column by column.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    /// Column names, in order.
    pub names: Vec<String>,
    /// Their declared types.
    pub types: Vec<ColumnType>,
    /// Values, `values[column][row]`.
    pub values: Vec<Vec<Value>>,
}

impl Columns {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.values.first().map_or(0, Vec::len)
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which computations an export takes: every stored computation (each plan, and each
/// journal state of a plan in production), optionally of one event only, or of events on or
/// after a date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Only this event.
    pub event: Option<String>,
    /// Only events dated on or after this day (`YYYY-MM-DD`).
    pub since: Option<String>,
}

/// The names of the tables [`read`] exports: `plan_computations`, every [`ResultTable`]
/// and the view `plan_ingredient_sources` (a row per source; `plan_ingredients` is exported
/// without its JSON `sources`).
pub fn export_tables() -> Vec<&'static str> {
    std::iter::once("plan_computations")
        .chain(
            ResultTable::ALL
                .iter()
                .filter(|t| **t != ResultTable::Paths)
                .map(|t| t.name()),
        )
        .chain(std::iter::once("plan_ingredient_sources"))
        .collect()
}

/// Reads one of [`export_tables`] for the computations `selection` takes, every row with
/// `plan_id`, `event` and `event_date` in front, sorted by event date, event, computation and
/// line, so that exports are the same bytes twice.
pub fn read(conn: &Connection, table: &str, selection: &Selection) -> Result<Columns, StoreError> {
    if !export_tables().contains(&table) {
        return Err(StoreError::Sqlite(rusqlite::Error::InvalidParameterName(
            table.to_owned(),
        )));
    }
    let declared: Vec<(String, ColumnType)> = declared_columns(conn, table)?
        .into_iter()
        .filter(|(name, _)| !(table == "plan_ingredients" && name == "sources"))
        .collect();
    let listed = |alias: &str| {
        declared
            .iter()
            .map(|(name, _)| format!("{alias}.{name}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (c_columns, t_columns) = (listed("c"), listed("t"));
    let filter = "(?1 IS NULL OR c.event = ?1) AND (?2 IS NULL OR c.event_date >= ?2)";
    let (names, types): (Vec<String>, Vec<ColumnType>) = if table == "plan_computations" {
        declared.into_iter().unzip()
    } else {
        [
            ("plan_id".to_owned(), ColumnType::Integer),
            ("event".to_owned(), ColumnType::Text),
            ("event_date".to_owned(), ColumnType::Text),
        ]
        .into_iter()
        .chain(declared)
        .unzip()
    };
    let sql = if table == "plan_computations" {
        format!(
            "SELECT {c_columns} FROM plan_computations c WHERE {filter} ORDER BY c.event_date, c.event, c.id"
        )
    } else {
        format!(
            "SELECT c.plan_id, c.event, c.event_date, {t_columns} FROM {table} t
             JOIN plan_computations c ON c.id = t.computation_id
             WHERE {filter} ORDER BY c.event_date, c.event, t.computation_id, t.line{}",
            if table == "plan_ingredient_sources" {
                ", t.source"
            } else {
                ""
            }
        )
    };
    let mut statement = conn.prepare(&sql)?;
    let mut values: Vec<Vec<Value>> = vec![Vec::new(); names.len()];
    let mut rows = statement.query(rusqlite::params![selection.event, selection.since])?;
    while let Some(row) = rows.next()? {
        for (n, column) in values.iter_mut().enumerate() {
            column.push(row.get::<_, Value>(n)?);
        }
    }
    Ok(Columns {
        names,
        types,
        values,
    })
}

/// A table's columns and declared types, from SQLite's catalogue.
fn declared_columns(
    conn: &Connection,
    table: &str,
) -> Result<Vec<(String, ColumnType)>, StoreError> {
    let mut statement =
        conn.prepare("SELECT name, type FROM pragma_table_info(?1) ORDER BY cid")?;
    let rows = statement.query_map([table], |row| {
        let name: String = row.get(0)?;
        let declared: String = row.get(1)?;
        // SQLite's affinity rules; a view's CAST columns declare `INT` or `REAL`.
        let upper = declared.to_ascii_uppercase();
        let kind = if upper.contains("INT") {
            ColumnType::Integer
        } else if ["REAL", "FLOA", "DOUB"].iter().any(|t| upper.contains(t)) {
            ColumnType::Real
        } else {
            ColumnType::Text
        };
        Ok((name, kind))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_result_table_has_the_columns_the_schema_declares() {
        let store = super::super::Store::open_in_memory().expect("store");
        for table in ResultTable::ALL {
            let declared: Vec<String> = declared_columns(store.conn(), table.name())
                .expect("columns")
                .into_iter()
                .map(|(name, _)| name)
                .skip(1)
                .collect();
            assert_eq!(declared, table.columns(), "{}", table.name());
        }
    }
}
