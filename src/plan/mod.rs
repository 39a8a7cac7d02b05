//! The plan stage: pure computation over a catalogue snapshot — no I/O, no database.
//!
//! [`snapshot::subset`] picks what an event reads, [`compute`] turns a frozen snapshot into
//! a [`PlanResult`]; [`check_decisions`] applies the plan rules to a catalogue at load time.

pub mod batches;
pub mod compute;
pub mod diff;
pub mod explode;
pub mod result;
pub mod snapshot;
pub mod table;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

use crate::catalog::{Catalog, Decision, Event};
pub use compute::{ENGINE_VERSION, PlanError, compute};
pub use result::PlanResult;
pub use snapshot::{PlanMeta, Snapshot};

/// A problem with an event's decisions, found before planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionProblem {
    /// Index of the decision in the event.
    pub index: usize,
    /// Kind of problem (`decision-not-needed`, `unconfirmed-shortfall`).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// Checks an event's decisions: each must name an item the event needs, and one making
/// fewer than needed must be confirmed.
pub fn check_decisions(catalog: &Catalog, event: &Event) -> Vec<DecisionProblem> {
    let needs = explode::explode(catalog, event);
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
            problems.push(DecisionProblem {
                index,
                code: "decision-not-needed",
                message: format!("event {} does not need finished item {item}", event.slug),
                hint: "remove the decision, or add a target that uses the item".to_owned(),
            });
            continue;
        };
        let Some((recipe, y)) = catalog.item(item) else {
            continue;
        };
        let plan = batches::plan_item(recipe, y, need.to_bake, event.decisions.get(index));
        if plan.shortfall > 0 && !confirm_shortfall {
            problems.push(DecisionProblem {
                index,
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
    problems
}
