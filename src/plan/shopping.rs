//! The shopping list (SPEC §5.5): each total netted against usable stock, and what to buy
//! for the rest — which product, how many packs, at what cost.
//!
//! [`purchase`] is the one rule for turning an amount into packs; the per-event list and the
//! run's purchase roll-up both use it.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::aggregate::{TotalKey, from_fixed};
use super::index::Index;
use super::kinds::{LineKind, ShoppingStatus};
use super::result::{Num, ShoppingRow};
use super::stock::Stock;
use crate::catalog::units::{WORKING_SCALE, convert};
use crate::catalog::{Density, Product, Unit};

/// The product to buy `amount` (in `unit`) of: the preferred one, else the cheapest per
/// unit among priced ones, else the pack that fits the amount best — the fewest packs
/// among those that buy at most twice the amount, else the least bought beyond it — else
/// the first listed.
pub fn choose_product<'a>(
    products: &[&'a Product],
    unit: Unit,
    density: Option<&Density>,
    amount: Decimal,
) -> Option<&'a Product> {
    if let Some(preferred) = products.iter().find(|p| p.preferred) {
        return Some(preferred);
    }
    let pack_in_unit = |p: &Product| {
        convert(p.pack.value, p.pack.unit, unit, density)
            .ok()
            .filter(|v| !v.is_zero())
    };
    let cheapest = products
        .iter()
        .filter_map(|p| Some((p.price?.checked_div(pack_in_unit(p)?)?, *p)))
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, p)| p);
    let best_fit = || {
        products
            .iter()
            .filter_map(|p| {
                let pack = pack_in_unit(p)?;
                let packs = amount.checked_div(pack)?.ceil().max(Decimal::ONE);
                let bought = packs.checked_mul(pack)?;
                let wasteful = bought > amount * Decimal::TWO;
                Some((
                    (wasteful, if wasteful { bought - amount } else { packs }),
                    *p,
                ))
            })
            .min_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, p)| p)
    };
    cheapest
        .or_else(best_fit)
        .or_else(|| products.first().copied())
}

/// Price of one `unit` of something through its chosen product, when known.
pub fn unit_price(products: &[&Product], unit: Unit, density: Option<&Density>) -> Option<Decimal> {
    let product = choose_product(products, unit, density, Decimal::ONE)?;
    let one_in_pack_units = convert(Decimal::ONE, unit, product.pack.unit, density).ok()?;
    product
        .price?
        .checked_mul(one_in_pack_units)?
        .checked_div(product.pack.value)
}

/// What buying `to_buy` (in `unit`) takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Purchase<'a> {
    /// The product chosen (`None`: nothing listed).
    pub product: Option<&'a Product>,
    /// Packs (`None` when the pack cannot be compared with the need).
    pub packs: Option<u64>,
    /// Contents of one pack in `unit`.
    pub pack_in_unit: Option<Decimal>,
    /// packs × price.
    pub cost: Option<Decimal>,
    /// Bought beyond `to_buy`, in `unit`.
    pub bought_surplus: Option<Decimal>,
    /// Remarks: no product, no price, pack not comparable.
    pub notes: Vec<String>,
}

/// Packs of the chosen product that cover `to_buy` (in `unit`), honouring `min_packs`.
pub fn purchase<'a>(
    products: &[&'a Product],
    unit: Unit,
    density: Option<&Density>,
    to_buy: Decimal,
) -> Purchase<'a> {
    let mut out = Purchase {
        product: None,
        packs: None,
        pack_in_unit: None,
        cost: None,
        bought_surplus: None,
        notes: Vec::new(),
    };
    let Some(product) = choose_product(products, unit, density, to_buy) else {
        out.notes.push("no product listed".to_owned());
        return out;
    };
    out.product = Some(product);
    out.pack_in_unit = convert(product.pack.value, product.pack.unit, unit, density).ok();
    match convert(to_buy, unit, product.pack.unit, density) {
        Ok(in_pack_units) => {
            let packs = in_pack_units
                .checked_div(product.pack.value)
                .map(|n| n.ceil())
                .and_then(|n| n.to_u64())
                .unwrap_or(u64::MAX)
                .max(u64::from(product.min_packs.unwrap_or(1)));
            out.packs = Some(packs);
            out.cost = product
                .price
                .and_then(|price| price.checked_mul(Decimal::from(packs)));
            if product.price.is_none() {
                out.notes.push("no price".to_owned());
            }
            let bought = Decimal::from(packs)
                .checked_mul(product.pack.value)
                .and_then(|amount| convert(amount, product.pack.unit, unit, density).ok())
                .unwrap_or_default();
            out.bought_surplus = Some((bought - to_buy).round_dp(WORKING_SCALE));
        }
        Err(error) => out
            .notes
            .push(format!("pack {} cannot be compared: {error}", product.pack)),
    }
    out
}

/// Why an ingredient's lines in `unit` are kept apart from its reporting unit (`None`: they
/// are not; `unit` is the reporting unit).
pub fn unconvertible(index: &Index<'_>, id: u32, unit: Unit) -> Option<String> {
    let ingredient = index.ingredient_at(id);
    if unit == ingredient.reporting_unit {
        return None;
    }
    Some(
        convert(
            Decimal::ONE,
            unit,
            ingredient.reporting_unit,
            ingredient.density.as_ref(),
        )
        .err()
        .map_or_else(
            || format!("{unit} is not {}", ingredient.reporting_unit),
            |e| e.to_string(),
        ),
    )
}

/// The display facts of a shopping line: slug, name, category, density.
struct Describe<'a> {
    slug: &'a str,
    name: &'a str,
    category: &'a str,
    density: Option<&'a Density>,
}

fn describe<'a>(index: &Index<'a>, kind: LineKind, id: u32) -> Describe<'a> {
    match kind {
        LineKind::Ingredient => {
            let i = index.ingredient_at(id);
            Describe {
                slug: &i.slug,
                name: &i.name,
                category: &i.category,
                density: i.density.as_ref(),
            }
        }
        LineKind::Material => {
            let m = index.material_at(id);
            Describe {
                slug: &m.slug,
                name: &m.name,
                category: &m.category,
                density: None,
            }
        }
    }
}

/// The remarks of one total before buying: why it is kept apart, or what stock was not
/// counted.
pub fn remarks(index: &Index<'_>, key: TotalKey, stock: &Stock) -> Vec<String> {
    let (kind, id) = (key.kind(), key.id());
    let apart = match kind {
        LineKind::Ingredient => unconvertible(index, id, key.unit()),
        LineKind::Material => None,
    };
    match apart {
        Some(reason) => vec![format!("unconvertible: {reason}")],
        None => stock.notes_of(kind, id).to_vec(),
    }
}

/// One shopping line: needed, usable stock and what is left to buy (fixed-point), with
/// the product and packs that buy it; `remarks` lead the line's note.
pub fn shopping_row(
    index: &Index<'_>,
    key: TotalKey,
    amounts: [i64; 3],
    mut remarks: Vec<String>,
) -> ShoppingRow {
    let [needed, on_hand, to_buy] = amounts;
    let (kind, id, unit) = (key.kind(), key.id(), key.unit());
    let facts = describe(index, kind, id);
    let buying = to_buy > 0;
    let to_buy = from_fixed(to_buy);
    let mut row = ShoppingRow {
        kind,
        item: facts.slug.to_owned(),
        name: facts.name.to_owned(),
        category: facts.category.to_owned(),
        needed: from_fixed(needed).into(),
        on_hand: from_fixed(on_hand).into(),
        to_buy: to_buy.into(),
        unit,
        status: if buying {
            ShoppingStatus::Buy
        } else {
            ShoppingStatus::Sufficient
        },
        product: None,
        brand: None,
        packs: Some(0),
        pack_size: None,
        pack_in_unit: None,
        price: None,
        min_packs: None,
        cost: Some(Num::default()),
        bought_surplus: None,
        needed_by: None,
        order_by: None,
        lead_days: None,
        supplier: None,
        sku: None,
        note: String::new(),
    };
    if buying {
        let bought = purchase(index.products(kind, id), unit, facts.density, to_buy);
        if let Some(product) = bought.product {
            row.product = Some(product.name.clone());
            row.brand = product.brand.clone();
            row.pack_size = Some(product.pack.to_string());
            row.price = product.price.map(Num);
            row.min_packs = product.min_packs;
            // A product's own lead time, else its supplier's.
            row.lead_days = product.lead_days.or_else(|| {
                product
                    .supplier
                    .as_ref()
                    .and_then(|s| index.catalog.suppliers.get(s))
                    .and_then(|s| s.lead_days)
            });
            row.supplier = product.supplier.clone();
            row.sku = product.sku.clone();
        }
        row.pack_in_unit = bought.pack_in_unit.map(Num);
        row.packs = bought.packs;
        row.cost = bought.cost.map(Num);
        row.bought_surplus = bought.bought_surplus.map(Num);
        remarks.extend(bought.notes);
    }
    row.note = remarks.join("; ");
    row
}

/// Sorts a shopping list: ingredients then materials, by category and name (then slug,
/// lines kept apart last, unit).
pub fn sort_rows(rows: &mut [ShoppingRow], index: &Index<'_>) {
    rows.sort_by_cached_key(|row| {
        let apart = row.kind == LineKind::Ingredient
            && index
                .ingredient_id(&row.item)
                .is_some_and(|id| index.ingredient_at(id).reporting_unit != row.unit);
        (
            row.kind,
            row.category.clone(),
            row.name.clone(),
            row.item.clone(),
            apart,
            row.unit.symbol(),
        )
    });
}
