//! Benchmarks of the nightly run's stages.
//!
//! - `stages/*`: load, import + freeze, engine (compute every event) and the whole run on
//!   the chain catalogue of `benches/chain.rs` at ¼, ½ and 1 scale — the chain goal is a
//!   ratio read off these (each scale against the ¼ baseline of the same run); and the same
//!   with each kitchen's recipes drawing from a pool of 300 ingredients (`chain-pooled-*`).
//! - `sample/*`: the same stages on the bundled sample.
//! - `aggregate/*`: the polars aggregation of contribution lines against a hand-written
//!   hash aggregation baseline.
//!
//! `cargo bench --bench plan -- stages/engine` runs one group. Scale 2 is left to the
//! documented generator command (`cargo run --release --example chain-catalogue -- 2 DIR`,
//! then `bakeplan run DIR --all`): one iteration takes long enough to time whole.

mod chain;

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;

use bakeplan::catalog::{Catalog, Unit};
use bakeplan::nightly::{Events, RunOptions, run};
use bakeplan::plan::aggregate::{self, Line, TotalKey};
use bakeplan::plan::kinds::LineKind;
use bakeplan::plan::{Engine, Job};
use bakeplan::store::{self, Store};
use chrono::TimeZone;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const NOW: &str = "2026-12-01T00:00:00Z";

fn load(dir: &Path) -> Catalog {
    bakeplan::check(dir, Default::default())
        .unwrap_or_else(|e| panic!("{}: {e:?}", dir.display()))
        .catalog
}

/// Every event of `catalogue` computed by one engine, in the run's batches.
fn engine_run(catalogue: &Catalog) -> usize {
    use rayon::prelude::*;
    let engine = Engine::new(catalogue);
    let jobs: Vec<Job<'_>> = catalogue
        .events
        .values()
        .map(|event| Job {
            event,
            plan: Default::default(),
        })
        .collect();
    jobs.par_chunks(bakeplan::plan::compute::BATCH)
        .map(|batch| engine.compute_batch(batch).expect("compute").len())
        .sum()
}

fn stages(c: &mut Criterion, group_name: &str, dir: &Path, parameter: &str) {
    let mut group = c.benchmark_group(group_name);
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("load", parameter), |b| {
        b.iter(|| load(black_box(dir)))
    });
    let catalogue = load(dir);
    let events: Vec<String> = catalogue.events.keys().cloned().collect();
    group.bench_function(BenchmarkId::new("import-freeze", parameter), |b| {
        b.iter(|| {
            let mut db = Store::open_in_memory().expect("db");
            store::import(db.conn_mut(), &catalogue, NOW, false).expect("import");
            store::freeze(db.conn_mut(), &events, NOW, true).expect("freeze")
        })
    });
    group.bench_function(BenchmarkId::new("engine", parameter), |b| {
        b.iter(|| engine_run(black_box(&catalogue)))
    });
    group.bench_function(BenchmarkId::new("run", parameter), |b| {
        b.iter(|| {
            let work = tempfile::tempdir().expect("tempdir");
            let options = RunOptions {
                catalogue: dir.to_path_buf(),
                db: work.path().join("bakeplan.db"),
                out: work.path().join("out"),
                events: Events::All,
                now: chrono::Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
                reports_dir: None,
                report_names: Vec::new(),
                load: Default::default(),
                prune: false,
                fail_on: Default::default(),
                shard: None,
            };
            run(&options, &|_| {}).expect("run")
        })
    });
    group.finish();
}

fn chain_stages(c: &mut Criterion) {
    for scale in [0.25, 0.5, 1.0] {
        let dir = tempfile::tempdir().expect("tempdir");
        chain::write(dir.path(), chain::Shape::at(scale)).expect("chain catalogue");
        stages(c, "stages", dir.path(), &format!("chain-{scale}"));
        // Each kitchen drawing from its own 300 ingredients: what one event reaches is the
        // same at every scale, so these grow with the number of events alone.
        let dir = tempfile::tempdir().expect("tempdir");
        chain::write(dir.path(), chain::Shape::at(scale).pooled(POOL)).expect("chain catalogue");
        stages(c, "stages", dir.path(), &format!("chain-pooled-{scale}"));
    }
}

/// Ingredients per kitchen in the pooled chain.
const POOL: usize = 300;

fn sample_stages(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    stages(c, "sample", &root.join("fixtures/sample"), "sample");
}

fn lines(count: usize) -> Vec<Line> {
    let mut state = 7u64;
    (0..count)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            let event = (state >> 50) as u32 % 64;
            let id = (state >> 30) as u32 % 5000;
            let unit = [Unit::G, Unit::Cup, Unit::Each][(state >> 20) as usize % 3];
            let path = (state >> 8) as u32 % 20000;
            Line::new(
                event,
                LineKind::Ingredient,
                id,
                unit,
                path,
                (state % 1_000_000) as i64,
            )
        })
        .collect()
}

/// Sorted sums per (total, path) and per total.
type Sums = (Vec<((u64, u32), i64)>, Vec<(u64, i64)>);

/// The baseline: a hand-written hash aggregation to (total, path) and total, sorted.
fn hash_aggregate(lines: &[Line]) -> Sums {
    let key = |k: Option<TotalKey>| {
        k.map_or(0, |k| {
            (k.event() as u64) << 40 | (k.id() as u64) << 8 | k.unit() as u64
        })
    };
    let mut sources: HashMap<(u64, u32), i64> = HashMap::new();
    for l in lines {
        *sources.entry((key(l.key), l.path)).or_default() += l.qty;
    }
    let mut totals: HashMap<u64, i64> = HashMap::new();
    for ((k, _), q) in &sources {
        *totals.entry(*k).or_default() += q;
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
    for count in [300, 100_000, 1_000_000] {
        let data = lines(count);
        group.bench_function(BenchmarkId::new("polars", count), |b| {
            b.iter(|| aggregate::aggregate(black_box(&[&data]), &[]).expect("aggregate"))
        });
        group.bench_function(BenchmarkId::new("hash-baseline", count), |b| {
            b.iter(|| hash_aggregate(black_box(&data)))
        });
    }
    group.finish();
}

criterion_group!(benches, sample_stages, chain_stages, aggregation);
criterion_main!(benches);
