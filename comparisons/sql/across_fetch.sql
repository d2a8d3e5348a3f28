-- One side's rows of the keys the comparison wants, every column of the entity query.
-- The join is on a hash of the key (NULL parts included), then the key itself, NULL-safe.
SELECT {columns} FROM ({keyed}) AS t JOIN {wanted} AS w
    ON pg_catalog.hash_record_extended(ROW({row_keys}), 0)
     = pg_catalog.hash_record_extended(ROW({wanted_keys}), 0)
   AND ROW({row_keys}) IS NOT DISTINCT FROM ROW({wanted_keys})
