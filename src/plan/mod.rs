//! The plan stage: pure computation over a catalogue snapshot — no I/O, no database.
//!
//! One module per step of SPEC §5, in pipeline order: [`explode`] (bundles into items),
//! [`batches`], [`recipes`] (production order), [`expand`] (ingredient uses with
//! provenance) and [`aggregate`] (sums and netting in polars), [`stock`], [`shopping`],
//! [`feasibility`] and [`assembly`], [`cost`], [`schedule`] and [`purchase_dates`];
//! [`compute()`] runs them for one snapshot or a whole run, and [`rollup`] combines a run's
//! shopping lists. [`check_event`] applies the plan rules to a catalogue at load time.

pub mod aggregate;
pub mod assembly;
pub mod batches;
mod bound;
pub mod compute;
pub mod cost;
pub mod diff;
pub mod expand;
pub mod explode;
pub mod feasibility;
pub mod index;
pub mod kinds;
pub mod kitchen;
pub mod memo;
pub mod nesting;
pub mod num;
pub mod persist;
pub mod progress;
pub mod purchase_dates;
pub mod recipes;
pub mod record;
pub mod remaining;
pub mod result;
pub mod rollup;
pub mod schedule;
pub mod shopping;
pub mod stock;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

use crate::catalog::{Decision, Event};
pub use crate::store::{ENGINE_VERSION, PlanMeta, Snapshot};
pub use compute::{Computed, Engine, Job, PlanError, compute};
pub use remaining::compute_held;
pub use result::PlanResult;

/// A problem with an event found before planning: a decision that does not fit, or amounts
/// beyond what bakeplan counts exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventProblem {
    /// Index of the decision in the event (`None`: the event as a whole).
    pub decision: Option<usize>,
    /// Kind of problem (`decision-not-needed`, `unconfirmed-shortfall`, `too-large`).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// Checks an event against the plan rules: each decision must name an item the event
/// needs, one making fewer than needed must be confirmed, and every amount the plan
/// computes must fit exact arithmetic.
pub fn check_event(engine: &Engine<'_>, event: &Event) -> Vec<EventProblem> {
    let too_large = |error: PlanError| EventProblem {
        decision: None,
        code: "too-large",
        message: match error.to_string() {
            text if text.contains(&format!("event {}", event.slug)) => text,
            text => format!("event {}: {text}", event.slug),
        },
        hint: format!(
            "targets, batches and quantities must stay below {} of anything in one plan; split the event or lower its targets",
            aggregate::MAX_AMOUNT
        ),
    };
    let needs = match engine.needs(event) {
        Ok(needs) => needs,
        Err(error) => return vec![too_large(error)],
    };
    let mut problems = Vec::new();
    for (
        index,
        Decision {
            item,
            batches,
            confirm_shortfall,
        },
    ) in event.decisions.iter().enumerate()
    {
        let Some(need) = needs.items.get(item) else {
            problems.push(EventProblem {
                decision: Some(index),
                code: "decision-not-needed",
                message: format!("event {} does not need finished item {item}", event.slug),
                hint: "remove the decision, or add a target that uses the item".to_owned(),
            });
            continue;
        };
        let Some((recipe, y)) = engine.index().item(item) else {
            continue;
        };
        let plan = match batches::plan_item(recipe, y, need.to_bake, event.decisions.get(index)) {
            Ok(plan) => plan,
            Err(error) => {
                problems.push(too_large(error));
                continue;
            }
        };
        if plan.shortfall > 0 && !confirm_shortfall {
            problems.push(EventProblem {
                decision: Some(index),
                code: "unconfirmed-shortfall",
                message: format!(
                    "{batches} batch{} of {item} make{} {} but {} are needed: {} short",
                    if *batches == 1 { "" } else { "es" },
                    if *batches == 1 { "s" } else { "" },
                    plan.produced,
                    need.to_bake,
                    plan.shortfall
                ),
                hint: format!(
                    "bake {} batches, or add `confirm_shortfall: true` to accept {} fewer",
                    plan.computed_batches, plan.shortfall
                ),
            });
        }
    }
    if problems.is_empty()
        && let Err(error) = engine.bounds(event, &needs)
    {
        problems.push(too_large(error));
    }
    problems
}
