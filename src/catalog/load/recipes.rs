//! Converting recipes (yields, ingredient, material and component lines) and bundles.

use super::*;

impl Loader {
    pub(super) fn recipe(&mut self, node: &Node, edges: &mut Edges) -> Option<(Recipe, Loc)> {
        let mut f = Fields::open(
            node,
            "recipes",
            fields::RECIPES,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let slug = f.req_slug("slug");
        if let Some((slug, _)) = &slug {
            f.set_record(slug);
        }
        let name = f.req_text("name", "Chocolate chip cookies");
        let category = f
            .opt_text("category")
            .unwrap_or_else(|| "Uncategorized".to_owned());
        let notes = f.opt_text("notes");
        let time_minutes = f
            .whole("time_minutes", 0)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        let loss_pct = f
            .decimal("loss_pct", Bound::PercentBelowHundred)
            .unwrap_or(Decimal::ZERO);
        let days = |f: &mut Fields<'_>, name: &str| {
            f.whole(name, 0)
                .map(|n| u32::try_from(n.min(3650)).unwrap_or(3650))
        };
        let make_ahead_days = days(&mut f, "make_ahead_days");
        let keeps_days = days(&mut f, "keeps_days");
        let record = f.record().map(str::to_owned);
        let yields = (f.list("yields").iter().enumerate())
            .filter_map(|(i, line)| self.yield_line(line, i, record.clone(), name.as_ref()))
            .collect();
        let ingredients = (f.list("ingredients").iter().enumerate())
            .filter_map(|(i, line)| self.ingredient_line(line, i, record.clone()))
            .collect();
        let parent = slug.as_ref().map(|(slug, _)| slug.as_str());
        let components = (f.list("components").iter().enumerate())
            .filter_map(|(i, line)| self.component_line(line, i, record.clone(), parent, edges))
            .collect();
        let loc = f.loc().clone();
        self.finish(f);
        let (slug, _) = slug?;
        Some((
            Recipe {
                slug,
                name: name?,
                category,
                notes,
                time_minutes,
                loss_pct,
                yields,
                ingredients,
                components,
                make_ahead_days,
                keeps_days,
            },
            loc,
        ))
    }

    /// Yield `i` of a recipe (named `recipe_name` unless it names itself).
    fn yield_line(
        &mut self,
        line: &Node,
        i: usize,
        record: Option<String>,
        recipe_name: Option<&String>,
    ) -> Option<Yield> {
        let mut lf = self.open_line(
            line,
            "recipes",
            &["slug", "name", "per_batch", "portion_pct", "price"],
            "yields",
            i,
            record,
        )?;
        let item = lf.req_slug("slug");
        let item_name = lf.opt_text("name");
        let size = match lf.one_of(&["per_batch", "portion_pct"]) {
            Some("per_batch") => lf
                .decimal("per_batch", Bound::Positive)
                .map(YieldSize::PerBatch),
            Some(_) => lf
                .decimal("portion_pct", Bound::PercentOfWhole)
                .map(YieldSize::PortionPct),
            None => None,
        };
        if let Some((item, loc)) = &item {
            self.locations.put(format!("items/{item}"), loc);
        }
        let price = lf.decimal("price", Bound::NonNegative);
        let item_name = item_name.or_else(|| recipe_name.cloned());
        self.finish(lf);
        let ((slug, _), size, name) = (item?, size?, item_name?);
        Some(Yield {
            slug,
            name,
            size,
            price,
        })
    }

    /// Ingredient line `i` of a recipe (measured by mass, volume or count).
    fn ingredient_line(
        &mut self,
        line: &Node,
        i: usize,
        record: Option<String>,
    ) -> Option<RecipeLine> {
        let mut lf = self.open_line(
            line,
            "recipes",
            &["ingredient", "qty", "unit", "note"],
            "ingredients",
            i,
            record,
        )?;
        let ingredient = self.reference(&mut lf, "ingredient", "ingredients");
        let qty = lf.quantity("qty", "unit", Bound::Positive, None);
        if let Some(q) = qty.filter(|q| matches!(q.unit.kind(), UnitKind::Length | UnitKind::Area))
        {
            let loc = lf.loc().clone();
            lf.error(
                &loc,
                "unit",
                "bad-unit-kind",
                format!("{} is a packaging unit, not a kitchen measure", q.unit),
                Some("measure ingredients by mass, volume or count".to_owned()),
            );
        }
        let note = lf.opt_text("note");
        self.finish(lf);
        Some(RecipeLine {
            ingredient: ingredient?,
            qty: qty?,
            note,
        })
    }

    /// Sub-recipe line `i` of recipe `parent` (an edge of the recipe graph when both are
    /// known).
    fn component_line(
        &mut self,
        line: &Node,
        i: usize,
        record: Option<String>,
        parent: Option<&str>,
        edges: &mut Edges,
    ) -> Option<Component> {
        let mut lf = self.open_line(
            line,
            "recipes",
            &["recipe", "batches", "note"],
            "components",
            i,
            record,
        )?;
        let child = self.reference(&mut lf, "recipe", "recipes");
        let batches = lf.req_decimal("batches", Bound::Positive);
        let note = lf.opt_text("note");
        let loc = lf.loc().clone();
        self.finish(lf);
        let (child, batches, parent) = (child?, batches?, parent?);
        edges.push((parent.to_owned(), child.clone(), loc));
        Some(Component {
            recipe: child,
            batches,
            note,
        })
    }

    pub(super) fn bundle(&mut self, node: &Node, edges: &mut Edges) -> Option<(Bundle, Loc)> {
        let mut f = Fields::open(
            node,
            "bundles",
            fields::BUNDLES,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let slug = f.req_slug("slug");
        if let Some((slug, _)) = &slug {
            f.set_record(slug);
        }
        let name = f.req_text("name", "Holiday tin");
        let instructions = f.opt_text("instructions");
        let price = f.decimal("price", Bound::NonNegative);
        let record = f.record().map(str::to_owned);
        let lines = f.list("contents");
        if lines.is_empty() {
            let loc = f.loc().clone();
            let hint = if f.is_csv() {
                "add rows for it to bundle_contents.csv (columns bundle, item, qty)"
            } else {
                "add `contents:` with `- item: SLUG` and `qty: N` lines"
            };
            f.error(
                &loc,
                "contents",
                "empty-bundle",
                "a bundle needs at least one content line",
                Some(hint.to_owned()),
            );
        }
        let parent = slug.as_ref().map(|(slug, _)| slug.as_str());
        let contents = (lines.iter().enumerate())
            .filter_map(|(i, line)| self.content_line(line, i, record.clone(), parent, edges))
            .collect();
        let loc = f.loc().clone();
        self.finish(f);
        let (slug, _) = slug?;
        Some((
            Bundle {
                slug,
                name: name?,
                instructions,
                price,
                contents,
            },
            loc,
        ))
    }

    /// Content line `i` of bundle `parent`: an item, an inner bundle (an edge of the bundle
    /// graph) or packaging.
    fn content_line(
        &mut self,
        line: &Node,
        i: usize,
        record: Option<String>,
        parent: Option<&str>,
        edges: &mut Edges,
    ) -> Option<BundleLine> {
        let mut lf = self.open_line(
            line,
            "bundles",
            &["item", "bundle", "material", "qty"],
            "contents",
            i,
            record,
        )?;
        let content = match lf.one_of(&["item", "bundle", "material"]) {
            Some("material") => {
                let material = self.reference(&mut lf, "material", "materials");
                let qty = lf.req_decimal("qty", Bound::Positive);
                material
                    .zip(qty)
                    .map(|(material, qty)| BundleLine::Material { material, qty })
            }
            Some(kind) => {
                let slug_ref = self.reference(
                    &mut lf,
                    kind,
                    if kind == "item" { "items" } else { "bundles" },
                );
                let qty = lf.req_whole("qty", 1);
                let loc = lf.loc().clone();
                match (kind, slug_ref, qty) {
                    ("item", Some(item), Some(qty)) => Some(BundleLine::Item { item, qty }),
                    (_, Some(bundle), Some(qty)) => {
                        if let Some(parent) = parent {
                            edges.push((parent.to_owned(), bundle.clone(), loc));
                        }
                        Some(BundleLine::Bundle { bundle, qty })
                    }
                    _ => None,
                }
            }
            None => None,
        };
        self.finish(lf);
        content
    }
}
