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

use std::path::{Path, PathBuf};

use catalog::{Diagnostic, LoadOptions, Loaded};

/// Loads and fully validates a catalogue directory: every located problem, including those
/// that need the plan rules (decisions for items an event does not need, unconfirmed
/// shortfalls, amounts beyond exact arithmetic).
pub fn check(dir: &Path, options: LoadOptions) -> Result<Loaded, Vec<Diagnostic>> {
    let loaded = catalog::load(dir, options)?;
    let engine = plan::Engine::new(&loaded.catalog);
    check_events(&loaded, &engine)?;
    drop(engine);
    Ok(loaded)
}

/// The plan rules of [`check`] for a loaded catalogue, with an engine built over it (the
/// nightly run plans with the same engine afterwards).
pub fn check_events(loaded: &Loaded, engine: &plan::Engine<'_>) -> Result<(), Vec<Diagnostic>> {
    use rayon::prelude::*;
    let events: Vec<&catalog::Event> = loaded.catalog.events.values().collect();
    let found: Vec<(&catalog::Event, Vec<plan::EventProblem>)> = events
        .par_iter()
        .map(|event| (*event, plan::check_event(engine, event)))
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
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// A file written whole or not at all: what is written goes (buffered) to a temporary file
/// in the destination's directory, which [`AtomicFile::commit`] renames into place, so that
/// readers never see half a file. Dropped without a commit, the temporary file is removed.
/// Errors name the destination.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    file: std::io::BufWriter<tempfile::NamedTempFile>,
}

/// Bytes gathered before they go to the temporary file.
const WRITE_BUFFER: usize = 64 * 1024;

impl AtomicFile {
    /// Starts writing `path` (its folder must exist).
    pub fn create(path: &Path) -> std::io::Result<AtomicFile> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".bakeplan-");
        // Readable like any file the user creates (0666 less the umask), not tempfile's 0600:
        // the sheets are often served or shared from the output directory.
        #[cfg(unix)]
        builder.permissions(
            <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o666),
        );
        let temporary = builder.tempfile_in(dir).map_err(|e| named(path, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            file: std::io::BufWriter::with_capacity(WRITE_BUFFER, temporary),
        })
    }

    /// Starts writing `relative` under the output directory `out` (see [`write_inside`]).
    pub fn create_inside(out: &Path, relative: &Path) -> std::io::Result<AtomicFile> {
        AtomicFile::create(&prepare_inside(out, relative)?)
    }

    /// Puts the file in place of `path`. Returns the path written.
    pub fn commit(self) -> std::io::Result<PathBuf> {
        let AtomicFile { path, file } = self;
        let temporary = file
            .into_inner()
            .map_err(|e| named(&path, e.into_error()))?;
        temporary
            .persist(&path)
            .map_err(|e| named(&path, e.error))?;
        Ok(path)
    }
}

impl std::io::Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf).map_err(|e| named(&self.path, e))
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.file.write_all(buf).map_err(|e| named(&self.path, e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush().map_err(|e| named(&self.path, e))
    }
}

/// `error`, saying which file.
fn named(path: &Path, error: std::io::Error) -> std::io::Error {
    std::io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}

/// Writes a file through a temporary file in the same directory and renames it into place,
/// so that readers never see half a file; the temporary file is removed on every error.
/// Errors name the path.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    std::io::Write::write_all(&mut file, bytes)?;
    file.commit().map(drop)
}

/// Writes `relative` under the output directory `out`, creating folders, and refuses to
/// follow a symbolic link inside `out` (a link `out/event -> /elsewhere` would otherwise
/// send the reports outside it). Returns the path written.
pub fn write_inside(out: &Path, relative: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let path = prepare_inside(out, relative)?;
    write_atomically(&path, bytes)?;
    Ok(path)
}

/// The path of `relative` under `out`, its folders made: refused when `relative` is not a
/// plain relative path or a link on the way would lead outside `out`.
fn prepare_inside(out: &Path, relative: &Path) -> std::io::Result<PathBuf> {
    let mut dir = out.to_path_buf();
    std::fs::create_dir_all(&dir).map_err(|e| named(&dir, e))?;
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
            std::fs::create_dir(&next).map_err(|e| named(&next, e))?;
        }
        dir = next;
    }
    Ok(dir)
}
