//! The production schedule: every batch of the plan placed on a day before the event, so the
//! sheet says *when* as well as what. Recipes are made `make_ahead_days` before the event
//! (default: on the day); a sub-recipe is made the day before the first recipe that uses it
//! (or earlier if its own `make_ahead_days` says so); never earlier than it keeps
//! (`keeps_days`). With `settings.work_minutes_per_day`, batches that do not fit a day move
//! to the day before, as far as they keep; a day still over capacity is flagged.
//!
//! Recipes are placed parents first, so each sub-recipe's day is known to be on or before
//! every parent batch's day; perishables take the late days and keepers move earlier.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use super::recipes::Production;
use super::result::{MadeOn, Num, RecipeRow};
use crate::catalog::Recipe;

/// The schedule of one plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Schedule {
    /// Working minutes per day (`settings.work_minutes_per_day`), if limited.
    pub capacity_minutes: Option<u32>,
    /// Days with work, earliest first.
    pub days: Vec<Day>,
    /// Days over capacity, in words.
    pub warnings: Vec<String>,
}

/// One working day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    /// The date.
    pub date: NaiveDate,
    /// Days before the event (0: the event day).
    pub days_before: u32,
    /// Working minutes planned (recipes without `time_minutes` count 0).
    pub minutes: u64,
    /// More minutes than the day has.
    pub over_capacity: bool,
    /// Recipes made that day, in the order to make them (sub-recipes first).
    pub entries: Vec<Entry>,
}

/// Batches of one recipe on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Recipe slug.
    pub recipe: String,
    /// Recipe name.
    pub name: String,
    /// Batches that day (the last may be a fraction).
    pub batches: Num,
    /// The first and last batch numbers of the recipe made that day (1-based).
    pub first_batch: u32,
    /// Last batch number.
    pub last_batch: u32,
    /// Minutes those batches take.
    pub minutes: u64,
    /// Whether the recipe is used by other recipes of the plan.
    pub is_component: bool,
}

/// How far before the event the schedule looks for room: a year.
const HORIZON_DAYS: u32 = 366;

/// Most pieces one recipe is split into; a larger count is scheduled as one entry.
const MAX_PIECES: u32 = 10_000;

/// A recipe's batches split into whole batches and a last fraction (one piece when there
/// are more than [`MAX_PIECES`]).
fn pieces(total: Decimal) -> Vec<Decimal> {
    let whole = total.trunc().to_u32().unwrap_or(u32::MAX);
    if whole >= MAX_PIECES {
        return vec![total];
    }
    let mut out = vec![Decimal::ONE; whole as usize];
    let rest = total - total.trunc();
    if rest > Decimal::ZERO {
        out.push(rest);
    }
    out
}

/// The order recipes are placed in: every parent before its sub-recipes, and among the
/// recipes whose parents are placed, the ones that keep least first, so perishables take the
/// days nearest the event and keepers are the ones moved earlier.
fn placing_order<'a>(
    production: &Production<'a>,
    used_by: &BTreeMap<&str, Vec<&str>>,
) -> Vec<&'a Recipe> {
    let in_plan: BTreeMap<&str, &'a Recipe> = production
        .order
        .iter()
        .map(|r| (r.slug.as_str(), *r))
        .collect();
    let mut waiting: BTreeMap<&str, usize> = in_plan
        .keys()
        .map(|slug| {
            let parents = used_by.get(slug).map_or(0, |ps| {
                ps.iter().filter(|p| in_plan.contains_key(*p)).count()
            });
            (*slug, parents)
        })
        .collect();
    let key = |r: &Recipe| (r.keeps_days.unwrap_or(u32::MAX), r.slug.clone());
    let mut ready: BTreeSet<(u32, String)> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .filter_map(|(slug, _)| in_plan.get(slug).map(|r| key(r)))
        .collect();
    let mut order = Vec::with_capacity(in_plan.len());
    while let Some(next) = ready.pop_first() {
        let Some(recipe) = in_plan.get(next.1.as_str()).copied() else {
            continue;
        };
        order.push(recipe);
        for c in &recipe.components {
            if let Some(n) = waiting.get_mut(c.recipe.as_str()) {
                *n = n.saturating_sub(1);
                if *n == 0
                    && let Some(child) = in_plan.get(c.recipe.as_str())
                {
                    ready.insert(key(child));
                }
            }
        }
    }
    order
}

/// Schedules the batches of `production` for an event on `date`.
pub fn schedule(production: &Production<'_>, date: NaiveDate, capacity: Option<u32>) -> Schedule {
    let used_by = used_by(production);
    let placed = place(production, &used_by, capacity);
    let components: BTreeSet<&str> = used_by.keys().copied().collect();
    let mut days = into_days(production, placed, &components, date);
    number_batches(&mut days);
    let warnings = order_and_flag(production, &mut days, capacity);
    Schedule {
        capacity_minutes: capacity,
        days,
        warnings,
    }
}

/// The recipes of the plan that use each sub-recipe, by the sub-recipe's slug.
fn used_by<'a>(production: &Production<'a>) -> BTreeMap<&'a str, Vec<&'a str>> {
    let mut used_by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for recipe in &production.order {
        for c in &recipe.components {
            used_by
                .entry(c.recipe.as_str())
                .or_default()
                .push(recipe.slug.as_str());
        }
    }
    used_by
}

/// A run of one recipe's batches on one day: batches, first and last batch number (counted
/// from the event backwards until [`number_batches`]), minutes.
type Run = (Decimal, u32, u32, u64);

/// Places every batch on a day (days before the event), parents first: the runs by day and
/// recipe.
fn place<'a>(
    production: &Production<'a>,
    used_by: &BTreeMap<&'a str, Vec<&'a str>>,
    capacity: Option<u32>,
) -> BTreeMap<(u32, &'a str), Run> {
    // Minutes planned per day, and each recipe's earliest day used.
    let mut load: BTreeMap<u32, u64> = BTreeMap::new();
    let mut earliest_day: BTreeMap<&str, u32> = BTreeMap::new();
    let mut placed = BTreeMap::new();
    for recipe in placing_order(production, used_by) {
        let total = production
            .totals
            .get(recipe.slug.as_str())
            .copied()
            .unwrap_or_default();
        if total <= Decimal::ZERO {
            continue;
        }
        let parents_day = used_by
            .get(recipe.slug.as_str())
            .into_iter()
            .flatten()
            .filter_map(|p| earliest_day.get(p).copied())
            .max()
            .map(|d| d.saturating_add(1));
        let latest = recipe
            .make_ahead_days
            .unwrap_or(0)
            .max(parents_day.unwrap_or(0));
        let days = place_recipe(recipe, total, latest, capacity, &mut load);
        let first_day = days.iter().map(|(day, _)| *day).fold(latest, u32::max);
        for (day, run) in days {
            placed.insert((day, recipe.slug.as_str()), run);
        }
        earliest_day.insert(recipe.slug.as_str(), first_day);
    }
    placed
}

/// Places `total` batches of `recipe` from day `latest` earlier, as far as it keeps while a
/// day is full: its runs, day by day (the days only move earlier).
fn place_recipe(
    recipe: &Recipe,
    total: Decimal,
    latest: u32,
    capacity: Option<u32>,
    load: &mut BTreeMap<u32, u64>,
) -> Vec<(u32, Run)> {
    let keeps_until = recipe.keeps_days.map(|k| k.max(latest));
    let per_batch = u64::from(recipe.time_minutes.unwrap_or(0));
    let mut day = latest;
    let mut runs = Vec::new();
    // The run of batches placed on `day` so far. A recipe's days only move earlier, so a run
    // is complete when the day changes; keeping it here spares a map update per batch (a
    // chain's recipe has hundreds).
    let mut run: Option<Run> = None;
    for (n, share) in pieces(total).into_iter().enumerate() {
        let minutes = if share == Decimal::ONE {
            per_batch
        } else {
            (Decimal::from(per_batch) * share)
                .ceil()
                .to_u64()
                .unwrap_or(u64::MAX)
        };
        if let Some(cap) = capacity {
            // Move earlier while the day is full and the batch still keeps.
            let before = day;
            while load.get(&day).copied().unwrap_or(0).saturating_add(minutes) > u64::from(cap)
                && keeps_until.is_none_or(|k| day < k)
                && day < HORIZON_DAYS
            {
                day += 1;
            }
            if day != before
                && let Some(done) = run.take()
            {
                runs.push((before, done));
            }
        }
        *load.entry(day).or_default() += minutes;
        let number = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let slot = run.get_or_insert((Decimal::ZERO, number, number, 0));
        slot.0 += share;
        slot.2 = number;
        slot.3 += minutes;
    }
    if let Some(done) = run {
        runs.push((day, done));
    }
    runs
}

/// The placed runs as working days, earliest first (entries by recipe slug until
/// [`order_and_flag`]).
fn into_days(
    production: &Production<'_>,
    placed: BTreeMap<(u32, &str), Run>,
    components: &BTreeSet<&str>,
    date: NaiveDate,
) -> Vec<Day> {
    let names: BTreeMap<&str, &str> = production
        .order
        .iter()
        .map(|r| (r.slug.as_str(), r.name.as_str()))
        .collect();
    let mut days: BTreeMap<u32, Day> = BTreeMap::new();
    for ((before, slug), (batches, first, last, minutes)) in placed {
        let day = days.entry(before).or_insert_with(|| Day {
            date: date
                .checked_sub_days(Days::new(u64::from(before)))
                .unwrap_or(date),
            days_before: before,
            minutes: 0,
            over_capacity: false,
            entries: Vec::new(),
        });
        day.minutes = day.minutes.saturating_add(minutes);
        day.entries.push(Entry {
            recipe: slug.to_owned(),
            name: names.get(slug).copied().unwrap_or(slug).to_owned(),
            batches: batches.normalize().into(),
            first_batch: first,
            last_batch: last,
            minutes,
            is_component: components.contains(slug),
        });
    }
    days.into_values().rev().collect()
}

/// Batches were placed from the event backwards; numbers them from the earliest day.
fn number_batches(days: &mut [Day]) {
    let mut next: BTreeMap<String, u32> = BTreeMap::new();
    for day in days {
        for e in &mut day.entries {
            let count = e.last_batch.saturating_sub(e.first_batch).saturating_add(1);
            let first = next.entry(e.recipe.clone()).or_insert(1);
            e.first_batch = *first;
            e.last_batch = first.saturating_add(count - 1);
            *first = first.saturating_add(count);
        }
    }
}

/// Puts each day's entries in production order and flags the days over `capacity`: the
/// warnings for them.
fn order_and_flag(
    production: &Production<'_>,
    days: &mut [Day],
    capacity: Option<u32>,
) -> Vec<String> {
    let position: BTreeMap<&str, usize> = production
        .order
        .iter()
        .enumerate()
        .map(|(n, r)| (r.slug.as_str(), n))
        .collect();
    let mut warnings = Vec::new();
    for day in days {
        day.entries.sort_by_key(|e| {
            position
                .get(e.recipe.as_str())
                .copied()
                .unwrap_or(usize::MAX)
        });
        if let Some(cap) = capacity
            && day.minutes > u64::from(cap)
        {
            day.over_capacity = true;
            warnings.push(format!(
                "{}: {} minutes of work planned, {} available (recipes that do not keep long enough to move earlier)",
                day.date, day.minutes, cap
            ));
        }
    }
    warnings
}

/// Gives each recipe row the days it is made, and orders the rows by the first of them
/// (stable: recipes of one day keep production order, sub-recipes first; recipes with
/// nothing to make go last).
pub fn in_schedule_order(schedule: &Schedule, recipes: &mut [RecipeRow]) {
    let mut first: BTreeMap<&str, u32> = BTreeMap::new();
    let mut made_on: BTreeMap<&str, Vec<MadeOn>> = BTreeMap::new();
    for day in &schedule.days {
        for e in &day.entries {
            first.entry(e.recipe.as_str()).or_insert(day.days_before);
            made_on.entry(e.recipe.as_str()).or_default().push(MadeOn {
                date: day.date,
                days_before: day.days_before,
                batches: e.batches,
                first_batch: e.first_batch,
                last_batch: e.last_batch,
            });
        }
    }
    for row in recipes.iter_mut() {
        row.made_on = made_on.remove(row.recipe.as_str()).unwrap_or_default();
    }
    recipes.sort_by_cached_key(|r| std::cmp::Reverse(first.get(r.recipe.as_str()).copied()));
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::catalog::Component;
    use crate::plan::kinds::{LineKind, ShoppingStatus};
    use crate::plan::result::{IngredientRow, ShoppingRow};
    use crate::plan::testing::recipe;

    fn with(mut r: Recipe, minutes: u32, ahead: Option<u32>, keeps: Option<u32>) -> Recipe {
        r.time_minutes = Some(minutes);
        r.make_ahead_days = ahead;
        r.keeps_days = keeps;
        r
    }

    fn production<'a>(order: &[&'a Recipe], batches: &[(&'a str, &str)]) -> Production<'a> {
        Production {
            order: order.to_vec(),
            totals: batches
                .iter()
                .map(|(s, b)| (*s, Decimal::from_str_exact(b).expect("decimal")))
                .collect(),
            from_stock: BTreeMap::new(),
        }
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 24).expect("date")
    }

    #[test]
    fn sub_recipes_come_the_day_before_and_make_ahead_days_move_recipes_earlier() {
        let ganache = with(recipe("ganache", &[], &[]), 20, None, None);
        let tart = with(recipe("tart", &[], &[("ganache", "1")]), 60, None, None);
        let stollen = with(recipe("stollen", &[], &[]), 90, Some(14), None);
        let p = production(
            &[&ganache, &tart, &stollen],
            &[("ganache", "2"), ("tart", "2"), ("stollen", "1")],
        );
        let s = schedule(&p, day(), None);
        let on: Vec<(u32, Vec<&str>)> = s
            .days
            .iter()
            .map(|d| {
                (
                    d.days_before,
                    d.entries.iter().map(|e| e.recipe.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            on,
            vec![
                (14, vec!["stollen"]),
                (1, vec!["ganache"]),
                (0, vec!["tart"])
            ]
        );
        assert_eq!(
            s.days[0].date,
            NaiveDate::from_ymd_opt(2026, 12, 10).expect("date")
        );
        assert_eq!(s.days[2].minutes, 120);
    }

    #[test]
    fn a_full_day_pushes_keepers_earlier_and_flags_perishables() {
        // 3 batches of 200 minutes, 480 a day: two fit on the day, the third moves a day
        // earlier if it keeps, else the day is over capacity.
        let bread = with(recipe("bread", &[], &[]), 200, None, Some(2));
        let p = production(&[&bread], &[("bread", "3")]);
        let s = schedule(&p, day(), Some(480));
        assert_eq!(s.days.len(), 2);
        assert_eq!(s.days[1].entries[0].batches, Num(Decimal::from(2)));
        assert_eq!(s.days[0].entries[0].first_batch, 1);
        assert_eq!(s.days[1].entries[0].first_batch, 2);
        assert_eq!(s.days[1].entries[0].last_batch, 3);
        assert!(s.warnings.is_empty());
        let cream = with(recipe("cream", &[], &[]), 200, None, Some(0));
        let p = production(&[&cream], &[("cream", "3")]);
        let s = schedule(&p, day(), Some(480));
        assert_eq!(s.days.len(), 1);
        assert!(s.days[0].over_capacity);
        assert_eq!(s.warnings.len(), 1);
    }

    #[test]
    fn a_fractional_last_batch_is_its_own_piece() {
        assert_eq!(
            pieces(Decimal::from_str_exact("2.25").expect("decimal")),
            vec![
                Decimal::ONE,
                Decimal::ONE,
                Decimal::from_str_exact("0.25").expect("d")
            ]
        );
    }

    /// A generated recipe: minutes, make ahead, keeps, batches × 4, parent index.
    type Spec = (u32, Option<u32>, Option<u32>, u32, Option<usize>);

    #[test]
    fn an_ingredient_is_ordered_lead_days_before_the_first_day_a_recipe_uses_it() {
        use crate::catalog::Unit;
        use crate::plan::purchase_dates::{first_needed, order_dates, overdue};
        use crate::plan::result::Source;
        let stollen = with(recipe("stollen", &[], &[]), 90, Some(10), None);
        let bread = with(recipe("bread", &[], &[]), 60, None, None);
        let p = production(&[&stollen, &bread], &[("stollen", "1"), ("bread", "1")]);
        let s = schedule(&p, day(), None);
        let source = |path: &[&str]| Source {
            path: path.iter().map(|p| (*p).to_owned()).collect(),
            qty: Num(Decimal::ONE),
            unit: Unit::Lb,
        };
        let flour = IngredientRow {
            ingredient: "flour".into(),
            name: "Flour".into(),
            category: "Dry".into(),
            qty: Num(Decimal::TWO),
            unit: Unit::Lb,
            kitchen_qty: Num(Decimal::TWO),
            kitchen_unit: Unit::Lb,
            unconvertible: None,
            sources: vec![
                source(&["e", "loaf", "bread"]),
                source(&["e", "stollen-loaf", "stollen"]),
            ],
        };
        let line = |kind, item: &str, status, lead| ShoppingRow {
            lead_days: lead,
            ..crate::plan::testing::shopping_line(kind, item, status)
        };
        let mut shopping = vec![
            line(LineKind::Ingredient, "flour", ShoppingStatus::Buy, Some(3)),
            line(LineKind::Material, "tin", ShoppingStatus::Buy, None),
            line(
                LineKind::Ingredient,
                "salt",
                ShoppingStatus::Sufficient,
                Some(3),
            ),
        ];
        let rows = [flour];
        order_dates(&first_needed(&s, &rows, day()), &mut shopping, day());
        let date = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).expect("date");
        // The stollen is made 10 days ahead, on the 14th: flour by then, ordered 3 days
        // earlier; packaging for the event day; nothing for a line in stock.
        assert_eq!(shopping[0].needed_by, Some(date(14)));
        assert_eq!(shopping[0].order_by, Some(date(11)));
        assert_eq!(shopping[1].order_by, Some(date(24)));
        assert_eq!(shopping[2].order_by, None);
        // Read on the 13th, the flour's order-by date has passed; on the 15th, the stollen's
        // day too.
        assert_eq!(
            overdue(&s, &shopping, date(13)),
            [
                "1 line to buy should have been ordered before today (2026-12-13), the first flour by 2026-12-11"
            ]
        );
        assert_eq!(
            overdue(&s, &shopping, date(15)),
            [
                "stollen was scheduled for 2026-12-14, before today (2026-12-15): make it as soon as possible",
                "1 line to buy should have been ordered before today (2026-12-15), the first flour by 2026-12-11",
            ]
        );
        assert!(overdue(&s, &shopping, date(1)).is_empty());
    }

    fn arb_recipes() -> impl Strategy<Value = Vec<Spec>> {
        // (minutes, make ahead, keeps, batches×4, parent index among earlier recipes)
        proptest::collection::vec(
            (
                0u32..300,
                proptest::option::of(0u32..5),
                proptest::option::of(0u32..5),
                1u32..20,
                proptest::option::of(0usize..6),
            ),
            1..7,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// No batch after the event, every sub-recipe batch on or before each parent batch,
        /// every batch scheduled exactly once, no day over capacity unless flagged.
        #[test]
        fn the_schedule_keeps_its_promises(specs in arb_recipes(), cap in proptest::option::of(60u32..900)) {
            // Recipe i may be used by an earlier recipe j < i (parents come first).
            let mut recipes: Vec<Recipe> = Vec::new();
            for (i, (minutes, ahead, keeps, _, _)) in specs.iter().enumerate() {
                recipes.push(with(recipe(&format!("r{i}"), &[], &[]), *minutes, *ahead, *keeps));
            }
            for (i, (.., parent)) in specs.iter().enumerate() {
                if let Some(p) = parent.filter(|p| *p < i) {
                    recipes[p].components.push(Component {
                        recipe: format!("r{i}"),
                        batches: Decimal::ONE,
                        note: None,
                    });
                }
            }
            // Sub-recipes first, as production orders them.
            let order: Vec<&Recipe> = recipes.iter().rev().collect();
            let totals: Vec<(String, String)> = specs
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("r{i}"), (Decimal::from(s.3) / Decimal::from(4)).to_string()))
                .collect();
            let p = Production {
                order,
                totals: totals
                    .iter()
                    .map(|(s, b)| (s.as_str(), Decimal::from_str_exact(b).expect("decimal")))
                    .collect(),
                from_stock: BTreeMap::new(),
            };
            let s = schedule(&p, day(), cap);
            let mut scheduled: BTreeMap<String, Decimal> = BTreeMap::new();
            let mut days_of: BTreeMap<String, Vec<u32>> = BTreeMap::new();
            for d in &s.days {
                prop_assert!(d.date <= day());
                prop_assert_eq!(d.date + Days::new(u64::from(d.days_before)), day());
                if let Some(cap) = cap {
                    prop_assert_eq!(d.over_capacity, d.minutes > u64::from(cap));
                }
                prop_assert_eq!(d.minutes, d.entries.iter().map(|e| e.minutes).sum::<u64>());
                for e in &d.entries {
                    *scheduled.entry(e.recipe.clone()).or_default() += e.batches.0;
                    days_of.entry(e.recipe.clone()).or_default().push(d.days_before);
                }
            }
            for (slug, batches) in &totals {
                prop_assert_eq!(scheduled.get(slug).copied(), Some(Decimal::from_str_exact(batches).expect("d")));
            }
            for r in &recipes {
                for c in &r.components {
                    let parent_earliest = days_of[&r.slug].iter().max().copied().unwrap_or(0);
                    let child_latest = days_of[&c.recipe].iter().min().copied().unwrap_or(0);
                    prop_assert!(child_latest >= parent_earliest, "{} before {}", c.recipe, r.slug);
                }
            }
        }
    }
}
