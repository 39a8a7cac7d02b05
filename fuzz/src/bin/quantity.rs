//! Fuzzes the amount, quantity, unit and density parsers and unit conversion: parsing never
//! panics, and whatever parses converts without overflow panics (too large is an error).

use bakeplan::catalog::dialect::{self, Delimiter};
use bakeplan::catalog::units::{self, convert, parse_amount, split_quantity};
use bakeplan::catalog::{Density, Unit};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let (left, right) = text.split_once('|').unwrap_or((text, "g"));
        let _ = parse_amount(left);
        let density = Density::parse(right).ok();
        let target = Unit::parse(right).or_else(|| Unit::parse(right.trim()));
        let _ = Unit::nearest(left);
        if let Some((value, unit_text)) = split_quantity(left)
            && let Some(unit) = Unit::parse(unit_text)
        {
            for to in [Unit::parse("g"), Unit::parse("cup"), Unit::parse("each"), target]
                .into_iter()
                .flatten()
            {
                let _ = convert(value, unit, to, density.as_ref());
                let _ = units::convert_unrounded(value, unit, to, density.as_ref());
            }
        }
        for delimiter in [Delimiter::Comma, Delimiter::Semicolon] {
            let cell = dialect::cell(left, delimiter, Some(right));
            let _ = parse_amount(&cell);
        }
        let _ = dialect::check_date_format(right);
        let _ = Delimiter::detect(text);
    });
}
