//! Loading the bundled and reference catalogues.

use bakeplan::catalog::{Stocked, Target, Unit, YieldSize};
use bakeplan::store::catalog_records;
use rust_decimal::Decimal;

use super::{SCENARIOS, bakeplan, fixture, reference};

fn records(dir: &str) -> Vec<(String, String, String)> {
    let loaded = bakeplan::check(&fixture(dir), Default::default())
        .unwrap_or_else(|e| panic!("{dir}: {e:?}"));
    let mut rows: Vec<_> = catalog_records(&loaded.catalog)
        .expect("records")
        .into_iter()
        .map(|r| (r.table.to_owned(), r.key, r.body))
        .collect();
    rows.sort();
    rows
}

#[test]
fn sample_in_yaml_and_in_csv_is_the_same_catalogue() {
    let yaml = records("sample");
    let csv = records("sample-csv");
    assert_eq!(yaml.len(), csv.len());
    for (a, b) in yaml.iter().zip(&csv) {
        assert_eq!(a, b);
    }
}

#[test]
fn sample_is_a_realistic_holiday_bakery() {
    let c = bakeplan::check(&fixture("sample"), Default::default())
        .expect("sample loads")
        .catalog;
    assert!(c.recipes.len() >= 20);
    assert!(c.ingredients.len() >= 60);
    assert!(c.bundles.len() >= 6);
    let fractional_nested = c
        .recipes
        .values()
        .filter(|r| r.components.iter().any(|k| !k.batches.fract().is_zero()))
        .count();
    assert!(fractional_nested >= 3);
    let portions = c
        .recipes
        .values()
        .filter(|r| {
            r.yields
                .iter()
                .any(|y| matches!(y.size, YieldSize::PortionPct(_)))
        })
        .count();
    assert!(portions >= 2);
    assert!(c.recipes.values().any(|r| r.yields.len() >= 2));
    assert!(c.bundles.values().any(|b| {
        b.contents
            .iter()
            .any(|l| matches!(l, bakeplan::catalog::BundleLine::Bundle { .. }))
    }));
    assert!(c.inventory.iter().any(|s| {
        s.expires
            .is_some_and(|d| c.events.values().any(|e| d < e.date))
    }));
    assert!(
        c.inventory
            .iter()
            .any(|s| matches!(s.of, Stocked::Material(_)))
    );
    let market = &c.events["winter-market"];
    assert!(
        market
            .targets
            .iter()
            .any(|t| matches!(t, Target::Recipe { .. }))
    );
    assert!(
        market
            .targets
            .iter()
            .any(|t| matches!(t, Target::Item { .. }))
    );
    assert!(!market.decisions.is_empty());
    // Reporting units: declared, or the most used unit.
    assert_eq!(c.ingredients["flour-ap"].reporting_unit, Unit::Lb);
    assert_eq!(c.ingredients["cinnamon"].reporting_unit, Unit::Tsp);
    assert_eq!(c.ingredients["eggs"].reporting_unit, Unit::Each);
    let density = c.ingredients["flour-ap"]
        .density
        .expect("flour has a density");
    assert_eq!(density.mass.value, Decimal::new(425, 2));
}

#[test]
fn every_reference_catalogue_checks_and_imports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut seen = 0;
    for scenario in SCENARIOS {
        let Some(path) = reference(scenario) else {
            continue;
        };
        seen += 1;
        bakeplan(dir.path())
            .arg("check")
            .arg(&path)
            .assert()
            .success();
        // One database for all scenarios: each import replaces the last one's records.
        bakeplan(dir.path())
            .arg("import")
            .arg(&path)
            .arg("--prune")
            .assert()
            .success();
    }
    if seen == 0 {
        eprintln!("shared/reference is not beside this checkout; reference catalogues not checked");
    }
}

#[test]
fn init_writes_a_starter_catalogue_that_checks_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    bakeplan(dir.path())
        .args(["init", "my-bakery"])
        .assert()
        .success();
    bakeplan(dir.path())
        .args(["check", "my-bakery"])
        .assert()
        .success();
    bakeplan(dir.path())
        .args(["import", "my-bakery"])
        .assert()
        .success();
    // It never overwrites a catalogue.
    bakeplan(dir.path())
        .args(["init", "my-bakery"])
        .assert()
        .code(2);
}

#[test]
fn the_folder_form_and_line_tables_load() {
    let c = bakeplan::check(&fixture("sample"), Default::default())
        .expect("loads")
        .catalog;
    // recipes/ is a folder of YAML files.
    assert!(
        c.recipes.contains_key("chocolate-ganache")
            && c.recipes.contains_key("chocolate-chip-cookies")
    );
    let csv = bakeplan::check(&fixture("sample-csv"), Default::default())
        .expect("loads")
        .catalog;
    let truffles = &csv.recipes["chocolate-truffles"];
    assert_eq!(truffles.components[0].recipe, "chocolate-ganache");
    assert_eq!(truffles.components[0].batches, Decimal::new(15, 1));
}
