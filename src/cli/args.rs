//! Raw command-line arguments, as clap parses them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// When to colour terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// File format of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// YAML files, lines nested under their records.
    Yaml,
    /// Flat CSV tables plus line tables.
    Csv,
}

/// `export plans`: the plan result tables.
#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// The plan result tables (batches, ingredients and their sources, shopping, blockers,
    /// costs) as files a warehouse loads, one folder per table, partitioned by event date.
    #[command(after_help = "\
Examples:
  bakeplan export plans --out warehouse/
  bakeplan export plans --out warehouse/ --format csv --event winter-market
  duckdb -c \"SELECT * FROM read_parquet('warehouse/plan_shopping/*/*.parquet', hive_partitioning = true)\"

Writes TABLE/event_date=YYYY-MM-DD/part-0.parquet for every plan computation stored by
`run` (docs/sql.md lists the tables and their columns).")]
    Plans {
        /// Directory to write.
        #[arg(long)]
        out: PathBuf,
        /// File format.
        #[arg(long, value_enum, default_value = "parquet")]
        format: PlanTableFormat,
        /// Only this event's plans.
        #[arg(long)]
        event: Option<String>,
        /// Only events dated on or after this day (YYYY-MM-DD).
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
    },
}

/// File format of `export plans`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanTableFormat {
    /// Apache Parquet.
    Parquet,
    /// CSV with a header row.
    Csv,
}

/// bakeplan — batch planner for bakeries and event food production.
#[derive(Debug, Parser)]
#[command(name = "bakeplan", version, about, long_about = None, after_help = "\
Examples:
  bakeplan init my-bakery             write a starter catalogue to edit
  bakeplan check my-bakery            validate it, listing every problem
  bakeplan import my-bakery           load it into bakeplan.db
  bakeplan plan --all                 freeze a plan per event
  bakeplan plans show --event E       batches, shopping and verdict of an event
  bakeplan run my-bakery --out out    the nightly job: every report of every upcoming event

Exit codes: 0 ok, 1 a blocked plan (--fail-on-infeasible), a plan needing shopping\n(--fail-on-shopping) or warnings (--strict), 2 input error, 3 internal or I/O error.")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// SQLite database file.
    #[arg(
        long,
        global = true,
        env = "BAKEPLAN_DB",
        default_value = "bakeplan.db"
    )]
    pub db: PathBuf,
    /// Fixed clock: an RFC 3339 timestamp or a date (YYYY-MM-DD).
    #[arg(long, global = true, value_name = "TIME")]
    pub now: Option<String>,
    /// Only print errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More log output (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Colour output.
    #[arg(long, global = true, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Largest catalogue file accepted, in bytes.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = bakeplan::catalog::tree::DEFAULT_MAX_FILE_BYTES)]
    pub max_file_size: u64,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a catalogue directory and print every problem.
    #[command(after_help = "\
Examples:
  bakeplan check fixtures/sample
  bakeplan check fixtures/sample --json | jq '.[].message'

Exit code 2 when the catalogue has any error.")]
    Check {
        /// Catalogue directory.
        dir: PathBuf,
        /// Print the problems as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Check a catalogue and make the database's live tables equal to it.
    #[command(after_help = "\
Examples:
  bakeplan import fixtures/sample
  bakeplan --db /var/lib/bakery/plan.db import catalogue/

Nothing is written when the catalogue has an error or nothing changed. An import that
would remove more than half of the live records (a mistyped or empty directory) is refused
unless --prune is given.")]
    Import {
        /// Catalogue directory.
        dir: PathBuf,
        /// Allow removing more than half of the live records.
        #[arg(long)]
        prune: bool,
    },
    /// Write the database's live tables back out as a catalogue directory (or, with
    /// `plans`, the stored plan results as tables for a warehouse).
    #[command(
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true,
        after_help = "\
Examples:
  bakeplan export --out backup/
  bakeplan export --out sheets/ --format csv
  bakeplan export plans --out warehouse/ --since 2026-12-01

Importing the export reproduces the same database."
    )]
    Export {
        /// What else to export.
        #[command(subcommand)]
        what: Option<ExportWhat>,
        /// Directory to write.
        #[arg(long, required = true)]
        out: Option<PathBuf>,
        /// File format.
        #[arg(long, value_enum, default_value = "yaml")]
        format: ExportFormat,
    },
    /// Freeze the plan of an event (or of every event) from the database.
    #[command(after_help = "\
Examples:
  bakeplan plan holiday-gift-boxes
  bakeplan plan --all --now 2026-12-01
  bakeplan plan winter-market --force

An event whose inputs are unchanged since its latest plan reuses that plan.")]
    Plan {
        /// Event slug.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        event: Option<String>,
        /// Every event in the database.
        #[arg(long)]
        all: bool,
        /// Freeze a new plan even when the inputs are unchanged.
        #[arg(long)]
        force: bool,
    },
    /// List, show, compare, check and delete frozen plans; move a plan through its states.
    Plans {
        #[command(subcommand)]
        command: PlansCommand,
    },
    /// Record what happened in the kitchen against an event's plan (the journal).
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "\
Examples:
  bakeplan record production winter-market --recipe gingerbread-people --batches 4
  bakeplan record production winter-market --recipe macarons --batches 1 --yield 30 --loss-reason \"cracked shells\"
  bakeplan record assembly holiday-gift-boxes --bundle cookie-tin --qty 12
  bakeplan record purchase --ingredient flour-ap --qty \"50 lb\" --cost 32.50
  bakeplan record shopping-done winter-market
  bakeplan record --file today.csv

A file holds rows with `kind` (production, assembly, purchase), `event` and the options
above as columns (CSV) or keys (YAML); it is recorded all or nothing."
    )]
    Record {
        /// A CSV or YAML file of entries, recorded all or nothing.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        #[command(subcommand)]
        what: Option<RecordCommand>,
    },
    /// Progress of an event: batches made, bundles packed, what can be packed now.
    #[command(
        after_help = "Examples:\n  bakeplan progress winter-market\n  bakeplan progress winter-market --json | jq .overall_pct"
    )]
    Progress {
        /// Event slug.
        event: String,
        /// Print the progress as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// The nightly job: check, import, freeze every upcoming event, compute, render every report.
    #[command(after_help = "\
Examples:
  bakeplan run fixtures/sample --out out
  bakeplan --now 2026-12-01 run fixtures/sample --out out --all --fail-on-infeasible
  bakeplan run catalogue/ --out /srv/reports --reports my-reports/ --strict

Writes one folder per event (shopping-list.csv, production-sheet.html, assembly-sheet.html,
plan-summary.md, plan.json), purchase-rollup.csv and run-report.json. Reruns with the same
catalogue and --now write the same bytes.")]
    Run {
        /// Catalogue directory.
        dir: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Only this event.
        #[arg(long, conflicts_with = "all")]
        event: Option<String>,
        /// Every event, also past ones.
        #[arg(long)]
        all: bool,
        /// Extra or overriding reports (reports/*.yaml, templates/*).
        #[arg(long, value_name = "DIR")]
        reports: Option<PathBuf>,
        /// Only these reports (repeatable).
        #[arg(long = "report", value_name = "NAME")]
        report: Vec<String>,
        /// Exit 1 when any plan has warnings.
        #[arg(long)]
        strict: bool,
        /// Exit 1 when any event is blocked: something buying cannot fix.
        #[arg(long)]
        fail_on_infeasible: bool,
        /// Exit 1 when any event needs shopping or is blocked.
        #[arg(long)]
        fail_on_shopping: bool,
        /// Allow the import to remove more than half of the live records.
        #[arg(long)]
        prune: bool,
        /// Plan only shard I of N (0 ≤ I < N): events are split by a hash of their slug,
        /// so N runs with 0/N … N−1/N plan each event once (docs/scale-out.md).
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
    },
    /// Render reports of a frozen plan.
    #[command(after_help = "\
Examples:
  bakeplan report --event winter-market --out out
  bakeplan report --plan 3 --report shopping-list --out out
  bakeplan report --event winter-market --reports my-reports --report supplier-orders --out out")]
    Report {
        /// Plan id.
        #[arg(long, conflicts_with = "event", required_unless_present = "event")]
        plan: Option<i64>,
        /// The latest plan of this event.
        #[arg(long)]
        event: Option<String>,
        /// Only these reports (repeatable).
        #[arg(long = "report", value_name = "NAME")]
        report: Vec<String>,
        /// Extra or overriding reports.
        #[arg(long, value_name = "DIR")]
        reports: Option<PathBuf>,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
    /// Built-in and user reports.
    Reports {
        #[command(subcommand)]
        command: ReportsCommand,
    },
    /// Print a shell completion script.
    #[command(after_help = "\
Examples:
  bakeplan completions bash > ~/.local/share/bash-completion/completions/bakeplan
  bakeplan completions zsh > ~/.zfunc/_bakeplan
  bakeplan completions fish > ~/.config/fish/completions/bakeplan.fish")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command into a directory.
    #[command(after_help = "\
Examples:
  bakeplan man | man -l -
  bakeplan man --out /usr/local/share/man/man1")]
    Man {
        /// Write bakeplan.1 and a page per subcommand here instead.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Write a small, realistic starter catalogue to edit.
    #[command(after_help = "\
Examples:
  bakeplan init my-bakery && bakeplan check my-bakery")]
    Init {
        /// Directory to create (must be empty or absent).
        dir: PathBuf,
    },
}

/// `record` subcommands.
#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// Batches of a recipe made.
    Production {
        /// Event slug.
        event: String,
        /// Recipe slug (one the event's plan makes).
        #[arg(long)]
        recipe: String,
        /// Batches made (fractions allowed: 0.5, 1/2).
        #[arg(long, allow_negative_numbers = true)]
        batches: String,
        /// Units that came out (default: the plan's count for these batches).
        #[arg(long = "yield", value_name = "N")]
        actual_yield: Option<u64>,
        /// Why fewer came out.
        #[arg(long)]
        loss_reason: Option<String>,
        /// When (RFC 3339 or a date; default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// Bundles packed.
    Assembly {
        /// Event slug.
        event: String,
        /// Bundle slug (one the event's plan assembles).
        #[arg(long)]
        bundle: String,
        /// How many.
        #[arg(long)]
        qty: u64,
        /// When (default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// An ingredient or packaging material bought.
    Purchase {
        /// Ingredient slug.
        #[arg(
            long,
            required_unless_present = "material",
            conflicts_with = "material"
        )]
        ingredient: Option<String>,
        /// Material slug.
        #[arg(long)]
        material: Option<String>,
        /// Amount with its unit: "10 lb", "2 each".
        #[arg(long)]
        qty: String,
        /// What it cost.
        #[arg(long)]
        cost: Option<String>,
        /// The event it was bought for.
        #[arg(long)]
        event: Option<String>,
        /// When (default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// The event's current to-buy list, bought (in whole packs).
    ShoppingDone {
        /// Event slug.
        event: String,
        /// When (default: now).
        #[arg(long)]
        at: Option<String>,
    },
}

/// `bakeplan plans …` subcommands.
#[derive(Debug, Subcommand)]
pub enum PlansCommand {
    /// List plans, newest first.
    #[command(
        after_help = "Examples:\n  bakeplan plans list\n  bakeplan plans list --event winter-market\n  bakeplan plans list --json | jq '.[0].id'"
    )]
    List {
        /// Only this event's plans.
        #[arg(long)]
        event: Option<String>,
        /// Print the plans as a JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Compute and show a plan.
    #[command(
        after_help = "Examples:\n  bakeplan plans show 3\n  bakeplan plans show --event winter-market --json > plan.json"
    )]
    Show {
        /// Plan id.
        #[arg(required_unless_present = "event", conflicts_with = "event")]
        id: Option<i64>,
        /// The latest plan of this event.
        #[arg(long)]
        event: Option<String>,
        /// Print the PlanResult JSON (the report context) on stdout; with `--stored`, the
        /// stored result rows of every computation of the plan.
        #[arg(long)]
        json: bool,
        /// Show what is stored in the plan result tables, not a fresh computation (the
        /// default when the plan has stored results and `--json` is not given).
        #[arg(long, conflicts_with = "recompute")]
        stored: bool,
        /// Compute the plan now with this engine, even when results are stored.
        #[arg(long)]
        recompute: bool,
    },
    /// Compare two plans: targets, batches, ingredients, shopping, assembly, feasibility.
    #[command(after_help = "Examples:\n  bakeplan plans diff 3 5")]
    Diff {
        /// Older plan id.
        a: i64,
        /// Newer plan id.
        b: i64,
        /// Print `{a, b, same, changes: [{section, key, kind, field, old, new}]}` on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Whether the latest plan of an event is current, and what changed if not.
    #[command(
        after_help = "Examples:\n  bakeplan plans status holiday-gift-boxes\n\nExit code 1 when the plan is stale or missing."
    )]
    Status {
        /// Event slug.
        event: String,
        /// Print `{event, status, plan, changes}` on stdout (status: current, stale, no-plan).
        #[arg(long)]
        json: bool,
    },
    /// Lock an event's plan: agreed, not yet in production (draft → locked).
    Lock {
        /// Event slug.
        event: String,
    },
    /// Start production: the plan is kept until `plans amend` (draft/locked → in_production).
    Start {
        /// Event slug.
        event: String,
    },
    /// Apply catalogue changes to an event in production: freeze a new plan, with a reason.
    #[command(
        after_help = "Examples:\n  bakeplan plans amend winter-market --reason \"extra order of 48 cookies\"\n\nRefused when the new plan would make fewer batches of a recipe than were already made."
    )]
    Amend {
        /// Event slug.
        event: String,
        /// Why the plan changes (required).
        #[arg(long)]
        reason: String,
    },
    /// Mark an event's production complete (in_production → completed).
    Complete {
        /// Event slug.
        event: String,
    },
    /// Delete a plan and its snapshot.
    #[command(after_help = "Examples:\n  bakeplan plans delete 3")]
    Delete {
        /// Plan id.
        id: i64,
    },
}

/// `reports` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// List reports with their descriptions and where they come from.
    #[command(
        after_help = "Examples:\n  bakeplan reports list\n  bakeplan reports list --reports my-reports"
    )]
    List {
        /// Extra or overriding reports.
        #[arg(long, value_name = "DIR")]
        reports: Option<PathBuf>,
    },
}
