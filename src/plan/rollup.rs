//! The purchase roll-up across the events of one run (SPEC §5.5): needs summed per item,
//! stock counted once, events consuming it in date order, packs bought for the total with
//! the same [`purchase`](super::shopping::purchase) rule as each event's own list.
//!
//! Each plan's shopping list is its standalone view (all stock usable by its date). Going
//! through the events by date, an event can use what its own view shows minus what earlier
//! events already took; the rest is bought. Stock that expires between two events is never
//! counted twice (the later view no longer shows it), so the roll-up errs towards buying.

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Serialize;

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
pub fn rollup(index: &Index<'_>, events: &[String], needs: &[Need]) -> Vec<Arc<RollupRow>> {
    let mut order: Vec<&Need> = needs.iter().collect();
    order.sort_by_key(|n| n.event);
    let mut rollup = Rollup::default();
    for need in order {
        rollup.add(need.clone());
    }
    rollup.finish(index, events)
}

/// The roll-up made as the events' needs arrive, in event (date) order: per line, only the
/// running sums, the first event's stock and remarks, and the positions of the events served.
/// A chain's run keeps this instead of every event's needs (64 bytes and the remarks per
/// event and line: 67 MB at 500 events, growing with every event).
#[derive(Debug, Default)]
pub struct Rollup {
    lines: foldhash::HashMap<u64, Pending>,
}

/// One roll-up line being summed.
#[derive(Debug)]
struct Pending {
    key: TotalKey,
    total_need: i64,
    total_buy: i64,
    /// Stock taken by earlier events.
    taken_before: i64,
    /// The earliest day an event needs more than the stock left for it.
    needed_by: Option<chrono::NaiveDate>,
    /// The first event's stock and remarks: the line's stock and notes.
    on_hand: i64,
    remarks: Vec<String>,
    /// Positions of the events that need it.
    served: Vec<u32>,
}

impl Rollup {
    /// Adds one event's need. An event's needs must come after those of every earlier event
    /// (lower position) for the same line: each event takes the stock the earlier ones left.
    pub fn add(&mut self, need: Need) {
        let line = self
            .lines
            .entry(u64_of(need.key))
            .or_insert_with(|| Pending {
                key: need.key,
                total_need: 0,
                total_buy: 0,
                taken_before: 0,
                needed_by: None,
                on_hand: need.on_hand,
                remarks: need.remarks,
                served: Vec::new(),
            });
        let take = (need.on_hand - line.taken_before).clamp(0, need.needed);
        line.taken_before += take;
        if need.needed > take {
            line.needed_by = match (line.needed_by, need.needed_by) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        line.total_need = line.total_need.saturating_add(need.needed);
        line.total_buy = line.total_buy.saturating_add(need.needed - take);
        if need.needed > 0 {
            line.served.push(need.event);
        }
    }

    /// The roll-up's rows for the events `events` (slugs by position), in shopping-list
    /// order: ingredients then materials, by category and name.
    pub fn finish(self, index: &Index<'_>, events: &[String]) -> Vec<Arc<RollupRow>> {
        let mut pending: Vec<(u64, Pending)> = self.lines.into_iter().collect();
        pending.sort_unstable_by_key(|(line, _)| *line);
        let mut out: Vec<Arc<RollupRow>> = pending
            .into_iter()
            .map(|(_, line)| {
                let mut row = shopping_row(
                    index,
                    line.key,
                    [line.total_need, line.on_hand, line.total_buy],
                    line.remarks,
                );
                if row.status == ShoppingStatus::Buy
                    && let Some(day) = line.needed_by
                {
                    row.needed_by = Some(day);
                    row.order_by = super::purchase_dates::order_by(day, row.lead_days);
                }
                Arc::new(RollupRow {
                    line: row,
                    events: line
                        .served
                        .iter()
                        .filter_map(|&e| events.get(e as usize).cloned())
                        .collect(),
                })
            })
            .collect();
        // Stable: lines alike in all of these stay in (kind, id, unit) order.
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
        out
    }
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
    use proptest::prelude::*;

    /// Per line: needed, bought, the first event's stock, needed by, events served.
    type Sums = BTreeMap<u64, (i64, i64, i64, Option<chrono::NaiveDate>, Vec<u32>)>;

    fn sums_of(rollup: Rollup) -> Sums {
        rollup
            .lines
            .into_iter()
            .map(|(line, p)| {
                (
                    line,
                    (p.total_need, p.total_buy, p.on_hand, p.needed_by, p.served),
                )
            })
            .collect()
    }

    /// The roll-up by its definition: per line, the events in date order, each taking what
    /// its own view of the stock shows less what earlier events took, buying the rest.
    fn naive(needs: &[Need]) -> Sums {
        let mut by_line: BTreeMap<u64, Vec<&Need>> = BTreeMap::new();
        for need in needs {
            by_line.entry(u64_of(need.key)).or_default().push(need);
        }
        by_line
            .into_iter()
            .map(|(line, mut list)| {
                list.sort_by_key(|n| n.event);
                let mut taken = 0;
                let mut bought = 0;
                let mut by: Option<chrono::NaiveDate> = None;
                for n in &list {
                    let take = (n.on_hand - taken).max(0).min(n.needed);
                    taken += take;
                    bought += n.needed - take;
                    if n.needed > take {
                        by = [by, n.needed_by].into_iter().flatten().min();
                    }
                }
                let needed = list.iter().map(|n| n.needed).sum();
                let served = list
                    .iter()
                    .filter(|n| n.needed > 0)
                    .map(|n| n.event)
                    .collect();
                (line, (needed, bought, list[0].on_hand, by, served))
            })
            .collect()
    }

    proptest! {
        #[test]
        fn needs_added_event_by_event_roll_up_as_the_definition_says(
            raw in proptest::collection::vec(
                (0u32..6, 0u32..4, 0i64..50, 0i64..80, proptest::option::of(0i64..20)),
                0..60,
            )
        ) {
            let day = |d: i64| chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
                .and_then(|first| first.checked_add_signed(chrono::TimeDelta::days(d)));
            // One need per (event, line), as a plan has.
            let mut seen = std::collections::BTreeSet::new();
            let needs: Vec<Need> = raw
                .into_iter()
                .filter(|(event, id, ..)| seen.insert((*event, *id)))
                .filter_map(|(event, id, needed, on_hand, by)| {
                    Some(Need {
                        event,
                        key: TotalKey::new(0, LineKind::Ingredient, id, crate::catalog::Unit::G)?,
                        needed,
                        on_hand,
                        remarks: Vec::new(),
                        needed_by: by.and_then(day),
                    })
                })
                .collect();
            let mut in_date_order: Vec<Need> = needs.clone();
            in_date_order.sort_by_key(|n| n.event);
            let mut rollup = Rollup::default();
            for need in in_date_order {
                rollup.add(need);
            }
            prop_assert_eq!(sums_of(rollup), naive(&needs));
        }
    }

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
