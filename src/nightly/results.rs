//! Storing each night's computed plans in the plan result tables (migration 006), one
//! transaction per batch of plans, so that the database answers "what did we decide" without
//! re-running the engine. A plan computed again by the same engine against the same kitchen
//! work keeps the rows it has.

use rayon::prelude::*;

use crate::plan::{Computed, persist};
use crate::store::{self, Store, StoreError, results};

/// The rows to store for `computed` (already carrying their progress): plans this engine
/// already computed against the same kitchen work keep their stored computation.
pub(super) fn prepare(
    store: &Store,
    computed: &[Computed],
    now: &str,
) -> Result<Vec<Pending>, StoreError> {
    let known: Vec<Option<i64>> = computed
        .iter()
        .map(|c| {
            let p = &c.result;
            results::computation_id(
                store.conn(),
                p.plan.id,
                &p.plan.engine_version,
                &persist::journal_hash(p),
            )
        })
        .collect::<Result<_, _>>()?;
    Ok(computed
        .par_iter()
        .zip(known)
        .map(|(c, known)| match known {
            Some(id) => Pending::Stored(id),
            None => Pending::New(Box::new(persist::rows(&c.result, now))),
        })
        .collect())
}

/// Writes `pending` in one transaction, returning each plan's computation id in order and
/// how many were new. Runs on its own thread while the reports render.
pub(super) fn write(
    store: &mut Store,
    pending: Vec<Pending>,
) -> Result<(Vec<i64>, usize), StoreError> {
    if pending.iter().all(|p| matches!(p, Pending::Stored(_))) {
        // Nothing new: no write transaction (and no sync to disk).
        let ids = pending
            .into_iter()
            .filter_map(|p| match p {
                Pending::Stored(id) => Some(id),
                Pending::New(_) => None,
            })
            .collect();
        return Ok((ids, 0));
    }
    let tx = store::write_transaction(store.conn_mut())?;
    let mut ids = Vec::with_capacity(pending.len());
    let mut new = 0;
    for pending in pending {
        match pending {
            Pending::Stored(id) => ids.push(id),
            Pending::New(rows) => {
                let (computation, rows) = *rows;
                let (id, inserted) = results::save(&tx, &computation, &rows)?;
                new += usize::from(inserted);
                ids.push(id);
            }
        }
    }
    tx.commit()?;
    Ok((ids, new))
}

/// A plan's results: already stored under a computation id, or rows to store.
pub(super) enum Pending {
    Stored(i64),
    New(Box<(results::Computation, results::ResultRows)>),
}
