//! Benchmarks of the plan stage: freeze + compute on the sample and the S7 reference
//! catalogue, compute on synthetic chain-size catalogues, and the polars aggregation of
//! contribution lines against a hand-written hash aggregation baseline.

mod synthetic;

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;

use bakeplan::plan::table::{self, Line};
use bakeplan::plan::{Snapshot, compute, snapshot};
use bakeplan::store::{self, Store};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn load(dir: &Path) -> Option<bakeplan::catalog::Catalog> {
    bakeplan::check(dir, Default::default())
        .ok()
        .map(|l| l.catalog)
}

fn catalogues() -> Vec<(&'static str, bakeplan::catalog::Catalog)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    out.extend(load(&root.join("fixtures/sample")).map(|c| ("sample", c)));
    out.extend(load(&root.join("../shared/reference/bake-tracker/S7")).map(|c| ("S7", c)));
    out
}

fn freeze_and_compute(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    for (name, catalogue) in catalogues() {
        let events: Vec<String> = catalogue.events.keys().cloned().collect();
        let mut db = Store::open_in_memory().expect("db");
        store::import(db.conn_mut(), &catalogue, "2026-11-22T00:00:00Z").expect("import");
        group.bench_function(BenchmarkId::new("freeze", name), |b| {
            b.iter(|| {
                store::freeze(db.conn_mut(), &events, "2026-11-22T00:00:00Z", true).expect("freeze")
            })
        });
        let snapshots: Vec<Snapshot> = catalogue
            .events
            .values()
            .map(|e| Snapshot {
                plan: Default::default(),
                catalog: snapshot::subset(&catalogue, e),
            })
            .collect();
        for snapshot in &snapshots {
            let event = snapshot.event().map_or("?", |e| e.slug.as_str()).to_owned();
            group.bench_function(BenchmarkId::new(format!("compute/{name}"), event), |b| {
                b.iter(|| compute(black_box(snapshot)).expect("compute"))
            });
        }
        group.bench_function(BenchmarkId::new("compute-all-events", name), |b| {
            b.iter(|| {
                use rayon::prelude::*;
                snapshots
                    .par_iter()
                    .map(|s| compute(s).expect("compute"))
                    .collect::<Vec<_>>()
            })
        });
    }
    for recipes in [200, 2000] {
        let catalogue = synthetic::catalogue(recipes);
        let event = catalogue.events.values().next().expect("event");
        let snapshot = Snapshot {
            plan: Default::default(),
            catalog: snapshot::subset(&catalogue, event),
        };
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("compute-synthetic", recipes), |b| {
            b.iter(|| compute(black_box(&snapshot)).expect("compute"))
        });
    }
    group.finish();
}

fn lines(count: usize) -> Vec<Line> {
    let mut state = 7u64;
    (0..count)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            Line {
                key: (state >> 40) as u32 % 5000,
                unit: (state >> 20) as u32 % 3,
                path: (state >> 8) as u32 % 20000,
                qty: (state % 1_000_000) as i64,
            }
        })
        .collect()
}

/// Sorted sums per (key, unit, path) and per (key, unit).
type Sums = (Vec<((u32, u32, u32), i64)>, Vec<((u32, u32), i64)>);

/// The baseline: a hand-written hash aggregation to (key, unit, path) and (key, unit), sorted.
fn hash_aggregate(lines: &[Line]) -> Sums {
    let mut sources: HashMap<(u32, u32, u32), i64> = HashMap::new();
    for l in lines {
        *sources.entry((l.key, l.unit, l.path)).or_default() += l.qty;
    }
    let mut totals: HashMap<(u32, u32), i64> = HashMap::new();
    for ((k, u, _), q) in &sources {
        *totals.entry((*k, *u)).or_default() += q;
    }
    let mut sources: Vec<_> = sources.into_iter().collect();
    sources.sort_unstable();
    let mut totals: Vec<_> = totals.into_iter().collect();
    totals.sort_unstable();
    (sources, totals)
}

fn aggregation(c: &mut Criterion) {
    let mut group = c.benchmark_group("aggregate");
    group.sample_size(10);
    for count in [300, 1_000_000, 10_000_000] {
        let data = lines(count);
        group.bench_function(BenchmarkId::new("polars", count), |b| {
            b.iter(|| table::aggregate(black_box(&data)).expect("aggregate"))
        });
        group.bench_function(BenchmarkId::new("hash-baseline", count), |b| {
            b.iter(|| hash_aggregate(black_box(&data)))
        });
    }
    group.finish();
}

criterion_group!(benches, freeze_and_compute, aggregation);
criterion_main!(benches);
