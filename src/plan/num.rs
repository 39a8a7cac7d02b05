//! [`Num`], the exact quantity of a plan's results, and the two ways it is written: as a
//! JSON number rounded to six places (plan.json, templates) and as its exact decimal text
//! (the `_exact` columns of the result tables).
//!
//! A chain's night writes tens of millions of them, so both have a fast path for what
//! nearly every quantity is — at most six places and fifteen digits — that gives exactly
//! what the general decimal path gives (the tests compare the two) without its 96-bit
//! divisions.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Serialize, Serializer};

/// An exact quantity that serialises as a JSON number rounded to 6 decimal places.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Num(pub Decimal);

/// Powers of ten exact as f64.
const POW10_EXACT: [f64; 16] = [
    1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Below 2⁵⁰ a mantissa and its quotient by a power of ten convert to f64 as the decimal
/// path does (the quotient correctly rounded).
const FAST_MANTISSA: i64 = 1 << 50;

impl Num {
    /// The value without trailing zeros as (mantissa, places), when its mantissa fits an
    /// i64 and it has at most `max_places` places.
    fn small(self, max_places: u32) -> Option<(i64, u32)> {
        let places = self.0.scale();
        if places > max_places {
            return None;
        }
        let mut mantissa = i64::try_from(self.0.mantissa()).ok()?;
        let mut places = places;
        while places > 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            places -= 1;
        }
        Some((mantissa, places))
    }

    /// Appends the exact decimal text, as `Decimal::normalize().to_string()` writes it
    /// (`2.5`, `-0.125`, `3`).
    pub fn write_exact(self, out: &mut String) {
        let Some((mantissa, places)) = self.small(18) else {
            out.push_str(&self.0.normalize().to_string());
            return;
        };
        if mantissa < 0 {
            out.push('-');
        }
        let magnitude = mantissa.unsigned_abs();
        if places == 0 {
            push_digits(out, magnitude, 1);
            return;
        }
        let scale = 10u64.pow(places);
        push_digits(out, magnitude / scale, 1);
        out.push('.');
        push_digits(out, magnitude % scale, places as usize);
    }

    /// The nearest f64, as `Decimal::to_f64` gives it (the REAL columns).
    pub fn to_f64(self) -> f64 {
        let places = self.0.scale();
        if let Some(&power) = POW10_EXACT.get(places as usize)
            && let Ok(mantissa) = i64::try_from(self.0.mantissa())
            && mantissa.abs() < FAST_MANTISSA
        {
            return mantissa as f64 / power;
        }
        self.0.to_f64().unwrap_or(f64::NAN)
    }

    /// The exact decimal text ([`Num::write_exact`]).
    pub fn exact_text(self) -> String {
        let mut text = String::with_capacity(16);
        self.write_exact(&mut text);
        text
    }

    /// The JSON number: a whole number as an integer, anything else as the f64 nearest to
    /// the value rounded to six places.
    fn json(self) -> Json {
        if let Some((mantissa, places)) = self.small(6)
            && mantissa.abs() < FAST_MANTISSA
        {
            return if places == 0 {
                Json::Whole(mantissa)
            } else {
                Json::Real(mantissa as f64 / POW10_EXACT[places as usize])
            };
        }
        self.json_by_decimal()
    }

    /// [`Num::json`] through decimal arithmetic, for any value.
    fn json_by_decimal(self) -> Json {
        // Rounding is needed only past six places (most quantities have fewer).
        let exact = if self.0.scale() > 6 {
            self.0.round_dp(6)
        } else {
            self.0
        };
        let rounded = exact.normalize();
        // Normalised, a whole number has no places.
        if rounded.scale() == 0
            && let Some(whole) = rounded.to_i64()
        {
            return Json::Whole(whole);
        }
        Json::Real(rounded.to_f64().unwrap_or(0.0))
    }
}

/// Appends a count in decimal digits (as `n.to_string()` writes it, without the String).
pub fn push_count(out: &mut String, n: u64) {
    push_digits(out, n, 1);
}

/// Appends `n` in decimal digits, zero-padded to `width`.
pub fn push_digits(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    while n > 0 || digits.len() - start < width {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

/// A [`Num`] as JSON has it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Json {
    Whole(i64),
    Real(f64),
}

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.json() {
            Json::Whole(whole) => serializer.serialize_i64(whole),
            Json::Real(real) => serializer.serialize_f64(real),
        }
    }
}

impl From<Decimal> for Num {
    fn from(value: Decimal) -> Self {
        Num(value)
    }
}

impl From<u64> for Num {
    fn from(value: u64) -> Self {
        Num(Decimal::from(value))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn same(value: Decimal) {
        let num = Num(value);
        let json = num.json();
        let by_decimal = num.json_by_decimal();
        // Bit for bit: the same f64 prints the same JSON.
        match (json, by_decimal) {
            (Json::Real(a), Json::Real(b)) => assert_eq!(a.to_bits(), b.to_bits(), "{value}"),
            _ => assert_eq!(json, by_decimal, "{value}"),
        }
        assert_eq!(num.exact_text(), value.normalize().to_string(), "{value}");
        let real = value.to_f64().unwrap_or(f64::NAN);
        assert_eq!(num.to_f64().to_bits(), real.to_bits(), "{value}");
    }

    #[test]
    fn the_fast_paths_write_what_the_decimal_path_writes() {
        for text in [
            "0",
            "-0",
            "0.000",
            "1",
            "-1",
            "2.50",
            "0.05",
            "-0.125",
            "1000",
            "1000.000",
            "43.529",
            "0.000001",
            "-0.000001",
            "123456789.123456",
            "0.1234567",
            "1.0000005",
            "999999.9999995",
            "1125899906842623",
            "1125899906842624",
            "-1125899906842624.5",
            "79228162514264337593543950335",
            "0.0000000000000000000000000001",
        ] {
            same(text.parse().expect("decimal"));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        #[test]
        fn any_decimal_is_written_as_the_decimal_path_writes_it(
            mantissa in any::<i64>(),
            small in -10_000_000i64..10_000_000,
            fast in -FAST_MANTISSA..FAST_MANTISSA,
            places in 0u32..=18,
        ) {
            same(Decimal::new(mantissa, places));
            same(Decimal::new(small, places));
            same(Decimal::new(fast, places));
        }
    }
}
