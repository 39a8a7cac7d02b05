//! The worked examples of SPEC §5 and property tests of the plan invariants.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::kinds::{AssemblyStatus, BlockerKind, ShoppingStatus};
use super::testing::*;
use super::{PlanMeta, Snapshot};
use super::{PlanResult, compute};
use crate::catalog::reach::subset;
use crate::catalog::*;

fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).unwrap()
}

fn plan(c: &Catalog, e: &Event) -> PlanResult {
    compute(&Snapshot {
        plan: PlanMeta::default(),
        catalog: subset(c, e),
    })
    .unwrap()
}

fn ingredient(c: &mut Catalog, slug: &str, unit: Unit, density: Option<&str>) {
    c.ingredients.insert(
        slug.into(),
        Ingredient {
            slug: slug.into(),
            name: slug.into(),
            category: "Test".into(),
            density: density.map(|d| Density::parse(d).unwrap()),
            unit: Some(unit),
            reporting_unit: unit,
        },
    );
}

fn recipe_target(slug: &str, batches: &str) -> Target {
    Target::Recipe {
        recipe: slug.into(),
        batches: dec(batches),
    }
}

fn total(result: &PlanResult, slug: &str) -> Decimal {
    result
        .ingredients
        .iter()
        .filter(|r| r.ingredient == slug)
        .map(|r| r.qty.0)
        .sum()
}

#[test]
fn nested_multipliers_multiply_down_the_path() {
    let mut c = Catalog::default();
    for i in ["milk", "butter", "flour", "sugar"] {
        ingredient(&mut c, i, Unit::Cup, None);
    }
    c.recipes.insert(
        "parent".into(),
        recipe("parent", &[("milk", "2", Unit::Cup)], &[("child", "2")]),
    );
    c.recipes.insert(
        "child".into(),
        recipe(
            "child",
            &[("butter", "1", Unit::Cup)],
            &[("grandchild", "1")],
        ),
    );
    c.recipes.insert(
        "grandchild".into(),
        recipe(
            "grandchild",
            &[("flour", "1", Unit::Cup), ("sugar", "0.5", Unit::Cup)],
            &[],
        ),
    );
    let r = plan(&c, &event(vec![recipe_target("parent", "1")]));
    assert_eq!(
        [
            total(&r, "milk"),
            total(&r, "butter"),
            total(&r, "flour"),
            total(&r, "sugar")
        ],
        [dec("2"), dec("2"), dec("2"), dec("1")]
    );
    // Sub-recipes come before what uses them, with their fractional totals.
    let order: Vec<&str> = r.recipes.iter().map(|x| x.recipe.as_str()).collect();
    assert_eq!(order, ["grandchild", "child", "parent"]);
    assert_eq!(r.recipes[0].batches.0, dec("2"));
    let flour = r
        .ingredients
        .iter()
        .find(|x| x.ingredient == "flour")
        .unwrap();
    assert_eq!(
        *flour.sources[0].path,
        ["e", "parent", "child", "grandchild"]
    );
}

#[test]
fn totals_sum_across_recipes() {
    let mut c = Catalog::default();
    for i in ["flour", "sugar", "butter"] {
        ingredient(&mut c, i, Unit::Cup, None);
    }
    c.recipes.insert(
        "one".into(),
        recipe(
            "one",
            &[("flour", "2", Unit::Cup), ("sugar", "1", Unit::Cup)],
            &[],
        ),
    );
    c.recipes.insert(
        "two".into(),
        recipe(
            "two",
            &[("flour", "3", Unit::Cup), ("butter", "0.5", Unit::Cup)],
            &[],
        ),
    );
    let r = plan(
        &c,
        &event(vec![recipe_target("one", "2"), recipe_target("two", "2")]),
    );
    assert_eq!(
        [total(&r, "flour"), total(&r, "sugar"), total(&r, "butter")],
        [dec("10"), dec("2"), dec("1")]
    );
}

#[test]
fn ten_tenths_make_exactly_one_cup() {
    let mut c = Catalog::default();
    ingredient(&mut c, "vanilla", Unit::Cup, None);
    let mut targets = vec![];
    for n in 0..10 {
        let slug = format!("r{n}");
        c.recipes.insert(
            slug.clone(),
            recipe(&slug, &[("vanilla", "0.1", Unit::Cup)], &[]),
        );
        targets.push(recipe_target(&slug, "1"));
    }
    let r = plan(&c, &event(targets));
    assert_eq!(r.ingredients[0].qty.0, Decimal::ONE);
    assert_eq!(
        serde_json::to_value(r.ingredients[0].qty).unwrap(),
        serde_json::json!(1)
    );
}

fn shopping_case(
    need: &str,
    have: &str,
    unit: Unit,
    stock_unit: Unit,
    density: Option<&str>,
) -> PlanResult {
    let mut c = Catalog::default();
    ingredient(&mut c, "x", unit, density);
    c.recipes
        .insert("r".into(), recipe("r", &[("x", need, unit)], &[]));
    c.inventory
        .push(ingredient_stock("x", dec(have), stock_unit, None));
    plan(&c, &event(vec![recipe_target("r", "1")]))
}

#[test]
fn shopping_nets_against_stock() {
    for (need, have, to_buy) in [
        ("10", "5", "5"),
        ("5", "5", "0"),
        ("5", "10", "0"),
        ("10.5", "3.25", "7.25"),
    ] {
        let r = shopping_case(need, have, Unit::Lb, Unit::Lb, None);
        let row = &r.shopping[0];
        assert_eq!(row.to_buy.0, dec(to_buy), "{need}/{have}");
        assert_eq!(
            row.status,
            if to_buy == "0" {
                ShoppingStatus::Sufficient
            } else {
                ShoppingStatus::Buy
            }
        );
    }
    // 6 cups of flour at 4.25 oz a cup against 10 lb on hand: sufficient.
    let r = shopping_case("6", "10", Unit::Cup, Unit::Lb, Some("1 cup = 4.25 oz"));
    assert_eq!(r.shopping[0].status, ShoppingStatus::Sufficient);
}

#[test]
fn packs_round_up_and_cost() {
    let mut c = Catalog::default();
    ingredient(&mut c, "flour", Unit::Lb, None);
    c.recipes
        .insert("r".into(), recipe("r", &[("flour", "30", Unit::Lb)], &[]));
    c.products.push(Product {
        of: Stocked::Ingredient("flour".into()),
        name: "Flour 25 lb".into(),
        brand: None,
        pack: Quantity::new(dec("25"), Unit::Lb),
        price: Some(dec("18.99")),
        preferred: false,
        min_packs: None,
        lead_days: None,
        supplier: None,
        sku: None,
    });
    let r = plan(&c, &event(vec![recipe_target("r", "1")]));
    let row = &r.shopping[0];
    assert_eq!(
        (
            row.packs,
            row.cost.map(|c| c.0),
            row.bought_surplus.map(|s| s.0)
        ),
        (Some(2), Some(dec("37.98")), Some(dec("20")))
    );
    assert_eq!(r.costs.shopping_total.0, dec("37.98"));
}

#[test]
fn expired_stock_does_not_count_and_is_named() {
    let mut c = Catalog::default();
    ingredient(&mut c, "butter", Unit::Lb, None);
    c.recipes
        .insert("r".into(), recipe("r", &[("butter", "4", Unit::Lb)], &[]));
    c.inventory.push(ingredient_stock(
        "butter",
        dec("3"),
        Unit::Lb,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
    ));
    let r = plan(&c, &event(vec![recipe_target("r", "1")]));
    assert_eq!(r.shopping[0].to_buy.0, dec("4"));
    assert!(
        r.shopping[0]
            .note
            .contains("expiring 2026-12-01 not counted"),
        "{}",
        r.shopping[0].note
    );
}

/// Stock is proved to fit once per catalogue, in every unit; where that proof fails (a row
/// too large in some unit), each event's own units are counted as before: the bound refuses
/// exactly the plans the engine refuses.
#[test]
fn stock_beyond_exact_arithmetic_is_refused_only_in_the_units_counted() {
    // (stock in kg, refused): 2·10⁶ kg is 2·10⁹ g (beyond the limit in grams, never counted
    // in grams here); 2·10⁹ kg is beyond it in kilograms too.
    for (stock, catalogue_fits, refused) in [
        ("40", true, false),
        ("2000000", false, false),
        ("2000000000", false, true),
    ] {
        let mut c = Catalog::default();
        ingredient(&mut c, "sugar", Unit::Kg, None);
        c.recipes
            .insert("r".into(), recipe("r", &[("sugar", "4", Unit::Kg)], &[]));
        c.inventory
            .push(ingredient_stock("sugar", dec(stock), Unit::Kg, None));
        let e = event(vec![recipe_target("r", "1")]);
        let engine = super::Engine::new(&c);
        assert_eq!(
            super::bound::catalogue_fits(engine.index()),
            catalogue_fits,
            "{stock}"
        );
        let needs = engine.needs(&e).unwrap();
        assert_eq!(engine.bounds(&e, &needs).is_err(), refused, "{stock}");
        let computed = compute(&Snapshot {
            plan: PlanMeta::default(),
            catalog: subset(&c, &e),
        });
        assert_eq!(computed.is_err(), refused, "{stock}");
        assert_eq!(super::check_event(&engine, &e).len(), usize::from(refused));
    }
}

#[test]
fn unconvertible_lines_stay_apart_with_their_reason() {
    let mut c = Catalog::default();
    ingredient(&mut c, "chocolate", Unit::Oz, None);
    c.recipes.insert(
        "r".into(),
        recipe(
            "r",
            &[("chocolate", "8", Unit::Oz), ("chocolate", "1", Unit::Cup)],
            &[],
        ),
    );
    let r = plan(&c, &event(vec![recipe_target("r", "1")]));
    assert_eq!(r.ingredients.len(), 2);
    assert_eq!(r.ingredients[1].unit, Unit::Cup);
    assert_eq!(
        r.ingredients[1].unconvertible.as_deref(),
        Some("no density to convert cup to oz")
    );
    assert!(
        r.feasibility
            .blockers
            .iter()
            .any(|b| b.kind == BlockerKind::Unconvertible)
    );
}

/// Gift bags against available items: decisions of 0 batches make stock the only source.
fn assembly_case(per_bag: &[(&str, u64)], target: u64, stock: &[(&str, u64)]) -> PlanResult {
    let items: Vec<(&str, u32)> = per_bag.iter().map(|(i, _)| (*i, 48)).collect();
    let mut c = catalog_with_items(&items);
    add_bundle(&mut c, "bag", per_bag, &[]);
    for (item, count) in stock {
        add_stock(&mut c, Stocked::Item((*item).into()), *count);
    }
    let mut e = event(vec![bundle_target("bag", target)]);
    e.decisions = per_bag
        .iter()
        .map(|(i, _)| Decision {
            item: (*i).into(),
            batches: 0,
            confirm_shortfall: true,
        })
        .collect();
    plan(&c, &e)
}

#[test]
fn assembly_examples() {
    let bag = [("cookie", 6), ("brownie", 3)];
    let r = assembly_case(&bag, 50, &[("cookie", 300), ("brownie", 150)]);
    assert_eq!(
        (r.assembly[0].assemblable, r.assembly[0].status),
        (50, AssemblyStatus::Ok)
    );
    let r = assembly_case(&bag, 50, &[("cookie", 300), ("brownie", 120)]);
    assert_eq!(
        (r.assembly[0].assemblable, r.assembly[0].status),
        (40, AssemblyStatus::Partial)
    );
    assert!(
        r.assembly[0]
            .blockers
            .iter()
            .any(|b| b.message == "bag: need 30 more brownie"),
        "{:?}",
        r.assembly[0].blockers
    );
    let r = assembly_case(&bag, 50, &[]);
    assert_eq!(
        (r.assembly[0].assemblable, r.assembly[0].status),
        (0, AssemblyStatus::Blocked)
    );
    let deluxe = [("cookie", 4), ("brownie", 2), ("truffle", 3)];
    let r = assembly_case(
        &deluxe,
        100,
        &[("cookie", 400), ("brownie", 160), ("truffle", 150)],
    );
    assert_eq!(
        (r.assembly[0].assemblable, r.assembly[0].status),
        (50, AssemblyStatus::Partial)
    );
    assert!(
        r.assembly[0]
            .blockers
            .iter()
            .any(|b| b.message == "bag: need 150 more truffle")
    );
    assert!(!r.feasibility.feasible);
    // Short after production: buying does not fix it.
    assert_eq!(r.feasibility.status, crate::plan::kinds::Verdict::Blocked);
}

#[test]
fn shared_items_are_allocated_in_event_order() {
    let mut c = catalog_with_items(&[("cookie", 48)]);
    add_bundle(&mut c, "a", &[("cookie", 6)], &[]);
    add_bundle(&mut c, "b", &[("cookie", 4)], &[]);
    add_stock(&mut c, Stocked::Item("cookie".into()), 100);
    let mut e = event(vec![bundle_target("a", 10), bundle_target("b", 20)]);
    e.decisions = vec![Decision {
        item: "cookie".into(),
        batches: 0,
        confirm_shortfall: true,
    }];
    let r = plan(&c, &e);
    // 60 cookies go to the first target, the remaining 40 make 10 of the second.
    assert_eq!(
        (r.assembly[0].assemblable, r.assembly[1].assemblable),
        (10, 10)
    );
}

#[test]
fn never_short_without_a_decision() {
    let mut c = catalog_with_items(&[("cookie", 48)]);
    add_bundle(&mut c, "bag", &[("cookie", 7)], &[]);
    let r = plan(&c, &event(vec![bundle_target("bag", 43)]));
    assert!(r.batches[0].produced >= 301);
    assert!(
        r.feasibility
            .blockers
            .iter()
            .all(|b| b.kind != BlockerKind::ShortfallDecision)
    );
    assert_eq!(r.assembly[0].status, AssemblyStatus::Ok);
}

// ---- property tests -------------------------------------------------------------------

/// A random, valid catalogue and event: recipes use lower-numbered recipes as components,
/// bundles nest lower-numbered bundles, so there are no cycles.
fn arb_case() -> impl Strategy<Value = (Catalog, Event)> {
    let units = prop::sample::select(vec![
        Unit::G,
        Unit::Oz,
        Unit::Lb,
        Unit::Cup,
        Unit::Tbsp,
        Unit::Tsp,
        Unit::Each,
        Unit::Ml,
    ]);
    let line = (0usize..6, 1u32..400, units.clone());
    let recipe_strategy = (
        prop::collection::vec(line, 0..4),
        prop::collection::vec((0usize..8, 1u32..8), 0..2),
        1u32..60,
        0u32..20,
        any::<bool>(),
    );
    let bundle = (
        prop::collection::vec((0usize..8, 1u64..6), 1..4),
        prop::collection::vec((0usize..4, 1u64..3), 0..2),
        prop::collection::vec((0usize..3, 1u32..30), 0..2),
    );
    (
        prop::collection::vec((any::<bool>(), units.clone()), 6),
        prop::collection::vec(recipe_strategy, 8),
        prop::collection::vec(bundle, 4),
        prop::collection::vec((0usize..4, 1u64..40), 1..4),
        prop::collection::vec((0usize..8, 0u64..30), 0..3),
        prop::collection::vec((0usize..6, 0u32..5000, units), 0..6),
        0u32..25,
    )
        .prop_map(
            |(ingredients, recipes, bundles, targets, item_targets, stock, overage)| {
                let mut c = Catalog::default();
                for (i, (dense, unit)) in ingredients.iter().enumerate() {
                    ingredient(
                        &mut c,
                        &format!("i{i}"),
                        *unit,
                        dense.then_some("1 cup = 5 oz"),
                    );
                }
                for (m, unit) in [
                    ("tin", Unit::Each),
                    ("ribbon", Unit::M),
                    ("bag", Unit::Each),
                ] {
                    c.materials.insert(
                        m.into(),
                        Material {
                            slug: m.into(),
                            name: m.into(),
                            category: "Packaging".into(),
                            unit,
                        },
                    );
                }
                for (r, (lines, components, per_batch, loss, portion)) in recipes.iter().enumerate()
                {
                    let mut rec = recipe(&format!("r{r}"), &[], &[]);
                    rec.ingredients = lines
                        .iter()
                        .map(|(i, q, u)| RecipeLine {
                            ingredient: format!("i{i}"),
                            qty: Quantity::new(Decimal::new(i64::from(*q), 1), *u),
                            note: None,
                        })
                        .collect();
                    rec.components = components
                        .iter()
                        .filter(|(k, _)| *k < r)
                        .map(|(k, b)| Component {
                            recipe: format!("r{k}"),
                            batches: Decimal::new(i64::from(*b), 1),
                            note: None,
                        })
                        .collect();
                    rec.loss_pct = Decimal::from(*loss);
                    let size = if *portion {
                        YieldSize::PortionPct(Decimal::from(100 / (per_batch % 10 + 1)))
                    } else {
                        YieldSize::PerBatch(Decimal::from(*per_batch))
                    };
                    rec.yields = vec![Yield {
                        slug: format!("item{r}"),
                        name: format!("item{r}"),
                        size,
                        price: None,
                    }];
                    c.recipes.insert(rec.slug.clone(), rec);
                }
                for (b, (items, nested, packaging)) in bundles.iter().enumerate() {
                    let mut contents: Vec<BundleLine> = items
                        .iter()
                        .map(|(i, q)| BundleLine::Item {
                            item: format!("item{i}"),
                            qty: *q,
                        })
                        .collect();
                    contents.extend(nested.iter().filter(|(n, _)| *n < b).map(|(n, q)| {
                        BundleLine::Bundle {
                            bundle: format!("b{n}"),
                            qty: *q,
                        }
                    }));
                    contents.extend(packaging.iter().map(|(m, q)| BundleLine::Material {
                        material: ["tin", "ribbon", "bag"][*m].into(),
                        qty: Decimal::new(i64::from(*q), 1),
                    }));
                    c.bundles.insert(
                        format!("b{b}"),
                        Bundle {
                            slug: format!("b{b}"),
                            name: format!("b{b}"),
                            instructions: None,
                            price: None,
                            contents,
                        },
                    );
                }
                for (i, q, u) in stock {
                    c.inventory.push(ingredient_stock(
                        &format!("i{i}"),
                        Decimal::from(q),
                        u,
                        None,
                    ));
                }
                let mut e = event(
                    targets
                        .iter()
                        .map(|(b, q)| bundle_target(&format!("b{b}"), *q))
                        .collect(),
                );
                e.targets
                    .extend(item_targets.iter().filter(|(_, q)| *q > 0).map(|(i, q)| {
                        Target::Item {
                            item: format!("item{i}"),
                            qty: *q,
                        }
                    }));
                e.overage_pct = Decimal::from(overage);
                c.events.insert(e.slug.clone(), e.clone());
                (c, e)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn produced_covers_every_need((c, e) in arb_case()) {
        let r = plan(&c, &e);
        for row in r.batches.iter().filter(|b| b.item.is_some()) {
            prop_assert!(row.produced >= row.need, "{row:?}");
            prop_assert_eq!(row.shortfall, 0);
        }
    }

    #[test]
    fn totals_equal_the_sum_of_their_sources((c, e) in arb_case()) {
        let r = plan(&c, &e);
        for row in &r.ingredients {
            let sum: Decimal = row.sources.iter().map(|s| s.qty.0).sum();
            prop_assert_eq!(sum, row.qty.0);
        }
        for row in &r.materials {
            let sum: Decimal = row.sources.iter().map(|s| s.qty.0).sum();
            prop_assert_eq!(sum, row.qty.0);
        }
    }

    #[test]
    fn every_line_is_buy_or_sufficient_and_nets_exactly((c, e) in arb_case()) {
        let r = plan(&c, &e);
        for row in &r.shopping {
            let expected = (row.needed.0 - row.on_hand.0).max(Decimal::ZERO);
            prop_assert_eq!(row.to_buy.0, expected);

            prop_assert_eq!(row.status == ShoppingStatus::Buy, row.to_buy.0 > Decimal::ZERO);
        }
    }

    #[test]
    fn assembly_never_uses_an_item_twice((c, e) in arb_case()) {
        let r = plan(&c, &e);
        let mut used: BTreeMap<String, Decimal> = BTreeMap::new();
        // Target rows use items; rows of bundles that only go inside others use what their
        // holders' rows already counted.
        for row in r.assembly.iter().filter(|row| row.target > 0) {
            let per = super::explode::flatten_for_tests(&c, &row.bundle);
            for ((kind, slug), q) in per {
                if kind == "item" {
                    *used.entry(slug).or_default() += q * Decimal::from(row.assemblable - row.in_stock);
                }
            }
        }
        let produced: BTreeMap<String, u64> = r.batches.iter().filter_map(|b| b.item.clone().map(|i| (i, b.produced))).collect();
        for (item, count) in used {
            let available = Decimal::from(*produced.get(&item).unwrap_or(&0));
            prop_assert!(count <= available, "{item}: {count} > {available}");
        }
    }

    #[test]
    fn nested_explosion_equals_flattened((c, e) in arb_case()) {
        // Replace every bundle by its flattened contents: the item needs must not change.
        let mut flat = c.clone();
        for (slug, bundle) in flat.bundles.iter_mut() {
            let per = super::explode::flatten_for_tests(&c, slug);
            bundle.contents = per
                .into_iter()
                .map(|((kind, s), q)| if kind == "item" { BundleLine::Item { item: s, qty: rust_decimal::prelude::ToPrimitive::to_u64(&q).unwrap() } } else { BundleLine::Material { material: s, qty: q } })
                .collect();
        }
        prop_assert_eq!(super::explode::explode_for_tests(&c, &e), super::explode::explode_for_tests(&flat, &e));
    }

    #[test]
    fn ingredient_totals_agree_with_a_naive_recursive_model((c, e) in arb_case()) {
        let r = plan(&c, &e);
        let mut model: BTreeMap<(String, Unit), Decimal> = BTreeMap::new();
        for row in &r.batches {
            naive_expand(&c, &row.recipe, row.batches.0, &mut model);
        }
        let expected = naive_totals(&c, model);
        let actual: BTreeMap<(String, Unit), Decimal> = r
            .ingredients
            .iter()
            .map(|row| ((row.ingredient.clone(), row.unit), row.qty.0))
            .collect();
        prop_assert_eq!(expected.keys().collect::<Vec<_>>(), actual.keys().collect::<Vec<_>>());
        for (key, want) in &expected {
            // Fixed-point lines round at 1e-9 each: a few of them stay far below 1e-6.
            let got = actual[key];
            prop_assert!((got - want).abs() < dec("0.000001"), "{key:?}: {got} vs {want}");
        }
    }

    #[test]
    fn one_engine_for_the_whole_catalogue_equals_one_per_snapshot((c, e) in arb_case()) {
        let engine = super::Engine::new(&c);
        let job = super::Job { event: &e, plan: PlanMeta::default() };
        let whole = engine.compute_batch(std::slice::from_ref(&job)).unwrap();
        prop_assert_eq!(&whole[0].result, &plan(&c, &e));
    }

    #[test]
    fn same_bytes_on_one_and_many_threads((c, e) in arb_case()) {
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| serde_json::to_string(&plan(&c, &e)).unwrap())
        };
        prop_assert_eq!(run(1), run(4));
    }
}

#[test]
fn without_prices_the_best_fitting_pack_is_chosen() {
    let mut c = Catalog::default();
    ingredient(&mut c, "chips", Unit::Lb, None);
    c.recipes
        .insert("r".into(), recipe("r", &[("chips", "12", Unit::Lb)], &[]));
    for (name, pack) in [
        ("Tiny", Quantity::new(dec("12"), Unit::G)),
        ("Bag", Quantity::new(dec("10"), Unit::Oz)),
        ("Sack", Quantity::new(dec("50"), Unit::Lb)),
    ] {
        c.products.push(Product {
            of: Stocked::Ingredient("chips".into()),
            name: name.into(),
            brand: None,
            pack,
            price: None,
            preferred: false,
            min_packs: None,
            lead_days: None,
            supplier: None,
            sku: None,
        });
    }
    let r = plan(&c, &event(vec![recipe_target("r", "1")]));
    // 454 tiny packs or a 50 lb sack for 12 lb: neither is what a baker buys.
    assert_eq!(
        (r.shopping[0].product.as_deref(), r.shopping[0].packs),
        (Some("Bag"), Some(20))
    );
    assert_eq!(r.shopping[0].cost, None);
}

/// The naive model of SPEC §5.4: walk the recipe tree per use, no memo, no fixed point.
fn naive_expand(
    c: &Catalog,
    recipe: &str,
    batches: Decimal,
    out: &mut BTreeMap<(String, Unit), Decimal>,
) {
    let r = &c.recipes[recipe];
    for line in &r.ingredients {
        *out.entry((line.ingredient.clone(), line.qty.unit))
            .or_default() += batches * line.qty.value;
    }
    for component in &r.components {
        naive_expand(c, &component.recipe, batches * component.batches, out);
    }
}

/// Totals per ingredient in its reporting unit; lines that do not convert stay in their own.
fn naive_totals(
    c: &Catalog,
    raw: BTreeMap<(String, Unit), Decimal>,
) -> BTreeMap<(String, Unit), Decimal> {
    let mut out: BTreeMap<(String, Unit), Decimal> = BTreeMap::new();
    for ((slug, unit), qty) in raw {
        let i = &c.ingredients[&slug];
        let to = i.reporting_unit;
        match crate::catalog::units::convert_unrounded(qty, unit, to, i.density.as_ref()) {
            Ok(converted) => *out.entry((slug, to)).or_default() += converted,
            Err(_) => *out.entry((slug, unit)).or_default() += qty,
        }
    }
    out.retain(|_, q| !q.is_zero());
    out
}

/// `case`'s targets multiplied by `factor` (saturating), to cross what exact arithmetic holds.
fn scaled(mut e: Event, factor: u64) -> Event {
    for target in &mut e.targets {
        match target {
            Target::Bundle { qty, .. } | Target::Item { qty, .. } => {
                *qty = qty.saturating_mul(factor);
            }
            Target::Recipe { batches, .. } => {
                *batches = batches
                    .checked_mul(Decimal::from(factor))
                    .unwrap_or(Decimal::MAX);
            }
        }
    }
    e
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_cheap_bound_clears_only_plans_whose_lines_sum_exactly(
        (c, e) in arb_case(),
        power in 0u32..16,
    ) {
        let e = scaled(e, 10u64.pow(power));
        let engine = super::Engine::new(&c);
        let Ok(needs) = engine.needs(&e) else {
            // Too large already to explode: `check` reports that before any bound.
            return Ok(());
        };
        if engine.provably_fits(&e, &needs) {
            prop_assert!(engine.summed(&e).is_ok(), "cleared at 10^{power}");
        }
        // An ordinary event never needs the exact sum.
        if power == 0 {
            prop_assert!(engine.provably_fits(&e, &needs));
        }
        prop_assert_eq!(engine.bounds(&e, &needs).is_ok(), engine.summed(&e).is_ok());
    }
}
