//! Kitchen units: the amounts a baker works with. Recipes and totals keep the units the
//! catalogue is written in (`qty`/`unit`, SPEC §2.1); for the sheets, each amount also comes
//! in the kitchen's units (`settings.kitchen_units`): weighed in grams or ounces wherever a
//! mass or a density is known (the default — bakers weigh), in volume, or as written, then
//! moved up its ladder (g → kg, oz → lb, tsp → tbsp → cup, ml → l).

use rust_decimal::Decimal;

use super::recipes::kitchen_total;
use crate::catalog::units::{Density, UnitKind, convert};
use crate::catalog::{KitchenUnits, Settings, Unit, UnitSystem};

/// How the sheets show amounts, from the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kitchen {
    /// Weight, volume or as written.
    pub units: KitchenUnits,
    /// US (oz, lb, cup) or metric (g, kg, ml, l).
    pub system: UnitSystem,
}

impl Kitchen {
    /// The kitchen of `settings` (weight and US units unless they say otherwise).
    pub fn of(settings: &Settings) -> Kitchen {
        Kitchen {
            units: settings.kitchen_units.unwrap_or(KitchenUnits::Weight),
            system: settings.unit_system.unwrap_or(UnitSystem::Us),
        }
    }

    /// `value` `unit` of an ingredient with `density`, in the kitchen's units. Counts (eggs,
    /// each) and amounts that cannot be converted stay as written.
    pub fn amount(self, value: Decimal, unit: Unit, density: Option<&Density>) -> (Decimal, Unit) {
        let target = match (self.units, unit.kind()) {
            (KitchenUnits::AsWritten, _) => None,
            (KitchenUnits::Weight, UnitKind::Mass | UnitKind::Volume) => Some(self.mass_unit()),
            (KitchenUnits::Volume, UnitKind::Mass | UnitKind::Volume) => Some(self.volume_unit()),
            _ => None,
        };
        let converted = target
            .filter(|t| *t != unit)
            .and_then(|t| convert(value, unit, t, density).ok().map(|v| (v, t)));
        let (value, unit) = converted.unwrap_or((value, unit));
        // A weight moves up at a whole pound or kilogram, to three decimals (3.331 lb rather
        // than 53.3 oz); volumes only where the bigger unit measures it exactly.
        let bigger = match unit {
            Unit::Oz if value >= Decimal::from(16) => Some(Unit::Lb),
            Unit::G if value >= Decimal::ONE_THOUSAND => Some(Unit::Kg),
            _ => None,
        };
        if let Some(big) = bigger
            && let Ok(v) = convert(value, unit, big, None)
        {
            return (v.round_dp(3).normalize(), big);
        }
        kitchen_total(value.round_dp(3), unit)
    }

    fn mass_unit(self) -> Unit {
        match self.system {
            UnitSystem::Us => Unit::Oz,
            UnitSystem::Metric => Unit::G,
        }
    }

    fn volume_unit(self) -> Unit {
        match self.system {
            UnitSystem::Us => Unit::Tsp,
            UnitSystem::Metric => Unit::Ml,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Quantity;

    fn flour() -> Density {
        Density {
            volume: Quantity::new(Decimal::ONE, Unit::Cup),
            mass: Quantity::new(Decimal::new(425, 2), Unit::Oz),
        }
    }

    fn kitchen(units: KitchenUnits, system: UnitSystem) -> Kitchen {
        Kitchen { units, system }
    }

    #[test]
    fn bakers_weigh_where_a_density_is_known() {
        let us = kitchen(KitchenUnits::Weight, UnitSystem::Us);
        // 32 cup of flour at 4.25 oz a cup: 136 oz = 8.5 lb.
        assert_eq!(
            us.amount(Decimal::from(32), Unit::Cup, Some(&flour())),
            (Decimal::new(85, 1), Unit::Lb)
        );
        let metric = kitchen(KitchenUnits::Weight, UnitSystem::Metric);
        let (grams, unit) = metric.amount(Decimal::ONE, Unit::Cup, Some(&flour()));
        assert_eq!((grams.round(), unit), (Decimal::from(120), Unit::G));
        // 6.5 cup of cream is 53.3 oz: shown as 3.331 lb.
        let cream = Density {
            volume: Quantity::new(Decimal::ONE, Unit::Cup),
            mass: Quantity::new(Decimal::new(82, 1), Unit::Oz),
        };
        assert_eq!(
            us.amount(Decimal::new(65, 1), Unit::Cup, Some(&cream)),
            (Decimal::new(3331, 3), Unit::Lb)
        );
        // No density: the volume stays; counts stay counts.
        assert_eq!(
            us.amount(Decimal::from(8), Unit::Cup, None),
            (Decimal::from(8), Unit::Cup)
        );
        assert_eq!(
            us.amount(Decimal::new(45, 1), Unit::Each, None),
            (Decimal::new(45, 1), Unit::Each)
        );
    }

    #[test]
    fn volume_and_as_written_kitchens() {
        let volume = kitchen(KitchenUnits::Volume, UnitSystem::Us);
        assert_eq!(
            volume.amount(Decimal::new(2125, 2), Unit::Oz, Some(&flour())),
            (Decimal::from(5), Unit::Cup)
        );
        let written = kitchen(KitchenUnits::AsWritten, UnitSystem::Metric);
        assert_eq!(
            written.amount(Decimal::from(30), Unit::Tbsp, None),
            (Decimal::new(1875, 3), Unit::Cup)
        );
    }
}
