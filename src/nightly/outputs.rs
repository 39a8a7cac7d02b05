//! The run owns what it wrote in `--out`, and only that.
//!
//! A night that no longer plans an event (it is past, or was removed) must not leave last
//! week's sheets beside tonight's. The previous `run-report.json` lists every file that run
//! wrote; files listed there and not written again are removed, with the folders they leave
//! empty. Anything else in `--out` — a file the baker saved there, another tool's output —
//! is never touched.

use std::collections::BTreeSet;
use std::path::{Component, Path};

/// The files the previous run in `out` wrote, from its `run-report.json` (none when there
/// is no report or it cannot be read: then nothing is removed).
pub fn previous_files(out: &Path) -> BTreeSet<String> {
    let Ok(bytes) = std::fs::read(out.join("run-report.json")) else {
        return BTreeSet::new();
    };
    let Ok(report) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        tracing::warn!("the previous run-report.json is not JSON; no old files are removed");
        return BTreeSet::new();
    };
    let strings = |value: &serde_json::Value| -> Vec<String> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str().map(str::to_owned))
            .collect()
    };
    let mut files: BTreeSet<String> = strings(&report["run_files"]).into_iter().collect();
    files.extend(strings(&report["earlier_files"]));
    for event in report["events"].as_array().into_iter().flatten() {
        files.extend(strings(&event["files"]));
    }
    files
}

/// Removes the files of `previous` that are not in `current`, and folders left empty by
/// that. Only plain relative paths naming regular files are removed (a path with `..`, an
/// absolute path or a symlink in a hand-edited report is skipped). Returns what was removed.
pub fn remove_stale(
    out: &Path,
    previous: &BTreeSet<String>,
    current: &BTreeSet<String>,
) -> std::io::Result<Vec<String>> {
    let mut removed = Vec::new();
    for file in previous.difference(current) {
        let relative = Path::new(file);
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            continue;
        }
        let path = out.join(relative);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_file() || parents_are_links(out, relative) {
            continue;
        }
        std::fs::remove_file(&path)?;
        removed.push(file.clone());
        let mut parent = relative.parent();
        while let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty()) {
            if std::fs::remove_dir(out.join(dir)).is_err() {
                break; // not empty (or already gone): keep it and everything above
            }
            parent = dir.parent();
        }
    }
    Ok(removed)
}

/// Whether a folder on the way to `relative` is a symlink (it may point outside `out`).
fn parents_are_links(out: &Path, relative: &Path) -> bool {
    let mut at = out.to_path_buf();
    let Some(parent) = relative.parent() else {
        return false;
    };
    parent.components().any(|c| {
        at.push(c);
        std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_what_the_previous_run_wrote() {
        let out = tempfile::tempdir().expect("tempdir");
        let o = out.path();
        for f in [
            "old/plan.json",
            "keep/plan.json",
            "mine.txt",
            "old/notes.txt",
        ] {
            std::fs::create_dir_all(o.join(f).parent().unwrap()).unwrap();
            std::fs::write(o.join(f), "x").unwrap();
        }
        std::fs::create_dir_all(o.join("gone")).unwrap();
        std::fs::write(o.join("gone/sheet.html"), "x").unwrap();
        let previous: BTreeSet<String> = ["old/plan.json", "keep/plan.json", "gone/sheet.html"]
            .map(String::from)
            .into();
        let current: BTreeSet<String> = ["keep/plan.json"].map(String::from).into();
        let removed = remove_stale(o, &previous, &current).unwrap();
        assert_eq!(removed, ["gone/sheet.html", "old/plan.json"]);
        assert!(!o.join("gone").exists(), "an emptied folder goes");
        assert!(
            o.join("old/notes.txt").exists(),
            "a file it did not write stays"
        );
        assert!(o.join("mine.txt").exists() && o.join("keep/plan.json").exists());
    }

    #[test]
    fn never_follows_a_hand_edited_path_outside() {
        let out = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("precious"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path(), out.path().join("link")).unwrap();
        let previous: BTreeSet<String> = [
            "../precious".to_owned(),
            "link/precious".to_owned(),
            outside.path().join("precious").display().to_string(),
        ]
        .into();
        let removed = remove_stale(out.path(), &previous, &BTreeSet::new()).unwrap();
        assert!(removed.is_empty());
        assert!(outside.path().join("precious").exists());
    }
}
