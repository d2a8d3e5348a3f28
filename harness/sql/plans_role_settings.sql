-- The settings a role has in the current database only (ALTER ROLE ... IN DATABASE ... SET),
-- one 'name=value' text per setting; no row when it has none.
SELECT pg_catalog.unnest(s.setconfig)
FROM pg_catalog.pg_db_role_setting s
JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
WHERE r.rolname = %(role)s
  AND d.datname = pg_catalog.current_database()
