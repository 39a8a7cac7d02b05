//! Converting the simple tables — settings, ingredients, materials, suppliers, products,
//! inventory — from located trees into model records.

use super::*;
use crate::catalog::dialect::{self, Delimiter};

/// An optional field holding one of a few words, or a located `bad-value` error.
fn choice<T>(
    f: &mut Fields<'_>,
    name: &str,
    parse: fn(&str) -> Option<T>,
    words: &str,
) -> Option<T> {
    let (text, loc) = f.text(name)?;
    let value = parse(&text);
    if value.is_none() {
        f.error(
            &loc,
            name,
            "bad-value",
            format!("unknown {name} {text:?}"),
            Some(format!("use {words}")),
        );
    }
    value
}

/// `decimals`: at most 9 (`default` when absent or out of range).
fn decimals(f: &mut Fields<'_>, default: u32) -> u32 {
    match f.whole("decimals", 0) {
        Some(d) if d > 9 => {
            let loc = f.loc().clone();
            f.error(
                &loc,
                "decimals",
                "out-of-range",
                format!("{d} decimals is more than 9"),
                None,
            );
            default
        }
        Some(d) => d as u32,
        None => default,
    }
}

/// How CSV files are read (`csv_delimiter`, `date_format`): already applied by
/// `read_sources`, checked here.
fn check_csv_settings(f: &mut Fields<'_>) {
    if let Some((text, loc)) = f.text("csv_delimiter")
        && Delimiter::parse(&text).is_none()
    {
        f.error(
            &loc,
            "csv_delimiter",
            "bad-value",
            format!("unknown CSV separator {text:?}"),
            Some("use \",\", \";\" or \"tab\"".to_owned()),
        );
    }
    if let Some((text, loc)) = f.text("date_format")
        && let Err(problem) = dialect::check_date_format(&text)
    {
        f.error(
            &loc,
            "date_format",
            "bad-value",
            problem,
            Some("a chrono format such as \"%d/%m/%Y\" (day/month/year)".to_owned()),
        );
    }
}

/// `paper`: letter or A4.
fn paper(f: &mut Fields<'_>) -> Option<Paper> {
    match f.text("paper") {
        Some((text, loc)) => match Paper::parse(&text) {
            Some(paper) => Some(paper),
            None => {
                f.error(
                    &loc,
                    "paper",
                    "bad-value",
                    format!("unknown paper size {text:?}"),
                    Some("use \"letter\" or \"a4\"".to_owned()),
                );
                None
            }
        },
        None => None,
    }
}

impl Loader {
    pub(super) fn settings(&mut self, node: &Node) -> Option<Settings> {
        let mut f = Fields::open(
            node,
            "settings",
            fields::SETTINGS,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let defaults = Settings::default();
        let currency = f.opt_text("currency").unwrap_or(defaults.currency);
        let waste_warn_pct = f
            .decimal("waste_warn_pct", Bound::NonNegative)
            .unwrap_or(defaults.waste_warn_pct);
        let decimals = decimals(&mut f, defaults.decimals);
        check_csv_settings(&mut f);
        let work_minutes_per_day = f
            .whole("work_minutes_per_day", 1)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        let paper = paper(&mut f);
        let kitchen_units = choice(
            &mut f,
            "kitchen_units",
            KitchenUnits::parse,
            "\"weight\", \"volume\" or \"as-written\"",
        );
        let unit_system = choice(
            &mut f,
            "unit_system",
            UnitSystem::parse,
            "\"us\" or \"metric\"",
        );
        self.finish(f);
        Some(Settings {
            currency,
            waste_warn_pct,
            decimals,
            work_minutes_per_day,
            paper,
            kitchen_units,
            unit_system,
        })
    }

    pub(super) fn ingredient(&mut self, node: &Node) -> Option<(Ingredient, Loc)> {
        let mut f = Fields::open(
            node,
            "ingredients",
            fields::INGREDIENTS,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let slug = f.req_slug("slug");
        if let Some((slug, _)) = &slug {
            f.set_record(slug);
        }
        let name = f.req_text("name", "Flour, all-purpose");
        let category = f
            .opt_text("category")
            .unwrap_or_else(|| "Uncategorized".to_owned());
        let density = f
            .text("density")
            .and_then(|(text, loc)| match Density::parse(&text) {
                Ok(d) => Some(d),
                Err(message) => {
                    f.error(
                        &loc,
                        "density",
                        "bad-density",
                        message,
                        Some("write it as \"1 cup = 4.25 oz\": a volume = a mass".to_owned()),
                    );
                    None
                }
            });
        let unit = f.unit("unit");
        let loc = f.loc().clone();
        self.finish(f);
        let (slug, _) = slug?;
        Some((
            Ingredient {
                slug,
                name: name?,
                category,
                density,
                reporting_unit: unit.unwrap_or(Unit::G),
                unit,
            },
            loc,
        ))
    }

    pub(super) fn material(&mut self, node: &Node) -> Option<(Material, Loc)> {
        let mut f = Fields::open(
            node,
            "materials",
            fields::MATERIALS,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let slug = f.req_slug("slug");
        if let Some((slug, _)) = &slug {
            f.set_record(slug);
        }
        let name = f.req_text("name", "Holiday tin");
        let category = f
            .opt_text("category")
            .unwrap_or_else(|| "Packaging".to_owned());
        let unit = match f.text("unit") {
            None => Some(Unit::Each),
            Some((text, loc)) => {
                let unit = f.unit("unit");
                if let Some(u) = unit.filter(|u| {
                    !matches!(
                        u.kind(),
                        UnitKind::Count | UnitKind::Length | UnitKind::Area
                    )
                }) {
                    f.error(&loc, "unit", "bad-unit-kind", format!("{text:?} is a {:?} unit; packaging is counted (each) or measured in length or area", u.kind()), Some("use each, cm, m, in, ft, yd, cm2, in2 or ft2".to_owned()));
                    None
                } else {
                    unit
                }
            }
        };
        let loc = f.loc().clone();
        self.finish(f);
        let (slug, _) = slug?;
        Some((
            Material {
                slug,
                name: name?,
                category,
                unit: unit?,
            },
            loc,
        ))
    }

    pub(super) fn supplier(&mut self, node: &Node) -> Option<(Supplier, Loc)> {
        let mut f = Fields::open(
            node,
            "suppliers",
            fields::SUPPLIERS,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let name = f.req_text("name", "Valley Mill");
        if let Some(name) = &name {
            f.set_record(name);
        }
        let contact = f.opt_text("contact").filter(|s| !s.trim().is_empty());
        let lead_days = f
            .whole("lead_days", 0)
            .map(|n| u32::try_from(n.min(366)).unwrap_or(366));
        let min_order = f.decimal("min_order", Bound::NonNegative);
        let loc = f.loc().clone();
        self.finish(f);
        Some((
            Supplier {
                name: name?,
                contact,
                lead_days,
                min_order,
            },
            loc,
        ))
    }

    /// A product's `supplier`: once a catalogue lists its suppliers, one of them.
    fn supplier_of(
        &self,
        f: &mut Fields<'_>,
        suppliers: &BTreeMap<String, Supplier>,
    ) -> Option<String> {
        let (name, loc) = f.text("supplier")?;
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        if !suppliers.is_empty()
            && !suppliers.contains_key(name)
            && !self.broken_tables.contains("suppliers")
        {
            let hint = did_you_mean(name, suppliers.keys().map(String::as_str))
                .unwrap_or_else(|| "add the supplier to suppliers, or fix the name".to_owned());
            f.error(
                &loc,
                "supplier",
                "unknown-reference",
                format!("unknown supplier {name:?}"),
                Some(hint),
            );
        }
        Some(name.to_owned())
    }

    pub(super) fn stocked(
        &mut self,
        f: &mut Fields<'_>,
        choices: &[&'static str],
    ) -> Option<Stocked> {
        let kind = f.one_of(choices)?;
        let to = match kind {
            "ingredient" => "ingredients",
            "material" => "materials",
            "item" => "items",
            "recipe" => "recipes",
            _ => "bundles",
        };
        let slug = self.reference(f, kind, to)?;
        Some(match kind {
            "ingredient" => Stocked::Ingredient(slug),
            "material" => Stocked::Material(slug),
            "item" => Stocked::Item(slug),
            "recipe" => Stocked::Recipe(slug),
            _ => Stocked::Bundle(slug),
        })
    }

    pub(super) fn product(
        &mut self,
        node: &Node,
        suppliers: &BTreeMap<String, Supplier>,
    ) -> Option<Product> {
        let mut f = Fields::open(
            node,
            "products",
            fields::PRODUCTS,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let name = f.req_text("name", "All-purpose flour 25 lb");
        if let Some(name) = &name {
            f.set_record(name);
        }
        let of = self.stocked(&mut f, &["ingredient", "material"]);
        let brand = f.opt_text("brand");
        let pack = f.quantity("pack", "pack_unit", Bound::Positive, None);
        let price = f.decimal("price", Bound::NonNegative);
        let preferred = f.flag("preferred");
        let min_packs = f
            .whole("min_packs", 1)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        let lead_days = f
            .whole("lead_days", 0)
            .map(|n| u32::try_from(n.min(366)).unwrap_or(366));
        let supplier = self.supplier_of(&mut f, suppliers);
        let sku = f.opt_text("sku").filter(|s| !s.trim().is_empty());
        self.finish(f);
        Some(Product {
            of: of?,
            name: name?,
            brand,
            pack: pack?,
            price,
            preferred,
            min_packs,
            lead_days,
            supplier,
            sku,
        })
    }

    pub(super) fn stock_row(&mut self, node: &Node) -> Option<StockRow> {
        let mut f = Fields::open(
            node,
            "inventory",
            fields::INVENTORY,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let of = self.stocked(
            &mut f,
            &["ingredient", "material", "item", "bundle", "recipe"],
        );
        if let Some(of) = &of {
            f.set_record(&format!("{} {}", of.kind(), of.slug()));
        }
        let counted = matches!(of, Some(Stocked::Item(_) | Stocked::Bundle(_)));
        let batches = matches!(of, Some(Stocked::Recipe(_)));
        let qty = f.quantity(
            "qty",
            "unit",
            Bound::NonNegative,
            (counted || batches).then_some(Unit::Each),
        );
        if let (true, Some(q)) = (batches, qty)
            && q.unit != Unit::Each
        {
            let loc = f.loc_of("unit");
            f.error(
                &loc,
                "unit",
                "not-batches",
                format!("a recipe made ahead is counted in batches, not {}", q.unit),
                Some("leave the unit empty: qty is the number of batches".to_owned()),
            );
        }
        if let (true, Some(q)) = (counted, qty)
            && (q.unit.kind() != UnitKind::Count || !(q.value * q.unit.factor()).fract().is_zero())
        {
            {
                let loc = f.loc().clone();
                f.error(
                    &loc,
                    "qty",
                    "not-whole",
                    format!("baked items and bundles are counted in whole pieces, not {q}"),
                    Some("write a whole number of pieces".to_owned()),
                );
            }
        }
        let expires = f.date("expires");
        let location = f.opt_text("location");
        let counted_at = f.date("counted_at");
        let lot = f.opt_text("lot").filter(|l| !l.trim().is_empty());
        self.finish(f);
        Some(StockRow {
            of: of?,
            qty: qty?,
            expires,
            location,
            counted_at,
            lot,
        })
    }
}
