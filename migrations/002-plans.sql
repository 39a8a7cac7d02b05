-- Frozen plans: a plan record and the snapshot rows it was computed from. Both are
-- immutable; only `plans delete` removes a plan, by first marking it in plan_deletions.
CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    event TEXT NOT NULL,
    created_at TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    input_hash TEXT NOT NULL
) STRICT;
CREATE INDEX plans_by_event ON plans (event, id);

CREATE TABLE plan_rows (
    plan_id INTEGER NOT NULL REFERENCES plans (id),
    tbl TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (plan_id, tbl, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE plan_deletions (plan_id INTEGER PRIMARY KEY) STRICT;

CREATE TRIGGER plans_immutable BEFORE UPDATE ON plans
BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plans_delete_guard BEFORE DELETE ON plans
WHEN NOT EXISTS (SELECT 1 FROM plan_deletions WHERE plan_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'plans are removed only by plans delete'); END;
CREATE TRIGGER plan_rows_immutable BEFORE UPDATE ON plan_rows
BEGIN SELECT RAISE(ABORT, 'plan snapshot rows are immutable'); END;
CREATE TRIGGER plan_rows_delete_guard BEFORE DELETE ON plan_rows
WHEN NOT EXISTS (SELECT 1 FROM plan_deletions WHERE plan_id = OLD.plan_id)
BEGIN SELECT RAISE(ABORT, 'plan snapshot rows are removed only by plans delete'); END;
