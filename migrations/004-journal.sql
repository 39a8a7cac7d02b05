-- The kitchen journal: what happened after planning, kept apart from the catalogue tables
-- (`import` never touches it). Append-only: a wrong entry is corrected by a new entry, never
-- by an UPDATE or DELETE. Amounts are exact decimals written as text.

-- Batches made of a recipe, recorded against the event's plan at the time.
CREATE TABLE journal_production (
    id INTEGER PRIMARY KEY,
    event TEXT NOT NULL,
    plan_id INTEGER NOT NULL REFERENCES plans (id),
    recipe TEXT NOT NULL,
    batches TEXT NOT NULL,            -- decimal > 0
    expected_yield INTEGER,           -- the plan's count for these batches (NULL: no yield)
    actual_yield INTEGER,             -- what came out (NULL: as expected)
    loss_reason TEXT,
    at TEXT NOT NULL,                 -- when it happened (RFC 3339)
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX journal_production_by_event ON journal_production (event, recipe);

-- Bundles packed.
CREATE TABLE journal_assembly (
    id INTEGER PRIMARY KEY,
    event TEXT NOT NULL,
    plan_id INTEGER NOT NULL REFERENCES plans (id),
    bundle TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    at TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX journal_assembly_by_event ON journal_assembly (event, bundle);

-- Ingredients and packaging bought; `event` is set when bought for one event's list.
CREATE TABLE journal_purchases (
    id INTEGER PRIMARY KEY,
    event TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('ingredient', 'material')),
    item TEXT NOT NULL,
    qty TEXT NOT NULL,                -- decimal > 0, in `unit`
    unit TEXT NOT NULL,
    packs INTEGER,                    -- when bought as whole packs of a product
    cost TEXT,                        -- decimal, in the catalogue currency
    at TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX journal_purchases_by_item ON journal_purchases (kind, item, at);

-- Plan state changes: draft (no entry) → locked → in_production → completed.
CREATE TABLE journal_states (
    id INTEGER PRIMARY KEY,
    event TEXT NOT NULL,
    plan_id INTEGER NOT NULL REFERENCES plans (id),
    state TEXT NOT NULL CHECK (state IN ('locked', 'in_production', 'completed')),
    at TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX journal_states_by_event ON journal_states (event, id);

-- Plans frozen during production, with the reason (`plans amend`).
CREATE TABLE journal_amendments (
    id INTEGER PRIMARY KEY,
    event TEXT NOT NULL,
    plan_id INTEGER NOT NULL REFERENCES plans (id),
    previous_plan_id INTEGER NOT NULL REFERENCES plans (id),
    reason TEXT NOT NULL CHECK (trim(reason) <> ''),
    at TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX journal_amendments_by_event ON journal_amendments (event, id);

CREATE TRIGGER journal_production_append_only BEFORE UPDATE ON journal_production
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_production_no_delete BEFORE DELETE ON journal_production
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_assembly_append_only BEFORE UPDATE ON journal_assembly
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_assembly_no_delete BEFORE DELETE ON journal_assembly
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_purchases_append_only BEFORE UPDATE ON journal_purchases
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_purchases_no_delete BEFORE DELETE ON journal_purchases
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_states_append_only BEFORE UPDATE ON journal_states
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_states_no_delete BEFORE DELETE ON journal_states
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_amendments_append_only BEFORE UPDATE ON journal_amendments
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_amendments_no_delete BEFORE DELETE ON journal_amendments
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
