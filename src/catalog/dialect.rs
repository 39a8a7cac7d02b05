//! CSV as spreadsheets really save it.
//!
//! Excel and LibreOffice write commas or, in much of Europe, semicolons with decimal commas;
//! Windows line endings (CRLF) or old Mac ones (CR); capitalised headers; trailing blank
//! rows; dates in the local order. This module decides how one CSV file is written (its
//! [`Dialect`]) and turns its cells and line numbers into the canonical forms the loader
//! reads, so the rest of the catalogue code sees one kind of CSV.

use chrono::NaiveDate;

/// The field separator of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// `,` — the default.
    Comma,
    /// `;` — European spreadsheets; numbers use decimal commas.
    Semicolon,
    /// A tab — "tab-separated values".
    Tab,
}

impl Delimiter {
    /// The separator byte.
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }

    /// Reads a `settings.csv_delimiter` value: `,`, `;`, `tab` (or a tab character), or the
    /// names `comma` and `semicolon`.
    pub fn parse(text: &str) -> Option<Delimiter> {
        match text
            .trim_matches(|c| c == ' ')
            .to_ascii_lowercase()
            .as_str()
        {
            "," | "comma" => Some(Delimiter::Comma),
            ";" | "semicolon" => Some(Delimiter::Semicolon),
            "\t" | "tab" | "\\t" => Some(Delimiter::Tab),
            _ => None,
        }
    }

    /// The spelling used in `settings.csv_delimiter` and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Delimiter::Comma => ",",
            Delimiter::Semicolon => ";",
            Delimiter::Tab => "tab",
        }
    }

    /// Picks the separator that splits the header line (outside quotes) most often; commas
    /// win ties, so a one-column file reads as ordinary CSV.
    pub fn detect(text: &str) -> Delimiter {
        let mut counts = [0usize; 3];
        let mut quoted = false;
        for c in text.chars() {
            match c {
                '"' => quoted = !quoted,
                '\n' | '\r' if !quoted => break,
                ',' if !quoted => counts[0] += 1,
                ';' if !quoted => counts[1] += 1,
                '\t' if !quoted => counts[2] += 1,
                _ => {}
            }
        }
        let best = [Delimiter::Comma, Delimiter::Semicolon, Delimiter::Tab]
            .into_iter()
            .zip(counts)
            .fold((Delimiter::Comma, 0), |best, (d, n)| {
                if n > best.1 { (d, n) } else { best }
            });
        best.0
    }
}

/// How one CSV file is written: its separator, and how numbers and dates are spelled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dialect {
    /// The field separator; `None` detects it from the header line.
    pub delimiter: Option<Delimiter>,
    /// A chrono format such as `%d/%m/%Y` accepted for dates besides ISO `YYYY-MM-DD`.
    pub date_format: Option<String>,
}

/// Checks a `settings.date_format` value: it must print and read back a whole date.
pub fn check_date_format(format: &str) -> Result<(), String> {
    use std::fmt::Write as _;
    let probe = NaiveDate::from_ymd_opt(2027, 3, 20).expect("a valid date");
    let mut printed = String::new();
    if write!(printed, "{}", probe.format(format)).is_err() {
        return Err(format!("{format:?} is not a date format"));
    }
    match NaiveDate::parse_from_str(&printed, format) {
        Ok(back) if back == probe => Ok(()),
        _ => Err(format!(
            "{format:?} does not name a whole date (day, month and year)"
        )),
    }
}

/// The canonical form of a header cell: trimmed, lower case, spaces and dashes as `_`, so
/// `Event`, ` Make Ahead Days ` and `make-ahead-days` all name their column.
pub fn header(cell: &str) -> String {
    cell.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// A cell in the canonical form: decimal commas become points in semicolon files
/// (`1,5` → `1.5`, `1,5 kg` → `1.5 kg`), and dates in the file's `date_format` become ISO.
/// Anything else is returned as written.
pub fn cell(text: &str, delimiter: Delimiter, date_format: Option<&str>) -> String {
    let text = text.trim();
    if delimiter == Delimiter::Semicolon
        && let Some(number) = decimal_comma(text)
    {
        return number;
    }
    if let Some(format) = date_format
        && !text.is_empty()
        && let Ok(date) = NaiveDate::parse_from_str(text, format)
    {
        return date.format("%Y-%m-%d").to_string();
    }
    text.to_owned()
}

/// `1,5`, `-0,25` or `1,5 kg` with a decimal comma, rewritten with a point.
fn decimal_comma(text: &str) -> Option<String> {
    let (number, rest) = match text.find(' ') {
        Some(space) => (&text[..space], &text[space..]),
        None => (text, ""),
    };
    let digits = number.strip_prefix(['-', '+']).unwrap_or(number);
    let (whole, fraction) = digits.split_once(',')?;
    let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unit_ok = rest
        .trim()
        .chars()
        .all(|c| c.is_alphabetic() || c == ' ' || c == '.');
    (is_digits(whole) && is_digits(fraction) && unit_ok).then(|| {
        format!(
            "{}.{}{}",
            &number[..number.len() - fraction.len() - 1],
            fraction,
            rest
        )
    })
}

/// Line numbers for byte offsets of a text whose lines may end in LF, CRLF or a lone CR.
pub struct Lines {
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl Lines {
    /// Indexes `text`.
    pub fn new(text: &str) -> Lines {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Lines { starts }
    }

    /// The 1-based line of the first character at or after `offset` that is not a line
    /// ending (a CSV reader reports a record's offset just after the previous record's
    /// first terminator byte, which for CRLF is the `\n`).
    pub fn line_at(&self, text: &str, offset: usize) -> u64 {
        let bytes = text.as_bytes();
        let mut at = offset.min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        (self.starts.partition_point(|start| *start <= at)) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_separator_from_the_header() {
        assert_eq!(
            Delimiter::detect("event;kind;item;qty\n1,5;a;b;c"),
            Delimiter::Semicolon
        );
        assert_eq!(Delimiter::detect("event\tkind\n"), Delimiter::Tab);
        assert_eq!(Delimiter::detect("slug,name\r\nx;y;z;w"), Delimiter::Comma);
        assert_eq!(Delimiter::detect("\"a;b\",c\n"), Delimiter::Comma);
        assert_eq!(Delimiter::detect("slug"), Delimiter::Comma);
    }

    #[test]
    fn decimal_commas_only_in_semicolon_files_and_only_numbers() {
        let semi = Delimiter::Semicolon;
        assert_eq!(cell("1,5", semi, None), "1.5");
        assert_eq!(cell("-0,25", semi, None), "-0.25");
        assert_eq!(cell("1,5 kg", semi, None), "1.5 kg");
        assert_eq!(cell("salt, fine", semi, None), "salt, fine");
        assert_eq!(cell("1,5,6", semi, None), "1,5,6");
        assert_eq!(cell("1,5", Delimiter::Comma, None), "1,5");
    }

    #[test]
    fn dates_in_the_declared_format_become_iso() {
        assert_eq!(
            cell("20/03/2027", Delimiter::Comma, Some("%d/%m/%Y")),
            "2027-03-20"
        );
        assert_eq!(
            cell("2027-03-20", Delimiter::Comma, Some("%d/%m/%Y")),
            "2027-03-20"
        );
        assert_eq!(cell("20/03/2027", Delimiter::Comma, None), "20/03/2027");
        assert!(check_date_format("%d/%m/%Y").is_ok());
        assert!(check_date_format("%d/%m").is_err());
        assert!(check_date_format("%Q").is_err());
    }

    #[test]
    fn headers_ignore_case_and_spacing() {
        assert_eq!(header(" Make Ahead Days "), "make_ahead_days");
        assert_eq!(header("Event"), "event");
    }

    #[test]
    fn line_numbers_for_every_line_ending() {
        for ending in ["\n", "\r\n", "\r"] {
            let text = ["a", "b", "c"].join(ending);
            let lines = Lines::new(&text);
            let c = text.find('c').unwrap();
            assert_eq!(lines.line_at(&text, c), 3, "{ending:?}");
            // The offset a CSV reader gives: just after the previous line's first byte.
            let b_end = text.find('b').unwrap() + 2;
            assert_eq!(lines.line_at(&text, b_end), 3, "{ending:?}");
            assert_eq!(lines.line_at(&text, 0), 1);
        }
    }
}
