//! Hostile input (issue 7): files that are not files, huge and odd catalogues, runaway
//! templates, output that would escape the output directory, terminal escapes, concurrent
//! runs on one database and runs killed mid-write. Each ends in a located error or a
//! correct plan, never a panic, a hang or a write outside `--out`.

use std::fs;
use std::path::Path;

use super::store::copy_dir;
use super::{bakeplan, fixture, imported};

const NOW: &str = "2026-11-22T02:00:00Z";

/// A copy of the sample catalogue in `dir/name`, with `files` replaced.
fn sample_with(dir: &Path, name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let catalogue = dir.join(name);
    copy_dir(&fixture("sample"), &catalogue);
    for (file, text) in files {
        fs::write(catalogue.join(file), text).expect("write");
    }
    catalogue
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Trials from an environment variable, so a long soak can run the same test.
fn trials(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn a_fifo_or_a_device_as_a_catalogue_file_is_refused_without_blocking() {
    let work = tempfile::tempdir().expect("tempdir");
    let fifo = sample_with(work.path(), "fifo", &[]);
    fs::remove_file(fifo.join("inventory.yaml")).expect("rm");
    let made = std::process::Command::new("mkfifo")
        .arg(fifo.join("inventory.yaml"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let zero = sample_with(work.path(), "zero", &[]);
    fs::remove_file(zero.join("inventory.yaml")).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", zero.join("inventory.yaml")).expect("symlink");
    for catalogue in [fifo, zero] {
        let output = bakeplan(work.path())
            .arg("check")
            .arg(&catalogue)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        assert!(stderr(&output).contains("inventory.yaml"), "{output:?}");
        assert!(stderr(&output).contains("not-a-file"), "{output:?}");
    }
}

#[test]
fn a_forty_thousand_record_yaml_file_loads() {
    let work = tempfile::tempdir().expect("tempdir");
    let mut ingredients = fs::read_to_string(fixture("sample/ingredients.yaml")).expect("read");
    for n in 0..40_000 {
        ingredients.push_str(&format!(
            "- slug: filler-{n}\n  name: Filler ingredient number {n}\n  category: Dry\n  density: \"1 cup = 4.25 oz\"\n"
        ));
    }
    assert!(ingredients.len() > 3 << 20);
    let catalogue = sample_with(work.path(), "big", &[("ingredients.yaml", &ingredients)]);
    bakeplan(work.path())
        .arg("check")
        .arg(&catalogue)
        .assert()
        .success();
}

#[test]
fn reports_never_follow_a_link_out_of_the_output_directory() {
    let work = tempfile::tempdir().expect("tempdir");
    let elsewhere = work.path().join("elsewhere");
    fs::create_dir_all(&elsewhere).expect("mkdir");
    let out = work.path().join("out");
    fs::create_dir_all(&out).expect("mkdir");
    std::os::unix::fs::symlink(&elsewhere, out.join("winter-market")).expect("symlink");
    let output = bakeplan(work.path())
        .args(["--now", NOW, "run"])
        .arg(fixture("sample"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert_ne!(output.status.code(), Some(0), "{output:?}");
    assert!(
        stderr(&output).contains("symbolic link"),
        "{}",
        stderr(&output)
    );
    assert_eq!(fs::read_dir(&elsewhere).expect("list").count(), 0);
    // Nothing half-written is left beside the reports.
    let mut stack = vec![out.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("list") {
            let entry = entry.expect("entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                !name.starts_with(".bakeplan-"),
                "temporary file {name} left"
            );
            if entry.file_type().expect("type").is_dir() {
                stack.push(entry.path());
            }
        }
    }
}

#[test]
fn a_missing_reports_directory_is_a_usage_error() {
    let work = tempfile::tempdir().expect("tempdir");
    let output = bakeplan(work.path())
        .args(["--now", NOW, "run"])
        .arg(fixture("sample"))
        .args(["--out", "out", "--reports"])
        .arg(work.path().join("nonexistent"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(stderr(&output).contains("nonexistent"), "{output:?}");
}

#[test]
fn an_import_that_would_empty_the_database_needs_prune() {
    let work = imported(&fixture("sample"));
    let db = work.path().join("bakeplan.db");
    let before = fs::read(&db).expect("db");
    // A catalogue with only its settings left: every record would go.
    let nearly_empty = work.path().join("nearly-empty");
    fs::create_dir_all(&nearly_empty).expect("mkdir");
    fs::copy(
        fixture("sample/settings.yaml"),
        nearly_empty.join("settings.yaml"),
    )
    .expect("copy");
    let output = bakeplan(work.path())
        .arg("import")
        .arg(&nearly_empty)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(stderr(&output).contains("--prune"), "{}", stderr(&output));
    assert_eq!(fs::read(&db).expect("db"), before, "a refused import wrote");
    bakeplan(work.path())
        .arg("import")
        .arg(&nearly_empty)
        .arg("--prune")
        .assert()
        .success();
}

#[test]
fn terminal_escapes_in_names_are_not_sent_to_the_terminal() {
    let work = tempfile::tempdir().expect("tempdir");
    let events = fs::read_to_string(fixture("sample/events.yaml"))
        .expect("read")
        .replace(
            "name: Saturday winter market",
            "name: \"Saturday \\e]0;pwned\\a\\e[2Jwinter market\"",
        );
    let catalogue = sample_with(work.path(), "escapes", &[("events.yaml", &events)]);
    let output = bakeplan(work.path())
        .args(["--now", NOW, "run"])
        .arg(&catalogue)
        .args(["--out", "out"])
        .output()
        .expect("runs");
    assert!(output.status.code().is_some_and(|c| c <= 1), "{output:?}");
    let mut streams = vec![output.stdout.clone(), output.stderr.clone()];
    let mut shown_text = String::new();
    for args in [
        &["plans", "show", "1"][..],
        &["plans", "show", "2"],
        &["plans", "list"],
    ] {
        let shown = bakeplan(work.path()).args(args).output().expect("runs");
        assert!(shown.status.success(), "{shown:?}");
        shown_text.push_str(&String::from_utf8_lossy(&shown.stdout));
        streams.push(shown.stdout);
        streams.push(shown.stderr);
    }
    for stream in &streams {
        assert!(
            !stream.contains(&0x1b),
            "{}",
            String::from_utf8_lossy(stream)
        );
        assert!(
            !stream.contains(&0x07),
            "{}",
            String::from_utf8_lossy(stream)
        );
    }
    assert!(shown_text.contains("winter market"), "{shown_text}");
    // The plan itself keeps the name as written.
    let plan = fs::read_to_string(work.path().join("out/winter-market/plan.json")).expect("plan");
    assert!(plan.contains("\\u001b]0;pwned"), "{plan}");
}

/// A user report directory with one manifest and its template.
fn user_report(dir: &Path, manifest_extra: &str, template: &str) -> std::path::PathBuf {
    let reports = dir.join("user");
    fs::create_dir_all(reports.join("reports")).expect("mkdir");
    fs::create_dir_all(reports.join("templates")).expect("mkdir");
    fs::write(
        reports.join("reports/runaway.yaml"),
        format!(
            "name: runaway\ndescription: Loops.\ntemplate: runaway.txt.j2\noutput: \"{{{{ event.slug }}}}/runaway.txt\"\nformat: txt\nper: plan\n{manifest_extra}"
        ),
    )
    .expect("write");
    fs::write(reports.join("templates/runaway.txt.j2"), template).expect("write");
    reports
}

#[test]
fn runaway_templates_end_in_a_located_error() {
    let work = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            "spin",
            "",
            "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
            "fuel",
        ),
        (
            "grow",
            "max_output_mb: 1\n",
            "{% for a in range(100000) %}{{ 'x' * 100 }}{% endfor %}",
            "max_output_mb",
        ),
    ];
    for (name, extra, template, hint) in cases {
        let reports = user_report(&work.path().join(name), extra, template);
        // A report is streamed to a temporary file beside its last version: a report that
        // fails half-way leaves neither half a file nor the temporary file behind.
        let previous = work.path().join(name).join("winter-market/runaway.txt");
        fs::create_dir_all(previous.parent().expect("folder")).expect("mkdir");
        fs::write(&previous, "last night's\n").expect("write");
        let output = bakeplan(work.path())
            .args(["--now", NOW, "run"])
            .arg(fixture("sample"))
            .args(["--out", name, "--report", "runaway", "--reports"])
            .arg(&reports)
            .timeout(std::time::Duration::from_secs(120))
            .output()
            .expect("runs");
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(3), "{name}: {text}");
        assert!(text.contains("runaway"), "{name}: {text}");
        assert!(text.contains(hint), "{name}: {text}");
        assert_eq!(
            fs::read_to_string(&previous).expect("kept"),
            "last night's\n"
        );
        let left: Vec<String> = super::files(&work.path().join(name))
            .into_keys()
            .filter(|f| f.contains(".bakeplan-"))
            .collect();
        assert!(left.is_empty(), "{name}: {left:?}");
    }
}

#[test]
fn more_than_a_hundred_thousand_batches_print_as_a_tally() {
    let work = tempfile::tempdir().expect("tempdir");
    let catalogue = sample_with(
        work.path(),
        "huge",
        &[(
            "events.yaml",
            "- slug: huge\n  name: Huge order\n  date: 2026-12-24\n  targets:\n    - {item: chocolate-chip-cookie, qty: 5000000}\n",
        )],
    );
    let output = bakeplan(work.path())
        .args(["--now", NOW, "run"])
        .arg(&catalogue)
        .args(["--out", "out", "--report", "production-sheet"])
        .output()
        .expect("runs");
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "{}",
        stderr(&output)
    );
    let sheet =
        fs::read_to_string(work.path().join("out/huge/production-sheet.html")).expect("sheet");
    assert!(sheet.contains("106293 batches — tally"), "{sheet}");
    assert!(sheet.len() < 1 << 20);
}

#[test]
fn markdown_reports_escape_html_from_the_catalogue() {
    let work = tempfile::tempdir().expect("tempdir");
    let events = fs::read_to_string(fixture("sample/events.yaml"))
        .expect("read")
        .replace(
            "name: Saturday winter market",
            "name: \"<script>alert(1)</script> market\"",
        );
    let catalogue = sample_with(work.path(), "md", &[("events.yaml", &events)]);
    let output = bakeplan(work.path())
        .args(["--now", NOW, "run"])
        .arg(&catalogue)
        .args(["--out", "out", "--report", "plan-summary"])
        .output()
        .expect("runs");
    assert!(output.status.code().is_some_and(|c| c <= 1), "{output:?}");
    let summary =
        fs::read_to_string(work.path().join("out/winter-market/plan-summary.md")).expect("md");
    assert!(!summary.contains("<script>"), "{summary}");
    assert!(summary.contains("&lt;script&gt;"), "{summary}");
}

#[test]
fn a_newer_database_is_one_line_and_an_unknown_event_names_the_known_ones() {
    let work = imported(&fixture("sample"));
    let output = bakeplan(work.path())
        .args(["report", "--event", "nope", "--out", "out"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let text = stderr(&output);
    assert!(text.contains("no event \"nope\""), "{text}");
    assert!(text.contains("winter-market"), "{text}");
    let conn = rusqlite::Connection::open(work.path().join("bakeplan.db")).expect("open");
    conn.pragma_update(None, "user_version", 99).expect("bump");
    drop(conn);
    let started = std::time::Instant::now();
    let output = bakeplan(work.path())
        .args(["plans", "list"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    let text = stderr(&output);
    assert!(text.contains("99"), "{text}");
    assert!(text.lines().count() <= 4, "{text}");
    // No retry loop on an error that will not go away.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn concurrent_runs_each_plan_their_own_catalogue() {
    let work = tempfile::tempdir().expect("tempdir");
    let events = fs::read_to_string(fixture("sample/events.yaml")).expect("read");
    assert!(events.contains("qty: 120"), "the sample changed");
    let doubled = events.replacen("qty: 120", "qty: 240", 1);
    let s = fixture("sample");
    let t = sample_with(work.path(), "t", &[("events.yaml", &doubled)]);
    for trial in 0..trials("BAKEPLAN_RACE_TRIALS", 25) {
        let spawn = |catalogue: &Path, out: &str| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("bakeplan"))
                .current_dir(work.path())
                .args(["-q", "--db", "race.db", "--now", NOW, "run"])
                .arg(catalogue)
                .args(["--out", out, "--report", "plan", "--event", "winter-market"])
                .spawn()
                .expect("spawns")
        };
        let (mut a, mut b) = (spawn(&s, "s"), spawn(&t, "t-out"));
        assert!(a.wait().expect("waits").success(), "trial {trial}");
        assert!(b.wait().expect("waits").success(), "trial {trial}");
        for (out, qty) in [("s", 120), ("t-out", 240)] {
            let plan: serde_json::Value = serde_json::from_slice(
                &fs::read(work.path().join(out).join("winter-market/plan.json")).expect("plan"),
            )
            .expect("json");
            let cookies = plan["targets"]
                .as_array()
                .expect("targets")
                .iter()
                .find(|t| t["slug"] == "chocolate-chip-cookie")
                .expect("cookie target");
            assert_eq!(
                cookies["qty"], qty,
                "trial {trial}: {out} planned the other catalogue"
            );
        }
    }
}

/// Makes `paths` unwritable for this process until dropped: `chattr +i` as root (who
/// ignores permissions), read-only modes otherwise.
struct ReadOnly(Vec<std::path::PathBuf>, bool);

impl ReadOnly {
    fn set(paths: &[std::path::PathBuf]) -> ReadOnly {
        use std::os::unix::fs::PermissionsExt;
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0"));
        for path in paths {
            if root {
                let status = std::process::Command::new("chattr")
                    .arg("+i")
                    .arg(path)
                    .status()
                    .expect("chattr runs");
                assert!(status.success(), "chattr +i {}", path.display());
            } else {
                let mode = if path.is_dir() { 0o555 } else { 0o444 };
                fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
            }
        }
        ReadOnly(paths.to_vec(), root)
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        for path in &self.0 {
            if self.1 {
                let _ = std::process::Command::new("chattr")
                    .arg("-i")
                    .arg(path)
                    .status();
            } else {
                let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o755));
            }
        }
    }
}

#[test]
fn a_read_only_database_serves_the_read_only_commands() {
    // On the target directory's disk: chattr needs a filesystem that supports it.
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let dir = work.path().join("ro");
    fs::create_dir_all(&dir).expect("mkdir");
    bakeplan(&dir)
        .args(["--now", NOW, "run"])
        .arg(fixture("sample"))
        .arg("--out")
        .arg(work.path().join("out"))
        .assert()
        .code(0);
    let db = dir.join("bakeplan.db");
    let _guard = ReadOnly::set(&[db.clone(), dir.clone()]);
    assert!(
        fs::write(dir.join("probe"), b"x").is_err(),
        "still writable"
    );
    for args in [
        &["plans", "list"][..],
        &["plans", "show", "1", "--json"],
        &["plans", "status", "winter-market"],
    ] {
        let output = bakeplan(&dir).args(args).output().expect("runs");
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    }
    let output = bakeplan(&dir)
        .args(["report", "--event", "winter-market", "--out"])
        .arg(work.path().join("from-ro"))
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        work.path()
            .join("from-ro/winter-market/plan.json")
            .is_file()
    );
    // Writing commands still fail, with exit 3 and the database named.
    let output = bakeplan(&dir)
        .arg("import")
        .arg(fixture("sample"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
}

#[test]
fn reports_are_written_with_the_modes_of_an_ordinary_file() {
    use std::os::unix::fs::PermissionsExt;
    let work = tempfile::tempdir().expect("tempdir");
    bakeplan(work.path())
        .args(["--now", NOW, "run"])
        .arg(fixture("sample"))
        .args(["--out", "out"])
        .assert()
        .success();
    let reference = work.path().join("out/reference");
    fs::File::create(&reference).expect("create");
    let mode = |path: &Path| fs::metadata(path).expect("meta").permissions().mode() & 0o777;
    for name in [
        "winter-market/plan.json",
        "run-report.json",
        "purchase-rollup.csv",
    ] {
        assert_eq!(
            mode(&work.path().join("out").join(name)),
            mode(&reference),
            "{name}"
        );
    }
}
