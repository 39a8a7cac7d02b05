//! `run-report.json`: what a night did, for the operator and for `jq` (docs/run-report.md).
//!
//! Written on every outcome — success, infeasible plans, bad input, failure — so a cron job
//! can always read one file to learn what happened and why it exited as it did.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::catalog::Diagnostic;
use crate::plan::kinds::Verdict;
use crate::plan::result::Blocker;
use crate::store::ImportSummary;

/// Layout version of `run-report.json`.
pub const RUN_REPORT_VERSION: u32 = 4;

/// Blockers listed per event in `run-report.json`; plan.json lists every one. (A chain
/// event can have thousands: listing them all made the report hundreds of megabytes, held
/// in memory until the run ends.)
pub const BLOCKERS_LISTED: usize = 100;

/// The verdict of a run; decides the exit code together with the run's `--strict` and
/// `--fail-on-infeasible` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    /// Every plan ready, no warnings.
    Ok,
    /// Every plan ready; some have warnings.
    Warnings,
    /// No plan blocked; some need shopping (the shopping list fixes them).
    NeedsShopping,
    /// At least one plan is blocked: something buying cannot fix.
    Infeasible,
    /// The catalogue or a report was wrong; nothing was imported (exit 2).
    InputError,
    /// The database, a computation or a write failed (exit 3).
    Failed,
}

/// When a run exits non-zero for plans that were made (`--fail-on-infeasible`, `--strict`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailOn {
    /// Exit 1 when any plan is blocked (`--fail-on-infeasible`).
    pub infeasible: bool,
    /// Exit 1 when any plan needs shopping or is blocked (`--fail-on-shopping`).
    pub shopping: bool,
    /// Exit 1 when any plan has warnings or is blocked (`--strict`).
    pub warnings: bool,
}

impl RunStatus {
    /// The process exit code of a run that stopped with this status (2 or 3), or of a run
    /// whose only finding is this status.
    pub fn exit_code(self, fail_on: FailOn) -> u8 {
        match self {
            RunStatus::Ok => 0,
            RunStatus::Warnings => u8::from(fail_on.warnings),
            RunStatus::NeedsShopping => u8::from(fail_on.shopping),
            RunStatus::Infeasible => {
                u8::from(fail_on.infeasible || fail_on.shopping || fail_on.warnings)
            }
            RunStatus::InputError => 2,
            RunStatus::Failed => 3,
        }
    }
}

/// Per-event outcome of a run.
#[derive(Debug, Clone, Serialize)]
pub struct EventReport {
    /// Event slug.
    pub event: String,
    /// Event name.
    pub name: String,
    /// Event date.
    pub date: chrono::NaiveDate,
    /// The plan used.
    pub plan_id: i64,
    /// Its results in the plan result tables (`plan_computations.id`).
    pub computation_id: i64,
    /// Whether the plan was reused (inputs unchanged, or held in production).
    pub reused: bool,
    /// The event is in production: its plan is kept until `plans amend`.
    pub held: bool,
    /// Hash of the plan's inputs.
    pub input_hash: String,
    /// Whether everything is on hand (`verdict` ready).
    pub feasible: bool,
    /// `ready`, `needs-shopping` or `blocked`, as plan.json's `feasibility.status`.
    pub verdict: Verdict,
    /// Sizes of the plan.
    pub counts: BTreeMap<&'static str, usize>,
    /// Warnings of the plan.
    pub warnings: Vec<String>,
    /// The first `BLOCKERS_LISTED` (100) blockers, as in plan.json's `feasibility.blockers`.
    pub blockers: Vec<Blocker>,
    /// Blockers not listed in `blockers` (`counts.blockers` is how many there are).
    pub blockers_omitted: usize,
    /// Files written for it, relative to the output directory.
    pub files: Vec<String>,
    /// Milliseconds spent computing and rendering it.
    pub timings_ms: BTreeMap<&'static str, f64>,
}

/// Why an event of the catalogue was not planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Event slug.
    pub event: String,
    /// Event date.
    pub date: chrono::NaiveDate,
    /// Why: `past` (dated before the run's day; `--all` plans it).
    pub reason: SkipReason,
}

/// Why an event was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Dated before the run's day.
    Past,
    /// Not the event asked for with `--event`.
    NotSelected,
}

/// What a run did; written as `run-report.json`.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Layout version ([`RUN_REPORT_VERSION`]).
    pub version: u32,
    /// The verdict.
    pub status: RunStatus,
    /// The process exit code.
    pub exit_code: u8,
    /// Engine version.
    pub engine_version: &'static str,
    /// The run's clock.
    pub now: String,
    /// Catalogue directory, relative to the working directory when inside it.
    pub catalogue: String,
    /// Database file, likewise.
    pub database: String,
    /// Output directory, likewise.
    pub out: String,
    /// What the import changed (empty when nothing was imported).
    pub import: ImportSummary,
    /// One entry per planned event, date order.
    pub events: Vec<EventReport>,
    /// Events of the catalogue not planned, and why.
    pub skipped: Vec<Skipped>,
    /// Files written for the whole run.
    pub run_files: Vec<String>,
    /// Files an earlier run wrote that this run no longer produces, removed.
    pub removed_files: Vec<String>,
    /// When the run stopped: the files an earlier run wrote, left in place (the next
    /// successful run removes those it does not write again).
    pub earlier_files: Vec<String>,
    /// The input errors, as `check --json` prints them (status `input-error`).
    pub errors: Vec<Diagnostic>,
    /// What failed (status `failed`, or a report that could not be rendered).
    pub failure: Option<String>,
    /// Milliseconds per stage.
    pub timings_ms: BTreeMap<&'static str, f64>,
    /// The shard this run planned (`--shard`); `events` and `skipped` hold only its events.
    pub shard: Option<super::Shard>,
    /// Plans whose results this run stored (the others were stored by an earlier run: same
    /// plan, engine and kitchen work).
    pub stored_results: usize,
    /// What makes the run exit 1 (set when the plans are concluded).
    #[serde(skip)]
    fail_on: FailOn,
}

impl RunReport {
    /// An empty report of a run that has not got far yet.
    pub(super) fn started(now: String, paths: [&Path; 3]) -> RunReport {
        let [catalogue, database, out] = paths.map(relative);
        RunReport {
            version: RUN_REPORT_VERSION,
            status: RunStatus::Ok,
            exit_code: 0,
            engine_version: crate::plan::ENGINE_VERSION,
            now,
            catalogue,
            database,
            out,
            import: ImportSummary::default(),
            events: Vec::new(),
            skipped: Vec::new(),
            run_files: Vec::new(),
            removed_files: Vec::new(),
            earlier_files: Vec::new(),
            errors: Vec::new(),
            failure: None,
            timings_ms: BTreeMap::new(),
            shard: None,
            stored_results: 0,
            fail_on: FailOn::default(),
        }
    }

    /// Whether any planned event is blocked.
    pub fn any_infeasible(&self) -> bool {
        self.events.iter().any(|e| e.verdict == Verdict::Blocked)
    }

    /// Whether any planned event needs shopping (and none is blocked).
    fn any_shopping(&self) -> bool {
        self.events
            .iter()
            .any(|e| e.verdict == Verdict::NeedsShopping)
    }

    /// Whether any plan has warnings.
    pub fn any_warnings(&self) -> bool {
        self.events.iter().any(|e| !e.warnings.is_empty())
    }

    /// Sets the verdict of a run whose plans were all made.
    pub(super) fn conclude(&mut self, fail_on: FailOn) {
        self.status = if self.any_infeasible() {
            RunStatus::Infeasible
        } else if self.any_shopping() {
            RunStatus::NeedsShopping
        } else if self.any_warnings() {
            RunStatus::Warnings
        } else {
            RunStatus::Ok
        };
        self.fail_on = fail_on;
        // Warnings under a needs-shopping status still fail a --strict run.
        let strict_warnings = fail_on.warnings && self.any_warnings();
        self.exit_code = self
            .status
            .exit_code(fail_on)
            .max(u8::from(strict_warnings));
    }

    /// Sets the verdict of a run that stopped.
    pub(super) fn stopped(&mut self, status: RunStatus) {
        self.status = status;
        self.exit_code = status.exit_code(FailOn::default());
    }

    /// One line saying why the run exits non-zero (printed even with `-q`); `None` on 0.
    pub fn exit_reason(&self) -> Option<String> {
        if self.exit_code == 0 {
            return None;
        }
        let names = |pick: &dyn Fn(&EventReport) -> bool| {
            let chosen: Vec<&str> = self
                .events
                .iter()
                .filter(|e| pick(e))
                .map(|e| e.event.as_str())
                .collect();
            (chosen.len(), chosen.join(", "))
        };
        let blocked = || {
            let (n, list) = names(&|e| e.verdict == Verdict::Blocked);
            format!(
                "{} blocked ({list}): buying cannot fix {}; exit 1",
                plural(n, "plan is", "plans are"),
                if n == 1 { "it" } else { "them" }
            )
        };
        Some(match self.status {
            RunStatus::Infeasible => blocked(),
            RunStatus::NeedsShopping if self.fail_on.shopping => {
                let (n, list) = names(&|e| e.verdict == Verdict::NeedsShopping);
                format!(
                    "{} shopping ({list}); exit 1 because of --fail-on-shopping",
                    plural(n, "plan needs", "plans need")
                )
            }
            RunStatus::Warnings | RunStatus::NeedsShopping => {
                let (n, list) = names(&|e| !e.warnings.is_empty());
                format!(
                    "{} warnings ({list}); exit 1 because of --strict",
                    plural(n, "plan has", "plans have")
                )
            }
            RunStatus::InputError => match &self.failure {
                Some(failure) => format!("{failure}; nothing was imported"),
                None => format!(
                    "{}; nothing was imported",
                    plural(self.errors.len().max(1), "input error", "input errors")
                ),
            },
            _ => self
                .failure
                .clone()
                .unwrap_or_else(|| "the run failed".into()),
        })
    }
}

/// `1 plan is`, `3 plans are`: a count with the right form of its words.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A path as the operator gave it, or relative to the working directory when it is an
/// absolute path inside it, so the report is the same in every checkout.
fn relative(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .map(|p| {
            if p.as_os_str().is_empty() {
                ".".to_owned()
            } else {
                p.display().to_string()
            }
        })
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_verdict_and_the_flags() {
        let strict = FailOn {
            warnings: true,
            ..FailOn::default()
        };
        let fail = FailOn {
            infeasible: true,
            ..FailOn::default()
        };
        let shopping = FailOn {
            shopping: true,
            ..FailOn::default()
        };
        assert_eq!(RunStatus::NeedsShopping.exit_code(fail), 0);
        assert_eq!(RunStatus::NeedsShopping.exit_code(strict), 0);
        assert_eq!(RunStatus::NeedsShopping.exit_code(shopping), 1);
        assert_eq!(RunStatus::Infeasible.exit_code(shopping), 1);
        assert_eq!(RunStatus::Warnings.exit_code(shopping), 0);
        assert_eq!(RunStatus::Ok.exit_code(strict), 0);
        assert_eq!(RunStatus::Warnings.exit_code(FailOn::default()), 0);
        assert_eq!(RunStatus::Warnings.exit_code(strict), 1);
        assert_eq!(RunStatus::Warnings.exit_code(fail), 0);
        assert_eq!(RunStatus::Infeasible.exit_code(FailOn::default()), 0);
        assert_eq!(RunStatus::Infeasible.exit_code(fail), 1);
        assert_eq!(RunStatus::Infeasible.exit_code(strict), 1);
        assert_eq!(RunStatus::InputError.exit_code(fail), 2);
        assert_eq!(RunStatus::Failed.exit_code(fail), 3);
    }

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "plan is", "plans are"), "1 plan is");
        assert_eq!(plural(2, "plan is", "plans are"), "2 plans are");
    }
}
