-- One business case's cells on one date: the units each cell holds, how many of them have
-- an unexplained difference in some entity keyed on the case's lineage (and which: the
-- units traced to a cell), and how many only accepted ones. Below, the case placeholder is
-- the case query, date bound and qualified to the source schema; the cell placeholder its
-- cell column, or the case's name as a parameter when it returns none.
SELECT coalesce(cell, '(none)') AS cell,
       count(DISTINCT unit) AS units,
       count(DISTINCT unit) FILTER (WHERE unit = ANY (%(unexplained)s::text[])) AS differing,
       count(DISTINCT unit) FILTER (
           WHERE unit = ANY (%(accepted)s::text[]) AND NOT unit = ANY (%(unexplained)s::text[])
       ) AS accepted,
       coalesce(array_agg(DISTINCT unit) FILTER (WHERE unit = ANY (%(unexplained)s::text[])), ARRAY[]::text[]) AS traced
FROM (SELECT CAST({cell} AS text) AS cell, CAST(c.unit AS text) AS unit FROM ({case}) AS c) AS cases
GROUP BY 1
ORDER BY 1
