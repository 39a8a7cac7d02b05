-- Suppliers (`suppliers.yaml`): who the bakery buys from, keyed by the name products give in
-- their `supplier` field. A live table like the others, and its relational view; the products
-- view gains the purchasing fields that came with it (lead_days, supplier, sku).
CREATE TABLE suppliers (key TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT;

CREATE VIEW catalog_suppliers AS
SELECT key AS supplier,
       json_extract(body, '$.contact') AS contact,
       json_extract(body, '$.lead_days') AS lead_days,
       CAST(json_extract(body, '$.min_order') AS REAL) AS min_order,
       json_extract(body, '$.min_order') AS min_order_exact,
       updated_at
FROM suppliers;

DROP VIEW catalog_products;
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
       json_extract(body, '$.lead_days') AS lead_days,
       json_extract(body, '$.supplier') AS supplier,
       json_extract(body, '$.sku') AS sku,
       updated_at
FROM products;
