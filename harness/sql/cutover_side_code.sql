-- Triggers and rules on the books tables (schema, tables): side code that would run as the
-- harness's own user while it publishes. Internal triggers (foreign keys) are not side code.
SELECT c.relname, 'trigger ' || t.tgname
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relname = ANY (%(tables)s) AND NOT t.tgisinternal
UNION ALL
SELECT r.tablename, 'rule ' || r.rulename
FROM pg_catalog.pg_rules r
WHERE r.schemaname = %(schema)s AND r.tablename = ANY (%(tables)s)
LIMIT 1
