-- The keys whose rows are not settled by their digests: not one row per side, or two
-- rows whose digests differ. n1: the key's rows on the control. _g: a hash of the key,
-- NULL parts included, so the rows of these keys can be found again by a hash join.
CREATE TEMP TABLE {diff} AS
SELECT {keys}, pg_catalog.hash_record_extended(ROW({keys}), 0) AS "_g",
       pg_catalog.count(*) FILTER (WHERE "_side" = 0) AS n1
FROM (SELECT 0 AS "_side", * FROM {h0} UNION ALL SELECT 1 AS "_side", * FROM {h1}) AS u
GROUP BY {keys}
HAVING pg_catalog.count(*) FILTER (WHERE "_side" = 0) <> 1
    OR pg_catalog.count(*) FILTER (WHERE "_side" = 1) <> 1
    OR pg_catalog.sum(
        CASE WHEN "_side" = 0 THEN 1 ELSE -1 END * (pg_catalog.uuid_hash_extended("_h", 0) >> 1)
    ) <> 0
