//! Table work over contribution lines, with polars (SPEC §5.4, §5.5): sum per (event, line,
//! unit, path) — the provenance — and per (event, line, unit) — the totals — then net the
//! totals against usable stock with a join.
//!
//! One frame holds the lines of every event computed together, so polars' fixed cost is paid
//! once per batch of events, not per event. Quantities are exact integers in fixed-point
//! units (10⁻⁹ of the unit), so sums do not depend on the order polars adds them in, whatever
//! the thread count. Event, kind, id, unit and path are packed into one 64-bit key (one hash
//! column groups much faster than five); the packing order is the sort order of the results.
//! The queries are two eager group-by sums and sorts (stock is netted by summing it into the
//! totals' frame, so no join is needed): polars' lazy engine would add nothing to them but
//! half the release build.

use polars::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::PlanError;
use super::kinds::LineKind;
use crate::catalog::Unit;
use crate::catalog::units::WORKING_SCALE;

/// Fixed-point scale of line quantities: 10⁹ per unit.
pub const SCALE: u32 = 9;

/// Largest amount of anything, in any unit, that a plan counts (10⁹: a thousand tonnes in
/// grams). Larger amounts are refused with an error, never rounded or wrapped.
pub const MAX_AMOUNT: u64 = 1_000_000_000;

const EVENT_BITS: u32 = 10;
const KEY_BITS: u32 = 23;
const UNIT_BITS: u32 = 6;
const PATH_BITS: u32 = 24;

/// Most distinct provenance paths one plan's lines can carry.
pub const MAX_PLAN_PATHS: usize = 1 << PATH_BITS;

/// Most events one frame holds.
pub const MAX_EVENTS: usize = 1 << EVENT_BITS;

/// An exact decimal as fixed-point units, or `None` beyond ±[`MAX_AMOUNT`].
pub fn to_fixed(value: Decimal) -> Option<i64> {
    if value.abs() > Decimal::from(MAX_AMOUNT) {
        return None;
    }
    // Most amounts have at most nine places: their units are the mantissa scaled up, exactly
    // (no decimal multiplication and rounding per contribution line).
    let places = value.scale();
    if places <= SCALE {
        let units = value.mantissa().checked_mul(10_i128.pow(SCALE - places))?;
        return i64::try_from(units).ok();
    }
    (value * Decimal::from(1_000_000_000u64)).round().to_i64()
}

/// `a × b` rounded to [`WORKING_SCALE`] places, as fixed-point units (what a contribution
/// line carries), or `None` beyond ±[`MAX_AMOUNT`]. Exactly
/// `a.checked_mul(b).map(|q| q.round_dp(WORKING_SCALE)).and_then(to_fixed)`, in 128-bit
/// integers where the decimal product is exact (nearly every line of a plan; the tests
/// compare the two).
pub fn fixed_product(a: Decimal, b: Decimal) -> Option<i64> {
    let places = a.scale() + b.scale();
    if places <= 28
        && let Some(product) = a.mantissa().checked_mul(b.mantissa())
        && product.unsigned_abs() < 1 << 96
    {
        let (product, places) = if places > WORKING_SCALE {
            (half_even(product, places - WORKING_SCALE), WORKING_SCALE)
        } else {
            (product, places)
        };
        let limit = i128::from(MAX_AMOUNT) * 10_i128.pow(places);
        if product.abs() > limit {
            return None;
        }
        if places <= SCALE {
            return i64::try_from(product * 10_i128.pow(SCALE - places)).ok();
        }
        // `to_fixed` multiplies by 10⁹ first: exact while that product fits 96 bits.
        if product.unsigned_abs() < (1 << 96) / 1_000_000_000 {
            return i64::try_from(half_even(product, places - SCALE)).ok();
        }
    }
    fixed_product_by_decimals(a, b)
}

/// [`fixed_product`] in decimal arithmetic, for any operands.
fn fixed_product_by_decimals(a: Decimal, b: Decimal) -> Option<i64> {
    a.checked_mul(b)
        .map(|q| q.round_dp(WORKING_SCALE))
        .and_then(to_fixed)
}

/// `value` × 10^−`places`, rounded half to even (as `Decimal::round_dp` rounds).
fn half_even(value: i128, places: u32) -> i128 {
    let unit = 10_i128.pow(places);
    let (quotient, rest) = (value / unit, value % unit);
    let twice = rest.abs() * 2;
    if twice > unit || (twice == unit && quotient % 2 != 0) {
        quotient + value.signum()
    } else {
        quotient
    }
}

/// Fixed-point units back to a decimal.
pub fn from_fixed(fixed: i64) -> Decimal {
    Decimal::new(fixed, SCALE).normalize()
}

fn unit_id(unit: Unit) -> u64 {
    Unit::ALL.iter().position(|u| *u == unit).unwrap_or(0) as u64
}

fn unit_of(id: u64) -> Unit {
    Unit::ALL.get(id as usize).copied().unwrap_or(Unit::Each)
}

/// What a total is of: event, kind, id and unit, packed (the sort order of results).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TotalKey(u64);

impl TotalKey {
    /// Packs a key; `None` when an id is beyond the packing's range.
    pub fn new(event: u32, kind: LineKind, id: u32, unit: Unit) -> Option<TotalKey> {
        if event as usize >= MAX_EVENTS || id >= 1 << KEY_BITS {
            return None;
        }
        let kind = u64::from(kind == LineKind::Material);
        Some(TotalKey(
            (u64::from(event) << (1 + KEY_BITS + UNIT_BITS))
                | (kind << (KEY_BITS + UNIT_BITS))
                | (u64::from(id) << UNIT_BITS)
                | unit_id(unit),
        ))
    }

    /// The event's position in its batch.
    pub fn event(self) -> u32 {
        (self.0 >> (1 + KEY_BITS + UNIT_BITS)) as u32
    }

    /// Ingredient or material.
    pub fn kind(self) -> LineKind {
        if (self.0 >> (KEY_BITS + UNIT_BITS)) & 1 == 1 {
            LineKind::Material
        } else {
            LineKind::Ingredient
        }
    }

    /// The ingredient's or material's dense id.
    pub fn id(self) -> u32 {
        ((self.0 >> UNIT_BITS) & ((1 << KEY_BITS) - 1)) as u32
    }

    /// The unit.
    pub fn unit(self) -> Unit {
        unit_of(self.0 & ((1 << UNIT_BITS) - 1))
    }
}

/// One contribution: `qty` fixed-point units of a total, reached by a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// Event, kind, id and unit.
    pub key: Option<TotalKey>,
    /// Path id (per event).
    pub path: u32,
    /// Amount, fixed-point.
    pub qty: i64,
}

impl Line {
    /// A line; ids beyond the packing's range are refused by [`aggregate`].
    pub fn new(event: u32, kind: LineKind, id: u32, unit: Unit, path: u32, qty: i64) -> Line {
        Line {
            key: TotalKey::new(event, kind, id, unit),
            path,
            qty,
        }
    }

    fn packed(&self) -> Option<u64> {
        let key = self.key?;
        (self.path < 1 << PATH_BITS).then_some((key.0 << PATH_BITS) | u64::from(self.path))
    }
}

/// A sum per (total, path): one provenance row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceSum {
    /// The total it belongs to.
    pub key: TotalKey,
    /// Path id.
    pub path: u32,
    /// Sum, fixed-point.
    pub qty: i64,
}

/// A total netted against usable stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Netted {
    /// What it is a total of.
    pub key: TotalKey,
    /// Needed, fixed-point.
    pub needed: i64,
    /// Usable stock, fixed-point.
    pub on_hand: i64,
    /// max(0, needed − on hand).
    pub to_buy: i64,
}

/// The tables of a batch of events, sorted by event, kind, id, unit (and path).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tables {
    /// Sums per path.
    pub sources: Vec<SourceSum>,
    /// Totals netted against stock.
    pub totals: Vec<Netted>,
}

impl Tables {
    /// The rows of one event: (sources, totals).
    pub fn of_event(&self, event: u32) -> (&[SourceSum], &[Netted]) {
        let sources = slice_by(&self.sources, |s| s.key.event(), event);
        let totals = slice_by(&self.totals, |t| t.key.event(), event);
        (sources, totals)
    }
}

fn slice_by<T>(rows: &[T], of: impl Fn(&T) -> u32, event: u32) -> &[T] {
    let start = rows.partition_point(|r| of(r) < event);
    let end = rows.partition_point(|r| of(r) <= event);
    &rows[start..end]
}

fn too_large(what: &str) -> PlanError {
    PlanError::TooLarge(format!(
        "{what}: more than {MAX_AMOUNT} of one thing, or more ingredients, units or paths than one plan holds"
    ))
}

/// Sums the lines of `parts` (one slice per event of the batch, as drafted: no copy of them
/// all is made) per path and per total, and nets the totals against `stock` (total key,
/// usable amount): all events of the batch in one frame.
pub fn aggregate(parts: &[&[Line]], stock: &[(TotalKey, i64)]) -> Result<Tables, PlanError> {
    let count = parts.iter().map(|part| part.len()).sum();
    if count == 0 {
        return Ok(Tables::default());
    }
    let lines = || parts.iter().flat_map(|part| part.iter());
    check_sums(lines())?;
    let mut ids = Vec::with_capacity(count);
    let mut qty = Vec::with_capacity(count);
    for line in lines() {
        ids.push(line.packed().ok_or_else(|| too_large("a plan"))?);
        qty.push(line.qty);
    }
    let tables = run_queries(ids, qty, stock).map_err(PlanError::Table)?;
    if let Some(total) = tables
        .totals
        .iter()
        .find(|t| t.needed > (MAX_AMOUNT as i64) * 1_000_000_000)
    {
        return Err(too_large(&format!(
            "{} {}",
            from_fixed(total.needed),
            total.key.unit()
        )));
    }
    Ok(tables)
}

/// Refuses lines whose sums could leave the fixed-point range: each event's lines together
/// must stay within it (then no sum of some of them can overflow), and every line must fit
/// the packed key.
pub fn check_sums<'a>(lines: impl IntoIterator<Item = &'a Line>) -> Result<(), PlanError> {
    let mut per_event: foldhash::HashMap<u32, i128> = foldhash::HashMap::default();
    for line in lines {
        let packed = line.packed().ok_or_else(|| too_large("a plan"))?;
        let sum = per_event
            .entry((packed >> (64 - EVENT_BITS)) as u32)
            .or_default();
        *sum += i128::from(line.qty.unsigned_abs());
        if *sum > i128::from(i64::MAX) {
            return Err(too_large("an event's ingredients"));
        }
    }
    Ok(())
}

fn run_queries(ids: Vec<u64>, qty: Vec<i64>, stock: &[(TotalKey, i64)]) -> PolarsResult<Tables> {
    let frame = DataFrame::new(
        ids.len(),
        vec![
            Column::new("id".into(), ids),
            Column::new("qty".into(), qty),
        ],
    )?;
    let sources = group_sums(&frame, "id", &["qty"])?;
    let (source_ids, source_qty) = (u64s(&sources, "id")?, i64s(&sources, "qty_sum")?);
    // The totals: the provenance sums per total key beside usable stock per total key, in one
    // frame (`lines` counts the rows that are needs: a total is kept when it has one).
    let rows = source_ids.len() + stock.len();
    let mut total = Vec::with_capacity(rows);
    total.extend(source_ids.iter().map(|id| id >> PATH_BITS));
    total.extend(stock.iter().map(|s| s.0.0));
    let mut needed = source_qty.clone();
    needed.resize(rows, 0);
    let mut on_hand = vec![0i64; source_ids.len()];
    on_hand.extend(stock.iter().map(|s| s.1));
    let mut is_line = vec![1i64; source_ids.len()];
    is_line.resize(rows, 0);
    let netting = DataFrame::new(
        rows,
        vec![
            Column::new("total".into(), total),
            Column::new("needed".into(), needed),
            Column::new("on_hand".into(), on_hand),
            Column::new("lines".into(), is_line),
        ],
    )?;
    let totals = group_sums(&netting, "total", &["needed", "on_hand", "lines"])?;
    let totals = totals.filter(&totals.column("lines_sum")?.i64()?.gt(0))?;
    let source_rows = source_ids
        .into_iter()
        .zip(source_qty)
        .map(|(id, qty)| SourceSum {
            key: TotalKey(id >> PATH_BITS),
            path: (id & ((1 << PATH_BITS) - 1)) as u32,
            qty,
        })
        .collect();
    let (keys, needed, on_hand) = (
        u64s(&totals, "total")?,
        i64s(&totals, "needed_sum")?,
        i64s(&totals, "on_hand_sum")?,
    );
    let total_rows = (0..keys.len())
        .map(|i| Netted {
            key: TotalKey(keys[i]),
            needed: needed[i],
            on_hand: on_hand[i],
            to_buy: (needed[i] - on_hand[i]).max(0),
        })
        .collect();
    Ok(Tables {
        sources: source_rows,
        totals: total_rows,
    })
}

/// `frame` grouped by `key`, each of `columns` summed (as `{column}_sum`), sorted by `key`.
///
/// polars marks its eager aggregations deprecated in favour of the lazy engine, but they are
/// kept, tested and exactly this query; the lazy engine (planner, expression and streaming
/// crates) would double the release build for one group-by.
fn group_sums(frame: &DataFrame, key: &str, columns: &[&str]) -> PolarsResult<DataFrame> {
    #[allow(deprecated)]
    let sums = frame
        .group_by([key])?
        .select(columns.iter().copied())
        .sum()?;
    sums.sort([key], SortMultipleOptions::default())
}

fn u64s(frame: &DataFrame, name: &str) -> PolarsResult<Vec<u64>> {
    Ok(frame.column(name)?.u64()?.into_no_null_iter().collect())
}

fn i64s(frame: &DataFrame, name: &str) -> PolarsResult<Vec<i64>> {
    Ok(frame
        .column(name)?
        .i64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        #[test]
        fn a_fixed_product_is_the_decimal_product_rounded(
            a in -10_000_000_000_000i64..10_000_000_000_000,
            b in -1_000_000_000i64..1_000_000_000,
            wide in proptest::prelude::any::<i64>(),
            a_places in 0u32..=14,
            b_places in 0u32..=14,
        ) {
            for (a, b) in [(a, b), (wide, b), (a, wide), (a / 7 * 5, 5)] {
                let (a, b) = (Decimal::new(a, a_places), Decimal::new(b, b_places));
                proptest::prop_assert_eq!(fixed_product(a, b), fixed_product_by_decimals(a, b), "{} × {}", a, b);
            }
        }
    }

    #[test]
    fn ties_round_to_even_as_decimals_do() {
        for (a, b) in [
            ("0.0000000005", "1"),
            ("0.0000000015", "1"),
            ("-0.0000000025", "1"),
            ("0.0000000000005", "1"),
            ("0.0000000000015", "3"),
            ("999999999.9999999995", "1"),
            ("1000000000", "1"),
            ("1000000000.0000000001", "1"),
            ("-1000000000", "1"),
        ] {
            let (a, b): (Decimal, Decimal) = (a.parse().expect("a"), b.parse().expect("b"));
            assert_eq!(
                fixed_product(a, b),
                fixed_product_by_decimals(a, b),
                "{a} × {b}"
            );
        }
    }

    fn line(event: u32, id: u32, path: u32, qty: i64) -> Line {
        Line::new(event, LineKind::Ingredient, id, Unit::G, path, qty)
    }

    #[test]
    fn sums_per_path_and_per_total_and_nets_against_stock() {
        let lines = [
            line(0, 1, 2, 5),
            line(0, 0, 1, 3),
            line(0, 1, 2, 7),
            line(0, 1, 0, 1),
            line(1, 0, 0, 10_500),
        ];
        let key = |event, id| TotalKey::new(event, LineKind::Ingredient, id, Unit::G).unwrap();
        // Stock of something no event needs (event 2) is not a total.
        let stock = [
            (key(0, 0), 5),
            (key(1, 0), 3_000),
            (key(2, 4), 99),
            (key(1, 0), 250),
        ];
        let tables = aggregate(&[&lines], &stock).unwrap();
        let sources: Vec<(u32, u32, u32, i64)> = tables
            .sources
            .iter()
            .map(|s| (s.key.event(), s.key.id(), s.path, s.qty))
            .collect();
        assert_eq!(
            sources,
            vec![(0, 0, 1, 3), (0, 1, 0, 1), (0, 1, 2, 12), (1, 0, 0, 10_500)]
        );
        let totals: Vec<(u32, u32, i64, i64, i64)> = tables
            .totals
            .iter()
            .map(|t| (t.key.event(), t.key.id(), t.needed, t.on_hand, t.to_buy))
            .collect();
        assert_eq!(
            totals,
            vec![
                (0, 0, 3, 5, 0),
                (0, 1, 13, 0, 13),
                (1, 0, 10_500, 3_250, 7_250)
            ]
        );
        let (sources, totals) = tables.of_event(1);
        assert_eq!((sources.len(), totals.len()), (1, 1));
    }

    proptest::proptest! {
        /// The polars queries agree with a naive model: sums in ordered maps, stock netted
        /// per total, totals only where there is a need.
        #[test]
        fn the_queries_agree_with_ordered_maps(
            lines in proptest::collection::vec((0_u32..3, 0_u32..6, 0_u32..4, 0_i64..1_000_000), 1..200),
            stock in proptest::collection::vec((0_u32..4, 0_u32..7, 0_i64..1_000_000), 0..40),
        ) {
            use std::collections::BTreeMap;
            let lines: Vec<Line> = lines.iter().map(|&(e, id, path, qty)| line(e, id, path, qty)).collect();
            let key = |event, id| TotalKey::new(event, LineKind::Ingredient, id, Unit::G).unwrap();
            let stock: Vec<(TotalKey, i64)> = stock.iter().map(|&(e, id, qty)| (key(e, id), qty)).collect();
            let mut sources: BTreeMap<(TotalKey, u32), i64> = BTreeMap::new();
            for l in &lines {
                *sources.entry((l.key.unwrap(), l.path)).or_default() += l.qty;
            }
            let mut needed: BTreeMap<TotalKey, i64> = BTreeMap::new();
            for l in &lines {
                *needed.entry(l.key.unwrap()).or_default() += l.qty;
            }
            let mut on_hand: BTreeMap<TotalKey, i64> = BTreeMap::new();
            for (k, qty) in &stock {
                *on_hand.entry(*k).or_default() += qty;
            }
            let tables = aggregate(&[&lines], &stock).unwrap();
            let got: Vec<(TotalKey, u32, i64)> = tables.sources.iter().map(|s| (s.key, s.path, s.qty)).collect();
            let want: Vec<(TotalKey, u32, i64)> = sources.into_iter().map(|((k, p), q)| (k, p, q)).collect();
            proptest::prop_assert_eq!(got, want);
            let want: Vec<Netted> = needed
                .into_iter()
                .map(|(key, needed)| {
                    let on_hand = on_hand.get(&key).copied().unwrap_or(0);
                    Netted { key, needed, on_hand, to_buy: (needed - on_hand).max(0) }
                })
                .collect();
            proptest::prop_assert_eq!(&tables.totals, &want);
        }
    }

    #[test]
    fn keys_round_trip() {
        let key = TotalKey::new(1000, LineKind::Material, 123_456, Unit::Ft2).unwrap();
        assert_eq!(
            (key.event(), key.kind(), key.id(), key.unit()),
            (1000, LineKind::Material, 123_456, Unit::Ft2)
        );
    }

    proptest::proptest! {
        /// The exact fast path gives the units the decimal multiplication and rounding gave.
        #[test]
        fn fixed_point_units_are_the_rounded_product(
            mantissa in -999_999_999_999_999_i64..999_999_999_999_999,
            places in 0_u32..=14,
        ) {
            let value = Decimal::new(mantissa, places);
            let reference = if value.abs() > Decimal::from(MAX_AMOUNT) {
                None
            } else {
                (value * Decimal::from(1_000_000_000u64)).round().to_i64()
            };
            proptest::prop_assert_eq!(to_fixed(value), reference);
        }
    }

    #[test]
    fn amounts_past_the_limit_are_refused() {
        assert_eq!(to_fixed(Decimal::from(MAX_AMOUNT + 1)), None);
        assert_eq!(to_fixed(Decimal::new(12345, 3)), Some(12_345_000_000));
        assert_eq!(from_fixed(12_345_000_000), Decimal::new(12345, 3));
        let big = (MAX_AMOUNT as i64) * 1_000_000_000;
        let lines: Vec<Line> = (0..10).map(|p| line(0, 0, p, big)).collect();
        assert!(matches!(
            aggregate(&[&lines], &[]),
            Err(PlanError::TooLarge(_))
        ));
    }
}
