//! When to buy (SPEC §5.5 with the schedule): each line to buy is needed by the first
//! scheduled day of a recipe its sources pass through, and ordered that day less the chosen
//! product's lead days; read on a later day, a plan says what is overdue.

use foldhash::HashMap;

use chrono::{Days, NaiveDate};

use super::kinds::{LineKind, ShoppingStatus};
use super::result::{IngredientRow, ShoppingRow};
use super::schedule::Schedule;

/// What the run's day says about a schedule: work scheduled before `today` and lines to buy
/// whose order-by date has passed (the plan itself does not know the day it is read on).
pub fn overdue(schedule: &Schedule, shopping: &[ShoppingRow], today: NaiveDate) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut late: Vec<(&str, NaiveDate)> = Vec::new();
    for day in schedule.days.iter().filter(|d| d.date < today) {
        for e in &day.entries {
            if !late.iter().any(|(name, _)| *name == e.name) {
                late.push((e.name.as_str(), day.date));
            }
        }
    }
    match late.as_slice() {
        [] => {}
        [(name, date)] => warnings.push(format!(
            "{name} was scheduled for {date}, before today ({today}): make it as soon as possible"
        )),
        [(name, date), ..] => warnings.push(format!(
            "{} recipes were scheduled before today ({today}), the first {name} on {date}: make them as soon as possible",
            late.len()
        )),
    }
    let mut overdue: Vec<(NaiveDate, &str)> = shopping
        .iter()
        .filter_map(|r| {
            r.order_by
                .filter(|d| *d < today)
                .map(|d| (d, r.name.as_str()))
        })
        .collect();
    overdue.sort();
    if let Some((date, name)) = overdue.first() {
        warnings.push(format!(
            "{} line{} to buy should have been ordered before today ({today}), the first {name} by {date}",
            overdue.len(),
            if overdue.len() == 1 { "" } else { "s" },
        ));
    }
    warnings
}

/// Dates each line to buy: `needed_by` is the first scheduled day of a recipe its sources
/// pass through last (the event day for packaging, or when no recipe is scheduled), and
/// `order_by` is that less the chosen product's `lead_days`.
pub fn order_dates(
    needed: &HashMap<&str, NaiveDate>,
    shopping: &mut [ShoppingRow],
    event_date: NaiveDate,
) {
    for row in shopping
        .iter_mut()
        .filter(|r| r.status == ShoppingStatus::Buy)
    {
        let day = match row.kind {
            LineKind::Ingredient => needed.get(row.item.as_str()).copied().unwrap_or(event_date),
            LineKind::Material => event_date,
        };
        row.needed_by = Some(day);
        row.order_by = order_by(day, row.lead_days);
    }
}

/// The day to order by for a delivery needed on `day` that takes `lead_days`.
pub fn order_by(day: NaiveDate, lead_days: Option<u32>) -> Option<NaiveDate> {
    day.checked_sub_days(Days::new(u64::from(lead_days.unwrap_or(0))))
}

/// The first day each ingredient is needed: the first scheduled day of a recipe its sources
/// pass through last, or the event day.
pub fn first_needed<'r>(
    schedule: &Schedule,
    ingredients: &'r [IngredientRow],
    event_date: NaiveDate,
) -> HashMap<&'r str, NaiveDate> {
    let mut first_day: HashMap<&str, NaiveDate> = HashMap::default();
    for day in &schedule.days {
        for e in &day.entries {
            first_day.entry(e.recipe.as_str()).or_insert(day.date);
        }
    }
    let mut needed: HashMap<&str, NaiveDate> =
        HashMap::with_capacity_and_hasher(ingredients.len(), Default::default());
    for row in ingredients {
        for source in &row.sources {
            let day = source
                .path
                .iter()
                .rev()
                .find_map(|step| first_day.get(step.as_str()).copied())
                .unwrap_or(event_date);
            let entry = needed.entry(row.ingredient.as_str()).or_insert(day);
            *entry = (*entry).min(day);
        }
    }
    needed
}
