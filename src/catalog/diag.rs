//! Located input errors.
//!
//! Every problem found in a catalogue becomes one [`Diagnostic`]: where it is (file, line,
//! column), which record and field, what is wrong and how to fix it. The loader collects all
//! of them in one pass; the CLI renders them as snippets, plain lines or JSON.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// A position in a catalogue file: 1-based line and column (for CSV, the column's index).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Loc {
    /// Path of the file, relative to the catalogue directory.
    pub file: Arc<str>,
    /// 1-based line; 0 when the error concerns the whole file.
    pub line: u32,
    /// 1-based column (YAML) or column index (CSV); 0 when unknown.
    pub column: u32,
}

impl Loc {
    /// A line or column number as a location holds it (numbers past `u32::MAX`, which no
    /// accepted file reaches, stay at the maximum).
    pub fn number(n: impl TryInto<u32>) -> u32 {
        n.try_into().unwrap_or(u32::MAX)
    }

    /// A location pointing at a whole file.
    pub fn file(file: &Arc<str>) -> Loc {
        Loc {
            file: Arc::clone(file),
            line: 0,
            column: 0,
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file),
            (line, 0) => write!(f, "{}:{line}", self.file),
            (line, column) => write!(f, "{}:{line}:{column}", self.file),
        }
    }
}

/// One located problem in a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    /// Where the problem is.
    #[serde(flatten)]
    pub loc: Loc,
    /// The table the record belongs to (`recipes`, `events`, …).
    pub table: String,
    /// The record's slug, or `row N` when it has none.
    pub record: Option<String>,
    /// The field (YAML key or CSV column) at fault.
    pub field: Option<String>,
    /// A stable, short identifier of the kind of problem (`unknown-unit`, `cycle`, …).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem at `loc` in `table` of kind `code`.
    pub fn new(loc: &Loc, table: &str, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            loc: loc.clone(),
            table: table.to_owned(),
            record: None,
            field: None,
            code,
            message: message.into(),
            hint: None,
        }
    }

    /// Names the record.
    pub fn record(mut self, record: Option<&str>) -> Self {
        self.record = record.map(str::to_owned);
        self
    }

    /// Names the field.
    pub fn field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// Adds a fix.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a fix when there is one.
    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.loc, self.table)?;
        if let Some(record) = &self.record {
            write!(f, " {record}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        write!(f, ": {} [{}]", self.message, self.code)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// The closest candidate to `wanted`, when one is close enough to be a likely typo.
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // The edit distance is at least the difference in length, so a candidate that cannot be
    // close is skipped before the quadratic distance: a hostile megabyte-long reference costs
    // one pass over each candidate, not a megabyte-by-name matrix each.
    let wanted_chars = wanted.chars().count();
    let close = |candidate: &str| candidate.contains(wanted) && wanted.len() >= 3;
    candidates
        .into_iter()
        .filter(|candidate| {
            candidate.chars().count().abs_diff(wanted_chars) <= 3.max(candidate.len() / 3)
                || close(candidate)
        })
        .map(|candidate| (strsim::damerau_levenshtein(wanted, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= 3.max(candidate.len() / 3) || close(candidate))
        .min()
        .map(|(_, candidate)| candidate)
}

/// "did you mean X?" for the nearest candidate.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    nearest(wanted, candidates).map(|near| format!("did you mean {near:?}?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_finds_typos_and_skips_what_cannot_be_close() {
        let names = ["butter", "brown-butter", "sugar", "crème"];
        assert_eq!(nearest("buttr", names), Some("butter"));
        assert_eq!(nearest("creme", names), Some("crème"));
        assert_eq!(nearest("brown", names), Some("brown-butter"));
        // A megabyte-long name is compared by length first, not by a quadratic distance.
        assert_eq!(nearest(&"x".repeat(1 << 20), names), None);
    }
}
