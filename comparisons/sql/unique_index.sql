-- Whether the table (schema, name) has a unique index proving the columns unique: valid,
-- immediate, no expressions or predicate, on a subset of the columns, each NOT NULL or
-- with NULLS NOT DISTINCT and under the own collation of the column; the table an ordinary or
-- partitioned one without children.
SELECT EXISTS (
    SELECT 1
    FROM pg_catalog.pg_class AS c
    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_index AS i ON i.indrelid = c.oid
    WHERE n.nspname = %s AND c.relname = %s
      AND (c.relkind = 'p' OR (c.relkind = 'r' AND NOT EXISTS (
          SELECT 1 FROM pg_catalog.pg_inherits AS h WHERE h.inhparent = c.oid)))
      AND i.indisunique AND i.indisvalid AND i.indimmediate
      AND i.indexprs IS NULL AND i.indpred IS NULL
      AND NOT EXISTS (
          SELECT 1
          FROM ROWS FROM (pg_catalog.unnest(i.indkey::pg_catalog.int2[]),
                         pg_catalog.unnest(i.indcollation::pg_catalog.oid[]))
               AS k(attnum, collation_oid)
          JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attnum = k.attnum
          WHERE a.attname <> ALL (%s::pg_catalog.text[])
             OR (NOT a.attnotnull AND NOT i.indnullsnotdistinct)
             -- the equality of the index must be the one the comparison groups by
             OR k.collation_oid <> a.attcollation
      )
)
