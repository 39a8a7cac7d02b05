//! The purchase roll-up across the events of one run (SPEC §5.5): needs summed per item,
//! stock counted once, events consuming it in date order, packs bought for the total with
//! the same [`purchase`] rule as each event's own list.
//!
//! Each plan's shopping list is its standalone view (all stock usable by its date). Going
//! through the events by date, an event can use what its own view shows minus what earlier
//! events already took; the rest is bought. Stock that expires between two events is never
//! counted twice (the later view no longer shows it), so the roll-up errs towards buying.

use std::collections::BTreeMap;
use std::sync::Arc;

use polars::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;

use super::PlanError;
use super::aggregate::TotalKey;
use super::index::Index;
use super::kinds::{LineKind, ShoppingStatus};
use super::result::{Num, ShoppingRow};
use super::shopping::shopping_row;
use crate::catalog::Supplier;

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
    /// The first day the event's schedule uses it.
    pub needed_by: Option<chrono::NaiveDate>,
}

/// Rolls up the needs of the events `events` (slugs in date order); the rows are shared
/// with the supplier orders made from them ([`orders`]).
pub fn rollup(
    index: &Index<'_>,
    events: &[String],
    needs: &[Need],
) -> Result<Vec<Arc<RollupRow>>, PlanError> {
    let order = sorted_order(needs).map_err(PlanError::Table)?;
    let mut out: Vec<Arc<RollupRow>> = Vec::new();
    let mut at = 0;
    while at < order.len() {
        let key = needs[order[at]].key;
        let line = u64_of(key);
        let (mut total_need, mut total_buy, mut taken_before) = (0i64, 0i64, 0i64);
        let first = &needs[order[at]];
        let mut served = Vec::new();
        // The earliest day an event needs more than the stock left for it.
        let mut needed_by: Option<chrono::NaiveDate> = None;
        while at < order.len() && u64_of(needs[order[at]].key) == line {
            let need = &needs[order[at]];
            let take = (need.on_hand - taken_before).clamp(0, need.needed);
            taken_before += take;
            if need.needed > take {
                needed_by = match (needed_by, need.needed_by) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            total_need = total_need.saturating_add(need.needed);
            total_buy = total_buy.saturating_add(need.needed - take);
            if need.needed > 0
                && let Some(slug) = events.get(need.event as usize)
            {
                served.push(slug.clone());
            }
            at += 1;
        }
        let mut row = shopping_row(
            index,
            key,
            [total_need, first.on_hand, total_buy],
            first.remarks.clone(),
        );
        if row.status == ShoppingStatus::Buy
            && let Some(day) = needed_by
        {
            row.needed_by = Some(day);
            row.order_by = super::schedule::order_by(day, row.lead_days);
        }
        out.push(Arc::new(RollupRow {
            line: row,
            events: served,
        }));
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
    .sort(["key", "event"], SortMultipleOptions::default())?;
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
    /// A file name for the order: the supplier's name in lower case, letters and digits
    /// joined by `-` (`unassigned` for none).
    pub file: String,
    /// Who to send it to (`suppliers` table).
    pub contact: Option<String>,
    /// The supplier's usual lead time in days (`suppliers` table).
    pub lead_days: Option<u32>,
    /// Smallest order the supplier accepts (`suppliers` table).
    pub min_order: Option<Num>,
    /// Whether the priced total is below `min_order`.
    pub below_min_order: bool,
    /// The earliest order-by date of its lines: when the order has to go out.
    pub order_by: Option<chrono::NaiveDate>,
    /// Lines to buy, as in the roll-up (the same rows, shared), earliest order-by first.
    pub lines: Vec<Arc<RollupRow>>,
    /// Sum of the priced lines.
    pub total: Num,
    /// Lines without a price (not in `total`).
    pub unpriced: usize,
}

/// `name` as a file name: lower-case letters and digits, other runs of characters as one `-`.
fn file_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "supplier".to_owned()
    } else {
        out.to_owned()
    }
}

/// The roll-up's lines to buy grouped by supplier, suppliers by name, unassigned last;
/// `suppliers` (the catalogue's table) adds contact, lead time and minimum order.
pub fn orders(
    rollup: &[Arc<RollupRow>],
    suppliers: &BTreeMap<String, Supplier>,
) -> Vec<SupplierOrder> {
    let mut by: BTreeMap<(bool, Option<String>), Vec<Arc<RollupRow>>> = BTreeMap::new();
    for row in rollup
        .iter()
        .filter(|r| r.line.status == ShoppingStatus::Buy)
    {
        let supplier = row.line.supplier.clone();
        by.entry((supplier.is_none(), supplier))
            .or_default()
            .push(Arc::clone(row));
    }
    let mut files: BTreeMap<String, usize> = BTreeMap::new();
    by.into_iter()
        .map(|((_, supplier), mut lines)| {
            lines.sort_by_key(|l| (l.line.order_by.is_none(), l.line.order_by));
            let total = lines
                .iter()
                .filter_map(|l| l.line.cost)
                .fold(Decimal::ZERO, |sum, c| sum.saturating_add(c.0));
            let unpriced = lines.iter().filter(|l| l.line.cost.is_none()).count();
            let listed = supplier.as_ref().and_then(|s| suppliers.get(s));
            let min_order = listed.and_then(|s| s.min_order);
            // Two names that spell the same file get -2, -3 … in name order.
            let base = supplier
                .as_deref()
                .map_or("unassigned".to_owned(), file_name);
            let seen = files.entry(base.clone()).or_default();
            *seen += 1;
            let file = if *seen == 1 {
                base
            } else {
                format!("{base}-{seen}")
            };
            SupplierOrder {
                file,
                contact: listed.and_then(|s| s.contact.clone()),
                lead_days: listed.and_then(|s| s.lead_days),
                min_order: min_order.map(Num),
                below_min_order: min_order.is_some_and(|m| total < m),
                order_by: lines.iter().filter_map(|l| l.line.order_by).min(),
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
        let rollup: Vec<Arc<RollupRow>> = rollup.into_iter().map(Arc::new).collect();
        let orders = orders(&rollup, &BTreeMap::new());
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
        let files: Vec<&str> = orders.iter().map(|o| o.file.as_str()).collect();
        assert_eq!(files, ["dairy", "mill", "unassigned"]);
    }

    #[test]
    fn an_order_carries_its_supplier_and_goes_out_by_its_earliest_line() {
        let date = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 12, d);
        let dated = |item: &str, supplier: &str, cost: i64, order_by: u32| {
            let mut row = line(item, Some(supplier), Some(cost), ShoppingStatus::Buy);
            row.line.order_by = date(order_by);
            row
        };
        let rollup = vec![
            dated("flour", "Valley Mill & Co.", 30, 12),
            dated("rye", "Valley Mill & Co.", 5, 9),
            dated("cream", "Dairy", 80, 20),
            dated("eggs", "DAIRY", 1, 20),
        ];
        let suppliers: BTreeMap<String, Supplier> = [
            ("Valley Mill & Co.", Some("orders@mill.example"), Some(50)),
            ("Dairy", None, Some(60)),
            ("DAIRY", None, None),
        ]
        .into_iter()
        .map(|(name, contact, min)| {
            (
                name.to_owned(),
                Supplier {
                    name: name.to_owned(),
                    contact: contact.map(str::to_owned),
                    lead_days: Some(2),
                    min_order: min.map(Decimal::from),
                },
            )
        })
        .collect();
        let rollup: Vec<Arc<RollupRow>> = rollup.into_iter().map(Arc::new).collect();
        let orders = orders(&rollup, &suppliers);
        let mill = orders
            .iter()
            .find(|o| o.supplier.as_deref() == Some("Valley Mill & Co."))
            .expect("mill");
        assert_eq!(mill.file, "valley-mill-co");
        assert_eq!(mill.contact.as_deref(), Some("orders@mill.example"));
        assert_eq!(mill.order_by, date(9));
        assert_eq!(mill.lines[0].line.item, "rye", "earliest order-by first");
        assert!(mill.below_min_order, "35 is below the 50 minimum");
        let dairy = orders
            .iter()
            .find(|o| o.supplier.as_deref() == Some("Dairy"))
            .expect("dairy");
        assert!(!dairy.below_min_order);
        // "DAIRY" is another supplier whose file name would be the same.
        let files: Vec<&str> = orders.iter().map(|o| o.file.as_str()).collect();
        assert_eq!(files, ["dairy", "dairy-2", "valley-mill-co"]);
    }
}
