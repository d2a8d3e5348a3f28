-- Books drift: per business date, the count and order-independent hash of one side's rows
-- of one entity ({query}: the entity's query widened to the run's dates, its date column
-- as "{alias}"); the parameter: the ignored columns, left out of the hash. Every function and
-- operator is pg_catalog-qualified: this runs as the reader, over side tables.
SELECT s."{alias}"::pg_catalog.text,
       pg_catalog.count(*),
       pg_catalog.sum(('x' OPERATOR(pg_catalog.||) pg_catalog.left(pg_catalog.md5(
           (pg_catalog.to_jsonb(s) OPERATOR(pg_catalog.-) %s::pg_catalog.text[])::pg_catalog.text), 15)
       )::bit(60)::bigint)
FROM ({query}) AS s
GROUP BY 1
