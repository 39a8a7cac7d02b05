//! Progress of an event through the kitchen: its plan against the journal.
//!
//! Pure: a computed plan plus the production, assembly and purchases recorded for it give
//! per-recipe and per-bundle progress, phase statuses and one overall figure. The rules:
//! a recipe's percent is made ÷ planned batches (over 100 when more was made; the excess is
//! overage); a phase's percent weighs its rows by size (batches, bundles), each row capped
//! at 100 % so overage in one recipe does not hide another's shortfall; overall is the mean
//! of the phases that have work, each capped at 100.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use super::kinds::{LineKind, ShoppingStatus, TargetKind};
use super::result::{AssemblyRow, Num, PlanResult};
use crate::store::journal::{Assembly, PlanState, Production, Purchase, PurchaseKind};

/// Where a phase or the whole event stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nothing recorded yet.
    NotStarted,
    /// Some recorded, not all done.
    InProgress,
    /// Everything planned is done.
    Complete,
}

/// One recipe's production against the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecipeProgress {
    /// Recipe slug.
    pub recipe: String,
    /// Recipe name.
    pub name: String,
    /// Batches the plan calls for.
    pub planned_batches: Num,
    /// Batches recorded as made.
    pub made_batches: Num,
    /// Still to make (never below 0).
    pub remaining_batches: Num,
    /// Made beyond the plan.
    pub overage_batches: Num,
    /// made ÷ planned, in percent (2 decimal places; may exceed 100).
    pub pct: Num,
    /// Units lost against the expected yield (expected − actual, summed).
    pub lost_units: u64,
}

/// One bundle's assembly against the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BundleProgress {
    /// Bundle slug.
    pub bundle: String,
    /// Bundle name.
    pub name: String,
    /// Bundles the plan assembles.
    pub target: u64,
    /// Recorded as packed.
    pub assembled: u64,
    /// Still to pack.
    pub remaining: u64,
    /// How many more can be packed now from what is made, packed and in stock.
    pub available_now: u64,
    /// What stops packing more now: `awaiting <item> production`, `short of <material>`.
    pub waiting_for: Vec<String>,
    /// assembled ÷ target, in percent.
    pub pct: Num,
}

/// Phase statuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phases {
    /// Buying what the plan's shopping list asks for.
    pub shopping: Status,
    /// Making the batches.
    pub production: Status,
    /// Packing the bundles.
    pub assembly: Status,
}

/// An event's progress (`bakeplan progress EVENT --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// Event slug.
    pub event: String,
    /// The plan progress is measured against.
    pub plan: i64,
    /// The plan's state.
    pub state: PlanState,
    /// Per recipe, in plan order.
    pub production: Vec<RecipeProgress>,
    /// Per bundle, in plan order.
    pub assembly: Vec<BundleProgress>,
    /// Production percent (rows capped at 100, weighted by planned batches).
    pub production_pct: Num,
    /// Assembly percent (rows capped at 100, weighted by target).
    pub assembly_pct: Num,
    /// Mean of the phases with work.
    pub overall_pct: Num,
    /// Overall status.
    pub status: Status,
    /// Per phase.
    pub phases: Phases,
}

fn percent(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        return Decimal::ZERO;
    }
    (part * Decimal::ONE_HUNDRED / whole).round_dp(2)
}

/// Progress of `plan` given what the journal recorded for its event.
pub fn progress(
    plan: &PlanResult,
    state: PlanState,
    production: &[Production],
    assembly: &[Assembly],
    purchases: &[Purchase],
) -> Progress {
    let recipes = recipe_progress(plan, production);
    let bundles = bundle_progress(plan, production, assembly, purchases);
    let weighted = |rows: &mut dyn Iterator<Item = (Decimal, Decimal)>| {
        let (done, total) = rows.fold((Decimal::ZERO, Decimal::ZERO), |(d, t), (made, of)| {
            (d + made.min(of), t + of)
        });
        (percent(done, total), total)
    };
    let (production_pct, batches) = weighted(
        &mut recipes
            .iter()
            .map(|r| (r.made_batches.0, r.planned_batches.0)),
    );
    let (assembly_pct, units) = weighted(
        &mut bundles
            .iter()
            .map(|b| (Decimal::from(b.assembled), Decimal::from(b.target))),
    );
    let phases_with_work: Vec<Decimal> = [(production_pct, batches), (assembly_pct, units)]
        .into_iter()
        .filter(|(_, total)| !total.is_zero())
        .map(|(pct, _)| pct.min(Decimal::ONE_HUNDRED))
        .collect();
    let overall = if phases_with_work.is_empty() {
        Decimal::ZERO
    } else {
        (phases_with_work.iter().sum::<Decimal>() / Decimal::from(phases_with_work.len()))
            .round_dp(2)
    };
    let phase = |recorded: bool, pct: Decimal, total: Decimal| {
        if total.is_zero() || !recorded {
            Status::NotStarted
        } else if pct >= Decimal::ONE_HUNDRED {
            Status::Complete
        } else {
            Status::InProgress
        }
    };
    let phases = Phases {
        shopping: shopping_status(plan, purchases),
        production: phase(!production.is_empty(), production_pct, batches),
        assembly: phase(!assembly.is_empty(), assembly_pct, units),
    };
    let status = if phases_with_work.is_empty() || (production.is_empty() && assembly.is_empty()) {
        Status::NotStarted
    } else if phases_with_work.iter().all(|p| *p >= Decimal::ONE_HUNDRED) {
        Status::Complete
    } else {
        Status::InProgress
    };
    Progress {
        event: plan.event.slug.clone(),
        plan: plan.plan.id,
        state,
        production: recipes,
        assembly: bundles,
        production_pct: production_pct.into(),
        assembly_pct: assembly_pct.into(),
        overall_pct: overall.into(),
        status,
        phases,
    }
}

fn recipe_progress(plan: &PlanResult, production: &[Production]) -> Vec<RecipeProgress> {
    let mut made: BTreeMap<&str, (Decimal, u64)> = BTreeMap::new();
    for p in production {
        let entry = made.entry(p.recipe.as_str()).or_default();
        entry.0 += p.batches;
        entry.1 += p.loss();
    }
    plan.recipes
        .iter()
        .map(|r| {
            let planned = r.batches.0;
            let (done, lost) = made.get(r.recipe.as_str()).copied().unwrap_or_default();
            RecipeProgress {
                recipe: r.recipe.clone(),
                name: r.name.clone(),
                planned_batches: planned.into(),
                made_batches: done.into(),
                remaining_batches: (planned - done).max(Decimal::ZERO).into(),
                overage_batches: (done - planned).max(Decimal::ZERO).into(),
                pct: percent(done, planned).into(),
                lost_units: lost,
            }
        })
        .collect()
}

/// Units of each finished item that came out of recorded production. A recipe with several
/// yields shares its batches between them as the plan does.
pub(crate) fn items_made(
    plan: &PlanResult,
    production: &[Production],
) -> BTreeMap<String, Decimal> {
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for p in production {
        let Some(recipe) = plan.recipes.iter().find(|r| r.recipe == p.recipe) else {
            continue;
        };
        let produced: Vec<_> = recipe.yields.iter().filter(|y| y.produced > 0).collect();
        let total: u64 = produced.iter().map(|y| y.produced).sum();
        let Some(units) = p.made() else { continue };
        for y in produced {
            let share = Decimal::from(units) * Decimal::from(y.produced) / Decimal::from(total);
            *out.entry(y.item.clone()).or_default() += share.floor();
        }
    }
    out
}

fn bundle_progress(
    plan: &PlanResult,
    production: &[Production],
    assembly: &[Assembly],
    purchases: &[Purchase],
) -> Vec<BundleProgress> {
    let assembled = assembled(assembly);
    let available = on_hand(plan, production, assembly, purchases);
    plan.assembly
        .iter()
        .map(|row| {
            let done = assembled.get(row.bundle.as_str()).copied().unwrap_or(0);
            // Bundles that go inside others are packed for them too.
            let goal = row.target.saturating_add(row.inside);
            let remaining = goal.saturating_sub(done);
            let (fits, waiting) = fits(row, &available, remaining);
            BundleProgress {
                bundle: row.bundle.clone(),
                name: row.name.clone(),
                target: goal,
                assembled: done,
                remaining,
                available_now: fits.min(remaining),
                waiting_for: waiting,
                pct: percent(Decimal::from(done), Decimal::from(goal)).into(),
            }
        })
        .collect()
}

/// How many more of `bundle` the journal shows enough on hand for, and what limits it
/// (`None`: the plan does not assemble it). Packing more is possible — the shelf may hold
/// what nobody recorded — but worth a warning.
pub fn packable(
    plan: &PlanResult,
    production: &[Production],
    assembly: &[Assembly],
    purchases: &[Purchase],
    bundle: &str,
) -> Option<(u64, Vec<String>)> {
    let row = plan.assembly.iter().find(|r| r.bundle == bundle)?;
    let available = on_hand(plan, production, assembly, purchases);
    let (most, _) = fits(row, &available, u64::MAX);
    Some(fits(row, &available, most.saturating_add(1)))
}

fn assembled(assembly: &[Assembly]) -> BTreeMap<&str, u64> {
    let mut assembled: BTreeMap<&str, u64> = BTreeMap::new();
    for a in assembly {
        let n = assembled.entry(a.bundle.as_str()).or_default();
        *n = n.saturating_add(a.qty);
    }
    assembled
}

/// What is on hand for packing: stock and production for items, stock and purchases for
/// materials, packed bundles for bundles; less what recorded packing has used.
fn on_hand(
    plan: &PlanResult,
    production: &[Production],
    assembly: &[Assembly],
    purchases: &[Purchase],
) -> BTreeMap<(TargetKind, String), Decimal> {
    let assembled = assembled(assembly);
    let mut available: BTreeMap<(TargetKind, String), Decimal> = BTreeMap::new();
    for b in &plan.batches {
        if let Some(item) = &b.item {
            *available
                .entry((TargetKind::Item, item.clone()))
                .or_default() += Decimal::from(b.in_stock);
        }
    }
    for (item, units) in items_made(plan, production) {
        *available.entry((TargetKind::Item, item)).or_default() += units;
    }
    for s in plan
        .shopping
        .iter()
        .filter(|s| s.kind == LineKind::Material)
    {
        let bought: Decimal = purchases
            .iter()
            .filter(|p| p.kind == PurchaseKind::Material && p.item == s.item && p.unit == s.unit)
            .map(|p| p.qty)
            .sum();
        *available
            .entry((TargetKind::Material, s.item.clone()))
            .or_default() += s.on_hand.0 + bought;
    }
    for row in &plan.assembly {
        *available
            .entry((TargetKind::Bundle, row.bundle.clone()))
            .or_default() +=
            Decimal::from(row.in_stock + assembled.get(row.bundle.as_str()).copied().unwrap_or(0));
    }
    for row in &plan.assembly {
        let packed = Decimal::from(assembled.get(row.bundle.as_str()).copied().unwrap_or(0));
        for c in &row.contents {
            *available.entry((c.kind, c.slug.clone())).or_default() -= c.qty.0 * packed;
        }
    }
    available
}

/// How many of `row`'s bundle what is `available` packs (at most `wanted`), and what is
/// awaited for `wanted`.
fn fits(
    row: &AssemblyRow,
    available: &BTreeMap<(TargetKind, String), Decimal>,
    wanted: u64,
) -> (u64, Vec<String>) {
    let mut now = wanted;
    let mut waiting = Vec::new();
    for c in row.contents.iter().filter(|c| !c.qty.0.is_zero()) {
        let have = available
            .get(&(c.kind, c.slug.clone()))
            .copied()
            .unwrap_or_default()
            .max(Decimal::ZERO);
        let fits = (have / c.qty.0).floor().to_u64().unwrap_or(u64::MAX);
        if fits < wanted {
            waiting.push(match c.kind {
                TargetKind::Item => format!("awaiting {} production", c.name),
                TargetKind::Bundle => format!("awaiting {} assembly", c.name),
                _ => format!("short of {}", c.name),
            });
        }
        now = now.min(fits);
    }
    (now, waiting)
}

/// Shopping is complete when every line to buy was bought for this event (or nothing needs
/// buying), in progress when some were.
fn shopping_status(plan: &PlanResult, purchases: &[Purchase]) -> Status {
    let to_buy: Vec<_> = plan
        .shopping
        .iter()
        .filter(|s| s.status == ShoppingStatus::Buy)
        .collect();
    if to_buy.is_empty() {
        return Status::Complete;
    }
    let bought = |kind: LineKind, item: &str| {
        let kind = match kind {
            LineKind::Ingredient => PurchaseKind::Ingredient,
            LineKind::Material => PurchaseKind::Material,
        };
        purchases.iter().any(|p| {
            p.kind == kind && p.item == item && p.event.as_deref() == Some(&plan.event.slug)
        })
    };
    let done = to_buy.iter().filter(|s| bought(s.kind, &s.item)).count();
    match done {
        0 => Status::NotStarted,
        n if n == to_buy.len() => Status::Complete,
        _ => Status::InProgress,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::*;
    use crate::catalog::reach::subset;
    use crate::catalog::{Catalog, Target};
    use crate::plan::testing::*;
    use crate::plan::{PlanMeta, Snapshot, compute};

    /// Cookies at 24 a batch with a target of 168 (7 batches), and a box of 6 cookies
    /// with a target of `boxes` (which adds its own batches).
    fn plan(cookies: u64, boxes: u64) -> PlanResult {
        let mut c: Catalog = catalog_with_items(&[("cookie", 24)]);
        let mut targets = vec![Target::Item {
            item: "cookie".into(),
            qty: cookies,
        }];
        if boxes > 0 {
            add_bundle(&mut c, "box", &[("cookie", 6)], &[]);
            targets.push(bundle_target("box", boxes));
        }
        let e = event(targets);
        c.events.insert(e.slug.clone(), e.clone());
        compute(&Snapshot {
            plan: PlanMeta::default(),
            catalog: subset(&c, &e),
        })
        .unwrap()
    }

    fn made(batches: &str) -> Production {
        Production {
            event: "e".into(),
            plan_id: 0,
            recipe: "cookie-recipe".into(),
            batches: Decimal::from_str_exact(batches).unwrap(),
            expected_yield: None,
            actual_yield: None,
            loss_reason: None,
            at: "2026-12-01T00:00:00Z".into(),
        }
    }

    fn packed(qty: u64) -> Assembly {
        Assembly {
            event: "e".into(),
            plan_id: 0,
            bundle: "box".into(),
            qty,
            at: "2026-12-01T00:00:00Z".into(),
        }
    }

    fn num(text: &str) -> Num {
        Num(Decimal::from_str_exact(text).unwrap())
    }

    #[test]
    fn four_of_seven_batches() {
        let p = progress(
            &plan(168, 0),
            PlanState::InProduction,
            &[made("4")],
            &[],
            &[],
        );
        let r = &p.production[0];
        assert_eq!(r.planned_batches, num("7"));
        assert_eq!(r.remaining_batches, num("3"));
        assert_eq!(r.pct, num("57.14"));
        assert_eq!(p.production_pct, num("57.14"));
        assert_eq!(p.overall_pct, num("57.14"));
        assert_eq!(p.status, Status::InProgress);
    }

    #[test]
    fn ten_of_seven_is_overage_and_complete() {
        let p = progress(
            &plan(168, 0),
            PlanState::InProduction,
            &[made("4"), made("6")],
            &[],
            &[],
        );
        let r = &p.production[0];
        assert_eq!(r.pct, num("142.86"));
        assert_eq!(r.overage_batches, num("3"));
        assert_eq!(r.remaining_batches, num("0"));
        assert_eq!(p.production_pct, num("100"));
        assert_eq!(p.status, Status::Complete);
        assert_eq!(p.phases.production, Status::Complete);
    }

    #[test]
    fn overall_is_the_mean_of_the_capped_phases() {
        // 168 cookies + 6 boxes of 6 → 204 cookies → 8.5 → 9 batches; pack 3 of 6 boxes.
        let plan = plan(168, 6);
        let planned = plan.recipes[0].batches.0;
        let four_sevenths = (planned * Decimal::from(4) / Decimal::from(7)).to_string();
        let p = progress(
            &plan,
            PlanState::InProduction,
            &[made(&four_sevenths)],
            &[packed(3)],
            &[],
        );
        assert_eq!(p.production_pct, num("57.14"));
        assert_eq!(p.assembly_pct, num("50"));
        assert_eq!(p.overall_pct, num("53.57"));
        assert_eq!(p.assembly[0].remaining, 3);
    }

    #[test]
    fn no_work_is_not_started_and_zero() {
        let p = progress(&plan(0, 0), PlanState::Draft, &[], &[], &[]);
        assert_eq!(p.status, Status::NotStarted);
        assert_eq!(p.overall_pct, num("0"));
        assert_eq!(p.production_pct, num("0"));
        assert_eq!(p.assembly_pct, num("0"));
    }

    #[test]
    fn packing_waits_for_production() {
        let plan = plan(0, 4);
        let p = progress(&plan, PlanState::InProduction, &[], &[], &[]);
        assert_eq!(p.assembly[0].available_now, 0);
        assert_eq!(p.assembly[0].waiting_for, ["awaiting cookie production"]);
        // One batch makes 24 cookies: four boxes of six.
        let one = Production {
            expected_yield: Some(24),
            ..made("1")
        };
        let p = progress(
            &plan,
            PlanState::InProduction,
            std::slice::from_ref(&one),
            &[packed(1)],
            &[],
        );
        assert_eq!(p.assembly[0].available_now, 3);
        assert!(p.assembly[0].waiting_for.is_empty());
    }

    proptest! {
        /// Against a naive model: remaining = max(0, planned − made), overage the rest, and
        /// the phase percent never exceeds 100.
        #[test]
        fn remaining_and_overage_split_what_was_made(
            cookies in 0u64..500,
            parts in proptest::collection::vec(1u32..40, 0..6),
        ) {
            let plan = plan(cookies, 0);
            let made: Vec<Production> =
                parts.iter().map(|n| made(&(Decimal::from(*n) / Decimal::from(4)).to_string())).collect();
            let total: Decimal = made.iter().map(|p| p.batches).sum();
            let p = progress(&plan, PlanState::InProduction, &made, &[], &[]);
            for r in &p.production {
                let planned = r.planned_batches.0;
                let remaining = if planned > total { planned - total } else { Decimal::ZERO };
                let overage = if total > planned { total - planned } else { Decimal::ZERO };
                prop_assert_eq!(r.remaining_batches.0, remaining);
                prop_assert_eq!(r.overage_batches.0, overage);
            }
            prop_assert!(p.production_pct.0 <= Decimal::ONE_HUNDRED);
            prop_assert!(p.overall_pct.0 <= Decimal::ONE_HUNDRED);
        }
    }
}
