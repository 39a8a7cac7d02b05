-- Live catalogue tables: one row per record, the record as canonical JSON, its content hash
-- and when it last changed. `import` keeps them equal to the catalogue files.
CREATE TABLE settings    (key TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT;
CREATE TABLE ingredients (key TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT;
CREATE TABLE materials   (key TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT;
CREATE TABLE products    (key TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT;
CREATE TABLE inventory   (key TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT;
CREATE TABLE recipes     (key TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT;
CREATE TABLE bundles     (key TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT;
CREATE TABLE events      (key TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT;
