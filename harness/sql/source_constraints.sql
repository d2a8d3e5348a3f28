-- What CREATE TABLE ... (LIKE ... INCLUDING CONSTRAINTS INCLUDING INDEXES) copies on one
-- server: check, primary key, unique and exclusion constraints, then the other indexes.
SELECT pg_catalog.pg_get_constraintdef(c.oid)
FROM pg_catalog.pg_constraint c
WHERE c.conrelid = %(table)s::regclass AND c.contype IN ('c', 'p', 'u', 'x')
ORDER BY c.contype, c.conname
