//! Ingredient expansion (SPEC §5.4): every ingredient use of an event's batches, converted to
//! the ingredient's reporting unit, with the path it came through.
//!
//! Each recipe is expanded once per catalogue ([`Expansions`]): its own lines plus its
//! sub-recipes' lines times their multipliers, converted per batch. An event's contribution
//! lines are then one multiplication per use: the recipe's batches times the per-batch
//! amount, rounded to the working scale and counted in exact fixed-point units.

use foldhash::HashMap;
use std::sync::OnceLock;

use rust_decimal::Decimal;

use super::PlanError;
use super::aggregate::{Line, fixed_product};
use super::batches::Root;
use super::index::Index;
use super::kinds::LineKind;
use super::memo::{self, Dag, Expansion, Memo, Use};
use super::recipes::Production;
use crate::catalog::Unit;
use crate::catalog::units::convert_unrounded;

/// An ingredient in the unit its use is counted in: the reporting unit, or the line's own
/// unit when it cannot be converted.
pub type IngredientUnit = (u32, Unit);

/// Per-batch expansions of the recipes of one catalogue.
pub struct Expansions {
    memo: Memo<IngredientUnit>,
    /// Per recipe, made when first asked: the sum of the magnitudes of what one batch uses
    /// (`None`: beyond exact decimals), for bounding a plan without computing it.
    magnitudes: Vec<OnceLock<Option<Decimal>>>,
}

struct RecipeDag<'a, 'b> {
    index: &'b Index<'a>,
}

impl Dag for RecipeDag<'_, '_> {
    type Key = IngredientUnit;

    fn children(&self, node: u32) -> Vec<(u32, Decimal)> {
        self.index
            .recipe_at(node)
            .components
            .iter()
            .filter_map(|c| Some((self.index.recipe_id(&c.recipe)?, c.batches)))
            .collect()
    }

    fn own(&self, node: u32) -> Vec<Use<IngredientUnit>> {
        self.index
            .recipe_at(node)
            .ingredients
            .iter()
            .filter_map(|line| {
                let id = self.index.ingredient_id(&line.ingredient)?;
                let ingredient = self.index.ingredient_at(id);
                let to = ingredient.reporting_unit;
                Some(
                    match convert_unrounded(
                        line.qty.value,
                        line.qty.unit,
                        to,
                        ingredient.density.as_ref(),
                    ) {
                        Ok(qty) => Use { key: (id, to), qty },
                        Err(_) => Use {
                            key: (id, line.qty.unit),
                            qty: line.qty.value,
                        },
                    },
                )
            })
            .collect()
    }
}

impl Expansions {
    /// Expands every recipe reachable from `roots` (recipe ids), children first.
    pub fn new(index: &Index<'_>, roots: impl IntoIterator<Item = u32>) -> Expansions {
        let memo = memo::expand_all(&RecipeDag { index }, index.recipe_count(), roots);
        let magnitudes = (0..memo.len()).map(|_| OnceLock::new()).collect();
        Expansions { memo, magnitudes }
    }

    /// Expands every recipe of the catalogue.
    pub fn all(index: &Index<'_>) -> Expansions {
        Expansions::new(index, 0..index.recipe_count() as u32)
    }

    /// What one batch of recipe `id` uses, sub-recipes included.
    pub fn of(&self, index: &Index<'_>, id: u32) -> Result<&Expansion<IngredientUnit>, PlanError> {
        match self.memo.get(id as usize) {
            Some(Some(Ok(expansion))) => Ok(expansion),
            Some(Some(Err(overflow))) => Err(PlanError::TooLarge(format!(
                "recipe {}: sub-recipe amounts beyond exact arithmetic",
                index.recipe_at(overflow.node).slug
            ))),
            _ => Err(PlanError::TooLarge(format!(
                "recipe {} was not expanded",
                index.recipe_at(id).slug
            ))),
        }
    }

    /// The sum of the magnitudes of everything one batch of recipe `id` uses, in the units
    /// its uses are counted in: an upper bound of what any share of a batch contributes.
    /// `None` when the recipe is not expanded or the sum is beyond exact decimals.
    pub fn magnitude(&self, index: &Index<'_>, id: u32) -> Option<Decimal> {
        let expansion = self.of(index, id).ok()?;
        *self.magnitudes.get(id as usize)?.get_or_init(|| {
            expansion
                .groups
                .iter()
                .flat_map(|g| &g.uses)
                .try_fold(Decimal::ZERO, |sum, used| sum.checked_add(used.qty.abs()))
        })
    }
}

/// Provenance paths of one event, interned: lines carry the path's id.
///
/// A recipe's path is known by (finished item, root recipe id, group of its expansion) and
/// spelled out in slugs only when a plan's provenance rows are written ([`Paths::spell`]):
/// checking a catalogue never needs the words.
#[derive(Debug, Default)]
pub struct Paths<'a> {
    ids: HashMap<Vec<String>, u32>,
    groups: HashMap<(Option<&'a str>, u32, u32), u32>,
    list: Vec<PathOf<'a>>,
}

/// A path: a group of a recipe's expansion, or slugs written out.
#[derive(Debug)]
enum PathOf<'a> {
    Group {
        item: Option<&'a str>,
        recipe: u32,
        group: u32,
    },
    Written(Vec<String>),
}

impl<'a> Paths<'a> {
    /// The id of `path`, added when new.
    pub fn id(&mut self, path: Vec<String>) -> u32 {
        if let Some(&id) = self.ids.get(&path) {
            return id;
        }
        let id = self.list.len() as u32;
        self.list.push(PathOf::Written(path.clone()));
        self.ids.insert(path, id);
        id
    }

    /// The id of group `group` of recipe `recipe`'s expansion, baked for `item`.
    fn group_id(&mut self, item: Option<&'a str>, recipe: u32, group: u32) -> u32 {
        let next = self.list.len() as u32;
        let id = *self.groups.entry((item, recipe, group)).or_insert(next);
        if id == next {
            self.list.push(PathOf::Group {
                item,
                recipe,
                group,
            });
        }
        id
    }

    /// Path `id` in slugs: the event, the finished item, the recipes down to the one whose
    /// lines it is (or the bundles down to the packaging).
    pub fn spell(
        &self,
        id: u32,
        event: &str,
        index: &Index<'_>,
        expansions: &Expansions,
    ) -> Vec<String> {
        match self.list.get(id as usize) {
            Some(PathOf::Written(path)) => path.clone(),
            Some(PathOf::Group {
                item,
                recipe,
                group,
            }) => {
                let mut path = vec![event.to_owned()];
                path.extend(item.map(str::to_owned));
                path.push(index.recipe_at(*recipe).slug.clone());
                if let Ok(expansion) = expansions.of(index, *recipe)
                    && let Some(group) = expansion.groups.get(*group as usize)
                {
                    path.extend(group.path.iter().map(|r| index.recipe_at(*r).slug.clone()));
                }
                path
            }
            None => Vec::new(),
        }
    }
}

/// The contribution lines of an event's roots: one per (path, ingredient, unit), in
/// fixed-point units, tagged with `event` (the event's position in its batch). Recipes
/// partly made ahead (`production.from_stock`) scale every use reached through them by the
/// share still to make, so the lines total the batches actually made.
pub fn contributions<'a>(
    index: &Index<'a>,
    expansions: &Expansions,
    event_number: u32,
    roots: &[Root<'a>],
    production: &Production<'_>,
    paths: &mut Paths<'a>,
) -> Result<Vec<Line>, PlanError> {
    let mut lines = Vec::new();
    let share = |slug: &str| production.share_to_make(slug).unwrap_or(Decimal::ONE);
    for root in roots {
        let Some(id) = index.recipe_id(&root.recipe.slug) else {
            continue;
        };
        let expansion = expansions.of(index, id)?;
        let item = root.item.map(|y| y.slug.as_str());
        let root_batches = root.batches * share(&root.recipe.slug);
        for (g, group) in expansion.groups.iter().enumerate() {
            let batches = if production.from_stock.is_empty() {
                root_batches
            } else {
                group
                    .path
                    .iter()
                    .fold(root_batches, |b, r| b * share(&index.recipe_at(*r).slug))
            };
            if batches.is_zero() {
                continue;
            }
            let path = paths.group_id(item, id, g as u32);
            for used in &group.uses {
                let qty = fixed_product(used.qty, batches).ok_or_else(|| {
                    PlanError::TooLarge(format!(
                        "{} batches of {} need more {} than bakeplan counts ({} at most)",
                        root.batches.normalize(),
                        root.recipe.slug,
                        index.ingredient_at(used.key.0).slug,
                        super::aggregate::MAX_AMOUNT
                    ))
                })?;
                lines.push(Line::new(
                    event_number,
                    LineKind::Ingredient,
                    used.key.0,
                    used.key.1,
                    path,
                    qty,
                ));
            }
        }
    }
    Ok(lines)
}
