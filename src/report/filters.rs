//! Template filters: numbers at the configured decimals, money, percentages, and CSV fields
//! written through the csv crate with formula injection neutralised.

use minijinja::{Environment, Error, ErrorKind, State, Value};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

/// Registers every filter.
pub fn register(env: &mut Environment<'static>) {
    env.add_filter("num", num);
    env.add_filter("qty", qty);
    env.add_filter("money", money);
    env.add_filter("pct", pct);
    env.add_filter("csv", csv_field);
    env.add_filter("csv_row", csv_row);
    env.add_filter("ceil", ceil);
    env.add_filter("css_string", css_string);
}

/// Text as a quoted CSS string, safe inside a `<style>` element: quotes, backslashes, line
/// breaks and angle brackets become CSS escapes (for running page headers).
fn css_string(value: Value) -> Value {
    let text = value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned);
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' | '<' | '>' | '&' => out.push_str(&format!("\\{:X} ", u32::from(c))),
            c if c.is_control() => out.push_str(&format!("\\{:X} ", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    Value::from_safe_string(out)
}

/// Decimal places for quantities: `settings.decimals`, else `run.decimals`, else 3.
fn decimals(state: &State) -> u32 {
    for (outer, inner) in [("settings", "decimals"), ("run", "decimals")] {
        if let Some(value) = state
            .lookup(outer)
            .and_then(|v| v.get_attr(inner).ok())
            .and_then(|v| v.as_i64())
        {
            return u32::try_from(value).unwrap_or(3).min(9);
        }
    }
    3
}

fn decimal(value: &Value) -> Option<Decimal> {
    if value.is_none() || value.is_undefined() {
        return None;
    }
    if let Some(whole) = value.as_i64() {
        return Some(Decimal::from(whole));
    }
    f64::try_from(value.clone())
        .ok()
        .and_then(Decimal::from_f64)
}

/// A float as a whole number of millionths, when it is one: the numbers of a plan are
/// decimals of at most six places (see `plan::result::Num`), and templates see them as the
/// nearest float. Recovering the decimal with one multiplication lets the filters round and
/// print it with integer arithmetic instead of a float-to-decimal conversion per cell (the
/// cells of a chain's sheets are millions). `None` for anything else (a float from template
/// arithmetic that is no such decimal, too large, not finite), which takes the decimal path.
fn millionths(value: &Value) -> Option<i64> {
    let x = f64::try_from(value.clone()).ok()?;
    if !x.is_finite() || x.abs() >= 1e9 {
        return None;
    }
    let scaled = x * 1e6;
    let whole = scaled.round();
    // The float nearest a six-place decimal below 10⁹ is within 2⁻³ of it, scaled.
    ((scaled - whole).abs() < 1e-3).then_some(whole as i64)
}

/// `millionths` rounded half away from zero to `places` (at most 6): a count of 10^-places.
fn rounded(millionths: i64, places: u32) -> i64 {
    let unit = 10_i64.pow(6 - places);
    let (whole, rest) = (millionths / unit, millionths % unit);
    if rest.abs() * 2 >= unit {
        whole + millionths.signum()
    } else {
        whole
    }
}

/// A count of 10^-places written out with `places` decimals, or with trailing zeros
/// dropped when `trim`.
fn written(count: i64, places: u32, trim: bool) -> String {
    use crate::plan::num::push_digits;
    let unit = 10_u64.pow(places);
    let (whole, mut fraction) = (count.unsigned_abs() / unit, count.unsigned_abs() % unit);
    let mut places = places;
    while trim && places > 0 && fraction % 10 == 0 {
        fraction /= 10;
        places -= 1;
    }
    let mut text = String::with_capacity(24);
    if count < 0 {
        text.push('-');
    }
    push_digits(&mut text, whole, 1);
    if places > 0 {
        text.push('.');
        push_digits(&mut text, fraction, places as usize);
    }
    text
}

/// The fast path of `num`, `money` and `pct` (see [`millionths`]).
fn fast(value: &Value, places: u32, trim: bool) -> Option<String> {
    if places > 6 {
        return None;
    }
    let m = millionths(value)?;
    let count = rounded(m, places);
    // A negative amount that rounds to zero is left to the decimal path, which knows how a
    // negative zero prints.
    if count == 0 && m < 0 {
        return None;
    }
    Some(written(count, places, trim))
}

fn not_a_number(value: &Value) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("expected a number, got {value}"),
    )
}

fn plain(value: Decimal, places: u32) -> String {
    value
        .round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string()
}

/// A plain decimal rounded to the configured places, trailing zeros dropped (`12.5`, `3`);
/// empty for none.
fn num(state: &State, value: Value) -> Result<String, Error> {
    if value.is_none() {
        return Ok(String::new());
    }
    // Counts are most of a sheet's numbers: no rounding to do.
    if let Some(whole) = value.as_i64() {
        return Ok(whole.to_string());
    }
    let places = decimals(state);
    if let Some(text) = fast(&value, places, true) {
        return Ok(text);
    }
    decimal(&value)
        .map(|d| plain(d, places))
        .ok_or_else(|| not_a_number(&value))
}

/// A quantity with its unit: `{{ 2.5 | qty("cup") }}` → `2.5 cup`. Counted things read as
/// a baker says them: `4½ each`, `¾ each`.
fn qty(state: &State, value: Value, unit: Option<&str>) -> Result<String, Error> {
    if unit == Some("each")
        && let Some(counted) = decimal(&value).and_then(fraction)
    {
        return Ok(format!("{counted} each"));
    }
    let mut amount = num(state, value)?;
    if let Some(unit) = unit.filter(|u| !u.is_empty())
        && !amount.is_empty()
    {
        amount.push(' ');
        amount.push_str(unit);
    }
    Ok(amount)
}

/// A count with a quarter, half or three-quarter part as a fraction glyph (`4½`); `None`
/// for whole counts and other fractions.
fn fraction(value: Decimal) -> Option<String> {
    let whole = value.trunc();
    let glyph = match (value - whole).normalize().to_string().as_str() {
        "0.25" => "¼",
        "0.5" => "½",
        "0.75" => "¾",
        _ => return None,
    };
    Some(if whole.is_zero() {
        glyph.to_owned()
    } else {
        format!("{}{glyph}", whole.normalize())
    })
}

/// Money with two decimals (`37.98`); empty for none (unknown).
fn money(value: Value) -> Result<String, Error> {
    if value.is_none() {
        return Ok(String::new());
    }
    if let Some(whole) = value.as_i64() {
        return Ok(format!("{whole}.00"));
    }
    if let Some(text) = fast(&value, 2, false) {
        return Ok(text);
    }
    let amount = decimal(&value).ok_or_else(|| not_a_number(&value))?;
    Ok(format!(
        "{:.2}",
        amount.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    ))
}

/// A percentage at the configured places: `48.958%`.
/// A percentage, always to one decimal place at most (`20.8%`, `5%`), as in the warnings.
fn pct(value: Value) -> Result<String, Error> {
    if let Some(text) = fast(&value, 1, true) {
        return Ok(format!("{text}%"));
    }
    let amount = decimal(&value).ok_or_else(|| not_a_number(&value))?;
    Ok(format!(
        "{}%",
        amount
            .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .normalize()
    ))
}

/// Whole number at or above.
fn ceil(value: Value) -> Result<i64, Error> {
    let amount = decimal(&value).ok_or_else(|| not_a_number(&value))?;
    rust_decimal::prelude::ToPrimitive::to_i64(&amount.ceil()).ok_or_else(|| not_a_number(&value))
}

/// Text that a spreadsheet would run as a formula gets a leading apostrophe.
fn neutralised(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn cell(value: &Value) -> String {
    if value.is_none() || value.is_undefined() {
        String::new()
    } else if let Some(text) = value.as_str() {
        neutralised(text)
    } else {
        value.to_string()
    }
}

fn write_record(cells: &[String]) -> Result<String, Error> {
    // One line: a small buffer (the default is 8 KB, zeroed for every line of a sheet).
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(256)
        .from_writer(Vec::new());
    writer
        .write_record(cells)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    Ok(text.trim_end_matches('\n').to_owned())
}

/// One CSV field, quoted as needed and formula-safe.
fn csv_field(value: Value) -> Result<String, Error> {
    write_record(&[cell(&value)])
}

/// A list as one CSV line (no line ending), every field quoted as needed and formula-safe.
fn csv_row(value: Value) -> Result<String, Error> {
    let cells: Vec<String> = value.try_iter()?.map(|v| cell(&v)).collect();
    write_record(&cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `written` by plain formatting.
    fn written_naive(count: i64, places: u32, trim: bool) -> String {
        let unit = 10_i64.pow(places);
        let sign = if count < 0 { "-" } else { "" };
        let whole = format!("{sign}{}", count.abs() / unit);
        if places == 0 {
            return whole;
        }
        let digits = format!("{:0width$}", count.abs() % unit, width = places as usize);
        let digits = if trim {
            digits.trim_end_matches('0')
        } else {
            &digits
        };
        if digits.is_empty() {
            whole
        } else {
            format!("{whole}.{digits}")
        }
    }

    proptest::proptest! {
        #[test]
        fn written_counts_read_as_plain_formatting_writes_them(
            count in -1_000_000_000_000_000i64..1_000_000_000_000_000,
            places in 0u32..=6,
            trim: bool,
        ) {
            proptest::prop_assert_eq!(written(count, places, trim), written_naive(count, places, trim));
        }
    }

    fn render(template: &str, ctx: Value) -> String {
        let mut env = Environment::new();
        register(&mut env);
        env.render_str(template, ctx).unwrap()
    }

    #[test]
    fn counts_read_as_fractions() {
        let ctx = minijinja::context! { settings => minijinja::context! { decimals => 2 } };
        assert_eq!(render("{{ 4.5 | qty('each') }}", ctx.clone()), "4½ each");
        assert_eq!(render("{{ 0.75 | qty('each') }}", ctx.clone()), "¾ each");
        assert_eq!(render("{{ 3 | qty('each') }}", ctx.clone()), "3 each");
        assert_eq!(render("{{ 1.3 | qty('each') }}", ctx.clone()), "1.3 each");
        assert_eq!(render("{{ 4.5 | qty('cup') }}", ctx), "4.5 cup");
    }

    #[test]
    fn numbers_drop_trailing_zeros_at_the_configured_places() {
        let ctx = Value::from(minijinja::value::Serde(
            serde_json::json!({"settings": {"decimals": 3}, "a": 12.5, "b": 3, "c": 0.33333, "d": null}),
        ));
        assert_eq!(
            render(
                "{{ a|num }} {{ b|num }} {{ c|num }} [{{ d|num }}] {{ a|qty('lb') }} {{ 37.9|money }} {{ 48.9583|pct }} {{ 20.8333|pct }}",
                ctx
            ),
            "12.5 3 0.333 [] 12.5 lb 37.90 49% 20.8%"
        );
    }

    /// The integer fast path prints exactly what the decimal path prints, for every
    /// six-place decimal a plan can hold, at every number of places.
    #[test]
    fn the_fast_path_prints_what_the_decimal_path_prints() {
        use proptest::prelude::*;
        let mut runner = proptest::test_runner::TestRunner::new(
            proptest::test_runner::Config::with_cases(20_000),
        );
        let result = runner.run(
            &(-999_999_999_999_i64..999_999_999_999, 0_u32..=6, 0_u32..=6),
            |(mantissa, scale, places)| {
                let exact = Decimal::new(mantissa, scale);
                let value = Value::from(rust_decimal::prelude::ToPrimitive::to_f64(&exact));
                let slow = decimal(&value).expect("a number");
                let money = format!(
                    "{:.2}",
                    slow.round_dp_with_strategy(
                        2,
                        rust_decimal::RoundingStrategy::MidpointAwayFromZero
                    )
                );
                let pct = plain(slow, 1);
                if let Some(fast) = fast(&value, places, true) {
                    prop_assert_eq!(fast, plain(slow, places));
                }
                if let Some(fast) = fast(&value, 2, false) {
                    prop_assert_eq!(fast, money);
                }
                if let Some(fast) = fast(&value, 1, true) {
                    prop_assert_eq!(fast, pct);
                }
                Ok(())
            },
        );
        if let Err(error) = result {
            panic!("{error}");
        }
        // Midpoints round away from zero; a negative zero is left to the decimal path.
        let at = |x: f64, places| fast(&Value::from(x), places, true);
        assert_eq!(at(2.0005, 3).as_deref(), Some("2.001"));
        assert_eq!(at(-2.0005, 3).as_deref(), Some("-2.001"));
        assert_eq!(at(0.1 + 0.2, 3).as_deref(), Some("0.3"));
        assert_eq!(at(-0.0004, 3), None);
        assert_eq!(at(1e12, 3), None);
        assert_eq!(at(0.1234567, 3), None);
    }

    #[test]
    fn csv_cells_are_quoted_and_formula_safe() {
        let ctx = Value::from(minijinja::value::Serde(
            serde_json::json!({"row": ["=SUM(A1)", "+1", "-x", "@me", "a, \"b\"\nc", 2.5, null]}),
        ));
        assert_eq!(
            render("{{ row|csv_row }}", ctx),
            "'=SUM(A1),'+1,'-x,'@me,\"a, \"\"b\"\"\nc\",2.5,"
        );
    }
}
