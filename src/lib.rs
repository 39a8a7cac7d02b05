//! bakeplan: a batch planner for bakeries and event food production.
//!
//! The pipeline reads top to bottom: [`catalog`] loads and validates the files, [`store`]
//! imports them into SQLite and freezes plan snapshots, [`plan`] computes batches,
//! ingredients, shopping and feasibility from a snapshot, [`report`] renders the results
//! through report plugins, and [`nightly`] runs the whole chain. The `bakeplan` binary
//! wires them to commands; the library never prints.

pub mod catalog;
pub mod nightly;
pub mod plan;
pub mod report;
pub mod starter;
pub mod store;

use std::path::Path;

use catalog::{Diagnostic, LoadOptions, Loaded};

/// Loads and fully validates a catalogue directory: every located problem, including those
/// that need the plan rules (decisions for items an event does not need, unconfirmed
/// shortfalls).
pub fn check(dir: &Path, options: LoadOptions) -> Result<Loaded, Vec<Diagnostic>> {
    let loaded = catalog::load(dir, options)?;
    let mut problems = Vec::new();
    for event in loaded.catalog.events.values() {
        for problem in plan::check_decisions(&loaded.catalog, event) {
            let loc = loaded
                .locations
                .get(&format!(
                    "events/{}/decisions/{}",
                    event.slug, problem.index
                ))
                .or_else(|| loaded.locations.get(&format!("events/{}", event.slug)))
                .cloned()
                .unwrap_or_else(|| catalog::Loc::file(&std::sync::Arc::from("events")));
            problems.push(
                Diagnostic::new(&loc, "events", problem.code, problem.message)
                    .record(Some(&event.slug))
                    .field(&format!("decisions[{}]", problem.index + 1))
                    .hint(problem.hint),
            );
        }
    }
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(problems)
    }
}

/// Writes a file through a temporary name in the same directory and renames it into place,
/// so that readers never see half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let temporary = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}
