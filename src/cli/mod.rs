//! The command line: parse arguments, call the library, print results, choose exit codes.
//!
//! This is the only place that prints. Each command returns `Result<(), Failure>`; the
//! failure kind decides the exit code (SPEC §6).

// The command line is where output is allowed to happen.
#![allow(clippy::print_stdout, clippy::print_stderr)]

/// `println!` with control characters in the text spelled out (see [`safe::clean`]); a
/// closed pipe (`bakeplan plans list | head -1`) ends the output quietly, not in a panic.
macro_rules! outln {
    ($($arg:tt)*) => {
        crate::cli::safe::out_line(&crate::cli::safe::clean(&format!($($arg)*)))
    };
}

/// `eprintln!` with control characters in the text spelled out.
macro_rules! errln {
    ($($arg:tt)*) => {
        crate::cli::safe::err_line(&crate::cli::safe::clean(&format!($($arg)*)))
    };
}

pub mod args;
mod kitchen;
mod plans;
mod render;
mod run;
mod safe;
mod show;

use std::path::Path;
use std::process::ExitCode;

use bakeplan::catalog::{self, Diagnostic, LoadOptions};
use bakeplan::store::{Store, StoreError, journal};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use args::{Cli, Command, GlobalArgs};
use render::Style;

/// Why a command did not succeed.
pub(crate) enum Failure {
    /// Bad catalogue input: exit 2.
    Input(Vec<Diagnostic>, std::path::PathBuf),
    /// Bad arguments: exit 2.
    Usage(String),
    /// Anything else: exit 3.
    Internal(String),
    /// A run ended with this exit code for this reason (printed even with `-q`).
    Exit(u8, String),
    /// Already reported (e.g. as JSON on stdout): exit with this code.
    Reported(u8),
    /// A report manifest or template is wrong: exit 2.
    Report(bakeplan::report::ReportError),
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UnknownEvent { .. }
            | StoreError::UnknownPlan(_)
            | StoreError::PlanInUse(_)
            | StoreError::WouldPrune { .. }
            | StoreError::NoFolder { .. } => Failure::Usage(error.to_string()),
            other => Failure::Internal(other.to_string()),
        }
    }
}

macro_rules! internal_failures {
    ($($error:ty),*) => {$(
        impl From<$error> for Failure {
            fn from(error: $error) -> Self {
                Failure::Internal(error.to_string())
            }
        }
    )*};
}
internal_failures!(std::io::Error, serde_json::Error, bakeplan::plan::PlanError);

/// Resolved global settings.
pub(crate) struct Context {
    style: Style,
    quiet: bool,
    pub(crate) now: DateTime<Utc>,
    pub(crate) load: LoadOptions,
}

impl Context {
    fn new(global: &GlobalArgs) -> Result<Context, Failure> {
        let now = match &global.now {
            None => Utc::now(),
            Some(text) => parse_now(text).ok_or_else(|| {
                Failure::Usage(format!(
                    "--now {text:?} is neither an RFC 3339 timestamp nor a date (YYYY-MM-DD)"
                ))
            })?,
        };
        Ok(Context {
            style: Style::detect(global.color),
            quiet: global.quiet,
            now,
            load: LoadOptions {
                max_file_bytes: global.max_file_size,
            },
        })
    }

    pub(crate) fn now_text(&self) -> String {
        self.now.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// Whether progress bars can be drawn (a terminal, not `-q`).
    pub(crate) fn interactive(&self) -> bool {
        !self.quiet && matches!(self.style, Style::Snippet { .. })
    }

    /// Progress and summaries go to stderr unless `-q`.
    pub(crate) fn say(&self, text: &str) {
        if !self.quiet {
            errln!("{text}");
        }
    }
}

pub(crate) fn parse_now(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    init_logging(&cli.global);
    let result = Context::new(&cli.global).and_then(|ctx| dispatch(&ctx, &cli));
    exit(result, Style::detect(cli.global.color))
}

/// Runs the command of `cli`.
fn dispatch(ctx: &Context, cli: &Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Check { dir, json } => check(ctx, dir, *json),
        Command::Import { dir, prune } => import(ctx, &cli.global.db, dir, *prune),
        Command::Init { dir } => init(ctx, dir),
        Command::Export {
            what:
                Some(args::ExportWhat::Plans {
                    out,
                    format,
                    event,
                    since,
                }),
            ..
        } => export_plans(ctx, &cli.global.db, out, *format, event, *since),
        Command::Export {
            what: None,
            out,
            format,
        } => match out {
            Some(out) => export(ctx, &cli.global.db, out, *format),
            None => Err(Failure::Usage("give --out DIR".to_owned())),
        },
        Command::Plan { event, all, force } => {
            plans::plan(ctx, &cli.global.db, event.as_deref(), *all, *force)
        }
        Command::Plans { command } => plans::plans(ctx, &cli.global.db, command),
        Command::Record { file, what } => {
            kitchen::record(ctx, &cli.global.db, file.as_deref(), what.as_ref())
        }
        Command::Progress { event, json } => kitchen::show_progress(&cli.global.db, event, *json),
        Command::Run {
            dir,
            out,
            event,
            all,
            reports,
            report,
            strict,
            fail_on_infeasible,
            fail_on_shopping,
            prune,
            shard,
        } => run::run(
            ctx,
            &cli.global.db,
            run::RunArgs {
                dir,
                out,
                event: event.as_deref(),
                all: *all,
                reports: reports.as_deref(),
                report,
                strict: *strict,
                fail_on_infeasible: *fail_on_infeasible,
                fail_on_shopping: *fail_on_shopping,
                prune: *prune,
                shard: shard.as_deref(),
            },
        ),
        Command::Report {
            plan,
            event,
            report,
            reports,
            out,
        } => run::report(
            ctx,
            &cli.global.db,
            *plan,
            event.as_deref(),
            report,
            reports.as_deref(),
            out,
        ),
        Command::Reports {
            command: args::ReportsCommand::List { reports },
        } => run::list_reports(reports.as_deref()),
        Command::Completions { shell } => completions(*shell),
        Command::Man { out } => man(out.as_deref()),
    }
}

/// The exit code of a command's result (SPEC §6), its error printed first.
fn exit(result: Result<(), Failure>, style: Style) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(diagnostics, dir)) => {
            safe::err_bytes(render::render(&diagnostics, &dir, style).as_bytes());
            ExitCode::from(2)
        }
        Err(Failure::Usage(message)) => {
            errln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Internal(message)) => {
            errln!("error: {message}");
            ExitCode::from(3)
        }
        Err(Failure::Reported(code)) => ExitCode::from(code),
        Err(Failure::Exit(code, reason)) => {
            errln!("bakeplan: {reason}");
            ExitCode::from(code)
        }
        Err(Failure::Report(error)) => {
            for diagnostic in &error.0 {
                errln!("error: {diagnostic}");
            }
            ExitCode::from(2)
        }
    }
}

fn init_logging(global: &GlobalArgs) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (_, 0) => "warn",
        (_, 1) => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("BAKEPLAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // Colour codes only on a terminal that allows colour (or `--color always`): a log file
    // or a cron mail must read as plain text.
    let ansi = matches!(Style::detect(global.color), Style::Snippet { color: true });
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(ansi)
        .try_init();
    // Fails only when a subscriber is already installed (tests running `run` twice in one
    // process); the first one keeps logging.
    drop(installed);
}

fn load(ctx: &Context, dir: &Path) -> Result<catalog::Loaded, Failure> {
    bakeplan::check(dir, ctx.load)
        .map_err(|diagnostics| Failure::Input(diagnostics, dir.to_owned()))
}

fn check(ctx: &Context, dir: &Path, json: bool) -> Result<(), Failure> {
    let result = bakeplan::check(dir, ctx.load);
    if json {
        let diagnostics = result.as_ref().err().cloned().unwrap_or_default();
        safe::out_line(&safe::json(serde_json::to_string_pretty(&diagnostics)?));
        return if diagnostics.is_empty() {
            Ok(())
        } else {
            Err(Failure::Reported(2))
        };
    }
    let loaded = result.map_err(|diagnostics| Failure::Input(diagnostics, dir.to_owned()))?;
    let c = &loaded.catalog;
    ctx.say(&format!(
        "{}: ok — {} ingredients, {} materials, {} products, {} stock rows, {} recipes, {} bundles, {} events ({} files)",
        dir.display(),
        c.ingredients.len(),
        c.materials.len(),
        c.products.len(),
        c.inventory.len(),
        c.recipes.len(),
        c.bundles.len(),
        c.events.len(),
        loaded.files.len()
    ));
    Ok(())
}

fn import(ctx: &Context, db: &Path, dir: &Path, prune: bool) -> Result<(), Failure> {
    let loaded = load(ctx, dir)?;
    let mut store = Store::open(db)?;
    let summary =
        bakeplan::store::import(store.conn_mut(), &loaded.catalog, &ctx.now_text(), prune)?;
    let mut lines = vec![format!(
        "{:<12} {:>6} {:>8} {:>8} {:>10}",
        "table", "added", "changed", "removed", "unchanged"
    )];
    for (table, c) in &summary.tables {
        lines.push(format!(
            "{table:<12} {:>6} {:>8} {:>8} {:>10}",
            c.added, c.changed, c.removed, c.unchanged
        ));
    }
    lines.push(if summary.written {
        format!("imported {} into {}", dir.display(), db.display())
    } else {
        format!(
            "unchanged: {} already matches {}",
            db.display(),
            dir.display()
        )
    });
    ctx.say(&lines.join("\n"));
    Ok(())
}

fn export(ctx: &Context, db: &Path, out: &Path, format: args::ExportFormat) -> Result<(), Failure> {
    let store = Store::open_for_reading(db)?;
    let catalog = bakeplan::store::load_live(store.conn())?;
    let format = match format {
        args::ExportFormat::Yaml => catalog::export::Format::Yaml,
        args::ExportFormat::Csv => catalog::export::Format::Csv,
    };
    let files = catalog::export::export(&catalog, format)
        .map_err(|e| Failure::Internal(format!("cannot write the CSV files: {e}")))?;
    let conn = store.conn();
    let journal = bakeplan::store::journal_csv::journal_files(
        &journal::production(conn, None)?,
        &journal::assembly(conn, None)?,
        &journal::purchases(conn, None)?,
        &journal::states(conn, None)?,
    )
    .map_err(|e| Failure::Internal(format!("cannot write the journal files: {e}")))?;
    let files: Vec<(String, Vec<u8>)> = files.into_iter().chain(journal).collect();
    for (name, bytes) in &files {
        bakeplan::write_inside(out, Path::new(name), bytes)?;
    }
    ctx.say(&format!(
        "exported {} files from {} to {}",
        files.len(),
        db.display(),
        out.display()
    ));
    Ok(())
}

/// `export plans`: the stored plan results as Parquet or CSV files.
fn export_plans(
    ctx: &Context,
    db: &Path,
    out: &Path,
    format: args::PlanTableFormat,
    event: &Option<String>,
    since: Option<chrono::NaiveDate>,
) -> Result<(), Failure> {
    use bakeplan::report::tables::{ExportError, TableFormat, export_plans};
    let store = Store::open_for_reading(db)?;
    let format = match format {
        args::PlanTableFormat::Parquet => TableFormat::Parquet,
        args::PlanTableFormat::Csv => TableFormat::Csv,
    };
    let selection = bakeplan::store::results::Selection {
        event: event.clone(),
        since: since.map(|d| d.to_string()),
    };
    let exported = export_plans(store.conn(), &selection, format, out).map_err(|e| match e {
        ExportError::Store(e) => Failure::from(e),
        other => Failure::Internal(other.to_string()),
    })?;
    let plans = exported.rows.get("plan_computations").copied().unwrap_or(0);
    if plans == 0 {
        ctx.say("no stored plan results match; `bakeplan run` stores them as it computes plans");
    }
    ctx.say(&format!(
        "exported {plans} plan computation(s): {} files, {} rows, to {}",
        exported.files.len(),
        exported.rows.values().sum::<usize>(),
        out.display()
    ));
    Ok(())
}

fn init(ctx: &Context, dir: &Path) -> Result<(), Failure> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        return Err(Failure::Usage(format!(
            "{} exists and is not empty; choose a new directory",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir)?;
    for (name, text) in bakeplan::starter::FILES {
        bakeplan::write_atomically(&dir.join(name), text.as_bytes())?;
    }
    ctx.say(&format!(
        "wrote a starter catalogue to {} — next: bakeplan check {}",
        dir.display(),
        dir.display()
    ));
    Ok(())
}

/// `bakeplan completions SHELL`: the script on stdout.
fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "bakeplan", &mut script);
    safe::out_bytes(&script);
    Ok(())
}

/// `bakeplan man [--out DIR]`: the top page on stdout, or every page into DIR.
fn man(out: Option<&std::path::Path>) -> Result<(), Failure> {
    let command = <Cli as clap::CommandFactory>::command();
    match out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Failure::Internal(format!("{}: {e}", dir.display())))?;
            clap_mangen::generate_to(command, dir)
                .map_err(|e| Failure::Internal(format!("{}: {e}", dir.display())))?;
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command).render(&mut page)?;
            safe::out_bytes(&page);
        }
    }
    Ok(())
}
