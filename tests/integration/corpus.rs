//! The bad-input corpus: every case under `fixtures/bad/` fails `check` with exit code 2 and
//! exactly the message in its `expected.txt`. Run with `BAKEPLAN_BLESS=1` to rewrite them.

use std::fs;

use assert_cmd::Command;

use super::{bakeplan, fixture};

fn check_output(case: &str) -> (i32, String) {
    let output = Command::cargo_bin("bakeplan")
        .expect("binary")
        .current_dir(fixture("bad"))
        .env("NO_COLOR", "1")
        .args(["check", case])
        .output()
        .expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn every_bad_case_fails_with_its_expected_message() {
    let bless = std::env::var_os("BAKEPLAN_BLESS").is_some();
    let mut cases: Vec<String> = fs::read_dir(fixture("bad"))
        .expect("corpus")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert!(cases.len() >= 100, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let (code, stderr) = check_output(case);
        let expected_path = fixture("bad").join(case).join("expected.txt");
        if bless {
            fs::write(&expected_path, &stderr).expect("write expected");
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if code != 2 || stderr != expected {
            failures.push(format!(
                "--- {case} (exit {code})\nexpected:\n{expected}\nactual:\n{stderr}"
            ));
        }
        // Every message is located: file and line (or the whole file for file-level errors).
        assert!(
            stderr
                .lines()
                .filter(|l| l.starts_with("error: "))
                .all(|l| l.contains(".yaml") || l.contains(".csv")),
            "{case}: {stderr}"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn a_file_over_the_size_limit_is_rejected_without_reading_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalogue = dir.path().join("catalogue");
    fs::create_dir(&catalogue).expect("mkdir");
    let mut text = String::from("# padding\n");
    let line = "- {slug: flour, name: Flour, category: Dry goods}\n";
    text.push_str(&"#".repeat(50 * 1024 * 1024));
    text.push('\n');
    text.push_str(line);
    fs::write(catalogue.join("ingredients.yaml"), text).expect("write 50 MB");
    let output = bakeplan(dir.path())
        .args(["check", "catalogue"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("ingredients.yaml: ingredients: the file is 524288"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bytes, over the limit of 16777216 bytes [file-too-large]"),
        "{stderr}"
    );
    // Raising the limit lets it through.
    bakeplan(dir.path())
        .args(["--max-file-size", "60000000", "check", "catalogue"])
        .assert()
        .success();
}

#[test]
fn a_bom_prefixed_csv_loads() {
    let loaded = bakeplan::check(&fixture("good/bom-csv"), Default::default()).expect("loads");
    assert_eq!(
        loaded.catalog.ingredients["flour"].name,
        "Flour, all-purpose"
    );
    assert_eq!(
        loaded.catalog.ingredients["creme-fraiche"].name,
        "Crème fraîche"
    );
}

/// Spreadsheet exports of the sample: semicolons with decimal commas, day/month/year dates,
/// capitalised headers, CRLF, a BOM and trailing blank rows (European Excel); CRLF with a
/// BOM (Excel, "CSV UTF-8"); tab-separated. Each loads to exactly the sample's catalogue.
#[test]
fn spreadsheet_dialects_load_to_the_same_catalogue() {
    let expected = bakeplan::check(&fixture("sample-csv"), Default::default())
        .expect("sample loads")
        .catalog;
    for case in ["excel-semicolon", "excel-crlf", "tab-separated"] {
        let loaded = bakeplan::check(&fixture(&format!("good/{case}")), Default::default())
            .unwrap_or_else(|e| panic!("{case}: {e:?}"));
        assert_eq!(loaded.catalog, expected, "{case}");
    }
}

#[test]
fn json_output_lists_every_error_with_its_location() {
    let output = Command::cargo_bin("bakeplan")
        .expect("binary")
        .current_dir(fixture("bad"))
        .args(["check", "many-errors", "--json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let errors: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let errors = errors.as_array().expect("array");
    assert_eq!(errors.len(), 7);
    let first = &errors[0];
    for field in [
        "file", "line", "column", "table", "record", "field", "code", "message", "hint",
    ] {
        assert!(first.get(field).is_some(), "missing {field} in {first}");
    }
    assert_eq!(first["file"], "events.yaml");
    assert_eq!(first["code"], "bad-date");
}

#[test]
fn terminal_output_is_a_snippet() {
    let output = Command::cargo_bin("bakeplan")
        .expect("binary")
        .current_dir(fixture("bad"))
        .args(["--color", "always", "check", "unknown-unit"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("recipes.yaml"), "{stderr}");
    assert!(
        stderr.contains("- {ingredient: flour, qty: 2, unit: cupz}"),
        "the snippet shows the line: {stderr}"
    );
    assert!(stderr.contains("did you mean \"cup\"?"), "{stderr}");
}
