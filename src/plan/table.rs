//! Table operations over contribution lines, with polars: sum per (key, unit, path) and per
//! (key, unit), and net needs against stock with a join.
//!
//! Quantities are exact integers in nano-units (10⁻⁹ of the unit), so sums are exact and do
//! not depend on the order polars adds them in, whatever the thread count. Keys, units and
//! paths are small integer ids; the frames hold nothing else. Results come back sorted.
//! The queries are a group-by and a sort, which the optimiser cannot improve, so it is
//! switched off: at plan sizes its planning time would dominate.

use polars::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Fixed-point scale of [`Line::qty`]: 10⁹ per unit.
pub const SCALE: u32 = 9;

/// An exact decimal as nano-units (rounded at the 9th place, saturating).
pub fn to_nano(value: Decimal) -> i64 {
    (value * Decimal::from(1_000_000_000u64))
        .round()
        .to_i64()
        .unwrap_or(if value.is_sign_negative() {
            i64::MIN
        } else {
            i64::MAX
        })
}

/// Nano-units back to a decimal.
pub fn from_nano(nano: i64) -> Decimal {
    Decimal::new(nano, SCALE).normalize()
}

/// One contribution: `qty` nano-units of `key` in `unit`, reached by `path`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// Ingredient or material id.
    pub key: u32,
    /// Unit id.
    pub unit: u32,
    /// Path id.
    pub path: u32,
    /// Amount, nano-units.
    pub qty: i64,
}

/// Sum per (key, unit, path) — the sources — and per (key, unit) — the totals.
pub struct Aggregated {
    /// (key, unit, path, qty), sorted.
    pub sources: Vec<(u32, u32, u32, i64)>,
    /// (key, unit, qty), sorted.
    pub totals: Vec<(u32, u32, i64)>,
}

fn u32s(column: &Column) -> PolarsResult<Vec<u32>> {
    Ok(column.u32()?.into_no_null_iter().collect())
}

fn i64s(column: &Column) -> PolarsResult<Vec<i64>> {
    Ok(column.i64()?.iter().map(|v| v.unwrap_or(0)).collect())
}

/// Largest key id [`aggregate`] accepts (ids are packed into one 64-bit group key).
pub const MAX_KEY: u32 = (1 << 24) - 1;

fn pack(line: &Line) -> (u64, u64) {
    let key_unit = (u64::from(line.key) << 8) | u64::from(line.unit & 0xff);
    ((key_unit << 32) | u64::from(line.path), key_unit)
}

/// Aggregates contribution lines. Key, unit and path are packed into one 64-bit group key
/// (one hash column is much faster to group by than three); keys must not exceed [`MAX_KEY`].
pub fn aggregate(lines: &[Line]) -> PolarsResult<Aggregated> {
    if lines.is_empty() {
        return Ok(Aggregated {
            sources: Vec::new(),
            totals: Vec::new(),
        });
    }
    if lines.iter().any(|l| l.key > MAX_KEY || l.unit > 0xff) {
        polars_bail!(ComputeError: "more than {} ingredients or 256 units in one plan", MAX_KEY);
    }
    let (ids, key_units): (Vec<u64>, Vec<u64>) = lines.iter().map(pack).unzip();
    let frame = DataFrame::new(
        lines.len(),
        vec![
            Column::new("id".into(), ids),
            Column::new("key_unit".into(), key_units),
            Column::new(
                "qty".into(),
                lines.iter().map(|l| l.qty).collect::<Vec<i64>>(),
            ),
        ],
    )?;
    let sources = frame
        .lazy()
        .without_optimizations()
        .group_by([col("id")])
        .agg([col("key_unit").first(), col("qty").sum()])
        .sort(["id"], SortMultipleOptions::default())
        .collect()?;
    let totals = sources
        .clone()
        .lazy()
        .without_optimizations()
        .group_by([col("key_unit")])
        .agg([col("qty").sum()])
        .sort(["key_unit"], SortMultipleOptions::default())
        .collect()?;
    let u64s = |frame: &DataFrame, name: &str| -> PolarsResult<Vec<u64>> {
        Ok(frame.column(name)?.u64()?.into_no_null_iter().collect())
    };
    let (ids, quantities) = (u64s(&sources, "id")?, i64s(sources.column("qty")?)?);
    let source_rows = ids
        .iter()
        .zip(quantities)
        .map(|(id, q)| {
            (
                (id >> 40) as u32,
                ((id >> 32) & 0xff) as u32,
                (id & 0xffff_ffff) as u32,
                q,
            )
        })
        .collect();
    let (key_units, quantities) = (u64s(&totals, "key_unit")?, i64s(totals.column("qty")?)?);
    let total_rows = key_units
        .iter()
        .zip(quantities)
        .map(|(ku, q)| ((ku >> 8) as u32, (ku & 0xff) as u32, q))
        .collect();
    Ok(Aggregated {
        sources: source_rows,
        totals: total_rows,
    })
}

/// One need netted against stock, nano-units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetRow {
    /// Need id.
    pub key: u32,
    /// Unit id.
    pub unit: u32,
    /// Needed.
    pub needed: i64,
    /// Usable stock.
    pub on_hand: i64,
    /// max(0, needed − on hand).
    pub to_buy: i64,
}

/// Needs (key, unit, qty) netted against stock lines (key, unit, qty), sorted by key.
pub fn net(needs: &[(u32, u32, i64)], stock: &[(u32, u32, i64)]) -> PolarsResult<Vec<NetRow>> {
    let frame = |rows: &[(u32, u32, i64)], qty: &str| {
        DataFrame::new(
            rows.len(),
            vec![
                Column::new("key".into(), rows.iter().map(|r| r.0).collect::<Vec<u32>>()),
                Column::new(
                    "unit".into(),
                    rows.iter().map(|r| r.1).collect::<Vec<u32>>(),
                ),
                Column::new(qty.into(), rows.iter().map(|r| r.2).collect::<Vec<i64>>()),
            ],
        )
    };
    let stock = frame(stock, "on_hand")?
        .lazy()
        .without_optimizations()
        .group_by([col("key"), col("unit")])
        .agg([col("on_hand").sum()]);
    let netted = frame(needs, "needed")?
        .lazy()
        .without_optimizations()
        .join(
            stock,
            [col("key"), col("unit")],
            [col("key"), col("unit")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(col("on_hand").fill_null(lit(0i64)))
        .with_column(
            when(col("needed").gt(col("on_hand")))
                .then(col("needed") - col("on_hand"))
                .otherwise(lit(0i64))
                .alias("to_buy"),
        )
        .sort(["key", "unit"], SortMultipleOptions::default())
        .collect()?;
    let (k, u) = (u32s(netted.column("key")?)?, u32s(netted.column("unit")?)?);
    let (n, h, b) = (
        i64s(netted.column("needed")?)?,
        i64s(netted.column("on_hand")?)?,
        i64s(netted.column("to_buy")?)?,
    );
    Ok((0..k.len())
        .map(|i| NetRow {
            key: k[i],
            unit: u[i],
            needed: n[i],
            on_hand: h[i],
            to_buy: b[i],
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_per_path_and_per_key() {
        let lines = [
            Line {
                key: 1,
                unit: 0,
                path: 2,
                qty: 5,
            },
            Line {
                key: 0,
                unit: 0,
                path: 1,
                qty: 3,
            },
            Line {
                key: 1,
                unit: 0,
                path: 2,
                qty: 7,
            },
            Line {
                key: 1,
                unit: 0,
                path: 0,
                qty: 1,
            },
        ];
        let a = aggregate(&lines).unwrap();
        assert_eq!(a.sources, vec![(0, 0, 1, 3), (1, 0, 0, 1), (1, 0, 2, 12)]);
        assert_eq!(a.totals, vec![(0, 0, 3), (1, 0, 13)]);
    }

    #[test]
    fn nets_against_stock() {
        let needs = [(0, 0, 10), (1, 0, 5), (2, 0, 5), (3, 0, 10_500)];
        let stock = [(0, 0, 5), (1, 0, 5), (2, 0, 10), (3, 0, 3_250)];
        let netted = net(&needs, &stock).unwrap();
        let to_buy: Vec<i64> = netted.iter().map(|r| r.to_buy).collect();
        assert_eq!(to_buy, vec![5, 0, 0, 7_250]);
        // Missing stock counts as zero.
        assert_eq!(
            net(&[(9, 1, 4)], &[]).unwrap(),
            vec![NetRow {
                key: 9,
                unit: 1,
                needed: 4,
                on_hand: 0,
                to_buy: 4
            }]
        );
    }

    #[test]
    fn nano_round_trip() {
        let value = Decimal::new(12345, 3);
        assert_eq!(from_nano(to_nano(value)), value);
    }
}
