//! Integration tests: the real binary in temporary directories, and the library's public
//! entry points on the bundled fixtures. One test crate, because every test binary relinks
//! the whole dependency stack.

mod catalogue;
mod corpus;
mod plans;
mod reports;
mod store;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture path.
pub fn fixture(name: &str) -> PathBuf {
    root().join("fixtures").join(name)
}

/// The shared reference catalogues, when this checkout sits beside `shared/`.
pub fn reference(scenario: &str) -> Option<PathBuf> {
    let path = root()
        .join("../shared/reference/bake-tracker")
        .join(scenario);
    path.is_dir().then_some(path)
}

/// The reference scenarios.
pub const SCENARIOS: &[&str] = &["S1", "S2", "S3", "S4", "S5", "S6", "S6b", "S7"];

/// The binary, with a database in `dir` and no colour.
pub fn bakeplan(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("bakeplan").expect("binary builds");
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("BAKEPLAN_DB")
        .arg("--db")
        .arg(dir.join("bakeplan.db"));
    command
}

/// A temporary directory whose `bakeplan.db` holds `catalogue`, imported.
pub fn imported(catalogue: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    bakeplan(dir.path())
        .arg("import")
        .arg(catalogue)
        .assert()
        .success();
    dir
}
