//! Events in production: kept plans, remaining work and "changed during production".
//!
//! The nightly run never silently replaces the plan of an event in production. Such an
//! event is computed from its kept plan's snapshot with the kitchen journal applied (the
//! remaining work), carries its progress, and warns when the catalogue changed since.

use std::collections::BTreeMap;

use super::{RunError, RunOptions};
use crate::catalog::Catalog;
use crate::store::{self, Frozen, Store};

/// Events held in production: each is computed from its kept plan's snapshot with the
/// kitchen journal applied (the remaining work, [`crate::plan::remaining`]), carries its
/// progress, and warns when the catalogue changed since its plan.
#[derive(Default)]
pub(super) struct HeldChanges {
    /// Position in the run → the remaining work's snapshot.
    pub(super) snapshots: BTreeMap<usize, crate::store::Snapshot>,
    /// Event → progress against the kept plan.
    pub(super) progress: BTreeMap<String, crate::plan::progress::Progress>,
    /// Event → "changed during production" warning.
    pub(super) warnings: BTreeMap<String, String>,
}

impl HeldChanges {
    pub(super) fn of(
        options: &RunOptions,
        live: &Catalog,
        frozen: &[Frozen],
    ) -> Result<HeldChanges, RunError> {
        use crate::store::journal;
        let mut held = HeldChanges::default();
        if !frozen.iter().any(|f| f.held) {
            return Ok(held);
        }
        let db = Store::open_for_reading(&options.db)?;
        let conn = db.conn();
        let purchases = journal::purchases(conn, None)?;
        let mut counts = store::inventory_counted(conn)?;
        // A count date written in the inventory wins over the import time (end of that day).
        let mut written: BTreeMap<(String, String), chrono::NaiveDate> = BTreeMap::new();
        for row in &live.inventory {
            let kind = match &row.of {
                crate::catalog::Stocked::Ingredient(_) => "ingredient",
                crate::catalog::Stocked::Material(_) => "material",
                _ => continue,
            };
            if let Some(date) = row.counted_at {
                let entry = written
                    .entry((kind.to_owned(), row.of.slug().to_owned()))
                    .or_insert(date);
                *entry = (*entry).max(date);
            }
        }
        for (key, date) in written {
            counts.insert(key, format!("{date}T23:59:59Z"));
        }
        for (position, f) in frozen.iter().enumerate().filter(|(_, f)| f.held) {
            if f.changed {
                held.warnings
                    .insert(f.event.clone(), changed_warning(conn, live, f)?);
            }
            let snapshot = store::load_snapshot(conn, f.plan.id)?;
            let kept = crate::plan::compute(&snapshot)?;
            let (state, _) = journal::state(conn, &f.event)?;
            let made = journal::production(conn, Some(&f.event))?;
            let packed = journal::assembly(conn, Some(&f.event))?;
            let catalog = crate::plan::remaining::remaining_catalog(
                &snapshot.catalog,
                &kept,
                &made,
                &packed,
                &purchases,
                &crate::plan::remaining::Counted {
                    at: counts
                        .iter()
                        .map(|((kind, item), at)| {
                            let kind = if kind == "material" {
                                journal::PurchaseKind::Material
                            } else {
                                journal::PurchaseKind::Ingredient
                            };
                            ((kind, item.clone()), at.clone())
                        })
                        .collect(),
                    default: f.plan.created_at.clone(),
                },
            );
            held.progress.insert(
                f.event.clone(),
                crate::plan::progress::progress(&kept, state, &made, &packed, &purchases),
            );
            held.snapshots.insert(
                position,
                crate::store::Snapshot {
                    plan: snapshot.plan,
                    catalog,
                },
            );
        }
        Ok(held)
    }
}

/// "changed during production, plan N kept: …": what differs between the kept plan's
/// inputs and the live catalogue.
fn changed_warning(
    conn: &rusqlite::Connection,
    live: &Catalog,
    f: &Frozen,
) -> Result<String, RunError> {
    let before = store::plan_records(conn, f.plan.id)?;
    let now: Vec<store::RecordRow> = store::snapshot_records(live, &f.event)?
        .iter()
        .map(store::RecordRow::from)
        .collect();
    let changes: Vec<String> = crate::plan::diff::record_changes(&before, &now)
        .iter()
        .map(crate::plan::diff::Change::record_line)
        .collect();
    let shown = changes
        .iter()
        .take(5)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    let more = changes.len().saturating_sub(5);
    Ok(format!(
        "changed during production, plan {} kept: {shown}{}; `bakeplan plans amend {} --reason …` applies the changes",
        f.plan.id,
        if more > 0 {
            format!(" (+{more} more)")
        } else {
            String::new()
        },
        f.event
    ))
}
