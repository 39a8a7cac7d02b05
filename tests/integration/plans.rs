//! Freezing and reading plans through the real binary and the store API.

use std::path::Path;

use bakeplan::store::{self, Store};
use serde_json::Value;

use super::{SCENARIOS, bakeplan, fixture, imported, reference};

fn show_json(dir: &Path, event: &str, threads: &str) -> String {
    let output = bakeplan(dir)
        .env("RAYON_NUM_THREADS", threads)
        .args(["plans", "show", "--event", event, "--json"])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn freeze_reuses_unchanged_inputs_and_force_freezes_anyway() {
    let dir = imported(&fixture("sample"));
    let now = ["--now", "2026-11-22T03:00:00Z"];
    let first = bakeplan(dir.path())
        .args(now)
        .args(["plan", "--all"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&first.stderr).contains("holiday-gift-boxes: plan 1 frozen"));
    let again = bakeplan(dir.path())
        .args(now)
        .args(["plan", "holiday-gift-boxes"])
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("holiday-gift-boxes: unchanged, plan 1")
    );
    let forced = bakeplan(dir.path())
        .args(now)
        .args(["plan", "holiday-gift-boxes", "--force"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&forced.stderr).contains("holiday-gift-boxes: plan 3 frozen"));
    bakeplan(dir.path())
        .args(["plans", "diff", "1", "3"])
        .assert()
        .success()
        .stdout("");
    bakeplan(dir.path())
        .args(["plan", "no-such-event"])
        .assert()
        .code(2);
}

#[test]
fn the_input_hash_is_pinned() {
    let dir = imported(&fixture("sample"));
    let store = Store::open(&dir.path().join("bakeplan.db")).expect("open");
    let live = store::load_live(store.conn()).expect("live");
    let records = store::snapshot_records(&live, "holiday-gift-boxes").expect("records");
    // Canonical JSON, sorted keys, normalised decimals: the same on every machine. If the
    // catalogue model changes on purpose, update this value.
    assert_eq!(
        store::input_hash(&records),
        "b7f1a40d24e8c6d4fe68f2e3f2d634184a190609009e4ec15e81bf8fbbead38b"
    );
}

#[test]
fn a_failure_part_way_through_freeze_writes_nothing() {
    let dir = imported(&fixture("sample"));
    let path = dir.path().join("bakeplan.db");
    let mut store = Store::open(&path).expect("open");
    // Inject a failure after the plan record and some rows are written: a temporary trigger
    // rejects the first recipe row.
    store
        .conn()
        .execute_batch("CREATE TEMP TRIGGER fail_midway BEFORE INSERT ON main.snapshot_records WHEN NEW.tbl = 'recipes' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;")
        .expect("trigger");
    let events = vec!["winter-market".to_owned(), "holiday-gift-boxes".to_owned()];
    let error =
        store::freeze(store.conn_mut(), &events, "2026-11-22T03:00:00Z", false).expect_err("fails");
    assert!(error.to_string().contains("injected failure"), "{error}");
    let count = |sql: &str| {
        store
            .conn()
            .query_row(sql, [], |row| row.get::<_, i64>(0))
            .expect("count")
    };
    assert_eq!(count("SELECT COUNT(*) FROM plans"), 0);
    assert_eq!(count("SELECT COUNT(*) FROM plan_rows"), 0);
}

#[test]
fn snapshot_rows_are_immutable_and_only_plans_delete_removes_them() {
    let dir = imported(&fixture("sample"));
    bakeplan(dir.path())
        .args(["plan", "winter-market"])
        .assert()
        .success();
    let conn = rusqlite::Connection::open(dir.path().join("bakeplan.db")).expect("open");
    for sql in [
        "UPDATE plan_rows SET body = '{}' WHERE plan_id = 1",
        "DELETE FROM plan_rows WHERE plan_id = 1",
        "UPDATE plans SET input_hash = 'x' WHERE id = 1",
        "DELETE FROM plans WHERE id = 1",
    ] {
        let error = conn.execute(sql, []).expect_err(sql);
        assert!(
            error.to_string().contains("immutable")
                || error.to_string().contains("only by plans delete"),
            "{sql}: {error}"
        );
    }
    drop(conn);
    bakeplan(dir.path())
        .args(["plans", "delete", "1"])
        .assert()
        .success();
    let conn = rusqlite::Connection::open(dir.path().join("bakeplan.db")).expect("open");
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM plan_rows", [], |row| row.get(0))
        .expect("count");
    assert_eq!(rows, 0);
    bakeplan(dir.path())
        .args(["plans", "delete", "1"])
        .assert()
        .code(2);
}

#[test]
fn status_names_what_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalogue = dir.path().join("cat");
    super::store::copy_dir(&fixture("sample"), &catalogue);
    bakeplan(dir.path())
        .arg("import")
        .arg(&catalogue)
        .assert()
        .success();
    bakeplan(dir.path())
        .args(["plans", "status", "winter-market"])
        .assert()
        .code(1)
        .stdout("winter-market: no plan yet\n");
    bakeplan(dir.path())
        .args(["plan", "winter-market"])
        .assert()
        .success();
    bakeplan(dir.path())
        .args(["plans", "status", "winter-market"])
        .assert()
        .success()
        .stdout("winter-market: current (plan 1)\n");
    let recipes = catalogue.join("recipes/cookies.yaml");
    let text = std::fs::read_to_string(&recipes).expect("read");
    std::fs::write(
        &recipes,
        text.replacen(
            "{ingredient: flour-ap, qty: 2.25, unit: cup}",
            "{ingredient: flour-ap, qty: 2.5, unit: cup}",
            1,
        ),
    )
    .expect("write");
    bakeplan(dir.path())
        .arg("import")
        .arg(&catalogue)
        .assert()
        .success();
    bakeplan(dir.path())
        .args(["plans", "status", "winter-market"])
        .assert()
        .code(1)
        .stdout("winter-market: stale (plan 1); changed since:\n  recipe chocolate-chip-cookies changed: ingredients[0].qty.value 2.25 → 2.5\n");
}

#[test]
fn plan_json_has_the_documented_fields() {
    let dir = imported(&fixture("sample"));
    bakeplan(dir.path())
        .args(["--now", "2026-11-22", "plan", "--all"])
        .assert()
        .success();
    let plan: Value =
        serde_json::from_str(&show_json(dir.path(), "winter-market", "2")).expect("json");
    for field in [
        "schema_version",
        "plan",
        "event",
        "targets",
        "warnings",
        "batches",
        "recipes",
        "ingredients",
        "materials",
        "shopping",
        "assembly",
        "feasibility",
        "costs",
    ] {
        assert!(plan.get(field).is_some(), "missing {field}");
    }
    for field in ["id", "created_at", "input_hash", "engine_version"] {
        assert!(plan["plan"].get(field).is_some(), "missing plan.{field}");
    }
    let batch = &plan["batches"][0];
    for field in [
        "recipe",
        "recipe_name",
        "item",
        "item_name",
        "need",
        "batches",
        "computed_batches",
        "produced",
        "surplus",
        "waste_pct",
        "decided",
    ] {
        assert!(batch.get(field).is_some(), "missing batches[].{field}");
    }
    let scone = plan["batches"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|b| b["item"] == "cranberry-scone")
        .expect("scones");
    assert_eq!(
        (
            scone["batches"].as_i64(),
            scone["computed_batches"].as_i64(),
            scone["shortfall"].as_i64(),
            scone["decided"].as_bool()
        ),
        (Some(3), Some(4), Some(4), Some(true))
    );
    let shopping = &plan["shopping"][0];
    for field in [
        "kind",
        "item",
        "name",
        "category",
        "needed",
        "on_hand",
        "to_buy",
        "unit",
        "status",
        "product",
        "packs",
        "pack_size",
        "cost",
        "note",
    ] {
        assert!(shopping.get(field).is_some(), "missing shopping[].{field}");
    }
    assert_eq!(plan["plan"]["created_at"], "2026-11-22T00:00:00Z");
}

#[test]
fn output_is_identical_on_one_and_four_threads() {
    let mut catalogues = vec![(
        fixture("sample"),
        vec!["holiday-gift-boxes", "winter-market"],
    )];
    if let Some(s7) = reference("S7") {
        catalogues.push((
            s7,
            vec![
                "s7-f039_planning_package",
                "s7-bundled_twin_event-f039_planning_package",
            ],
        ));
    }
    for (catalogue, events) in catalogues {
        let dir = imported(&catalogue);
        bakeplan(dir.path())
            .args(["--now", "2026-11-22", "plan", "--all"])
            .assert()
            .success();
        for event in events {
            assert_eq!(
                show_json(dir.path(), event, "1"),
                show_json(dir.path(), event, "4"),
                "{event}"
            );
        }
    }
}

#[test]
fn every_reference_catalogue_plans() {
    for scenario in SCENARIOS {
        let Some(path) = reference(scenario) else {
            continue;
        };
        let dir = imported(&path);
        bakeplan(dir.path())
            .args(["plan", "--all"])
            .assert()
            .success();
        let store = Store::open(&dir.path().join("bakeplan.db")).expect("open");
        for plan in store::list_plans(store.conn(), None).expect("list") {
            let snapshot = store::load_snapshot(store.conn(), plan.meta.id).expect("snapshot");
            let result = bakeplan::plan::compute(&snapshot).expect("computes");
            assert!(!result.batches.is_empty(), "{scenario} {}", plan.event);
        }
    }
}
