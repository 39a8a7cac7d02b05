//! The purchase roll-up across the events of one run (SPEC §5.5): needs summed per item,
//! stock counted once, events consuming it in date order.
//!
//! Each plan's shopping list is its standalone view (all stock usable by its date). Going
//! through the events by date, an event can use what its own view shows minus what earlier
//! events already took; the rest is bought. Stock that expires between two events is never
//! counted twice (the later view no longer shows it), so the roll-up errs towards buying.

use polars::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::plan::PlanResult;
use crate::plan::result::{Num, ShoppingRow};
use crate::plan::table::{from_nano, to_nano};

/// One line of the roll-up: a shopping-list line for the whole run, plus the events served.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollupRow {
    /// The combined line: needs summed, stock at the earliest event, packs for the total.
    #[serde(flatten)]
    pub line: ShoppingRow,
    /// Events that need it, date order.
    pub events: Vec<String>,
}

/// Rolls up the shopping lists of `plans` (any order; sorted here by event date).
pub fn rollup(plans: &[PlanResult]) -> PolarsResult<Vec<RollupRow>> {
    let mut order: Vec<&PlanResult> = plans.iter().collect();
    order.sort_by(|a, b| (a.event.date, &a.event.slug).cmp(&(b.event.date, &b.event.slug)));
    // One id per (kind, item, unit), first seen in date order, with the row describing it.
    let mut keys: Vec<(&'static str, &str, &str)> = Vec::new();
    let mut first_row: Vec<&ShoppingRow> = Vec::new();
    let mut rows: Vec<(u32, u32, i64, i64, &str)> = Vec::new();
    for (event_index, plan) in order.iter().enumerate() {
        for row in &plan.shopping {
            let key = (row.kind, row.item.as_str(), row.unit.as_str());
            let id = keys.iter().position(|k| *k == key).unwrap_or_else(|| {
                keys.push(key);
                first_row.push(row);
                keys.len() - 1
            });
            // Pack, price and product come from the first event that chose a product.
            if first_row[id].product.is_none() && row.product.is_some() {
                first_row[id] = row;
            }
            rows.push((
                id as u32,
                event_index as u32,
                to_nano(row.needed.0),
                to_nano(row.on_hand.0),
                plan.event.slug.as_str(),
            ));
        }
    }
    // Date order within each key, with polars.
    let frame = DataFrame::new(
        rows.len(),
        vec![
            Column::new("key".into(), rows.iter().map(|r| r.0).collect::<Vec<u32>>()),
            Column::new(
                "event".into(),
                rows.iter().map(|r| r.1).collect::<Vec<u32>>(),
            ),
            Column::new(
                "needed".into(),
                rows.iter().map(|r| r.2).collect::<Vec<i64>>(),
            ),
            Column::new(
                "usable".into(),
                rows.iter().map(|r| r.3).collect::<Vec<i64>>(),
            ),
        ],
    )?
    .lazy()
    .without_optimizations()
    .sort(["key", "event"], SortMultipleOptions::default())
    .collect()?;
    let column_u32 = |name: &str| -> PolarsResult<Vec<u32>> {
        Ok(frame.column(name)?.u32()?.into_no_null_iter().collect())
    };
    let column_i64 = |name: &str| -> PolarsResult<Vec<i64>> {
        Ok(frame
            .column(name)?
            .i64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (key, event, needed, usable) = (
        column_u32("key")?,
        column_u32("event")?,
        column_i64("needed")?,
        column_i64("usable")?,
    );
    let mut out: Vec<RollupRow> = Vec::new();
    let mut index = 0;
    while index < key.len() {
        let id = key[index];
        let (mut total_need, mut total_buy, mut taken_before, mut first_usable) =
            (0i64, 0i64, 0i64, None);
        let mut events = Vec::new();
        while index < key.len() && key[index] == id {
            let need = needed[index];
            let take = (usable[index] - taken_before).clamp(0, need);
            first_usable.get_or_insert(usable[index]);
            taken_before += take;
            total_need += need;
            total_buy += need - take;
            if need > 0 {
                events.push(order[event[index] as usize].event.slug.clone());
            }
            index += 1;
        }
        let first = first_row[id as usize];
        let to_buy = from_nano(total_buy);
        let packs = (to_buy > Decimal::ZERO)
            .then(|| {
                first
                    .pack_in_unit
                    .filter(|p| p.0 > Decimal::ZERO)
                    .map(|pack| {
                        (to_buy / pack.0)
                            .ceil()
                            .to_u64()
                            .unwrap_or(u64::MAX)
                            .max(u64::from(first.min_packs.unwrap_or(1)))
                    })
            })
            .flatten();
        let buying = to_buy > Decimal::ZERO;
        let mut line = first.clone();
        line.needed = from_nano(total_need).into();
        line.on_hand = from_nano(first_usable.unwrap_or(0)).into();
        line.to_buy = to_buy.into();
        line.status = if buying { "buy" } else { "sufficient" };
        line.packs = if buying { packs } else { Some(0) };
        line.cost = if buying {
            packs
                .zip(first.price)
                .map(|(n, price)| Num(price.0 * Decimal::from(n)))
        } else {
            Some(Num::default())
        };
        line.bought_surplus = if buying {
            packs
                .zip(first.pack_in_unit)
                .map(|(n, pack)| Num(pack.0 * Decimal::from(n) - to_buy))
        } else {
            None
        };
        if !buying {
            (line.product, line.brand, line.pack_size, line.price) = (None, None, None, None);
        }
        out.push(RollupRow { line, events });
    }
    // Same order as a shopping list: ingredients then materials, by category and name.
    out.sort_by(|a, b| {
        let key = |r: &RollupRow| {
            (
                r.line.kind != "ingredient",
                r.line.category.clone(),
                r.line.name.clone(),
                r.line.unit.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    Ok(out)
}
