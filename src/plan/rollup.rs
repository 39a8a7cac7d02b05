//! The purchase roll-up across the events of one run (SPEC §5.5): needs summed per item,
//! stock counted once, events consuming it in date order, packs bought for the total with
//! the same [`purchase`] rule as each event's own list.
//!
//! Each plan's shopping list is its standalone view (all stock usable by its date). Going
//! through the events by date, an event can use what its own view shows minus what earlier
//! events already took; the rest is bought. Stock that expires between two events is never
//! counted twice (the later view no longer shows it), so the roll-up errs towards buying.

use std::collections::BTreeMap;

use polars::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;

use super::PlanError;
use super::aggregate::TotalKey;
use super::index::Index;
use super::kinds::{LineKind, ShoppingStatus};
use super::result::{Num, ShoppingRow};
use super::shopping::shopping_row;

/// One line of the roll-up: a shopping-list line for the whole run, plus the events served.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollupRow {
    /// The combined line: needs summed, stock at the earliest event, packs for the total.
    #[serde(flatten)]
    pub line: ShoppingRow,
    /// Events that need it, date order.
    pub events: Vec<String>,
}

/// One event's shopping line, as much of it as the roll-up needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// The event's position in date order.
    pub event: u32,
    /// Ingredient or material, by dense id, and unit.
    pub key: TotalKey,
    /// Needed, fixed-point.
    pub needed: i64,
    /// The event's usable stock, fixed-point.
    pub on_hand: i64,
    /// The event's remarks on the line (stock not counted, kept apart).
    pub remarks: Vec<String>,
}

/// Rolls up the needs of the events `events` (slugs in date order).
pub fn rollup(
    index: &Index<'_>,
    events: &[String],
    needs: &[Need],
) -> Result<Vec<RollupRow>, PlanError> {
    let order = sorted_order(needs).map_err(PlanError::Table)?;
    let mut out: Vec<RollupRow> = Vec::new();
    let mut at = 0;
    while at < order.len() {
        let key = needs[order[at]].key;
        let line = u64_of(key);
        let (mut total_need, mut total_buy, mut taken_before) = (0i64, 0i64, 0i64);
        let first = &needs[order[at]];
        let mut served = Vec::new();
        while at < order.len() && u64_of(needs[order[at]].key) == line {
            let need = &needs[order[at]];
            let take = (need.on_hand - taken_before).clamp(0, need.needed);
            taken_before += take;
            total_need = total_need.saturating_add(need.needed);
            total_buy = total_buy.saturating_add(need.needed - take);
            if need.needed > 0
                && let Some(slug) = events.get(need.event as usize)
            {
                served.push(slug.clone());
            }
            at += 1;
        }
        out.push(RollupRow {
            line: shopping_row(
                index,
                key,
                [total_need, first.on_hand, total_buy],
                first.remarks.clone(),
            ),
            events: served,
        });
    }
    // Same order as a shopping list: ingredients then materials, by category and name.
    out.sort_by(|a, b| {
        (
            a.line.kind,
            &a.line.category,
            &a.line.name,
            a.line.unit.symbol(),
        )
            .cmp(&(
                b.line.kind,
                &b.line.category,
                &b.line.name,
                b.line.unit.symbol(),
            ))
    });
    Ok(out)
}

/// Positions of `needs` sorted by (line, event), with polars.
fn sorted_order(needs: &[Need]) -> PolarsResult<Vec<usize>> {
    if needs.is_empty() {
        return Ok(Vec::new());
    }
    let frame = DataFrame::new(
        needs.len(),
        vec![
            Column::new(
                "key".into(),
                needs.iter().map(|n| u64_of(n.key)).collect::<Vec<u64>>(),
            ),
            Column::new(
                "event".into(),
                needs.iter().map(|n| n.event).collect::<Vec<u32>>(),
            ),
            Column::new("row".into(), (0..needs.len() as u64).collect::<Vec<u64>>()),
        ],
    )?
    .lazy()
    .without_optimizations()
    .sort(["key", "event"], SortMultipleOptions::default())
    .collect()?;
    Ok(frame
        .column("row")?
        .u64()?
        .into_no_null_iter()
        .map(|r| r as usize)
        .collect())
}

/// The line a need is for, whatever the event: kind, id and unit.
fn u64_of(key: TotalKey) -> u64 {
    (u64::from(key.kind() == LineKind::Material) << 40)
        | (u64::from(key.id()) << 8)
        | key.unit() as u64
}
/// What to order from one supplier: the roll-up's lines to buy whose chosen product names
/// that supplier (or none: the "unassigned" order), with the order's total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplierOrder {
    /// The supplier, as the products name it (null: products without a supplier).
    pub supplier: Option<String>,
    /// Lines to buy, as in the roll-up.
    pub lines: Vec<RollupRow>,
    /// Sum of the priced lines.
    pub total: Num,
    /// Lines without a price (not in `total`).
    pub unpriced: usize,
}

/// The roll-up's lines to buy grouped by supplier, suppliers by name, unassigned last.
pub fn orders(rollup: &[RollupRow]) -> Vec<SupplierOrder> {
    let mut by: BTreeMap<(bool, Option<String>), Vec<RollupRow>> = BTreeMap::new();
    for row in rollup
        .iter()
        .filter(|r| r.line.status == ShoppingStatus::Buy)
    {
        let supplier = row.line.supplier.clone();
        by.entry((supplier.is_none(), supplier))
            .or_default()
            .push(row.clone());
    }
    by.into_iter()
        .map(|((_, supplier), lines)| {
            let total = lines
                .iter()
                .filter_map(|l| l.line.cost)
                .fold(Decimal::ZERO, |sum, c| sum.saturating_add(c.0));
            let unpriced = lines.iter().filter(|l| l.line.cost.is_none()).count();
            SupplierOrder {
                supplier,
                lines,
                total: Num(total),
                unpriced,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(
        item: &str,
        supplier: Option<&str>,
        cost: Option<i64>,
        status: ShoppingStatus,
    ) -> RollupRow {
        RollupRow {
            line: ShoppingRow {
                supplier: supplier.map(str::to_owned),
                cost: cost.map(|c| Num(Decimal::from(c))),
                ..crate::plan::testing::shopping_line(LineKind::Ingredient, item, status)
            },
            events: vec!["e".into()],
        }
    }

    #[test]
    fn orders_group_lines_to_buy_by_supplier_with_unassigned_last() {
        let rollup = vec![
            line("flour", Some("Mill"), Some(30), ShoppingStatus::Buy),
            line("oranges", None, Some(8), ShoppingStatus::Buy),
            line("butter", Some("Dairy"), None, ShoppingStatus::Buy),
            line("sugar", Some("Mill"), Some(12), ShoppingStatus::Buy),
            line("salt", Some("Mill"), Some(99), ShoppingStatus::Sufficient),
        ];
        let orders = orders(&rollup);
        let summary: Vec<(Option<&str>, usize, Num, usize)> = orders
            .iter()
            .map(|o| (o.supplier.as_deref(), o.lines.len(), o.total, o.unpriced))
            .collect();
        assert_eq!(
            summary,
            vec![
                (Some("Dairy"), 1, Num(Decimal::ZERO), 1),
                (Some("Mill"), 2, Num(Decimal::from(42)), 0),
                (None, 1, Num(Decimal::from(8)), 0),
            ]
        );
    }
}
