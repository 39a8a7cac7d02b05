//! Integration tests: the real binary in temporary directories, and the library's public
//! entry points on the bundled fixtures. One test crate, because every test binary relinks
//! the whole dependency stack.

mod cases;
mod catalogue;
mod cli;
mod corpus;
mod hostile;
mod kitchen;
mod plans;
mod reports;
mod results;
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

/// The shared reference catalogues, when this checkout sits beside `shared/`. Under CI
/// (`CI` set) a missing reference is a failure, not a skip.
pub fn reference(scenario: &str) -> Option<PathBuf> {
    let path = root()
        .join("../shared/reference/bake-tracker")
        .join(scenario);
    if !path.is_dir() && in_ci() {
        panic!("{}: reference catalogue missing under CI", path.display());
    }
    path.is_dir().then_some(path)
}

/// Whether the tests run under CI, where every optional input must be present.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
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

/// A copy of the fixture catalogue `name` at `dest`, sub-folders included.
pub fn copy_fixture(name: &str, dest: &Path) {
    copy_tree(&fixture(name), dest);
}

fn copy_tree(from: &Path, dest: &Path) {
    std::fs::create_dir_all(dest).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("fixture") {
        let path = entry.expect("entry").path();
        let to = dest.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_tree(&path, &to);
        } else {
            std::fs::copy(&path, to).expect("copy");
        }
    }
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

/// Every file under `dir`, relative path → bytes.
pub fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read").filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .expect("inside")
                    .display()
                    .to_string();
                out.insert(relative, std::fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}
