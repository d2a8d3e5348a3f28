-- The digests of one side's rows whose keys are not settled: the rows to fetch.
SELECT DISTINCT h."_h" FROM {hashes} AS h JOIN {diff} AS d
    ON d."_g" = pg_catalog.hash_record_extended(ROW({row_keys}), 0)
   AND ROW({row_keys}) IS NOT DISTINCT FROM ROW({diff_keys})
