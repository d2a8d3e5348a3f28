-- Columns of a side's relations whose type is not built in: their casts, operators and I/O
-- may be the side's own code, which must never run while the comparison reads. A domain
-- over a built-in type is fine (PostgreSQL ignores casts from domains).
SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type b ON b.oid = t.typbasetype
WHERE n.nspname = %(schema)s
  AND c.relname = ANY(%(tables)s)
  AND a.attnum > 0
  AND NOT a.attisdropped
  AND t.typnamespace <> 'pg_catalog'::pg_catalog.regnamespace
  AND NOT (t.typtype = 'd' AND b.typnamespace = 'pg_catalog'::pg_catalog.regnamespace)
ORDER BY c.relname, a.attnum
LIMIT 1
