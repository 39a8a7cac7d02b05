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
/// large". With `catalogue_fits` ([`catalogue_fits`] of the same catalogue) the keys and the
/// stock are not looked at again.
pub fn fits(
    index: &Index<'_>,
    bundles: &Bundles<'_>,
    expansions: &Expansions,
    event: &Event,
    needs: &Needs,
    catalogue_fits: bool,
) -> bool {
    matches!(
        bounded(index, bundles, expansions, event, needs, catalogue_fits),
        Ok(true)
    )
}

/// Whether what does not depend on the event fits, for every event of the catalogue: every
/// ingredient's and material's id packs into a [`TotalKey`] and its stock counts exactly in
/// any unit ([`Stock::fits_in_any_unit`]). Proved once per catalogue, it spares `check` the
/// per-event keys and stock count.
pub fn catalogue_fits(index: &Index<'_>) -> bool {
    let packs = |kind, count: usize| {
        count
            .checked_sub(1)
            .is_none_or(|last| TotalKey::new(0, kind, last as u32, Unit::Each).is_some())
    };
    packs(LineKind::Ingredient, index.ingredient_count())
        && packs(LineKind::Material, index.material_count())
        && Stock::fits_in_any_unit(index)
}

fn bounded(
    index: &Index<'_>,
    bundles: &Bundles<'_>,
    expansions: &Expansions,
    event: &Event,
    needs: &Needs,
    catalogue_fits: bool,
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
        if catalogue_fits {
            continue;
        }
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
        if catalogue_fits {
            continue;
        }
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
    if !catalogue_fits {
        Stock::usable(index, event, &Stock::units(index, keys))?;
    }
    Ok(true)
}
