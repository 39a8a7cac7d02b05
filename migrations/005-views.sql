-- Relational views of the live catalogue, for sqlite3, Datasette, Metabase or a
-- spreadsheet's ODBC link: one row per record or per line, typed columns. Quantities come
-- twice: `qty` as REAL for arithmetic and `qty_exact` as the exact decimal TEXT bakeplan
-- computes with. The tables underneath keep each record as canonical JSON (`body`); these
-- views are the supported way to query them (docs/sql.md).

CREATE VIEW catalog_settings AS
SELECT json_extract(body, '$.currency') AS currency,
       CAST(json_extract(body, '$.waste_warn_pct') AS REAL) AS waste_warn_pct,
       json_extract(body, '$.decimals') AS decimals,
       updated_at
FROM settings;

CREATE VIEW catalog_ingredients AS
SELECT key AS ingredient,
       json_extract(body, '$.name') AS name,
       json_extract(body, '$.category') AS category,
       json_extract(body, '$.reporting_unit') AS unit,
       CASE WHEN json_extract(body, '$.density') IS NOT NULL THEN
            json_extract(body, '$.density.volume.value') || ' ' || json_extract(body, '$.density.volume.unit')
            || ' = ' ||
            json_extract(body, '$.density.mass.value') || ' ' || json_extract(body, '$.density.mass.unit')
       END AS density,
       updated_at
FROM ingredients;

CREATE VIEW catalog_materials AS
SELECT key AS material,
       json_extract(body, '$.name') AS name,
       json_extract(body, '$.category') AS category,
       json_extract(body, '$.unit') AS unit,
       updated_at
FROM materials;

CREATE VIEW catalog_products AS
SELECT json_extract(body, '$.of.kind') AS kind,
       json_extract(body, '$.of.slug') AS item,
       json_extract(body, '$.name') AS name,
       json_extract(body, '$.brand') AS brand,
       CAST(json_extract(body, '$.pack.value') AS REAL) AS pack_qty,
       json_extract(body, '$.pack.value') AS pack_qty_exact,
       json_extract(body, '$.pack.unit') AS pack_unit,
       CAST(json_extract(body, '$.price') AS REAL) AS price,
       json_extract(body, '$.price') AS price_exact,
       json_extract(body, '$.preferred') AS preferred,
       json_extract(body, '$.min_packs') AS min_packs,
       updated_at
FROM products;

CREATE VIEW catalog_inventory AS
SELECT key AS lot,
       json_extract(body, '$.of.kind') AS kind,
       json_extract(body, '$.of.slug') AS item,
       CAST(json_extract(body, '$.qty.value') AS REAL) AS qty,
       json_extract(body, '$.qty.value') AS qty_exact,
       json_extract(body, '$.qty.unit') AS unit,
       json_extract(body, '$.expires') AS expires,
       json_extract(body, '$.location') AS location,
       updated_at
FROM inventory;

CREATE VIEW catalog_recipes AS
SELECT key AS recipe,
       json_extract(body, '$.name') AS name,
       json_extract(body, '$.category') AS category,
       json_extract(body, '$.time_minutes') AS time_minutes,
       CAST(json_extract(body, '$.loss_pct') AS REAL) AS loss_pct,
       json_extract(body, '$.notes') AS notes,
       updated_at
FROM recipes;

CREATE VIEW recipe_ingredients AS
SELECT r.key AS recipe,
       l.key + 1 AS line,
       json_extract(l.value, '$.ingredient') AS ingredient,
       CAST(json_extract(l.value, '$.qty.value') AS REAL) AS qty,
       json_extract(l.value, '$.qty.value') AS qty_exact,
       json_extract(l.value, '$.qty.unit') AS unit,
       json_extract(l.value, '$.note') AS note
FROM recipes r, json_each(r.body, '$.ingredients') l;

CREATE VIEW recipe_components AS
SELECT r.key AS recipe,
       l.key + 1 AS line,
       json_extract(l.value, '$.recipe') AS component,
       CAST(json_extract(l.value, '$.batches') AS REAL) AS batches,
       json_extract(l.value, '$.batches') AS batches_exact,
       json_extract(l.value, '$.note') AS note
FROM recipes r, json_each(r.body, '$.components') l;

-- A yield is given per batch or as a portion of a batch (items per batch = 100 / pct).
CREATE VIEW recipe_yields AS
SELECT r.key AS recipe,
       json_extract(l.value, '$.slug') AS item,
       json_extract(l.value, '$.name') AS name,
       CASE WHEN json_extract(l.value, '$.size.per_batch') IS NOT NULL
            THEN CAST(json_extract(l.value, '$.size.per_batch') AS REAL)
            ELSE 100.0 / CAST(json_extract(l.value, '$.size.portion_pct') AS REAL)
       END AS per_batch,
       json_extract(l.value, '$.size.per_batch') AS per_batch_exact,
       CAST(json_extract(l.value, '$.size.portion_pct') AS REAL) AS portion_pct
FROM recipes r, json_each(r.body, '$.yields') l;

CREATE VIEW catalog_bundles AS
SELECT key AS bundle,
       json_extract(body, '$.name') AS name,
       json_extract(body, '$.instructions') AS instructions,
       updated_at
FROM bundles;

CREATE VIEW bundle_contents AS
SELECT b.key AS bundle,
       l.key + 1 AS line,
       json_extract(l.value, '$.kind') AS kind,
       coalesce(json_extract(l.value, '$.item'), json_extract(l.value, '$.bundle'),
                json_extract(l.value, '$.material')) AS content,
       CAST(json_extract(l.value, '$.qty') AS REAL) AS qty,
       CAST(json_extract(l.value, '$.qty') AS TEXT) AS qty_exact
FROM bundles b, json_each(b.body, '$.contents') l;

CREATE VIEW catalog_events AS
SELECT key AS event,
       json_extract(body, '$.name') AS name,
       json_extract(body, '$.date') AS date,
       CAST(json_extract(body, '$.overage_pct') AS REAL) AS overage_pct,
       updated_at
FROM events;

-- `qty` is bundles or items; for recipe targets it is batches.
CREATE VIEW event_targets AS
SELECT e.key AS event,
       l.key + 1 AS line,
       json_extract(l.value, '$.kind') AS kind,
       coalesce(json_extract(l.value, '$.item'), json_extract(l.value, '$.bundle'),
                json_extract(l.value, '$.recipe')) AS target,
       CAST(coalesce(json_extract(l.value, '$.qty'), json_extract(l.value, '$.batches')) AS REAL) AS qty,
       CAST(coalesce(json_extract(l.value, '$.qty'), json_extract(l.value, '$.batches')) AS TEXT) AS qty_exact
FROM events e, json_each(e.body, '$.targets') l;

CREATE VIEW event_decisions AS
SELECT e.key AS event,
       json_extract(l.value, '$.item') AS item,
       json_extract(l.value, '$.batches') AS batches,
       json_extract(l.value, '$.confirm_shortfall') AS confirm_shortfall
FROM events e, json_each(e.body, '$.decisions') l;

-- Plans and what the kitchen recorded against them.
CREATE VIEW plan_list AS
SELECT p.id AS plan, p.event, p.created_at, p.engine_version, p.input_hash,
       a.previous_plan_id AS amends, a.reason
FROM plans p LEFT JOIN journal_amendments a ON a.plan_id = p.id;
