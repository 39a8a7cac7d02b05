//! Import into SQLite: all or nothing, idempotent, and exact.

use std::fs;
use std::path::Path;

use super::{bakeplan, fixture, imported};

fn db_bytes(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let read = |name: &str| fs::read(dir.join(name)).unwrap_or_default();
    (read("bakeplan.db"), read("bakeplan.db-wal"))
}

/// Whether the import summary has this row (whitespace-insensitive).
fn has_row(summary: &str, row: &str) -> bool {
    summary
        .lines()
        .any(|line| line.split_whitespace().collect::<Vec<_>>().join(" ") == row)
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read").filter_map(Result::ok) {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy");
        }
    }
}

#[test]
fn reimport_of_an_unchanged_catalogue_writes_nothing() {
    let dir = imported(&fixture("sample"));
    let before = db_bytes(dir.path());
    let output = bakeplan(dir.path())
        .arg("import")
        .arg(fixture("sample"))
        .output()
        .expect("runs");
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unchanged:"), "{stderr}");
    assert!(has_row(&stderr, "recipes 0 0 0 27"), "{stderr}");
    assert_eq!(before, db_bytes(dir.path()), "the database files changed");
}

/// Inventory rows with a `lot` keep their key when the file is re-sorted; rows of one item
/// without a lot are numbered in file order, so swapping them shows as changes.
#[test]
fn stock_rows_with_a_lot_keep_their_keys_when_the_file_is_reordered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalogue = dir.path().join("cat");
    copy_dir(&fixture("sample"), &catalogue);
    let path = catalogue.join("inventory.yaml");
    let text = fs::read_to_string(&path).expect("read");
    let first = "- {ingredient: butter-unsalted, qty: 20, unit: lb, expires: 2027-01-15, location: walk-in}\n";
    let second = "- {ingredient: butter-unsalted, qty: 6, unit: lb, expires: 2026-12-08, location: walk-in}\n";
    assert!(
        text.contains(&format!("{first}{second}")),
        "the sample's two butter rows"
    );
    let import = |text: String| {
        fs::write(&path, text).expect("write");
        let output = bakeplan(dir.path())
            .arg("import")
            .arg(&catalogue)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    import(text.clone());
    let swapped = import(text.replace(&format!("{first}{second}"), &format!("{second}{first}")));
    assert!(has_row(&swapped, "inventory 0 2 0 36"), "{swapped}");
    let with_lots = |a: &str, b: &str| {
        text.replace(
            &format!("{first}{second}"),
            &format!(
                "{a}{b}",
                a = a.replace("location", "lot: B-0917, location"),
                b = b.replace("location", "lot: B-1102, location")
            ),
        )
    };
    let lots = with_lots(first, second);
    let mut lines: Vec<&str> = lots.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("B-0917"))
        .expect("lot row");
    lines.swap(at, at + 1);
    import(lots.clone());
    let unchanged = import(lines.join("\n") + "\n");
    assert!(has_row(&unchanged, "inventory 0 0 0 38"), "{unchanged}");
    // A lot listed twice is an input error that names the first row.
    let output = {
        fs::write(&path, lots.replace("B-1102", "B-0917")).expect("write");
        bakeplan(dir.path())
            .arg("check")
            .arg(&catalogue)
            .output()
            .expect("runs")
    };
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("duplicate-lot"), "{stderr}");
}

#[test]
fn a_failing_import_leaves_the_database_as_it_was() {
    let dir = imported(&fixture("sample"));
    let before = db_bytes(dir.path());
    let catalogue = dir.path().join("broken");
    copy_dir(&fixture("sample"), &catalogue);
    // A valid change plus an error elsewhere: nothing at all may land.
    let ingredients = fs::read_to_string(catalogue.join("ingredients.yaml")).expect("read");
    fs::write(
        catalogue.join("ingredients.yaml"),
        ingredients.replace("Flour, all-purpose", "Flour, AP"),
    )
    .expect("write");
    let recipes = catalogue.join("recipes/cookies.yaml");
    let text = fs::read_to_string(&recipes).expect("read");
    fs::write(&recipes, text.replacen("unit: cup}", "unit: cupz}", 1)).expect("write");
    bakeplan(dir.path())
        .arg("import")
        .arg(&catalogue)
        .assert()
        .code(2);
    assert_eq!(before, db_bytes(dir.path()));
}

#[test]
fn removed_and_changed_records_are_counted_and_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalogue = dir.path().join("cat");
    copy_dir(&fixture("sample"), &catalogue);
    bakeplan(dir.path())
        .arg("import")
        .arg(&catalogue)
        .assert()
        .success();
    fs::remove_file(catalogue.join("recipes/confections.yaml")).expect("rm");
    let bundles = fs::read_to_string(catalogue.join("bundles.yaml")).expect("read");
    // Without the confections, the bundles and events that use them must go too.
    fs::write(
        catalogue.join("bundles.yaml"),
        bundles
            .split("- slug: macaron-box")
            .next()
            .unwrap_or_default()
            .replace("    - {item: truffle, qty: 12}\n", "")
            .replace("    - {item: peppermint-bark-piece, qty: 2}\n", ""),
    )
    .expect("write");
    fs::write(
        catalogue.join("events.yaml"),
        "- slug: winter-market\n  name: Saturday winter market\n  date: 2026-12-12\n  targets:\n    - {item: chocolate-chip-cookie, qty: 120}\n",
    )
    .expect("write");
    let output = bakeplan(dir.path())
        .arg("import")
        .arg(&catalogue)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(has_row(&stderr, "recipes 0 0 3 24"), "{stderr}");
    // Three ingredients were mostly measured by the removed recipes: their reporting unit moves.
    assert!(has_row(&stderr, "ingredients 0 3 0 61"), "{stderr}");
    assert!(has_row(&stderr, "bundles 0 2 3 1"), "{stderr}");
    assert!(has_row(&stderr, "events 0 1 1 0"), "{stderr}");
    let store = bakeplan::store::Store::open(&dir.path().join("bakeplan.db")).expect("open");
    let live = bakeplan::store::load_live(store.conn()).expect("read back");
    assert!(!live.recipes.contains_key("chocolate-truffles"));
    assert_eq!(live.events.len(), 1);
}

#[test]
fn export_then_import_reproduces_the_database() {
    let dir = imported(&fixture("sample"));
    for format in ["yaml", "csv"] {
        let out = dir.path().join(format!("export-{format}"));
        bakeplan(dir.path())
            .args(["export", "--format", format, "--out"])
            .arg(&out)
            .assert()
            .success();
        let output = bakeplan(dir.path())
            .arg("import")
            .arg(&out)
            .output()
            .expect("runs");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("unchanged:"),
            "{format}"
        );
    }
}

#[test]
fn bad_arguments_and_newer_databases_have_their_exit_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    bakeplan(dir.path())
        .args(["--now", "yesterday", "check"])
        .arg(fixture("sample"))
        .assert()
        .code(2);
    bakeplan(dir.path())
        .arg("check")
        .arg(dir.path().join("missing"))
        .assert()
        .code(2);
    bakeplan(dir.path())
        .arg("import")
        .arg(fixture("sample"))
        .assert()
        .success();
    let conn = rusqlite::Connection::open(dir.path().join("bakeplan.db")).expect("open");
    conn.pragma_update(None, "user_version", 99).expect("bump");
    drop(conn);
    bakeplan(dir.path())
        .arg("import")
        .arg(fixture("sample"))
        .assert()
        .code(3);
}

/// `now` with only the object keys `before` has (plan.json only ever gains fields).
fn only_keys_of(now: &serde_json::Value, before: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match (now, before) {
        (Value::Object(n), Value::Object(b)) => Value::Object(
            b.iter()
                .map(|(k, bv)| {
                    (
                        k.clone(),
                        only_keys_of(n.get(k).unwrap_or(&Value::Null), bv),
                    )
                })
                .collect(),
        ),
        (Value::Array(n), Value::Array(b)) if n.len() == b.len() => Value::Array(
            n.iter()
                .zip(b)
                .map(|(nv, bv)| only_keys_of(nv, bv))
                .collect(),
        ),
        _ => now.clone(),
    }
}

/// The fields a schema-2 database's plans were shown with before the upgrade.
fn shown_before(plan: u32) -> serde_json::Value {
    let path = super::root().join(format!("fixtures/databases/schema-v2-plan-{plan}.json"));
    serde_json::from_str(&fs::read_to_string(path).expect("fixture")).expect("json")
}

#[test]
fn a_schema_2_database_upgrades_with_its_plans_unchanged() {
    // Written by the previous release: two events planned, one re-planned (plans 1–3).
    let dir = tempfile::tempdir().expect("tempdir");
    fs::copy(
        super::root().join("fixtures/databases/schema-v2.db"),
        dir.path().join("bakeplan.db"),
    )
    .expect("copy");
    for plan in [1u32, 2] {
        let output = bakeplan(dir.path())
            .args(["plans", "show", &plan.to_string(), "--json"])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{output:?}");
        let now: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        let before = shown_before(plan);
        for field in ["plan", "event", "targets", "batches", "shopping"] {
            assert_eq!(
                only_keys_of(&now[field], &before[field]),
                before[field],
                "plan {plan}: {field}"
            );
        }
    }
    // Unchanged inputs: the upgraded snapshots hash as before, so nothing is re-frozen.
    for (event, plan) in [("holiday-gift-boxes", 2), ("winter-market", 3)] {
        bakeplan(dir.path())
            .args(["plans", "status", event])
            .assert()
            .success()
            .stdout(format!("{event}: current (plan {plan})\n"));
    }
    // Deleting a plan still removes only what no other plan shares.
    bakeplan(dir.path())
        .args(["plans", "delete", "1"])
        .assert()
        .success();
    bakeplan(dir.path())
        .args(["plans", "show", "3", "--json"])
        .assert()
        .success();
    let store = bakeplan::store::Store::open(&dir.path().join("bakeplan.db")).expect("open");
    let integrity: String = store
        .conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(integrity, "ok");
}

/// Every query in docs/sql.md runs against the sample with some kitchen work recorded and
/// returns rows.
#[test]
fn every_query_in_the_sql_guide_returns_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sample = fixture("sample");
    let run = |args: &[&str]| {
        let output = bakeplan(dir.path()).args(args).output().expect("runs");
        assert!(output.status.success(), "{args:?}: {output:?}");
    };
    run(&[
        "-q",
        "--now",
        "2026-12-01",
        "run",
        sample.to_str().expect("path"),
        "--out",
        "out",
    ]);
    run(&["plans", "start", "winter-market"]);
    run(&[
        "record",
        "production",
        "winter-market",
        "--recipe",
        "macarons",
        "--batches",
        "1",
        "--yield",
        "30",
        "--loss-reason",
        "cracked",
    ]);
    run(&[
        "record",
        "purchase",
        "--ingredient",
        "flour-ap",
        "--qty",
        "50 lb",
        "--cost",
        "38.5",
    ]);
    let guide = std::fs::read_to_string(super::root().join("docs/sql.md")).expect("guide");
    let queries: Vec<&str> = guide
        .split("```sql\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .collect();
    assert!(queries.len() >= 12, "{} queries", queries.len());
    let conn = rusqlite::Connection::open(dir.path().join("bakeplan.db")).expect("db");
    for query in queries {
        let mut statement = conn
            .prepare(query)
            .unwrap_or_else(|e| panic!("{e}\n{query}"));
        let mut rows = statement.query([]).expect("runs");
        assert!(rows.next().expect("row").is_some(), "no rows:\n{query}");
    }
}
