//! The context of `per: run` and `per: supplier` reports: the run's purchase roll-up, the
//! supplier orders grouped from it, the run's metadata, and (only when a report reads them)
//! its plans.

use std::sync::Arc;

use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use super::context::rows;
use crate::plan::PlanResult;
use crate::plan::rollup::RollupRow;

/// The context of a `per: run` report (as templates see it: `RunContext::value`).
#[derive(Debug, Clone)]
pub struct RunContext {
    /// Every plan of the run, in event date order — filled only when a selected `per: run`
    /// report reads `plans` (the built-ins read only the roll-up), so that a run's memory
    /// does not grow with its events.
    pub plans: Vec<std::sync::Arc<PlanResult>>,
    /// The purchase roll-up across them (shared: templates read it a row at a time).
    pub rollup: Arc<Vec<Arc<RollupRow>>>,
    /// The roll-up's lines to buy, grouped by supplier (purchase orders).
    pub orders: Vec<crate::plan::rollup::SupplierOrder>,
    /// Run metadata.
    pub run: RunInfo,
}

/// Metadata of a run.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// The run's clock (`--now`).
    pub now: String,
    /// Events of the run, date order.
    pub events: Vec<String>,
    /// Currency of the plans.
    pub currency: String,
    /// Quantity decimals.
    pub decimals: u32,
    /// Paper the printable run reports are laid out for.
    pub paper: crate::catalog::Paper,
}

impl RunContext {
    /// The context of a run's reports; the purchase orders are grouped from `rollup`, with
    /// what the catalogue's `suppliers` say about each supplier.
    pub fn new(
        rollup: Vec<Arc<RollupRow>>,
        suppliers: &std::collections::BTreeMap<String, crate::catalog::Supplier>,
        run: RunInfo,
        plans: Vec<std::sync::Arc<PlanResult>>,
    ) -> RunContext {
        RunContext {
            orders: crate::plan::rollup::orders(&rollup, suppliers),
            rollup: Arc::new(rollup),
            run,
            plans,
        }
    }

    /// The template value of a `per: run` report: every field, the roll-up made a row at a
    /// time (see [`rows`]).
    pub(super) fn value(&self) -> Value {
        minijinja::context! {
            plans => Serde(&self.plans),
            rollup => rows(Arc::clone(&self.rollup)),
            orders => Serde(&self.orders),
            run => Serde(&self.run),
        }
    }
}
