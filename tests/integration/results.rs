//! The plan result tables: what `run` stores equals what `plans show --json` reports, the
//! Parquet and CSV exports hold the same rows as SQL, and an older database gains the tables.

use std::fs;
use std::path::Path;

use polars::prelude::{AnyValue, DataFrame};
use polars_io::SerReader;
use polars_io::parquet::read::ParquetReader;
use rusqlite::Connection;
use rusqlite::types::Value;
use serde_json::Value as Json;

use super::{SCENARIOS, bakeplan, fixture, reference};

/// Runs every event of `catalogue` into a database in `dir`.
fn run_all(dir: &Path, catalogue: &Path) {
    let output = bakeplan(dir)
        .args(["-q", "--now", "2026-12-01", "run"])
        .arg(catalogue)
        .args(["--all", "--out", "out"])
        .output()
        .expect("runs");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}: {output:?}",
        catalogue.display()
    );
}

fn show(dir: &Path, plan: i64) -> Json {
    let output = bakeplan(dir)
        .args(["plans", "show", &plan.to_string(), "--json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("json")
}

fn rows(conn: &Connection, sql: &str, id: i64) -> Vec<Vec<Value>> {
    let mut statement = conn.prepare(sql).expect("prepare");
    let width = statement.column_count();
    statement
        .query_map([id], |row| {
            (0..width).map(|n| row.get::<_, Value>(n)).collect()
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// A SQL value as JSON, numbers compared at the 6 places plan.json rounds to.
fn json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Integer(i) => Json::from(*i),
        Value::Real(x) => number((x * 1e6).round() / 1e6),
        // `'#' || x_exact`: the exact decimal, rounded as plan.json rounds it.
        Value::Text(t) if t.starts_with('#') => {
            let exact: rust_decimal::Decimal = t[1..].parse().expect("exact decimal");
            serde_json::to_value(bakeplan::plan::result::Num(exact)).expect("num")
        }
        Value::Text(t) => Json::from(t.as_str()),
        Value::Blob(_) => panic!("no blobs in plan tables"),
    }
}

/// A rounded number, whole numbers as integers (SQL REAL 3.0 is plan.json's 3).
fn number(x: f64) -> Json {
    if x.fract() == 0.0 && x.abs() < 9e15 {
        Json::from(x as i64)
    } else {
        Json::from(x)
    }
}

/// A plan.json field as the same JSON (numbers rounded the same way, bools as 0/1).
fn field(value: &Json) -> Json {
    match value {
        Json::Number(n) => match n.as_i64() {
            Some(i) => Json::from(i),
            None => number((n.as_f64().expect("f64") * 1e6).round() / 1e6),
        },
        Json::Bool(b) => Json::from(i64::from(*b)),
        other => other.clone(),
    }
}

/// Every line of `list` projected on `fields`, as JSON arrays.
fn project(list: &Json, fields: &[&str]) -> Vec<Vec<Json>> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|row| fields.iter().map(|f| field(&row[f])).collect())
        .collect()
}

fn sql_rows(conn: &Connection, sql: &str, id: i64) -> Vec<Vec<Json>> {
    rows(conn, sql, id)
        .iter()
        .map(|row| row.iter().map(json).collect())
        .collect()
}

/// The stored tables of every plan in `dir` equal `plans show --json` of that plan — or, for
/// a plan in production computed against its kitchen journal (the remaining work), the
/// plan.json the run wrote for it.
fn tables_equal_show(dir: &Path) -> usize {
    let conn = Connection::open(dir.join("bakeplan.db")).expect("db");
    let computations = rows(
        &conn,
        "SELECT id, plan_id, event, journal_hash FROM plan_computations WHERE id >= ?1 ORDER BY id",
        0,
    );
    assert!(!computations.is_empty(), "no computations stored");
    for computation in &computations {
        let [
            Value::Integer(id),
            Value::Integer(plan),
            Value::Text(event),
            Value::Text(journal),
        ] = &computation[..]
        else {
            panic!("computation row");
        };
        let shown = if journal.is_empty() {
            show(dir, *plan)
        } else {
            let path = dir.join("out").join(event).join("plan.json");
            let written: Json =
                serde_json::from_str(&fs::read_to_string(path).expect("plan.json")).expect("json");
            assert_eq!(&written["plan"]["id"], plan, "the run's latest plan.json");
            written
        };
        let q = |sql: &str| sql_rows(&conn, sql, *id);
        let head = &q(
            "SELECT plan_id, event, event_date, status, feasible, '#' || cost_total_exact,
                              '#' || shopping_total_exact
                       FROM plan_computations WHERE id = ?1",
        )[0];
        assert_eq!(
            head,
            &vec![
                field(&shown["plan"]["id"]),
                field(&shown["event"]["slug"]),
                field(&shown["event"]["date"]),
                field(&shown["feasibility"]["status"]),
                field(&shown["feasibility"]["feasible"]),
                field(&shown["costs"]["total"]),
                field(&shown["costs"]["shopping_total"]),
            ],
            "plan {plan}"
        );
        assert_eq!(
            q("SELECT recipe, item, gross, in_stock, need, '#' || batches_exact, produced, surplus, shortfall,
                      waste_pct, decided
               FROM plan_batches WHERE computation_id = ?1 ORDER BY line"),
            project(
                &shown["batches"],
                &[
                    "recipe",
                    "item",
                    "gross",
                    "in_stock",
                    "need",
                    "batches",
                    "produced",
                    "surplus",
                    "shortfall",
                    "waste_pct",
                    "decided"
                ]
            ),
            "plan {plan}: batches"
        );
        assert_eq!(
            q("SELECT kind, item, category, '#' || needed_exact, '#' || on_hand_exact, '#' || to_buy_exact,
                      unit, status, product, packs, '#' || price_exact, '#' || cost_exact, note
               FROM plan_shopping WHERE computation_id = ?1 ORDER BY line"),
            project(
                &shown["shopping"],
                &[
                    "kind", "item", "category", "needed", "on_hand", "to_buy", "unit", "status",
                    "product", "packs", "price", "cost", "note"
                ]
            ),
            "plan {plan}: shopping"
        );
        assert_eq!(
            q(
                "SELECT kind, item, '#' || needed_exact, '#' || available_exact, unit, message
               FROM plan_blockers WHERE computation_id = ?1 ORDER BY line"
            ),
            project(
                &shown["feasibility"]["blockers"],
                &["kind", "item", "needed", "available", "unit", "message"]
            ),
            "plan {plan}: blockers"
        );
        // Totals and their sources: ingredients, then materials.
        let mut totals = project(
            &shown["ingredients"],
            &["ingredient", "qty", "unit", "unconvertible"],
        );
        totals.extend(project(
            &shown["materials"],
            &["material", "qty", "unit", "unconvertible"],
        ));
        assert_eq!(
            q("SELECT item, '#' || qty_exact, unit, unconvertible
               FROM plan_ingredients WHERE computation_id = ?1 ORDER BY line"),
            totals,
            "plan {plan}: ingredients"
        );
        let mut sources = Vec::new();
        for list in ["ingredients", "materials"] {
            for row in shown[list].as_array().expect("array") {
                for source in row["sources"].as_array().expect("sources") {
                    let path: Vec<&str> = source["path"]
                        .as_array()
                        .expect("path")
                        .iter()
                        .map(|p| p.as_str().expect("str"))
                        .collect();
                    sources.push(vec![
                        Json::from(path.join(" > ")),
                        field(&source["qty"]),
                        field(&source["unit"]),
                    ]);
                }
            }
        }
        assert_eq!(
            q(
                "SELECT path, '#' || qty_exact, unit FROM plan_ingredient_sources
               WHERE computation_id = ?1 ORDER BY line, source"
            ),
            sources,
            "plan {plan}: sources"
        );
        let costs = &shown["costs"];
        let mut expected = project(&costs["per_recipe"], &["recipe", "batch_cost", "total"]);
        expected.extend(
            project(&costs["per_item"], &["item", "unit_cost"])
                .into_iter()
                .chain(project(&costs["per_bundle"], &["bundle", "unit_cost"]))
                .map(|mut row| {
                    row.push(Json::Null);
                    row
                }),
        );
        assert_eq!(
            q(
                "SELECT slug, '#' || unit_cost_exact, '#' || total_exact FROM plan_costs
               WHERE computation_id = ?1 ORDER BY line"
            ),
            expected,
            "plan {plan}: costs"
        );
    }
    computations.len()
}

#[test]
fn the_plan_tables_equal_plans_show_for_the_sample_and_the_reference_catalogues() {
    let dir = tempfile::tempdir().expect("tempdir");
    run_all(dir.path(), &fixture("sample"));
    assert_eq!(tables_equal_show(dir.path()), 2);
    for scenario in SCENARIOS {
        let Some(path) = reference(scenario) else {
            continue;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        run_all(dir.path(), &path);
        assert!(tables_equal_show(dir.path()) >= 1, "{scenario}");
    }
}

#[test]
fn the_same_plan_is_stored_once_and_kitchen_work_stores_a_new_computation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let count = || -> i64 {
        Connection::open(dir.path().join("bakeplan.db"))
            .expect("db")
            .query_row("SELECT count(*) FROM plan_computations", [], |r| r.get(0))
            .expect("count")
    };
    run_all(dir.path(), &fixture("sample"));
    run_all(dir.path(), &fixture("sample"));
    assert_eq!(count(), 2, "an unchanged night stores nothing new");
    bakeplan(dir.path())
        .args(["plans", "start", "winter-market"])
        .assert()
        .success();
    bakeplan(dir.path())
        .args([
            "record",
            "production",
            "winter-market",
            "--recipe",
            "macarons",
            "--batches",
            "1",
        ])
        .assert()
        .success();
    run_all(dir.path(), &fixture("sample"));
    assert_eq!(
        count(),
        3,
        "the plan in production is stored against its journal"
    );
    let conn = Connection::open(dir.path().join("bakeplan.db")).expect("db");
    let journals: Vec<String> = conn
        .prepare(
            "SELECT journal_hash FROM plan_computations WHERE event = 'winter-market' ORDER BY id",
        )
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(journals.len(), 2);
    assert_eq!(journals[0], "");
    assert_eq!(journals[1].len(), 32);
    // The stored rows are immutable; deleting a plan is refused while the journal holds it,
    // and removes its results with it otherwise.
    assert!(
        conn.execute("UPDATE plan_batches SET batches = 0", [])
            .is_err()
    );
    assert!(conn.execute("DELETE FROM plan_shopping", []).is_err());
    bakeplan(dir.path())
        .args(["plans", "delete", "2"])
        .assert()
        .success();
    let left: i64 = conn
        .query_row(
            "SELECT count(*) FROM plan_shopping s JOIN plan_computations c ON c.id = s.computation_id
             WHERE c.plan_id = 2",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(left, 0);
}

#[test]
fn plans_show_reads_the_stored_results_and_an_older_engine_keeps_its_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    run_all(dir.path(), &fixture("sample"));
    let conn = Connection::open(dir.path().join("bakeplan.db")).expect("db");
    // A computation by an older engine, as an earlier release would have stored it.
    conn.execute_batch(
        "INSERT INTO plan_computations (plan_id, event, event_date, engine_version, journal_hash,
             computed_at, status, feasible, currency, cost_total, cost_total_exact,
             shopping_total, shopping_total_exact, unpriced_lines)
         SELECT plan_id, event, event_date, 'bakeplan 0.0.9', journal_hash, '2025-12-01T00:00:00Z',
             'blocked', 0, currency, cost_total, cost_total_exact, shopping_total,
             shopping_total_exact, unpriced_lines
         FROM plan_computations WHERE plan_id = 1;
         INSERT INTO plan_batches SELECT (SELECT max(id) FROM plan_computations), line, recipe,
             item, gross, in_stock, need, batches, batches_exact, produced, surplus, shortfall,
             waste_pct, decided
         FROM plan_batches WHERE computation_id = 1 AND line = 0;",
    )
    .expect("older computation");
    run_all(dir.path(), &fixture("sample"));

    let out = bakeplan(dir.path())
        .args(["plans", "show", "1", "--stored", "--json"])
        .output()
        .expect("show");
    assert!(out.status.success());
    let shown: Json = serde_json::from_slice(&out.stdout).expect("json");
    let computations = shown["computations"].as_array().expect("computations");
    assert_eq!(
        computations.len(),
        2,
        "the older engine's rows stay: {shown}"
    );
    let older = computations
        .iter()
        .find(|c| c["engine_version"] == "bakeplan 0.0.9")
        .expect("older engine");
    assert_eq!(older["status"], "blocked");
    assert_eq!(
        older["tables"]["plan_batches"].as_array().map(Vec::len),
        Some(1)
    );
    for c in computations {
        let id = c["id"].as_i64().expect("id");
        for (table, rows) in c["tables"].as_object().expect("tables") {
            let count: i64 = conn
                .query_row(
                    &format!("SELECT count(*) FROM {table} WHERE computation_id = ?1"),
                    [id],
                    |r| r.get(0),
                )
                .expect("count");
            assert_eq!(
                rows.as_array().map(Vec::len),
                Some(count as usize),
                "{table}"
            );
        }
    }
    let latest = computations
        .iter()
        .find(|c| c["engine_version"] != "bakeplan 0.0.9")
        .expect("this engine");
    assert_eq!(latest["status"], "needs-shopping");
    let first = &latest["tables"]["plan_shopping"][0];
    let (item, to_buy): (String, String) = conn
        .query_row(
            "SELECT item, to_buy_exact FROM plan_shopping WHERE computation_id = ?1 AND line = 0",
            [latest["id"].as_i64().expect("id")],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    assert_eq!(first["item"], Json::String(item));
    assert_eq!(first["to_buy_exact"], Json::String(to_buy));

    // Text: the latest stored computation, not a recomputation.
    let text = bakeplan(dir.path())
        .args(["plans", "show", "1"])
        .output()
        .expect("show");
    let text = String::from_utf8(text.stdout).expect("utf-8");
    assert!(text.contains("stored computation"), "{text}");
    assert!(
        text.contains("needs-shopping — shopping 166.42 USD"),
        "{text}"
    );
    assert!(text.contains("bakeplan 0.0.9, blocked"), "{text}");
    let recomputed = bakeplan(dir.path())
        .args(["plans", "show", "1", "--recompute"])
        .output()
        .expect("show");
    assert!(String::from_utf8_lossy(&recomputed.stdout).contains("computed now by this engine"));
}

/// A Parquet cell as the SQL value it was written from.
fn sql_value(value: AnyValue<'_>) -> Value {
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Int64(i) => Value::Integer(i),
        AnyValue::Float64(x) => Value::Real(x),
        AnyValue::String(s) => Value::Text(s.to_owned()),
        AnyValue::StringOwned(s) => Value::Text(s.to_string()),
        other => panic!("unexpected parquet value {other:?}"),
    }
}

fn read_parquet(path: &Path) -> DataFrame {
    ParquetReader::new(fs::File::open(path).expect("open"))
        .finish()
        .expect("parquet")
}

#[test]
fn the_parquet_export_reads_back_as_the_sql_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    run_all(dir.path(), &fixture("sample"));
    bakeplan(dir.path())
        .args(["export", "plans", "--out", "warehouse"])
        .assert()
        .success();
    bakeplan(dir.path())
        .args(["export", "plans", "--out", "csv", "--format", "csv"])
        .assert()
        .success();
    let conn = Connection::open(dir.path().join("bakeplan.db")).expect("db");
    let store = bakeplan::store::Store::open(&dir.path().join("bakeplan.db")).expect("store");
    for table in bakeplan::store::results::export_tables() {
        let sql = bakeplan::store::results::read(
            store.conn(),
            table,
            &bakeplan::store::results::Selection::default(),
        )
        .expect("read");
        let date_at = sql
            .names
            .iter()
            .position(|n| n == "event_date")
            .expect("event_date");
        // Read every partition back, putting the date from the folder name back in.
        let mut parquet_rows: Vec<Vec<Value>> = Vec::new();
        let mut csv_lines = 0;
        let mut partitions: Vec<_> = fs::read_dir(dir.path().join("warehouse").join(table))
            .expect("table folder")
            .map(|e| e.expect("entry").path())
            .collect();
        partitions.sort();
        for partition in partitions {
            let name = partition
                .file_name()
                .expect("name")
                .to_string_lossy()
                .to_string();
            let date = name
                .strip_prefix("event_date=")
                .expect("hive partition")
                .to_owned();
            let frame = read_parquet(&partition.join("part-0.parquet"));
            for row in 0..frame.height() {
                let mut values: Vec<Value> = frame
                    .columns()
                    .iter()
                    .map(|c| sql_value(c.get(row).expect("cell")))
                    .collect();
                values.insert(date_at, Value::Text(date.clone()));
                parquet_rows.push(values);
            }
            let csv = fs::read_to_string(
                dir.path()
                    .join("csv")
                    .join(table)
                    .join(&name)
                    .join("part-0.csv"),
            )
            .expect("csv");
            csv_lines += csv.lines().count() - 1;
        }
        let sql_rows: Vec<Vec<Value>> = (0..sql.len())
            .map(|r| sql.values.iter().map(|c| c[r].clone()).collect())
            .collect();
        assert!(!sql_rows.is_empty(), "{table}");
        assert_eq!(parquet_rows, sql_rows, "{table}");
        assert_eq!(csv_lines, sql_rows.len(), "{table}");
        // And the SQL the export read is the table itself.
        let count: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .expect("count");
        assert_eq!(count as usize, sql_rows.len(), "{table}");
    }
    // One event only, and only later events.
    bakeplan(dir.path())
        .args([
            "export",
            "plans",
            "--out",
            "one",
            "--event",
            "winter-market",
        ])
        .assert()
        .success();
    assert!(
        dir.path()
            .join("one/plan_batches/event_date=2026-12-12")
            .is_dir()
    );
    assert!(
        !dir.path()
            .join("one/plan_batches/event_date=2026-12-18")
            .exists()
    );
    bakeplan(dir.path())
        .args(["export", "plans", "--out", "later", "--since", "2026-12-13"])
        .assert()
        .success();
    assert!(
        !dir.path()
            .join("later/plan_batches/event_date=2026-12-12")
            .exists()
    );
    assert!(
        dir.path()
            .join("later/plan_batches/event_date=2026-12-18")
            .is_dir()
    );
}

#[test]
fn a_schema_5_database_gains_the_result_tables_and_keeps_its_plans() {
    // Written by the previous release: the sample run on 2026-12-01, winter-market started
    // and one batch of macarons recorded.
    let dir = tempfile::tempdir().expect("tempdir");
    fs::copy(
        super::root().join("fixtures/databases/schema-v5.db"),
        dir.path().join("bakeplan.db"),
    )
    .expect("copy");
    for plan in [1, 2] {
        assert_eq!(show(dir.path(), plan)["plan"]["id"], plan);
    }
    bakeplan(dir.path())
        .args(["plans", "status", "winter-market"])
        .assert()
        .success();
    // The next night: winter-market is in production, so its plan 1 is kept (and computed
    // against its journal); holiday-gift-boxes is frozen again as plan 3, because the sample
    // has gained schedule fields since the database was written.
    run_all(dir.path(), &fixture("sample"));
    let conn = Connection::open(dir.path().join("bakeplan.db")).expect("db");
    let plans: Vec<i64> = conn
        .prepare("SELECT plan_id FROM plan_computations ORDER BY plan_id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(plans, vec![1, 3]);
    assert_eq!(tables_equal_show(dir.path()), 2);
}

/// Every row of a table or view, in key order, as SQL values.
fn all_rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut statement = conn.prepare(sql).expect("prepare");
    let columns = statement.column_count();
    statement
        .query_map([], |row| {
            (0..columns)
                .map(|i| row.get::<_, Value>(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn a_schema_7_database_keeps_its_ingredient_rows_in_a_rowid_table() {
    // Written by the previous release: the sample run on 2026-12-01.
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("bakeplan.db");
    fs::copy(super::root().join("fixtures/databases/schema-v7.db"), &db).expect("copy");
    let ingredients = "SELECT * FROM plan_ingredients ORDER BY computation_id, line";
    let sources = "SELECT * FROM plan_ingredient_sources ORDER BY computation_id, line, source";
    let (before, before_sources) = {
        let conn = Connection::open(&db).expect("db");
        (all_rows(&conn, ingredients), all_rows(&conn, sources))
    };
    assert!(!before.is_empty() && !before_sources.is_empty());
    bakeplan(dir.path())
        .args(["plans", "list"])
        .assert()
        .success();
    let conn = Connection::open(&db).expect("db");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, 8);
    let sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'plan_ingredients'",
            [],
            |r| r.get(0),
        )
        .expect("table");
    assert!(!sql.contains("WITHOUT ROWID"), "{sql}");
    assert_eq!(all_rows(&conn, ingredients), before);
    assert_eq!(all_rows(&conn, sources), before_sources);
    // Still immutable, still removed only by `plans delete`.
    for statement in [
        "UPDATE plan_ingredients SET qty = 0",
        "DELETE FROM plan_ingredients",
    ] {
        let error = conn.execute(statement, []).expect_err(statement);
        assert!(error.to_string().contains("plan results"), "{error}");
    }
    // And the next night stores and reads back as before.
    run_all(dir.path(), &fixture("sample"));
    assert_eq!(tables_equal_show(dir.path()), 2);
}
