//! Typed access to one record's fields, collecting located errors.
//!
//! A [`Fields`] wraps one mapping node. Each getter marks the key as used and, when the value
//! is missing or malformed, records a diagnostic instead of failing, so that one pass over a
//! catalogue reports every problem. [`Fields::finish`] flags the keys nobody asked for:
//! unknown fields are errors, with the nearest known field suggested.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::diag::{Diagnostic, Loc, did_you_mean};
use super::tree::{Node, NodeKind};
use super::units::{Quantity, Unit, parse_amount, split_quantity};

/// What a number must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// Greater than zero.
    Positive,
    /// Zero or more.
    NonNegative,
    /// Greater than zero, at most 100.
    PercentOfWhole,
    /// At least zero, below 100.
    PercentBelowHundred,
}

impl Bound {
    fn check(self, value: Decimal) -> Result<(), &'static str> {
        let ok = match self {
            Bound::Positive => value > Decimal::ZERO,
            Bound::NonNegative => value >= Decimal::ZERO,
            Bound::PercentOfWhole => value > Decimal::ZERO && value <= Decimal::ONE_HUNDRED,
            Bound::PercentBelowHundred => value >= Decimal::ZERO && value < Decimal::ONE_HUNDRED,
        };
        if ok {
            return Ok(());
        }
        Err(match self {
            Bound::Positive => "must be greater than zero",
            Bound::NonNegative => "must not be negative",
            Bound::PercentOfWhole => "must be a percentage above 0 and at most 100",
            Bound::PercentBelowHundred => "must be a percentage from 0 up to (not including) 100",
        })
    }
}

/// One record's fields, being read.
pub struct Fields<'a> {
    table: &'static str,
    loc: Loc,
    entries: &'a [(super::tree::Key, Node)],
    used: Vec<bool>,
    known: &'static [&'static str],
    prefix: String,
    record: Option<String>,
    /// Problems found so far in this record.
    pub errors: Vec<Diagnostic>,
}

impl<'a> Fields<'a> {
    /// Opens a record node. `known` lists the fields this kind of record may have; `prefix`
    /// is prepended to field names in messages (`ingredients[2].`). Returns `None` (with the
    /// error pushed into `errors`) when the node is not a mapping.
    pub fn open(
        node: &'a Node,
        table: &'static str,
        known: &'static [&'static str],
        prefix: String,
        record: Option<String>,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<Fields<'a>> {
        match &node.kind {
            NodeKind::Map(entries) => Some(Fields {
                table,
                loc: node.loc.clone(),
                entries,
                used: vec![false; entries.len()],
                known,
                prefix,
                record,
                errors: Vec::new(),
            }),
            _ => {
                errors.push(
                    Diagnostic::new(
                        &node.loc,
                        table,
                        "wrong-type",
                        format!(
                            "expected a record (a mapping of fields), found {}",
                            node.describe()
                        ),
                    )
                    .record(record.as_deref())
                    .maybe_hint((!prefix.is_empty()).then(|| {
                        format!(
                            "write {} as `key: value` lines",
                            prefix.trim_end_matches('.')
                        )
                    })),
                );
                None
            }
        }
    }

    /// The record's location (its first key).
    pub fn loc(&self) -> &Loc {
        &self.loc
    }

    /// Names the record in later messages (once its slug is known).
    pub fn set_record(&mut self, record: &str) {
        self.record = Some(record.to_owned());
    }

    /// The record name used in messages.
    pub fn record(&self) -> Option<&str> {
        self.record.as_deref()
    }

    /// The table name used in messages.
    pub fn table(&self) -> &'static str {
        self.table
    }

    /// The full field path for messages.
    pub fn path(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// A located error about `field` at `loc`.
    pub fn error(
        &mut self,
        loc: &Loc,
        field: &str,
        code: &'static str,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let path = self.path(field);
        self.errors.push(
            Diagnostic::new(loc, self.table, code, message)
                .record(self.record.as_deref())
                .field(&path)
                .maybe_hint(hint),
        );
    }

    /// Whether a field is present (without marking it used).
    pub fn has(&self, name: &str) -> bool {
        self.entries
            .iter()
            .any(|(k, n)| &*k.name == name && !matches!(n.kind, NodeKind::Null))
    }

    /// The node of a field, marking it used; null values count as absent.
    pub fn node(&mut self, name: &str) -> Option<&'a Node> {
        let index = self.entries.iter().position(|(k, _)| &*k.name == name)?;
        self.used[index] = true;
        let node = &self.entries[index].1;
        (!matches!(node.kind, NodeKind::Null)).then_some(node)
    }

    /// Where a field is (the record's location when it is absent), marking it used.
    pub fn loc_of(&mut self, name: &str) -> Loc {
        self.node(name)
            .map_or_else(|| self.loc.clone(), |n| n.loc.clone())
    }

    fn missing(&mut self, name: &str, what: &str) {
        let loc = self.loc.clone();
        self.error(
            &loc,
            name,
            "missing-field",
            format!("missing required field `{name}`"),
            Some(self.add_hint(name, what)),
        );
    }

    /// Whether the record came from a CSV file (hints then name columns, not YAML keys).
    pub fn is_csv(&self) -> bool {
        self.loc.file.ends_with(".csv")
    }

    /// How to supply a missing field, in the syntax of the record's own file.
    pub fn add_hint(&self, name: &str, example: &str) -> String {
        if self.is_csv() {
            format!("fill in the `{name}` column (add it to the header if missing), e.g. {example}")
        } else {
            format!("add `{name}: {example}`")
        }
    }

    /// A scalar as text, or an error when it is a list or mapping.
    pub fn text(&mut self, name: &str) -> Option<(String, Loc)> {
        let node = self.node(name)?;
        match &node.kind {
            NodeKind::Scalar(text) => Some((text.clone(), node.loc.clone())),
            _ => {
                let message = format!("expected a single value, found {}", node.describe());
                self.error(&node.loc, name, "wrong-type", message, None);
                None
            }
        }
    }

    /// A required text field.
    pub fn req_text(&mut self, name: &str, what: &str) -> Option<String> {
        let value = self.text(name);
        if value.is_none() && !self.has(name) {
            self.missing(name, what);
        }
        let (text, loc) = value?;
        if text.trim().is_empty() {
            self.error(
                &loc,
                name,
                "blank",
                format!("{name} is blank"),
                Some(format!("write a {name}, e.g. {what:?}")),
            );
            return None;
        }
        Some(text)
    }

    /// An optional text field.
    pub fn opt_text(&mut self, name: &str) -> Option<String> {
        self.text(name).map(|(t, _)| t)
    }

    /// A required slug field (a record's own key or a reference).
    pub fn req_slug(&mut self, name: &str) -> Option<(String, Loc)> {
        let Some((text, loc)) = self.text(name) else {
            if !self.has(name) {
                self.missing(name, "a-slug");
            }
            return None;
        };
        match slug_problem(&text) {
            None => Some((text, loc)),
            Some(problem) => {
                if name == "slug" && self.record.is_none() {
                    self.record = Some(text.clone());
                }
                let suggestion = suggest_slug(&text);
                self.error(
                    &loc,
                    name,
                    "bad-slug",
                    format!("{text:?} is not a valid slug: {problem}"),
                    Some(format!(
                        "use lowercase letters, digits, `-` and `_`, e.g. {suggestion:?}"
                    )),
                );
                None
            }
        }
    }

    /// A decimal number with a bound.
    pub fn decimal(&mut self, name: &str, bound: Bound) -> Option<Decimal> {
        let (text, loc) = self.text(name)?;
        self.check_decimal(&text, &loc, name, bound)
    }

    /// A required decimal number with a bound.
    pub fn req_decimal(&mut self, name: &str, bound: Bound) -> Option<Decimal> {
        let value = self.decimal(name, bound);
        if value.is_none() && !self.has(name) {
            self.missing(name, "a number");
        }
        value
    }

    fn check_decimal(
        &mut self,
        text: &str,
        loc: &Loc,
        name: &str,
        bound: Bound,
    ) -> Option<Decimal> {
        let Some(value) = parse_amount(text) else {
            self.error(
                loc,
                name,
                "not-a-number",
                format!("expected a number, found {text:?}"),
                Some("write a plain number such as 2.5 or 1/2".to_owned()),
            );
            return None;
        };
        match bound.check(value) {
            Ok(()) => Some(value.normalize()),
            Err(problem) => {
                self.error(loc, name, "out-of-range", format!("{text} {problem}"), None);
                None
            }
        }
    }

    /// A whole number ≥ `min`.
    pub fn whole(&mut self, name: &str, min: u64) -> Option<u64> {
        let (text, loc) = self.text(name)?;
        self.check_whole(&text, &loc, name, min)
    }

    /// A required whole number ≥ `min`.
    pub fn req_whole(&mut self, name: &str, min: u64) -> Option<u64> {
        let value = self.whole(name, min);
        if value.is_none() && !self.has(name) {
            self.missing(name, "a whole number");
        }
        value
    }

    fn check_whole(&mut self, text: &str, loc: &Loc, name: &str, min: u64) -> Option<u64> {
        let value = parse_amount(text);
        match value {
            Some(v) if v.fract().is_zero() && v >= Decimal::from(min) => v.to_u64(),
            Some(v) if !v.fract().is_zero() => {
                self.error(
                    loc,
                    name,
                    "not-whole",
                    format!("expected a whole number, found {text}"),
                    Some(format!("round to {} or {}", v.floor(), v.ceil())),
                );
                None
            }
            Some(_) => {
                let message = if min == 1 {
                    format!("{text} must be greater than zero")
                } else {
                    format!("{text} must not be negative")
                };
                self.error(loc, name, "out-of-range", message, None);
                None
            }
            None => {
                self.error(
                    loc,
                    name,
                    "not-a-number",
                    format!("expected a whole number, found {text:?}"),
                    None,
                );
                None
            }
        }
    }

    /// An optional yes/no field (default false).
    pub fn flag(&mut self, name: &str) -> bool {
        let Some((text, loc)) = self.text(name) else {
            return false;
        };
        match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => true,
            "false" | "no" | "n" | "0" => false,
            _ => {
                self.error(
                    &loc,
                    name,
                    "not-a-boolean",
                    format!("expected true or false, found {text:?}"),
                    None,
                );
                false
            }
        }
    }

    /// A calendar date `YYYY-MM-DD`.
    pub fn date(&mut self, name: &str) -> Option<NaiveDate> {
        let (text, loc) = self.text(name)?;
        let padded = {
            let b = text.trim().as_bytes();
            b.len() == 10 && b[4] == b'-' && b[7] == b'-'
        };
        match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
            Ok(date) if padded => Some(date),
            _ => {
                let hint = if self.is_csv() && text.contains(['/', '.']) {
                    "write dates as YYYY-MM-DD, or give the spreadsheet's order in settings, \
                     e.g. date_format %d/%m/%Y"
                } else {
                    "write dates as YYYY-MM-DD, with two-digit month and day"
                };
                self.error(
                    &loc,
                    name,
                    "bad-date",
                    format!("expected a date like 2026-12-24, found {text:?}"),
                    Some(hint.to_owned()),
                );
                None
            }
        }
    }

    /// A unit name.
    pub fn unit(&mut self, name: &str) -> Option<Unit> {
        let (text, loc) = self.text(name)?;
        self.check_unit(&text, &loc, name)
    }

    fn check_unit(&mut self, text: &str, loc: &Loc, name: &str) -> Option<Unit> {
        let unit = Unit::parse(text);
        if unit.is_none() {
            let hint = Unit::nearest(text).map(|near| format!("did you mean {near:?}?"));
            self.error(
                loc,
                name,
                "unknown-unit",
                format!("unknown unit {text:?}"),
                hint.or_else(|| {
                    Some(
                        "known units: g kg oz lb ml l tsp tbsp fl oz cup pt qt gal each dozen"
                            .to_owned(),
                    )
                }),
            );
        }
        unit
    }

    /// A quantity written `qty: "2.25 cup"` or `qty: 2.25` with `unit: cup`. With
    /// `default_unit`, a bare number without a unit is taken in that unit.
    pub fn quantity(
        &mut self,
        qty_field: &str,
        unit_field: &str,
        bound: Bound,
        default_unit: Option<Unit>,
    ) -> Option<Quantity> {
        let separate_unit = self.text(unit_field);
        let Some((text, loc)) = self.text(qty_field) else {
            if !self.has(qty_field) {
                self.missing(qty_field, "2.5 (with a unit)");
            }
            return None;
        };
        if let Some((unit_text, unit_loc)) = separate_unit {
            let value = self.check_decimal(&text, &loc, qty_field, bound);
            let unit = self.check_unit(&unit_text, &unit_loc, unit_field);
            return Some(Quantity::new(value?, unit?));
        }
        match split_quantity(&text) {
            Some((value, unit_text)) if !unit_text.is_empty() => {
                let value = self.check_decimal(&value.to_string(), &loc, qty_field, bound);
                let unit = self.check_unit(unit_text, &loc, qty_field);
                Some(Quantity::new(value?, unit?))
            }
            Some(_) => match default_unit {
                Some(unit) => self
                    .check_decimal(&text, &loc, qty_field, bound)
                    .map(|v| Quantity::new(v, unit)),
                None => {
                    self.error(
                        &loc,
                        qty_field,
                        "missing-unit",
                        format!("{text} has no unit"),
                        Some(if self.is_csv() {
                            format!("fill in the `{unit_field}` column, e.g. cup")
                        } else {
                            format!(
                                "write `{qty_field}: \"{text} cup\"` or add `{unit_field}: cup`"
                            )
                        }),
                    );
                    None
                }
            },
            None => {
                self.error(
                    &loc,
                    qty_field,
                    "not-a-number",
                    format!("expected an amount with a unit such as \"2.25 cup\", found {text:?}"),
                    None,
                );
                None
            }
        }
    }

    /// The items of a list field (absent = empty). A single mapping counts as a list of one.
    pub fn list(&mut self, name: &str) -> &'a [Node] {
        let Some(node) = self.node(name) else {
            return &[];
        };
        match &node.kind {
            NodeKind::Seq(items) => items,
            NodeKind::Map(_) => std::slice::from_ref(node),
            _ => {
                let message = format!("expected a list, found {}", node.describe());
                self.error(
                    &node.loc,
                    name,
                    "wrong-type",
                    message,
                    Some(format!("write `{name}:` followed by `- ...` lines")),
                );
                &[]
            }
        }
    }

    /// Exactly one of `choices` present: returns its name, or records an error.
    pub fn one_of(&mut self, choices: &[&'static str]) -> Option<&'static str> {
        let present: Vec<&'static str> = choices.iter().copied().filter(|c| self.has(c)).collect();
        match present.as_slice() {
            [one] => Some(one),
            [] => {
                let loc = self.loc.clone();
                let message = format!(
                    "needs one of {}",
                    choices
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                self.error(
                    &loc,
                    choices[0],
                    "missing-field",
                    message,
                    Some(self.add_hint(choices[0], "<slug>")),
                );
                None
            }
            several => {
                let loc = self.loc.clone();
                let message = format!(
                    "has {} but may have only one of them",
                    several.join(" and ")
                );
                self.error(
                    &loc,
                    several[1],
                    "conflicting-fields",
                    message,
                    Some("split it into separate lines".to_owned()),
                );
                None
            }
        }
    }

    /// Flags unknown keys and hands back every problem found in the record.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        for (index, (key, _)) in self.entries.iter().enumerate() {
            if !self.used[index] && !self.known.contains(&&*key.name) {
                let hint = did_you_mean(&key.name, self.known.iter().copied())
                    .unwrap_or_else(|| format!("known fields: {}", self.known.join(", ")));
                let path = format!("{}{}", self.prefix, key.name);
                self.errors.push(
                    Diagnostic::new(
                        &key.loc,
                        self.table,
                        "unknown-field",
                        format!("unknown field `{}`", key.name),
                    )
                    .record(self.record.as_deref())
                    .field(&path)
                    .hint(hint),
                );
            }
        }
        self.errors
    }
}

/// Why `text` is not a slug, if it is not.
pub fn slug_problem(text: &str) -> Option<&'static str> {
    if text.is_empty() {
        return Some("it is empty");
    }
    if text.len() > 128 {
        return Some("it is longer than 128 characters");
    }
    if text.chars().any(|c| c.is_ascii_uppercase()) {
        return Some("it has uppercase letters");
    }
    if !text
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Some("it has characters other than a-z, 0-9, - and _");
    }
    None
}

/// A slug made from arbitrary text: `"Choc Chip!"` → `"choc-chip"`.
pub fn suggest_slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}
