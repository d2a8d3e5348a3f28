-- Columns of one table (schema, table): name, type as declared, part of its primary key.
SELECT a.attname,
       pg_catalog.format_type(a.atttypid, a.atttypmod),
       COALESCE(a.attnum = ANY (i.indkey), false)
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary
WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum
