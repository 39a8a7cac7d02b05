//! Stock usable for an event (SPEC §5.5): inventory rows converted into the units the event's
//! totals are counted in; rows that expire before the event, or cannot be converted, are
//! named instead of silently counted as nothing.

use std::collections::BTreeMap;

use super::PlanError;
use super::aggregate::to_fixed;
use super::index::Index;
use super::kinds::LineKind;
use crate::catalog::units::convert;
use crate::catalog::{Event, Unit};

/// Usable stock of one event.
#[derive(Debug, Clone, Default)]
pub struct Stock {
    /// (kind, id, unit) → usable amount in that unit, fixed-point.
    pub usable: BTreeMap<(LineKind, u32, Unit), i64>,
    /// Remarks per (kind, id): expired rows, rows that cannot be converted.
    pub notes: BTreeMap<(LineKind, u32), Vec<String>>,
}

impl Stock {
    /// The units each ingredient and material of `keys` (kind, id, unit of a total) is
    /// totalled in: the reporting unit first, then the units of lines kept apart by name.
    pub fn units(
        index: &Index<'_>,
        keys: impl IntoIterator<Item = (LineKind, u32, Unit)>,
    ) -> BTreeMap<(LineKind, u32), Vec<Unit>> {
        // An event's lines repeat each key tens of times: drop the repeats before sorting.
        let distinct: foldhash::HashSet<(LineKind, u32, Unit)> = keys.into_iter().collect();
        let mut keys: Vec<(LineKind, u32, Unit)> = distinct.into_iter().collect();
        keys.sort_unstable();
        let mut units = BTreeMap::new();
        for group in keys.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let (kind, id, _) = group[0];
            let first = index.reporting_unit(kind, id);
            let mut list: Vec<Unit> = group.iter().map(|&(_, _, unit)| unit).collect();
            list.sort_by_key(|&u| (u != first, u.symbol()));
            units.insert((kind, id), list);
        }
        units
    }

    /// Counts the stock of everything in `units` — the units each needed ingredient or
    /// material is totalled in, the reporting unit first — for `event`.
    pub fn usable(
        index: &Index<'_>,
        event: &Event,
        units: &BTreeMap<(LineKind, u32), Vec<Unit>>,
    ) -> Result<Stock, PlanError> {
        let mut stock = Stock::default();
        for (&(kind, id), row_units) in units {
            let (name, density) = match kind {
                LineKind::Ingredient => {
                    let ingredient = index.ingredient_at(id);
                    (ingredient.name.as_str(), ingredient.density.as_ref())
                }
                LineKind::Material => (index.material_at(id).name.as_str(), None),
            };
            for row in index.stock(kind, id) {
                if let Some(expires) = row.expires.filter(|d| *d < event.date) {
                    stock.notes.entry((kind, id)).or_default().push(format!(
                        "{name}: {} expiring {expires} not counted (event {})",
                        row.qty, event.date
                    ));
                    continue;
                }
                let counted = row_units.iter().find_map(|unit| {
                    convert(row.qty.value, row.qty.unit, *unit, density)
                        .ok()
                        .map(|v| (*unit, v))
                });
                match counted {
                    Some((unit, value)) => {
                        let fixed = to_fixed(value).ok_or_else(|| {
                            PlanError::TooLarge(format!("{name}: {} in stock", row.qty))
                        })?;
                        let entry = stock.usable.entry((kind, id, unit)).or_default();
                        *entry = entry.checked_add(fixed).ok_or_else(|| {
                            PlanError::TooLarge(format!("{name}: the stock rows add up"))
                        })?;
                    }
                    None => {
                        let reason = row_units
                            .first()
                            .and_then(|first| {
                                convert(row.qty.value, row.qty.unit, *first, density).err()
                            })
                            .map(|e| e.to_string())
                            .unwrap_or_default();
                        stock.notes.entry((kind, id)).or_default().push(format!(
                            "{name}: {} in stock not counted ({reason})",
                            row.qty
                        ));
                    }
                }
            }
        }
        Ok(stock)
    }

    /// Whether the stock of every ingredient and material, every row counted in every unit
    /// it converts to, fits exact arithmetic. Then no event's [`Stock::usable`] can fail (it
    /// counts a subset of those rows in a subset of those units), and `check` need not count
    /// stock event by event.
    pub fn fits_in_any_unit(index: &Index<'_>) -> bool {
        index.stocked().all(|(kind, id)| {
            let (rows, density) = (index.stock(kind, id), index.density(kind, id));
            Unit::ALL.iter().all(|&unit| {
                rows.iter()
                    .filter_map(|row| convert(row.qty.value, row.qty.unit, unit, density).ok())
                    .try_fold(0_i64, |sum, value| {
                        sum.checked_add(to_fixed(value)?.checked_abs()?)
                    })
                    .is_some()
            })
        })
    }

    /// The remarks of one ingredient or material.
    pub fn notes_of(&self, kind: LineKind, id: u32) -> &[String] {
        self.notes.get(&(kind, id)).map_or(&[], Vec::as_slice)
    }
}
