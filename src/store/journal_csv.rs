//! The kitchen journal written back as the CSV files `record --file` reads (docs/kitchen.md):
//! what `export` puts beside the catalogue so a journal moves between databases.

use super::journal::{Assembly, Production, Purchase, PurchaseKind, StateChange};

/// The journal as files `record --file` reads back: `journal/production.csv`,
/// `journal/assembly.csv`, `journal/purchases.csv`, `journal/states.csv` (only those with
/// entries), oldest first. State rows apply to the event's current plan when read back;
/// amendments stay in the database (each is a frozen snapshot of its own).
pub fn journal_files(
    production: &[Production],
    assembly: &[Assembly],
    purchases: &[Purchase],
    states: &[StateChange],
) -> Result<Vec<(String, Vec<u8>)>, csv::Error> {
    let files = [
        csv_file(
            "production",
            &[
                "kind",
                "event",
                "recipe",
                "batches",
                "yield",
                "loss_reason",
                "at",
            ],
            production.iter().map(production_row),
        )?,
        csv_file(
            "assembly",
            &["kind", "event", "bundle", "qty", "at"],
            assembly.iter().map(assembly_row),
        )?,
        csv_file(
            "purchases",
            &[
                "kind",
                "event",
                "ingredient",
                "material",
                "qty",
                "cost",
                "at",
            ],
            purchases.iter().map(purchase_row),
        )?,
        csv_file(
            "states",
            &["kind", "event", "state", "at"],
            states.iter().map(state_row),
        )?,
    ];
    Ok(files.into_iter().flatten().collect())
}

/// `journal/{name}.csv` with a byte-order mark (for spreadsheets), its header and rows;
/// `None` without rows.
fn csv_file(
    name: &str,
    header: &[&str],
    rows: impl ExactSizeIterator<Item = Vec<String>>,
) -> Result<Option<(String, Vec<u8>)>, csv::Error> {
    if rows.len() == 0 {
        return Ok(None);
    }
    let mut writer = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(Some((format!("journal/{name}.csv"), bytes)))
}

fn production_row(p: &Production) -> Vec<String> {
    vec![
        "production".into(),
        p.event.clone(),
        p.recipe.clone(),
        p.batches.normalize().to_string(),
        p.actual_yield.map(|n| n.to_string()).unwrap_or_default(),
        p.loss_reason.clone().unwrap_or_default(),
        p.at.clone(),
    ]
}

fn assembly_row(a: &Assembly) -> Vec<String> {
    vec![
        "assembly".into(),
        a.event.clone(),
        a.bundle.clone(),
        a.qty.to_string(),
        a.at.clone(),
    ]
}

fn purchase_row(p: &Purchase) -> Vec<String> {
    let (ingredient, material) = match p.kind {
        PurchaseKind::Ingredient => (p.item.clone(), String::new()),
        PurchaseKind::Material => (String::new(), p.item.clone()),
    };
    vec![
        "purchase".into(),
        p.event.clone().unwrap_or_default(),
        ingredient,
        material,
        format!("{} {}", p.qty.normalize(), p.unit),
        p.cost
            .map(|c| c.normalize().to_string())
            .unwrap_or_default(),
        p.at.clone(),
    ]
}

fn state_row(s: &StateChange) -> Vec<String> {
    vec![
        "state".into(),
        s.event.clone(),
        s.state.name().into(),
        s.at.clone(),
    ]
}
