-- The lineage values under one date's recorded differing keys, for every entity keyed on
-- a lineage at once: per (lineage, value) whether some difference under it is unexplained,
-- and how many unexplained keys (a NULL value: keys that hold none).
SELECT e.lineage,
       d.key[e.position] AS unit,
       bool_or(d.accepted_by IS NULL) AS unexplained,
       count(*) FILTER (WHERE d.accepted_by IS NULL) AS unexplained_keys
FROM harness.differing_key AS d
JOIN unnest(%(entities)s::text[], %(lineages)s::text[], %(positions)s::int[]) AS e (entity, lineage, position)
  ON e.entity = d.entity
WHERE d.run_id = %(run)s AND d.scope = 'date' AND d.business_date = %(day)s
GROUP BY 1, 2
