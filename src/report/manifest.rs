//! Report manifests: what a report is (name, template, output path, format, one file per
//! plan, run or supplier, its limits), the built-in ones embedded in the binary, and how a
//! manifest file is read.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{ReportError, limits, report_error};

/// Built-in manifests: (file name, contents).
pub(super) const BUILTIN_MANIFESTS: &[(&str, &str)] = &[
    (
        "shopping-list.yaml",
        include_str!("../../reports/shopping-list.yaml"),
    ),
    (
        "production-sheet.yaml",
        include_str!("../../reports/production-sheet.yaml"),
    ),
    (
        "assembly-sheet.yaml",
        include_str!("../../reports/assembly-sheet.yaml"),
    ),
    (
        "plan-summary.yaml",
        include_str!("../../reports/plan-summary.yaml"),
    ),
    ("plan.yaml", include_str!("../../reports/plan.yaml")),
    (
        "progress-sheet.yaml",
        include_str!("../../reports/progress-sheet.yaml"),
    ),
    (
        "purchase-rollup.yaml",
        include_str!("../../reports/purchase-rollup.yaml"),
    ),
    (
        "production-schedule.yaml",
        include_str!("../../reports/production-schedule.yaml"),
    ),
    (
        "purchase-orders.yaml",
        include_str!("../../reports/purchase-orders.yaml"),
    ),
    (
        "purchase-orders-csv.yaml",
        include_str!("../../reports/purchase-orders-csv.yaml"),
    ),
];

/// Built-in templates: (name, source).
pub(super) const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    (
        "shopping-list.csv.j2",
        include_str!("../../templates/shopping-list.csv.j2"),
    ),
    (
        "purchase-rollup.csv.j2",
        include_str!("../../templates/purchase-rollup.csv.j2"),
    ),
    (
        "production-sheet.html.j2",
        include_str!("../../templates/production-sheet.html.j2"),
    ),
    (
        "progress-sheet.html.j2",
        include_str!("../../templates/progress-sheet.html.j2"),
    ),
    (
        "assembly-sheet.html.j2",
        include_str!("../../templates/assembly-sheet.html.j2"),
    ),
    ("sheet.css.j2", include_str!("../../templates/sheet.css.j2")),
    (
        "plan-summary.md.j2",
        include_str!("../../templates/plan-summary.md.j2"),
    ),
    ("plan.json.j2", include_str!("../../templates/plan.json.j2")),
    (
        "production-schedule.html.j2",
        include_str!("../../templates/production-schedule.html.j2"),
    ),
    (
        "purchase-orders.html.j2",
        include_str!("../../templates/purchase-orders.html.j2"),
    ),
    (
        "purchase-orders.csv.j2",
        include_str!("../../templates/purchase-orders.csv.j2"),
    ),
];

/// Output format of a report; sets escaping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// CSV (UTF-8 with a byte-order mark, for Excel); fields via the `csv`/`csv_row` filters.
    Csv,
    /// HTML, autoescaped.
    Html,
    /// Markdown.
    Md,
    /// Plain text.
    Txt,
    /// JSON.
    Json,
}

/// One file per plan, or one for the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    /// One file per plan; the context is the PlanResult.
    Plan,
    /// One file per run; the context is `plans`, `rollup`, `orders` and `run`.
    Run,
    /// One file per supplier order of the run (see [`RunContext::orders`](super::RunContext::orders)); the context is
    /// `order` and `run`.
    Supplier,
}

/// A report manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Report name (what `--report` selects).
    pub name: String,
    /// One line for `reports list`.
    pub description: String,
    /// Template file name under `templates/`.
    pub template: String,
    /// Output path template, relative to the out dir.
    pub output: String,
    /// Output format.
    pub format: Format,
    /// Per plan or per run.
    pub per: Per,
    /// Template instructions the report may run (default [`limits::DEFAULT_FUEL`]).
    #[serde(default)]
    pub fuel: Option<u64>,
    /// Megabytes the report may write (default [`limits::DEFAULT_MAX_OUTPUT_MB`]).
    #[serde(default)]
    pub max_output_mb: Option<u64>,
    /// Where it comes from (`built-in` or the manifest's path).
    #[serde(skip_deserializing, default)]
    pub origin: String,
}

impl Manifest {
    pub(super) fn fuel(&self) -> u64 {
        self.fuel.unwrap_or(limits::DEFAULT_FUEL)
    }

    pub(super) fn max_output_bytes(&self) -> usize {
        let mb = self.max_output_mb.unwrap_or(limits::DEFAULT_MAX_OUTPUT_MB);
        usize::try_from(mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }
}

pub(super) fn sorted_files(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| {
        report_error(
            &dir.display().to_string(),
            0,
            "io",
            format!("cannot read: {e}"),
            None,
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

pub(super) fn parse_manifest(
    file: &str,
    text: &str,
    origin: &str,
) -> Result<Manifest, ReportError> {
    let mut manifest: Manifest = serde_saphyr::from_str(text).map_err(|e| {
        let line = e.location().map_or(0, |l| l.line() as usize);
        let message = e.to_string().lines().next().unwrap_or("invalid manifest").to_owned();
        report_error(file, line, "bad-manifest", format!("invalid report manifest: {message}"), Some("fields: name, description, template, output, format (csv|html|md|txt|json), per (plan|run|supplier)".to_owned()))
    })?;
    manifest.origin = origin.to_owned();
    Ok(manifest)
}
