-- Columns of a side's relations whose type or collation is not built in: their casts,
-- operators, I/O and equality may be the side's own (a nondeterministic collation makes
-- 'A' = 'a'), which must never decide what the comparison sees. A domain over a built-in
-- type is fine (PostgreSQL ignores casts from domains).
SELECT c.relname, a.attname,
       pg_catalog.format_type(a.atttypid, a.atttypmod)
           || CASE WHEN co.collnamespace <> 'pg_catalog'::pg_catalog.regnamespace
                   THEN ' COLLATE ' || co.collname ELSE '' END
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type b ON b.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
WHERE n.nspname = %(schema)s
  AND c.relname = ANY(%(tables)s)
  AND a.attnum > 0
  AND NOT a.attisdropped
  AND (
      (t.typnamespace <> 'pg_catalog'::pg_catalog.regnamespace
       AND NOT (t.typtype = 'd' AND b.typnamespace = 'pg_catalog'::pg_catalog.regnamespace))
      OR co.collnamespace <> 'pg_catalog'::pg_catalog.regnamespace
  )
ORDER BY c.relname, a.attnum
LIMIT 1
