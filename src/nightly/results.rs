//! Storing each night's computed plans in the plan result tables (migration 006), one
//! transaction per batch of plans, so that the database answers "what did we decide" without
//! re-running the engine. A plan computed again by the same engine against the same kitchen
//! work keeps the rows it has.

use std::sync::Arc;

use crate::plan::{PlanResult, persist};
use crate::store::{self, Store, StoreError, results};

/// Which of `plans` (already carrying their progress) this engine already computed against
/// the same kitchen work: their stored computation id, or `None` for a plan to store.
pub(super) fn known(
    store: &Store,
    plans: &[Arc<PlanResult>],
) -> Result<Vec<Option<i64>>, StoreError> {
    plans
        .iter()
        .map(|p| {
            results::computation_id(
                store.conn(),
                p.plan.id,
                &p.plan.engine_version,
                &persist::journal_hash(p),
            )
        })
        .collect()
}

/// Writes the plans not `known` in one transaction, returning each plan's computation id
/// in order and how many were new. Runs on the writer's thread (`planning`); each
/// plan's rows are made just before they are written and dropped after, so a batch's rows
/// are never all in memory at once.
pub(super) fn write(
    store: &mut Store,
    plans: Vec<Arc<PlanResult>>,
    known: Vec<Option<i64>>,
    now: &str,
) -> Result<(Vec<i64>, usize), StoreError> {
    if known.iter().all(Option::is_some) {
        // Nothing new: no write transaction (and no sync to disk).
        return Ok((known.into_iter().flatten().collect(), 0));
    }
    let tx = store::write_transaction(store.conn_mut())?;
    let mut ids = Vec::with_capacity(known.len());
    let mut new = 0;
    for (plan, known) in plans.into_iter().zip(known) {
        match known {
            Some(id) => ids.push(id),
            None => {
                let (computation, rows) = persist::rows(&plan, now);
                let (id, inserted) = results::save(&tx, &computation, &rows)?;
                new += usize::from(inserted);
                ids.push(id);
            }
        }
    }
    tx.commit()?;
    Ok((ids, new))
}
