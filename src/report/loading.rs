//! Loading the reports: a user's directory over the built-ins, and the template environment
//! they render in (escaping by format, Markdown safe to view as HTML, bakeplan's filters).

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use super::manifest::{Format, Manifest, parse_manifest, sorted_files};
use super::{ReportError, filters, origin_file, report_error};

/// The manifests and templates of a user's reports directory (`--reports`), over the
/// built-ins of the same name.
pub(super) fn read_user_reports(
    dir: &Path,
    manifests: &mut BTreeMap<String, Manifest>,
    templates: &mut BTreeMap<String, (String, String)>,
) -> Result<(), ReportError> {
    if !dir.is_dir() || !(dir.join("reports").is_dir() || dir.join("templates").is_dir()) {
        return Err(report_error(
            &dir.display().to_string(),
            0,
            "no-reports-dir",
            "this is not a reports directory (it needs reports/ or templates/ inside)",
            Some("check the --reports path; see fixtures/user-reports for the layout".into()),
        ));
    }
    for path in sorted_files(&dir.join("reports"))? {
        if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(&path)
                .map_err(|e| report_error(&shown, 0, "io", format!("cannot read: {e}"), None))?;
            let manifest = parse_manifest(&shown, &text, &shown)?;
            manifests.insert(manifest.name.clone(), manifest);
        }
    }
    for path in sorted_files(&dir.join("templates"))? {
        let shown = path.display().to_string();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| report_error(&shown, 0, "io", format!("cannot read: {e}"), None))?;
        templates.insert(name, (text, shown));
    }
    Ok(())
}

/// The template environment: strict about undefined values, escaping by each template's
/// format, with bakeplan's filters.
pub(super) fn environment(manifests: &BTreeMap<String, Manifest>) -> Environment<'static> {
    let formats: BTreeMap<String, Format> = manifests
        .values()
        .map(|m| (m.template.clone(), m.format))
        .collect();
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(move |name| match formats.get(name) {
        Some(Format::Html) => AutoEscape::Html,
        Some(Format::Md) => AutoEscape::Custom(MARKDOWN.into()),
        Some(_) => AutoEscape::None,
        None if name.contains(".html") => AutoEscape::Html,
        None => AutoEscape::None,
    });
    filters::register(&mut env);
    env.set_formatter(markdown_formatter);
    env
}

/// Every manifest names a template that exists.
pub(super) fn templates_exist(
    manifests: &BTreeMap<String, Manifest>,
    template_origins: &BTreeMap<String, String>,
) -> Result<(), ReportError> {
    for manifest in manifests.values() {
        if !template_origins.contains_key(&manifest.template) {
            return Err(report_error(
                &origin_file(&manifest.origin, &format!("{}.yaml", manifest.name)),
                0,
                "unknown-template",
                format!(
                    "report {} names template {:?}, which does not exist",
                    manifest.name, manifest.template
                ),
                Some(format!(
                    "templates are: {}",
                    template_origins
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ));
        }
    }
    Ok(())
}

/// The auto-escape mode of Markdown reports.
const MARKDOWN: &str = "markdown";

/// Markdown is read as HTML by most viewers: values from the catalogue have `<` and `>`
/// written as entities so a name cannot carry a tag. Other formats escape as minijinja does.
fn markdown_formatter(
    out: &mut minijinja::Output<'_>,
    state: &mut minijinja::State<'_, '_>,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if matches!(state.auto_escape(), AutoEscape::Custom(name) if name == MARKDOWN) {
        if value.is_undefined() || value.is_none() {
            return Ok(());
        }
        let escape = !value.is_safe();
        return match value.as_str() {
            Some(text) => write_markdown(out, text, escape),
            None => write_markdown(out, &value.to_string(), escape),
        };
    }
    minijinja::escape_formatter(out, state, value)
}

/// Writes `text`, with `<` and `>` as entities when `escape`.
fn write_markdown(
    out: &mut minijinja::Output<'_>,
    text: &str,
    escape: bool,
) -> Result<(), minijinja::Error> {
    let written = if escape && text.contains(['<', '>']) {
        out.write_str(&text.replace('<', "&lt;").replace('>', "&gt;"))
    } else {
        out.write_str(text)
    };
    written.map_err(minijinja::Error::from)
}
