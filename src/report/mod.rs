//! The report stage: report plugins (a manifest plus a minijinja template) rendered from
//! PlanResults into files.
//!
//! Built-in reports are embedded in the binary; a user directory with the same layout
//! (`reports/*.yaml`, `templates/*`) adds reports or overrides them by name, template by
//! template. Templates see only the templates registered here — there is no loader, so
//! they cannot read files — and output paths must stay inside the output directory.

mod context;
mod filters;
mod lazy;
pub mod limits;
mod loading;
mod manifest;
mod run;
pub mod tables;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, PoisonError};

use minijinja::value::Serde;
use minijinja::{Environment, Value};

use crate::catalog::{Diagnostic, Loc};
use crate::plan::PlanResult;
pub use context::plan_context;
pub use manifest::{Format, Manifest, Per};
pub use run::{RunContext, RunInfo};

use loading::{environment, read_user_reports, templates_exist};
use manifest::{BUILTIN_MANIFESTS, BUILTIN_TEMPLATES, parse_manifest};

/// Why reports could not be loaded or rendered; located like catalogue errors.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct ReportError(pub Vec<Diagnostic>);

fn report_error(
    file: &str,
    line: usize,
    code: &'static str,
    message: impl Into<String>,
    hint: Option<String>,
) -> ReportError {
    let loc = Loc {
        file: Arc::from(file),
        line: Loc::number(line),
        column: 0,
    };
    ReportError(vec![
        Diagnostic::new(&loc, "reports", code, message).maybe_hint(hint),
    ])
}

/// The loaded reports and their template environment.
pub struct Reports {
    manifests: Vec<Manifest>,
    env: Environment<'static>,
    /// The environment with each manifest's fuel budget, by budget.
    fueled: BTreeMap<u64, Environment<'static>>,
    template_origins: BTreeMap<String, String>,
    /// The largest output each report has written so far in this run, by report name: the
    /// next render starts with that much room instead of growing its buffer by doubling
    /// (a chain event's plan.json is megabytes).
    sizes: std::sync::Mutex<BTreeMap<String, usize>>,
}

impl Reports {
    /// Loads the built-ins, then `user_dir` (`reports/*.yaml`, `templates/*`) over them.
    pub fn load(user_dir: Option<&Path>) -> Result<Reports, ReportError> {
        let mut manifests: BTreeMap<String, Manifest> = BTreeMap::new();
        let mut templates: BTreeMap<String, (String, String)> = BTreeMap::new();
        for (file, text) in BUILTIN_MANIFESTS {
            let manifest = parse_manifest(&format!("reports/{file}"), text, "built-in")?;
            manifests.insert(manifest.name.clone(), manifest);
        }
        for (name, source) in BUILTIN_TEMPLATES {
            templates.insert(
                (*name).to_owned(),
                ((*source).to_owned(), "built-in".to_owned()),
            );
        }
        if let Some(dir) = user_dir {
            read_user_reports(dir, &mut manifests, &mut templates)?;
        }
        let mut env = environment(&manifests);
        let mut template_origins = BTreeMap::new();
        for (name, (source, origin)) in templates {
            if let Err(error) = env.add_template_owned(name.clone(), source) {
                return Err(template_error(&origin_file(&origin, &name), &error));
            }
            template_origins.insert(name, origin);
        }
        templates_exist(&manifests, &template_origins)?;
        let fueled = manifests
            .values()
            .map(|m| {
                let mut fueled = env.clone();
                fueled.set_fuel(Some(m.fuel()));
                (m.fuel(), fueled)
            })
            .collect();
        Ok(Reports {
            manifests: manifests.into_values().collect(),
            env,
            fueled,
            template_origins,
            sizes: std::sync::Mutex::default(),
        })
    }

    /// Every report, sorted by name.
    pub fn manifests(&self) -> &[Manifest] {
        &self.manifests
    }

    /// The reports to render: all, or those named (unknown names are an error).
    pub fn select(&self, names: &[String]) -> Result<Vec<&Manifest>, ReportError> {
        if names.is_empty() {
            return Ok(self.manifests.iter().collect());
        }
        names
            .iter()
            .map(|name| {
                self.manifests
                    .iter()
                    .find(|m| &m.name == name)
                    .ok_or_else(|| {
                        let known: Vec<&str> =
                            self.manifests.iter().map(|m| m.name.as_str()).collect();
                        report_error(
                            "--report",
                            0,
                            "unknown-report",
                            format!("no report named {name:?}"),
                            crate::catalog::diag::did_you_mean(name, known.iter().copied())
                                .or_else(|| Some(format!("reports are: {}", known.join(", ")))),
                        )
                    })
            })
            .collect()
    }

    /// Renders a `per: plan` report: (relative output path, bytes).
    pub fn render_plan(
        &self,
        manifest: &Manifest,
        plan: &PlanResult,
    ) -> Result<Rendered, ReportError> {
        self.render(manifest, plan_context(std::sync::Arc::new(plan.clone())))
    }

    /// Renders a `per: run` report, or a `per: supplier` report once per order, one file at
    /// a time (a chain's orders are tens of megabytes: write each before making the next).
    pub fn render_run<'a>(
        &'a self,
        manifest: &'a Manifest,
        context: &'a RunContext,
    ) -> Box<dyn Iterator<Item = Result<Rendered, ReportError>> + 'a> {
        match manifest.per {
            Per::Supplier => Box::new(context.orders.iter().map(move |order| {
                self.render(
                    manifest,
                    minijinja::context! { order => Serde(order), run => Serde(&context.run) },
                )
            })),
            Per::Plan | Per::Run => {
                Box::new(std::iter::once(self.render(manifest, context.value())))
            }
        }
    }

    /// Whether a report's template reads the variable `name` (e.g. whether a `per: run`
    /// report needs every plan of the run, or only the roll-up).
    pub fn reads(&self, manifest: &Manifest, name: &str) -> bool {
        self.env
            .get_template(&manifest.template)
            .map(|t| t.undeclared_variables(false).contains(name))
            .unwrap_or(true)
    }

    /// Renders a report with a context built once and shared (see [`plan_context`]).
    pub fn render(&self, manifest: &Manifest, context: Value) -> Result<Rendered, ReportError> {
        let path = self.output_path(manifest, &context)?;
        let mut bytes = Vec::with_capacity(self.size_hint(&manifest.name));
        match self.render_into(manifest, context, &mut bytes) {
            Ok(_) => Ok((path, bytes)),
            Err(RenderFailure::Report(error)) => Err(error),
            // Writing to memory does not fail; said as a report error all the same.
            Err(RenderFailure::Write(error)) => Err(report_error(
                &manifest.name,
                0,
                "write",
                error.to_string(),
                None,
            )),
        }
    }

    /// Where a report of `context` goes: its manifest's `output`, relative to the output
    /// directory (refused when it would lead outside).
    pub fn output_path(
        &self,
        manifest: &Manifest,
        context: &Value,
    ) -> Result<PathBuf, ReportError> {
        let (env, manifest_file) = self.env_of(manifest);
        let output = env
            .render_str(&manifest.output, context.clone())
            .map_err(|e| template_error(&manifest_file, &e))?;
        confined(&output).ok_or_else(|| {
            report_error(
                &manifest_file,
                0,
                "output-outside",
                format!(
                    "report {} would write {output:?}, outside the output directory",
                    manifest.name
                ),
                Some(
                    "write a relative path without `..`, e.g. \"{{ event.slug }}/name.csv\""
                        .to_owned(),
                ),
            )
        })
    }

    /// Renders a report of `context` into `sink` as it is made (a chain event's reports are
    /// megabytes: streamed to their files, they are never held whole), within the
    /// manifest's fuel and output limits. Returns the sink.
    pub fn render_into<W: std::io::Write>(
        &self,
        manifest: &Manifest,
        context: Value,
        sink: W,
    ) -> Result<W, RenderFailure> {
        let (env, manifest_file) = self.env_of(manifest);
        let template = env
            .get_template(&manifest.template)
            .map_err(|e| RenderFailure::Report(template_error(&manifest_file, &e)))?;
        let mut out = limits::Capped::new(sink, manifest.max_output_bytes());
        let rendered = if manifest.format == Format::Csv {
            std::io::Write::write_all(&mut out, "\u{feff}".as_bytes())
                .map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "BOM"))
                .and_then(|()| template.render_captured_to(context, &mut out).map(drop))
        } else {
            template.render_captured_to(context, &mut out).map(drop)
        };
        if let Some(error) = out.failed.take() {
            return Err(RenderFailure::Write(error));
        }
        if let Err(error) = rendered {
            let origin = self
                .template_origins
                .get(&manifest.template)
                .cloned()
                .unwrap_or_default();
            return Err(RenderFailure::Report(
                limit_error(manifest, &manifest_file, out.overflowed, &error).unwrap_or_else(
                    || template_error(&origin_file(&origin, &manifest.template), &error),
                ),
            ));
        }
        if out.last() != Some(b'\n') {
            std::io::Write::write_all(&mut out, b"\n").map_err(RenderFailure::Write)?;
        }
        std::io::Write::flush(&mut out).map_err(RenderFailure::Write)?;
        self.note_size(&manifest.name, out.written());
        Ok(out.into_inner())
    }

    /// The environment a report renders in (its fuel) and its manifest's file, for errors.
    fn env_of(&self, manifest: &Manifest) -> (&Environment<'static>, String) {
        (
            self.fueled.get(&manifest.fuel()).unwrap_or(&self.env),
            origin_file(&manifest.origin, &format!("{}.yaml", manifest.name)),
        )
    }

    /// Room to start a report's output with (see `sizes`).
    fn size_hint(&self, report: &str) -> usize {
        let sizes = self.sizes.lock().unwrap_or_else(PoisonError::into_inner);
        sizes.get(report).copied().unwrap_or(0)
    }

    fn note_size(&self, report: &str, size: usize) {
        let mut sizes = self.sizes.lock().unwrap_or_else(PoisonError::into_inner);
        match sizes.get_mut(report) {
            Some(largest) => *largest = (*largest).max(size),
            None => {
                sizes.insert(report.to_owned(), size);
            }
        }
    }
}

/// A rendered report: path relative to the output directory, and its bytes.
pub type Rendered = (PathBuf, Vec<u8>);

/// Why a report streamed to a writer was not written.
#[derive(Debug)]
pub enum RenderFailure {
    /// The report is wrong (template error, fuel or output limit).
    Report(ReportError),
    /// The writer failed (e.g. the disk is full).
    Write(std::io::Error),
}

fn origin_file(origin: &str, name: &str) -> String {
    if origin == "built-in" || origin.is_empty() {
        format!("built-in {name}")
    } else {
        origin.to_owned()
    }
}

/// The error of a report that ran out of fuel or output room, naming the report.
fn limit_error(
    manifest: &Manifest,
    manifest_file: &str,
    overflowed: bool,
    error: &minijinja::Error,
) -> Option<ReportError> {
    let (code, message, hint) = if overflowed {
        (
            "output-limit",
            format!(
                "report {} wrote more than {} MB",
                manifest.name,
                manifest.max_output_bytes() >> 20
            ),
            "raise max_output_mb in the manifest if this much output is meant",
        )
    } else if error.kind() == minijinja::ErrorKind::OutOfFuel {
        (
            "fuel-limit",
            format!(
                "report {} ran more than {} template steps (a loop that does not end, or one far too large)",
                manifest.name,
                manifest.fuel()
            ),
            "raise fuel in the manifest if the report really needs this much work",
        )
    } else {
        return None;
    };
    Some(report_error(
        manifest_file,
        0,
        code,
        message,
        Some(hint.to_owned()),
    ))
}

fn template_error(file: &str, error: &minijinja::Error) -> ReportError {
    let mut message = error.to_string();
    if let Some(detail) = error.detail() {
        message = format!("{} ({detail})", error.kind());
    }
    let snippet = error
        .template_source()
        .zip(error.line())
        .map(|(source, line)| {
            let lines: Vec<&str> = source.lines().collect();
            let from = line.saturating_sub(2);
            let to = (line + 1).min(lines.len());
            (from..to)
                .map(|i| {
                    format!(
                        "{:>4} | {}",
                        i + 1,
                        lines.get(i).copied().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        });
    report_error(
        error
            .name()
            .map_or(file, |n| if file.ends_with(n) { file } else { n })
            .trim(),
        error.line().unwrap_or(0),
        "template",
        message,
        snippet,
    )
}

/// A relative path that stays inside the output directory, or `None`.
fn confined(output: &str) -> Option<PathBuf> {
    let path = Path::new(output.trim());
    if output.trim().is_empty() || path.is_absolute() {
        return None;
    }
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!clean.as_os_str().is_empty()).then_some(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_stay_inside_the_out_dir() {
        assert_eq!(confined("a/b.csv"), Some(PathBuf::from("a/b.csv")));
        assert_eq!(confined("./a.csv"), Some(PathBuf::from("a.csv")));
        assert_eq!(confined("../x"), None);
        assert_eq!(confined("a/../../x"), None);
        assert_eq!(confined("/etc/passwd"), None);
        assert_eq!(confined(""), None);
    }

    #[test]
    fn builtins_load() {
        let reports = Reports::load(None).unwrap();
        let names: Vec<&str> = reports
            .manifests()
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "assembly-sheet",
                "plan",
                "plan-summary",
                "production-schedule",
                "production-sheet",
                "progress-sheet",
                "purchase-orders",
                "purchase-orders-csv",
                "purchase-rollup",
                "shopping-list"
            ]
        );
    }

    /// A writer whose disk is full.
    struct Full;

    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("no space left on device"))
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_writer_is_a_write_failure_not_a_template_error() {
        let reports = Reports::load(None).unwrap();
        let context = RunContext::new(
            Vec::new(),
            &std::collections::BTreeMap::new(),
            RunInfo {
                now: "2026-12-01T02:00:00Z".to_owned(),
                events: Vec::new(),
                currency: "USD".to_owned(),
                decimals: 2,
                paper: crate::catalog::Paper::Letter,
            },
            Vec::new(),
        );
        // A CSV report fails on its byte-order mark, an HTML one in its template.
        for name in ["purchase-rollup", "purchase-orders"] {
            let manifest = reports.manifests().iter().find(|m| m.name == name).unwrap();
            match reports.render_into(manifest, context.value(), Full) {
                Err(RenderFailure::Write(error)) => {
                    assert!(
                        error.to_string().contains("no space left"),
                        "{name}: {error}"
                    );
                }
                Err(RenderFailure::Report(error)) => panic!("{name}: {error}"),
                Ok(_) => panic!("{name}: written to a full disk"),
            }
        }
    }
}
