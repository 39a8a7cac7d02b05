-- Plan results, stored when a plan is computed: what the engine decided (batches,
-- ingredient totals with their provenance, shopping, blockers, costs), as typed tables a
-- user can query without re-running the engine. One computation per plan, engine version and
-- kitchen journal state: a plan in production is computed again when the journal changes,
-- and a newer engine computes again beside the older rows instead of replacing them.
-- Quantities come twice, as REAL and as the exact decimal TEXT (`*_exact`). Immutable like
-- the snapshot; `plans delete` removes a plan's computations with it.
CREATE TABLE plan_computations (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans (id),
    event TEXT NOT NULL,
    event_date TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    journal_hash TEXT NOT NULL,         -- '' for a plan computed without kitchen work
    computed_at TEXT NOT NULL,
    status TEXT NOT NULL,               -- ready | needs-shopping | blocked
    feasible INTEGER NOT NULL,
    currency TEXT NOT NULL,
    cost_total REAL NOT NULL,
    cost_total_exact TEXT NOT NULL,
    shopping_total REAL NOT NULL,
    shopping_total_exact TEXT NOT NULL,
    unpriced_lines INTEGER NOT NULL,
    UNIQUE (plan_id, engine_version, journal_hash)
) STRICT;
CREATE INDEX plan_computations_by_event ON plan_computations (event_date, event);

-- One row per batch line (recipe and the finished item it yields).
CREATE TABLE plan_batches (
    computation_id INTEGER NOT NULL REFERENCES plan_computations (id),
    line INTEGER NOT NULL,
    recipe TEXT NOT NULL,
    item TEXT,
    gross INTEGER NOT NULL,
    in_stock INTEGER NOT NULL,
    need INTEGER NOT NULL,
    batches REAL NOT NULL,
    batches_exact TEXT NOT NULL,
    produced INTEGER NOT NULL,
    surplus INTEGER NOT NULL,
    shortfall INTEGER NOT NULL,
    waste_pct REAL NOT NULL,
    decided INTEGER NOT NULL,
    PRIMARY KEY (computation_id, line)
) STRICT, WITHOUT ROWID;

-- One row per ingredient or packaging material total (and unit kept apart).
CREATE TABLE plan_ingredients (
    computation_id INTEGER NOT NULL REFERENCES plan_computations (id),
    line INTEGER NOT NULL,
    kind TEXT NOT NULL,                 -- ingredient | material
    item TEXT NOT NULL,
    category TEXT,
    qty REAL NOT NULL,
    qty_exact TEXT NOT NULL,
    unit TEXT NOT NULL,
    unconvertible TEXT,
    -- Where the total comes from, as JSON [[path id, exact qty, unit], ...] (ids into
    -- plan_paths); query it through the view plan_ingredient_sources. One JSON value per
    -- total, and each path spelled once per computation, keep a chain's night (16,000
    -- sources over ~2,000 paths per event) cheap to store.
    sources TEXT NOT NULL,
    PRIMARY KEY (computation_id, line)
) STRICT, WITHOUT ROWID;

-- The provenance paths of a computation, each spelled once
-- (`event > bundle > item > recipe > sub-recipe`).
CREATE TABLE plan_paths (
    computation_id INTEGER NOT NULL REFERENCES plan_computations (id),
    path_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (computation_id, path_id)
) STRICT, WITHOUT ROWID;

-- Where each total comes from: one row per path through targets, bundles and recipes
-- (`event > bundle > item > recipe > sub-recipe`), in the total's unit.
CREATE VIEW plan_ingredient_sources AS
SELECT i.computation_id AS computation_id,
       i.line AS line,
       CAST(s.key AS INTEGER) AS source,
       p.path AS path,
       CAST(json_extract(s.value, '$[1]') AS REAL) AS qty,
       json_extract(s.value, '$[1]') AS qty_exact,
       json_extract(s.value, '$[2]') AS unit
FROM plan_ingredients i, json_each(i.sources) s
JOIN plan_paths p ON p.computation_id = i.computation_id
                 AND p.path_id = json_extract(s.value, '$[0]');

-- The shopping list, netted against stock and rounded to packs.
CREATE TABLE plan_shopping (
    computation_id INTEGER NOT NULL REFERENCES plan_computations (id),
    line INTEGER NOT NULL,
    kind TEXT NOT NULL,
    item TEXT NOT NULL,
    category TEXT NOT NULL,
    needed REAL NOT NULL,
    needed_exact TEXT NOT NULL,
    on_hand REAL NOT NULL,
    on_hand_exact TEXT NOT NULL,
    to_buy REAL NOT NULL,
    to_buy_exact TEXT NOT NULL,
    unit TEXT NOT NULL,
    status TEXT NOT NULL,               -- buy | sufficient
    product TEXT,
    packs INTEGER,
    price REAL,
    price_exact TEXT,
    cost REAL,
    cost_exact TEXT,
    note TEXT NOT NULL,
    PRIMARY KEY (computation_id, line)
) STRICT, WITHOUT ROWID;

-- Everything in the way of the plan, as the verdict lists it.
CREATE TABLE plan_blockers (
    computation_id INTEGER NOT NULL REFERENCES plan_computations (id),
    line INTEGER NOT NULL,
    kind TEXT NOT NULL,
    item TEXT NOT NULL,
    needed REAL NOT NULL,
    needed_exact TEXT NOT NULL,
    available REAL NOT NULL,
    available_exact TEXT NOT NULL,
    unit TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (computation_id, line)
) STRICT, WITHOUT ROWID;

-- Estimated costs at product prices: per recipe (one batch, and all planned batches), per
-- finished item and per bundle (one unit). NULL where a line has no price.
CREATE TABLE plan_costs (
    computation_id INTEGER NOT NULL REFERENCES plan_computations (id),
    line INTEGER NOT NULL,
    kind TEXT NOT NULL,                 -- recipe | item | bundle
    slug TEXT NOT NULL,
    unit_cost REAL,
    unit_cost_exact TEXT,
    total REAL,
    total_exact TEXT,
    PRIMARY KEY (computation_id, line)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER plan_computations_immutable BEFORE UPDATE ON plan_computations
BEGIN SELECT RAISE(ABORT, 'plan results are immutable'); END;
CREATE TRIGGER plan_computations_delete_guard BEFORE DELETE ON plan_computations
WHEN NOT EXISTS (SELECT 1 FROM plan_deletions WHERE plan_id = OLD.plan_id)
BEGIN SELECT RAISE(ABORT, 'plan results are removed only by plans delete'); END;
CREATE TRIGGER plan_batches_immutable BEFORE UPDATE ON plan_batches
BEGIN SELECT RAISE(ABORT, 'plan results are immutable'); END;
CREATE TRIGGER plan_batches_delete_guard BEFORE DELETE ON plan_batches
WHEN NOT EXISTS (SELECT 1 FROM plan_computations c JOIN plan_deletions d ON d.plan_id = c.plan_id
                 WHERE c.id = OLD.computation_id)
BEGIN SELECT RAISE(ABORT, 'plan results are removed only by plans delete'); END;
CREATE TRIGGER plan_ingredients_immutable BEFORE UPDATE ON plan_ingredients
BEGIN SELECT RAISE(ABORT, 'plan results are immutable'); END;
CREATE TRIGGER plan_ingredients_delete_guard BEFORE DELETE ON plan_ingredients
WHEN NOT EXISTS (SELECT 1 FROM plan_computations c JOIN plan_deletions d ON d.plan_id = c.plan_id
                 WHERE c.id = OLD.computation_id)
BEGIN SELECT RAISE(ABORT, 'plan results are removed only by plans delete'); END;
CREATE TRIGGER plan_shopping_immutable BEFORE UPDATE ON plan_shopping
BEGIN SELECT RAISE(ABORT, 'plan results are immutable'); END;
CREATE TRIGGER plan_shopping_delete_guard BEFORE DELETE ON plan_shopping
WHEN NOT EXISTS (SELECT 1 FROM plan_computations c JOIN plan_deletions d ON d.plan_id = c.plan_id
                 WHERE c.id = OLD.computation_id)
BEGIN SELECT RAISE(ABORT, 'plan results are removed only by plans delete'); END;
CREATE TRIGGER plan_blockers_immutable BEFORE UPDATE ON plan_blockers
BEGIN SELECT RAISE(ABORT, 'plan results are immutable'); END;
CREATE TRIGGER plan_blockers_delete_guard BEFORE DELETE ON plan_blockers
WHEN NOT EXISTS (SELECT 1 FROM plan_computations c JOIN plan_deletions d ON d.plan_id = c.plan_id
                 WHERE c.id = OLD.computation_id)
BEGIN SELECT RAISE(ABORT, 'plan results are removed only by plans delete'); END;
CREATE TRIGGER plan_costs_immutable BEFORE UPDATE ON plan_costs
BEGIN SELECT RAISE(ABORT, 'plan results are immutable'); END;
CREATE TRIGGER plan_costs_delete_guard BEFORE DELETE ON plan_costs
WHEN NOT EXISTS (SELECT 1 FROM plan_computations c JOIN plan_deletions d ON d.plan_id = c.plan_id
                 WHERE c.id = OLD.computation_id)
BEGIN SELECT RAISE(ABORT, 'plan results are removed only by plans delete'); END;
CREATE TRIGGER plan_paths_immutable BEFORE UPDATE ON plan_paths
BEGIN SELECT RAISE(ABORT, 'plan results are immutable'); END;
CREATE TRIGGER plan_paths_delete_guard BEFORE DELETE ON plan_paths
WHEN NOT EXISTS (SELECT 1 FROM plan_computations c JOIN plan_deletions d ON d.plan_id = c.plan_id
                 WHERE c.id = OLD.computation_id)
BEGIN SELECT RAISE(ABORT, 'plan results are removed only by plans delete'); END;
