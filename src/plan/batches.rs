//! Batches per finished item (SPEC §5.3): never short unless a confirmed decision says so.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::catalog::{Decision, Recipe, Yield};

/// The batch plan of one finished item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemBatches {
    /// Items to bake.
    pub need: u64,
    /// Batches the rule computes.
    pub computed_batches: u64,
    /// Batches to bake (the decision's, when there is one).
    pub batches: u64,
    /// Usable items the batches make.
    pub produced: u64,
    /// Produced beyond the need (0 when short).
    pub surplus: u64,
    /// Items short of the need (only with a confirmed decision).
    pub shortfall: u64,
    /// Surplus as a share of produced, percent.
    pub waste_pct: Decimal,
    /// Whether a decision set the count.
    pub decided: bool,
}

/// Usable items per batch: items per batch less the recipe's loss.
pub fn usable_per_batch(recipe: &Recipe, item: &Yield) -> Decimal {
    item.size.items_per_batch() * (Decimal::ONE - recipe.loss_pct / Decimal::ONE_HUNDRED)
}

/// Smallest batch count whose usable items cover `need`.
pub fn batches_for(need: u64, usable: Decimal) -> u64 {
    if need == 0 || usable <= Decimal::ZERO {
        return 0;
    }
    let mut batches = (Decimal::from(need) / usable)
        .ceil()
        .to_u64()
        .unwrap_or(u64::MAX);
    // Division rounds at 28 digits; make sure rounding never leaves us short.
    while produced_by(batches, usable) < need {
        batches += 1;
    }
    batches
}

/// Usable items `batches` make.
pub fn produced_by(batches: u64, usable: Decimal) -> u64 {
    (Decimal::from(batches) * usable)
        .floor()
        .to_u64()
        .unwrap_or(u64::MAX)
}

/// Plans the batches of one finished item needing `need`, honouring a decision.
pub fn plan_item(
    recipe: &Recipe,
    item: &Yield,
    need: u64,
    decision: Option<&Decision>,
) -> ItemBatches {
    let usable = usable_per_batch(recipe, item);
    let computed_batches = batches_for(need, usable);
    let batches = decision.map_or(computed_batches, |d| d.batches);
    let produced = produced_by(batches, usable);
    let surplus = produced.saturating_sub(need);
    let waste_pct = if produced == 0 {
        Decimal::ZERO
    } else {
        Decimal::from(surplus) * Decimal::ONE_HUNDRED / Decimal::from(produced)
    };
    ItemBatches {
        need,
        computed_batches,
        batches,
        produced,
        surplus,
        shortfall: need.saturating_sub(produced),
        waste_pct,
        decided: decision.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::YieldSize;
    use crate::plan::testing::recipe_yielding;

    fn plan(size: YieldSize, need: u64) -> ItemBatches {
        let recipe = recipe_yielding("r", "x", size);
        plan_item(&recipe, &recipe.yields[0], need, None)
    }

    #[test]
    fn spec_examples_yield_48() {
        let per = |n| YieldSize::PerBatch(Decimal::from(n));
        let cases = [
            (48, 1, 48, 0, "0"),
            (49, 2, 96, 47, "48.958"),
            (300, 7, 336, 36, "10.714"),
            (100, 3, 144, 44, "30.556"),
            (1, 1, 48, 47, "97.917"),
            (0, 0, 0, 0, "0"),
        ];
        for (need, batches, produced, surplus, waste) in cases {
            let p = plan(per(48), need);
            assert_eq!(
                (p.batches, p.produced, p.surplus),
                (batches, produced, surplus),
                "need {need}"
            );
            assert_eq!(
                p.waste_pct.round_dp(3).normalize().to_string(),
                waste,
                "need {need}"
            );
        }
        assert_eq!(plan(per(3), 10).batches, 4);
    }

    #[test]
    fn portions() {
        let p = plan(YieldSize::PortionPct(Decimal::from(25)), 10);
        assert_eq!((p.batches, p.produced), (3, 12));
    }

    #[test]
    fn loss_reduces_usable_items() {
        let mut recipe = recipe_yielding("r", "x", YieldSize::PerBatch(Decimal::from(10)));
        recipe.loss_pct = Decimal::from(10);
        let p = plan_item(&recipe, &recipe.yields[0], 18, None);
        assert_eq!((p.batches, p.produced), (2, 18));
        let p = plan_item(&recipe, &recipe.yields[0], 19, None);
        assert_eq!((p.batches, p.produced), (3, 27));
    }

    #[test]
    fn decisions_replace_the_count() {
        let recipe = recipe_yielding("r", "x", YieldSize::PerBatch(Decimal::from(48)));
        let decision = Decision {
            item: "x".into(),
            batches: 1,
            confirm_shortfall: true,
        };
        let p = plan_item(&recipe, &recipe.yields[0], 60, Some(&decision));
        assert_eq!(
            (
                p.computed_batches,
                p.batches,
                p.produced,
                p.shortfall,
                p.decided
            ),
            (2, 1, 48, 12, true)
        );
    }
}
