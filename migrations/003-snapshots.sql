-- Content-addressed snapshots. Each distinct record (table, key, body) is stored once;
-- records are grouped into chunks by a hash of their key, each distinct chunk stored once;
-- a plan is the list of its chunks. Re-freezing an event whose inputs changed in one record
-- adds one chunk and the plan's chunk list, not a copy of every record.
CREATE TABLE snapshot_records (
    id INTEGER PRIMARY KEY,
    hash BLOB NOT NULL UNIQUE,   -- 16 bytes of blake3 over table, key and body hash
    tbl TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL           -- canonical JSON, as in the live tables
) STRICT;

CREATE TABLE snapshot_chunks (
    id INTEGER PRIMARY KEY,
    hash BLOB NOT NULL UNIQUE,   -- 16 bytes of blake3 over the members' hashes, sorted
    members TEXT NOT NULL        -- JSON array of snapshot_records ids
) STRICT;

CREATE TABLE plan_chunks (
    plan_id INTEGER NOT NULL REFERENCES plans (id),
    chunk INTEGER NOT NULL REFERENCES snapshot_chunks (id),
    PRIMARY KEY (plan_id, chunk)
) STRICT, WITHOUT ROWID;
CREATE INDEX plan_chunks_by_chunk ON plan_chunks (chunk);

-- Holds a row only while `plans delete` removes the records and chunks no plan uses.
CREATE TABLE snapshot_gc (active INTEGER PRIMARY KEY) STRICT;

CREATE TRIGGER snapshot_records_immutable BEFORE UPDATE ON snapshot_records
BEGIN SELECT RAISE(ABORT, 'plan snapshot rows are immutable'); END;
CREATE TRIGGER snapshot_records_delete_guard BEFORE DELETE ON snapshot_records
WHEN NOT EXISTS (SELECT 1 FROM snapshot_gc)
BEGIN SELECT RAISE(ABORT, 'plan snapshot rows are removed only by plans delete'); END;
CREATE TRIGGER snapshot_chunks_immutable BEFORE UPDATE ON snapshot_chunks
BEGIN SELECT RAISE(ABORT, 'plan snapshot rows are immutable'); END;
CREATE TRIGGER snapshot_chunks_delete_guard BEFORE DELETE ON snapshot_chunks
WHEN NOT EXISTS (SELECT 1 FROM snapshot_gc)
  OR EXISTS (SELECT 1 FROM plan_chunks WHERE chunk = OLD.id)
BEGIN SELECT RAISE(ABORT, 'plan snapshot rows are removed only by plans delete'); END;
CREATE TRIGGER plan_chunks_immutable BEFORE UPDATE ON plan_chunks
BEGIN SELECT RAISE(ABORT, 'plan snapshot rows are immutable'); END;
CREATE TRIGGER plan_chunks_delete_guard BEFORE DELETE ON plan_chunks
WHEN NOT EXISTS (SELECT 1 FROM plan_deletions WHERE plan_id = OLD.plan_id)
BEGIN SELECT RAISE(ABORT, 'plan snapshot rows are removed only by plans delete'); END;

-- The old one-row-per-record table moves aside; the migration copies it into the tables
-- above and drops it. `plan_rows` stays as a read-only view with the same columns.
ALTER TABLE plan_rows RENAME TO plan_rows_v2;
CREATE VIEW plan_rows AS
SELECT pc.plan_id AS plan_id, r.tbl AS tbl, r.key AS key, r.body AS body, r.hash AS hash
FROM plan_chunks pc
JOIN snapshot_chunks c ON c.id = pc.chunk
JOIN json_each(c.members) m
JOIN snapshot_records r ON r.id = m.value;
CREATE TRIGGER plan_rows_no_insert INSTEAD OF INSERT ON plan_rows
BEGIN SELECT RAISE(ABORT, 'plan snapshot rows are immutable'); END;
CREATE TRIGGER plan_rows_no_update INSTEAD OF UPDATE ON plan_rows
BEGIN SELECT RAISE(ABORT, 'plan snapshot rows are immutable'); END;
CREATE TRIGGER plan_rows_no_delete INSTEAD OF DELETE ON plan_rows
BEGIN SELECT RAISE(ABORT, 'plan snapshot rows are removed only by plans delete'); END;
