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

/// A cron job: the run owns the files it wrote in `--out` (an event it no longer plans
/// loses its folder; the baker's own file stays), and `run-report.json` is written on
/// every outcome with a status, an exit code and structured errors or blockers.
#[test]
fn the_run_owns_its_output_and_always_reports() {
    let work = tempfile::tempdir().expect("tempdir");
    let catalogue = work.path().join("catalogue");
    super::copy_fixture("starter", &catalogue);
    let events = catalogue.join("events.yaml");
    let original = std::fs::read_to_string(&events).expect("events");
    std::fs::write(
        &events,
        format!(
            "{original}- {{slug: spring-fair, name: Spring fair, date: 2027-03-20, targets: [{{item: chocolate-chip-cookie, qty: 24}}]}}\n"
        ),
    )
    .expect("write");
    let out = work.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("notes.txt"), "mine").expect("write");
    let run = |now: &str| {
        bakeplan(work.path())
            .args(["--now", now, "run", "catalogue", "--out", "out"])
            .output()
            .expect("runs")
    };
    let report = || -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(out.join("run-report.json")).expect("report"))
            .expect("json")
    };
    assert!(run("2026-12-01").status.success());
    assert!(out.join("spring-fair/plan.json").is_file());
    let first = report();
    assert_eq!(first["version"], 4);
    assert_eq!(first["status"], "needs-shopping");
    assert_eq!(first["events"][0]["verdict"], "needs-shopping");
    assert_eq!(first["exit_code"], 0);
    assert_eq!(first["catalogue"], "catalogue");
    assert!(first["import"]["tables"]["recipes"]["added"].as_u64() > Some(0));
    assert!(first["events"][0]["blockers"][0]["kind"].is_string());

    // Bad input: exit 2, the report says why, the earlier files stay until a good run.
    std::fs::write(&events, original.replace("2026-12-19", "19/12/2026")).expect("write");
    let output = run("2027-01-10");
    assert_eq!(output.status.code(), Some(2));
    let failed = report();
    assert_eq!(failed["status"], "input-error");
    assert_eq!(failed["exit_code"], 2);
    assert_eq!(failed["errors"][0]["code"], "bad-date");
    assert_eq!(failed["errors"][0]["line"], 3);
    assert!(out.join("spring-fair/plan.json").is_file());

    // The spring fair is gone from the catalogue and the holiday sale is past: both
    // folders go, the baker's note stays.
    std::fs::write(&events, &original).expect("write");
    let output = run("2027-01-10");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("skipped 1 past event"), "{stderr}");
    let last = report();
    assert_eq!(last["skipped"][0]["event"], "holiday-sale");
    assert_eq!(last["skipped"][0]["reason"], "past");
    assert!(!out.join("spring-fair").exists());
    assert!(!out.join("holiday-sale").exists());
    assert!(
        last["removed_files"]
            .as_array()
            .is_some_and(|r| r.len() >= 10)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).expect("note"),
        "mine"
    );
}

/// `-v` logs are plain text when stderr is not a terminal, whatever `--color` says short of
/// `always`.
#[test]
fn logs_carry_no_escape_codes_off_a_terminal() {
    let work = tempfile::tempdir().expect("tempdir");
    for color in ["auto", "never"] {
        let output = bakeplan(work.path())
            .env_remove("NO_COLOR")
            .args(["-v", "--color", color, "--now", "2026-12-01", "run"])
            .arg(fixture("sample"))
            .args(["--out", "out"])
            .output()
            .expect("runs");
        assert!(output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("INFO"), "{stderr}");
        assert!(
            !stderr.contains('\u{1b}'),
            "escape codes with --color {color}"
        );
    }
}

/// `--shard I/N` runs together plan exactly the events of one unsharded run, each once,
/// with the same plans (input hashes and every computed section).
#[test]
fn shards_together_plan_what_one_run_plans() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalogue = dir.path().join("catalogue");
    super::copy_fixture("sample", &catalogue);
    let events = catalogue.join("events.yaml");
    let mut text = std::fs::read_to_string(&events).expect("events");
    for n in 0..10 {
        text.push_str(&format!(
            "- slug: market-{n}\n  name: Market {n}\n  date: 2026-12-{:02}\n  targets:\n    - {{item: chocolate-chip-cookie, qty: {}}}\n    - {{bundle: macaron-box, qty: {}}}\n",
            10 + n,
            24 * (n + 1),
            n + 1
        ));
    }
    std::fs::write(&events, text).expect("write");
    let run = |name: &str, shard: Option<&str>| -> serde_json::Value {
        let sub = dir.path().join(name);
        std::fs::create_dir_all(&sub).expect("mkdir");
        let mut cmd = bakeplan(&sub);
        cmd.args(["-q", "--now", "2026-12-01", "run"])
            .arg(&catalogue)
            .args(["--out", "out"]);
        if let Some(shard) = shard {
            cmd.args(["--shard", shard]);
        }
        let output = cmd.output().expect("runs");
        assert!(output.status.code().is_some_and(|c| c <= 1), "{output:?}");
        serde_json::from_str(
            &std::fs::read_to_string(sub.join("out/run-report.json")).expect("report"),
        )
        .expect("json")
    };
    let plan = |name: &str, event: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(
            dir.path()
                .join(name)
                .join("out")
                .join(event)
                .join("plan.json"),
        )
        .expect("plan.json");
        let mut plan: serde_json::Value = serde_json::from_str(&text).expect("json");
        // Plan ids and freeze times belong to each database; the rest must agree.
        let meta = plan["plan"].as_object_mut().expect("plan meta");
        meta.remove("id");
        meta.remove("created_at");
        plan
    };
    let whole = run("whole", None);
    let slugs = |report: &serde_json::Value| -> Vec<String> {
        report["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["event"].as_str().expect("slug").to_owned())
            .collect()
    };
    let mut all = slugs(&whole);
    all.sort();
    assert_eq!(all.len(), 12);
    let mut seen = Vec::new();
    for i in 0..3 {
        let name = format!("shard-{i}");
        let report = run(&name, Some(&format!("{i}/3")));
        assert_eq!(report["shard"], serde_json::json!({"index": i, "count": 3}));
        for event in slugs(&report) {
            assert_eq!(plan(&name, &event), plan("whole", &event), "{event}");
            seen.push(event);
        }
    }
    seen.sort();
    assert_eq!(seen, all, "every event in exactly one shard");
    let bad = bakeplan(dir.path())
        .args(["run", "catalogue", "--out", "x", "--shard", "3/3"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("counted from 0"));
}
