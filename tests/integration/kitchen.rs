//! The kitchen journal end to end: recording against plans, exporting the journal with the
//! catalogue, and reading it back into a fresh database.

use std::path::Path;

use super::{bakeplan, fixture};

fn ok(dir: &Path, args: &[&str]) -> String {
    let output = bakeplan(dir).args(args).output().expect("runs");
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).expect("utf-8")
}

/// A database where the sample was run on 2026-12-01 and the winter market is in production.
fn sample_in_production() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let sample = fixture("sample");
    let sample = sample.to_str().expect("path");
    ok(
        dir.path(),
        &["-q", "--now", "2026-12-01", "run", sample, "--out", "out"],
    );
    ok(dir.path(), &["plans", "start", "winter-market"]);
    dir
}

fn progress(dir: &Path) -> serde_json::Value {
    let mut value: serde_json::Value =
        serde_json::from_str(&ok(dir, &["progress", "winter-market", "--json"])).expect("json");
    value.as_object_mut().expect("object").remove("plan");
    value
}

/// Journal export → fresh database → import + `record --file` gives the same progress.
#[test]
fn the_journal_round_trips_through_export() {
    let first = sample_in_production();
    let record = |args: &[&str]| {
        ok(
            first.path(),
            &[&["--now", "2026-12-05", "record"], args].concat(),
        )
    };
    record(&[
        "production",
        "winter-market",
        "--recipe",
        "macarons",
        "--batches",
        "1",
        "--yield",
        "30",
        "--loss-reason",
        "cracked shells",
    ]);
    record(&[
        "production",
        "winter-market",
        "--recipe",
        "chocolate-ganache",
        "--batches",
        "1/2",
    ]);
    record(&[
        "purchase",
        "--ingredient",
        "flour-ap",
        "--qty",
        "50 lb",
        "--cost",
        "32.5",
        "--event",
        "winter-market",
    ]);
    record(&[
        "purchase",
        "--material",
        "kraft-box-small",
        "--qty",
        "20 each",
    ]);
    let before = progress(first.path());
    assert_eq!(before["production"].as_array().map(Vec::len), Some(11));

    ok(
        first.path(),
        &["export", "--out", "backup", "--format", "csv"],
    );
    let backup = first.path().join("backup");
    assert!(backup.join("journal/production.csv").is_file());
    assert!(backup.join("journal/purchases.csv").is_file());

    let second = tempfile::tempdir().expect("tempdir");
    let backup = backup.to_str().expect("path");
    ok(
        second.path(),
        &["-q", "--now", "2026-12-01", "run", backup, "--out", "out"],
    );
    assert!(first.path().join("backup/journal/states.csv").is_file());
    for file in ["states", "production", "purchases"] {
        ok(
            second.path(),
            &["record", "--file", &format!("{backup}/journal/{file}.csv")],
        );
    }
    assert_eq!(progress(second.path()), before);
}

/// A journal file with any bad row records nothing; a journal entry can never be changed.
#[test]
fn a_bad_journal_file_records_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sample = fixture("sample");
    ok(
        dir.path(),
        &[
            "-q",
            "--now",
            "2026-12-01",
            "run",
            sample.to_str().expect("path"),
            "--out",
            "out",
        ],
    );
    std::fs::write(
        dir.path().join("day.yaml"),
        "- {kind: production, event: winter-market, recipe: macarons, batches: 1}\n\
         - {kind: production, event: winter-market, recipe: macarons, batches: lots}\n\
         - {kind: assembly, event: nope, bundle: macaron-box, qty: 1}\n\
         - {kind: state, event: winter-market, state: completed}\n\
         - {kind: production, event: winter-market, recipe: macarons, batches: 1, at: yesterday}\n",
    )
    .expect("write");
    let output = bakeplan(dir.path())
        .args(["record", "--file", "day.yaml"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("day.yaml:2:"), "{stderr}");
    assert!(stderr.contains("day.yaml:3:"), "{stderr}");
    assert!(
        stderr.contains("day.yaml:4:") && stderr.contains("it cannot become completed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("day.yaml:5:") && stderr.contains("\"yesterday\" is neither"),
        "{stderr}"
    );
    assert_eq!(progress(dir.path())["production_pct"], 0);

    let conn = rusqlite::Connection::open(dir.path().join("bakeplan.db")).expect("db");
    ok(
        dir.path(),
        &[
            "record",
            "production",
            "winter-market",
            "--recipe",
            "macarons",
            "--batches",
            "1",
        ],
    );
    let edit = conn.execute("UPDATE journal_production SET batches = '9'", []);
    assert!(edit.is_err(), "the journal is append-only");
    assert!(conn.execute("DELETE FROM journal_production", []).is_err());
}

/// End to end: after production starts and work is recorded, the next night plans what is
/// left — fewer batches, a shorter shopping list — and plan.json carries the progress.
#[test]
fn the_next_night_plans_the_remaining_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sample = fixture("sample");
    let sample = sample.to_str().expect("path");
    let plan_json = |out: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.path().join(out).join("winter-market/plan.json"))
            .expect("plan.json");
        serde_json::from_str(&text).expect("json")
    };
    let batches = |plan: &serde_json::Value, recipe: &str| {
        plan["recipes"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["recipe"] == recipe))
            .map_or(0.0, |r| r["batches"].as_f64().unwrap_or(0.0))
    };
    let to_buy = |plan: &serde_json::Value, item: &str| {
        plan["shopping"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["item"] == item))
            .map_or(0.0, |r| r["to_buy"].as_f64().unwrap_or(0.0))
    };
    ok(
        dir.path(),
        &[
            "-q",
            "--now",
            "2026-12-01",
            "run",
            sample,
            "--out",
            "night1",
        ],
    );
    let first = plan_json("night1");
    assert!(first.get("progress").is_none());
    ok(
        dir.path(),
        &["--now", "2026-12-02", "plans", "start", "winter-market"],
    );
    let record = |args: &[&str]| {
        ok(
            dir.path(),
            &[&["--now", "2026-12-03", "record"], args].concat(),
        )
    };
    record(&[
        "production",
        "winter-market",
        "--recipe",
        "chocolate-chip-cookies",
        "--batches",
        "2",
    ]);
    record(&[
        "production",
        "winter-market",
        "--recipe",
        "cinnamon-rolls",
        "--batches",
        "1",
    ]);
    // A sub-recipe made ahead: the parents' remaining batches use it first.
    record(&[
        "production",
        "winter-market",
        "--recipe",
        "chocolate-ganache",
        "--batches",
        "2",
    ]);
    let cheese_before = to_buy(&first, "cream-cheese");
    assert_eq!(cheese_before, 32.0);
    record(&[
        "purchase",
        "--ingredient",
        "cream-cheese",
        "--qty",
        "8 oz",
        "--event",
        "winter-market",
    ]);
    ok(
        dir.path(),
        &[
            "-q",
            "--now",
            "2026-12-04",
            "run",
            sample,
            "--out",
            "night2",
        ],
    );
    let second = plan_json("night2");
    assert_eq!(
        batches(&second, "chocolate-chip-cookies"),
        batches(&first, "chocolate-chip-cookies") - 2.0
    );
    assert_eq!(
        batches(&second, "cinnamon-rolls"),
        batches(&first, "cinnamon-rolls") - 1.0
    );
    assert_eq!(
        batches(&second, "chocolate-ganache"),
        batches(&first, "chocolate-ganache") - 2.0
    );
    let ganache = second["recipes"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["recipe"] == "chocolate-ganache"))
        .expect("ganache row");
    assert_eq!(ganache["made_ahead"].as_f64(), Some(2.0));
    // The 8 oz bought is not bought again (and one batch of rolls made needs less frosting).
    assert!(to_buy(&second, "cream-cheese") <= cheese_before - 8.0);
    assert_eq!(second["progress"]["state"], "in_production");
    assert!(second["progress"]["production_pct"].as_f64() > Some(0.0));
    let summary = std::fs::read_to_string(dir.path().join("night2/winter-market/plan-summary.md"))
        .expect("summary");
    assert!(!summary.is_empty());
}

/// A stocktake (`counted_at`) already includes what was bought before it: only purchases
/// recorded after that day add to the remaining work's stock.
#[test]
fn purchases_before_the_stocktake_are_in_the_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalogue = dir.path().join("catalogue");
    super::copy_fixture("starter", &catalogue);
    let inventory = catalogue.join("inventory.yaml");
    let mut text = std::fs::read_to_string(&inventory).expect("inventory");
    text.push_str("- {ingredient: chocolate-chips, qty: 2, unit: cup, counted_at: 2026-12-10}\n");
    std::fs::write(&inventory, text).expect("write");
    let chips = |out: &str| -> f64 {
        let plan: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(out).join("holiday-sale/plan.json"))
                .expect("plan.json"),
        )
        .expect("json");
        plan["shopping"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["item"] == "chocolate-chips"))
            .and_then(|r| r["to_buy"].as_f64())
            .unwrap_or(0.0)
    };
    ok(
        dir.path(),
        &[
            "-q",
            "--now",
            "2026-12-01",
            "run",
            "catalogue",
            "--out",
            "a",
        ],
    );
    ok(dir.path(), &["plans", "start", "holiday-sale"]);
    ok(
        dir.path(),
        &[
            "record",
            "purchase",
            "--ingredient",
            "chocolate-chips",
            "--qty",
            "4 cup",
            "--at",
            "2026-12-09",
        ],
    );
    ok(
        dir.path(),
        &[
            "-q",
            "--now",
            "2026-12-11",
            "run",
            "catalogue",
            "--out",
            "b",
        ],
    );
    assert_eq!(
        chips("b"),
        chips("a"),
        "bought before the stocktake: already counted"
    );
    ok(
        dir.path(),
        &[
            "record",
            "purchase",
            "--ingredient",
            "chocolate-chips",
            "--qty",
            "4 cup",
            "--at",
            "2026-12-11",
        ],
    );
    ok(
        dir.path(),
        &[
            "-q",
            "--now",
            "2026-12-12",
            "run",
            "catalogue",
            "--out",
            "c",
        ],
    );
    assert_eq!(
        chips("c"),
        chips("a") - 4.0,
        "bought after it: adds to stock"
    );
}

/// Batches of a sub-recipe on the stock list (`recipe:` rows) are used before planning
/// more, and survive an export round trip.
#[test]
fn a_sub_recipe_in_stock_is_used_first_and_exported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalogue = dir.path().join("catalogue");
    super::copy_fixture("sample", &catalogue);
    let inventory = catalogue.join("inventory.yaml");
    let mut text = std::fs::read_to_string(&inventory).expect("inventory");
    text.push_str("- {recipe: chocolate-ganache, qty: 1.25, location: walk-in}\n");
    std::fs::write(&inventory, text).expect("write");
    let run = |from: &str, out: &str| -> serde_json::Value {
        ok(
            dir.path(),
            &["-q", "--now", "2026-12-01", "run", from, "--out", out],
        );
        let text = std::fs::read_to_string(dir.path().join(out).join("winter-market/plan.json"))
            .expect("plan.json");
        let plan: serde_json::Value = serde_json::from_str(&text).expect("json");
        plan["recipes"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["recipe"] == "chocolate-ganache"))
            .cloned()
            .expect("ganache row")
    };
    let ganache = run("catalogue", "a");
    assert_eq!(ganache["batches"].as_f64(), Some(2.0));
    assert_eq!(ganache["made_ahead"].as_f64(), Some(1.25));
    let sheet = std::fs::read_to_string(dir.path().join("a/winter-market/production-sheet.html"))
        .expect("sheet");
    assert!(sheet.contains("use the 1.25 batches made ahead first"));
    ok(
        dir.path(),
        &["export", "--format", "csv", "--out", "exported"],
    );
    let csv = std::fs::read_to_string(dir.path().join("exported/inventory.csv")).expect("csv");
    assert!(csv.contains("chocolate-ganache"), "{csv}");
    let again = run("exported", "b");
    assert_eq!(again["made_ahead"], ganache["made_ahead"]);
}

/// Packing more than the journal shows on hand is recorded (the shelf may hold what nobody
/// recorded) with a warning naming what is missing; once production and the boxes are
/// recorded, packing is quiet.
#[test]
fn packing_beyond_the_journal_is_recorded_with_a_warning() {
    let dir = sample_in_production();
    let pack = |qty: &str| {
        let output = bakeplan(dir.path())
            .args([
                "--now",
                "2026-12-05",
                "record",
                "assembly",
                "winter-market",
                "--bundle",
                "macaron-box",
                "--qty",
                qty,
            ])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stderr).expect("utf-8")
    };
    let warned = pack("3");
    assert!(
        warned.contains("warning: 3 × macaron-box recorded for winter-market, but the journal shows enough for 0")
            && warned.contains("awaiting Chocolate macaron production")
            && warned.contains("short of Kraft box with window"),
        "{warned}"
    );
    assert_eq!(progress(dir.path())["assembly"][0]["assembled"], 3);
    ok(
        dir.path(),
        &[
            "record",
            "production",
            "winter-market",
            "--recipe",
            "macarons",
            "--batches",
            "1",
        ],
    );
    ok(
        dir.path(),
        &[
            "record",
            "purchase",
            "--material",
            "kraft-box-small",
            "--qty",
            "20",
            "--event",
            "winter-market",
        ],
    );
    assert!(!pack("2").contains("warning"));
}
