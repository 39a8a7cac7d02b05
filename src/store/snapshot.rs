//! A frozen plan as the plan stage reads it: its identity and the catalogue subset it was
//! computed from.

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, Event};

/// Version recorded with every frozen plan.
pub const ENGINE_VERSION: &str = concat!("bakeplan ", env!("CARGO_PKG_VERSION"));

/// Identity of a frozen plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanMeta {
    /// Plan id in the database (0 before freezing).
    pub id: i64,
    /// When it was frozen (RFC 3339).
    pub created_at: String,
    /// Hash of the canonical inputs.
    pub input_hash: String,
    /// Version of the engine that froze it.
    pub engine_version: String,
}

/// A frozen plan's inputs: its identity and the catalogue subset (holding one event).
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Identity.
    pub plan: PlanMeta,
    /// Everything the computation reads; `events` holds exactly the planned event.
    pub catalog: Catalog,
}

impl Snapshot {
    /// The planned event.
    pub fn event(&self) -> Option<&Event> {
        self.catalog.events.values().next()
    }
}
