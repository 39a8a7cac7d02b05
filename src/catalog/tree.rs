//! Reading catalogue files into one located tree.
//!
//! YAML files, CSV files and folders of YAML files all become the same [`Node`] tree, each
//! node carrying its file, line and column. The typed conversion that follows therefore has
//! one code path for every source form, and can point at the exact cell or key at fault.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::diag::{Diagnostic, Loc};
use super::dialect::{self, Delimiter, Dialect, Lines};

/// Default limit on the size of one catalogue file.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A value read from a catalogue file, with where it came from.
#[derive(Debug, Clone)]
pub struct Node {
    /// Where the value starts.
    pub loc: Loc,
    /// The value.
    pub kind: NodeKind,
}

/// The shape of a [`Node`].
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// An explicit null or an empty value.
    Null,
    /// Any scalar, as text (`2.5`, `true`, `cup`).
    Scalar(String),
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, keys in file order.
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its location.
#[derive(Debug, Clone)]
pub struct Key {
    /// The key text (a CSV column's name is shared by the cells of its column).
    pub name: Arc<str>,
    /// Where the key is written.
    pub loc: Loc,
}

impl Node {
    /// A short description of the value's type for error messages.
    pub fn describe(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "nothing",
            NodeKind::Scalar(_) => "a single value",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

/// The raw YAML value as serde-saphyr hands it over, before file names are attached.
enum Raw {
    Null,
    Scalar(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        // Display gives the shortest text that reads back to the same float, so `0.67`
        // stays `0.67` and becomes an exact decimal later.
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Scalar(v))
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<Spanned<Raw>, Spanned<Raw>>()? {
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

fn locate(file: &Arc<str>, spanned: &serde_saphyr::Location) -> Loc {
    Loc {
        file: Arc::clone(file),
        line: Loc::number(spanned.line()),
        column: Loc::number(spanned.column()),
    }
}

fn from_raw(file: &Arc<str>, raw: Spanned<Raw>) -> Node {
    let loc = locate(file, &raw.referenced);
    let kind = match raw.value {
        Raw::Null => NodeKind::Null,
        Raw::Scalar(text) => NodeKind::Scalar(text),
        Raw::Seq(items) => NodeKind::Seq(items.into_iter().map(|i| from_raw(file, i)).collect()),
        Raw::Map(entries) => NodeKind::Map(
            entries
                .into_iter()
                .map(|(key, value)| {
                    let key_loc = locate(file, &key.referenced);
                    let name = match key.value {
                        Raw::Scalar(text) => text,
                        Raw::Null => String::new(),
                        Raw::Seq(_) | Raw::Map(_) => "<complex key>".to_owned(),
                    };
                    (
                        Key {
                            name: Arc::from(name),
                            loc: key_loc,
                        },
                        from_raw(file, value),
                    )
                })
                .collect(),
        ),
    };
    Node { loc, kind }
}

/// Reads a file's bytes, enforcing the size limit, UTF-8 and non-emptiness.
fn read_text(
    path: &Path,
    file: &Arc<str>,
    table: &str,
    max_bytes: u64,
) -> Result<String, Diagnostic> {
    let whole = Loc::file(file);
    let io = |e: std::io::Error| {
        Diagnostic::new(&whole, table, "io", format!("cannot read the file: {e}"))
    };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if !metadata.is_file() {
        // A device, FIFO or socket would read forever or block: only plain files are tables.
        return Err(Diagnostic::new(
            &whole,
            table,
            "not-a-file",
            "this is not a regular file (a device, pipe or socket)",
        )
        .hint("replace it with a plain YAML or CSV file"));
    }
    let size = metadata.len();
    if size > max_bytes {
        return Err(Diagnostic::new(
            &whole,
            table,
            "file-too-large",
            format!("the file is {size} bytes, over the limit of {max_bytes} bytes"),
        )
        .hint("split the table into a folder of smaller YAML files, or raise --max-file-size"));
    }
    // Bounded even if the file grows between the size check and the read.
    let mut bytes = Vec::with_capacity(size as usize);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path).map_err(io)?, max_bytes + 1),
        &mut bytes,
    )
    .map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(Diagnostic::new(
            &whole,
            table,
            "file-too-large",
            format!("the file grew past the limit of {max_bytes} bytes while being read"),
        )
        .hint("split the table into a folder of smaller YAML files, or raise --max-file-size"));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..valid];
        let line = before.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        let column = (valid
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1)) as u64
            + 1;
        Diagnostic::new(
            &Loc {
                file: Arc::clone(file),
                line: Loc::number(line),
                column: Loc::number(column),
            },
            table,
            "not-utf8",
            format!(
                "the file is not UTF-8 (invalid byte 0x{:02x})",
                e.as_bytes()[valid]
            ),
        )
        .hint("save the file as UTF-8 (in a spreadsheet: \"CSV UTF-8\")")
    })?;
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_owned)
        .unwrap_or(text);
    if text.trim().is_empty() {
        return Err(
            Diagnostic::new(&whole, table, "empty-file", "the file is empty")
                .hint("add records, or delete the file if the table is not used"),
        );
    }
    Ok(text)
}

/// Reads a YAML file into a [`Node`].
pub fn read_yaml(
    path: &Path,
    file: &Arc<str>,
    table: &str,
    max_bytes: u64,
) -> Result<Node, Diagnostic> {
    let text = read_text(path, file, table, max_bytes)?;
    let root = Loc {
        file: Arc::clone(file),
        line: 1,
        column: 1,
    };
    match serde_saphyr::from_str_with_options::<Spanned<Raw>>(&text, yaml_options(text.len())) {
        Ok(raw) => {
            let node = from_raw(file, raw);
            match node.kind {
                NodeKind::Null => {
                    Err(
                        Diagnostic::new(&root, table, "empty-file", "the file holds no data")
                            .hint("add records, or delete the file if the table is not used"),
                    )
                }
                _ => Ok(node),
            }
        }
        Err(error) => {
            let loc = error.location().map_or(root, |l| locate(file, &l));
            let message = yaml_message(&error);
            let (code, hint) = if message.contains("unknown anchor") {
                (
                    "yaml-syntax",
                    "define the anchor (&name) before the alias (*name) that uses it",
                )
            } else if message.contains("non-finite") {
                (
                    "not-a-number",
                    "write a plain number such as 2.5; bakeplan counts below 1,000,000,000",
                )
            } else if message.contains("budget") || message.contains("alias") {
                (
                    "yaml-limit",
                    "YAML aliases and anchors expand too far; write the records out plainly",
                )
            } else if message.contains("duplicate") {
                (
                    "duplicate-key",
                    "each key may appear once per record; remove or rename the repeated one",
                )
            } else {
                (
                    "yaml-syntax",
                    "check indentation, colons and quotes around this spot",
                )
            };
            Err(Diagnostic::new(&loc, table, code, message).hint(hint))
        }
    }
}

/// Parser limits sized to the file: a plain file of any accepted size parses (a node takes
/// at least a byte), while alias expansion keeps the parser's own caps — what a YAML bomb
/// needs is expansion, not bytes.
fn yaml_options(bytes: usize) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = budget.max_nodes.max(bytes + 16);
    budget.max_events = budget.max_events.max(2 * bytes + 16);
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// The parser's message without its own location prefix or suffix (the diagnostic carries
/// the location) and without advice meant for programmers.
fn yaml_message(error: &serde_saphyr::Error) -> String {
    let text = error.to_string();
    let mut message = text.lines().next().unwrap_or("invalid YAML").trim();
    message = message.strip_prefix("error:").unwrap_or(message).trim();
    if let Some(rest) = message.strip_prefix("line ") {
        message = rest.split_once(": ").map_or(message, |(_, rest)| rest);
    }
    if let Some(cut) = message.find(" at line ") {
        message = &message[..cut];
    }
    if let Some(cut) = message.find(", set DuplicateKeyPolicy") {
        message = &message[..cut];
    }
    if message.contains("budget breached") {
        return format!(
            "the YAML expands beyond the parser's safety limits ({message}); aliases may be nested too deeply"
        );
    }
    format!("invalid YAML: {}", message.trim_end_matches(':'))
}

/// Reads a CSV file into a list of mapping nodes, one per row, keyed by the header.
/// The separator is the dialect's or detected from the header line; headers are matched
/// without regard to case and spacing; empty cells are left out (absent) and rows with no
/// value at all are skipped; line numbers are right for LF, CRLF and CR files.
pub fn read_csv(
    path: &Path,
    file: &Arc<str>,
    table: &str,
    max_bytes: u64,
    dialect: &Dialect,
) -> Result<Node, Diagnostic> {
    let text = read_text(path, file, table, max_bytes)?;
    parse_csv(&text, file, table, dialect)
}

/// Parses CSV text (see [`read_csv`]).
pub fn parse_csv(
    text: &str,
    file: &Arc<str>,
    table: &str,
    dialect: &Dialect,
) -> Result<Node, Diagnostic> {
    let source = CsvSource {
        text,
        file,
        table,
        lines: Lines::new(text),
        delimiter: dialect.delimiter.unwrap_or_else(|| Delimiter::detect(text)),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .delimiter(source.delimiter.byte())
        .from_reader(text.as_bytes());
    let headers = source.headers(&mut reader)?;
    let date_format = dialect.date_format.as_deref();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| source.syntax_error(&e))?;
        if let Some(row) = source.row(&record, &headers, date_format)? {
            rows.push(row);
        }
    }
    Ok(Node {
        loc: source.at(1, 1),
        kind: NodeKind::Seq(rows),
    })
}

/// A CSV file being read into a tree: what its locations and errors name.
struct CsvSource<'a> {
    text: &'a str,
    file: &'a Arc<str>,
    table: &'a str,
    lines: Lines,
    delimiter: Delimiter,
}

impl CsvSource<'_> {
    /// Line `line`, column `column` of the file.
    fn at(&self, line: u64, column: u64) -> Loc {
        Loc {
            file: Arc::clone(self.file),
            line: Loc::number(line),
            column: Loc::number(column),
        }
    }

    /// The line of a byte offset.
    fn line_of(&self, position: Option<&csv::Position>) -> u64 {
        position.map_or(0, |p| self.lines.line_at(self.text, p.byte() as usize))
    }

    /// A located error for what the csv crate could not read.
    fn syntax_error(&self, e: &csv::Error) -> Diagnostic {
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("this row has {len} cells but the header has {expected_len}")
            }
            _ => format!("invalid CSV: {e}"),
        };
        let quote = match self.delimiter {
            Delimiter::Comma => "commas",
            Delimiter::Semicolon => "semicolons",
            Delimiter::Tab => "tabs",
        };
        Diagnostic::new(
            &self.at(self.line_of(e.position()), 0),
            self.table,
            "csv-syntax",
            message,
        )
        .hint(format!(
            "every row needs as many cells as the header; quote cells that contain {quote}"
        ))
    }

    /// The header's column names (in the catalogue's spelling), each once.
    fn headers(&self, reader: &mut csv::Reader<&[u8]>) -> Result<Vec<Arc<str>>, Diagnostic> {
        let headers: Vec<Arc<str>> = reader
            .headers()
            .map_err(|e| self.syntax_error(&e))?
            .iter()
            .map(|h| Arc::from(dialect::header(h)))
            .collect();
        for (index, header) in headers.iter().enumerate() {
            if let Some(first) = headers[..index].iter().position(|h| h == header) {
                return Err(Diagnostic::new(
                    &self.at(1, index as u64 + 1),
                    self.table,
                    "duplicate-column",
                    format!(
                        "column \"{header}\" appears twice in the header (columns {} and {})",
                        first + 1,
                        index + 1
                    ),
                )
                .hint("each column may appear once; remove or rename the repeated one"));
            }
        }
        Ok(headers)
    }

    /// A record as a map of its non-empty cells (`None` for a row of empty cells, as
    /// spreadsheets leave below the data).
    fn row(
        &self,
        record: &csv::StringRecord,
        headers: &[Arc<str>],
        date_format: Option<&str>,
    ) -> Result<Option<Node>, Diagnostic> {
        let line = self.line_of(record.position());
        if let Some((index, _)) = record.iter().enumerate().find(|(_, c)| c.contains('\0')) {
            return Err(Diagnostic::new(
                &self.at(line, index as u64 + 1),
                self.table,
                "control-character",
                "this cell holds a NUL byte",
            )
            .hint("the file is damaged or not text; re-export it from the spreadsheet"));
        }
        let mut entries = Vec::new();
        for (index, (header, cell)) in headers.iter().zip(record.iter()).enumerate() {
            if cell.trim().is_empty() {
                continue;
            }
            let loc = self.at(line, index as u64 + 1);
            entries.push((
                Key {
                    name: Arc::clone(header),
                    loc: loc.clone(),
                },
                Node {
                    loc,
                    kind: NodeKind::Scalar(dialect::cell(cell, self.delimiter, date_format)),
                },
            ));
        }
        Ok((!entries.is_empty()).then(|| Node {
            loc: self.at(line, 1),
            kind: NodeKind::Map(entries),
        }))
    }
}
