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
        "c7bcedfd6ce3d011c848d5ef1dad93975de1b612e68a2896d5db8f093c7f9c1f"
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

/// A catalogue nested as deep as the loader accepts: every recipe uses the next one twice
/// at `batches` each (2^64 routes through the recipe tree), every box holds the next box.
fn deepest_catalogue(dir: &Path, batches: &str) {
    let depth = bakeplan::catalog::load::MAX_NESTING;
    let mut recipes = String::new();
    for level in 0..=depth {
        recipes.push_str(&format!(
            "- slug: r{level}\n  name: Level {level}\n  yields: [{{slug: item{level}, name: Item {level}, per_batch: 2}}]\n  ingredients: [{{ingredient: flour, qty: 1, unit: g}}]\n"
        ));
        if level < depth {
            let next = level + 1;
            recipes.push_str(&format!(
                "  components: [{{recipe: r{next}, batches: {batches}}}, {{recipe: r{next}, batches: {batches}, note: again}}]\n"
            ));
        }
    }
    let mut bundles = String::new();
    for level in 0..=depth {
        bundles.push_str(&format!(
            "- slug: b{level}\n  name: Box {level}\n  contents:\n    - {{item: item{level}, qty: 1}}\n    - {{material: tag, qty: 1}}\n"
        ));
        if level < depth {
            bundles.push_str(&format!("    - {{bundle: b{}, qty: 1}}\n", level + 1));
        }
    }
    let files = [
        ("settings.yaml", "currency: USD\n".to_owned()),
        (
            "ingredients.yaml",
            "- {slug: flour, name: Flour, category: Dry goods, unit: g}\n".to_owned(),
        ),
        (
            "materials.yaml",
            "- {slug: tag, name: Tag, unit: each}\n".to_owned(),
        ),
        ("recipes.yaml", recipes),
        ("bundles.yaml", bundles),
        (
            "events.yaml",
            "- slug: deep\n  name: Deep\n  date: 2026-12-18\n  targets:\n    - {bundle: b0, qty: 1}\n    - {recipe: r0, batches: 1}\n".to_owned(),
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
    }
}

/// Loads and computes the deepest catalogue on a thread with a 256 KiB stack (a tenth of
/// a rayon worker's): nothing may recurse per level of nesting.
fn plan_on_small_stack(batches: &str) -> Result<bakeplan::plan::PlanResult, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    deepest_catalogue(dir.path(), batches);
    let path = dir.path().to_path_buf();
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let loaded =
                bakeplan::check(&path, Default::default()).map_err(|d| format!("{d:?}"))?;
            let event = loaded
                .catalog
                .events
                .values()
                .next()
                .expect("event")
                .clone();
            let snapshot = bakeplan::plan::Snapshot {
                plan: Default::default(),
                catalog: bakeplan::catalog::reach::subset(&loaded.catalog, &event),
            };
            bakeplan::plan::compute(&snapshot).map_err(|e| e.to_string())
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow")
}

#[test]
fn the_deepest_nesting_plans_on_a_small_stack() {
    // Half a batch twice: one batch per level per batch above, 2^64 routes, exact totals.
    let plan = plan_on_small_stack("0.5").expect("plans");
    assert_eq!(plan.recipes.len(), bakeplan::catalog::load::MAX_NESTING + 1);
    let flour: Vec<_> = plan
        .ingredients
        .iter()
        .filter(|r| r.ingredient == "flour")
        .collect();
    assert_eq!(flour.len(), 1);
    // Level k makes k + 2 batches (one for its item, one per batch of the level above,
    // r0 one more for its target): Σ (k + 2) for k = 0..=64 grams.
    assert_eq!(flour[0].qty.0, rust_decimal::Decimal::from(2210));
}

#[test]
fn nesting_that_doubles_per_level_is_refused_not_overflowed() {
    // A whole batch twice: 2^64 batches of the innermost recipe, beyond exact counting.
    // The loader refuses it, located on the event, before anything is planned.
    match plan_on_small_stack("1") {
        Err(message) => {
            assert!(message.contains("too-large"), "{message}");
            assert!(message.contains("events.yaml"), "{message}");
        }
        Ok(plan) => panic!("planned {} batches", plan.batches.len()),
    }
}
