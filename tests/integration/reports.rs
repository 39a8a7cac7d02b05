//! Reports and the nightly run: golden files, determinism, escaping, CSV safety, plugins.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::{SCENARIOS, bakeplan, files, fixture, reference};

const NOW: &str = "2026-11-22T02:00:00Z";

fn run(work: &Path, catalogue: &Path, out: &str, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let output = bakeplan(work)
        .args(["--now", NOW, "run"])
        .arg(catalogue)
        .args(["--out", out])
        .args(extra)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    files(&work.join(out))
}

fn without_run_specifics(json: &[u8]) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_slice(json).expect("json");
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("timings_ms");
                map.remove("database");
                map.remove("out");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

#[test]
fn every_built_in_report_matches_its_golden_file() {
    let work = tempfile::tempdir().expect("tempdir");
    let written = run(work.path(), &fixture("sample"), "out", &[]);
    let names: Vec<&str> = written.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "holiday-gift-boxes/assembly-sheet.html",
            "holiday-gift-boxes/plan-summary.md",
            "holiday-gift-boxes/plan.json",
            "holiday-gift-boxes/production-schedule.html",
            "holiday-gift-boxes/production-sheet.html",
            "holiday-gift-boxes/progress-sheet.html",
            "holiday-gift-boxes/shopping-list.csv",
            "purchase-orders.html",
            "purchase-orders/hudson-valley-baking-supply.csv",
            "purchase-orders/meadowbrook-dairy.csv",
            "purchase-orders/nashville-wraps.csv",
            "purchase-orders/unassigned.csv",
            "purchase-rollup.csv",
            "run-report.json",
            "winter-market/assembly-sheet.html",
            "winter-market/plan-summary.md",
            "winter-market/plan.json",
            "winter-market/production-schedule.html",
            "winter-market/production-sheet.html",
            "winter-market/progress-sheet.html",
            "winter-market/shopping-list.csv",
        ]
    );
    for (name, bytes) in &written {
        if name == "run-report.json" {
            continue;
        }
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        insta::assert_snapshot!(name.replace('/', "__"), text);
    }
    // The plan report is exactly `plans show --json`.
    let shown = bakeplan(work.path())
        .args(["plans", "show", "--event", "winter-market", "--json"])
        .output()
        .expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&shown.stdout),
        String::from_utf8_lossy(&written["winter-market/plan.json"])
    );
}

#[test]
fn reruns_give_the_same_bytes_whatever_the_thread_count() {
    let work = tempfile::tempdir().expect("tempdir");
    let first = run(work.path(), &fixture("sample"), "first", &[]);
    // Same database, plans reused.
    let second = run(work.path(), &fixture("sample"), "second", &[]);
    // A fresh database on one thread.
    let other = tempfile::tempdir().expect("tempdir");
    let output = bakeplan(other.path())
        .env("RAYON_NUM_THREADS", "1")
        .args(["--now", NOW, "run"])
        .arg(fixture("sample"))
        .args(["--out", "third"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let third = files(&other.path().join("third"));
    for (name, bytes) in &first {
        if name == "run-report.json" {
            assert_eq!(
                without_run_specifics(bytes),
                without_run_specifics(&third[name]),
                "run-report.json differs beyond timings"
            );
            continue;
        }
        assert_eq!(bytes, &second[name], "{name} differs on rerun");
        assert_eq!(
            bytes, &third[name],
            "{name} differs on a fresh database and one thread"
        );
    }
    // No temporary files are left behind.
    assert!(first.keys().all(|name| !name.contains(".tmp")));
}

fn write_catalogue(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
    let catalogue = dir.join("catalogue");
    fs::create_dir_all(&catalogue).expect("mkdir");
    for (name, text) in files {
        fs::write(catalogue.join(name), text).expect("write");
    }
    catalogue
}

const HOSTILE: &[(&str, &str)] = &[
    (
        "ingredients.yaml",
        "- {slug: flour, name: \"<script>alert(1)</script> flour\", category: Dry, density: \"1 cup = 4.25 oz\"}\n- {slug: sugar, name: '\" onload=alert(1) x=\"', category: Dry}\n",
    ),
    (
        "products.yaml",
        "- {ingredient: flour, name: \"=HYPERLINK(\\\"http://x\\\")\", pack: 25 lb, price: 18.99}\n- {ingredient: sugar, name: \"+SUM(A1), \\\"quoted\\\"\\nline two\", pack: 4 lb, price: 3.5}\n",
    ),
    (
        "recipes.yaml",
        "- slug: cookies\n  name: \"<script>alert(1)</script>\"\n  notes: \"\\\" onload=alert(1) <b>bold</b>\"\n  yields: [{slug: cookie, name: \"<img src=x onerror=alert(1)>\", per_batch: 24}]\n  ingredients:\n    - {ingredient: flour, qty: 2, unit: cup, note: \"<script>x</script>\"}\n    - {ingredient: sugar, qty: 1, unit: cup}\n",
    ),
    (
        "bundles.yaml",
        "- {slug: box, name: '\" onload=alert(1)', instructions: \"<script>alert(2)</script>\", contents: [{item: cookie, qty: 6}]}\n",
    ),
    (
        "events.yaml",
        "- {slug: fair, name: \"<script>alert(3)</script>\", date: 2026-12-24, targets: [{bundle: box, qty: 10}]}\n",
    ),
];

#[test]
fn html_reports_escape_everything_from_the_catalogue() {
    let work = tempfile::tempdir().expect("tempdir");
    let catalogue = write_catalogue(work.path(), HOSTILE);
    let written = run(work.path(), &catalogue, "out", &[]);
    for name in ["fair/production-sheet.html", "fair/assembly-sheet.html"] {
        let html = String::from_utf8(written[name].clone()).expect("utf-8");
        assert!(!html.contains("<script>"), "{name} has a raw script tag");
        assert!(!html.contains("<img"), "{name} has a raw img tag");
        assert!(
            !html.contains("\" onload="),
            "{name} has a raw attribute break"
        );
        assert!(
            !html.contains("<b>bold"),
            "{name} has raw markup from notes"
        );
    }
    let production =
        String::from_utf8(written["fair/production-sheet.html"].clone()).expect("utf-8");
    assert!(
        production.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "the recipe name shows as text"
    );
    let assembly = String::from_utf8(written["fair/assembly-sheet.html"].clone()).expect("utf-8");
    assert!(
        assembly.contains("&quot; onload=alert(1)"),
        "the bundle name shows as text"
    );
}

#[test]
fn csv_cells_are_formula_safe_and_round_trip() {
    let work = tempfile::tempdir().expect("tempdir");
    let catalogue = write_catalogue(work.path(), HOSTILE);
    let written = run(work.path(), &catalogue, "out", &[]);
    let bytes = &written["fair/shopping-list.csv"];
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "Excel needs the byte-order mark"
    );
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers: Vec<String> = reader
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headers,
        [
            "category",
            "item",
            "needed",
            "on_hand",
            "to_buy",
            "unit",
            "product",
            "packs",
            "pack_size",
            "cost",
            "note",
            "order_by",
            "status"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let products: Vec<&str> = rows.iter().map(|r| &r[6]).collect();
    assert!(
        products.contains(&"'=HYPERLINK(\"http://x\")"),
        "{products:?}"
    );
    assert!(
        products.contains(&"'+SUM(A1), \"quoted\"\nline two"),
        "{products:?}"
    );
    for row in &rows {
        for cell in row.iter() {
            assert!(!cell.starts_with(['=', '+', '@']), "unsafe cell {cell:?}");
        }
    }
    assert!(
        rows.iter()
            .any(|r| &r[1] == "<script>alert(1)</script> flour"),
        "names round-trip as text"
    );
}

#[test]
fn every_reference_catalogue_runs_and_writes_every_report() {
    for scenario in SCENARIOS {
        let Some(path) = reference(scenario) else {
            continue;
        };
        let work = tempfile::tempdir().expect("tempdir");
        let written = run(work.path(), &path, "out", &["--all"]);
        let report: serde_json::Value =
            serde_json::from_slice(&written["run-report.json"]).expect("run report");
        let events = report["events"].as_array().expect("events");
        assert!(!events.is_empty(), "{scenario}");
        for event in events {
            let slug = event["event"].as_str().expect("slug");
            for file in [
                "shopping-list.csv",
                "production-sheet.html",
                "assembly-sheet.html",
                "plan-summary.md",
                "plan.json",
            ] {
                assert!(
                    written.contains_key(&format!("{slug}/{file}")),
                    "{scenario}: {slug}/{file}"
                );
            }
        }
        assert!(written.contains_key("purchase-rollup.csv"));
    }
}

#[test]
fn the_user_report_example_renders_and_can_override_built_ins() {
    let work = tempfile::tempdir().expect("tempdir");
    let written = run(
        work.path(),
        &fixture("sample"),
        "out",
        &[
            "--reports",
            fixture("user-reports").to_str().expect("path"),
            "--report",
            "supplier-orders",
        ],
    );
    let orders =
        String::from_utf8(written["holiday-gift-boxes/supplier-orders.md"].clone()).expect("utf-8");
    assert!(orders.contains("## King Arthur"), "{orders}");
    assert!(
        orders.contains("| All-purpose flour 50 lb | 1 | 50 lb | 38.50 | 38.50 |"),
        "{orders}"
    );
    // Override a built-in by name.
    let mine = work.path().join("mine");
    fs::create_dir_all(mine.join("reports")).expect("mkdir");
    fs::create_dir_all(mine.join("templates")).expect("mkdir");
    fs::write(mine.join("reports/plan-summary.yaml"), "name: plan-summary\ndescription: Mine.\ntemplate: short.txt.j2\noutput: \"{{ event.slug }}.txt\"\nformat: txt\nper: plan\n").expect("write");
    fs::write(
        mine.join("templates/short.txt.j2"),
        "{{ event.name }}: {{ batches | length }} batch rows",
    )
    .expect("write");
    let written = run(
        work.path(),
        &fixture("sample"),
        "out2",
        &[
            "--reports",
            mine.to_str().expect("path"),
            "--report",
            "plan-summary",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&written["winter-market.txt"]),
        "Saturday winter market: 8 batch rows\n"
    );
    let listed = bakeplan(work.path())
        .args(["reports", "list", "--reports"])
        .arg(&mine)
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("mine/reports/plan-summary.yaml"));
}

#[test]
fn bad_reports_are_located_errors() {
    let work = tempfile::tempdir().expect("tempdir");
    let bad = work.path().join("bad");
    fs::create_dir_all(bad.join("reports")).expect("mkdir");
    fs::create_dir_all(bad.join("templates")).expect("mkdir");
    fs::write(bad.join("reports/escape.yaml"), "name: escape\ndescription: x\ntemplate: t.txt.j2\noutput: \"../{{ event.slug }}.txt\"\nformat: txt\nper: plan\n").expect("write");
    fs::write(bad.join("templates/t.txt.j2"), "ok\n").expect("write");
    let output = bakeplan(work.path())
        .args(["--now", NOW, "run"])
        .arg(fixture("sample"))
        .args(["--out", "out", "--report", "escape", "--reports"])
        .arg(&bad)
        .output()
        .expect("runs");
    // Found while rendering, after the import: exit 3, and the message says so.
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("plans frozen"));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("outside the output directory"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!work.path().join("winter-market.txt").exists());

    fs::write(bad.join("reports/escape.yaml"), "name: escape\ndescription: x\ntemplate: t.txt.j2\noutput: \"x.txt\"\nformat: txt\nper: plan\n").expect("write");
    fs::write(
        bad.join("templates/t.txt.j2"),
        "line one\n{{ event.nmae }}\n",
    )
    .expect("write");
    let output = bakeplan(work.path())
        .args(["--now", NOW, "run"])
        .arg(fixture("sample"))
        .args(["--out", "out", "--report", "escape", "--reports"])
        .arg(&bad)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("t.txt.j2:2"), "{stderr}");
    assert!(
        stderr.contains("{{ event.nmae }}"),
        "the snippet shows the line: {stderr}"
    );

    fs::write(
        bad.join("reports/escape.yaml"),
        "name: escape\ndescription: x\ntemplat: t.txt.j2\n",
    )
    .expect("write");
    let output = bakeplan(work.path())
        .args(["reports", "list", "--reports"])
        .arg(&bad)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("escape.yaml:3"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn export_and_reimport_give_the_same_plan_hash() {
    let work = tempfile::tempdir().expect("tempdir");
    bakeplan(work.path())
        .arg("import")
        .arg(fixture("sample"))
        .assert()
        .success();
    bakeplan(work.path())
        .args(["export", "--out", "exported"])
        .assert()
        .success();
    let other = tempfile::tempdir().expect("tempdir");
    bakeplan(other.path())
        .arg("import")
        .arg(work.path().join("exported"))
        .assert()
        .success();
    let hash = |dir: &Path| {
        let store = bakeplan::store::Store::open(&dir.join("bakeplan.db")).expect("open");
        let live = bakeplan::store::load_live(store.conn()).expect("live");
        live.events
            .keys()
            .map(|e| {
                bakeplan::store::input_hash(
                    &bakeplan::store::snapshot_records(&live, e).expect("records"),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(hash(work.path()), hash(other.path()));
}

#[test]
fn exit_codes_follow_the_spec() {
    let work = tempfile::tempdir().expect("tempdir");
    let base = ["--now", NOW, "run"];
    bakeplan(work.path())
        .args(base)
        .arg(fixture("sample"))
        .args(["--out", "o1", "--fail-on-infeasible"])
        .assert()
        .code(0);
    // Both sample events need shopping, nothing blocks them.
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(work.path().join("o1/run-report.json")).expect("report"),
    )
    .expect("json");
    assert_eq!(report["status"], "needs-shopping");
    for event in report["events"].as_array().expect("events") {
        assert_eq!(event["verdict"], "needs-shopping", "{}", event["event"]);
    }
    bakeplan(work.path())
        .args(base)
        .arg(fixture("sample"))
        .args(["--out", "o1", "--fail-on-shopping"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "2 plans need shopping (winter-market, holiday-gift-boxes); exit 1 because of --fail-on-shopping",
        ));
    bakeplan(work.path())
        .args(base)
        .arg(fixture("sample"))
        .args(["--out", "o2", "--strict"])
        .assert()
        .code(1);
    bakeplan(work.path())
        .args(base)
        .arg(fixture("bad/unknown-unit"))
        .args(["--out", "o3"])
        .assert()
        .code(2);
    bakeplan(work.path())
        .args(base)
        .arg(fixture("sample"))
        .args(["--out", "o4", "--event", "nope"])
        .assert()
        .code(2);
    // Events before --now are skipped unless --all.
    let written = run(work.path(), &fixture("sample"), "o5", &[]);
    assert!(written.contains_key("winter-market/plan.json"));
    let output = bakeplan(work.path())
        .args(["--now", "2026-12-15", "run"])
        .arg(fixture("sample"))
        .args(["--out", "o6"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert!(!work.path().join("o6/winter-market").exists());
    assert!(work.path().join("o6/holiday-gift-boxes/plan.json").exists());
}

/// Prints each HTML report with headless Chromium (when installed) and checks the pages:
/// one recipe or bundle target per page, none split across pages, on Letter and A4.
#[test]
fn html_reports_print_one_unit_per_page() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let (Some(chromium), true) = (chromium, Path::new("/usr/bin/pdftotext").exists()) else {
        assert!(
            !super::in_ci(),
            "chromium and poppler-utils must be installed under CI"
        );
        eprintln!(
            "chromium or poppler-utils not installed; print check skipped (.ci/run installs them)"
        );
        return;
    };
    let work = tempfile::tempdir().expect("tempdir");
    let written = run(work.path(), &fixture("sample"), "out", &[]);
    let plan: serde_json::Value =
        serde_json::from_slice(&written["holiday-gift-boxes/plan.json"]).expect("plan");
    let units = [
        (
            "production-sheet.html",
            plan["recipes"]
                .as_array()
                .expect("recipes")
                .iter()
                .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>(),
        ),
        (
            "assembly-sheet.html",
            plan["assembly"]
                .as_array()
                .expect("assembly")
                .iter()
                .map(|a| a["name"].as_str().unwrap_or_default().to_owned())
                .collect(),
        ),
    ];
    for (file, names) in units {
        for paper in ["Letter", "A4"] {
            let html = work.path().join(format!("{paper}-{file}"));
            let source = String::from_utf8(written[&format!("holiday-gift-boxes/{file}")].clone())
                .expect("utf-8");
            fs::write(
                &html,
                // After the sheet's own rules, so that this size wins.
                source.replacen(
                    "</style>",
                    &format!("@page {{ size: {paper}; }}</style>"),
                    1,
                ),
            )
            .expect("write");
            let pdf = work.path().join(format!("{paper}-{file}.pdf"));
            let profile = tempfile::tempdir().expect("profile");
            let status = std::process::Command::new(chromium)
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-pdf-header-footer",
                ])
                .arg(format!("--user-data-dir={}", profile.path().display()))
                .arg(format!("--print-to-pdf={}", pdf.display()))
                .arg(format!("file://{}", html.display()))
                .stderr(std::process::Stdio::null())
                .status()
                .expect("chromium runs");
            assert!(
                status.success() && pdf.exists(),
                "{paper} {file}: chromium did not print"
            );
            let text = std::process::Command::new("pdftotext")
                .args(["-layout"])
                .arg(&pdf)
                .arg("-")
                .output()
                .expect("pdftotext");
            let mut pages: Vec<String> = String::from_utf8_lossy(&text.stdout)
                .split('\u{c}')
                .map(str::to_owned)
                .filter(|p| !p.trim().is_empty())
                .collect();
            // Every page carries the running header with its number.
            let count = pages.len();
            for (n, page) in pages.iter().enumerate() {
                assert!(
                    page.contains(&format!("page {} of {count}", n + 1)),
                    "{paper} {file}: page {} has no running header",
                    n + 1
                );
            }
            // The production sheet opens with an overview of every recipe.
            if file == "production-sheet.html" {
                let overview = pages.remove(0);
                assert!(
                    overview.to_lowercase().contains("made on"),
                    "{paper}: overview first"
                );
                for name in &names {
                    assert!(
                        overview.contains(name.as_str()),
                        "{paper}: overview lists {name}"
                    );
                }
            }
            assert_eq!(
                pages.len(),
                names.len(),
                "{paper} {file}: {} pages for {} units",
                pages.len(),
                names.len()
            );
            for (page, name) in pages.iter().zip(&names) {
                assert!(
                    page.contains(name.as_str()),
                    "{paper} {file}: page should hold {name}"
                );
            }
        }
    }
}

#[test]
fn two_runs_at_once_both_succeed_and_leave_a_sound_database() {
    let work = tempfile::tempdir().expect("tempdir");
    let spawn = |out: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("bakeplan"))
            .current_dir(work.path())
            .args(["-q", "--db", "bakeplan.db", "--now", NOW, "run"])
            .arg(fixture("sample"))
            .args(["--out", out])
            .spawn()
            .expect("spawns")
    };
    let (mut a, mut b) = (spawn("a"), spawn("b"));
    assert!(a.wait().expect("waits").success());
    assert!(b.wait().expect("waits").success());
    let conn = rusqlite::Connection::open(work.path().join("bakeplan.db")).expect("open");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("check");
    assert_eq!(check, "ok");
    // One plan per event: the second run reused what the first froze.
    let plans: i64 = conn
        .query_row("SELECT COUNT(*) FROM plans", [], |row| row.get(0))
        .expect("count");
    assert_eq!(plans, 2);
    assert_eq!(
        files(&work.path().join("a")).get("winter-market/plan.json"),
        files(&work.path().join("b")).get("winter-market/plan.json")
    );
}

#[test]
fn a_run_killed_at_any_moment_leaves_no_half_plan() {
    let work = tempfile::tempdir().expect("tempdir");
    // BAKEPLAN_KILL_TRIALS=200 runs a longer soak; the kill lands 0–196 ms into the run.
    let trials = std::env::var("BAKEPLAN_KILL_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16u64);
    // Where the kills landed: before the database existed, before the schema, before the
    // plans committed, after.
    let mut landed = [0u32; 4];
    for attempt in 0..trials {
        let db = work.path().join(format!("kill-{attempt}.db"));
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bakeplan"))
            .current_dir(work.path())
            .arg("-q")
            .arg("--db")
            .arg(&db)
            .args(["--now", NOW, "run"])
            .arg(fixture("sample"))
            .args(["--out", &format!("out-{attempt}")])
            .spawn()
            .expect("spawns");
        std::thread::sleep(std::time::Duration::from_millis((attempt % 50) * 4));
        let _ = child.kill();
        let _ = child.wait();
        if !db.exists() {
            landed[0] += 1;
            continue;
        }
        let conn = rusqlite::Connection::open(&db).expect("open");
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .expect("check");
        assert_eq!(check, "ok");
        let tables: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'plans'",
                [],
                |row| row.get(0),
            )
            .expect("schema");
        if tables == 0 {
            landed[1] += 1;
            continue;
        }
        // Freeze is one transaction for all events: no plans, or every plan with its rows.
        let plans: i64 = conn
            .query_row("SELECT COUNT(*) FROM plans", [], |row| row.get(0))
            .expect("plans");
        let empty: i64 = conn.query_row("SELECT COUNT(*) FROM plans p WHERE NOT EXISTS (SELECT 1 FROM plan_rows r WHERE r.plan_id = p.id)", [], |row| row.get(0)).expect("empty plans");
        assert!(plans == 0 || plans == 2, "attempt {attempt}: {plans} plans");
        landed[if plans == 0 { 2 } else { 3 }] += 1;
        assert_eq!(empty, 0, "attempt {attempt}: a plan without rows");
    }
    eprintln!(
        "{trials} kills: {} before the database, {} before the schema, {} before the plans, {} after; all consistent",
        landed[0], landed[1], landed[2], landed[3]
    );
}

/// `settings.paper` lays every printable sheet out for A4 (Letter by default); an unknown
/// size is an input error.
#[test]
fn the_sheets_follow_the_paper_setting() {
    let work = tempfile::tempdir().expect("tempdir");
    let letter = run(work.path(), &fixture("sample"), "letter", &[]);
    let sheet = |files: &BTreeMap<String, Vec<u8>>, name: &str| {
        String::from_utf8(files[name].clone()).expect("utf-8")
    };
    assert!(sheet(&letter, "winter-market/production-sheet.html").contains("size: letter;"));
    let catalogue = work.path().join("a4");
    super::store::copy_dir(&fixture("sample"), &catalogue);
    let settings = catalogue.join("settings.yaml");
    let text = fs::read_to_string(&settings).expect("settings");
    fs::write(&settings, format!("{text}paper: A4\nunit_system: metric\n")).expect("write");
    let a4 = run(work.path(), &catalogue, "out-a4", &[]);
    // Weighed in grams and kilograms where the sample's ingredients have a density.
    let sheet_a4 = sheet(&a4, "winter-market/production-sheet.html");
    assert!(sheet_a4.contains(" kg</td>") && sheet_a4.contains(" g</td>"));
    assert!(!sheet(&letter, "winter-market/production-sheet.html").contains(" kg</td>"));
    for name in [
        "winter-market/production-sheet.html",
        "winter-market/production-schedule.html",
        "winter-market/assembly-sheet.html",
        "winter-market/progress-sheet.html",
    ] {
        assert!(sheet(&a4, name).contains("size: A4;"), "{name}");
    }
    fs::write(&settings, format!("{text}paper: legal\n")).expect("write");
    let output = bakeplan(work.path())
        .arg("check")
        .arg(&catalogue)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown paper size"));
}

/// `reports list` keeps its columns straight whatever the longest name or `per`.
#[test]
fn reports_list_lines_up_its_columns() {
    let work = tempfile::tempdir().expect("tempdir");
    let out = bakeplan(work.path())
        .args(["reports", "list"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert!(text.contains("purchase-orders-csv") && text.contains(" supplier "));
    let from_at: Vec<usize> = lines
        .iter()
        .skip(1)
        .step_by(2)
        .map(|l| l.find("from ").expect("origin"))
        .collect();
    // Every description starts in the column the origin lines start in.
    for l in lines.iter().step_by(2) {
        let (before, after) = l.split_at(from_at[0]);
        assert!(before.ends_with(' ') && !after.starts_with(' '), "{text}");
    }
    assert!(from_at.iter().all(|&a| a == from_at[0]), "{text}");
}
