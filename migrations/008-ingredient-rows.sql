-- plan_ingredients becomes an ordinary rowid table. Its rows carry their sources as JSON
-- (hundreds of bytes each, kilobytes on a chain's catalogue), and a WITHOUT ROWID table
-- keeps such rows in its key's B-tree, where SQLite's own guidance says they do poorly: a
-- third of the table's pages was left unused and each insert moved large cells around.
-- Same columns, key, triggers and view; rows are copied as they are.
DROP VIEW plan_ingredient_sources;
CREATE TABLE plan_ingredients_rowid (
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
    -- plan_paths); query it through the view plan_ingredient_sources.
    sources TEXT NOT NULL,
    PRIMARY KEY (computation_id, line)
) STRICT;
INSERT INTO plan_ingredients_rowid
SELECT computation_id, line, kind, item, category, qty, qty_exact, unit, unconvertible, sources
FROM plan_ingredients ORDER BY computation_id, line;
DROP TABLE plan_ingredients;
ALTER TABLE plan_ingredients_rowid RENAME TO plan_ingredients;

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

CREATE TRIGGER plan_ingredients_immutable BEFORE UPDATE ON plan_ingredients
BEGIN SELECT RAISE(ABORT, 'plan results are immutable'); END;
CREATE TRIGGER plan_ingredients_delete_guard BEFORE DELETE ON plan_ingredients
WHEN NOT EXISTS (SELECT 1 FROM plan_computations c JOIN plan_deletions d ON d.plan_id = c.plan_id
                 WHERE c.id = OLD.computation_id)
BEGIN SELECT RAISE(ABORT, 'plan results are removed only by plans delete'); END;
