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

/// Writes a file through a temporary file in the same directory and renames it into place,
/// so that readers never see half a file; the temporary file is removed on every error.
/// Errors name the path.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let named =
        |e: std::io::Error| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".bakeplan-");
    // Readable like any file the user creates (0666 less the umask), not tempfile's 0600:
    // the sheets are often served or shared from the output directory.
    #[cfg(unix)]
    builder
        .permissions(<std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o666));
    let mut temporary = builder.tempfile_in(dir).map_err(named)?;
    std::io::Write::write_all(&mut temporary, bytes).map_err(named)?;
    temporary.persist(path).map_err(|e| named(e.error))?;
    Ok(())
}

/// Writes `relative` under the output directory `out`, creating folders, and refuses to
/// follow a symbolic link inside `out` (a link `out/event -> /elsewhere` would otherwise
/// send the reports outside it). Returns the path written.
pub fn write_inside(
    out: &Path,
    relative: &Path,
    bytes: &[u8],
) -> std::io::Result<std::path::PathBuf> {
    let mut dir = out.to_path_buf();
    std::fs::create_dir_all(&dir)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    let mut components: Vec<_> = relative.components().collect();
    if components
        .iter()
        .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{}: not a plain relative path; bakeplan writes only inside the output directory",
                relative.display()
            ),
        ));
    }
    let file = components.pop();
    for component in components.iter().chain(file.iter()) {
        let next = dir.join(component);
        if let Ok(meta) = std::fs::symlink_metadata(&next)
            && meta.file_type().is_symlink()
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "{}: is a symbolic link; bakeplan writes only inside the output directory",
                    next.display()
                ),
            ));
        }
        if Some(component) != file.as_ref() && !next.is_dir() {
            std::fs::create_dir(&next)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", next.display())))?;
        }
        dir = next;
    }
    write_atomically(&dir, bytes)?;
    Ok(dir)
}
