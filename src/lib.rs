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
/// shortfalls, amounts beyond exact arithmetic).
pub fn check(dir: &Path, options: LoadOptions) -> Result<Loaded, Vec<Diagnostic>> {
    use rayon::prelude::*;
    let loaded = catalog::load(dir, options)?;
    let engine = plan::Engine::new(&loaded.catalog);
    let events: Vec<&catalog::Event> = loaded.catalog.events.values().collect();
    let found: Vec<(&catalog::Event, Vec<plan::EventProblem>)> = events
        .par_iter()
        .map(|event| (*event, plan::check_event(&engine, event)))
        .collect();
    let mut problems = Vec::new();
    for (event, event_problems) in found {
        for problem in event_problems {
            let record = format!("events/{}", event.slug);
            let (key, field) = match problem.decision {
                Some(index) => (
                    format!("{record}/decisions/{index}"),
                    format!("decisions[{}]", index + 1),
                ),
                None => (record.clone(), "targets".to_owned()),
            };
            let loc = loaded
                .locations
                .get(&key)
                .or_else(|| loaded.locations.get(&record))
                .cloned()
                .unwrap_or_else(|| catalog::Loc::file(&std::sync::Arc::from("events")));
            problems.push(
                Diagnostic::new(&loc, "events", problem.code, problem.message)
                    .record(Some(&event.slug))
                    .field(&field)
                    .hint(problem.hint),
            );
        }
    }
    drop(engine);
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
