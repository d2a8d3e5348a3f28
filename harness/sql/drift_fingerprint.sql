-- Books drift: per business date, the count and order-independent hash of one side's rows
-- of one entity. {query}: the entity's query widened to the run's dates, its date column as
-- {alias}; {columns}: its columns but the ignored ones. The parameter is the run's secret
-- seed, so a side cannot craft a rewrite that keeps the sum. Every function is
-- pg_catalog-qualified: this runs as the reader, over side tables.
SELECT s.{alias}::pg_catalog.text,
       pg_catalog.count(*),
       pg_catalog.sum(pg_catalog.hashtextextended(ROW({columns})::pg_catalog.text, %s))
FROM ({query}) AS s
GROUP BY 1
