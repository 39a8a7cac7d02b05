//! Printing diagnostics: snippets on a terminal, one plain line each on a pipe, or JSON.

use std::io::IsTerminal;
use std::path::Path;

use bakeplan::catalog::Diagnostic;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report,
};

use super::args::ColorChoice;

/// How diagnostics are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// miette snippets, coloured or not.
    Snippet {
        /// Use ANSI colours.
        color: bool,
    },
    /// `file:line:col: table record, field: message [code]` lines.
    Plain,
}

impl Style {
    /// Snippets on a terminal, plain text on a pipe; colour per `--color` and NO_COLOR.
    pub fn detect(choice: ColorChoice) -> Style {
        let terminal = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        match choice {
            ColorChoice::Always => Style::Snippet { color: true },
            ColorChoice::Never if terminal => Style::Snippet { color: false },
            ColorChoice::Auto if terminal => Style::Snippet { color: !no_color },
            _ => Style::Plain,
        }
    }
}

/// Renders every diagnostic, each followed by a blank line, and a closing count.
pub fn render(diagnostics: &[Diagnostic], dir: &Path, style: Style) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        match style {
            Style::Plain => {
                out.push_str(&super::safe::clean(&format!("error: {diagnostic}\n")));
            }
            Style::Snippet { color } => out.push_str(&snippet(diagnostic, dir, color)),
        }
    }
    let count = diagnostics.len();
    out.push_str(&format!(
        "{count} error{} in {}\n",
        if count == 1 { "" } else { "s" },
        dir.display()
    ));
    out
}

fn snippet(diagnostic: &Diagnostic, dir: &Path, color: bool) -> String {
    let mut heading = String::new();
    heading.push_str(&diagnostic.table);
    if let Some(record) = &diagnostic.record {
        heading.push(' ');
        heading.push_str(record);
    }
    if let Some(field) = &diagnostic.field {
        heading.push_str(", field ");
        heading.push_str(field);
    }
    let heading = super::safe::clean(&heading).into_owned();
    let message = super::safe::clean(&diagnostic.message).into_owned();
    let mut report =
        MietteDiagnostic::new(format!("{heading}: {message}")).with_code(diagnostic.code);
    if let Some(hint) = &diagnostic.hint {
        report = report.with_help(hint.clone());
    }
    let source = std::fs::read_to_string(dir.join(&*diagnostic.loc.file)).ok();
    let report = match (source, diagnostic.loc.line) {
        (Some(text), line) if line > 0 => {
            let (offset, length) = span_of(
                &text,
                line,
                diagnostic.loc.column,
                diagnostic.loc.file.ends_with(".csv"),
            );
            let label = diagnostic
                .field
                .clone()
                .unwrap_or_else(|| "here".to_owned());
            let named = NamedSource::new(
                &diagnostic.loc.file,
                super::safe::blank_controls(&text).into_owned(),
            );
            Report::new(report.with_label(LabeledSpan::at(offset..offset + length, label)))
                .with_source_code(named)
        }
        _ => Report::new(report.with_help(format!(
            "{}{}",
            diagnostic.hint.as_deref().map(|h| format!("{h}\n")).unwrap_or_default(),
            diagnostic.loc
        ))),
    };
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut out = String::new();
    if GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .render_report(&mut out, report.as_ref())
        .is_err()
    {
        out = format!("error: {diagnostic}\n");
    }
    out.push('\n');
    out
}

/// Byte offset and length of the token at a 1-based line and column (for CSV, the column is
/// the cell index).
fn span_of(text: &str, line: u32, column: u32, csv: bool) -> (usize, usize) {
    let mut offset = 0;
    let mut current = "";
    for (index, content) in text.split_inclusive('\n').enumerate() {
        if index as u64 + 1 == u64::from(line) {
            current = content.trim_end_matches(['\n', '\r']);
            break;
        }
        offset += content.len();
    }
    let start = if csv {
        csv_cell_start(current, column)
    } else {
        current
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(0, |(i, _)| i)
    };
    let rest = &current[start.min(current.len())..];
    let length = if csv {
        rest.find(',').unwrap_or(rest.len())
    } else {
        rest.find([' ', ',', ']', '}']).unwrap_or(rest.len())
    };
    (offset + start.min(current.len()), length.max(1))
}

fn csv_cell_start(line: &str, column: u32) -> usize {
    let mut cell = 1;
    let mut quoted = false;
    for (index, c) in line.char_indices() {
        if cell == column {
            return index;
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => cell += 1,
            _ => {}
        }
    }
    if cell == column { line.len() } else { 0 }
}
