//! The command line's own services: shell completions, manual pages, closed pipes.

use super::{bakeplan, fixture};

#[test]
fn completions_cover_every_shell_and_command() {
    let work = tempfile::tempdir().expect("tempdir");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = bakeplan(work.path())
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{shell}: {output:?}");
        let script = String::from_utf8(output.stdout).expect("utf-8");
        for command in ["import", "plans", "report", "completions"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
    bakeplan(work.path())
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

#[test]
fn the_manual_prints_or_writes_a_page_per_command() {
    let work = tempfile::tempdir().expect("tempdir");
    let output = bakeplan(work.path()).arg("man").output().expect("runs");
    assert!(output.status.success(), "{output:?}");
    let page = String::from_utf8(output.stdout).expect("utf-8");
    assert!(
        page.starts_with(".ie") || page.contains(".TH bakeplan"),
        "{page}"
    );
    assert!(page.contains("nightly job"), "{page}");
    bakeplan(work.path())
        .args(["man", "--out", "man1"])
        .assert()
        .success();
    for name in ["bakeplan.1", "bakeplan-run.1", "bakeplan-plans-list.1"] {
        assert!(work.path().join("man1").join(name).is_file(), "{name}");
    }
}

#[test]
fn a_closed_pipe_ends_output_without_a_panic() {
    let work = super::imported(&fixture("sample"));
    bakeplan(work.path())
        .args(["--now", "2026-11-22", "plan", "--all"])
        .assert()
        .success();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bakeplan"))
        .current_dir(work.path())
        .args(["--db", "bakeplan.db", "plans", "show", "1", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    // Close the reading end before the command writes.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("waits");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn plans_list_json_is_one_object_per_plan() {
    let work = super::imported(&fixture("sample"));
    bakeplan(work.path())
        .args(["--now", "2026-11-22", "plan", "--all"])
        .assert()
        .success();
    let output = bakeplan(work.path())
        .args(["plans", "list", "--json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let plans: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let plans = plans.as_array().expect("array");
    assert_eq!(plans.len(), 2);
    let events: Vec<&str> = plans.iter().filter_map(|p| p["event"].as_str()).collect();
    assert!(events.contains(&"winter-market"), "{events:?}");
    for plan in plans {
        for field in ["id", "created_at", "input_hash", "rows", "engine_version"] {
            assert!(!plan[field].is_null(), "{field} missing: {plan}");
        }
        assert_eq!(plan["input_hash"].as_str().map(str::len), Some(64));
    }
}
