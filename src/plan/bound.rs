//! A cheap proof, for `check`, that an event's plan fits exact arithmetic.
//!
//! `check` must reject an event whose plan would not fit before anything is imported, but
//! computing every event's contribution lines only to sum them cost as much as planning the
//! whole catalogue. Each recipe's per-batch magnitude (the sum of the magnitudes of
//! everything one batch uses, sub-recipes included) is known once per catalogue, so an
//! upper bound of an event's lines is one multiplication per root recipe. Only an event the
//! bound cannot clear is summed exactly ([`super::Engine::bounds`]); the bound never clears
//! an event the exact sum would reject.

use rust_decimal::Decimal;

use super::PlanError;
use super::aggregate::{MAX_AMOUNT, MAX_PLAN_PATHS, TotalKey};
use super::batches::plan_batches;
use super::expand::Expansions;
use super::explode::{Bundles, MaterialUse, Needs, material_uses};
use super::index::Index;
use super::kinds::LineKind;
use super::recipes::production;
use super::stock::Stock;
use crate::catalog::{Event, Unit};

/// Whether `event`'s plan provably fits, given what its targets need (`needs`): every step
/// the plan runs before summing succeeds, the magnitudes of all its contribution lines
/// together stay within [`MAX_AMOUNT`] (so each line, each total and each event's sum fit),
/// and it has at most [`MAX_PLAN_PATHS`] paths. `false` means "not proved", never "too
/// large".
pub fn fits(
    index: &Index<'_>,
    bundles: &Bundles<'_>,
    expansions: &Expansions,
    event: &Event,
    needs: &Needs,
) -> bool {
    matches!(bounded(index, bundles, expansions, event, needs), Ok(true))
}

fn bounded(
    index: &Index<'_>,
    bundles: &Bundles<'_>,
    expansions: &Expansions,
    event: &Event,
    needs: &Needs,
) -> Result<bool, PlanError> {
    let batches = plan_batches(index, event, needs)?;
    let roots = batches.roots();
    // Batches made ahead only shrink what is left to make: the bound uses all of them.
    production(index, &roots, event.date)?;
    let mut bound = Decimal::ZERO;
    let mut paths = 0usize;
    let mut keys: foldhash::HashSet<(LineKind, u32, Unit)> = foldhash::HashSet::default();
    for root in &roots {
        let Some(id) = index.recipe_id(&root.recipe.slug) else {
            continue;
        };
        let expansion = expansions.of(index, id)?;
        let Some(part) = expansions
            .magnitude(index, id)
            .and_then(|per_batch| per_batch.checked_mul(root.batches.abs()))
            .and_then(|part| part.checked_add(bound))
        else {
            return Ok(false);
        };
        bound = part;
        paths += expansion.groups.len();
        keys.extend(
            expansion
                .groups
                .iter()
                .flat_map(|g| &g.uses)
                .map(|used| (LineKind::Ingredient, used.key.0, used.key.1)),
        );
    }
    for MaterialUse { material, qty, .. } in material_uses(bundles, event, needs)? {
        let Some(sum) = bound.checked_add(qty.abs()) else {
            return Ok(false);
        };
        bound = sum;
        paths += 1;
        keys.insert((
            LineKind::Material,
            material,
            index.material_at(material).unit,
        ));
    }
    if bound > Decimal::from(MAX_AMOUNT)
        || paths >= MAX_PLAN_PATHS
        || keys
            .iter()
            .any(|&(kind, id, unit)| TotalKey::new(0, kind, id, unit).is_none())
    {
        return Ok(false);
    }
    // Stock is counted in every unit a line could be totalled in (a superset of the plan's).
    Stock::usable(index, event, &Stock::units(index, keys))?;
    Ok(true)
}
